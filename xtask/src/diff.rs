//! `cargo xtask diff OTHER`: what `openapi.yaml` says differently from
//! another description of the same API.
//!
//! Operations are matched by method and path (operation ids are names, and
//! the project chooses its own). Within an operation, parameters are
//! matched by location and name, responses by status, and schemas are
//! compared structurally after following `$ref`s and flattening `allOf`, so
//! moving an inline schema into a named component is not a difference.
//! Prose (`summary`, `description`, examples) and extensions are never
//! compared.
//!
//! Each difference has an address `<METHOD> <path> | <where> | <what>`;
//! a committed file of deliberate differences lists the ones the project
//! chose, each with its reason, as glob patterns over those three parts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::load::{self, flatten_schema as flatten, resolve};

/// One thing the two descriptions say differently.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Difference {
    /// `POST /v1/usage`.
    pub op: String,
    /// Where in the operation: `operation`, `query limit`,
    /// `body.billable_metrics[].group_by`, `response 200.data[].value`.
    pub at: String,
    /// What differs: `only-ours`, `only-theirs` (present on one side),
    /// `required`, `type`, `enum`, ...
    pub what: String,
    /// What ours says, in a few words.
    pub ours: String,
    /// What theirs says.
    pub theirs: String,
}

/// A deliberate difference, as listed in the committed file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deliberate {
    /// Glob over `Difference::op` (`*` matches any run of characters).
    pub op: String,
    /// Glob over `Difference::at`.
    pub at: String,
    /// Glob over `Difference::what`.
    pub what: String,
    /// Why the project says it differently.
    pub reason: String,
}

/// Reads the file of deliberate differences (a YAML list).
pub fn read_deliberate(path: &Path) -> Result<Vec<Deliberate>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the deliberate differences {}", path.display()))?;
    let listed: Vec<Deliberate> = serde_yaml::from_str(&text).with_context(|| {
        format!(
            "{} is not a list of {{op, at, what, reason}}",
            path.display()
        )
    })?;
    for entry in &listed {
        if entry.reason.trim().is_empty() {
            bail!(
                "{}: the entry `{} | {} | {}` gives no reason",
                path.display(),
                entry.op,
                entry.at,
                entry.what
            );
        }
    }
    Ok(listed)
}

/// `*` matches any run of characters, everything else itself.
pub fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(i) => rest = &rest[i + middle.len()..],
            None => return false,
        }
    }
    true
}

impl Deliberate {
    fn covers(&self, d: &Difference) -> bool {
        glob(&self.op, &d.op) && glob(&self.at, &d.at) && glob(&self.what, &d.what)
    }
}

/// Every difference between `ours` and `theirs` (both bundled trees).
pub fn compare(ours: &Value, theirs: &Value) -> Vec<Difference> {
    let mut out = Vec::new();
    let ours_ops = operations(ours);
    let theirs_ops = operations(theirs);
    for (key, our_op) in &ours_ops {
        let Some(their_op) = theirs_ops.get(key) else {
            out.push(diff(key, "operation", "only-ours", &op_id(our_op), "-"));
            continue;
        };
        let mut cx = Cx {
            ours,
            theirs,
            op: key.clone(),
            out: &mut out,
            seen: BTreeSet::new(),
        };
        cx.operation(our_op, their_op);
    }
    for (key, their_op) in &theirs_ops {
        if !ours_ops.contains_key(key) {
            out.push(diff(key, "operation", "only-theirs", "-", &op_id(their_op)));
        }
    }
    out.sort();
    out.dedup();
    out
}

fn diff(op: &str, at: &str, what: &str, ours: &str, theirs: &str) -> Difference {
    Difference {
        op: op.to_string(),
        at: at.to_string(),
        what: what.to_string(),
        ours: ours.to_string(),
        theirs: theirs.to_string(),
    }
}

fn op_id(op: &Value) -> String {
    op.get("operationId")
        .and_then(Value::as_str)
        .unwrap_or("-")
        .to_string()
}

/// Operations keyed `METHOD /path`, in a stable order.
fn operations(tree: &Value) -> BTreeMap<String, &Value> {
    load::operations(tree)
        .map(|(path, method, op)| (format!("{} {path}", method.to_uppercase()), op))
        .collect()
}

