//! A usage event, built field by field and checked before it is sent.

use chrono::{DateTime, Utc};
use metronome_api::types;

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
    event
        .timestamp
        .as_str()
        .into_timestamp()
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
        }
    }

    /// Adds a property the billable metrics may aggregate or group by.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<serde_json::Value>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
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
