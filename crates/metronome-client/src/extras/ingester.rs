//! A pipeline for usage events: `client.usage().ingester()` batches what
//! many tasks send into `POST /v1/ingest` requests, keeps a bounded number
//! of them in flight, and accounts for every event it accepted.
//!
//! How it is built: producers put events into a bounded channel; one worker
//! task fills a batch from it and sends the batch when it is full or when
//! the flush interval has passed since its first event; each batch is its
//! own task, retried by the client's policy. Flushes and shutdowns travel
//! on a second, unbounded channel, so asking for one never waits behind a
//! full buffer.

use std::collections::HashMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metronome_types as types;
use tokio::sync::{mpsc, oneshot};
use tokio::task::{Id, JoinError, JoinSet};
use tokio::time::Instant;

use crate::operation::IntoValue;
use crate::requests::{Usage, UsageIngest};
use crate::transport::options::CallOptions;
use crate::{Client, Error};

/// Events the buffer holds by default before `send` waits.
pub const DEFAULT_BUFFER: usize = 10_000;

/// How long a batch waits for more events by default before it is sent.
pub const DEFAULT_FLUSH_INTERVAL: Duration = Duration::from_millis(500);

/// Requests in flight at once by default.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 4;

/// Failed events a report keeps by default until it is taken.
pub const DEFAULT_KEEP_FAILED: usize = 10_000;

const OPERATION: &str = "usage_ingest";

impl Usage<'_> {
    /// A pipeline that batches usage events into `POST /v1/ingest`
    /// requests: configure it, then [`start`](IngesterBuilder::start) it
    /// and [`send`](Ingester::send) events from as many tasks as you like.
    ///
    /// ```no_run
    /// use metronome_client::Event;
    /// # async fn run(client: metronome_client::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let ingester = client.usage().ingester().start()?;
    /// for n in 0..10_000 {
    ///     let event = Event::new(format!("req-{n}"), "customer-42", "api_call", "2024-01-01T12:00:00Z");
    ///     ingester.send(event).await?;
    /// }
    /// let report = ingester.shutdown().await?;
    /// for failure in &report.failures {
    ///     eprintln!("{} events not acknowledged: {}", failure.events.len(), failure.error);
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn ingester(&self) -> IngesterBuilder {
        IngesterBuilder::new(self.client.clone())
    }
}

type FailureHandler = Arc<dyn Fn(IngestFailure) + Send + Sync>;

/// Configures an [`Ingester`]; from `client.usage().ingester()`.
#[derive(Clone)]
#[must_use = "an ingester does nothing until it is started"]
pub struct IngesterBuilder {
    client: Client,
    batch_size: usize,
    flush_interval: Duration,
    max_in_flight: usize,
    buffer: usize,
    keep_failed: usize,
    options: CallOptions,
    on_failure: Option<FailureHandler>,
}

impl fmt::Debug for IngesterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IngesterBuilder")
            .field("batch_size", &self.batch_size)
            .field("flush_interval", &self.flush_interval)
            .field("max_in_flight", &self.max_in_flight)
            .field("buffer", &self.buffer)
            .field("keep_failed", &self.keep_failed)
            .field("on_failure", &self.on_failure.is_some())
            .finish_non_exhaustive()
    }
}

impl IngesterBuilder {
    fn new(client: Client) -> Self {
        Self {
            client,
            batch_size: UsageIngest::MAX_ITEMS,
            flush_interval: DEFAULT_FLUSH_INTERVAL,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            buffer: DEFAULT_BUFFER,
            keep_failed: DEFAULT_KEEP_FAILED,
            options: CallOptions::default(),
            on_failure: None,
        }
    }

    /// Events per request: 1 to the API's maximum,
    /// [`UsageIngest::MAX_ITEMS`] (the default).
    pub fn batch_size(mut self, events: usize) -> Self {
        self.batch_size = events;
        self
    }

    /// How long a batch that is not full waits for more events, counted
    /// from its first event (default [`DEFAULT_FLUSH_INTERVAL`]). This
    /// bounds how late an event arrives when traffic is light.
    pub fn flush_interval(mut self, interval: Duration) -> Self {
        self.flush_interval = interval;
        self
    }

