//! Requests and exchanges: one [`Request`] sent through the target's client,
//! and the [`Exchange`] — what came back (status, headers, body bytes,
//! elapsed, every attempt) or the transport error. Sending never asserts
//! anything; checking is the check stage's job.

use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::target::{Event, Target, current_case, display_url};
use crate::text::error_chain;

/// Header carrying the CSRF token on every session request.
pub const CSRF_HEADER: &str = "ININ-ICWS-CSRF-Token";

impl Target {
    /// Sends one request and reads the whole response (up to `max_body`).
    /// A transport failure is retried as `retries` says; a 429 or 503 with
    /// `Retry-After` is sent again after that delay while the run's
    /// `--max-wait` budget lasts, and otherwise comes back with
    /// [`Exchange::busy`] saying why the run cannot go on.
    pub async fn send(&self, req: Request) -> Exchange {
        let request_line = format!("{} {}", req.method, req.path);
        let sent = SentRecord::of(&req, &display_url(&self.url(&req.path)));
        let headers = match wire_headers(&req) {
            Ok(h) => h,
            Err(why) => return Exchange::failed(request_line, sent, why),
        };
        if let Some(why) = self.traffic.stopped() {
            let mut ex = Exchange::failed(
                request_line,
                sent,
                "not sent: the run stopped sending when the server kept asking it to come back \
                 later"
                    .into(),
            );
            ex.busy = Some(why.to_owned());
            return ex;
        }
        let login = req.method == reqwest::Method::POST
            && req.path.split('?').next() == Some("/icws/connection");
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut fresh = false;
        let mut busy = None;
        let mut waits = 0;
        let started = Instant::now();
        let outcome = loop {
            let attempt_started = Instant::now();
            let attempt_at = SystemTime::now();
            self.traffic.count_request(login);
            let sent = self
                .watched(&request_line, self.attempt(&req, &headers, fresh))
                .await;
            let resp = match sent {
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
                        waited: None,
                        started: attempt_at,
                        received: None,
                    });
                    if stale {
                        fresh = true;
                        continue;
                    }
                    let retried = attempts.iter().filter(|a| a.counts_as_retry()).count();
                    if retryable(&e) && retried <= self.retries as usize {
                        tokio::time::sleep(backoff(retried)).await;
                        continue;
                    }
                    break Err(why);
                }
            };
            let outcome = match resp {
                Ok(r) => Ok(r),
                Err((status, BodyError::TooLarge)) => Err(format!(
                    "status {status} received, then the body passed the limit of {} bytes \
                     (--max-body); stopped reading",
                    self.max_body
                )),
                Err((status, BodyError::Transport(e))) => Err(format!(
                    "status {status} received, then the body failed: {}",
                    describe_transport(&e, self.timeout)
                )),
            };
            let mut attempt = Attempt {
                outcome: match &outcome {
                    Ok(r) => format!("status {}", r.status),
                    Err(why) => why.clone(),
                },
                elapsed: attempt_started.elapsed(),
                stale: false,
                waited: None,
                started: attempt_at,
                received: outcome.as_ref().ok().map(Received::of),
            };
            if let Ok(r) = &outcome {
                match self.retry_after(&request_line, r, waits).await {
                    Wait::Waited(delay, header) => {
                        waits += 1;
                        attempt.outcome = format!("status {} with Retry-After: {header}", r.status);
                        attempt.waited = Some(delay);
                        attempts.push(attempt);
                        continue;
                    }
                    Wait::GaveUp(why) => {
                        self.traffic.stop(&why);
                        busy = Some(why);
                    }
                    Wait::No => {}
                }
            }
            attempts.push(attempt);
            break outcome;
        };
        Exchange {
            request_line,
            sent,
            outcome,
            elapsed: started.elapsed(),
            attempts,
            busy,
        }
    }

    /// One try: the response with its whole body, the status and why the
    /// body could not be read, or the transport error.
    async fn attempt(
        &self,
        req: &Request,
        headers: &HeaderMap,
        fresh: bool,
    ) -> Result<Result<Response, (u16, BodyError)>, reqwest::Error> {
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
        let resp = builder.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let version = format!("{:?}", resp.version());
        Ok(match read_body(resp, self.max_body).await {
            Ok(body) => Ok(Response {
                status,
                headers,
                body,
                version,
            }),
            Err(e) => Err((status, e)),
        })
    }

    /// Awaits `f`, telling the observer after 2 s without an answer, and
    /// every 10 s after that.
    async fn watched<F: std::future::Future>(&self, request: &str, f: F) -> F::Output {
        if !self.observer.is_on() {
            return f.await;
        }
        let mut f = std::pin::pin!(f);
        let started = Instant::now();
        let mut step = STILL_WAITING_FIRST;
        loop {
            match tokio::time::timeout(step, &mut f).await {
                Ok(out) => return out,
                Err(_) => {
                    self.observer.tell(Event::StillWaiting {
                        case: current_case(),
                        request: request.to_owned(),
                        seconds: started.elapsed().as_secs(),
                        timeout: self.timeout,
                    });
                    step = STILL_WAITING_AGAIN;
                }
            }
        }
    }

    /// What a 429 or 503 answer's `Retry-After` asks, and whether the run's
    /// budget allows it: waits (and says so) when it does.
    async fn retry_after(&self, request: &str, resp: &Response, waits: usize) -> Wait {
        if !matches!(resp.status, 429 | 503) || names_alternate_hosts(&resp.body) {
            return Wait::No;
        }
        let Some(header) = resp.header_values("retry-after").into_iter().next() else {
            return Wait::No;
        };
        let Some(delay) = parse_retry_after(&header, std::time::SystemTime::now()) else {
            return Wait::No;
        };
        // A zero delay is still a pause: never a tight loop on the server.
        let delay = delay.max(MIN_RETRY_PAUSE);
        let shown = header.chars().take(60).collect::<String>();
        let says = server_message(&resp.body)
            .map(|m| {
                format!(
                    "; the server says: {}",
                    m.chars().take(200).collect::<String>()
                )
            })
            .unwrap_or_default();
        if waits >= MAX_WAITS_PER_REQUEST {
            return Wait::GaveUp(format!(
                "{request} answered {} (Retry-After: {shown}) {} times in a row: the server \
                 keeps refusing{says}",
                resp.status,
                waits + 1
            ));
        }
        if !self.traffic.take_wait(delay, self.max_wait) {
            let left = self.max_wait.saturating_sub(self.traffic.waited());
            return Wait::GaveUp(format!(
                "{request} answered {} with Retry-After: {shown}: a wait of {}, and {} s are \
                 left of --max-wait {} s (ICWS_MAX_WAIT){says}",
                resp.status,
                if delay > Duration::from_secs(86_400) {
                    "more than a day".to_owned()
                } else {
                    format!("{} s", delay.as_secs_f64().ceil())
                },
                left.as_secs(),
                self.max_wait.as_secs(),
            ));
        }
        self.observer.tell(Event::RetryAfter {
            case: current_case(),
            request: request.to_owned(),
            status: resp.status,
            header: shown.clone(),
            delay,
            used: self.traffic.waited(),
            budget: self.max_wait,
        });
        tokio::time::sleep(delay).await;
        Wait::Waited(delay, shown)
    }
}

