//! What the generated crate costs to compile. progenitor gives every type a
//! builder (`types::builder::X`, `X::builder()`): on Metronome's full
//! description they are two thirds of the generated code (4.3 of 6.6 MB)
//! and take the compiler past 2 GB. The builders that operations use (one
//! per request body: `client.op().body_map(|b| b.field(x))`,
//! `Body::builder()`) are kept; the others are left out. Every other type
//! is built as a struct literal (all its fields are public) or decoded.

use std::collections::HashSet;

use syn::{ImplItem, Item, ItemImpl, Type};

/// The type an item is about: a struct's name, an impl's self type.
fn subject(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Impl(i) => self_type(i),
        _ => None,
    }
}

fn self_type(item: &ItemImpl) -> Option<String> {
    match &*item.self_ty {
        Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `impl X { pub fn builder() -> builder::X { … } }`.
fn is_builder_constructor(item: &Item, types: &HashSet<String>) -> bool {
    let Item::Impl(block) = item else {
        return false;
    };
    block.trait_.is_none()
        && self_type(block).is_some_and(|t| types.contains(&t))
        && !block.items.is_empty()
        && block
            .items
            .iter()
            .all(|i| matches!(i, ImplItem::Fn(f) if f.sig.ident == "builder"))
}

/// The types whose builders the operation builders (`mod builder` at the
/// top of the file) refer to as `types::builder::X`.
pub fn used_by_operations(file: &syn::File) -> HashSet<String> {
    let mut used = HashSet::new();
    for item in &file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident != "builder" {
            continue;
        }
        let text = quote::ToTokens::to_token_stream(module).to_string();
        for piece in text.split("types :: builder :: ").skip(1) {
            let name: String = piece
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            used.insert(name);
        }
    }
    used
}

/// The builder structs of `mod types::builder`.
fn all_builders(file: &syn::File) -> HashSet<String> {
    let mut all = HashSet::new();
    for item in &file.items {
        let Item::Mod(module) = item else { continue };
        let Some((_, items)) = module.content.as_ref().filter(|_| module.ident == "types") else {
            continue;
        };
        for inner in items {
            let Item::Mod(builders) = inner else { continue };
            let Some((_, builder_items)) = builders
                .content
                .as_ref()
                .filter(|_| builders.ident == "builder")
            else {
                continue;
            };
            all.extend(builder_items.iter().filter_map(|i| match i {
                Item::Struct(s) => Some(s.ident.to_string()),
                _ => None,
            }));
        }
    }
    all
}

/// Leaves out every type builder that no operation uses. Returns how many
/// were left out.
pub fn drop_unused_builders(file: &mut syn::File) -> usize {
    let used = used_by_operations(file);
    let unused: HashSet<String> = all_builders(file)
        .into_iter()
        .filter(|b| !used.contains(b))
        .collect();
    drop_builders(file, &unused)
}

/// Removes the builders of `types` from `mod types`. Returns how many
/// builder structs were removed.
fn drop_builders(file: &mut syn::File, types: &HashSet<String>) -> usize {
    let mut removed = 0;
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        items.retain(|item| !is_builder_constructor(item, types));
        for item in items.iter_mut() {
            let Item::Mod(builders) = item else { continue };
            if builders.ident != "builder" {
                continue;
            }
            let Some((_, builder_items)) = &mut builders.content else {
                continue;
            };
            let before = builder_items
                .iter()
                .filter(|i| matches!(i, Item::Struct(_)))
                .count();
            builder_items.retain(|i| subject(i).is_none_or(|s| !types.contains(&s)));
            removed += before
                - builder_items
                    .iter()
                    .filter(|i| matches!(i, Item::Struct(_)))
                    .count();
        }
    }
    removed
}
