//! The SDK against the loop a user writes by hand, in every runtime
//! configuration, as ratios.
//!
//! `cargo bench -p metronome-client --bench walk_vs_loop` serves
//! pre-rendered pages from `metronome-mock` on its own runtime thread (so
//! it never shares a runtime with the loop under test) and walks every
//! page of four lists in each configuration:
//!
//! - `string_loop`: reqwest + serde_json into structs whose ids and
//!   timestamps stay `String`, sequential, one keep-alive connection, on a
//!   current-thread runtime: the fastest loop a user writes;
//! - `typed_loop`: the same into the generated types (uuid and RFC 3339
//!   parsed per item);
//! - the SDK on a current-thread runtime with look-ahead off and with its
//!   defaults, and on a multi-thread runtime (`#[tokio::main]`'s: one
//!   worker per core) with look-ahead off and with its defaults;
//! - `string_loop` again on the multi-thread runtime: what that runtime
//!   costs a hand-written loop (its request crosses to the connection's
//!   task on a worker), the baseline the SDK's multi-thread cells compare
//!   with beside the current-thread loop.
//!
//! Rounds are interleaved (every configuration once per round, `ROUNDS`
//! rounds); each cell is the median over rounds of the time per walk, and
//! the ratio is `string_loop time / configuration time` (above 1: faster
//! than the loop). `-- --rounds N` changes the number of rounds.
//!
//! `-- --server process` runs the mock in another process (this bench
//! binary again, `--serve <shape>`) on a one-thread runtime, as a real
//! server is: nothing of the server then competes with the client for the
//! client's threads, and what crosses threads inside the client is not
//! hidden by a server in the same process. The child binds 127.0.0.1,
//! stops when its stdin closes and in any case after ten minutes.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use futures::TryStreamExt;
use metronome_client::Client;
use metronome_client::types;
use metronome_mock::MockMetronome;
use serde::Deserialize;

const START: &str = "2024-01-01T00:00:00Z";

/// A list: which endpoint, how many pages of how many items.
#[derive(Clone, Copy)]
struct Shape {
    usage: bool,
    pages: usize,
    per_page: usize,
}

impl Shape {
    fn items(self) -> usize {
        self.pages * self.per_page
    }

    fn name(self) -> String {
        let endpoint = if self.usage { "usage" } else { "costs" };
        format!("{endpoint} {}×{}", self.pages, self.per_page)
    }

    fn days(self) -> i64 {
        if self.usage {
            1000
        } else {
            self.items() as i64
        }
    }

    fn end(self) -> chrono::DateTime<chrono::Utc> {
        START.parse::<chrono::DateTime<chrono::Utc>>().unwrap()
            + chrono::Duration::days(self.days())
    }
}

const SHAPES: [Shape; 4] = [
    Shape {
        usage: true,
        pages: 200,
        per_page: 100,
    },
    Shape {
        usage: true,
        pages: 1000,
        per_page: 1,
    },
    Shape {
        usage: false,
        pages: 200,
        per_page: 100,
    },
    Shape {
        usage: false,
        pages: 1000,
        per_page: 1,
    },
];

/// Where the mock serves, and what a walk needs from it.
#[derive(Clone)]
struct Server {
    base_url: String,
    token: String,
    customer: String,
}

/// A running server: in this process (stopped when the sender is dropped)
/// or in a child process (stopped when its stdin closes).
enum Running {
    Thread(
        #[allow(dead_code, reason = "held: dropping it stops the server")]
        std::sync::mpsc::Sender<()>,
    ),
    Process(std::process::Child),
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Running::Process(child) = self {
            drop(child.stdin.take());
            let _ = child.wait();
        }
    }
}

/// Starts the mock for `shape`, in this process or another.
fn serve(shape: Shape, in_process: bool) -> (Server, Running) {
    if in_process {
        let (server, stop) = serve_in_thread(shape);
        return (server, Running::Thread(stop));
    }
    use std::io::BufRead;
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--serve", &shape_arg(shape)])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let mut parts = line.split_whitespace().map(str::to_string);
    let server = Server {
        base_url: parts.next().expect("the child prints its base URL"),
        token: parts.next().expect("and its token"),
        customer: parts.next().expect("and a customer"),
    };
    (server, Running::Process(child))
}

fn shape_arg(shape: Shape) -> String {
    format!("{},{},{}", shape.usage, shape.pages, shape.per_page)
}

