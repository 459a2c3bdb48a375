//! Where a page is followed: one walk, written once, for every paginated
//! operation.
//!
//! An operation takes part by implementing [`PageQuery`]: how to fetch one
//! page given a cursor (a few lines). The walk then gives it
//! [`PageStream`] and [`ItemStream`] with the same semantics:
//!
//! - lazy: nothing is sent until the stream is polled; dropping the
//!   stream cancels the request in flight;
//! - every filter and the whole body are kept on every page (the query is
//!   reused as is; only the cursor changes);
//! - the walk stops when `next_page` is null, absent or empty, and only
//!   then: an empty page with a cursor is followed;
//! - a cursor the server already returned ends the walk with
//!   [`Error::RepeatedCursor`] after the page that returned it;
//! - [`max_pages`](crate::resources) ends the walk early, without error;
//! - an error ends the walk, after being yielded once, with the page it
//!   happened on in its [`RequestContext`](crate::RequestContext).

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use futures::stream::{self, BoxStream, Stream, StreamExt, TryStreamExt};

use crate::{Client, Error, Page};

/// How to fetch one page of a paginated operation.
pub(crate) trait PageQuery: Send + Sync + 'static {
    /// What the pages hold.
    type Item: Send + 'static;

    /// The operation's name, for errors.
    const OPERATION: &'static str;

    /// Fetches the page at `cursor` (the first page for `None`).
    fn fetch<'a>(
        &'a self,
        client: &'a Client,
        cursor: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Page<Self::Item>, Error>>;
}

/// Where a walk starts and how far it may go.
#[derive(Debug, Clone, Default)]
pub(crate) struct WalkLimits {
    /// Resume from this cursor instead of the first page.
    pub start: Option<String>,
    /// Stop after this many pages.
    pub max_pages: Option<u64>,
}

/// The state of one walk between pages.
struct Walk<Q> {
    client: Client,
    query: Q,
    cursor: Option<String>,
    fetched: u64,
    max_pages: Option<u64>,
    /// Hashes of every cursor seen, to spot a loop in constant space per page.
    seen: HashSet<u64>,
    /// Set once the walk has ended, with an error still to yield.
    ending: Option<Option<Error>>,
}

impl<Q: PageQuery> Walk<Q> {
    fn new(client: Client, query: Q, limits: WalkLimits) -> Self {
        let mut walk = Self {
            client,
            query,
            cursor: None,
            fetched: 0,
            max_pages: limits.max_pages,
            seen: HashSet::default(),
            ending: None,
        };
        if let Some(start) = limits.start.filter(|c| !c.is_empty()) {
            walk.seen.insert(cursor_hash(&start));
            walk.cursor = Some(start);
        }
        walk
    }

    async fn next(&mut self) -> Option<Result<Page<Q::Item>, Error>> {
        if let Some(ending) = &mut self.ending {
            return ending.take().map(Err);
        }
        if self.max_pages.is_some_and(|max| self.fetched >= max) {
            self.ending = Some(None);
            return None;
        }
        self.fetched += 1;
        let page = match self.query.fetch(&self.client, self.cursor.as_deref()).await {
            Ok(page) => page,
            Err(error) => {
                self.ending = Some(None);
                return Some(Err(error.on_page(self.fetched)));
            }
        };
        match &page.next_page {
            None => self.ending = Some(None),
            Some(next) if !self.seen.insert(cursor_hash(next)) => {
                self.ending = Some(Some(Error::RepeatedCursor {
                    operation: Q::OPERATION,
                    page: self.fetched,
                    cursor: next.clone(),
                }));
            }
            Some(next) => self.cursor = Some(next.clone()),
        }
        Some(Ok(page))
    }
}

fn cursor_hash(cursor: &str) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(cursor)
}

/// Every page of a list, fetched as the stream is polled.
///
/// `Send`, `Unpin` and `'static`: it can be moved into a task. Use it with
/// [`futures::StreamExt`] and [`futures::TryStreamExt`].
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<T> {
    inner: BoxStream<'static, Result<Page<T>, Error>>,
}

impl<T: Send + 'static> PageStream<T> {
    pub(crate) fn new<Q: PageQuery<Item = T>>(
        client: Client,
        query: Result<Q, Error>,
        limits: WalkLimits,
    ) -> Self {
        let inner = match query {
            Ok(query) => stream::unfold(Walk::new(client, query, limits), |mut walk| async move {
                let next = walk.next().await?;
                Some((next, walk))
            })
            .boxed(),
            Err(error) => stream::once(async move { Err(error) }).boxed(),
        };
        Self { inner }
    }

    /// The items of every page, in order.
    pub fn items(self) -> ItemStream<T> {
        let inner = self
            .inner
            .map_ok(|page| stream::iter(page.data.into_iter().map(Ok)))
            .try_flatten()
            .boxed();
        ItemStream { inner }
    }
}

impl<T> Stream for PageStream<T> {
    type Item = Result<Page<T>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<T> std::fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream").finish_non_exhaustive()
    }
}

/// Every item of a list across pages, fetched page by page as the stream
/// is polled. `Send`, `Unpin` and `'static`.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<T> {
    inner: BoxStream<'static, Result<T, Error>>,
}

impl<T> Stream for ItemStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.poll_next_unpin(cx)
    }
}

impl<T> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream").finish_non_exhaustive()
    }
}
