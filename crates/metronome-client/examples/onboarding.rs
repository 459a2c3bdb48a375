//! `cargo run --example onboarding`: everything a new customer needs to be
//! billed on a contract: the customer, a product, a rate card with a rate
//! for it, and a contract on that rate card with a prepaid commit.
//!
//! Runs against a fake Metronome in this process (`--live` writes to your
//! account: it creates all of the above there).

#[path = "common/mod.rs"]
mod common;

use metronome_client::chrono::{DateTime, Utc};
use metronome_client::types::{
    CommitInput, CommitInputType, ScheduleDurationInput, ScheduleDurationInputScheduleItemsItem,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (client, _mock) = common::connect().await?;
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse()?;
    let end: DateTime<Utc> = "2027-01-01T00:00:00Z".parse()?;

    // -- onboarding starts here (the lines the README counts) --
    let customer = client
        .customers()
        .create("Example Corp")
        .ingest_aliases(["example-corp"])
        .send()
        .await?;
    let product = client
        .contracts()
        .products()
        .create("API calls", "usage")
        .send()
        .await?;
    let rate_card = client
        .contracts()
        .rate_cards()
        .create("Standard 2026")
        .send()
        .await?;
    let rates = client.contracts().rate_cards().rates();
    rates
        .add(rate_card.id, product.id, start)
        .entitled(true)
        .rate_type("flat")
        .price(2.0)
        .send()
        .await?;
    let contract = client
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
    // -- onboarding ends here --

    println!(
        "customer {} is on contract {} (rate card {}, product {})",
        customer.id, contract.id, rate_card.id, product.id
    );
    Ok(())
}
