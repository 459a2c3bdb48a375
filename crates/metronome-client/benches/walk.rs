//! Walking pages as fast as the wire allows.
//!
//! `cargo bench -p metronome-client --bench walk`; results and their
//! reading are in BENCHMARKS.md. Every server is `metronome-mock` on
//! loopback, in this process, serving pre-rendered pages.
//!
//! - `walk/*`: every item of a list, SDK against the loop a user would
//!   write with reqwest + serde_json into the same generated types;
//! - `decode/*`: one page, bytes to typed page, against `serde_json::Value`;
//! - `prefetch/*`: 5 ms per response and 5 ms of work per page, at look-ahead 0, 1, 2;
//! - `partitions/*`: 5 ms per response, one walk against 4 concurrent ones.

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use futures::TryStreamExt;
use metronome_client::Client;
use metronome_client::types;
use metronome_mock::MockMetronome;

const START: &str = "2024-01-01T00:00:00Z";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

fn sdk(mock: &MockMetronome) -> Client {
    Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .build()
        .expect("a client")
}

fn end_after(days: i64) -> chrono::DateTime<chrono::Utc> {
    START.parse::<chrono::DateTime<chrono::Utc>>().unwrap() + chrono::Duration::days(days)
}

/// A list shape: which endpoint, how many pages of how many items.
#[derive(Clone, Copy)]
struct Shape {
    endpoint: Endpoint,
    pages: usize,
    per_page: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Endpoint {
    Usage,
    Costs,
}

impl Shape {
    fn items(self) -> usize {
        self.pages * self.per_page
    }

    fn name(self) -> String {
        let endpoint = if self.endpoint == Endpoint::Usage {
            "usage"
        } else {
            "costs"
        };
        format!("{endpoint}_{}x{}", self.pages, self.per_page)
    }

    /// Usage: `pages * per_page` daily aggregates over 1000 days (one
    /// metric). Costs: one customer, one day per item.
    async fn mock(self, latency: Duration) -> MockMetronome {
        let builder = MockMetronome::builder()
            .metrics(1)
            .prerender(true)
            .log_capacity(0)
            .latency(latency);
        match self.endpoint {
            Endpoint::Usage => {
                builder
                    .customers(self.items().div_ceil(1000))
                    .days(1000)
                    .usage_page_size(self.per_page)
                    .start()
                    .await
            }
            Endpoint::Costs => builder.customers(1).days(self.items() as u32).start().await,
        }
    }

    fn days(self) -> i64 {
        match self.endpoint {
            Endpoint::Usage => 1000,
            Endpoint::Costs => self.items() as i64,
        }
    }

    async fn walk_sdk(self, client: &Client, mock: &MockMetronome, prefetch: usize) -> usize {
        let end = end_after(self.days());
        match self.endpoint {
            Endpoint::Usage => {
                let walk = client
                    .usage()
                    .list(START, end, "day")
                    .prefetch(prefetch)
                    .stream();
                walk.try_fold(0, |n, _| async move { Ok(n + 1) })
                    .await
                    .unwrap()
            }
            Endpoint::Costs => {
                let customer = mock.dataset().customers()[0].id;
                let walk = client
                    .customers()
                    .list_costs(customer, START, end)
                    .limit(self.per_page as u64);
                walk.prefetch(prefetch)
                    .stream()
                    .try_fold(0, |n, _| async move { Ok(n + 1) })
                    .await
                    .unwrap()
            }
        }
    }

