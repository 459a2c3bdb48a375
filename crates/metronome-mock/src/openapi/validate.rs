//! Whether a JSON value is what a schema of the description allows, with
//! the place it is not (`events[3].timestamp: must be …`).
//!
//! Knows exactly the keywords the description uses (a test fails when it
//! starts using another): `type`, `nullable`, `enum`, `format` (`uuid`,
//! `date-time`, `date`, `uri`), `properties`, `required`,
//! `additionalProperties`, `minProperties`, `items`, `minItems`,
//! `maxItems`, `minimum`, `maximum`, `minLength`, `maxLength`, `pattern`
//! (anchored prefixes such as `^/`), `allOf`, `oneOf`, `anyOf`, `$ref`;
//! `default`, `deprecated` and `x-` extensions say nothing to check.

use serde_json::{Map, Value};

use super::Api;

/// The keywords [`check`] understands (and the annotations it skips); a
/// test holds the description to them.
#[cfg(test)]
const KEYWORDS: &[&str] = &[
    "$ref",
    "type",
    "nullable",
    "enum",
    "format",
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "items",
    "minItems",
    "maxItems",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "allOf",
    "oneOf",
    "anyOf",
    "default",
    "deprecated",
    "title",
];

/// How strictly to read the description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// A request, as Metronome reads it: unknown fields are ignored, and a
    /// value that fits any alternative of a `oneOf` is accepted.
    Request,
    /// An answer of the mock's: `oneOf` means exactly one, as a strict
    /// client (or a conformance checker) reads it.
    Response,
}

/// Where a value breaks its schema, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    /// `events[3].timestamp`; empty for the value itself.
    pub at: String,
    pub why: String,
}

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            f.write_str(&self.why)
        } else {
            write!(f, "{}: {}", self.at, self.why)
        }
    }
}

/// Checks `value` against `schema`; `at` names the value in messages.
pub(crate) fn check(
    api: &Api,
    schema: &Value,
    value: &Value,
    at: &str,
    mode: Mode,
) -> Result<(), Invalid> {
    Checker { api, mode }.check(schema, value, at, 0)
}

struct Checker<'a> {
    api: &'a Api,
    mode: Mode,
}

/// Deeper than any schema of the description: past it, a value is taken
/// as it is (a hostile body cannot make the check recurse without end).
const MAX_DEPTH: usize = 64;

