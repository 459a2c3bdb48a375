//! Checking that a webhook notification comes from Metronome, and reading
//! it.
//!
//! Metronome signs each notification it sends: the
//! `Metronome-Webhook-Signature` header is the HMAC-SHA256, in hex, of the
//! `X-Metronome-Date` header, a newline, and the raw body, keyed with your
//! account's webhook secret. [`Webhooks::verify`] recomputes it, compares
//! the two in constant time, and refuses a notification dated more than
//! five minutes from now either way (a replayed one). Verify the bytes as
//! they arrived: a body parsed and serialised again no longer matches.
//!
//! A receiver needs no API token, so this does not go through
//! [`Client`](crate::Client): build a [`Webhooks`] from
//! `METRONOME_WEBHOOK_SECRET` (or a secret you pass) once, and call it per
//! request.
//!
//! ```
//! use metronome_client::webhooks::{self, WebhookSecret, Webhooks};
//!
//! let secret = WebhookSecret::new("whsec-example");
//! let body = br#"{"id":"5f0e9a7c","type":"alerts.low_remaining_credit_balance_reached","properties":{}}"#;
//! // What Metronome would send (here signed with the same secret).
//! let date = chrono::Utc::now().to_rfc3339();
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-metronome-date", date.parse()?);
//! headers.insert("metronome-webhook-signature", webhooks::sign(&secret, &date, body).parse()?);
//!
//! let notification = Webhooks::new(secret).receive(&headers, body)?;
//! assert_eq!(notification.kind, "alerts.low_remaining_credit_balance_reached");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Environment variable holding the webhook secret.
pub const SECRET_VAR: &str = "METRONOME_WEBHOOK_SECRET";

/// The header carrying the signature (hex).
pub const SIGNATURE_HEADER: &str = "Metronome-Webhook-Signature";

/// The header carrying the date the signature covers.
pub const DATE_HEADER: &str = "X-Metronome-Date";

/// Read when [`DATE_HEADER`] is absent: earlier deliveries signed the
/// standard `Date` header the same way.
pub const FALLBACK_DATE_HEADER: &str = "Date";

/// How far a notification's date may be from now, either way.
pub const TOLERANCE: Duration = Duration::from_secs(5 * 60);

/// A webhook secret. Its `Debug` output never shows it, and no error
/// quotes it.
#[derive(Clone)]
pub struct WebhookSecret(Arc<str>);

impl WebhookSecret {
    /// A secret, as Metronome shows it (its UTF-8 bytes are the key).
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Arc::from(secret.into()))
    }

    /// The secret in `METRONOME_WEBHOOK_SECRET`; blank counts as unset.
    /// Whitespace around it (the newline `echo` or a `.env` file leaves) is
    /// not part of it, as for the bearer token: kept, it would make every
    /// notification fail its check.
    pub fn from_env() -> Result<Self, WebhookError> {
        Self::from_setting(std::env::var(SECRET_VAR).ok())
    }

    /// What `from_env` makes of the variable's value.
    fn from_setting(value: Option<String>) -> Result<Self, WebhookError> {
        value
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .map(Self::new)
            .ok_or(WebhookError::MissingSecret)
    }

    fn mac(&self) -> Result<Hmac<Sha256>, WebhookError> {
        if self.0.is_empty() {
            return Err(WebhookError::MissingSecret);
        }
        // HMAC takes a key of any length; this cannot fail.
        Hmac::<Sha256>::new_from_slice(self.0.as_bytes()).map_err(|_| WebhookError::MissingSecret)
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// Why a notification was refused. Each says which check failed; none
/// quotes the secret or the signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No secret to check with.
    #[error("no webhook secret: set {SECRET_VAR} or pass one to Webhooks::new")]
    MissingSecret,
    /// A header the check needs is not there.
    #[error("the notification has no {0} header")]
    MissingHeader(&'static str),
    /// A header is there but unreadable.
    #[error("the notification's {header} header is invalid: {reason}")]
    InvalidHeader {
        /// Which header.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature does not match: another secret signed it, or the
    /// body or date changed on the way.
    #[error(
        "the notification's signature does not match: signed with another secret, \
         or its body or date was changed"
    )]
    BadSignature,
    /// Dated further in the past than the tolerance (a replay, or a
    /// delivery held up).
    #[error("the notification is dated {}s ago, more than the {}s allowed", .age.as_secs(), .tolerance.as_secs())]
    TooOld {
        /// How long ago its date is.
        age: Duration,
        /// The tolerance.
        tolerance: Duration,
    },
    /// Dated further in the future than the tolerance (a skewed clock
    /// here or there).
    #[error("the notification is dated {}s ahead, more than the {}s allowed", .ahead.as_secs(), .tolerance.as_secs())]
    TooNew {
        /// How far ahead its date is.
        ahead: Duration,
        /// The tolerance.
        tolerance: Duration,
    },
    /// The signature holds, but the body is not a notification.
    #[error("the notification's body is not a notification: {0}")]
    Payload(String),
}

