//! The per-operation layer of `metronome-client`: for every operation a
//! request builder with its required arguments positional, a setter per
//! optional argument (with the client's conversions and the description's
//! constraints), `send()`, and for lists the walk (`pages()`, `stream()`);
//! and the resource handles that reach them the way Metronome's SDKs
//! group the API (`x-resource`, `x-method`):
//! `client.contracts().rate_cards().rates().list(..)`.
//!
//! The code written here calls the hand-written framework of the client
//! crate (`operation/`, `pagination/`, `transport/options.rs`).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use proc_macro2::TokenStream;
use quote::quote;

use super::{cfg, doc, float, ident};
use crate::model::{Arg, Body, Fill, Kind, Limits, Model, Op, Output, Place, handle_name};

/// The resource tree: each handle (a resource path, `["v1", "customers"]`)
/// with the handles under it, its operations and the features that
/// compile it.
pub struct Handles<'m> {
    /// Parent → children (the client itself is the empty path; v1
    /// resources hang off it).
    pub children: BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
    pub methods: BTreeMap<Vec<String>, Vec<&'m Op>>,
    pub features: BTreeMap<Vec<String>, BTreeSet<String>>,
}

impl<'m> Handles<'m> {
    pub fn of(model: &'m Model) -> Result<Handles<'m>> {
        let mut handles = Handles {
            children: BTreeMap::new(),
            methods: BTreeMap::new(),
            features: BTreeMap::new(),
        };
        for op in &model.ops {
            for depth in 1..=op.resource.len() {
                let node = op.resource[..depth].to_vec();
                handles
                    .features
                    .entry(node.clone())
                    .or_default()
                    .insert(op.feature.clone());
                if node == ["v1"] {
                    continue;
                }
                let parent = parent_of(&node).to_vec();
                handles.children.entry(parent).or_default().insert(node);
            }
            handles
                .methods
                .entry(op.resource.clone())
                .or_default()
                .push(op);
        }
        // The gate is on the handle's module: its operations must all be
        // compiled with the same feature, or one of them would be compiled
        // without the low-level builder it calls.
        for (node, ops) in &handles.methods {
            let features: BTreeSet<&String> = ops.iter().map(|op| &op.feature).collect();
            if features.len() > 1 {
                anyhow::bail!(
                    "the operations of `{}` belong to several features ({:?}): tag them with one",
                    node.join("."),
                    features
                );
            }
        }
        Ok(handles)
    }

    /// Every handle, in order.
    pub fn nodes(&self) -> BTreeSet<Vec<String>> {
        let mut nodes: BTreeSet<Vec<String>> = self.children.values().flatten().cloned().collect();
        nodes.extend(self.methods.keys().cloned());
        nodes
    }

    fn gate(&self, node: &[String]) -> TokenStream {
        cfg(&self.features[node])
    }

    /// `impl Client { pub fn <child>(&self) -> Child<'_> }`, or for a
    /// nested handle `impl<'a> Parent<'a> { pub fn <child>(&self) -> Child<'a> }`:
    /// a child borrows the client, not its parent handle, so
    /// `let rates = client.contracts().rate_cards().rates();` holds.
    pub fn accessor(&self, parent: &[String], node: &[String]) -> TokenStream {
        let name = ident(node.last().map(String::as_str).unwrap_or_default());
        let handle = ident(&handle_name(node));
        let what = format!(" The `{}` operations.", node.join("."));
        if parent.is_empty() {
            quote! {
                impl Client {
                    #[doc = #what]
                    pub fn #name(&self) -> #handle<'_> { #handle { client: self } }
                }
            }
        } else {
            let owner = ident(&handle_name(parent));
            quote! {
                impl<'a> #owner<'a> {
                    #[doc = #what]
                    pub fn #name(&self) -> #handle<'a> { #handle { client: self.client } }
                }
            }
        }
    }

    /// A handle's struct and its operations' entry methods.
    pub fn handle(&self, tree: &serde_json::Value, node: &[String]) -> Result<TokenStream> {
        let handle = ident(&handle_name(node));
        let what = format!(
            " The `{}` operations: a handle borrowed from the client.",
            node.join(".")
        );
        let ops = self.methods.get(node);
        let example = match ops.and_then(|ops| example_op(ops)) {
            Some(op) => doc(&handle_example(tree, op)?),
            None => TokenStream::new(),
        };
        let methods = match ops {
            Some(ops) => {
                let entries = ops.iter().map(|op| entry_method(op)).collect::<Vec<_>>();
                quote! { impl #handle<'_> { #(#entries)* } }
            }
            None => TokenStream::new(),
        };
        Ok(quote! {
            #[doc = #what]
            #example
            #[derive(Debug, Clone, Copy)]
            pub struct #handle<'a> { pub(crate) client: &'a Client }
            #methods
        })
    }
}

/// The handle a handle hangs off: the one above it, or the client itself
/// (the empty path) for a v1 resource and for `v2`.
fn parent_of(node: &[String]) -> &[String] {
    match &node[..node.len().saturating_sub(1)] {
        [v1] if v1 == "v1" => &[],
        parent => parent,
    }
}

/// The operation a handle's example shows: the first whose required
/// arguments are all plain values (ids, text, instants, names), else the
/// first.
fn example_op<'o>(ops: &[&'o Op]) -> Option<&'o Op> {
    let plain = |op: &&&Op| {
        op.positional()
            .iter()
            .all(|a| !matches!(a.kind, Kind::Other(_) | Kind::List(_)))
    };
    ops.iter().find(plain).or(ops.first()).copied()
}

