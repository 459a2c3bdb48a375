//! Walking the pages of any generated operation that paginates: for every
//! operation `cargo xtask gen` found paginated, the generated builder
//! implements [`Paginated`], and this gives it `.pages()` and `.stream()`
//! with the same rules as the resources' streams (stops, loop guard, typed
//! errors with the page). Nothing is written here per operation.
//!
//! One difference: a cursor set on the generated builder itself
//! (`.next_page(c)`) is invisible to the walk (generated builders have no
//! getters), so if the server sends that very cursor back, the page is
//! repeated once before the loop guard stops the walk. The resources'
//! `.next_page()` knows its starting cursor and stops at once.
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use metronome_client::PaginateExt;
//!
//! # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
//! let costs: Vec<_> = client
//!     .api()
//!     .customers_list_costs()
//!     .customer_id("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc")
//!     .starting_on("2024-01-01T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap())
//!     .ending_before("2024-02-01T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap())
//!     .stream()
//!     .try_collect()
//!     .await?;
//! # Ok(())
//! # }
//! ```

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};
use metronome_api::Paginated;

use crate::pagination::{Cursors, WalkLimits};
use crate::{Error, Page, exchange};

/// `.pages()` and `.stream()` for every generated builder of a paginated
/// operation. The streams borrow the client (`'a`); they fetch on demand.
pub trait PaginateExt<'a>: Paginated<'a> {
    /// Every page, from this request's cursor (or the first page) on.
    fn pages(self) -> RawPages<'a, Self::Item> {
        let cursors = Cursors::new(
            Self::OPERATION,
            &WalkLimits {
                prefetch: 0,
                ..WalkLimits::default()
            },
        );
        let walk = stream::unfold((self, cursors), |(request, mut cursors)| async move {
            let cursor = match cursors.next_cursor() {
                Ok(cursor) => cursor,
                Err(end) => return end.map(|e| (Err(e), (request, cursors))),
            };
            let fetched = fetch_page(request.clone(), cursor.as_deref()).await;
            Some((cursors.after(fetched), (request, cursors)))
        });
        RawPages {
            inner: walk.boxed(),
        }
    }

    /// Every item of every page, in order.
    fn stream(self) -> RawItems<'a, Self::Item> {
        let inner = self
            .pages()
            .inner
            .map_ok(|page| stream::iter(page.data.into_iter().map(Ok)))
            .try_flatten()
            .boxed();
        RawItems { inner }
    }
}

impl<'a, B: Paginated<'a>> PaginateExt<'a> for B {}

/// Sends one page of a generated paginated request, at `cursor` (the
/// request's own first page for `None`): the one fetch every walk uses,
/// the resources' and this module's. The cursor is applied before the
/// future is made, so the future borrows nothing but the request.
pub(crate) fn fetch_page<'a, B: Paginated<'a>>(
    request: B,
    cursor: Option<&str>,
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
        let (result, exchange) = exchange::record(send).await;
        match result {
            Ok(value) => {
                let status = value.status();
                let headers = exchange.response.map(|r| r.headers).unwrap_or_default();
                let (data, next_page) = B::split(value.into_inner());
                Ok(Page::new(data, next_page, status, headers))
            }
            Err(error) => Err(Error::from_generated::<B::Response, _>(
                error,
                exchange,
                B::OPERATION,
            )),
        }
    })
}

/// The pages of a generated operation; `Send + Unpin`, borrows the client.
#[must_use = "streams do nothing unless polled"]
pub struct RawPages<'a, T> {
    inner: BoxStream<'a, Result<Page<T>, Error>>,
}

impl<T> Stream for RawPages<'_, T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

/// The items of a generated operation across pages; `Send + Unpin`.
#[must_use = "streams do nothing unless polled"]
pub struct RawItems<'a, T> {
    inner: BoxStream<'a, Result<T, Error>>,
}

impl<T> Stream for RawItems<'_, T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}
