//! Shared fixtures for the workspace's integration tests: a generated
//! client pointed at a loopback mock server, and request values used
//! across test files.

use chrono::{DateTime, Utc};
use metronome_api::{Client, ClientState, types};

/// The token every test client sends, and every mock expects.
pub const TOKEN: &str = "test-token";

/// A customer id used throughout the fixtures.
pub const CUSTOMER: &str = "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc";

/// A billable metric id used throughout the fixtures.
pub const METRIC: &str = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e";

/// A generated client that talks to `base_url` with [`TOKEN`].
pub fn client(base_url: &str) -> Client {
    let state = ClientState::new()
        .with_bearer_token(TOKEN)
        .expect("the test token is a valid header value");
    Client::new_with_client(base_url, metronome_api::reqwest::Client::new(), state)
}

/// Parses an RFC 3339 timestamp; panics on a typo in a fixture.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    rfc3339.parse().expect("fixture timestamps are RFC 3339")
}

/// The usage request the tests send: January 2024, daily windows, one
/// customer, one metric grouped by region.
pub fn usage_request() -> types::UsageListRequest {
    types::UsageListRequest::builder()
        .starting_on(at("2024-01-01T00:00:00Z"))
        .ending_before(at("2024-02-01T00:00:00Z"))
        .window_size(types::WindowSize::Day)
        .customer_ids(vec![CUSTOMER.parse().expect("fixture uuid")])
        .billable_metrics(vec![types::BillableMetricFilter {
            id: METRIC.parse().expect("fixture uuid"),
            group_by: Some(types::GroupByFilter {
                key: "region".into(),
                values: vec![
                    "eu-west".parse().expect("non-empty"),
                    "us-east".parse().expect("non-empty"),
                ],
            }),
        }])
        .try_into()
        .expect("a complete usage request")
}

/// The README's Rust examples, compiled as doc-tests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

/// The ergonomic client pointed at `base_url`, with [`TOKEN`] and waits
/// between retries shortened to a millisecond (the policy is configuration;
/// production code paths are unchanged).
pub fn sdk(base_url: &str) -> metronome_client::Client {
    sdk_with(base_url, |b| b)
}

/// Like [`sdk`], with more configuration applied by `configure`.
pub fn sdk_with(
    base_url: &str,
    configure: impl FnOnce(metronome_client::ClientBuilder) -> metronome_client::ClientBuilder,
) -> metronome_client::Client {
    let fast = metronome_client::RetryPolicy::default()
        .initial_backoff(std::time::Duration::from_millis(1))
        .max_backoff(std::time::Duration::from_millis(2));
    configure(
        metronome_client::Client::builder()
            .bearer_token(TOKEN)
            .base_url(base_url)
            .retry_policy(fast),
    )
    .build()
    .expect("a valid test client")
}

/// One usage aggregate as the server sends it: customer [`CUSTOMER`],
/// metric [`METRIC`], day `day` of January 2024, value `value`.
pub fn usage_row(day: u32, value: Option<f64>) -> serde_json::Value {
    serde_json::json!({
        "billable_metric_id": METRIC,
        "billable_metric_name": "API calls",
        "customer_id": CUSTOMER,
        "start_timestamp": format!("2024-01-{day:02}T00:00:00Z"),
        "end_timestamp": format!("2024-01-{:02}T00:00:00Z", day + 1),
        "value": value,
    })
}

/// One day of costs as the server sends it: day `day` of January 2024,
/// `cost` cents in one credit type.
pub fn costs_day(day: u32, cost: f64) -> serde_json::Value {
    serde_json::json!({
        "start_timestamp": format!("2024-01-{day:02}T00:00:00Z"),
        "end_timestamp": format!("2024-01-{:02}T00:00:00Z", day + 1),
        "credit_types": {
            "2714e483-4ff1-48e4-9e25-ac732e8f24f2": {"cost": cost, "name": "USD (cents)", "line_item_breakdown": []}
        }
    })
}

