//! How pages are followed: filters kept, empty pages crossed, loops
//! refused, nothing fetched that was not asked for.

use futures::{StreamExt, TryStreamExt};
use httpmock::prelude::*;
use metronome_client::{Error, ItemStream, PageStream, types::UsageAggregate};
use metronome_integration_tests::{CUSTOMER, METRIC, costs_day, sdk, usage_row};
use serde_json::{Value, json};

fn usage_body() -> Value {
    json!({
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-02-01T00:00:00Z",
        "window_size": "DAY",
        "customer_ids": [CUSTOMER],
        "billable_metrics": [{"id": METRIC}]
    })
}

fn list_usage(client: &metronome_client::Client) -> metronome_client::requests::UsageList {
    client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "day")
        .customer_ids([CUSTOMER])
        .billable_metrics([METRIC])
}

/// Serves `pages` of usage: page i is served for cursor `None` (i = 0) or
/// `c{i}`, carries `rows`, and points at `c{i+1}`, or null on the last.
async fn serve_usage<'a>(server: &'a MockServer, pages: &[Vec<Value>]) -> Vec<httpmock::Mock<'a>> {
    let mut mocks = Vec::new();
    for (i, rows) in pages.iter().enumerate() {
        let next = (i + 1 < pages.len()).then(|| format!("c{}", i + 1));
        let mock = server
            .mock_async(|when, then| {
                let when = when.method(POST).path("/v1/usage").json_body(usage_body());
                if i == 0 {
                    when.query_param_missing("next_page");
                } else {
                    when.query_param("next_page", format!("c{i}"))
                        .query_param_count(".*", ".*", 1);
                }
                then.status(200)
                    .json_body(json!({"data": rows, "next_page": next}));
            })
            .await;
        mocks.push(mock);
    }
    mocks
}

#[tokio::test]
async fn usage_walks_every_page_keeps_the_body_and_crosses_an_empty_page() {
    let server = MockServer::start_async().await;
    let pages = vec![
        vec![usage_row(1, Some(1.0)), usage_row(2, Some(2.0))],
        vec![],
        vec![usage_row(3, None), usage_row(4, Some(4.0))],
        vec![usage_row(5, Some(5.0)), usage_row(6, Some(6.0))],
    ];
    let mocks = serve_usage(&server, &pages).await;

    let rows: Vec<UsageAggregate> = list_usage(&sdk(&server.base_url()))
        .stream()
        .try_collect()
        .await
        .unwrap();

    let values: Vec<_> = rows.iter().map(|r| r.value).collect();
    assert_eq!(
        values,
        [Some(1.0), Some(2.0), None, Some(4.0), Some(5.0), Some(6.0)]
    );
    for mock in &mocks {
        assert_eq!(
            mock.calls_async().await,
            1,
            "each page is fetched exactly once"
        );
    }
}

#[tokio::test]
async fn pages_expose_each_page_with_its_cursor() {
    let server = MockServer::start_async().await;
    let pages = vec![
        vec![usage_row(1, Some(1.0)), usage_row(2, Some(2.0))],
        vec![],
        vec![usage_row(3, Some(3.0))],
    ];
    serve_usage(&server, &pages).await;

    let seen: Vec<_> = list_usage(&sdk(&server.base_url()))
        .pages()
        .map_ok(|p| (p.data.len(), p.next_page.clone(), p.status().as_u16()))
        .try_collect()
        .await
        .unwrap();

    assert_eq!(
        seen,
        [
            (2, Some("c1".to_string()), 200),
            (0, Some("c2".to_string()), 200),
            (1, None, 200)
        ]
    );
}

#[tokio::test]
async fn costs_keep_every_query_parameter_on_every_page() {
    let server = MockServer::start_async().await;
    let path = format!("/v1/customers/{CUSTOMER}/costs");
    let mut mocks = Vec::new();
    for (i, days) in [[1, 2], [3, 4], [5, 6]].iter().enumerate() {
        let next = (i < 2).then(|| format!("c{}", i + 1));
        let mock = server
            .mock_async(|when, then| {
                let when = when
                    .method(GET)
                    .path(path.clone())
                    .query_param("starting_on", "2024-01-01T00:00:00Z")
                    .query_param("ending_before", "2024-02-01T00:00:00Z")
                    .query_param("limit", "2");
                if i == 0 {
                    when.query_param_missing("next_page").query_param_count(".*", ".*", 3);
                } else {
                    when.query_param("next_page", format!("c{i}")).query_param_count(".*", ".*", 4);
                }
                then.status(200)
                    .json_body(json!({"data": days.map(|d| costs_day(d, f64::from(d) * 100.0)), "next_page": next}));
            })
            .await;
        mocks.push(mock);
    }

    let days: Vec<_> = sdk(&server.base_url())
        .customers()
        .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();

    let starts: Vec<_> = days
        .iter()
        .map(|d| d.start_timestamp.format("%d").to_string())
        .collect();
    assert_eq!(starts, ["01", "02", "03", "04", "05", "06"]);
    for mock in &mocks {
        assert_eq!(mock.calls_async().await, 1);
    }
}

