//! Where every call of a client goes: its reqwest client, base URL and
//! headers (token, user agent, default headers), and the retry transport.
//! A [`Client`](crate::Client) holds one; the request builders reach it
//! through their client.

use std::fmt;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT};

use crate::transport::call::{Call, Sent};
use crate::transport::retry::{Again, RetryTransport};

/// A client's way to the API.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    pub http: reqwest::Client,
    /// Without a trailing slash.
    pub base_url: String,
    pub headers: ClientHeaders,
    pub transport: RetryTransport,
    /// The generated low-level client (`client.api()`): its state holds
    /// the same headers, and it sends through the same transport.
    #[cfg(feature = "api")]
    pub api: metronome_api::Client,
}

impl Connection {
    /// Sends one call through the transport; a retry's request comes
    /// from `again`.
    pub async fn send(&self, request: reqwest::Request, again: Again<'_>, call: Call) -> Sent {
        self.transport.send(&self.http, request, again, call).await
    }
}

/// The headers every request of a client carries. Its `Debug` never
/// shows the token.
#[derive(Clone)]
pub(crate) struct ClientHeaders {
    /// `Bearer <token>`, marked sensitive.
    pub authorization: HeaderValue,
    pub user_agent: HeaderValue,
    /// Set with `ClientBuilder::default_header` or
    /// `METRONOME_CUSTOM_HEADERS`; they may replace the user agent, not
    /// the token.
    pub defaults: HeaderMap,
}

impl ClientHeaders {
    /// Puts the client's headers on a request's: the default headers where
    /// the request has none of that name, then the token, then the user
    /// agent unless a default header sets one.
    pub fn apply(&self, headers: &mut HeaderMap) {
        for (name, value) in &self.defaults {
            if !headers.contains_key(name) {
                headers.insert(name, value.clone());
            }
        }
        headers.insert(AUTHORIZATION, self.authorization.clone());
        if !self.defaults.contains_key(USER_AGENT) {
            headers.insert(USER_AGENT, self.user_agent.clone());
        }
    }
}

impl fmt::Debug for ClientHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHeaders")
            .field("authorization", &"Bearer <redacted>")
            .field("user_agent", &self.user_agent)
            .field("defaults", &self.defaults.keys().collect::<Vec<_>>())
            .finish()
    }
}
