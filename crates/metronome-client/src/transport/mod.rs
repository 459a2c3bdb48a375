//! Where a request goes after it is built: the retry loop with its
//! per-attempt timeout and body cap ([`retry`]), the user's middleware
//! below it ([`middleware`]), the client's way to the API
//! ([`connection`]), the call handed down with each request and what comes
//! back ([`call`]), the settings one call overrides
//! ([`options`]), the cursor read ahead from a page's bytes
//! ([`cursor`]), and the low-level client's seat on the same path
//! (`low_level`, with the `api` feature). Below the error type: it reports what happened and never
//! builds an [`Error`](crate::Error) itself.

pub(crate) mod call;
pub(crate) mod connection;
pub(crate) mod cursor;
#[cfg(feature = "api")]
pub(crate) mod low_level;
pub mod middleware;
pub(crate) mod options;
pub(crate) mod retry;