/// What [`Target::retry_after`] decided.
enum Wait {
    /// Not a 429 or 503 with a usable `Retry-After`.
    No,
    /// Waited this long, as the header (shown) asked.
    Waited(Duration, String),
    /// The wait does not fit the budget: why, in words.
    GaveUp(String),
}

/// The first progress line comes after this long without an answer.
const STILL_WAITING_FIRST: Duration = Duration::from_secs(2);
/// Then one line every this long.
const STILL_WAITING_AGAIN: Duration = Duration::from_secs(10);
/// The most times one request is sent again on `Retry-After`: a server
/// that refuses more often than this keeps refusing.
const MAX_WAITS_PER_REQUEST: usize = 4;
/// The shortest pause before sending again after `Retry-After`.
const MIN_RETRY_PAUSE: Duration = Duration::from_millis(100);

/// `Retry-After` (RFC 9110 §10.2.3): a number of seconds, or an HTTP date
/// (a date in the past is no wait). `None` when it is neither.
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long numbers are simply very long waits.
        return Some(Duration::from_secs(v.parse::<u64>().unwrap_or(u64::MAX)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// True when an error body names alternate hosts (a switchover pair's
/// server that is not primary): waiting will not help.
pub fn names_alternate_hosts(body: &[u8]) -> bool {
    !alternate_hosts(body).is_empty()
}

/// The `alternateHostList` of an ICWS error body (strings only).
pub fn alternate_hosts(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|b| b.get("alternateHostList").cloned())
        .and_then(|l| match l {
            serde_json::Value::Array(items) => Some(
                items
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_owned))
                    .filter(|h| !h.trim().is_empty())
                    .collect(),
            ),
            _ => None,
        })
        .unwrap_or_default()
}