/// Headers a notification arrived with, looked up by name in any case:
/// an `http::HeaderMap` (axum, hyper, reqwest) or a list of pairs.
pub trait WebhookHeaders {
    /// The value of the header `name` (matched ignoring case), as bytes.
    fn header(&self, name: &str) -> Option<&[u8]>;
}

impl WebhookHeaders for http::HeaderMap {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.get(name).map(http::HeaderValue::as_bytes)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for [(K, V)] {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref().as_bytes())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> WebhookHeaders for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.as_slice().header(name)
    }
}

/// A verified notification: its id (the same on every delivery of it: use
/// it to drop duplicates), its type, and the rest as JSON. Metronome's
/// description gives no schema per type; match on [`kind`](Self::kind) and
/// read [`properties`](Self::properties).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[non_exhaustive]
pub struct Notification {
    /// The notification's id.
    pub id: String,
    /// Its type, such as `alerts.low_remaining_credit_balance_reached`.
    #[serde(rename = "type")]
    pub kind: String,
    /// What it is about (empty when absent).
    #[serde(default)]
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// Any other top-level field.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Verifies notifications with one secret.
#[derive(Debug, Clone)]
pub struct Webhooks {
    secret: WebhookSecret,
    tolerance: Duration,
}

impl Webhooks {
    /// A verifier with this secret and the five-minute [`TOLERANCE`].
    pub fn new(secret: impl Into<WebhookSecret>) -> Self {
        Self {
            secret: secret.into(),
            tolerance: TOLERANCE,
        }
    }

    /// A verifier with the secret in `METRONOME_WEBHOOK_SECRET`.
    pub fn from_env() -> Result<Self, WebhookError> {
        WebhookSecret::from_env().map(Self::new)
    }

    /// How far a notification's date may be from now, either way (default
    /// [`TOLERANCE`]).
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = tolerance;
        self
    }

    /// Checks a notification against the clock now.
    pub fn verify(
        &self,
        headers: &(impl WebhookHeaders + ?Sized),
        body: &[u8],
    ) -> Result<(), WebhookError> {
        self.verify_at(headers, body, Utc::now())
    }

