//! The `tracing` spans of a call: one `metronome.request` per call (per
//! page of a walk) holding one `metronome.attempt` per attempt.
//!
//! A test binary of its own, with one test: tracing decides once per call
//! site whether anyone listens, and tests running in parallel threads
//! (other subscribers, or none) can make that decision for this one.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use futures::TryStreamExt;
use metronome_client::{Client, RetryPolicy};
use metronome_mock::{Fault, MockMetronome};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// Every span opened: its name, parent and fields (as text).
#[derive(Clone, Default)]
struct Spans(Arc<Mutex<Vec<Span>>>);

#[derive(Debug, Clone)]
struct Span {
    id: u64,
    parent: Option<u64>,
    name: &'static str,
    fields: BTreeMap<String, String>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S> tracing_subscriber::Layer<S> for Spans
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = attrs.parent().cloned().or_else(|| {
            attrs
                .is_contextual()
                .then(|| ctx.current_span().id().cloned())
                .flatten()
        });
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().push(Span {
            id: id.into_u64(),
            parent: parent.map(|p| p.into_u64()),
            name: attrs.metadata().name(),
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some(span) = spans.iter_mut().find(|s| s.id == id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}

impl Spans {
    fn named(&self, name: &str) -> Vec<Span> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.name == name)
            .cloned()
            .collect()
    }

    fn children(&self, parent: &Span) -> Vec<Span> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.parent == Some(parent.id))
            .cloned()
            .collect()
    }
}

/// Runs `body` on a current-thread runtime with `spans` recording.
fn traced<T>(spans: &Spans, body: impl std::future::Future<Output = T>) -> T {
    let subscriber = tracing_subscriber::registry().with(spans.clone());
    tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(body)
    })
}

fn mock_client(mock: &MockMetronome) -> Client {
    Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .retry_policy(RetryPolicy::for_tests())
        .build()
        .unwrap()
}

fn a_retried_call_is_one_request_span_with_a_span_per_attempt() {
    let spans = Spans::default();
    let token = traced(&spans, async {
        let mock = MockMetronome::start().await;
        mock.faults().push(Fault::status(503));
        mock_client(&mock).customers().list().send().await.unwrap();
        mock.token().to_string()
    });

    let requests = spans.named("metronome.request");
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = &requests[0];
    let field = |span: &Span, name: &str| span.fields.get(name).cloned().unwrap_or_default();
    assert_eq!(field(request, "operation"), "customers_list");
    assert_eq!(field(request, "method"), "GET");
    assert_eq!(field(request, "path"), "/v1/customers");
    assert_eq!(field(request, "attempts"), "2");
    assert_eq!(field(request, "status"), "200");
    assert!(!request.fields.contains_key("page"), "not part of a walk");

    let attempts = spans.children(request);
    let shown: Vec<(String, String, String)> = attempts
        .iter()
        .map(|a| (a.name.to_string(), field(a, "attempt"), field(a, "status")))
        .collect();
    assert_eq!(
        shown,
        [
            (
                "metronome.attempt".to_string(),
                "1".to_string(),
                "503".to_string()
            ),
            (
                "metronome.attempt".to_string(),
                "2".to_string(),
                "200".to_string()
            ),
        ]
    );
    assert_eq!(
        field(&attempts[0], "retry_delay_ms"),
        "0",
        "RetryPolicy::for_tests waits for nothing"
    );
    assert!(
        !attempts[1].fields.contains_key("retry_delay_ms"),
        "the last attempt waits for nothing"
    );
    assert!(
        attempts
            .iter()
            .all(|a| a.fields.contains_key("duration_ms"))
    );

    // The token is in no field of any span.
    for span in spans.0.lock().unwrap().iter() {
        for value in span.fields.values() {
            assert!(!value.contains(&token), "{span:?}");
        }
    }
}

fn each_page_of_a_walk_is_a_request_span_with_its_page() {
    let spans = Spans::default();
    traced(&spans, async {
        let mock = MockMetronome::builder()
            .customers(2)
            .days(3)
            .usage_page_size(2)
            .start()
            .await;
        let rows: Vec<_> = mock_client(&mock)
            .usage()
            .list("2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z", "day")
            .stream()
            .try_collect()
            .await
            .unwrap();
        assert!(!rows.is_empty());
    });
    let pages: Vec<String> = spans
        .named("metronome.request")
        .iter()
        .map(|s| s.fields.get("page").cloned().unwrap_or_default())
        .collect();
    assert!(pages.len() >= 3, "{pages:?}");
    let expected: Vec<String> = (1..=pages.len()).map(|n| n.to_string()).collect();
    assert_eq!(pages, expected);
    assert!(
        spans
            .named("metronome.request")
            .iter()
            .all(|s| s.fields.get("path").map(String::as_str) == Some("/v1/usage"))
    );
}

#[test]
fn spans_of_calls_attempts_and_pages() {
    a_retried_call_is_one_request_span_with_a_span_per_attempt();
    each_page_of_a_walk_is_a_request_span_with_its_page();
}
