//! The emitters: each reads the operation model (`crate::model`) and
//! writes one kind of output. Rust is produced as tokens (`quote!`) and
//! printed once by prettyplease; Markdown and JSON are written as text.
//!
//! - `client`: the per-resource request builders of `metronome-client`;
//! - `client_tests`: one test per operation (`tests/every_operation`);
//! - `operations_table`: `OPERATIONS.md`;
//! - `pagination`: the low-level crate's `Paginated` impls;
//! - `mock`: the description `metronome-mock` serves.

pub mod client;
pub mod client_tests;
pub mod mock;
pub mod operations_table;
pub mod pagination;

use anyhow::{Context, Result};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// `#[doc = " line"]` for each line of `text` (an empty line stays empty).
pub fn doc(text: &str) -> TokenStream {
    let lines = text
        .trim_end()
        .lines()
        .map(|line| format!(" {line}").trim_end().to_string());
    quote! { #( #[doc = #lines] )* }
}

/// An identifier (raw when it is a keyword).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}

/// A literal written exactly as `text` (a raw string, a suffixed number).
pub fn literal(text: &str) -> Result<Literal> {
    text.parse::<Literal>()
        .map_err(|e| anyhow::anyhow!("`{text}` is not a literal: {e}"))
}

/// A raw string literal holding `text`, with enough `#`s.
pub fn raw_string(text: &str) -> Result<Literal> {
    let mut hashes = String::from("##");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    literal(&format!("r{hashes}\"{text}\"{hashes}"))
}

/// A float as a literal (`1.0`, `100.0`).
pub fn float(value: f64) -> Result<Literal> {
    literal(&format!("{value:?}"))
}

/// Prints tokens as a Rust file. `what` names the output in the error
/// when the tokens do not parse.
pub fn unparse(tokens: TokenStream, what: &str) -> Result<String> {
    let file: syn::File = syn::parse2(tokens).with_context(|| format!("{what} does not parse"))?;
    Ok(prettyplease::unparse(&file))
}

/// `#[cfg(feature = "x")]`, or `#[cfg(any(...))]` for several.
pub fn cfg<'a>(features: impl IntoIterator<Item = &'a String>) -> TokenStream {
    let features: Vec<&String> = features.into_iter().collect();
    match features.as_slice() {
        [one] => quote! { #[cfg(feature = #one)] },
        _ => quote! { #[cfg(any( #( feature = #features ),* ))] },
    }
}