/// Captures every request a mock sees, for snapshots of what went out.
#[derive(Clone, Default)]
pub struct Recorder {
    seen: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
}

impl Recorder {
    /// A matcher for `when.is_true(..)` that records and always matches.
    pub fn matcher(&self) -> impl Fn(&httpmock::HttpMockRequest) -> bool + Send + Sync + 'static {
        let seen = self.seen.clone();
        move |req| {
            seen.lock().unwrap().push(describe(req));
            true
        }
    }

    /// Every request recorded so far, oldest first.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.seen.lock().unwrap().clone()
    }
}

/// A request as snapshots show it: method, path, sorted query pairs,
/// headers (sorted; the token checked and masked, the version in the
/// user agent masked, transport headers left out) and the JSON body.
fn describe(req: &httpmock::HttpMockRequest) -> serde_json::Value {
    let uri = req.uri();
    let parsed =
        metronome_api::reqwest::Url::parse(&format!("http://mock{uri}")).expect("a request target");
    let mut query: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    query.sort();
    let mut headers = std::collections::BTreeMap::new();
    for (name, value) in req.headers_vec() {
        let name = name.to_ascii_lowercase();
        let value = match name.as_str() {
            "host" | "content-length" => continue,
            "authorization" if value == &format!("Bearer {TOKEN}") => "Bearer [token]".to_string(),
            "user-agent" if value.starts_with("metronome-client/") => {
                "metronome-client/[version] (rust)".to_string()
            }
            _ => value.clone(),
        };
        headers.insert(name, value);
    }
    let body = req.body_ref();
    let body = if body.is_empty() {
        serde_json::Value::Null
    } else {
        serde_json::from_slice(body)
            .unwrap_or_else(|_| serde_json::Value::String(String::from_utf8_lossy(body).into()))
    };
    serde_json::json!({
        "method": req.method_str(),
        "path": uri.path(),
        "query": query,
        "headers": headers,
        "body": body,
    })
}

/// The ergonomic client pointed at a `metronome-mock`, with its token and
/// no retries (each request the test makes is one request the mock sees).
pub fn mock_client(mock: &metronome_mock::MockMetronome) -> metronome_client::Client {
    metronome_client::Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .max_retries(0)
        .build()
        .expect("a client for the mock")
}

/// The workspace README's examples, compiled as doctests (with the crates
/// a reader adds: `metronome-client`, `tokio`, `futures`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct WorkspaceReadme;

/// `metronome-mock`'s README examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../crates/metronome-mock/README.md")]
pub struct MockReadme;

/// Runs `body` with the `tracing` events at `level` and above written
/// as text (no colours) into a buffer; returns its output and the text.
pub fn capture_logs<T>(level: tracing::Level, body: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Lines(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Lines::default();
    let writer = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let output = tracing::subscriber::with_default(subscriber, || {
        // Tests run on parallel threads, some with subscribers of their own:
        // a callsite first reached elsewhere while this subscriber was being
        // registered can keep a stale "never" interest (a race in
        // tracing-core). Ask every callsite again before the body runs.
        tracing::callsite::rebuild_interest_cache();
        body()
    });
    let text = String::from_utf8_lossy(&lines.0.lock().unwrap()).into_owned();
    (output, text)
}

/// Runs `send` with a client (configured by `configure`, on top of
/// [`sdk_with`]'s) against a server that answers every request with an
/// empty page, and returns what the server received, as [`Recorder`]
/// describes it.
pub async fn recorded_requests(
    configure: impl FnOnce(metronome_client::ClientBuilder) -> metronome_client::ClientBuilder,
    send: impl AsyncFnOnce(metronome_client::Client),
) -> Vec<serde_json::Value> {
    let server = httpmock::MockServer::start_async().await;
    let recorder = Recorder::default();
    server
        .mock_async(|when, then| {
            when.is_true(recorder.matcher());
            then.status(200)
                .json_body(serde_json::json!({"data": [], "next_page": null}));
        })
        .await;
    send(sdk_with(&server.base_url(), configure)).await;
    recorder.requests()
}
