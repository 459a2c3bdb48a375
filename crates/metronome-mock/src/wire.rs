//! The JSON the mock sends, written to the API description (`openapi.yaml`)
//! independently of the client's generated types: `null`s are sent as
//! `null`, as Metronome sends them.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use uuid::Uuid;

#[derive(Serialize)]
pub(crate) struct PageOut<T> {
    pub data: Vec<T>,
    pub next_page: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct UsageRowOut {
    pub billable_metric_id: Uuid,
    pub billable_metric_name: String,
    pub customer_id: Uuid,
    pub start_timestamp: String,
    pub end_timestamp: String,
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<BTreeMap<String, Option<f64>>>,
}

#[derive(Serialize)]
pub(crate) struct CostDayOut {
    pub start_timestamp: String,
    pub end_timestamp: String,
    pub credit_types: BTreeMap<String, CreditTypeOut>,
}

#[derive(Serialize)]
pub(crate) struct CreditTypeOut {
    pub cost: f64,
    pub name: &'static str,
    pub line_item_breakdown: Vec<LineItemOut>,
}

#[derive(Serialize)]
pub(crate) struct LineItemOut {
    pub cost: f64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_key: Option<&'static str>,
    /// Absent when there is no group; `null` when grouped but unattributed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_value: Option<Option<String>>,
}

pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The API's error body.
pub(crate) fn error_body(message: &str) -> String {
    serde_json::json!({ "message": message }).to_string()
}
