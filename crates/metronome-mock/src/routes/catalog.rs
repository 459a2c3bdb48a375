//! The entities the store holds before any request: the dataset's
//! customers and billable metrics, and the `seeded` entities of each list
//! whose `x-mock-state` asks for them without a scope.

use serde_json::{Map, Value, json};

use super::stateful::{Entity, seeded_id};
use crate::dataset::{Customer, Dataset, GROUP_KEY, Metric};
use crate::openapi::Api;
use crate::openapi::state::{Does, EntityName};
use crate::wire::timestamp;

fn facts(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn customer(data: &Dataset, c: &Customer) -> Entity {
    let created = timestamp(data.start() - chrono::Duration::days(30));
    Entity {
        facts: facts(json!({
            "name": c.name,
            "external_id": c.ingest_alias,
            "ingest_aliases": [c.ingest_alias],
            "custom_fields": {},
            "customer_config": {"salesforce_account_id": null},
            "created_at": created,
            "updated_at": created,
        })),
        archived: false,
    }
}

fn metric(m: &Metric) -> Entity {
    Entity {
        facts: facts(json!({
            "name": m.name,
            "aggregation_type": "SUM",
            "aggregation_key": "value",
            "group_keys": [[GROUP_KEY]],
            "custom_fields": {},
        })),
        archived: false,
    }
}

/// Every seeded entity as `(collection, id, facts)`, in list order.
pub(crate) fn seeded(api: &Api, data: &Dataset) -> Vec<(String, String, Entity)> {
    let mut out: Vec<(String, String, Entity)> = data
        .customers()
        .iter()
        .map(|c| ("customer".to_string(), c.id.to_string(), customer(data, c)))
        .chain(
            data.metrics()
                .iter()
                .map(|m| ("billable_metric".to_string(), m.id.to_string(), metric(m))),
        )
        .collect();
    let mut done: Vec<&str> = vec!["customer", "billable_metric"];
    for op in &api.operations {
        let Some(rule) = &op.state else { continue };
        let EntityName::Fixed(collection) = &rule.entity else {
            continue;
        };
        if rule.does != Does::List || rule.scope.is_some() || done.contains(&collection.as_str()) {
            continue;
        }
        done.push(collection);
        for i in 0..rule.seeded {
            let id = seeded_id(api, data.seed(), collection, "", i);
            let entity = Entity {
                facts: rule.sets.clone(),
                archived: false,
            };
            out.push((collection.clone(), id, entity));
        }
    }
    out
}
