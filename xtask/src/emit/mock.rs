//! The description `metronome-mock` serves from: the bundled
//! `openapi.yaml` (before normalisation: the mock checks requests against
//! the API as described, not as progenitor needs it), without its prose,
//! with each paginated operation's page shape written in (`x-mock-page`)
//! so the mock does not have to guess it again.

use anyhow::Result;
use serde_json::{Map, Value, json};

use crate::pagination::{self, Send};

/// Keywords that only hold prose: dropped, except where they name a
/// property (`properties.description` is a field of the API).
const PROSE: &[&str] = &[
    "description",
    "summary",
    "example",
    "examples",
    "externalDocs",
];

/// The description as JSON, pretty-printed with its keys sorted, under an
/// `x-generated` key naming the input, its hash and the generator.
pub fn render(spec_name: &str, spec_bytes: &[u8], tree: &Value) -> Result<String> {
    let mut out = Map::new();
    out.insert(
        "x-generated".into(),
        json!({
            "by": "cargo xtask gen (xtask/src/emit/mock.rs). DO NOT EDIT.",
            "from": spec_name,
            "sha256": crate::generate::sha256(spec_bytes),
        }),
    );
    for key in ["openapi", "paths", "components"] {
        if let Some(value) = tree.get(key) {
            out.insert(key.to_string(), without_prose(value, false));
        }
    }
    let mut out = Value::Object(out);
    for page in pagination::find(tree) {
        let location = |send: &Send| match send {
            Send::Query(name) => json!({"in": "query", "name": name}),
            Send::Body(name) => json!({"in": "body", "name": name}),
            Send::Nowhere => Value::Null,
        };
        let shape = json!({
            "cursor": location(&page.send),
            "next": page.receive,
            "limit": page.limit.as_ref().map_or(Value::Null, location),
        });
        let (method, path) = page
            .route
            .split_once(' ')
            .expect("routes are `METHOD /path`");
        if let Some(op) = out
            .get_mut("paths")
            .and_then(|p| p.get_mut(path))
            .and_then(|p| p.get_mut(method.to_lowercase()))
            .and_then(Value::as_object_mut)
        {
            op.insert("x-mock-page".into(), shape);
        }
    }
    Ok(format!("{}\n", serde_json::to_string_pretty(&sorted(out))?))
}

/// `value` with every object's keys in order (whatever order the JSON map
/// keeps), so the file reads and diffs the same from run to run.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: std::collections::BTreeMap<String, Value> =
                map.into_iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(ordered.into_iter().collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// `value` without prose keywords. `names` is true for a map whose keys are
/// names (of properties, paths, schemas), where nothing is dropped.
fn without_prose(value: &Value, names: bool) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| names || !PROSE.contains(&key.as_str()))
                .map(|(key, v)| {
                    let holds_names = !names
                        && matches!(
                            key.as_str(),
                            "properties"
                                | "paths"
                                | "schemas"
                                | "parameters"
                                | "responses"
                                | "requestBodies"
                                | "content"
                        )
                        && v.is_object();
                    (key.clone(), without_prose(v, holds_names))
                })
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| without_prose(v, false)).collect())
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_goes_property_names_stay() {
        let tree = json!({"openapi": "3.0.0", "info": {"title": "x"}, "paths": {"/a": {"get": {
            "summary": "gone", "description": "gone",
            "responses": {"200": {"description": "gone", "content": {"application/json": {"schema": {
                "type": "object", "description": "gone", "example": {},
                "properties": {"description": {"type": "string", "description": "gone"}}}}}}}}}}});
        let mut out: Value = serde_json::from_str(&render("t.yaml", b"", &tree).unwrap()).unwrap();
        let generated = out.as_object_mut().unwrap().remove("x-generated").unwrap();
        assert_eq!(generated["from"], "t.yaml");
        assert_eq!(
            out,
            json!({"openapi": "3.0.0", "paths": {"/a": {"get": {"responses": {"200": {"content": {
                "application/json": {"schema": {"type": "object", "properties": {
                    "description": {"type": "string"}}}}}}}}}}})
        );
    }
}
