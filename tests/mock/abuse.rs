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
        20 * "/v1/ingest".len(),
        "nothing but the path kept of 20 MiB sent without the token"
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
    // Each kept body's 64 KiB, its path and its few headers; the 20
    // requests without the token, their path only.
    assert!(
        mock.log_bytes() <= 5 * (64 * 1024 + "/v1/ingest".len() + 256) + 20 * "/v1/ingest".len(),
        "{}",
        mock.log_bytes()
    );
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

#[tokio::test]
async fn requests_without_the_token_keep_no_query_and_a_bounded_path() {
    let mock = MockMetronome::start().await;
    // Near the longest URI the HTTP stack takes (64 KiB).
    let query = "a&".repeat(30_000);
    let path = format!("/v1/{}", "p".repeat(4000));
    for _ in 0..50 {
        let sent = reqwest::Client::new()
            .get(format!("{}{path}?{query}", mock.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(sent.status().as_u16(), 401);
    }
    let logged = mock.requests();
    assert_eq!(logged.len(), 50);
    for request in &logged {
        assert!(request.query.is_empty(), "the query is not kept");
        assert!(
            request.path.chars().count() <= 257,
            "{}",
            request.path.len()
        );
    }
    assert!(mock.log_bytes() <= 50 * 260, "{} bytes", mock.log_bytes());
}

/// A connection that sends part of a request head and then nothing.
async fn stalled_head(mock: &MockMetronome) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    stream
        .write_all(b"GET /v1/customers HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    stream
}

/// Whether the server closed `stream` within `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    use tokio::io::AsyncReadExt;
    let mut buf = [0u8; 256];
    match tokio::time::timeout(within, stream.read(&mut buf)).await {
        Ok(Ok(0)) | Ok(Err(_)) => true,
        // An answer (408 or 400), then the close.
        Ok(Ok(_)) => matches!(
            tokio::time::timeout(within, stream.read(&mut buf)).await,
            Ok(Ok(0)) | Ok(Err(_))
        ),
        Err(_) => false,
    }
}

#[tokio::test]
async fn slow_clients_cannot_hold_the_mocks_connections() {
    let mock = MockMetronome::builder()
        .read_timeout(Duration::from_millis(300))
        .max_connections(8)
        .start()
        .await;
    // More half-sent heads than the mock takes at once.
    let mut stalled = Vec::new();
    for _ in 0..20 {
        stalled.push(stalled_head(&mock).await);
    }
    for stream in &mut stalled {
        assert!(
            closed_within(stream, Duration::from_secs(5)).await,
            "a half-sent head was closed"
        );
    }
    // And the mock still answers.
    let token = format!("Bearer {}", mock.token());
    assert_eq!(
        post(&mock, "/v1/ingest", ONE_EVENT.to_vec(), Some(&token)).await,
        200
    );

    // A body that stops halfway is answered 408 after the read timeout.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(mock.addr()).await.unwrap();
    let head = format!(
        "POST /v1/ingest HTTP/1.1\r\nhost: x\r\nauthorization: {token}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n[{{\"a\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer))
        .await
        .expect("answered in time")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test]
async fn a_body_without_the_token_is_answered_401_and_never_held() {
    let mock = MockMetronome::start().await;
    // 16 clients at once, each sending a mebibyte without the token: each
    // gets its 401 (the body is read and thrown away, not kept).
    let big = vec![b' '; 1 << 20];
    let sends: Vec<_> = (0..16)
        .map(|_| post(&mock, "/v1/ingest", big.clone(), None))
        .collect();
    for status in futures::future::join_all(sends).await {
        assert_eq!(status, 401);
    }
    assert!(mock.log_bytes() <= 16 * 260, "{}", mock.log_bytes());
}
