//! Where a request is retried: the transport every operation goes
//! through ([`RetryTransport::send`], with its [`Call`]), and the
//! low-level client's too (`low_level`, with the `api` feature).
//!
//! One call is up to `1 + max_retries` attempts. An attempt is retried on a
//! connection error, a timeout, a body cut short, or a response with status
//! 408, 409, 429 or 5xx; a response header `x-should-retry: true|false`
//! overrides the status rule. The wait is `retry-after-ms`, else
//! `retry-after` (seconds or an HTTP date), capped; else
//! `min(initial · 2ⁿ, max)` less up to 25 % of jitter.
//!
//! Each response body is read here, in full but never beyond the
//! configured cap, so that a body cut short is retried like any other
//! transport failure; the last attempt's status, headers and body are
//! handed back whole, decoded once by the caller.
//!
//! Each call is a `metronome.request` span (operation, method, path
//! template, page of a walk, attempts, final status) holding one
//! `metronome.attempt` span per attempt (attempt, status, request id,
//! duration, and the wait before the next one). Below the retries, each
//! attempt goes through the user's [`Middleware`] stack.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use tracing::Instrument;
use tracing::field::Empty;

use crate::classify::{request_id, retry_after, should_retry_error, should_retry_response};
use crate::transport::call::{Call, Outcome as Attempt, Recorded, Sent};
use crate::transport::middleware::{Middleware, Next};

/// How failed attempts are retried.
///
/// ```
/// use std::time::Duration;
/// use metronome_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(4)
///     .initial_backoff(Duration::from_millis(200))
///     .max_backoff(Duration::from_secs(4));
/// assert_eq!(policy.retries(), 4);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    jitter: f64,
}

impl Default for RetryPolicy {
    /// 2 retries; waits of 0.5 s, 1 s, 2 s … up to 8 s, less up to 25 %;
    /// a server's `retry-after` honoured up to 60 s.
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            jitter: 0.25,
        }
    }
}

impl RetryPolicy {
    /// No retries: every call is a single attempt.
    pub fn disabled() -> Self {
        Self::default().max_retries(0)
    }

    /// For tests against a fake server: the default number of retries and
    /// no waiting at all (no backoff, a server's `retry-after` capped at
    /// zero), so a test that meets a fault takes no longer for it.
    ///
    /// ```
    /// use std::time::Duration;
    /// let policy = metronome_client::RetryPolicy::for_tests();
    /// assert_eq!(policy.retries(), 2);
    /// ```
    pub fn for_tests() -> Self {
        Self::default()
            .initial_backoff(Duration::ZERO)
            .max_backoff(Duration::ZERO)
            .max_retry_after(Duration::ZERO)
    }

    /// Retries after the first attempt (default 2; 0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The first wait when the server gives no `retry-after` (default 0.5 s).
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait when the server gives no `retry-after` (default 8 s).
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// The longest wait a server's `retry-after` can ask for (default 60 s);
    /// longer requests are cut to this.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The share of each backoff removed at random, from 0.0 to 1.0
    /// (default 0.25). Values outside that range are clamped.
    pub fn jitter(mut self, share: f64) -> Self {
        self.jitter = if share.is_nan() {
            0.0
        } else {
            share.clamp(0.0, 1.0)
        };
        self
    }

    /// The configured number of retries (set with [`max_retries`](Self::max_retries)).
    pub fn retries(&self) -> u32 {
        self.max_retries
    }

