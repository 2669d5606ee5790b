//! The target, decided once: its base URL parsed and checked (it may carry
//! a path prefix), the authority and the shown form (no user info) derived,
//! and the one reqwest client built from the [`Transport`] settings
//! (timeouts, limits, TLS, proxy). Nothing downstream parses the URL again.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::secret::Secret;
use crate::text::error_chain;

/// The most body bytes read from one response; more is a finding.
pub const DEFAULT_MAX_BODY: usize = 16 * 1024 * 1024;

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
    /// No proxy at all, not even from the environment: for the embedded
    /// reference server on loopback, which a proxy elsewhere cannot reach
    /// (and which must not see its logins).
    pub direct: bool,
    /// The most the whole run waits on `Retry-After` (429 or 503) before
    /// giving up with the server's reason.
    pub max_wait: Duration,
    /// A proxy the requests may go through (the flag's, or one of the
    /// environment's, which the edge reads) is reached over TLS.
    pub tls_proxy: bool,
}

/// The default of `--max-wait`.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(30);

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
            direct: false,
            max_wait: DEFAULT_MAX_WAIT,
            tls_proxy: false,
        }
    }
}

/// A target server: base URL and the client that talks to it.
#[derive(Debug, Clone)]
pub struct Target {
    base: String,
    authority: String,
    shown: String,
    pub(crate) client: reqwest::Client,
    /// A client that never reuses a connection: for sending a request again
    /// after a pooled connection turned out closed.
    pub(crate) fresh_client: reqwest::Client,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Body size limit.
    pub max_body: usize,
    /// Extra attempts on transport failures.
    pub retries: u32,
    /// The run's `Retry-After` budget.
    pub max_wait: Duration,
    /// What the run asked of the server so far (shared by every clone).
    pub(crate) traffic: Arc<Traffic>,
    /// Told when a request waits (a person watches a slow server).
    pub(crate) observer: Observer,
}

/// What a run asked of the server, counted as it goes, and the part of
/// the `Retry-After` budget it used.
#[derive(Debug, Default)]
pub struct Traffic {
    requests: AtomicU64,
    logins: AtomicU64,
    waited_ms: AtomicU64,
    /// Why the run stopped sending (the server kept asking it to come
    /// back later), once it has.
    stopped: std::sync::OnceLock<String>,
}

impl Traffic {
    /// Requests sent (each attempt counts).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Logins sent (`POST /icws/connection`).
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Relaxed)
    }

    /// Time spent waiting on `Retry-After`.
    pub fn waited(&self) -> Duration {
        Duration::from_millis(self.waited_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn count_request(&self, login: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if login {
            self.logins.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Why the run stopped sending, if it has.
    pub fn stopped(&self) -> Option<&str> {
        self.stopped.get().map(String::as_str)
    }

    /// Stops sending, for `why` (the first reason stays).
    pub(crate) fn stop(&self, why: &str) {
        let _ = self.stopped.set(why.to_owned());
    }

    /// Takes `delay` from the budget `max`: false (nothing taken) when it
    /// does not fit in what is left.
    pub(crate) fn take_wait(&self, delay: Duration, max: Duration) -> bool {
        let want = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        let max = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
        self.waited_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                used.checked_add(want).filter(|total| *total <= max)
            })
            .is_ok()
    }
}

/// Something a person watching the run should hear while a request waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A request has had no complete answer for `seconds`.
    StillWaiting {
        /// The case it belongs to (or the run's own step).
        case: String,
        /// `GET /icws/…`.
        request: String,
        /// Seconds so far.
        seconds: u64,
        /// `--timeout`: when the request gives up.
        timeout: Duration,
    },
    /// The server answered 429 or 503 with `Retry-After`: the request is
    /// sent again after `delay`.
    RetryAfter {
        /// The case it belongs to (or the run's own step).
        case: String,
        /// `POST /icws/connection`.
        request: String,
        /// 429 or 503.
        status: u16,
        /// The header's value, as sent.
        header: String,
        /// The wait.
        delay: Duration,
        /// Waited in the whole run, this wait included.
        used: Duration,
        /// `--max-wait`.
        budget: Duration,
    },
}

/// Where [`Event`]s go (the CLI prints them; tests may collect them).
#[derive(Clone, Default)]
pub struct Observer(Option<Arc<dyn Fn(Event) + Send + Sync>>);

impl std::fmt::Debug for Observer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Observer(on)"
        } else {
            "Observer(off)"
        })
    }
}

impl Observer {
    /// An observer calling `f` for every event.
    pub fn new(f: impl Fn(Event) + Send + Sync + 'static) -> Self {
        Self(Some(Arc::new(f)))
    }

    /// True when someone listens.
    pub fn is_on(&self) -> bool {
        self.0.is_some()
    }

    pub(crate) fn tell(&self, event: Event) {
        if let Some(f) = &self.0 {
            f(event);
        }
    }
}

tokio::task_local! {
    /// The name of the case whose requests the current task sends.
    static CASE: String;
}

/// Runs `f` with its requests labelled as `case`'s (in progress lines).
pub async fn labelled<F: std::future::Future>(case: &str, f: F) -> F::Output {
    CASE.scope(case.to_owned(), f).await
}

