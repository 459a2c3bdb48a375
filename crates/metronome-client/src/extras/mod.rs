//! Hand-written additions on top of the generated requests, each earning
//! its place: what the description cannot say.
//!
//! - [`Event`](event::Event): a usage event for `usage().ingest(..)`, checked
//!   field by field before anything is sent.
//! - [`MetricFilter`](metric_filter::MetricFilter): one billable metric of
//!   `usage().list(..).billable_metrics(..)`, optionally split by a group key.
//! - `partition_by_customers` / `partition_by_time` on
//!   [`UsageList`](crate::requests::UsageList): one usage walk split into
//!   several run at once.

pub mod event;
pub mod grouping;
pub mod metric_filter;
pub mod partitions;
