//! `client.usage().ingester()` against the mock: batches no larger than the
//! API allows, a bounded number in flight, backpressure instead of loss,
//! and a report that accounts for every accepted event.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use metronome_client::requests::UsageIngest;
use metronome_client::types::UsageEvent;
use metronome_client::{ApiErrorKind, Client, Error, Event, IngestSendError, RetryPolicy};
use metronome_integration_tests::capture_logs;
use metronome_mock::{Fault, MockMetronome};

fn client(mock: &MockMetronome) -> Client {
    Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .retry_policy(
            RetryPolicy::default()
                .max_retries(2)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2)),
        )
        .build()
        .unwrap()
}

fn event(id: usize) -> Event {
    Event::new(
        format!("tx-{id}"),
        "customer-1",
        "api_call",
        "2026-11-30T12:00:00Z",
    )
    .property("n", id)
}

fn stored_ids(mock: &MockMetronome) -> BTreeSet<String> {
    mock.ingested_events()
        .into_iter()
        .map(|e| e.transaction_id)
        .collect()
}

/// The sizes of the ingest requests the mock received, in order.
fn batch_sizes(mock: &MockMetronome) -> Vec<usize> {
    mock.requests()
        .iter()
        .filter(|r| r.path == "/v1/ingest")
        .map(|r| {
            r.body
                .as_ref()
                .and_then(|b| b.as_array())
                .map_or(0, Vec::len)
        })
        .collect()
}

#[tokio::test]
async fn events_go_out_in_batches_no_larger_than_the_api_allows() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock).usage().ingester().start().unwrap();
    for n in 0..250 {
        ingester.send(event(n)).await.unwrap();
    }
    let report = ingester.flush().await.unwrap();
    assert_eq!(report.acknowledged, 250);
    assert_eq!(report.failed, 0);
    assert_eq!(UsageIngest::MAX_ITEMS, 100, "the description's maxItems");
    let sizes = batch_sizes(&mock);
    assert_eq!(sizes.iter().sum::<usize>(), 250);
    assert!(sizes.iter().all(|&n| (1..=100).contains(&n)), "{sizes:?}");
    assert_eq!(sizes.iter().filter(|&&n| n == 100).count(), 2, "{sizes:?}");
    assert_eq!(stored_ids(&mock).len(), 250);
    let stats = ingester.stats();
    assert_eq!(
        (
            stats.accepted,
            stats.sent,
            stats.acknowledged,
            stats.failed,
            stats.in_flight,
            stats.queued
        ),
        (250, 250, 250, 0, 0, 0)
    );
    ingester.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_batch_that_is_not_full_goes_out_after_the_flush_interval() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .flush_interval(Duration::from_millis(50))
        .start()
        .unwrap();
    for n in 0..3 {
        ingester.send(event(n)).await.unwrap();
    }
    // No flush: the timer sends the batch.
    let deadline = Instant::now() + Duration::from_secs(5);
    while stored_ids(&mock).len() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(stored_ids(&mock).len(), 3);
    assert_eq!(batch_sizes(&mock), vec![3], "one request for the three");
    assert_eq!(ingester.stats().acknowledged, 3);
    ingester.shutdown().await.unwrap();
}

/// An interval no instant can hold is no deadline (the worker panicked on
/// the overflow and lost what it had accepted): a flush still sends.
#[tokio::test]
async fn a_flush_interval_without_end_never_fires_and_flush_still_sends() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .flush_interval(Duration::MAX)
        .start()
        .unwrap();
    for n in 0..3 {
        ingester.send(event(n)).await.unwrap();
    }
    ingester.flush().await.unwrap();
    assert_eq!(stored_ids(&mock).len(), 3);
    assert_eq!(ingester.stats().acknowledged, 3);
    ingester.shutdown().await.unwrap();
}

#[tokio::test]
async fn requests_in_flight_never_exceed_the_limit() {
    let mock = MockMetronome::builder()
        .latency(Duration::from_millis(30))
        .start()
        .await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .batch_size(10)
        .max_in_flight(3)
        .start()
        .unwrap();
    for n in 0..300 {
        ingester.send(event(n)).await.unwrap();
    }
    let report = ingester.shutdown().await.unwrap();
    assert_eq!(report.acknowledged, 300);
    assert_eq!(batch_sizes(&mock).len(), 30);
    let most = mock.max_concurrent_requests();
    assert!((2..=3).contains(&most), "{most} requests at once");
}

