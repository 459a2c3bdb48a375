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
    }
}
