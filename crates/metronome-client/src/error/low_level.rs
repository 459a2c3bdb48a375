//! The low-level client's errors (`client.api()`, with the `api`
//! feature) as this crate's [`Error`].

use super::{DecodeError, Error, RequestContext, api, json_path, transport};
use bytes::Bytes;

/// The operation name of errors converted from the low-level client, which
/// does not say which operation failed (with the `api` feature).
pub const LOW_LEVEL_OPERATION: &str = "metronome_api call";

/// The errors of the low-level client (`client.api()…send()`, with the
/// `api` feature), as this crate's: `?` converts them. The low-level client keeps less than the
/// resources do: the operation is [`LOW_LEVEL_OPERATION`], the attempts are
/// counted as one, an error body is re-encoded from its decoded form, the
/// body of an undocumented status is not read, and a decode failure has no
/// status.
///
/// ```no_run
/// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
/// let customer = client
///     .api()
///     .customers_retrieve()
///     .customer_id(uuid::Uuid::nil())
///     .send()
///     .await?;
/// println!("{}", customer.data.name);
/// # Ok(())
/// # }
/// ```
impl<E: serde::Serialize> From<progenitor_client::Error<E>> for Error {
    fn from(error: progenitor_client::Error<E>) -> Self {
        use progenitor_client::Error as Generated;
        let context = RequestContext {
            operation: LOW_LEVEL_OPERATION,
            attempts: 1,
            page: None,
        };
        match error {
            Generated::InvalidRequest(message) | Generated::Custom(message) => {
                Error::InvalidRequest(message)
            }
            Generated::CommunicationError(source)
            | Generated::InvalidUpgrade(source)
            | Generated::ResponseBodyError(source) => transport(context, source),
            Generated::ErrorResponse(value) => {
                let status = value.status();
                let headers = value.headers().clone();
                let body = serde_json::to_vec(value.as_ref()).unwrap_or_default();
                api(context, status, headers, body.into(), None)
            }
            Generated::UnexpectedResponse(response) => api(
                context,
                response.status(),
                response.headers().clone(),
                Bytes::new(),
                None,
            ),
            Generated::InvalidResponsePayload(body, source) => {
                Error::Decode(Box::new(DecodeError {
                    context,
                    status: None,
                    path: json_path::path_of(&body, &source),
                    body,
                    source,
                }))
            }
        }
    }
}
