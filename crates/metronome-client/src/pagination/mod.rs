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
//! - [`max_pages`](crate::requests) ends the walk early, without error;
//! - an error ends the walk, after being yielded once, with the page it
//!   happened on in its [`RequestContext`](crate::RequestContext);
//! - with a prefetch depth `n > 0`, a task runs the same walk up to `n`
//!   pages ahead of the caller (the next cursor is known as soon as a page
//!   arrives), so the network works while the caller does; it never
//!   fetches a page the sequential walk would not, and dropping the stream
//!   aborts it and the request in flight;
//! - a partitioned walk runs several walks at once (each with all of the
//!   above) and merges their pages as they come.

pub(crate) mod fetch;
pub(crate) mod page;

use std::collections::{HashSet, VecDeque};
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};

use futures::future::{BoxFuture, FutureExt};
use futures::stream::{self, BoxStream, Stream, StreamExt};

use crate::Error;
use fetch::PageCall;
use page::Page;

/// How to fetch one page of a paginated operation.
pub(crate) trait PageQuery: Send + Sync + 'static {
    /// What the pages hold.
    type Item: Send + 'static;

    /// The operation's name, for errors.
    const OPERATION: &'static str;

    /// Fetches the page at `cursor` (the first page for `None`), as the
    /// page of a walk `at` says. The query holds what it sends with (a
    /// request builder holds its client).
    fn fetch<'a>(
        &'a self,
        cursor: Option<&'a str>,
        at: PageCall,
    ) -> BoxFuture<'a, Result<Page<Self::Item>, Error>>;
}

/// A page whose items the walk does not look at: it needs only the
/// cursor. The walk below is written against this, not against each
/// operation's item type, so it is compiled once, in this crate, rather
/// than once per operation in each application that walks one (see
/// BENCHMARKS.md, "Build cost").
pub(crate) struct AnyPage {
    next_page: Option<String>,
    /// A `Page<T>` of the operation's item type, its `next_page` moved
    /// out into the field above while it crosses the walk.
    page: Box<dyn std::any::Any + Send>,
}

impl AnyPage {
    fn new<T: Send + 'static>(mut page: Page<T>) -> Self {
        Self {
            next_page: page.next_page.take(),
            page: Box::new(page),
        }
    }

    /// The page, as the operation's walk made it.
    fn into_page<T: 'static>(self, operation: &'static str) -> Result<Page<T>, Error> {
        let mut page = self.page.downcast::<Page<T>>().map_err(|_| {
            interrupted(
                operation,
                "a page of another type came back from the walk".to_string(),
            )
        })?;
        page.next_page = self.next_page;
        Ok(*page)
    }
}

/// A [`PageQuery`] with its item type hidden: what the walk holds.
trait AnyQuery: Send + Sync {
    fn operation(&self) -> &'static str;
    fn fetch_any<'a>(
        &'a self,
        cursor: Option<&'a str>,
        at: PageCall,
    ) -> BoxFuture<'a, Result<AnyPage, Error>>;
}

impl<Q: PageQuery> AnyQuery for Q {
    fn operation(&self) -> &'static str {
        Q::OPERATION
    }

    fn fetch_any<'a>(
        &'a self,
        cursor: Option<&'a str>,
        at: PageCall,
    ) -> BoxFuture<'a, Result<AnyPage, Error>> {
        futures::TryFutureExt::map_ok(self.fetch(cursor, at), AnyPage::new).boxed()
    }
}

/// The prefetch depth of walks that do not set one: one page ahead, which
/// hides a round trip behind the caller's work (see BENCHMARKS.md).
pub const DEFAULT_PREFETCH: usize = 1;

/// Where a walk starts, how far it may go, how far it runs ahead.
#[derive(Debug, Clone)]
pub(crate) struct WalkLimits {
    /// Resume from this cursor instead of the first page.
    pub start: Option<String>,
    /// Stop after this many pages.
    pub max_pages: Option<u64>,
    /// Pages fetched ahead of the caller (0: fetch on demand).
    pub prefetch: usize,
    /// Pages left to the walks that share it (the partitions of one
    /// walk): each takes one before each fetch, and a walk that finds
    /// none left ends.
    pub shared_budget: Option<Arc<AtomicU64>>,
}

