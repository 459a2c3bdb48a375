//! The HTTP side: accepting connections on 127.0.0.1, checking the token,
//! dispatching to a route, applying faults, logging.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::Duration;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinSet;

use crate::dataset::Dataset;
use crate::faults::{Fault, Faults};
use crate::log::{LoggedRequest, RequestLog};
use crate::routes::{self, Reply};

/// The largest request body the mock reads.
const MAX_REQUEST_BODY: usize = 1 << 20;

/// Everything a request handler reads.
#[derive(Debug)]
pub(crate) struct Shared {
    pub data: Dataset,
    pub token: String,
    pub usage_page_size: usize,
    pub costs_default_limit: usize,
    pub latency: Duration,
    pub faults: Faults,
    pub log: RequestLog,
    pub nonce: AtomicU32,
    pub cache: Option<routes::PageCache>,
    /// Events accepted by `POST /v1/ingest`, once per transaction id.
    pub ingested: std::sync::Mutex<Vec<routes::ingest::IngestedEvent>>,
    /// Nanoseconds spent answering, latency and delays excluded.
    pub busy_nanos: AtomicU64,
    /// Requests being answered now, and the most there ever were at once.
    pub in_flight: AtomicU64,
    pub max_in_flight: AtomicU64,
}

/// Counts a request as in flight until dropped (answered, or abandoned).
struct InFlight<'a>(&'a Shared);