/// The comparison of one operation.
struct Cx<'a, 'o> {
    ours: &'a Value,
    theirs: &'a Value,
    op: String,
    out: &'o mut Vec<Difference>,
    /// `$ref` pairs being compared, so recursive schemas end.
    seen: BTreeSet<(String, String)>,
}

/// Schema keywords compared as plain values.
const SCALARS: [&str; 14] = [
    "type",
    "format",
    "nullable",
    "deprecated",
    "default",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "minItems",
    "maxItems",
    "pattern",
    "uniqueItems",
    "minProperties",
];

impl Cx<'_, '_> {
    fn push(&mut self, at: &str, what: &str, ours: String, theirs: String) {
        self.out.push(diff(&self.op, at, what, &ours, &theirs));
    }

    fn operation(&mut self, ours: &Value, theirs: &Value) {
        let (a, b) = (op_id(ours), op_id(theirs));
        if a != b {
            self.push("operation", "operationId", a, b);
        }
        self.flag("operation", "deprecated", ours, theirs);
        self.parameters(ours, theirs);
        self.body(ours.get("requestBody"), theirs.get("requestBody"));
        self.responses(ours, theirs);
    }

    fn flag(&mut self, at: &str, key: &str, ours: &Value, theirs: &Value) {
        let a = ours.get(key).and_then(Value::as_bool).unwrap_or(false);
        let b = theirs.get(key).and_then(Value::as_bool).unwrap_or(false);
        if a != b {
            self.push(at, key, yes_no(a), yes_no(b));
        }
    }

    fn parameters(&mut self, ours: &Value, theirs: &Value) {
        let a = self.params_of(self.ours, ours);
        let b = self.params_of(self.theirs, theirs);
        for (key, p) in &a {
            match b.get(key) {
                None => self.push(key, "only-ours", required_word(p), "-".into()),
                Some(q) => {
                    self.flag(key, "required", p, q);
                    self.flag(key, "deprecated", p, q);
                    let (s, t) = (p.get("schema"), q.get("schema"));
                    if let (Some(s), Some(t)) = (s, t) {
                        self.schema(key, s, t);
                    }
                }
            }
        }
        for (key, q) in &b {
            if !a.contains_key(key) {
                self.push(key, "only-theirs", "-".into(), required_word(q));
            }
        }
    }

