//! What every public method sends, pinned as snapshots: method, path,
//! sorted query, headers (token masked) and JSON body.

use httpmock::prelude::*;
use metronome_client::MetricFilter;
use metronome_integration_tests::{CUSTOMER, METRIC, Recorder, recorded_requests, sdk};
use serde_json::json;

async fn recorded(send: impl AsyncFnOnce(metronome_client::Client)) -> Vec<serde_json::Value> {
    recorded_requests(|builder| builder, send).await
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
            .billable_metrics([
                MetricFilter::new(METRIC),
                MetricFilter::new("5b1f8d2c-7a3e-4f60-9c1d-2e4b6a8c0d11")
                    .group_by("region")
                    .values(["eu-west", "us-east"]),
            ])
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

#[tokio::test]
async fn ingest_events() {
    let requests = recorded(async |client| {
        let events = [
            metronome_client::Event::new("req-1", CUSTOMER, "api_call", "2024-01-01T12:00:00Z")
                .property("region", "eu-west")
                .property("tokens", 1200),
            metronome_client::Event::new(
                "req-2",
                "customer-alias",
                "api_call",
                "2024-01-01T12:00:01+01:00",
            ),
        ];
        client.usage().ingest(events).send().await.unwrap();
    })
    .await;
    insta::assert_json_snapshot!(requests);
}

#[tokio::test]
async fn list_grouped_usage_with_every_option() {
    let requests = recorded(async |client| {
        client
            .usage()
            .list_with_groups(CUSTOMER, METRIC, "hour")
            .starting_on("2024-01-01T00:00:00Z")
            .ending_before("2024-01-02T00:00:00Z")
            .group_key("region")
            .group_filters([("region", ["eu-west"])])
            .limit(50)
            .next_page("cursor-2")
            .send()
            .await
            .unwrap();
        client
            .usage()
            .list_with_groups(CUSTOMER, METRIC, "day")
            .current_period(true)
            .send()
            .await
            .unwrap();
    })
    .await;
    insta::assert_json_snapshot!(requests);
}

#[tokio::test]
async fn list_customers_get_customer_and_billable_metrics() {
    let server = MockServer::start_async().await;
    let recorder = Recorder::default();
    let customer = json!({"id": CUSTOMER, "external_id": "acme", "name": "Acme", "ingest_aliases": ["acme"],
        "customer_config": {"salesforce_account_id": null}, "custom_fields": {},
        "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-02T00:00:00Z"});
    server
        .mock_async(|when, then| {
            when.path(format!("/v1/customers/{CUSTOMER}"))
                .is_true(recorder.matcher());
            then.status(200).json_body(json!({"data": customer}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.is_true(recorder.matcher());
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    let client = sdk(&server.base_url());
    client.customers().list().send().await.unwrap();
    client
        .customers()
        .list()
        .ingest_alias("acme")
        .only_archived(true)
        .limit(10)
        .next_page("c2")
        .send()
        .await
        .unwrap();
    let got = client.customers().retrieve(CUSTOMER).send().await.unwrap();
    assert_eq!(
        (got.name.as_str(), got.ingest_aliases.as_slice()),
        ("Acme", ["acme".to_string()].as_slice()),
        "the envelope is unwrapped"
    );
    client
        .billable_metrics()
        .list()
        .include_archived(true)
        .limit(5)
        .send()
        .await
        .unwrap();
    insta::assert_json_snapshot!(recorder.requests());
}

#[tokio::test]
async fn list_balances_with_every_option() {
    let requests = recorded(async |client| {
        client
            .contracts()
            .list_balances(CUSTOMER)
            .id(METRIC)
            .covering_date("2024-01-15T00:00:00Z")
            .starting_at("2024-01-01T00:00:00Z")
            .effective_before("2024-02-01T00:00:00Z")
            .include_archived(true)
            .include_balance(true)
            .include_contract_balances(false)
            .include_ledgers(false)
            .exclude_zero_balances(true)
            .limit(25)
            .next_page("cursor-2")
            .send()
            .await
            .unwrap();
    })
    .await;
    insta::assert_json_snapshot!(requests);
}

#[tokio::test]
async fn a_contract_with_a_prepaid_commit_built_from_new_sends_only_what_was_set() {
    use metronome_client::types::{
        CommitInput, CommitInputType, ScheduleDurationInput, ScheduleDurationInputScheduleItemsItem,
    };
    let start: metronome_client::chrono::DateTime<metronome_client::chrono::Utc> =
        "2026-01-01T00:00:00Z".parse().unwrap();
    let end = "2027-01-01T00:00:00Z".parse().unwrap();
    let product: metronome_client::uuid::Uuid = METRIC.parse().unwrap();
    let requests = recorded(async |client| {
        let commit = CommitInput {
            access_schedule: Some(ScheduleDurationInput::new(vec![
                ScheduleDurationInputScheduleItemsItem::new(100_000.0, start, end),
            ])),
            ..CommitInput::new(product, CommitInputType::Prepaid)
        };
        // The mock server answers an empty page: decoding the answer is
        // not what this test is about.
        let _ = client
            .contracts()
            .create(CUSTOMER, start)
            .commits([commit])
            .send()
            .await;
    })
    .await;
    insta::assert_json_snapshot!(requests);
}
