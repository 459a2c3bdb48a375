//! Fault injection, as the SDK experiences it.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use metronome_client::{Client, Error, RetryPolicy};
use metronome_mock::{Fault, MockMetronome};

fn client(mock: &MockMetronome, retries: u32) -> Client {
    Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .retry_policy(
            RetryPolicy::default()
                .max_retries(retries)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2)),
        )
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

fn week(client: &Client) -> metronome_client::requests::UsageList {
    client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
}

#[tokio::test]
async fn scripted_statuses_with_headers_are_retried_and_counted() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    mock.faults()
        .push(Fault::status(429).with_header("retry-after", "0"))
        .push(Fault::status(503))
        .push(Fault::DropConnection);
    let rows: Vec<_> = week(&client(&mock, 3))
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 42);
    assert_eq!(mock.faults().injected_total(), 3);
    assert_eq!(
        mock.request_count(),
        5 + 3,
        "5 pages and 3 faulted attempts, each logged (a dropped connection too)"
    );
    let labels: Vec<_> = mock
        .requests()
        .iter()
        .filter_map(|r| r.fault.clone())
        .collect();
    assert_eq!(labels, ["429+retry-after", "503", "drop"]);
}

#[tokio::test]
async fn a_delay_longer_than_the_timeout_is_retried() {
    let mock = MockMetronome::start().await;
    mock.faults().push(Fault::Delay(Duration::from_secs(2)));
    let page = week(&client(&mock, 1)).send().await.unwrap();
    assert_eq!(page.data.len(), 42);
    assert_eq!(mock.faults().injected()["delay"], 1);
}

#[tokio::test]
async fn truncated_and_malformed_bodies_are_decode_errors() {
    let mock = MockMetronome::start().await;
    mock.faults()
        .push(Fault::TruncatedBody)
        .push(Fault::MalformedBody("<html>oops</html>".into()));
    for _ in 0..2 {
        let err = week(&client(&mock, 2)).send().await.unwrap_err();
        assert!(matches!(err, Error::Decode(_)), "{err:?}");
        assert_eq!(err.attempts(), 1, "a 200 is not retried");
    }
}

#[tokio::test]
async fn an_empty_page_with_a_cursor_loses_and_repeats_nothing() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let clean: Vec<_> = week(&client(&mock, 0))
        .stream()
        .try_collect()
        .await
        .unwrap();
    mock.faults()
        .push(Fault::EmptyPageWithCursor)
        .push(Fault::EmptyPageWithCursor);
    let pages: Vec<_> = week(&client(&mock, 0)).pages().try_collect().await.unwrap();
    assert_eq!(pages.len(), 7, "5 pages and 2 empty ones");
    let rows: Vec<_> = pages.into_iter().flat_map(|p| p.data).collect();
    assert_eq!(rows, clean);
}

#[tokio::test]
async fn a_repeated_cursor_stops_the_walk() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let client = client(&mock, 0);
    let first = week(&client).send().await.unwrap();
    mock.faults().persist(Fault::RepeatCursor);
    let results: Vec<_> = week(&client)
        .next_page(first.next_page.unwrap())
        .stream()
        .collect()
        .await;
    assert_eq!(results.len(), 11, "page 2's items, then the error");
    assert!(
        matches!(
            results.last(),
            Some(Err(Error::RepeatedCursor { page: 1, .. }))
        ),
        "{:?}",
        results.last()
    );
}

#[tokio::test]
async fn a_random_rate_is_reproducible_from_its_seed() {
    let mut counts = Vec::new();
    for _ in 0..2 {
        let mock = MockMetronome::builder().usage_page_size(1).start().await;
        mock.faults()
            .random(0.3, vec![Fault::status(500), Fault::status(502)], 7);
        let rows: Vec<_> = week(&client(&mock, 5))
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(rows.len(), 42);
        counts.push(mock.faults().injected());
    }
    assert_eq!(counts[0], counts[1]);
    assert!(counts[0].values().sum::<u64>() > 0);
}

#[tokio::test]
async fn a_persistent_fault_fails_every_attempt_until_cleared() {
    let mock = MockMetronome::start().await;
    mock.faults().persist(Fault::status(500));
    let err = week(&client(&mock, 2)).send().await.unwrap_err();
    assert_eq!(
        (err.status().map(|s| s.as_u16()), err.attempts()),
        (Some(500), 3)
    );
    mock.faults().clear();
    assert!(week(&client(&mock, 0)).send().await.is_ok());
}
