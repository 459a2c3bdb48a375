//! What is retried, how often, and what the final error says.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use httpmock::prelude::*;
use httpmock::{HttpMockRequest, HttpMockResponse};
use metronome_client::{ApiErrorKind, Error};
use metronome_integration_tests::{CUSTOMER, sdk, sdk_with, usage_row};
use serde_json::json;

/// Responds with `script[i]` (status, extra headers) to the i-th request,
/// and with a page of one row once the script runs out.
fn scripted(
    script: Vec<(u16, Vec<(&'static str, &'static str)>)>,
) -> impl Fn(&HttpMockRequest) -> HttpMockResponse + Send + Sync {
    let calls = Arc::new(AtomicUsize::new(0));
    move |_| {
        let n = calls.fetch_add(1, Ordering::SeqCst);
        let mut response = HttpMockResponse::builder().header("content-type", "application/json");
        match script.get(n) {
            Some((status, headers)) => {
                for (name, value) in headers {
                    response = response.header(*name, *value);
                }
                response
                    .status(*status)
                    .body(json!({"message": format!("failure {n}")}).to_string())
            }
            None => response
                .status(200)
                .body(json!({"data": [usage_row(1, Some(1.0))], "next_page": null}).to_string()),
        }
        .build()
    }
}

async fn usage_against(
    script: Vec<(u16, Vec<(&'static str, &'static str)>)>,
    configure: impl FnOnce(metronome_client::ClientBuilder) -> metronome_client::ClientBuilder,
) -> (
    Result<metronome_client::Page<metronome_client::types::UsageAggregate>, Error>,
    usize,
) {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.respond_with(scripted(script));
        })
        .await;
    let result = sdk_with(&server.base_url(), configure)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .send()
        .await;
    (result, mock.calls_async().await)
}

#[tokio::test]
async fn a_429_with_retry_after_zero_is_retried_then_succeeds() {
    let (result, calls) = usage_against(vec![(429, vec![("retry-after", "0")])], |b| b).await;
    assert_eq!(result.unwrap().data.len(), 1);
    assert_eq!(calls, 2);
}

#[tokio::test]
async fn a_503_three_times_gives_the_error_with_the_attempt_count() {
    let (result, calls) = usage_against(vec![(503, vec![]); 3], |b| b).await;
    let err = result.unwrap_err();
    assert_eq!(calls, 3, "1 attempt + 2 retries by default");
    assert_eq!(err.attempts(), 3);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.kind(), Some(ApiErrorKind::InternalServer));
    assert!(err.is_retryable());
    assert_eq!(
        err.to_string(),
        "usage_list, after 3 attempts: Metronome answered 503 Service Unavailable: failure 2"
    );
}

#[tokio::test]
async fn each_retryable_status_is_retried() {
    for status in [408, 409, 429, 500, 502, 504] {
        let (result, calls) = usage_against(vec![(status, vec![])], |b| b).await;
        assert!(result.is_ok(), "{status}");
        assert_eq!(calls, 2, "{status}");
    }
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let (result, calls) = usage_against(vec![(400, vec![])], |b| b).await;
    assert_eq!(result.unwrap_err().kind(), Some(ApiErrorKind::BadRequest));
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn x_should_retry_false_stops_a_503_and_true_retries_a_400() {
    let (result, calls) =
        usage_against(vec![(503, vec![("x-should-retry", "false")])], |b| b).await;
    assert_eq!(result.unwrap_err().attempts(), 1);
    assert_eq!(calls, 1);

    let (result, calls) = usage_against(vec![(400, vec![("x-should-retry", "true")])], |b| b).await;
    assert!(result.is_ok());
    assert_eq!(calls, 2);
}

#[tokio::test]
async fn max_retries_zero_makes_one_attempt() {
    let (result, calls) = usage_against(vec![(503, vec![])], |b| b.max_retries(0)).await;
    assert_eq!(result.unwrap_err().attempts(), 1);
    assert_eq!(calls, 1);
}

#[tokio::test]
async fn more_retries_are_used_when_configured() {
    let (result, calls) = usage_against(vec![(500, vec![]); 4], |b| b.max_retries(4)).await;
    assert!(result.is_ok());
    assert_eq!(calls, 5);
}

#[tokio::test]
async fn retry_after_ms_is_waited_for() {
    let started = std::time::Instant::now();
    let (result, calls) = usage_against(vec![(429, vec![("retry-after-ms", "120")])], |b| b).await;
    assert!(result.is_ok());
    assert_eq!(calls, 2);
    assert!(
        started.elapsed() >= Duration::from_millis(120),
        "the server's wait is honoured"
    );
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    // Bind then drop a listener: nothing listens on that port any more.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = sdk(&format!("http://127.0.0.1:{port}"))
        .customers()
        .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert!(err.is_retryable());
    assert!(
        err.to_string()
            .starts_with("customers_list_costs, after 3 attempts: could not reach Metronome: "),
        "{err}"
    );
}

#[tokio::test]
async fn a_slow_response_times_out_on_every_attempt() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200)
                .delay(Duration::from_millis(400))
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    let err = sdk_with(&server.base_url(), |b| {
        b.timeout(Duration::from_millis(50)).max_retries(1)
    })
    .usage()
    .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
    .send()
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.attempts(), 2);
    assert_eq!(mock.calls_async().await, 2);
    assert_eq!(
        err.to_string(),
        "usage_list, after 2 attempts: timed out waiting for Metronome"
    );
}

#[tokio::test]
async fn x_should_retry_true_on_a_success_does_not_send_it_again() {
    let (result, calls) = usage_against(vec![], |b| b.max_retries(2)).await;
    assert!(result.is_ok());
    assert_eq!(calls, 1);

    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/ingest");
            then.status(200).header("x-should-retry", "true");
        })
        .await;
    sdk_with(&server.base_url(), |b| b.max_retries(2))
        .usage()
        .ingest([metronome_client::Event::new(
            "t-1",
            CUSTOMER,
            "api_call",
            "2024-01-01T00:00:00Z",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(
        mock.calls_async().await,
        1,
        "an accepted ingest goes out once"
    );
}

#[tokio::test]
async fn a_503_whose_body_is_too_large_is_still_retried() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.status(503).body("x".repeat(4096));
        })
        .await;
    let err = sdk_with(&server.base_url(), |b| {
        b.retry_policy(
            metronome_client::RetryPolicy::default().initial_backoff(Duration::from_millis(1)),
        )
        .max_retries(2)
        .max_response_bytes(1024)
    })
    .usage()
    .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
    .send()
    .await
    .unwrap_err();
    assert_eq!(mock.calls_async().await, 3, "retried like any 503");
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
}
