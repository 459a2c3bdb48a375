#!/usr/bin/env bash
# Compiles the SDK's two crates against the code generated from the
# emitters' fixture (xtask/tests/fixture/openapi.yaml: one operation of
# every shape the generator knows) instead of the whole API's: the fixture's
# committed outputs must compile with the hand-written framework.
#
# `--cfg metronome_fixture` swaps the generated modules (see the `path`
# attributes in crates/metronome-api/src/lib.rs and
# crates/metronome-client/src/lib.rs); the fixture's operations are tagged
# `customers` and `contracts`, so those two features compile them, and
# nothing else of the SDK (the usage extras) refers to the whole API's
# operations. A target folder of its own keeps the main one's builds.
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTFLAGS="--cfg metronome_fixture"
export CARGO_TARGET_DIR="${FIXTURE_TARGET_DIR:-target/fixture}"
cargo check --locked --quiet -p metronome-client --no-default-features --features customers,contracts
echo "the fixture's generated code compiles with the SDK"
