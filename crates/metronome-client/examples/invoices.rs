//! `cargo run --example invoices`: a customer's invoices, across pages, with
//! their totals, and the first one downloaded as a PDF.
//!
//! Runs against a fake Metronome in this process (`--live` reads your
//! account; nothing is written).

#[path = "common/mod.rs"]
mod common;

use futures::TryStreamExt;

#[tokio::main]
async fn main() -> Result<(), metronome_client::Error> {
    let (client, _mock) = common::connect().await?;
    let Some(customer) = common::first_customer(&client).await? else {
        return Ok(());
    };
    println!("invoices of {} ({})", customer.name, customer.id);

    let mut invoices = client
        .customers()
        .invoices()
        .list(customer.id)
        .limit(25)
        .stream();
    let mut first = None;
    let mut count = 0;
    let mut total = 0.0;
    while let Some(invoice) = invoices.try_next().await? {
        count += 1;
        total += invoice.total;
        if count <= 5 {
            println!(
                "  {}  {:<14} {:>10.2} {}",
                invoice.id,
                invoice.status.as_str(),
                invoice.total,
                invoice.credit_type.name
            );
        }
        first.get_or_insert(invoice.id);
    }
    println!("{count} invoices, {total:.2} in all");

    if let Some(invoice_id) = first {
        let pdf = client
            .customers()
            .invoices()
            .retrieve_pdf(customer.id, invoice_id)
            .send()
            .await?;
        println!("invoice {invoice_id} as PDF: {} bytes", pdf.len());
    }
    Ok(())
}
