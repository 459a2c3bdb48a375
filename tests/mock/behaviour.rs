//! Endpoints, data and log of the mock.

use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;
use metronome_client::MetricFilter;
use metronome_integration_tests::mock_client as client;
use metronome_mock::{Cursors, MockMetronome, PLATFORM_FEE, USD_CREDIT_TYPE, UnknownIds};
use serde_json::{Value, json};

fn t(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

async fn raw(
    mock: &MockMetronome,
    method: &str,
    path_and_query: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> (u16, Value) {
    let http = reqwest::Client::new();
    let url = format!("{}{path_and_query}", mock.base_url());
    let mut request = match method {
        "POST" => http.post(url),
        _ => http.get(url),
    };
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_usage_walk_returns_every_aggregate_of_the_dataset_once_in_order() {
    let mock = MockMetronome::builder().usage_page_size(4).start().await;
    let rows: Vec<_> = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
        .stream()
        .try_collect()
        .await
        .unwrap();

    let data = mock.dataset();
    let mut expected = Vec::new();
    for customer in data.customers() {
        for metric in data.metrics() {
            for d in 0..7 {
                let start = data.start() + Duration::days(d);
                expected.push((
                    customer.id,
                    metric.id,
                    start,
                    data.usage(customer.id, metric.id, start, start + Duration::days(1)),
                ));
            }
        }
    }
    let got: Vec<_> = rows
        .iter()
        .map(|r| {
            (
                r.customer_id,
                r.billable_metric_id,
                r.start_timestamp,
                r.value,
            )
        })
        .collect();
    assert_eq!(got, expected);
    assert_eq!(mock.request_count(), 11, "42 rows in pages of 4");
}

#[tokio::test]
async fn hour_day_and_none_windows_add_up() {
    let mock = MockMetronome::start().await;
    let client = client(&mock);
    let customer = mock.dataset().customers()[1].id;
    let metric = mock.dataset().metrics()[0].id;
    let total = |window: &'static str| {
        let request = client
            .usage()
            .list("2024-01-02T00:00:00Z", "2024-01-05T00:00:00Z", window)
            .customer_ids([customer])
            .billable_metrics([metric]);
        async move {
            let rows: Vec<_> = request.stream().try_collect().await.unwrap();
            (
                rows.len(),
                rows.iter().map(|r| r.value.unwrap()).sum::<f64>(),
            )
        }
    };
    let (hours, by_hour) = total("hour").await;
    let (days, by_day) = total("DAY").await;
    let (whole, by_none) = total("None").await;
    assert_eq!((hours, days, whole), (72, 3, 1));
    assert_eq!(by_hour, by_day);
    assert_eq!(by_day, by_none);
}

#[tokio::test]
async fn windows_outside_the_data_have_a_null_value() {
    let mock = MockMetronome::start().await;
    let rows: Vec<_> = client(&mock)
        .usage()
        .list("2024-01-07T00:00:00Z", "2024-01-09T00:00:00Z", "day")
        .customer_ids([mock.dataset().customers()[0].id])
        .billable_metrics([mock.dataset().metrics()[0].id])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(rows[0].value.is_some());
    assert_eq!(rows[1].value, None);
}

#[tokio::test]
async fn filters_and_group_by_with_null_for_an_unknown_value() {
    let mock = MockMetronome::start().await;
    let data = mock.dataset();
    let (customer, metric) = (data.customers()[2].id, data.metrics()[1].id);
    let rows: Vec<_> = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "day")
        .customer_ids([customer])
        .billable_metrics([MetricFilter::new(metric)
            .group_by("region")
            .values(["eu-west", "us-east", "mars"])])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 2);
    for row in &rows {
        assert_eq!(
            (row.customer_id, row.billable_metric_id),
            (customer, metric)
        );
        let value = row.value.unwrap();
        assert_eq!(row.groups["eu-west"], Some(value * 0.5));
        assert_eq!(row.groups["us-east"], Some(value * 0.25));
        assert_eq!(
            row.groups["mars"], None,
            "a value that matches nothing is null"
        );
    }
}

