//! Where a request goes after it is built: the retry loop with its
//! per-attempt timeout and body cap ([`retry`]), the user's middleware
//! below it ([`middleware`]), the client's way to the API
//! ([`connection`]), the call handed down with each request and what comes
//! back ([`call`]), the settings one call overrides
//! ([`options`]), and the cursor read ahead from a page's bytes
//! ([`cursor`]). Below the error type: it reports what happened and never
//! builds an [`Error`](crate::Error) itself.

pub(crate) mod call;
pub(crate) mod connection;
pub(crate) mod cursor;
pub mod middleware;
pub(crate) mod options;
pub(crate) mod retry;