impl WalkLimits {
    /// The limits of one partition of a walk with these limits: the walk's
    /// `max_pages` becomes a budget all partitions draw from, so it bounds
    /// the merged walk, not each partition.
    pub(crate) fn for_partitions(&self) -> impl Fn() -> WalkLimits + '_ {
        let budget = self.max_pages.map(|n| Arc::new(AtomicU64::new(n)));
        move || WalkLimits {
            start: None,
            max_pages: None,
            prefetch: self.prefetch,
            shared_budget: budget.clone(),
        }
    }
}

impl Default for WalkLimits {
    fn default() -> Self {
        Self {
            start: None,
            max_pages: None,
            prefetch: DEFAULT_PREFETCH,
            shared_budget: None,
        }
    }
}

/// Everything a list request builder shares, given its item type: the
/// walk setters (`next_page`, `max_pages`, `prefetch`) and the ways to send
/// it (`send`, `pages`, `stream`). The builder has `client`, `limits` and a
/// `fn query(&self) -> Result<impl PageQuery<Item = $item>, Error>` that
/// checks its arguments.
macro_rules! list_request {
    ($builder:ty, $item:ty) => {
        impl $builder {
            /// Starts at this cursor (a `next_page` from an earlier page)
            /// instead of the first page.
            pub fn next_page(mut self, cursor: impl Into<String>) -> Self {
                self.limits.start = Some(cursor.into());
                self
            }

            /// `pages()` and `stream()` stop after this many pages, without
            /// an error. On a partitioned walk it bounds all partitions
            /// together: at most this many pages are fetched in all.
            pub fn max_pages(mut self, pages: u64) -> Self {
                self.limits.max_pages = Some(pages);
                self
            }

            /// How many pages `pages()` and `stream()` fetch beyond the
            /// one the caller waits for (default 1; 0 fetches each page
            /// only when asked for; at most
            /// [`MAX_PREFETCH`](crate::MAX_PREFETCH)). With look-ahead, a
            /// page's next cursor is read from its bytes as they arrive and
            /// the next request goes out while the page is decoded.
            /// Needs a tokio runtime, which runs the look-ahead as tasks.
            pub fn prefetch(mut self, pages: usize) -> Self {
                self.limits.prefetch = pages;
                self
            }

            /// Sends the request and returns one page (the first, or the
            /// one at `next_page`). Invalid arguments fail before sending.
            pub fn send(
                self,
            ) -> ::futures::future::BoxFuture<'static, Result<$crate::Page<$item>, $crate::Error>>
            {
                Box::pin(async move {
                    let query = self.query()?;
                    $crate::pagination::PageQuery::fetch(
                        &query,
                        self.limits.start.as_deref(),
                        $crate::pagination::fetch::PageCall::default(),
                    )
                    .await
                })
            }

            /// Every page, fetched lazily as the stream is polled.
            pub fn pages(self) -> $crate::PageStream<$item> {
                let query = self.query();
                $crate::PageStream::new(query, self.limits)
            }

            /// Every item across pages, fetched lazily.
            pub fn stream(self) -> $crate::ItemStream<$item> {
                self.pages().items()
            }
        }
    };
}

pub(crate) use list_request;

/// The rules of a walk, whatever fetches its pages: where it is, when it
/// stops (no cursor, `max_pages`, an error), and the loop guard.
pub(crate) struct Cursors {
    operation: &'static str,
    cursor: Option<String>,
    fetched: u64,
    max_pages: Option<u64>,
    shared_budget: Option<Arc<AtomicU64>>,
    /// Hashes of every cursor seen, to spot a loop in constant space per page.
    seen: HashSet<u64>,
    /// Set once the walk has ended, with an error still to yield.
    ending: Option<Option<Error>>,
}

impl Cursors {
    pub(crate) fn new(operation: &'static str, limits: &WalkLimits) -> Self {
        let mut cursors = Self {
            operation,
            cursor: None,
            fetched: 0,
            max_pages: limits.max_pages,
            shared_budget: limits.shared_budget.clone(),
            seen: HashSet::default(),
            ending: None,
        };
        if let Some(start) = limits.start.clone().filter(|c| !c.is_empty()) {
            cursors.seen.insert(cursor_hash(&start));
            cursors.cursor = Some(start);
        }
        cursors
    }