    /// Requests in flight at once (default [`DEFAULT_MAX_IN_FLIGHT`]).
    /// When all are busy and a batch is full, the buffer fills and
    /// [`Ingester::send`] waits.
    pub fn max_in_flight(mut self, requests: usize) -> Self {
        self.max_in_flight = requests;
        self
    }

    /// Events the buffer holds before [`Ingester::send`] waits and
    /// [`Ingester::try_send`] hands events back (default
    /// [`DEFAULT_BUFFER`]).
    pub fn buffer(mut self, events: usize) -> Self {
        self.buffer = events;
        self
    }

    /// Failed events a report keeps until it is taken (default
    /// [`DEFAULT_KEEP_FAILED`]). A failed batch that would take the report
    /// past this is counted in [`IngestReport::failed`] and
    /// [`IngestReport::not_kept`], logged with its error, and its events
    /// dropped: without an [`on_failure`](Self::on_failure) handler, a long
    /// outage between two flushes would otherwise hold every event it
    /// failed. `0` keeps none (the counts only).
    pub fn keep_failed(mut self, events: usize) -> Self {
        self.keep_failed = events;
        self
    }

    /// Retries of each batch, instead of the client's policy. Retrying a
    /// batch is safe: Metronome counts an event once per `transaction_id`.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.options.max_retries = Some(retries);
        self
    }

    /// The time limit of each attempt of each batch, instead of the
    /// client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }

    /// Hands each failed batch to `handler` as it fails, instead of keeping
    /// it for the next [`IngestReport`]: for a long-running ingester whose
    /// failures should go somewhere (a dead-letter queue, a metric) without
    /// waiting for a flush. The handler runs on the ingester's task: keep it
    /// short. Reports still count the failed events.
    pub fn on_failure(mut self, handler: impl Fn(IngestFailure) + Send + Sync + 'static) -> Self {
        self.on_failure = Some(Arc::new(handler));
        self
    }

    /// Starts the ingester's task on the current Tokio runtime.
    ///
    /// Fails with [`Error::Config`] when a setting is out of range or when
    /// called outside a Tokio runtime.
    pub fn start(self) -> Result<Ingester, Error> {
        let max = UsageIngest::MAX_ITEMS;
        if !(1..=max).contains(&self.batch_size) {
            return Err(Error::Config(format!(
                "ingester batch_size must be 1 to {max} (the API's limit per request), got {}",
                self.batch_size
            )));
        }
        for (name, value) in [
            ("max_in_flight", self.max_in_flight),
            ("buffer", self.buffer),
        ] {
            if value == 0 {
                return Err(Error::Config(format!("ingester {name} must be at least 1")));
            }
        }
        // tokio's channels take at most this many slots.
        let most = tokio::sync::Semaphore::MAX_PERMITS;
        if self.buffer > most {
            return Err(Error::Config(format!(
                "ingester buffer must be at most {most} events, got {}",
                self.buffer
            )));
        }
        if self.flush_interval.is_zero() {
            return Err(Error::Config(
                "ingester flush_interval must be longer than zero".into(),
            ));
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Error::Config("an ingester runs on a Tokio runtime: start it from inside one".into())
        })?;
        let (events_tx, events) = mpsc::channel(self.buffer);
        let (control_tx, control) = mpsc::unbounded_channel();
        let shared = Arc::new(Shared::default());
        let worker = Worker {
            client: self.client,
            events,
            control,
            shared: shared.clone(),
            batch: Vec::with_capacity(self.batch_size),
            batch_size: self.batch_size,
            flush_interval: self.flush_interval,
            deadline: Instant::now(),
            max_in_flight: self.max_in_flight,
            options: self.options,
            in_flight: JoinSet::new(),
            batches: HashMap::new(),
            keep_failed: self.keep_failed,
            on_failure: self.on_failure,
        };
        runtime.spawn(worker.run());
        Ok(Ingester {
            events: events_tx,
            control: control_tx,
            shared: shared.clone(),
            _last: Arc::new(LastHandle { shared }),
        })
    }
}

