//! Implements `Paginated` (the client crate's trait, `paginate.rs`) for the
//! builder of every paginated operation, so that generic code can walk any
//! of them. Every type is read from the generated code itself (the
//! builder's `send` signature, the response struct's fields), not guessed.

use std::collections::HashMap;

use heck::ToPascalCase;
use quote::ToTokens;
use syn::{Fields, GenericArgument, ImplItem, Item, PathArguments, ReturnType, Type};

use crate::pagination::{Paginated, Send};

/// Why an operation could not be given an impl.
pub struct Skipped {
    pub method_name: String,
    pub reason: String,
}

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
        .filter_map(|a| {
            if let GenericArgument::Type(t) = a {
                Some(t)
            } else {
                None
            }
        })
        .collect()
}

pub fn last_ident(ty: &Type) -> Option<String> {
    let Type::Path(path) = ty else { return None };
    path.path.segments.last().map(|s| s.ident.to_string())
}

fn text(ty: &Type) -> String {
    ty.to_token_stream().to_string()
}

/// A type written inside `mod types`, as seen from the crate root module
/// of the generated code.
fn from_types(ty: &Type) -> String {
    let written = text(ty);
    if written.starts_with("::") {
        written
    } else {
        format!("types::{written}")
    }
}

/// The items of the generated code's top-level module `name` (`types`,
/// `builder`, `paginated_operations`); none if it is absent.
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

/// The generated structs of `mod types`, by name.
fn structs(file: &syn::File) -> HashMap<String, syn::ItemStruct> {
    let mut out = HashMap::new();
    for inner in module_items(file, "types") {
        if let Item::Struct(s) = inner {
            out.insert(s.ident.to_string(), s.clone());
        }
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
            let (Some(response), Some(error)) = (
                generic_args(ok).first().copied().cloned(),
                generic_args(err).first().copied().cloned(),
            ) else {
                continue;
            };
            out.insert(name.clone(), (response, error));
        }
    }
    out
}

/// The body type each operation builder holds (`body: Result<types::builder::X, String>`).
fn body_types(file: &syn::File) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for inner in module_items(file, "builder") {
        let Item::Struct(s) = inner else { continue };
        let Some(body) = field(s, "body") else {
            continue;
        };
        if let Some(name) = generic_args(body).first().and_then(|t| last_ident(t)) {
            out.insert(s.ident.to_string(), name);
        }
    }
    out
}

fn field<'s>(structure: &'s syn::ItemStruct, name: &str) -> Option<&'s Type> {
    let Fields::Named(fields) = &structure.fields else {
        return None;
    };
    fields
        .named
        .iter()
        .find(|f| f.ident.as_ref().is_some_and(|i| i == name))
        .map(|f| &f.ty)
}

/// `Option<String>` or `String`; anything else cannot carry a cursor here.
fn string_cursor(ty: &Type) -> Option<bool> {
    let written = text(ty).replace(' ', "");
    match written.as_str() {
        "::std::option::Option<::std::string::String>" => Some(true),
        "::std::string::String" => Some(false),
        _ => None,
    }
}

/// The expression that takes the next cursor out of `response`.
fn next_cursor(
    structs: &HashMap<String, syn::ItemStruct>,
    response: &syn::ItemStruct,
    receive: &str,
) -> Result<String, String> {
    match receive.split_once('.') {
        None => match field(response, receive).and_then(string_cursor) {
            Some(true) => Ok(format!("response.{receive}")),
            Some(false) => Ok(format!("Some(response.{receive})")),
            None => Err(format!("its `{receive}` is not a string")),
        },
        Some((outer, inner)) => {
            let outer_ty = field(response, outer).ok_or(format!("no `{outer}` field"))?;
            let (optional, nested) = match generic_args(outer_ty).first() {
                Some(arg) if text(outer_ty).contains("Option") => (true, last_ident(arg)),
                _ => (false, last_ident(outer_ty)),
            };
            let nested = nested
                .and_then(|n| structs.get(&n))
                .ok_or(format!("`{outer}` is not a generated struct"))?;
            let tail = match field(nested, inner).and_then(string_cursor) {
                Some(true) => format!("p.{inner}"),
                Some(false) => format!("Some(p.{inner})"),
                None => return Err(format!("its `{outer}.{inner}` is not a string")),
            };
            Ok(if optional {
                format!("response.{outer}.and_then(|p| {tail})")
            } else {
                format!("{{ let p = response.{outer}; {tail} }}")
            })
        }
    }
}