    /// Before a fetch: `Err(end)` when the walk is over (`end` is what is
    /// left to yield), else `Ok(cursor)` for the page to fetch.
    pub(crate) fn next_cursor(&mut self) -> Result<Option<String>, Option<Error>> {
        if let Some(ending) = &mut self.ending {
            return Err(ending.take());
        }
        let budget_spent = self.shared_budget.as_ref().is_some_and(|left| {
            left.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_err()
        });
        if budget_spent || self.max_pages.is_some_and(|max| self.fetched >= max) {
            self.ending = Some(None);
            return Err(None);
        }
        self.fetched += 1;
        Ok(self.cursor.clone())
    }

    /// After a fetch: what to yield, and where the walk goes next.
    fn after(&mut self, fetched: Result<AnyPage, Error>) -> Result<AnyPage, Error> {
        let page = match fetched {
            Ok(page) => page,
            Err(error) => {
                self.ending = Some(None);
                return Err(error.on_page(self.fetched));
            }
        };
        self.advance(page.next_page.as_deref());
        Ok(page)
    }

    /// Where the walk goes after the page just fetched, given its next
    /// cursor: on to it, or to the end (no cursor, or one seen before).
    pub(crate) fn advance(&mut self, next: Option<&str>) {
        match next.filter(|c| !c.is_empty()) {
            None => self.ending = Some(None),
            Some(next) if !self.seen.insert(cursor_hash(next)) => {
                self.ending = Some(Some(Error::RepeatedCursor {
                    operation: self.operation,
                    page: self.fetched,
                    cursor: next.to_string(),
                }));
            }
            Some(next) => self.cursor = Some(next.to_string()),
        }
    }
}

/// The state of one walk between pages.
struct Walk {
    query: Arc<dyn AnyQuery>,
    cursors: Cursors,
}

/// The pages of one walk, as [`PageStream::new`] describes; not generic,
/// so compiled once.
fn walk(
    query: Arc<dyn AnyQuery>,
    limits: WalkLimits,
) -> BoxStream<'static, Result<AnyPage, Error>> {
    let depth = limits.prefetch;
    let walk = Walk {
        cursors: Cursors::new(query.operation(), &limits),
        query,
    };
    if depth == 0 {
        sequential(walk)
    } else {
        prefetching(walk, depth)
    }
}

impl Walk {
    async fn next(&mut self) -> Option<Result<AnyPage, Error>> {
        let cursor = match self.cursors.next_cursor() {
            Ok(cursor) => cursor,
            Err(end) => return end.map(Err),
        };
        let page = self.cursors.fetched;
        let at = PageCall {
            page: Some(page),
            hook: None,
        };
        let fetched = self.query.fetch_any(cursor.as_deref(), at).await;
        Some(self.cursors.after(fetched))
    }
}

fn sequential(walk: Walk) -> BoxStream<'static, Result<AnyPage, Error>> {
    stream::unfold(walk, |mut walk| async move {
        let next = walk.next().await?;
        Some((next, walk))
    })
    .boxed()
}

/// Runs `walk` in a task ([`produce`]), at most `depth` pages ahead of
/// the page the consumer is waiting for. The task starts on the first
/// poll and is aborted, with its requests in flight, when the stream is
/// dropped.
fn prefetching(walk: Walk, depth: usize) -> BoxStream<'static, Result<AnyPage, Error>> {
    let depth = depth.min(MAX_PREFETCH);
    let operation = walk.query.operation();
    stream::once(async move {
        // `Some(page)` for each page, then `None`: the walk ended. A channel
        // that closes without the `None` means the task died, and the
        // consumer says so instead of ending as if the list were complete.
        let (pages, received) = tokio::sync::mpsc::unbounded_channel();
        let pace = Arc::new(Pace::default());
        let producer = tokio::spawn(produce(walk, depth, pages, pace.clone()));
        let state = (received, pace, AbortOnDrop(Some(producer)));
        stream::unfold(
            state,
            move |(mut received, pace, mut producer)| async move {
                let next = match received.try_recv() {
                    Ok(next) => Some(next),
                    Err(tokio::sync::mpsc::error::TryRecvError::Empty) => {
                        // Waiting: the page waited for no longer counts as ahead.
                        pace.waiting.store(true, Ordering::Release);
                        pace.changed.notify_one();
                        let next = received.recv().await;
                        pace.waiting.store(false, Ordering::Release);
                        next
                    }
                    Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => None,
                };
                match next {
                    Some(Some(page)) => {
                        pace.taken.fetch_add(1, Ordering::AcqRel);
                        pace.changed.notify_one();
                        Some((page, (received, pace, producer)))
                    }
                    Some(None) => None,
                    None => {
                        let reason = producer.outcome().await;
                        let error = interrupted(operation, reason);
                        // Ends after this error: the channel is closed for good.
                        Some((Err(error), (received, pace, producer)))
                    }
                }
            },
        )
        .scan(false, |failed, item| {
            // Nothing after an interruption.
            let stop = *failed;
            *failed = matches!(item, Err(Error::Interrupted { .. }));
            futures::future::ready((!stop).then_some(item))
        })
    })
    .flatten()
    .boxed()
}

