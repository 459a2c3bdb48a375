//! Example values that satisfy a schema of the description: the same
//! input always gives the same output, so the tests built from them are
//! stable. Used for the generated per-operation tests.

use serde_json::{Map, Value, json};

use crate::load::flatten_schema as merged;

/// The example uuid (a valid v4).
pub const UUID: &str = "00000000-0000-4000-8000-000000000001";
/// The example instant, and the end of an example period.
pub const START: &str = "2024-01-01T00:00:00Z";
pub const END: &str = "2024-01-02T00:00:00Z";

/// An example value of `schema`. `name` is the property or parameter it
/// is for (an `ending_*` instant comes after a `starting_*` one).
pub fn example(tree: &Value, schema: &Value, name: &str) -> Value {
    value(tree, schema, name, 0)
}

fn value(tree: &Value, schema: &Value, name: &str, depth: usize) -> Value {
    let s = merged(tree, schema);
    if let Some(first) = s
        .get("oneOf")
        .or_else(|| s.get("anyOf"))
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return value(tree, first, name, depth + 1);
    }
    if let Some(first) = s
        .get("enum")
        .or_else(|| s.get("x-known-values"))
        .and_then(Value::as_array)
        .and_then(|v| v.iter().find(|v| !v.is_null()))
    {
        return first.clone();
    }
    let kind = s.get("type").and_then(Value::as_str).unwrap_or_else(|| {
        if s.contains_key("properties") || s.contains_key("additionalProperties") {
            "object"
        } else if s.contains_key("items") {
            "array"
        } else {
            ""
        }
    });
    match kind {
        "string" => string(&s, name),
        "integer" => json!(number(&s) as i64),
        "number" => json!(number(&s)),
        "boolean" => json!(true),
        "array" => {
            let item = s
                .get("items")
                .map_or(json!("example"), |i| value(tree, i, name, depth + 1));
            let count = s
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            Value::Array(vec![item; count as usize])
        }
        "object" => object(tree, &s, depth),
        _ => json!({}),
    }
}

fn number(s: &Map<String, Value>) -> f64 {
    let min = s.get("minimum").and_then(Value::as_f64);
    let max = s.get("maximum").and_then(Value::as_f64);
    match (min, max) {
        (Some(lo), _) => lo.max(1.0).min(max.unwrap_or(f64::MAX)),
        (None, Some(hi)) => hi.min(1.0),
        (None, None) => 1.0,
    }
}

fn string(s: &Map<String, Value>, name: &str) -> Value {
    let text = match s.get("format").and_then(Value::as_str) {
        Some("uuid") => UUID.to_string(),
        Some("date-time")
            if name.starts_with("end") || name.contains("_end") || name == "ending_before" =>
        {
            END.to_string()
        }
        Some("date-time") => START.to_string(),
        Some("date") => "2024-01-01".to_string(),
        // A plain string the API reads as an instant (an event's timestamp).
        None if name == "timestamp" => START.to_string(),
        _ if s.get("pattern").and_then(Value::as_str) == Some("^/") => "/example".to_string(),
        _ => "example".to_string(),
    };
    let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    if text.len() < min {
        return json!(format!("{text}{}", "x".repeat(min - text.len())));
    }
    json!(text)
}

fn object(tree: &Value, s: &Map<String, Value>, depth: usize) -> Value {
    let mut out = Map::new();
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if let Some(properties) = s.get("properties").and_then(Value::as_object) {
        for (name, schema) in properties {
            // Every property near the top (so decoding is exercised), only
            // the required ones deeper down (recursive schemas end).
            if depth < 4 || required.contains(&name.as_str()) {
                if depth > 12 {
                    continue;
                }
                out.insert(name.clone(), value(tree, schema, name, depth + 1));
            }
        }
    }
    // Required but never described (the reference has a few): any value
    // decodes, since the generated field is untyped.
    for name in &required {
        out.entry(name.to_string())
            .or_insert_with(|| json!("example"));
    }
    let at_least = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
    if let Some(extra @ Value::Object(_)) = s.get("additionalProperties")
        && (depth < 8 || out.len() < at_least)
    {
        out.insert("key".into(), value(tree, extra, "key", depth + 1));
    }
    // `minProperties` on a free-form object: fields the schema leaves open.
    let mut n = 0;
    while out.len() < at_least {
        n += 1;
        out.insert(format!("field_{n}"), json!("example"));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_follow_formats_constraints_and_refs() {
        let tree = json!({"components": {"schemas": {
            "Item": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string", "format": "uuid"},
                "ending_before": {"type": "string", "format": "date-time"},
                "kind": {"type": "string", "enum": ["A", "B"]},
                "count": {"type": "integer", "minimum": 5},
                "tags": {"type": "array", "minItems": 2, "items": {"type": "string", "minLength": 9}},
                "map": {"type": "object", "additionalProperties": {"type": "number"}}}}}}});
        let got = example(&tree, &json!({"$ref": "#/components/schemas/Item"}), "item");
        assert_eq!(
            got,
            json!({"id": UUID, "ending_before": END, "kind": "A", "count": 5,
                   "tags": ["examplexx", "examplexx"], "map": {"key": 1.0}})
        );
    }
}
