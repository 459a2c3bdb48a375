//! What the area examples share: a client for a fake Metronome started in
//! this process, or, with `--live` and `METRONOME_BEARER_TOKEN`, for your
//! account.

use metronome_client::{Client, RetryPolicy};
use metronome_mock::MockMetronome;

/// The client, and the fake it talks to (kept alive by the caller).
pub async fn connect() -> Result<(Client, Option<MockMetronome>), metronome_client::Error> {
    if std::env::args().any(|a| a == "--live") {
        return Ok((Client::from_env()?, None));
    }
    let mock = MockMetronome::builder().customers(3).start().await;
    eprintln!(
        "(a fake Metronome at {}; --live uses your account)",
        mock.base_url()
    );
    let client = Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        // The fake never needs a pause between attempts.
        .retry_policy(RetryPolicy::for_tests())
        .build()?;
    Ok((client, Some(mock)))
}

/// The first customer the account lists, if any (said on stdout when none).
#[allow(dead_code)] // not every example needs one
pub async fn first_customer(
    client: &Client,
) -> Result<Option<metronome_client::types::CustomerDetail>, metronome_client::Error> {
    let first = client
        .customers()
        .list()
        .send()
        .await?
        .data
        .into_iter()
        .next();
    if first.is_none() {
        println!("no customers");
    }
    Ok(first)
}
