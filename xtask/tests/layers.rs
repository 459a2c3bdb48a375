//! `metronome-client` is built in layers, and a layer uses only the ones
//! below it: the folders tell the architecture, and no import cycle can
//! come back. The order is declared here and in the crate root's comment;
//! this test reads every `crate::…` path of the hand-written code (imports
//! and paths in code alike, unit tests left out) and fails on one that
//! points up.

mod support;

use std::collections::BTreeMap;
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// Lowest first. `webhooks` stands alone and may use nothing.
const LAYERS: &[&str] = &[
    "classify",
    "transport",
    "error",
    "operation",
    "pagination",
    "client",
    "requests",
    "extras",
];

/// The layer of a file under `src/` (`None` for the crate root, which
/// re-exports from every layer).
fn layer_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_string_lossy();
    let name = first.trim_end_matches(".rs");
    match name {
        "lib" => None,
        "generated" => Some("requests".into()),
        other => Some(other.to_string()),
    }
}

/// What the crate root re-exports, by name: `Error` → `error`.
fn root_names(lib: &syn::File) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for item in &lib.items {
        let syn::Item::Use(u) = item else { continue };
        let mut stack = vec![(Vec::<String>::new(), u.tree.clone())];
        while let Some((prefix, tree)) = stack.pop() {
            match tree {
                syn::UseTree::Path(p) => {
                    let mut prefix = prefix.clone();
                    prefix.push(p.ident.to_string());
                    stack.push((prefix, *p.tree));
                }
                syn::UseTree::Name(n) => {
                    if let Some(first) = prefix.first() {
                        names.insert(n.ident.to_string(), first.clone());
                    }
                }
                syn::UseTree::Rename(r) => {
                    if let Some(first) = prefix.first() {
                        names.insert(r.rename.to_string(), first.clone());
                    }
                }
                syn::UseTree::Group(g) => {
                    for t in g.items {
                        stack.push((prefix.clone(), t));
                    }
                }
                syn::UseTree::Glob(_) => {}
            }
        }
    }
    names
}

/// Whether `tokens[i..]` starts with `::`.
fn colons_at(tokens: &[TokenTree], i: usize) -> bool {
    matches!(
        (tokens.get(i), tokens.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && b.as_char() == ':'
    )
}

/// The first segment of each item of a `{a::X, b, {c::Y}}` group.
fn group_firsts(group: TokenStream, out: &mut Vec<String>) {
    let mut at_start = true;
    for inner in group {
        match inner {
            TokenTree::Ident(next) if at_start => {
                out.push(next.to_string());
                at_start = false;
            }
            TokenTree::Group(nested) if at_start => {
                group_firsts(nested.stream(), out);
                at_start = false;
            }
            TokenTree::Punct(p) if p.as_char() == ',' => at_start = true,
            _ => at_start = false,
        }
    }
}

/// Every path to a top-level module of the crate in a token stream, as
/// that module's name: `crate :: a …`, `crate :: { a, b }`, and `super ::`
/// chains, read from `module` (the file's module path below the root:
/// `["transport", "retry"]`): one that climbs to the root names what
/// follows it, a shorter one stays in the file's own top-level module.
fn crate_paths_from(tokens: TokenStream, module: &[String], out: &mut Vec<String>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            TokenTree::Ident(id) if id == "crate" && colons_at(&tokens, i + 1) => {
                match tokens.get(i + 3) {
                    Some(TokenTree::Ident(next)) => out.push(next.to_string()),
                    Some(TokenTree::Group(group)) => group_firsts(group.stream(), out),
                    _ => {}
                }
            }
            TokenTree::Ident(id) if id == "super" && colons_at(&tokens, i + 1) => {
                let mut ups = 0;
                let mut j = i;
                while matches!(tokens.get(j), Some(TokenTree::Ident(s)) if s == "super")
                    && colons_at(&tokens, j + 1)
                {
                    ups += 1;
                    j += 3;
                }
                if ups >= module.len() {
                    match tokens.get(j) {
                        Some(TokenTree::Ident(next)) => out.push(next.to_string()),
                        Some(TokenTree::Group(group)) => group_firsts(group.stream(), out),
                        _ => {}
                    }
                } else if let Some(top) = module.first() {
                    out.push(top.clone());
                }
                i = j;
                continue;
            }
            TokenTree::Group(group) => crate_paths_from(group.stream(), module, out),
            _ => {}
        }
        i += 1;
    }
}

/// A file's module path below the crate root: `transport/retry.rs` →
/// `["transport", "retry"]`, `error/mod.rs` → `["error"]`.
fn module_of(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// `#[cfg(test)]` exactly (not `cfg(not(test))`, which is production code).
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|p| p == "test")
    })
}

