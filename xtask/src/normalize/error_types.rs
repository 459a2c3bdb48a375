//! F3 (and progenitor's one-error-type rule): progenitor names every inline
//! response schema `<operationId>Response`, whatever its status, and typify
//! reuses a name it has seen without comparing: an inline error schema
//! silently becomes the success type. And two different error schemas on
//! one operation make progenitor panic.
//!
//! Fix: each operation whose error responses are inline, or reference more
//! than one schema, gets one component `<OperationId>Error` that merges
//! them (union of the properties, `required` kept only where every status
//! requires it, enum values united), and its error responses point at it.

use std::collections::BTreeMap;

use heck::ToPascalCase;
use serde_json::{Map, Value, json};

use super::Pass;
use crate::load::{self, pointer_escape};

pub struct OneErrorTypePerOperation;

impl Pass for OneErrorTypePerOperation {
    fn name(&self) -> &'static str {
        "one_error_type_per_operation"
    }

    fn what(&self) -> &'static str {
        "inline or differing error bodies of an operation merged into one `<OperationId>Error` component"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        let mut hoisted: Vec<(String, String, Value, Vec<String>)> = Vec::new();
        let ops: Vec<(String, &'static str, Value)> = load::operations(tree)
            .map(|(p, m, op)| (p.to_string(), m, op.clone()))
            .collect();
        for (path, method, op) in ops {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            let mut errors: Vec<(String, Value)> = Vec::new();
            for (status, response) in responses {
                if status.starts_with('2') || status == "default" {
                    continue;
                }
                if let Some(schema) = error_schema(tree, response) {
                    errors.push((status.clone(), schema));
                }
            }
            let inline = errors.iter().any(|(_, s)| s.get("$ref").is_none());
            let mut distinct: Vec<&Value> = Vec::new();
            for (_, schema) in &errors {
                if !distinct.contains(&schema) {
                    distinct.push(schema);
                }
            }
            if !(inline || distinct.len() > 1) {
                continue;
            }
            let id = op
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("operation");
            let resolved: Vec<Value> = errors.iter().map(|(_, s)| resolve(tree, s)).collect();
            let merged = merge(&resolved);
            let statuses: Vec<String> = errors.iter().map(|(s, _)| s.clone()).collect();
            hoisted.push((
                format!("{}Error", id.to_pascal_case()),
                format!("{path}\u{0}{method}"),
                merged,
                statuses,
            ));
        }
        for (name, at, merged, statuses) in hoisted {
            let (path, method) = at.split_once('\u{0}').expect("joined above");
            let name = free_name(tree, &name);
            tree["components"]["schemas"][&name] = merged;
            for status in statuses {
                let response = &mut tree["paths"][path][method]["responses"][&status];
                let description = response_description(response).unwrap_or_else(|| "Error".into());
                *response = json!({
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}
                });
                touched.push(format!(
                    "#/paths/{}/{method}/responses/{}",
                    pointer_escape(path),
                    pointer_escape(&status)
                ));
            }
        }
    }
}

/// The JSON schema of an error response, following a `$ref` to
/// `components/responses`.
fn error_schema(tree: &Value, response: &Value) -> Option<Value> {
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => tree.pointer(reference.strip_prefix('#')?)?,
        None => response,
    };
    response
        .get("content")?
        .get("application/json")?
        .get("schema")
        .cloned()
}

fn response_description(response: &Value) -> Option<String> {
    response
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Follows a schema `$ref`, once.
fn resolve(tree: &Value, schema: &Value) -> Value {
    schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| tree.pointer(r.strip_prefix('#')?))
        .cloned()
        .unwrap_or_else(|| schema.clone())
}

/// Merges object schemas: every property of any of them, `required` where
/// all require it, enums united in first-seen order.
fn merge(schemas: &[Value]) -> Value {
    let mut properties: BTreeMap<String, Value> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for schema in schemas {
        for (name, property) in schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            match properties.get_mut(name) {
                None => {
                    order.push(name.clone());
                    properties.insert(name.clone(), property.clone());
                }
                Some(existing) => unite_enums(existing, property),
            }
        }
    }
    let required: Vec<Value> = order
        .iter()
        .filter(|name| {
            schemas.iter().all(|s| {
                s.get("required")
                    .and_then(Value::as_array)
                    .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(name.as_str())))
            })
        })
        .map(|name| Value::from(name.as_str()))
        .collect();
    let mut merged = Map::new();
    merged.insert("type".into(), Value::from("object"));
    if let Some(description) = schemas.iter().find_map(|s| s.get("description")) {
        merged.insert("description".into(), description.clone());
    }
    if !required.is_empty() {
        merged.insert("required".into(), Value::Array(required));
    }
    let mut ordered = Map::new();
    for name in order {
        ordered.insert(
            name.clone(),
            properties.remove(&name).expect("collected above"),
        );
    }
    merged.insert("properties".into(), Value::Object(ordered));
    Value::Object(merged)
}

fn unite_enums(existing: &mut Value, other: &Value) {
    let (Some(mine), Some(theirs)) = (
        existing.get("enum").cloned(),
        other.get("enum").and_then(Value::as_array),
    ) else {
        return;
    };
    let mut values = mine.as_array().cloned().unwrap_or_default();
    for value in theirs {
        if !values.contains(value) {
            values.push(value.clone());
        }
    }
    existing["enum"] = Value::Array(values);
}

/// `name`, or `name2`, `name3`… if a component already has it.
fn free_name(tree: &Value, name: &str) -> String {
    let taken = |n: &str| {
        tree.pointer(&format!("/components/schemas/{}", pointer_escape(n)))
            .is_some()
    };
    if !taken(name) {
        return name.to_string();
    }
    (2..)
        .map(|i| format!("{name}{i}"))
        .find(|n| !taken(n))
        .expect("an unused name")
}
