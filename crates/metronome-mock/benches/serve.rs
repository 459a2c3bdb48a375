//! How fast `metronome-mock` answers, and how much memory it holds after
//! many requests: `cargo bench -p metronome-mock --bench serve`.
//!
//! Runs the `metronome-mock` binary (default settings, `--quiet`) and
//! sends it requests from 4 concurrent keep-alive connections: a computed
//! usage page (42 aggregates), the same page pre-rendered (`--prerender`),
//! a page of a described operation (10 packages made from the schema,
//! checked against it), and the remembered paths: creating a product, reading
//! one by id, and a page of 10 of the products created (the store then
//! holds some 32,000). Prints requests per second (median of 3 rounds) and
//! the server's resident memory (`VmRSS`) after 100,000 requests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

struct Server(Child, String);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_metronome-mock"))
        .args(["--port", "0", "--quiet", "--max-seconds", "900"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .trim_start_matches("metronome-mock listening on ")
        .to_string();
    Server(child, url)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Sends `n` requests from 4 connections; returns requests per second.
async fn load(client: &reqwest::Client, url: &str, path: &str, body: &str, n: usize) -> f64 {
    let started = Instant::now();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, body) = (client.clone(), format!("{url}{path}"), body.to_string());
            tokio::spawn(async move {
                for _ in 0..n / 4 {
                    let response = client
                        .post(&url)
                        .bearer_auth(metronome_mock::DEFAULT_TOKEN)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .expect("the mock answers");
                    assert_eq!(response.status(), 200);
                    let _ = response.bytes().await;
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let usage = r#"{"starting_on":"2024-01-01T00:00:00Z","ending_before":"2024-01-08T00:00:00Z","window_size":"DAY"}"#;
    let packages = ("/v1/packages/list?limit=10", "{}");
    let product = r#"{"name":"Widgets","type":"USAGE"}"#;
    let client = reqwest::Client::new();
    rt.block_on(async {
        let computed = start(&[]);
        let prerendered = start(&["--prerender"]);
        let remembering = start(&[]);
        let created: serde_json::Value = client
            .post(format!("{}/v1/contract-pricing/products/create", remembering.1))
            .bearer_auth(metronome_mock::DEFAULT_TOKEN)
            .header("content-type", "application/json")
            .body(product)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("the mock creates a product")
            .json()
            .await
            .expect("JSON");
        let read = format!(r#"{{"id":{}}}"#, created["data"]["id"]);
        let mut rows = Vec::new();
        for (name, server, path, body) in [
            ("usage page, computed", &computed, "/v1/usage", usage),
            ("usage page, pre-rendered", &prerendered, "/v1/usage", usage),
            ("described list (packages), computed", &computed, packages.0, packages.1),
            ("remembered: create a product", &remembering, "/v1/contract-pricing/products/create", product),
            ("remembered: read a product", &remembering, "/v1/contract-pricing/products/get", read.as_str()),
            ("remembered: list 10 of 32,000 products", &remembering, "/v1/contract-pricing/products/list?limit=10", "{}"),
        ] {
            load(&client, &server.1, path, body, 2_000).await;
            let rounds = vec![
                load(&client, &server.1, path, body, 10_000).await,
                load(&client, &server.1, path, body, 10_000).await,
                load(&client, &server.1, path, body, 10_000).await,
            ];
            rows.push((name, median(rounds)));
        }
        for (name, rps) in &rows {
            println!("serve: {name}: {rps:.0} requests/s (median of 3 × 10,000)");
        }
        // The computed server has answered 62,000 requests; to 100,000.
        load(&client, &computed.1, "/v1/usage", usage, 38_000).await;
        println!(
            "serve: resident memory after 100,000 requests (default settings, log of 100,000 entries): {} KiB",
            rss_kib(computed.0.id())
        );
    });
}
