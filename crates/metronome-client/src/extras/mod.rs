//! Hand-written additions on top of the generated requests, each earning
//! its place: what the description cannot say. All of them extend usage
//! operations, so they come with the `usage` feature.
//!
//! - [`Event`](event::Event): a usage event for `usage().ingest(..)`, checked
//!   field by field before anything is sent.
//! - [`MetricFilter`](metric_filter::MetricFilter): one billable metric of
//!   `usage().list(..).billable_metrics(..)`, optionally split by a group key.
//! - [`Ingester`](ingester::Ingester): `usage().ingester()`, a pipeline
//!   that batches events from many tasks into `ingest` requests, with
//!   backpressure and a report for every event.
//! - `partition_by_customers` / `partition_by_time` on
//!   [`UsageList`](crate::requests::UsageList): one usage walk split into
//!   several run at once.

#[cfg(feature = "usage")]
pub mod event;
#[cfg(feature = "usage")]
pub mod grouping;
#[cfg(feature = "usage")]
pub mod ingester;
#[cfg(feature = "usage")]
pub mod metric_filter;
#[cfg(feature = "usage")]
pub mod partitions;