    /// The wait before retry number `retries_taken + 1` when the server
    /// says nothing: `min(initial · 2ⁿ, max) · (1 − jitter · U[0,1))`.
    pub(crate) fn backoff(&self, retries_taken: u32) -> Duration {
        let exponential = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retries_taken.min(31)));
        let capped = exponential.min(self.max_backoff);
        // Jitter only shortens the wait. Computed in f64 seconds, whose
        // rounding can exceed what a Duration holds (initial_backoff of
        // Duration::MAX), hence the checked conversion back.
        let factor = (1.0 - self.jitter * fastrand::f64()).clamp(0.0, 1.0);
        let factor = if factor.is_nan() { 1.0 } else { factor };
        Duration::try_from_secs_f64(capped.as_secs_f64() * factor)
            .map_or(capped, |wait| wait.min(capped))
    }

    /// The wait a response asks for, if it asks in a form we understand:
    /// `retry-after-ms` (milliseconds), then `retry-after` (seconds, or an
    /// HTTP date). Negative or unparsable values are ignored; long ones are
    /// capped at [`RetryPolicy::max_retry_after`].
    pub(crate) fn retry_after(&self, headers: &HeaderMap) -> Option<Duration> {
        retry_after(headers, SystemTime::now()).map(|wait| wait.min(self.max_retry_after))
    }
}

/// The transport installed by [`crate::Client`]: retries, a per-request
/// timeout, a cap on response bodies, and the middleware below them.
#[derive(Clone)]
pub(crate) struct RetryTransport {
    pub policy: RetryPolicy,
    pub timeout: Option<Duration>,
    pub max_response_bytes: u64,
    pub middleware: Arc<[Arc<dyn Middleware>]>,
}

impl std::fmt::Debug for RetryTransport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetryTransport")
            .field("policy", &self.policy)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("middleware", &self.middleware.len())
            .finish()
    }
}

impl RetryTransport {
    /// Sends one call: up to `1 + max_retries` attempts, each through the
    /// middleware, under the time limit, its body read up to the cap. The
    /// call is a `metronome.request` span.
    pub(crate) async fn send(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        again: Again<'_>,
        call: Call,
    ) -> Sent {
        // The field values are only computed when a subscriber listens.
        let span = tracing::info_span!(
            "metronome.request",
            operation = call.operation,
            method = %request.method(),
            path = call.route.unwrap_or_else(|| request.url().path()),
            page = Empty,
            attempts = Empty,
            status = Empty,
        );
        if let Some(page) = call.page {
            span.record("page", page);
        }
        self.call(client, request, again, call)
            .instrument(span)
            .await
    }
}

/// Where a retry's request comes from.
pub(crate) enum Again<'a> {
    /// A copy of the request, made before each attempt that may be
    /// retried (a request from elsewhere: `client.api()`).
    #[cfg(feature = "api")]
    Copy,
    /// The request built again, only when a retry happens (the SDK's own
    /// requests: no copy per call for the rare retry).
    Rebuild(&'a (dyn Fn() -> Option<reqwest::Request> + Send + Sync)),
}