/// The child's side of `--server process`: serves `shape` on a runtime of
/// one thread, prints where, and stops when stdin closes (or after ten
/// minutes, whatever happens to the parent).
fn serve_child(arg: &str) {
    let mut fields = arg.split(',');
    let shape = Shape {
        usage: fields.next() == Some("true"),
        pages: fields.next().and_then(|v| v.parse().ok()).unwrap(),
        per_page: fields.next().and_then(|v| v.parse().ok()).unwrap(),
    };
    let (server, _stop) = serve_in_thread(shape);
    println!("{} {} {}", server.base_url, server.token, server.customer);
    let (done, wait) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = std::io::Read::read_to_end(&mut std::io::stdin(), &mut Vec::new());
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(Duration::from_secs(600));
}

/// Starts the mock for `shape` on a runtime thread of its own (one
/// worker); it stops when the returned sender is dropped.
fn serve_in_thread(shape: Shape) -> (Server, std::sync::mpsc::Sender<()>) {
    let (ready_tx, ready) = std::sync::mpsc::channel();
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let builder = MockMetronome::builder()
                .metrics(1)
                .prerender(true)
                .log_capacity(0);
            let mock = if shape.usage {
                builder
                    .customers(shape.items().div_ceil(1000))
                    .days(1000)
                    .usage_page_size(shape.per_page)
                    .start()
                    .await
            } else {
                builder
                    .customers(1)
                    .days(shape.items() as u32)
                    .start()
                    .await
            };
            ready_tx
                .send(Server {
                    base_url: mock.base_url(),
                    token: mock.token().to_string(),
                    customer: mock.dataset().customers()[0].id.to_string(),
                })
                .unwrap();
            // Until the bench is done with this shape.
            let _ = tokio::task::spawn_blocking(move || stopped.recv()).await;
        });
    });
    (ready.recv().unwrap(), stop)
}

/// A page as the string loop reads it.
#[derive(Deserialize)]
struct StringPage<T> {
    data: Vec<T>,
    next_page: Option<String>,
}

/// A usage aggregate with its ids and timestamps left as text.
#[derive(Deserialize)]
#[allow(dead_code)]
struct StringUsage {
    customer_id: String,
    billable_metric_id: String,
    billable_metric_name: String,
    start_timestamp: String,
    end_timestamp: String,
    value: Option<f64>,
    #[serde(default)]
    groups: Option<HashMap<String, Option<f64>>>,
}

