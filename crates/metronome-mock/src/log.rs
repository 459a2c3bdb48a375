//! The request log: what the mock received, with the credential masked,
//! bounded in entries and in bytes whatever clients send.

use std::collections::VecDeque;
use std::sync::Mutex;

use bytes::Bytes;

use crate::faults::lock;

/// The most of a body the log keeps; the rest is counted, not kept.
pub(crate) const MAX_LOGGED_BODY: usize = 64 * 1024;

/// The most bytes (bodies, paths and queries) the whole log keeps; the
/// oldest entries go first.
pub(crate) const MAX_LOG_BYTES: usize = 64 * 1024 * 1024;

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
    /// `None` when empty or not kept (a request without a valid token).
    /// A body over 64 KiB is kept as the text of its first 64 KiB, marked
    /// `[truncated: N bytes]`.
    pub body: Option<serde_json::Value>,
    /// The `Authorization` header with the credential masked:
    /// `Bearer [valid]`, `Bearer [invalid]`, or `[redacted]` when the header
    /// has no scheme.
    pub authorization: Option<String>,
    /// The status the mock answered: 0 when it closed the connection
    /// without answering, or the client hung up before the answer.
    pub status: u16,
    /// The label of the fault injected, if any.
    pub fault: Option<String>,
    /// The request's headers, names in lower case, in the order sent; a
    /// header that carries a credential (`authorization`, cookies, and any
    /// name with `token`, `secret`, `key`, `session` or `password` in it)
    /// shows as `[redacted]`. None for a request without the token.
    pub headers: Vec<(String, String)>,
}

impl LoggedRequest {
    /// The value of header `name` (any case), if sent; the first when
    /// repeated.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of query parameter `name`, if sent.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request as the log keeps it: the body as bytes (at most
/// [`MAX_LOGGED_BODY`]), parsed only when read.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub(crate) body: Bytes,
    pub(crate) body_len: usize,
    pub authorization: Option<String>,
    pub status: u16,
    pub fault: Option<String>,
    pub headers: Vec<(String, String)>,
}

/// Whether a header's value is a credential the log must not keep.
pub(crate) fn is_secret_header(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    matches!(
        name.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
    ) || ["token", "secret", "key", "session", "password"]
        .iter()
        .any(|part| name.contains(part))
}

impl Entry {
    /// Keeps the headers, credentials redacted.
    pub fn keep_headers(&mut self, headers: &http::HeaderMap) {
        self.headers = headers
            .iter()
            .map(|(name, value)| {
                let shown = if is_secret_header(name.as_str()) {
                    "[redacted]".to_string()
                } else {
                    String::from_utf8_lossy(value.as_bytes()).into_owned()
                };
                (name.as_str().to_string(), shown)
            })
            .collect();
    }

    /// Keeps (a copy of) at most [`MAX_LOGGED_BODY`] bytes of `body`.
    pub fn keep_body(&mut self, body: &[u8]) {
        self.body_len = body.len();
        self.body = Bytes::copy_from_slice(&body[..body.len().min(MAX_LOGGED_BODY)]);
    }

    /// What the entry holds, for the log's byte bound.
    fn size(&self) -> usize {
        self.body.len()
            + self.path.len()
            + self
                .query
                .iter()
                .chain(&self.headers)
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>()
    }

