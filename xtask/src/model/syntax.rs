//! Reading progenitor's syntax tree: the types module (structs, string
//! enums, `FromStr` newtypes), the builders' fields and `send` signatures.
//! Every type the emitters write is read here, never guessed.

use std::collections::{BTreeSet, HashMap};

use quote::ToTokens;
use syn::{Fields, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type};

/// The `type` items of a `Type::Path`'s last segment: `A<B, C>` → [B, C].
pub fn generic_args(ty: &Type) -> Vec<&Type> {
    let Type::Path(path) = ty else {
        return Vec::new();
    };
    let Some(last) = path.path.segments.last() else {
        return Vec::new();
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return Vec::new();
    };
    args.args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect()
}

/// The last identifier of a path type: `types::builder::X` → `X`.
pub fn last_ident(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    path.path.segments.last().map(|s| s.ident.to_string())
}

/// A type's tokens without spaces, for comparing with a known spelling.
pub fn squash(ty: &Type) -> String {
    ty.to_token_stream().to_string().replace(' ', "")
}

/// The items of the generated code's top-level module `name` (`types`,
/// `builder`); none if it is absent.
pub fn module_items<'f>(file: &'f syn::File, name: &str) -> &'f [Item] {
    file.items
        .iter()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == name => {
                m.content.as_ref().map(|(_, items)| items.as_slice())
            }
            _ => None,
        })
        .unwrap_or(&[])
}

/// A struct's named field.
pub fn field<'s>(structure: &'s syn::ItemStruct, name: &str) -> Option<&'s Type> {
    let Fields::Named(fields) = &structure.fields else {
        return None;
    };
    fields
        .named
        .iter()
        .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
        .map(|f| &f.ty)
}

/// `#[serde(rename = "x")]`'s `x`.
pub fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .find_map(|attr| {
            let mut renamed = None;
            // Other keys of the attribute (`default`, `skip_serializing_if = "…"`)
            // are read and ignored.
            let _ = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("rename") {
                    let value: syn::LitStr = meta.value()?.parse()?;
                    renamed = Some(value.value());
                } else if meta.input.peek(syn::Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                } else if meta.input.peek(syn::token::Paren) {
                    let _ = meta.parse_nested_meta(|inner| {
                        if inner.input.peek(syn::Token![=]) {
                            let _: syn::Expr = inner.value()?.parse()?;
                        }
                        Ok(())
                    });
                }
                Ok(())
            });
            renamed
        })
}

/// What the generated code knows of the types module.
pub struct Types {
    pub structs: HashMap<String, syn::ItemStruct>,
    /// String enums: name → wire values.
    pub enums: HashMap<String, Vec<String>>,
    pub from_str: BTreeSet<String>,
}

impl Types {
    pub fn read(file: &syn::File) -> Types {
        let mut types = Types {
            structs: HashMap::new(),
            enums: HashMap::new(),
            from_str: BTreeSet::new(),
        };
        for inner in module_items(file, "types") {
            match inner {
                Item::Struct(s) => {
                    types.structs.insert(s.ident.to_string(), s.clone());
                }
                Item::Enum(e) if e.variants.iter().all(|v| matches!(v.fields, Fields::Unit)) => {
                    let values = e
                        .variants
                        .iter()
                        .map(|v| serde_rename(&v.attrs).unwrap_or_else(|| v.ident.to_string()))
                        .collect();
                    types.enums.insert(e.ident.to_string(), values);
                }
                Item::Impl(block) => {
                    let is_from_str = block.trait_.as_ref().is_some_and(|(_, path, _)| {
                        path.segments.last().is_some_and(|s| s.ident == "FromStr")
                    });
                    if is_from_str && let Some(name) = last_ident(&block.self_ty) {
                        types.from_str.insert(name);
                    }
                }
                _ => {}
            }
        }
        types
    }
}

/// The fields of each low-level builder, `Result<T, String>` unwrapped.
pub fn builder_fields(file: &syn::File) -> HashMap<String, HashMap<String, Type>> {
    let mut out = HashMap::new();
    for inner in module_items(file, "builder") {
        let Item::Struct(s) = inner else { continue };
        let Fields::Named(named) = &s.fields else {
            continue;
        };
        let mut fields = HashMap::new();
        for f in &named.named {
            let Some(ident) = f.ident.as_ref() else {
                continue;
            };
            if ident == "client" {
                continue;
            }
            if let Some(t) = generic_args(&f.ty).first() {
                fields.insert(ident.to_string(), (*t).clone());
            }
        }
        out.insert(s.ident.to_string(), fields);
    }
    out
}