/// How far the look-ahead may run: pages the consumer took, and whether it
/// is waiting for one now.
#[derive(Default)]
struct Pace {
    taken: AtomicU64,
    waiting: AtomicBool,
    /// Signalled when either changes.
    changed: tokio::sync::Notify,
}

impl Pace {
    /// Whether a page may be started when `started` were: fewer than
    /// `depth` pages beyond the one the consumer waits for (or, when it
    /// is not waiting, beyond the one it holds) may be on their way.
    fn allows(&self, started: u64, depth: usize) -> bool {
        let taken = self.taken.load(Ordering::Acquire);
        let waiting = u64::from(self.waiting.load(Ordering::Acquire));
        started.saturating_sub(taken).saturating_sub(waiting) < depth as u64
    }
}

/// A page being fetched (and decoded).
struct Fetching {
    /// Its number in the walk, from 1.
    page: u64,
    /// Its next cursor as read from its bytes, once read.
    early: Option<Option<String>>,
}

/// A page's fetch, its panic caught (as the reason the walk stops).
type Fetch = BoxFuture<'static, Result<Result<AnyPage, Error>, String>>;

/// A page's fetch: polled by the look-ahead's task itself on a
/// current-thread runtime (a task of its own would only add a spawn and a
/// join per page), in a task of its own on a multi-thread runtime, where
/// it is decoded on another worker while the look-ahead goes on (aborted
/// if the walk is dropped first).
fn fetch(query: Arc<dyn AnyQuery>, cursor: Option<String>, at: PageCall, own_task: bool) -> Fetch {
    let fetch = caught(async move { query.fetch_any(cursor.as_deref(), at).await });
    if !own_task {
        return fetch;
    }
    let mut task = AbortOnDrop(Some(tokio::spawn(fetch)));
    async move { task.join().await.and_then(|fetched| fetched) }.boxed()
}

/// `fetch`, its panic caught as the reason the walk stops.
fn caught(fetch: impl Future<Output = Result<AnyPage, Error>> + Send + 'static) -> Fetch {
    std::panic::AssertUnwindSafe(fetch)
        .catch_unwind()
        .map(|caught| {
            caught
                .map_err(|payload| format!("a page's fetch panicked: {}", panic_message(&*payload)))
        })
        .boxed()
}

