//! The request and response types of the [Metronome](https://metronome.com)
//! API: structs and enums with serde, written by `cargo xtask gen` from the
//! workspace's `openapi.yaml` into `generated/` (never edited by hand).
//!
//! - every body, parameter and answer type of the description, with its
//!   field docs;
//! - `builder`, with the `builders` feature: progenitor's builders for the
//!   request bodies, which `metronome-api` uses;
//! - `X::new(required…)` for every type a request carries (the optional
//!   fields are left out; struct update syntax sets the rest);
//! - the enums a request takes decode in lower, upper or capitalised case
//!   (`"day"`, `"DAY"`, `"Day"`), as Metronome's own examples write them.
//!
//! No HTTP client: `metronome-api` and `metronome-client` re-export this
//! crate as their `types`, and it builds beside their TLS chain.
//!
//! ```
//! use metronome_types::WindowSize;
//!
//! let size: WindowSize = serde_json::from_str("\"DAY\"").unwrap();
//! assert_eq!(size, WindowSize::Day);
//! assert_eq!(serde_json::to_string(&size).unwrap(), "\"DAY\"");
//! ```

#[allow(missing_docs, clippy::all)]
#[rustfmt::skip]
// With `--cfg metronome_fixture`, the types generated from the emitters'
// fixture instead (`scripts/fixture-check.sh`).
#[cfg_attr(
    metronome_fixture,
    path = "../../../xtask/tests/fixture/crates/metronome-types/src/generated/mod.rs"
)]
mod generated;

pub use generated::*;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
