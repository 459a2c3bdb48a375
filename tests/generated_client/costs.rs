//! `GET /v1/customers/{customer_id}/costs`: everything in the query.

use httpmock::prelude::*;
use metronome_api::Error;
use metronome_integration_tests::{CUSTOMER, TOKEN, at, client};
use serde_json::json;

#[tokio::test]
async fn sends_every_parameter_in_the_query_with_rfc3339_dates() {
    let server = MockServer::start_async().await;
    let path = format!("/v1/customers/{CUSTOMER}/costs");
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(path)
                .query_param("starting_on", "2024-01-01T00:00:00Z")
                .query_param("ending_before", "2024-02-01T00:00:00Z")
                .query_param("limit", "10")
                .query_param("next_page", "cursor-2")
                .query_param_count(".*", ".*", 4)
                .header("authorization", format!("Bearer {TOKEN}"))
                .header_missing("api-version")
                .header_missing("content-type");
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;

    let page = client(&server.base_url())
        .customers_list_costs()
        .customer_id(CUSTOMER)
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-02-01T00:00:00Z"))
        .limit(10u64)
        .next_page("cursor-2")
        .send()
        .await
        .unwrap();

    mock.assert_async().await;
    assert!(page.data.is_empty());
}

#[tokio::test]
async fn the_raw_query_string_is_rfc3339_percent_encoded() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).is_true(|req| {
                req.uri().query()
                    == Some("ending_before=2024-02-01T00%3A00%3A00Z&starting_on=2024-01-01T00%3A00%3A00Z")
            });
            then.status(200).json_body(json!({"data": [], "next_page": null}));
        })
        .await;

    client(&server.base_url())
        .customers_list_costs()
        .customer_id(CUSTOMER)
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-02-01T00:00:00Z"))
        .send()
        .await
        .unwrap();

    mock.assert_async().await;
}

#[tokio::test]
async fn decodes_null_group_value_optional_fields_and_unknown_fields() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(200).json_body(json!({
                "data": [{
                    "start_timestamp": "2024-01-01T00:00:00Z",
                    "end_timestamp": "2024-01-02T00:00:00Z",
                    "credit_types": {
                        "2714e483-4ff1-48e4-9e25-ac732e8f24f2": {
                            "cost": 1250.0,
                            "name": "USD (cents)",
                            "line_item_breakdown": [
                                {"cost": 1000.0, "name": "API calls", "group_key": "region", "group_value": null},
                                {"cost": 250.0, "name": "Storage", "unknown": "ignored"}
                            ]
                        },
                        "c3e1b7a2-0000-4000-8000-000000000001": {}
                    }
                }]
            }));
        })
        .await;

    let page = client(&server.base_url())
        .customers_list_costs()
        .customer_id(CUSTOMER)
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-02-01T00:00:00Z"))
        .send()
        .await
        .unwrap();

    assert_eq!(
        page.next_page, None,
        "an absent next_page means the last page"
    );
    let usd = &page.data[0].credit_types["2714e483-4ff1-48e4-9e25-ac732e8f24f2"];
    assert_eq!(usd.cost, Some(1250.0));
    assert_eq!(
        usd.line_item_breakdown[0].group_key.as_deref(),
        Some("region")
    );
    assert_eq!(usd.line_item_breakdown[0].group_value, None);
    assert_eq!(usd.line_item_breakdown[1].group_key, None);
    let empty = &page.data[0].credit_types["c3e1b7a2-0000-4000-8000-000000000001"];
    assert_eq!((empty.cost, empty.name.as_deref()), (None, None));
}

#[tokio::test]
async fn a_customer_id_that_is_not_a_uuid_never_reaches_the_server() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;

    let err = client(&server.base_url())
        .customers_list_costs()
        .customer_id("../../v1/usage")
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-02-01T00:00:00Z"))
        .send()
        .await
        .unwrap_err();

    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("customer_id")),
        "{err:?}"
    );
    assert_eq!(mock.calls_async().await, 0);
}
