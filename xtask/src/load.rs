//! Reading an API description from disk, with errors a person can act on.
//!
//! The description is read into a `serde_json::Value` first, so that
//! structural checks (version, operation ids) can name the offending JSON
//! pointer, and only then into `openapiv3::OpenAPI`.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;

/// HTTP methods an OpenAPI 3.0 path item may hold operations under.
pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A description read from disk: its raw bytes (hashed into the header of
/// the generated file) and its parsed tree.
pub struct Spec {
    pub bytes: Vec<u8>,
    pub tree: Value,
}

/// Reads `path` as YAML or JSON (chosen by the first non-blank byte).
pub fn read(path: &Path) -> Result<Spec> {
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
    Ok(Spec { bytes, tree })
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
