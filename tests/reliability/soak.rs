//! Long walks through a server that fails about one request in five.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use metronome_client::{Client, Error, RetryPolicy, middleware};
use metronome_mock::{Fault, MockMetronome};

/// Every kind of transient failure, in equal shares (the walk and ingest
/// soaks both draw from it).
pub(crate) fn fault_mix() -> Vec<Fault> {
    vec![
        Fault::status(429),
        Fault::status(429).with_header("retry-after", "0"),
        Fault::status(500),
        Fault::status(502),
        Fault::status(503),
        Fault::status(408),
        Fault::DropConnection,
        Fault::Delay(Duration::from_millis(400)),
    ]
}

/// A client with short waits (configuration, not a shortcut in the code)
/// and enough retries that 20 % of failures in a row cannot exhaust them.
fn client(mock: &MockMetronome) -> Client {
    counted_client(mock, &Retries::default())
}

fn report(
    name: &str,
    pages: u64,
    mock: &MockMetronome,
    items: usize,
    retries: usize,
    started: Instant,
) {
    let faults = mock.faults().injected();
    let injected: u64 = faults.values().sum();
    eprintln!(
        "soak {name}: pages={pages} items={items} requests={} faults_injected={injected} client_retries={retries} lost=0 duplicated=0 in {:.1}s; by kind: {faults:?}",
        mock.request_count(),
        started.elapsed().as_secs_f64()
    );
}

/// The retries a client made: attempts after the first of each call, as
/// its own middleware sees them (below the retry loop).
#[derive(Clone, Default)]
struct Retries(Arc<AtomicUsize>);

/// [`client`], with a middleware that counts its retries into `retries`.
fn counted_client(mock: &MockMetronome, retries: &Retries) -> Client {
    let count = retries.0.clone();
    let policy = RetryPolicy::default()
        .max_retries(8)
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4));
    Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .retry_policy(policy)
        .timeout(Duration::from_millis(150))
        .middleware(middleware::from_fn(move |request, next| {
            if next.attempt() > 1 {
                count.fetch_add(1, Ordering::Relaxed);
            }
            Box::pin(next.run(request))
        }))
        .build()
        .unwrap()
}

/// Runs `walk` on a current-thread runtime of its own and returns what it
/// returned with the retries its client made.
fn counting_retries<T, F: std::future::Future<Output = T>>(
    walk: impl FnOnce(Retries) -> F,
) -> (T, usize) {
    let retries = Retries::default();
    let output = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(walk(retries.clone()));
    (output, retries.0.load(Ordering::Relaxed))
}

#[test]
fn usage_1000_pages_with_20_percent_faults_every_item_once_in_order() {
    let started = Instant::now();
    let ((mock, rows), retries) = counting_retries(|retries| async move {
        let mock = MockMetronome::builder()
            .customers(10)
            .metrics(1)
            .days(100)
            .usage_page_size(1)
            .log_capacity(0)
            .start()
            .await;
        mock.faults().random(0.2, fault_mix(), 2024);
        let walk = counted_client(&mock, &retries)
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-04-10T00:00:00Z", "day")
            .stream();
        let rows: Vec<_> = walk.try_collect().await.unwrap();
        (mock, rows)
    });

    let data = mock.dataset();
    let start = data.start();
    let mut expected = Vec::new();
    for customer in data.customers() {
        for day in 0..100 {
            let from = start + chrono::Duration::days(day);
            let value = data.usage(
                customer.id,
                data.metrics()[0].id,
                from,
                from + chrono::Duration::days(1),
            );
            expected.push((customer.id, from, value));
        }
    }
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.customer_id, r.start_timestamp, r.value))
        .collect();
    assert_eq!(got.len(), 1000);
    assert_eq!(
        got, expected,
        "every item exactly once, in the server's order"
    );

    let injected = mock.faults().injected_total();
    assert!(
        (150..=250).contains(&injected),
        "about 20 % of ~1,250 requests: {injected}"
    );
    assert_eq!(
        retries as u64, injected,
        "the client retried once per injected fault"
    );
    assert_eq!(
        mock.request_count(),
        1000 + injected,
        "and sent no other request"
    );
    assert_eq!(
        mock.faults().injected().len(),
        fault_mix().len(),
        "every kind was injected"
    );
    report("usage", 1000, &mock, rows.len(), retries, started);
}