#[tokio::test]
async fn costs_walk_every_day_with_limit_and_add_up() {
    let mock = MockMetronome::start().await;
    let customer = mock.dataset().customers()[0].id;
    let days: Vec<_> = client(&mock)
        .customers()
        .list_costs(customer, "2024-01-01T00:00:00Z", "2024-01-10T00:00:00Z")
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(days.len(), 9);
    assert_eq!(mock.request_count(), 5, "9 days in pages of 2");
    assert!(
        days[7].credit_types.is_empty() && days[8].credit_types.is_empty(),
        "no data after 7 days"
    );
    let usd = &days[0].credit_types[&USD_CREDIT_TYPE.to_string()];
    let lines: f64 = usd.line_item_breakdown.iter().map(|l| l.cost).sum();
    assert_eq!(usd.cost, Some(lines));
    assert!(
        usd.line_item_breakdown
            .iter()
            .any(|l| l.group_key.as_deref() == Some("region")
                && l.group_value.is_none()
                && l.cost == PLATFORM_FEE)
    );
    let total: f64 = days
        .iter()
        .flat_map(|d| d.credit_types.values())
        .filter_map(|c| c.cost)
        .sum();
    assert_eq!(
        total,
        mock.dataset().cost_total(
            customer,
            t("2024-01-01T00:00:00Z"),
            t("2024-01-10T00:00:00Z")
        )
    );
}

#[tokio::test]
async fn the_last_page_carries_next_page_null() {
    let mock = MockMetronome::start().await;
    let (status, body) = raw(
        &mock,
        "POST",
        "/v1/usage",
        Some(json!({"starting_on": "2024-01-01T00:00:00Z", "ending_before": "2024-01-02T00:00:00Z", "window_size": "DAY"})),
        Some(mock.token()),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["next_page"], Value::Null);
    assert!(body.as_object().unwrap().contains_key("next_page"));
    assert_eq!(body["data"].as_array().unwrap().len(), 6);
}

