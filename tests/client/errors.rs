//! Every kind of failure, as the caller sees it. Display messages are
//! snapshotted: a changed message is a change in behaviour.

use httpmock::prelude::*;
use metronome_client::{ApiErrorKind, Error};
use metronome_integration_tests::{CUSTOMER, sdk, sdk_with, usage_row};
use serde_json::json;

async fn costs_failing_with(status: u16, headers: &[(&str, &str)], body: &str) -> Error {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            let mut then = then.status(status);
            for (name, value) in headers {
                then = then.header(*name, *value);
            }
            when.method(GET);
            then.body(body);
        })
        .await;
    sdk_with(&server.base_url(), |b| b.max_retries(0))
        .customers()
        .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z")
        .send()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn each_status_has_its_kind_and_an_actionable_message() {
    let cases = [
        (400, ApiErrorKind::BadRequest),
        (401, ApiErrorKind::Authentication),
        (403, ApiErrorKind::PermissionDenied),
        (404, ApiErrorKind::NotFound),
        (409, ApiErrorKind::Conflict),
        (422, ApiErrorKind::UnprocessableEntity),
        (429, ApiErrorKind::RateLimited),
        (500, ApiErrorKind::InternalServer),
        (418, ApiErrorKind::Other),
    ];
    let mut messages = Vec::new();
    for (status, kind) in cases {
        let body = json!({"message": format!("the server's words for {status}")}).to_string();
        let err = costs_failing_with(
            status,
            &[
                ("content-type", "application/json"),
                ("x-request-id", "req_42"),
            ],
            &body,
        )
        .await;
        assert_eq!(err.kind(), Some(kind), "{status}");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
        let Error::Api(api) = &err else {
            panic!("{status}: {err:?}")
        };
        assert_eq!(
            api.message.as_deref(),
            Some(format!("the server's words for {status}").as_str())
        );
        assert_eq!(api.body, body.as_bytes());
        assert_eq!(api.request_id.as_deref(), Some("req_42"));
        messages.push(err.to_string());
    }
    insta::assert_snapshot!(messages.join("\n"));
}

#[tokio::test]
async fn retry_after_is_exposed_on_a_429() {
    let err = costs_failing_with(429, &[("retry-after", "7")], r#"{"message":"slow down"}"#).await;
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.retry_after, Some(std::time::Duration::from_secs(7)));
    assert_eq!(api.headers["retry-after"], "7");
}

#[tokio::test]
async fn a_non_json_502_is_an_api_error_that_keeps_the_body() {
    let html = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    let err = costs_failing_with(502, &[("content-type", "text/html")], html).await;
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.kind, ApiErrorKind::InternalServer);
    assert_eq!(api.message, None);
    assert_eq!(api.body, html.as_bytes());
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test]
async fn an_error_with_an_empty_body_says_so() {
    let err = costs_failing_with(500, &[], "").await;
    assert_eq!(
        err.to_string(),
        "customers_list_costs: Metronome answered 500 Internal Server Error with an empty body"
    );
}

async fn usage_answering(body: &str) -> Error {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200)
                .header("content-type", "application/json")
                .body(body);
        })
        .await;
    sdk(&server.base_url())
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .send()
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_truncated_200_is_a_decode_error_holding_the_body() {
    let full = json!({"data": [usage_row(1, Some(1.0))], "next_page": null}).to_string();
    let truncated = &full[..full.len() / 2];
    let err = usage_answering(truncated).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.status.map(|s| s.as_u16()), Some(200));
    assert_eq!(decode.body, truncated.as_bytes());
    assert!(!err.is_retryable());
    assert_eq!(
        err.attempts(),
        1,
        "a 200 is not retried, even when it does not decode"
    );
}

#[tokio::test]
async fn a_200_of_the_wrong_shape_names_the_path_that_failed() {
    let mut row = usage_row(1, Some(1.0));
    row["value"] = json!("twelve");
    let body = json!({"data": [usage_row(2, None), row], "next_page": null}).to_string();
    let err = usage_answering(&body).await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.path, "data[1].value");
    assert_eq!(decode.body, body.as_bytes());
    insta::assert_snapshot!(err.to_string());
}

