//! The mock under abuse (a hostile review's findings): whatever a client
//! sends or a test configures, memory stays bounded, nothing panics, and
//! no credential reaches the log.

use std::time::Duration;

use metronome_mock::{Fault, MockMetronome};
use serde_json::json;

const ONE_EVENT: &[u8] =
    br#"[{"transaction_id":"t","customer_id":"c","event_type":"e","timestamp":"2024-01-01T00:00:00Z"}]"#;

async fn post(mock: &MockMetronome, path: &str, body: Vec<u8>, authorization: Option<&str>) -> u16 {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", mock.base_url()))
        .header("content-type", "application/json")
        .body(body);
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.map_or(0, |r| r.status().as_u16())
}

#[tokio::test]
async fn bodies_without_the_token_are_not_kept_and_the_log_is_bounded_in_bytes() {
    let mock = MockMetronome::start().await;
    let big = vec![b' '; 1024 * 1024];
    for _ in 0..20 {
        assert_eq!(post(&mock, "/v1/ingest", big.clone(), None).await, 401);
    }
    assert_eq!(
        mock.log_bytes(),
        0,
        "nothing kept of 20 MiB sent without the token"
    );
    assert!(mock.requests().iter().all(|r| r.body.is_none()));

    // With the token, each body is kept up to 64 KiB.
    let mut events = Vec::new();
    while events.len() < 1000 * 1024 {
        events.extend_from_slice(br#"{"transaction_id":"t","customer_id":"c","event_type":"e","timestamp":"2024-01-01T00:00:00Z"},"#);
    }
    let mut body = b"[".to_vec();
    body.extend_from_slice(&events[..events.len() - 1]);
    body.push(b']');
    let token = format!("Bearer {}", mock.token());
    for _ in 0..5 {
        post(&mock, "/v1/ingest", body.clone(), Some(&token)).await;
    }
    assert!(mock.log_bytes() <= 5 * 64 * 1024, "{}", mock.log_bytes());
    let logged = mock.requests().last().unwrap().body.clone().unwrap();
    assert!(
        logged
            .as_str()
            .unwrap()
            .ends_with(&format!("[truncated: {} bytes]", body.len()))
    );
}

#[tokio::test]
async fn a_token_sent_without_a_scheme_is_not_logged() {
    let mock = MockMetronome::start().await;
    for value in ["secret-token-value", "secret token value", mock.token()] {
        post(&mock, "/v1/ingest", ONE_EVENT.to_vec(), Some(value)).await;
    }
    let logged: Vec<_> = mock
        .requests()
        .into_iter()
        .map(|r| r.authorization.unwrap())
        .collect();
    assert_eq!(logged, ["[redacted]", "[redacted]", "[redacted]"]);
    assert!(!format!("{:?}", mock.requests()).contains("secret"));
}

#[tokio::test]
async fn a_nan_fault_rate_injects_nothing() {
    let mock = MockMetronome::start().await;
    mock.faults().random(f64::NAN, vec![Fault::status(500)], 1);
    let token = format!("Bearer {}", mock.token());
    for _ in 0..20 {
        assert_eq!(
            post(&mock, "/v1/ingest", ONE_EVENT.to_vec(), Some(&token)).await,
            200
        );
    }
    assert_eq!(mock.faults().injected_total(), 0);
}

#[tokio::test]
async fn an_endless_delay_on_top_of_latency_keeps_the_server_up() {
    let mock = MockMetronome::builder()
        .latency(Duration::from_millis(5))
        .start()
        .await;
    mock.faults().push(Fault::Delay(Duration::MAX));
    let token = format!("Bearer {}", mock.token());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let send = || {
        client
            .post(format!("{}/v1/ingest", mock.base_url()))
            .header("authorization", &token)
            .body(ONE_EVENT)
            .send()
    };
    let waited = send().await.unwrap_err();
    assert!(
        waited.is_timeout(),
        "the delay is waited (not a panic closing the connection): {waited}"
    );
    assert_eq!(send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn a_dataset_of_u32_max_days_answers_costs() {
    let mock = MockMetronome::builder().days(u32::MAX).start().await;
    let customer = mock.dataset().customers()[0].id;
    let response = reqwest::Client::new()
        .get(format!(
            "{}/v1/customers/{customer}/costs?starting_on=2024-01-01T00:00:00Z&ending_before=2024-01-03T00:00:00Z",
            mock.base_url()
        ))
        .bearer_auth(mock.token())
        .send()
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn ingest_keeps_each_transaction_once_however_many_came_before() {
    let mock = MockMetronome::builder().log_capacity(0).start().await;
    let token = format!("Bearer {}", mock.token());
    let batch = |from: usize| {
        let events: Vec<_> = (from..from + 100)
            .map(|i| json!({"transaction_id": format!("t{i}"), "customer_id": "c", "event_type": "e", "timestamp": "2024-01-01T00:00:00Z"}))
            .collect();
        serde_json::to_vec(&events).unwrap()
    };
    // 500 batches, each overlapping the one before by half.
    for n in 0..500 {
        assert_eq!(
            post(&mock, "/v1/ingest", batch(n * 50), Some(&token)).await,
            200
        );
    }
    let ingested = mock.ingested_events();
    assert_eq!(ingested.len(), 499 * 50 + 100);
    let ids: std::collections::HashSet<_> = ingested.iter().map(|e| &e.transaction_id).collect();
    assert_eq!(ids.len(), ingested.len());
}