    /// Parameters keyed `<in> <name>`, `$ref`s resolved.
    fn params_of<'t>(&self, tree: &'t Value, op: &'t Value) -> BTreeMap<String, &'t Value> {
        op.get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|p| resolve(tree, p))
            .map(|p| {
                let place = p.get("in").and_then(Value::as_str).unwrap_or("?");
                let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
                (format!("{place} {name}"), p)
            })
            .collect()
    }

    fn body(&mut self, ours: Option<&Value>, theirs: Option<&Value>) {
        match (ours, theirs) {
            (None, None) => {}
            (Some(_), None) => self.push("body", "only-ours", "a body".into(), "-".into()),
            (None, Some(_)) => self.push("body", "only-theirs", "-".into(), "a body".into()),
            (Some(a), Some(b)) => {
                let a = resolve(self.ours, a);
                let b = resolve(self.theirs, b);
                self.flag("body", "required", a, b);
                self.content("body", a, b);
            }
        }
    }

    fn responses(&mut self, ours: &Value, theirs: &Value) {
        let empty = Map::new();
        let a = ours
            .get("responses")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let b = theirs
            .get("responses")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (status, r) in a {
            let at = format!("response {status}");
            match b.get(status) {
                None => self.push(&at, "only-ours", "declared".into(), "-".into()),
                Some(s) => {
                    let r = resolve(self.ours, r);
                    let s = resolve(self.theirs, s);
                    self.content(&at, r, s);
                }
            }
        }
        for status in b.keys() {
            if !a.contains_key(status) {
                self.push(
                    &format!("response {status}"),
                    "only-theirs",
                    "-".into(),
                    "declared".into(),
                );
            }
        }
    }

    /// Compares the media types of a body or response and their schemas.
    fn content(&mut self, at: &str, ours: &Value, theirs: &Value) {
        let empty = Map::new();
        let a = ours
            .get("content")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let b = theirs
            .get("content")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let names = |m: &Map<String, Value>| m.keys().cloned().collect::<Vec<_>>().join(", ");
        if a.keys().ne(b.keys()) {
            self.push(at, "content type", or_none(names(a)), or_none(names(b)));
        }
        for (media, x) in a {
            if let (Some(s), Some(t)) =
                (x.get("schema"), b.get(media).and_then(|y| y.get("schema")))
            {
                self.schema(at, s, t);
            }
        }
    }

    /// Compares two schemas at `at`, following `$ref`s and flattening
    /// `allOf` on both sides.
    fn schema(&mut self, at: &str, ours: &Value, theirs: &Value) {
        // Nesting deeper than any real payload: a cycle through inline
        // schemas on one side.
        if at.matches(['.', '[', '{', '<']).count() > 24 {
            return;
        }
        let pair = (ref_of(ours), ref_of(theirs));
        if let (Some(a), Some(b)) = &pair
            && !self.seen.insert((a.clone(), b.clone()))
        {
            return;
        }
        let a = flatten(self.ours, ours);
        let b = flatten(self.theirs, theirs);
        for key in SCALARS {
            let (x, y) = (a.get(key), b.get(key));
            let same = match key {
                // Absent means false for these.
                "nullable" | "deprecated" | "uniqueItems" => {
                    x.and_then(Value::as_bool).unwrap_or(false)
                        == y.and_then(Value::as_bool).unwrap_or(false)
                }
                _ => numeric_eq(x, y),
            };
            if !same {
                self.push(at, key, show(x), show(y));
            }
        }
        self.enums(at, &a, &b);
        self.properties(at, &a, &b);
        match (a.get("items"), b.get("items")) {
            (Some(s), Some(t)) => self.schema(&format!("{at}[]"), s, t),
            (None, None) => {}
            (s, t) => self.push(at, "items", present(s), present(t)),
        }
        let extra = |m: &Map<String, Value>| m.get("additionalProperties").cloned();
        match (extra(&a), extra(&b)) {
            (Some(s @ Value::Object(_)), Some(t @ Value::Object(_))) => {
                self.schema(&format!("{at}{{}}"), &s, &t)
            }
            (s, t) if s != t => self.push(
                at,
                "additionalProperties",
                show(s.as_ref()),
                show(t.as_ref()),
            ),
            _ => {}
        }
        for key in ["oneOf", "anyOf"] {
            let list = |m: &Map<String, Value>| m.get(key).and_then(Value::as_array).cloned();
            match (list(&a), list(&b)) {
                (None, None) => {}
                (Some(s), Some(t)) if s.len() == t.len() => {
                    for (i, (x, y)) in s.iter().zip(&t).enumerate() {
                        self.schema(&format!("{at}<{key} {i}>"), x, y);
                    }
                }
                (s, t) => self.push(
                    at,
                    key,
                    s.map_or("-".into(), |v| format!("{} variants", v.len())),
                    t.map_or("-".into(), |v| format!("{} variants", v.len())),
                ),
            }
        }
        if let (Some(a), Some(b)) = pair {
            self.seen.remove(&(a, b));
        }
    }

    fn enums(&mut self, at: &str, a: &Map<String, Value>, b: &Map<String, Value>) {
        let values = |m: &Map<String, Value>| -> Option<BTreeSet<String>> {
            m.get("enum")
                .and_then(Value::as_array)
                .map(|v| v.iter().map(|x| show(Some(x))).collect())
        };
        match (values(a), values(b)) {
            (None, None) => {}
            (Some(x), Some(y)) => {
                let added: Vec<_> = x.difference(&y).cloned().collect();
                let removed: Vec<_> = y.difference(&x).cloned().collect();
                if !added.is_empty() || !removed.is_empty() {
                    self.push(
                        at,
                        "enum",
                        or_none(prefixed("+", &added)),
                        or_none(prefixed("-", &removed)),
                    );
                }
            }
            (x, y) => self.push(
                at,
                "enum",
                x.map_or("open".into(), |s| format!("{} values", s.len())),
                y.map_or("open".into(), |s| format!("{} values", s.len())),
            ),
        }
    }

    fn properties(&mut self, at: &str, a: &Map<String, Value>, b: &Map<String, Value>) {
        let empty = Map::new();
        let props = |m: &Map<String, Value>| {
            m.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_else(|| empty.clone())
        };
        let required = |m: &Map<String, Value>| -> BTreeSet<String> {
            m.get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let (pa, pb) = (props(a), props(b));
        let (ra, rb) = (required(a), required(b));
        let join = |name: &str| format!("{at}.{name}");
        for (name, s) in &pa {
            let here = join(name);
            match pb.get(name) {
                None => self.push(
                    &here,
                    "only-ours",
                    required_flag(ra.contains(name)),
                    "-".into(),
                ),
                Some(t) => {
                    if ra.contains(name) != rb.contains(name) {
                        self.push(
                            &here,
                            "required",
                            yes_no(ra.contains(name)),
                            yes_no(rb.contains(name)),
                        );
                    }
                    self.schema(&here, s, t);
                }
            }
        }
        for name in pb.keys() {
            if !pa.contains_key(name) {
                self.push(
                    &join(name),
                    "only-theirs",
                    "-".into(),
                    required_flag(rb.contains(name)),
                );
            }
        }
    }
}

