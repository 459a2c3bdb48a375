//! The low-level client (`client.api()`) and requests to any path
//! (`client.request(..)`) share the SDK's transport and its one error type.

use httpmock::prelude::*;
use metronome_client::reqwest::Method;
use metronome_client::{ApiErrorKind, CUSTOM_OPERATION, Error, LOW_LEVEL_OPERATION};
use metronome_integration_tests::{CUSTOMER, TOKEN, sdk, sdk_with};
use serde_json::json;

fn customer() -> serde_json::Value {
    json!({"id": CUSTOMER, "external_id": "acme", "name": "Acme", "ingest_aliases": [],
           "customer_config": {"salesforce_account_id": null}, "custom_fields": {},
           "created_at": "2024-01-01T00:00:00Z", "updated_at": "2024-01-01T00:00:00Z"})
}

/// Reads a customer through the low-level client, converting its error with
/// `?`: this is the compile test that `From` exists.
async fn name_of(client: &metronome_client::Client) -> Result<String, Error> {
    let response = client
        .api()
        .customers_retrieve()
        .customer_id(CUSTOMER.parse::<uuid::Uuid>().unwrap())
        .send()
        .await?;
    Ok(response.into_inner().data.name)
}

/// Serves the customer, with `request_id` in `x-request-id`.
async fn serve_customer(server: &MockServer, request_id: &str) {
    server
        .mock_async(|when, then| {
            when.method(GET).path(format!("/v1/customers/{CUSTOMER}"));
            then.status(200)
                .header("content-type", "application/json")
                .header("x-request-id", request_id)
                .json_body(json!({"data": customer()}));
        })
        .await;
}

#[tokio::test]
async fn low_level_responses_keep_their_headers() {
    let server = MockServer::start_async().await;
    serve_customer(&server, "req_7").await;
    let client = sdk(&server.base_url());
    let response = client
        .api()
        .customers_retrieve()
        .customer_id(CUSTOMER.parse::<uuid::Uuid>().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req_7");
    assert_eq!(response.status(), 200);
    assert_eq!(name_of(&client).await.unwrap(), "Acme");
}

/// The resources keep them too: `send_with_response()` returns the body
/// with status and headers, for a JSON answer and for a document.
#[tokio::test]
async fn resource_responses_keep_their_headers_with_send_with_response() {
    let server = MockServer::start_async().await;
    serve_customer(&server, "req_8").await;
    let invoice = "9b0f3a6e-3d57-4c0e-9d38-6c1f5a1f2b11";
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/customers/{CUSTOMER}/invoices/{invoice}/pdf"));
            then.status(200)
                .header("content-type", "application/pdf")
                .header("x-request-id", "req_9")
                .body("%PDF-1.7 ...");
        })
        .await;
    let client = sdk(&server.base_url());

    let response = client
        .customers()
        .retrieve(CUSTOMER)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-request-id"], "req_8");
    assert_eq!(response.body.name, "Acme");

    let pdf = client
        .customers()
        .invoices()
        .retrieve_pdf(CUSTOMER, invoice)
        .send_with_response()
        .await
        .unwrap();
    assert_eq!(pdf.headers()["x-request-id"], "req_9");
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(pdf.into_body(), "%PDF-1.7 ...".as_bytes());
}

#[tokio::test]
async fn low_level_errors_become_the_sdks_error_with_status_code_and_message() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(404)
                .header("content-type", "application/json")
                .header("x-request-id", "req_8")
                .json_body(json!({"code": "NotFound", "message": "no customer with that id"}));
        })
        .await;
    let client = sdk_with(&server.base_url(), |b| b.max_retries(0));
    let err = name_of(&client).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status, 404);
    assert_eq!(api.kind, ApiErrorKind::NotFound);
    assert_eq!(api.message.as_deref(), Some("no customer with that id"));
    assert_eq!(api.request_id.as_deref(), Some("req_8"));
    assert_eq!(api.context.operation, LOW_LEVEL_OPERATION);
    // The low-level error body is the operation's error type re-encoded:
    // this operation's has no `code`. The SDK's own calls keep the body
    // as received, `code` included.
    assert_eq!(api.code, None);
    let err = client
        .customers()
        .retrieve(CUSTOMER)
        .send()
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code.as_deref(), Some("NotFound"));
    assert_eq!(api.message.as_deref(), Some("no customer with that id"));
}

#[tokio::test]
async fn a_too_large_body_is_the_same_error_at_both_layers() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"data": customer()}));
        })
        .await;
    let client = sdk_with(&server.base_url(), |b| b.max_response_bytes(16));
    let low = name_of(&client).await.unwrap_err();
    let high = client
        .customers()
        .retrieve(CUSTOMER)
        .send()
        .await
        .unwrap_err();
    for err in [&low, &high] {
        let Error::ResponseTooLarge { status, limit, .. } = err else {
            panic!("{err:?}")
        };
        assert_eq!((status.as_u16(), limit), (200, &16));
    }
}

