//! An operation that declares the `4XX` (or `5XX`) range and, beside it, a
//! status of that range with the same body (once the error bodies are
//! merged, they all are): progenitor emits one match arm per status after
//! the range's arm, which rustc reports as unreachable. The specific status
//! says nothing the range does not, so it is dropped from the generator's
//! input (the description keeps it).

use serde_json::Value;

use super::Pass;
use crate::load::{self, pointer_escape};

pub struct CoveredErrorStatuses;

impl Pass for CoveredErrorStatuses {
    fn name(&self) -> &'static str {
        "covered_error_statuses"
    }

    fn what(&self) -> &'static str {
        "error statuses whose `4XX`/`5XX` range declares the same body dropped, which would be unreachable match arms"
    }

    fn run(&self, tree: &mut Value, touched: &mut Vec<String>) {
        let mut drop: Vec<(String, &'static str, String)> = Vec::new();
        for (path, method, op) in load::operations(tree) {
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                let Some(first) = status.chars().next().filter(|c| matches!(c, '4' | '5')) else {
                    continue;
                };
                if status.len() != 3 || !status.chars().all(|c| c.is_ascii_digit()) {
                    continue;
                }
                let Some(range) = responses.get(&format!("{first}XX")) else {
                    continue;
                };
                if body(tree, response) == body(tree, range) {
                    drop.push((path.to_string(), method, status.clone()));
                }
            }
        }
        for (path, method, status) in drop {
            if let Some(responses) = tree["paths"][&path][method]["responses"].as_object_mut() {
                responses.remove(&status);
                touched.push(format!(
                    "#/paths/{}/{method}/responses/{status}",
                    pointer_escape(&path)
                ));
            }
        }
    }
}

/// The `content` of a response, following a `$ref` to
/// `components/responses`.
fn body<'t>(tree: &'t Value, response: &'t Value) -> Option<&'t Value> {
    let response = match response.get("$ref").and_then(Value::as_str) {
        Some(reference) => tree.pointer(reference.strip_prefix('#')?)?,
        None => response,
    };
    response.get("content")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_status_with_its_ranges_body_is_dropped_and_others_stay() {
        let body = json!({"application/json": {"schema": {"$ref": "#/components/schemas/E"}}});
        let mut tree = json!({"paths": {"/x": {"get": {"responses": {
            "200": {"description": "ok"},
            "400": {"description": "bad", "content": body},
            "404": {"$ref": "#/components/responses/NotFound"},
            "409": {"description": "other", "content": {"application/json": {"schema": {"type": "object"}}}},
            "4XX": {"description": "any", "content": body},
        }}}}, "components": {"responses": {"NotFound": {"description": "gone", "content": body}}}});
        let mut touched = Vec::new();
        CoveredErrorStatuses.run(&mut tree, &mut touched);
        let left: Vec<&String> = tree["paths"]["/x"]["get"]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .collect();
        assert_eq!(left, ["200", "409", "4XX"]);
        assert_eq!(touched.len(), 2);
        let again = touched.len();
        CoveredErrorStatuses.run(&mut tree, &mut touched);
        assert_eq!(touched.len(), again, "idempotent");
    }
}
