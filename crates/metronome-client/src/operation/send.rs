//! Where a built request is sent and its answer decoded, once: through the
//! client's transport with the call's options, then the success type from
//! the bytes the transport read, or an [`Error`] with the status, headers
//! and body.

use bytes::Bytes;
use serde::de::DeserializeOwned;

use crate::error::{self, RequestContext, json_path};
use crate::operation::request::HttpRequest;
use crate::operation::response::Response;
use crate::transport::call::{Call, CursorAhead, Outcome, Recorded};
use crate::transport::connection::Connection;
use crate::transport::options::CallOptions;
use crate::transport::retry::Again;
use crate::{DecodeError, Error};

/// A response read whole, with the call it answers.
pub(crate) struct Answer {
    pub context: RequestContext,
    pub recorded: Recorded,
}

/// Sends `request` as one call (its attempts, retries and limits) and
/// returns the 2xx answer, or the error it came to. Not generic: compiled
/// once, whatever the operation.
pub(crate) async fn exchange(
    connection: &Connection,
    request: HttpRequest,
    options: CallOptions,
    page: Option<u64>,
    ahead: Option<CursorAhead>,
) -> Result<Answer, Error> {
    let answer = respond(connection, request, options, page, ahead).await?;
    if answer.recorded.status.is_success() {
        Ok(answer)
    } else {
        // Any other status (an error, or a 1xx/3xx that was not followed)
        // is the API's answer, kept whole.
        let Answer { context, recorded } = answer;
        Err(error::api(
            context,
            recorded.status,
            recorded.headers,
            recorded.body,
            None,
        ))
    }
}

/// Sends `request` as one call and returns the response it came to,
/// whatever its status, or the transport's failure as an [`Error`].
pub(crate) async fn respond(
    connection: &Connection,
    request: HttpRequest,
    options: CallOptions,
    page: Option<u64>,
    ahead: Option<CursorAhead>,
) -> Result<Answer, Error> {
    let operation = request.operation;
    let call = Call {
        operation,
        route: request.route,
        options,
        page,
        ahead,
    };
    let first = request.build(connection)?;
    // A retry builds the request again rather than every call copying it.
    let again = || request.build(connection).ok();
    let sent = connection.send(first, Again::Rebuild(&again), call).await;
    let context = RequestContext {
        operation,
        attempts: sent.attempts.max(1),
        page: None,
    };
    match sent.outcome {
        Outcome::Response(recorded) => Ok(Answer { context, recorded }),
        Outcome::TooLarge(status, _) => Err(Error::ResponseTooLarge {
            context,
            status,
            limit: connection.transport.max_response_bytes,
        }),
        Outcome::Failed(source) => Err(error::transport(context, source)),
        Outcome::TimedOut(limit) => Err(Error::Timeout {
            context,
            source: crate::transport::retry::timed_out(limit).await,
        }),
    }
}

/// Decodes a success's JSON body (an empty one as `null`).
pub(crate) fn decode<R: DeserializeOwned>(answer: Answer) -> Result<Response<R>, Error> {
    let Answer { context, recorded } = answer;
    let empty = recorded.body.iter().all(u8::is_ascii_whitespace);
    let text: &[u8] = if empty { b"null" } else { &recorded.body };
    match serde_json::from_slice::<R>(text) {
        Ok(body) => Ok(Response::new(body, recorded.status, recorded.headers)),
        Err(source) => Err(Error::Decode(Box::new(DecodeError {
            context,
            status: Some(recorded.status),
            path: json_path::path_of(&recorded.body, &source),
            body: recorded.body,
            source,
        }))),
    }
}

/// Sends a request whose answer is JSON of type `R`.
pub(crate) async fn json<R: DeserializeOwned>(
    connection: &Connection,
    request: Result<HttpRequest, Error>,
    options: CallOptions,
) -> Result<Response<R>, Error> {
    decode(exchange(connection, request?, options, None, None).await?)
}

/// Sends a request whose answer carries nothing: whatever body comes
/// with the 2xx is not read.
pub(crate) async fn unit(
    connection: &Connection,
    request: Result<HttpRequest, Error>,
    options: CallOptions,
) -> Result<Response<()>, Error> {
    let answer = exchange(connection, request?, options, None, None).await?;
    Ok(Response::new(
        (),
        answer.recorded.status,
        answer.recorded.headers,
    ))
}

/// Sends a request whose answer is a document (the invoice PDF): its
/// bytes, as the transport read them.
pub(crate) async fn bytes(
    connection: &Connection,
    request: Result<HttpRequest, Error>,
    options: CallOptions,
) -> Result<Response<Bytes>, Error> {
    let mut request = request?;
    request.json = false;
    let answer = exchange(connection, request, options, None, None).await?;
    let Recorded {
        status,
        headers,
        body,
    } = answer.recorded;
    Ok(Response::new(body, status, headers))
}
