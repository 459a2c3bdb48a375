//! What a paginated operation is, for code that walks pages without knowing
//! the operation. `cargo xtask gen` implements [`Paginated`] for the builder
//! of every operation the description paginates
//! (`generated/paginated_operations.rs`); nothing is written by hand per
//! operation.

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
    /// and ask for the next page before this one is decoded. Empty when
    /// the text cannot be taken as it is (a cursor typed as a uuid, whose
    /// decoded form may be written differently): the walk then waits for
    /// the decoded page.
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

/// A cursor on its way into a request field typed as a uuid: converts when
/// the text is one, and otherwise leaves an error in the request builder,
/// so the request is refused before it is sent (a start cursor given by
/// hand, say). The emitted [`Paginated::with_cursor`] of such operations
/// uses it.
#[derive(Debug, Clone, Copy)]
pub struct UuidCursor<'c>(pub &'c str);

impl TryFrom<UuidCursor<'_>> for uuid::Uuid {
    type Error = String;

    fn try_from(cursor: UuidCursor<'_>) -> Result<Self, String> {
        cursor
            .0
            .parse()
            .map_err(|_| format!("the cursor {:?} is not a uuid", cursor.0))
    }
}

impl TryFrom<UuidCursor<'_>> for Option<uuid::Uuid> {
    type Error = String;

    fn try_from(cursor: UuidCursor<'_>) -> Result<Self, String> {
        uuid::Uuid::try_from(cursor).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::UuidCursor;

    #[test]
    fn a_uuid_cursor_converts_or_says_why_not() {
        let id = "0e5b8609-d901-4992-b394-c3c2e3f37b1c";
        let converted: Result<Option<uuid::Uuid>, _> = UuidCursor(id).try_into();
        assert_eq!(converted.unwrap().unwrap().to_string(), id);
        let refused: Result<Option<uuid::Uuid>, _> = UuidCursor("page-2").try_into();
        assert_eq!(refused.unwrap_err(), "the cursor \"page-2\" is not a uuid");
    }
}