/// The `send` signature of each operation builder: (response type, error type).
pub fn send_types(file: &syn::File) -> HashMap<String, (Type, Type)> {
    let mut out = HashMap::new();
    for inner in module_items(file, "builder") {
        let Item::Impl(block) = inner else { continue };
        let Some(name) = last_ident(&block.self_ty) else {
            continue;
        };
        for member in &block.items {
            let ImplItem::Fn(f) = member else { continue };
            if f.sig.ident != "send" {
                continue;
            }
            let ReturnType::Type(_, ret) = &f.sig.output else {
                continue;
            };
            let [ok, err] = generic_args(ret)[..] else {
                continue;
            };
            if let (Some(response), Some(error)) =
                (generic_args(ok).first(), generic_args(err).first())
            {
                out.insert(name.clone(), ((*response).clone(), (*error).clone()));
            }
        }
    }
    out
}

/// The body type each operation builder holds
/// (`body: Result<types::builder::X, String>`): `X`.
pub fn body_types(file: &syn::File) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for inner in module_items(file, "builder") {
        let Item::Struct(s) = inner else { continue };
        if let Some(name) = field(s, "body")
            .and_then(|body| generic_args(body).first().copied())
            .and_then(last_ident)
        {
            out.insert(s.ident.to_string(), name);
        }
    }
    out
}

/// A type as the client crate writes it: paths into the types module get
/// `prefix` (`types`, or `metronome_client::types` in the tests), absolute
/// paths stay, the standard names stay, generic arguments are qualified too.
pub fn qualify(ty: &Type, prefix: &syn::Path) -> Type {
    let Type::Path(path) = ty else {
        return ty.clone();
    };
    let mut out = path.clone();
    for segment in &mut out.path.segments {
        if let PathArguments::AngleBracketed(args) = &mut segment.arguments {
            for arg in &mut args.args {
                if let GenericArgument::Type(t) = arg {
                    *t = qualify(t, prefix);
                }
            }
        }
    }
    let first = out
        .path
        .segments
        .first()
        .map(|s| s.ident.to_string())
        .unwrap_or_default();
    let standard = matches!(
        first.as_str(),
        "Option"
            | "Vec"
            | "Box"
            | "bool"
            | "f64"
            | "f32"
            | "i64"
            | "u64"
            | "i32"
            | "u32"
            | "String"
    );
    if out.path.leading_colon.is_some() || standard || out.qself.is_some() {
        return Type::Path(out);
    }
    // `types::X` (progenitor's own spelling) or `X` (inside `mod types`).
    let rest: Vec<syn::PathSegment> = out
        .path
        .segments
        .iter()
        .skip(usize::from(first == "types"))
        .cloned()
        .collect();
    let mut qualified = prefix.clone();
    qualified.segments.extend(rest);
    out.path = qualified;
    Type::Path(out)
}

/// The item type of a list type (`Vec<T>` → `T`), `_` when it is not one.
pub fn list_item(ty: &Type) -> Type {
    generic_args(ty)
        .first()
        .map_or_else(|| syn::parse_quote!(_), |t| (*t).clone())
}

/// `Option<T>` → (true, T); anything else → (false, itself).
pub fn optional(ty: &Type) -> (bool, &Type) {
    let flat = squash(ty);
    if (flat.starts_with("::std::option::Option<") || flat.starts_with("Option<"))
        && let Some(inner) = generic_args(ty).first()
    {
        return (true, inner);
    }
    (false, ty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualify_reaches_into_generics_and_leaves_absolute_paths() {
        let prefix: syn::Path = syn::parse_quote!(metronome_client::types);
        let cases = [
            ("Foo", "metronome_client::types::Foo"),
            ("types::Foo", "metronome_client::types::Foo"),
            (
                "::std::vec::Vec<Foo>",
                "::std::vec::Vec<metronome_client::types::Foo>",
            ),
            ("::uuid::Uuid", "::uuid::Uuid"),
            ("Option<types::Foo>", "Option<metronome_client::types::Foo>"),
        ];
        for (input, expected) in cases {
            let ty: Type = syn::parse_str(input).unwrap();
            assert_eq!(
                squash(&qualify(&ty, &prefix)),
                expected.replace(' ', ""),
                "{input}"
            );
        }
    }

    #[test]
    fn serde_rename_is_read_among_other_keys() {
        let item: syn::ItemStruct = syn::parse_quote! {
            struct X {
                #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
                type_: Option<String>,
            }
        };
        let Fields::Named(f) = &item.fields else {
            unreachable!()
        };
        assert_eq!(serde_rename(&f.named[0].attrs).as_deref(), Some("type"));
    }
}
