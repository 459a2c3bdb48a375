//! Where a request is built: what a generated builder makes of its
//! checked arguments ([`HttpRequest`]: method, path with encoded segments,
//! query, JSON body), and the `reqwest::Request` made of it with the
//! client's base URL and headers.

use std::borrow::Cow;
use std::fmt::Display;
use std::num::NonZeroU64;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use serde::Serialize;

use crate::Error;
use crate::operation::RequestEnum;
use crate::transport::connection::Connection;

/// One request, as a generated builder makes it.
#[derive(Debug)]
pub(crate) struct HttpRequest {
    /// The operation's name (`customers_list`).
    pub operation: &'static str,
    /// The path template (`/v1/customers/{customer_id}`); `None` for a
    /// custom request, whose path is its own.
    pub route: Option<&'static str>,
    pub method: Method,
    /// The path, each parameter encoded as one segment.
    pub path: String,
    /// Query pairs in order; a list is one pair per item.
    pub query: Vec<(Cow<'static, str>, String)>,
    /// The JSON body.
    pub body: Option<bytes::Bytes>,
    /// Whether the answer is JSON (`Accept: application/json`); a
    /// document (the invoice PDF) takes what comes.
    pub json: bool,
}

impl HttpRequest {
    /// A request without query or body.
    pub fn new(operation: &'static str, method: Method, route: &'static str, path: String) -> Self {
        Self {
            operation,
            route: Some(route),
            method,
            path,
            query: Vec::new(),
            body: None,
            json: true,
        }
    }

    /// Adds a query parameter (nothing for `None`, one pair per item of
    /// a list).
    pub fn query<V: QueryValue + ?Sized>(&mut self, name: &'static str, value: &V) {
        value.push(name, &mut self.query);
    }

    /// Adds a query parameter of a type `QueryValue` does not know (a
    /// string newtype), as serde writes it: text as is, numbers and
    /// booleans as JSON writes them, a list as one pair per item.
    #[allow(
        dead_code,
        reason = "only a description with such a query parameter calls it (the emitters' fixture has one)"
    )]
    pub fn query_serialized<T: Serialize>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        fn push(
            name: &'static str,
            value: serde_json::Value,
            out: &mut Vec<(Cow<'static, str>, String)>,
        ) -> Result<(), Error> {
            use serde_json::Value;
            match value {
                Value::Null => {}
                Value::String(text) => out.push((Cow::Borrowed(name), text)),
                Value::Bool(_) | Value::Number(_) => {
                    out.push((Cow::Borrowed(name), value.to_string()))
                }
                Value::Array(items) => {
                    for item in items {
                        push(name, item, out)?;
                    }
                }
                Value::Object(_) => {
                    return Err(Error::InvalidRequest(format!(
                        "{name}: an object cannot be written in a query"
                    )));
                }
            }
            Ok(())
        }
        let value = serde_json::to_value(value)
            .map_err(|e| Error::InvalidRequest(format!("{name}: {e}")))?;
        push(name, value, &mut self.query)
    }

    /// Sets the JSON body.
    pub fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::InvalidRequest(format!("the body cannot be written as JSON: {e}"))
        })?;
        self.body = Some(bytes.into());
        Ok(())
    }

    /// The `reqwest::Request` for `connection`: its base URL, the
    /// request's `Accept` and `Content-Type`, then the client's headers
    /// (token, user agent, defaults).
    pub fn build(&self, connection: &Connection) -> Result<reqwest::Request, Error> {
        let text = format!("{}{}", connection.base_url, self.path);
        let mut url = reqwest::Url::parse(&text)
            .map_err(|e| Error::InvalidRequest(format!("the URL {text:?} is not valid: {e}")))?;
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter());
        }
        let mut request = reqwest::Request::new(self.method.clone(), url);
        let headers = request.headers_mut();
        if self.json {
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        }
        if let Some(body) = &self.body {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            *request.body_mut() = Some(body.clone().into());
        }
        connection.headers.apply(request.headers_mut());
        Ok(request)
    }
}

/// The characters encoded in a path segment (the URL standard's path
/// segment set, with `/` and `%`): a parameter stays one segment.
const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// A path parameter as one encoded segment.
pub(crate) fn segment(value: &impl Display) -> String {
    percent_encoding::utf8_percent_encode(&value.to_string(), SEGMENT).to_string()
}

/// A required argument that is not set. The builder's check reports it
/// first; this keeps a build that is reached without that check from
/// sending an incomplete request.
pub(crate) fn missing(name: &str) -> Error {
    Error::InvalidRequest(format!("{name} is required"))
}

/// A cursor that goes back as a uuid.
#[allow(
    dead_code,
    reason = "only a description with a uuid cursor calls it (the emitters' fixture has one)"
)]
pub(crate) fn uuid_cursor(cursor: &str) -> Result<uuid::Uuid, Error> {
    cursor.parse().map_err(|_| {
        Error::InvalidRequest(format!(
            "the cursor {:?} is not a uuid",
            crate::operation::args::truncate(cursor)
        ))
    })
}

/// How a value goes into a query string.
pub(crate) trait QueryValue {
    fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>);
}

impl<T: QueryValue> QueryValue for Option<T> {
    fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>) {
        if let Some(value) = self {
            value.push(name, out);
        }
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>) {
        for value in self {
            value.push(name, out);
        }
    }
}

impl QueryValue for str {
    fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>) {
        out.push((Cow::Borrowed(name), self.to_string()));
    }
}

macro_rules! displayed {
    ($($t:ty),*) => {$(
        impl QueryValue for $t {
            fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>) {
                out.push((Cow::Borrowed(name), self.to_string()));
            }
        }
    )*};
}

displayed!(String, bool, u64, i64, NonZeroU64, uuid::Uuid);

/// A float as JSON writes it (`1.0`, not `1`).
impl QueryValue for f64 {
    fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>) {
        out.push((
            Cow::Borrowed(name),
            serde_json::Number::from_f64(*self).map_or_else(|| self.to_string(), |n| n.to_string()),
        ));
    }
}

/// An instant as RFC 3339 in UTC, as serde writes it in a body.
impl QueryValue for DateTime<Utc> {
    fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>) {
        out.push((
            Cow::Borrowed(name),
            self.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        ));
    }
}

/// An enum value as the API spells it.
impl<E: RequestEnum + Display> QueryValue for E {
    fn push(&self, name: &'static str, out: &mut Vec<(Cow<'static, str>, String)>) {
        out.push((Cow::Borrowed(name), self.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_written_as_serde_writes_them() {
        let instant: DateTime<Utc> = "2024-01-01T00:00:00.120Z".parse().unwrap();
        let mut out = Vec::new();
        instant.push("at", &mut out);
        let serde = serde_json::to_value(instant).unwrap();
        assert_eq!(out[0].1, serde.as_str().unwrap());
        let whole: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().unwrap();
        whole.push("at", &mut out);
        assert_eq!(out[1].1, "2024-01-01T00:00:00Z");
        Some(vec![true, false]).push("flag", &mut out);
        None::<u64>.push("limit", &mut out);
        assert_eq!(
            out[2..],
            [
                ("flag".into(), "true".into()),
                ("flag".into(), "false".into())
            ]
        );
    }

    #[test]
    fn a_segment_stays_one_segment() {
        assert_eq!(segment(&"a/b c?d#e%f"), "a%2Fb%20c%3Fd%23e%25f");
        assert_eq!(
            segment(&uuid::Uuid::nil()),
            "00000000-0000-0000-0000-000000000000"
        );
    }
}