#[tokio::test]
async fn a_request_to_any_path_carries_the_token_query_and_body() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/some/new/endpoint")
                .query_param("dry_run", "true")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("content-type", "application/json")
                .json_body(json!({"id": CUSTOMER}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(json!({"data": {"archived": true}}));
        })
        .await;
    let response = sdk(&server.base_url())
        .request(Method::POST, "/v1/some/new/endpoint")
        .query("dry_run", true)
        .json(&json!({"id": CUSTOMER}))
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    assert_eq!(response.status, 200);
    let reply: serde_json::Value = response.json().unwrap();
    assert_eq!(reply["data"]["archived"], true);

    // `data` is an object, not a list.
    let Err(Error::Decode(decode)) = response.json::<std::collections::BTreeMap<String, Vec<u8>>>()
    else {
        panic!("a mismatched body is a decode error")
    };
    assert_eq!(decode.path, "data");
    assert_eq!(decode.status.map(|s| s.as_u16()), Some(200));
}

#[tokio::test]
async fn a_request_to_any_path_fails_like_every_call() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET).path("/v1/flaky");
            then.status(503).json_body(json!({"message": "try later"}));
        })
        .await;
    let client = sdk_with(&server.base_url(), |b| {
        b.retry_policy(
            metronome_client::RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(1)),
        )
        .max_retries(1)
    });
    let err = client
        .request(Method::GET, "/v1/flaky")
        .send()
        .await
        .unwrap_err();
    assert_eq!(mock.calls_async().await, 2, "retried like any call");
    assert_eq!(err.kind(), Some(ApiErrorKind::InternalServer));
    assert_eq!(err.context().unwrap().operation, CUSTOM_OPERATION);
    assert_eq!(err.attempts(), 2);
    assert_eq!(
        err.to_string(),
        "custom request, after 2 attempts: Metronome answered 503 Service Unavailable: try later"
    );

    for bad in [
        "v1/no-slash",
        "https://elsewhere.example/v1/x",
        "//elsewhere.example/v1",
    ] {
        let err = client.request(Method::GET, bad).send().await.unwrap_err();
        assert!(matches!(err, Error::InvalidRequest(_)), "{bad}: {err:?}");
    }
    assert_eq!(mock.calls_async().await, 2, "nothing more was sent");
}

#[tokio::test]
async fn a_custom_path_cannot_leave_the_base_urls_prefix() {
    let server = MockServer::start_async().await;
    let anywhere = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    let client = sdk(&server.url("/metronome-prefix"));
    for bad in [
        "/../admin/keys",
        "/v1/..",
        "/v1/./x",
        "/v1/%2e%2e/%2E%2E/admin",
        "/v1/.%2E/admin",
        "/v1/x?admin=1",
        "/v1/x#fragment",
        "/v1\\..\\admin",
        "/v1/x\n/y",
    ] {
        let err = client.request(Method::GET, bad).send().await.unwrap_err();
        match &err {
            Error::InvalidRequest(message) => assert!(message.contains("path"), "{message}"),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(anywhere.calls_async().await, 0, "nothing was sent");
    anywhere.delete_async().await;

    // Text with `/`, `?`, `#` or `..` in it goes in a segment through
    // `path_segment`, and stays there.
    let odd_id = metronome_client::path_segment("a/../b?c#d e").unwrap();
    assert_eq!(odd_id, "a%2F..%2Fb%3Fc%23d%20e");
    let landed = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/metronome-prefix/v1/things/a%2F..%2Fb%3Fc%23d%20e");
            then.status(200).json_body(json!({"ok": true}));
        })
        .await;
    client
        .request(Method::GET, format!("/v1/things/{odd_id}"))
        .send()
        .await
        .unwrap();
    landed.assert_async().await;
    for level in ["", ".", ".."] {
        assert!(metronome_client::path_segment(level).is_err(), "{level:?}");
    }
}

/// The low-level client's requests carry what the resources' carry: the
/// token, the user agent and the default headers, as the transport's
/// middleware sees them.
#[tokio::test]
async fn low_level_requests_carry_the_same_headers_as_the_resources() {
    use std::sync::{Arc, Mutex};

    let server = MockServer::start_async().await;
    serve_customer(&server, "req_10").await;
    let seen: Arc<Mutex<Vec<metronome_client::http::HeaderMap>>> = Arc::default();
    let record = seen.clone();
    let client = sdk_with(&server.base_url(), move |b| {
        b.default_header("x-team", "billing")
            .middleware(metronome_client::middleware::from_fn(
                move |request, next| {
                    record.lock().unwrap().push(request.headers().clone());
                    Box::pin(async move { next.run(request).await })
                },
            ))
    });
    assert_eq!(name_of(&client).await.unwrap(), "Acme");
    client.customers().retrieve(CUSTOMER).send().await.unwrap();

    let seen = seen.lock().unwrap();
    let [low_level, resource] = seen.as_slice() else {
        panic!("two requests, one each: {seen:?}");
    };
    for name in ["authorization", "user-agent", "x-team"] {
        assert_eq!(low_level.get(name), resource.get(name), "{name}");
    }
    assert_eq!(
        low_level["authorization"].to_str().unwrap(),
        format!("Bearer {TOKEN}")
    );
    assert!(low_level["authorization"].is_sensitive());
    assert!(
        low_level["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("metronome-client/"),
        "{low_level:?}"
    );
    assert_eq!(low_level["x-team"], "billing");
    assert!(!low_level.contains_key("api-version"), "{low_level:?}");
    // The low-level client's own state holds the token too, for requests
    // built by hand with its `apply_headers`.
    assert!(metronome_api::ClientInfo::inner(client.api()).has_bearer_token());
}
