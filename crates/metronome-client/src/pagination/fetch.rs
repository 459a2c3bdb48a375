//! The one fetch of a page every walk uses: a paginated operation's
//! request, built at a cursor, sent as one call, its answer decoded once
//! and split into items and the next cursor.

use serde::de::DeserializeOwned;

use crate::Error;
use crate::operation::request::HttpRequest;
use crate::operation::send::{decode, exchange};
use crate::pagination::Page;
use crate::transport::call::{CursorAhead, CursorHook};
use crate::transport::connection::Connection;
use crate::transport::options::CallOptions;

/// Which page of a walk a fetch is, and who waits for its next cursor
/// (the look-ahead): nothing for a page fetched on its own.
#[derive(Debug, Default)]
pub(crate) struct PageCall {
    /// The page's number in its walk, from 1.
    pub page: Option<u64>,
    /// Where the next cursor goes as soon as the bytes are in.
    pub hook: Option<CursorHook>,
}

/// Sends `request` and splits its answer (of type `R`) with `split`.
/// `cursor` is where the next cursor is in the JSON, for the look-ahead
/// (empty: it cannot be read from the bytes, as a uuid written otherwise
/// than it decodes).
pub(crate) async fn fetch_page<R: DeserializeOwned, T>(
    connection: &Connection,
    request: Result<HttpRequest, Error>,
    options: CallOptions,
    at: PageCall,
    cursor: &'static [&'static str],
    split: fn(R) -> (Vec<T>, Option<String>),
) -> Result<Page<T>, Error> {
    let ahead = at.hook.map(|hook| CursorAhead { path: cursor, hook });
    let answer = exchange(connection, request?, options, at.page, ahead).await?;
    let (body, status, headers) = decode::<R>(answer)?.into_parts();
    let (data, next_page) = split(body);
    Ok(Page::new(data, next_page, status, headers))
}