/// The `message` of an ICWS error body, if it has one.
pub fn server_message(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|b| b.get("message").and_then(|m| m.as_str().map(str::to_owned)))
}

/// True when the connection was closed before any byte of an answer: what
/// a pooled connection the server closed while idle looks like.
pub(crate) fn closed_before_answer(e: &reqwest::Error) -> bool {
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

pub(crate) fn describe_transport(e: &reqwest::Error, timeout: Duration) -> String {
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
    format!("{text}{}", tls_hint(&text))
}

/// A hint for a TLS error, only where one helps: each names what would fix
/// that error, and an error no hint fits gets none.
fn tls_hint(text: &str) -> &'static str {
    if text.contains("UnsupportedSignatureAlgorithm") || text.contains("HandshakeFailure") {
        " (this build's TLS (rustls with ring) supports RSA, ECDSA P-256 and P-384 and \
         Ed25519 certificates, not P-521: does the server's chain use another algorithm?)"
    } else if text.contains("UnknownIssuer") {
        " (a private CA? trust it with --ca-cert FILE)"
    } else if text.contains("NotValidForName") {
        " (the certificate does not name this host: use the host name it was issued for)"
    } else if text.contains("Expired") || text.contains("NotValidYet") {
        " (the certificate is outside its validity period: renew it, or check this \
         machine's clock)"
    } else if text.contains("PathDepth") || text.contains("path length") {
        " (the chain is longer than a verifier accepts: the server should send a shorter one)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tls_hint_tests {
    use super::tls_hint;

    #[test]
    fn each_hint_only_where_it_helps() {
        let e = |x: &str| format!("invalid peer certificate: {x}");
        assert!(tls_hint(&e("UnknownIssuer")).contains("--ca-cert FILE"));
        assert!(tls_hint(&e("NotValidForName")).contains("host name"));
        assert!(tls_hint(&e("ExpiredContext { time: 1 }")).contains("validity"));
        assert!(tls_hint(&e("Other(MaximumPathDepthExceeded)")).contains("longer"));
        for other in ["BadSignature", "Revoked", "BadEncoding", "InvalidPurpose"] {
            assert_eq!(tls_hint(&e(other)), "", "{other}");
        }
    }
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
    /// The body as a replay shows it, when it holds a secret: the secret
    /// replaced by a shell variable (`${ICWS_PASSWORD}`).
    pub replay_body: Option<String>,
    /// How the replay differs from what was sent, when the case sent a
    /// changed secret (a comment after the curl line).
    pub replay_note: Option<String>,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: reqwest::Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: None,
            replay_body: None,
            replay_note: None,
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
    /// The HTTP version, as `HTTP/1.1`.
    pub version: String,
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
    /// The server answered 429 or 503 with `Retry-After`, and the request
    /// was sent again after this wait (not a sign of flakiness either).
    pub waited: Option<Duration>,
    /// When it was sent (a HAR entry's `startedDateTime`).
    pub started: SystemTime,
    /// What came back, bounded, when a whole response did.
    pub received: Option<Received>,
}

/// The most body bytes a report keeps of one response (the check reads
/// the whole body; a report shows its beginning and the full length).
pub const SHOWN_BODY_BYTES: usize = 8 * 1024;

/// A response as reports show it: status, version, every header in order,
/// and the beginning of the body. Raw here: the record scrubs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The status code.
    pub status: u16,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub version: String,
    /// Every header, in the order received (values as lossy UTF-8).
    pub headers: Vec<(String, String)>,
    /// The first [`SHOWN_BODY_BYTES`] of the body (lossy UTF-8, cut on a
    /// character boundary).
    pub body: String,
    /// The body's whole length in bytes (after content decoding).
    pub body_bytes: usize,
    /// True when `body` is only the beginning.
    pub cut: bool,
}

