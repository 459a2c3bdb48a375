//! The one error type of the crate, and how the generated client's errors
//! (plus what the transport recorded) become it.

pub(crate) mod json_path;
#[cfg(feature = "api")]
mod low_level;

#[cfg(feature = "api")]
pub use low_level::LOW_LEVEL_OPERATION;

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::classify::{self, request_id};

/// How much of a body an error message quotes.
const BODY_EXCERPT: usize = 200;

/// Everything that can go wrong in a call.
///
/// Errors that come from a request that went out carry a
/// [`RequestContext`]: the operation, the attempts made and, in a walk over
/// pages, the page. [`Error::InvalidRequest`] and [`Error::Config`] mean
/// nothing was sent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a 4xx or 5xx status, or with a redirect
    /// to another origin, which the client does not follow (see
    /// [`redirect_policy`](crate::redirect_policy)). Never a 2xx.
    #[error(transparent)]
    Api(Box<ApiError>),

    /// No response arrived within the timeout, on every attempt.
    #[error("{context}: timed out waiting for Metronome")]
    Timeout {
        /// Where it happened.
        context: RequestContext,
        /// The transport's error.
        #[source]
        source: reqwest::Error,
    },

    /// The connection failed (refused, reset, cut short), on every attempt.
    #[error("{context}: could not reach Metronome: {}", connection_cause(.source))]
    Connection {
        /// Where it happened.
        context: RequestContext,
        /// The transport's error.
        #[source]
        source: reqwest::Error,
    },

    /// The TLS handshake was refused for a reason another attempt would
    /// meet again: the server's certificate is not trusted (unknown
    /// issuer, expired, issued for another name), or no protocol version
    /// or cipher is shared. Made once, never retried. Check the base URL,
    /// and the trust store (a proxy that re-signs traffic needs its CA).
    #[error(
        "{context}: the TLS handshake was refused, not retried: {}",
        connection_cause(.source)
    )]
    Tls {
        /// Where it happened.
        context: RequestContext,
        /// The transport's error.
        #[source]
        source: reqwest::Error,
    },

    /// A successful response whose body is not what the API describes.
    #[error(transparent)]
    Decode(Box<DecodeError>),

    /// The response body was larger than the configured limit and was not
    /// read (see [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)).
    #[error(
        "{context}: the {status} response is larger than the {limit}-byte limit; it was not read"
    )]
    ResponseTooLarge {
        /// Where it happened.
        context: RequestContext,
        /// The response's status.
        status: StatusCode,
        /// The configured limit, in bytes.
        limit: u64,
    },

    /// A page walk stopped because the server returned a cursor it had
    /// already returned: following it would repeat pages forever.
    #[error(
        "{operation}: page {page} returned a cursor that an earlier page already returned ({}); \
         the walk stopped instead of looping; every item before it was delivered once",
        excerpt(cursor.as_bytes(), 40)
    )]
    RepeatedCursor {
        /// The paginated operation.
        operation: &'static str,
        /// The page (1-based) whose `next_page` repeated an earlier one.
        page: u64,
        /// The repeated cursor.
        cursor: String,
    },

    /// A task the call depended on died (it panicked, was cancelled, or
    /// its runtime stopped). From:
    ///
    /// - a walk over pages, whose look-ahead task died: the pages before
    ///   it were delivered once, the rest were not fetched (never a short
    ///   list without this error);
    /// - an ingester's [`flush`](crate::Ingester::flush) or
    ///   [`shutdown`](crate::Ingester::shutdown), when its task is gone:
    ///   `reason` counts the accepted events left unaccounted for;
    /// - a batch of an ingester whose sending task died: the batch is in
    ///   the report as failed, with this error.
    #[error("{operation}: interrupted ({reason})")]
    Interrupted {
        /// The operation: the paginated one, or `usage_ingest`.
        operation: &'static str,
        /// What happened to the task, and what it means for the data.
        reason: String,
    },

    /// An ingester handed a usage event back instead of queueing it: its
    /// buffer was full ([`try_send`](crate::Ingester::try_send)) or it was
    /// shut down. Made by `?` from an
    /// [`IngestSendError`](crate::IngestSendError); the event is here, to
    /// send again or keep.
    #[cfg(feature = "usage")]
    #[error("the usage event was not queued: {reason}")]
    NotQueued {
        /// Why: "the ingester's buffer is full" or "the ingester was shut
        /// down".
        reason: &'static str,
        /// The event, as it was given.
        event: Box<metronome_types::UsageEvent>,
    },

    /// An argument is invalid; nothing was sent.
    #[error("invalid request, nothing was sent: {0}")]
    InvalidRequest(String),

    /// The client could not be built from its configuration.
    #[error("invalid client configuration: {0}")]
    Config(String),
}

