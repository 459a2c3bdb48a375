#!/usr/bin/env bash
# What an application using metronome-client pays to build, measured the
# way BENCHMARKS.md reports it ("Build cost of a realistic application").
#
#   scripts/app-build-cost.sh [DIR] [-- FEATURE ARGS FOR metronome-client]
#
# Makes a fresh application in DIR (default: target/app-build-cost): a
# library crate calling 17 operations (onboarding, ingest, usage, costs,
# invoices and the PDF, balances, grants, contracts) and a binary calling
# the library, both depending on metronome-client by path; copies the
# SDK's Cargo.lock, then with an empty target directory:
#   1. a cold `cargo build --release` (wall time, CPU, compiler peak);
#   2. the release rebuild after touching the binary's main.rs;
#   3. a debug build, then the debug rebuild after touching main.rs.
# Examples:
#   scripts/app-build-cost.sh
#   scripts/app-build-cost.sh target/app-ring -- --no-default-features --features rustls-ring,resources
#   SDK_ROOT=/tmp/older-checkout scripts/app-build-cost.sh target/app-before
# Needs crates downloaded (it runs with --locked, not --offline). Takes a
# few minutes on 2 cores; run nothing else meanwhile.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# The SDK measured: this checkout, or another one to compare with.
sdk=${SDK_ROOT:-$root}
dir=${1:-$root/target/app-build-cost}
shift || true
[[ ${1:-} == "--" ]] && shift
features=("$@")

rm -rf "$dir"
mkdir -p "$dir/src" "$dir/billing/src"
dir=$(cd "$dir" && pwd)

dependency="metronome-client = { path = \"$sdk/crates/metronome-client\""
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
billing = { path = "billing" }
$dependency
tokio = { version = "1", features = ["macros", "rt-multi-thread"] }

[workspace]
members = ["billing"]
EOF

cat >"$dir/billing/Cargo.toml" <<EOF
[package]
name = "billing"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
$dependency
futures = "0.3"
EOF

cat >"$dir/billing/src/lib.rs" <<'EOF'
//! A billing service's calls to Metronome: onboarding, usage, invoices,
//! balances (17 operations).

use futures::TryStreamExt;
use metronome_client::chrono::{DateTime, Utc};
use metronome_client::types::{
    CommitInput, CommitInputType, ScheduleDurationInput, ScheduleDurationInputScheduleItemsItem,
};
use metronome_client::uuid::Uuid;
use metronome_client::{Client, Error, Event};

/// Creates a customer, a product, a rate card with a rate, and a contract
/// with a prepaid commit, then renames the customer; returns its id.
pub async fn onboard(
    client: &Client,
    name: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Uuid, Error> {
    let customer = client.customers().create(name).ingest_aliases([name]).send().await?;
    let product = client.contracts().products().create("API calls", "usage").send().await?;
    let rate_card = client.contracts().rate_cards().create("Standard").send().await?;
    client
        .contracts()
        .rate_cards()
        .rates()
        .add(rate_card.id, product.id, start)
        .entitled(true)
        .rate_type("flat")
        .price(2.0)
        .send()
        .await?;
    client
        .contracts()
        .create(customer.id, start)
        .rate_card_id(rate_card.id)
        .commits([CommitInput {
            access_schedule: Some(ScheduleDurationInput::new(vec![
                ScheduleDurationInputScheduleItemsItem::new(100_000.0, start, end),
            ])),
            ..CommitInput::new(product.id, CommitInputType::Prepaid)
        }])
        .send()
        .await?;
    let renamed = format!("{name} (onboarded)");
    client.customers().set_name(customer.id, renamed).send().await?;
    Ok(customer.id)
}

/// Sends `calls` usage events for the customer with this ingest alias.
pub async fn record(client: &Client, alias: &str, calls: u32) -> Result<(), Error> {
    let events = (0..calls)
        .map(|i| Event::new(format!("call-{i}"), alias, "api_call", "2026-01-02T00:00:00Z"));
    client.usage().ingest(events).send().await?;
    Ok(())
}

/// What a customer used, was invoiced and has left, as text.
pub async fn report(
    client: &Client,
    customer: Uuid,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<String, Error> {
    let mut out = Vec::new();
    let found = client.customers().retrieve(customer).send().await?;
    out.push(found.name);
    let all: Vec<_> = client.customers().list().max_pages(2).stream().try_collect().await?;
    out.push(format!("{} customers", all.len()));
    let usage: Vec<_> = client.usage().list(start, end, "day").stream().try_collect().await?;
    out.push(format!("{} usage rows", usage.len()));
    let costs: Vec<_> =
        client.customers().list_costs(customer, start, end).stream().try_collect().await?;
    out.push(format!("{} days of costs", costs.len()));
    let invoices: Vec<_> =
        client.customers().invoices().list(customer).stream().try_collect().await?;
    if let Some(first) = invoices.first() {
        let invoice = client.customers().invoices().retrieve(customer, first.id).send().await?;
        let pdf = client.customers().invoices().retrieve_pdf(customer, invoice.id).send().await?;
        out.push(format!("invoice {}: {} bytes of PDF", invoice.id, pdf.len()));
    }
    let balances: Vec<_> =
        client.contracts().list_balances(customer).stream().try_collect().await?;
    out.push(format!("{} balances", balances.len()));
    let grants: Vec<_> =
        client.credit_grants().list().customer_ids([customer]).stream().try_collect().await?;
    out.push(format!("{} credit grants", grants.len()));
    let contracts = client.contracts().list(customer).send().await?;
    out.push(format!("{} contracts", contracts.len()));
    let v2 = client.v2().contracts().list(customer).send().await?;
    out.push(format!("{} contracts (v2)", v2.len()));
    Ok(out.join("\n"))
}
EOF

cat >"$dir/src/main.rs" <<'EOF'
use metronome_client::Client;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    let start = "2026-01-01T00:00:00Z".parse()?;
    let end = "2027-01-01T00:00:00Z".parse()?;
    let name = std::env::args().nth(1).unwrap_or_else(|| "Example Corp".into());
    let customer = billing::onboard(&client, &name, start, end).await?;
    billing::record(&client, &name, 100).await?;
    println!("{}", billing::report(&client, customer, start, end).await?);
    Ok(())
}
EOF

cp "$sdk/Cargo.lock" "$dir/Cargo.lock"
export CARGO_TARGET_DIR="$dir/target"

cd "$dir"
echo "app: $dir"
echo "dependency: $dependency"
/usr/bin/time -f "cold release build: %e s wall, %U s user + %S s system, compiler peak %M KB" \
  cargo build --release -q --timings
touch src/main.rs
/usr/bin/time -f "release rebuild after touching main.rs: %e s wall, peak %M KB" \
  cargo build --release -q
/usr/bin/time -f "debug build: %e s wall" cargo build -q
touch src/main.rs
/usr/bin/time -f "debug rebuild after touching main.rs: %e s wall, peak %M KB" cargo build -q
echo "timings: $(ls -t "$CARGO_TARGET_DIR"/cargo-timings/cargo-timing-*.html | head -1)"
