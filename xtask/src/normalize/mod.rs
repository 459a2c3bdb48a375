//! The normalisation stage: small, named, idempotent passes between
//! loading a description and handing it to progenitor, each fixing one
//! class of problem and reporting the JSON pointers it touched. A pass
//! that changes nothing says nothing.
//!
//! | pass | problem | probe |
//! |---|---|---|
//! | `object_typed_string_enums` | string enums typed `object` | guard |
//! | `case_colliding_enums` | enum values equal but for case: typify panics | guard (spike P2) |
//! | `format_on_containers` | `format` on an array: typify panics | F1 |
//! | `ref_siblings_to_all_of` | `nullable`/`description` beside `$ref` dropped | F4 (silent) |
//! | `one_error_type_per_operation` | an inline error typed as the success; mixed error bodies panic | F3 (silent), guard (P3) |
//! | `covered_error_statuses` | a status beside its `4XX`/`5XX` range with the same body: unreachable arms | warning |
//! | `open_response_enums` | a new server enum value breaks decoding | policy |
//! | `inline_name_clashes` | an inline schema named like a component: no compile | F2 |

mod covered_statuses;
mod enums;
mod error_types;
mod format_on_containers;
mod name_clashes;
mod ref_siblings;
pub mod walk;

use std::fmt;

use serde_json::Value;

/// One class of fix.
pub trait Pass {
    /// Its name in the report.
    fn name(&self) -> &'static str;
    /// What it changes, in one line.
    fn what(&self) -> &'static str;
    /// Applies the fix to every occurrence, recording each JSON pointer.
    fn run(&self, tree: &mut Value, touched: &mut Vec<String>);
}

/// Every pass, in the order they run. Passes that rename or retype run
/// before the one that resolves name clashes, since they change the names
/// typify derives.
pub fn passes() -> Vec<Box<dyn Pass>> {
    vec![
        Box::new(enums::ObjectTypedStringEnums),
        Box::new(enums::CaseCollidingEnums),
        Box::new(format_on_containers::FormatOnContainers),
        Box::new(ref_siblings::RefSiblings),
        Box::new(error_types::OneErrorTypePerOperation),
        Box::new(covered_statuses::CoveredErrorStatuses),
        Box::new(enums::OpenResponseEnums),
        Box::new(name_clashes::InlineNameClashes),
    ]
}

/// What one pass changed.
#[derive(Debug, Clone)]
pub struct PassReport {
    pub name: &'static str,
    pub what: &'static str,
    pub touched: Vec<String>,
}

/// What the whole stage changed.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub passes: Vec<PassReport>,
}

impl Report {
    /// Places changed, all passes together.
    pub fn total(&self) -> usize {
        self.passes.iter().map(|p| p.touched.len()).sum()
    }

    /// One line per pass that changed something.
    pub fn summary(&self) -> String {
        self.passes
            .iter()
            .filter(|p| !p.touched.is_empty())
            .map(|p| format!("normalised: {} x{}: {}\n", p.name, p.touched.len(), p.what))
            .collect()
    }
}

impl fmt::Display for Report {
    /// Every pass that changed something, with every pointer it touched.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "normalisation: {} change(s)", self.total())?;
        for pass in self.passes.iter().filter(|p| !p.touched.is_empty()) {
            writeln!(f, "\n{} ({}): {}", pass.name, pass.touched.len(), pass.what)?;
            for pointer in &pass.touched {
                writeln!(f, "  {pointer}")?;
            }
        }
        Ok(())
    }
}

/// Runs every pass over `tree`.
pub fn run(tree: &mut Value) -> Report {
    let mut report = Report::default();
    for pass in passes() {
        let mut touched = Vec::new();
        pass.run(tree, &mut touched);
        report.passes.push(PassReport {
            name: pass.name(),
            what: pass.what(),
            touched,
        });
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Value {
        serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {"/x": {"post": {
                "operationId": "makeX-v1",
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "ids": {"type": "array", "format": "uuid", "items": {"type": "string"}},
                    "size": {"type": "string", "enum": ["hour", "HOUR"]}
                }}}}},
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
                    "400": {"description": "bad", "content": {"application/json": {"schema": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "enum": ["Bad"]}}}}}},
                    "404": {"description": "gone", "content": {"application/json": {"schema": {"type": "object", "required": ["code"], "properties": {"code": {"type": "string", "enum": ["Gone"]}}}}}}
                }
            }}},
            "components": {"schemas": {
                "Thing": {"type": "object", "properties": {
                    "kind": {"type": "string", "enum": ["A", "B"]},
                    "parent": {"$ref": "#/components/schemas/Parent", "nullable": true}
                }},
                "ThingKind": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Parent": {"type": "object", "properties": {"id": {"type": "string"}}},
                "Mistyped": {"type": "object", "enum": ["x", "y"]}
            }}
        })
    }

    #[test]
    fn every_pass_fixes_its_class_and_a_second_run_changes_nothing() {
        let mut tree = spec();
        let first = run(&mut tree);
        let counts: Vec<(&str, usize)> = first
            .passes
            .iter()
            .map(|p| (p.name, p.touched.len()))
            .collect();
        assert_eq!(
            counts,
            [
                ("object_typed_string_enums", 1),
                ("case_colliding_enums", 1),
                ("format_on_containers", 1),
                ("ref_siblings_to_all_of", 1),
                ("one_error_type_per_operation", 2),
                ("covered_error_statuses", 0),
                ("open_response_enums", 2),
                ("inline_name_clashes", 0),
            ]
        );
        let body =
            &tree["paths"]["/x"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        assert_eq!(
            body["properties"]["ids"],
            serde_json::json!({"type": "array", "items": {"type": "string", "format": "uuid"}})
        );
        assert_eq!(
            tree["components"]["schemas"]["Thing"]["properties"]["parent"],
            serde_json::json!({"allOf": [{"$ref": "#/components/schemas/Parent"}], "nullable": true})
        );
        let error = &tree["components"]["schemas"]["MakeXV1Error"];
        assert_eq!(error["required"], serde_json::json!(["code"]));
        assert_eq!(
            error["properties"]["code"]["x-known-values"],
            serde_json::json!(["Bad", "Gone"]),
            "enums united, then opened"
        );
        assert_eq!(
            tree["components"]["schemas"]["Thing"]["properties"]["kind"]["type"],
            "string"
        );
        assert!(crate::names::collisions(&tree).is_empty());

        let second = run(&mut tree);
        assert_eq!(second.total(), 0, "idempotent: {second}");
    }

    #[test]
    fn an_inline_enum_named_like_a_component_gets_a_title() {
        let mut tree = spec();
        // A request-side inline enum (not opened) named `ThingKind`, like the component.
        tree["components"]["schemas"]["Thing"]["properties"]["kind"] =
            serde_json::json!({"type": "string", "enum": ["A", "B"]});
        let report_before = crate::names::collisions(&tree);
        assert!(
            report_before.iter().any(|c| c.name == "ThingKind"),
            "{report_before:?}"
        );
        let mut touched = Vec::new();
        name_clashes::InlineNameClashes.run(&mut tree, &mut touched);
        assert_eq!(touched, ["#/components/schemas/Thing/properties/kind"]);
        assert_eq!(
            tree["components"]["schemas"]["Thing"]["properties"]["kind"]["title"],
            "ThingKindInline"
        );
        assert!(
            crate::names::collisions(&tree)
                .iter()
                .all(|c| c.name != "ThingKind")
        );
    }
}