#[tokio::test]
async fn a_repeated_cursor_ends_the_walk_with_an_error_after_the_items_before_it() {
    let server = MockServer::start_async().await;
    let first = server
        .mock_async(|when, then| {
            when.method(POST).query_param_missing("next_page");
            then.status(200)
                .json_body(json!({"data": [usage_row(1, Some(1.0))], "next_page": "c1"}));
        })
        .await;
    let looping = server
        .mock_async(|when, then| {
            when.method(POST).query_param("next_page", "c1");
            then.status(200)
                .json_body(json!({"data": [usage_row(2, Some(2.0))], "next_page": "c1"}));
        })
        .await;

    let results: Vec<Result<UsageAggregate, Error>> = list_usage(&sdk(&server.base_url()))
        .stream()
        .collect()
        .await;

    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().value, Some(1.0));
    assert_eq!(results[1].as_ref().unwrap().value, Some(2.0));
    let err = results[2].as_ref().unwrap_err();
    assert!(
        matches!(err, Error::RepeatedCursor { page: 2, cursor, .. } if cursor == "c1"),
        "{err:?}"
    );
    assert_eq!(
        (first.calls_async().await, looping.calls_async().await),
        (1, 1)
    );
}

#[tokio::test]
async fn a_cursor_from_two_pages_back_is_caught_too() {
    let server = MockServer::start_async().await;
    for (cursor, next) in [(None, "a"), (Some("a"), "b"), (Some("b"), "a")] {
        server
            .mock_async(|when, then| {
                let when = when.method(POST);
                match cursor {
                    None => when.query_param_missing("next_page"),
                    Some(c) => when.query_param("next_page", c),
                };
                then.status(200)
                    .json_body(json!({"data": [usage_row(1, Some(1.0))], "next_page": next}));
            })
            .await;
    }

    let results: Vec<_> = list_usage(&sdk(&server.base_url())).pages().collect().await;

    assert_eq!(results.len(), 4);
    assert!(
        matches!(&results[3], Err(Error::RepeatedCursor { page: 3, .. })),
        "{:?}",
        results[3]
    );
}

#[tokio::test]
async fn max_pages_stops_early_without_an_error() {
    let server = MockServer::start_async().await;
    let endless = server
        .mock_async(|when, then| {
            when.method(POST);
            then.respond_with(|req: &HttpMockRequest| {
                let n = req.uri().query().map_or(0, |q| q.len());
                httpmock::HttpMockResponse::builder()
                    .status(200)
                    .header("content-type", "application/json")
                    .body(
                        json!({"data": [usage_row(1, Some(1.0))], "next_page": format!("c{n}x")})
                            .to_string(),
                    )
                    .build()
            });
        })
        .await;

    let pages: Vec<_> = list_usage(&sdk(&server.base_url()))
        .max_pages(2)
        .pages()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(pages.len(), 2);
    assert_eq!(endless.calls_async().await, 2);
}

#[tokio::test]
async fn an_empty_or_absent_cursor_ends_the_walk() {
    for last in [
        json!({"data": [usage_row(1, Some(1.0))], "next_page": ""}),
        json!({"data": [usage_row(1, Some(1.0))]}),
    ] {
        let server = MockServer::start_async().await;
        let mock = server
            .mock_async(|when, then| {
                when.method(POST);
                then.status(200).json_body(last.clone());
            })
            .await;

        let pages: Vec<_> = list_usage(&sdk(&server.base_url()))
            .pages()
            .try_collect()
            .await
            .unwrap();

        assert_eq!(pages.len(), 1, "{last}");
        assert_eq!(
            pages[0].next_page, None,
            "an empty cursor reads as no cursor"
        );
        assert_eq!(mock.calls_async().await, 1);
    }
}

#[tokio::test]
async fn streams_are_lazy_and_dropping_them_sends_nothing_more() {
    let server = MockServer::start_async().await;
    let pages = vec![
        vec![usage_row(1, Some(1.0)), usage_row(2, Some(2.0))],
        vec![usage_row(3, Some(3.0))],
    ];
    let mocks = serve_usage(&server, &pages).await;
    let client = sdk(&server.base_url());

    let unpolled = list_usage(&client).stream();
    drop(unpolled);
    assert_eq!(
        mocks[0].calls_async().await,
        0,
        "nothing is sent before the stream is polled"
    );

    // Without look-ahead, a page is asked for only when it is wanted.
    let mut stream = list_usage(&client).prefetch(0).stream();
    let first = stream.try_next().await.unwrap().unwrap();
    assert_eq!(first.value, Some(1.0));
    drop(stream);
    assert_eq!(mocks[0].calls_async().await, 1);
    assert_eq!(mocks[1].calls_async().await, 0, "page 2 is never requested");

    // With the default look-ahead, page 2 is asked for while page 1 is
    // read; once the stream is dropped, nothing more goes out.
    let mut stream = list_usage(&client).stream();
    stream.try_next().await.unwrap().unwrap();
    drop(stream);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let sent = mocks[0].calls_async().await + mocks[1].calls_async().await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(
        mocks[0].calls_async().await + mocks[1].calls_async().await,
        sent,
        "nothing after the drop"
    );
    assert!(sent <= 3, "{sent}");
}

