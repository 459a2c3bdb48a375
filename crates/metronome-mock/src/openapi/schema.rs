//! The schema toolkit the mock and the generator share: following a
//! `$ref`, and merging an `allOf` into one schema with one precedence. The
//! xtask compiles this same file (`#[path]` in `xtask/src/main.rs`), so
//! the examples the generator writes and the answers the mock makes read a
//! schema the same way. It depends on nothing but `serde_json`.

use serde_json::{Map, Value};

/// How many `$ref`s are followed before giving up (a cycle ends).
const MAX_HOPS: usize = 32;
/// How deep `allOf`s are merged inside one another.
const MAX_DEPTH: usize = 16;

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

fn flatten_at(tree: &Value, node: &Value, depth: usize) -> Map<String, Value> {
    let Some(map) = node.as_object() else {
        return Map::new();
    };
    let mut out: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| k.as_str() != "allOf" && k.as_str() != "$ref")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if depth > MAX_DEPTH {
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