/// The statement that puts `cursor` into the request.
fn set_cursor(send: &Send) -> Result<String, String> {
    match send {
        Send::Query(name) => Ok(format!("self.{name}(cursor)")),
        Send::Body(name) => Ok(format!(
            "self.body_map(|body| body.{name}(Some(cursor.to_string())))"
        )),
        Send::Nowhere => Err("the request has no field to send the cursor back in".into()),
    }
}

/// The impls, as Rust source to append to `generated.rs`, and the
/// operations that could not get one.
pub fn emit(file: &syn::File, paginated: &[Paginated]) -> (String, Vec<Skipped>) {
    let structs = structs(file);
    let sends = send_types(file);
    let bodies = body_types(file);
    let mut out = String::from(
        "\n/// `Paginated` for every paginated operation (emitted by `cargo xtask gen` from the\n\
         /// description's pagination table).\n\
         mod paginated_operations {\n    use super::{builder, types, Error, ResponseValue};\n    use crate::Paginated;\n",
    );
    let mut skipped = Vec::new();
    for op in paginated {
        let builder = op.operation_id.to_pascal_case();
        let attempt = (|| -> Result<String, String> {
            let (response_ty, error_ty) = sends.get(&builder).ok_or("no builder with a `send`")?;
            let response = last_ident(response_ty)
                .and_then(|n| structs.get(&n))
                .ok_or("the response is not a generated struct")?;
            let data = field(response, "data").ok_or("no `data` field")?;
            let item = generic_args(data)
                .first()
                .map(|t| from_types(t))
                .ok_or("`data` is not a Vec")?;
            let next = next_cursor(&structs, response, &op.receive)?;
            let set = set_cursor(&op.send)?;
            if let Send::Body(name) = &op.send {
                let body = bodies
                    .get(&builder)
                    .and_then(|b| structs.get(b))
                    .ok_or("no typed JSON body")?;
                if field(body, name).and_then(string_cursor).is_none() {
                    return Err(format!("the body's `{name}` is not a string"));
                }
            }
            Ok(format!(
                "    impl<'a> Paginated<'a> for builder::{builder}<'a> {{\n        \
                 type Response = {response};\n        type Item = {item};\n        type ErrorBody = {error};\n        \
                 const OPERATION: &'static str = \"{method}\";\n        \
                 const CURSOR: &'static [&'static str] = &[{cursor_path}];\n        \
                 fn with_cursor(self, cursor: &str) -> Self {{ {set} }}\n        \
                 fn split(response: Self::Response) -> (::std::vec::Vec<Self::Item>, ::std::option::Option<::std::string::String>) {{ (response.data, {next}) }}\n        \
                 fn send_page(self) -> impl ::std::future::Future<Output = Result<ResponseValue<Self::Response>, Error<Self::ErrorBody>>> + Send + 'a {{ self.send() }}\n    }}\n",
                response = text(response_ty),
                error = text(error_ty),
                method = op.method_name,
                cursor_path = op
                    .receive
                    .split('.')
                    .map(|part| format!("{part:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            ))
        })();
        match attempt {
            Ok(code) => out.push_str(&code),
            Err(reason) => skipped.push(Skipped {
                method_name: op.method_name.clone(),
                reason,
            }),
        }
    }
    out.push_str("}\n");
    (out, skipped)
}