#[tokio::test]
async fn an_empty_200_and_a_non_json_200_are_decode_errors() {
    for body in ["", "not json at all"] {
        let err = usage_answering(body).await;
        let Error::Decode(decode) = &err else {
            panic!("{body:?}: {err:?}")
        };
        assert_eq!(decode.body, body.as_bytes());
    }
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_not_buffered() {
    let server = MockServer::start_async().await;
    let rows: Vec<_> = (1..=28).map(|d| usage_row(d, Some(1.0))).collect();
    server
        .mock_async(|when, then| {
            when.method(POST);
            then.status(200)
                .json_body(json!({"data": rows, "next_page": null}));
        })
        .await;
    let err = sdk_with(&server.base_url(), |b| b.max_response_bytes(1024))
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "day")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "usage_list: the 200 OK response is larger than the 1024-byte limit; it was not read"
    );
}

/// A document over the cap is the same error as a page over it, never
/// an empty success (the PDF answer was `Ok` with 0 bytes and no headers).
#[tokio::test]
async fn a_pdf_over_the_limit_is_refused_not_an_empty_success() {
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(200)
                .header("content-type", "application/pdf")
                .body(vec![b'%'; 4096]);
        })
        .await;
    let invoice = "6a37bb88-8538-48c5-b37b-a41c836328bd";
    let err = sdk_with(&server.base_url(), |b| b.max_response_bytes(1024))
        .customers()
        .invoices()
        .retrieve_pdf(CUSTOMER, invoice)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1024, .. }),
        "{err:?}"
    );
}

/// The default cap is sized for real pages (RELIABILITY.md, "Limits"):
/// a 200 announcing 33 MiB is refused by its `content-length` before a
/// byte of it is read, without any setting.
#[tokio::test]
async fn the_default_cap_refuses_a_body_far_larger_than_any_real_page() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        // One connection, one answer: a head that promises 33 MiB and no body.
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = [0u8; 8192];
        let _ = socket.read(&mut request);
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            33 * 1024 * 1024
        );
        let _ = socket.write_all(head.as_bytes());
    });
    let err = sdk_with(&url, |b| b.max_retries(0))
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "day")
        .send()
        .await
        .unwrap_err();
    server.join().unwrap();
    assert_eq!(
        metronome_client::DEFAULT_MAX_RESPONSE_BYTES,
        32 * 1024 * 1024
    );
    assert!(
        matches!(err, Error::ResponseTooLarge { limit, .. } if limit == 32 * 1024 * 1024),
        "{err:?}"
    );
}

#[tokio::test]
async fn invalid_arguments_fail_before_any_request() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let client = sdk(&server.base_url());
    let usage = || {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "day")
    };
    let costs = || {
        client
            .customers()
            .list_costs(CUSTOMER, "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
    };

    let errors = vec![
        costs().limit(0).send().await.unwrap_err(),
        costs().limit(101).send().await.unwrap_err(),
        client
            .customers()
            .list_costs("not-a-uuid", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
            .send()
            .await
            .unwrap_err(),
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "weekly")
            .send()
            .await
            .unwrap_err(),
        client
            .usage()
            .list("yesterday", "2024-02-01T00:00:00Z", "day")
            .send()
            .await
            .unwrap_err(),
        client
            .usage()
            .list("2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z", "day")
            .send()
            .await
            .unwrap_err(),
        usage()
            .customer_ids(Vec::<String>::new())
            .send()
            .await
            .unwrap_err(),
        usage().customer_ids(["nope"]).send().await.unwrap_err(),
        usage()
            .billable_metrics([metronome_client::MetricFilter::new(CUSTOMER)
                .group_by("region")
                .values(Vec::<String>::new())])
            .send()
            .await
            .unwrap_err(),
        usage()
            .billable_metrics([metronome_client::MetricFilter::new(CUSTOMER)
                .group_by("region")
                .values(vec!["x"; 201])])
            .send()
            .await
            .unwrap_err(),
        usage()
            .billable_metrics([metronome_client::MetricFilter::new(CUSTOMER).values(["x"])])
            .send()
            .await
            .unwrap_err(),
    ];
    let mut messages = Vec::new();
    for err in &errors {
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
        assert_eq!(err.attempts(), 0);
        messages.push(err.to_string());
    }
    let streamed: Vec<_> = futures::StreamExt::collect::<Vec<_>>(costs().limit(0).stream()).await;
    assert!(matches!(
        streamed.as_slice(),
        [Err(Error::InvalidRequest(_))]
    ));

    assert_eq!(mock.calls_async().await, 0, "nothing was sent");
    insta::assert_snapshot!(messages.join("\n"));
}

