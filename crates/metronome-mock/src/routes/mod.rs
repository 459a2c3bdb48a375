//! The endpoints the mock serves, and what they share: answers, paging,
//! and the page-level faults.

pub(crate) mod balances;
pub(crate) mod catalog;
pub(crate) mod costs;
pub(crate) mod described;
pub(crate) mod groups;
pub(crate) mod ingest;
pub(crate) mod stateful;
pub(crate) mod usage;

use std::ops::Range;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cursor::Cursor;
use crate::faults::Fault;
use crate::wire::{PageOut, error_body};

/// What a route answers.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Reply {
    pub fn json(status: u16, body: String) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into(),
        }
    }

    pub fn error(status: u16, message: &str) -> Self {
        Self::json(status, error_body(message))
    }

    /// A status without a body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    /// A body of another type than JSON.
    pub fn bytes(status: u16, content_type: &str, body: &'static [u8]) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            body: Bytes::from_static(body),
        }
    }

    fn json_bytes(status: u16, body: Bytes) -> Self {
        Self {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body,
        }
    }
}

/// Rendered pages by (query fingerprint, offset), for benchmarks that must
/// measure the client, not the server. Grows with every distinct page.
#[derive(Debug, Default)]
pub(crate) struct PageCache {
    pages: std::sync::Mutex<std::collections::HashMap<(u64, usize), Bytes>>,
}

impl PageCache {
    pub(crate) fn clear(&self) {
        crate::faults::lock(&self.pages).clear();
    }
}

/// What a route that lists pages needs besides the request.
pub(crate) struct Ctx<'a> {
    pub data: &'a crate::dataset::Dataset,
    pub fault: Option<&'a Fault>,
    pub nonce: u32,
    pub cache: Option<&'a PageCache>,
    pub cursors: Cursors,
}

/// What a cursor that is not one of this query's gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cursors {
    /// 400, saying why (a cursor this server never issued, or one of
    /// another query): a client that mangles cursors is told so.
    #[default]
    Strict,
    /// The first page, as if no cursor had been sent: for test suites
    /// written against a schema-only mock, which send cursors of their own
    /// making (`"next_page"`, `"cursor"`).
    AcceptAny,
}

impl Ctx<'_> {
    /// Renders a page of `total` items from `offset` (read from `cursor`).
    pub fn page<T: Serialize>(
        &self,
        fingerprint: u64,
        cursor: Option<&str>,
        page_size: usize,
        total: usize,
        items: impl FnOnce(Range<usize>) -> Vec<T>,
    ) -> Reply {
        match PagePlan::new(fingerprint, cursor, page_size, total, self.cursors) {
            Ok(plan) => plan.render(self.fault, self.nonce, self.cache, items),
            Err(message) => Reply::error(400, &message),
        }
    }
}

/// Reads `name` from the query.
pub(crate) fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A `limit` from 1 to 100, or `default`.
pub(crate) fn limit(value: Option<&str>, default: usize) -> Result<usize, Invalid> {
    match value {
        None => Ok(default),
        Some(text) => match text.parse::<usize>() {
            Ok(n @ 1..=100) => Ok(n),
            _ => Err(format!(
                "limit must be an integer from 1 to 100, got {text:?}"
            )),
        },
    }
}

/// A route's way of saying "answer 400 with this message".
pub(crate) type Invalid = String;

/// Where one request falls in a listing: which query, where it starts,
/// and how many items it has in all.
pub(crate) struct PagePlan<'a> {
    pub fingerprint: u64,
    pub offset: usize,
    pub page_size: usize,
    pub total: usize,
    /// The cursor the request sent, if any.
    pub sent: Option<&'a str>,
}

impl<'a> PagePlan<'a> {
    /// Reads the request's cursor, which must belong to this query (or,
    /// with [`Cursors::AcceptAny`], starts from the first page when it
    /// does not).
    pub fn new(
        fingerprint: u64,
        sent: Option<&'a str>,
        page_size: usize,
        total: usize,
        cursors: Cursors,
    ) -> Result<Self, Invalid> {
        let offset = match sent.filter(|c| !c.is_empty()) {
            None => 0,
            Some(text) => match Cursor::decode(text) {
                Some(cursor) if cursor.fingerprint == fingerprint && cursor.offset <= total => cursor.offset,
                _ if cursors == Cursors::AcceptAny => 0,
                Some(_) => return Err("next_page is a cursor of another query: keep every filter unchanged between pages".into()),
                None => return Err("next_page is not a cursor this server issued".into()),
            },
        };
        Ok(Self {
            fingerprint,
            offset,
            page_size,
            total,
            sent,
        })
    }

    pub fn range(&self) -> Range<usize> {
        self.offset..(self.offset + self.page_size).min(self.total)
    }

    pub fn cursor_at(&self, offset: usize, nonce: u32) -> String {
        Cursor {
            fingerprint: self.fingerprint,
            offset,
            nonce,
        }
        .encode()
    }

    /// Renders the page, applying `fault` if it is a page-level one. Pages
    /// without a fault come from `cache` when it has them (and go into it).
    pub fn render<T: Serialize>(
        &self,
        fault: Option<&Fault>,
        nonce: u32,
        cache: Option<&PageCache>,
        items: impl FnOnce(Range<usize>) -> Vec<T>,
    ) -> Reply {
        let cacheable = cache.filter(|_| {
            !matches!(
                fault,
                Some(Fault::EmptyPageWithCursor | Fault::RepeatCursor)
            )
        });
        let key = (self.fingerprint, self.offset);
        if let Some(body) = cacheable.and_then(|c| crate::faults::lock(&c.pages).get(&key).cloned())
        {
            return Reply::json_bytes(200, body);
        }
        let reply = self.render_fresh(fault, nonce, items);
        if let Some(cache) = cacheable {
            crate::faults::lock(&cache.pages).insert(key, reply.body.clone());
        }
        reply
    }

    fn render_fresh<T: Serialize>(
        &self,
        fault: Option<&Fault>,
        nonce: u32,
        items: impl FnOnce(Range<usize>) -> Vec<T>,
    ) -> Reply {
        let range = self.range();
        let page = match fault {
            Some(Fault::EmptyPageWithCursor) => PageOut {
                data: Vec::new(),
                next_page: Some(self.cursor_at(self.offset, nonce)),
            },
            Some(Fault::RepeatCursor) if self.sent.is_some() => PageOut {
                data: items(range),
                next_page: self.sent.map(str::to_string),
            },
            _ => {
                let next = (range.end < self.total).then(|| self.cursor_at(range.end, 0));
                PageOut {
                    data: items(range),
                    next_page: next,
                }
            }
        };
        Reply::json(
            200,
            serde_json::to_string(&page).expect("pages always serialize"),
        )
    }
}

/// Parses a required RFC 3339 timestamp.
pub(crate) fn timestamp(name: &str, value: Option<&str>) -> Result<DateTime<Utc>, Invalid> {
    let value = value.ok_or_else(|| format!("{name} is required"))?;
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| format!("{name} must be an RFC 3339 timestamp, got {value:?}"))
}

/// Checks a period moves forward.
pub(crate) fn period(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<(), Invalid> {
    if start >= end {
        let text = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        return Err(crate::openapi::schema::messages::period(
            "starting_on",
            text(start),
            "ending_before",
            text(end),
        ));
    }
    Ok(())
}
