//! `GET /v1/customers/{customer_id}/costs`: a customer's daily costs, every
//! parameter in the query.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{Ctx, PagePlan, Reply, param, period, timestamp};
use crate::dataset::{Dataset, GROUP_KEY, USD_CREDIT_TYPE, USD_NAME};
use crate::wire::{CostDayOut, CreditTypeOut, LineItemOut};

pub(crate) fn list(
    ctx: &Ctx<'_>,
    default_limit: usize,
    customer: &str,
    query: &[(String, String)],
) -> Reply {
    let data = ctx.data;
    let Ok(customer_id) = Uuid::parse_str(customer) else {
        return Reply::error(400, "customer_id must be a uuid");
    };
    let Some(customer) = data.customer_index(customer_id) else {
        return Reply::error(404, &format!("customer {customer_id} not found"));
    };
    let parsed = (|| {
        let start = timestamp("starting_on", param(query, "starting_on"))?;
        let end = timestamp("ending_before", param(query, "ending_before"))?;
        period(start, end)?;
        let limit = super::limit(param(query, "limit"), default_limit)?;
        Ok::<_, String>((start, end, limit))
    })();
    let (start, end, limit) = match parsed {
        Ok(p) => p,
        Err(message) => return Reply::error(400, &message),
    };
    let first_day = start
        .date_naive()
        .and_time(chrono::NaiveTime::MIN)
        .and_utc();
    let days = ((end - first_day).num_seconds() as f64 / 86_400.0).ceil() as usize;
    let fingerprint = crate::cursor::fingerprint(("costs", customer_id, start, end, limit));
    let plan = match PagePlan::new(
        fingerprint,
        param(query, "next_page"),
        limit,
        days,
        ctx.cursors,
    ) {
        Ok(plan) => plan,
        Err(message) => return Reply::error(400, &message),
    };
    plan.render(ctx.fault, ctx.nonce, ctx.cache, |range| {
        range
            .map(|d| day(data, customer, first_day + Duration::days(d as i64)))
            .collect()
    })
}

fn day(data: &Dataset, customer: usize, start: DateTime<Utc>) -> CostDayOut {
    let lines = data.cost_lines(customer, start);
    let mut credit_types = BTreeMap::new();
    if !lines.is_empty() {
        let cost = lines.iter().map(|l| l.cost).sum();
        let line_item_breakdown = lines
            .into_iter()
            .map(|l| LineItemOut {
                cost: l.cost,
                name: l.name,
                group_key: l.group.is_some().then_some(GROUP_KEY),
                group_value: l.group,
            })
            .collect();
        credit_types.insert(
            USD_CREDIT_TYPE.to_string(),
            CreditTypeOut {
                cost,
                name: USD_NAME,
                line_item_breakdown,
            },
        );
    }
    CostDayOut {
        start_timestamp: crate::wire::timestamp(start),
        end_timestamp: crate::wire::timestamp(start + Duration::days(1)),
        credit_types,
    }
}
