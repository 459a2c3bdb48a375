//! Partitioned walks: several walks at once, every item exactly once.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use metronome_client::{Error, types::UsageAggregate};
use metronome_integration_tests::mock_client as client;
use metronome_mock::{Fault, MockMetronome};

fn key(row: &UsageAggregate) -> (uuid::Uuid, uuid::Uuid, chrono::DateTime<chrono::Utc>) {
    (row.customer_id, row.billable_metric_id, row.start_timestamp)
}

async fn sorted(stream: metronome_client::ItemStream<UsageAggregate>) -> Vec<UsageAggregate> {
    let mut rows: Vec<_> = stream.try_collect().await.unwrap();
    rows.sort_by_key(key);
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_customers_every_item_exactly_once() {
    let mock = MockMetronome::builder()
        .customers(10)
        .metrics(2)
        .days(14)
        .usage_page_size(7)
        .start()
        .await;
    let ids: Vec<_> = mock.dataset().customers().iter().map(|c| c.id).collect();
    let client = client(&mock);
    let list = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-15T00:00:00Z", "day")
            .customer_ids(ids.clone())
    };

    let whole = sorted(list().stream()).await;
    let partitioned = list().partition_by_customers(4);
    assert_eq!(partitioned.len(), 4);
    let parts = sorted(partitioned.concurrency(3).stream()).await;

    assert_eq!(whole.len(), 10 * 2 * 14);
    assert_eq!(parts, whole);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn by_time_every_item_exactly_once_with_hourly_windows() {
    let mock = MockMetronome::builder()
        .customers(3)
        .metrics(1)
        .days(10)
        .usage_page_size(50)
        .start()
        .await;
    let client = client(&mock);
    let list = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-11T00:00:00Z", "hour")
    };

    let whole = sorted(list().stream()).await;
    let partitioned = list().partition_by_time(4);
    assert_eq!(partitioned.len(), 4, "10 days in runs of 3, 3, 3 and 1");
    let parts = sorted(partitioned.stream()).await;

    assert_eq!(whole.len(), 3 * 240);
    assert_eq!(parts, whole);
    for request in mock.requests() {
        let body = request.body.unwrap();
        assert!(
            body["starting_on"]
                .as_str()
                .unwrap()
                .ends_with("T00:00:00Z"),
            "partitions start at midnight"
        );
    }
}

#[tokio::test]
async fn what_cannot_be_split_is_an_invalid_request() {
    let mock = MockMetronome::start().await;
    let client = client(&mock);
    let no_ids = client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
        .partition_by_customers(2);
    let none = client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "none")
        .partition_by_time(2);
    for walk in [no_ids, none] {
        assert!(walk.is_empty());
        let results: Vec<_> = walk.stream().collect().await;
        assert!(
            matches!(results.as_slice(), [Err(Error::InvalidRequest(_))]),
            "{results:?}"
        );
    }
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_in_one_partition_ends_the_merged_stream() {
    let mock = MockMetronome::builder()
        .days(28)
        .usage_page_size(5)
        .latency(Duration::from_millis(2))
        .start()
        .await;
    mock.faults().push(Fault::status(400));
    let results: Vec<_> = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-29T00:00:00Z", "day")
        .partition_by_time(4)
        .pages()
        .collect()
        .await;
    let errors = results.iter().filter(|r| r.is_err()).count();
    assert_eq!(errors, 1);
    assert!(
        results.last().unwrap().is_err(),
        "the error is the last thing the stream yields"
    );
}

#[tokio::test]
async fn a_repeated_customer_id_is_walked_once() {
    let mock = MockMetronome::builder()
        .customers(3)
        .metrics(1)
        .days(2)
        .start()
        .await;
    let ids: Vec<_> = mock.dataset().customers().iter().map(|c| c.id).collect();
    let client = client(&mock);
    let repeated = [ids[0], ids[1], ids[0]];
    let list = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "day")
            .customer_ids(repeated)
    };
    let whole = sorted(list().stream()).await;
    let parts = sorted(list().partition_by_customers(3).stream()).await;
    assert_eq!(whole.len(), 2 * 2, "two customers, two days");
    assert_eq!(parts, whole, "no row twice");
}

#[tokio::test]
async fn a_start_cursor_cannot_start_a_partitioned_walk() {
    let mock = MockMetronome::start().await;
    let client = client(&mock);
    let ids: Vec<_> = mock.dataset().customers().iter().map(|c| c.id).collect();
    let list = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "day")
            .customer_ids(ids.clone())
            .next_page("somewhere")
    };
    for parts in [
        list().partition_by_customers(2),
        list().partition_by_time(2),
    ] {
        let results: Vec<_> = futures::StreamExt::collect(parts.stream()).await;
        assert!(
            matches!(results.as_slice(), [Err(Error::InvalidRequest(m))] if m.contains("next_page")),
            "{results:?}"
        );
    }
    assert_eq!(mock.request_count(), 0);
}

#[tokio::test]
async fn time_partitions_near_the_largest_instant_do_not_overflow() {
    let mock = MockMetronome::start().await;
    let results: Vec<_> = futures::StreamExt::collect(
        client(&mock)
            .usage()
            .list(
                chrono::DateTime::<chrono::Utc>::MAX_UTC - chrono::TimeDelta::hours(36),
                chrono::DateTime::<chrono::Utc>::MAX_UTC,
                "day",
            )
            .partition_by_time(1)
            .stream(),
    )
    .await;
    // However the server answers these dates, the split itself must not panic.
    assert!(!results.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_pages_bounds_the_whole_partitioned_walk_not_each_partition() {
    let mock = MockMetronome::builder()
        .customers(8)
        .metrics(1)
        .days(20)
        .usage_page_size(5)
        .start()
        .await;
    let ids: Vec<_> = mock.dataset().customers().iter().map(|c| c.id).collect();
    let client = client(&mock);
    let list = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-21T00:00:00Z", "day")
            .customer_ids(ids.clone())
    };
    for (name, parts) in [
        (
            "by customers",
            list().max_pages(3).partition_by_customers(4),
        ),
        ("by time", list().max_pages(3).partition_by_time(4)),
    ] {
        let before = mock.request_count();
        let pages: Vec<_> = parts.pages().try_collect().await.unwrap();
        assert_eq!(pages.len(), 3, "{name}: three pages in all");
        assert_eq!(
            mock.request_count() - before,
            3,
            "{name}: no partition fetched past the shared bound, look-ahead included"
        );
    }
    let before = mock.request_count();
    let none: Vec<_> = list()
        .max_pages(0)
        .partition_by_customers(4)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(mock.request_count(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_partitions_run_a_bounded_number_at_once() {
    let mock = MockMetronome::builder()
        .customers(2)
        .metrics(1)
        .days(40)
        .latency(Duration::from_millis(30))
        .start()
        .await;
    let parts = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-02-10T00:00:00Z", "day")
        .prefetch(0)
        .partition_by_time(1000);
    assert_eq!(parts.len(), 40, "one partition per day at most");
    let rows: Vec<_> = parts.stream().try_collect().await.unwrap();
    assert_eq!(rows.len(), 2 * 40);
    assert!(
        mock.max_concurrent_requests() <= metronome_client::DEFAULT_PARTITION_CONCURRENCY as u64,
        "{} requests at once",
        mock.max_concurrent_requests()
    );
}
