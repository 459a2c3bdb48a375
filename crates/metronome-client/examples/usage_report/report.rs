//! Walking the pages and adding them up.

use std::collections::BTreeMap;
use std::io::IsTerminal;

use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use metronome_client::types::WindowSize;
use metronome_client::{Client, Error};
use uuid::Uuid;

use crate::flags::Flags;

/// How much a walk fetched.
#[derive(Debug, Default, Clone, Copy)]
pub struct Count {
    pub items: u64,
    pub pages: u64,
}

/// The report, before printing.
#[derive(Debug, Default)]
pub struct Report {
    pub usage: Count,
    pub costs: Count,
    /// (window start, metric name) → total over customers.
    pub usage_totals: BTreeMap<(DateTime<Utc>, String), f64>,
    /// Windows with no data at all (every value null).
    pub empty_windows: u64,
    /// (customer, credit type name) → total cost.
    pub cost_totals: BTreeMap<(Uuid, String), f64>,
    pub customers: Vec<Uuid>,
}

/// A progress line on stderr, drawn only when stderr is a terminal.
fn progress(what: &'static str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {prefix}: {msg} ({elapsed})")
            .expect("a valid template"),
    );
    bar.set_prefix(what);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

pub async fn run(client: &Client, flags: &Flags) -> Result<Report, Error> {
    let mut report = Report::default();

    let mut usage = client
        .usage()
        .list(flags.starting_on, flags.ending_before, flags.window_size);
    if let Some(customer) = flags.customer_id {
        usage = usage.customer_ids([customer]);
    }
    let bar = progress("usage");
    let mut pages = usage.pages();
    let mut customers = BTreeMap::new();
    while let Some(page) = pages.try_next().await? {
        report.usage.pages += 1;
        report.usage.items += page.data.len() as u64;
        bar.set_message(format!(
            "{} pages, {} aggregates",
            report.usage.pages, report.usage.items
        ));
        for row in page.data {
            customers.entry(row.customer_id).or_insert(());
            let key = (row.start_timestamp, row.billable_metric_name);
            match row.value {
                Some(value) => *report.usage_totals.entry(key).or_default() += value,
                None => {
                    report.usage_totals.entry(key).or_default();
                    report.empty_windows += 1;
                }
            }
        }
    }
    bar.finish_and_clear();

    report.customers = match flags.customer_id {
        Some(customer) => vec![customer],
        None => customers.into_keys().collect(),
    };
    let bar = progress("costs");
    for (i, customer) in report.customers.iter().enumerate() {
        let mut costs =
            client
                .customers()
                .list_costs(*customer, flags.starting_on, flags.ending_before);
        if let Some(limit) = flags.limit {
            costs = costs.limit(u64::from(limit));
        }
        let mut pages = costs.pages();
        while let Some(page) = pages.try_next().await? {
            report.costs.pages += 1;
            report.costs.items += page.data.len() as u64;
            bar.set_message(format!(
                "customer {}/{}, {} pages",
                i + 1,
                report.customers.len(),
                report.costs.pages
            ));
            for day in page.data {
                for (id, cost) in day.credit_types {
                    let name = cost.name.unwrap_or(id);
                    *report.cost_totals.entry((*customer, name)).or_default() +=
                        cost.cost.unwrap_or(0.0);
                }
            }
        }
    }
    bar.finish_and_clear();
    Ok(report)
}

/// The tables a person reads.
pub fn print_tables(report: &Report, flags: &Flags) {
    let window = match flags.window_size {
        WindowSize::Hour => "hour",
        WindowSize::Day => "day",
        WindowSize::None => "whole-period",
    };
    println!(
        "Usage {} to {}, {window} windows: {} aggregates in {}",
        date(flags.starting_on),
        date(flags.ending_before),
        report.usage.items,
        plural(report.usage.pages, "page")
    );
    println!("  {:<20} {:<24} {:>16}", "window", "metric", "total");
    let mut by_metric: BTreeMap<&str, f64> = BTreeMap::new();
    for ((start, metric), total) in &report.usage_totals {
        let when = match flags.window_size {
            WindowSize::Hour => start.format("%Y-%m-%d %H:00").to_string(),
            _ => date(*start),
        };
        println!("  {when:<20} {metric:<24} {total:>16.2}");
        *by_metric.entry(metric).or_default() += total;
    }
    for (metric, total) in &by_metric {
        println!("  {:<20} {metric:<24} {total:>16.2}", "total");
    }
    if report.empty_windows > 0 {
        println!(
            "  ({} aggregates had no data: value null)",
            report.empty_windows
        );
    }

    println!();
    println!(
        "Costs of {}: {} in {}",
        plural(report.customers.len() as u64, "customer"),
        plural(report.costs.items, "day"),
        plural(report.costs.pages, "page")
    );
    println!("  {:<38} {:<16} {:>14}", "customer", "credit type", "cost");
    let mut by_type: BTreeMap<&str, f64> = BTreeMap::new();
    for ((customer, credit_type), total) in &report.cost_totals {
        println!(
            "  {:<38} {credit_type:<16} {total:>14.2}",
            customer.to_string()
        );
        *by_type.entry(credit_type).or_default() += total;
    }
    for (credit_type, total) in &by_type {
        println!("  {:<38} {credit_type:<16} {total:>14.2}", "total");
    }
}

/// The one line scripts read, `usage` first:
/// `{"usage":{"items":N,"pages":P},"costs":{"items":N,"pages":P},"customers":K,"source":"mock"|"api"}`.
pub fn print_json(report: &Report, source: &str) {
    let count = |c: Count| serde_json::json!({"items": c.items, "pages": c.pages});
    println!(
        "{{\"usage\":{},\"costs\":{},\"customers\":{},\"source\":{}}}",
        count(report.usage),
        count(report.costs),
        report.customers.len(),
        serde_json::Value::from(source)
    );
}

fn plural(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn date(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}
