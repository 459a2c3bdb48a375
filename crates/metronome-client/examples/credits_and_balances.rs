//! `cargo run --example credits_and_balances`: what a customer has left to
//! spend: their commits and credits with balances, and the plan-era credit
//! grants.
//!
//! Runs against a fake Metronome in this process (`--live` reads your
//! account; nothing is written).

#[path = "common/mod.rs"]
mod common;

use futures::TryStreamExt;
use metronome_client::types::Balance;

#[tokio::main]
async fn main() -> Result<(), metronome_client::Error> {
    let (client, _mock) = common::connect().await?;
    let Some(customer) = common::first_customer(&client).await? else {
        return Ok(());
    };
    println!("balances of {} ({})", customer.name, customer.id);

    // Commits and credits, each with its current balance.
    let balances: Vec<Balance> = client
        .contracts()
        .list_balances(customer.id)
        .include_balance(true)
        .stream()
        .try_collect()
        .await?;
    for balance in &balances {
        let (kind, id, name) = match balance {
            Balance::Commit(c) => ("commit", c.id, c.name.clone()),
            Balance::Credit(c) => ("credit", c.id, c.name.clone()),
        };
        println!("  {kind:<6} {id}  {}", name.unwrap_or_default());
    }

    // Credit grants of customers on plans.
    let grants = client
        .credit_grants()
        .list()
        .customer_ids([customer.id])
        .max_pages(5)
        .stream()
        .try_collect::<Vec<_>>()
        .await?;
    for grant in grants.iter().take(5) {
        println!(
            "  grant  {}  {}  expires {}",
            grant.id, grant.name, grant.expires_at
        );
    }
    println!(
        "{} balances, {} credit grants",
        balances.len(),
        grants.len()
    );
    Ok(())
}
