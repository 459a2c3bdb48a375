//! Where requests are built: one module per resource, each a handler
//! (`client.usage()`) whose methods return request builders that are sent
//! with `send()` (one page), `pages()` or `stream()` (every item).

pub mod customers;
pub mod usage;

use std::future::Future;

use metronome_api::ResponseValue;
use metronome_api::types::ErrorResponse;
use serde::de::DeserializeOwned;

use crate::{Error, Page, exchange};

/// Runs one generated call and turns its outcome into a [`Page`] or an
/// [`Error`]; `split` takes the items and the cursor out of the response.
///
/// Callers box the generated future where they create it
/// (`Box::pin(call.send())`): it is several kilobytes, and moving it by
/// value through each wrapper costs more per request than one allocation
/// (see `benches/request_cost.rs`).
pub(crate) async fn fetch_page<R, T>(
    operation: &'static str,
    call: impl Future<Output = Result<ResponseValue<R>, progenitor_client::Error<ErrorResponse>>>,
    split: fn(R) -> (Vec<T>, Option<String>),
) -> Result<Page<T>, Error>
where
    R: DeserializeOwned,
{
    let (result, exchange) = exchange::record(call).await;
    match result {
        Ok(value) => {
            let status = value.status();
            let headers = exchange.response.map(|r| r.headers).unwrap_or_default();
            let (data, next_page) = split(value.into_inner());
            Ok(Page::new(data, next_page, status, headers))
        }
        Err(error) => Err(Error::from_generated::<R, _>(error, exchange, operation)),
    }
}