#[tokio::test]
async fn new_operations_check_their_arguments_before_sending() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let client = sdk(&server.base_url());
    let event =
        |id: &str| metronome_client::Event::new(id, CUSTOMER, "api_call", "2024-01-01T00:00:00Z");
    let errors = vec![
        client
            .usage()
            .ingest(Vec::<metronome_client::Event>::new())
            .send()
            .await
            .unwrap_err(),
        client
            .usage()
            .ingest((0..101).map(|i| event(&i.to_string())))
            .send()
            .await
            .unwrap_err(),
        client
            .usage()
            .ingest([event("ok"), event(" ")])
            .send()
            .await
            .unwrap_err(),
        client
            .usage()
            .ingest([metronome_client::Event::new(
                "x",
                CUSTOMER,
                "api_call",
                "yesterday",
            )])
            .send()
            .await
            .unwrap_err(),
        client
            .usage()
            .list_with_groups(CUSTOMER, "metric", "day")
            .current_period(true)
            .send()
            .await
            .unwrap_err(),
        client.customers().list().limit(0).send().await.unwrap_err(),
        client
            .customers()
            .retrieve("nope")
            .send()
            .await
            .unwrap_err(),
        client
            .billable_metrics()
            .list()
            .limit(101)
            .send()
            .await
            .unwrap_err(),
        client
            .contracts()
            .list_balances(CUSTOMER)
            .covering_date("soon")
            .send()
            .await
            .unwrap_err(),
    ];
    for err in &errors {
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    }
    assert_eq!(mock.calls_async().await, 0);
    insta::assert_snapshot!(
        errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every value of a real invoice page (the fake's), made wrong one at a
/// time: the path a decode error names is the one a path-tracking decode of
/// the same body names (`serde_path_to_error`, which the client no longer
/// compiles into every application: it reads the path off the bytes).
#[tokio::test]
async fn decode_paths_agree_with_a_path_tracking_decode_for_every_value_of_a_page() {
    use metronome_client::types::CustomersInvoicesListResponse;

    let mock = metronome_mock::MockMetronome::start().await;
    let page = metronome_integration_tests::mock_client(&mock)
        .request(
            metronome_client::http::Method::GET,
            format!("/v1/customers/{CUSTOMER}/invoices"),
        )
        .send()
        .await
        .unwrap();
    let page: serde_json::Value = page.json().unwrap();

    fn leaves(value: &serde_json::Value, at: String, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    leaves(item, format!("{at}/{key}"), out);
                }
            }
            serde_json::Value::Array(items) => {
                for (n, item) in items.iter().enumerate() {
                    leaves(item, format!("{at}/{n}"), out);
                }
            }
            _ => out.push(at),
        }
    }
    let mut pointers = Vec::new();
    leaves(&page, String::new(), &mut pointers);
    // The other invoices have the same shape as the first.
    pointers.retain(|p| !p.starts_with("/data/") || p.starts_with("/data/0/"));
    assert!(
        pointers.len() > 50,
        "a page with many values: {}",
        pointers.len()
    );

    let server = MockServer::start_async().await;
    let client = sdk(&server.base_url());
    let mut compared = 0;
    for pointer in &pointers {
        let mut bad = page.clone();
        let slot = bad.pointer_mut(pointer).unwrap();
        *slot = match slot {
            serde_json::Value::String(_) => json!(12345),
            serde_json::Value::Null => json!([[]]),
            _ => json!({"not": "this"}),
        };
        let body = serde_json::to_string_pretty(&bad).unwrap();
        let Err(expected) = serde_path_to_error::deserialize::<_, CustomersInvoicesListResponse>(
            &mut serde_json::Deserializer::from_str(&body),
        ) else {
            continue; // Still a valid page (a free-form value).
        };
        let served = server
            .mock_async(|when, then| {
                when.method(GET);
                then.status(200).body(&body);
            })
            .await;
        let err = client
            .customers()
            .invoices()
            .list(CUSTOMER)
            .send()
            .await
            .unwrap_err();
        served.delete_async().await;
        let Error::Decode(decode) = &err else {
            panic!("{pointer}: {err:?}")
        };
        assert_eq!(decode.path, expected.path().to_string(), "{pointer}");
        compared += 1;
    }
    assert!(
        compared > 50,
        "{compared} of {} values compared",
        pointers.len()
    );
}