/// A running pipeline of usage events: cheap to clone, `Send + Sync`, for
/// any number of producer tasks.
///
/// - **Batches**: events go out in `POST /v1/ingest` requests of up to
///   [`batch_size`](IngesterBuilder::batch_size) events, when a batch is
///   full or its [`flush_interval`](IngesterBuilder::flush_interval) has
///   passed, at most [`max_in_flight`](IngesterBuilder::max_in_flight) at
///   once. Each batch is retried by the client's [`RetryPolicy`](crate::RetryPolicy):
///   Metronome counts an event once per `transaction_id`, so a batch sent
///   twice (after a timeout whose request did arrive) is counted once.
/// - **Backpressure, not loss**: the buffer is bounded. When it is full,
///   [`send`](Self::send) waits and [`try_send`](Self::try_send) hands the
///   event back. At most `buffer + (max_in_flight + 1) × batch_size +
///   keep_failed` events are held at once, whatever the producers and the
///   server do (the last term: failed events a report keeps until it is
///   taken, see [`keep_failed`](IngesterBuilder::keep_failed)).
/// - **Checked on the way in**: an event with a blank id or a timestamp
///   that is not RFC 3339 fails at `send`, not in a batch with 99 good
///   ones.
/// - **Every accepted event is accounted for**: [`flush`](Self::flush) and
///   [`shutdown`](Self::shutdown) return once each event accepted before
///   them was acknowledged by the server or reported failed, with the
///   error (a 400 names what was wrong; a batch that used up its retries
///   reports all its events). A failed event may still have arrived (a
///   timeout says nothing of the request): sending it again is safe.
/// - **Dropping** every handle without [`shutdown`](Self::shutdown) stops
///   intake; the task still sends what it holds while the runtime runs,
///   and logs (with `tracing`) how many events were pending and any
///   failures, since nobody is left to receive a report. Events still held
///   when the runtime itself stops are lost: call `shutdown` before
///   leaving `main`.
///
/// ```no_run
/// use std::time::Duration;
/// use metronome_client::Event;
/// # async fn run(client: metronome_client::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let ingester = client
///     .usage()
///     .ingester()
///     .flush_interval(Duration::from_millis(200))
///     .max_in_flight(8)
///     .start()?;
///
/// let mut producers = Vec::new();
/// for worker in 0..8 {
///     let ingester = ingester.clone();
///     producers.push(tokio::spawn(async move {
///         for n in 0..1_000 {
///             let id = format!("worker-{worker}-{n}");
///             let event = Event::new(id, "customer-42", "api_call", chrono::Utc::now());
///             ingester.send(event).await?;
///         }
///         Ok::<_, metronome_client::IngestSendError>(())
///     }));
/// }
/// for producer in producers {
///     producer.await??;
/// }
/// let report = ingester.shutdown().await?;
/// println!("{} acknowledged, {} failed", report.acknowledged, report.failed);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Ingester {
    events: mpsc::Sender<types::UsageEvent>,
    control: mpsc::UnboundedSender<Control>,
    shared: Arc<Shared>,
    /// Dropped with the last clone: warns about what was left pending.
    _last: Arc<LastHandle>,
}

impl fmt::Debug for Ingester {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ingester")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Ingester {
    /// Checks an event and queues it, waiting while the buffer is full.
    ///
    /// Fails with [`IngestSendError::Invalid`] when the event is invalid
    /// (nothing queued) and [`IngestSendError::Closed`], giving the event
    /// back, after [`shutdown`](Self::shutdown).
    pub async fn send(
        &self,
        event: impl IntoValue<types::UsageEvent>,
    ) -> Result<(), IngestSendError> {
        let event = checked(event)?;
        // The slot first, then the count: a `send` dropped while it waits
        // (a `select!`, a timeout) has counted nothing.
        let Ok(slot) = self.events.reserve().await else {
            return Err(IngestSendError::Closed(Box::new(event)));
        };
        self.shared.accepted.fetch_add(1, Ordering::Relaxed);
        slot.send(event);
        Ok(())
    }

