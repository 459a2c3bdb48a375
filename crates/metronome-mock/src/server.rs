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
use crate::log::{Entry, RequestLog};
use crate::openapi::validate::{self, Mode};
use crate::openapi::{self, Answer, Api, Operation, Routed};
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
    pub ingested: std::sync::Mutex<Ingested>,
    /// Nanoseconds spent answering, latency and delays excluded.
    pub busy_nanos: AtomicU64,
    /// Ids seeded or handed out, and what an id outside them gets.
    pub ids: routes::described::Ids,
    pub unknown_ids: routes::described::UnknownIds,
    /// The entities operations with an `x-mock-state` rule remember.
    pub store: routes::stateful::Store,
    /// What a cursor that is not one of its query's gets.
    pub cursors: routes::Cursors,
    /// Requests being answered now, and the most there ever were at once.
    pub in_flight: AtomicU64,
    pub max_in_flight: AtomicU64,
    /// How long a request's head, then its body, may take to arrive.
    pub read_timeout: Duration,
    /// One permit per open connection.
    pub connections: Arc<tokio::sync::Semaphore>,
}

/// Accepted events, in order, and the transaction ids seen (a set: the
/// check stays constant-time however many events came before).
#[derive(Debug, Default)]
pub(crate) struct Ingested {
    pub events: Vec<routes::ingest::IngestedEvent>,
    seen: std::collections::HashSet<String>,
}

