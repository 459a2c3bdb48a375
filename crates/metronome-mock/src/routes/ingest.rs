//! `POST /v1/ingest`: 1 to 100 events, each with a non-empty
//! `transaction_id`, `customer_id` and `event_type` and an RFC 3339
//! `timestamp`. Accepted events are kept (once per transaction id) for
//! tests to read.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Reply;

/// An event the mock accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct IngestedEvent {
    /// Its transaction id.
    pub transaction_id: String,
    /// The customer it names (Metronome id or ingest alias).
    pub customer_id: String,
    /// What happened.
    pub event_type: String,
    /// When.
    pub timestamp: DateTime<Utc>,
    /// Its properties.
    pub properties: serde_json::Map<String, Value>,
}

fn parse(event: &Value, index: usize) -> Result<IngestedEvent, String> {
    let text = |name: &str| {
        event
            .get(name)
            .and_then(Value::as_str)
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| format!("event {index}: {name} must be a non-empty string"))
    };
    let timestamp = text("timestamp")?;
    let timestamp = DateTime::parse_from_rfc3339(&timestamp)
        .map_err(|_| format!("event {index}: timestamp must be RFC 3339"))?
        .with_timezone(&Utc);
    let properties = match event.get("properties") {
        None | Some(Value::Null) => serde_json::Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => return Err(format!("event {index}: properties must be an object")),
    };
    Ok(IngestedEvent {
        transaction_id: text("transaction_id")?,
        customer_id: text("customer_id")?,
        event_type: text("event_type")?,
        timestamp,
        properties,
    })
}

/// Checks the batch; on success, hands the events to `accept` and answers
/// 200 with no body.
pub(crate) fn ingest(body: &[u8], accept: impl FnOnce(Vec<IngestedEvent>)) -> Reply {
    let Ok(Value::Array(events)) = serde_json::from_slice::<Value>(body) else {
        return Reply::error(400, "the body must be a JSON array of events");
    };
    if events.is_empty() || events.len() > 100 {
        return Reply::error(
            400,
            &format!("a batch holds 1 to 100 events, got {}", events.len()),
        );
    }
    match events
        .iter()
        .enumerate()
        .map(|(i, e)| parse(e, i))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(parsed) => {
            accept(parsed);
            Reply {
                status: 200,
                headers: Vec::new(),
                body: bytes::Bytes::new(),
            }
        }
        Err(message) => Reply::error(400, &message),
    }
}