/// A broken constraint is worded the same way by the SDK, before sending,
/// and by `metronome-mock`, which words it from the description (the mock's
/// table, `openapi/schema.rs`): a message seen in a test against the mock
/// reads as the one a real call would give.
#[tokio::test]
async fn checks_before_sending_word_a_problem_as_the_mock_does() {
    let mock = metronome_mock::MockMetronome::start().await;
    let client = metronome_integration_tests::mock_client(&mock);
    let refused = |error: Error| match error {
        Error::InvalidRequest(text) => text,
        other => panic!("not refused before sending: {other:?}"),
    };
    let mock_says = |method: &str, path: &str, body: Option<serde_json::Value>| {
        let mock = &mock;
        let (method, path) = (method.to_string(), path.to_string());
        async move {
            let mut request = reqwest::Client::new()
                .request(
                    method.parse().unwrap(),
                    format!("{}{path}", mock.base_url()),
                )
                .bearer_auth(mock.token());
            if let Some(body) = body {
                request = request.json(&body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 400, "{path}");
            let answer: serde_json::Value = response.json().await.unwrap();
            answer["message"].as_str().unwrap().to_string()
        }
    };

    // A number out of its range.
    let sdk = refused(client.customers().list().limit(0).send().await.unwrap_err());
    let fake = mock_says("GET", "/v1/customers?limit=0", None).await;
    assert_eq!(sdk, fake);
    assert_eq!(sdk, "limit: must be between 1 and 100, got 0");

    // Text too long.
    let name = "n".repeat(129);
    let payload = serde_json::Map::from_iter([("a".to_string(), json!(1))]);
    let sdk = refused(
        client
            .approval_requests()
            .submit(name.as_str(), "why", "POST")
            .request_type("/v1/x")
            .request_payload(payload.clone())
            .send()
            .await
            .unwrap_err(),
    );
    let body = json!({"name": name, "description": "why", "method": "POST",
                      "request_type": "/v1/x", "request_payload": payload});
    let fake = mock_says("POST", "/v1/approval_requests/submit", Some(body)).await;
    assert_eq!(sdk, fake);
    assert_eq!(sdk, "name: takes at most 128 character(s), got 129");

    // Too few fields in a map.
    let sdk = refused(
        client
            .approval_requests()
            .submit("n", "why", "POST")
            .request_type("/v1/x")
            .request_payload(serde_json::Map::new())
            .send()
            .await
            .unwrap_err(),
    );
    let body = json!({"name": "n", "description": "why", "method": "POST",
                      "request_type": "/v1/x", "request_payload": {}});
    let fake = mock_says("POST", "/v1/approval_requests/submit", Some(body)).await;
    assert_eq!(sdk, fake);
    assert_eq!(sdk, "request_payload: needs at least 1 field(s), got 0");

    // Too many items (the list is the whole body: the mock names no field).
    let event = metronome_client::Event::new("t", "c", "e", "2024-01-01T00:00:00Z");
    let sdk = refused(
        client
            .usage()
            .ingest(vec![event; 101])
            .send()
            .await
            .unwrap_err(),
    );
    let raw = json!({"transaction_id": "t", "customer_id": "c", "event_type": "e",
                     "timestamp": "2024-01-01T00:00:00Z"});
    let fake = mock_says("POST", "/v1/ingest", Some(json!(vec![raw; 101]))).await;
    assert!(sdk.ends_with(&fake), "{sdk} / {fake}");
    assert_eq!(fake, "takes at most 100 item(s), got 101");

    // A period that does not move forward.
    let sdk = refused(
        client
            .usage()
            .list("2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z", "day")
            .send()
            .await
            .unwrap_err(),
    );
    let fake = mock_says(
        "POST",
        "/v1/usage",
        Some(json!({"starting_on": "2024-02-01T00:00:00Z",
                    "ending_before": "2024-01-01T00:00:00Z", "window_size": "DAY"})),
    )
    .await;
    assert_eq!(sdk, fake);
}

/// NaN and the infinities would go out as JSON `null` (which clears a
/// field): every float argument refuses them before sending, naming it,
/// bounded or not.
#[tokio::test]
async fn a_float_that_json_cannot_carry_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|_, then| {
            then.status(200);
        })
        .await;
    let client = sdk(&server.base_url());
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let err = client
            .v2()
            .contracts()
            .edit(CUSTOMER, "6a37bb88-8538-48c5-b37b-a41c836328bd")
            .update_net_payment_terms_days(bad)
            .send()
            .await
            .unwrap_err();
        match err {
            Error::InvalidRequest(text) => assert_eq!(
                text,
                format!("update_net_payment_terms_days: must be a finite number, got {bad}")
            ),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(mock.calls_async().await, 0, "nothing was sent");
}

