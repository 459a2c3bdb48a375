//! The project's own description (`openapi.yaml` and the files it
//! includes) against Metronome's published one, read in place from
//! `shared/` beside the repository: the same operations, prose of the
//! project's own, names derived one way, and `cargo xtask diff` reports
//! pinned as snapshots.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use heck::ToLowerCamelCase;
use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn xtask(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the xtask binary runs")
}

/// A file of `shared/metronome-openapi/`: `$METRONOME_OPENAPI_DIR`, else
/// `shared/` beside the repository, else `/work/shared/`.
fn reference(name: &str) -> Option<PathBuf> {
    let relative = Path::new("metronome-openapi").join(name);
    std::env::var_os("METRONOME_OPENAPI_DIR")
        .map(|d| PathBuf::from(d).join(name))
        .into_iter()
        .chain([
            root().join("../shared").join(&relative),
            PathBuf::from("/work/shared").join(&relative),
        ])
        .find(|p| p.is_file())
}

macro_rules! reference_or_skip {
    ($name:expr) => {
        match reference($name) {
            Some(path) => path,
            None => {
                eprintln!("skipped: {} is not beside the repository", $name);
                return;
            }
        }
    };
}

/// The bundled description, as `cargo xtask bundle` writes it.
fn bundled() -> Value {
    let output = xtask(&["bundle", "--out", "-"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

fn operations(tree: &Value) -> Vec<(String, String, &Value)> {
    let mut ops = Vec::new();
    for (path, item) in tree["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                ops.push((method.to_uppercase(), path.clone(), op));
            }
        }
    }
    ops
}

#[test]
fn every_operation_of_the_reference_is_described_and_only_the_sdks_two_more() {
    let reference = read_json(&reference_or_skip!("openapi.metronome-node-main.json"));
    let ours = bundled();
    let key = |ops: Vec<(String, String, &Value)>| -> BTreeSet<String> {
        ops.into_iter()
            .map(|(m, p, _)| format!("{m} {p}"))
            .collect()
    };
    let (a, b) = (key(operations(&ours)), key(operations(&reference)));
    assert_eq!(b.len(), 155);
    assert_eq!(a.len(), 157);
    assert_eq!(
        b.difference(&a).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "every operation of the reference is described"
    );
    // Beyond the reference: only what Metronome's newest SDK knows
    // (`../shared/notes/beyond-the-reference.md`).
    assert_eq!(
        a.difference(&b).collect::<Vec<_>>(),
        [
            "POST /v1/credit-types/archive",
            "POST /v1/credit-types/create"
        ]
    );
}

#[test]
fn every_operation_is_grouped_and_named_one_way() {
    let ours = bundled();
    let mut seen = BTreeSet::new();
    for (method, path, op) in operations(&ours) {
        let at = format!("{method} {path}");
        let resource = op["x-resource"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: x-resource"));
        let name = op["x-method"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: x-method"));
        let summary = op["summary"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: summary"));
        assert!(
            !summary.is_empty() && summary.len() <= 60 && !summary.ends_with('.'),
            "{at}: a summary is one short line: {summary:?}"
        );
        assert!(
            resource.starts_with("v1.") || resource.starts_with("v2."),
            "{at}: {resource}"
        );
        assert!(
            resource.split('.').chain([name]).all(|s| !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')),
            "{at}: snake_case segments: {resource}.{name}"
        );
        let expected = format!("{}.{name}", resource.trim_start_matches("v1."))
            .replace('.', "_")
            .to_lower_camel_case();
        assert_eq!(op["operationId"], expected, "{at}");
        assert!(
            seen.insert(format!("{resource}.{name}")),
            "{at}: used twice"
        );
        assert_eq!(
            op["tags"][0],
            resource.split('.').nth(1).unwrap(),
            "{at}: the tag is the top resource"
        );
    }
}

/// Every string a description holds under `summary` or `description`.
fn prose(node: &Value, out: &mut Vec<String>) {
    match node {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("summary" | "description", Value::String(text)) => out.push(text.clone()),
                    _ => prose(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| prose(v, out)),
        _ => {}
    }
}

/// Every string anywhere in a description.
fn strings(node: &Value, out: &mut String) {
    match node {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_prose_is_the_projects_own() {
    let reference = read_json(&reference_or_skip!("openapi.metronome-node-main.json"));
    let mut theirs = String::new();
    strings(&reference, &mut theirs);
    let theirs = squash(&theirs);

    let mut ours = Vec::new();
    prose(&bundled(), &mut ours);
    assert!(
        ours.len() > 300,
        "operations, tags and responses have prose"
    );
    let mut copied = Vec::new();
    let mut checked = 0;
    for text in &ours {
        for sentence in squash(text).split_inclusive(['.', '!', '?']) {
            let sentence = sentence.trim();
            if sentence.chars().count() < 40 {
                continue;
            }
            checked += 1;
            if theirs.contains(sentence) || theirs.contains(sentence.trim_end_matches('.')) {
                copied.push(sentence.to_string());
            }
        }
    }
    assert!(checked > 200, "only {checked} sentences were checked");
    assert!(
        copied.is_empty(),
        "sentences found word for word in Metronome's description:\n{}",
        copied.join("\n")
    );
}

#[test]
fn no_examples_are_carried_over() {
    fn walk(node: &Value, parent: &str, at: &str, found: &mut Vec<String>) {
        match node {
            Value::Object(map) => {
                for (key, value) in map {
                    if parent != "properties" && (key == "example" || key == "examples") {
                        found.push(format!("{at}/{key}"));
                    }
                    walk(value, key, &format!("{at}/{key}"), found);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, parent, &format!("{at}/{i}"), found);
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(&bundled(), "", "#", &mut found);
    assert_eq!(found, Vec::<String>::new());
}

/// Runs `cargo xtask diff` against a file of `shared/metronome-openapi/`.
fn diff_against(name: &str) -> Option<(Option<i32>, String)> {
    let other = reference(name)?;
    let output = xtask(&["diff", other.to_str().unwrap()]);
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some((
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    ))
}

#[test]
fn against_the_reference_only_deliberate_differences_remain() {
    let Some((code, report)) = diff_against("openapi.metronome-node-main.json") else {
        eprintln!("skipped: the reference is not beside the repository");
        return;
    };
    assert_eq!(code, Some(0), "{report}");
    assert!(report.starts_with(
        "openapi.yaml against openapi.metronome-node-main.json: 0 difference(s) to act on"
    ));
    insta::assert_snapshot!(report);
}

#[test]
fn against_the_next_version_the_changes_are_reported() {
    let Some((code, report)) = diff_against("openapi.metronome-node-stainless-next.json") else {
        eprintln!("skipped: the next version is not beside the repository");
        return;
    };
    assert_eq!(code, Some(1), "a difference to act on fails the command");
    insta::assert_snapshot!(report);
}

/// A description of two files in a temporary folder.
fn split_description(entry: &str, part: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("openapi")).unwrap();
    let spec = dir.path().join("openapi.yaml");
    std::fs::write(&spec, entry).unwrap();
    std::fs::write(dir.path().join("openapi/things.yaml"), part).unwrap();
    (dir, spec)
}

const ENTRY: &str = r##"
openapi: 3.0.3
info: {title: t, version: "1"}
x-include: [openapi/things.yaml]
paths:
  /v1/things:
    get:
      operationId: thingsList
      responses: {"200": {description: ok}}
"##;

#[test]
fn a_path_defined_in_two_files_is_an_error_naming_both() {
    let (_dir, spec) = split_description(
        ENTRY,
        "paths:\n  /v1/things:\n    get:\n      operationId: again\n      responses: {\"200\": {description: ok}}\n",
    );
    let output = xtask(&["bundle", "--spec", spec.to_str().unwrap(), "--out", "-"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("GET /v1/things is defined twice"),
        "{stderr}"
    );
    assert!(stderr.contains("openapi/things.yaml"), "{stderr}");
}

#[test]
fn an_included_file_holds_paths_and_components_only() {
    let (_dir, spec) = split_description(ENTRY, "info: {title: other}\n");
    let output = xtask(&["bundle", "--spec", spec.to_str().unwrap(), "--out", "-"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("holds `paths` and `components` only, not `info`"),
        "{stderr}"
    );
}

#[test]
fn methods_of_one_path_may_live_in_different_files() {
    let (_dir, spec) = split_description(
        ENTRY,
        "paths:\n  /v1/things:\n    post:\n      operationId: thingsCreate\n      responses: {\"200\": {description: ok}}\n",
    );
    let output = xtask(&["bundle", "--spec", spec.to_str().unwrap(), "--out", "-"]);
    assert_eq!(output.status.code(), Some(0));
    let tree: Value = serde_json::from_slice(&output.stdout).unwrap();
    let item = tree["paths"]["/v1/things"].as_object().unwrap();
    assert_eq!(item.keys().collect::<Vec<_>>(), ["get", "post"]);
    assert!(
        tree.get("x-include").is_none(),
        "the bundle has no includes left"
    );
}

/// The `[features]` a manifest declares, without `default` and `full`, and
/// what `full` lists.
fn features(manifest: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let text = std::fs::read_to_string(root().join(manifest)).unwrap();
    let section = text
        .split("[features]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap_or_default();
    let mut declared = BTreeSet::new();
    let mut full = BTreeSet::new();
    for line in section.lines().map(str::trim) {
        let Some((name, value)) = line.split_once(" = ") else {
            continue;
        };
        match name {
            "full" => {
                full = value
                    .trim_matches(['[', ']'])
                    .split(',')
                    .map(|f| f.trim().trim_matches('"').to_string())
                    .filter(|f| !f.is_empty())
                    .collect();
            }
            "default" | "rustls" | "rustls-ring" | "rustls-no-provider" | "native-tls"
            | "webhooks" | "api" | "builders" => {}
            other => {
                declared.insert(other.to_string());
            }
        }
    }
    (declared, full)
}

#[test]
fn each_resource_has_its_cargo_feature_in_both_crates() {
    let tags: BTreeSet<String> = operations(&bundled())
        .into_iter()
        .map(|(_, _, op)| op["tags"][0].as_str().unwrap().to_string())
        .collect();
    for manifest in [
        "crates/metronome-api/Cargo.toml",
        "crates/metronome-client/Cargo.toml",
    ] {
        let (declared, full) = features(manifest);
        assert_eq!(declared, tags, "{manifest}: one feature per resource");
        assert_eq!(full, tags, "{manifest}: `full` enables every resource");
    }
    // The client's resource turns on the same resource of the low-level
    // client, when that is built (`api`): `client.api()` has it too.
    let client =
        std::fs::read_to_string(root().join("crates/metronome-client/Cargo.toml")).unwrap();
    for tag in &tags {
        let line = format!("{tag} = [\"metronome-api?/{tag}\"]");
        assert!(
            client.lines().any(|l| l.trim() == line),
            "metronome-client's `{tag}` should read `{line}`"
        );
    }
}
