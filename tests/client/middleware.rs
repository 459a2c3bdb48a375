//! What a user adds to the transport: middleware, and default headers.
//! (The spans of a call are pinned in `tests/spans`.)

use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use httpmock::prelude::*;
use metronome_client::middleware::{Middleware, Next};
use metronome_client::reqwest::{Request, Response, Result as HttpResult};
use metronome_client::{Client, Error, RetryPolicy};
use metronome_integration_tests::{Recorder, TOKEN, recorded_requests, sdk_with};
use serde_json::json;

/// Records the order layers run in, per attempt.
struct Layer {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Middleware for Layer {
    fn handle<'a>(
        &'a self,
        mut request: Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, HttpResult<Response>> {
        Box::pin(async move {
            let attempt = next.attempt();
            self.log
                .lock()
                .unwrap()
                .push(format!("{} before {attempt}", self.name));
            let header = format!("x-layer-{}", self.name);
            request.headers_mut().insert(
                metronome_client::reqwest::header::HeaderName::from_bytes(header.as_bytes())
                    .unwrap(),
                attempt.to_string().parse().unwrap(),
            );
            let response = next.run(request).await;
            let status = response.as_ref().map_or(0, |r| r.status().as_u16());
            self.log
                .lock()
                .unwrap()
                .push(format!("{} after {attempt}: {status}", self.name));
            response
        })
    }
}

#[tokio::test]
async fn middleware_runs_in_order_on_every_attempt_below_the_retries() {
    let server = MockServer::start_async().await;
    let recorder = Recorder::default();
    let unavailable = server
        .mock_async(|when, then| {
            when.path("/v1/customers");
            then.status(503).json_body(json!({"message": "busy"}));
        })
        .await;
    let log = Arc::new(Mutex::new(Vec::new()));
    let client = sdk_with(&server.base_url(), |b| {
        b.retry_policy(RetryPolicy::for_tests().max_retries(1))
            .middleware(Layer {
                name: "outer",
                log: log.clone(),
            })
            .middleware(Layer {
                name: "inner",
                log: log.clone(),
            })
    });
    let error = client.customers().list().send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Api(api) if api.status.as_u16() == 503 && api.context.attempts == 2)
    );
    assert_eq!(
        *log.lock().unwrap(),
        [
            "outer before 1",
            "inner before 1",
            "inner after 1: 503",
            "outer after 1: 503",
            "outer before 2",
            "inner before 2",
            "inner after 2: 503",
            "outer after 2: 503",
        ]
    );
    unavailable.delete_async().await;

    // What the layers add reaches the server, once per layer per attempt.
    server
        .mock_async(|when, then| {
            when.is_true(recorder.matcher());
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    client.customers().list().send().await.unwrap();
    let sent = recorder.requests();
    let last = sent.last().unwrap();
    assert_eq!(last["headers"]["x-layer-outer"], "1", "{last}");
    assert_eq!(last["headers"]["x-layer-inner"], "1", "{last}");
}

#[tokio::test]
async fn default_headers_go_on_every_request_and_never_replace_the_token() {
    let requests = recorded_requests(
        |b| {
            b.default_header("x-team", "billing")
                .default_header("User-Agent", "my-app/1.0")
                .default_header("x-api-key", "shh")
        },
        async |client| {
            client.customers().list().send().await.unwrap();
            client.billable_metrics().list().send().await.unwrap();
        },
    )
    .await;
    assert_eq!(requests.len(), 2);
    for request in requests {
        assert_eq!(request["headers"]["x-team"], "billing", "{request}");
        assert_eq!(request["headers"]["user-agent"], "my-app/1.0");
        assert_eq!(request["headers"]["authorization"], "Bearer [token]");
    }
    // Secret-looking values are not shown by the builder's Debug.
    let builder = Client::builder()
        .bearer_token(TOKEN)
        .default_header("x-api-key", "shh-secret");
    let shown = format!("{builder:?}");
    assert!(
        shown.contains("x-api-key") && !shown.contains("shh-secret"),
        "{shown}"
    );
}

#[test]
fn default_headers_that_cannot_be_sent_are_configuration_errors() {
    let cases = [
        (("bad header", "v"), "not a valid header name"),
        (("x-ok", "line\nbreak-secret"), "cannot be sent in a header"),
        (("Authorization", "Bearer other"), "bearer token sets it"),
    ];
    for ((name, value), says) in cases {
        let error = Client::builder()
            .bearer_token(TOKEN)
            .default_header(name, value)
            .build()
            .unwrap_err();
        let shown = error.to_string();
        assert!(
            matches!(error, Error::Config(_)) && shown.contains(says),
            "{shown}"
        );
        assert!(
            !shown.contains("secret") && !shown.contains("Bearer other"),
            "{shown}"
        );
    }
}

/// Never lets an attempt finish: it hangs before answering, or answers
/// with a body that never ends.
enum Stall {
    BeforeAnswering,
    InTheBody,
}

impl Middleware for Stall {
    fn handle<'a>(&'a self, _: Request, _: Next<'a>) -> BoxFuture<'a, HttpResult<Response>> {
        Box::pin(async move {
            match self {
                Stall::BeforeAnswering => futures::future::pending().await,
                Stall::InTheBody => {
                    let endless = futures::stream::pending::<Result<Vec<u8>, std::io::Error>>();
                    let mut response =
                        http::Response::new(metronome_client::reqwest::Body::wrap_stream(endless));
                    *response.status_mut() = http::StatusCode::OK;
                    Ok(Response::from(response))
                }
            }
        })
    }
}

#[tokio::test]
async fn the_attempt_timeout_bounds_middleware_and_the_body_behind_it() {
    for stall in [Stall::BeforeAnswering, Stall::InTheBody] {
        let client = Client::builder()
            .bearer_token(TOKEN)
            .base_url("http://127.0.0.1:9")
            .timeout(std::time::Duration::from_millis(100))
            .retry_policy(
                RetryPolicy::default()
                    .max_retries(1)
                    .initial_backoff(std::time::Duration::from_millis(1)),
            )
            .middleware(stall)
            .build()
            .unwrap();
        let started = std::time::Instant::now();
        let sent = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            client.customers().list().send(),
        )
        .await
        .expect("the call ended by itself");
        match sent {
            Err(Error::Timeout { context, .. }) => {
                assert_eq!(context.attempts, 2, "timed out, then retried once")
            }
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}

#[tokio::test]
async fn a_closure_is_a_middleware_too() {
    let server = MockServer::start_async().await;
    let tagged = server
        .mock_async(|when, then| {
            when.header("x-team", "billing");
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    let client = sdk_with(&server.base_url(), |b| {
        b.middleware(metronome_client::middleware::from_fn(
            |mut request, next| {
                Box::pin(async move {
                    request
                        .headers_mut()
                        .insert("x-team", "billing".parse().unwrap());
                    next.run(request).await
                })
            },
        ))
    });
    client.customers().list().send().await.unwrap();
    tagged.assert_async().await;
}
