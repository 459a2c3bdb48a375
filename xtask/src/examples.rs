//! Example values that satisfy a schema of the description: the same
//! input always gives the same output, so the tests built from them are
//! stable. Used for the generated per-operation tests and doc examples.
//! The structure of a value is the shared toolkit's ([`crate::schema::Values`],
//! the mock's too); this file only says which value to pick where the
//! mock would draw one.

use serde_json::Value;

use crate::schema::{Picks, Values};

/// The example uuid (a valid v4).
pub const UUID: &str = "00000000-0000-4000-8000-000000000001";
/// The example instant, and the end of an example period.
pub const START: &str = "2024-01-01T00:00:00Z";
pub const END: &str = "2024-01-02T00:00:00Z";

/// An example value of `schema`. `name` is the property or parameter it
/// is for (an `ending_*` instant comes after a `starting_*` one).
pub fn example(tree: &Value, schema: &Value, name: &str) -> Value {
    Values {
        tree,
        picks: Stable,
    }
    .value(schema, name)
}

/// The same choice every time: the first alternative, the smallest
/// number from 1 within bounds, one item, fixed text.
struct Stable;

impl Picks for Stable {
    fn index(&mut self, _n: usize) -> usize {
        0
    }
    fn boolean(&mut self) -> bool {
        true
    }
    fn integer(&mut self, lo: i64, hi: i64) -> i64 {
        lo.max(1).min(hi)
    }
    fn number(&mut self, lo: f64, hi: f64) -> f64 {
        lo.max(1.0).min(hi)
    }
    fn count(&mut self, min: u64, max: u64, _depth: usize) -> u64 {
        min.max(1).min(max)
    }
    fn uuid(&mut self) -> String {
        UUID.to_string()
    }
    fn instant(&mut self, name: &str) -> String {
        let end = name.starts_with("end") || name.contains("_end") || name == "ending_before";
        if end { END } else { START }.to_string()
    }
    fn date(&mut self, _name: &str) -> String {
        "2024-01-01".to_string()
    }
    fn uri(&mut self, _name: &str) -> String {
        "https://example.com/example".to_string()
    }
    fn text(&mut self, prefix: &str, _name: &str) -> String {
        format!("{prefix}example")
    }
    fn key(&mut self, n: usize) -> String {
        if n == 0 {
            "key".to_string()
        } else {
            format!("key_{n}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
