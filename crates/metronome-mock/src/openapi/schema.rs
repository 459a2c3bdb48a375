//! The schema toolkit the mock and the generator share: following a
//! `$ref`, merging an `allOf` into one schema with one precedence, making
//! a value of a schema ([`Values`]), and the words of a broken constraint
//! ([`messages`]). The xtask compiles this same file (`#[path]` in
//! `xtask/src/main.rs`), so the examples the generator writes and the
//! answers the mock makes read a schema the same way. It depends on nothing
//! but `serde_json`.

use serde_json::{Map, Value};

/// How many `$ref`s are followed before giving up (a cycle ends).
const MAX_HOPS: usize = 32;
/// How deep `allOf`s are merged inside one another.
const MAX_MERGE_DEPTH: usize = 16;

/// Follows local `$ref`s (`#/...`) until a node without one, or one whose
/// target is missing (returned as is).
pub fn resolve<'t>(tree: &'t Value, mut node: &'t Value) -> &'t Value {
    for _ in 0..MAX_HOPS {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| tree.pointer(p)) {
                Some(target) => node = target,
                None => return node,
            },
            None => return node,
        }
    }
    node
}

/// A schema with its `$ref` followed and its `allOf` merged into one
/// mapping. Precedence, one rule everywhere: the schema's own keywords
/// first, then its `$ref`'s target, then the `allOf` parts in order; the
/// first to give a keyword wins, except `properties` (united, the first
/// definition of a name wins) and `required` (united, in order). Keywords
/// beside a `$ref` (`nullable`, say) are kept, as descriptions mean them.
pub fn flatten(tree: &Value, node: &Value) -> Map<String, Value> {
    flatten_at(tree, node, 0)
}

/// [`flatten`] without copying when there is nothing to merge: the
/// target of a bare `$ref`, or the node itself.
fn view<'t>(tree: &'t Value, node: &'t Value) -> std::borrow::Cow<'t, Map<String, Value>> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    let bare_ref = node
        .as_object()
        .is_some_and(|m| m.len() == 1 && m.contains_key("$ref"));
    let target = if bare_ref { resolve(tree, node) } else { node };
    match target.as_object() {
        Some(map) if !map.contains_key("allOf") && !map.contains_key("$ref") => {
            std::borrow::Cow::Borrowed(map)
        }
        Some(_) => std::borrow::Cow::Owned(flatten(tree, target)),
        None => std::borrow::Cow::Borrowed(EMPTY.get_or_init(Map::new)),
    }
}

fn flatten_at(tree: &Value, node: &Value, depth: usize) -> Map<String, Value> {
    let Some(map) = node.as_object() else {
        return Map::new();
    };
    let mut out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "allOf" && k.as_str() != "$ref")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if depth > MAX_MERGE_DEPTH {
        return out;
    }
    let target = map.contains_key("$ref").then(|| resolve(tree, node));
    let parts = target.into_iter().chain(
        map.get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for part in parts {
        for (k, v) in flatten_at(tree, part, depth + 1) {
            match (k.as_str(), out.get_mut(&k), v) {
                ("properties", Some(Value::Object(mine)), Value::Object(more)) => {
                    for (name, schema) in more {
                        mine.entry(name).or_insert(schema);
                    }
                }
                ("required", Some(Value::Array(mine)), Value::Array(more)) => {
                    for name in more {
                        if !mine.contains(&name) {
                            mine.push(name);
                        }
                    }
                }
                (_, Some(_), _) => {}
                (_, None, v) => {
                    out.insert(k, v);
                }
            }
        }
    }
    out
}

/// The literal a `^prefix` pattern asks for, when the pattern is only that.
pub fn anchored_prefix(pattern: &str) -> Option<&str> {
    let prefix = pattern.strip_prefix('^')?;
    prefix
        .chars()
        .all(|c| !"\\.^$|?*+()[]{}".contains(c))
        .then_some(prefix)
}

/// Below this depth every property of an object is filled (and a map
/// gets an entry); deeper, only the required ones (values stay small,
/// recursive schemas end).
pub const FULL_DEPTH: usize = 4;
/// Above this depth a map gets an entry even where optional properties
/// are left out: a map's values are what a reader decodes least often.
pub const MAP_DEPTH: usize = 8;
/// Past this depth a value is the smallest its schema allows.
pub const MAX_DEPTH: usize = 12;