/// The look-ahead: fetches pages, several at once, and hands them over in
/// order (see [`fetch`] for where each runs). A page's next cursor is read from its bytes as they
/// arrive (`transport::cursor::read_cursor`, by the transport), so the
/// request for the next page goes out while this one is decoded: decoding
/// overlaps the network instead of adding to it. When the cursor cannot
/// be read ahead, the decoded page gives it, as in a sequential walk.
async fn produce(
    walk: Walk,
    depth: usize,
    pages: tokio::sync::mpsc::UnboundedSender<Option<Result<AnyPage, Error>>>,
    pace: Arc<Pace>,
) {
    let Walk { query, mut cursors } = walk;
    let operation = query.operation();
    let mut queue: VecDeque<Fetching> = VecDeque::new();
    let mut in_flight: futures::stream::FuturesOrdered<Fetch> = Default::default();
    let own_tasks = matches!(
        tokio::runtime::Handle::current().runtime_flavor(),
        tokio::runtime::RuntimeFlavor::MultiThread
    );
    // Whether the cursor of the next page is known (the first one is).
    let mut next_known = true;
    // The cursor read ahead from the newest page, when it comes.
    let mut early: Option<tokio::sync::oneshot::Receiver<Option<String>>> = None;
    let mut started = 0u64;
    loop {
        if next_known && cursors.ending.is_none() && pace.allows(started, depth) {
            // `Err` only when `max_pages` is reached (the walk then ends).
            if let Ok(cursor) = cursors.next_cursor() {
                let page = cursors.fetched;
                let (hook, read_ahead) = tokio::sync::oneshot::channel();
                let at = PageCall {
                    page: Some(page),
                    hook: Some(hook),
                };
                in_flight.push_back(fetch(query.clone(), cursor, at, own_tasks));
                queue.push_back(Fetching { page, early: None });
                early = Some(read_ahead);
                next_known = false;
                started += 1;
                continue;
            }
        }
        if queue.is_empty() && cursors.ending.is_some() {
            // An error still to yield (a repeated cursor), then the end.
            if let Some(Some(error)) = cursors.ending.take() {
                let _ = pages.send(Some(Err(error)));
            }
            let _ = pages.send(None);
            return;
        }
        tokio::select! {
            biased;
            read = async {
                match early.as_mut() {
                    Some(read_ahead) => read_ahead.await,
                    None => std::future::pending().await,
                }
            } => {
                early = None;
                // `Err`: it could not be read ahead; the decoded page says.
                if let Ok(next) = read {
                    if let Some(newest) = queue.back_mut() {
                        newest.early = Some(next.clone());
                    }
                    cursors.advance(next.as_deref());
                    next_known = true;
                }
            }
            done = in_flight.next(), if !in_flight.is_empty() => {
                let (Some(done), Some(head)) = (done, queue.pop_front()) else { continue };
                let page = match done {
                    Ok(Ok(page)) => page,
                    Ok(Err(error)) => {
                        let _ = pages.send(Some(Err(error.on_page(head.page))));
                        let _ = pages.send(None);
                        return;
                    }
                    Err(reason) => {
                        let _ = pages.send(Some(Err(interrupted(operation, reason))));
                        let _ = pages.send(None);
                        return;
                    }
                };
                match head.early {
                    // Read ahead: the decoded page must agree.
                    Some(read) if read != page.next_page => {
                        let reason = format!(
                            "page {}: the cursor read ahead differs from the decoded page's",
                            head.page
                        );
                        let _ = pages.send(Some(Err(interrupted(operation, reason))));
                        let _ = pages.send(None);
                        return;
                    }
                    Some(_) => {}
                    // Not read ahead (this was the newest page): the
                    // decoded page gives the way on.
                    None => {
                        early = None;
                        cursors.advance(page.next_page.as_deref());
                        next_known = true;
                    }
                }
                if pages.send(Some(Ok(page))).is_err() {
                    return;
                }
            }
            () = pace.changed.notified() => {}
        }
    }
}

/// The most pages a walk fetches ahead of its caller; a larger
/// `prefetch` is taken as this.
pub const MAX_PREFETCH: usize = 64;

/// What a panic said, when it said it as text.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

/// Aborts a task when dropped.
struct AbortOnDrop<T>(Option<tokio::task::JoinHandle<T>>);

impl<T> AbortOnDrop<T> {
    /// The task's output, or why there is none: its panic, or its
    /// cancellation.
    async fn join(&mut self) -> Result<T, String> {
        let Some(handle) = self.0.as_mut() else {
            return Err("the look-ahead task is gone".to_string());
        };
        let joined = handle.await;
        self.0 = None;
        joined.map_err(|e| {
            if e.is_panic() {
                let payload = e.into_panic();
                format!("the look-ahead task panicked: {}", panic_message(&*payload))
            } else {
                "the look-ahead task was cancelled".to_string()
            }
        })
    }
}

