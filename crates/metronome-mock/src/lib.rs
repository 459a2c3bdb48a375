//! A fake [Metronome](https://metronome.com) API on 127.0.0.1, for tests,
//! examples and benchmarks: no account, no network.
//!
//! - **Every operation of `openapi.yaml`** is answered. Each request is
//!   checked against the description first (unknown path 404, wrong
//!   method 405, a missing or mistyped parameter or field, a value outside
//!   its enum or bounds: 400 `{message}` naming the field; unknown body
//!   fields are ignored, as Metronome does). Operations without behaviour
//!   of their own answer plausible, seeded values of their schema, paged
//!   and consistent by id (see [`UnknownIds`]).
//! - **Memory**: customers, billable metrics, products, rate cards and
//!   rates, contracts (v1 and v2), commits, credits, credit grants, alerts,
//!   custom fields and invoices are kept in a store: what a create sent
//!   reads back, lists (filtered as the description says) and changes with
//!   updates and archives. The description says which operations do what
//!   (`x-mock-state`); the crate's README lists them.
//! - **Real behaviour** of `POST /v1/usage`,
//!   `GET /v1/customers/{customer_id}/costs`, `POST /v1/ingest`,
//!   `POST /v1/usage/groups` and `POST /v1/contracts/customerBalances/list`:
//!   filters, `group_by` (with
//!   `null` for a value that matches nothing), `window_size` in any case,
//!   `limit` 1..=100, opaque cursors that only work for the query that made
//!   them, `next_page: null` on the last page, 401 without the token, 400
//!   `{message}` on a bad request, 404 for an unknown customer.
//! - **Seeded data** of any size, computed on demand ([`Dataset`]).
//! - **Faults** per request, persistent, or at a seeded random rate
//!   ([`Fault`], [`Faults`]).
//! - **A request log** with the token masked ([`LoggedRequest`]).
//!
//! ```no_run
//! # async fn run() {
//! use metronome_mock::{Fault, MockMetronome};
//!
//! let mock = MockMetronome::builder().customers(10).days(30).start().await;
//! mock.faults().push(Fault::status(429).with_header("retry-after", "0"));
//! // point a client at mock.base_url() with mock.token() …
//! assert!(mock.requests().is_empty());
//! # }
//! ```
//!
//! The server stops when the [`MockMetronome`] is dropped.

mod cursor;
mod dataset;
mod faults;
mod log;
mod openapi;
mod routes;
mod server;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use tokio::sync::oneshot;

pub use dataset::{
    Customer, Dataset, DatasetSize, GROUP_KEY, MAX_DAYS, Metric, PLATFORM_FEE, REGIONS,
    USD_CREDIT_TYPE, USD_NAME, UsageRow,
};
pub use faults::{Fault, Faults};
pub use log::LoggedRequest;
pub use routes::Cursors;
pub use routes::described::UnknownIds;
pub use routes::ingest::IngestedEvent;

/// Puts the seeded entities into the store and their ids among the known.
fn seed_memory(shared: &server::Shared) {
    let seeded = routes::catalog::seeded(openapi::Api::get(), &shared.data);
    shared.ids.reset(seeded.iter().map(|(_, id, _)| id.clone()));
    shared.store.reset(seeded);
}

/// An entity the mock remembers ([`MockMetronome::remembered`]).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Remembered {
    /// Its id (for a custom field key, `entity/key`).
    pub id: String,
    /// What requests said about it, and what the mock added: the fields
    /// a create sent, those updates changed, `created_at`, `updated_at`,
    /// `archived_at`.
    pub facts: serde_json::Map<String, serde_json::Value>,
    /// Whether it was archived (or voided).
    pub archived: bool,
}

/// The token a mock accepts unless another is configured.
pub const DEFAULT_TOKEN: &str = "metronome-mock-token";