    fn read(&self) -> LoggedRequest {
        let body = if self.body.is_empty() {
            None
        } else if self.body_len > self.body.len() {
            Some(serde_json::Value::String(format!(
                "{} [truncated: {} bytes]",
                String::from_utf8_lossy(&self.body),
                self.body_len
            )))
        } else {
            Some(serde_json::from_slice(&self.body).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&self.body).into_owned())
            }))
        };
        LoggedRequest {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            body,
            authorization: self.authorization.clone(),
            status: self.status,
            fault: self.fault.clone(),
            headers: self.headers.clone(),
        }
    }

    /// One line for a console: `200 POST /v1/usage (Bearer [valid])`. What
    /// the client sent is escaped: a decoded `%0A` or `%1B` cannot start a
    /// line of its own or colour the terminal.
    fn line(&self) -> String {
        let query: Vec<String> = self
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", escaped(k), escaped(v)))
            .collect();
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{}", query.join("&"))
        };
        let status = if self.status == 0 {
            "---".to_string()
        } else {
            self.status.to_string()
        };
        let auth = self.authorization.as_deref().unwrap_or("no token");
        let fault = self
            .fault
            .as_deref()
            .map(|f| format!(" fault={f}"))
            .unwrap_or_default();
        format!(
            "{status} {} {}{query} ({auth}){fault}",
            escaped(&self.method),
            escaped(&self.path)
        )
    }
}

/// `text` with control characters, format characters and line separators
/// written as escapes.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let hidden = matches!(
            c,
            '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
        );
        if c.is_control() || hidden {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The most recent requests, up to a count and a number of body bytes.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: Mutex<Kept>,
    capacity: usize,
    total: std::sync::atomic::AtomicU64,
    echo: bool,
}

#[derive(Debug, Default)]
struct Kept {
    queue: VecDeque<Entry>,
    bytes: usize,
}

impl RequestLog {
    /// Keeps up to `capacity` entries; with `echo`, prints a line for each.
    pub fn new(capacity: usize, echo: bool) -> Self {
        Self {
            entries: Mutex::default(),
            capacity,
            total: Default::default(),
            echo,
        }
    }

    pub fn push(&self, entry: Entry) {
        self.total
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.echo {
            // A closed standard output is no reason to fail a request.
            use std::io::Write;
            let _ = writeln!(std::io::stdout().lock(), "{}", entry.line());
        }
        if self.capacity == 0 {
            return;
        }
        let mut kept = lock(&self.entries);
        kept.bytes += entry.size();
        kept.queue.push_back(entry);
        while kept.queue.len() > self.capacity || kept.bytes > MAX_LOG_BYTES {
            let Some(old) = kept.queue.pop_front() else {
                break;
            };
            kept.bytes -= old.size();
        }
    }

    /// Whether it keeps entries at all (a log of capacity 0 keeps none:
    /// bodies and headers need not be copied for it).
    pub fn keeps_entries(&self) -> bool {
        self.capacity > 0
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).queue.iter().map(Entry::read).collect()
    }

    /// Bytes the log holds: bodies, paths and queries.
    pub fn bytes(&self) -> usize {
        lock(&self.entries).bytes
    }

    pub fn total(&self) -> u64 {
        self.total.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn clear(&self) {
        let mut kept = lock(&self.entries);
        kept.queue.clear();
        kept.bytes = 0;
    }

    /// Empties the log and counts from zero again.
    pub fn reset(&self) {
        self.clear();
        self.total.store(0, std::sync::atomic::Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_console_line_cannot_be_forged_from_a_query() {
        let entry = Entry {
            method: "GET".into(),
            path: "/v1/customers".into(),
            query: vec![(
                "name\n200 GET /v1/admin".into(),
                "x\r\n\u{1b}[31mERROR\u{2028}\u{202e}".into(),
            )],
            status: 401,
            ..Entry::default()
        };
        let line = entry.line();
        for c in ['\n', '\r', '\u{1b}', '\u{2028}', '\u{202e}'] {
            assert!(!line.contains(c), "{c:?} in {line:?}");
        }
        assert_eq!(
            line,
            "401 GET /v1/customers?name\\n200 GET /v1/admin=x\\r\\n\\u{1b}[31mERROR\\u{2028}\\u{202e} (no token)"
        );
    }

    #[test]
    fn paths_and_queries_count_toward_the_byte_bound() {
        let log = RequestLog::new(10, false);
        let entry = || Entry {
            path: "/p".repeat(1000),
            query: vec![("k".into(), "v".repeat(3000))],
            ..Entry::default()
        };
        log.push(entry());
        assert_eq!(log.bytes(), 2000 + 1 + 3000);
    }
}