impl<'a> InFlight<'a> {
    fn enter(shared: &'a Shared) -> Self {
        let now = shared.in_flight.fetch_add(1, Ordering::AcqRel) + 1;
        shared.max_in_flight.fetch_max(now, Ordering::AcqRel);
        Self(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The connection should be closed without an answer.
#[derive(Debug)]
pub(crate) struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `shutdown` fires (or its sender is dropped);
/// connections still open are then aborted.
pub(crate) async fn run(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                connections.spawn(async move {
                    let service = service_fn(move |request| handle(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
                while connections.try_join_next().is_some() {}
            }
        }
    }
    connections.abort_all();
}

async fn handle(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let _in_flight = InFlight::enter(&shared);
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(respond(Reply::error(413, "the request body is too large"))),
    };
    let path = parts.uri.path().to_string();
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let authorized = authorization == Some(format!("Bearer {}", shared.token).as_str());
    let mut logged = LogOnDrop {
        shared: shared.clone(),
        entry: LoggedRequest {
            method: parts.method.to_string(),
            path: path.clone(),
            query: query.clone(),
            body: logged_body(&body),
            authorization: authorization.map(|value| mask(value, authorized)),
            status: 0,
            fault: None,
        },
    };

    let outcome = if !authorized {
        Ok(Reply::error(401, "a valid bearer token is required"))
    } else {
        answer(
            &shared,
            &parts.method,
            &path,
            &query,
            &body,
            &mut logged.entry,
        )
        .await
    };
    logged.entry.status = outcome.as_ref().map_or(0, |reply| reply.status);
    outcome.map(respond)
}

/// Logs its request when dropped: when the answer is ready, or when the
/// client hung up first (a timeout during a delay), with status 0.
struct LogOnDrop {
    shared: Arc<Shared>,
    entry: LoggedRequest,
}

impl Drop for LogOnDrop {
    fn drop(&mut self) {
        let entry = std::mem::replace(&mut self.entry, LoggedRequest::empty());
        self.shared.log.push(entry);
    }
}

/// Routes an authenticated request and applies its fault, if any.
async fn answer(
    shared: &Shared,
    method: &http::Method,
    path: &str,
    query: &[(String, String)],
    body: &[u8],
    entry: &mut LoggedRequest,
) -> Result<Reply, Dropped> {
    enum Route<'a> {
        Usage,
        Costs(&'a str),
        Ingest,
        Groups,
        Customers,
        Customer(&'a str),
        BillableMetrics,
        Balances,
    }
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (get, post) = (method == http::Method::GET, method == http::Method::POST);
    let route = match segments.as_slice() {
        ["v1", "usage"] if post => Route::Usage,
        ["v1", "customers", id, "costs"] if get => Route::Costs(id),
        ["v1", "ingest"] if post => Route::Ingest,
        ["v1", "usage", "groups"] if post => Route::Groups,
        ["v1", "customers"] if get => Route::Customers,
        ["v1", "customers", id] if get => Route::Customer(id),
        ["v1", "billable-metrics"] if get => Route::BillableMetrics,
        ["v1", "contracts", "customerBalances", "list"] if post => Route::Balances,
        ["v1", "usage"]
        | ["v1", "customers", _, "costs"]
        | ["v1", "ingest"]
        | ["v1", "usage", "groups"]
        | ["v1", "customers"]
        | ["v1", "customers", _]
        | ["v1", "billable-metrics"]
        | ["v1", "contracts", "customerBalances", "list"] => {
            return Ok(Reply::error(405, "method not allowed"));
        }
        _ => return Ok(Reply::error(404, &format!("no route for {method} {path}"))),
    };

    let fault = shared.faults.next();
    entry.fault = fault.as_ref().map(Fault::label);
    let mut wait = shared.latency;
    if let Some(Fault::Delay(extra)) = &fault {
        wait += *extra;
    }
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    match &fault {
        Some(Fault::DropConnection) => return Err(Dropped),
        Some(Fault::Status {
            status,
            headers,
            body,
        }) => {
            return Ok(Reply {
                status: *status,
                headers: headers.clone(),
                body: Bytes::from(body.clone()),
            });
        }
        Some(Fault::MalformedBody(text)) => return Ok(Reply::json(200, text.clone())),
        _ => {}
    }

    let started = Instant::now();
    let nonce = shared.nonce.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    let cache = shared.cache.as_ref();
    let cursor = query
        .iter()
        .find(|(k, _)| k == "next_page")
        .map(|(_, v)| v.as_str());
    let ctx = routes::Ctx {
        data: &shared.data,
        fault: fault.as_ref(),
        nonce,
        cache,
    };
    let mut reply = match route {
        Route::Ingest => routes::ingest::ingest(body, |events| {
            let mut log = crate::faults::lock(&shared.ingested);
            for event in events {
                if !log.iter().any(|e| e.transaction_id == event.transaction_id) {
                    log.push(event);
                }
            }
        }),
        Route::Groups => routes::groups::list(&ctx, body, query),
        Route::Customers => routes::catalog::customers(&ctx, query),
        Route::Customer(id) => routes::catalog::customer_by_id(&shared.data, id),
        Route::BillableMetrics => routes::catalog::billable_metrics(&ctx, query),
        Route::Balances => routes::balances::list(&ctx, body),
        Route::Usage => routes::usage::list(
            &shared.data,
            shared.usage_page_size,
            body,
            cursor,
            fault.as_ref(),
            nonce,
            cache,
        ),
        Route::Costs(id) => routes::costs::list(
            &shared.data,
            shared.costs_default_limit,
            id,
            query,
            fault.as_ref(),
            nonce,
            cache,
        ),
    };
    if matches!(fault, Some(Fault::TruncatedBody)) && reply.status == 200 {
        reply.body = reply.body.slice(..reply.body.len() / 2);
    }
    shared
        .busy_nanos
        .fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
    Ok(reply)
}

fn respond(reply: Reply) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(reply.body));
    *response.status_mut() =
        http::StatusCode::from_u16(reply.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::try_from(name),
            http::HeaderValue::try_from(value),
        ) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn logged_body(body: &[u8]) -> Option<serde_json::Value> {
    if body.is_empty() {
        return None;
    }
    Some(
        serde_json::from_slice(body).unwrap_or_else(|_| {
            serde_json::Value::String(String::from_utf8_lossy(body).into_owned())
        }),
    )
}

/// `Bearer [valid]` / `Bearer [invalid]`: the scheme is kept, never the
/// credential.
fn mask(value: &str, valid: bool) -> String {
    let scheme = value.split_whitespace().next().unwrap_or("");
    if value.trim() == scheme {
        return scheme.to_string();
    }
    format!("{scheme} [{}]", if valid { "valid" } else { "invalid" })
}
