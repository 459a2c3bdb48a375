//! One call as the transport runs it, handed down with its request: what
//! it is (operation, path template, page of a walk), what it overrides of
//! the client's settings, and, for a page of a walk, where its next
//! cursor is and who waits for it. What the transport made of the call
//! comes back as a [`Sent`]: the attempts and the last one's outcome.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::transport::options::CallOptions;

/// Where a walk wants a page's next cursor as soon as the bytes are in,
/// before the page is decoded: `Some(next_page)`, `None` on the last page.
pub(crate) type CursorHook = tokio::sync::oneshot::Sender<Option<String>>;

/// A call, as the transport needs to know it.
#[derive(Debug)]
pub(crate) struct Call {
    /// The operation's name (`customers_list`).
    pub operation: &'static str,
    /// Its path template (`/v1/customers/{customer_id}`), for the span;
    /// the request's own path when there is none.
    pub route: Option<&'static str>,
    /// What the call overrides of the client's settings.
    pub options: CallOptions,
    /// The page (from 1) of a walk this call fetches.
    pub page: Option<u64>,
    /// For a page whose next cursor the walk reads ahead.
    pub ahead: Option<CursorAhead>,
}

impl Call {
    /// A call that is no page of a walk.
    #[cfg(feature = "api")]
    pub fn new(operation: &'static str, route: Option<&'static str>, options: CallOptions) -> Self {
        Self {
            operation,
            route,
            options,
            page: None,
            ahead: None,
        }
    }
}

/// Where a page's next cursor is in its JSON, and who waits for it.
#[derive(Debug)]
pub(crate) struct CursorAhead {
    pub path: &'static [&'static str],
    pub hook: CursorHook,
}

/// What the transport made of a call.
#[derive(Debug)]
pub(crate) struct Sent {
    /// Attempts made, the last one included.
    pub attempts: u32,
    /// How the last attempt ended.
    pub outcome: Outcome,
}

/// How an attempt ended.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// A response, read whole.
    Response(Recorded),
    /// A response whose body is over the cap (not read).
    TooLarge(StatusCode, HeaderMap),
    /// No response: the connection failed or reqwest's timeout fired.
    Failed(reqwest::Error),
    /// The attempt as a whole (middleware, the exchange, the body read)
    /// outran its time limit.
    TimedOut(Duration),
}

/// A response as received, body included.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}
