//! Requests and exchanges: one [`Request`] sent through the target's client,
//! and the [`Exchange`] — what came back (status, headers, body bytes,
//! elapsed, every attempt) or the transport error. Sending never asserts
//! anything; checking is the check stage's job.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::target::Target;
use crate::text::error_chain;

/// Header carrying the CSRF token on every session request.
pub const CSRF_HEADER: &str = "ININ-ICWS-CSRF-Token";

impl Target {
    /// Sends one request and reads the whole response (up to `max_body`).
    pub async fn send(&self, req: Request) -> Exchange {
        let request_line = format!("{} {}", req.method, req.path);
        let shown_headers = shown_headers(&req);
        let headers = match wire_headers(&req) {
            Ok(h) => h,
            Err(why) => return Exchange::failed(request_line, shown_headers, why),
        };
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut fresh = false;
        let started = Instant::now();
        let outcome = loop {
            let attempt_started = Instant::now();
            let client = if fresh {
                &self.fresh_client
            } else {
                &self.client
            };
            let mut builder = client
                .request(req.method.clone(), self.url(&req.path))
                .headers(headers.clone());
            if let Some(body) = &req.body {
                builder = builder.body(body.clone());
            }
            let resp = match builder.send().await {
                Ok(resp) => resp,
                Err(e) => {
                    let why = describe_transport(&e, self.timeout);
                    // A pooled connection the server closed while idle (RFC
                    // 9112 §9.3): sent again once on a new connection, as
                    // curl and browsers do; not a finding, not a retry.
                    let stale = !fresh && closed_before_answer(&e);
                    attempts.push(Attempt {
                        outcome: if stale {
                            format!("{why} (an idle connection the server had closed: sent again on a new one)")
                        } else {
                            why.clone()
                        },
                        elapsed: attempt_started.elapsed(),
                        stale,
                    });
                    if stale {
                        fresh = true;
                        continue;
                    }
                    let retried = attempts.iter().filter(|a| !a.stale).count();
                    if retryable(&e) && retried <= self.retries as usize {
                        tokio::time::sleep(backoff(retried)).await;
                        continue;
                    }
                    break Err(why);
                }
            };
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let outcome = match read_body(resp, self.max_body).await {
                Ok(body) => Ok(Response {
                    status,
                    headers,
                    body,
                }),
                Err(BodyError::TooLarge) => Err(format!(
                    "status {status} received, then the body passed the limit of {} bytes \
                     (--max-body); stopped reading",
                    self.max_body
                )),
                Err(BodyError::Transport(e)) => Err(format!(
                    "status {status} received, then the body failed: {}",
                    describe_transport(&e, self.timeout)
                )),
            };
            attempts.push(Attempt {
                outcome: match &outcome {
                    Ok(r) => format!("status {}", r.status),
                    Err(why) => why.clone(),
                },
                elapsed: attempt_started.elapsed(),
                stale: false,
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

/// True when the connection was closed before any byte of an answer: what
/// a pooled connection the server closed while idle looks like.
fn closed_before_answer(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_connect() {
        return false;
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(h) = c.downcast_ref::<hyper::Error>() {
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                return true;
            }
        }
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            use std::io::ErrorKind::*;
            if matches!(
                io.kind(),
                ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof
            ) {
                return true;
            }
        }
        cause = c.source();
    }
    false
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

fn describe_transport(e: &reqwest::Error, timeout: Duration) -> String {
    let text = if e.is_timeout() {
        format!(
            "no complete answer within the timeout of {}s",
            timeout.as_secs_f64()
        )
    } else {
        let text = error_chain(e);
        // Every message around this one already names the URL.
        match e.url() {
            Some(url) => text.replace(&format!(" for url ({url})"), ""),
            None => text,
        }
    };
    let text = shorten_tls_details(&text);
    let hint =
        if text.contains("UnsupportedSignatureAlgorithm") || text.contains("HandshakeFailure") {
            " (this build's TLS (rustls with ring) supports RSA, ECDSA P-256 and P-384 and \
         Ed25519 certificates, not P-521: does the server's chain use another algorithm?)"
        } else if text.contains("UnknownIssuer") || text.contains("invalid peer certificate") {
            " (a private CA? trust it with --ca-cert FILE)"
        } else {
            ""
        };
    format!("{text}{hint}")
}

/// rustls spells out every algorithm it supports in some errors (a line of
/// a thousand characters): keep the name of the error, drop the lists.
fn shorten_tls_details(text: &str) -> String {
    match text.find(" { ") {
        Some(at) if text[at..].contains("supported") => {
            let end = text[at..].find(" }").map_or(text.len(), |e| at + e + 2);
            format!("{}{}", &text[..at], &text[end..])
        }
        _ => text.to_owned(),
    }
}

/// A header value to send: plain, or a secret that reports never show.
#[derive(Debug, Clone)]
pub enum Sent {
    /// Shown as is.
    Plain(String),
    /// Shown as `<redacted>`.
    Secret(crate::secret::Secret),
    /// A secret shown as the given text (which hides the secret parts).
    Masked {
        /// What goes on the wire.
        wire: crate::secret::Secret,
        /// What reports show.
        shown: String,
    },
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
    /// It failed on a pooled connection closed while idle, and the request
    /// was sent again on a new one (not a retry, not a sign of flakiness).
    pub stale: bool,
}

/// One request and its outcome.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `GET /icws/…`, for reports.
    pub request_line: String,
    /// The request headers as reports show them (secrets redacted).
    pub request_headers: Vec<String>,
    /// The response as it came (raw: checks see what the server sent; the
    /// output gate scrubs secrets from whatever is shown), or why there is none.
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

/// The request's headers as reports show them: secrets replaced, masked
/// values in their shown form.
fn shown_headers(req: &Request) -> Vec<String> {
    req.headers
        .iter()
        .map(|(n, v)| {
            let shown = match v {
                Sent::Plain(v) => v.clone(),
                Sent::Secret(_) => crate::secret::REDACTED.to_owned(),
                Sent::Masked { shown, .. } => shown.clone(),
            };
            format!("{n}: {shown}")
        })
        .collect()
}

/// The request's headers as sent (secrets marked sensitive), or which one
/// cannot be sent.
fn wire_headers(req: &Request) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    for (name, value) in &req.headers {
        let text = match value {
            Sent::Plain(v) => v.as_str(),
            Sent::Secret(s) | Sent::Masked { wire: s, .. } => s.expose(),
        };
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(text),
        ) {
            (Ok(n), Ok(mut v)) => {
                v.set_sensitive(!matches!(value, Sent::Plain(_)));
                headers.append(n, v);
            }
            _ => return Err(format!("header {name} cannot be sent as given")),
        }
    }
    Ok(headers)
}