impl Received {
    /// The shown form of a response.
    pub fn of(r: &Response) -> Self {
        let mut cut = r.body.len().min(SHOWN_BODY_BYTES);
        let body = loop {
            match std::str::from_utf8(&r.body[..cut]) {
                Ok(t) => break t.to_owned(),
                // A character cut in two at the end: drop its first bytes.
                Err(e) if e.error_len().is_none() && cut > e.valid_up_to() => {
                    cut = e.valid_up_to();
                }
                Err(_) => break String::from_utf8_lossy(&r.body[..cut]).into_owned(),
            }
        };
        // A cut body ends in `…`: the gate then also hides the beginning
        // of a secret the cut left at the end.
        let body = if cut < r.body.len() {
            format!("{body}…")
        } else {
            body
        };
        Self {
            status: r.status,
            version: r.version.clone(),
            headers: r
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            body_bytes: r.body.len(),
            cut: cut < r.body.len(),
        }
    }

    /// The `Content-Type` received, if any.
    pub fn media_type(&self) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.as_str())
    }
}

impl Attempt {
    /// True when this attempt failed in a way a retry is for (a transport
    /// failure), so that a later success makes the case flaky.
    pub fn counts_as_retry(&self) -> bool {
        !self.stale && self.waited.is_none()
    }
}

/// One request and its outcome.
#[derive(Debug, Clone)]
pub struct Exchange {
    /// `GET /icws/…`, for reports.
    pub request_line: String,
    /// The request as reports show it and a replay sends it.
    pub sent: SentRecord,
    /// The response as it came (raw: checks see what the server sent; the
    /// output gate scrubs secrets from whatever is shown), or why there is none.
    pub outcome: Result<Response, String>,
    /// Time from sending to the last body byte (all attempts).
    pub elapsed: Duration,
    /// Every attempt, in order; more than one only after transport
    /// failures or `Retry-After`.
    pub attempts: Vec<Attempt>,
    /// The server kept asking the run to come back later (429 or 503 with
    /// `Retry-After`) beyond `--max-wait`: why, in words. The run cannot go
    /// on; this is not a verdict on the server.
    pub busy: Option<String>,
}

impl Exchange {
    fn failed(request_line: String, sent: SentRecord, why: String) -> Self {
        Self {
            request_line,
            sent,
            outcome: Err(why),
            elapsed: Duration::ZERO,
            attempts: Vec::new(),
            busy: None,
        }
    }
}

/// A request as reports show it: the URL (without user info), the headers
/// (secrets replaced, changed secrets in their shown form), the body (raw
/// here: the record scrubs it), and a curl command line that replays it,
/// with shell variables where the secrets go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SentRecord {
    /// The whole URL, without user info.
    pub url: String,
    /// `Name: value` as shown.
    pub headers: Vec<String>,
    /// The body as sent (lossy UTF-8), if any.
    pub body: Option<String>,
    /// `curl -i …`: the request again, secrets as `$ICWS_CSRF_TOKEN`,
    /// `$ICWS_COOKIE` and `${ICWS_PASSWORD}`.
    pub curl: String,
}

/// The shell variable a replay reads a secret header's value from.
pub fn replay_variable(header: &str) -> &'static str {
    if header.eq_ignore_ascii_case(CSRF_HEADER) {
        "ICWS_CSRF_TOKEN"
    } else if header.eq_ignore_ascii_case("cookie") {
        "ICWS_COOKIE"
    } else {
        "ICWS_SECRET"
    }
}

