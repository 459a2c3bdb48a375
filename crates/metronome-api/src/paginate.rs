//! What a paginated operation is, for code that walks pages without knowing
//! the operation. `cargo xtask gen` implements [`Paginated`] for the builder
//! of every operation the description paginates (at the end of
//! `generated.rs`); nothing is written by hand per operation.

use std::future::Future;

use progenitor_client::{Error, ResponseValue};

/// A generated operation builder whose responses are pages: a `data` list
/// and a cursor to the next page.
pub trait Paginated<'a>: Clone + Send + Sized + 'a {
    /// The decoded response of one page.
    type Response: serde::de::DeserializeOwned + Send + 'a;
    /// One item of `data`.
    type Item: Send + 'static;
    /// The body of an error response.
    type ErrorBody: Send + 'a;
    /// The operation's name (`list_usage`).
    const OPERATION: &'static str;
    /// Where the next page's cursor is in a page's JSON (`["next_page"]`,
    /// `["pagination", "next_page"]`): a walk can read it from the bytes
    /// and ask for the next page before this one is decoded.
    const CURSOR: &'static [&'static str];

    /// The same request, for the page at `cursor` (in the query or the
    /// body, wherever the operation takes it).
    fn with_cursor(self, cursor: &str) -> Self;

    /// The items of a page and the cursor of the next one, if any.
    fn split(response: Self::Response) -> (Vec<Self::Item>, Option<String>);

    /// Sends the request for one page.
    fn send_page(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Response>, Error<Self::ErrorBody>>> + Send + 'a;
}
