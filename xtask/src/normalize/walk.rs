//! Visiting every schema of a description, wherever the OpenAPI 3.0 format
//! allows one, with its JSON pointer.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::load::{METHODS, pointer_escape};

/// Where a schema sits, for passes that treat requests and responses
/// differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `components/schemas`: reachable from anywhere.
    Component,
    /// A request body or a parameter.
    Request,
    /// A response body.
    Response,
}

/// Calls `visit` on every schema node, parents before children. The
/// visitor may rewrite the node; the walk then descends into what it left.
pub fn schemas(tree: &mut Value, visit: &mut dyn FnMut(&str, Place, &mut Value)) {
    for (pointer, place, schema) in roots(tree) {
        walk(&pointer, place, schema, visit);
    }
}

/// The top-level schemas of a description: components, parameters,
/// request bodies, responses.
fn roots(tree: &mut Value) -> Vec<(String, Place, &mut Value)> {
    let mut out = Vec::new();
    let Some(root) = tree.as_object_mut() else {
        return out;
    };
    for (key, section) in root.iter_mut() {
        match key.as_str() {
            "components" => {
                let Some(components) = section.as_object_mut() else {
                    continue;
                };
                for (kind, entries) in components.iter_mut() {
                    let Some(entries) = entries.as_object_mut() else {
                        continue;
                    };
                    for (name, entry) in entries.iter_mut() {
                        let at = format!("/components/{kind}/{}", pointer_escape(name));
                        match kind.as_str() {
                            "schemas" => out.push((at, Place::Component, entry)),
                            "parameters" => parameter(at, entry, &mut out),
                            "requestBodies" => content(at, Place::Request, entry, &mut out),
                            "responses" => content(at, Place::Response, entry, &mut out),
                            _ => {}
                        }
                    }
                }
            }
            "paths" => {
                let Some(paths) = section.as_object_mut() else {
                    continue;
                };
                for (path, item) in paths.iter_mut() {
                    let Some(item) = item.as_object_mut() else {
                        continue;
                    };
                    let base = format!("/paths/{}", pointer_escape(path));
                    for (method, op) in item.iter_mut() {
                        let at = format!("{base}/{method}");
                        if method == "parameters" {
                            parameters(at, op, &mut out);
                        } else if METHODS.contains(&method.as_str()) {
                            operation(at, op, &mut out);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn operation<'a>(at: String, op: &'a mut Value, out: &mut Vec<(String, Place, &'a mut Value)>) {
    let Some(op) = op.as_object_mut() else { return };
    for (key, value) in op.iter_mut() {
        match key.as_str() {
            "parameters" => parameters(format!("{at}/parameters"), value, out),
            "requestBody" => content(format!("{at}/requestBody"), Place::Request, value, out),
            "responses" => {
                let Some(responses) = value.as_object_mut() else {
                    continue;
                };
                for (status, response) in responses.iter_mut() {
                    content(
                        format!("{at}/responses/{}", pointer_escape(status)),
                        Place::Response,
                        response,
                        out,
                    );
                }
            }
            _ => {}
        }
    }
}

fn parameters<'a>(at: String, list: &'a mut Value, out: &mut Vec<(String, Place, &'a mut Value)>) {
    let Some(list) = list.as_array_mut() else {
        return;
    };
    for (i, parameter_value) in list.iter_mut().enumerate() {
        parameter(format!("{at}/{i}"), parameter_value, out);
    }
}

fn parameter<'a>(
    at: String,
    parameter: &'a mut Value,
    out: &mut Vec<(String, Place, &'a mut Value)>,
) {
    if let Some(schema) = parameter.get_mut("schema") {
        out.push((format!("{at}/schema"), Place::Request, schema));
    }
}

/// The schemas under `content.<media type>.schema` of a request body or
/// response.
fn content<'a>(
    at: String,
    place: Place,
    holder: &'a mut Value,
    out: &mut Vec<(String, Place, &'a mut Value)>,
) {
    let Some(content) = holder.get_mut("content").and_then(Value::as_object_mut) else {
        return;
    };
    for (media, body) in content.iter_mut() {
        if let Some(schema) = body.get_mut("schema") {
            out.push((
                format!("{at}/content/{}/schema", pointer_escape(media)),
                place,
                schema,
            ));
        }
    }
}

fn walk(
    pointer: &str,
    place: Place,
    node: &mut Value,
    visit: &mut dyn FnMut(&str, Place, &mut Value),
) {
    visit(pointer, place, node);
    let Some(map) = node.as_object_mut() else {
        return;
    };
    if map.contains_key("$ref") {
        return;
    }
    for (key, child) in map.iter_mut() {
        match key.as_str() {
            "properties" => {
                if let Some(props) = child.as_object_mut() {
                    for (name, prop) in props.iter_mut() {
                        walk(
                            &format!("{pointer}/properties/{}", pointer_escape(name)),
                            place,
                            prop,
                            visit,
                        );
                    }
                }
            }
            "items" | "not" => walk(&format!("{pointer}/{key}"), place, child, visit),
            "additionalProperties" if child.is_object() => {
                walk(&format!("{pointer}/{key}"), place, child, visit)
            }
            "allOf" | "oneOf" | "anyOf" => {
                if let Some(members) = child.as_array_mut() {
                    for (i, member) in members.iter_mut().enumerate() {
                        walk(&format!("{pointer}/{key}/{i}"), place, member, visit);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `/components/schemas/Name/properties/…` → `Name` (escaped form).
pub fn component_of(pointer: &str) -> Option<&str> {
    pointer
        .trim_start_matches('#')
        .strip_prefix("/components/schemas/")?
        .split('/')
        .next()
}

/// The component schemas that schemas at `place` (requests or responses)
/// reach through `$ref`s, directly or through other components.
pub fn components_reached_from(tree: &mut Value, from: Place) -> BTreeSet<String> {
    let mut direct = Vec::new();
    let mut edges: Vec<(String, String)> = Vec::new();
    schemas(tree, &mut |pointer, place, node| {
        let target = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"));
        let Some(target) = target else { return };
        let source = component_of(pointer).filter(|_| place == Place::Component);
        if place == from {
            direct.push(target.to_string());
        } else if let Some(source) = source {
            edges.push((source.to_string(), target.to_string()));
        }
    });
    let mut reached = BTreeSet::new();
    let mut queue = direct;
    while let Some(next) = queue.pop() {
        if reached.insert(next.clone()) {
            queue.extend(
                edges
                    .iter()
                    .filter(|(source, _)| *source == next)
                    .map(|(_, to)| to.clone()),
            );
        }
    }
    reached
}
