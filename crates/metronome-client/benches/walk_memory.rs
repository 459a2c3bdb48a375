//! Peak memory of a long walk: does the stream hold pages, or the walk?
//!
//! `cargo bench -p metronome-client --bench walk_memory` runs itself twice,
//! as separate processes, for a walk of 100 pages and of 10,000 pages of
//! 100 usage aggregates (default look-ahead of the SDK), and compares their
//! peak resident memory (`VmHWM`). `-- --pages N` runs one walk of N pages
//! in this process and prints its figures. The server is `metronome-mock`
//! in the same process, rendering each page on demand and keeping no log,
//! so its memory does not grow with the walk either.

use std::process::Command;

use futures::TryStreamExt;
use metronome_client::Client;
use metronome_mock::MockMetronome;

const ROWS_PER_PAGE: usize = 100;
const DAYS: u32 = 1000;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn walk(pages: usize) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (items, requests) = rt.block_on(async {
        let customers = (pages * ROWS_PER_PAGE).div_ceil(DAYS as usize);
        let mock = MockMetronome::builder()
            .customers(customers)
            .metrics(1)
            .days(DAYS)
            .usage_page_size(ROWS_PER_PAGE)
            .log_capacity(0)
            .start()
            .await;
        let client = Client::builder()
            .bearer_token(mock.token())
            .base_url(mock.base_url())
            .build()
            .unwrap();
        let stream = client
            .usage()
            .list("2024-01-01T00:00:00Z", "2026-09-27T00:00:00Z", "day")
            .stream();
        let items = stream
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap();
        (items, mock.request_count())
    });
    println!(
        "pages={requests} items={items} peak_rss_kib={}",
        peak_rss_kib()
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--pages") {
        let pages = args
            .get(i + 1)
            .and_then(|n| n.parse().ok())
            .expect("--pages N");
        walk(pages);
        return;
    }
    let me = std::env::current_exe().expect("the bench binary");
    let run = |pages: usize| -> (String, u64) {
        let out = Command::new(&me)
            .args(["--pages", &pages.to_string()])
            .output()
            .expect("the bench runs itself");
        let line = String::from_utf8_lossy(&out.stdout).trim().to_string();
        let kib = line
            .rsplit("peak_rss_kib=")
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        (line, kib)
    };
    let (small_line, small) = run(100);
    let (large_line, large) = run(10_000);
    println!("walk_memory: 100 pages:    {small_line}");
    println!("walk_memory: 10,000 pages: {large_line}");
    println!(
        "walk_memory: ratio 10,000 / 100 pages = {:.3} (target <= 1.2)",
        large as f64 / small.max(1) as f64
    );
}
