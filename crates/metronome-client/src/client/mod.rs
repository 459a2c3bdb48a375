//! The client, its configuration, and how it is built from the
//! environment.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;

pub(crate) mod custom;

use crate::Error;
use crate::transport::connection::{ClientHeaders, Connection};
use crate::transport::middleware::Middleware;
use crate::transport::retry::{RetryPolicy, RetryTransport};

/// Metronome's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.metronome.com";

/// Environment variable holding the bearer token.
pub const TOKEN_VAR: &str = "METRONOME_BEARER_TOKEN";

/// Environment variable overriding the base URL.
pub const BASE_URL_VAR: &str = "METRONOME_BASE_URL";

/// Environment variable adding headers to every request: one `Name: value`
/// per line, as Metronome's Python and TypeScript SDKs read it.
pub const CUSTOM_HEADERS_VAR: &str = "METRONOME_CUSTOM_HEADERS";

const USER_AGENT: &str = concat!("metronome-client/", env!("CARGO_PKG_VERSION"), " (rust)");

/// A Metronome API client.
///
/// Cheap to clone (clones share one connection pool) and `Send + Sync`.
/// Its `Debug` output never shows the bearer token.
///
/// ```no_run
/// # async fn run() -> Result<(), metronome_client::Error> {
/// let client = metronome_client::Client::from_env()?;
/// let page = client
///     .usage()
///     .list("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", "hour")
///     .send()
///     .await?;
/// println!("{} aggregates", page.data.len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    connection: Connection,
    timeout: Duration,
}

impl Client {
    /// A client configured from the environment: `METRONOME_BEARER_TOKEN`
    /// (required) and `METRONOME_BASE_URL` (optional). Blank values count
    /// as unset.
    ///
    /// To read the environment and then set more in code, start from
    /// [`ClientBuilder::from_env`].
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env().build()
    }

    /// A builder for a client configured in code.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The generated low-level client (the `metronome-api` crate, with the
    /// `api` feature). Its requests go through the same token, headers,
    /// retries and limits.
    #[cfg(feature = "api")]
    pub fn api(&self) -> &metronome_api::Client {
        &self.inner.connection.api
    }

    /// The base URL requests go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.connection.base_url
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.connection.transport.policy
    }

    /// The timeout of each attempt.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// Retries after a failed first attempt, as set with
    /// [`ClientBuilder::max_retries`] (or the retry policy's).
    pub fn max_retries(&self) -> u32 {
        self.inner.connection.transport.policy.retries()
    }

    /// Where every call goes.
    pub(crate) fn connection(&self) -> &Connection {
        &self.inner.connection
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("bearer_token", &"<redacted>")
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.connection.transport.policy)
            .finish_non_exhaustive()
    }
}

/// The largest response body read by default (see
/// [`ClientBuilder::max_response_bytes`]).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

/// Configures a [`Client`].
///
/// ```
/// use std::time::Duration;
///
/// let client = metronome_client::Client::builder()
///     .bearer_token("my-token")
///     .base_url("https://api.metronome.com")
///     .timeout(Duration::from_secs(30))
///     .max_retries(3)
///     .build()?;
/// assert_eq!(client.retry_policy().retries(), 3);
/// # Ok::<(), metronome_client::Error>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    bearer_token: Option<String>,
    base_url: Option<String>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    http_client: Option<reqwest::Client>,
    max_response_bytes: u64,
    default_headers: Vec<(String, String)>,
    middleware: Vec<Arc<dyn Middleware>>,
    /// Whether the environment was read, for an honest error when no
    /// token came from anywhere.
    read_env: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            bearer_token: None,
            base_url: None,
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            http_client: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            default_headers: Vec::new(),
            middleware: Vec::new(),
            read_env: false,
        }
    }
}

impl ClientBuilder {
    /// A builder that starts from the environment: `METRONOME_BEARER_TOKEN`,
    /// `METRONOME_BASE_URL` and `METRONOME_CUSTOM_HEADERS` (blank values
    /// count as unset). What is set in code afterwards wins: the token and
    /// base URL replace the environment's, headers are added after its
    /// headers.
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// let client = metronome_client::ClientBuilder::from_env()
    ///     .timeout(Duration::from_secs(20))
    ///     .max_retries(5)
    ///     .build()?;
    /// assert_eq!(client.max_retries(), 5);
    /// # Ok::<(), metronome_client::Error>(())
    /// ```
    pub fn from_env() -> Self {
        Self::default().with_env(|name| std::env::var(name).ok())
    }