impl RetryTransport {
    async fn call(
        &self,
        client: &reqwest::Client,
        mut request: reqwest::Request,
        again: Again<'_>,
        mut call: Call,
    ) -> Sent {
        let options = call.options;
        let operation = call.operation;
        // The call's own timeout, else the request's, else the client's.
        let timeout = options
            .timeout
            .or_else(|| request.timeout().copied())
            .or(self.timeout);
        let max_retries = options.max_retries.unwrap_or(self.policy.max_retries);
        let call_started = Instant::now();
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            *request.timeout_mut() = timeout;
            #[cfg(feature = "api")]
            let spare = match again {
                Again::Copy if attempts <= max_retries => request.try_clone(),
                _ => None,
            };
            let span = tracing::info_span!(
                "metronome.attempt",
                attempt = attempts,
                status = Empty,
                request_id = Empty,
                duration_ms = Empty,
                retry_delay_ms = Empty,
            );
            let started = (!span.is_disabled()).then(Instant::now);
            // reqwest's own timeout covers its connection and the body it
            // reads; this one bounds the whole attempt, middleware and a
            // body a middleware made included.
            let limit = request.timeout().copied();
            let attempt = self
                .attempt(client, request, operation, attempts)
                .instrument(span.clone());
            let attempt = match limit {
                Some(limit) => tokio::time::timeout(limit, attempt)
                    .await
                    .unwrap_or(Attempt::TimedOut(limit)),
                None => attempt.await,
            };
            if let Some(started) = started {
                span.record("duration_ms", started.elapsed().as_millis() as u64);
                let status = attempt_status(&attempt);
                if status != 0 {
                    span.record("status", status);
                }
                if let Some(id) = attempt_headers(&attempt).and_then(request_id) {
                    span.record("request_id", id);
                }
            }
            let wait = match &attempt {
                Attempt::Response(Recorded {
                    status, headers, ..
                })
                | Attempt::TooLarge(status, headers)
                    if should_retry_response(*status, headers) =>
                {
                    // A retryable status stays retryable whatever its body.
                    Some(
                        self.policy
                            .retry_after(headers)
                            .unwrap_or_else(|| self.policy.backoff(attempts - 1)),
                    )
                }
                Attempt::Failed(e) if should_retry_error(e) => {
                    Some(self.policy.backoff(attempts - 1))
                }
                Attempt::TimedOut(_) => Some(self.policy.backoff(attempts - 1)),
                _ => None,
            };
            let next = match (wait, &again) {
                (Some(_), _) if attempts > max_retries => None,
                #[cfg(feature = "api")]
                (Some(_), Again::Copy) => spare,
                (Some(_), Again::Rebuild(build)) => build(),
                (None, _) => None,
            };
            match (wait, next) {
                (Some(wait), Some(next)) => {
                    span.record("retry_delay_ms", wait.as_millis() as u64);
                    drop(span);
                    tracing::debug!(
                        target: "metronome",
                        operation,
                        attempt = attempts,
                        status = attempt_status(&attempt),
                        outcome = outcome(&attempt),
                        wait_ms = wait.as_millis() as u64,
                        "retrying"
                    );
                    tokio::time::sleep(wait).await;
                    request = next;
                }
                _ => {
                    drop(span);
                    tracing::debug!(
                        target: "metronome",
                        operation,
                        status = attempt_status(&attempt),
                        outcome = outcome(&attempt),
                        attempts,
                        elapsed_ms = call_started.elapsed().as_millis() as u64,
                        "request finished"
                    );
                    if let Some(ahead) = call.ahead.take() {
                        read_cursor_ahead(&attempt, ahead).await;
                    }
                    let current = tracing::Span::current();
                    current.record("attempts", attempts);
                    let status = attempt_status(&attempt);
                    if status != 0 {
                        current.record("status", status);
                    }
                    return Sent {
                        attempts,
                        outcome: attempt,
                    };
                }
            }
        }
    }

    async fn attempt(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation: &'static str,
        attempt: u32,
    ) -> Attempt {
        let sent = if self.middleware.is_empty() {
            // No layer to go through: no boxed future per attempt.
            client.execute(request).await
        } else {
            Next::new(client, &self.middleware, operation, attempt)
                .run(request)
                .await
        };
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return Attempt::Failed(e),
        };
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let cap = self.max_response_bytes;
        if response.content_length().is_some_and(|n| n > cap) {
            return Attempt::TooLarge(status, headers);
        }
        let expected = response.content_length().unwrap_or(0).min(cap);
        let mut body = BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > cap {
                        return Attempt::TooLarge(status, headers);
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Attempt::Failed(e),
            }
        }
        Attempt::Response(Recorded {
            status,
            headers,
            body: body.freeze(),
        })
    }
}

/// For a page of a walk that asked for it: reads the next cursor from the
/// bytes and hands it over before the page is decoded, then lets the walk
/// start the next request (on a current-thread runtime, the decode then
/// runs while that request is on the wire).
async fn read_cursor_ahead(attempt: &Attempt, ahead: crate::transport::call::CursorAhead) {
    let Attempt::Response(recorded) = attempt else {
        return;
    };
    if !recorded.status.is_success() {
        return;
    }
    if let Some(next) = super::cursor::read_cursor(&recorded.body, ahead.path)
        && ahead.hook.send(next).is_ok()
    {
        tokio::task::yield_now().await;
    }
}

