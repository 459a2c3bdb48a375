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

/// How a cursor field is typed: text or a uuid, optional or not.
#[derive(Clone, Copy)]
struct CursorType {
    optional: bool,
    uuid: bool,
}

/// `Option<String>`, `String`, `Option<Uuid>` or `Uuid`; anything else
/// cannot carry a cursor here.
fn cursor_type(ty: &Type) -> Option<CursorType> {
    let written = text(ty).replace(' ', "");
    let (optional, uuid) = match written.as_str() {
        "::std::option::Option<::std::string::String>" => (true, false),
        "::std::string::String" => (false, false),
        "::std::option::Option<::uuid::Uuid>" => (true, true),
        "::uuid::Uuid" => (false, true),
        _ => return None,
    };
    Some(CursorType { optional, uuid })
}

/// `value` (an expression of a cursor field of type `ty`) as an
/// `Option<String>` expression.
fn cursor_text(value: &str, ty: CursorType) -> String {
    match (ty.optional, ty.uuid) {
        (true, false) => value.to_string(),
        (false, false) => format!("Some({value})"),
        (true, true) => format!("{value}.map(|id| id.to_string())"),
        (false, true) => format!("Some({value}.to_string())"),
    }
}

/// The expression that takes the next cursor out of `response`, and
/// whether the cursor is typed as a uuid.
fn next_cursor(
    structs: &HashMap<String, syn::ItemStruct>,
    response: &syn::ItemStruct,
    receive: &str,
) -> Result<(String, bool), String> {
    match receive.split_once('.') {
        None => match field(response, receive).and_then(cursor_type) {
            Some(ty) => Ok((cursor_text(&format!("response.{receive}"), ty), ty.uuid)),
            None => Err(format!("its `{receive}` is neither a string nor a uuid")),
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
            let (tail, uuid) = match field(nested, inner).and_then(cursor_type) {
                Some(ty) => (cursor_text(&format!("p.{inner}"), ty), ty.uuid),
                None => {
                    return Err(format!(
                        "its `{outer}.{inner}` is neither a string nor a uuid"
                    ));
                }
            };
            let expression = if optional {
                format!("response.{outer}.and_then(|p| {tail})")
            } else {
                format!("{{ let p = response.{outer}; {tail} }}")
            };
            Ok((expression, uuid))
        }
    }
}

/// The statement that puts `cursor` into the request; `uuid` when the
/// field is typed as one (a cursor that is not a uuid then fails the
/// request before it is sent, as the builder's conversion errors do).
fn set_cursor(send: &Send, uuid: bool) -> Result<String, String> {
    match send {
        Send::Query(name) if uuid => Ok(format!("self.{name}(crate::UuidCursor(cursor))")),
        Send::Query(name) => Ok(format!("self.{name}(cursor)")),
        Send::Body(name) if uuid => Ok(format!(
            "self.body_map(|body| body.{name}(crate::UuidCursor(cursor)))"
        )),
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
            let (next, uuid) = next_cursor(&structs, response, &op.receive)?;
            let sent_as_uuid = match &op.send {
                Send::Body(name) => {
                    let body = bodies
                        .get(&builder)
                        .and_then(|b| structs.get(b))
                        .ok_or("no typed JSON body")?;
                    field(body, name)
                        .and_then(cursor_type)
                        .ok_or(format!(
                            "the body's `{name}` is neither a string nor a uuid"
                        ))?
                        .uuid
                }
                _ => uuid,
            };
            let set = set_cursor(&op.send, sent_as_uuid)?;
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
                // A uuid's text may be written differently from its
                // decoded form: such a cursor is not read ahead.
                cursor_path = if uuid {
                    String::new()
                } else {
                    op.receive
                        .split('.')
                        .map(|part| format!("{part:?}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
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