    /// Checks an event and queues it if the buffer has room; when it has
    /// none, gives the event back ([`IngestSendError::Full`]) at once.
    pub fn try_send(
        &self,
        event: impl IntoValue<types::UsageEvent>,
    ) -> Result<(), IngestSendError> {
        let event = checked(event)?;
        match self.events.try_reserve() {
            Ok(slot) => {
                self.shared.accepted.fetch_add(1, Ordering::Relaxed);
                slot.send(event);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Full(())) => Err(IngestSendError::Full(Box::new(event))),
            Err(mpsc::error::TrySendError::Closed(())) => {
                Err(IngestSendError::Closed(Box::new(event)))
            }
        }
    }

    /// Sends the events queued so far without waiting for their batch to
    /// fill, and returns once every event accepted before this call was
    /// acknowledged or reported failed.
    ///
    /// The report covers everything finished since the previous report (of
    /// any clone's `flush` or `shutdown`). Intake pauses while the flush
    /// waits for requests in flight. Fails with [`Error::Interrupted`]
    /// only if the ingester's task is gone (it panicked, or its runtime
    /// stopped).
    pub async fn flush(&self) -> Result<IngestReport, Error> {
        self.ask(Control::Flush).await
    }

    /// Stops intake (for every clone: later sends get their event back),
    /// sends everything queued, waits for every request in flight, and
    /// returns the report of everything finished since the previous one.
    /// A second `shutdown` reports nothing new.
    pub async fn shutdown(self) -> Result<IngestReport, Error> {
        self.shared.shut_down.store(true, Ordering::Relaxed);
        self.ask(Control::Shutdown).await
    }

    /// Where the events are now: counts since the ingester started.
    pub fn stats(&self) -> IngestStats {
        self.shared.stats()
    }

    async fn ask(
        &self,
        control: fn(oneshot::Sender<IngestReport>) -> Control,
    ) -> Result<IngestReport, Error> {
        let (reply, answer) = oneshot::channel();
        let sent = self.control.send(control(reply)).is_ok();
        match (sent, answer.await) {
            (true, Ok(report)) => Ok(report),
            // Shut down and finished: everything was reported already.
            _ if self.shared.finished.load(Ordering::Acquire) => Ok(self.shared.take_report()),
            _ => Err(Error::Interrupted {
                operation: OPERATION,
                reason: format!(
                    "the ingester's task stopped; {} accepted events are unaccounted for",
                    self.shared.stats().pending()
                ),
            }),
        }
    }
}

fn checked(event: impl IntoValue<types::UsageEvent>) -> Result<types::UsageEvent, IngestSendError> {
    let invalid = |why: String| {
        IngestSendError::Invalid(Error::InvalidRequest(format!("usage event: {why}")))
    };
    let event = event.into_value().map_err(invalid)?;
    super::event::check(&event).map_err(invalid)?;
    Ok(event)
}

/// Why an event was not queued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestSendError {
    /// The event is invalid ([`Error::InvalidRequest`], naming the field);
    /// nothing was queued.
    #[error(transparent)]
    Invalid(Error),
    /// The buffer is full (from [`Ingester::try_send`] only); the event is
    /// given back.
    #[error("the ingester's buffer is full; the event was not queued")]
    Full(Box<types::UsageEvent>),
    /// The ingester was shut down; the event is given back.
    #[error("the ingester was shut down; the event was not queued")]
    Closed(Box<types::UsageEvent>),
}

/// `?` on an [`IngestSendError`] in a function that returns [`Error`]: an
/// invalid event is its [`Error::InvalidRequest`], an event handed back is
/// [`Error::NotQueued`] holding it.
impl From<IngestSendError> for Error {
    fn from(error: IngestSendError) -> Self {
        match error {
            IngestSendError::Invalid(error) => error,
            IngestSendError::Full(event) => Error::NotQueued {
                reason: "the ingester's buffer is full",
                event,
            },
            IngestSendError::Closed(event) => Error::NotQueued {
                reason: "the ingester was shut down",
                event,
            },
        }
    }
}

