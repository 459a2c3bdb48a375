//! The ingest pipeline through a server that fails one request in five:
//! every event ends in the server's store exactly once or in a failure
//! report, never both, never neither.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use metronome_client::{Client, Event, RetryPolicy};
use metronome_mock::MockMetronome;

use crate::soak::fault_mix;

const PRODUCERS: usize = 8;
const EVENTS_PER_PRODUCER: usize = 12_500;

#[test]
fn a_hundred_thousand_events_from_8_producers_under_20_percent_faults_arrive_once_each() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mock = MockMetronome::builder().log_capacity(64).start().await;
        mock.faults().random(0.2, fault_mix(), 7);
        let client = Client::builder()
            .bearer_token(mock.token())
            .base_url(mock.base_url())
            .retry_policy(
                RetryPolicy::default()
                    .max_retries(8)
                    .initial_backoff(Duration::from_millis(1))
                    .max_backoff(Duration::from_millis(4)),
            )
            .timeout(Duration::from_millis(150))
            .build()
            .unwrap();
        let ingester = client
            .usage()
            .ingester()
            .max_in_flight(8)
            .buffer(1_000)
            .start()
            .unwrap();

        let started = Instant::now();
        let mut producers = Vec::new();
        for producer in 0..PRODUCERS {
            let ingester = ingester.clone();
            producers.push(tokio::spawn(async move {
                for n in 0..EVENTS_PER_PRODUCER {
                    let event = Event::new(
                        format!("p{producer}-{n}"),
                        format!("customer-{}", n % 50),
                        "api_call",
                        "2026-11-30T12:00:00Z",
                    )
                    .property("producer", producer)
                    .property("n", n);
                    ingester.send(event).await.unwrap();
                }
            }));
        }
        for producer in producers {
            producer.await.unwrap();
        }
        let report = ingester.clone().shutdown().await.unwrap();
        let elapsed = started.elapsed();

        let total = (PRODUCERS * EVENTS_PER_PRODUCER) as u64;
        let stored = mock.ingested_events();
        let stored_ids: BTreeSet<&str> = stored.iter().map(|e| e.transaction_id.as_str()).collect();
        let failed_ids: BTreeSet<String> = report
            .failed_events()
            .map(|e| e.transaction_id.to_string())
            .collect();
        let faults: BTreeMap<String, u64> = mock.faults().injected();
        let injected: u64 = faults.values().sum();
        let stats = ingester.stats();
        eprintln!(
            "ingest soak: events={total} acknowledged={} failed={} stored={} requests={} \
             faults_injected={injected} in {:.1}s; by kind: {faults:?}",
            report.acknowledged,
            report.failed,
            stored.len(),
            mock.request_count(),
            elapsed.as_secs_f64()
        );

        // The store deduplicates by transaction id; a retried batch that
        // had arrived the first time must not add events either.
        assert_eq!(stored.len(), stored_ids.len());
        // Nothing reported failed that the server accepted...
        assert!(
            failed_ids
                .iter()
                .all(|id| !stored_ids.contains(id.as_str()))
        );
        // ...and nothing missing that was not reported failed.
        assert_eq!(stored_ids.len() as u64 + failed_ids.len() as u64, total);
        for producer in 0..PRODUCERS {
            for n in 0..EVENTS_PER_PRODUCER {
                let id = format!("p{producer}-{n}");
                assert!(
                    stored_ids.contains(id.as_str()) || failed_ids.contains(&id),
                    "{id} is neither stored nor reported"
                );
            }
        }
        // With 8 retries, one in five failing cannot exhaust them.
        assert_eq!(report.failed, 0);
        assert_eq!(report.acknowledged, total);
        assert_eq!(
            (
                stats.accepted,
                stats.sent,
                stats.acknowledged,
                stats.in_flight,
                stats.queued
            ),
            (total, total, total, 0, 0)
        );
        // The faults happened: the pipeline was tested, not bypassed.
        assert!(injected > 100, "{faults:?}");
        // What was stored is what was sent.
        let sample = stored
            .iter()
            .find(|e| e.transaction_id == "p3-1234")
            .unwrap();
        assert_eq!(sample.customer_id, "customer-34");
        assert_eq!(sample.properties["producer"], 3);
        assert_eq!(sample.properties["n"], 1234);
    });
}