#[tokio::test]
async fn a_failing_page_ends_the_walk_and_names_the_page() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).query_param_missing("next_page");
            then.status(200)
                .json_body(json!({"data": [usage_row(1, Some(1.0))], "next_page": "c1"}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(POST).query_param("next_page", "c1");
            then.status(404)
                .json_body(json!({"message": "cursor expired"}));
        })
        .await;

    let results: Vec<_> = list_usage(&sdk(&server.base_url()))
        .stream()
        .collect()
        .await;

    assert_eq!(results.len(), 2);
    let err = results[1].as_ref().unwrap_err();
    assert_eq!(err.context().and_then(|c| c.page), Some(2));
    assert_eq!(
        err.to_string(),
        "usage_list, page 2: Metronome answered 404 Not Found: cursor expired"
    );
}

#[test]
fn streams_are_send_unpin_and_static() {
    fn check<T: Send + Unpin + 'static>() {}
    check::<PageStream<UsageAggregate>>();
    check::<ItemStream<UsageAggregate>>();
    check::<ItemStream<metronome_client::types::CustomerCostWindow>>();
}

#[tokio::test]
async fn balances_keep_the_body_and_carry_the_cursor_in_it() {
    let server = MockServer::start_async().await;
    let balance = |n: u32| json!({"id": format!("00000000-0000-4000-8000-00000000000{n}"), "type": "CREDIT", "product": {"id": METRIC, "name": "Credits"}, "balance": 100.0, "future_field": true});
    let mut mocks = Vec::new();
    for (i, (cursor, next)) in [
        (None, Some("b1")),
        (Some("b1"), Some("b2")),
        (Some("b2"), None),
    ]
    .into_iter()
    .enumerate()
    {
        let mut body = json!({"customer_id": CUSTOMER, "include_balance": true, "limit": 2});
        if let Some(cursor) = cursor {
            body["next_page"] = json!(cursor);
        }
        let mock = server
            .mock_async(|when, then| {
                when.method(POST).path("/v1/contracts/customerBalances/list").query_param_count(".*", ".*", 0).json_body(body);
                then.status(200).json_body(json!({"data": [balance(2 * i as u32), balance(2 * i as u32 + 1)], "next_page": next}));
            })
            .await;
        mocks.push(mock);
    }

    let balances: Vec<_> = sdk(&server.base_url())
        .contracts()
        .list_balances(CUSTOMER)
        .include_balance(true)
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();

    assert_eq!(balances.len(), 6);
    // A balance is a commit or a credit; these pages hold credits.
    let credits: Vec<_> = balances
        .iter()
        .map(|b| match b {
            metronome_client::types::Balance::Credit(credit) => credit,
            other => panic!("expected a credit, got {other:?}"),
        })
        .collect();
    assert_eq!(
        credits[5].id.to_string(),
        "00000000-0000-4000-8000-000000000005"
    );
    assert_eq!(credits[0].product.name, "Credits");
    for mock in &mocks {
        assert_eq!(mock.calls_async().await, 1);
    }
}

/// Billing providers take their cursor as a uuid in the body: whatever
/// case the server writes it in, the next request carries it, and a start
/// cursor that is not a uuid is refused before anything is sent.
#[tokio::test]
async fn a_cursor_typed_as_a_uuid_is_followed_and_a_bad_one_refused_before_sending() {
    let server = MockServer::start_async().await;
    let provider = json!({
        "billing_provider": "aws_marketplace",
        "delivery_method": "direct_to_billing_provider",
        "delivery_method_configuration": {},
        "delivery_method_id": "00000000-0000-4000-8000-000000000001"
    });
    let path = "/v1/listConfiguredBillingProviders";
    let first = server
        .mock_async(|when, then| {
            when.method(POST).path(path).body_excludes("next_page");
            then.status(200).json_body(json!({
                "data": [provider],
                "next_page": "0E5B8609-D901-4992-B394-C3C2E3F37B1C"
            }));
        })
        .await;
    let second = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(path)
                .json_body(json!({"next_page": "0e5b8609-d901-4992-b394-c3c2e3f37b1c"}));
            then.status(200)
                .json_body(json!({"data": [provider, provider], "next_page": null}));
        })
        .await;
    let client = sdk(&server.base_url());

    let items: Vec<_> = client
        .settings()
        .billing_providers()
        .list()
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    first.assert_async().await;
    second.assert_async().await;

    let refused = client
        .settings()
        .billing_providers()
        .list()
        .next_page("page-2")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidRequest(m) if m.contains("\"page-2\" is not a uuid")),
        "{refused}"
    );
    assert_eq!(first.calls_async().await, 1, "nothing more sent");
    assert_eq!(second.calls_async().await, 1, "nothing more sent");
}