/// A day of costs with its timestamps left as text.
#[derive(Deserialize)]
#[allow(dead_code)]
struct StringCosts {
    start_timestamp: String,
    end_timestamp: String,
    credit_types: HashMap<String, StringCreditType>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct StringCreditType {
    cost: Option<f64>,
    name: Option<String>,
    #[serde(default)]
    line_item_breakdown: Vec<StringLineItem>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct StringLineItem {
    cost: f64,
    name: String,
    group_key: Option<String>,
    group_value: Option<String>,
}

/// The hand-written loop; `typed` decodes into the generated types.
async fn hand_loop(shape: Shape, server: &Server, http: &reqwest::Client, typed: bool) -> usize {
    let end = shape.end();
    let mut cursor: Option<String> = None;
    let mut items = 0;
    loop {
        let request = if shape.usage {
            let body = serde_json::json!({
                "starting_on": START,
                "ending_before": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "window_size": "DAY",
            });
            let mut request = http
                .post(format!("{}/v1/usage", server.base_url))
                .json(&body);
            if let Some(cursor) = &cursor {
                request = request.query(&[("next_page", cursor)]);
            }
            request
        } else {
            let mut query = vec![
                ("starting_on", START.to_string()),
                (
                    "ending_before",
                    end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                ),
                ("limit", shape.per_page.to_string()),
            ];
            if let Some(cursor) = &cursor {
                query.push(("next_page", cursor.clone()));
            }
            http.get(format!(
                "{}/v1/customers/{}/costs",
                server.base_url, server.customer
            ))
            .query(&query)
        };
        let bytes = request
            .bearer_auth(&server.token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let next = match (shape.usage, typed) {
            (true, false) => {
                let page: StringPage<StringUsage> = serde_json::from_slice(&bytes).unwrap();
                items += page.data.len();
                page.next_page
            }
            (false, false) => {
                let page: StringPage<StringCosts> = serde_json::from_slice(&bytes).unwrap();
                items += page.data.len();
                page.next_page
            }
            (true, true) => {
                let page: types::UsageListResponse = serde_json::from_slice(&bytes).unwrap();
                items += page.data.len();
                page.next_page
            }
            (false, true) => {
                let page: types::CustomerCostsResponse = serde_json::from_slice(&bytes).unwrap();
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

async fn sdk_walk(
    shape: Shape,
    server: &Server,
    client: &Client,
    prefetch: Option<usize>,
) -> usize {
    let end = shape.end();
    if shape.usage {
        let mut walk = client.usage().list(START, end, "day");
        if let Some(depth) = prefetch {
            walk = walk.prefetch(depth);
        }
        walk.stream()
            .try_fold(0, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap()
    } else {
        let mut walk = client
            .customers()
            .list_costs(server.customer.as_str(), START, end)
            .limit(shape.per_page as u64);
        if let Some(depth) = prefetch {
            walk = walk.prefetch(depth);
        }
        walk.stream()
            .try_fold(0, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap()
    }
}

/// One configuration under test: its runtime and what it runs.
struct Config {
    name: &'static str,
    rt: tokio::runtime::Runtime,
    kind: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    StringLoop,
    TypedLoop,
    Sdk(Option<usize>),
}

fn current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn multi_thread() -> tokio::runtime::Runtime {
    // What `#[tokio::main]` builds: one worker per core.
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn configs() -> Vec<Config> {
    vec![
        Config {
            name: "string_loop (current-thread)",
            rt: current_thread(),
            kind: Kind::StringLoop,
        },
        Config {
            name: "typed_loop (current-thread)",
            rt: current_thread(),
            kind: Kind::TypedLoop,
        },
        Config {
            name: "sdk, current-thread, look-ahead off",
            rt: current_thread(),
            kind: Kind::Sdk(Some(0)),
        },
        Config {
            name: "sdk, current-thread, defaults",
            rt: current_thread(),
            kind: Kind::Sdk(None),
        },
        Config {
            name: "string_loop (multi-thread)",
            rt: multi_thread(),
            kind: Kind::StringLoop,
        },
        Config {
            name: "sdk, multi-thread, look-ahead off",
            rt: multi_thread(),
            kind: Kind::Sdk(Some(0)),
        },
        Config {
            name: "sdk, multi-thread, defaults",
            rt: multi_thread(),
            kind: Kind::Sdk(None),
        },
    ]
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--serve") {
        serve_child(&args[i + 1]);
        return;
    }
    let in_process = args
        .iter()
        .position(|a| a == "--server")
        .and_then(|i| args.get(i + 1))
        .is_some_and(|v| v == "thread");
    let rounds = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(7usize);
    // `cargo test --benches` runs benches with no `--bench`: one quick round.
    let quick = !args.iter().any(|a| a == "--bench");
    let rounds = if quick { 1 } else { rounds };

    let configs = configs();
    println!(
        "| list | {} |",
        configs
            .iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
            .join(" | ")
    );
    println!("|---|{}", "---|".repeat(configs.len()));
    for shape in SHAPES {
        let (server, _running) = serve(shape, in_process);
        // Each configuration its own client, made on its own runtime.
        let clients: Vec<(reqwest::Client, Client)> = configs
            .iter()
            .map(|c| {
                c.rt.block_on(async {
                    (
                        reqwest::Client::new(),
                        Client::builder()
                            .bearer_token(&server.token)
                            .base_url(&server.base_url)
                            .build()
                            .unwrap(),
                    )
                })
            })
            .collect();
        let run = |i: usize| {
            let config = &configs[i];
            let (http, client) = &clients[i];
            config.rt.block_on(async {
                match config.kind {
                    Kind::StringLoop => hand_loop(shape, &server, http, false).await,
                    Kind::TypedLoop => hand_loop(shape, &server, http, true).await,
                    Kind::Sdk(prefetch) => sdk_walk(shape, &server, client, prefetch).await,
                }
            })
        };
        // Warm up (connections, page cache) and check every loop sees every item.
        for (i, config) in configs.iter().enumerate() {
            assert_eq!(run(i), shape.items(), "{}", config.name);
        }
        // Walks per measurement: about 100 ms of work each.
        let started = Instant::now();
        run(0);
        let once = started.elapsed().max(Duration::from_micros(100));
        let repeat = if quick {
            1
        } else {
            (0.1 / once.as_secs_f64()).ceil().max(1.0) as usize
        };

        let mut times: Vec<Vec<f64>> = vec![Vec::new(); configs.len()];
        for _ in 0..rounds {
            for (i, time) in times.iter_mut().enumerate() {
                let started = Instant::now();
                for _ in 0..repeat {
                    run(i);
                }
                time.push(started.elapsed().as_secs_f64() / repeat as f64);
            }
        }
        let medians: Vec<f64> = times.into_iter().map(median).collect();
        let cells: Vec<String> = medians
            .iter()
            .map(|t| format!("{:.2} ms, **{:.2}×**", t * 1e3, medians[0] / t))
            .collect();
        println!("| {} | {} |", shape.name(), cells.join(" | "));
    }
    if !quick {
        let place = if in_process {
            "a thread of this process"
        } else {
            "another process"
        };
        println!(
            "\n({rounds} interleaved rounds; medians; ratio = string_loop time / time; server in {place})"
        );
    }
}
