//! Metronome's own request examples decode into the generated body types.
//! The examples are read in place from the reference description beside
//! the repository (`../shared/metronome-openapi/`, or
//! `$METRONOME_OPENAPI_DIR`); none is copied into the project.

use std::path::PathBuf;

use serde_json::Value;

use crate::generated::bodies::decode_body;

fn reference() -> Option<PathBuf> {
    let name = "openapi.metronome-node-main.json";
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    std::env::var_os("METRONOME_OPENAPI_DIR")
        .map(|d| PathBuf::from(d).join(name))
        .into_iter()
        .chain([
            root.join("../shared/metronome-openapi").join(name),
            PathBuf::from("/work/shared/metronome-openapi").join(name),
        ])
        .find(|p| p.is_file())
}

/// Every request example of the reference: (route, example name, value).
fn examples(reference: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in reference["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let route = format!("{} {path}", method.to_uppercase());
            let json = &op["requestBody"]["content"]["application/json"];
            if let Some(example) = json.get("example") {
                out.push((route.clone(), "example".into(), example.clone()));
            }
            for (name, example) in json["examples"].as_object().into_iter().flatten() {
                out.push((route.clone(), name.clone(), example["value"].clone()));
            }
        }
    }
    out
}

#[test]
fn metronome_s_request_examples_decode_into_the_body_types() {
    let Some(path) = reference() else {
        eprintln!("skipped: the reference description is not beside the repository");
        return;
    };
    let reference: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let examples = examples(&reference);
    assert!(examples.len() >= 120, "only {} examples", examples.len());
    let mut failed = Vec::new();
    let mut decoded = 0;
    for (route, name, value) in &examples {
        match decode_body(route, value.clone()) {
            Some(Ok(())) => decoded += 1,
            Some(Err(why)) => failed.push(format!("{route} ({name}): {why}")),
            None => failed.push(format!("{route} ({name}): no body type for this route")),
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} examples do not decode:\n{}",
        failed.len(),
        examples.len(),
        failed.join("\n")
    );
    eprintln!("{decoded} of Metronome's request examples decode");
}