/// Which operation a failed call was, how many attempts it made and, in a
/// page walk, which page it was fetching.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestContext {
    /// The operation, as the generated client names it (`list_usage`).
    pub operation: &'static str,
    /// Attempts made, the last one included.
    pub attempts: u32,
    /// The page being fetched (1-based), when the call was part of a walk.
    pub page: Option<u64>,
}

impl fmt::Display for RequestContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.operation)?;
        if let Some(page) = self.page {
            write!(f, ", page {page}")?;
        }
        match self.attempts {
            0 | 1 => Ok(()),
            n => write!(f, ", after {n} attempts"),
        }
    }
}

/// The category of an API error, from its status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiErrorKind {
    /// 400: the request is malformed or a value is out of range.
    BadRequest,
    /// 401: the bearer token is missing, wrong or revoked.
    Authentication,
    /// 403: the token may not do this.
    PermissionDenied,
    /// 404: no such resource (an unknown customer id, say).
    NotFound,
    /// 409: the request conflicts with the resource's state.
    Conflict,
    /// 422: well-formed, but the values are refused.
    UnprocessableEntity,
    /// 429: too many requests; wait `retry_after`.
    RateLimited,
    /// 5xx: Metronome failed.
    InternalServer,
    /// Any other status.
    Other,
}

impl ApiErrorKind {
    /// The kind of a status.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Authentication,
            403 => Self::PermissionDenied,
            404 => Self::NotFound,
            409 => Self::Conflict,
            422 => Self::UnprocessableEntity,
            429 => Self::RateLimited,
            500..=599 => Self::InternalServer,
            _ => Self::Other,
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Self::Authentication => " (check the bearer token, METRONOME_BEARER_TOKEN)",
            Self::PermissionDenied => " (the token lacks access to this)",
            Self::RateLimited => " (rate limited; slow down or raise max_retries)",
            _ => "",
        }
    }
}

/// A 4xx or 5xx response, with everything the server sent. Its `Debug`
/// shows every header but the ones that may carry a secret (cookies,
/// authentication challenges, anything named like a token or key).
#[derive(Clone)]
pub struct ApiError {
    /// Where it happened.
    pub context: RequestContext,
    /// The status.
    pub status: StatusCode,
    /// The category of the status.
    pub kind: ApiErrorKind,
    /// The `message` of the `{"message": …}` body, when the body has one.
    pub message: Option<String>,
    /// The `code` of the body (`"NotFound"`, say), when the body has one.
    pub code: Option<String>,
    /// The raw body.
    pub body: Bytes,
    /// The response headers.
    pub headers: HeaderMap,
    /// The server's id for the request, from `x-request-id` or `request-id`.
    pub request_id: Option<String>,
    /// The wait the server asked for (`retry-after-ms` or `retry-after`).
    pub retry_after: Option<Duration>,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("context", &self.context)
            .field("status", &self.status)
            .field("kind", &self.kind)
            .field("message", &self.message)
            .field("code", &self.code)
            .field("body", &self.body)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("request_id", &self.request_id)
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

/// Headers for `Debug`, secret-looking values replaced.
struct RedactedHeaders<'a>(&'a HeaderMap);

/// Whether a header's value may be a credential.
pub(crate) fn secret_header(name: &str) -> bool {
    const EXACT: [&str; 6] = [
        "set-cookie",
        "cookie",
        "authorization",
        "proxy-authorization",
        "proxy-authenticate",
        "www-authenticate",
    ];
    const PARTS: [&str; 6] = ["token", "secret", "key", "auth", "session", "password"];
    let name = name.to_ascii_lowercase();
    EXACT.contains(&name.as_str()) || PARTS.iter().any(|p| name.contains(p))
}

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if secret_header(name.as_str()) {
                map.entry(&name.as_str(), &"[redacted]");
            } else {
                map.entry(&name.as_str(), value);
            }
        }
        map.finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: Metronome answered {}{}",
            self.context,
            self.status,
            self.kind.hint()
        )?;
        if self.status.is_redirection() {
            // Only a redirect to another origin is left unfollowed.
            let to = self
                .headers
                .get(reqwest::header::LOCATION)
                .map(|l| printable(&String::from_utf8_lossy(l.as_bytes()), BODY_EXCERPT));
            write!(
                f,
                " (a redirect to another origin{}, not followed so that no credential goes there; check the base URL)",
                to.map(|to| format!(", {to}")).unwrap_or_default()
            )?;
        }
        match &self.message {
            // The server's words, on one line and bounded: a message cannot
            // forge log lines or terminal colours.
            Some(message) => write!(f, ": {}", printable(message, BODY_EXCERPT))?,
            None if self.body.is_empty() => f.write_str(" with an empty body")?,
            None => write!(f, ": {}", excerpt(&self.body, BODY_EXCERPT))?,
        }
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// A success response whose body could not be decoded.
#[derive(Debug)]
pub struct DecodeError {
    /// Where it happened.
    pub context: RequestContext,
    /// The response's status; `None` only for an error converted from the
    /// low-level client (`client.api()`), which does not keep it.
    pub status: Option<StatusCode>,
    /// The raw body.
    pub body: Bytes,
    /// Where in the body decoding failed, as a path like `data[3].value`
    /// (`.` for the top level).
    pub path: String,
    /// serde's error.
    pub source: serde_json::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.status.map(|s| format!(" {s}")).unwrap_or_default();
        write!(
            f,
            "{}: the{status} response does not match the API description at `{}`: {} ({} bytes: {})",
            self.context,
            self.path,
            // serde's message quotes the value it refused, as the server
            // sent it.
            printable(&self.source.to_string(), BODY_EXCERPT),
            self.body.len(),
            excerpt(&self.body, BODY_EXCERPT)
        )
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl Error {
    /// The HTTP status of the response behind this error, if one arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode(e) => e.status,
            Error::ResponseTooLarge { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The category of an API error; `None` for other errors.
    pub fn kind(&self) -> Option<ApiErrorKind> {
        match self {
            Error::Api(e) => Some(e.kind),
            _ => None,
        }
    }

    /// Whether trying the same call again later may succeed: timeouts,
    /// connection failures, and API errors with status 408, 409, 429 or 5xx.
    /// These are the failures the client already retries itself.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => classify::should_retry_response(e.status, &e.headers),
            Error::Timeout { .. } | Error::Connection { .. } => true,
            _ => false,
        }
    }

