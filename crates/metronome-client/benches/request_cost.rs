//! CPU cost per request, SDK against the raw loop, counted in instructions
//! so that the figure does not depend on what else the machine is doing.
//!
//! `valgrind --tool=callgrind <this binary> --loop sdk|sdk_lookahead|baseline --endpoint usage|costs --pages N`
//! walks N one-item pages on a single-threaded runtime (server included):
//! `sdk` with look-ahead off, `sdk_lookahead` with the default look-ahead
//! (a task per page, the cursor read ahead).
//! Running it with two values of N and dividing the difference in
//! instructions by the difference in pages gives the cost of one request,
//! start-up excluded. `cargo bench -p metronome-client --bench request_cost`
//! (no arguments) does exactly that, under valgrind, and prints the table.

use std::process::Command;

use futures::TryStreamExt;
use metronome_client::Client;
use metronome_client::types;
use metronome_mock::MockMetronome;

const START: &str = "2024-01-01T00:00:00Z";

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

async fn sdk(mock: &MockMetronome, endpoint: &str, end: &str, prefetch: usize) -> usize {
    let client = Client::builder()
        .bearer_token(mock.token())
        .base_url(mock.base_url())
        .build()
        .unwrap();
    match endpoint {
        "usage" => {
            let walk = client.usage().list(START, end, "day").prefetch(prefetch);
            walk.stream()
                .try_fold(0, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap()
        }
        _ => {
            let customer = mock.dataset().customers()[0].id;
            let walk = client
                .customers()
                .list_costs(customer, START, end)
                .limit(1)
                .prefetch(prefetch);
            walk.stream()
                .try_fold(0, |n, _| async move { Ok(n + 1) })
                .await
                .unwrap()
        }
    }
}

async fn baseline(mock: &MockMetronome, endpoint: &str, end: &str) -> usize {
    let http = reqwest::Client::new();
    let mut cursor: Option<String> = None;
    let mut items = 0;
    loop {
        let request = if endpoint == "usage" {
            let body = types::UsageListRequest {
                starting_on: START.parse().unwrap(),
                ending_before: end.parse().unwrap(),
                window_size: types::WindowSize::Day,
                customer_ids: Vec::new(),
                billable_metrics: Vec::new(),
            };
            let request = http
                .post(format!("{}/v1/usage", mock.base_url()))
                .json(&body);
            match &cursor {
                Some(cursor) => request.query(&[("next_page", cursor)]),
                None => request,
            }
        } else {
            let customer = mock.dataset().customers()[0].id;
            let mut query = vec![
                ("starting_on", START.to_string()),
                ("ending_before", end.to_string()),
                ("limit", "1".to_string()),
            ];
            if let Some(cursor) = &cursor {
                query.push(("next_page", cursor.clone()));
            }
            http.get(format!("{}/v1/customers/{customer}/costs", mock.base_url()))
                .query(&query)
        };
        let bytes = request
            .bearer_auth(mock.token())
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let next = if endpoint == "usage" {
            let page: types::UsageListResponse = serde_json::from_slice(&bytes).unwrap();
            items += page.data.len();
            page.next_page
        } else {
            let page: types::CustomerCostsResponse = serde_json::from_slice(&bytes).unwrap();
            items += page.data.len();
            page.next_page
        };
        match next.filter(|c| !c.is_empty()) {
            Some(next) => cursor = Some(next),
            None => return items,
        }
    }
}

fn walk(mode: &str, endpoint: &str, pages: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mock = MockMetronome::builder()
            .customers(1)
            .metrics(1)
            .days(pages as u32)
            .usage_page_size(1)
            .prerender(true)
            .log_capacity(0)
            .start()
            .await;
        let end = (START.parse::<chrono::DateTime<chrono::Utc>>().unwrap()
            + chrono::Duration::days(pages as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let items = match mode {
            "sdk" => sdk(&mock, endpoint, &end, 0).await,
            "sdk_lookahead" => sdk(&mock, endpoint, &end, 1).await,
            _ => baseline(&mock, endpoint, &end).await,
        };
        assert_eq!(items, pages);
    });
}

/// Instructions callgrind counts for one run.
fn instructions(me: &std::path::Path, mode: &str, endpoint: &str, pages: usize) -> Option<u64> {
    let out = Command::new("valgrind")
        .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
        .arg(me)
        .args([
            "--loop",
            mode,
            "--endpoint",
            endpoint,
            "--pages",
            &pages.to_string(),
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let collected = text.lines().find_map(|l| l.split("Collected :").nth(1))?;
    collected.trim().replace(',', "").parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(mode) = arg(&args, "--loop") {
        let endpoint = arg(&args, "--endpoint").unwrap_or_else(|| "usage".into());
        let pages = arg(&args, "--pages")
            .and_then(|n| n.parse().ok())
            .unwrap_or(200);
        walk(&mode, &endpoint, pages);
        return;
    }
    let me = std::env::current_exe().expect("the bench binary");
    let (small, large) = (100, 300);
    println!(
        "request_cost: instructions per request (client + in-process server), from walks of {small} and {large} one-item pages"
    );
    for endpoint in ["usage", "costs"] {
        let mut per = Vec::new();
        for mode in ["baseline", "sdk", "sdk_lookahead"] {
            match (
                instructions(&me, mode, endpoint, small),
                instructions(&me, mode, endpoint, large),
            ) {
                (Some(a), Some(b)) => per.push((b - a) as f64 / (large - small) as f64),
                _ => {
                    println!("request_cost: valgrind is not available; nothing measured");
                    return;
                }
            }
        }
        println!(
            "request_cost: {endpoint}: baseline {:.0}, sdk {:.0} ({:.3}), sdk with look-ahead {:.0} ({:.3})",
            per[0],
            per[1],
            per[1] / per[0],
            per[2],
            per[2] / per[0]
        );
    }
}
