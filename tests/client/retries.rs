//! What is retried, how often, and what the final error says.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
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

/// An https server on 127.0.0.1 whose certificate no trust store holds;
/// counts the connections it accepts (up to 5, each given 5 s).
async fn untrusted_tls_server() -> (String, Arc<AtomicUsize>) {
    use tokio_rustls::rustls::{
        self,
        pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    };
    let certs: Vec<_> =
        CertificateDer::pem_slice_iter(include_bytes!("../fixtures/self-signed.pem"))
            .collect::<Result<_, _>>()
            .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../fixtures/self-signed.key")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        for _ in 0..5 {
            let wait = Duration::from_secs(5);
            let Ok(Ok((stream, _))) = tokio::time::timeout(wait, listener.accept()).await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            // The client refuses the certificate: the handshake fails here.
            let _ = tokio::time::timeout(wait, acceptor.accept(stream)).await;
        }
    });
    (url, accepted)
}

#[tokio::test]
async fn an_untrusted_certificate_fails_once_as_a_tls_error() {
    let (url, accepted) = untrusted_tls_server().await;
    let err = sdk_with(&url, |b| b.max_retries(2))
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert_eq!(
        err.attempts(),
        1,
        "a retry cannot make the certificate trusted"
    );
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
    assert!(!err.is_retryable());
    let message = err.to_string();
    assert!(
        message.starts_with("usage_list: the TLS handshake was refused, not retried: ")
            && message.contains("UnknownIssuer"),
        "{message}"
    );
}

#[tokio::test]
async fn a_handshake_cut_off_midway_is_still_retried() {
    // Accepts and hangs up at once: the client's hello meets a closed socket.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "https://127.0.0.1:{}",
        listener.local_addr().unwrap().port()
    );
    let server = std::thread::spawn(move || {
        (0..3)
            .filter_map(|_| listener.accept().ok())
            .map(drop)
            .count()
    });
    let err = sdk_with(&url, |b| b.max_retries(2))
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(err.attempts(), 3);
    assert_eq!(server.join().unwrap(), 3);
    assert!(err.is_retryable());
}

#[tokio::test]
async fn one_call_can_turn_retries_off_and_set_its_own_timeout() {
    let server = MockServer::start_async().await;
    let failing = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/contracts/create");
            then.status(503);
        })
        .await;
    let slow = server
        .mock_async(|when, then| {
            when.method(POST).path("/v1/usage");
            then.status(200)
                .delay(Duration::from_millis(300))
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    let client = sdk_with(&server.base_url(), |b| b.max_retries(2));
    let create = || client.contracts().create(CUSTOMER, "2024-01-01T00:00:00Z");

    let err = create().max_retries(0).send().await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(failing.calls_async().await, 1, "sent once, not retried");
    let err = create().send().await.unwrap_err();
    assert_eq!(err.attempts(), 3, "the client's policy is untouched");

    // A walk applies them to each page; the client's timeout (60 s) would
    // have waited.
    let results: Vec<_> = client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .timeout(Duration::from_millis(50))
        .max_retries(1)
        .pages()
        .collect()
        .await;
    assert!(
        matches!(results.as_slice(), [Err(Error::Timeout { .. })]),
        "{results:?}"
    );
    assert_eq!(results[0].as_ref().unwrap_err().attempts(), 2);
    assert_eq!(slow.calls_async().await, 2);
}
