//! The token stays secret: not in Debug or Display of anything, not sent
//! to another origin on a redirect (nor is any other header).

use httpmock::prelude::*;
use metronome_integration_tests::{CUSTOMER, TOKEN, sdk, sdk_with};
use serde_json::json;

#[tokio::test]
async fn the_token_is_in_no_debug_or_display_output() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.any_request();
            then.status(401).json_body(json!({"message": "bad token"}));
        })
        .await;
    let client = sdk(&server.base_url());
    let request = client
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day");
    let costs =
        client
            .customers()
            .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z");
    let mut outputs = vec![
        format!("{client:?}"),
        format!("{request:?}"),
        format!("{costs:?}"),
        format!(
            "{:?}",
            metronome_client::Client::builder().bearer_token(TOKEN)
        ),
    ];
    let api_error = request.send().await.unwrap_err();
    let refused = sdk_with("http://127.0.0.1:1", |b| b.max_retries(0))
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .send()
        .await
        .unwrap_err();
    for err in [api_error, refused] {
        outputs.push(format!("{err:?}"));
        outputs.push(err.to_string());
    }
    for output in &outputs {
        assert!(!output.contains(TOKEN), "the token leaked: {output}");
    }
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_no_header_goes_there() {
    let elsewhere = MockServer::start_async().await;
    let landed = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    let origin = MockServer::start_async().await;
    origin
        .mock_async(|when, then| {
            when.method(GET)
                .header("authorization", format!("Bearer {TOKEN}"));
            then.status(307)
                .header("location", elsewhere.url("/v1/elsewhere"));
        })
        .await;

    // A key in a default header, as METRONOME_CUSTOM_HEADERS may carry.
    let err = sdk_with(&origin.base_url(), |b| {
        b.default_header("x-api-key", "k3y-value").max_retries(0)
    })
    .customers()
    .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
    .send()
    .await
    .unwrap_err();

    assert_eq!(
        landed.calls_async().await,
        0,
        "nothing went to the other origin"
    );
    let metronome_client::Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.status.as_u16(), 307);
    let shown = err.to_string();
    assert!(shown.contains("a redirect to another origin"), "{shown}");
    assert!(shown.contains(&elsewhere.url("/v1/elsewhere")), "{shown}");
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_every_header() {
    let server = MockServer::start_async().await;
    let landed = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/v2/costs")
                .header("authorization", format!("Bearer {TOKEN}"))
                .header("x-api-key", "k3y-value");
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;
    server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/v1/customers/{CUSTOMER}/costs"));
            then.status(307).header("location", "/v2/costs");
        })
        .await;
    let page = sdk_with(&server.base_url(), |b| {
        b.default_header("x-api-key", "k3y-value")
    })
    .customers()
    .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
    .send()
    .await
    .unwrap();
    assert!(page.data.is_empty());
    landed.assert_async().await;
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_and_trailing_slash_works() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(GET)
                .path(format!("/proxy/metronome/v1/customers/{CUSTOMER}/costs"));
            then.status(200)
                .json_body(json!({"data": [], "next_page": null}));
        })
        .await;

    sdk(&format!("{}/proxy/metronome/", server.base_url()))
        .customers()
        .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
        .send()
        .await
        .unwrap();

    mock.assert_async().await;
}

#[tokio::test]
async fn an_api_errors_debug_hides_secret_looking_headers() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(403)
                .header("set-cookie", "session=c00kie-value")
                .header("www-authenticate", "Bearer realm=r3alm-value")
                .header("x-api-key", "k3y-value")
                .header("x-request-id", "req_1")
                .json_body(json!({"message": "no"}));
        })
        .await;
    let err = sdk_with(&server.base_url(), |b| b.max_retries(0))
        .customers()
        .retrieve(CUSTOMER)
        .send()
        .await
        .unwrap_err();
    let debug = format!("{err:?}");
    for secret in ["c00kie-value", "r3alm-value", "k3y-value"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert!(debug.contains("[redacted]"));
    assert!(debug.contains("req_1"), "other headers stay: {debug}");
}

#[tokio::test]
async fn a_servers_message_cannot_forge_lines_or_colours() {
    let server = MockServer::start_async().await;
    let forged = format!(
        "bad\nERROR forged log line \u{1b}[31mred{}",
        "x".repeat(5000)
    );
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(400).json_body(json!({ "message": forged }));
        })
        .await;
    let err = sdk_with(&server.base_url(), |b| b.max_retries(0))
        .customers()
        .retrieve(CUSTOMER)
        .send()
        .await
        .unwrap_err();
    let shown = err.to_string();
    assert!(
        !shown.contains('\n') && !shown.contains('\u{1b}'),
        "{shown:?}"
    );
    assert!(shown.contains("bad\\nERROR"), "{shown}");
    assert!(
        shown.chars().count() < 400,
        "bounded: {} chars",
        shown.chars().count()
    );
}

#[tokio::test]
async fn a_decode_error_cannot_forge_lines_hide_text_or_grow_with_the_body() {
    let server = MockServer::start_async().await;
    // A key of a mebibyte with an escape sequence, a line separator and a
    // right-to-left override in it, then a value of the wrong type whose
    // text carries the same.
    let tricks = "\u{1b}[31m\u{2028}\u{202e}\n";
    let key = format!("{tricks}{}", "k".repeat(1 << 20));
    let text = |value: serde_json::Value| value.to_string();
    let shapes = [
        // A map value of the wrong type: the path names the key.
        text(
            json!({ "data": { "id": CUSTOMER, "name": "n", "custom_fields": { key.clone(): 5 } } }),
        ),
        // serde's message quotes the value it refused.
        text(json!({ "data": { "id": format!("{tricks}not a uuid"), "name": "n" } })),
        // Cut off inside the key's value.
        format!("{{\"data\": {{{}: ", json!(key)),
    ];
    for answer in shapes {
        let mock = server
            .mock_async(|when, then| {
                when.method(GET);
                then.status(200)
                    .header("content-type", "application/json")
                    .body(answer.clone());
            })
            .await;
        let err = sdk(&server.base_url())
            .customers()
            .retrieve(CUSTOMER)
            .send()
            .await
            .unwrap_err();
        let metronome_client::Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        for shown in [err.to_string(), decode.path.clone()] {
            for c in ['\u{1b}', '\n', '\u{2028}', '\u{202e}'] {
                assert!(!shown.contains(c), "{c:?} in {shown:?}");
            }
            assert!(
                shown.chars().count() < 2_000,
                "{} chars",
                shown.chars().count()
            );
        }
        mock.delete_async().await;
    }
}
