//! The one fetch of a page every walk uses: a low-level request of a
//! paginated operation (its builder implements the generated `Paginated`),
//! sent at a cursor, its answer split into items and the next cursor, its
//! failure mapped to [`Error`] with what the transport recorded.

use futures::future::BoxFuture;
use metronome_api::Paginated;

use crate::Error;
use crate::pagination::Page;
use crate::transport::exchange;
use crate::transport::options::CallOptions;

/// Sends one page of a low-level paginated request, at `cursor` (the
/// request's own first page for `None`). The cursor is applied before the
/// future is made, so the future borrows nothing but the request.
pub(crate) fn fetch_page<'a, B: Paginated<'a>>(
    request: B,
    cursor: Option<&str>,
    options: CallOptions,
) -> BoxFuture<'a, Result<Page<B::Item>, Error>> {
    let request = match cursor {
        Some(cursor) => request.with_cursor(cursor),
        None => request,
    };
    // Boxed where it is made: the generated future is several kilobytes,
    // and moving it by value through each wrapper costs more than this
    // allocation (benches/request_cost.rs).
    let send: BoxFuture<'a, _> = Box::pin(request.send_page());
    Box::pin(async move {
        let (result, exchange) = exchange::record_page(options, Some(B::CURSOR), send).await;
        match result {
            Ok(value) => {
                let status = value.status();
                let headers = exchange.response.map(|r| r.headers).unwrap_or_default();
                let (data, next_page) = B::split(value.into_inner());
                Ok(Page::new(data, next_page, status, headers))
            }
            Err(error) => Err(Error::from_generated(error, exchange, B::OPERATION)),
        }
    })
}
