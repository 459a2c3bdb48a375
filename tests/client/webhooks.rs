//! Webhook verification against vectors computed with Python's `hmac`
//! module (`scripts/webhook-vectors.py`, checked in `.ci/run`): every
//! signature it made verifies, every tampered delivery is refused by the
//! check it names.

use chrono::{DateTime, Utc};
use metronome_client::webhooks::{self, WebhookError, WebhookSecret, Webhooks};
use serde_json::Value;

fn fixture() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/webhook-vectors.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

fn text<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key].as_str().unwrap()
}

fn now(fixture: &Value) -> DateTime<Utc> {
    text(fixture, "now").parse().unwrap()
}

/// A delivery as `http::HeaderMap`, as a web framework hands it over.
fn headers(date: &str, signature: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("x-metronome-date", date.parse().unwrap());
    headers.insert("metronome-webhook-signature", signature.parse().unwrap());
    headers
}

#[test]
fn every_independent_vector_signs_and_verifies() {
    let fixture = fixture();
    let vectors = fixture["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 5);
    for v in vectors {
        let secret = WebhookSecret::new(text(v, "secret"));
        let body = unhex(text(v, "body_hex"));
        assert_eq!(
            webhooks::sign(&secret, text(v, "date"), &body),
            text(v, "signature"),
            "{}",
            text(v, "name")
        );
        let headers = headers(text(v, "date"), text(v, "signature"));
        assert_eq!(
            webhooks::verify(&headers, &body, &secret, now(&fixture)),
            Ok(()),
            "{}",
            text(v, "name")
        );
        let notification = webhooks::unwrap(&headers, &body, &secret, now(&fixture)).unwrap();
        let parsed: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(notification.id, parsed["id"].as_str().unwrap());
        assert_eq!(notification.kind, parsed["type"].as_str().unwrap());
        assert_eq!(Value::Object(notification.properties), parsed["properties"]);
    }
}

#[test]
fn every_tampered_delivery_is_refused_by_the_check_it_names() {
    let fixture = fixture();
    let cases = fixture["tampered"].as_array().unwrap();
    assert!(cases.len() >= 40);
    for case in cases {
        let name = text(case, "name");
        let secret = WebhookSecret::new(text(case, "secret"));
        let body = unhex(text(case, "body_hex"));
        let result = webhooks::verify(
            &headers(text(case, "date"), text(case, "signature")),
            &body,
            &secret,
            now(&fixture),
        );
        let expected = text(case, "expect");
        let matches = match expected {
            "ok" => result.is_ok(),
            "bad_signature" => result == Err(WebhookError::BadSignature),
            "invalid_signature_header" => matches!(
                result,
                Err(WebhookError::InvalidHeader { header, .. }) if header == webhooks::SIGNATURE_HEADER
            ),
            "invalid_date_header" => matches!(
                result,
                Err(WebhookError::InvalidHeader { header, .. }) if header == webhooks::DATE_HEADER
            ),
            "too_old" => matches!(result, Err(WebhookError::TooOld { .. })),
            "too_new" => matches!(result, Err(WebhookError::TooNew { .. })),
            other => panic!("unknown expectation {other}"),
        };
        assert!(matches, "{name}: expected {expected}, got {result:?}");
    }
}

#[test]
fn missing_pieces_say_which_one() {
    let secret = WebhookSecret::new("whsec_x");
    let date = "2026-12-01T12:00:00Z";
    let now: DateTime<Utc> = date.parse().unwrap();
    let signature = webhooks::sign(&secret, date, b"{}");

    let no_signature = vec![("X-Metronome-Date", date)];
    assert_eq!(
        webhooks::verify(&no_signature, b"{}", &secret, now),
        Err(WebhookError::MissingHeader("Metronome-Webhook-Signature"))
    );
    let no_date = vec![("Metronome-Webhook-Signature", signature.as_str())];
    assert_eq!(
        webhooks::verify(&no_date, b"{}", &secret, now),
        Err(WebhookError::MissingHeader("X-Metronome-Date"))
    );
    // Header names in any case; the standard Date header when
    // X-Metronome-Date is absent.
    let older = vec![
        ("date", date),
        ("METRONOME-WEBHOOK-SIGNATURE", signature.as_str()),
    ];
    assert_eq!(webhooks::verify(&older, b"{}", &secret, now), Ok(()));

    let empty = WebhookSecret::new("");
    assert_eq!(
        webhooks::verify(&headers(date, &signature), b"{}", &empty, now),
        Err(WebhookError::MissingSecret)
    );
}

#[test]
fn a_verified_body_that_is_not_a_notification_is_a_payload_error() {
    let secret = WebhookSecret::new("whsec_x");
    let date = "2026-12-01T12:00:00Z";
    let now: DateTime<Utc> = date.parse().unwrap();
    for body in [&b"[1, 2]"[..], b"{\"id\": 1}", b"not json"] {
        let signature = webhooks::sign(&secret, date, body);
        let result = Webhooks::new(secret.clone()).unwrap_at(&headers(date, &signature), body, now);
        assert!(
            matches!(result, Err(WebhookError::Payload(_))),
            "{result:?}"
        );
    }
}

#[test]
fn errors_never_quote_the_secret_or_the_expected_signature() {
    let secret = WebhookSecret::new("whsec_never_print_me");
    let date = "2026-12-01T12:00:00Z";
    let now: DateTime<Utc> = date.parse().unwrap();
    let right = webhooks::sign(&secret, date, b"{}");
    let cases = [
        headers(date, &"0".repeat(64)),
        headers("2020-01-01T00:00:00Z", &right),
        headers("garbage", &right),
        headers(date, "zz"),
    ];
    for headers in &cases {
        let error = webhooks::verify(headers, b"{}", &secret, now).unwrap_err();
        for shown in [error.to_string(), format!("{error:?}")] {
            assert!(!shown.contains("never_print_me"), "{shown}");
            assert!(!shown.contains(&right), "{shown}");
        }
    }
}

#[test]
fn the_secret_comes_from_metronome_webhook_secret() {
    // Setting the variable would need `unsafe` (edition 2024); the tests
    // run without it, so only its absence is checked here.
    assert_eq!(webhooks::SECRET_VAR, "METRONOME_WEBHOOK_SECRET");
    if std::env::var(webhooks::SECRET_VAR).is_err() {
        assert_eq!(
            Webhooks::from_env().unwrap_err(),
            WebhookError::MissingSecret
        );
    }
}
