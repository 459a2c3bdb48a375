//! The low-level client's seat (`client.api()`, with the `api` feature):
//! the generated `metronome_api::Client`, holding the client's token and
//! headers, sends every request through the same retries, limits,
//! middleware and spans as the SDK's own, and gets back a response whose
//! body is already in memory.

use bytes::Bytes;
use metronome_api::{ClientState, OperationInfo, Transport, TransportFuture};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;

use crate::classify::BodyTooLarge;
use crate::transport::call::{Call, Outcome as Attempt, Sent};
use crate::transport::connection::ClientHeaders;
use crate::transport::options::CallOptions;
use crate::transport::retry::{Again, RetryTransport, rebuild, timed_out_body};

/// The low-level client of a client: its state holds the client's token,
/// user agent and default headers (its own hook puts them on each request,
/// and `client.api().inner()` shows them, redacted), and it sends through
/// the client's transport.
pub(crate) fn client(
    base_url: &str,
    http: &reqwest::Client,
    transport: &RetryTransport,
    headers: &ClientHeaders,
) -> metronome_api::Client {
    let seat = Seat {
        transport: transport.clone(),
    };
    let state = ClientState::new()
        .with_authorization(headers.authorization.clone())
        .with_user_agent(headers.user_agent.clone())
        .with_default_headers(headers.defaults.clone())
        .with_transport(seat);
    metronome_api::Client::new_with_client(base_url, http.clone(), state)
}

/// What the generated client sends through.
struct Seat {
    transport: RetryTransport,
}

impl Transport for Seat {
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        info: &'a OperationInfo,
    ) -> TransportFuture<'a> {
        let route = metronome_api::operation_route(info.operation_id).map(|(_, path)| path);
        let call = Call::new(info.operation_id, route, CallOptions::default());
        Box::pin(async move {
            let sent = self
                .transport
                .send(client, request, Again::Copy, call)
                .await;
            finish(self.transport.max_response_bytes, sent, info)
        })
    }
}

/// Hands the generated code a response whose body is already in memory
/// (`cap`: the body limit a too-large response was refused at).
fn finish(cap: u64, sent: Sent, info: &OperationInfo) -> reqwest::Result<reqwest::Response> {
    let attempts = sent.attempts;
    match sent.outcome {
        Attempt::Failed(e) => {
            tracing::debug!(operation = info.operation_id, attempts, error = %e, "metronome: request failed");
            Err(e)
        }
        Attempt::TimedOut(limit) => {
            tracing::debug!(
                operation = info.operation_id,
                attempts,
                timeout_ms = limit.as_millis() as u64,
                "metronome: attempt timed out"
            );
            // No response arrived. The generated code reads the body of
            // an error status whatever the operation; this one fails
            // with a timed-out I/O error, which `Error::Timeout` is made
            // of, as reqwest's own timeout would be.
            Ok(rebuild(
                StatusCode::GATEWAY_TIMEOUT,
                HeaderMap::new(),
                timed_out_body(limit),
            ))
        }
        Attempt::TooLarge(status, headers) => {
            tracing::debug!(
                operation = info.operation_id,
                status = status.as_u16(),
                cap,
                "metronome: response too large"
            );
            // The generated code reads the body next: it gets this
            // error instead, which every layer maps to
            // `Error::ResponseTooLarge` (see `BodyTooLarge`).
            let refused = futures::stream::once(async move {
                Err::<Bytes, _>(BodyTooLarge { status, limit: cap })
            });
            Ok(rebuild(
                status,
                headers,
                reqwest::Body::wrap_stream(refused),
            ))
        }
        Attempt::Response(recorded) => {
            tracing::trace!(
                operation = info.operation_id,
                attempts,
                status = recorded.status.as_u16(),
                bytes = recorded.body.len(),
                "metronome: response"
            );
            Ok(rebuild(
                recorded.status,
                recorded.headers,
                recorded.body.into(),
            ))
        }
    }
}
