//! `POST /v1/usage`: aggregated usage, filters in the body, cursor in the
//! query.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde_json::Value;
use uuid::Uuid;

use super::{Ctx, Invalid, PagePlan, Reply, period, timestamp};
use crate::dataset::{Dataset, GROUP_KEY, REGIONS};
use crate::wire::UsageRowOut;

/// A parsed, checked usage request.
struct UsageQuery {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    window: Duration,
    windows: usize,
    customers: Vec<usize>,
    /// Metric index, and the group values to split by (if grouped).
    metrics: Vec<(usize, Option<Vec<String>>)>,
}

pub(crate) fn list(ctx: &Ctx<'_>, page_size: usize, body: &[u8], cursor: Option<&str>) -> Reply {
    let data = ctx.data;
    let parsed: Result<Value, _> = serde_json::from_slice(body);
    let Ok(body) = parsed else {
        return Reply::error(400, "the body must be a JSON object");
    };
    let query = match parse(data, &body) {
        Ok(query) => query,
        Err(message) => return Reply::error(400, &message),
    };
    let total = query.customers.len() * query.metrics.len() * query.windows;
    let fingerprint = crate::cursor::fingerprint(("usage", body.to_string()));
    let plan = match PagePlan::new(fingerprint, cursor, page_size, total, ctx.cursors) {
        Ok(plan) => plan,
        Err(message) => return Reply::error(400, &message),
    };
    plan.render(ctx.fault, ctx.nonce, ctx.cache, |range| {
        range.map(|i| row(data, &query, i)).collect()
    })
}

fn parse(data: &Dataset, body: &Value) -> Result<UsageQuery, Invalid> {
    let body = body.as_object().ok_or("the body must be a JSON object")?;
    let text = |name: &str| body.get(name).and_then(Value::as_str);
    let start = timestamp("starting_on", text("starting_on"))?;
    let end = timestamp("ending_before", text("ending_before"))?;
    for (name, t) in [("starting_on", start), ("ending_before", end)] {
        if t.num_seconds_from_midnight() != 0 || t.nanosecond() != 0 {
            return Err(format!("{name} must be aligned to UTC midnight"));
        }
    }
    period(start, end)?;
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
    let customers = match body.get("customer_ids") {
        None | Some(Value::Null) => (0..data.customers().len()).collect(),
        Some(Value::Array(ids)) => {
            let ids: Vec<Uuid> = ids
                .iter()
                .map(|id| {
                    id.as_str()
                        .and_then(|s| Uuid::parse_str(s).ok())
                        .ok_or("customer_ids must hold uuids")
                })
                .collect::<Result<_, _>>()?;
            (0..data.customers().len())
                .filter(|&i| ids.contains(&data.customers()[i].id))
                .collect()
        }
        Some(_) => return Err("customer_ids must be an array".into()),
    };
    let metrics = match body.get("billable_metrics") {
        None | Some(Value::Null) => (0..data.metrics().len()).map(|m| (m, None)).collect(),
        Some(Value::Array(filters)) => filters
            .iter()
            .map(|f| metric_filter(data, f))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("billable_metrics must be an array".into()),
    };
    Ok(UsageQuery {
        start,
        end,
        window,
        windows,
        customers,
        metrics,
    })
}

fn metric_filter(data: &Dataset, filter: &Value) -> Result<(usize, Option<Vec<String>>), Invalid> {
    let id = filter
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or("each billable metric needs an id that is a uuid")?;
    let index = data
        .metric_index(id)
        .ok_or_else(|| format!("billable metric {id} not found"))?;
    let Some(group_by) = filter.get("group_by").filter(|g| !g.is_null()) else {
        return Ok((index, None));
    };
    match group_by.get("key").and_then(Value::as_str) {
        Some(GROUP_KEY) => {}
        Some(other) => return Err(format!("billable metric {id} has no group key {other:?}")),
        None => return Err("group_by needs a key".into()),
    }
    let values = match group_by.get("values") {
        None | Some(Value::Null) => REGIONS.iter().map(|(r, _)| r.to_string()).collect(),
        Some(Value::Array(values)) if !values.is_empty() && values.len() <= 200 => values
            .iter()
            .map(|v| {
                v.as_str()
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .ok_or("group_by values must be non-empty strings")
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("group_by values must hold 1 to 200 strings".into()),
    };
    Ok((index, Some(values)))
}

fn row(data: &Dataset, query: &UsageQuery, index: usize) -> UsageRowOut {
    let windows = query.windows;
    let per_customer = query.metrics.len() * windows;
    let customer = query.customers[index / per_customer];
    let (metric, groups) = &query.metrics[(index / windows) % query.metrics.len()];
    let w = (index % windows) as i32;
    let start = query.start + query.window * w;
    let end = (start + query.window).min(query.end);
    let value = data.usage_index(customer, *metric, start, end);
    let groups = groups.as_ref().map(|values| {
        values
            .iter()
            .map(|v| {
                let share = REGIONS
                    .iter()
                    .find(|(r, _)| r == v)
                    .map(|(_, share)| *share);
                (v.clone(), share.and_then(|s| value.map(|total| total * s)))
            })
            .collect::<BTreeMap<_, _>>()
    });
    let metric = &data.metrics()[*metric];
    UsageRowOut {
        billable_metric_id: metric.id,
        billable_metric_name: metric.name.clone(),
        customer_id: data.customers()[customer].id,
        start_timestamp: crate::wire::timestamp(start),
        end_timestamp: crate::wire::timestamp(end),
        value,
        groups,
    }
}