impl SentRecord {
    /// The shown form of `req`, sent to `url`.
    pub fn of(req: &Request, url: &str) -> Self {
        let mut headers = Vec::new();
        let mut curl = format!("curl -i -X {} {}", req.method, single_quoted(url));
        for (n, v) in &req.headers {
            let shown = match v {
                Sent::Plain(v) => v.clone(),
                Sent::Secret(_) => crate::secret::REDACTED.to_owned(),
                Sent::Masked { shown, .. } => shown.clone(),
            };
            headers.push(format!("{n}: {shown}"));
            match v {
                Sent::Plain(v) => {
                    curl.push_str(&format!(" -H {}", single_quoted(&format!("{n}: {v}"))))
                }
                Sent::Secret(_) | Sent::Masked { .. } => {
                    // The header name is ours (a token), so it is safe inside
                    // double quotes; only the variable expands.
                    curl.push_str(&format!(" -H \"{n}: ${}\"", replay_variable(n)));
                }
            }
        }
        let body = req
            .body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned());
        match (&req.replay_body, &body) {
            (Some(replay), _) => {
                curl.push_str(" --data-binary ");
                curl.push_str(&quoted_with_password(replay));
            }
            (None, Some(b)) => {
                curl.push_str(" --data-binary ");
                curl.push_str(&single_quoted(b));
            }
            (None, None) => {}
        }
        if let Some(note) = &req.replay_note {
            curl.push_str("  # ");
            curl.push_str(note);
        }
        Self {
            url: url.to_owned(),
            headers,
            body,
            curl,
        }
    }
}

/// `text` in single quotes for a POSIX shell (nothing expands inside).
fn single_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The placeholder a request's replay body holds where the password goes.
pub const PASSWORD_PLACEHOLDER: &str = "${ICWS_PASSWORD}";

/// `text` for a POSIX shell, where only [`PASSWORD_PLACEHOLDER`] expands:
/// single-quoted pieces around `"${ICWS_PASSWORD}"` (no other `$`, `!` or
/// quote in `text` means anything to the shell).
fn quoted_with_password(text: &str) -> String {
    let pieces: Vec<String> = text
        .split(PASSWORD_PLACEHOLDER)
        .map(single_quoted)
        .collect();
    pieces.join(&format!("\"{PASSWORD_PLACEHOLDER}\""))
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

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;

    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(parse_retry_after("1", now), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(u64::MAX))
        );
        // IMF-fixdate, RFC 850 and asctime (RFC 9110 §5.6.7), 60 s ahead.
        for date in [
            "Sun, 06 Nov 1994 08:50:37 GMT",
            "Sunday, 06-Nov-94 08:50:37 GMT",
            "Sun Nov  6 08:50:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(60)),
                "{date}"
            );
        }
        // A date gone by is no wait.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        for bad in ["", "-1", "1.5", "soon", "0x10"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn a_cut_body_ends_in_an_ellipsis_the_gate_reads() {
        let mut body = vec![b'A'; SHOWN_BODY_BYTES - 4];
        body.extend_from_slice("Pw!q7Zr_SECRETpass#42".as_bytes());
        let r = Response {
            status: 200,
            headers: HeaderMap::new(),
            body,
            version: "HTTP/1.1".into(),
        };
        let got = Received::of(&r);
        assert!(
            got.cut && got.body.ends_with("AAAAPw!q…"),
            "{}",
            &got.body[8180..]
        );
        let redactor = crate::secret::Redactor::default();
        redactor.add("Pw!q7Zr_SECRETpass#42");
        assert!(!redactor.scrub(&got.body).contains("Pw!q"));
        // A body cut inside a character keeps whole characters only.
        let mut body = vec![b'A'; SHOWN_BODY_BYTES - 1];
        body.extend_from_slice("é".as_bytes());
        let got = Received::of(&Response { body, ..r });
        assert!(got.body.ends_with("AA…") && got.body_bytes == SHOWN_BODY_BYTES + 1);
    }

    #[test]
    fn alternate_hosts_are_the_strings_of_the_list() {
        let body = br#"{"errorId":"x","alternateHostList":["cic2.example", 7, "", "cic3:8019"]}"#;
        assert_eq!(alternate_hosts(body), ["cic2.example", "cic3:8019"]);
        assert!(!names_alternate_hosts(br#"{"alternateHostList":[]}"#));
        assert!(!names_alternate_hosts(b"not json"));
    }
}
