//! `cargo run --example customers_and_contracts`: register a customer, give
//! them a contract, and read both back; then page through every customer.
//!
//! Runs against a fake Metronome in this process (`--live` writes to your
//! account: it creates a customer and a contract there).

#[path = "common/mod.rs"]
mod common;

use futures::TryStreamExt;
use metronome_client::chrono::{Datelike, NaiveDate, Utc};

#[tokio::main]
async fn main() -> Result<(), metronome_client::Error> {
    let (client, _mock) = common::connect().await?;

    // A customer; the ingest alias is what your usage events name them by.
    let customer = client
        .customers()
        .create("Example Corp")
        .ingest_aliases(["example-corp"])
        .send()
        .await?;
    println!("created customer {} ({})", customer.id, customer.name);

    // A contract from the first of next month (contracts start on a day
    // boundary); the rate card and commits would be set here too.
    let today = Utc::now().date_naive();
    let (year, month) = if today.month() == 12 {
        (today.year() + 1, 1)
    } else {
        (today.year(), today.month() + 1)
    };
    let starting_at = NaiveDate::from_ymd_opt(year, month, 1).expect("the first of a month");
    let contract = client
        .contracts()
        .create(customer.id, starting_at)
        .name("Example Corp, 2027")
        .send()
        .await?;
    println!("created contract {}", contract.id);

    let fetched = client
        .contracts()
        .retrieve(customer.id, contract.id)
        .send()
        .await?;
    println!(
        "contract {} of customer {}: {} amendment(s)",
        fetched.id,
        fetched.customer_id,
        fetched.amendments.len()
    );

    // Every customer, across pages, lazily.
    let names: Vec<String> = client
        .customers()
        .list()
        .stream()
        .map_ok(|c| c.name)
        .try_collect()
        .await?;
    println!("{} customers: {}", names.len(), names.join(", "));
    Ok(())
}
