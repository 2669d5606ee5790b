//! The HTTP side: one shared reqwest client, the target's base URL (which may
//! carry a path prefix), and [`Exchange`]: one request and what came back
//! (status, headers, body bytes, elapsed), or the transport error. Sending
//! never asserts anything; checking is `check`'s job.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::secret::{Redactor, Secret};

/// The most body bytes read from one response; more is a finding.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

/// Header carrying the CSRF token on every session request.
pub const CSRF_HEADER: &str = "ININ-ICWS-CSRF-Token";

/// How to reach the target: timeouts, limits, retries, TLS and proxy.
/// Every field has a flag and an environment variable (see `cli`).
#[derive(Debug, Clone)]
pub struct Transport {
    /// Per-request timeout (connect, headers and body together).
    pub timeout: Duration,
    /// The most body bytes read from one response; more is a finding.
    pub max_body: usize,
    /// Extra attempts after a transport failure before any response byte.
    pub retries: u32,
    /// Skip certificate verification (the CLI warns loudly).
    pub insecure: bool,
    /// Extra trusted root certificates (PEM, may hold several).
    pub ca_cert: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS, with `client_key`.
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of the client certificate.
    pub client_key: Option<PathBuf>,
    /// A proxy for every request (`http://`, `https://` or `socks5://`);
    /// `NO_PROXY` still applies. Without it, `HTTP_PROXY`, `HTTPS_PROXY`
    /// and `NO_PROXY` are honoured as usual.
    pub proxy: Option<Secret>,
}

impl Default for Transport {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_body: DEFAULT_MAX_BODY,
            retries: 0,
            insecure: false,
            ca_cert: None,
            client_cert: None,
            client_key: None,
            proxy: None,
        }
    }
}

/// A target server: base URL and the client that talks to it.
#[derive(Debug, Clone)]
pub struct Target {
    base: String,
    client: reqwest::Client,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Body size limit.
    pub max_body: usize,
    /// Extra attempts on transport failures.
    pub retries: u32,
}

/// Why a target could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The base URL does not parse or is not http(s).
    #[error("--base-url {0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    /// A certificate or key file is unreadable or not PEM.
    #[error("{flag} {path}: {why}")]
    File {
        /// The option that named it.
        flag: &'static str,
        /// The file.
        path: String,
        /// What is wrong.
        why: String,
    },
    /// The proxy URL is not usable (its text is not shown: it may hold a password).
    #[error("--proxy / ICWS_PROXY is not a usable proxy URL (http://, https:// or socks5://)")]
    Proxy,
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

fn read_pem(flag: &'static str, path: &Path) -> Result<Vec<u8>, TargetError> {
    let err = |why: String| TargetError::File {
        flag,
        path: path.display().to_string(),
        why,
    };
    let bytes = std::fs::read(path).map_err(|e| err(format!("cannot read it: {e}")))?;
    if !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return Err(err("not a PEM file (no -----BEGIN line)".into()));
    }
    Ok(bytes)
}

