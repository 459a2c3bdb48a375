//! `GET /v1/customers`, `GET /v1/customers/{id}`, `GET /v1/billable-metrics`:
//! the dataset's customers and metrics.

use serde_json::{Value, json};
use uuid::Uuid;

use super::{Ctx, Reply, limit, param};
use crate::dataset::{Customer, Dataset, GROUP_KEY, Metric};
use crate::wire::timestamp;

fn customer(data: &Dataset, c: &Customer) -> Value {
    let created = timestamp(data.start() - chrono::Duration::days(30));
    json!({
        "id": c.id,
        "name": c.name,
        "external_id": c.ingest_alias,
        "ingest_aliases": [c.ingest_alias],
        "custom_fields": {},
        "customer_config": {"salesforce_account_id": null},
        "created_at": created,
        "updated_at": created,
    })
}

fn metric(m: &Metric) -> Value {
    json!({
        "id": m.id,
        "name": m.name,
        "aggregation_type": "SUM",
        "aggregation_key": "value",
        "group_keys": [[GROUP_KEY]],
        "custom_fields": {},
    })
}

/// Every customer is active: `only_archived=true` lists none.
pub(crate) fn customers(ctx: &Ctx, query: &[(String, String)]) -> Reply {
    let page_size = match limit(param(query, "limit"), 100) {
        Ok(n) => n,
        Err(message) => return Reply::error(400, &message),
    };
    let alias = param(query, "ingest_alias");
    let archived = param(query, "only_archived") == Some("true");
    let matching: Vec<&Customer> = ctx
        .data
        .customers()
        .iter()
        .filter(|c| !archived && alias.is_none_or(|a| a == c.ingest_alias))
        .collect();
    let fingerprint = crate::cursor::fingerprint(("customers", alias, archived, page_size));
    ctx.page(
        fingerprint,
        param(query, "next_page"),
        page_size,
        matching.len(),
        |range| {
            matching[range]
                .iter()
                .map(|c| customer(ctx.data, c))
                .collect()
        },
    )
}

pub(crate) fn customer_by_id(data: &Dataset, id: &str) -> Reply {
    let Ok(id) = Uuid::parse_str(id) else {
        return Reply::error(400, "customer_id must be a uuid");
    };
    match data.customers().iter().find(|c| c.id == id) {
        Some(c) => Reply::json(200, json!({ "data": customer(data, c) }).to_string()),
        None => Reply::error(404, &format!("customer {id} not found")),
    }
}

/// No metric is archived: `include_archived` changes nothing.
pub(crate) fn billable_metrics(ctx: &Ctx, query: &[(String, String)]) -> Reply {
    let page_size = match limit(param(query, "limit"), 100) {
        Ok(n) => n,
        Err(message) => return Reply::error(400, &message),
    };
    let metrics = ctx.data.metrics();
    let fingerprint = crate::cursor::fingerprint(("billable-metrics", page_size));
    ctx.page(
        fingerprint,
        param(query, "next_page"),
        page_size,
        metrics.len(),
        |range| metrics[range].iter().map(metric).collect(),
    )
}