/// The label of the current task's requests.
pub(crate) fn current_case() -> String {
    CASE.try_with(Clone::clone)
        .unwrap_or_else(|_| "the run's set-up".to_owned())
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
        let tls = parsed.scheme() == "https" || (transport.tls_proxy && !transport.direct);
        let client = build_client(transport, true, tls)?;
        let fresh_client = build_client(transport, false, tls)?;
        Ok(Self {
            authority: authority(&parsed),
            shown: display_url(&base),
            base,
            client,
            fresh_client,
            timeout,
            max_body: transport.max_body,
            retries: transport.retries,
            max_wait: transport.max_wait,
            traffic: Arc::new(Traffic::default()),
            observer: Observer::default(),
        })
    }

    /// The same target, telling `observer` when a request waits.
    pub fn observed(mut self, observer: Observer) -> Self {
        self.observer = observer;
        self
    }

    /// What the run asked of the server so far.
    pub fn traffic(&self) -> &Traffic {
        &self.traffic
    }

    /// The base URL without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// `host:port` (the port only when the URL gives one), for normalizing
    /// snapshots.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The base URL as reports show it (never with user info).
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The absolute URL of `path` (which starts with `/icws`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// The HTTP client for `transport`; `pooled: false` opens a new connection
/// for every request. Without `tls` (a plain-http target, and no proxy
/// reached over TLS) the system's root certificates are not loaded: reading
/// some hundred files was a fifth of a whole run against a local server.
fn build_client(
    transport: &Transport,
    pooled: bool,
    tls: bool,
) -> Result<reqwest::Client, TargetError> {
    let timeout = transport.timeout;
    // reqwest is built without a crypto provider of its own: use ring.
    // An error means one is installed already (a second target), which
    // is just as good.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        // Never followed: the endpoint answers directly, and a redirect
        // would carry the session's token and cookie to wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .gzip(true)
        .deflate(true)
        .tls_danger_accept_invalid_certs(transport.insecure);
    if !tls {
        builder = builder.tls_certs_only(Vec::<reqwest::Certificate>::new());
    }
    if let Some(path) = &transport.ca_cert {
        let pem = read_pem("--ca-cert", path)?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| TargetError::File {
            flag: "--ca-cert",
            path: path.display().to_string(),
            why: error_chain(&e),
        })?;
        if certs.is_empty() {
            return Err(TargetError::File {
                flag: "--ca-cert",
                path: path.display().to_string(),
                why: "no certificate in it (a key file?)".into(),
            });
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    match (&transport.client_cert, &transport.client_key) {
        (Some(cert), Some(key)) => {
            let mut pem = read_pem("--client-cert", cert)?;
            pem.push(b'\n');
            pem.extend(read_pem("--client-key", key)?);
            let identity = reqwest::Identity::from_pem(&pem).map_err(|e| TargetError::File {
                flag: "--client-cert/--client-key",
                path: format!("{} + {}", cert.display(), key.display()),
                why: error_chain(&e),
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
    // An unusable --proxy is an error even where no proxy is used.
    let proxy = match &transport.proxy {
        Some(p) => Some(reqwest::Proxy::all(p.expose()).map_err(|_| TargetError::Proxy)?),
        None => None,
    };
    if transport.direct {
        builder = builder.no_proxy();
    } else if let Some(p) = proxy {
        builder = builder.proxy(p.no_proxy(reqwest::NoProxy::from_env()));
    }
    if !pooled {
        builder = builder.pool_max_idle_per_host(0);
    }
    builder
        .build()
        .map_err(|e| TargetError::Client(error_chain(&e)))
}

/// A URL as reports may show it: without a user name or password.
pub fn display_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if !u.username().is_empty() || u.password().is_some() => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.to_string()
        }
        // A URL without `scheme://` (`user:pw@host`) parses as an odd scheme:
        // whatever precedes an `@` may be user info.
        Ok(u) if !url.contains("://") && url.contains('@') => {
            let _ = u;
            url.rfind('@')
                .map_or(url.to_owned(), |at| format!("<redacted>{}", &url[at..]))
        }
        Ok(_) => url.to_owned(),
        Err(_) => match url.rfind('@') {
            Some(at) => format!("<redacted>{}", &url[at..]),
            None => url.to_owned(),
        },
    }
}

fn authority(u: &url::Url) -> String {
    match (u.host_str(), u.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_budget_is_taken_only_whole_and_never_beyond_the_bound() {
        let t = Traffic::default();
        let max = Duration::from_secs(30);
        assert!(t.take_wait(Duration::from_secs(20), max));
        assert!(!t.take_wait(Duration::from_secs(11), max));
        assert_eq!(t.waited(), Duration::from_secs(20));
        assert!(t.take_wait(Duration::from_secs(10), max));
        assert!(!t.take_wait(Duration::from_millis(1), max));
        assert!(!Traffic::default().take_wait(Duration::MAX, max));
    }

    #[test]
    fn requests_and_logins_are_counted_apart() {
        let t = Traffic::default();
        t.count_request(true);
        t.count_request(false);
        t.count_request(false);
        assert_eq!((t.requests(), t.logins()), (3, 1));
    }
}
