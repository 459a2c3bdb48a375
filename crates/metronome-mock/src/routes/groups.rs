//! `POST /v1/usage/groups`: one customer's usage of one metric per window
//! and per region (the dataset's one group key); `limit` and the cursor in
//! the query.

use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Invalid, Reply, limit, param, timestamp};
use crate::dataset::{GROUP_KEY, REGIONS};

struct Query {
    customer: usize,
    metric: usize,
    start: DateTime<Utc>,
    window: Duration,
    windows: usize,
    regions: Vec<(&'static str, f64)>,
}

fn parse(ctx: &Ctx, body: &Value) -> Result<Result<Query, Reply>, Invalid> {
    let id = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or(format!("{name} must be a uuid"))
    };
    let (customer_id, metric_id) = (id("customer_id")?, id("billable_metric_id")?);
    let Some(customer) = ctx.data.customer_index(customer_id) else {
        return Ok(Err(Reply::error(
            404,
            &format!("customer {customer_id} not found"),
        )));
    };
    let Some(metric) = ctx.data.metric_index(metric_id) else {
        return Ok(Err(Reply::error(
            404,
            &format!("billable metric {metric_id} not found"),
        )));
    };
    let current = body.get("current_period").and_then(Value::as_bool) == Some(true);
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    let (start, end) = if current {
        (ctx.data.start(), ctx.data.end())
    } else {
        (
            timestamp("starting_on", text("starting_on"))?,
            timestamp("ending_before", text("ending_before"))?,
        )
    };
    super::period(start, end)?;
    for t in [start, end] {
        if t.num_seconds_from_midnight() != 0 {
            return Err("starting_on and ending_before must be aligned to UTC midnight".into());
        }
    }
    let window_size = text("window_size").ok_or("window_size is required")?;
    let (window, windows) = match window_size.to_ascii_uppercase().as_str() {
        "HOUR" => (Duration::hours(1), (end - start).num_hours() as usize),
        "DAY" => (Duration::days(1), (end - start).num_days() as usize),
        "NONE" => (end - start, 1),
        _ => {
            return Err(format!(
                "window_size must be one of HOUR, DAY, NONE (any case), got {window_size:?}"
            ));
        }
    };
    for key in body
        .get("group_key")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if key.as_str() != Some(GROUP_KEY) {
            return Err(format!(
                "unknown group key {key}; this metric groups by {GROUP_KEY:?}"
            ));
        }
    }
    let wanted: Option<Vec<&str>> = body
        .pointer(&format!("/group_filters/{GROUP_KEY}"))
        .and_then(Value::as_array)
        .map(|v| v.iter().filter_map(Value::as_str).collect());
    let regions = REGIONS
        .iter()
        .copied()
        .filter(|(r, _)| wanted.as_ref().is_none_or(|w| w.contains(r)))
        .collect();
    Ok(Ok(Query {
        customer,
        metric,
        start,
        window,
        windows,
        regions,
    }))
}

pub(crate) fn list(ctx: &Ctx, body: &[u8], query: &[(String, String)]) -> Reply {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Reply::error(400, "the body must be a JSON object");
    };
    let parsed = match parse(ctx, &body) {
        Ok(Ok(parsed)) => parsed,
        Ok(Err(reply)) => return reply,
        Err(message) => return Reply::error(400, &message),
    };
    let page_size = match limit(param(query, "limit"), 100) {
        Ok(n) => n,
        Err(message) => return Reply::error(400, &message),
    };
    let total = parsed.windows * parsed.regions.len();
    let fingerprint = crate::cursor::fingerprint(("groups", body.to_string(), page_size));
    ctx.page(
        fingerprint,
        param(query, "next_page"),
        page_size,
        total,
        |range| {
            range
                .map(|i| {
                    let w = (i / parsed.regions.len()) as i32;
                    let (region, share) = parsed.regions[i % parsed.regions.len()];
                    let start = parsed.start + parsed.window * w;
                    let end = start + parsed.window;
                    let value = ctx
                        .data
                        .usage_index(parsed.customer, parsed.metric, start, end)
                        .map(|v| v * share);
                    json!({
                        "starting_on": crate::wire::timestamp(start),
                        "ending_before": crate::wire::timestamp(end),
                        "group": {GROUP_KEY: region},
                        "group_key": GROUP_KEY,
                        "group_value": region,
                        "value": value,
                    })
                })
                .collect()
        },
    )
}
