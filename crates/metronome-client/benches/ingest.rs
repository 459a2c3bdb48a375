//! Events per second into `POST /v1/ingest`, three ways, and the memory of
//! the pipeline when producers outrun the server.
//!
//! `cargo bench -p metronome-client --bench ingest` starts `metronome-mock`
//! in a child process (this binary, run with `--serve-mock LATENCY_MS`), so
//! the server's memory and store stay out of the figures, and measures,
//! with the server answering at once and after 5 ms:
//!
//! - **pipeline**: `client.usage().ingester()` with its defaults, fed by 8
//!   producer tasks;
//! - **chunks**: one task sending sequential `ingest` calls of 100 events;
//! - **one per event**: one task sending one `ingest` call per event.
//!
//! Each is run 3 times, interleaved; the table gives medians and the
//! pipeline's ratio to the others. Then it runs the pipeline in child
//! processes (`--rss-run EVENTS`) against a server slower than the
//! producers (20 ms per answer), for 0, 20,000 and 200,000 events, and
//! prints each one's peak resident memory (`VmHWM`): bounded memory means
//! the last two are alike.

#[path = "support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use metronome_client::{Client, Event};
use metronome_mock::MockMetronome;

const PRODUCERS: usize = 8;
const ROUNDS: usize = 3;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn event(run: &str, n: usize) -> Event {
    Event::new(
        format!("{run}-{n}"),
        format!("customer-{}", n % 100),
        "api_call",
        "2026-11-30T12:00:00Z",
    )
    .property("endpoint", "/v1/items")
    .property("bytes", n as u64 * 17 % 4096)
}

/// Runs the mock until stdin closes (the parent exited) or 30 minutes pass.
fn serve_mock(latency_ms: u64) {
    runtime().block_on(async {
        let mock = MockMetronome::builder()
            .latency(Duration::from_millis(latency_ms))
            .log_capacity(0)
            .start()
            .await;
        println!("{} {}", mock.base_url(), mock.token());
        std::io::stdout().flush().unwrap();
        let stdin_closed = tokio::task::spawn_blocking(|| {
            let mut sink = String::new();
            while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {}
        });
        let _ = tokio::time::timeout(Duration::from_secs(1800), stdin_closed).await;
    });
}

struct Server {
    child: Child,
    base_url: String,
    token: String,
}

impl Server {
    fn start(latency_ms: u64) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--serve-mock", &latency_ms.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let (base_url, token) = line.trim().split_once(' ').unwrap();
        Server {
            base_url: base_url.to_string(),
            token: token.to_string(),
            child,
        }
    }

    fn client(&self) -> Client {
        Client::builder()
            .bearer_token(&self.token)
            .base_url(&self.base_url)
            .build()
            .unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn pipeline(client: &Client, run: &str, events: usize) {
    let ingester = client.usage().ingester().start().unwrap();
    let mut producers = Vec::new();
    for producer in 0..PRODUCERS {
        let ingester = ingester.clone();
        let run = format!("{run}-p{producer}");
        producers.push(tokio::spawn(async move {
            for n in 0..events / PRODUCERS {
                ingester.send(event(&run, n)).await.unwrap();
            }
        }));
    }
    for producer in producers {
        producer.await.unwrap();
    }
    let report = ingester.shutdown().await.unwrap();
    assert_eq!(report.failed, 0);
    assert_eq!(report.acknowledged as usize, events / PRODUCERS * PRODUCERS);
}

async fn chunks(client: &Client, run: &str, events: usize) {
    for start in (0..events).step_by(100) {
        let chunk = (start..(start + 100).min(events)).map(|n| event(run, n));
        client.usage().ingest(chunk).send().await.unwrap();
    }
}

async fn one_per_event(client: &Client, run: &str, events: usize) {
    for n in 0..events {
        client.usage().ingest([event(run, n)]).send().await.unwrap();
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn throughput() {
    println!(
        "## Events per second into POST /v1/ingest (medians of {ROUNDS} interleaved rounds)\n"
    );
    println!(
        "| server latency | pipeline (defaults, {PRODUCERS} producers) | chunks of 100, sequential | one call per event | pipeline / chunks | pipeline / one per event |"
    );
    println!("|---|---|---|---|---|---|");
    let rt = runtime();
    for latency in [0u64, 5] {
        let server = Server::start(latency);
        let client = server.client();
        // Sizes that keep each run near a second or two.
        let (big, small) = if latency == 0 {
            (40_000, 2_000)
        } else {
            (40_000, 200)
        };
        let mut rates: [Vec<f64>; 3] = Default::default();
        for round in 0..ROUNDS {
            for (i, rate) in rates.iter_mut().enumerate() {
                let run = format!("l{latency}-r{round}-m{i}");
                let events = if i == 2 { small } else { big };
                let started = Instant::now();
                rt.block_on(async {
                    match i {
                        0 => pipeline(&client, &run, events).await,
                        1 => chunks(&client, &run, events).await,
                        _ => one_per_event(&client, &run, events).await,
                    }
                });
                rate.push(events as f64 / started.elapsed().as_secs_f64());
            }
        }
        let [p, c, o] = rates.map(median);
        println!(
            "| {latency} ms | {p:.0} | {c:.0} | {o:.0} | {:.2}× | {:.0}× |",
            p / c,
            p / o
        );
    }
}

/// One pipeline run in this process against `base_url`; prints its peak RSS.
fn rss_run(events: usize, base_url: &str, token: &str) {
    let rt = runtime();
    rt.block_on(async {
        let client = Client::builder()
            .bearer_token(token)
            .base_url(base_url)
            .build()
            .unwrap();
        if events > 0 {
            pipeline(&client, &format!("rss-{events}"), events).await;
        }
    });
    println!("{}", support::peak_rss_kib());
}

fn memory() {
    println!(
        "\n## Peak RSS of the pipeline, producers faster than the server (20 ms per answer)\n"
    );
    println!("| events sent | peak RSS (KiB) | time (s) |");
    println!("|---|---|---|");
    let server = Server::start(20);
    for events in [0usize, 20_000, 200_000] {
        let started = Instant::now();
        let output = Command::new(std::env::current_exe().unwrap())
            .args([
                "--rss-run",
                &events.to_string(),
                &server.base_url,
                &server.token,
            ])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        let kib = String::from_utf8_lossy(&output.stdout).trim().to_string();
        println!(
            "| {events} | {kib} | {:.1} |",
            started.elapsed().as_secs_f64()
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--serve-mock") => serve_mock(args[1].parse().unwrap()),
        Some("--rss-run") => rss_run(args[1].parse().unwrap(), &args[2], &args[3]),
        // `cargo bench` passes `--bench`; `cargo test --benches` passes
        // nothing: a quick check that every path runs.
        Some("--bench") => {
            throughput();
            memory();
        }
        _ => {
            let rt = runtime();
            let server = Server::start(0);
            let client = server.client();
            rt.block_on(async {
                pipeline(&client, "smoke-p", 800).await;
                chunks(&client, "smoke-c", 250).await;
                one_per_event(&client, "smoke-o", 3).await;
            });
            println!("ingest bench: smoke run passed (cargo bench runs the figures)");
        }
    }
}
