//! Splitting the low-level client progenitor generates (one syntax tree)
//! into files by its top-level modules: `types` (and `types::builder`),
//! `builder`, the `Client` with its operation methods, the pagination
//! impls; what remains (imports, `prelude`) stays in `mod.rs`.

use syn::{Item, ItemMod};

/// One file of a split module tree: its path relative to the folder
/// (`mod.rs`, `types.rs`, `types/builder.rs`) and its contents.
pub struct Part {
    pub path: String,
    pub file: syn::File,
}

/// Moves the contents of an inline module into a file of its own, leaving
/// `mod name;` (with the module's outer attributes) in its place.
fn move_out(module: &mut ItemMod) -> Option<syn::File> {
    let (_, items) = module.content.take()?;
    let (inner, outer): (Vec<_>, Vec<_>) = module
        .attrs
        .drain(..)
        .partition(|a| matches!(a.style, syn::AttrStyle::Inner(_)));
    module.attrs = outer;
    module.semi = Some(Default::default());
    Some(syn::File {
        shebang: None,
        attrs: inner,
        items,
    })
}

/// The low-level client's files.
pub fn low_level(file: &syn::File) -> Vec<Part> {
    let mut root = file.clone();
    let mut parts = Vec::new();
    let mut client_items = Vec::new();
    let mut kept = Vec::new();
    for mut item in std::mem::take(&mut root.items) {
        match &mut item {
            Item::Mod(m) if m.content.is_some() && m.ident != "prelude" => {
                let name = m.ident.to_string();
                if let Some(mut inner) = move_out(m) {
                    // `types::builder` is as large as the rest of `types`.
                    for nested in &mut inner.items {
                        if let Item::Mod(n) = nested
                            && n.ident == "builder"
                            && let Some(builders) = move_out(n)
                        {
                            parts.push(Part {
                                path: format!("{name}/builder.rs"),
                                file: builders,
                            });
                        }
                    }
                    parts.push(Part {
                        path: format!("{name}.rs"),
                        file: inner,
                    });
                }
                kept.push(item);
            }
            Item::Use(_) | Item::Mod(_) => kept.push(item),
            _ => client_items.push(item),
        }
    }
    if !client_items.is_empty() {
        let mut items: Vec<Item> = vec![syn::parse_quote!(
            use super::*;
        )];
        items.extend(client_items);
        parts.push(Part {
            path: "client.rs".into(),
            file: syn::File {
                shebang: None,
                attrs: vec![syn::parse_quote!(
                    //! The client and one method per operation.
                )],
                items,
            },
        });
        kept.push(syn::parse_quote!(
            mod client;
        ));
        kept.push(syn::parse_quote!(
            pub use client::*;
        ));
    }
    root.items = kept;
    parts.insert(
        0,
        Part {
            path: "mod.rs".into(),
            file: root,
        },
    );
    parts
}

/// Takes the data types (`types.rs`, `types/builder.rs`) out of the
/// low-level client's parts, as the files of a crate of their own
/// (`mod.rs`, `builder.rs`), and has the client re-export that crate as
/// its `types`: the types need serde, chrono and uuid, not reqwest, so
/// they compile beside the HTTP and TLS stack instead of after it.
pub fn types_crate(parts: &mut Vec<Part>, crate_name: &str) -> Vec<Part> {
    let mut types = Vec::new();
    let mut kept = Vec::new();
    for part in parts.drain(..) {
        match part.path.as_str() {
            "types.rs" => {
                let mut file = part.file;
                builders_behind_feature(&mut file);
                types.push(Part {
                    path: "mod.rs".into(),
                    file,
                })
            }
            "types/builder.rs" => types.push(Part {
                path: "builder.rs".into(),
                file: part.file,
            }),
            _ => kept.push(part),
        }
    }
    let krate = syn::Ident::new(crate_name, proc_macro2::Span::call_site());
    for part in &mut kept {
        if part.path != "mod.rs" {
            continue;
        }
        for item in &mut part.file.items {
            if let Item::Mod(m) = item
                && m.ident == "types"
                && m.content.is_none()
            {
                *item = syn::parse_quote!(
                    /// The request and response types (the types crate, re-exported).
                    pub use #krate as types;
                );
            }
        }
    }
    *parts = kept;
    types.sort_by(|a, b| b.path.cmp(&a.path));
    types
}

/// Puts progenitor's body builders (`pub mod builder;` and every
/// `X::builder()`) behind the types crate's `builders` feature: only the
/// low-level client's operation builders use them, and they are a third
/// of the crate's code.
fn builders_behind_feature(file: &mut syn::File) {
    let gate: syn::Attribute = syn::parse_quote!(#[cfg(feature = "builders")]);
    for item in &mut file.items {
        match item {
            Item::Mod(m) if m.ident == "builder" => m.attrs.insert(0, gate.clone()),
            Item::Impl(block) => {
                for member in &mut block.items {
                    if let syn::ImplItem::Fn(f) = member
                        && f.sig.ident == "builder"
                    {
                        f.attrs.insert(0, gate.clone());
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_top_level_module_gets_a_file_and_the_client_its_own() {
        let file: syn::File = syn::parse_quote! {
            use a::b;
            #[allow(clippy::all)]
            pub mod types {
                //! Types.
                pub struct T;
                impl T { pub fn builder() -> builder::T { builder::T } }
                pub mod builder { pub struct T; }
            }
            pub struct Client;
            impl Client { pub fn op(&self) {} }
            pub mod builder { pub struct Op; }
            pub mod prelude { pub use super::Client; }
        };
        let parts = low_level(&file);
        let paths: Vec<&str> = parts.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "mod.rs",
                "types/builder.rs",
                "types.rs",
                "builder.rs",
                "client.rs"
            ]
        );
        let root = prettyplease::unparse(&parts[0].file);
        assert!(
            root.contains("#[allow(clippy::all)]\npub mod types;"),
            "{root}"
        );
        assert!(root.contains("pub mod prelude {"), "{root}");
        assert!(root.contains("mod client;\npub use client::*;"), "{root}");
        let types = prettyplease::unparse(&parts[2].file);
        assert!(types.starts_with("//! Types."), "{types}");
        assert!(types.contains("pub mod builder;"), "{types}");

        let mut parts = parts;
        let crate_parts = types_crate(&mut parts, "the_types");
        let paths: Vec<&str> = crate_parts.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["mod.rs", "builder.rs"]);
        let left: Vec<&str> = parts.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(left, ["mod.rs", "builder.rs", "client.rs"]);
        let gated = prettyplease::unparse(&crate_parts[0].file);
        assert!(
            gated.contains("#[cfg(feature = \"builders\")]\npub mod builder;"),
            "{gated}"
        );
        assert!(
            gated.contains("#[cfg(feature = \"builders\")]\n    pub fn builder()"),
            "{gated}"
        );
        let root = prettyplease::unparse(&parts[0].file);
        assert!(root.contains("pub use the_types as types;"), "{root}");
        assert!(!root.contains("pub mod types"), "{root}");
    }
}