#[test]
fn costs_1000_pages_with_20_percent_faults_every_day_once_in_order() {
    let started = Instant::now();
    let ((mock, days), retries) = counting_retries(|retries| async move {
        let mock = MockMetronome::builder()
            .customers(1)
            .metrics(2)
            .days(1000)
            .log_capacity(0)
            .start()
            .await;
        mock.faults().random(0.2, fault_mix(), 1969);
        let customer = mock.dataset().customers()[0].id;
        let walk = counted_client(&mock, &retries).customers().list_costs(
            customer,
            "2024-01-01T00:00:00Z",
            "2026-09-27T00:00:00Z",
        );
        let days: Vec<_> = walk.limit(1).stream().try_collect().await.unwrap();
        (mock, days)
    });
    let customer = mock.dataset().customers()[0].id;

    assert_eq!(days.len(), 1000);
    let start: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
    for (i, day) in days.iter().enumerate() {
        let from = start + chrono::Duration::days(i as i64);
        assert_eq!(day.start_timestamp, from, "day {i} in order");
        let cost: f64 = day.credit_types.values().filter_map(|c| c.cost).sum();
        assert_eq!(
            cost,
            mock.dataset()
                .cost_total(customer, from, from + chrono::Duration::days(1)),
            "day {i}"
        );
    }
    let injected = mock.faults().injected_total();
    assert!((150..=250).contains(&injected), "{injected}");
    assert_eq!(
        retries as u64, injected,
        "the client retried once per injected fault"
    );
    assert_eq!(mock.request_count(), 1000 + injected);
    report("costs", 1000, &mock, days.len(), retries, started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_that_persists_ends_the_walk_with_status_attempts_and_page() {
    let mock = MockMetronome::builder()
        .customers(1)
        .metrics(1)
        .days(50)
        .usage_page_size(5)
        .start()
        .await;
    let mut stream = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-02-20T00:00:00Z", "day")
        .prefetch(0)
        .pages();
    let mut delivered = Vec::new();
    for _ in 0..3 {
        delivered.extend(stream.try_next().await.unwrap().unwrap().data);
    }
    mock.faults().persist(Fault::status(503));

    let rest: Vec<_> = stream.collect().await;

    let [Err(err)] = rest.as_slice() else {
        panic!("one error, then the end: {rest:?}")
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 9, "1 attempt + 8 retries");
    assert_eq!(err.context().and_then(|c| c.page), Some(4));
    assert_eq!(
        err.to_string(),
        "usage_list, page 4, after 9 attempts: Metronome answered 503 Service Unavailable: injected fault: 503"
    );
    let starts: Vec<_> = delivered
        .iter()
        .map(|r| r.start_timestamp.format("%d").to_string())
        .collect();
    assert_eq!(
        starts,
        (1..=15).map(|d| format!("{d:02}")).collect::<Vec<_>>(),
        "pages 1-3 exactly once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_keeps_dropping_is_a_connection_error_on_its_page() {
    let mock = MockMetronome::builder().usage_page_size(10).start().await;
    let first = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
        .send()
        .await
        .unwrap();
    mock.faults().persist(Fault::DropConnection);
    let results: Vec<_> = client(&mock)
        .usage()
        .list("2024-01-01T00:00:00Z", "2024-01-08T00:00:00Z", "day")
        .next_page(first.next_page.unwrap())
        .pages()
        .collect()
        .await;
    let [Err(err @ Error::Connection { .. })] = results.as_slice() else {
        panic!("{results:?}")
    };
    assert_eq!(
        (err.attempts(), err.context().and_then(|c| c.page)),
        (9, Some(1))
    );
}

/// The usage rows the mock's dataset holds for `days` days from its start,
/// customer by customer: what a complete walk must deliver.
fn expected_usage(
    mock: &MockMetronome,
    days: i64,
) -> Vec<(uuid::Uuid, DateTime<Utc>, Option<f64>)> {
    let data = mock.dataset();
    let mut expected = Vec::new();
    for customer in data.customers() {
        for day in 0..days {
            let from = data.start() + chrono::Duration::days(day);
            let to = from + chrono::Duration::days(1);
            let value = data.usage(customer.id, data.metrics()[0].id, from, to);
            expected.push((customer.id, from, value));
        }
    }
    expected
}

/// 1,000 one-row pages of usage (10 customers × 100 days) behind 20 %
/// faults, with a multi-thread runtime's worth of look-ahead or
/// partitions: `walk` returns the pages it got.
async fn soaked<F, Fut>(
    seed: u64,
    walk: F,
) -> (
    MockMetronome,
    Vec<metronome_client::Page<metronome_client::types::UsageAggregate>>,
)
where
    F: FnOnce(Client, Vec<uuid::Uuid>) -> Fut,
    Fut: std::future::Future<
            Output = Result<
                Vec<metronome_client::Page<metronome_client::types::UsageAggregate>>,
                Error,
            >,
        >,
{
    let mock = MockMetronome::builder()
        .customers(10)
        .metrics(1)
        .days(100)
        .usage_page_size(1)
        .log_capacity(0)
        .start()
        .await;
    mock.faults().random(0.2, fault_mix(), seed);
    let ids = mock.dataset().customers().iter().map(|c| c.id).collect();
    let pages = walk(client(&mock), ids)
        .await
        .expect("every fault is survived");
    (mock, pages)
}

/// Every row once (compared as sorted sets: partitions merge in arrival
/// order), and no request beyond one per page plus one per fault.
fn assert_exactly_once(
    name: &str,
    mock: &MockMetronome,
    pages: &[metronome_client::Page<metronome_client::types::UsageAggregate>],
    started: Instant,
) {
    let mut got: Vec<_> = pages
        .iter()
        .flat_map(|p| &p.data)
        .map(|r| (r.customer_id, r.start_timestamp, r.value))
        .collect();
    let mut expected = expected_usage(mock, 100);
    let key = |r: &(uuid::Uuid, DateTime<Utc>, Option<f64>)| (r.0, r.1);
    got.sort_by_key(key);
    expected.sort_by_key(key);
    assert_eq!(got.len(), 1000, "{name}: every row");
    assert_eq!(
        got, expected,
        "{name}: every row exactly once, with its value"
    );
    let injected = mock.faults().injected_total();
    assert!((150..=300).contains(&injected), "{name}: {injected}");
    assert_eq!(
        mock.request_count(),
        pages.len() as u64 + injected,
        "{name}: one request per page, plus one per fault"
    );
    // Counted from the server's side here (a multi-thread runtime's
    // tracing is not captured): the requests beyond one per page.
    let extra = mock.request_count() - pages.len() as u64;
    report(
        name,
        pages.len() as u64,
        mock,
        got.len(),
        extra as usize,
        started,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_with_4_pages_of_look_ahead_and_20_percent_faults_every_item_once() {
    let started = Instant::now();
    let (mock, pages) = soaked(7, |client, _| async move {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-04-10T00:00:00Z", "day")
            .prefetch(4)
            .pages()
            .try_collect()
            .await
    })
    .await;
    // In order, too: the look-ahead never reorders.
    let firsts: Vec<_> = pages
        .iter()
        .map(|p| (p.data[0].customer_id, p.data[0].start_timestamp))
        .collect();
    let expected: Vec<_> = expected_usage(&mock, 100)
        .into_iter()
        .map(|r| (r.0, r.1))
        .collect();
    assert_eq!(firsts, expected);
    assert_exactly_once("usage look-ahead 4", &mock, &pages, started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_partitioned_4_ways_by_customers_with_20_percent_faults_every_item_once() {
    let started = Instant::now();
    let (mock, pages) = soaked(11, |client, ids| async move {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-04-10T00:00:00Z", "day")
            .customer_ids(ids)
            .partition_by_customers(4)
            .pages()
            .try_collect()
            .await
    })
    .await;
    assert_exactly_once("usage by customers ×4", &mock, &pages, started);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_partitioned_4_ways_by_time_with_20_percent_faults_every_item_once() {
    let started = Instant::now();
    let (mock, pages) = soaked(13, |client, _| async move {
        client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-04-10T00:00:00Z", "day")
            .partition_by_time(4)
            .pages()
            .try_collect()
            .await
    })
    .await;
    assert_exactly_once("usage by time ×4", &mock, &pages, started);
}

/// Resolves every name to the mock, and panics on its `panic_on`-th call:
/// with no idle connection kept, that is the transport of request
/// `panic_on`.
struct PanickingResolver {
    addr: std::net::SocketAddr,
    calls: std::sync::atomic::AtomicUsize,
    panic_on: usize,
}

impl metronome_client::reqwest::dns::Resolve for PanickingResolver {
    fn resolve(
        &self,
        _: metronome_client::reqwest::dns::Name,
    ) -> metronome_client::reqwest::dns::Resolving {
        let call = self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        if call == self.panic_on {
            panic!("the transport blew up on request {call}");
        }
        let addrs: metronome_client::reqwest::dns::Addrs = Box::new(std::iter::once(self.addr));
        Box::pin(async move { Ok(addrs) })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transport_that_panics_on_page_5_ends_the_walk_with_an_error_not_a_short_list() {
    let mock = MockMetronome::builder()
        .customers(1)
        .metrics(1)
        .days(20)
        .usage_page_size(2)
        .start()
        .await;
    for prefetch in [1, 3] {
        let http = metronome_client::reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .dns_resolver(std::sync::Arc::new(PanickingResolver {
                addr: mock.addr(),
                calls: Default::default(),
                panic_on: 5,
            }))
            .build()
            .unwrap();
        let client = Client::builder()
            .bearer_token(mock.token())
            .base_url(format!("http://metronome.test:{}", mock.addr().port()))
            .http_client(http)
            .build()
            .unwrap();
        let results: Vec<_> = client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-21T00:00:00Z", "day")
            .prefetch(prefetch)
            .pages()
            .collect()
            .await;
        let delivered: usize = results
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .map(|p| p.data.len())
            .sum();
        assert_eq!(delivered, 8, "prefetch {prefetch}: pages 1-4, once each");
        assert_eq!(
            results.len(),
            5,
            "prefetch {prefetch}: then one error, then the end"
        );
        let err = results[4].as_ref().unwrap_err();
        assert!(
            matches!(err, Error::Interrupted { .. })
                && err.to_string().contains("blew up on request 5"),
            "prefetch {prefetch}: {err}"
        );
    }
}
