//! The request log: what the mock received, with the token masked.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::faults::lock;

/// One request as the mock received it.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The query parameters, decoded, in the order sent.
    pub query: Vec<(String, String)>,
    /// The body, parsed as JSON when it is JSON, as a string otherwise;
    /// `None` when empty.
    pub body: Option<serde_json::Value>,
    /// The `Authorization` header with the credential masked:
    /// `Bearer [valid]`, `Bearer [invalid]`, or the scheme alone.
    pub authorization: Option<String>,
    /// The status the mock answered: 0 when it closed the connection
    /// without answering, or the client hung up before the answer.
    pub status: u16,
    /// The label of the fault injected, if any.
    pub fault: Option<String>,
}

impl LoggedRequest {
    pub(crate) fn empty() -> Self {
        Self {
            method: String::new(),
            path: String::new(),
            query: Vec::new(),
            body: None,
            authorization: None,
            status: 0,
            fault: None,
        }
    }

    /// The value of query parameter `name`, if sent.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The most recent requests, up to a capacity.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
    capacity: usize,
    total: std::sync::atomic::AtomicU64,
}

impl RequestLog {
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(VecDeque::new()),
            capacity,
            total: Default::default(),
        }
    }

    pub fn push(&self, entry: LoggedRequest) {
        self.total
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.capacity == 0 {
            return;
        }
        let mut entries = lock(&self.entries);
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).iter().cloned().collect()
    }

    pub fn total(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}
