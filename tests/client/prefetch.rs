//! Look-ahead: how far a walk runs ahead of its caller, and that it never
//! changes what the caller receives.

use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use metronome_client::{Client, Error};
use metronome_integration_tests::mock_client as client;
use metronome_mock::{Fault, MockMetronome};

fn week(client: &Client) -> metronome_client::requests::UsageList {
    client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
}

/// Lets a background task run without polling the stream.
async fn idle() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_1_fetches_the_next_page_while_the_caller_holds_this_one() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let mut pages = week(&client(&mock)).prefetch(1).pages();
    idle().await;
    assert_eq!(mock.request_count(), 0, "nothing before the first poll");

    let first = pages.try_next().await.unwrap().unwrap();
    assert_eq!(first.data.len(), 10);
    idle().await;
    assert_eq!(
        mock.request_count(),
        2,
        "page 2 was fetched while the caller held page 1"
    );
    idle().await;
    assert_eq!(
        mock.request_count(),
        2,
        "and not page 3: one page ahead at most"
    );

    pages.try_next().await.unwrap().unwrap();
    idle().await;
    assert_eq!(mock.request_count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn depth_2_runs_two_pages_ahead() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let mut pages = week(&client(&mock)).prefetch(2).pages();
    pages.try_next().await.unwrap().unwrap();
    idle().await;
    assert_eq!(mock.request_count(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn look_ahead_stops_at_the_last_page_and_at_max_pages() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let all: Vec<_> = week(&client(&mock))
        .prefetch(3)
        .pages()
        .try_collect()
        .await
        .unwrap();
    idle().await;
    assert_eq!(
        (all.len(), mock.request_count()),
        (5, 5),
        "no request past the last page"
    );

    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let two: Vec<_> = week(&client(&mock))
        .prefetch(3)
        .max_pages(2)
        .pages()
        .try_collect()
        .await
        .unwrap();
    idle().await;
    assert_eq!(
        (two.len(), mock.request_count()),
        (2, 2),
        "no request past max_pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_depth_delivers_the_same_items_and_errors() {
    let mock = MockMetronome::builder().usage_page_size(4).start().await;
    let reference: Vec<_> = week(&client(&mock))
        .prefetch(0)
        .stream()
        .try_collect()
        .await
        .unwrap();
    for depth in [1, 2, 5] {
        mock.faults().push(Fault::EmptyPageWithCursor);
        let rows: Vec<_> = week(&client(&mock))
            .prefetch(depth)
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(rows, reference, "depth {depth}");
    }

    let first = week(&client(&mock)).send().await.unwrap();
    mock.faults().persist(Fault::RepeatCursor);
    let results: Vec<_> = week(&client(&mock))
        .next_page(first.next_page.unwrap())
        .prefetch(2)
        .pages()
        .collect()
        .await;
    assert!(
        matches!(
            results.as_slice(),
            [Ok(_), Err(Error::RepeatedCursor { page: 1, .. })]
        ),
        "{results:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_cancels_the_look_ahead() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let mut pages = week(&client(&mock)).prefetch(1).pages();
    pages.try_next().await.unwrap().unwrap();
    mock.faults().push(Fault::Delay(Duration::from_millis(300)));
    idle().await;
    drop(pages);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let requests = mock.request_count();
    assert!(
        requests <= 2,
        "page 3 is never asked for after the drop ({requests} requests)"
    );
}
