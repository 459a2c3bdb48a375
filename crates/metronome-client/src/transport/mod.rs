//! Where a request goes after it is built: the retry loop with its
//! per-attempt timeout and body cap ([`retry`]), the user's middleware
//! below it ([`middleware`]), the settings one call overrides
//! ([`options`]), what the transport saw of a call, handed back to the
//! error mapping ([`exchange`]), and the cursor read ahead from a page's
//! bytes ([`cursor`]). Below the error type: it reports what happened and
//! never builds an [`Error`](crate::Error) itself.

pub(crate) mod cursor;
pub(crate) mod exchange;
pub mod middleware;
pub(crate) mod options;
pub(crate) mod retry;