    /// What a user writes without the SDK: reqwest, serde_json, the same
    /// generated types, the same body and cursor handling, one page at a time.
    async fn walk_baseline(self, http: &reqwest::Client, mock: &MockMetronome) -> usize {
        let end = end_after(self.days());
        let mut cursor: Option<String> = None;
        let mut items = 0;
        loop {
            let request = match self.endpoint {
                Endpoint::Usage => {
                    let body = types::UsageListRequest {
                        starting_on: START.parse().unwrap(),
                        ending_before: end,
                        window_size: types::WindowSize::Day,
                        customer_ids: Vec::new(),
                        billable_metrics: Vec::new(),
                    };
                    let mut request = http
                        .post(format!("{}/v1/usage", mock.base_url()))
                        .json(&body);
                    if let Some(cursor) = &cursor {
                        request = request.query(&[("next_page", cursor)]);
                    }
                    request
                }
                Endpoint::Costs => {
                    let customer = mock.dataset().customers()[0].id;
                    let mut query = vec![
                        ("starting_on", START.to_string()),
                        (
                            "ending_before",
                            end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        ),
                        ("limit", self.per_page.to_string()),
                    ];
                    if let Some(cursor) = &cursor {
                        query.push(("next_page", cursor.clone()));
                    }
                    http.get(format!("{}/v1/customers/{customer}/costs", mock.base_url()))
                        .query(&query)
                }
            };
            let response = request
                .bearer_auth(mock.token())
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap();
            let bytes = response.bytes().await.unwrap();
            let next = match self.endpoint {
                Endpoint::Usage => {
                    let page: types::UsageListResponse = serde_json::from_slice(&bytes).unwrap();
                    items += page.data.len();
                    page.next_page
                }
                Endpoint::Costs => {
                    let page: types::CustomerCostsResponse =
                        serde_json::from_slice(&bytes).unwrap();
                    items += page.data.len();
                    page.next_page
                }
            };
            match next.filter(|c| !c.is_empty()) {
                Some(next) => cursor = Some(next),
                None => return items,
            }
        }
    }
}

const SHAPES: [Shape; 4] = [
    Shape {
        endpoint: Endpoint::Usage,
        pages: 200,
        per_page: 100,
    },
    Shape {
        endpoint: Endpoint::Usage,
        pages: 1000,
        per_page: 1,
    },
    Shape {
        endpoint: Endpoint::Costs,
        pages: 200,
        per_page: 100,
    },
    Shape {
        endpoint: Endpoint::Costs,
        pages: 1000,
        per_page: 1,
    },
];

fn walk(c: &mut Criterion) {
    let rt = runtime();
    for shape in SHAPES {
        let mock = rt.block_on(shape.mock(Duration::ZERO));
        let client = rt.block_on(async { sdk(&mock) });
        let http = rt.block_on(async { reqwest::Client::new() });
        // Warm the page cache and check both loops see every item.
        assert_eq!(
            rt.block_on(shape.walk_sdk(&client, &mock, 0)),
            shape.items()
        );
        assert_eq!(
            rt.block_on(shape.walk_baseline(&http, &mock)),
            shape.items()
        );
        let (busy, served) = (mock.busy_time(), mock.request_count());

        let mut group = c.benchmark_group(format!("walk/{}", shape.name()));
        group
            .sample_size(10)
            .measurement_time(Duration::from_secs(6))
            .throughput(Throughput::Elements(shape.items() as u64));
        group.bench_function("baseline", |b| {
            b.to_async(&rt).iter(|| shape.walk_baseline(&http, &mock))
        });
        group.bench_function("sdk", |b| {
            b.to_async(&rt).iter(|| shape.walk_sdk(&client, &mock, 0))
        });
        group.bench_function("sdk_prefetch1", |b| {
            b.to_async(&rt).iter(|| shape.walk_sdk(&client, &mock, 1))
        });
        group.finish();

        let (busy, served) = (mock.busy_time() - busy, mock.request_count() - served);
        eprintln!(
            "walk/{}: server busy {:.1} µs per request over {served} requests (pre-rendered pages)",
            shape.name(),
            busy.as_secs_f64() * 1e6 / served.max(1) as f64
        );
    }
}

fn decode(c: &mut Criterion) {
    let rt = runtime();
    let mock = rt.block_on(
        MockMetronome::builder()
            .customers(1)
            .metrics(1)
            .days(1000)
            .start(),
    );
    let http = rt.block_on(async { reqwest::Client::new() });
    let usage = rt.block_on(async {
        let body = serde_json::json!({"starting_on": START, "ending_before": end_after(100), "window_size": "DAY"});
        let request = http.post(format!("{}/v1/usage", mock.base_url())).bearer_auth(mock.token()).json(&body);
        request.send().await.unwrap().bytes().await.unwrap()
    });
    let costs = rt.block_on(async {
        let customer = mock.dataset().customers()[0].id;
        let url = format!("{}/v1/customers/{customer}/costs", mock.base_url());
        let query = [
            ("starting_on", START.to_string()),
            ("ending_before", "2024-04-10T00:00:00Z".into()),
            ("limit", "100".into()),
        ];
        http.get(url)
            .query(&query)
            .bearer_auth(mock.token())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
    });
    assert_eq!(
        serde_json::from_slice::<types::UsageListResponse>(&usage)
            .unwrap()
            .data
            .len(),
        100
    );
    assert_eq!(
        serde_json::from_slice::<types::CustomerCostsResponse>(&costs)
            .unwrap()
            .data
            .len(),
        100
    );

    for (name, bytes) in [("usage_page_100", &usage), ("costs_page_100", &costs)] {
        let mut group = c.benchmark_group(format!("decode/{name}"));
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function("serde_json_value", |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(bytes).unwrap())
        });
        if name.starts_with("usage") {
            group.bench_function("typed", |b| {
                b.iter(|| serde_json::from_slice::<types::UsageListResponse>(bytes).unwrap())
            });
        } else {
            group.bench_function("typed", |b| {
                b.iter(|| serde_json::from_slice::<types::CustomerCostsResponse>(bytes).unwrap())
            });
        }
        group.finish();
    }
}

