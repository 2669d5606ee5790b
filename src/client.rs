//! The HTTP side: one shared reqwest client, the target's base URL (which may
//! carry a path prefix), and [`Exchange`]: one request and what came back
//! (status, headers, body bytes, elapsed), or the transport error. Sending
//! never asserts anything; checking is `check`'s job.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::secret::Redactor;

/// The most body bytes read from one response; more is a finding.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// Header carrying the CSRF token on every session request.
pub const CSRF_HEADER: &str = "ININ-ICWS-CSRF-Token";

/// A target server: base URL and the client that talks to it.
#[derive(Debug, Clone)]
pub struct Target {
    base: String,
    client: reqwest::Client,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Body size limit.
    pub max_body: usize,
}

/// Why a target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The base URL does not parse or is not http(s).
    #[error("--base-url {0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl Target {
    /// A target at `base_url` (e.g. `https://cic.example:8019` or
    /// `https://gw.example/cic`), with a per-request timeout.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, TargetError> {
        let parsed =
            url::Url::parse(base_url).map_err(|_| TargetError::BadUrl(base_url.to_owned()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(TargetError::BadUrl(base_url.to_owned()));
        }
        let mut base = parsed.as_str().trim_end_matches('/').to_owned();
        if parsed.query().is_some() || parsed.fragment().is_some() {
            base = format!(
                "{}://{}{}",
                parsed.scheme(),
                authority(&parsed),
                parsed.path().trim_end_matches('/')
            );
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A redirect would carry the session's token and cookie elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| TargetError::Client(crate::report::error_chain(&e)))?;
        Ok(Self {
            base,
            client,
            timeout,
            max_body: DEFAULT_MAX_BODY,
        })
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// The absolute URL of `path` (which starts with `/icws`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends one request and reads the whole response (up to `max_body`).
    pub async fn send(&self, req: Request, redactor: &Redactor) -> Exchange {
        let shown_headers = req
            .headers
            .iter()
            .map(|(n, v)| {
                let shown = match v {
                    Sent::Plain(v) => v.clone(),
                    Sent::Secret(_) => crate::secret::REDACTED.to_owned(),
                };
                format!("{n}: {shown}")
            })
            .collect();
        let request_line = format!("{} {}", req.method, req.path);
        let mut builder = self.client.request(req.method.clone(), self.url(&req.path));
        let mut headers = HeaderMap::new();
        for (name, value) in &req.headers {
            let text = match value {
                Sent::Plain(v) => v.as_str(),
                Sent::Secret(s) => s.expose(),
            };
            match (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(text),
            ) {
                (Ok(n), Ok(mut v)) => {
                    v.set_sensitive(matches!(value, Sent::Secret(_)));
                    headers.append(n, v);
                }
                _ => {
                    return Exchange::failed(
                        request_line,
                        shown_headers,
                        format!("header {name} cannot be sent as given"),
                    );
                }
            }
        }
        builder = builder.headers(headers);
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let started = Instant::now();
        let outcome = match builder.send().await {
            Err(e) => Err(describe_transport(&e, self.timeout, redactor)),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let headers = scrub_headers(resp.headers(), redactor);
                match read_body(resp, self.max_body).await {
                    Ok(body) => Ok(Response {
                        status,
                        headers,
                        body: redactor.scrub_bytes(&body).unwrap_or(body),
                    }),
                    Err(BodyError::TooLarge) => Err(format!(
                        "the body is larger than {} bytes; stopped reading",
                        self.max_body
                    )),
                    Err(BodyError::Transport(e)) => Err(format!(
                        "status {status} received, then the body failed: {}",
                        describe_transport(&e, self.timeout, redactor)
                    )),
                }
            }
        };
        Exchange {
            request_line,
            request_headers: shown_headers,
            outcome,
            elapsed: started.elapsed(),
        }
    }
}

/// The response headers with every secret replaced (a server may echo them).
fn scrub_headers(headers: &HeaderMap, redactor: &Redactor) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let value = match redactor.scrub_bytes(value.as_bytes()) {
            Some(clean) => HeaderValue::from_bytes(&clean)
                .unwrap_or_else(|_| HeaderValue::from_static("<redacted>")),
            None => value.clone(),
        };
        out.append(name.clone(), value);
    }
    out
}

fn authority(u: &url::Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

enum BodyError {
    TooLarge,
    Transport(reqwest::Error),
}

async fn read_body(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, BodyError> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > max {
            return Err(BodyError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn describe_transport(e: &reqwest::Error, timeout: Duration, redactor: &Redactor) -> String {
    let text = if e.is_timeout() {
        format!(
            "no complete answer within the timeout of {}s",
            timeout.as_secs_f64()
        )
    } else {
        let text = crate::report::error_chain(e);
        // Every message around this one already names the URL.
        match e.url() {
            Some(url) => text.replace(&format!(" for url ({url})"), ""),
            None => text,
        }
    };
    redactor.scrub(&text)
}

/// A header value to send: plain, or a secret that reports never show.
#[derive(Debug, Clone)]
pub enum Sent {
    /// Shown as is.
    Plain(String),
    /// Shown as `<redacted>`.
    Secret(crate::secret::Secret),
}

/// One request to make.
#[derive(Debug, Clone)]
pub struct Request {
    /// GET, POST, DELETE.
    pub method: reqwest::Method,
    /// Path from the base URL, starting with `/icws`.
    pub path: String,
    /// Headers in order.
    pub headers: Vec<(String, Sent)>,
    /// Body, if any.
    pub body: Option<Vec<u8>>,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: reqwest::Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: Sent) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }
}

/// What came back.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

impl Response {
    /// All values of a header, as text (lossy).
    pub fn header_values(&self, name: &str) -> Vec<String> {
        self.headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    }
}

/// One request and its outcome.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `GET /icws/…`, for reports.
    pub request_line: String,
    /// The request headers as reports show them (secrets redacted).
    pub request_headers: Vec<String>,
    /// The response, or why there is none (already scrubbed of secrets).
    pub outcome: Result<Response, String>,
    /// Time from sending to the last body byte.
    pub elapsed: Duration,
}

impl Exchange {
    fn failed(request_line: String, request_headers: Vec<String>, why: String) -> Self {
        Self {
            request_line,
            request_headers,
            outcome: Err(why),
            elapsed: Duration::ZERO,
        }
    }
}