/// A running fake Metronome. Dropping it stops the server.
#[derive(Debug)]
pub struct MockMetronome {
    addr: SocketAddr,
    shared: Arc<server::Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl MockMetronome {
    /// Starts a mock with the default dataset ([`DatasetSize::default`]) on
    /// an ephemeral port. Must run inside a tokio runtime.
    pub async fn start() -> Self {
        Self::builder().start().await
    }

    /// Configures a mock.
    pub fn builder() -> MockBuilder {
        MockBuilder::default()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the mock listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bearer token the mock accepts.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The data it serves, to compute what a client should receive.
    pub fn dataset(&self) -> &Dataset {
        &self.shared.data
    }

    /// Its faults, to inject more at any time.
    pub fn faults(&self) -> &Faults {
        &self.shared.faults
    }

    /// The requests received so far (the most recent, up to the log's
    /// capacity), oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.log.entries()
    }

    /// Bytes the request log holds: bodies (at most 64 KiB per request),
    /// paths, queries and headers, 64 MiB in all; for a request without the token,
    /// its method and the first 256 characters of its path only.
    pub fn log_bytes(&self) -> usize {
        self.shared.log.bytes()
    }

    /// How many requests were received, whatever the log's capacity.
    pub fn request_count(&self) -> u64 {
        self.shared.log.total()
    }

    /// The events `POST /v1/ingest` accepted, once per transaction id, in
    /// the order they arrived.
    pub fn ingested_events(&self) -> Vec<IngestedEvent> {
        faults::lock(&self.shared.ingested).events.clone()
    }

    /// What the mock remembers of a collection (`"customer"`,
    /// `"contract"`, `"credit_grant"`: the entity names of the crate's
    /// README, "What it remembers"), in list order: seeded entities, then
    /// those created through the API. Each comes with the facts it was
    /// given (what the requests sent, and `created_at`, `updated_at`,
    /// `archived_at`), so a test can check server-side what the code
    /// under test created. An unknown name has none.
    ///
    /// ```no_run
    /// # async fn run(mock: metronome_mock::MockMetronome) {
    /// let customers = mock.remembered("customer");
    /// let created = customers.last().unwrap();
    /// assert_eq!(created.facts["name"], "Acme");
    /// # }
    /// ```
    pub fn remembered(&self, collection: &str) -> Vec<Remembered> {
        self.shared
            .store
            .listed(collection)
            .into_iter()
            .map(|(id, facts, archived)| Remembered {
                id,
                facts,
                archived,
            })
            .collect()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.log.clear();
    }

    /// Back to the state the mock started in, its configuration kept: no
    /// request logged or counted, no fault queued or counted, no event
    /// ingested, no entity created or changed, only the seeded ids known (those it handed out since are
    /// forgotten), the cursor counter at its start. The same requests then
    /// get the same answers as after `start()`, cursors included.
    pub fn reset(&self) {
        use std::sync::atomic::Ordering;
        let shared = &self.shared;
        shared.log.reset();
        shared.faults.reset();
        *faults::lock(&shared.ingested) = Default::default();
        seed_memory(shared);
        shared.nonce.store(0, Ordering::Relaxed);
        shared.busy_nanos.store(0, Ordering::Relaxed);
        shared.max_in_flight.store(0, Ordering::Relaxed);
        if let Some(cache) = &shared.cache {
            cache.clear();
        }
    }

    /// The most requests that were being answered at the same moment so
    /// far (a client's concurrency, seen from the server).
    pub fn max_concurrent_requests(&self) -> u64 {
        self.shared
            .max_in_flight
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Time spent building answers (pages, errors) so far, configured
    /// latency and delays excluded: divided by [`request_count`](Self::request_count),
    /// the server's own cost per request.
    pub fn busy_time(&self) -> Duration {
        Duration::from_nanos(
            self.shared
                .busy_nanos
                .load(std::sync::atomic::Ordering::Relaxed),
        )
    }
}

impl Drop for MockMetronome {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        self.task.abort();
    }
}

/// Configures a [`MockMetronome`].
#[derive(Debug, Clone)]
pub struct MockBuilder {
    size: DatasetSize,
    token: String,
    usage_page_size: usize,
    costs_default_limit: usize,
    latency: Duration,
    log_capacity: usize,
    prerender: bool,
    unknown_ids: UnknownIds,
    cursors: Cursors,
    port: u16,
    echo_requests: bool,
    read_timeout: Duration,
    max_connections: usize,
}

/// How long a client may take to send a request's head, and then its body
/// (each), by default.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(15);

/// Connections open at once by default; more are closed as they arrive.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

impl Default for MockBuilder {
    fn default() -> Self {
        Self {
            size: DatasetSize::default(),
            token: DEFAULT_TOKEN.to_string(),
            usage_page_size: 100,
            costs_default_limit: 20,
            latency: Duration::ZERO,
            log_capacity: 100_000,
            prerender: false,
            unknown_ids: UnknownIds::Serve,
            cursors: Cursors::Strict,
            port: 0,
            echo_requests: false,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl MockBuilder {
    /// How many customers (default 3).
    pub fn customers(mut self, n: usize) -> Self {
        self.size.customers = n;
        self
    }

    /// How many billable metrics (default 2).
    pub fn metrics(mut self, n: usize) -> Self {
        self.size.metrics = n;
        self
    }

    /// How many days of usage (default 7; at most [`MAX_DAYS`]).
    pub fn days(mut self, n: u32) -> Self {
        self.size.days = n;
        self
    }

    /// The first day of usage (default 2024-01-01).
    pub fn first_day(mut self, day: NaiveDate) -> Self {
        self.size.start = day;
        self
    }

    /// The seed of every id and value (default 42).
    pub fn seed(mut self, seed: u64) -> Self {
        self.size.seed = seed;
        self
    }

    /// The token to accept (default [`DEFAULT_TOKEN`]).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = token.into();
        self
    }

    /// Usage aggregates per page (default 100; the API has no `limit` for
    /// usage, the server chooses).
    pub fn usage_page_size(mut self, n: usize) -> Self {
        self.usage_page_size = n.max(1);
        self
    }

    /// Days of costs per page when the request gives no `limit` (default 20).
    pub fn costs_default_limit(mut self, n: usize) -> Self {
        self.costs_default_limit = n.clamp(1, 100);
        self
    }

    /// A delay added to every API response, like a network round trip.
    pub fn latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// How many requests the log keeps (default 100,000; the oldest go
    /// first; 0 keeps none).
    pub fn log_capacity(mut self, n: usize) -> Self {
        self.log_capacity = n;
        self
    }

    /// What a request naming an id the mock never seeded nor handed out
    /// gets (default [`UnknownIds::Serve`]: an answer made from the id).
    pub fn unknown_ids(mut self, unknown: UnknownIds) -> Self {
        self.unknown_ids = unknown;
        self
    }

    /// What a cursor the mock did not issue for the query gets (default
    /// [`Cursors::Strict`]: 400). [`Cursors::AcceptAny`] serves the first
    /// page instead, for test suites written against a mock that took any
    /// cursor.
    pub fn cursors(mut self, cursors: Cursors) -> Self {
        self.cursors = cursors;
        self
    }

    /// Prints a line for each request to standard output (the credential
    /// masked), as the `metronome-mock` server does (default off).
    pub fn echo_requests(mut self, on: bool) -> Self {
        self.echo_requests = on;
        self
    }

    /// How long a client may take to send a request's head, and then its
    /// body (default [`DEFAULT_READ_TIMEOUT`]): a connection whose head is
    /// not in by then is closed (an idle keep-alive connection too), a
    /// body not in by then is answered 408. A client that sends slowly
    /// cannot hold the mock's connections or memory.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Connections open at once (default [`DEFAULT_MAX_CONNECTIONS`]); one
    /// more is closed as soon as it is accepted.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The port to listen on, on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Keeps every page it renders and serves it again from memory
    /// (default off). For benchmarks, where the server must cost next to
    /// nothing; memory grows with every distinct page served.
    pub fn prerender(mut self, on: bool) -> Self {
        self.prerender = on;
        self
    }

    /// Starts the mock on 127.0.0.1, on an ephemeral port unless
    /// [`port`](Self::port) says otherwise.
    ///
    /// # Panics
    ///
    /// If no loopback port can be bound, which a test cannot recover from.
    pub async fn start(self) -> MockMetronome {
        self.try_start()
            .await
            .expect("metronome-mock: cannot bind a port on 127.0.0.1")
    }

    /// Starts the mock, or says why the port could not be bound.
    pub async fn try_start(self) -> std::io::Result<MockMetronome> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let data = Dataset::new(&self.size);
        let shared = Arc::new(server::Shared {
            data,
            ids: Default::default(),
            store: Default::default(),
            unknown_ids: self.unknown_ids,
            cursors: self.cursors,
            token: self.token,
            usage_page_size: self.usage_page_size,
            costs_default_limit: self.costs_default_limit,
            latency: self.latency,
            faults: Faults::default(),
            log: log::RequestLog::new(self.log_capacity, self.echo_requests),
            nonce: Default::default(),
            cache: self.prerender.then(Default::default),
            ingested: Default::default(),
            busy_nanos: Default::default(),
            in_flight: Default::default(),
            max_in_flight: Default::default(),
            read_timeout: self.read_timeout,
            connections: Arc::new(tokio::sync::Semaphore::new(self.max_connections)),
        });
        seed_memory(&shared);
        let (shutdown, stopped) = oneshot::channel();
        let task = tokio::spawn(server::run(listener, shared.clone(), stopped));
        Ok(MockMetronome {
            addr,
            shared,
            shutdown: Some(shutdown),
            task,
        })
    }
}