#[tokio::test]
async fn errors_are_the_apis() {
    let mock = MockMetronome::builder()
        .unknown_ids(metronome_mock::UnknownIds::NotFound)
        .start()
        .await;
    let token = Some(mock.token());
    let customer = mock.dataset().customers()[0].id;
    let usage = json!({"starting_on": "2024-01-01T00:00:00Z", "ending_before": "2024-01-02T00:00:00Z", "window_size": "DAY"});
    let costs = |q: &str| {
        format!(
            "/v1/customers/{customer}/costs?starting_on=2024-01-01T00:00:00Z&ending_before=2024-01-02T00:00:00Z{q}"
        )
    };
    let cases = [
        raw(&mock, "POST", "/v1/usage", Some(usage.clone()), None).await,
        raw(&mock, "POST", "/v1/usage", Some(usage.clone()), Some("wrong")).await,
        raw(&mock, "POST", "/v1/usage", Some(json!({"window_size": "DAY"})), token).await,
        raw(&mock, "POST", "/v1/usage", Some(json!({"starting_on": "2024-01-01T00:00:00Z", "ending_before": "2024-01-02T00:00:00Z", "window_size": "week"})), token).await,
        raw(&mock, "POST", "/v1/usage", Some(json!({"starting_on": "2024-01-01T05:00:00Z", "ending_before": "2024-01-02T00:00:00Z", "window_size": "DAY"})), token).await,
        raw(&mock, "POST", "/v1/usage?next_page=forged", Some(usage.clone()), token).await,
        raw(&mock, "GET", &costs("&limit=0"), None, token).await,
        raw(&mock, "GET", &costs("&limit=101"), None, token).await,
        raw(&mock, "GET", &costs("").replace("starting_on=2024-01-01T00:00:00Z&", ""), None, token).await,
        raw(&mock, "GET", "/v1/customers/00000000-0000-4000-8000-000000000000/costs?starting_on=2024-01-01T00:00:00Z&ending_before=2024-01-02T00:00:00Z", None, token).await,
        raw(&mock, "GET", "/v1/nothing-here", None, token).await,
    ];
    let statuses: Vec<u16> = cases.iter().map(|(s, _)| *s).collect();
    assert_eq!(
        statuses,
        [401, 401, 400, 400, 400, 400, 400, 400, 400, 404, 404]
    );
    for (_, body) in &cases {
        assert!(
            body["message"].is_string(),
            "every error has a message: {body}"
        );
    }
    insta::assert_snapshot!(
        cases
            .iter()
            .map(|(s, b)| format!("{s} {}", b["message"]))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn a_cursor_only_works_for_the_query_that_made_it() {
    let mock = MockMetronome::builder().usage_page_size(2).start().await;
    let client = client(&mock);
    let first = client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .send()
        .await
        .unwrap();
    let cursor = first.next_page.unwrap();
    let err = client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "day")
        .next_page(cursor)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert!(
        err.to_string().contains("keep every filter unchanged"),
        "{err}"
    );
}

#[tokio::test]
async fn with_accept_any_cursor_a_cursor_it_never_issued_starts_from_the_first_page() {
    // Strict by default: a made-up cursor is a 400, on a route of its own
    // (usage) and on a list made from the description (credit grants).
    let strict = MockMetronome::builder().usage_page_size(2).start().await;
    let lenient = MockMetronome::builder()
        .usage_page_size(2)
        .cursors(Cursors::AcceptAny)
        .start()
        .await;
    let usage = |mock: &MockMetronome, cursor: Option<&str>| {
        let request =
            client(mock)
                .usage()
                .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day");
        match cursor {
            Some(cursor) => request.next_page(cursor).send(),
            None => request.send(),
        }
    };
    let err = usage(&strict, Some("next_page")).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    assert!(
        err.to_string().contains("not a cursor this server issued"),
        "{err}"
    );
    let grants = |mock: &MockMetronome| {
        client(mock)
            .credit_grants()
            .list()
            .next_page("cursor")
            .send()
    };
    let err = grants(&strict).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");

    let first = usage(&lenient, None).await.unwrap();
    let made_up = usage(&lenient, Some("next_page")).await.unwrap();
    assert_eq!(
        made_up.data, first.data,
        "the first page, as without a cursor"
    );
    assert_eq!(made_up.next_page.is_some(), first.next_page.is_some());
    let grants_first = client(&lenient)
        .credit_grants()
        .list()
        .send()
        .await
        .unwrap();
    let grants_made_up = grants(&lenient).await.unwrap();
    assert_eq!(grants_made_up.data, grants_first.data);
    // A cursor it issued still goes where it points.
    let second = usage(&lenient, first.next_page.as_deref()).await.unwrap();
    assert_ne!(second.data, first.data);
}

#[tokio::test]
async fn reset_returns_to_the_start_and_the_same_requests_get_the_same_answers() {
    let mock = MockMetronome::builder()
        .usage_page_size(2)
        .unknown_ids(UnknownIds::NotFound)
        .start()
        .await;
    let client = client(&mock);
    // A create, a described list, two pages of usage (their cursors carry
    // the mock's counter), an ingest.
    let session = || async {
        let customer = client.customers().create("Reset Co").send().await.unwrap();
        let products = client
            .contracts()
            .products()
            .list()
            .limit(3)
            .send()
            .await
            .unwrap();
        let usage = client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-03T00:00:00Z", "day");
        let first = usage.clone().send().await.unwrap();
        let second = usage
            .next_page(first.next_page.clone().unwrap())
            .send()
            .await
            .unwrap();
        client
            .usage()
            .ingest([metronome_client::Event::new(
                "t-1",
                "reset-co",
                "api_call",
                "2024-01-01T00:00:00Z",
            )])
            .send()
            .await
            .unwrap();
        (customer, products, first, second)
    };
    let before = session().await;
    let created = before.0.id;
    assert_eq!(mock.request_count(), 5);
    let product = client
        .contracts()
        .products()
        .create("Reset product", "usage")
        .send()
        .await
        .unwrap()
        .id;
    client
        .contracts()
        .products()
        .retrieve(product)
        .send()
        .await
        .unwrap();
    assert_eq!(mock.ingested_events().len(), 1);
    // One fault injected and counted, one still queued.
    mock.faults()
        .push(metronome_mock::Fault::status(500))
        .push(metronome_mock::Fault::status(503));
    let err = client
        .customers()
        .retrieve(created)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(500), "{err}");
    assert_eq!(mock.faults().injected_total(), 1);

    mock.reset();
    assert_eq!(mock.request_count(), 0);
    assert!(mock.requests().is_empty());
    assert!(mock.ingested_events().is_empty());
    assert_eq!(mock.faults().injected_total(), 0);
    // The queued fault is gone, the id it handed out is forgotten (404 in
    // this mode); the seeded ones are still there.
    let err = client
        .contracts()
        .products()
        .retrieve(product)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    let seeded = mock.dataset().customers()[0].id;
    client.customers().retrieve(seeded).send().await.unwrap();

    mock.reset();
    let after = session().await;
    assert_eq!(after.0, before.0, "the same customer");
    assert_eq!(after.1.data, before.1.data);
    // Items and cursors; not whole pages, whose `date` headers differ when
    // the two sessions straddle a second.
    let page = |p: &metronome_client::Page<_>| (p.data.clone(), p.next_page.clone());
    assert_eq!(
        page(&after.2),
        page(&before.2),
        "the same first page, cursor included"
    );
    assert_eq!(page(&after.3), page(&before.3));
}

