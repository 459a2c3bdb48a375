//! One page of a list, as the server returned it.

use reqwest::StatusCode;
use reqwest::header::HeaderMap;

/// One page of results: the items, the cursor of the next page, and the
/// response's status and headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page (possibly none, even when more pages follow).
    pub data: Vec<T>,
    /// The cursor of the next page; `None` on the last page. An empty
    /// cursor from the server is reported as `None`.
    pub next_page: Option<String>,
    status: StatusCode,
    headers: HeaderMap,
}

impl<T> Page<T> {
    pub(crate) fn new(
        data: Vec<T>,
        next_page: Option<String>,
        status: StatusCode,
        headers: HeaderMap,
    ) -> Self {
        let next_page = next_page.filter(|cursor| !cursor.is_empty());
        Self {
            data,
            next_page,
            status,
            headers,
        }
    }

    /// Whether the server says another page follows.
    pub fn has_next_page(&self) -> bool {
        self.next_page.is_some()
    }

    /// The response's status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response's headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The items, without the page.
    pub fn into_data(self) -> Vec<T> {
        self.data
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;

    fn into_iter(self) -> Self::IntoIter {
        self.data.into_iter()
    }
}