/// The file's items without unit tests, doc comments dropped (a link in
/// a doc comment is not a dependency).
fn code_of(file: &syn::File) -> TokenStream {
    let mut tokens = TokenStream::new();
    for item in &file.items {
        let attrs = match item {
            syn::Item::Mod(m) => &m.attrs,
            syn::Item::Fn(f) => &f.attrs,
            syn::Item::Impl(i) => &i.attrs,
            syn::Item::Use(u) => &u.attrs,
            _ => &Vec::new(),
        };
        if is_test_only(attrs) {
            continue;
        }
        item.to_tokens(&mut tokens);
    }
    tokens
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let src = support::root().join("crates/metronome-client/src");
    let lib = syn::parse_file(&std::fs::read_to_string(src.join("lib.rs")).unwrap()).unwrap();
    let names = root_names(&lib);
    let modules: Vec<String> = lib
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            _ => None,
        })
        .collect();
    // Names the root re-exports from other crates.
    let external: Vec<String> = names
        .iter()
        .filter(|(_, module)| !modules.contains(module))
        .map(|(name, _)| name.clone())
        .collect();
    let rank = |layer: &str| LAYERS.iter().position(|l| *l == layer);
    let mut edges = BTreeMap::new();
    let mut problems = Vec::new();
    let files = support::files_under("crates/metronome-client/src");
    // Generated code is checked too (it must stay above what it calls).
    assert!(files.len() > 30, "{} files", files.len());
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let relative = path.strip_prefix(&src).unwrap();
        let Some(layer) = layer_of(relative) else {
            continue;
        };
        let text = std::fs::read_to_string(path).unwrap();
        let file = syn::parse_file(&text).unwrap();
        let mut used = Vec::new();
        crate_paths_from(code_of(&file), &module_of(relative), &mut used);
        for name in used {
            // `crate::Error` is the root's re-export of `error::Error`.
            let target = match names.get(&name) {
                Some(module) => module.clone(),
                None => name.clone(),
            };
            let target = if target == "generated" {
                "requests".to_string()
            } else {
                target
            };
            if target == layer || target == "self" {
                continue;
            }
            *edges.entry((layer.clone(), target.clone())).or_insert(0) += 1;
            if rank(&target).is_none() && target != "webhooks" && !modules.contains(&target) {
                // Another crate re-exported at the root (`types`, `chrono`);
                // any other name is one this reader cannot place.
                if !external.contains(&name) {
                    problems.push(format!(
                        "{}: crate::{name} is neither a layer nor another crate's re-export",
                        relative.display()
                    ));
                }
                continue;
            }
            match (rank(&layer), rank(&target)) {
                (Some(from), Some(to)) if to < from => {}
                (None, _) if layer == "webhooks" => problems.push(format!(
                    "{}: webhooks uses crate::{name} ({target}); it stands alone",
                    relative.display()
                )),
                (Some(_), Some(_)) => problems.push(format!(
                    "{}: {layer} uses crate::{name} ({target}), a layer above it",
                    relative.display()
                )),
                _ => problems.push(format!(
                    "{}: crate::{name} is in no declared layer ({layer} → {target})",
                    relative.display()
                )),
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The edges that exist, for the reader: the test means something only
    // if it saw the crate's real imports.
    for expected in [
        ("error", "classify"),
        ("operation", "transport"),
        ("pagination", "operation"),
        ("transport", "classify"),
        ("client", "transport"),
        ("requests", "operation"),
        ("requests", "pagination"),
        ("extras", "requests"),
    ] {
        let key = (expected.0.to_string(), expected.1.to_string());
        assert!(edges.contains_key(&key), "no edge {expected:?}: {edges:?}");
    }
}

#[test]
fn an_edge_up_the_layers_is_caught() {
    // The reader itself: an import from a higher layer, in code and in a
    // group, is found; one in a doc comment or a unit test is not.
    let file: syn::File = syn::parse_quote! {
        /// See [`crate::client::Client`].
        use crate::{error::Error, pagination::Page, {operation::X}};
        fn f() { let _ = crate::requests::route; }
        #[cfg(test)]
        mod tests { use crate::extras::X; }
        #[cfg(not(test))]
        fn g() { let _ = crate::webhooks::Webhooks::new; }
    };
    let deep = ["a", "b", "c"].map(String::from);
    let mut used = Vec::new();
    crate_paths_from(code_of(&file), &deep, &mut used);
    used.sort();
    assert_eq!(
        used,
        ["error", "operation", "pagination", "requests", "webhooks"]
    );
    // `super` chains: from `transport/retry.rs`, `super::super::client`
    // is the crate's `client`, `super::cursor` stays in `transport`.
    let code: syn::File = syn::parse_quote! {
        use super::super::client::Client;
        use super::cursor::read_cursor;
    };
    let mut used = Vec::new();
    let retry = module_of(Path::new("transport/retry.rs"));
    crate_paths_from(code_of(&code), &retry, &mut used);
    assert_eq!(used, ["client", "transport"]);
}