/// 40 pages, 5 ms per response, and a caller that spends 5 ms on each page.
fn prefetch(c: &mut Criterion) {
    let rt = runtime();
    let shape = Shape {
        endpoint: Endpoint::Usage,
        pages: 40,
        per_page: 100,
    };
    let mock = rt.block_on(shape.mock(Duration::from_millis(5)));
    let client = rt.block_on(async { sdk(&mock) });
    let mut group = c.benchmark_group("prefetch/usage_40x100_5ms_latency_5ms_work");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Elements(shape.pages as u64));
    for depth in [0, 1, 2] {
        group.bench_with_input(BenchmarkId::from_parameter(depth), &depth, |b, &depth| {
            b.to_async(&rt).iter(|| async {
                let mut pages = client
                    .usage()
                    .list(START, end_after(1000), "day")
                    .prefetch(depth)
                    .pages();
                while let Some(page) = pages.try_next().await.unwrap() {
                    std::hint::black_box(&page);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        });
    }
    group.finish();
}

/// 8 customers x 100 days in pages of 25 (32 pages), 5 ms per response:
/// one walk against 4 walks over 2 customers each.
fn partitions(c: &mut Criterion) {
    let rt = runtime();
    let mock = rt.block_on(
        MockMetronome::builder()
            .customers(8)
            .metrics(1)
            .days(100)
            .usage_page_size(25)
            .prerender(true)
            .log_capacity(0)
            .latency(Duration::from_millis(5))
            .start(),
    );
    let client = rt.block_on(async { sdk(&mock) });
    let ids: Vec<_> = mock.dataset().customers().iter().map(|c| c.id).collect();
    let list = || {
        client
            .usage()
            .list(START, end_after(100), "day")
            .customer_ids(ids.clone())
            .prefetch(0)
    };
    let count = |stream: metronome_client::ItemStream<types::UsageAggregate>| async move {
        let n = stream
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap();
        assert_eq!(n, 800);
    };
    let mut group = c.benchmark_group("partitions/usage_8_customers_32x25_5ms_latency");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Elements(800));
    group.bench_function("single_walk", |b| {
        b.to_async(&rt).iter(|| count(list().stream()))
    });
    group.bench_function("4_partitions", |b| {
        b.to_async(&rt)
            .iter(|| count(list().partition_by_customers(4).stream()))
    });
    group.finish();
}

criterion_group!(benches, walk, decode, prefetch, partitions);
criterion_main!(benches);
