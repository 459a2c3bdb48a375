//! Finding the paginated operations of a description: a 2xx body with a
//! `data` array and a cursor (`next_page`, `cursor`, or `pagination.next_page`),
//! and a way to send the cursor back (a query parameter or a body property
//! named `next_page` or `cursor`). The table goes into the report; it is
//! what generic pagination needs to know of each operation.

use std::fmt;

use heck::ToSnakeCase;
use serde_json::Value;

use crate::load;

/// Where a request carries the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Send {
    /// A query parameter of this name.
    Query(String),
    /// A property of the JSON body of this name.
    Body(String),
    /// Nowhere: the response has a cursor the request cannot send back.
    Nowhere,
}

/// One paginated operation.
#[derive(Debug, Clone)]
pub struct Paginated {
    /// The operation id (`getCosts-v1`).
    pub operation_id: String,
    /// The generated method (`get_costs_v1`).
    pub method_name: String,
    /// `GET /v1/customers/{customer_id}/costs`.
    pub route: String,
    /// Where the cursor goes.
    pub send: Send,
    /// Where the next cursor is in the response (`next_page`, `pagination.next_page`).
    pub receive: String,
    /// Whether the response cursor may be absent (not `required`).
    pub optional: bool,
    /// Where a page size goes, if the operation takes one.
    pub limit: Option<Send>,
}

impl fmt::Display for Paginated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let send = match &self.send {
            Send::Query(name) => format!("query {name}"),
            Send::Body(name) => format!("body {name}"),
            Send::Nowhere => "nowhere".into(),
        };
        let limit = match &self.limit {
            Some(Send::Query(name)) => format!("query {name}"),
            Some(Send::Body(name)) => format!("body {name}"),
            _ => "none".into(),
        };
        let optional = if self.optional { " (optional)" } else { "" };
        write!(
            f,
            "{}: {} | cursor sent in {send}, received in {}{optional} | limit: {limit}",
            self.method_name, self.route, self.receive
        )
    }
}

/// Follows `$ref`s, then a lone `allOf` wrapper (a `$ref` with siblings).
fn resolve<'a>(tree: &'a Value, node: &'a Value) -> &'a Value {
    let node = load::resolve(tree, node);
    match node.get("allOf").and_then(Value::as_array) {
        Some(all) if all.len() == 1 && node.get("properties").is_none() => resolve(tree, &all[0]),
        _ => node,
    }
}

fn property<'a>(tree: &'a Value, schema: &'a Value, name: &str) -> Option<&'a Value> {
    resolve(tree, schema)
        .get("properties")?
        .get(name)
        .map(|p| resolve(tree, p))
}

fn required(tree: &Value, schema: &Value, name: &str) -> bool {
    resolve(tree, schema)
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(name)))
}

/// Every paginated operation of `tree`, by path then method.
pub fn find(tree: &Value) -> Vec<Paginated> {
    let mut found = Vec::new();
    for (path, method, op) in load::operations(tree) {
        let Some(success) = op
            .get("responses")
            .and_then(Value::as_object)
            .and_then(|r| {
                r.iter()
                    .find(|(status, _)| status.starts_with('2'))
                    .map(|(_, response)| resolve(tree, response))
            })
        else {
            continue;
        };
        let Some(body) = success.pointer("/content/application~1json/schema") else {
            continue;
        };
        if property(tree, body, "data")
            .and_then(|d| d.get("type"))
            .and_then(Value::as_str)
            != Some("array")
        {
            continue;
        }
        let receive = ["next_page", "cursor"]
            .into_iter()
            .find(|name| property(tree, body, name).is_some())
            .map(|name| (name.to_string(), !required(tree, body, name)))
            .or_else(|| {
                let pagination = property(tree, body, "pagination")?;
                property(tree, pagination, "next_page").map(|_| {
                    (
                        "pagination.next_page".to_string(),
                        !required(tree, pagination, "next_page"),
                    )
                })
            });
        let Some((receive, optional)) = receive else {
            continue;
        };

        let parameters: Vec<&Value> = op
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| resolve(tree, p))
            .collect();
        let in_query = |name: &str| {
            parameters.iter().any(|p| {
                p.get("in").and_then(Value::as_str) == Some("query")
                    && p.get("name").and_then(Value::as_str) == Some(name)
            })
        };
        let request_body = op.pointer("/requestBody/content/application~1json/schema");
        let in_body = |name: &str| request_body.is_some_and(|b| property(tree, b, name).is_some());
        let locate = |name: &str| {
            if in_query(name) {
                Some(Send::Query(name.to_string()))
            } else if in_body(name) {
                Some(Send::Body(name.to_string()))
            } else {
                None
            }
        };
        let send = locate("next_page")
            .or_else(|| locate("cursor"))
            .unwrap_or(Send::Nowhere);
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        found.push(Paginated {
            operation_id: id.to_string(),
            method_name: id.to_snake_case(),
            route: format!("{} {path}", method.to_uppercase()),
            send,
            receive,
            optional,
            limit: locate("limit"),
        });
    }
    found
}

/// The table, as the report prints it.
pub fn report(found: &[Paginated]) -> String {
    let mut out = format!("\npaginated operations: {}\n", found.len());
    for op in found {
        out.push_str(&format!("  {op}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_paginated_operation_of_openapi_yaml() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
        let tree = crate::load::read(std::path::Path::new(path)).unwrap().tree;
        let found = find(&tree);
        // Every list operation of Metronome's API, each kind of cursor.
        assert_eq!(found.len(), 37);
        insta::assert_snapshot!(report(&found));
    }
}
