//! What every public method sends, pinned as snapshots: method, path,
//! sorted query, headers (token masked) and JSON body.

use httpmock::prelude::*;
use metronome_client::MetricFilter;
use metronome_integration_tests::{CUSTOMER, METRIC, Recorder, sdk};
use serde_json::json;

async fn recorded(send: impl AsyncFnOnce(metronome_client::Client)) -> Vec<serde_json::Value> {
    let server = MockServer::start_async().await;
    let recorder = Recorder::default();
    server
        .mock_async(|when, then| {
            when.is_true(recorder.matcher());
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    send(sdk(&server.base_url())).await;
    recorder.requests()
}

#[tokio::test]
async fn usage_list_with_required_arguments_only() {
    let requests = recorded(async |client| {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "hour")
            .send()
            .await
            .unwrap();
    })
    .await;
    insta::assert_json_snapshot!(requests);
}

#[tokio::test]
async fn usage_list_with_every_filter_and_a_cursor() {
    let requests = recorded(async |client| {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "Day")
            .customer_ids([CUSTOMER, "9f1c3b0e-2d6a-4c55-8f0e-3a7b5c2d1e00"])
            .billable_metric(METRIC)
            .billable_metric(
                MetricFilter::new("5b1f8d2c-7a3e-4f60-9c1d-2e4b6a8c0d11")
                    .group_by("region")
                    .values(["eu-west", "us-east"]),
            )
            .next_page("cursor/2")
            .send()
            .await
            .unwrap();
    })
    .await;
    insta::assert_json_snapshot!(requests);
}

#[tokio::test]
async fn customer_costs_with_required_arguments_only() {
    let requests = recorded(async |client| {
        client
            .customers()
            .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
            .send()
            .await
            .unwrap();
    })
    .await;
    insta::assert_json_snapshot!(requests);
}

#[tokio::test]
async fn customer_costs_with_limit_and_a_cursor() {
    let requests = recorded(async |client| {
        client
            .customers()
            .list_costs(
                CUSTOMER,
                "2024-01-01T00:00:00+01:00",
                "2024-02-01T00:00:00Z",
            )
            .limit(100)
            .next_page("cursor-2")
            .send()
            .await
            .unwrap();
    })
    .await;
    insta::assert_json_snapshot!(requests);
}
