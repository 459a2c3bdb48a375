//! Enums: the two shapes typify cannot take (values that collide when
//! lower-cased, string values under `type: object`), and the policy for
//! enums a server sends (a value added tomorrow must not break decoding).

use std::collections::HashSet;

use serde_json::Value;

use super::{Pass, walk};

/// Turns an enum node into a plain string that lists its values in its
/// description (nothing is lost for a reader; the type accepts any string).
fn open(node: &mut Value) {
    let Some(map) = node.as_object_mut() else {
        return;
    };
    let Some(values) = map.remove("enum") else {
        return;
    };
    let listed: Vec<String> = values
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    map.insert("type".into(), Value::from("string"));
    let known = format!("Known values: {}.", listed.join(", "));
    let description = match map.get("description").and_then(Value::as_str) {
        Some(text) if !text.is_empty() => format!("{text}\n\n{known}"),
        _ => known,
    };
    map.insert("description".into(), Value::from(description));
    map.insert("x-known-values".into(), Value::from(listed));
}

fn string_values(node: &Value) -> Option<Vec<&str>> {
    let values = node.get("enum")?.as_array()?;
    values.iter().map(Value::as_str).collect()
}

/// Enum values that differ only by case (`HOUR`, `hour`) make typify panic.
pub struct CaseCollidingEnums;

impl Pass for CaseCollidingEnums {
    fn name(&self) -> &'static str {
        "case_colliding_enums"
    }

    fn what(&self) -> &'static str {
        "enums whose values collide when lower-cased, which typify would panic on, made strings that list their values"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        walk::schemas(tree, &mut |pointer, _, node| {
            let Some(values) = string_values(node) else {
                return;
            };
            let mut seen = HashSet::new();
            if values.iter().all(|v| seen.insert(v.to_lowercase())) {
                return;
            }
            open(node);
            touched.push(format!("#{pointer}"));
        });
    }
}

/// `type: object` with string values is a string enum mistyped.
pub struct ObjectTypedStringEnums;

impl Pass for ObjectTypedStringEnums {
    fn name(&self) -> &'static str {
        "object_typed_string_enums"
    }

    fn what(&self) -> &'static str {
        "enums of strings declared `type: object`, retyped `string`"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        walk::schemas(tree, &mut |pointer, _, node| {
            if node.get("type").and_then(Value::as_str) != Some("object")
                || string_values(node).is_none_or(|v| v.is_empty())
            {
                return;
            }
            node["type"] = Value::from("string");
            touched.push(format!("#{pointer}"));
        });
    }
}

/// The response enum policy: every enum a server can send (inside a
/// response body, or in a component a response reaches) becomes a string
/// that lists its known values, so a value added to the API later decodes
/// instead of failing the whole page. Enums only ever sent by the client
/// stay closed Rust enums.
pub struct OpenResponseEnums;

impl Pass for OpenResponseEnums {
    fn name(&self) -> &'static str {
        "open_response_enums"
    }

    fn what(&self) -> &'static str {
        "enums a server sends made strings listing their known values, so a new value does not break decoding"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        let reached = walk::components_reached_from(tree, walk::Place::Response);
        walk::schemas(tree, &mut |pointer, place, node| {
            let from_response = match place {
                walk::Place::Response => true,
                walk::Place::Component => {
                    walk::component_of(pointer).is_some_and(|c| reached.contains(c))
                }
                walk::Place::Request => false,
            };
            if from_response && string_values(node).is_some() {
                open(node);
                touched.push(format!("#{pointer}"));
            }
        });
    }
}