impl AbortOnDrop<()> {
    /// Why the producer ended without its end marker.
    async fn outcome(&mut self) -> String {
        match self.join().await {
            Ok(()) => "the look-ahead task stopped before the last page".to_string(),
            Err(reason) => reason,
        }
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.0 {
            handle.abort();
        }
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
    pub(crate) fn new<Q: PageQuery<Item = T>>(query: Result<Q, Error>, limits: WalkLimits) -> Self {
        let inner = match query {
            Ok(query) => walk(Arc::new(query), limits)
                .map(|page| page.and_then(|page| page.into_page(Q::OPERATION)))
                .boxed(),
            Err(error) => stream::once(async move { Err(error) }).boxed(),
        };
        Self { inner }
    }

    /// The pages of several walks, run `concurrency` at a time and merged
    /// in the order pages arrive. The first error ends the merged stream
    /// (and drops the other walks).
    pub(crate) fn merge(walks: Vec<PageStream<T>>, concurrency: usize) -> Self {
        let merged = stream::iter(walks).flatten_unordered(concurrency.max(1));
        let inner = merged
            .scan(false, |failed, item| {
                let next = (!*failed).then(|| {
                    *failed = item.is_err();
                    item
                });
                futures::future::ready(next)
            })
            .boxed();
        Self { inner }
    }

    /// The items of every page, in order.
    pub fn items(self) -> ItemStream<T> {
        ItemStream {
            pages: Some(self),
            current: Vec::new().into_iter(),
        }
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
    /// The pages still to come; `None` once they have ended.
    pages: Option<PageStream<T>>,
    /// The items of the page being handed out: each poll takes the next
    /// one from here, and only an empty page polls the walk.
    current: std::vec::IntoIter<T>,
}

// Nothing of an `ItemStream` is pinned: the pages are a boxed stream and
// the items are moved out of their vector.
impl<T> Unpin for ItemStream<T> {}

impl<T> Stream for ItemStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            let Some(pages) = this.pages.as_mut() else {
                return Poll::Ready(None);
            };
            match std::task::ready!(pages.poll_next_unpin(cx)) {
                Some(Ok(page)) => this.current = page.data.into_iter(),
                // The walk decides whether anything follows an error.
                Some(Err(error)) => return Poll::Ready(Some(Err(error))),
                None => {
                    this.pages = None;
                    return Poll::Ready(None);
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.current.len();
        (left, self.pages.is_none().then_some(left))
    }
}

/// Ended for good: every page walked, or the walk stopped.
impl<T> futures::stream::FusedStream for ItemStream<T> {
    fn is_terminated(&self) -> bool {
        self.pages.is_none() && self.current.len() == 0
    }
}

impl<T> std::fmt::Debug for ItemStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream").finish_non_exhaustive()
    }
}

/// How many partitions of a walk run at once unless
/// [`Partitioned::concurrency`] says otherwise: however many partitions
/// there are, no more requests than this are in flight together (plus
/// their look-ahead).
pub const DEFAULT_PARTITION_CONCURRENCY: usize = 8;

/// Several walks of one list, run concurrently and merged: built by
/// `partition_by_*` methods such as
/// [`UsageList::partition_by_customers`](crate::requests::UsageList::partition_by_customers).
#[must_use = "a partitioned walk does nothing until streamed"]
pub struct Partitioned<T> {
    walks: Result<Vec<PageStream<T>>, Error>,
    concurrency: Option<usize>,
}

impl<T: Send + 'static> Partitioned<T> {
    pub(crate) fn new(walks: Result<Vec<PageStream<T>>, Error>) -> Self {
        Self {
            walks,
            concurrency: None,
        }
    }

    /// How many partitions are walked at once (default
    /// [`DEFAULT_PARTITION_CONCURRENCY`]; 0 is taken as 1).
    pub fn concurrency(mut self, walks: usize) -> Self {
        self.concurrency = Some(walks.max(1));
        self
    }

    /// How many partitions there are (0 when the request is invalid).
    pub fn len(&self) -> usize {
        self.walks.as_ref().map_or(0, Vec::len)
    }

    /// Whether there is no partition (an invalid request).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every page of every partition, as they arrive. The first error ends
    /// the stream.
    pub fn pages(self) -> PageStream<T> {
        match self.walks {
            Ok(walks) => {
                let concurrency = self.concurrency.unwrap_or(DEFAULT_PARTITION_CONCURRENCY);
                PageStream::merge(walks, concurrency)
            }
            Err(error) => PageStream {
                inner: stream::once(async move { Err(error) }).boxed(),
            },
        }
    }

    /// Every item of every partition, as pages arrive.
    pub fn stream(self) -> ItemStream<T> {
        self.pages().items()
    }
}

impl<T> std::fmt::Debug for Partitioned<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partitioned")
            .field("partitions", &self.walks.as_ref().map(Vec::len))
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