    /// Reads the token and base URL through `lookup` (the environment, in
    /// [`Client::from_env`]); values already set win, blank values count as
    /// unset.
    fn with_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> Self {
        let present = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        self.read_env = true;
        if self.bearer_token.is_none() {
            self.bearer_token = present(TOKEN_VAR);
        }
        if self.base_url.is_none() {
            self.base_url = present(BASE_URL_VAR);
        }
        // Under the headers set in code: those are added after, and win.
        if let Some(lines) = present(CUSTOM_HEADERS_VAR) {
            let from_env = lines.lines().filter(|l| !l.trim().is_empty()).map(|line| {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                (name.trim().to_string(), value.trim().to_string())
            });
            let mut headers: Vec<_> = from_env.collect();
            headers.append(&mut self.default_headers);
            self.default_headers = headers;
        }
        self
    }

    /// Sends this header on every request (unless the request sets it
    /// itself). It never replaces `Authorization`; a `User-Agent` replaces
    /// the default one. An invalid name or value fails [`build`](Self::build)
    /// (naming the header, never quoting the value).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// Adds a layer to the transport, below the retries: it runs once per
    /// attempt, after the layers added before it (see
    /// [`middleware`](crate::middleware)).
    pub fn middleware(mut self, layer: impl Middleware) -> Self {
        self.middleware.push(Arc::new(layer));
        self
    }

    /// The API token, sent as `Authorization: Bearer <token>`. Required.
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_token = Some(token.into());
        self
    }

    /// Where requests go (default `https://api.metronome.com`). A path
    /// prefix is kept; a trailing slash is ignored.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The longest one attempt may take, response body included (default
    /// 60 s), middleware included: a layer that hangs, or answers with a
    /// body that never ends, times out like the network. Retries get a
    /// fresh timeout each.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest connecting may take (default 10 s). Ignored with
    /// [`ClientBuilder::http_client`]: configure that client instead.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries after a failed first attempt (default 2; 0 disables).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.retry = self.retry.max_retries(retries);
        self
    }

    /// The whole retry policy: count, backoff, cap on `retry-after`.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Sends requests with this `reqwest::Client` (proxies, TLS roots,
    /// connection pool settings). The token, timeout and retries still
    /// apply; its redirect policy replaces the client's: build it with
    /// [`redirect_policy`] so that no header follows a redirect to another
    /// origin.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The largest response body read, in bytes (default
    /// [`DEFAULT_MAX_RESPONSE_BYTES`], 32 MiB); a larger
    /// one fails with [`Error::ResponseTooLarge`] instead of being buffered.
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Builds the client.
    ///
    /// Fails with [`Error::Config`] without a bearer token, with a token
    /// that cannot be sent in a header, or with a base URL that is not an
    /// `http` or `https` URL.
    pub fn build(self) -> Result<Client, Error> {
        let token = self
            .bearer_token
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| {
                Error::Config(if self.read_env {
                    format!("no bearer token: {TOKEN_VAR} is unset or blank, and .bearer_token() was not called")
                } else {
                    format!(
                        "no bearer token: call .bearer_token(), or start from ClientBuilder::from_env() \
                         (Client::builder() does not read {TOKEN_VAR})"
                    )
                })
            })?;
        let base_url = normalize_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let http = match self.http_client {
            Some(client) => client,
            None => {
                let builder = reqwest::Client::builder()
                    .connect_timeout(self.connect_timeout)
                    .redirect(redirect_policy());
                #[cfg(feature = "rustls-ring")]
                let builder = builder.use_preconfigured_tls(ring_tls()?);
                builder
                    .build()
                    .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?
            }
        };
        let default_headers = header_map(&self.default_headers)?;
        let transport = RetryTransport {
            policy: self.retry,
            timeout: Some(self.timeout),
            max_response_bytes: self.max_response_bytes,
            middleware: self.middleware.into(),
        };
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                Error::Config(
                    "the bearer token contains characters that cannot be sent in an HTTP header"
                        .into(),
                )
            })?;
        authorization.set_sensitive(true);
        let headers = ClientHeaders {
            authorization,
            user_agent: HeaderValue::from_static(USER_AGENT),
            defaults: default_headers,
        };
        #[cfg(feature = "api")]
        let api = crate::transport::low_level::client(&base_url, &http, &transport, &headers);
        Ok(Client {
            inner: Arc::new(Inner {
                connection: Connection {
                    http,
                    base_url,
                    headers,
                    transport,
                    #[cfg(feature = "api")]
                    api,
                },
                timeout: self.timeout,
            }),
        })
    }
}

