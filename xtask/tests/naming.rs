//! The generated client follows one rule for each kind of name, checked
//! over the whole surface (`crates/metronome-client/src/generated/`)
//! rather than trusted to the emitter:
//!
//! - each request builder is named after its operation
//!   (`PascalCase(operationId)`), the same name as the low-level builder;
//! - a setter replaces what it sets (lists included): none appends;
//! - no method is a `get_`/`set_` accessor: such names are operations
//!   (`get_net_balance`, `set_name`), as Metronome's SDKs name them;
//! - `limit` is stored as the low-level layer types it, operation by
//!   operation.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use heck::ToUpperCamelCase;
use quote::ToTokens;
use serde_json::Value;
use syn::{Fields, ImplItem, Item, Type, Visibility};

use support::root;

/// Every operation's `x-method` and `operationId`, from the bundled
/// description.
fn operations() -> Vec<(String, String)> {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["bundle", "--out", "-"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree: Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut out = Vec::new();
    for item in tree["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            if let (Some(method), Some(id)) = (op["x-method"].as_str(), op["operationId"].as_str())
            {
                out.push((method.to_string(), id.to_string()));
            }
        }
    }
    out
}

fn text(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string().replace(' ', "")
}

/// Inherent impls: type name → its methods.
fn impls(file: &syn::File) -> BTreeMap<String, Vec<syn::ImplItemFn>> {
    let mut out: BTreeMap<String, Vec<syn::ImplItemFn>> = BTreeMap::new();
    for item in &file.items {
        if let Item::Impl(imp) = item
            && imp.trait_.is_none()
            && let Type::Path(path) = &*imp.self_ty
        {
            let name = path.path.segments.last().unwrap().ident.to_string();
            for item in &imp.items {
                if let ImplItem::Fn(f) = item {
                    out.entry(name.clone()).or_default().push(f.clone());
                }
            }
        }
    }
    out
}

/// Structs: name → field name → type, as text.
fn structs(items: &[Item]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for item in items {
        match item {
            Item::Struct(s) => {
                if let Fields::Named(fields) = &s.fields {
                    let fields = fields
                        .named
                        .iter()
                        .map(|f| (f.ident.as_ref().unwrap().to_string(), text(&f.ty)))
                        .collect();
                    out.insert(s.ident.to_string(), fields);
                }
            }
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    for (name, fields) in structs(inner) {
                        out.entry(format!("{}::{name}", m.ident)).or_insert(fields);
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_generated_surface_names_things_one_way() {
    // Every module of the client layer is re-exported from `requests`:
    // its items are read as one list.
    let client = support::module_tree("crates/metronome-client/src/generated/mod.rs");
    let client = syn::File {
        shebang: None,
        attrs: Vec::new(),
        items: support::flat(&client.items),
    };
    // The low-level client, with the types crate it re-exports as `types`.
    let mut low = support::module_tree("crates/metronome-api/src/generated/mod.rs");
    let types = support::module_tree("crates/metronome-types/src/generated/mod.rs").items;
    low.items
        .push(syn::parse_quote! { pub mod types { #(#types)* } });
    let operations = operations();
    assert_eq!(operations.len(), 157);
    let operation_methods: BTreeSet<&str> = operations.iter().map(|(m, _)| m.as_str()).collect();
    let builder_names: BTreeSet<String> = operations
        .iter()
        .map(|(_, id)| id.to_upper_camel_case())
        .collect();

    let impls = impls(&client);
    let client_structs = structs(&client.items);
    let low_structs = structs(&low.items);

    // Builders: the impls with a way to send (plain `send`, or a list's
    // `query`, which `list_request!` gives `send`).
    let builders: BTreeSet<&String> = impls
        .iter()
        .filter(|(_, fns)| {
            fns.iter()
                .any(|f| f.sig.ident == "send" || f.sig.ident == "query")
        })
        .map(|(name, _)| name)
        .collect();
    let named: BTreeSet<String> = builders.iter().map(|b| b.to_string()).collect();
    assert_eq!(
        named, builder_names,
        "one builder per operation, named after it"
    );

    let mut setters = 0;
    let mut limits = 0;
    for (ty, fns) in &impls {
        for f in fns {
            if !matches!(f.vis, Visibility::Public(_)) {
                continue;
            }
            let name = f.sig.ident.to_string();
            if name.starts_with("get_") || name.starts_with("set_") {
                assert!(
                    operation_methods.contains(name.as_str()),
                    "{ty}::{name}: get_/set_ names are operations, never accessors"
                );
            }
            let signature = text(&f.sig);
            if builders.contains(ty) && signature.contains("(mutself,value:") {
                setters += 1;
                let body = text(&f.block);
                assert!(
                    !body.contains(".push(") && !body.contains(".extend("),
                    "{ty}::{name}: a setter replaces, it does not append"
                );
            }
        }
    }
    assert!(setters > 500, "{setters} setters checked");

    for builder in &builders {
        let fields = &client_structs[*builder];
        for (field, low_field) in [("limit", "limit"), ("body_limit", "limit")] {
            let Some(ours) = fields.get(field) else {
                continue;
            };
            let low_type = if field == "limit" {
                let low_builder = &low_structs[&format!("builder::{builder}")];
                low_builder[low_field]
                    .trim_start_matches("Result<")
                    .trim_end_matches(",String>")
                    .to_string()
            } else {
                // The body's type, as the client's `http()` builds it.
                let request = impls[*builder]
                    .iter()
                    .find(|f| f.sig.ident == "http")
                    .map(|f| text(&f.block))
                    .unwrap();
                let body_type = request
                    .split("json(&types::")
                    .nth(1)
                    .and_then(|rest| rest.split('{').next())
                    .unwrap()
                    .to_string();
                low_structs[&format!("types::{body_type}")][low_field].clone()
            };
            assert_eq!(
                unwrap_options(ours),
                unwrap_options(&low_type),
                "{builder}: limit typed as the low-level layer types it"
            );
            limits += 1;
        }
    }
    assert!(limits >= 30, "{limits} limits compared");
}

/// `T` from `Option<T>`, `Option<Option<T>>`, `::std::option::Option<T>`.
fn unwrap_options(ty: &str) -> &str {
    let mut ty = ty;
    loop {
        let inner = ty
            .strip_prefix("::std::option::Option<")
            .or_else(|| ty.strip_prefix("Option<"))
            .and_then(|rest| rest.strip_suffix('>'));
        match inner {
            Some(inner) => ty = inner,
            None => return ty,
        }
    }
}

#[test]
fn hand_written_code_has_no_get_accessors() {
    let dir = root().join("crates/metronome-client/src");
    let mut files = vec![];
    let mut stack = vec![dir];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.components().any(|c| c.as_os_str() == "generated")
            {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 10);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("pub fn get_"),
            "{}: an accessor is named after what it returns, without get_",
            path.display()
        );
    }
}
