//! What crosses the wire, pinned: the serialized usage request body and a
//! decoded page of each endpoint. A changed snapshot is a change in
//! behaviour.

use httpmock::prelude::*;
use metronome_integration_tests::{CUSTOMER, METRIC, at, client, usage_request};
use serde_json::json;

#[test]
fn usage_request_body() {
    insta::assert_json_snapshot!(usage_request());
}

#[tokio::test]
async fn decoded_usage_page() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.status(200).json_body(json!({
                "data": [
                    {
                        "billable_metric_id": METRIC, "billable_metric_name": "API calls", "customer_id": CUSTOMER,
                        "start_timestamp": "2024-01-01T00:00:00Z", "end_timestamp": "2024-01-02T00:00:00Z",
                        "value": 42.5, "groups": {"us-east": null, "eu-west": 40.0}
                    },
                    {
                        "billable_metric_id": METRIC, "billable_metric_name": "API calls", "customer_id": CUSTOMER,
                        "start_timestamp": "2024-01-02T00:00:00Z", "end_timestamp": "2024-01-03T00:00:00Z",
                        "value": null
                    }
                ],
                "next_page": "cursor-2"
            }));
        })
        .await;

    let page = client(&server.base_url())
        .usage_list()
        .body(usage_request())
        .send()
        .await
        .unwrap();
    insta::assert_debug_snapshot!(page.into_inner());
}

#[tokio::test]
async fn decoded_costs_page() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(200).json_body(json!({
                "data": [{
                    "start_timestamp": "2024-01-01T00:00:00Z", "end_timestamp": "2024-01-02T00:00:00Z",
                    "credit_types": {
                        "2714e483-4ff1-48e4-9e25-ac732e8f24f2": {
                            "cost": 1250.0, "name": "USD (cents)",
                            "line_item_breakdown": [
                                {"cost": 1000.0, "name": "API calls", "group_key": "region", "group_value": "eu-west"},
                                {"cost": 250.0, "name": "Storage", "group_key": "region", "group_value": null}
                            ]
                        }
                    }
                }],
                "next_page": null
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
    insta::assert_debug_snapshot!(page.into_inner());
}
