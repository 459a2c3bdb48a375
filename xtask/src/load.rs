//! Reading an API description from disk, with errors a person can act on.
//!
//! The description is read into a `serde_json::Value` first, so that
//! structural checks (version, operation ids) can name the offending JSON
//! pointer, and only then into `openapiv3::OpenAPI`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

/// HTTP methods an OpenAPI 3.0 path item may hold operations under.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A description read from disk: the bytes of every file it is made of
/// (hashed into the header of the generated file) and its bundled tree.
pub struct Spec {
    pub bytes: Vec<u8>,
    pub tree: Value,
    /// The files read, the entry point first.
    pub files: Vec<PathBuf>,
}

/// The extension by which an entry point lists the files it is bundled
/// from: `x-include: [openapi/v1/usage.yaml, ...]`, relative to it.
pub const INCLUDE: &str = "x-include";

/// Reads `path` as YAML or JSON (chosen by the first non-blank byte) and
/// bundles the files its `x-include` lists: each holds `paths` and
/// `components` only; they are merged into the entry point, and a path
/// method or component defined twice is an error naming both files.
pub fn read(path: &Path) -> Result<Spec> {
    let (bytes, mut tree) = read_one(path)?;
    let mut spec_bytes = bytes;
    let mut files = vec![path.to_path_buf()];
    let includes = match tree.as_object_mut().and_then(|o| o.remove(INCLUDE)) {
        None => Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => bail!(
            "{}: `{INCLUDE}` must be a list of file paths",
            path.display()
        ),
    };
    let base = path.parent().unwrap_or(Path::new("."));
    // Where each path method and component was defined, for error messages.
    let mut origin: BTreeMap<String, PathBuf> = BTreeMap::new();
    for key in defined_keys(&tree) {
        origin.insert(key, path.to_path_buf());
    }
    for item in includes {
        let Some(relative) = item.as_str() else {
            bail!(
                "{}: `{INCLUDE}` holds a non-string entry {item}",
                path.display()
            );
        };
        let part_path = base.join(relative);
        let (bytes, part) = read_one(&part_path)?;
        spec_bytes.extend_from_slice(format!("\n# {INCLUDE}: {relative}\n").as_bytes());
        spec_bytes.extend_from_slice(&bytes);
        let Some(part_map) = part.as_object() else {
            unreachable!("read_one checks mappings")
        };
        if let Some(other) = part_map
            .keys()
            .find(|k| *k != "paths" && *k != "components")
        {
            bail!(
                "{}: a file listed in `{INCLUDE}` holds `paths` and `components` only, not `{other}`",
                part_path.display()
            );
        }
        for key in defined_keys(&part) {
            if let Some(first) = origin.get(&key) {
                bail!(
                    "{key} is defined twice: in {} and in {}",
                    first.display(),
                    part_path.display()
                );
            }
            origin.insert(key, part_path.clone());
        }
        merge_part(&mut tree, part);
        files.push(part_path);
    }
    Ok(Spec {
        bytes: spec_bytes,
        tree,
        files,
    })
}

/// Reads one file of a description.
fn read_one(path: &Path) -> Result<(Vec<u8>, Value)> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the API description {}", path.display()))?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|e| anyhow!("{} is not UTF-8 text: {e}", path.display()))?;
    let looks_like_json = text.trim_start().starts_with('{');
    let tree: Value = if looks_like_json {
        serde_json::from_str(text)
            .map_err(|e| anyhow!("{} is not valid JSON: {e}", path.display()))?
    } else {
        serde_yaml::from_str(text)
            .map_err(|e| anyhow!("{} is not valid YAML: {e}", path.display()))?
    };
    if !tree.is_object() {
        bail!(
            "{} does not hold an OpenAPI document (its top level is not a mapping)",
            path.display()
        );
    }
    Ok((bytes, tree))
}

/// `paths./v1/x.get` and `components.schemas.X` for everything a file
/// defines.
fn defined_keys(tree: &Value) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(paths) = tree.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in item.as_object().into_iter().flat_map(|m| m.keys()) {
                keys.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    if let Some(components) = tree.get("components").and_then(Value::as_object) {
        for (kind, entries) in components {
            for name in entries.as_object().into_iter().flat_map(|m| m.keys()) {
                keys.push(format!("#/components/{kind}/{name}"));
            }
        }
    }
    keys
}

/// Moves a part's paths and components into the tree (checked for
/// duplicates beforehand).
fn merge_part(tree: &mut Value, part: Value) {
    let Value::Object(part) = part else { return };
    let root = tree.as_object_mut().expect("checked to be a mapping");
    for (section, entries) in part {
        let Value::Object(entries) = entries else {
            continue;
        };
        let target = root
            .entry(section.clone())
            .or_insert_with(|| Value::Object(Default::default()));
        let Some(target) = target.as_object_mut() else {
            continue;
        };
        for (key, value) in entries {
            match (target.get_mut(&key), value) {
                // A path item or a component kind shared between files:
                // merge one level further down.
                (Some(Value::Object(existing)), Value::Object(more)) => existing.extend(more),
                (_, value) => {
                    target.insert(key, value);
                }
            }
        }
    }
}

/// Checks what progenitor needs before it is asked to generate anything:
/// OpenAPI 3.0.x, and an `operationId` on every operation.
pub fn validate(tree: &Value) -> Result<()> {
    match tree.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => bail!(
            "OpenAPI {v} is not supported: progenitor (through openapiv3 2.x) reads OpenAPI 3.0.x only; \
             describe the API as `openapi: 3.0.3`"
        ),
        None => bail!("the document has no `openapi` version field (expected `openapi: 3.0.3`)"),
    }
    let mut missing = Vec::new();
    for (path, method, op) in operations(tree) {
        if op
            .get("operationId")
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            missing.push(format!(
                "{} {path} (#/paths/{}/{method})",
                method.to_uppercase(),
                pointer_escape(path)
            ));
        }
    }
    if !missing.is_empty() {
        bail!(
            "{} operation(s) have no operationId, which names the generated method: {}",
            missing.len(),
            missing.join(", ")
        );
    }
    Ok(())
}

/// Every operation of the document as `(path, method, operation)`, in
/// document order.
pub fn operations(tree: &Value) -> impl Iterator<Item = (&str, &'static str, &Value)> {
    tree.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter_map(move |m| item.get(*m).map(|op| (path.as_str(), *m, op)))
        })
}

/// Converts the tree into progenitor's input type, naming the JSON path of
/// the first node openapiv3 rejects.
pub fn to_openapi(tree: &Value) -> Result<openapiv3::OpenAPI> {
    serde_path_to_error::deserialize(tree).map_err(|e| {
        anyhow!(
            "the document is not a valid OpenAPI 3.0 description at `{}`: {}",
            e.path(),
            e.inner()
        )
    })
}

/// Escapes one JSON pointer segment (RFC 6901).
pub fn pointer_escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

// `$ref`s and `allOf`s are read as the mock reads them: one toolkit,
// compiled into both (`crates/metronome-mock/src/openapi/schema.rs`).
pub use crate::schema::{flatten as flatten_schema, resolve};
