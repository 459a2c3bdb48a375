//! What the client logs: each call and each retry as one event at target
//! `metronome`, and, in everything logged at TRACE during a failing walk
//! (the client's events and spans, reqwest's and hyper's), never the token.
//!
//! A test binary of its own, with one test: tracing decides once per call
//! site whether anyone listens, and tests running in parallel threads with
//! subscribers of their own made that decision for this one (twice in CI,
//! the client's events were missing from the capture).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use metronome_client::{Client, RetryPolicy};
use metronome_mock::{Fault, MockMetronome};

const SECRET: &str = "sk-live-0123456789abcdef";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Everything logged at TRACE during a failing walk, without the token.
fn trace_logs_of_a_walk_with_failures_never_hold_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _ = tracing_log::LogTracer::init();

    tracing::subscriber::with_default(subscriber, || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mock = MockMetronome::builder()
                .token(SECRET)
                .usage_page_size(5)
                .start()
                .await;
            mock.faults()
                .push(Fault::status(429).with_header("retry-after", "0"))
                .push(Fault::DropConnection)
                .push(Fault::status(503));
            let client = Client::builder()
                .bearer_token(SECRET)
                .base_url(mock.base_url())
                .retry_policy(
                    RetryPolicy::default()
                        .max_retries(3)
                        .initial_backoff(Duration::from_millis(1)),
                )
                .build()
                .unwrap();
            let rows: Vec<_> = client
                .usage()
                .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
                .stream()
                .try_collect()
                .await
                .unwrap();
            assert_eq!(rows.len(), 42);

            mock.faults().persist(Fault::status(500));
            let err = client
                .usage()
                .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
                .send()
                .await
                .unwrap_err();
            tracing::error!(error = %err, debug = ?err, "the walk failed");
            tracing::debug!(client = ?client, "the client");
        });
    });

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("metronome: retrying"),
        "the retries were logged:\n{logs}"
    );
    assert!(logs.lines().count() > 10, "TRACE output was captured");
    assert!(
        !logs.contains(SECRET),
        "the token leaked into the logs:\n{logs}"
    );
}

/// Each call and each retry is one debug event at target `metronome`.
fn each_call_and_each_retry_is_one_debug_event_at_target_metronome() {
    let (_, logs) = metronome_integration_tests::capture_logs(tracing::Level::DEBUG, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async {
                let mock = metronome_mock::MockMetronome::start().await;
                mock.faults().push(metronome_mock::Fault::status(503));
                let client = Client::builder()
                    .bearer_token(mock.token())
                    .base_url(mock.base_url())
                    .retry_policy(RetryPolicy::for_tests())
                    .build()
                    .unwrap();
                client.customers().list().send().await.unwrap();
            })
    });
    let ours: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains(" metronome: "))
        .collect();
    assert_eq!(ours.len(), 2, "{ours:#?}");
    assert!(
        ours[0].contains("retrying") && ours[0].contains("status=503"),
        "{}",
        ours[0]
    );
    for field in [
        "request finished",
        "operation=\"customers_list\"",
        "status=200",
        "outcome=\"success\"",
        "attempts=2",
        "elapsed_ms=",
    ] {
        assert!(ours[1].contains(field), "{field} in {}", ours[1]);
    }
}

/// The one test of this binary: the two checks, one after the other, never
/// with another subscriber alive on a parallel thread.
#[test]
fn what_the_client_logs() {
    trace_logs_of_a_walk_with_failures_never_hold_the_token();
    each_call_and_each_retry_is_one_debug_event_at_target_metronome();
}
