//! `X::new(required…)` for every type a request carries. progenitor's
//! builders are kept for request bodies only (`slim.rs`: the others cost
//! too much to compile); a nested input (`CommitInput` inside a contract,
//! its `ScheduleDurationInput`) is a struct with every field public and no
//! `Default`, so building one meant writing all of its fields. `new` takes
//! the required fields, in the struct's order, and leaves every optional
//! one out (`None`, empty); struct update syntax sets the rest:
//!
//! ```text
//! types::CommitInput {
//!     amount: Some(10_000.0),
//!     ..types::CommitInput::new(product_id, types::CommitInputType::Prepaid)
//! }
//! ```
//!
//! A field is optional when the type holds it as an `Option` or serde
//! fills it by default (`#[serde(default)]`: the empty lists and maps).

use std::collections::{BTreeSet, HashSet};

use quote::quote;
use syn::{Fields, Item};

/// Adds `new` to the structs of `mod types` that request bodies reach.
/// Returns how many were given one.
pub fn add(file: &mut syn::File) -> usize {
    let reached = reached(file, crate::slim::used_by_operations(file));
    let mut added = 0;
    for item in &mut file.items {
        let Item::Mod(module) = item else { continue };
        if module.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut module.content else {
            continue;
        };
        let mut impls = Vec::new();
        for item in items.iter() {
            let Item::Struct(s) = item else { continue };
            if !reached.contains(&s.ident.to_string()) {
                continue;
            }
            let Fields::Named(fields) = &s.fields else {
                continue;
            };
            let mut params = Vec::new();
            let mut inits = Vec::new();
            let mut documented = Vec::new();
            // The struct's order is alphabetical: a period's start would
            // come after its end (`ending_before`, `starting_at`). Starts
            // go before ends, after the other fields.
            let mut ordered: Vec<&syn::Field> = fields.named.iter().collect();
            ordered.sort_by_key(|f| {
                let name = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                if name.starts_with("start") {
                    1
                } else if name.starts_with("end") {
                    2
                } else {
                    0
                }
            });
            for field in ordered {
                let Some(name) = &field.ident else { continue };
                if let Some(path) = serde_default_fn(field) {
                    inits.push(quote!(#name: #path()));
                } else if optional(field) {
                    inits.push(quote!(#name: ::std::default::Default::default()));
                } else {
                    let ty = &field.ty;
                    params.push(quote!(#name: #ty));
                    inits.push(quote!(#name));
                    documented.push(format!("`{}`", name.to_string().trim_start_matches("r#")));
                }
            }
            let ident = &s.ident;
            let doc = if documented.is_empty() {
                " A value with every field left out (all are optional).".to_string()
            } else {
                format!(
                    " A value with its required fields ({}) and every optional one left out: set others with `X {{ field: …, ..X::new(…) }}`.",
                    documented.join(", ")
                )
            };
            impls.push(syn::parse_quote! {
                impl #ident {
                    #[doc = #doc]
                    #[allow(clippy::too_many_arguments)]
                    pub fn new(#(#params),*) -> Self {
                        Self { #(#inits),* }
                    }
                }
            });
            added += 1;
        }
        items.extend(impls);
    }
    added
}

/// A field that may be left out: an `Option`, or one serde fills by
/// default.
fn optional(field: &syn::Field) -> bool {
    let written = quote::ToTokens::to_token_stream(&field.ty).to_string();
    if written.starts_with(":: std :: option :: Option <") || written.starts_with("Option <") {
        return true;
    }
    field.attrs.iter().any(|attr| {
        attr.path().is_ident("serde")
            && quote::ToTokens::to_token_stream(&attr.meta)
                .to_string()
                .contains("default")
    })
}

/// Makes the functions of `types::defaults` (the description's defaults,
/// which serde fills in when a field is absent) public, so that the client
/// layer, which builds request bodies itself, fills a field the caller left
/// out as progenitor's type builder would.
pub fn publish_defaults(file: &mut syn::File) {
    for item in &mut file.items {
        let Item::Mod(types) = item else { continue };
        if types.ident != "types" {
            continue;
        }
        let Some((_, items)) = &mut types.content else {
            continue;
        };
        for item in items.iter_mut() {
            let Item::Mod(defaults) = item else { continue };
            if defaults.ident != "defaults" {
                continue;
            }
            let Some((_, functions)) = &mut defaults.content else {
                continue;
            };
            for function in functions.iter_mut() {
                if let Item::Fn(f) = function
                    && matches!(f.vis, syn::Visibility::Restricted(_))
                {
                    f.vis = syn::parse_quote!(pub);
                    f.attrs.push(syn::parse_quote!(
                        #[doc = " A default the description gives, filled in where a request leaves the field out."]
                    ));
                }
            }
        }
    }
}

/// The function serde calls for a field left out (`#[serde(default =
/// "defaults::…")]`), if it names one.
pub fn serde_default_fn(field: &syn::Field) -> Option<syn::ExprPath> {
    field
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .find_map(|attr| {
            let mut found = None;
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("default") && meta.input.peek(syn::Token![=]) {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    found = value.parse::<syn::ExprPath>().ok();
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
            found
        })
}

/// `start` and every struct of `mod types` their fields name,
/// transitively.
fn reached(file: &syn::File, start: HashSet<String>) -> BTreeSet<String> {
    let structs: Vec<&syn::ItemStruct> = crate::model::syntax::module_items(file, "types")
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some(s),
            _ => None,
        })
        .collect();
    let mut seen: BTreeSet<String> = start.into_iter().collect();
    let mut todo: Vec<String> = seen.iter().cloned().collect();
    while let Some(name) = todo.pop() {
        let Some(s) = structs.iter().find(|s| s.ident == name) else {
            continue;
        };
        let text = quote::ToTokens::to_token_stream(&s.fields).to_string();
        for word in text.split(|c: char| !(c.is_alphanumeric() || c == '_')) {
            if !word.is_empty()
                && structs.iter().any(|s| s.ident == word)
                && seen.insert(word.to_string())
            {
                todo.push(word.to_string());
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_takes_the_required_fields_starts_before_ends_and_fills_the_rest() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod builder {
                pub struct Body { body: Result<types::Body, String> }
                impl Body { pub fn x(self) -> Self { let _: types::builder::Body; self } }
            }
            pub mod types {
                pub struct Body { pub items: ::std::vec::Vec<Item> }
                pub struct Item {
                    pub amount: f64,
                    pub ending_before: ::chrono::DateTime<::chrono::offset::Utc>,
                    pub note: ::std::option::Option<::std::string::String>,
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub tags: ::std::vec::Vec<::std::string::String>,
                    #[serde(default = "defaults::default_u64::<u64, 25>")]
                    pub limit: u64,
                    pub starting_at: ::chrono::DateTime<::chrono::offset::Utc>,
                }
                pub struct Answer { pub id: ::uuid::Uuid }
            }
        };
        assert_eq!(
            add(&mut file),
            2,
            "Body and the Item it reaches; not Answer"
        );
        let printed = prettyplease::unparse(&file);
        let squashed: String = printed.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            squashed.contains("pub fn new( amount: f64, starting_at: ::chrono::DateTime<::chrono::offset::Utc>, ending_before: ::chrono::DateTime<::chrono::offset::Utc>, ) -> Self"),
            "{printed}"
        );
        assert!(
            squashed.contains("limit: defaults::default_u64::<u64, 25>()"),
            "{printed}"
        );
        assert!(
            squashed.contains("tags: ::std::default::Default::default()"),
            "{printed}"
        );
        assert!(!squashed.contains("impl Answer"), "{printed}");
    }
}