#[tokio::test]
async fn the_log_records_requests_with_the_token_masked() {
    let mock = MockMetronome::start().await;
    let customer = mock.dataset().customers()[0].id;
    client(&mock)
        .customers()
        .list_costs(customer, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
        .limit(5)
        .send()
        .await
        .unwrap();
    raw(
        &mock,
        "POST",
        "/v1/usage",
        Some(json!({"window_size": "DAY"})),
        Some("not-the-token"),
    )
    .await;

    let log = mock.requests();
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].method.as_str(), log[0].status), ("GET", 200));
    assert_eq!(log[0].path, format!("/v1/customers/{customer}/costs"));
    assert_eq!(log[0].query_param("limit"), Some("5"));
    assert_eq!(
        log[0].query_param("starting_on"),
        Some("2024-01-01T00:00:00Z")
    );
    assert_eq!(log[0].authorization.as_deref(), Some("Bearer [valid]"));
    // Without the token, the body is not kept (nobody fills the log).
    assert_eq!(log[1].body, None);
    assert_eq!(
        (log[1].status, log[1].authorization.as_deref()),
        (401, Some("Bearer [invalid]"))
    );
    let everything = format!("{log:?}");
    assert!(!everything.contains(mock.token()) && !everything.contains("not-the-token"));
}

#[tokio::test]
async fn a_dataset_can_be_large_without_costing_memory() {
    let mock = MockMetronome::builder()
        .customers(1000)
        .metrics(10)
        .days(365)
        .start()
        .await;
    let page = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", "day")
        .send()
        .await
        .unwrap();
    assert_eq!(page.data.len(), 100);
    assert!(
        page.next_page.is_some(),
        "3.65 million aggregates, 36,500 pages"
    );
}

#[tokio::test]
async fn dropping_the_mock_stops_the_server() {
    let mock = MockMetronome::start().await;
    let addr = mock.addr();
    drop(mock);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn prerendered_pages_are_the_same_pages_and_faults_still_apply() {
    let plain = MockMetronome::builder().usage_page_size(5).start().await;
    let cached = MockMetronome::builder()
        .usage_page_size(5)
        .prerender(true)
        .start()
        .await;
    let walk = |mock: &MockMetronome| {
        let client = client(mock);
        async move {
            let rows: Vec<_> = client
                .usage()
                .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
                .stream()
                .try_collect()
                .await
                .unwrap();
            rows
        }
    };
    let reference = walk(&plain).await;
    assert_eq!(walk(&cached).await, reference, "first walk renders");
    assert_eq!(
        walk(&cached).await,
        reference,
        "second walk is served from memory"
    );
    cached
        .faults()
        .push(metronome_mock::Fault::EmptyPageWithCursor);
    assert_eq!(
        walk(&cached).await,
        reference,
        "page faults bypass the cache"
    );
    assert!(cached.busy_time() > std::time::Duration::ZERO);
}

#[tokio::test]
async fn the_request_log_keeps_headers_with_credentials_redacted() {
    let mock = MockMetronome::start().await;
    let client = metronome_client::Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .default_header("x-team", "billing")
        .default_header("x-api-key", "k3y-value")
        .build()
        .unwrap();
    client.customers().list().send().await.unwrap();
    let logged = mock.requests();
    let request = logged.last().unwrap();
    assert_eq!(
        request.header("X-Team"),
        Some("billing"),
        "{:?}",
        request.headers
    );
    assert_eq!(request.header("x-api-key"), Some("[redacted]"));
    assert_eq!(request.header("authorization"), Some("[redacted]"));
    assert!(
        request
            .header("user-agent")
            .is_some_and(|ua| ua.starts_with("metronome-client/")),
        "{:?}",
        request.headers
    );
    let shown = format!("{logged:?}");
    assert!(
        !shown.contains("k3y-value") && !shown.contains(mock.token()),
        "{shown}"
    );
}
