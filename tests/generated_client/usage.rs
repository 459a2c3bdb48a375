//! `POST /v1/usage`: filters in the JSON body, the cursor in the query.

use httpmock::prelude::*;
use metronome_api::Error;
use metronome_integration_tests::{CUSTOMER, METRIC, TOKEN, client, usage_request};
use serde_json::json;

fn expected_body() -> serde_json::Value {
    json!({
        "starting_on": "2024-01-01T00:00:00Z",
        "ending_before": "2024-02-01T00:00:00Z",
        "window_size": "DAY",
        "customer_ids": [CUSTOMER],
        "billable_metrics": [{"id": METRIC, "group_by": {"key": "region", "values": ["eu-west", "us-east"]}}]
    })
}

#[tokio::test]
async fn first_page_sends_the_body_and_no_cursor() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/usage")
                .query_param_missing("next_page")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .header_missing("api-version")
                .json_body(expected_body());
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;

    let page = client(&server.base_url())
        .usage_list()
        .body(usage_request())
        .send()
        .await
        .unwrap();

    mock.assert_async().await;
    assert_eq!(page.status(), 200);
    assert!(page.data.is_empty());
    assert_eq!(page.next_page, None);
}

#[tokio::test]
async fn next_page_goes_in_the_query_string_and_the_body_is_unchanged() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/usage")
                .is_true(|req| req.uri().query() == Some("next_page=cursor%2F2%3D"))
                .json_body(expected_body());
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;

    client(&server.base_url())
        .usage_list()
        .next_page("cursor/2=")
        .body(usage_request())
        .send()
        .await
        .unwrap();

    mock.assert_async().await;
}

#[tokio::test]
async fn decodes_null_value_null_group_value_and_ignores_unknown_fields() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.status(200).json_body(json!({
                "data": [{
                    "billable_metric_id": METRIC,
                    "billable_metric_name": "API calls",
                    "customer_id": CUSTOMER,
                    "start_timestamp": "2024-01-01T00:00:00Z",
                    "end_timestamp": "2024-01-02T00:00:00Z",
                    "value": null,
                    "groups": {"eu-west": 12.5, "us-east": null},
                    "a_field_added_later": {"nested": true}
                }],
                "next_page": "cursor-2",
                "another_new_field": 1
            }));
        })
        .await;

    let page = client(&server.base_url())
        .usage_list()
        .body(usage_request())
        .send()
        .await
        .unwrap();

    let row = &page.data[0];
    assert_eq!(row.value, None, "null stays None, never 0");
    assert_eq!(row.groups.get("eu-west"), Some(&Some(12.5)));
    assert_eq!(
        row.groups.get("us-east"),
        Some(&None),
        "a group with no match stays None"
    );
    assert_eq!(page.next_page.as_deref(), Some("cursor-2"));
}

#[tokio::test]
async fn a_last_page_without_next_page_or_groups_still_decodes() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.status(200).json_body(json!({"data": [{
                "billable_metric_id": METRIC,
                "billable_metric_name": "API calls",
                "customer_id": CUSTOMER,
                "start_timestamp": "2024-01-01T00:00:00Z",
                "end_timestamp": "2024-01-02T00:00:00Z",
                "value": 3.0
            }]}));
        })
        .await;

    let page = client(&server.base_url())
        .usage_list()
        .body(usage_request())
        .send()
        .await
        .unwrap();

    assert_eq!(page.next_page, None);
    assert_eq!(page.data[0].value, Some(3.0));
    assert!(page.data[0].groups.is_empty());
}

#[tokio::test]
async fn a_row_without_the_value_key_is_a_decode_error_that_keeps_the_body() {
    let server = MockServer::start_async().await;
    let body = json!({"data": [{
        "billable_metric_id": METRIC,
        "billable_metric_name": "API calls",
        "customer_id": CUSTOMER,
        "start_timestamp": "2024-01-01T00:00:00Z",
        "end_timestamp": "2024-01-02T00:00:00Z"
    }], "next_page": null});
    let sent = body.to_string();
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.status(200)
                .header("content-type", "application/json")
                .body(sent);
        })
        .await;

    let err = client(&server.base_url())
        .usage_list()
        .body(usage_request())
        .send()
        .await
        .unwrap_err();

    match err {
        Error::InvalidResponsePayload(bytes, e) => {
            assert_eq!(
                serde_json::from_slice::<serde_json::Value>(&bytes).unwrap(),
                body
            );
            assert!(e.to_string().contains("missing field `value`"), "{e}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_required_body_field_fails_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;

    let err = client(&server.base_url())
        .usage_list()
        .body_map(|b| b.window_size(metronome_api::types::WindowSize::Hour))
        .send()
        .await
        .unwrap_err();

    assert!(
        matches!(&err, Error::InvalidRequest(m) if m.contains("no value supplied for ending_before")),
        "{err:?}"
    );
    assert_eq!(mock.calls_async().await, 0);
}
