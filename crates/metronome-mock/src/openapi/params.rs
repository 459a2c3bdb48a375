//! A request's path and query parameters, read as the JSON values their
//! schemas describe (`limit=5` is the integer 5), so that one check
//! ([`super::validate`]) covers them and the body alike.

use serde_json::{Map, Value};

use super::validate::{self, Invalid, Mode};
use super::{Api, Location, Operation};

/// Reads and checks every parameter of `op`: the path's (already split
/// out) and the query's. Unknown query parameters are ignored, as
/// Metronome does. Returns them as one JSON object, by name.
pub(crate) fn read(
    api: &Api,
    op: &Operation,
    path: &[(String, String)],
    query: &[(String, String)],
) -> Result<Map<String, Value>, Invalid> {
    let mut out = Map::new();
    for p in &op.parameters {
        let texts: Vec<&str> = match p.location {
            Location::Path => path
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect(),
            Location::Query => query
                .iter()
                .filter(|(k, _)| *k == p.name)
                .map(|(_, v)| v.as_str())
                .collect(),
            Location::Header | Location::Body => continue,
        };
        if texts.is_empty() {
            if p.required {
                return Err(Invalid {
                    at: p.name.clone(),
                    why: "is required".into(),
                });
            }
            continue;
        }
        let value = typed(api, &p.schema, &texts).map_err(|why| Invalid {
            at: p.name.clone(),
            why,
        })?;
        validate::check(api, &p.schema, &value, &p.name, Mode::Request)?;
        out.insert(p.name.clone(), value);
    }
    Ok(out)
}

/// The JSON value of a parameter's text(s), by its schema's type (an
/// array takes every occurrence: `?ids=a&ids=b`).
fn typed(api: &Api, schema: &Value, texts: &[&str]) -> Result<Value, String> {
    let schema = api.resolve(schema);
    let kind = schema.get("type").and_then(Value::as_str);
    if kind == Some("array") {
        let item = schema.get("items").unwrap_or(&Value::Null);
        return texts
            .iter()
            .map(|t| typed(api, item, &[t]))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    let [text] = texts else {
        return Err(format!(
            "is given {} times; it takes one value",
            texts.len()
        ));
    };
    match kind {
        Some("integer") => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("must be an integer, got {text:?}")),
        Some("number") => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("must be a number, got {text:?}")),
        Some("boolean") => match *text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(format!("must be true or false, got {text:?}")),
        },
        _ => Ok(Value::String(text.to_string())),
    }
}