    /// Where the request went, for errors that come from one.
    pub fn context(&self) -> Option<&RequestContext> {
        match self {
            Error::Api(e) => Some(&e.context),
            Error::Decode(e) => Some(&e.context),
            Error::Timeout { context, .. }
            | Error::Connection { context, .. }
            | Error::Tls { context, .. }
            | Error::ResponseTooLarge { context, .. } => Some(context),
            _ => None,
        }
    }

    /// Attempts made before giving up (0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.context().map_or(0, |c| c.attempts)
    }

    /// Records which page of a walk the error happened on.
    pub(crate) fn on_page(mut self, page: u64) -> Self {
        let context = match &mut self {
            Error::Api(e) => Some(&mut e.context),
            Error::Decode(e) => Some(&mut e.context),
            Error::Timeout { context, .. }
            | Error::Connection { context, .. }
            | Error::Tls { context, .. }
            | Error::ResponseTooLarge { context, .. } => Some(context),
            _ => None,
        };
        if let Some(context) = context {
            context.page = Some(page);
        }
        self
    }
}

pub(crate) fn transport(context: RequestContext, source: reqwest::Error) -> Error {
    if let Some(refused) = classify::BodyTooLarge::find(&source) {
        return Error::ResponseTooLarge {
            context,
            status: refused.status,
            limit: refused.limit,
        };
    }
    if classify::is_tls_refusal(&source) {
        Error::Tls { context, source }
    } else if source.is_timeout() {
        Error::Timeout { context, source }
    } else {
        Error::Connection { context, source }
    }
}

pub(crate) fn api(
    context: RequestContext,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    message: Option<String>,
) -> Error {
    let parsed = serde_json::from_slice::<ErrorBody>(&body).ok();
    let code = parsed.as_ref().and_then(|b| b.code.clone());
    let message = message.or_else(|| parsed.and_then(|b| b.message));
    let request_id = request_id(&headers).map(str::to_owned);
    let retry_after = classify::retry_after(&headers, std::time::SystemTime::now());
    Error::Api(Box::new(ApiError {
        context,
        status,
        kind: ApiErrorKind::from_status(status),
        message,
        code,
        body,
        headers,
        request_id,
        retry_after,
    }))
}

/// What an error body may say: Metronome's `{message}`, with a `code` on
/// some operations. Anything else in it is ignored.
#[derive(serde::Deserialize)]
struct ErrorBody {
    message: Option<String>,
    code: Option<String>,
}

/// The innermost cause of a transport error, which says what actually
/// happened ("connection refused") where reqwest's top level does not.
fn connection_cause(error: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// At most `max` characters of `text`, control characters (newlines,
/// escapes) written as escapes.
pub(crate) fn printable(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else if is_invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// A character that changes how the text around it shows without showing
/// itself: Unicode's format characters (`Cf`: bidirectional overrides and
/// isolates, zero-width joiners and spaces, the byte-order mark, tags) and
/// the line and paragraph separators (`Zl`, `Zp`), which some terminals
/// and log viewers break lines at. Control characters (`Cc`) are
/// `char::is_control`.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{890}'..='\u{891}'
            | '\u{8e2}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{110bd}'
            | '\u{110cd}'
            | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0001}'
            | '\u{e0020}'..='\u{e007f}'
    )
}

/// At most `max` characters of a body, lossily decoded, on one line:
/// control characters become spaces, invisible ones their escape.
pub(crate) fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for c in text.chars().take(max) {
        if c.is_control() {
            out.push(' ');
        } else if is_invisible(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    if text.chars().count() > max {
        out.push('…');
    }
    out
}
