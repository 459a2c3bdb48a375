//! The token in every place it could leak: Debug and Display of everything
//! a caller holds, and everything logged at TRACE during a failing walk.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::TryStreamExt;
use metronome_client::{Client, Error, RetryPolicy};
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

#[test]
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
        // Tests of this binary run on parallel threads, some with their own
        // subscriber: a callsite first reached on another thread while this
        // subscriber was being registered can keep a stale "never" interest
        // (a race in tracing-core). Ask every callsite again.
        tracing::callsite::rebuild_interest_cache();
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

#[tokio::test]
async fn no_error_kind_shows_the_token() {
    let mock = MockMetronome::builder().token(SECRET).start().await;
    let client = Client::builder()
        .bearer_token(SECRET)
        .base_url(mock.base_url())
        .max_retries(0)
        .timeout(Duration::from_millis(100))
        .max_response_bytes(64)
        .build()
        .unwrap();
    let week = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
    };
    let mut errors = vec![];
    for fault in [
        Fault::status(401),
        Fault::Delay(Duration::from_millis(300)),
        Fault::MalformedBody("{".into()),
        Fault::DropConnection,
    ] {
        mock.faults().push(fault);
        errors.push(week().send().await.unwrap_err());
    }
    errors.push(week().send().await.unwrap_err());
    errors.push(
        client
            .customers()
            .list_costs("nope", "x", "y")
            .send()
            .await
            .unwrap_err(),
    );
    errors.push(
        Client::builder()
            .bearer_token(SECRET)
            .base_url("ftp://x")
            .build()
            .unwrap_err(),
    );
    assert!(
        matches!(
            errors.as_slice(),
            [
                Error::Api(_),
                Error::Timeout { .. },
                Error::Decode(_),
                Error::Connection { .. },
                Error::ResponseTooLarge { .. },
                Error::InvalidRequest(_),
                Error::Config(_)
            ]
        ),
        "one error of each kind: {errors:?}"
    );
    for err in &errors {
        for text in [
            format!("{err}"),
            format!("{err:?}"),
            format!("{:?}", std::error::Error::source(err)),
        ] {
            assert!(!text.contains(SECRET), "{text}");
        }
    }
}