/// A walk that stopped because a task it depended on died: says what
/// happened and that the pages before were delivered once.
fn interrupted(operation: &'static str, reason: String) -> Error {
    Error::Interrupted {
        operation,
        reason: format!("the walk stopped: {reason}; every page before it was delivered once"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    /// Pages of one item each, numbered from 1, with a cursor to the next;
    /// fetching page `panic_on` panics.
    struct Pages {
        last: u64,
        panic_on: Option<u64>,
    }

    impl PageQuery for Pages {
        type Item = u64;
        const OPERATION: &'static str = "test_pages";

        fn fetch<'a>(
            &'a self,
            cursor: Option<&'a str>,
            _at: PageCall,
        ) -> BoxFuture<'a, Result<Page<u64>, Error>> {
            Box::pin(async move {
                let n: u64 = cursor.map_or(1, |c| c.parse().unwrap());
                if Some(n) == self.panic_on {
                    panic!("page {n} blew up");
                }
                let next = (n < self.last).then(|| (n + 1).to_string());
                Ok(Page::new(
                    vec![n],
                    next,
                    reqwest::StatusCode::OK,
                    Default::default(),
                ))
            })
        }
    }

    fn walk(query: Pages, prefetch: usize) -> PageStream<u64> {
        let limits = WalkLimits {
            prefetch,
            ..WalkLimits::default()
        };
        PageStream::new(Ok(query), limits)
    }

    #[tokio::test]
    async fn a_panic_in_the_look_ahead_is_an_error_not_a_short_list() {
        for prefetch in [1, 2] {
            let results: Vec<_> = walk(
                Pages {
                    last: 42,
                    panic_on: Some(11),
                },
                prefetch,
            )
            .collect()
            .await;
            let pages: Vec<u64> = results
                .iter()
                .filter_map(|r| r.as_ref().ok())
                .flat_map(|p| p.data.clone())
                .collect();
            assert_eq!(pages, (1..=10).collect::<Vec<_>>(), "prefetch {prefetch}");
            let last = results.last().unwrap().as_ref().unwrap_err();
            assert!(
                matches!(last, Error::Interrupted { .. }),
                "prefetch {prefetch}: {last:?}"
            );
            assert!(last.to_string().contains("page 11 blew up"), "{last}");
            assert_eq!(results.len(), 11, "nothing after the error");
        }
    }

    #[tokio::test]
    async fn any_prefetch_depth_walks_every_page() {
        for prefetch in [0, 1, 64, 65, usize::MAX] {
            let pages: Vec<_> = walk(
                Pages {
                    last: 5,
                    panic_on: None,
                },
                prefetch,
            )
            .collect()
            .await;
            assert_eq!(pages.len(), 5, "prefetch {prefetch}");
            assert!(pages.iter().all(Result::is_ok));
        }
    }

    #[tokio::test]
    async fn items_come_in_order_then_nothing_however_often_polled() {
        for prefetch in [0, 1] {
            let pages = Pages {
                last: 3,
                panic_on: None,
            };
            let mut items = walk(pages, prefetch).items();
            for n in 1..=3 {
                assert_eq!(
                    items.next().await.unwrap().unwrap(),
                    n,
                    "prefetch {prefetch}"
                );
            }
            assert!(!futures::stream::FusedStream::is_terminated(&items));
            for _ in 0..3 {
                assert!(items.next().await.is_none(), "prefetch {prefetch}");
            }
            assert_eq!(items.size_hint(), (0, Some(0)));
            assert!(futures::stream::FusedStream::is_terminated(&items));
        }
    }

    #[tokio::test]
    async fn items_stop_at_a_failed_page_with_its_error() {
        for prefetch in [1, 2] {
            let pages = Pages {
                last: 42,
                panic_on: Some(4),
            };
            let mut items = walk(pages, prefetch).items();
            for n in 1..=3 {
                assert_eq!(
                    items.next().await.unwrap().unwrap(),
                    n,
                    "prefetch {prefetch}"
                );
            }
            let error = items.next().await.unwrap().unwrap_err();
            assert!(
                error.to_string().contains("page 4 blew up"),
                "prefetch {prefetch}: {error}"
            );
            for _ in 0..3 {
                assert!(items.next().await.is_none(), "prefetch {prefetch}");
            }
        }
    }
}