impl IngestSendError {
    /// The event given back, when there is one (`Full`, `Closed`).
    pub fn into_event(self) -> Option<types::UsageEvent> {
        match self {
            IngestSendError::Full(event) | IngestSendError::Closed(event) => Some(*event),
            IngestSendError::Invalid(_) => None,
        }
    }
}

/// One batch the server did not acknowledge: its events and why.
#[derive(Debug)]
#[non_exhaustive]
pub struct IngestFailure {
    /// The batch's events, as they were sent.
    pub events: Vec<types::UsageEvent>,
    /// Why: the server's answer (a 400 names what was wrong) or the last
    /// attempt's error once retries were used up.
    pub error: Error,
}

/// What happened to the events finished since the previous report.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct IngestReport {
    /// Events the server acknowledged.
    pub acknowledged: u64,
    /// Events in failed batches.
    pub failed: u64,
    /// The failed batches (empty when an
    /// [`on_failure`](IngesterBuilder::on_failure) handler took them), up
    /// to [`keep_failed`](IngesterBuilder::keep_failed) events.
    pub failures: Vec<IngestFailure>,
    /// Events counted in `failed` whose batch the report did not keep, as
    /// it already held `keep_failed` events (each batch's error was logged
    /// with `tracing`).
    pub not_kept: u64,
    /// The events in `failures`.
    kept: usize,
}

impl IngestReport {
    /// Every event of every failed batch.
    pub fn failed_events(&self) -> impl Iterator<Item = &types::UsageEvent> {
        self.failures.iter().flat_map(|f| f.events.iter())
    }
}

/// Counts since an [`Ingester`] started, for a progress line or a metrics
/// exporter. `accepted = queued + sent`, `sent = in_flight + acknowledged
/// + failed` (each read at nearly the same moment).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct IngestStats {
    /// Events taken by `send` or `try_send`.
    pub accepted: u64,
    /// Events put in a request (once per batch, however many attempts).
    pub sent: u64,
    /// Events the server acknowledged.
    pub acknowledged: u64,
    /// Events reported failed.
    pub failed: u64,
    /// Events in requests not finished yet.
    pub in_flight: u64,
    /// Events accepted but not yet in a request (the buffer and the batch
    /// being filled).
    pub queued: u64,
}

impl IngestStats {
    /// Events accepted and neither acknowledged nor reported failed.
    pub fn pending(&self) -> u64 {
        self.accepted
            .saturating_sub(self.acknowledged)
            .saturating_sub(self.failed)
    }
}

#[derive(Default)]
struct Shared {
    accepted: AtomicU64,
    sent: AtomicU64,
    acknowledged: AtomicU64,
    failed: AtomicU64,
    shut_down: AtomicBool,
    /// The task ended after accounting for every event it took.
    finished: AtomicBool,
    /// What finished since the last report was taken.
    report: Mutex<IngestReport>,
}

impl Shared {
    fn stats(&self) -> IngestStats {
        // Read from the end of the pipe to its start, so that no count
        // reads ahead of the one it is part of.
        let acknowledged = self.acknowledged.load(Ordering::Relaxed);
        let failed = self.failed.load(Ordering::Relaxed);
        let sent = self.sent.load(Ordering::Relaxed);
        let accepted = self.accepted.load(Ordering::Relaxed);
        IngestStats {
            accepted,
            sent,
            acknowledged,
            failed,
            in_flight: sent.saturating_sub(acknowledged + failed),
            queued: accepted.saturating_sub(sent),
        }
    }

    fn report(&self) -> std::sync::MutexGuard<'_, IngestReport> {
        // A poisoned lock still holds a consistent report: every update is
        // a few additions and a push.
        self.report.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn take_report(&self) -> IngestReport {
        std::mem::take(&mut *self.report())
    }
}

/// Dropped with the last [`Ingester`] clone.
struct LastHandle {
    shared: Arc<Shared>,
}

