//! What every generated [`Client`](crate::Client) carries besides its base
//! URL and reqwest client: credentials, identity, and the transport.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};

use crate::OperationInfo;

/// progenitor adds `api-version: <info.version>` to every request.
const API_VERSION_HEADER: &str = "api-version";

/// The future a [`Transport`] returns.
pub type TransportFuture<'a> =
    Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a>>;

/// Sends one fully built request and returns its response.
///
/// Every generated operation ends in the transport of its client's
/// [`ClientState`]; this is the seat for cross-cutting behaviour such as
/// retries, timing or tracing. The default transport calls
/// [`reqwest::Client::execute`] once.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request` (already authenticated) with `client`.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        info: &'a OperationInfo,
    ) -> TransportFuture<'a>;
}

/// The transport used unless another is set: one attempt, no retry.
#[derive(Debug, Clone, Copy, Default)]
struct Direct;

impl Transport for Direct {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        _info: &'a OperationInfo,
    ) -> TransportFuture<'a> {
        Box::pin(client.execute(request))
    }
}

/// The token is not usable in an HTTP header (it holds a control
/// character or a non-visible byte). The token itself is not repeated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidToken;

impl fmt::Display for InvalidToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the bearer token contains characters that cannot be sent in an HTTP header")
    }
}

impl std::error::Error for InvalidToken {}

/// Hand-written state inside every generated [`Client`](crate::Client).
///
/// Cheap to clone (the transport is shared). Its `Debug` output never
/// shows the token.
#[derive(Clone)]
pub struct ClientState {
    pub(crate) authorization: Option<HeaderValue>,
    pub(crate) user_agent: Option<HeaderValue>,
    pub(crate) default_headers: Arc<HeaderMap>,
    pub(crate) transport: Arc<dyn Transport>,
}

impl ClientState {
    /// No credentials, no `User-Agent` override, the direct transport.
    pub fn new() -> Self {
        Self {
            authorization: None,
            user_agent: None,
            default_headers: Arc::default(),
            transport: Arc::new(Direct),
        }
    }

    /// Sends `Authorization: Bearer <token>` on every request. The header
    /// is marked sensitive, so reqwest and hyper never log its value.
    pub fn with_bearer_token(self, token: &str) -> Result<Self, InvalidToken> {
        let value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| InvalidToken)?;
        Ok(self.with_authorization(value))
    }

    /// Sends this `Authorization` value on every request, marked sensitive:
    /// for a value already made and checked elsewhere (metronome-client
    /// hands its client's own).
    pub fn with_authorization(mut self, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.authorization = Some(value);
        self
    }

    /// Sends this `User-Agent` on every request.
    pub fn with_user_agent(mut self, user_agent: HeaderValue) -> Self {
        self.user_agent = Some(user_agent);
        self
    }

    /// Sends these headers on every request, unless the request sets the
    /// same header itself; they never replace `Authorization`, and a
    /// `User-Agent` among them replaces the default one.
    pub fn with_default_headers(mut self, headers: HeaderMap) -> Self {
        self.default_headers = Arc::new(headers);
        self
    }

    /// Sends every request through `transport`.
    pub fn with_transport(mut self, transport: impl Transport) -> Self {
        self.transport = Arc::new(transport);
        self
    }

    /// Puts this state's headers on a request's: the default headers where
    /// the request has none of that name, `Authorization` always, the
    /// `User-Agent` unless a default header names one. progenitor's
    /// `api-version` (the version of the description, which Metronome does
    /// not read) is removed. Every request of this crate goes through it,
    /// and so can a request built elsewhere for the same client.
    pub fn apply_headers(&self, headers: &mut HeaderMap) {
        headers.remove(API_VERSION_HEADER);
        for (name, value) in self.default_headers.iter() {
            if !headers.contains_key(name) {
                headers.insert(name, value.clone());
            }
        }
        if let Some(value) = &self.authorization {
            headers.insert(AUTHORIZATION, value.clone());
        }
        if let Some(value) = &self.user_agent
            && !self.default_headers.contains_key(USER_AGENT)
        {
            headers.insert(USER_AGENT, value.clone());
        }
    }

    /// Whether a bearer token is set.
    pub fn has_bearer_token(&self) -> bool {
        self.authorization.is_some()
    }
}

impl Default for ClientState {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "Bearer <redacted>"),
            )
            .field("user_agent", &self.user_agent)
            .field(
                "default_headers",
                &self.default_headers.keys().collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}
