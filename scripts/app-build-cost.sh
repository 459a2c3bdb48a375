#!/usr/bin/env bash
# What an application using metronome-client pays to build, measured the
# way BENCHMARKS.md reports it ("Build cost of an application using the
# whole API").
#
#   scripts/app-build-cost.sh [DIR] [-- FEATURE ARGS FOR metronome-client]
#
# Makes a fresh application in DIR (default: target/app-build-cost) that
# depends on metronome-client by path and walks a customer's invoices,
# copies the workspace's Cargo.lock, then with an empty target directory:
#   1. a cold `cargo build --release` (wall time, CPU, compiler peak);
#   2. the incremental rebuild after touching the application's main.rs.
# Examples:
#   scripts/app-build-cost.sh
#   scripts/app-build-cost.sh target/app-ring -- --no-default-features --features rustls-ring,resources
# Needs crates downloaded (it runs with --locked, not --offline). Takes a
# few minutes on 2 cores; run nothing else meanwhile.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/target/app-build-cost}
shift || true
[[ ${1:-} == "--" ]] && shift
features=("$@")

rm -rf "$dir"
mkdir -p "$dir/src"
dir=$(cd "$dir" && pwd)

dependency="metronome-client = { path = \"$root/crates/metronome-client\""
if [[ " ${features[*]} " == *" --no-default-features "* ]]; then
  dependency+=", default-features = false"
fi
for ((i = 0; i < ${#features[@]}; i++)); do
  if [[ ${features[$i]} == "--features" ]]; then
    list=${features[$((i + 1))]}
    dependency+=", features = [\"${list//,/\", \"}\"]"
  fi
done
dependency+=" }"

cat >"$dir/Cargo.toml" <<EOF
[package]
name = "app"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
$dependency
futures = "0.3"
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
EOF

cat >"$dir/src/main.rs" <<'EOF'
use futures::TryStreamExt;
use metronome_client::Client;

#[tokio::main]
async fn main() -> Result<(), metronome_client::Error> {
    let client = Client::from_env()?;
    let customer = std::env::args().nth(1).unwrap_or_default();
    let invoices: Vec<_> = client
        .customers()
        .invoices()
        .list(customer)
        .stream()
        .try_collect()
        .await?;
    println!("{} invoices", invoices.len());
    Ok(())
}
EOF

cp "$root/Cargo.lock" "$dir/Cargo.lock"
export CARGO_TARGET_DIR="$dir/target"

cd "$dir"
echo "app: $dir"
echo "dependency: $dependency"
/usr/bin/time -f "cold release build: %e s wall, %U s user + %S s system, compiler peak %M KB" \
  cargo build --release -q --timings
touch src/main.rs
/usr/bin/time -f "incremental rebuild after touching main.rs: %e s wall, peak %M KB" \
  cargo build --release -q
echo "timings: $(ls -t "$CARGO_TARGET_DIR"/cargo-timings/cargo-timing-*.html | head -1)"
