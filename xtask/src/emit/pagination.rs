//! What the xtask adds to progenitor's low-level client: `Paginated` (the
//! low-level crate's trait, `paginate.rs`) for the builder of every
//! walkable operation, so that generic code can walk any of them (the
//! model read every type from the generated code); and the route table,
//! each operation's method and path template by its name.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::model::{CursorType, LowLevelWalk, Model, NextCursor};
use crate::pagination::Send;

/// `value` (an expression of a cursor field) as an `Option<String>`.
fn cursor_text(value: TokenStream, ty: CursorType) -> TokenStream {
    match (ty.optional, ty.uuid) {
        (true, false) => value,
        (false, false) => quote!(Some(#value)),
        (true, true) => quote!(#value.map(|id| id.to_string())),
        (false, true) => quote!(Some(#value.to_string())),
    }
}

/// The expression that takes the next cursor out of `response`.
pub(crate) fn next(next: &NextCursor) -> TokenStream {
    match next {
        NextCursor::Field { name, cursor } => {
            let name = ident(name);
            cursor_text(quote!(response.#name), *cursor)
        }
        NextCursor::Nested {
            outer,
            outer_optional,
            inner,
            cursor,
        } => {
            let (outer, inner) = (ident(outer), ident(inner));
            let tail = cursor_text(quote!(p.#inner), *cursor);
            if *outer_optional {
                quote!(response.#outer.and_then(|p| #tail))
            } else {
                quote!({ let p = response.#outer; #tail })
            }
        }
    }
}

/// The body of `with_cursor`: puts `cursor` into the request (a cursor
/// typed as a uuid that is not one fails the request before it is sent,
/// as the builder's conversion errors do).
fn set_cursor(walk: &LowLevelWalk) -> TokenStream {
    match &walk.send {
        Send::Query(name) => {
            let name = ident(name);
            if walk.sent_as_uuid {
                quote!(self.#name(crate::UuidCursor(cursor)))
            } else {
                quote!(self.#name(cursor))
            }
        }
        Send::Body(name) => {
            let name = ident(name);
            if walk.sent_as_uuid {
                quote!(self.body_map(|body| body.#name(crate::UuidCursor(cursor))))
            } else {
                quote!(self.body_map(|body| body.#name(Some(cursor.to_string()))))
            }
        }
        Send::Nowhere => quote!(self),
    }
}

/// The module of impls, appended to the low-level client.
pub fn emit(model: &Model) -> TokenStream {
    let impls = model.low_level_walks.iter().map(|(builder, walk)| {
        let b = ident(builder);
        let (response, error, item) = (&walk.response, &walk.error, &walk.item);
        let method = &walk.method;
        // A uuid's text may be written differently from its decoded form:
        // such a cursor is not read ahead.
        let cursor_path: Vec<&str> = if walk.next.cursor().uuid {
            Vec::new()
        } else {
            walk.receive.split('.').collect()
        };
        let set = set_cursor(walk);
        let next = next(&walk.next);
        quote! {
            impl<'a> Paginated<'a> for builder::#b<'a> {
                type Response = #response;
                type Item = #item;
                type ErrorBody = #error;
                const OPERATION: &'static str = #method;
                const CURSOR: &'static [&'static str] = &[#(#cursor_path),*];
                fn with_cursor(self, cursor: &str) -> Self { #set }
                fn split(response: Self::Response) -> (::std::vec::Vec<Self::Item>, ::std::option::Option<::std::string::String>) { (response.data, #next) }
                fn send_page(self) -> impl ::std::future::Future<Output = Result<ResponseValue<Self::Response>, Error<Self::ErrorBody>>> + Send + 'a { self.send() }
            }
        }
    });
    quote! {
        /// `Paginated` for every paginated operation (emitted by `cargo xtask gen` from the
        /// description's pagination table).
        mod paginated_operations {
            use super::{builder, types, Error, ResponseValue};
            use crate::Paginated;
            #(#impls)*
        }
    }
}

/// `operation_route`: each operation's method and path template, by the
/// name `OperationInfo::operation_id` gives it (what a request's span
/// shows), beside the operations it describes.
pub fn routes(model: &Model) -> TokenStream {
    let arms = model
        .routes
        .iter()
        .map(|(method, http, path)| quote!(#method => (#http, #path),));
    quote! {
        /// The HTTP method and path template of an operation, by the name
        /// [`OperationInfo::operation_id`](progenitor_client::OperationInfo)
        /// gives it (`customers_list` → `("GET", "/v1/customers")`).
        pub fn operation_route(operation_id: &str) -> Option<(&'static str, &'static str)> {
            Some(match operation_id {
                #(#arms)*
                _ => return None,
            })
        }
    }
}
