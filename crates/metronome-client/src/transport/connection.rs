//! Where every call of a client goes: the low-level client (its reqwest
//! client, base URL, token, user agent and default headers) and the
//! retry transport. A [`Client`](crate::Client) holds one; the request
//! builders reach it through their client.

use reqwest::header::HeaderMap;

use crate::transport::call::{Call, Sent};
use crate::transport::retry::{Again, RetryTransport};

/// A client's way to the API.
#[derive(Debug, Clone)]
pub(crate) struct Connection {
    /// The generated client, whose state holds the credentials; it sends
    /// through a copy of `transport` too (for `client.api()`).
    pub api: metronome_api::Client,
    pub transport: RetryTransport,
}

impl Connection {
    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        metronome_api::ClientInfo::baseurl(&self.api)
    }

    /// Puts the client's headers on a request's (token, user agent,
    /// default headers).
    pub fn apply_headers(&self, headers: &mut HeaderMap) {
        metronome_api::ClientInfo::inner(&self.api).apply_headers(headers);
    }

    /// Sends one call through the transport; a retry's request comes
    /// from `again`.
    pub async fn send(&self, request: reqwest::Request, again: Again<'_>, call: Call) -> Sent {
        self.transport
            .send(
                metronome_api::ClientInfo::client(&self.api),
                request,
                again,
                call,
            )
            .await
    }
}