impl Drop for LastHandle {
    fn drop(&mut self) {
        let pending = self.shared.stats().pending();
        if pending > 0 && !self.shared.shut_down.load(Ordering::Relaxed) {
            tracing::warn!(
                pending,
                "usage ingester dropped without shutdown(): its task keeps sending the \
                 {pending} pending events while the runtime runs and logs any failure; \
                 events still held when the runtime stops are lost"
            );
        }
    }
}

enum Control {
    Flush(oneshot::Sender<IngestReport>),
    Shutdown(oneshot::Sender<IngestReport>),
}

/// The task behind an [`Ingester`].
struct Worker {
    client: Client,
    events: mpsc::Receiver<types::UsageEvent>,
    control: mpsc::UnboundedReceiver<Control>,
    shared: Arc<Shared>,
    batch: Vec<types::UsageEvent>,
    batch_size: usize,
    flush_interval: Duration,
    /// When the batch being filled is sent anyway.
    deadline: Instant,
    max_in_flight: usize,
    options: CallOptions,
    in_flight: JoinSet<Result<(), Error>>,
    /// The events of each request in flight, by its task: kept here so
    /// that a request whose task dies still reports them.
    batches: HashMap<Id, Arc<Vec<types::UsageEvent>>>,
    keep_failed: usize,
    on_failure: Option<FailureHandler>,
}

impl Worker {
    async fn run(mut self) {
        let mut shutdowns = Vec::new();
        loop {
            if self.batch.len() >= self.batch_size && self.in_flight.len() < self.max_in_flight {
                self.dispatch();
            }
            let room = self.batch.len() < self.batch_size;
            let free = self.in_flight.len() < self.max_in_flight;
            tokio::select! {
                biased;
                Some(done) = self.in_flight.join_next_with_id(), if !self.in_flight.is_empty() => {
                    self.finish(done);
                }
                Some(control) = self.control.recv() => match control {
                    Control::Flush(reply) => {
                        self.take_queued().await;
                        self.drain().await;
                        let _ = reply.send(self.shared.take_report());
                    }
                    Control::Shutdown(reply) => {
                        // What is already in the channel is still received;
                        // nothing new gets in.
                        self.events.close();
                        shutdowns.push(reply);
                    }
                },
                () = tokio::time::sleep_until(self.deadline), if !self.batch.is_empty() && free => {
                    self.dispatch();
                }
                event = self.events.recv(), if room => match event {
                    Some(event) => self.push(event),
                    // Shut down and emptied, or every handle dropped.
                    None => break,
                },
            }
        }
        self.drain().await;
        // Shutdowns asked while the last events went out.
        while let Ok(control) = self.control.try_recv() {
            match control {
                Control::Flush(reply) | Control::Shutdown(reply) => shutdowns.push(reply),
            }
        }
        self.shared.finished.store(true, Ordering::Release);
        if shutdowns.is_empty() {
            // Nobody is left to read a report: say what it holds.
            let report = self.shared.take_report();
            if report.failed > 0 {
                let first = report.failures.first().map(|f| f.error.to_string());
                tracing::error!(
                    failed = report.failed,
                    first_error = first
                        .as_deref()
                        .unwrap_or("(given to the on_failure handler)"),
                    "usage ingester dropped without shutdown(): {} events were not acknowledged",
                    report.failed
                );
            }
        }
        for reply in shutdowns {
            let _ = reply.send(self.shared.take_report());
        }
    }

