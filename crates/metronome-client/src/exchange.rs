//! What the transport saw of one call, handed back to the code that made
//! the call.
//!
//! The generated `send()` keeps only what it decoded: a failed decode loses
//! the status, and nothing tells how many attempts were made. The retry
//! transport ([`crate::retry`]) writes those facts into a task-local
//! [`Exchange`] that [`record`] sets up around each call, and the error
//! mapping ([`crate::error`]) reads them back.

use std::cell::RefCell;
use std::future::Future;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::options::CallOptions;

tokio::task_local! {
    // Boxed: tokio swaps the value in and out on every poll of the call.
    static EXCHANGE: RefCell<Box<Exchange>>;
    // The page (from 1) a walk is fetching, for the request's span.
    static PAGE: u64;
}

/// Runs `fetch` as the fetch of page `page` of a walk.
pub(crate) async fn on_page<F: Future>(page: u64, fetch: F) -> F::Output {
    PAGE.scope(page, fetch).await
}

/// The page of the walk the current request belongs to, if any.
pub(crate) fn page() -> Option<u64> {
    PAGE.try_with(|page| *page).ok()
}

/// The facts of one call (all attempts of one request).
#[derive(Debug, Default)]
pub(crate) struct Exchange {
    /// Attempts made, the last one included.
    pub attempts: u32,
    /// The final response, with its whole body.
    pub response: Option<Recorded>,
    /// What the call overrides of the client's settings.
    pub options: CallOptions,
}

/// A response as received, body included.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Runs `call` with its `options` and returns its output with the
/// exchange the transport recorded while it ran.
pub(crate) async fn record<F: Future>(options: CallOptions, call: F) -> (F::Output, Exchange) {
    let exchange = Exchange {
        options,
        ..Exchange::default()
    };
    EXCHANGE
        .scope(RefCell::new(Box::new(exchange)), async {
            let output = call.await;
            let exchange = EXCHANGE.with(|cell| std::mem::take(&mut **cell.borrow_mut()));
            (output, exchange)
        })
        .await
}

/// The options of the current call (the defaults outside [`record`]).
pub(crate) fn options() -> CallOptions {
    EXCHANGE
        .try_with(|cell| cell.borrow().options)
        .unwrap_or_default()
}

/// Updates the current exchange; does nothing outside [`record`] (the
/// generated client used directly with this crate's transport).
pub(crate) fn note(update: impl FnOnce(&mut Exchange)) {
    let _ = EXCHANGE.try_with(|cell| update(&mut cell.borrow_mut()));
}