fn attempt_headers(attempt: &Attempt) -> Option<&HeaderMap> {
    match attempt {
        Attempt::Response(r) => Some(&r.headers),
        Attempt::TooLarge(_, headers) => Some(headers),
        Attempt::Failed(_) | Attempt::TimedOut(_) => None,
    }
}

/// What an attempt came to, in a word, for the `metronome` events.
fn outcome(attempt: &Attempt) -> &'static str {
    match attempt {
        Attempt::Response(r) if r.status.is_success() => "success",
        Attempt::Response(_) => "error status",
        Attempt::TooLarge(..) => "response too large",
        Attempt::Failed(e) if e.is_timeout() => "timeout",
        Attempt::Failed(_) => "connection error",
        Attempt::TimedOut(_) => "timeout",
    }
}

fn attempt_status(attempt: &Attempt) -> u16 {
    match attempt {
        Attempt::Response(r) => r.status.as_u16(),
        Attempt::TooLarge(status, _) => status.as_u16(),
        Attempt::Failed(_) | Attempt::TimedOut(_) => 0,
    }
}

/// An attempt that outran its time limit (middleware and body included).
#[derive(Debug)]
struct AttemptTimedOut(Duration);

impl std::fmt::Display for AttemptTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the attempt took longer than its {:?} limit", self.0)
    }
}

impl std::error::Error for AttemptTimedOut {}

/// A body that fails at once with a timed-out I/O error.
pub(crate) fn timed_out_body(limit: Duration) -> reqwest::Body {
    reqwest::Body::wrap_stream(futures::stream::once(async move {
        Err::<Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            AttemptTimedOut(limit),
        ))
    }))
}

/// The error of an attempt that outran its time limit, as reqwest reports
/// its own timeouts (`is_timeout()`): what [`Error::Timeout`](crate::Error::Timeout)
/// holds.
pub(crate) async fn timed_out(limit: Duration) -> reqwest::Error {
    match rebuild(
        StatusCode::GATEWAY_TIMEOUT,
        HeaderMap::new(),
        timed_out_body(limit),
    )
    .bytes()
    .await
    {
        Err(error) => error,
        Ok(_) => unreachable!("the body fails on its first read"),
    }
}

/// A response made from parts already in memory.
pub(crate) fn rebuild(
    status: StatusCode,
    headers: HeaderMap,
    body: reqwest::Body,
) -> reqwest::Response {
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    reqwest::Response::from(response)
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
    fn backoff_doubles_up_to_the_cap_and_jitter_only_shortens() {
        let policy = RetryPolicy::default().jitter(0.0);
        let waits: Vec<_> = (0..6).map(|n| policy.backoff(n).as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 8000, 8000]);
        let jittered = RetryPolicy::default();
        for n in 0..6 {
            let wait = jittered.backoff(n);
            assert!(
                wait <= policy.backoff(n) && wait >= policy.backoff(n).mul_f64(0.75),
                "{wait:?}"
            );
        }
        assert_eq!(
            policy.backoff(u32::MAX),
            Duration::from_secs(8),
            "no overflow"
        );
    }

    #[test]
    fn extreme_policies_never_panic() {
        let huge = RetryPolicy::default()
            .initial_backoff(Duration::MAX)
            .max_backoff(Duration::MAX);
        for jitter in [0.0, 0.25, 1.0, 5.0, -1.0, f64::NAN, f64::INFINITY] {
            let policy = huge.clone().jitter(jitter);
            for n in [0, 1, 31, u32::MAX] {
                assert!(policy.backoff(n) <= Duration::MAX);
            }
        }
        let zero = RetryPolicy::default()
            .initial_backoff(Duration::ZERO)
            .jitter(0.0);
        assert_eq!(zero.backoff(3), Duration::ZERO);
    }

    #[test]
    fn a_long_retry_after_is_capped() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.retry_after(&headers(&[("retry-after", "3600")])),
            Some(Duration::from_secs(60))
        );
    }
}
