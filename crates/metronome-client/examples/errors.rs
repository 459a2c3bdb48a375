//! `cargo run --example errors`: what each kind of failure looks like, and
//! how to tell them apart with a `match`.
//!
//! Runs against a fake Metronome in this process, which makes each failure
//! happen on purpose.

use metronome_client::{ApiErrorKind, Client, Error, RetryPolicy};
use metronome_mock::{Fault, MockMetronome, UnknownIds};

/// What an application might do with each failure.
fn explain(error: &Error) -> String {
    match error {
        Error::Api(api) => match api.kind {
            ApiErrorKind::NotFound => format!("not found: check the id ({})", api.status),
            ApiErrorKind::RateLimited => format!(
                "rate limited after {} attempts; the server asked to wait {:?}",
                api.context.attempts, api.retry_after
            ),
            ApiErrorKind::Authentication => {
                "the token was refused: check METRONOME_BEARER_TOKEN".into()
            }
            ApiErrorKind::BadRequest => format!(
                "the server refused the request: {}",
                api.message.as_deref().unwrap_or("(no message)")
            ),
            kind => format!("{kind:?} ({}): {error}", api.status),
        },
        Error::InvalidRequest(why) => format!("caught before sending: {why}"),
        Error::Timeout { context, .. } => {
            format!("no answer in time, {} attempts", context.attempts)
        }
        Error::Connection { .. } => "could not reach Metronome".into(),
        other => format!("other: {other}"),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let mock = MockMetronome::builder()
        .customers(2)
        .unknown_ids(UnknownIds::NotFound)
        .start()
        .await;
    let client = Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::for_tests())
        .build()?;

    // 1. An argument the API would refuse never leaves the process.
    let invalid = client.customers().list().limit(0).send().await.unwrap_err();
    println!("limit(0):          {}", explain(&invalid));

    // 2. An id Metronome does not know.
    let missing = client
        .customers()
        .retrieve("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .unwrap_err();
    println!("unknown customer:  {}", explain(&missing));

    // 3. Rate limited on every attempt: retried, then reported.
    mock.faults()
        .persist(Fault::status(429).with_header("retry-after", "1"));
    let limited = client.customers().list().send().await.unwrap_err();
    println!("rate limited:      {}", explain(&limited));
    mock.faults().clear();

    // 4. A wrong token.
    let stranger = Client::builder()
        .bearer_token("not-the-token")
        .base_url(mock.base_url())
        .build()?;
    let refused = stranger.customers().list().send().await.unwrap_err();
    println!("wrong token:       {}", explain(&refused));

    // Every error prints as one line that says what and where.
    println!("\nas printed:        {limited}");
    Ok(())
}