impl Checker<'_> {
    fn check(&self, schema: &Value, value: &Value, at: &str, depth: usize) -> Result<(), Invalid> {
        if depth > MAX_DEPTH {
            return Ok(());
        }
        let fail = |why: String| {
            Err(Invalid {
                at: at.to_string(),
                why,
            })
        };
        let schema = self.api.resolve(schema);
        let Some(s) = schema.as_object() else {
            return Ok(());
        };
        if value.is_null() {
            return if nullable(self.api, s) {
                Ok(())
            } else {
                fail("must not be null".into())
            };
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.check(part, value, at, depth + 1)?;
            }
        }
        for key in ["oneOf", "anyOf"] {
            let Some(alternatives) = s.get(key).and_then(Value::as_array) else {
                continue;
            };
            let results: Vec<_> = alternatives
                .iter()
                .map(|a| self.check(a, value, at, depth + 1))
                .collect();
            let fits = results.iter().filter(|r| r.is_ok()).count();
            if fits == 0 {
                // The alternative that got furthest says the most.
                let deepest = results
                    .into_iter()
                    .filter_map(Result::err)
                    .max_by_key(|e| e.at.len())
                    .expect("a oneOf has alternatives");
                return Err(deepest);
            }
            if key == "oneOf" && fits > 1 && self.mode == Mode::Response {
                return fail(format!(
                    "fits {fits} of the oneOf alternatives, not exactly one"
                ));
            }
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            let listed: Vec<String> = values.iter().map(Value::to_string).collect();
            return fail(format!(
                "must be one of {}, got {}",
                listed.join(", "),
                short(value)
            ));
        }
        let kind = s.get("type").and_then(Value::as_str);
        match (kind, value) {
            (None, _) => {}
            (Some("string"), Value::String(text)) => self.string(s, text).or_else(fail)?,
            (Some("integer"), Value::Number(n))
                if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) =>
            {
                self.number(s, n.as_f64().unwrap_or_default())
                    .or_else(fail)?;
            }
            (Some("number"), Value::Number(n)) => self
                .number(s, n.as_f64().unwrap_or_default())
                .or_else(fail)?,
            (Some("boolean"), Value::Bool(_)) => {}
            (Some("array"), Value::Array(items)) => self.array(s, items, at, depth)?,
            (Some("object"), Value::Object(map)) => self.object(s, map, at, depth)?,
            (Some(kind), _) => {
                return fail(format!(
                    "must be {}, got {}",
                    article(kind),
                    describe(value)
                ));
            }
        }
        // Object keywords without `type: object` still apply to objects.
        if kind.is_none()
            && let Value::Object(map) = value
            && (s.contains_key("properties") || s.contains_key("required"))
        {
            self.object(s, map, at, depth)?;
        }
        Ok(())
    }

    fn string(&self, s: &Map<String, Value>, text: &str) -> Result<(), String> {
        let len = text.chars().count() as u64;
        if let Some(min) = s.get("minLength").and_then(Value::as_u64)
            && len < min
        {
            return Err(messages::min_length(min, len));
        }
        if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
            && len > max
        {
            return Err(messages::max_length(max, len));
        }
        if let Some(pattern) = s.get("pattern").and_then(Value::as_str)
            && let Some(prefix) = anchored_prefix(pattern)
            && !text.starts_with(prefix)
        {
            return Err(format!("must start with {prefix:?}"));
        }
        match s.get("format").and_then(Value::as_str) {
            Some("uuid") if uuid::Uuid::try_parse(text).is_err() => Err(format!(
                "must be a uuid, got {}",
                short(&Value::String(text.into()))
            )),
            Some("date-time") if chrono::DateTime::parse_from_rfc3339(text).is_err() => {
                Err(format!(
                    "must be an RFC 3339 date-time such as 2024-01-01T00:00:00Z, got {}",
                    short(&Value::String(text.into()))
                ))
            }
            Some("date") if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() => {
                Err(format!(
                    "must be a date such as 2024-01-01, got {}",
                    short(&Value::String(text.into()))
                ))
            }
            Some("uri") if url::Url::parse(text).is_err() => Err(format!(
                "must be an absolute URI, got {}",
                short(&Value::String(text.into()))
            )),
            _ => Ok(()),
        }
    }

    fn number(&self, s: &Map<String, Value>, n: f64) -> Result<(), String> {
        // Worded as the SDK words it before sending: both bounds when there are two.
        if let (Some(min), Some(max)) = (
            s.get("minimum").and_then(Value::as_f64),
            s.get("maximum").and_then(Value::as_f64),
        ) && !(min..=max).contains(&n)
        {
            return Err(messages::between(min, max, n));
        }
        if let Some(min) = s.get("minimum").and_then(Value::as_f64)
            && n < min
        {
            return Err(messages::at_least(min, n));
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64)
            && n > max
        {
            return Err(messages::at_most(max, n));
        }
        Ok(())
    }

    fn array(
        &self,
        s: &Map<String, Value>,
        items: &[Value],
        at: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        let len = items.len() as u64;
        let fail = |why: String| {
            Err(Invalid {
                at: at.to_string(),
                why,
            })
        };
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && len < min
        {
            return fail(messages::min_items(min, len));
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
            && len > max
        {
            return fail(messages::max_items(max, len));
        }
        if let Some(item) = s.get("items") {
            for (i, value) in items.iter().enumerate() {
                self.check(item, value, &format!("{at}[{i}]"), depth + 1)?;
            }
        }
        Ok(())
    }

    fn object(
        &self,
        s: &Map<String, Value>,
        map: &Map<String, Value>,
        at: &str,
        depth: usize,
    ) -> Result<(), Invalid> {
        let field = |name: &str| {
            if at.is_empty() {
                name.to_string()
            } else {
                format!("{at}.{name}")
            }
        };
        for name in s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !map.contains_key(name) {
                return Err(Invalid {
                    at: field(name),
                    why: "is required".into(),
                });
            }
        }
        if let Some(min) = s.get("minProperties").and_then(Value::as_u64)
            && (map.len() as u64) < min
        {
            return Err(Invalid {
                at: at.to_string(),
                why: messages::min_properties(min, map.len()),
            });
        }
        let properties = s.get("properties").and_then(Value::as_object);
        for (name, value) in map {
            match (
                properties.and_then(|p| p.get(name)),
                s.get("additionalProperties"),
            ) {
                (Some(schema), _) => self.check(schema, value, &field(name), depth + 1)?,
                (None, Some(Value::Bool(false))) if self.mode == Mode::Response => {
                    return Err(Invalid {
                        at: field(name),
                        why: "is not a field of this object".into(),
                    });
                }
                (None, Some(extra @ Value::Object(_))) => {
                    self.check(extra, value, &field(name), depth + 1)?
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Whether a schema allows `null` (`nullable: true`, on it or on what it
/// refers to through `allOf`).
fn nullable(api: &Api, s: &Map<String, Value>) -> bool {
    s.get("nullable").and_then(Value::as_bool).unwrap_or(false)
        || s.get("enum")
            .and_then(Value::as_array)
            .is_some_and(|e| e.contains(&Value::Null))
        || s.get("allOf").and_then(Value::as_array).is_some_and(|all| {
            !all.is_empty()
                && all.iter().all(|part| {
                    api.resolve(part)
                        .as_object()
                        .is_some_and(|p| nullable(api, p))
                })
        })
        || ["oneOf", "anyOf"].iter().any(|key| {
            s.get(*key)
                .and_then(Value::as_array)
                .is_some_and(|alternatives| {
                    alternatives
                        .iter()
                        .any(|a| api.resolve(a).as_object().is_some_and(|p| nullable(api, p)))
                })
        })
}

pub(crate) use super::schema::anchored_prefix;
use super::schema::messages;

fn article(kind: &str) -> String {
    match kind {
        "integer" | "object" | "array" => format!("an {kind}"),
        other => format!("a {other}"),
    }
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value for a message: at most 64 characters of its JSON.
fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 64 {
        text
    } else {
        text.chars().take(64).chain(std::iter::once('…')).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every keyword of every schema in the description, where `properties`
    /// maps hold names, not keywords.
    fn keywords(
        node: &Value,
        found: &mut std::collections::BTreeSet<String>,
        formats: &mut std::collections::BTreeSet<String>,
    ) {
        let Some(map) = node.as_object() else {
            if let Some(items) = node.as_array() {
                items.iter().for_each(|i| keywords(i, found, formats));
            }
            return;
        };
        for (key, value) in map {
            found.insert(key.clone());
            match key.as_str() {
                "format" | "pattern" => {
                    formats.insert(format!("{key}={}", value.as_str().unwrap_or_default()));
                }
                "properties" => value
                    .as_object()
                    .into_iter()
                    .flatten()
                    .for_each(|(_, v)| keywords(v, found, formats)),
                "items" | "additionalProperties" | "allOf" | "oneOf" | "anyOf" => {
                    keywords(value, found, formats)
                }
                _ => {}
            }
        }
    }

    #[test]
    fn the_checker_knows_every_keyword_the_description_uses() {
        let api = Api::get();
        let mut found = std::collections::BTreeSet::new();
        let mut formats = std::collections::BTreeSet::new();
        for schema in api.tree["components"]["schemas"]
            .as_object()
            .unwrap()
            .values()
        {
            keywords(schema, &mut found, &mut formats);
        }
        for op in &api.operations {
            for p in &op.parameters {
                keywords(&p.schema, &mut found, &mut formats);
            }
            if let Some(body) = &op.body {
                keywords(body, &mut found, &mut formats);
            }
        }
        let unknown: Vec<_> = found
            .iter()
            .filter(|k| !KEYWORDS.contains(&k.as_str()) && !k.starts_with("x-"))
            .collect();
        assert!(
            unknown.is_empty(),
            "keywords the checker does not know: {unknown:?}"
        );
        for f in &formats {
            let known = matches!(
                f.as_str(),
                "format=uuid" | "format=date-time" | "format=date" | "format=uri"
            ) || f
                .strip_prefix("pattern=")
                .is_some_and(|p| anchored_prefix(p).is_some());
            assert!(known, "the checker does not know {f}");
        }
    }

    #[test]
    fn messages_name_the_field() {
        let api = Api::get();
        let schema = serde_json::json!({"type": "object", "required": ["events"], "properties": {
            "events": {"type": "array", "maxItems": 2, "items": {"type": "object", "properties": {
                "timestamp": {"type": "string", "format": "date-time"},
                "kind": {"type": "string", "enum": ["A", "B"]}}}}}});
        let check = |value: serde_json::Value| {
            check(api, &schema, &value, "", Mode::Request).map_err(|e| e.to_string())
        };
        assert_eq!(
            check(serde_json::json!({})),
            Err("events: is required".into())
        );
        assert_eq!(
            check(serde_json::json!({"events": [{}, {"timestamp": "yesterday"}]})),
            Err("events[1].timestamp: must be an RFC 3339 date-time such as 2024-01-01T00:00:00Z, got \"yesterday\"".into())
        );
        assert_eq!(
            check(serde_json::json!({"events": [{"kind": "C"}]})),
            Err("events[0].kind: must be one of \"A\", \"B\", got \"C\"".into())
        );
        assert_eq!(
            check(serde_json::json!({"events": [{}, {}, {}]})),
            Err("events: takes at most 2 item(s), got 3".into())
        );
        assert_eq!(
            check(serde_json::json!({"events": [], "unknown": 1})),
            Ok(())
        );
        assert_eq!(
            check(serde_json::json!({"events": 5})),
            Err("events: must be an array, got a number".into())
        );
    }
}