/// The choices a value maker leaves open: what differs between a stable
/// example (the generator's, always the same) and a plausible answer (the
/// mock's, drawn from a seed). Everything else, the structure of a value,
/// is [`Values`]'s, one way for both.
pub trait Picks {
    /// One of `n` (> 0) choices: an enum value, a `oneOf` alternative.
    fn index(&mut self, n: usize) -> usize;
    fn boolean(&mut self) -> bool;
    /// An integer in `lo..=hi`.
    fn integer(&mut self, lo: i64, hi: i64) -> i64;
    /// A number in `lo..=hi`.
    fn number(&mut self, lo: f64, hi: f64) -> f64;
    /// How many items an array at `depth` holds, in `min..=max`.
    fn count(&mut self, min: u64, max: u64, depth: usize) -> u64;
    /// Whether an object at `depth` gets its optional properties too (by
    /// default down to [`FULL_DEPTH`]; past it, only the required ones).
    fn optional(&mut self, depth: usize) -> bool {
        depth < FULL_DEPTH
    }
    fn uuid(&mut self) -> String;
    /// An RFC 3339 instant for a field called `name`.
    fn instant(&mut self, name: &str) -> String;
    /// A date (`2024-01-01`) for a field called `name`.
    fn date(&mut self, name: &str) -> String;
    /// An absolute URI for a field called `name`.
    fn uri(&mut self, name: &str) -> String;
    /// Free text for a field called `name`, after `prefix` (what a `^…`
    /// pattern asks every value to start with; empty without one).
    fn text(&mut self, prefix: &str, name: &str) -> String;
    /// The name of the `n`-th entry of a map.
    fn key(&mut self, n: usize) -> String;
    /// A value the field must have rather than a made one (the mock
    /// repeats a request's own values in its answer).
    fn known(&mut self, _name: &str, _schema: &Value) -> Option<Value> {
        None
    }
    /// Whether `value` fits `schema` as a strict reader demands (a
    /// `oneOf` value must fit exactly one alternative).
    fn fits(&mut self, _schema: &Value, _value: &Value) -> bool {
        true
    }
}

impl<P: Picks + ?Sized> Picks for &mut P {
    fn index(&mut self, n: usize) -> usize {
        (**self).index(n)
    }
    fn boolean(&mut self) -> bool {
        (**self).boolean()
    }
    fn integer(&mut self, lo: i64, hi: i64) -> i64 {
        (**self).integer(lo, hi)
    }
    fn number(&mut self, lo: f64, hi: f64) -> f64 {
        (**self).number(lo, hi)
    }
    fn count(&mut self, min: u64, max: u64, depth: usize) -> u64 {
        (**self).count(min, max, depth)
    }
    fn optional(&mut self, depth: usize) -> bool {
        (**self).optional(depth)
    }
    fn uuid(&mut self) -> String {
        (**self).uuid()
    }
    fn instant(&mut self, name: &str) -> String {
        (**self).instant(name)
    }
    fn date(&mut self, name: &str) -> String {
        (**self).date(name)
    }
    fn uri(&mut self, name: &str) -> String {
        (**self).uri(name)
    }
    fn text(&mut self, prefix: &str, name: &str) -> String {
        (**self).text(prefix, name)
    }
    fn key(&mut self, n: usize) -> String {
        (**self).key(n)
    }
    fn known(&mut self, name: &str, schema: &Value) -> Option<Value> {
        (**self).known(name, schema)
    }
    fn fits(&mut self, schema: &Value, value: &Value) -> bool {
        (**self).fits(schema, value)
    }
}

/// Makes values of the schemas of a description.
pub struct Values<'t, P> {
    pub tree: &'t Value,
    pub picks: P,
}

