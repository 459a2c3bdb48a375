//! A usage event, built field by field and checked before it is sent.

use chrono::{DateTime, Utc};
use metronome_types as types;

use crate::IntoTimestamp;
use crate::operation::IntoValue;

/// Checks what the types cannot: ids that are only blanks, and a timestamp
/// that is not RFC 3339 (the generated type holds it as text). Every
/// event an [`Ingester`](crate::Ingester) queues passes this, however it
/// was built.
pub(crate) fn check(event: &types::UsageEvent) -> Result<(), String> {
    for (name, value) in [
        ("transaction_id", event.transaction_id.as_str()),
        ("customer_id", event.customer_id.as_str()),
        ("event_type", event.event_type.as_str()),
    ] {
        if value.trim().is_empty() {
            return Err(format!("{name} is empty"));
        }
    }
    // The text goes out as it is: it must be RFC 3339 exactly, without
    // the blanks `into_timestamp` forgives, or the server refuses the
    // whole batch.
    let text = event.timestamp.as_str();
    if text.trim() != text {
        return Err(format!(
            "timestamp: {:?} has blanks around it",
            crate::operation::args::truncate(text)
        ));
    }
    text.into_timestamp()
        .map(|_| ())
        .map_err(|e| format!("timestamp: {e}"))
}

/// One usage event, for `client.usage().ingest(..)`.
///
/// ```no_run
/// use metronome_client::Event;
/// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
/// client
///     .usage()
///     .ingest([Event::new("req-1", "customer-42", "api_call", "2024-01-01T12:00:00Z")
///         .property("region", "eu-west")])
///     .send()
///     .await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    transaction_id: String,
    customer_id: String,
    event_type: String,
    timestamp: Result<DateTime<Utc>, String>,
    properties: serde_json::Map<String, serde_json::Value>,
    /// The first property that cannot be sent, and why.
    invalid_property: Option<String>,
}

impl Event {
    /// An event: its unique `transaction_id` (an event sent twice with the
    /// same one is counted once), the customer (Metronome id or ingest
    /// alias), what happened, and when.
    pub fn new(
        transaction_id: impl Into<String>,
        customer_id: impl Into<String>,
        event_type: impl Into<String>,
        timestamp: impl IntoTimestamp,
    ) -> Self {
        Self {
            transaction_id: transaction_id.into(),
            customer_id: customer_id.into(),
            event_type: event_type.into(),
            timestamp: timestamp.into_timestamp(),
            properties: serde_json::Map::new(),
            invalid_property: None,
        }
    }

    /// Adds a property the billable metrics may aggregate or group by:
    /// text, a number, a bool or any JSON value. A float JSON cannot
    /// carry (NaN, ±∞) makes the event invalid: sending it fails with
    /// [`Error::InvalidRequest`](crate::Error::InvalidRequest) naming the
    /// property, instead of going out as `null`.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<PropertyValue>) -> Self {
        let key = key.into();
        match value.into().0 {
            Ok(value) => {
                self.properties.insert(key, value);
            }
            Err(why) => {
                if self.invalid_property.is_none() {
                    self.invalid_property = Some(format!(
                        "properties.{}: {why}",
                        crate::operation::args::truncate(&key)
                    ));
                }
            }
        }
        self
    }
}

/// The value of an event's property, from text, a number, a bool or a
/// JSON value (see [`Event::property`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PropertyValue(Result<serde_json::Value, String>);

impl From<serde_json::Value> for PropertyValue {
    fn from(value: serde_json::Value) -> Self {
        Self(Ok(value))
    }
}

impl From<f64> for PropertyValue {
    fn from(value: f64) -> Self {
        Self(crate::operation::check::finite(value).map(serde_json::Value::from))
    }
}

impl From<f32> for PropertyValue {
    fn from(value: f32) -> Self {
        f64::from(value).into()
    }
}

macro_rules! property_values {
    ($($ty:ty),*) => {$(
        impl From<$ty> for PropertyValue {
            fn from(value: $ty) -> Self {
                Self(Ok(serde_json::Value::from(value)))
            }
        }
    )*};
}

property_values!(
    i8,
    i16,
    i32,
    i64,
    isize,
    u8,
    u16,
    u32,
    u64,
    usize,
    bool,
    String,
    &str,
    serde_json::Number
);

impl From<&String> for PropertyValue {
    fn from(value: &String) -> Self {
        value.as_str().into()
    }
}

impl IntoValue<types::UsageEvent> for Event {
    fn into_value(self) -> Result<types::UsageEvent, String> {
        for (name, value) in [
            ("transaction_id", &self.transaction_id),
            ("customer_id", &self.customer_id),
            ("event_type", &self.event_type),
        ] {
            if value.trim().is_empty() {
                return Err(format!("{name} is empty"));
            }
        }
        if let Some(why) = self.invalid_property {
            return Err(why);
        }
        let timestamp = self.timestamp.map_err(|e| format!("timestamp: {e}"))?;
        let field =
            |name: &'static str| move |e: types::error::ConversionError| format!("{name}: {e}");
        Ok(types::UsageEvent {
            transaction_id: self
                .transaction_id
                .parse()
                .map_err(field("transaction_id"))?,
            customer_id: self.customer_id.parse().map_err(field("customer_id"))?,
            event_type: self.event_type.parse().map_err(field("event_type"))?,
            timestamp: timestamp.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            properties: self.properties,
        })
    }
}