/// Where the client follows a redirect: within the origin (scheme, host
/// and port) of the request, up to 10 times. A redirect to another origin
/// is not followed: its `3xx` answer comes back as [`Error::Api`], with
/// the `Location` header among its headers. Every header the client sends
/// stays with the origin it was meant for: the token, default headers
/// such as `x-api-key`, and any header a middleware adds (reqwest's own
/// policy drops only `Authorization` and cookies on the way out).
///
/// The client uses it unless given its own `reqwest::Client`
/// ([`ClientBuilder::http_client`]); give that one this policy too:
///
/// ```
/// let http = metronome_client::reqwest::Client::builder()
///     .redirect(metronome_client::redirect_policy())
///     .build()
///     .unwrap();
/// let client = metronome_client::Client::builder()
///     .bearer_token("my-token")
///     .http_client(http)
///     .build()?;
/// # Ok::<(), metronome_client::Error>(())
/// ```
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt.previous().first().is_some_and(|first| {
            first.scheme() == attempt.url().scheme()
                && first.host_str() == attempt.url().host_str()
                && first.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if !same_origin {
            attempt.stop()
        } else if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else {
            attempt.follow()
        }
    })
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .field(
                "default_headers",
                &self
                    .default_headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("middleware", &self.middleware.len())
            .finish_non_exhaustive()
    }
}

/// The TLS configuration of the `rustls-ring` feature: rustls with the
/// `ring` provider, certificates checked against the platform's roots as
/// reqwest checks them, TLS 1.2 and 1.3. The provider belongs to this
/// configuration only: nothing is installed for the whole process.
#[cfg(feature = "rustls-ring")]
fn ring_tls() -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| Error::Config(format!("cannot load the platform's TLS roots: {e}")))?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("cannot configure TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(config)
}

/// The default headers, checked. Values whose name suggests a credential
/// are marked sensitive (hyper and reqwest then never log them).
fn header_map(pairs: &[(String, String)]) -> Result<reqwest::header::HeaderMap, Error> {
    use reqwest::header::{HeaderMap, HeaderName};
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        let shown = format!("{:?}", crate::error::excerpt(name.as_bytes(), 40));
        let header = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Error::Config(format!("default header {shown} is not a valid header name"))
        })?;
        if header == reqwest::header::AUTHORIZATION {
            return Err(Error::Config(
                "default header authorization: the bearer token sets it; use .bearer_token()"
                    .into(),
            ));
        }
        let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
            Error::Config(format!(
                "default header {shown} has a value that cannot be sent in a header"
            ))
        })?;
        if crate::error::secret_header(header.as_str()) {
            value.set_sensitive(true);
        }
        // A later one of the same name wins: code over the environment.
        headers.insert(header, value);
    }
    Ok(headers)
}

/// Checks that `url` is an absolute http(s) URL and drops trailing slashes,
/// so that operation paths can be appended (`{base}/v1/usage`). Credentials
/// in the URL (`user:secret@`) are refused: they would never be used (the
/// bearer token authenticates) and would show in `Debug` and errors.
fn normalize_base_url(url: &str) -> Result<String, Error> {
    let trimmed = url.trim().trim_end_matches('/');
    let shown = without_userinfo(trimmed);
    let parsed = reqwest::Url::parse(trimmed)
        .map_err(|e| Error::Config(format!("base URL {shown:?} is not a URL: {e}")))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::Config(format!(
            "base URL {shown:?} carries credentials (user:password@); leave them out: \
             the bearer token authenticates every request"
        )));
    }
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(Error::Config(format!(
            "base URL {shown:?} must be an http:// or https:// URL with a host"
        )));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(Error::Config(format!(
            "base URL {shown:?} must not have a query or fragment"
        )));
    }
    Ok(trimmed.to_string())
}