/// A 202 or 204 where the description says 200 is a success, not an
/// `Error::Api` with a 2xx status: empty for an operation that returns
/// nothing, decoded as a 200 would be for one that returns a body.
#[tokio::test]
async fn any_2xx_is_a_success() {
    for status in [202, 204] {
        let server = MockServer::start_async().await;
        server
            .mock_async(|when, then| {
                when.method(POST).path("/v1/customFields/removeKey");
                then.status(status);
            })
            .await;
        let answer = sdk(&server.base_url())
            .custom_fields()
            .remove_key("customer", "region")
            .send_with_response()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), status);
    }
    let server = MockServer::start_async().await;
    server
        .mock_async(|when, then| {
            when.method(GET);
            then.status(201)
                .json_body(json!({"data": {"id": CUSTOMER, "name": "Acme"}}));
        })
        .await;
    let customer = sdk(&server.base_url())
        .customers()
        .retrieve(CUSTOMER)
        .send()
        .await;
    match customer {
        Ok(customer) => assert_eq!(customer.name, "Acme"),
        // Whatever else the type requires: a decode error, never Api.
        Err(Error::Decode(_)) => {}
        Err(other) => panic!("{other:?}"),
    }
}

/// A required list the description does not bound may be empty: `[]`
/// goes out (no aliases left), where an optional one would be left out
/// of the body and widen the request (those still refuse `[]`).
#[tokio::test]
async fn a_required_list_may_be_empty_and_goes_out_as_such() {
    let server = MockServer::start_async().await;
    let mock = server
        .mock_async(|when, then| {
            when.method(POST)
                .path(format!("/v1/customers/{CUSTOMER}/setIngestAliases"))
                .json_body(json!({"ingest_aliases": []}));
            then.status(200);
        })
        .await;
    sdk(&server.base_url())
        .customers()
        .set_ingest_aliases(CUSTOMER, Vec::<String>::new())
        .send()
        .await
        .unwrap();
    mock.assert_async().await;
    // An optional list still refuses `[]` (it would vanish from the body).
    let err = sdk(&server.base_url())
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
        .customer_ids(Vec::<String>::new())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
}