impl Shared {
    /// Keeps each event whose transaction id is new.
    fn ingest(&self, events: Vec<routes::ingest::IngestedEvent>) {
        let mut ingested = crate::faults::lock(&self.ingested);
        for event in events {
            if ingested.seen.insert(event.transaction_id.clone()) {
                ingested.events.push(event);
            }
        }
    }
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
    let mut refused = 0u32;
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => {
                        refused = 0;
                        stream
                    }
                    Err(_) => {
                        // Out of file descriptors (or memory): accepting
                        // again at once would fail again, in a busy loop.
                        // Wait, longer each time, for connections to close.
                        refused = (refused + 1).min(6);
                        tokio::time::sleep(Duration::from_millis(5 << refused)).await;
                        continue;
                    }
                };
                // Over the cap: closed at once, so that a flood of idle
                // connections cannot take every descriptor.
                let Ok(permit) = shared.connections.clone().try_acquire_owned() else {
                    drop(stream);
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = shared.clone();
                connections.spawn(async move {
                    let read_timeout = shared.read_timeout;
                    let service = service_fn(move |request| handle(shared.clone(), request));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(read_timeout)
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                    drop(permit);
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
    let authorization = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let authorized = authorization == Some(format!("Bearer {}", shared.token).as_str());
    // A request without the token is answered 401 and its body read only
    // to be thrown away (so that the client, still sending, gets the
    // answer); the log keeps its method and the start of its path only:
    // nobody can fill the mock's memory or its log without the token.
    if !authorized {
        let mut logged = LogOnDrop {
            shared: shared.clone(),
            entry: Entry {
                method: parts.method.to_string(),
                path: bounded(parts.uri.path(), UNAUTHENTICATED_PATH),
                authorization: authorization.map(|value| mask(value, false)),
                ..Entry::default()
            },
        };
        logged.entry.status = 401;
        let drained = discard(body, MAX_REQUEST_BODY, shared.read_timeout).await;
        let mut reply = respond(Reply::error(401, "a valid bearer token is required"));
        if !drained {
            // The body was not read to its end: the connection cannot
            // carry another request.
            reply.headers_mut().insert(
                http::header::CONNECTION,
                http::HeaderValue::from_static("close"),
            );
        }
        return Ok(reply);
    }
    let read = Limited::new(body, MAX_REQUEST_BODY).collect();
    let body = match tokio::time::timeout(shared.read_timeout, read).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(_)) => return Ok(respond(Reply::error(413, "the request body is too large"))),
        Err(_) => {
            return Ok(respond(Reply::error(
                408,
                "the request body did not arrive in time",
            )));
        }
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
    let mut logged = LogOnDrop {
        shared: shared.clone(),
        entry: Entry {
            method: parts.method.to_string(),
            path: path.clone(),
            query: query.clone(),
            authorization: authorization.map(|value| mask(value, authorized)),
            ..Entry::default()
        },
    };
    if shared.log.keeps_entries() {
        logged.entry.keep_body(&body);
        logged.entry.keep_headers(&parts.headers);
    }

    let outcome = {
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

/// Reads a body to its end, keeping none of it: false when it is longer
/// than `limit`, fails, or takes longer than `deadline`.
async fn discard(mut body: Incoming, limit: usize, deadline: Duration) -> bool {
    let read = async {
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else {
                return false;
            };
            seen += frame.data_ref().map_or(0, Bytes::len);
            if seen > limit {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(deadline, read).await.unwrap_or(false)
}

/// Characters of the path the log keeps for a request without the token.
const UNAUTHENTICATED_PATH: usize = 256;

/// At most `max` characters of `text`, marked `…` when cut.
fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// The request's parameters and JSON body, checked against the
/// operation's description: a 400 naming the field otherwise.
fn checked(
    api: &Api,
    op: &Operation,
    path: &[(String, String)],
    query: &[(String, String)],
    body: &[u8],
) -> Result<
    (
        serde_json::Map<String, serde_json::Value>,
        serde_json::Value,
    ),
    Reply,
> {
    let invalid = |e: validate::Invalid| Reply::error(400, &e.to_string());
    let params = openapi::params::read(api, op, path, query).map_err(invalid)?;
    let Some(schema) = &op.body else {
        op.check_period(&params)
            .map_err(|message| Reply::error(400, &message))?;
        return Ok((params, serde_json::Value::Null));
    };
    let value = if body.iter().all(u8::is_ascii_whitespace) {
        serde_json::Value::Object(Default::default())
    } else {
        serde_json::from_slice(body)
            .map_err(|e| Reply::error(400, &format!("the body is not JSON: {e}")))?
    };
    validate::check(api, schema, &value, "", Mode::Request).map_err(invalid)?;
    let mut known = params.clone();
    if let serde_json::Value::Object(fields) = &value {
        for (name, field) in fields {
            known.entry(name.clone()).or_insert_with(|| field.clone());
        }
    }
    op.check_period(&known)
        .map_err(|message| Reply::error(400, &message))?;
    Ok((params, value))
}

/// An error answer in the shape the operation declares for its status:
/// `{message}`, with whatever else that shape requires (a `code` from its
/// enum: one that says "not found" for a 404).
fn shaped_error(api: &Api, op: &Operation, reply: Reply) -> Reply {
    let Some(schema) = op.error_schema(reply.status) else {
        return reply;
    };
    let Ok(mut body) = serde_json::from_slice::<serde_json::Value>(&reply.body) else {
        return reply;
    };
    if validate::check(api, schema, &body, "", Mode::Response).is_ok() {
        return reply;
    }
    let resolved = api.resolve(schema);
    let required = resolved
        .get("required")
        .and_then(serde_json::Value::as_array);
    let empty = serde_json::Map::new();
    let mut synth = openapi::synth::Synth::new(api, u64::from(reply.status), &empty);
    for name in required
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
    {
        if body.get(name).is_some() {
            continue;
        }
        let property = resolved
            .pointer(&format!("/properties/{name}"))
            .cloned()
            .unwrap_or_default();
        let fitting = api
            .resolve(&property)
            .get("enum")
            .and_then(serde_json::Value::as_array)
            .and_then(|values| {
                values
                    .iter()
                    .find(|v| {
                        reply.status == 404 && v.as_str().is_some_and(|t| t.ends_with("NotFound"))
                    })
                    .or_else(|| values.first())
                    .cloned()
            });
        body[name] = fitting.unwrap_or_else(|| synth.value(&property, name));
    }
    Reply::json(reply.status, body.to_string())
}

/// A 500 when an answer of the mock's own routes breaks its description.
fn check_answer(api: &Api, op: &Operation, reply: &Reply) -> Result<(), Reply> {
    let Answer::Json(schema) = &op.answer else {
        return Ok(());
    };
    let broken = |why: String| {
        Reply::error(
            500,
            &format!("metronome-mock made an answer its description does not allow, {why}"),
        )
    };
    let value: serde_json::Value =
        serde_json::from_slice(&reply.body).map_err(|e| broken(format!("not JSON: {e}")))?;
    validate::check(api, schema, &value, "", Mode::Response).map_err(|e| broken(format!("at {e}")))
}

/// Logs its request when dropped: when the answer is ready, or when the
/// client hung up first (a timeout during a delay), with status 0.
struct LogOnDrop {
    shared: Arc<Shared>,
    entry: Entry,
}

impl Drop for LogOnDrop {
    fn drop(&mut self) {
        let entry = std::mem::take(&mut self.entry);
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
    entry: &mut Entry,
) -> Result<Reply, Dropped> {
    let api = Api::get();
    let (op, path_params) = match api.route(method, path) {
        Routed::Found(op, params) => (op, params),
        Routed::WrongMethod => {
            return Ok(Reply::error(
                405,
                &format!("{method} is not allowed on {path}"),
            ));
        }
        Routed::Unknown => return Ok(Reply::error(404, &format!("no route for {method} {path}"))),
    };
    // Checked as Metronome checks a request, before anything else.
    let (params, json_body) = match checked(api, op, &path_params, query, body) {
        Ok(checked) => checked,
        Err(reply) => return Ok(shaped_error(api, op, reply)),
    };

    let fault = shared.faults.next();
    entry.fault = fault.as_ref().map(Fault::label);
    let mut wait = shared.latency;
    if let Some(Fault::Delay(extra)) = &fault {
        wait = wait.saturating_add(*extra);
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
        cursors: shared.cursors,
    };
    let path_id = path_params.first().map_or("", |(_, v)| v.as_str());
    let described = routes::described::Described {
        api,
        seed: shared.data.seed(),
        ids: &shared.ids,
        unknown_ids: shared.unknown_ids,
        cursors: shared.cursors,
        store: &shared.store,
        epoch: shared.data.start(),
    };
    let own = match op.id.as_str() {
        "usageIngest" => Some(routes::ingest::ingest(body, |events| shared.ingest(events))),
        "usageListWithGroups" => Some(routes::groups::list(&ctx, body, query)),
        "contractsListBalances" => Some(routes::balances::list(&ctx, body)),
        "usageList" => Some(routes::usage::list(
            &ctx,
            shared.usage_page_size,
            body,
            cursor,
        )),
        "customersListCosts" => Some(routes::costs::list(
            &ctx,
            shared.costs_default_limit,
            path_id,
            query,
        )),
        _ => None,
    };
    let mut reply = match own {
        // A customer outside the dataset (one created through the API, or
        // an id never handed out): served from the description like any
        // other id, unless unknown ids are to be 404s.
        Some(reply)
            if reply.status == 404
                && (shared.unknown_ids == routes::described::UnknownIds::Serve
                    || shared.ids.knows(path_id)) =>
        {
            described.answer(op, &params, &json_body)
        }
        // The routes with behaviour of their own are held to the
        // description too (pre-rendered benchmark pages are not: the same
        // routes are checked without pre-rendering in the tests).
        Some(reply) if cache.is_none() && reply.status == op.success => {
            check_answer(api, op, &reply).err().unwrap_or(reply)
        }
        Some(reply) => reply,
        // Checked against the description where it is made.
        None => described.answer(op, &params, &json_body),
    };
    if reply.status >= 400 {
        reply = shaped_error(api, op, reply);
    }
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

/// `Bearer [valid]` / `Bearer [invalid]`: a known scheme is kept, never
/// the credential; anything else (the token alone, words of it) shows as
/// `[redacted]`.
fn mask(value: &str, valid: bool) -> String {
    const SCHEMES: &[&str] = &["Bearer", "Basic", "Token", "Digest"];
    let mut words = value.split_whitespace();
    match (words.next(), words.next()) {
        (Some(scheme), Some(_)) if SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme)) => {
            format!("{scheme} [{}]", if valid { "valid" } else { "invalid" })
        }
        _ => "[redacted]".to_string(),
    }
}
