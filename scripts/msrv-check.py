#!/usr/bin/env python3
"""Checks that the locked dependencies of the published crates support the
workspace's declared `rust-version`.

    python3 scripts/msrv-check.py

No older toolchain can be installed on the machines this project is built
on, so instead of building with Rust 1.88 this reads `cargo metadata
--locked` (all features), walks the normal and build dependencies of
metronome-api, metronome-client and metronome-mock (dev-dependencies and
the xtask are tools of this repository, not what users build), and fails
when a locked package declares a `rust-version` newer than ours. Packages
that declare none are counted and listed with --verbose: nothing can be
said of them without building.

Cargo keeps this true when resolving (`resolver = "3"`: versions whose
`rust-version` is newer than ours are avoided); this check catches a lock
file updated some other way.
"""

import json
import subprocess
import sys

PUBLISHED = {"metronome-api", "metronome-client", "metronome-mock"}


def version_tuple(text: str) -> tuple:
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def main() -> int:
    metadata = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--locked", "--all-features"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    packages = {p["id"]: p for p in metadata["packages"]}
    members = [packages[i] for i in metadata["workspace_members"]]
    ours = {p["rust_version"] for p in members if p["name"] in PUBLISHED}
    if len(ours) != 1 or None in ours:
        print(f"the published crates must declare one rust-version, found {ours}", file=sys.stderr)
        return 1
    msrv = ours.pop()

    nodes = {n["id"]: n for n in metadata["resolve"]["nodes"]}
    todo = [p["id"] for p in members if p["name"] in PUBLISHED]
    reached = set()
    while todo:
        current = todo.pop()
        if current in reached:
            continue
        reached.add(current)
        for dep in nodes[current]["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds & {None, "build"}:
                todo.append(dep["pkg"])

    newer, unknown = [], []
    for pid in sorted(reached, key=lambda i: packages[i]["name"]):
        package = packages[pid]
        if package["name"] in PUBLISHED:
            continue
        declared = package.get("rust_version")
        if declared is None:
            unknown.append(f'{package["name"]} {package["version"]}')
        elif version_tuple(declared) > version_tuple(msrv):
            newer.append(f'{package["name"]} {package["version"]} needs Rust {declared}')

    print(
        f"rust-version {msrv}: {len(reached) - len(PUBLISHED)} locked dependencies of the published crates, "
        f"{len(newer)} need a newer Rust, {len(unknown)} declare no rust-version"
    )
    if "--verbose" in sys.argv[1:]:
        for line in unknown:
            print(f"  no rust-version: {line}")
    for line in newer:
        print(f"  {line}", file=sys.stderr)
    if newer:
        print(
            "update them with a resolver that honours rust-version "
            "(`cargo update -p <name>` with resolver 3), or raise rust-version",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
