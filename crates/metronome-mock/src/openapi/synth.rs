//! Plausible values of a schema of the description, the same for the same
//! seed: uuids for ids, timestamps inside the period the request asked
//! about, enum values from their set, numbers within their bounds, and the
//! request's own values where the answer names the same field
//! (`customer_id`). The shape of a value (which properties, how deep,
//! `allOf`, `oneOf`) is the shared toolkit's ([`super::schema::Values`],
//! the generator's examples are made by it too); the choices are drawn
//! here ([`Picks`]).

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value};

use super::Api;
use super::schema::{FULL_DEPTH, Picks, Values};
use super::validate::{self, Mode};

/// Request fields never repeated into an answer: they say where the
/// request is (a cursor, a page size) or which entity it is.
const NOT_ECHOED: &[&str] = &["id", "next_page", "cursor", "limit"];

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
        let tree = &self.api.tree;
        Values { tree, picks: self }.value(schema, name)
    }

    /// An object of `schema` whose `id` is `id`.
    pub fn entity(&mut self, schema: &Value, id: &str) -> Value {
        let mut value = self.value(schema, "");
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

    /// An instant inside the request's period, on a whole hour when the
    /// period is long enough.
    fn moment(&mut self) -> DateTime<Utc> {
        let (start, end) = self.period;
        let hours = (end - start).num_hours();
        if hours >= 1 {
            start + TimeDelta::hours(self.below(hours as u64) as i64)
        } else {
            start
        }
    }
}

/// The mock's choices: drawn from the seed, timestamps inside the
/// request's period, the request's own values where the answer names the
/// same field.
impl Picks for Synth<'_> {
    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    fn boolean(&mut self) -> bool {
        self.next() & 1 == 1
    }

    fn integer(&mut self, lo: i64, hi: i64) -> i64 {
        // Any bounds the description may give: no overflow.
        let span = hi.max(lo).abs_diff(lo).saturating_add(1);
        lo.saturating_add_unsigned(self.below(span))
    }

    fn number(&mut self, lo: f64, hi: f64) -> f64 {
        // `as` saturates: a span past u64 cents draws from the first 2⁶⁴.
        let cents = ((hi - lo) * 100.0).max(0.0) as u64;
        let drawn = lo + self.below(cents.saturating_add(1)) as f64 / 100.0;
        drawn.min(hi.max(lo))
    }

    fn count(&mut self, _min: u64, _max: u64, depth: usize) -> u64 {
        if depth < FULL_DEPTH {
            1 + self.below(2)
        } else {
            0
        }
    }

    /// Every described field, at any depth (as the service sends them):
    /// a strict reader finds what it requires. Arrays past
    /// [`FULL_DEPTH`] stay empty, so an answer grows with its schema, not
    /// exponentially with its depth.
    fn optional(&mut self, _depth: usize) -> bool {
        true
    }

    fn uuid(&mut self) -> String {
        Synth::uuid(self)
    }

    fn instant(&mut self, _name: &str) -> String {
        self.moment()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    fn date(&mut self, _name: &str) -> String {
        self.moment().date_naive().to_string()
    }

    fn uri(&mut self, name: &str) -> String {
        format!(
            "https://example.com/{}/{:08x}",
            slug(name),
            self.next() as u32
        )
    }

    fn text(&mut self, prefix: &str, name: &str) -> String {
        if prefix.is_empty() {
            format!("{}-{:06x}", slug(name), self.next() as u32 & 0xff_ffff)
        } else {
            format!("{prefix}{}", slug(name))
        }
    }

    fn key(&mut self, _n: usize) -> String {
        format!("key_{:04x}", self.below(0x10000))
    }

    /// The request's value for a field of this name, when it fits.
    fn known(&mut self, name: &str, schema: &Value) -> Option<Value> {
        if NOT_ECHOED.contains(&name) {
            return None;
        }
        let value = self.known.get(name)?;
        (!value.is_null() && validate::check(self.api, schema, value, "", Mode::Response).is_ok())
            .then(|| value.clone())
    }

    fn fits(&mut self, schema: &Value, value: &Value) -> bool {
        validate::check(self.api, schema, value, "", Mode::Response).is_ok()
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Every property an object's schema declares is in the made value,
    /// at every depth the values are filled to (`oneOf`/`anyOf` parts are
    /// skipped: which alternative was made is not known from outside).
    fn missing(api: &Api, schema: &Value, value: &Value, at: &str, depth: usize) -> Vec<String> {
        use super::super::schema::{MAX_DEPTH, flatten};
        let s = flatten(&api.tree, schema);
        if depth + 1 >= MAX_DEPTH || s.contains_key("oneOf") || s.contains_key("anyOf") {
            return Vec::new();
        }
        let mut out = Vec::new();
        match value {
            Value::Object(fields) => {
                for (name, property) in s
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    match fields.get(name) {
                        Some(inner) => out.extend(missing(
                            api,
                            property,
                            inner,
                            &format!("{at}.{name}"),
                            depth + 1,
                        )),
                        None => out.push(format!("{at}.{name}")),
                    }
                }
            }
            Value::Array(items) => {
                let item = s.get("items").cloned().unwrap_or(Value::Null);
                for (i, inner) in items.iter().enumerate() {
                    out.extend(missing(api, &item, inner, &format!("{at}[{i}]"), depth + 1));
                }
            }
            _ => {}
        }
        out
    }

    #[test]
    fn answers_carry_every_described_field_at_every_depth() {
        let api = Api::get();
        let known = Map::new();
        let mut checked = 0;
        for op in &api.operations {
            let crate::openapi::Answer::Json(schema) = &op.answer else {
                continue;
            };
            for seed in 0..4 {
                let value = Synth::new(api, seed, &known).value(schema, "");
                let gaps = missing(api, schema, &value, "", 0);
                assert!(gaps.is_empty(), "{}: {gaps:?}", op.id);
                assert!(
                    validate::check(api, schema, &value, "", Mode::Response).is_ok(),
                    "{}",
                    op.id
                );
            }
            checked += 1;
        }
        assert!(checked >= 130, "{checked}");
    }

    #[test]
    fn extreme_bounds_draw_within_them_without_overflow() {
        let api = Api::get();
        let known = Map::new();
        let integer = json!({"type": "integer", "minimum": -5e18, "maximum": 5e18});
        let number = json!({"type": "number", "minimum": 0, "maximum": 1e18});
        let long = json!({"type": "string", "minLength": 200_000});
        for seed in 0..64 {
            let mut synth = Synth::new(api, seed, &known);
            let n = synth.value(&integer, "n").as_i64().unwrap();
            assert!((-5_000_000_000_000_000_000..=5_000_000_000_000_000_000).contains(&n));
            let x = synth.value(&number, "x").as_f64().unwrap();
            assert!((0.0..=1e18).contains(&x), "{x}");
        }
        let text = Synth::new(api, 1, &known).value(&long, "s");
        assert_eq!(text.as_str().unwrap().chars().count(), 200_000);
    }
}