fn ref_of(node: &Value) -> Option<String> {
    node.get("$ref").and_then(Value::as_str).map(str::to_string)
}

fn numeric_eq(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn show(v: Option<&Value>) -> String {
    match v {
        None => "-".into(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn present(v: Option<&Value>) -> String {
    if v.is_some() { "a schema" } else { "-" }.into()
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn required_flag(b: bool) -> String {
    if b { "required" } else { "optional" }.into()
}

fn required_word(p: &Value) -> String {
    required_flag(p.get("required").and_then(Value::as_bool).unwrap_or(false))
}

fn or_none(s: String) -> String {
    if s.is_empty() { "-".into() } else { s }
}

fn prefixed(sign: &str, values: &[String]) -> String {
    values
        .iter()
        .map(|v| format!("{sign}{v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The report: unlisted differences first (what needs acting on), then the
/// listed ones grouped by their reason.
pub struct Report {
    pub unlisted: Vec<Difference>,
    pub listed: Vec<(usize, Vec<Difference>)>,
    pub deliberate: Vec<Deliberate>,
    /// Entries of the deliberate file that matched nothing.
    pub stale: Vec<usize>,
}

/// Sorts the differences into listed and unlisted.
pub fn classify(differences: Vec<Difference>, deliberate: Vec<Deliberate>) -> Report {
    let mut unlisted = Vec::new();
    let mut listed: Vec<Vec<Difference>> = vec![Vec::new(); deliberate.len()];
    for d in differences {
        match deliberate.iter().position(|e| e.covers(&d)) {
            Some(i) => listed[i].push(d),
            None => unlisted.push(d),
        }
    }
    let stale = listed
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_empty())
        .map(|(i, _)| i)
        .collect();
    Report {
        unlisted,
        listed: listed
            .into_iter()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .collect(),
        deliberate,
        stale,
    }
}

impl Report {
    /// The text a maintainer reads.
    pub fn render(&self, ours: &str, theirs: &str) -> String {
        let mut s = String::new();
        let listed: usize = self.listed.iter().map(|(_, l)| l.len()).sum();
        let _ = writeln!(
            s,
            "{ours} against {theirs}: {} difference(s) to act on, {listed} deliberate",
            self.unlisted.len()
        );
        if !self.unlisted.is_empty() {
            let _ = writeln!(s, "\nNot listed as deliberate (ours | theirs):");
            let mut last_op = "";
            for d in &self.unlisted {
                if d.op != last_op {
                    let _ = writeln!(s, "  {}", d.op);
                    last_op = &d.op;
                }
                let _ = writeln!(s, "    {} | {}: {} | {}", d.at, d.what, d.ours, d.theirs);
            }
        }
        if !self.unlisted.is_empty() {
            // The same change seen through many operations (a shared schema).
            let mut same: BTreeMap<(String, String, String, String), BTreeSet<&str>> =
                BTreeMap::new();
            for d in &self.unlisted {
                let field = d.at.rsplit(['.', ' ']).next().unwrap_or(&d.at).to_string();
                same.entry((field, d.what.clone(), d.ours.clone(), d.theirs.clone()))
                    .or_default()
                    .insert(&d.op);
            }
            let _ = writeln!(s, "\nIn short (the same change, by field):");
            for ((field, what, ours, theirs), ops) in &same {
                let _ = writeln!(
                    s,
                    "  {field} | {what}: {ours} | {theirs}  ({} operation(s))",
                    ops.len()
                );
            }
        }
        if !self.listed.is_empty() {
            let _ = writeln!(s, "\nDeliberate:");
            for (i, diffs) in &self.listed {
                let e = &self.deliberate[*i];
                let _ = writeln!(
                    s,
                    "  [{} | {} | {}] x{}: {}",
                    e.op,
                    e.at,
                    e.what,
                    diffs.len(),
                    e.reason.trim()
                );
            }
        }
        if !self.stale.is_empty() {
            let _ = writeln!(
                s,
                "\nListed but not found (stale entries of the deliberate file):"
            );
            for i in &self.stale {
                let e = &self.deliberate[*i];
                let _ = writeln!(s, "  [{} | {} | {}]", e.op, e.at, e.what);
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn globs_match_runs_of_characters() {
        assert!(glob("*", "anything"));
        assert!(glob("POST /v1/*", "POST /v1/usage"));
        assert!(glob("*next_page", "response 200.next_page"));
        assert!(glob("a*b*c", "a12b34c"));
        assert!(!glob("a*b*c", "a12c34b"));
        assert!(!glob("POST /v1/*", "GET /v1/usage"));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
    }

    fn doc(op: Value, schemas: Value) -> Value {
        json!({"openapi": "3.0.3", "paths": {"/v1/things": {"post": op}},
               "components": {"schemas": schemas}})
    }

    #[test]
    fn a_named_component_equals_its_inline_twin_and_changes_are_found() {
        let ours = doc(
            json!({"operationId": "thingsList",
                   "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Q"}}}},
                   "responses": {"200": {"description": "x"}}}),
            json!({"Q": {"type": "object", "required": ["a"], "properties": {
                "a": {"type": "string", "enum": ["X", "Y"]},
                "b": {"type": "integer", "maximum": 100},
                "n": {"allOf": [{"$ref": "#/components/schemas/N"}], "nullable": true}}},
                   "N": {"type": "object", "properties": {"v": {"type": "string"}}}}),
        );
        let theirs = doc(
            json!({"operationId": "listThings-v1",
                   "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["a", "b"], "properties": {
                       "a": {"type": "string", "enum": ["X", "Z"]},
                       "b": {"type": "integer", "maximum": 25},
                       "n": {"type": "object", "nullable": true, "properties": {"v": {"type": "string", "format": "uuid"}}},
                       "gone": {"type": "boolean"}}}}}},
                   "responses": {"200": {"description": "y"}, "404": {"description": "z"}}}),
            json!({}),
        );
        let lines: Vec<String> = compare(&ours, &theirs)
            .into_iter()
            .map(|d| {
                format!(
                    "{} | {} | {} | {} | {}",
                    d.op, d.at, d.what, d.ours, d.theirs
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                "POST /v1/things | body.a | enum | +Y | -Z",
                "POST /v1/things | body.b | maximum | 100 | 25",
                "POST /v1/things | body.b | required | no | yes",
                "POST /v1/things | body.gone | only-theirs | - | optional",
                "POST /v1/things | body.n.v | format | - | uuid",
                "POST /v1/things | operation | operationId | thingsList | listThings-v1",
                "POST /v1/things | response 404 | only-theirs | - | declared",
            ]
        );
    }

    #[test]
    fn recursive_schemas_end() {
        let tree = doc(
            json!({"operationId": "t", "responses": {"200": {"description": "x", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}}}),
            json!({"Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}}}}),
        );
        assert!(compare(&tree, &tree).is_empty());
    }

    #[test]
    fn listed_differences_are_set_apart_and_stale_entries_reported() {
        let d = vec![
            diff("GET /a", "operation", "operationId", "x", "y"),
            diff("GET /a", "query limit", "maximum", "100", "25"),
        ];
        let deliberate = vec![
            Deliberate {
                op: "*".into(),
                at: "operation".into(),
                what: "operationId".into(),
                reason: "ours".into(),
            },
            Deliberate {
                op: "GET /b".into(),
                at: "*".into(),
                what: "*".into(),
                reason: "gone".into(),
            },
        ];
        let report = classify(d, deliberate);
        assert_eq!(report.unlisted.len(), 1);
        assert_eq!(report.listed.len(), 1);
        assert_eq!(report.stale, vec![1]);
    }
}
