//! What a response or a failure means, read the same way by the transport
//! (whether to try again, how long to wait) and by the error mapping (what
//! to tell the caller): retryable statuses, `retry-after`, a TLS handshake
//! refused for good, a body over the cap, the server's request id. A leaf:
//! it imports nothing of the crate.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// Headers that may carry the server's id for a request, in the order they
/// are looked for.
const REQUEST_ID_HEADERS: [&str; 3] = ["x-request-id", "request-id", "x-metronome-request-id"];

/// The server's id for a request, from the first of
/// [`REQUEST_ID_HEADERS`] present.
pub(crate) fn request_id(headers: &HeaderMap) -> Option<&str> {
    REQUEST_ID_HEADERS
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok())
}

/// Parses the server's requested wait from the response headers.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let ms = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok());
    if let Some(ms) = ms.filter(|ms| ms.is_finite() && *ms >= 0.0) {
        return Some(Duration::from_secs_f64(ms.min(1e12) / 1000.0));
    }
    let value = text("retry-after")?;
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(1e9)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Whether a response with this status and these headers should be tried
/// again (before counting the attempts left).
pub(crate) fn should_retry_response(status: StatusCode, headers: &HeaderMap) -> bool {
    // A success is never sent again, whatever a header says: an ingest
    // that went through must not go out twice.
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error()
}

/// Whether a transport failure may succeed on another attempt: anything but
/// a request that could not be built, a redirect policy violation, or a
/// TLS handshake refused for good ([`is_tls_refusal`]).
pub(crate) fn should_retry_error(error: &reqwest::Error) -> bool {
    !(error.is_builder() || error.is_redirect() || is_tls_refusal(error))
}

/// Whether a transport failure is a TLS handshake refused for a reason
/// the next attempt would meet again: a certificate that is not trusted
/// (unknown issuer, expired, issued for another name), none at all, or no
/// protocol version or cipher in common. A handshake cut off mid-way is a
/// connection failure like any other, and retried.
pub(crate) fn is_tls_refusal(error: &reqwest::Error) -> bool {
    // Without a TLS backend there is no handshake to refuse.
    #[cfg_attr(
        not(any(feature = "rustls", feature = "rustls-ring", feature = "native-tls")),
        allow(unused_variables)
    )]
    causes(error).any(|cause| {
        #[cfg(any(feature = "rustls", feature = "rustls-ring"))]
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_)
                    | rustls::Error::NoCertificatesPresented
                    | rustls::Error::UnsupportedNameType
                    | rustls::Error::PeerIncompatible(_)
            );
        }
        // native-tls reports through OpenSSL's (or the platform's) text.
        #[cfg(feature = "native-tls")]
        if cause.to_string().contains("certificate verify failed") {
            return true;
        }
        false
    })
}

/// `error` and every error beneath it, looking inside the `io::Error`s on
/// the way (whose `source` skips the error they wrap).
fn causes(error: &reqwest::Error) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
    let mut pending: Vec<&(dyn std::error::Error + 'static)> = vec![error];
    std::iter::from_fn(move || {
        let cause = pending.pop()?;
        pending.extend(cause.source());
        if let Some(inner) = cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            pending.push(inner);
        }
        Some(cause)
    })
}

/// The error a too-large response's body yields when read: the status and
/// the limit travel inside the transport error to whoever maps it
/// ([`crate::Error::ResponseTooLarge`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyTooLarge {
    pub status: StatusCode,
    pub limit: u64,
}

impl std::fmt::Display for BodyTooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the {} response is larger than the {}-byte limit; it was not read",
            self.status, self.limit
        )
    }
}

impl std::error::Error for BodyTooLarge {}

impl BodyTooLarge {
    /// The refusal inside a transport error, if it is one.
    pub fn find(error: &reqwest::Error) -> Option<Self> {
        causes(error).find_map(|cause| cause.downcast_ref::<Self>().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    reqwest::header::HeaderName::from_static(k),
                    HeaderValue::from_str(v).unwrap(),
                )
            })
            .collect()
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let at = |pairs: &[(&'static str, &str)]| retry_after(&headers(pairs), now);
        assert_eq!(
            at(&[("retry-after-ms", "250")]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            at(&[("retry-after-ms", "250"), ("retry-after", "9")]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(at(&[("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(
            at(&[("retry-after", "0.5")]),
            Some(Duration::from_millis(500))
        );
        assert_eq!(at(&[("retry-after", "0")]), Some(Duration::ZERO));
        let in_20s = httpdate::fmt_http_date(now + Duration::from_secs(20));
        assert_eq!(
            at(&[("retry-after", &in_20s)]),
            Some(Duration::from_secs(20))
        );
        let past = httpdate::fmt_http_date(now - Duration::from_secs(20));
        assert_eq!(at(&[("retry-after", &past)]), Some(Duration::ZERO));
        assert_eq!(at(&[("retry-after", "-10")]), None);
        assert_eq!(at(&[("retry-after", "soon")]), None);
        assert_eq!(
            at(&[("retry-after-ms", "NaN"), ("retry-after", "1")]),
            Some(Duration::from_secs(1))
        );
        assert_eq!(at(&[]), None);
    }

    #[test]
    fn which_statuses_are_retried() {
        let none = HeaderMap::new();
        for status in [408, 409, 429, 500, 502, 503, 504, 599] {
            assert!(
                should_retry_response(StatusCode::from_u16(status).unwrap(), &none),
                "{status}"
            );
        }
        for status in [200, 400, 401, 403, 404, 422] {
            assert!(
                !should_retry_response(StatusCode::from_u16(status).unwrap(), &none),
                "{status}"
            );
        }
        let yes = headers(&[("x-should-retry", "true")]);
        let no = headers(&[("x-should-retry", "false")]);
        assert!(should_retry_response(StatusCode::BAD_REQUEST, &yes));
        assert!(!should_retry_response(StatusCode::SERVICE_UNAVAILABLE, &no));
        for success in [StatusCode::OK, StatusCode::CREATED, StatusCode::NO_CONTENT] {
            assert!(
                !should_retry_response(success, &yes),
                "{success} with x-should-retry: true is not sent again"
            );
        }
    }
}