impl<P: Picks> Values<'_, P> {
    /// A value of `schema`, for a field called `name`.
    pub fn value(&mut self, schema: &Value, name: &str) -> Value {
        self.at(schema, name, 0)
    }

    fn at(&mut self, schema: &Value, name: &str, depth: usize) -> Value {
        let s = view(self.tree, schema);
        let s = s.as_ref();
        if depth > MAX_DEPTH {
            return minimal(s);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = s
                .get(key)
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
            {
                // From a chosen alternative on, the first value that fits.
                let start = self.picks.index(alternatives.len()) % alternatives.len();
                let mut first = None;
                for i in 0..alternatives.len() {
                    let candidate = &alternatives[(start + i) % alternatives.len()];
                    let value = self.at(candidate, name, depth + 1);
                    if self.picks.fits(schema, &value) {
                        return value;
                    }
                    first.get_or_insert(value);
                }
                return first.unwrap_or(Value::Null);
            }
        }
        // A closed set, or the values an open one knows of.
        if let Some(values) = s
            .get("enum")
            .or_else(|| s.get("x-known-values"))
            .and_then(Value::as_array)
        {
            let choices: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            if !choices.is_empty() {
                let pick = self.picks.index(choices.len()) % choices.len();
                return choices[pick].clone();
            }
        }
        let kind = s.get("type").and_then(Value::as_str).unwrap_or_else(|| {
            if s.contains_key("properties") || s.contains_key("additionalProperties") {
                "object"
            } else if s.contains_key("items") {
                "array"
            } else {
                // Any value: an empty object.
                "object"
            }
        });
        match kind {
            "string" => self.string(s, name),
            "integer" => {
                let (lo, hi) = bounds(s, 0.0, 100.0);
                let (lo, hi) = (lo.ceil() as i64, hi.floor() as i64);
                Value::from(self.picks.integer(lo, hi.max(lo)))
            }
            "number" => {
                let (lo, hi) = bounds(s, 0.0, 1000.0);
                Value::from(self.picks.number(lo, hi))
            }
            "boolean" => Value::Bool(self.picks.boolean()),
            "array" => {
                let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let max = s
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX)
                    .max(min);
                let n = self.picks.count(min, max, depth).clamp(min, max);
                let item = s.get("items").cloned().unwrap_or(Value::Null);
                Value::Array((0..n).map(|_| self.at(&item, name, depth + 1)).collect())
            }
            _ => self.object(s, depth),
        }
    }

    fn object(&mut self, s: &Map<String, Value>, depth: usize) -> Value {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut out = Map::new();
        if let Some(properties) = s.get("properties").and_then(Value::as_object) {
            for (name, schema) in properties {
                if required.contains(&name.as_str()) || self.picks.optional(depth) {
                    let value = match self.picks.known(name, schema) {
                        Some(value) => value,
                        None => self.at(schema, name, depth + 1),
                    };
                    out.insert(name.clone(), value);
                }
            }
        }
        let min = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        if let Some(extra @ Value::Object(_)) = s.get("additionalProperties") {
            let mut n = 0;
            while (n == 0 && depth < MAP_DEPTH) || out.len() < min {
                let key = self.picks.key(n);
                let value = self.at(extra, &key, depth + 1);
                out.insert(key, value);
                n += 1;
                if n > min + 1 {
                    break;
                }
            }
        }
        // Required but never described (a few are): any value will do.
        for name in required {
            out.entry(name.to_string())
                .or_insert_with(|| Value::String("example".into()));
        }
        // `minProperties` on an object that leaves its fields open.
        let mut n = 0;
        while out.len() < min {
            n += 1;
            out.insert(format!("field_{n}"), Value::String("example".into()));
        }
        Value::Object(out)
    }

    fn string(&mut self, s: &Map<String, Value>, name: &str) -> Value {
        let format = s.get("format").and_then(Value::as_str);
        let text = match format {
            Some("uuid") => self.picks.uuid(),
            Some("date-time") => self.picks.instant(name),
            Some("date") => self.picks.date(name),
            Some("uri") => self.picks.uri(name),
            // A plain string the API reads as an instant (an event's).
            None if name == "timestamp" => self.picks.instant(name),
            _ => {
                let prefix = s
                    .get("pattern")
                    .and_then(Value::as_str)
                    .and_then(anchored_prefix)
                    .unwrap_or("");
                self.picks.text(prefix, name)
            }
        };
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let mut text: String = text.chars().take(max).collect();
        let short = min.saturating_sub(text.chars().count());
        text.extend(std::iter::repeat_n('x', short));
        Value::String(text)
    }
}

