//! Peak memory of a long walk: does the stream hold pages, or the walk?
//!
//! `cargo bench -p metronome-client --bench walk_memory` runs itself as
//! separate processes, for a walk of 100 pages and of 10,000 pages of
//! 100 usage aggregates, with the SDK's defaults, with a look-ahead of 2
//! pages, and split in 4 partitions by time, and compares their peak
//! resident memory (`VmHWM`). `-- --pages N [--prefetch D] [--partitions P]`
//! runs one walk of N pages in this process and prints its figures. The server is `metronome-mock`
//! in the same process, rendering each page on demand and keeping no log,
//! so its memory does not grow with the walk either.
//!
//! It then measures what one page costs in memory once decoded, for a
//! page at the default body cap (`DEFAULT_MAX_RESPONSE_BYTES`): one of
//! plain usage aggregates, and one whose aggregates carry many tiny
//! `groups` entries (the densest shape the usage page has: 7 bytes of
//! JSON per map entry). `-- --decode plain|groups` runs one of them in
//! this process. The figure is the peak memory the request added, per
//! byte of body: the body buffer plus the decoded page.

#[path = "support/mod.rs"]
mod support;

use std::process::Command;

use futures::TryStreamExt;
use metronome_client::Client;
use metronome_mock::MockMetronome;

const ROWS_PER_PAGE: usize = 100;
const DAYS: u32 = 1000;

/// How a walk is run: the look-ahead depth (`None`: the default), and
/// how many partitions by time (0: one walk).
#[derive(Clone, Copy)]
struct Mode {
    prefetch: Option<usize>,
    partitions: usize,
}

fn walk(pages: usize, mode: Mode) {
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
        let mut list = client
            .usage()
            .list("2024-01-01T00:00:00Z", "2026-09-27T00:00:00Z", "day");
        if let Some(depth) = mode.prefetch {
            list = list.prefetch(depth);
        }
        let stream = if mode.partitions > 0 {
            list.partition_by_time(mode.partitions).stream()
        } else {
            list.stream()
        };
        let items = stream
            .try_fold(0usize, |n, _| async move { Ok(n + 1) })
            .await
            .unwrap();
        (items, mock.request_count())
    });
    println!(
        "pages={requests} items={items} peak_rss_kib={}",
        support::peak_rss_kib()
    );
}

/// A usage page of about `bytes` bytes: aggregates without groups, or
/// 100 aggregates sharing the bytes as tiny `groups` entries. Written
/// into one buffer, so no small temporaries stay resident to be reused by
/// the decoding measured after.
fn usage_page(shape: &str, bytes: usize) -> String {
    use std::fmt::Write;
    let head = r#"{"billable_metric_id":"00000000-0000-4000-8000-000000000001","billable_metric_name":"m","customer_id":"00000000-0000-4000-8000-000000000002","start_timestamp":"2024-01-01T00:00:00Z","end_timestamp":"2024-01-02T00:00:00Z","value":1"#;
    let mut page = String::with_capacity(bytes + 1024);
    page.push_str(r#"{"data":["#);
    if shape == "groups" {
        let per_row = bytes / 100 / 10;
        for row in 0..100 {
            if row > 0 {
                page.push(',');
            }
            page.push_str(head);
            page.push_str(r#","groups":{"#);
            for i in 0..per_row {
                let comma = if i > 0 { "," } else { "" };
                let _ = write!(page, r#"{comma}"{i:x}":1"#);
            }
            page.push_str("}}");
        }
    } else {
        for row in 0..bytes / (head.len() + 2) {
            if row > 0 {
                page.push(',');
            }
            page.push_str(head);
            page.push('}');
        }
    }
    page.push_str(r#"],"next_page":null}"#);
    page
}

/// Serves `body` to one request on 127.0.0.1, then stops.
async fn serve_once(body: std::sync::Arc<String>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let Ok(Ok((mut socket, _))) =
            tokio::time::timeout(std::time::Duration::from_secs(30), listener.accept()).await
        else {
            return;
        };
        let mut request = vec![0u8; 64 * 1024];
        let _ = socket.read(&mut request).await;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        let _ = socket.write_all(head.as_bytes()).await;
        let _ = socket.write_all(body.as_bytes()).await;
    });
    url
}

fn decode(shape: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let cap = metronome_client::DEFAULT_MAX_RESPONSE_BYTES as usize;
    let body = std::sync::Arc::new(usage_page(shape, cap - 1024));
    // Building the body took temporaries: the peak starts again from here
    // (writing 5 to clear_refs resets VmHWM to the current RSS).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = support::peak_rss_kib();
    let (items, groups) = rt.block_on(async {
        let url = serve_once(body.clone()).await;
        let client = Client::builder()
            .bearer_token("t")
            .base_url(url)
            .build()
            .unwrap();
        let page = client
            .usage()
            .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "day")
            .send()
            .await
            .expect("a page under the cap decodes");
        let groups: usize = page.data.iter().map(|a| a.groups.len()).sum();
        (page.data.len(), groups)
    });
    let added = support::peak_rss_kib().saturating_sub(before);
    println!(
        "body_bytes={} items={items} groups={groups} added_kib={added} ratio={:.1}",
        body.len(),
        added as f64 * 1024.0 / body.len() as f64
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--decode") {
        decode(args.get(i + 1).map_or("plain", String::as_str));
        return;
    }
    let value = |flag: &str| -> Option<usize> {
        let i = args.iter().position(|a| a == flag)?;
        args.get(i + 1).and_then(|n| n.parse().ok())
    };
    if let Some(pages) = value("--pages") {
        let mode = Mode {
            prefetch: value("--prefetch"),
            partitions: value("--partitions").unwrap_or(0),
        };
        walk(pages, mode);
        return;
    }
    let me = std::env::current_exe().expect("the bench binary");
    let run_with = |args: &[&str]| -> String {
        let out = Command::new(&me)
            .args(args)
            .output()
            .expect("the bench runs itself");
        let stdout = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() {
            stdout
        } else {
            format!("failed: {}", String::from_utf8_lossy(&out.stderr).trim())
        }
    };
    let run = |pages: usize, extra: &[&str]| -> (String, u64) {
        let pages = pages.to_string();
        let mut args = vec!["--pages", pages.as_str()];
        args.extend_from_slice(extra);
        let out = Command::new(&me)
            .args(&args)
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
    for (name, extra) in [
        ("defaults", &[][..]),
        ("look-ahead 2", &["--prefetch", "2"][..]),
        ("4 partitions by time", &["--partitions", "4"][..]),
    ] {
        let (small_line, small) = run(100, extra);
        let (large_line, large) = run(10_000, extra);
        println!("walk_memory: {name}, 100 pages:    {small_line}");
        println!("walk_memory: {name}, 10,000 pages: {large_line}");
        println!(
            "walk_memory: {name}, ratio 10,000 / 100 pages = {:.3} (target <= 1.2)",
            large as f64 / small.max(1) as f64
        );
    }
    for shape in ["plain", "groups"] {
        println!(
            "walk_memory: one page at the body cap, {shape}: {}",
            run_with(&["--decode", shape])
        );
    }
}
