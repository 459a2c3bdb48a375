//! Requests to any path: the escape hatch for what the API description
//! does not have yet (an endpoint Metronome added last week, a beta one).
//! They go through the same transport as every other call: the client's
//! token and User-Agent, retries, the body cap, and the same [`Error`].

use bytes::Bytes;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use crate::error::RequestContext;
use crate::transport::exchange;
use crate::transport::options::CallOptions;
use crate::{Client, Error};

/// The operation name errors of these requests carry.
pub const CUSTOM_OPERATION: &str = "custom request";

/// A request to a path of the API, built by [`Client::request`].
#[derive(Debug)]
#[must_use = "a request does nothing until it is sent"]
pub struct CustomRequest {
    client: Client,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Result<Vec<u8>, String>>,
    options: CallOptions,
}

crate::transport::options::call_options!(CustomRequest);

impl Client {
    /// A request to `path` (from the API's root, such as
    /// `/v1/customers`), for an endpoint the description lacks. It carries
    /// the client's token and is retried like any other call (so a `POST`
    /// that creates something is sent again after a timeout: turn retries
    /// off for this call with `.max_retries(0)` if that matters).
    ///
    /// ```no_run
    /// # async fn run(client: metronome_client::Client) -> Result<(), metronome_client::Error> {
    /// use metronome_client::reqwest::Method;
    ///
    /// let response = client
    ///     .request(Method::POST, "/v1/customers/archive")
    ///     .json(&serde_json::json!({"id": "d7abd0cd-4ae9-4db7-8676-e986a4ebd8dc"}))
    ///     .send()
    ///     .await?;
    /// let reply: serde_json::Value = response.json()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn request(&self, method: Method, path: impl Into<String>) -> CustomRequest {
        CustomRequest {
            client: self.clone(),
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
            options: CallOptions::default(),
        }
    }
}

impl CustomRequest {
    /// Adds a query parameter (repeat it for a list).
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// Sends `body` as JSON. A value that cannot be serialized fails at
    /// `send`, before anything goes out.
    pub fn json(mut self, body: &impl serde::Serialize) -> Self {
        self.body = Some(serde_json::to_vec(body).map_err(|e| e.to_string()));
        self
    }

    /// Sends the request. A 4xx or 5xx answer is [`Error::Api`]; any other
    /// is returned whole.
    pub async fn send(self) -> Result<CustomResponse, Error> {
        if !self.path.starts_with('/') || self.path.starts_with("//") {
            return Err(Error::InvalidRequest(format!(
                "the path must start with a single `/` (a path of the API, not a URL), got {:?}",
                self.path
            )));
        }
        let body = self
            .body
            .transpose()
            .map_err(|e| Error::InvalidRequest(format!("the JSON body: {e}")))?;
        let api = self.client.api();
        let url = format!("{}{}", api.baseurl(), self.path);
        let mut builder = api.client().request(self.method, url).query(&self.query);
        if let Some(body) = body {
            builder = builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body);
        }
        let mut request = builder
            .build()
            .map_err(|e| Error::InvalidRequest(format!("the request cannot be built: {e}")))?;
        let info = OperationInfo {
            operation_id: CUSTOM_OPERATION,
        };
        let (result, exchange) = exchange::record(self.options, async {
            api.pre::<()>(&mut request, &info)
                .await
                .map_err(|e| Error::InvalidRequest(e.to_string()))?;
            Ok::<_, Error>(api.exec(request, &info).await)
        })
        .await;
        let context = RequestContext {
            operation: CUSTOM_OPERATION,
            attempts: exchange.attempts.max(1),
            page: None,
        };
        let response = match result? {
            Ok(response) => response,
            Err(source) => return Err(crate::error::transport(context, source)),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|source| crate::error::transport(context.clone(), source))?;
        if status.is_client_error() || status.is_server_error() {
            return Err(crate::error::api(context, status, headers, body, None));
        }
        Ok(CustomResponse {
            context,
            status,
            headers,
            body,
        })
    }
}

/// The answer to a [`CustomRequest`].
#[derive(Debug, Clone)]
pub struct CustomResponse {
    context: RequestContext,
    /// The status (never 4xx or 5xx: those are errors).
    pub status: StatusCode,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body, as received.
    pub body: Bytes,
}

impl CustomResponse {
    /// Decodes the body as JSON into `T`; a mismatch is [`Error::Decode`]
    /// naming the path that failed.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|source| {
            Error::Decode(Box::new(crate::DecodeError {
                context: self.context.clone(),
                status: Some(self.status),
                body: self.body.clone(),
                path: crate::error::json_path::path_of(&self.body, &source),
                source,
            }))
        })
    }
}
