//! Reading generated code the way the compiler does: a module tree from
//! its root file, out-of-line modules (`mod x;`, `#[path = "…"] mod x;`)
//! read in place.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use syn::{Item, Lit, Meta};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The module tree rooted at `relative` (a `mod.rs`), every out-of-line
/// module inlined.
pub fn module_tree(relative: &str) -> syn::File {
    let path = root().join(relative);
    let mut file = parse(&path);
    inline(&mut file.items, &path);
    file
}

fn parse(path: &Path) -> syn::File {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `#[path = "…"]` of a module declaration.
fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|a| match &a.meta {
        Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(lit) => match &lit.lit {
                Lit::Str(s) => Some(s.value()),
                _ => None,
            },
            _ => None,
        },
        _ => None,
    })
}

fn inline(items: &mut [Item], declared_in: &Path) {
    let dir = declared_in.parent().unwrap().to_path_buf();
    let mod_rs = declared_in.file_name().is_some_and(|n| n == "mod.rs");
    for item in items {
        let Item::Mod(m) = item else { continue };
        if m.content.is_some() {
            continue;
        }
        let file = match path_attribute(&m.attrs) {
            // Relative to the declaring file's folder.
            Some(path) => dir.join(path),
            None if mod_rs => {
                let flat = dir.join(format!("{}.rs", m.ident));
                if flat.exists() {
                    flat
                } else {
                    dir.join(m.ident.to_string()).join("mod.rs")
                }
            }
            None => {
                let stem = declared_in
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                dir.join(stem).join(format!("{}.rs", m.ident))
            }
        };
        let mut inner = parse(&file);
        inline(&mut inner.items, &file);
        m.content = Some((Default::default(), inner.items));
        m.semi = None;
    }
}

/// Every item of a tree, nested modules' items brought to the top (for
/// code that re-exports every module's items, as the client layer does).
pub fn flat(items: &[Item]) -> Vec<Item> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(flat(inner));
                }
            }
            other => out.push(other.clone()),
        }
    }
    out
}

/// Every file under `relative` (to the workspace root), recursively, sorted.
pub fn files_under(relative: &str) -> Vec<PathBuf> {
    files_in(&root().join(relative))
}

/// Every file under `dir`, recursively, sorted.
pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