#[tokio::test]
async fn a_full_buffer_makes_try_send_hand_the_event_back_and_send_wait() {
    let mock = MockMetronome::builder()
        .latency(Duration::from_millis(200))
        .start()
        .await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .batch_size(1)
        .max_in_flight(1)
        .buffer(2)
        .start()
        .unwrap();
    // One request in flight and one event in the batch waiting for it...
    ingester.send(event(0)).await.unwrap();
    ingester.send(event(1)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(ingester.stats().in_flight, 1);
    // ...then the buffer of 2 fills, and the next event comes back.
    ingester.try_send(event(2)).unwrap();
    ingester.try_send(event(3)).unwrap();
    let returned = match ingester.try_send(event(4)) {
        Err(IngestSendError::Full(event)) => event,
        other => panic!("{other:?}"),
    };
    assert_eq!(returned.transaction_id.as_str(), "tx-4");
    let accepted = 4;

    // `send` waits for room (the first request's answer) instead of failing.
    let started = Instant::now();
    ingester.send(*returned).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));

    let report = ingester.shutdown().await.unwrap();
    assert_eq!(report.acknowledged, accepted as u64 + 1);
    assert_eq!(stored_ids(&mock).len(), accepted + 1);
}

#[tokio::test]
async fn invalid_events_fail_at_send_and_nothing_is_queued() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock).usage().ingester().start().unwrap();
    let blank = Event::new(" ", "customer-1", "api_call", "2026-11-30T12:00:00Z");
    let bad_time = Event::new("tx-1", "customer-1", "api_call", "yesterday");
    // A generated event built by hand skips `Event`'s checks; the ingester
    // checks it anyway.
    let raw: UsageEvent = serde_json::from_value(serde_json::json!({
        "transaction_id": "tx-2", "customer_id": "c", "event_type": "t", "timestamp": "12/01/2026"
    }))
    .unwrap();
    for (result, field) in [
        (ingester.send(blank).await, "transaction_id"),
        (ingester.send(bad_time).await, "timestamp"),
        (ingester.try_send(raw), "timestamp"),
    ] {
        match result {
            Err(IngestSendError::Invalid(Error::InvalidRequest(message))) => {
                assert!(message.contains(field), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(ingester.stats().accepted, 0);
    let report = ingester.shutdown().await.unwrap();
    assert_eq!((report.acknowledged, report.failed), (0, 0));
    assert_eq!(mock.request_count(), 0, "nothing was sent");
}

#[tokio::test]
async fn a_rejected_batch_reports_exactly_its_events_and_the_servers_reason() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .batch_size(50)
        .max_in_flight(1)
        .start()
        .unwrap();
    for n in 0..100 {
        ingester.send(event(n)).await.unwrap();
    }
    ingester.flush().await.unwrap();
    // The next batch is refused (400 is not retried).
    mock.faults().push(Fault::status(400));
    for n in 100..250 {
        ingester.send(event(n)).await.unwrap();
    }
    // The report covers what finished since the flush's report.
    let report = ingester.shutdown().await.unwrap();
    assert_eq!((report.acknowledged, report.failed), (100, 50));
    assert_eq!(report.failures.len(), 1);
    let failure = &report.failures[0];
    match &failure.error {
        Error::Api(api) => {
            assert_eq!(api.status.as_u16(), 400);
            assert_eq!(api.kind, ApiErrorKind::BadRequest);
            let message = api.message.as_deref().unwrap_or_default();
            assert!(message.contains("injected fault"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let failed: BTreeSet<String> = report
        .failed_events()
        .map(|e| e.transaction_id.to_string())
        .collect();
    let expected: BTreeSet<String> = (100..150).map(|n| format!("tx-{n}")).collect();
    assert_eq!(failed, expected, "the batch after the flush, in order");
    let stored = stored_ids(&mock);
    assert_eq!(stored.len(), 200);
    assert!(stored.is_disjoint(&failed), "a failed event was accepted");
}

#[tokio::test]
async fn a_batch_out_of_retries_reports_all_its_events_and_the_rest_go_through() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .max_retries(1)
        .start()
        .unwrap();
    mock.faults().persist(Fault::status(503));
    for n in 0..150 {
        ingester.send(event(n)).await.unwrap();
    }
    let outage = ingester.flush().await.unwrap();
    mock.faults().clear();
    for n in 150..300 {
        ingester.send(event(n)).await.unwrap();
    }
    let after = ingester.shutdown().await.unwrap();

    assert_eq!((outage.acknowledged, outage.failed), (0, 150));
    assert_eq!(outage.failed_events().count(), 150);
    for failure in &outage.failures {
        match &failure.error {
            Error::Api(api) => {
                assert_eq!(api.status.as_u16(), 503);
                assert_eq!(api.context.attempts, 2, "the first attempt and one retry");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((after.acknowledged, after.failed), (150, 0));
    let failed: BTreeSet<String> = outage
        .failed_events()
        .map(|e| e.transaction_id.to_string())
        .collect();
    let stored = stored_ids(&mock);
    assert!(stored.is_disjoint(&failed));
    assert_eq!(
        stored.len() + failed.len(),
        300,
        "every event is stored or reported"
    );
}

#[tokio::test]
async fn an_on_failure_handler_receives_failures_as_they_happen() {
    let mock = MockMetronome::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let ingester = client(&mock)
        .usage()
        .ingester()
        .batch_size(10)
        .on_failure(move |failure| {
            sink.lock().unwrap().push(failure.events.len());
        })
        .start()
        .unwrap();
    mock.faults().persist(Fault::status(400));
    for n in 0..30 {
        ingester.send(event(n)).await.unwrap();
    }
    let report = ingester.shutdown().await.unwrap();
    assert_eq!(report.failed, 30);
    assert!(report.failures.is_empty(), "the handler took them");
    assert_eq!(*seen.lock().unwrap(), vec![10, 10, 10]);
}

#[tokio::test]
async fn shutdown_with_requests_in_flight_loses_nothing_and_closes_every_clone() {
    let mock = MockMetronome::builder()
        .latency(Duration::from_millis(100))
        .start()
        .await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .max_in_flight(2)
        .start()
        .unwrap();
    let other = ingester.clone();
    for n in 0..1_000 {
        ingester.send(event(n)).await.unwrap();
    }
    // Requests are in flight and most events are still queued.
    let stats = ingester.stats();
    assert!(stats.acknowledged < 1_000, "{stats:?}");
    let report = ingester.shutdown().await.unwrap();
    assert_eq!((report.acknowledged, report.failed), (1_000, 0));
    assert_eq!(stored_ids(&mock).len(), 1_000);

    // Every clone is closed, and gets its event back.
    match other.send(event(1_000)).await {
        Err(IngestSendError::Closed(event)) => assert_eq!(event.transaction_id.as_str(), "tx-1000"),
        result => panic!("{result:?}"),
    }
    let again = other.shutdown().await.unwrap();
    assert_eq!((again.acknowledged, again.failed), (0, 0), "nothing new");
}

#[test]
fn dropping_without_shutdown_warns_and_the_task_still_delivers() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (stored, log) = capture_logs(tracing::Level::WARN, || {
        runtime.block_on(async {
            let mock = MockMetronome::builder()
                .latency(Duration::from_millis(50))
                .start()
                .await;
            let ingester = client(&mock).usage().ingester().start().unwrap();
            for n in 0..120 {
                ingester.send(event(n)).await.unwrap();
            }
            drop(ingester);
            let deadline = Instant::now() + Duration::from_secs(10);
            while stored_ids(&mock).len() < 120 && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            stored_ids(&mock).len()
        })
    });
    assert!(log.contains("dropped without shutdown()"), "{log}");
    assert!(log.contains("pending=120"), "{log}");
    assert_eq!(stored, 120, "the task sent what it held");
}

#[test]
fn settings_out_of_range_and_no_runtime_are_configuration_errors() {
    let client = Client::builder()
        .bearer_token("t")
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let usage = client.usage();
    for (builder, says) in [
        (usage.ingester().batch_size(0), "batch_size"),
        (
            usage.ingester().batch_size(101),
            "batch_size must be 1 to 100",
        ),
        (usage.ingester().max_in_flight(0), "max_in_flight"),
        (usage.ingester().buffer(0), "buffer"),
        (
            usage.ingester().buffer(usize::MAX),
            "buffer must be at most",
        ),
        (
            usage.ingester().flush_interval(Duration::ZERO),
            "flush_interval",
        ),
        (usage.ingester(), "Tokio runtime"),
    ] {
        match builder.start() {
            Err(Error::Config(message)) => assert!(message.contains(says), "{message}"),
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_send_cancelled_while_it_waits_counts_nothing() {
    let mock = MockMetronome::builder()
        .latency(Duration::from_millis(300))
        .start()
        .await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .batch_size(1)
        .max_in_flight(1)
        .buffer(1)
        .start()
        .unwrap();
    // One request in flight, one event in the batch, one in the buffer:
    // the next `send` waits.
    for n in 0..3 {
        ingester.send(event(n)).await.unwrap();
    }
    // Given up by its caller while it waits, three times.
    for n in 3..6 {
        let waited = tokio::time::timeout(Duration::from_millis(20), ingester.send(event(n))).await;
        assert!(waited.is_err(), "the buffer was full: send waited");
    }
    assert_eq!(ingester.stats().accepted, 3, "only what was queued counts");
    let watcher = ingester.clone();
    let report = ingester.shutdown().await.unwrap();
    assert_eq!((report.acknowledged, report.failed), (3, 0));
    assert_eq!(watcher.stats().pending(), 0, "nothing left pending forever");
    assert_eq!(stored_ids(&mock).len(), 3);
}

#[tokio::test]
async fn a_long_outage_keeps_a_bounded_report_and_counts_the_rest() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .batch_size(50)
        .max_in_flight(1)
        .keep_failed(120)
        .start()
        .unwrap();
    mock.faults().persist(Fault::status(400));
    for n in 0..400 {
        ingester.send(event(n)).await.unwrap();
    }
    let report = ingester.flush().await.unwrap();
    assert_eq!(report.failed, 400, "every failed event is counted");
    assert_eq!(report.acknowledged, 0);
    // Two batches of 50 fit in 120; the third would not.
    assert_eq!(report.failed_events().count(), 100);
    assert_eq!(report.failures.len(), 2);
    assert_eq!(report.not_kept, 300);
    let kept: Vec<String> = report
        .failed_events()
        .map(|e| e.transaction_id.to_string())
        .collect();
    assert_eq!(
        kept.first().map(String::as_str),
        Some("tx-0"),
        "the first failures are kept"
    );

    // The next report starts empty and keeps again.
    mock.faults().clear();
    mock.faults().push(Fault::status(400));
    for n in 400..450 {
        ingester.send(event(n)).await.unwrap();
    }
    let next = ingester.shutdown().await.unwrap();
    assert_eq!((next.failed, next.not_kept), (50, 0));
    assert_eq!(next.failed_events().count(), 50);
}

#[tokio::test]
async fn events_that_would_sink_their_batch_are_refused_at_send() {
    let mock = MockMetronome::start().await;
    let ingester = client(&mock).usage().ingester().start().unwrap();
    // Blanks around a timestamp the SDK would otherwise forgive and send
    // as is, which the server refuses with the 99 good events beside it.
    let padded: UsageEvent = serde_json::from_value(serde_json::json!({
        "transaction_id": "tx-1", "customer_id": "c", "event_type": "t",
        "timestamp": " 2024-01-01T00:00:00Z"
    }))
    .unwrap();
    // A float JSON cannot carry would go out as `null`.
    let nan = event(2).property("tokens", f64::NAN);
    let infinite = event(3).property("ok", 1).property("cost", f32::INFINITY);
    for (result, says) in [
        (
            ingester.send(padded).await,
            "timestamp: \" 2024-01-01T00:00:00Z\" has blanks",
        ),
        (
            ingester.send(nan).await,
            "properties.tokens: must be a finite number, got NaN",
        ),
        (
            ingester.try_send(infinite),
            "properties.cost: must be a finite number, got inf",
        ),
    ] {
        match result {
            Err(IngestSendError::Invalid(Error::InvalidRequest(message))) => {
                assert!(message.contains(says), "{message}")
            }
            other => panic!("{other:?}"),
        }
    }
    // And `usage().ingest(..)` refuses the same event before sending.
    let direct = client(&mock)
        .usage()
        .ingest([event(4).property("tokens", f64::NEG_INFINITY)])
        .send()
        .await;
    match direct {
        Err(Error::InvalidRequest(message)) => {
            assert!(message.contains("properties.tokens"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(ingester.stats().accepted, 0);
    ingester.shutdown().await.unwrap();
    assert_eq!(mock.request_count(), 0, "nothing was sent");
}

#[tokio::test]
async fn question_mark_turns_an_event_handed_back_into_the_sdks_error() {
    let mock = MockMetronome::builder()
        .latency(Duration::from_millis(200))
        .start()
        .await;
    let ingester = client(&mock)
        .usage()
        .ingester()
        .batch_size(1)
        .max_in_flight(1)
        .buffer(1)
        .start()
        .unwrap();
    async fn queue(
        ingester: &metronome_client::Ingester,
        n: usize,
    ) -> Result<(), metronome_client::Error> {
        ingester.try_send(event(n))?;
        Ok(())
    }
    let mut handed_back = None;
    for n in 0..10 {
        if let Err(err) = queue(&ingester, n).await {
            handed_back = Some(err);
            break;
        }
    }
    match handed_back {
        Some(Error::NotQueued { reason, event }) => {
            assert_eq!(reason, "the ingester's buffer is full");
            assert!(event.transaction_id.as_str().starts_with("tx-"));
        }
        other => panic!("{other:?}"),
    }
    // An invalid event is the SDK's InvalidRequest, as from any call.
    let invalid = async {
        ingester.try_send(Event::new(" ", "c", "t", "2026-11-30T12:00:00Z"))?;
        Ok::<(), metronome_client::Error>(())
    };
    assert!(matches!(invalid.await, Err(Error::InvalidRequest(_))));
    ingester.shutdown().await.unwrap();
}
