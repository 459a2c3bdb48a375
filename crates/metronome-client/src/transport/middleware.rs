//! Where your code sees every attempt: middleware between the retries and
//! the network.
//!
//! The client's transport is a stack: the retry loop (with the per-attempt
//! timeout and the body cap) on top, then each [`Middleware`] added with
//! [`ClientBuilder::middleware`](crate::ClientBuilder::middleware), in the
//! order added, then reqwest. A middleware runs once per attempt, so it
//! sees retries as separate requests: it can add or change headers, time
//! the attempt, count statuses, or answer without going to the network.

use std::sync::Arc;

use futures::future::BoxFuture;

/// One layer of the client's transport, run for every attempt of every
/// request (the token is already set; its header value is marked
/// sensitive).
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use futures::future::BoxFuture;
/// use metronome_client::middleware::{Middleware, Next};
/// use metronome_client::reqwest::{Request, Response, Result};
///
/// /// Tags each attempt and counts the server errors.
/// struct Tag {
///     server_errors: Arc<AtomicU64>,
/// }
///
/// impl Middleware for Tag {
///     fn handle<'a>(&'a self, mut request: Request, next: Next<'a>) -> BoxFuture<'a, Result<Response>> {
///         Box::pin(async move {
///             let tag = format!("{}-{}", next.operation(), next.attempt());
///             request.headers_mut().insert("x-correlation-id", tag.parse().unwrap());
///             let response = next.run(request).await?;
///             if response.status().is_server_error() {
///                 self.server_errors.fetch_add(1, Ordering::Relaxed);
///             }
///             Ok(response)
///         })
///     }
/// }
///
/// let server_errors = Arc::new(AtomicU64::new(0));
/// let client = metronome_client::Client::builder()
///     .bearer_token("my-token")
///     .middleware(Tag { server_errors: server_errors.clone() })
///     .build()?;
/// # Ok::<(), metronome_client::Error>(())
/// ```
pub trait Middleware: Send + Sync + 'static {
    /// Handles one attempt: change `request` as needed, pass it on with
    /// [`next.run(request)`](Next::run) (or not), and return the response.
    /// The response's body is read after every middleware returned.
    fn handle<'a>(
        &'a self,
        request: reqwest::Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>;
}

/// The rest of the stack below a [`Middleware`], and what the attempt is.
#[derive(Clone, Copy)]
pub struct Next<'a> {
    client: &'a reqwest::Client,
    rest: &'a [Arc<dyn Middleware>],
    operation: &'static str,
    attempt: u32,
}

impl std::fmt::Debug for Next<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Next")
            .field("operation", &self.operation)
            .field("attempt", &self.attempt)
            .field("layers_below", &self.rest.len())
            .finish()
    }
}

impl<'a> Next<'a> {
    pub(crate) fn new(
        client: &'a reqwest::Client,
        stack: &'a [Arc<dyn Middleware>],
        operation: &'static str,
        attempt: u32,
    ) -> Self {
        Self {
            client,
            rest: stack,
            operation,
            attempt,
        }
    }

    /// Passes the request to the next middleware, or sends it.
    pub fn run(
        self,
        request: reqwest::Request,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        match self.rest.split_first() {
            Some((layer, rest)) => layer.handle(request, Next { rest, ..self }),
            None => Box::pin(self.client.execute(request)),
        }
    }

    /// The operation, as the generated client names it (`usage_list`;
    /// [`CUSTOM_OPERATION`](crate::CUSTOM_OPERATION) for
    /// [`Client::request`](crate::Client::request)).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// Which attempt of the request this is, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
}

/// A [`Middleware`] made of a closure, from [`from_fn`].
pub struct FromFn<F>(F);

impl<F> std::fmt::Debug for FromFn<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FromFn(..)")
    }
}

/// A middleware from a closure, for a layer that needs no type of its own.
/// The closure gets each attempt's request and the rest of the stack, and
/// returns the response as a boxed future (`Box::pin(async move { .. })`).
///
/// ```
/// use metronome_client::middleware;
///
/// let client = metronome_client::Client::builder()
///     .bearer_token("my-token")
///     .middleware(middleware::from_fn(|mut request, next| {
///         Box::pin(async move {
///             request
///                 .headers_mut()
///                 .insert("x-team", "billing".parse().unwrap());
///             let started = std::time::Instant::now();
///             let response = next.run(request).await;
///             tracing::info!(elapsed = ?started.elapsed(), "one attempt");
///             response
///         })
///     }))
///     .build()?;
/// # Ok::<(), metronome_client::Error>(())
/// ```
pub fn from_fn<F>(layer: F) -> FromFn<F>
where
    F: for<'a> Fn(reqwest::Request, Next<'a>) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>
        + Send
        + Sync
        + 'static,
{
    FromFn(layer)
}

impl<F> Middleware for FromFn<F>
where
    F: for<'a> Fn(reqwest::Request, Next<'a>) -> BoxFuture<'a, reqwest::Result<reqwest::Response>>
        + Send
        + Sync
        + 'static,
{
    fn handle<'a>(
        &'a self,
        request: reqwest::Request,
        next: Next<'a>,
    ) -> BoxFuture<'a, reqwest::Result<reqwest::Response>> {
        (self.0)(request, next)
    }
}
