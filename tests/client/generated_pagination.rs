//! Any generated operation the xtask found paginated walks its pages
//! through `PaginateExt`, with the same rules as the resources' streams.

use futures::{StreamExt, TryStreamExt};
use metronome_client::{Client, Error, PaginateExt};
use metronome_integration_tests::mock_client as client;
use metronome_mock::{Fault, MockMetronome};

fn at(text: &str) -> chrono::DateTime<chrono::Utc> {
    text.parse().unwrap()
}

fn body() -> metronome_client::types::UsageListRequest {
    metronome_client::types::UsageListRequest {
        starting_on: at("2024-01-01T00:00:00Z"),
        ending_before: at("2024-01-08T00:00:00Z"),
        window_size: metronome_client::types::WindowSize::Day,
        customer_ids: Vec::new(),
        billable_metrics: Vec::new(),
    }
}

#[tokio::test]
async fn a_generated_builder_walks_the_same_items_as_the_resource() {
    let mock = MockMetronome::builder().usage_page_size(4).start().await;
    let client = client(&mock);
    let expected: Vec<_> = client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
        .stream()
        .try_collect()
        .await
        .unwrap();

    let pages: Vec<_> = client
        .api()
        .usage_list()
        .body(body())
        .pages()
        .try_collect()
        .await
        .unwrap();
    let items: Vec<_> = client
        .api()
        .usage_list()
        .body(body())
        .stream()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(pages.len(), 11);
    assert_eq!(items, expected);
    assert_eq!(
        pages.into_iter().flat_map(|p| p.data).collect::<Vec<_>>(),
        expected
    );
}

#[tokio::test]
async fn every_query_parameter_is_kept_on_every_page() {
    // The mock refuses (400) a cursor sent with other parameters than the
    // query that made it: a walk that lost one would fail on page 2.
    let mock = MockMetronome::builder().days(30).start().await;
    let customer = mock.dataset().customers()[0].id;
    let days: Vec<_> = client(&mock)
        .api()
        .customers_list_costs()
        .customer_id(customer)
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-01-31T00:00:00Z"))
        .limit(7u64)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(days.len(), 30);
    assert_eq!(mock.request_count(), 5);
    assert!(
        mock.requests()
            .iter()
            .all(|r| r.query_param("limit") == Some("7"))
    );
}

#[tokio::test]
async fn a_repeated_cursor_and_an_error_end_the_walk_with_the_same_errors() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let client = client(&mock);
    let first = client.api().usage_list().body(body()).send().await.unwrap();
    mock.faults().persist(Fault::RepeatCursor);
    let results: Vec<_> = client
        .api()
        .usage_list()
        .body(body())
        .next_page(first.next_page.clone().unwrap())
        .pages()
        .collect()
        .await;
    // The cursor set on the generated builder is not visible to the walk
    // (the builder has no getter), so the echo is caught one page later
    // than with the resources' own `.next_page()`.
    assert!(
        matches!(
            results.as_slice(),
            [
                Ok(_),
                Ok(_),
                Err(Error::RepeatedCursor {
                    operation: "usage_list",
                    page: 2,
                    ..
                })
            ]
        ),
        "{results:?}"
    );

    mock.faults().clear().push(Fault::status(404));
    let results: Vec<_> = client
        .api()
        .usage_list()
        .body(body())
        .pages()
        .collect()
        .await;
    let [Err(err)] = results.as_slice() else {
        panic!("{results:?}")
    };
    assert_eq!(
        err.to_string(),
        "usage_list, page 1: Metronome answered 404 Not Found: injected fault: 404"
    );
}

#[test]
fn the_streams_are_send_and_unpin() {
    fn check<T: Send + Unpin>(_: &T) {}
    let client = Client::builder().bearer_token("t").build().unwrap();
    let pages = client.api().usage_list().body(body()).pages();
    check(&pages);
    check(&client.api().usage_list().body(body()).stream());
}