    /// Checks a notification, taking `now` as the time (for tests, and for
    /// a clock of your own).
    pub fn verify_at(
        &self,
        headers: &(impl WebhookHeaders + ?Sized),
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), WebhookError> {
        let mut mac = self.secret.mac()?;
        let (date_header, date) = match headers.header(DATE_HEADER) {
            Some(date) => (DATE_HEADER, date),
            None => (
                FALLBACK_DATE_HEADER,
                headers
                    .header(FALLBACK_DATE_HEADER)
                    .ok_or(WebhookError::MissingHeader(DATE_HEADER))?,
            ),
        };
        let signature = headers
            .header(SIGNATURE_HEADER)
            .ok_or(WebhookError::MissingHeader(SIGNATURE_HEADER))?;
        let signature = base16ct::mixed::decode_vec(signature.trim_ascii()).map_err(|_| {
            WebhookError::InvalidHeader {
                header: SIGNATURE_HEADER,
                reason: "not a hexadecimal HMAC-SHA256",
            }
        })?;
        mac.update(date);
        mac.update(b"\n");
        mac.update(body);
        // Constant time: how much of a forged signature matched is not
        // told by how long the comparison took.
        mac.verify_slice(&signature)
            .map_err(|_| WebhookError::BadSignature)?;

        let sent = parse_date(date).ok_or(WebhookError::InvalidHeader {
            header: date_header,
            reason: "not an RFC 3339 or HTTP date",
        })?;
        let tolerance = self.tolerance;
        let within = chrono::Duration::from_std(tolerance).unwrap_or(chrono::Duration::MAX);
        if now.signed_duration_since(sent) > within {
            let age = (now - sent).to_std().unwrap_or(Duration::MAX);
            return Err(WebhookError::TooOld { age, tolerance });
        }
        if sent.signed_duration_since(now) > within {
            let ahead = (sent - now).to_std().unwrap_or(Duration::MAX);
            return Err(WebhookError::TooNew { ahead, tolerance });
        }
        Ok(())
    }

    /// Checks a notification against the clock now and reads it: what a
    /// receiver calls with the request's headers and raw body.
    pub fn receive(
        &self,
        headers: &(impl WebhookHeaders + ?Sized),
        body: &[u8],
    ) -> Result<Notification, WebhookError> {
        self.receive_at(headers, body, Utc::now())
    }

