//! `cargo run --example middleware`: a layer of your own in the client's
//! transport. It tags each attempt with a correlation id and records
//! every attempt's status and time: the retries show as separate attempts.
//!
//! Runs against a fake Metronome in this process that fails the first two
//! requests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use metronome_client::middleware::{Middleware, Next};
use metronome_client::reqwest::{Request, Response, Result};
use metronome_client::{Client, RetryPolicy};
use metronome_mock::{Fault, MockMetronome};

/// One attempt: operation, attempt number, status (0: no answer), time.
type Attempt = (String, u32, u16, Duration);

/// Every attempt seen, in order.
#[derive(Clone, Default)]
struct Recorder {
    attempts: Arc<Mutex<Vec<Attempt>>>,
}

impl Middleware for Recorder {
    fn handle<'a>(
        &'a self,
        mut request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, Result<Response>> {
        Box::pin(async move {
            let id = format!("{}-attempt-{}", next.operation(), next.attempt());
            request.headers_mut().insert(
                "x-correlation-id",
                id.parse().expect("an ASCII header value"),
            );
            let started = Instant::now();
            let (operation, attempt) = (next.operation(), next.attempt());
            let response = next.run(request).await;
            let status = response.as_ref().map_or(0, |r| r.status().as_u16());
            self.attempts.lock().unwrap().push((
                operation.to_string(),
                attempt,
                status,
                started.elapsed(),
            ));
            response
        })
    }
}

#[tokio::main]
async fn main() -> std::result::Result<(), metronome_client::Error> {
    let mock = MockMetronome::builder().customers(3).start().await;
    mock.faults()
        .push(Fault::status(503))
        .push(Fault::status(429));

    let recorder = Recorder::default();
    let client = Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::for_tests())
        .default_header("x-team", "billing")
        .middleware(recorder.clone())
        .build()?;

    let page = client.customers().list().send().await?;
    println!("{} customers after the retries", page.data.len());

    for (operation, attempt, status, took) in recorder.attempts.lock().unwrap().iter() {
        println!("  {operation} attempt {attempt}: {status} in {took:?}");
    }
    // What the server answered, attempt by attempt.
    for request in mock.requests() {
        println!(
            "  server saw {} {} (status {})",
            request.method, request.path, request.status
        );
    }
    Ok(())
}
