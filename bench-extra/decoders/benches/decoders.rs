//! serde_json against sonic-rs, decoding the pages the walks decode into
//! the generated types (the same serde `Deserialize` impls).
//!
//! `cargo bench -p metronome-client --bench decoders` fetches a usage page
//! and a costs page of 100 items and of 1 item from `metronome-mock`, then
//! decodes each with both, in alternating batches, and prints the median
//! time per page and the ratio.

use std::time::Instant;

use metronome_api::types;
use metronome_mock::MockMetronome;
use serde::de::DeserializeOwned;

fn fetch(rt: &tokio::runtime::Runtime, mock: &MockMetronome, usage: bool, items: usize) -> Vec<u8> {
    rt.block_on(async {
        let http = reqwest::Client::new();
        let request = if usage {
            let days = items as i64;
            let end = chrono::DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").unwrap() + chrono::Duration::days(days);
            let body = serde_json::json!({"starting_on": "2024-01-01T00:00:00Z", "ending_before": end.to_rfc3339(), "window_size": "DAY"});
            http.post(format!("{}/v1/usage", mock.base_url())).json(&body)
        } else {
            let customer = mock.dataset().customers()[0].id;
            http.get(format!("{}/v1/customers/{customer}/costs", mock.base_url())).query(&[
                ("starting_on", "2024-01-01T00:00:00Z".to_string()),
                ("ending_before", "2024-04-10T00:00:00Z".to_string()),
                ("limit", items.to_string()),
            ])
        };
        request.bearer_auth(mock.token()).send().await.unwrap().bytes().await.unwrap().to_vec()
    })
}

/// Median nanoseconds per decode over `rounds` batches of `batch`.
fn time<T: DeserializeOwned>(bytes: &[u8], sonic: bool, rounds: usize, batch: usize) -> f64 {
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        for _ in 0..batch {
            let page: T = if sonic {
                sonic_rs::from_slice(bytes).unwrap()
            } else {
                serde_json::from_slice(bytes).unwrap()
            };
            std::hint::black_box(page);
        }
        samples.push(started.elapsed().as_nanos() as f64 / batch as f64);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn compare<T: DeserializeOwned>(name: &str, bytes: &[u8], quick: bool) {
    let (rounds, batch) = if quick {
        (1, 1)
    } else {
        (31, (2_000_000 / bytes.len()).max(20))
    };
    // Both decoders must read the page the same way.
    let a: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    let _: T = sonic_rs::from_slice(bytes).unwrap();
    let _ = a;
    let mut serde = Vec::new();
    let mut sonic = Vec::new();
    for _ in 0..3 {
        serde.push(time::<T>(bytes, false, rounds, batch));
        sonic.push(time::<T>(bytes, true, rounds, batch));
    }
    serde.sort_by(|a, b| a.total_cmp(b));
    sonic.sort_by(|a, b| a.total_cmp(b));
    let (serde, sonic) = (serde[1], sonic[1]);
    println!(
        "| {name} | {} B | {:.1} µs | {:.1} µs | {:.2}× |",
        bytes.len(),
        serde / 1e3,
        sonic / 1e3,
        serde / sonic
    );
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let mock = rt.block_on(
        MockMetronome::builder()
            .customers(1)
            .metrics(1)
            .days(1000)
            .start(),
    );
    println!("| page | size | serde_json | sonic-rs | sonic-rs speed-up |");
    println!("|---|---|---|---|---|");
    compare::<types::UsageListResponse>("usage, 100 items", &fetch(&rt, &mock, true, 100), quick);
    compare::<types::UsageListResponse>("usage, 1 item", &fetch(&rt, &mock, true, 1), quick);
    compare::<types::CustomerCostsResponse>(
        "costs, 100 items",
        &fetch(&rt, &mock, false, 100),
        quick,
    );
    compare::<types::CustomerCostsResponse>("costs, 1 item", &fetch(&rt, &mock, false, 1), quick);
}