    fn push(&mut self, event: types::UsageEvent) {
        if self.batch.is_empty() {
            // An interval past what an instant can hold is no deadline at
            // all: a year away, and the batch goes out when full or
            // flushed.
            let now = Instant::now();
            self.deadline = now
                .checked_add(self.flush_interval)
                .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 60 * 60));
        }
        self.batch.push(event);
    }

    /// Moves every event already in the channel into batches (bounded by
    /// what is there now, so busy producers cannot stretch a flush).
    async fn take_queued(&mut self) {
        for _ in 0..self.events.len() {
            let Ok(event) = self.events.try_recv() else {
                break;
            };
            if self.batch.len() >= self.batch_size {
                self.make_room().await;
                self.dispatch();
            }
            self.push(event);
        }
    }

    /// Sends the batch being filled and waits for every request in flight.
    async fn drain(&mut self) {
        if !self.batch.is_empty() {
            self.make_room().await;
            self.dispatch();
        }
        while let Some(done) = self.in_flight.join_next_with_id().await {
            self.finish(done);
        }
    }

    async fn make_room(&mut self) {
        while self.in_flight.len() >= self.max_in_flight {
            match self.in_flight.join_next_with_id().await {
                Some(done) => self.finish(done),
                None => break,
            }
        }
    }

    fn dispatch(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(self.batch_size));
        let events = batch.len() as u64;
        let client = self.client.clone();
        // One copy of the events, shared with the task that serializes
        // them; the worker's copy outlives a task that dies.
        let batch = Arc::new(batch);
        let body = batch.clone();
        let options = self.options;
        let task = self.in_flight.spawn(async move {
            let json = serde_json::to_vec(&*body)
                .map_err(|e| Error::InvalidRequest(format!("usage events: {e}")))?;
            drop(body);
            crate::client::custom::send_raw(
                &client,
                OPERATION,
                options,
                reqwest::Method::POST,
                "/v1/ingest",
                &[],
                Some(json),
            )
            .await
            .and_then(|answer| {
                // Any 2xx is an acknowledgement; a redirect that was not
                // followed is not.
                if answer.status.is_success() {
                    Ok(())
                } else {
                    Err(crate::error::api(
                        answer.context().clone(),
                        answer.status,
                        answer.headers,
                        answer.body,
                        None,
                    ))
                }
            })
        });
        self.batches.insert(task.id(), batch);
        self.shared.sent.fetch_add(events, Ordering::Relaxed);
    }

    fn finish(&mut self, done: Result<(Id, Result<(), Error>), JoinError>) {
        let (id, outcome) = match done {
            Ok((id, outcome)) => (id, outcome),
            Err(died) => {
                let reason = if died.is_panic() {
                    "the task sending the batch panicked"
                } else {
                    "the task sending the batch was cancelled"
                };
                (
                    died.id(),
                    Err(Error::Interrupted {
                        operation: OPERATION,
                        reason: reason.into(),
                    }),
                )
            }
        };
        let Some(batch) = self.batches.remove(&id) else {
            return;
        };
        // The task is over: this is the only copy left.
        let batch = Arc::try_unwrap(batch).unwrap_or_else(|shared| (*shared).clone());
        let events = batch.len() as u64;
        match outcome {
            Ok(()) => {
                // The report first: a reader who sees the count can rely
                // on the report holding it.
                self.shared.report().acknowledged += events;
                self.shared
                    .acknowledged
                    .fetch_add(events, Ordering::Relaxed);
            }
            Err(error) => {
                tracing::warn!(events, %error, "a batch of usage events failed");
                let failure = IngestFailure {
                    events: batch,
                    error,
                };
                match &self.on_failure {
                    None => {
                        let mut report = self.shared.report();
                        report.failed += events;
                        if report.kept + failure.events.len() <= self.keep_failed {
                            report.kept += failure.events.len();
                            report.failures.push(failure);
                        } else {
                            report.not_kept += events;
                            drop(report);
                            tracing::warn!(
                                events,
                                keep_failed = self.keep_failed,
                                "the ingester's report already holds its limit of failed events: \
                                 this batch is counted, not kept"
                            );
                        }
                    }
                    Some(handler) => {
                        self.shared.report().failed += events;
                        let handled =
                            std::panic::catch_unwind(AssertUnwindSafe(|| handler(failure)));
                        if handled.is_err() {
                            tracing::error!(
                                events,
                                "the ingester's on_failure handler panicked on a failed batch"
                            );
                        }
                    }
                }
                self.shared.failed.fetch_add(events, Ordering::Relaxed);
            }
        }
    }
}