/// A URL as an error may show it: anything between `://` and an `@` before
/// the path (credentials) replaced by `***`.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_headers_from_the_environment_sit_under_those_set_in_code() {
        let builder = ClientBuilder::default()
            .default_header("x-b", "code")
            .with_env(|name| match name {
                TOKEN_VAR => Some("t".into()),
                CUSTOM_HEADERS_VAR => Some("x-a: one\nx-b: env\n\n x-c:two:parts ".into()),
                _ => None,
            });
        let headers = header_map(&builder.default_headers).unwrap();
        let value = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_string());
        assert_eq!(value("x-a").as_deref(), Some("one"));
        assert_eq!(value("x-b").as_deref(), Some("code"));
        assert_eq!(value("x-c").as_deref(), Some("two:parts"));
        assert_eq!(headers.len(), 3);
    }

    #[test]
    fn credentials_in_the_base_url_are_refused_and_never_shown() {
        for url in [
            "http://user:s3cr3t-pw@127.0.0.1:9/",
            "https://s3cr3t-pw@api.example.com",
            "http://user:s3cr3t-pw@exa mple.com",
        ] {
            let err = Client::builder()
                .bearer_token("t")
                .base_url(url)
                .build()
                .unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{url}: {err:?}");
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
            assert!(!format!("{err:?}").contains("s3cr3t"), "{err:?}");
        }
    }

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn from_env_reads_token_and_base_url() {
        let client = ClientBuilder::default()
            .with_env(env(&[
                (TOKEN_VAR, "t0k"),
                (BASE_URL_VAR, "http://127.0.0.1:9/prefix/"),
            ]))
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:9/prefix");
    }

    #[test]
    fn blank_env_values_count_as_unset() {
        let client = ClientBuilder::default()
            .with_env(env(&[(TOKEN_VAR, "t0k"), (BASE_URL_VAR, "   ")]))
            .build()
            .unwrap();
        assert_eq!(client.base_url(), DEFAULT_BASE_URL);
        let err = ClientBuilder::default()
            .with_env(env(&[(TOKEN_VAR, " ")]))
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid client configuration: no bearer token: METRONOME_BEARER_TOKEN is unset or blank, and .bearer_token() was not called"
        );
        // A builder that never read the environment says so, instead of
        // asking for a variable that may well be set.
        let err = Client::builder().build().unwrap_err();
        assert!(
            err.to_string()
                .contains("Client::builder() does not read METRONOME_BEARER_TOKEN"),
            "{err}"
        );
    }

    #[test]
    fn code_settings_override_the_environment_they_start_from() {
        let client = ClientBuilder::default()
            .with_env(env(&[
                (TOKEN_VAR, "t0k"),
                (BASE_URL_VAR, "http://from-env.test"),
            ]))
            .base_url("https://from-code.test")
            .timeout(Duration::from_secs(7))
            .max_retries(5)
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://from-code.test");
        assert_eq!(client.timeout(), Duration::from_secs(7));
        assert_eq!(client.max_retries(), 5);
    }

    #[test]
    fn explicit_settings_win_over_the_environment() {
        let client = Client::builder()
            .bearer_token("explicit")
            .base_url("https://example.test")
            .with_env(env(&[
                (TOKEN_VAR, "t0k"),
                (BASE_URL_VAR, "http://other.test"),
            ]))
            .build()
            .unwrap();
        assert_eq!(client.base_url(), "https://example.test");
    }

    #[test]
    fn the_default_base_url_is_https() {
        let client = Client::builder().bearer_token("t").build().unwrap();
        assert_eq!(client.base_url(), "https://api.metronome.com");
        assert!(client.base_url().starts_with("https://"));
    }

    #[test]
    fn bad_base_urls_and_tokens_are_config_errors() {
        for url in [
            "api.metronome.com",
            "ftp://x.test",
            "https://x.test/?a=1",
            "not a url",
        ] {
            let err = Client::builder()
                .bearer_token("t")
                .base_url(url)
                .build()
                .unwrap_err();
            assert!(matches!(err, Error::Config(_)), "{url}: {err}");
        }
        let err = Client::builder()
            .bearer_token("line\nbreak")
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if !m.contains("line")),
            "{err}"
        );
    }

    #[test]
    fn debug_never_shows_the_token() {
        let builder = Client::builder().bearer_token("sk-secret-123");
        assert!(!format!("{builder:?}").contains("sk-secret-123"));
        let client = builder.build().unwrap();
        // The connection's too: its headers, and the low-level client
        // with the `api` feature.
        let debug = format!("{client:?} {:?}", client.inner.connection);
        assert!(!debug.contains("sk-secret-123"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn client_is_send_sync_and_cheap_to_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Client>();
        let client = Client::builder().bearer_token("t").build().unwrap();
        let clone = client.clone();
        assert!(Arc::ptr_eq(&client.inner, &clone.inner));
    }
}
