//! Plausible values of a schema of the description, the same for the same
//! seed: uuids for ids, timestamps inside the period the request asked
//! about, enum values from their set, numbers within their bounds, and the
//! request's own values where the answer names the same field
//! (`customer_id`).

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use super::Api;
use super::validate::{self, Mode};

/// Request fields never repeated into an answer: they say where the
/// request is (a cursor, a page size) or which entity it is.
const NOT_ECHOED: &[&str] = &["id", "next_page", "cursor", "limit"];

/// Below this depth every property is filled; deeper, only the required
/// ones (answers stay small, recursive schemas end).
const FULL_DEPTH: usize = 3;
const MAX_DEPTH: usize = 12;

/// Makes values; one per answer.
pub(crate) struct Synth<'a> {
    api: &'a Api,
    state: u64,
    known: &'a Map<String, Value>,
    period: (DateTime<Utc>, DateTime<Utc>),
}

impl<'a> Synth<'a> {
    /// `known` holds the request's values by field name.
    pub fn new(api: &'a Api, seed: u64, known: &'a Map<String, Value>) -> Self {
        Self {
            api,
            state: seed,
            known,
            period: period(known),
        }
    }

    /// Starts again from `seed` (an entity is the same wherever it shows).
    pub fn reseed(&mut self, seed: u64) {
        self.state = seed;
    }

    /// A value of `schema`, for a field called `name`.
    pub fn value(&mut self, schema: &Value, name: &str) -> Value {
        self.at(schema, name, 0)
    }

    /// An object of `schema` whose `id` is `id`.
    pub fn entity(&mut self, schema: &Value, id: &str) -> Value {
        let mut value = self.at(schema, "", 0);
        if let Some(object) = value.as_object_mut()
            && object.contains_key("id")
        {
            object.insert("id".into(), Value::String(id.to_string()));
        }
        value
    }

    /// A uuid (version 4 in form) drawn from the seed.
    pub fn uuid(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next().to_be_bytes());
        bytes[8..].copy_from_slice(&self.next().to_be_bytes());
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string()
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        crate::dataset::splitmix(self.state)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn at(&mut self, schema: &Value, name: &str, depth: usize) -> Value {
        let api = self.api;
        let node = api.resolve(schema);
        let Some(s) = node.as_object() else {
            return json!("example");
        };
        if depth > MAX_DEPTH {
            return minimal(s);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = s
                .get(key)
                .and_then(Value::as_array)
                .filter(|a| !a.is_empty())
            {
                // Start from a drawn alternative; keep the first value that
                // fits exactly one (what a strict reader demands).
                let start = self.below(alternatives.len() as u64) as usize;
                let mut first = None;
                for i in 0..alternatives.len() {
                    let candidate = &alternatives[(start + i) % alternatives.len()];
                    let value = self.at(candidate, name, depth + 1);
                    if validate::check(api, node, &value, "", Mode::Response).is_ok() {
                        return value;
                    }
                    first.get_or_insert(value);
                }
                return first.unwrap_or(Value::Null);
            }
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let choices: Vec<&Value> = values.iter().filter(|v| !v.is_null()).collect();
            if !choices.is_empty() {
                let pick = self.below(choices.len() as u64) as usize;
                return choices[pick].clone();
            }
        }
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            let merged = super::schema::flatten(&api.tree, node);
            if merged.contains_key("properties") || merged.get("type") == Some(&json!("object")) {
                return self.object(&merged, depth);
            }
            if let Some(first) = all.first() {
                return self.at(first, name, depth + 1);
            }
        }
        let kind = s.get("type").and_then(Value::as_str).unwrap_or_else(|| {
            if s.contains_key("properties") || s.contains_key("additionalProperties") {
                "object"
            } else if s.contains_key("items") {
                "array"
            } else {
                "string"
            }
        });
        match kind {
            "string" => self.string(s, name),
            "integer" => {
                let (lo, hi) = bounds(s, 0.0, 100.0);
                let (lo, hi) = (lo.ceil() as i64, hi.floor() as i64);
                json!(lo + self.below((hi - lo).max(0) as u64 + 1) as i64)
            }
            "number" => {
                let (lo, hi) = bounds(s, 0.0, 1000.0);
                let cents = ((hi - lo) * 100.0).max(0.0) as u64;
                json!(lo + self.below(cents + 1) as f64 / 100.0)
            }
            "boolean" => json!(self.next() & 1 == 1),
            "array" => {
                let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
                let max = s
                    .get("maxItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(u64::MAX);
                let wanted = if depth < FULL_DEPTH {
                    1 + self.below(2)
                } else {
                    0
                };
                let n = wanted.clamp(min, max.max(min));
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
                if depth < FULL_DEPTH || required.contains(&name.as_str()) {
                    let value = self
                        .echoed(schema, name)
                        .unwrap_or_else(|| self.at(schema, name, depth + 1));
                    out.insert(name.clone(), value);
                }
            }
        }
        let min = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        if let Some(extra @ Value::Object(_)) = s.get("additionalProperties") {
            let mut wanted = usize::from(depth < FULL_DEPTH);
            while wanted > 0 || out.len() < min {
                let key = format!("key_{:04x}", self.below(0x10000));
                let value = self.at(extra, &key, depth + 1);
                out.insert(key, value);
                wanted = wanted.saturating_sub(1);
            }
        }
        for name in required {
            out.entry(name.to_string())
                .or_insert_with(|| json!("example"));
        }
        Value::Object(out)
    }