/// `minimum`/`maximum`, or a range of `span` around what is given (from
/// `lo` when nothing is).
fn bounds(s: &Map<String, Value>, lo: f64, span: f64) -> (f64, f64) {
    let min = s.get("minimum").and_then(Value::as_f64);
    let max = s.get("maximum").and_then(Value::as_f64);
    match (min, max) {
        (Some(a), Some(b)) => (a, b.max(a)),
        (Some(a), None) => (a, a + span),
        (None, Some(b)) => ((b - span).max(lo.min(b)), b),
        (None, None) => (lo, lo + span),
    }
}

/// The smallest value a schema allows, past the depth bound.
fn minimal(s: &Map<String, Value>) -> Value {
    match s.get("type").and_then(Value::as_str) {
        Some("array") => Value::Array(Vec::new()),
        Some("string") => Value::String(String::new()),
        Some("integer" | "number") => s.get("minimum").cloned().unwrap_or_else(|| Value::from(0)),
        Some("boolean") => Value::Bool(false),
        _ => Value::Object(Map::new()),
    }
}

/// The words of a broken constraint, one table for the mock's checker and
/// (the same wording, checked by a test) the SDK's checks before sending.
pub mod messages {
    use std::fmt::Display;

    pub fn between(lo: impl Display, hi: impl Display, got: impl Display) -> String {
        format!("must be between {lo} and {hi}, got {got}")
    }
    pub fn at_least(lo: impl Display, got: impl Display) -> String {
        format!("must be at least {lo}, got {got}")
    }
    pub fn at_most(hi: impl Display, got: impl Display) -> String {
        format!("must be at most {hi}, got {got}")
    }
    pub fn min_items(lo: impl Display, got: impl Display) -> String {
        format!("needs at least {lo} item(s), got {got}")
    }
    pub fn max_items(hi: impl Display, got: impl Display) -> String {
        format!("takes at most {hi} item(s), got {got}")
    }
    pub fn min_length(lo: impl Display, got: impl Display) -> String {
        format!("needs at least {lo} character(s), got {got}")
    }
    pub fn min_properties(lo: impl Display, got: impl Display) -> String {
        format!("needs at least {lo} field(s), got {got}")
    }
    pub fn max_length(hi: impl Display, got: impl Display) -> String {
        format!("takes at most {hi} character(s), got {got}")
    }
    /// A period that does not move forward: the two fields and their
    /// instants (RFC 3339).
    pub fn period(
        start_name: impl Display,
        start: impl Display,
        end_name: impl Display,
        end: impl Display,
    ) -> String {
        format!("{start_name} ({start}) must be before {end_name} ({end})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_are_followed_and_a_cycle_ends() {
        let tree = json!({"components": {"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"type": "string"},
            "Loop": {"$ref": "#/components/schemas/Loop"}}}});
        assert_eq!(
            resolve(&tree, &json!({"$ref": "#/components/schemas/A"})),
            &json!({"type": "string"})
        );
        let missing = json!({"$ref": "#/components/schemas/Nowhere"});
        assert_eq!(resolve(&tree, &missing), &missing);
        let looped = json!({"$ref": "#/components/schemas/Loop"});
        assert!(resolve(&tree, &looped).get("$ref").is_some());
    }

    #[test]
    fn own_keywords_then_the_ref_then_the_parts_in_order() {
        let tree = json!({"components": {"schemas": {
            "Base": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"}, "kind": {"type": "string", "enum": ["base"]}}},
            "More": {"required": ["kind", "size"], "properties": {
                "kind": {"type": "string", "enum": ["more"]}, "size": {"type": "integer"}},
                "additionalProperties": false}}}});
        let node = json!({
            "nullable": true,
            "properties": {"id": {"type": "string", "format": "uuid"}},
            "allOf": [{"$ref": "#/components/schemas/Base"}, {"$ref": "#/components/schemas/More"}]
        });
        let merged = flatten(&tree, &node);
        assert_eq!(merged["nullable"], json!(true));
        assert_eq!(merged["type"], json!("object"));
        assert_eq!(merged["additionalProperties"], json!(false));
        assert_eq!(merged["required"], json!(["id", "kind", "size"]));
        // The own definition of `id`, the first part's `kind`.
        assert_eq!(merged["properties"]["id"]["format"], json!("uuid"));
        assert_eq!(merged["properties"]["kind"]["enum"], json!(["base"]));
        assert_eq!(merged["properties"]["size"]["type"], json!("integer"));
        assert!(!merged.contains_key("allOf"));
    }
}