/// A doc example calling `op` with example arguments (compiled, not run):
/// Markdown around a call that prettyplease prints.
fn handle_example(tree: &serde_json::Value, op: &Op) -> Result<String> {
    let call = super::client_tests::call(tree, op, quote!(client), None)?;
    let printed = super::unparse(
        quote! {
            fn example() {
                let answer = #call.send().await?;
            }
        },
        "a handle's doc example",
    )?;
    let lines: Vec<&str> = printed
        .lines()
        .filter(|line| line.starts_with("    "))
        .map(|line| &line[4..])
        .collect();
    Ok(format!(
        "\n```no_run\n\
         # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {{\n\
         {}\n\
         # let _ = answer;\n\
         # Ok(())\n\
         # }}\n\
         ```",
        lines.join("\n")
    ))
}

/// The parameter type a caller passes, and the expression that turns
/// `value` into a `Result<T, String>` of the type the layer holds.
fn conversion(kind: &Kind, ty: &syn::Type, known: &[String]) -> (TokenStream, TokenStream) {
    let zero = crate::schema::messages::at_least(1, 0);
    match kind {
        // Text the description limits to a set of values: checked, and
        // sent in the description's spelling.
        Kind::Text | Kind::NewText(_) if !known.is_empty() => (
            quote!(impl Into<String>),
            text_chain(kind, known, false, None),
        ),
        Kind::Id => (quote!(impl IntoId), quote!(value.into_id())),
        Kind::Timestamp => (quote!(impl IntoTimestamp), quote!(value.into_timestamp())),
        Kind::Text => (
            quote!(impl Into<String>),
            quote!(Ok::<_, String>(value.into())),
        ),
        Kind::Bool => (quote!(bool), quote!(Ok::<_, String>(value))),
        // A float is refused when JSON cannot carry it (NaN, ±∞).
        Kind::Number(n) if n == "f64" => (quote!(#n), quote!(check::finite(value))),
        Kind::Number(n) => (quote!(#n), quote!(Ok::<_, String>(value))),
        Kind::NonZero => (
            quote!(u64),
            quote!(
                ::std::num::NonZeroU64::new(value)
                    .ok_or_else(|| #zero.to_string())
            ),
        ),
        Kind::Enum(name) => (
            quote!(impl IntoEnum<types::#name>),
            quote!(value.into_enum()),
        ),
        Kind::NewText(t) => (
            quote!(impl Into<String>),
            quote!(value.into().parse::<#t>().map_err(|e| e.to_string())),
        ),
        Kind::List(item) => {
            let item_ty = crate::model::syntax::list_item(ty);
            let (param, expr) = conversion(item, &item_ty, known);
            (
                quote!(impl IntoIterator<Item = #param>),
                quote! {
                    value.into_iter().enumerate()
                        .map(|(i, value)| (#expr).map_err(|e| format!("[{i}]: {e}")))
                        .collect::<Result<::std::vec::Vec<_>, String>>()
                },
            )
        }
        Kind::Other(t) => (quote!(impl IntoValue<#t>), quote!(value.into_value())),
    }
}

/// The checks of the description's constraints, chained on a converted
/// `Result` (a `NonZeroU64` is checked as the `u64` given, before it
/// becomes one).
fn checks(kind: &Kind, limits: &Limits) -> Result<Option<TokenStream>> {
    fn bound<T: quote::ToTokens>(value: Option<T>) -> TokenStream {
        match value {
            Some(v) => quote!(Some(#v)),
            None => quote!(None),
        }
    }
    let count = |v: Option<u64>| bound(v.map(proc_macro2::Literal::u64_unsuffixed));
    Ok(match kind {
        Kind::Number(_) | Kind::NonZero if limits.minimum.is_some() || limits.maximum.is_some() => {
            let min = bound(limits.minimum.map(float).transpose()?);
            let max = bound(limits.maximum.map(float).transpose()?);
            Some(quote!(.and_then(|v| check::range(v as f64, #min, #max).map(|()| v))))
        }
        Kind::List(_) if limits.min_items.is_some() || limits.max_items.is_some() => {
            let (min, max) = (count(limits.min_items), count(limits.max_items));
            Some(quote!(.and_then(|v| check::items(v.len(), #min, #max).map(|()| v))))
        }
        // `minProperties` on a map (a struct has its own fields to check).
        Kind::Other(t) if limits.min_properties.is_some() && is_map(t) => {
            let min = proc_macro2::Literal::u64_unsuffixed(limits.min_properties.unwrap_or(0));
            Some(quote!(.and_then(|v| check::properties(v.len(), #min).map(|()| v))))
        }
        Kind::Text | Kind::NewText(_)
            if limits.min_length.is_some() || limits.max_length.is_some() =>
        {
            let (min, max) = (count(limits.min_length), count(limits.max_length));
            Some(quote!(.and_then(|v| check::length(v.chars().count(), #min, #max).map(|()| v))))
        }
        _ => None,
    })
}

/// A map type: what `minProperties` can be checked on with `len()`.
fn is_map(ty: &syn::Type) -> bool {
    let written = crate::model::syntax::squash(ty);
    written.starts_with("::serde_json::Map<")
        || written.starts_with("::std::collections::BTreeMap<")
        || written.starts_with("::std::collections::HashMap<")
}

/// An argument's prose: its description, without the list of known
/// values the normalisation appended (the facts say it again).
pub fn prose(arg: &Arg) -> Option<String> {
    let text = arg.doc.as_deref()?;
    let text = match text.find("Known values:") {
        Some(at) if !arg.limits.known.is_empty() => &text[..at],
        _ => text,
    };
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// What a value is, from the description's facts: its kind, bounds,
/// allowed values and default, as one sentence or two.
pub fn facts(arg: &Arg) -> String {
    let limits = &arg.limits;
    let listing = |values: &[String]| {
        values
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    fn number(value: f64) -> String {
        if value.fract() == 0.0 && value.abs() < 1e15 {
            format!("{}", value as i64)
        } else {
            format!("{value}")
        }
    }
    let range = |min: Option<f64>, max: Option<f64>| match (min, max) {
        (Some(lo), Some(hi)) => format!(" from {} to {}", number(lo), number(hi)),
        (Some(lo), None) => format!(" of at least {}", number(lo)),
        (None, Some(hi)) => format!(" of at most {}", number(hi)),
        (None, None) => String::new(),
    };
    // `unit` in the plural; one of them is the singular without its `s`.
    let count = |min: Option<u64>, max: Option<u64>, unit: &str| {
        let of = |n: u64| {
            if n == 1 {
                format!("1 {}", unit.trim_end_matches('s'))
            } else {
                format!("{n} {unit}")
            }
        };
        match (min, max) {
            (Some(lo), Some(hi)) if lo == hi => format!(" of exactly {}", of(lo)),
            (Some(lo), Some(hi)) => format!(" of {lo} to {hi} {unit}"),
            (Some(lo), None) => format!(" of at least {}", of(lo)),
            (None, Some(hi)) => format!(" of at most {}", of(hi)),
            (None, None) => String::new(),
        }
    };
    fn scalar(
        kind: &Kind,
        limits: &Limits,
        count_text: &str,
        range_text: &str,
        listing: &dyn Fn(&[String]) -> String,
    ) -> String {
        match kind {
            Kind::Id => "a uuid (a `Uuid` or its text)".to_string(),
            Kind::Timestamp => "an instant (a `chrono::DateTime` or RFC 3339 text)".to_string(),
            Kind::Bool => "`true` or `false`".to_string(),
            Kind::Number(n) if n == "f64" => format!("a finite number{range_text}"),
            Kind::Number(_) => format!("a whole number{range_text}"),
            Kind::NonZero => format!(
                "a whole number{}",
                if range_text.is_empty() {
                    " of at least 1".to_string()
                } else {
                    range_text.to_string()
                }
            ),
            Kind::Enum(_) if !limits.values.is_empty() => {
                format!("one of {} (any case)", listing(&limits.values))
            }
            Kind::Enum(name) => format!("a `{name}`"),
            Kind::Text | Kind::NewText(_) if !limits.known.is_empty() => {
                format!("one of {} (any case)", listing(&limits.known))
            }
            Kind::Text | Kind::NewText(_) => format!("text{count_text}"),
            Kind::List(_) => "a list".to_string(),
            Kind::Other(t) => {
                let written = crate::model::syntax::squash(t);
                if written.contains("serde_json::Map")
                    || written.contains("BTreeMap")
                    || written.contains("HashMap")
                {
                    format!(
                        "an object of names to values{}",
                        if limits.min_properties.is_some() {
                            format!(
                                " with at least {} field(s)",
                                limits.min_properties.unwrap_or(0)
                            )
                        } else {
                            String::new()
                        }
                    )
                } else if written.contains("serde_json::Value") {
                    "any JSON value".to_string()
                } else {
                    let name = written.rsplit("::").next().unwrap_or(&written).to_string();
                    format!("a `{name}` (the type, or JSON of its shape)")
                }
            }
        }
    }
    let length = count(limits.min_length, limits.max_length, "characters");
    let range_text = range(limits.minimum, limits.maximum);
    let what = match &arg.kind {
        Kind::List(item) => {
            let items = count(limits.min_items, limits.max_items, "items");
            let each = scalar(item, limits, &length, &range_text, &listing);
            format!("a list{items}, each {each}")
        }
        kind => scalar(kind, limits, &length, &range_text, &listing),
    };
    let mut text = String::new();
    let mut chars = what.chars();
    if let Some(first) = chars.next() {
        text.extend(first.to_uppercase());
        text.push_str(chars.as_str());
    }
    text.push('.');
    if let Some(default) = &limits.default {
        let shown = match default {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        text.push_str(&format!(" Left out, the server takes `{shown}`."));
    }
    text
}

/// A text argument's conversion: the known values (in the description's
/// spelling), then a path segment's rule, then `checks` (the length), then
/// the type's own parse.
fn text_chain(
    kind: &Kind,
    known: &[String],
    path: bool,
    checks: Option<TokenStream>,
) -> TokenStream {
    let mut chain = if known.is_empty() {
        quote!(Ok::<String, String>(value.into()))
    } else {
        quote!(check::one_of(value.into(), &[#(#known),*]))
    };
    if path {
        chain.extend(quote!(.and_then(check::segment)));
    }
    chain.extend(checks);
    if let Kind::NewText(t) = kind {
        chain.extend(quote!(.and_then(|v| v.parse::<#t>().map_err(|e| e.to_string()))));
    }
    chain
}

/// One setter: converts, checks, records a problem or keeps the value.
fn setter(arg: &Arg, positional: bool) -> Result<TokenStream> {
    let known = &arg.limits.known;
    let (param, expr) = conversion(&arg.kind, &arg.ty, known);
    let required = if positional {
        " Required: the operation's method takes it as an argument."
    } else if arg.required {
        " Required: without it, sending fails before anything goes out."
    } else {
        ""
    };
    let text = match prose(arg) {
        Some(prose) => format!("{prose}\n\n{}{required}", facts(arg)),
        None => format!("`{}`: {}{required}", arg.wire, facts(arg)),
    };
    let docs = doc(&text);
    let zero = crate::schema::messages::at_least(1, 0);
    let text = matches!(arg.kind, Kind::Text | Kind::NewText(_));
    let path = arg.place == Place::Path;
    let converted = match (&arg.kind, checks(&arg.kind, &arg.limits)?) {
        // Text with more than its type to check: the known values (in the
        // description's spelling), then a path segment's rule, then the
        // length, then the type's own parse.
        (kind, checks) if text && (!known.is_empty() || path || checks.is_some()) => {
            text_chain(kind, known, path, checks)
        }
        // The range is checked on the number given, then it becomes a `NonZeroU64`.
        (Kind::NonZero, Some(checks)) => quote! {
            Ok::<u64, String>(value) #checks
                .and_then(|v| ::std::num::NonZeroU64::new(v).ok_or_else(|| #zero.to_string()))
        },
        (_, None) => expr,
        (_, Some(checks)) => quote!((#expr) #checks),
    };
    let name = ident(&arg.setter);
    let field = ident(&arg.field());
    let wire = &arg.wire;
    Ok(quote! {
        #docs
        pub fn #name(mut self, value: #param) -> Self {
            let converted = #converted;
            self.#field = self.problems.keep(#wire, converted);
            self
        }
    })
}

/// The operation's method on its handle: required arguments positional.
fn entry_method(op: &Op) -> TokenStream {
    let args = op.positional();
    let mut text = format!("{}\n\n{}", op.summary, op.description.trim_end());
    if !args.is_empty() {
        text.push_str("\n\n# Arguments\n");
        for arg in &args {
            let prose = prose(arg)
                .map(|p| format!("{} ", first_sentence(&p)))
                .unwrap_or_default();
            text.push_str(&format!("\n- `{}`: {prose}{}", arg.setter, facts(arg)));
        }
    }
    let docs = doc(&text);
    let route = format!(" `{}`", op.route);
    let deprecated = if op.deprecated {
        quote!(#[deprecated(note = "Metronome marks this operation deprecated")])
    } else {
        TokenStream::new()
    };
    let names: Vec<_> = args.iter().map(|a| ident(&a.setter)).collect();
    let types: Vec<_> = args
        .iter()
        .map(|a| conversion(&a.kind, &a.ty, &a.limits.known).0)
        .collect();
    let name = ident(&op.name);
    let builder = ident(&op.builder);
    quote! {
        #docs
        #[doc = ""]
        #[doc = #route]
        #deprecated
        pub fn #name(&self, #( #names: #types ),*) -> #builder {
            #builder::new(self.client.clone()) #( .#names(#names) )*
        }
    }
}

/// The first sentence of `text` (up to its first `. ` or its end), on one
/// line.
fn first_sentence(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.find(". ") {
        Some(at) => line[..=at].to_string(),
        None => line,
    }
}

/// An operation's request builder: its fields, setters, the low-level
/// request it makes, and `send()` (or the walk, for lists).
pub fn builder(op: &Op) -> Result<TokenStream> {
    let b = ident(&op.builder);
    let docs = doc(&format!(
        "A request to `{}` ({}): {}.",
        op.route,
        op.id,
        op.summary.trim_end_matches('.')
    ));
    let walk = matches!(op.output, Output::Page(_));
    // The cursor is no field: the walk hands it to `http()` for each page.
    let args = op.settable();
    let fields: Vec<_> = args.iter().map(|a| ident(&a.field())).collect();
    let field_types: Vec<_> = args.iter().map(|a| &a.ty).collect();
    let (limits_field, limits_init) = if walk {
        (
            quote!(pub(crate) limits: WalkLimits,),
            quote!(limits: WalkLimits::default(),),
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    // A list body's size limit, for callers that cut their own batches.
    let max_items = match &op.body {
        Body::List(a) => match a.limits.max_items {
            Some(max) => {
                let max = proc_macro2::Literal::u64_unsuffixed(max);
                quote! {
                    /// The most items one request may carry (the description's `maxItems`).
                    pub const MAX_ITEMS: usize = #max;
                }
            }
            None => TokenStream::new(),
        },
        _ => TokenStream::new(),
    };
    let positional: Vec<&str> = op.positional().iter().map(|a| a.wire.as_str()).collect();
    let setters = op
        .settable()
        .into_iter()
        .map(|arg| setter(arg, positional.contains(&arg.wire.as_str())))
        .collect::<Result<Vec<_>>>()?;
    let request = http_request(op)?;
    let period = match op.period() {
        Some((start, end)) => {
            let (start_field, end_field) = (ident(&start.field()), ident(&end.field()));
            let (start_wire, end_wire) = (&start.wire, &end.wire);
            quote! { check::period(#start_wire, self.#start_field.as_ref(), #end_wire, self.#end_field.as_ref())?; }
        }
        None => TokenStream::new(),
    };
    let method = &op.method;
    // Required arguments the method does not take: each must have been set.
    let needed = op.required_setters();
    let check = if needed.is_empty() {
        quote!(self.problems.check()?;)
    } else {
        let names = needed.iter().map(|a| &a.wire);
        let setters = needed.iter().map(|a| &a.setter);
        let fields = needed.iter().map(|a| ident(&a.field()));
        quote!(self.problems.check_required(&[ #( (#names, #setters, self.#fields.is_some()) ),* ])?;)
    };
    let wires: Vec<&String> = args.iter().map(|a| &a.wire).collect();
    let held = &fields;
    let (finish, after) = match &op.output {
        Output::Page(item) => {
            let Some(walk) = &op.page else {
                anyhow::bail!("{}: a page without its walk", op.id);
            };
            let response = &walk.response;
            let next = crate::emit::pagination::next(&walk.next);
            // A uuid's text may be written differently from its decoded
            // form: such a cursor is not read ahead.
            let read_ahead: Vec<&str> = if walk.next.cursor().uuid {
                Vec::new()
            } else {
                walk.receive.split('.').collect()
            };
            (
                quote! {
                    /// Checks the arguments (every problem is [`Error::InvalidRequest`], before anything is sent).
                    pub(crate) fn query(&self) -> Result<Self, Error> {
                        #check
                        #period
                        Ok(self.clone())
                    }
                },
                quote! {
                impl crate::operation::Arguments for #b {
                    fn argument(&self, name: &str) -> Option<&dyn ::std::any::Any> {
                        match name {
                            #( #wires => self.#held.as_ref().map(|v| v as &dyn ::std::any::Any), )*
                            _ => None,
                        }
                    }
                }
                crate::pagination::list_request!(#b, #item);
                impl PageQuery for #b {
                    type Item = #item;
                    const OPERATION: &'static str = #method;
                    fn fetch<'a>(&'a self, cursor: Option<&'a str>, at: PageCall) -> BoxFuture<'a, Result<Page<#item>, Error>> {
                        Box::pin(crate::pagination::fetch::fetch_page(
                            self.client.connection(),
                            self.http(cursor),
                            self.options,
                            at,
                            &[#(#read_ahead),*],
                            |response: #response| (response.data, #next),
                        ))
                    }
                }
                },
            )
        }
        output => {
            let ret = match output {
                Output::Unit => quote!(()),
                Output::Bytes => quote!(bytes::Bytes),
                Output::Data(t) | Output::Body(t) => quote!(#t),
                Output::Page(_) => unreachable!("lists are handled above"),
            };
            let response = &op.response;
            let send = match output {
                Output::Bytes => quote!(crate::operation::send::bytes),
                Output::Unit => quote!(crate::operation::send::unit),
                _ => quote!(crate::operation::send::json::<#response>),
            };
            let map = if matches!(output, Output::Data(_)) {
                quote!(.map(|response| response.map(|body| body.data)))
            } else {
                TokenStream::new()
            };
            let finish = quote! {
                /// Sends the request and returns the response's body. Invalid arguments fail with [`Error::InvalidRequest`] before anything is sent.
                pub fn send(self) -> BoxFuture<'static, Result<#ret, Error>> {
                    Box::pin(::futures::FutureExt::map(self.respond(), |r| r.map(Response::into_body)))
                }
                /// Sends the request and returns the body with the response's status and headers, as a [`Response`]. Invalid arguments fail as with `send()`.
                pub fn send_with_response(self) -> BoxFuture<'static, Result<Response<#ret>, Error>> {
                    Box::pin(self.respond())
                }
                async fn respond(self) -> Result<Response<#ret>, Error> {
                    #check
                    #period
                    #send(self.client.connection(), self.http(), self.options).await #map
                }
            };
            (finish, TokenStream::new())
        }
    };
    Ok(quote! {
        #docs
                #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is sent"]
        pub struct #b {
            pub(crate) client: Client,
            pub(crate) problems: Problems,
            pub(crate) options: CallOptions,
            #( pub(crate) #fields: Option<#field_types>, )*
            #limits_field
        }
                crate::transport::options::call_options!(#b);
                impl #b {
            #max_items
            pub(crate) fn new(client: Client) -> Self {
                Self {
                    client,
                    problems: Problems::default(),
                    options: CallOptions::default(),
                    #( #fields: None, )*
                    #limits_init
                }
            }
            #(#setters)*
            #request
            #finish
        }
        #after
    })
}

/// Whether a query value of this kind is written by `QueryValue` (the
/// others, string newtypes and other types, go through serde).
fn plain_query(kind: &Kind) -> bool {
    match kind {
        Kind::List(item) => plain_query(item),
        Kind::Id
        | Kind::Timestamp
        | Kind::Text
        | Kind::Bool
        | Kind::Number(_)
        | Kind::NonZero
        | Kind::Enum(_) => true,
        Kind::NewText(_) | Kind::Other(_) => false,
    }
}

/// `http()`: the HTTP request the checked arguments make: the path with
/// each parameter encoded as one segment, the query in progenitor's order
/// (by name; a list as repeated keys), the JSON body built as the body
/// type. A walkable operation's takes the cursor of the page to fetch.
fn http_request(op: &Op) -> Result<TokenStream> {
    let walk = matches!(op.output, Output::Page(_));
    let missing = quote!(crate::operation::request::missing);
    // The cursor, as the type of the argument it goes in.
    let cursor_arg = op
        .cursor
        .as_ref()
        .and_then(|c| op.args().into_iter().find(|a| &a.name == c));
    let cursor = match cursor_arg {
        Some(a) if walk && matches!(a.kind, Kind::Id) => quote! {
            let cursor = cursor.map(crate::operation::request::uuid_cursor).transpose()?;
        },
        Some(_) if walk => quote! {
            let cursor = cursor.map(str::to_string);
        },
        _ => TokenStream::new(),
    };
    // The argument the walk's cursor goes in.
    let is_cursor = |a: &Arg| walk && cursor_arg.is_some_and(|c| std::ptr::eq(c, a));
    // The value of an argument, as an `Option` of what the builder holds.
    let value = |a: &Arg| {
        let f = ident(&a.field());
        if is_cursor(a) {
            quote!(cursor.clone())
        } else {
            quote!(self.#f.clone())
        }
    };
    // The path: its template with `{}` for each parameter.
    let mut template = String::new();
    let mut segments = Vec::new();
    let mut rest = op.path.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|c| open + c) else {
            anyhow::bail!("{}: an unclosed `{{` in the path", op.id);
        };
        template.push_str(&rest[..open]);
        template.push_str("{}");
        let wire = &rest[open + 1..close];
        let Some(a) = op
            .params
            .iter()
            .find(|a| a.place == Place::Path && a.wire == wire)
        else {
            anyhow::bail!(
                "{}: the path names `{wire}`, which is no path parameter",
                op.id
            );
        };
        let f = ident(&a.field());
        segments.push(quote! {
            crate::operation::request::segment(self.#f.as_ref().ok_or_else(|| #missing(#wire))?)
        });
        rest = &rest[close + 1..];
    }
    template.push_str(rest);
    let path = if segments.is_empty() {
        quote!(#template.to_string())
    } else {
        quote!(format!(#template, #(#segments),*))
    };
    let mut query: Vec<&Arg> = op
        .params
        .iter()
        .filter(|a| a.place == Place::Parameter)
        .collect();
    query.sort_by(|a, b| a.name.cmp(&b.name));
    let query = query.iter().map(|a| {
        let wire = &a.wire;
        let f = ident(&a.field());
        if is_cursor(a) {
            quote!(request.query(#wire, &cursor);)
        } else if plain_query(&a.kind) {
            quote!(request.query(#wire, &self.#f);)
        } else {
            quote!(request.query_serialized(#wire, &self.#f)?;)
        }
    });
    let body = match &op.body {
        Body::Object {
            ty,
            fields,
            members,
            ..
        } => {
            let inits = members.iter().map(|m| {
                let name = &m.ident;
                let wire = &m.wire;
                let src = match m
                    .arg
                    .as_ref()
                    .and_then(|n| fields.iter().find(|a| &a.name == n))
                {
                    Some(a) => value(a),
                    None => quote!(None),
                };
                let filled = match &m.fill {
                    Fill::Option => src,
                    Fill::Required => quote!(#src.ok_or_else(|| #missing(#wire))?),
                    Fill::Default => quote!(#src.unwrap_or_default()),
                    Fill::DefaultFn {
                        path,
                        optional: true,
                    } => quote!(#src.or_else(types::#path)),
                    Fill::DefaultFn {
                        path,
                        optional: false,
                    } => quote!(#src.unwrap_or_else(types::#path)),
                };
                quote!(#name: #filled,)
            });
            quote! {
                request.json(&types::#ty { #(#inits)* })?;
            }
        }
        Body::List(a) => {
            let wire = &a.wire;
            quote!(request.json(self.body.as_ref().ok_or_else(|| #missing(#wire))?)?;)
        }
        Body::None => TokenStream::new(),
    };
    let method = ident(&op.http_method);
    let name = &op.method;
    let route = &op.path;
    let (signature, doc) = if walk {
        (
            quote!(pub(crate) fn http(&self, cursor: Option<&str>) -> Result<HttpRequest, Error>),
            " The HTTP request the checked arguments make, at `cursor` (the first page for `None`).",
        )
    } else {
        (
            quote!(pub(crate) fn http(&self) -> Result<HttpRequest, Error>),
            " The HTTP request the checked arguments make.",
        )
    };
    Ok(quote! {
        #[doc = #doc]
        #[allow(unused_mut, clippy::redundant_clone)]
        #signature {
            #cursor
            let path = #path;
            let mut request = HttpRequest::new(#name, ::reqwest::Method::#method, #route, path);
            #(#query)*
            #body
            Ok(request)
        }
    })
}

/// What every argument of every operation takes, lists looked through
/// (`Vec<RateType>` takes `RateType`).
fn taken_kinds(model: &Model) -> impl Iterator<Item = &Kind> {
    model.ops.iter().flat_map(|op| op.args()).map(|a| {
        let mut k = &a.kind;
        while let Kind::List(inner) = k {
            k = inner;
        }
        k
    })
}

/// The enums a request takes.
fn enum_names(model: &Model) -> BTreeSet<String> {
    taken_kinds(model)
        .filter_map(|k| match k {
            Kind::Enum(name) => Some(name.to_string()),
            _ => None,
        })
        .collect()
}

/// The generated types a request takes whole (`impl IntoValue<types::X>`):
/// each is also accepted as JSON of its shape (`impl JsonShaped`).
fn json_shaped(model: &Model) -> TokenStream {
    let names: BTreeSet<String> = taken_kinds(model)
        .filter_map(|k| match k {
            Kind::Other(t) => {
                let written = crate::model::syntax::squash(t);
                let name = written.strip_prefix("types::")?;
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    .then(|| name.to_string())
            }
            _ => None,
        })
        .collect();
    let impls = names.iter().map(|name| {
        let name = ident(name);
        quote!(impl JsonShaped for types::#name {})
    });
    quote!(#(#impls)*)
}

/// `impl RequestEnum` for every enum a request takes (a caller may name
/// its values in any case).
pub fn request_enums(model: &Model) -> TokenStream {
    let enums = enum_names(model);
    let impls = enums.iter().map(|name| {
        let values = &model.enums[name];
        let name = ident(name);
        quote! {
            impl RequestEnum for types::#name { const VALUES: &'static [&'static str] = &[#(#values),*]; }
        }
    });
    quote!(#(#impls)*)
}

/// What every file of the client layer imports.
fn imports() -> TokenStream {
    quote! {
        use crate::operation::{check, IntoEnum, IntoValue, Problems, RequestEnum};
        use crate::operation::request::HttpRequest;
        use crate::transport::options::CallOptions;
        use crate::pagination::{WalkLimits, PageQuery};
        use crate::pagination::fetch::PageCall;
        use crate::{Client, Error, IntoId, IntoTimestamp, Page, Response};
        use futures::future::BoxFuture;
        use metronome_types as types;
    }
}

/// The client layer as files, relative to its folder: `mod.rs` (the
/// modules, each behind its resource's feature; the request enums), one
/// file per resource handle and one per operation.
pub fn render_files(
    spec_name: &str,
    model: &Model,
    tree: &serde_json::Value,
) -> Result<Vec<(String, String)>> {
    let handles = Handles::of(model)?;
    let mut files = Vec::new();
    let mut modules = Vec::new();
    let mut facts = Vec::new();
    for node in handles.nodes() {
        let (module, path) = crate::model::handle_module(&node);
        let m = ident(&module);
        let gate = handles.gate(&node);
        modules.push(quote! {
            #gate
            #[path = #path]
            mod #m;
            #gate
            pub use #m::*;
        });
        let ops: Vec<&Op> = handles.methods.get(&node).cloned().unwrap_or_default();
        let chain = crate::model::handle_chain(&node);
        let parent = parent_of(&node);
        let parent_import = if parent.is_empty() {
            TokenStream::new()
        } else {
            let p = ident(&handle_name(parent));
            quote!(use super::#p;)
        };
        let accessor = handles.accessor(parent, &node);
        let handle = handles.handle(tree, &node)?;
        // Each operation's builder in a file of its own, in a folder named
        // after the handle's file: `v1/customers.rs`, `v1/customers/list.rs`.
        let folder = path
            .rsplit('/')
            .next()
            .unwrap_or(&path)
            .trim_end_matches(".rs")
            .to_string();
        let mut op_modules = Vec::new();
        for op in &ops {
            let file = format!("{folder}/{}.rs", op.name);
            let m = ident(&op.name);
            op_modules.push(quote! {
                #[path = #file]
                mod #m;
                pub use #m::*;
            });
            let what = format!(
                " `{}`: the request builder of `client{chain}.{}(..)`.",
                op.route, op.name
            );
            let imports = imports();
            let builder = builder(op)?;
            let body = super::unparse(
                quote! {
                    #![doc = #what]
                    #![allow(clippy::all, clippy::pedantic, unused_imports, unused_mut, unused_variables)]
                    #imports
                    #builder
                },
                "an operation's client file",
            )?;
            let header = crate::generate::part_header(
                spec_name,
                &format!("the operation `{}.{}`", node.join("."), op.name),
                &crate::model::input_hash(tree, &[op]),
                "emit/client.rs",
            );
            let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
            let relative = if dir.is_empty() {
                file
            } else {
                format!("{dir}/{file}")
            };
            files.push((relative, format!("{header}{body}")));
        }
        let what = format!(
            " The `{}` operations: the handle `{}` (`client{chain}`){}.",
            node.join("."),
            handle_name(&node),
            if ops.is_empty() {
                ""
            } else {
                ", its methods, and a module per operation with its request builder"
            }
        );
        let imports = imports();
        let body = super::unparse(
            quote! {
                #![doc = #what]
                #![allow(clippy::all, clippy::pedantic, unused_imports, unused_mut, unused_variables)]
                #imports
                #parent_import
                #(#op_modules)*
                #accessor
                #handle
            },
            "a resource's client file",
        )?;
        let features: Vec<&String> = handles.features[&node].iter().collect();
        facts.push(serde_json::json!([node, features]));
        let header = crate::generate::part_header(
            spec_name,
            &format!("the operations of `{}`", node.join(".")),
            &crate::model::input_hash(tree, &ops),
            "emit/client.rs",
        );
        files.push((path, format!("{header}{body}")));
    }
    let enums = request_enums(model);
    let shaped = json_shaped(model);
    let body = super::unparse(
        quote! {
            //! Every operation of the API as a request builder, and the resource
            //! handles that reach them (`client.contracts().rate_cards().list()`):
            //! one module per handle, compiled with its resource's feature.
            //! Generated from the description; the behaviour (conversions, checks,
            //! sending, the walk) is the hand-written framework's (`operation/`,
            //! `pagination/`).
            use crate::operation::{JsonShaped, RequestEnum};
            use metronome_types as types;
            #(#modules)*
            #enums
            #shaped
        },
        "the client layer's mod.rs",
    )?;
    // What mod.rs is made from: the handles and their features, the enums
    // requests take.
    let mut enum_facts: Vec<(String, Vec<String>)> = enum_names(model)
        .into_iter()
        .map(|name| {
            let values = model.enums[&name].clone();
            (name, values)
        })
        .collect();
    enum_facts.sort();
    let facts = serde_json::json!({"handles": facts, "enums": enum_facts});
    let header = crate::generate::part_header(
        spec_name,
        "its resources and request enums",
        &crate::generate::sha256(facts.to_string().as_bytes()),
        "emit/client.rs",
    );
    files.insert(0, ("mod.rs".to_string(), format!("{header}{body}")));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model of the project's own description.
    fn model() -> Model {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
        let mut tree = crate::load::read(std::path::Path::new(path)).unwrap().tree;
        crate::normalize::run(&mut tree);
        crate::generate::generate(&tree, true).unwrap().model
    }

    #[test]
    fn every_setter_and_positional_argument_has_prose() {
        let model = model();
        let mut bare = Vec::new();
        let mut setters = 0;
        for op in &model.ops {
            for arg in op.settable() {
                setters += 1;
                if prose(arg).is_none() {
                    let target = arg
                        .schema
                        .get("$ref")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("");
                    bare.push(format!("{}.{} {target}", op.id, arg.wire));
                }
            }
        }
        assert!(setters > 700, "only {setters} setters");
        assert!(
            bare.is_empty(),
            "{} of {setters} setters have no description in openapi/ (their docs would be facts only):\n{}",
            bare.len(),
            bare.join("\n")
        );
    }

    #[test]
    fn facts_say_kind_bounds_values_and_default() {
        let arg = |kind: Kind, limits: Limits| Arg {
            name: "x".into(),
            setter: "x".into(),
            wire: "x".into(),
            kind,
            ty: syn::parse_quote!(String),
            raw_ty: syn::parse_quote!(String),
            required: false,
            limits,
            doc: None,
            schema: serde_json::Value::Null,
            place: Place::Parameter,
        };
        let limit = Limits {
            minimum: Some(1.0),
            maximum: Some(100.0),
            default: Some(serde_json::json!(25)),
            ..Limits::default()
        };
        assert_eq!(
            facts(&arg(Kind::Number(ident("i64")), limit)),
            "A whole number from 1 to 100. Left out, the server takes `25`."
        );
        let names = Limits {
            min_items: Some(1),
            max_items: Some(10),
            min_length: Some(1),
            max_length: Some(128),
            ..Limits::default()
        };
        assert_eq!(
            facts(&arg(Kind::List(Box::new(Kind::Text)), names)),
            "A list of 1 to 10 items, each text of 1 to 128 characters."
        );
        let known = Limits {
            known: vec!["SUM".into(), "MAX".into()],
            ..Limits::default()
        };
        assert_eq!(
            facts(&arg(Kind::Text, known)),
            "One of `SUM`, `MAX` (any case)."
        );
        assert_eq!(
            facts(&arg(Kind::Timestamp, Limits::default())),
            "An instant (a `chrono::DateTime` or RFC 3339 text)."
        );
    }
}
