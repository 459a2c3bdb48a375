//! The examples, run as processes the way a newcomer runs them:
//! `usage_report` with no token (the in-process fake), with a token the
//! server rejects, and with a token it accepts; `ingest` and
//! `webhook_receiver` with no account at all.
//!
//! The binaries are the ones `cargo test --workspace` builds next to this
//! test (`target/<profile>/examples/<name>`).

use std::path::PathBuf;
use std::process::{Command, Output};

use metronome_mock::MockMetronome;

fn example_binary() -> PathBuf {
    binary("usage_report")
}

fn binary(name: &str) -> PathBuf {
    let deps = std::env::current_exe().expect("the test binary has a path");
    let profile_dir = deps
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>/deps/<test>");
    let binary = profile_dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, which builds the examples",
        binary.display()
    );
    binary
}

/// Runs the example with `args` and the given Metronome variables (the
/// caller's own are removed so the test does not depend on them).
async fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(example_binary());
    command
        .args(args)
        .env_remove("METRONOME_BEARER_TOKEN")
        .env_remove("METRONOME_BASE_URL");
    for (name, value) in env {
        command.env(name, value);
    }
    tokio::task::spawn_blocking(move || command.output().expect("the example runs"))
        .await
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn without_a_token_it_reports_from_the_fake_and_says_so() {
    let output = run(
        &[
            "--json",
            "--starting-on",
            "2024-01-01T00:00:00Z",
            "--ending-before",
            "2024-01-08T00:00:00Z",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "{\"usage\":{\"items\":84,\"pages\":1},\"costs\":{\"items\":28,\"pages\":4},\"customers\":4,\"source\":\"mock\"}\n",
        "4 customers x 3 metrics x 7 days; 7 days of costs for each of 4 customers"
    );
    let notice = stderr(&output);
    assert_eq!(
        notice.lines().count(),
        1,
        "one line says the fake is in use: {notice}"
    );
    assert!(
        notice.starts_with("METRONOME_BEARER_TOKEN is not set: using a fake Metronome"),
        "{notice}"
    );
}

#[tokio::test]
async fn limit_and_window_size_change_the_walk() {
    let output = run(
        &[
            "--json",
            "--limit",
            "3",
            "--window-size",
            "Hour",
            "--ending-before",
            "2024-01-03T00:00:00Z",
            "--starting-on",
            "2024-01-01T00:00:00Z",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "{\"usage\":{\"items\":576,\"pages\":6},\"costs\":{\"items\":8,\"pages\":4},\"customers\":4,\"source\":\"mock\"}\n",
        "48 hours x 12 series in pages of 100; 2 days per customer, limit 3"
    );
}

#[tokio::test]
async fn the_default_report_prints_tables_with_totals() {
    let output = run(&[], &[]).await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("Usage "), "{text}");
    assert!(
        text.contains("day windows: 84 aggregates in 1 page"),
        "{text}"
    );
    assert!(
        text.contains("Costs of 4 customers: 28 days in 4 pages"),
        "{text}"
    );
    assert_eq!(
        text.lines()
            .filter(|l| l.trim_start().starts_with("total"))
            .count(),
        3 + 1,
        "a total per metric and per credit type"
    );
}

#[tokio::test]
async fn one_customer_only() {
    let mock = MockMetronome::builder()
        .customers(4)
        .metrics(3)
        .start()
        .await;
    let customer = mock.dataset().customers()[2].id.to_string();
    drop(mock);
    let output = run(
        &[
            "--json",
            "--customer-id",
            &customer,
            "--starting-on",
            "2024-01-01T00:00:00Z",
            "--ending-before",
            "2024-01-08T00:00:00Z",
        ],
        &[],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("{\"usage\":{\"items\":21,\"pages\":1},\"costs\":{\"items\":7,\"pages\":1},\"customers\":1,"), "{}", stdout(&output));
}

#[tokio::test]
async fn bad_flags_exit_2_with_one_line() {
    for args in [
        &["--window-size", "weekly"][..],
        &["--starting-on", "monday"],
        &["--customer-id", "42"],
        &["--limit"],
        &["--frobnicate"],
    ] {
        let output = run(args, &[]).await;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let message = stderr(&output);
        assert_eq!(message.lines().count(), 1, "{args:?}: {message}");
        assert!(
            message.starts_with("error: ") && message.contains("--help"),
            "{message}"
        );
        assert!(stdout(&output).is_empty());
    }
}

#[tokio::test]
async fn a_limit_out_of_range_fails_before_any_request() {
    let output = run(&["--limit", "500"], &[]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("limit: must be between 1 and 100, got 500"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test]
async fn a_rejected_token_exits_1_with_a_clear_line_and_never_prints_the_token() {
    let mock = MockMetronome::start().await;
    let wrong = "sk-wrong-token-9f8e7d";
    let output = run(
        &["--json"],
        &[
            ("METRONOME_BEARER_TOKEN", wrong),
            ("METRONOME_BASE_URL", &mock.base_url()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 1, "{message}");
    assert!(
        message.contains("401 Unauthorized") && message.contains("check the bearer token"),
        "{message}"
    );
    assert!(!message.contains(wrong) && !stdout(&output).contains(wrong));
    assert_eq!(mock.request_count(), 1, "a 401 is not retried");
}

#[tokio::test]
async fn with_a_token_it_talks_to_the_configured_server() {
    let mock = MockMetronome::builder()
        .customers(2)
        .metrics(1)
        .first_day(chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap())
        .start()
        .await;
    let output = run(
        &[
            "--json",
            "--starting-on",
            "2024-03-01T00:00:00Z",
            "--ending-before",
            "2024-03-08T00:00:00Z",
        ],
        &[
            ("METRONOME_BEARER_TOKEN", mock.token()),
            ("METRONOME_BASE_URL", &mock.base_url()),
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "{\"usage\":{\"items\":14,\"pages\":1},\"costs\":{\"items\":14,\"pages\":2},\"customers\":2,\"source\":\"api\"}\n"
    );
    assert!(stderr(&output).is_empty(), "no notice when a token is set");
    assert_eq!(mock.request_count(), 3);
}

#[test]
fn the_ingest_example_sends_every_event_through_a_failing_fake() {
    let output = Command::new(binary("ingest"))
        .args([
            "--events",
            "3000",
            "--producers",
            "3",
            "--fault-rate",
            "0.1",
        ])
        .env_remove("METRONOME_BEARER_TOKEN")
        .output()
        .expect("the example runs");
    let out = stdout(&output);
    assert!(output.status.success(), "{out}\n{}", stderr(&output));
    assert!(out.contains("done: 3000 acknowledged, 0 failed"), "{out}");
    assert!(stderr(&output).contains("sending to a fake Metronome"));
}

#[test]
fn the_webhook_receiver_accepts_a_signed_notification_and_refuses_a_forged_one() {
    let output = Command::new(binary("webhook_receiver"))
        .arg("--self-test")
        .env_remove("METRONOME_WEBHOOK_SECRET")
        .output()
        .expect("the example runs");
    let out = stdout(&output);
    assert!(output.status.success(), "{out}\n{}", stderr(&output));
    assert!(
        out.contains("verified sample-1 alerts.low_remaining_credit_balance_reached"),
        "{out}"
    );
    assert!(
        out.contains("refused: the notification's signature does not match"),
        "{out}"
    );
    assert!(out.contains("self-test passed"), "{out}");
    // The curl line it prints for a person to try.
    assert!(out.contains("curl -s http://127.0.0.1:"), "{out}");
}

/// Runs an area example against its in-process fake; returns its stdout.
fn run_area_example(name: &str) -> String {
    let output = Command::new(binary(name))
        .env_remove("METRONOME_BEARER_TOKEN")
        .output()
        .expect("the example runs");
    let out = stdout(&output);
    assert!(
        output.status.success(),
        "{name}: {out}\n{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains("a fake Metronome") || name == "errors" || name == "middleware"
    );
    out
}

#[test]
fn the_customers_and_contracts_example_creates_and_reads_back() {
    let out = run_area_example("customers_and_contracts");
    assert!(out.contains("created customer"), "{out}");
    assert!(out.contains("created contract"), "{out}");
    // The fake remembers: the three seeded customers, then the new one.
    assert!(out.contains("4 customers: "), "{out}");
    assert!(out.trim_end().ends_with(", Example Corp"), "{out}");
}

#[test]
fn the_invoices_example_lists_and_downloads_a_pdf() {
    let out = run_area_example("invoices");
    assert!(out.contains(" invoices, "), "{out}");
    assert!(out.contains("as PDF: "), "{out}");
}

#[test]
fn the_credits_and_balances_example_lists_balances_and_grants() {
    let out = run_area_example("credits_and_balances");
    assert!(out.contains("commit ") || out.contains("credit "), "{out}");
    assert!(
        out.contains(" balances, ") && out.contains(" credit grants"),
        "{out}"
    );
}

#[test]
fn the_errors_example_tells_each_failure_apart() {
    let out = run_area_example("errors");
    for expected in [
        "caught before sending: limit",
        "not found: check the id",
        "rate limited after 3 attempts",
        "the token was refused",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
}

#[test]
fn the_middleware_example_sees_every_attempt() {
    let out = run_area_example("middleware");
    for expected in [
        "customers_list attempt 1: 503",
        "customers_list attempt 2: 429",
        "customers_list attempt 3: 200",
    ] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
}
