//! Where requests are built: one module per resource, each a handler
//! (`client.usage()`) whose methods return request builders that are sent
//! with `send()` (one page), `pages()` or `stream()` (every item).

pub mod billable_metrics;
pub mod contracts;
pub mod customers;
pub mod usage;

use std::future::Future;

use metronome_api::ResponseValue;
use serde::de::DeserializeOwned;

use crate::{Error, exchange};

/// Runs one generated call that is not a page (pages go through
/// [`crate::raw::fetch_page`]): its decoded body, status and headers, or
/// an [`Error`] with everything the transport recorded.
///
/// Callers box the generated future where they create it
/// (`Box::pin(call.send())`): it is several kilobytes, and moving it by
/// value through each wrapper costs more per request than one allocation
/// (see `benches/request_cost.rs`).
pub(crate) async fn call<R, E>(
    operation: &'static str,
    call: impl Future<Output = Result<ResponseValue<R>, progenitor_client::Error<E>>>,
) -> Result<(R, reqwest::StatusCode, reqwest::header::HeaderMap), Error>
where
    R: DeserializeOwned,
{
    let (result, exchange) = exchange::record(call).await;
    match result {
        Ok(value) => {
            let status = value.status();
            let headers = exchange.response.map(|r| r.headers).unwrap_or_default();
            Ok((value.into_inner(), status, headers))
        }
        Err(error) => Err(Error::from_generated::<R, _>(error, exchange, operation)),
    }
}

/// Checks a page size against the API's range, 1 to 100.
pub(crate) fn check_limit(limit: Option<u32>) -> Result<(), Error> {
    check_limit_up_to(limit, 100)
}

/// Like [`check_limit`], for an operation whose pages hold at most `max`.
pub(crate) fn check_limit_up_to(limit: Option<u32>, max: u32) -> Result<(), Error> {
    match limit {
        Some(n) if !(1..=max).contains(&n) => Err(Error::InvalidRequest(format!(
            "limit must be between 1 and {max}, got {n}"
        ))),
        _ => Ok(()),
    }
}
