//! `POST /v1/contracts/customerBalances/list`: each customer has one
//! prepaid commit per metric and one credit. Filters, `limit` (default 25)
//! and the cursor are in the JSON body.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Reply};
use crate::dataset::derive_uuid;

pub(crate) fn list(ctx: &Ctx, body: &[u8]) -> Reply {
    let Ok(mut body) = serde_json::from_slice::<Value>(body) else {
        return Reply::error(400, "the body must be a JSON object");
    };
    let Some(customer_id) = body
        .get("customer_id")
        .and_then(Value::as_str)
        .and_then(|s| Uuid::parse_str(s).ok())
    else {
        return Reply::error(400, "customer_id must be a uuid");
    };
    let Some(customer) = ctx.data.customer_index(customer_id) else {
        return Reply::error(404, &format!("customer {customer_id} not found"));
    };
    let page_size = match body.get("limit") {
        None | Some(Value::Null) => 25,
        Some(v) => match v.as_u64() {
            Some(n @ 1..=100) => n as usize,
            _ => {
                return Reply::error(
                    400,
                    &format!("limit must be an integer from 1 to 100, got {v}"),
                );
            }
        },
    };
    let with_balance = body.get("include_balance").and_then(Value::as_bool) == Some(true);
    let cursor = body.as_object_mut().and_then(|b| b.remove("next_page"));
    let cursor = cursor.as_ref().and_then(Value::as_str);
    let seed = ctx.data.seed();
    let metrics = ctx.data.metrics();
    let start = crate::wire::timestamp(ctx.data.start());
    let balance = move |i: usize| {
        let index = (customer * 1000 + i) as u64;
        let mut item = match metrics.get(i) {
            Some(metric) => json!({
                "id": derive_uuid(seed, 3, index),
                "type": "PREPAID",
                "name": format!("{} commit", metric.name),
                "priority": 1,
                "product": {"id": derive_uuid(seed, 4, i as u64), "name": metric.name},
                "created_at": start,
            }),
            None => json!({
                "id": derive_uuid(seed, 3, index),
                "type": "CREDIT",
                "name": "Promotional credit",
                "priority": 2,
                "product": {"id": derive_uuid(seed, 4, 999), "name": "Credits"},
            }),
        };
        if with_balance {
            item["balance"] = json!(100_000.0 - 1_000.0 * i as f64);
        }
        item
    };
    let fingerprint = crate::cursor::fingerprint(("balances", body.to_string()));
    ctx.page(fingerprint, cursor, page_size, metrics.len() + 1, |range| {
        range.map(balance).collect()
    })
}
