//! The operations added to openapi.yaml after the seed endpoints, served by
//! the mock and read through the SDK (so the mock's JSON is also checked
//! against the generated types).

use futures::TryStreamExt;
use metronome_client::{ApiErrorKind, Event};
use metronome_integration_tests::mock_client as client;
use metronome_mock::{MockMetronome, REGIONS};

#[tokio::test]
async fn ingest_keeps_each_transaction_once_and_refuses_bad_batches() {
    let mock = MockMetronome::start().await;
    let client = client(&mock);
    let event = |id: &str| {
        Event::new(id, "customer-001", "api_call", "2024-01-01T12:00:00Z")
            .property("region", "eu-west")
    };
    client
        .usage()
        .ingest([event("t1"), event("t2")])
        .send()
        .await
        .unwrap();
    client
        .usage()
        .ingest([event("t2"), event("t3")])
        .send()
        .await
        .unwrap();

    let ids: Vec<_> = mock
        .ingested_events()
        .into_iter()
        .map(|e| e.transaction_id)
        .collect();
    assert_eq!(
        ids,
        ["t1", "t2", "t3"],
        "a retried transaction is counted once"
    );
    assert_eq!(mock.ingested_events()[0].properties["region"], "eu-west");

    let raw = reqwest::Client::new()
        .post(format!("{}/v1/ingest", mock.base_url()))
        .bearer_auth(mock.token())
        .json(&serde_json::json!([{"transaction_id": "x", "customer_id": "c", "event_type": "e", "timestamp": "noon"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    assert_eq!(
        raw.json::<serde_json::Value>().await.unwrap()["message"],
        "event 0: timestamp must be RFC 3339"
    );
}

#[tokio::test]
async fn customers_list_filter_and_get() {
    let mock = MockMetronome::builder().customers(5).start().await;
    let client = client(&mock);
    let all: Vec<_> = client
        .customers()
        .list()
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let expected: Vec<_> = mock
        .dataset()
        .customers()
        .iter()
        .map(|c| (c.id, c.name.clone()))
        .collect();
    assert_eq!(
        all.iter()
            .map(|c| (c.id, c.name.clone()))
            .collect::<Vec<_>>(),
        expected
    );
    assert_eq!(mock.request_count(), 3, "5 customers in pages of 2");

    let third = &mock.dataset().customers()[2];
    let found: Vec<_> = client
        .customers()
        .list()
        .ingest_alias(third.ingest_alias.clone())
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0].ingest_aliases,
        std::slice::from_ref(&third.ingest_alias)
    );
    assert!(
        client
            .customers()
            .list()
            .only_archived(true)
            .send()
            .await
            .unwrap()
            .data
            .is_empty()
    );

    let one = client.customers().retrieve(third.id).send().await.unwrap();
    assert_eq!((one.id, one.archived_at), (third.id, None));
    // An id outside the dataset is served from the description by default,
    // and is a 404 for a mock that is asked to be strict.
    let other = client
        .customers()
        .retrieve("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(other.id.to_string(), "00000000-0000-4000-8000-000000000000");
    let strict = MockMetronome::builder()
        .unknown_ids(metronome_mock::UnknownIds::NotFound)
        .start()
        .await;
    let missing = metronome_integration_tests::mock_client(&strict)
        .customers()
        .retrieve("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), Some(ApiErrorKind::NotFound));
}

#[tokio::test]
async fn billable_metrics_list() {
    let mock = MockMetronome::builder().metrics(3).start().await;
    let metrics: Vec<_> = client(&mock)
        .billable_metrics()
        .list()
        .limit(1)
        .stream()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        mock.dataset()
            .metrics()
            .iter()
            .map(|m| m.name.as_str())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        metrics[0].group_keys.as_deref().map(Vec::as_slice),
        Some(&[vec!["region".to_string()]][..])
    );
}

#[tokio::test]
async fn grouped_usage_adds_up_to_the_usage_and_honours_filters() {
    let mock = MockMetronome::start().await;
    let client = client(&mock);
    let (customer, metric) = (
        mock.dataset().customers()[0].id,
        mock.dataset().metrics()[1].id,
    );
    let rows: Vec<_> = client
        .usage()
        .list_with_groups(customer, metric, "day")
        .starting_on("2024-01-01T00:00:00Z")
        .ending_before("2024-01-04T00:00:00Z")
        .group_key("region")
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(rows.len(), 3 * REGIONS.len());
    for day in rows.chunks(REGIONS.len()) {
        let total: f64 = day.iter().map(|r| r.value.unwrap()).sum();
        let expected = mock
            .dataset()
            .usage(customer, metric, day[0].starting_on, day[0].ending_before)
            .unwrap();
        assert_eq!(total, expected, "the regions add up to the day");
        assert_eq!(
            day[0].group["region"].as_deref(),
            day[0].group_value.as_deref()
        );
    }

    let eu: Vec<_> = client
        .usage()
        .list_with_groups(customer, metric, "none")
        .current_period(true)
        .group_filters([("region", ["eu-west"])])
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(eu.len(), 1);
    assert_eq!(eu[0].group_value.as_deref(), Some("eu-west"));
}

#[tokio::test]
async fn balances_page_through_the_body_cursor() {
    let mock = MockMetronome::builder().metrics(4).start().await;
    let client = client(&mock);
    let customer = mock.dataset().customers()[1].id;
    let balances: Vec<_> = client
        .contracts()
        .list_balances(customer)
        .include_balance(true)
        .limit(2)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(balances.len(), 5, "a commit per metric and a credit");
    assert_eq!(mock.request_count(), 3);
    assert_eq!(balances.iter().filter(|b| kind(b) == "CREDIT").count(), 1);
    assert!(balances.iter().all(|b| balance(b).is_some()));
    let logged = mock.requests();
    assert_eq!(
        logged[1].body.as_ref().unwrap()["limit"],
        2,
        "the whole body is sent again with the cursor"
    );
    assert!(logged[1].body.as_ref().unwrap()["next_page"].is_string());

    let without: Vec<_> = client
        .contracts()
        .list_balances(customer)
        .stream()
        .try_collect()
        .await
        .unwrap();
    assert!(without.iter().all(|b| balance(b).is_none()));
    let strict = MockMetronome::builder()
        .unknown_ids(metronome_mock::UnknownIds::NotFound)
        .start()
        .await;
    let missing = metronome_integration_tests::mock_client(&strict)
        .contracts()
        .list_balances("00000000-0000-4000-8000-000000000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), Some(ApiErrorKind::NotFound));
}

/// A balance's `type`: PREPAID or POSTPAID for a commit, CREDIT for a credit.
fn kind(b: &metronome_client::types::Balance) -> &str {
    match b {
        metronome_client::types::Balance::Commit(c) => &c.type_,
        metronome_client::types::Balance::Credit(c) => &c.type_,
    }
}

/// What is left of a balance, when it was asked for.
fn balance(b: &metronome_client::types::Balance) -> Option<f64> {
    match b {
        metronome_client::types::Balance::Commit(c) => c.balance.as_deref().copied(),
        metronome_client::types::Balance::Credit(c) => c.balance.as_deref().copied(),
    }
}
