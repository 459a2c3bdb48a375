#!/usr/bin/env python3
"""Checks that the published crates package cleanly.

    python3 scripts/package-check.py            # list check + cargo package --no-verify
    python3 scripts/package-check.py --verify   # also build each package as crates.io would

For metronome-types, metronome-api, metronome-mock and metronome-client, in dependency
order: `cargo package --list` must hold the licence files and the README,
and nothing that is not part of the crate (build output, editor or VCS
leftovers, pending snapshots, proptest regressions, scratch files). Then
`cargo package` builds the .crate files (the workspace's unpublished
crates are resolved from a local overlay, so nothing has to be on
crates.io first).
"""

import fnmatch
import subprocess
import sys

CRATES = ["metronome-types", "metronome-api", "metronome-mock", "metronome-client"]

REQUIRED = ["Cargo.toml", "Cargo.toml.orig", "LICENSE-MIT", "LICENSE-APACHE", "README.md", "src/lib.rs"]

STRAY = [
    "target/*", "*/target/*", "*.snap.new", "*.pending-snap", "*.orig.*", "*.rej", "*.swp", "*~",
    ".DS_Store", "*/.DS_Store", "proptest-regressions/*", "*.profraw", "*.log", "*.tmp",
    ".git/*", ".github/*", ".ci/*", "*.crate", "perf.data*", "callgrind.out*",
]


def run(args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def main() -> int:
    failures = []
    for crate in CRATES:
        files = run(["cargo", "package", "--list", "--locked", "--allow-dirty", "-p", crate]).split()
        for required in REQUIRED:
            if required not in files:
                failures.append(f"{crate}: {required} is not in the package")
        for licence in ["LICENSE-MIT", "LICENSE-APACHE"]:
            with open(licence, encoding="utf-8") as root, open(f"crates/{crate}/{licence}", encoding="utf-8") as copy:
                if root.read() != copy.read():
                    failures.append(f"{crate}: {licence} differs from the workspace's")
        stray = [f for f in files if any(fnmatch.fnmatch(f, p) for p in STRAY)]
        for f in stray:
            failures.append(f"{crate}: stray file in the package: {f}")
        print(f"{crate}: {len(files)} files, licences and README included, {len(stray)} stray")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        return 1
    verify = "--verify" in sys.argv[1:]
    args = ["cargo", "package", "--locked", "--allow-dirty"]
    for crate in CRATES:
        args += ["-p", crate]
    if not verify:
        args.append("--no-verify")
    result = subprocess.run(args, capture_output=True, text=True)
    summary = [l.strip() for l in result.stderr.splitlines() if l.strip().startswith(("Packaged", "Verifying", "Packaging", "error"))]
    print("\n".join(summary))
    if result.returncode != 0:
        print(result.stderr, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