    /// The request's value for a field of this name, when it fits.
    fn echoed(&self, schema: &Value, name: &str) -> Option<Value> {
        if NOT_ECHOED.contains(&name) {
            return None;
        }
        let value = self.known.get(name)?;
        (!value.is_null() && validate::check(self.api, schema, value, "", Mode::Response).is_ok())
            .then(|| value.clone())
    }

    fn string(&mut self, s: &Map<String, Value>, name: &str) -> Value {
        let text = match s.get("format").and_then(Value::as_str) {
            Some("uuid") => self.uuid(),
            Some("date-time") => self
                .instant()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            Some("date") => self.instant().date_naive().to_string(),
            Some("uri") => format!(
                "https://example.com/{}/{:08x}",
                slug(name),
                self.next() as u32
            ),
            _ => match s
                .get("pattern")
                .and_then(Value::as_str)
                .and_then(validate::anchored_prefix)
            {
                Some(prefix) => format!("{prefix}{}", slug(name)),
                None => format!("{}-{:06x}", slug(name), self.next() as u32 & 0xff_ffff),
            },
        };
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let mut text: String = text.chars().take(max).collect();
        while text.chars().count() < min {
            text.push('x');
        }
        Value::String(text)
    }

    /// An instant inside the request's period, on a whole hour when the
    /// period is long enough.
    fn instant(&mut self) -> DateTime<Utc> {
        let (start, end) = self.period;
        let hours = (end - start).num_hours();
        if hours >= 1 {
            start + TimeDelta::hours(self.below(hours as u64) as i64)
        } else {
            start
        }
    }
}

/// The period a request is about: its `starting_*`/`start_*` and
/// `ending_*`/`end_*` date-times, or January 2024.
fn period(known: &Map<String, Value>) -> (DateTime<Utc>, DateTime<Utc>) {
    let instant = |prefixes: &[&str]| {
        known.iter().find_map(|(name, value)| {
            let text = value.as_str()?;
            prefixes
                .iter()
                .any(|p| name.starts_with(p))
                .then(|| DateTime::parse_from_rfc3339(text).ok())
                .flatten()
                .map(|t| t.with_timezone(&Utc))
        })
    };
    let default = (
        DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z").map(|t| t.with_timezone(&Utc)),
        DateTime::parse_from_rfc3339("2024-02-01T00:00:00Z").map(|t| t.with_timezone(&Utc)),
    );
    let (Ok(d0), Ok(d1)) = default else {
        unreachable!("constant dates parse")
    };
    match (instant(&["starting", "start"]), instant(&["ending", "end"])) {
        (Some(a), Some(b)) if a < b => (a, b),
        (Some(a), None) => (a, a + TimeDelta::days(31)),
        _ => (d0, d1),
    }
}

/// `minimum`/`maximum`, or the defaults around what is given.
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

/// The smallest value a schema allows, for the depth guard.
fn minimal(s: &Map<String, Value>) -> Value {
    match s.get("type").and_then(Value::as_str) {
        Some("array") => json!([]),
        Some("string") => json!(""),
        Some("integer" | "number") => {
            json!(s.get("minimum").and_then(Value::as_f64).unwrap_or(0.0))
        }
        Some("boolean") => json!(false),
        _ => json!({}),
    }
}

fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(24)
        .collect();
    if slug.is_empty() {
        "value".into()
    } else {
        slug
    }
}
