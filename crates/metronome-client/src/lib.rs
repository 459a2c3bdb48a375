//! A Rust client for [Metronome](https://metronome.com)'s usage-based
//! billing API.
//!
//! - [`Client::from_env`] reads `METRONOME_BEARER_TOKEN` (and
//!   `METRONOME_BASE_URL`); [`Client::builder`] configures everything else.
//! - Resources hang off the client: `client.usage()` (`list`,
//!   `list_grouped`, `ingest`), `client.customers()` (`list`, `get`,
//!   `list_costs`), `client.billable_metrics()`, `client.contracts()`
//!   (`list_balances`). Each returns a request builder; for lists,
//!   `.send()` returns one [`Page`], `.pages()` a [`PageStream`] and
//!   `.stream()` an [`ItemStream`] of every item across pages.
//! - Every operation of the API is on the generated low-level client,
//!   [`Client::api`], with the same transport; `?` converts its errors into
//!   [`Error`], and any other paginated operation walks its pages through
//!   [`PaginateExt`]. [`Client::request`] reaches a path the description
//!   lacks.
//! - Failed attempts are retried (connection errors, timeouts, 408, 409,
//!   429, 5xx) per the [`RetryPolicy`]; what finally fails is one
//!   [`Error`] that says what happened and whether anything was sent.
//! - The data types are the ones generated from the API description, in
//!   [`types`].
//!
//! ```no_run
//! use futures::TryStreamExt;
//! use metronome_client::Client;
//!
//! # async fn run() -> Result<(), metronome_client::Error> {
//! let client = Client::from_env()?;
//!
//! // Every daily aggregate of January, for every customer and metric.
//! let mut usage = client
//!     .usage()
//!     .list("2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z", "day")
//!     .stream();
//! while let Some(row) = usage.try_next().await? {
//!     println!("{} {} {:?}", row.customer_id, row.billable_metric_name, row.value);
//! }
//!
//! // One customer's costs for the same month, by credit type.
//! let days: Vec<_> = client
//!     .customers()
//!     .list_costs("d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc", "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z")
//!     .stream()
//!     .try_collect()
//!     .await?;
//! for day in &days {
//!     for cost in day.credit_types.values() {
//!         println!("{}: {:?} {:?}", day.start_timestamp, cost.cost, cost.name);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The bearer token never appears in `Debug` output, logs or errors.

mod args;
mod client;
mod error;
mod exchange;
mod page;
mod pagination;
mod raw;
mod request;
pub mod resources;
mod retry;

pub use args::{IntoId, IntoTimestamp, IntoWindowSize};
pub use client::{BASE_URL_VAR, Client, ClientBuilder, DEFAULT_BASE_URL, TOKEN_VAR};
pub use error::{ApiError, ApiErrorKind, DecodeError, Error, LOW_LEVEL_OPERATION, RequestContext};
pub use page::Page;
pub use pagination::{DEFAULT_PREFETCH, ItemStream, PageStream, Partitioned};
pub use raw::{PaginateExt, RawItems, RawPages};
pub use request::{CUSTOM_OPERATION, CustomRequest, CustomResponse};
pub use resources::billable_metrics::{BillableMetrics, ListBillableMetrics};
pub use resources::contracts::{Contracts, ListBalances};
pub use resources::customers::{Customers, GetCustomer, ListCustomerCosts, ListCustomers};
pub use resources::usage::{
    Event, Ingest, ListGroupedUsage, ListUsage, MAX_EVENTS_PER_REQUEST, MetricFilter, Usage,
};
pub use retry::RetryPolicy;

/// The request and response types, generated from the API description.
pub use metronome_api::types;

/// The HTTP client underneath, at the version this crate uses (for
/// [`ClientBuilder::http_client`] and [`Client::request`]'s `Method`).
pub use metronome_api::reqwest;