impl Target {
    /// A target at `base_url` with default transport settings and `timeout`.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, TargetError> {
        Self::with(
            base_url,
            &Transport {
                timeout,
                ..Transport::default()
            },
        )
    }

    /// A target at `base_url` (e.g. `https://cic.example:8019` or
    /// `https://gw.example/cic`), reached as `transport` says.
    pub fn with(base_url: &str, transport: &Transport) -> Result<Self, TargetError> {
        let shown = display_url(base_url);
        let parsed = url::Url::parse(base_url).map_err(|_| TargetError::BadUrl(shown.clone()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
            return Err(TargetError::BadUrl(shown));
        }
        let base = format!(
            "{}://{}{}",
            parsed.scheme(),
            authority(&parsed),
            parsed.path().trim_end_matches('/')
        );
        let timeout = transport.timeout;
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // Never followed: the endpoint answers directly, and a redirect
            // would carry the session's token and cookie to wherever it points.
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .deflate(true)
            .tls_danger_accept_invalid_certs(transport.insecure);
        if let Some(path) = &transport.ca_cert {
            let pem = read_pem("--ca-cert", path)?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| TargetError::File {
                    flag: "--ca-cert",
                    path: path.display().to_string(),
                    why: crate::report::error_chain(&e),
                })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        match (&transport.client_cert, &transport.client_key) {
            (Some(cert), Some(key)) => {
                let mut pem = read_pem("--client-cert", cert)?;
                pem.push(b'\n');
                pem.extend(read_pem("--client-key", key)?);
                let identity =
                    reqwest::Identity::from_pem(&pem).map_err(|e| TargetError::File {
                        flag: "--client-cert/--client-key",
                        path: format!("{} + {}", cert.display(), key.display()),
                        why: crate::report::error_chain(&e),
                    })?;
                builder = builder.identity(identity);
            }
            (None, None) => {}
            (Some(p), None) | (None, Some(p)) => {
                return Err(TargetError::File {
                    flag: "--client-cert/--client-key",
                    path: p.display().to_string(),
                    why: "mutual TLS needs both the certificate and its key".into(),
                });
            }
        }
        if let Some(proxy) = &transport.proxy {
            let p = reqwest::Proxy::all(proxy.expose()).map_err(|_| TargetError::Proxy)?;
            builder = builder.proxy(p.no_proxy(reqwest::NoProxy::from_env()));
        }
        let client = builder
            .build()
            .map_err(|e| TargetError::Client(crate::report::error_chain(&e)))?;
        Ok(Self {
            base,
            client,
            timeout,
            max_body: transport.max_body,
            retries: transport.retries,
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
        let mut attempts = Vec::new();
        let started = Instant::now();
        let outcome = loop {
            let attempt_started = Instant::now();
            let mut builder = self
                .client
                .request(req.method.clone(), self.url(&req.path))
                .headers(headers.clone());
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            let resp = match builder.send().await {
                Ok(resp) => resp,
                Err(e) => {
                    let why = describe_transport(&e, self.timeout, redactor);
                    attempts.push(Attempt {
                        outcome: why.clone(),
                        elapsed: attempt_started.elapsed(),
                    });
                    if retryable(&e) && attempts.len() <= self.retries as usize {
                        tokio::time::sleep(backoff(attempts.len())).await;
                        continue;
                    }
                    break Err(why);
                }
            };
            let status = resp.status().as_u16();
            let headers = scrub_headers(resp.headers(), redactor);
            let outcome = match read_body(resp, self.max_body).await {
                Ok(body) => Ok(Response {
                    status,
                    headers,
                    body: redactor.scrub_bytes(&body).unwrap_or(body),
                }),
                Err(BodyError::TooLarge) => Err(format!(
                    "status {status} received, then the body passed the limit of {} bytes \
                     (--max-body); stopped reading",
                    self.max_body
                )),
                Err(BodyError::Transport(e)) => Err(format!(
                    "status {status} received, then the body failed: {}",
                    describe_transport(&e, self.timeout, redactor)
                )),
            };
            attempts.push(Attempt {
                outcome: match &outcome {
                    Ok(r) => format!("status {}", r.status),
                    Err(why) => why.clone(),
                },
                elapsed: attempt_started.elapsed(),
            });
            break outcome;
        };
        Exchange {
            request_line,
            request_headers: shown_headers,
            outcome,
            elapsed: started.elapsed(),
            attempts,
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

/// A URL as reports may show it: without a user name or password.
pub fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => match url.rfind('@') {
            Some(at) => format!("<redacted>{}", &url[at..]),
            None => url.to_owned(),
        },
    }
}

/// True for failures before any response byte that a retry may cure:
/// refused, reset or closed connections and timeouts.
fn retryable(e: &reqwest::Error) -> bool {
    if e.is_connect() || e.is_timeout() {
        return true;
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return true;
            }
        }
        if let Some(h) = c.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_canceled() {
                return true;
            }
        }
        cause = c.source();
    }
    false
}

/// The pause before retry number `n` (1-based): 100 ms, 200 ms, 400 ms, … up to 2 s.
fn backoff(n: usize) -> Duration {
    Duration::from_millis(
        100u64
            .saturating_mul(1 << n.saturating_sub(1).min(5))
            .min(2000),
    )
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
    let hint = if text.contains("invalid peer certificate") {
        " (a private CA? trust it with --ca-cert FILE)"
    } else {
        ""
    };
    redactor.scrub(&format!("{text}{hint}"))
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

/// One try at a request: what it came to (`status 200`, or the transport
/// error) and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// `status N`, or why there was no response.
    pub outcome: String,
    /// Time of this attempt.
    pub elapsed: Duration,
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
    /// Time from sending to the last body byte (all attempts).
    pub elapsed: Duration,
    /// Every attempt, in order; more than one only after transport failures.
    pub attempts: Vec<Attempt>,
}

impl Exchange {
    fn failed(request_line: String, request_headers: Vec<String>, why: String) -> Self {
        Self {
            request_line,
            request_headers,
            outcome: Err(why),
            elapsed: Duration::ZERO,
            attempts: Vec::new(),
        }
    }
}
