//! Requests to any path: the escape hatch for what the API description
//! does not have yet (an endpoint Metronome added last week, a beta one).
//! They go through the same transport as every other call: the client's
//! token and User-Agent, retries, the body cap, and the same [`Error`].

use std::borrow::Cow;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::RequestContext;
use crate::operation::request::HttpRequest;
use crate::operation::send::respond;
use crate::transport::call::Recorded;
use crate::transport::options::CallOptions;
use crate::{Client, Error};

/// The operation name errors of these requests carry.
pub const CUSTOM_OPERATION: &str = "custom request";

/// A request to a path of the API, built by [`Client::request`].
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct CustomRequest {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Result<Vec<u8>, String>>,
    options: CallOptions,
}

crate::transport::options::call_options!(CustomRequest);

impl Client {
    /// A request to `path` (from the API's root, such as
    /// `/v1/customers`), for an endpoint the description lacks. It carries
    /// the client's token and is retried like any other call (so a `POST`
    /// that creates something is sent again after a timeout: turn retries
    /// off for this call with `.max_retries(0)` if that matters).
    ///
    /// ```no_run
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// use metronome_client::reqwest::Method;
    ///
    /// let response = client
    ///     .request(Method::POST, "/v1/customers/archive")
    ///     .json(&serde_json::json!({"id": "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc"}))
    ///     .send()
    ///     .await?;
    /// let reply: serde_json::Value = response.json()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn request(&self, method: Method, path: impl Into<String>) -> CustomRequest {
        CustomRequest {
            client: self.clone(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            options: CallOptions::default(),
        }
    }
}

impl CustomRequest {
    /// Adds a query parameter (repeat it for a list).
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Sends `body` as JSON. A value that cannot be serialized fails at
    /// `send`, before anything goes out.
    pub fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|e| e.to_string()));
        self
    }

    /// Sends the request. A 4xx or 5xx answer is [`Error::Api`]; any other
    /// is returned whole.
    ///
    /// The path stays under the base URL: one with a `.` or `..` segment
    /// (written plainly or percent-encoded), a `?`, a `#` or a backslash
    /// is refused before anything is sent. Put values in the query with
    /// [`query`](Self::query), and any text in a path segment through
    /// [`path_segment`](crate::path_segment).
    pub async fn send(self) -> Result<CustomResponse, Error> {
        check_path(&self.path).map_err(Error::InvalidRequest)?;
        let body = self
            .body
            .transpose()
            .map_err(|e| Error::InvalidRequest(format!("the JSON body: {e}")))?;
        send_raw(
            &self.client,
            CUSTOM_OPERATION,
            self.options,
            self.method,
            &self.path,
            &self.query,
            body,
        )
        .await
    }
}

/// Why `path` could leave the API's root, if it could.
fn check_path(path: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "the path {:?} {why} (a path of the API, not a URL)",
            crate::operation::args::truncate(path)
        ))
    };
    if !path.starts_with('/') || path.starts_with("//") {
        return refuse("must start with a single `/`");
    }
    if let Some(c) = path.chars().find(|c| matches!(c, '?' | '#' | '\\')) {
        return refuse(&format!(
            "contains `{c}`: put query parameters in `.query(..)`, and encode text with `path_segment`"
        ));
    }
    if path.chars().any(char::is_control) {
        return refuse("contains a control character");
    }
    for segment in path.split('/').skip(1) {
        let decoded = segment.replace("%2e", ".").replace("%2E", ".");
        if decoded == "." || decoded == ".." {
            return refuse("has a `.` or `..` segment, which would leave the base URL's path");
        }
    }
    Ok(())
}

/// Encodes `text` as one segment of a path for [`Client::request`]: every
/// character but ASCII letters, digits, `-`, `.`, `_` and `~` is
/// percent-encoded, so a `/`, `?` or `#` in an id stays inside its
/// segment. `""`, `"."` and `".."` are refused: a server would read them
/// as "this level" or "the level above", not as a name.
///
/// ```
/// let id = metronome_client::path_segment("ab/c d").unwrap();
/// assert_eq!(id, "ab%2Fc%20d");
/// assert!(metronome_client::path_segment("..").is_err());
/// ```
pub fn path_segment(text: &str) -> Result<String, Error> {
    crate::operation::check::segment(text.to_string()).map_err(Error::InvalidRequest)?;
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    Ok(percent_encoding::utf8_percent_encode(text, SEGMENT).to_string())
}

/// Sends one request through the client's transport as operation
/// `operation`: the escape hatch's path, and the ingester's (which sends
/// bytes it serialized once from events it keeps).
pub(crate) async fn send_raw(
    client: &Client,
    operation: &'static str,
    options: CallOptions,
    method: Method,
    path: &str,
    query: &[(String, String)],
    body: Option<Vec<u8>>,
) -> Result<CustomResponse, Error> {
    let request = HttpRequest {
        operation,
        route: None,
        method,
        path: path.to_string(),
        query: query
            .iter()
            .map(|(name, value)| (Cow::Owned(name.clone()), value.clone()))
            .collect(),
        body: body.map(Into::into),
        json: false,
    };
    let answer = respond(client.connection(), request, options, None, None).await?;
    let Recorded {
        status,
        headers,
        body,
    } = answer.recorded;
    let context = answer.context;
    if status.is_client_error() || status.is_server_error() {
        return Err(crate::error::api(context, status, headers, body, None));
    }
    Ok(CustomResponse {
        context,
        status,
        headers,
        body,
    })
}

/// The answer to a [`CustomRequest`].
#[derive(Debug, Clone)]
pub struct CustomResponse {
    context: RequestContext,
    /// The status (never 4xx or 5xx: those are errors).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, as received.
    pub body: Bytes,
}

impl CustomResponse {
    /// The operation and attempts the answer came from.
    pub fn context(&self) -> &RequestContext {
        &self.context
    }

    /// Decodes the body as JSON into `T`; a mismatch is [`Error::Decode`]
    /// naming the path that failed.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|source| {
            Error::Decode(Box::new(crate::DecodeError {
                context: self.context.clone(),
                status: Some(self.status),
                body: self.body.clone(),
                path: crate::error::json_path::path_of(&self.body, &source),
                source,
            }))
        })
    }
}
