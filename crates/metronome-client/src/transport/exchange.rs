//! What the transport saw of one call, handed back to the code that made
//! the call.
//!
//! The generated `send()` keeps only what it decoded: a failed decode loses
//! the status, and nothing tells how many attempts were made. The retry
//! transport ([`crate::transport::retry`]) writes those facts into a task-local
//! [`Exchange`] that [`record`] sets up around each call, and the error
//! mapping ([`crate::error`]) reads them back.

use std::cell::RefCell;
use std::future::Future;

use bytes::Bytes;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::transport::options::CallOptions;

tokio::task_local! {
    // Boxed: tokio swaps the value in and out on every poll of the call.
    static EXCHANGE: RefCell<Box<Exchange>>;
    // The page (from 1) a walk is fetching, for the request's span.
    static PAGE: u64;
    // Where a walk wants the next cursor as soon as the bytes of this page
    // are in, before they are decoded.
    static CURSOR_HOOK: RefCell<Option<CursorHook>>;
}

/// The receiving end of a cursor read ahead: `Some(next_page)` (`None`
/// on the last page), sent before the page is decoded.
pub(crate) type CursorHook = tokio::sync::oneshot::Sender<Option<String>>;

/// Runs `fetch` with `hook` waiting for the next cursor.
pub(crate) async fn with_cursor_hook<F: Future>(hook: CursorHook, fetch: F) -> F::Output {
    CURSOR_HOOK.scope(RefCell::new(Some(hook)), fetch).await
}

/// The hook of the current fetch, if a walk set one (once).
pub(crate) fn take_cursor_hook() -> Option<CursorHook> {
    CURSOR_HOOK
        .try_with(|hook| hook.borrow_mut().take())
        .ok()
        .flatten()
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
    /// For a page of a walk: where its next cursor is in the JSON.
    pub cursor_path: Option<&'static [&'static str]>,
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
    record_page(options, None, call).await
}

/// [`record`] for a page whose next cursor is at `cursor_path`.
pub(crate) async fn record_page<F: Future>(
    options: CallOptions,
    cursor_path: Option<&'static [&'static str]>,
    call: F,
) -> (F::Output, Exchange) {
    let exchange = Exchange {
        options,
        cursor_path,
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

/// Where the current call's next cursor is, when it is a page of a walk.
pub(crate) fn cursor_path() -> Option<&'static [&'static str]> {
    EXCHANGE
        .try_with(|cell| cell.borrow().cursor_path)
        .ok()
        .flatten()
}

/// Updates the current exchange; does nothing outside [`record`] (the
/// generated client used directly with this crate's transport).
pub(crate) fn note(update: impl FnOnce(&mut Exchange)) {
    let _ = EXCHANGE.try_with(|cell| update(&mut cell.borrow_mut()));
}