#[tokio::test]
async fn a_path_parameter_cannot_change_the_path_and_known_values_are_kept_to() {
    let server = MockServer::start_async().await;
    let anything = server
        .mock_async(|when, then| {
            when.any_request();
            then.status(200).json_body(json!({}));
        })
        .await;
    let client = sdk(&server.base_url());
    let customers = client.customers();
    let config = customers.billing_config();
    // `..` would have turned `/billing-config/..` into the customer's root.
    for (sent, says) in [
        (
            config.delete(CUSTOMER, "..").send().await,
            "\"..\" is not one of aws_marketplace",
        ),
        (
            config.delete(CUSTOMER, "").send().await,
            "\"\" is not one of",
        ),
        (
            config.retrieve(CUSTOMER, "paypal").send().await.map(drop),
            "\"paypal\" is not one of",
        ),
    ] {
        match sent {
            Err(Error::InvalidRequest(message)) => {
                assert!(message.contains("billing_provider_type"), "{message}");
                assert!(message.contains(says), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    // A body field the description limits to a set of values: refused
    // before sending, as a 400 would have.
    let metric = client
        .billable_metrics()
        .create("API calls")
        .aggregation_type("average")
        .send()
        .await;
    match metric {
        Err(Error::InvalidRequest(message)) => assert!(
            message.contains(
                "aggregation_type: \"average\" is not one of COUNT, LATEST, MAX, SUM, UNIQUE"
            ),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(anything.calls_async().await, 0, "nothing was sent");
    anything.delete_async().await;

    // Any case is taken and sent in the description's spelling.
    let stripe = server
        .mock_async(|when, then| {
            when.method(DELETE)
                .path(format!("/v1/customers/{CUSTOMER}/billing-config/stripe"));
            then.status(200).json_body(json!({}));
        })
        .await;
    config.delete(CUSTOMER, "Stripe").send().await.unwrap();
    stripe.assert_async().await;
    let sum = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/billable-metrics/create")
                .json_body_includes(r#"{"aggregation_type": "SUM"}"#);
            then.status(200)
                .json_body(json!({"data": {"id": CUSTOMER}}));
        })
        .await;
    client
        .billable_metrics()
        .create("API calls")
        .aggregation_type("sum")
        .send()
        .await
        .unwrap();
    sum.assert_async().await;
}

#[tokio::test]
async fn a_required_flag_or_choice_is_named_at_the_call_site_and_checked_before_sending() {
    let server = MockServer::start_async().await;
    let added = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/contract-pricing/rate-cards/addRate")
                .json_body_includes(r#"{"entitled": true, "rate_type": "FLAT"}"#);
            then.status(200).json_body(json!({"data": {
                "rate_type": "FLAT", "price": 100.0, "entitled": true}}));
        })
        .await;
    let client = sdk(&server.base_url());
    let rates = client.contracts();
    let rates = rates.rate_cards();
    let rates = rates.rates();
    // Ids and the start date are positional; the flag and the choice are
    // named setters the request needs.
    let missing = rates
        .add(CUSTOMER, CUSTOMER, "2024-01-01T00:00:00Z")
        .entitled(true)
        .send()
        .await
        .unwrap_err();
    match missing {
        Error::InvalidRequest(message) => assert_eq!(
            message,
            "rate_type is required: call .rate_type(..) before sending"
        ),
        other => panic!("{other:?}"),
    }
    // A value the setter refused is reported once, as the setter's problem.
    let refused = rates
        .add(CUSTOMER, CUSTOMER, "2024-01-01T00:00:00Z")
        .entitled(true)
        .rate_type("hourly")
        .send()
        .await
        .unwrap_err();
    match refused {
        Error::InvalidRequest(message) => {
            assert!(
                message.starts_with("rate_type: \"hourly\" is not one of"),
                "{message}"
            );
            assert!(!message.contains("is required"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(added.calls_async().await, 0, "nothing was sent");
    rates
        .add(CUSTOMER, CUSTOMER, "2024-01-01T00:00:00Z")
        .entitled(true)
        .rate_type("flat")
        .price(100.0)
        .send()
        .await
        .unwrap();
    added.assert_async().await;
}

#[tokio::test]
async fn a_json_object_goes_where_the_description_takes_any_object() {
    let server = MockServer::start_async().await;
    let submitted = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v1/approval_requests/submit")
                .json_body_includes(r#"{"request_payload": {"name": "Example", "limit": 5}}"#);
            then.status(200).json_body(json!({"data": {
                "id": CUSTOMER, "approval_url": "https://example.test/a",
                "created_at": "2026-01-01T00:00:00Z"}}));
        })
        .await;
    let client = sdk(&server.base_url());
    let submit = |payload: serde_json::Value| {
        client
            .approval_requests()
            .submit("Raise the limit", "A customer asked", "POST")
            .request_type("/v1/customers")
            .request_payload(payload)
    };
    match submit(json!(["not", "an", "object"])).send().await {
        Err(Error::InvalidRequest(message)) => assert_eq!(
            message,
            "request_payload: must be a JSON object, got an array"
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(submitted.calls_async().await, 0);
    submit(json!({"name": "Example", "limit": 5}))
        .send()
        .await
        .unwrap();
    submitted.assert_async().await;
}
