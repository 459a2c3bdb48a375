//! The answer to a request that is not a page.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// The answer to a request that is not a page: its decoded body, with the
/// response's status and headers (a request id to quote to Metronome's
/// support, say). What `send_with_response()` returns; `send()` returns
/// only the body.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    /// The decoded body (`()` for an empty answer, the bytes of a
    /// document).
    pub body: T,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Response<T> {
    pub(crate) fn new(body: T, status: StatusCode, headers: HeaderMap) -> Self {
        Self {
            body,
            status,
            headers,
        }
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body, without status and headers.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The same response with its body changed by `f`.
    /// The body, status and headers, apart.
    pub(crate) fn into_parts(self) -> (T, StatusCode, HeaderMap) {
        (self.body, self.status, self.headers)
    }

    pub(crate) fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            body: f(self.body),
            status: self.status,
            headers: self.headers,
        }
    }
}
