//! Cargo features per resource, so that an application compiles only the
//! operations it calls. Each operation belongs to the feature named by its
//! first tag (its top resource: `contracts`, `customers`, `usage`, ...);
//! the generated operations (not the data types, which resources share)
//! are compiled only with their feature.

use std::collections::BTreeMap;

use heck::{ToPascalCase, ToSnakeCase};
use serde_json::Value;
use syn::{ImplItem, Item};

use crate::load;

/// `operationId` → feature.
pub fn by_operation(tree: &Value) -> BTreeMap<String, String> {
    load::operations(tree)
        .filter_map(|(_, _, op)| {
            let id = op.get("operationId")?.as_str()?;
            let tag = op.get("tags")?.get(0)?.as_str()?;
            Some((id.to_string(), tag.to_string()))
        })
        .collect()
}

fn attribute(feature: &str) -> syn::Attribute {
    syn::parse_quote!(#[cfg(feature = #feature)])
}

/// Gates the low-level client's operations (the `Client` methods, the
/// request builders and their `Paginated` impls) by their feature.
pub fn gate_low_level(file: &mut syn::File, tree: &Value) {
    let by_method: BTreeMap<String, String> = by_operation(tree)
        .into_iter()
        .map(|(id, feature)| (id.to_snake_case(), feature))
        .collect();
    let by_builder: BTreeMap<String, String> = by_method
        .iter()
        .map(|(method, feature)| (method.to_pascal_case(), feature.clone()))
        .collect();
    let builder_of = |ty: &syn::Type| -> Option<String> {
        let syn::Type::Path(path) = ty else {
            return None;
        };
        path.path.segments.last().map(|s| s.ident.to_string())
    };
    for item in &mut file.items {
        match item {
            Item::Impl(block) if block.trait_.is_none() => {
                for member in &mut block.items {
                    if let ImplItem::Fn(f) = member
                        && let Some(feature) = by_method.get(&f.sig.ident.to_string())
                    {
                        f.attrs.push(attribute(feature));
                    }
                }
            }
            Item::Mod(m) if m.ident == "builder" || m.ident == "paginated_operations" => {
                let Some((_, items)) = m.content.as_mut() else {
                    continue;
                };
                for inner in items {
                    let (name, attrs) = match inner {
                        Item::Struct(s) => (s.ident.to_string(), &mut s.attrs),
                        Item::Impl(i) => match builder_of(&i.self_ty) {
                            Some(name) => (name, &mut i.attrs),
                            None => continue,
                        },
                        _ => continue,
                    };
                    if let Some(feature) = by_builder.get(&name) {
                        attrs.push(attribute(feature));
                    }
                }
            }
            _ => {}
        }
    }
}
