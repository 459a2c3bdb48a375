//! `tests/every_operation`: for every operation, a test that calls it the
//! way a user does, with example arguments, against a loopback server that
//! answers an example of the documented response (the answer must decode,
//! the request that went out is pinned as a snapshot), then sends the same
//! call to `metronome-mock`; and for every list, a walk across three pages.

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use super::{ident, literal, raw_string};
use crate::model::{Arg, Kind, Model, Op, Output, qualify};
use crate::pagination::Send;

/// `receiver.<handles>().<method>(<example arguments>)`.
pub fn call(tree: &Value, op: &Op, receiver: TokenStream, _: Option<()>) -> Result<TokenStream> {
    let handles = op.handle_path().into_iter().map(ident);
    let name = ident(&op.name);
    let args = op
        .positional()
        .into_iter()
        .map(|a| example_arg(tree, a))
        .collect::<Result<Vec<_>>>()?;
    // The required arguments the method does not take, by name.
    let needed = op.required_setters();
    let setters = needed.iter().map(|a| ident(&a.setter));
    let values = needed
        .iter()
        .map(|a| example_arg(tree, a))
        .collect::<Result<Vec<_>>>()?;
    Ok(quote!(#receiver #( .#handles() )* .#name(#(#args),*) #( .#setters(#values) )*))
}

/// A Rust expression for an example value of `arg`, as a caller would
/// pass it to the entry method.
fn example_arg(tree: &Value, arg: &Arg) -> Result<TokenStream> {
    let json = crate::examples::example(tree, &arg.schema, &arg.wire);
    example_of(&arg.kind, &arg.raw_ty, &json)
}

fn example_of(kind: &Kind, ty: &syn::Type, json: &Value) -> Result<TokenStream> {
    Ok(match kind {
        Kind::Id | Kind::Timestamp | Kind::Text | Kind::NewText(_) | Kind::Enum(_) => {
            let text = match json {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            quote!(#text)
        }
        Kind::Bool => quote!(true),
        Kind::Number(t) => {
            let lit = literal(&format!("{}_{t}", number_literal(json, &t.to_string())))?;
            quote!(#lit)
        }
        Kind::NonZero => {
            let lit = literal(&format!("{}_u64", number_literal(json, "u64")))?;
            quote!(#lit)
        }
        Kind::List(item) => {
            let item_ty = crate::model::syntax::list_item(ty);
            let first = json
                .as_array()
                .and_then(|a| a.first())
                .cloned()
                .unwrap_or(Value::Null);
            let item = example_of(item, &item_ty, &first)?;
            quote!([#item])
        }
        Kind::Other(_) => {
            let t = qualify(ty, &syn::parse_quote!(metronome_client::types));
            let text = raw_string(&json.to_string())?;
            quote!(serde_json::from_str::<#t>(#text).unwrap())
        }
    })
}

fn number_literal(json: &Value, ty: &str) -> String {
    let n = json.as_f64().unwrap_or(1.0);
    if ty.starts_with('f') {
        format!("{n:?}")
    } else {
        format!("{}", n as i64)
    }
}

/// The operation's path with example values in its parameters.
fn example_path(tree: &Value, op: &Op) -> String {
    let mut path = op.path.clone();
    for p in op.params.iter().filter(|p| p.required) {
        let json = crate::examples::example(tree, &p.schema, &p.wire);
        let text = json
            .as_str()
            .map_or_else(|| json.to_string(), str::to_string);
        path = path.replace(&format!("{{{}}}", p.wire), &text);
    }
    path
}

/// The test of one operation.
fn operation_test(tree: &Value, op: &Op) -> Result<TokenStream> {
    let path = example_path(tree, op);
    let (content_type, body) = match (&op.output, op.response_schema.is_null()) {
        (Output::Bytes, _) => ("application/pdf", "%PDF-1.4 example".to_string()),
        (_, true) => ("application/json", String::new()),
        (_, false) => {
            let mut example = crate::examples::example(tree, &op.response_schema, "response");
            // One page: the walk's `send()` reads the first only anyway.
            for cursor in ["next_page", "cursor"] {
                if let Some(v) = example.get_mut(cursor) {
                    *v = Value::Null;
                }
            }
            ("application/json", example.to_string())
        }
    };
    let body = raw_string(&body)?;
    let decoded = match op.output {
        Output::Bytes => quote!(assert_eq!(&answer.unwrap()[..], b"%PDF-1.4 example");),
        _ => quote!(answer.unwrap();),
    };
    let test = ident(&op.method);
    let name = &op.method;
    let http = &op.http_method;
    let to_loopback = call(tree, op, quote!(sdk(&server.base_url())), None)?;
    let to_mock = call(tree, op, quote!(mock_client(&fake)), None)?;
    Ok(quote! {
        #[tokio::test]
        async fn #test() {
            let server = MockServer::start_async().await;
            let recorder = Recorder::default();
            let mock = server.mock_async(|when, then| {
                when.method(#http).path(#path).is_true(recorder.matcher());
                then.status(200).header("content-type", #content_type).body(#body);
            }).await;
            let answer = #to_loopback.send().await;
            assert!(answer.is_ok(), "{answer:?}");
            #decoded
            mock.assert_async().await;
            // Beside the other snapshots, not in the generated folder.
            insta::with_settings!({ snapshot_path => "../../snapshots" }, {
                insta::assert_json_snapshot!(#name, recorder.requests());
            });
            let fake = metronome_mock::MockMetronome::start().await;
            let again = #to_mock.send().await;
            assert!(again.is_ok(), "metronome-mock: {again:?}");
        }
    })
}

/// A test that walks three pages of a list: the cursor goes where the
/// description says (query or body), comes back where it says, and every
/// page's items arrive once.
fn walk_test(tree: &Value, op: &Op, send: &Send, receive: &str) -> Result<TokenStream> {
    let name = match send {
        Send::Query(n) | Send::Body(n) => n.as_str(),
        Send::Nowhere => return Ok(TokenStream::new()),
    };
    let path = example_path(tree, op);
    // Cursors typed as uuids get uuid-shaped ones (the example of the
    // cursor field is made from its schema, so it tells the format).
    let example = crate::examples::example(tree, &op.response_schema, "response");
    let at_cursor = match receive.split_once('.') {
        Some((outer, inner)) => example.get(outer).and_then(|o| o.get(inner)),
        None => example.get(receive),
    };
    let uuid_cursors = at_cursor
        .and_then(Value::as_str)
        .is_some_and(|text| text.len() == 36 && text.matches('-').count() == 4);
    let (cursor_1, cursor_2) = if uuid_cursors {
        (
            "00000000-0000-4000-8000-00000000c001",
            "00000000-0000-4000-8000-00000000c002",
        )
    } else {
        ("cursor-1", "cursor-2")
    };
    let page = |next: Option<&str>| {
        let mut example = example.clone();
        let next = next.map_or(Value::Null, |c| Value::String(c.to_string()));
        let holder = match receive.split_once('.') {
            Some((outer, _)) => example.get_mut(outer),
            None => Some(&mut example),
        };
        let key = receive.rsplit('.').next().unwrap_or(receive);
        if let Some(obj) = holder.and_then(Value::as_object_mut) {
            obj.insert(key.to_string(), next);
        }
        raw_string(&example.to_string())
    };
    let first = match send {
        Send::Query(_) => quote!(.query_param_missing(#name)),
        _ => {
            let quoted = format!("\"{name}\"");
            quote!(.body_excludes(#quoted))
        }
    };
    let then = |cursor: &str| match send {
        Send::Query(_) => quote!(.query_param(#name, #cursor)),
        _ => {
            let body = serde_json::json!({ name: cursor }).to_string();
            quote!(.json_body_includes(#body))
        }
    };
    let http = &op.http_method;
    let mut mocks = Vec::new();
    for (matcher, next) in [
        (first, Some(cursor_1)),
        (then(cursor_1), Some(cursor_2)),
        (then(cursor_2), None),
    ] {
        let body = page(next)?;
        mocks.push(quote! {
            pages.push(server.mock_async(|when, then| {
                when.method(#http).path(#path) #matcher;
                then.status(200).header("content-type", "application/json").body(#body);
            }).await);
        });
    }
    let test = ident(&format!("{}_walks_three_pages", op.method));
    let walk = call(tree, op, quote!(sdk(&server.base_url())), None)?;
    Ok(quote! {
        #[tokio::test]
        async fn #test() {
            let server = MockServer::start_async().await;
            let mut pages = Vec::new();
            #(#mocks)*
            let items: Vec<_> = futures::TryStreamExt::try_collect(#walk.stream()).await.unwrap();
            assert_eq!(items.len(), 3, "one item on each of three pages");
            for page in &pages { page.assert_async().await; }
        }
    })
}

/// The tests of `ops` (each operation's, then each list's walk).
pub fn tests(tree: &Value, ops: &[&Op]) -> Result<TokenStream> {
    let mut items = Vec::new();
    for op in ops {
        items.push(operation_test(tree, op)?);
    }
    for op in ops {
        if let Some((send, receive)) = &op.walk {
            items.push(walk_test(tree, op, send, receive)?);
        }
    }
    Ok(quote!(#(#items)*))
}

/// The tests as files, relative to their folder: `mod.rs` and one file
/// per resource handle with operations.
pub fn render_files(spec_name: &str, model: &Model, tree: &Value) -> Result<Vec<(String, String)>> {
    let mut by_handle: std::collections::BTreeMap<&[String], Vec<&Op>> = Default::default();
    for op in &model.ops {
        by_handle.entry(&op.resource).or_default().push(op);
    }
    let mut files = Vec::new();
    let mut modules = Vec::new();
    for (node, ops) in &by_handle {
        let (module, path) = crate::model::handle_module(node);
        let m = ident(&module);
        modules.push(quote! {
            #[path = #path]
            mod #m;
        });
        let what = format!(
            " Each operation of `{}` called with example arguments, its request pinned; each list walked across three pages.",
            node.join(".")
        );
        let tests = tests(tree, ops)?;
        let body = super::unparse(
            quote! {
                #![doc = #what]
                use httpmock::prelude::*;
                use metronome_integration_tests::{Recorder, mock_client, sdk};
                #tests
            },
            "a resource's generated tests",
        )?;
        let header = crate::generate::part_header(
            spec_name,
            &format!("the operations of `{}`", node.join(".")),
            &crate::model::input_hash(tree, ops),
            "emit/client_tests.rs",
        );
        files.push((path, format!("{header}{body}")));
    }
    // What each operation's body decodes into, for the test that decodes
    // Metronome's own request examples (read in place from the reference).
    let arms = model.ops.iter().filter_map(|op| {
        let route = &op.route;
        let ty = match &op.body {
            crate::model::Body::Object { ty, .. } => quote!(metronome_client::types::#ty),
            crate::model::Body::List(arg) => {
                let item = crate::model::syntax::list_item(&arg.ty);
                quote!(::std::vec::Vec<metronome_client::#item>)
            }
            crate::model::Body::None => return None,
        };
        Some(quote! {
            #route => Some(serde_json::from_value::<#ty>(value).map(drop).map_err(|e| e.to_string())),
        })
    });
    let bodies = super::unparse(
        quote! {
            //! The body type of each operation that sends one, by route.

            /// Decodes `value` as the body of the operation at `route`
            /// (`POST /v1/usage`); `None` when it sends no JSON body.
            pub fn decode_body(route: &str, value: serde_json::Value) -> Option<Result<(), String>> {
                match route {
                    #(#arms)*
                    _ => None,
                }
            }
        },
        "the generated body table",
    )?;
    let routes: Vec<&str> = model.ops.iter().map(|op| op.route.as_str()).collect();
    let header = crate::generate::part_header(
        spec_name,
        "its request bodies",
        &crate::generate::sha256(serde_json::json!(routes).to_string().as_bytes()),
        "emit/client_tests.rs",
    );
    files.push(("bodies.rs".to_string(), format!("{header}{bodies}")));
    let count = format!(" that decodes. {} operations.", model.ops.len());
    let body = super::unparse(
        quote! {
            //! Every operation of the description, called the way a user calls it
            //! (`client.<resource>()…<method>(required arguments)`) with example
            //! arguments against a loopback server that answers an example of the
            //! documented response: the answer must decode, and the request that went
            //! out is pinned as a snapshot. The same call then goes to `metronome-mock`,
            //! which must accept it (its checks of the description) and answer something
            #![doc = #count]
            #![allow(deprecated, clippy::all)]
            pub mod bodies;
            #(#modules)*
        },
        "the generated tests' mod.rs",
    )?;
    let listed: Vec<_> = by_handle.keys().collect();
    let header = crate::generate::part_header(
        spec_name,
        "its resources",
        &crate::generate::sha256(serde_json::json!(listed).to_string().as_bytes()),
        "emit/client_tests.rs",
    );
    files.insert(0, ("mod.rs".to_string(), format!("{header}{body}")));
    Ok(files)
}