    /// Checks a notification, taking `now` as the time, and reads it.
    pub fn receive_at(
        &self,
        headers: &(impl WebhookHeaders + ?Sized),
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Notification, WebhookError> {
        self.verify_at(headers, body, now)?;
        serde_json::from_slice(body).map_err(|e| WebhookError::Payload(e.to_string()))
    }

    /// [`receive`](Self::receive) under the name Metronome's other SDKs
    /// give it; it never panics, unlike `Result::unwrap`.
    pub fn unwrap(
        &self,
        headers: &(impl WebhookHeaders + ?Sized),
        body: &[u8],
    ) -> Result<Notification, WebhookError> {
        self.receive(headers, body)
    }

    /// [`receive_at`](Self::receive_at) under the name Metronome's other
    /// SDKs give it.
    pub fn unwrap_at(
        &self,
        headers: &(impl WebhookHeaders + ?Sized),
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Notification, WebhookError> {
        self.receive_at(headers, body, now)
    }
}

impl From<&str> for WebhookSecret {
    fn from(secret: &str) -> Self {
        Self::new(secret)
    }
}

impl From<String> for WebhookSecret {
    fn from(secret: String) -> Self {
        Self::new(secret)
    }
}

/// Checks a notification with `secret`, taking `now` as the time: the
/// same as [`Webhooks::verify_at`].
pub fn verify(
    headers: &(impl WebhookHeaders + ?Sized),
    body: &[u8],
    secret: &WebhookSecret,
    now: DateTime<Utc>,
) -> Result<(), WebhookError> {
    Webhooks::new(secret.clone()).verify_at(headers, body, now)
}

/// Checks a notification with `secret`, taking `now` as the time, and reads
/// it: the same as [`Webhooks::receive_at`].
pub fn receive(
    headers: &(impl WebhookHeaders + ?Sized),
    body: &[u8],
    secret: &WebhookSecret,
    now: DateTime<Utc>,
) -> Result<Notification, WebhookError> {
    Webhooks::new(secret.clone()).receive_at(headers, body, now)
}

/// [`receive`] under the name Metronome's other SDKs give it.
pub fn unwrap(
    headers: &(impl WebhookHeaders + ?Sized),
    body: &[u8],
    secret: &WebhookSecret,
    now: DateTime<Utc>,
) -> Result<Notification, WebhookError> {
    receive(headers, body, secret, now)
}

/// The signature Metronome would send for `body` dated `date`: for tests
/// of a receiver, and for a fake sender.
pub fn sign(secret: &WebhookSecret, date: &str, body: &[u8]) -> String {
    // An empty secret signs too: a test may want what such a signature is.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.0.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(date.as_bytes());
    mac.update(b"\n");
    mac.update(body);
    base16ct::lower::encode_string(&mac.finalize().into_bytes())
}

/// An RFC 3339 date (`2026-12-01T18:18:06Z`) or an HTTP date
/// (`Tue, 01 Dec 2026 18:18:06 GMT`).
fn parse_date(date: &[u8]) -> Option<DateTime<Utc>> {
    let text = std::str::from_utf8(date).ok()?.trim();
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_rfc2822(text))
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_from_the_environment_loses_the_whitespace_around_it() {
        let clean = WebhookSecret::new("whsec_abc");
        let body = br#"{"id":"1"}"#;
        let date = "Mon, 01 Jan 2024 00:00:00 GMT";
        for text in ["whsec_abc\n", " whsec_abc\r\n", "\twhsec_abc"] {
            let read = WebhookSecret::from_setting(Some(text.to_string())).unwrap();
            assert_eq!(
                sign(&read, date, body),
                sign(&clean, date, body),
                "{text:?}"
            );
        }
        for blank in [None, Some(String::new()), Some(" \n".to_string())] {
            assert!(matches!(
                WebhookSecret::from_setting(blank),
                Err(WebhookError::MissingSecret)
            ));
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn the_secret_never_shows() {
        let secret = WebhookSecret::new("whsec-do-not-print");
        let verifier = Webhooks::new(secret.clone());
        for shown in [format!("{secret:?}"), format!("{verifier:?}")] {
            assert!(!shown.contains("do-not-print"), "{shown}");
        }
    }

    #[test]
    fn a_signature_made_here_verifies_and_one_changed_byte_does_not() {
        let secret = WebhookSecret::new("s");
        let date = "2026-12-01T12:00:00Z";
        let body = br#"{"id":"1","type":"t"}"#;
        let signature = sign(&secret, date, body);
        let headers = vec![(DATE_HEADER, date), (SIGNATURE_HEADER, signature.as_str())];
        let now = at("2026-12-01T12:04:59Z");
        assert_eq!(verify(&headers, body, &secret, now), Ok(()));
        let mut changed = body.to_vec();
        changed[8] ^= 1;
        assert_eq!(
            verify(&headers, &changed, &secret, now),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn dates_at_the_edge_of_the_window() {
        let secret = WebhookSecret::new("s");
        let date = "2026-12-01T12:00:00Z";
        let signature = sign(&secret, date, b"{}");
        let headers = vec![(DATE_HEADER, date), (SIGNATURE_HEADER, signature.as_str())];
        let check = |now: &str| verify(&headers, b"{}", &secret, at(now));
        assert_eq!(check("2026-12-01T12:05:00Z"), Ok(()));
        assert_eq!(check("2026-12-01T11:55:00Z"), Ok(()));
        assert!(
            matches!(check("2026-12-01T12:05:01Z"), Err(WebhookError::TooOld { age, .. }) if age.as_secs() == 301)
        );
        assert!(
            matches!(check("2026-12-01T11:54:59Z"), Err(WebhookError::TooNew { ahead, .. }) if ahead.as_secs() == 301)
        );
    }

    #[test]
    fn extreme_dates_and_tolerances_do_not_overflow() {
        let secret = WebhookSecret::new("s");
        for date in ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"] {
            let signature = sign(&secret, date, b"{}");
            let headers = vec![(DATE_HEADER, date), (SIGNATURE_HEADER, signature.as_str())];
            for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
                for tolerance in [Duration::ZERO, Duration::MAX] {
                    let _ = Webhooks::new(secret.clone())
                        .tolerance(tolerance)
                        .verify_at(&headers, b"{}", now);
                }
            }
        }
    }
}
