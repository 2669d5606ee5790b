//! The embedded reference server: a conformant ICWS server for connect,
//! features, status-messages (with the status icons its `iconUri`s point
//! at, [`icons`]) and disconnect, as the spec files describe it.
//! [`app`] is the whole server as an axum `Router` (testable in-process);
//! [`spawn`] serves it on `127.0.0.1:0` through its own accept loop
//! (`serve`: header-read timeout, connection cap). It is the harness's
//! default target, a mock for client developers (`icws-refserver`, with
//! CORS for browser clients, [`cors`]), and the oracle of the harness's own tests:
//! with a [`Fault`] it breaks one documented rule, with [`Profile`]s it is a
//! different but still conformant deployment, and behind a [`LoginGate`]
//! ([`gate`]) it lets no login through, an environment a client must give
//! up on. Sessions are bounded ([`sessions`]): ended ones freed, idle ones
//! expired, a cap on live ones. Its [`Handle`] counts requests, login
//! attempts and logins. Its tokens are shaped like real ones (base64 of
//! user, application, a session GUID and the client address), its cookie
//! values are GUIDs. It never prints: what it has to tell the person
//! running it (a refused CORS preflight, a line per request) goes to the
//! [`Notes`] of its config, if any ([`notes`]).
//!
//! This crate depends on no part of the harness (`icws-conformance`), and
//! the harness's `tests/layout.rs` checks it: the oracle, the fault and
//! session logic, shares no code with the judge. One thing is judged by the
//! harness all the same: the `--catalogue FILE` option of the
//! `icws-refserver` binary, which serves a catalogue from a file (a real
//! server's status-messages body, or a catalogue snapshot the harness
//! wrote). The binary judges the file with the harness's own checks, the
//! status-messages schema, REQ-ID-1 (unique statusIds) and REQ-SYS-1
//! (unique systemIds): its `load_catalogue` runs the shipped schema from
//! the harness's `load::Schemas::shipped` (`check_into`) and its
//! `check::rules::unique_status_ids_into` and `unique_system_ids_into`
//! on the catalogue as it would be served, and
//! refuses the file with their findings. That judgement lives in the
//! harness, so the binary lives in the harness package
//! (`src/bin/icws-refserver.rs`) and links it, while this library takes
//! the catalogue as given ([`Config::catalogue`]). The mock may use the
//! judge's judgement there because it only refuses: it never serves a
//! catalogue the harness would fail, so it never serves something the
//! suite calls broken; what it serves, and how it breaks rules under a
//! [`Fault`], is this crate's own code.

pub mod catalogue;
pub mod cors;
pub mod fault;
pub mod gate;
pub mod icons;
mod layers;
pub mod notes;
pub mod profile;
mod serve;
pub mod sessions;

use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

pub use fault::Fault;
use fault::Hooks;
pub use gate::LoginGate;
pub use notes::Notes;
pub use profile::Profile;
use sessions::{Creds, Rec, Store};

/// The header that carries the session token (`icws-session.md`). Written
/// here from the documentation, not taken from the harness: the oracle shares
/// no code with what it judges.
pub const CSRF_HEADER: &str = "ININ-ICWS-CSRF-Token";
/// The header that carries the session id in the login's 201.
pub const SESSION_ID_HEADER: &str = "ININ-ICWS-Session-ID";
/// The vendor media type, as real servers spell it.
pub const ICWS_MEDIA_TYPE: &str = "application/vnd.inin.icws+JSON; charset=utf-8";

/// Default [`Config::session_idle`]: a session unused for 15 minutes is freed.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(15 * 60);
/// Default [`Config::max_sessions`].
pub const DEFAULT_MAX_SESSIONS: usize = 10_000;
/// Default [`Config::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`Config::max_connections`].
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;

/// The reference server's settings.
#[derive(Debug, Clone)]
pub struct Config {
    /// The one user that may log in.
    pub user: String,
    /// Its password.
    pub password: String,
    /// The rule this instance breaks, if any.
    pub fault: Option<Fault>,
    /// Messages in the catalogue: `None` for the shipped 21, or a synthetic
    /// catalogue of that size (see [`catalogue::sized`]).
    pub catalogue_size: Option<usize>,
    /// A catalogue to serve instead of the built-in one, e.g. a copy of a
    /// real server's: the 200 body of status-messages. Each `{sessionId}`
    /// in its strings becomes the requesting session's id and each
    /// `{origin}` the origin the request was sent to
    /// ([`catalogue::instantiate`]). Served as given: checking it is the
    /// caller's job (`icws-refserver --catalogue FILE` does). Takes
    /// precedence over `catalogue_size`. Its icon paths
    /// (`/icws/{id}/status/status-message-icons/{name}`) need the session's
    /// cookie when `{id}` is a live session here, and are served to anyone
    /// otherwise: the ids in a copied file are another server's.
    pub catalogue: Option<Arc<Value>>,
    /// The conformant deployment variations in effect (see [`Profile`]).
    pub profiles: BTreeSet<Profile>,
    /// A session unused for this long is freed (its requests get 401).
    pub session_idle: Duration,
    /// The most live sessions; a login beyond it gets 503
    /// `error.server.notAcceptingConnections`.
    pub max_sessions: usize,
    /// A connection that has not sent a whole request head within this time
    /// (counted from the start of the head, or from the end of the previous
    /// response on a kept-alive connection) is closed. Applies when served
    /// by [`spawn`] / [`spawn_on`].
    pub header_read_timeout: Duration,
    /// The most connections served at once; more are closed on accept.
    /// Applies when served by [`spawn`] / [`spawn_on`].
    pub max_connections: usize,
    /// Origins allowed by CORS (`*`: any origin, echoed back). Empty: no
    /// CORS headers and no preflight answers.
    pub cors_origins: Vec<String>,
    /// The server is reached over TLS (e.g. [`app`] behind a TLS acceptor):
    /// the session cookie gets `Secure`. A request with
    /// `X-Forwarded-Proto: https` gets it too.
    pub tls: bool,
    /// A gate in front of every login (a busy gateway, a server down, the
    /// standby of a switchover pair): no login gets through. Neither a
    /// profile nor a fault: an environment the harness must give up on,
    /// clearly. `None`: logins reach the server.
    pub login_gate: Option<LoginGate>,
    /// Cookies every login sets besides the session's, as a single sign-on
    /// or load-balancer stack may: (how many, bytes of each value), at most
    /// [`MAX_LOGIN_COOKIES`] of [`MAX_LOGIN_COOKIE_BYTES`]. Their path is
    /// the login's own, so session requests do not carry them back. For
    /// load tests of a client's cookie handling; `(0, 0)`: none.
    pub login_cookies: (usize, usize),
    /// Where the server's one-line notes go: a refused CORS preflight and
    /// why, and with [`Config::log_requests`] one line per request.
    /// `icws-refserver` writes them to stderr. `None`: the server says
    /// nothing (the harness's embedded server).
    pub notes: Option<Notes>,
    /// One note per request: method, path, status, milliseconds (never a
    /// header, the query or a body). Needs [`Config::notes`].
    pub log_requests: bool,
}

/// The most extra cookies [`Config::login_cookies`] sets.
pub const MAX_LOGIN_COOKIES: usize = 1000;
/// The longest extra cookie value [`Config::login_cookies`] sets.
pub const MAX_LOGIN_COOKIE_BYTES: usize = 8192;

/// The demo user of the reference server.
pub const DEMO_USER: &str = "agent1";
/// The demo password of the reference server (not a secret: documented).
pub const DEMO_PASSWORD: &str = "icws-demo";

impl Default for Config {
    fn default() -> Self {
        Self {
            user: DEMO_USER.into(),
            password: DEMO_PASSWORD.into(),
            fault: None,
            catalogue_size: None,
            catalogue: None,
            profiles: BTreeSet::new(),
            session_idle: DEFAULT_SESSION_IDLE,
            max_sessions: DEFAULT_MAX_SESSIONS,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            cors_origins: Vec::new(),
            tls: false,
            login_gate: None,
            login_cookies: (0, 0),
            notes: None,
            log_requests: false,
        }
    }
}

impl Config {
    /// True when profile `p` is in effect.
    pub fn has(&self, p: Profile) -> bool {
        self.profiles.contains(&p)
    }

    /// The path prefix the server is served under (`""` without
    /// [`Profile::PathPrefix`]).
    pub fn prefix(&self) -> &'static str {
        if self.has(Profile::PathPrefix) {
            profile::PATH_PREFIX
        } else {
            ""
        }
    }
}

struct Inner {
    config: Config,
    sessions: Mutex<Store>,
    /// Logins answered 201 (also the number of the next session).
    logins: AtomicU64,
    /// Every `POST /icws/connection`, whatever its answer.
    login_attempts: AtomicU64,
    /// Every request that reached the router, any method and path.
    requests: AtomicU64,
    deletes: AtomicU64,
    seed: std::hash::RandomState,
    /// The value of this node's affinity cookie ([`Profile::AffinityCookie`]).
    affinity: String,
    /// The hooks of the fault in effect (none without a fault).
    hooks: &'static Hooks,
    /// Logins let through lately ([`Profile::RateLimitedLogins`]).
    login_window: gate::RateWindow,
}

type AppState = Arc<Inner>;

impl Inner {
    fn new(config: Config) -> Self {
        let seed = std::hash::RandomState::new();
        let affinity = format!(
            "{}.{}.0000",
            seed.hash_one("node") % 4_000_000_000,
            seed.hash_one("port") % 65_536
        );
        let hooks = config.fault.map_or(&fault::NO_HOOKS, |f| f.hooks());
        Self {
            config,
            hooks,
            sessions: Mutex::new(Store::default()),
            logins: AtomicU64::new(0),
            login_attempts: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            deletes: AtomicU64::new(0),
            seed,
            affinity,
            login_window: gate::RateWindow::default(),
        }
    }

    fn has(&self, p: Profile) -> bool {
        self.config.has(p)
    }

    fn random_hex(&self, n: u64) -> String {
        let mut h = self.seed.build_hasher();
        h.write_u64(n);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        format!("{:016x}", h.finish())
    }

    /// A GUID-like value (`8-4-4-4-12` lower-case hex), drawn anew for each `k`.
    fn guid(&self, k: u64) -> String {
        let (a, b) = (self.random_hex(2 * k), self.random_hex(2 * k + 1));
        format!(
            "{}-{}-{}-{}-{}",
            &a[..8],
            &a[8..12],
            &a[12..],
            &b[..4],
            &b[4..]
        )
    }

    /// The CSRF token of login `n`, shaped like a real server's (see
    /// [`token_text`]); under [`Profile::Base64Tokens`] it holds `+`, `/`
    /// and `=` as well.
    fn token(&self, n: u64, user: &str, app: &str, client: &str) -> String {
        let b64 = base64_of(token_text(user, app, &self.guid(3 * n), client).as_bytes());
        if self.has(Profile::Base64Tokens) {
            with_plus_slash_equals(&b64)
        } else {
            b64
        }
    }

    /// The session cookie value of login `n`: a GUID, as real servers send
    /// it; under [`Profile::Base64Tokens`] the GUID in base64 holding `+`,
    /// `/` and `=`.
    fn cookie_value(&self, n: u64) -> String {
        let guid = self.guid(3 * n + 1);
        if self.has(Profile::Base64Tokens) {
            with_plus_slash_equals(&base64_of(guid.as_bytes()))
        } else {
            guid
        }
    }

    fn sessions(&self) -> std::sync::MutexGuard<'_, Store> {
        match self.sessions.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// The fewest bytes a token holds before the session's GUID (user and
/// application name, padded): 18, so the tokens of one user and
/// application share at least their first 24 characters.
pub const TOKEN_SHARED_BYTES: usize = 18;

/// What a token says before base64, shaped like a real server's (see
/// `icws-session.md`, "Real values seen"): the user id, the application
/// name, a per-session GUID and the client address, one a line. So two
/// sessions of one user and application share the beginning of their
/// tokens, and differ from the GUID on. The text before the GUID is padded
/// with spaces to at least [`TOKEN_SHARED_BYTES`] and to a whole number of
/// base64 groups (the shared part is then the same characters in every
/// such token), and the whole with line feeds to a multiple of three bytes
/// (no `=`). User and application name keep only letters, digits and
/// ` .-_@` (at most 64 of them): with these and the GUID and address, the
/// base64 holds only letters and digits.
fn token_text(user: &str, app: &str, guid: &str, client: &str) -> String {
    let keep = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || " .-_@".contains(*c))
            .take(64)
            .collect()
    };
    let mut text = format!("{}\n{}\n", keep(user), keep(app));
    while text.len() < TOKEN_SHARED_BYTES || text.len() % 3 != 0 {
        text.push(' ');
    }
    text.push_str(guid);
    text.push('\n');
    text.push_str(client);
    while text.len() % 3 != 0 {
        text.push('\n');
    }
    text
}

/// Base64 text with `+` and `/` put in at its thirds and ending in `=`
/// ([`Profile::Base64Tokens`]); equal lengths keep equal beginnings.
fn with_plus_slash_equals(b64: &str) -> String {
    let b64 = b64.trim_end_matches('=');
    let third = b64.len() / 3;
    format!(
        "{}+{}/{}=",
        &b64[..third],
        &b64[third..2 * third],
        &b64[2 * third..]
    )
}

/// Standard base64 (with padding), enough for made-up tokens.
fn base64_of(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A view on a server's state for tests and monitoring: how many sessions
/// it holds, and how many requests and logins it has answered (so a test
/// can assert how many logins a harness run made).
#[derive(Clone)]
pub struct Handle(Arc<Inner>);

impl Handle {
    /// Live sessions (ended ones are freed at once; idle-expired ones at
    /// the next login or at their next request).
    pub fn live_sessions(&self) -> usize {
        self.0.sessions().live()
    }

    /// Ended sessions remembered (only under the faults that accept an
    /// ended session's credentials, such as `ended-session-accepted`; at
    /// most [`sessions::ENDED_KEPT`]).
    pub fn remembered_ended_sessions(&self) -> usize {
        self.0.sessions().remembered()
    }

    /// Logins answered `201 Created`.
    pub fn logins(&self) -> u64 {
        self.0.logins.load(Ordering::Relaxed)
    }

    /// Every `POST /icws/connection` received (under the path prefix of
    /// [`Profile::PathPrefix`] when it is on), whatever its answer: 201,
    /// a refusal, a 429 or 503 of a gate.
    pub fn login_attempts(&self) -> u64 {
        self.0.login_attempts.load(Ordering::Relaxed)
    }

    /// Every request that reached the server's router, any method and path
    /// (CORS preflights and 404s included; not those the accept loop
    /// refused before a whole request head arrived).
    pub fn requests(&self) -> u64 {
        self.0.requests.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handle")
            .field("live_sessions", &self.live_sessions())
            .field("logins", &self.logins())
            .field("login_attempts", &self.login_attempts())
            .field("requests", &self.requests())
            .finish_non_exhaustive()
    }
}

/// The whole server as a router. The connection-level behaviours (header
/// read timeout, connection cap, [`Profile::IdleClose`],
/// [`Profile::CloseDelimited`]) need [`spawn`] / [`spawn_on`].
pub fn app(config: Config) -> Router {
    app_with_handle(config).0
}

/// [`app`], and a [`Handle`] on its state.
pub fn app_with_handle(config: Config) -> (Router, Handle) {
    let state: AppState = Arc::new(Inner::new(config));
    let icws = Router::new()
        .route("/icws/connection", post(connect))
        .route("/icws/connection/features", get(features))
        .route("/icws/{sid}/status/{resource}", get(status_resource))
        .route(
            "/icws/{sid}/status/status-message-icons/{name}",
            get(icons::icon),
        )
        .route("/icws/{sid}/connection", delete(disconnect))
        .with_state(state.clone());
    let router = match state.config.prefix() {
        "" => icws,
        prefix => Router::new().nest(prefix, icws),
    };
    (layers::wrap(router, &state), Handle(state))
}

/// A server running in the background; stopped (with its connections) when
/// dropped.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    prefix: &'static str,
    handle: tokio::task::JoinHandle<()>,
    state: Handle,
    connections: Arc<tokio::sync::Semaphore>,
    max_connections: usize,
}

impl Running {
    /// `http://127.0.0.1:PORT`, with the path prefix under [`Profile::PathPrefix`].
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.prefix)
    }

    /// The server's state (session counts, request and login counters).
    pub fn state(&self) -> &Handle {
        &self.state
    }

    /// Connections being served now.
    pub fn open_connections(&self) -> usize {
        self.max_connections
            .saturating_sub(self.connections.available_permits())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Serves [`app`] on `addr` (use port 0 for any free port), with the
/// connection limits of `config`. Must be called inside a tokio runtime.
pub async fn spawn_on(config: Config, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let options = serve::Options::of(&config);
    let max_connections = config.max_connections;
    let prefix = config.prefix();
    let (router, state) = app_with_handle(config);
    let connections = Arc::new(tokio::sync::Semaphore::new(max_connections));
    let handle = tokio::spawn(serve::serve(listener, router, options, connections.clone()));
    Ok(Running {
        addr,
        prefix,
        handle,
        state,
        connections,
        max_connections,
    })
}

/// Serves [`app`] on `127.0.0.1:0`.
pub async fn spawn(config: Config) -> std::io::Result<Running> {
    spawn_on(config, SocketAddr::from(([127, 0, 0, 1], 0))).await
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ICWS_MEDIA_TYPE),
    );
    resp
}

fn error(state: &Inner, status: StatusCode, error_id: &str, message: &str) -> Response {
    error_with(state, status, error_id, message, &[])
}

/// [`error`] with extra members in the error body (e.g. `alternateHostList`).
fn error_with(
    state: &Inner,
    status: StatusCode,
    error_id: &str,
    message: &str,
    extra: &[(&str, Value)],
) -> Response {
    let hooks = state.hooks;
    let status = hooks.error_status.map_or(status, |alter| alter(status));
    let mut resp = if let Some(reply) = hooks.error_reply {
        reply(status, message)
    } else {
        let mut body =
            json!({ "errorId": error_id, "errorCode": -2147221503i64, "message": message });
        for (k, v) in extra {
            body[*k] = v.clone();
        }
        if let Some(alter) = hooks.error_body {
            alter(&mut body);
        }
        json_response(status, &body)
    };
    if status == StatusCode::UNAUTHORIZED {
        for c in challenges(state) {
            if let Ok(v) = HeaderValue::from_str(&c) {
                resp.headers_mut().append(header::WWW_AUTHENTICATE, v);
            }
        }
    }
    resp
}

/// The `WWW-Authenticate` values of a 401, one per header line.
fn challenges(state: &Inner) -> Vec<String> {
    let location = format!("{}/icws/connection", state.config.prefix());
    let icws = match state.hooks.challenge {
        Some(challenge) => challenge(&location),
        None => Some(format!(r#"ICWS realm="ICWS" location="{location}""#)),
    };
    let Some(icws) = icws else {
        return Vec::new();
    };
    if state.has(Profile::SeveralChallenges) {
        vec![
            "Basic realm=https://gw.example/cic".to_owned(),
            format!("{icws}, Negotiate"),
        ]
    } else {
        vec![icws]
    }
}

/// True when the request reached the server over TLS: [`Config::tls`], or
/// `X-Forwarded-Proto: https` from a TLS-terminating proxy.
fn over_tls(state: &Inner, headers: &HeaderMap) -> bool {
    state.config.tls
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// True when the session cookie should carry `Secure`.
fn secure_cookie(state: &Inner, headers: &HeaderMap) -> bool {
    over_tls(state, headers) || state.has(Profile::SecureOverHttp)
}

#[derive(serde::Deserialize)]
struct ConnectQuery {
    include: Option<String>,
}

/// The features a login's `?include=features` lists.
fn login_features(state: &Inner) -> Value {
    let mut list = catalogue::features()["featureInfoList"].clone();
    if let Some(alter) = state.hooks.features {
        alter(&mut list);
    }
    list
}

/// An accepted login: the user, and the application name it gave (empty
/// when it gave none).
struct Accepted {
    user: String,
    app: String,
}

/// The login's refusals, in the order a real server makes them: no
/// `Accept-Language`, a body that is not a connection request, a wrong
/// user or password. The user and application when it is accepted.
fn accept_login(
    state: &AppState,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Accepted, Box<Response>> {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if lang.trim().is_empty() {
        return Err(Box::new(error(
            state,
            StatusCode::BAD_REQUEST,
            "error.request.missingHeader",
            "The Accept-Language header is required.",
        )));
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (Some(user), Some(password)) = (field("userID"), field("password")) else {
        return Err(Box::new(error(
            state,
            StatusCode::BAD_REQUEST,
            "error.request.invalidRepresentation",
            "The request body is not a connection request.",
        )));
    };
    if user != state.config.user || password != state.config.password {
        return Err(Box::new(error(
            state,
            StatusCode::BAD_REQUEST,
            "error.request.connection.authenticationFailure",
            "The authentication process failed.",
        )));
    }
    let app = field("applicationName").unwrap_or_default();
    Ok(Accepted { user, app })
}

/// The 201's headers: the session id and token (where the profiles and
/// the fault put them), the session cookie, an affinity cookie, Location.
fn login_headers(
    state: &AppState,
    headers: &HeaderMap,
    in_headers: bool,
    sid: &str,
    token: String,
    cookie_name: &str,
    cookie_value: &str,
) -> Vec<(&'static str, String)> {
    let prefix = state.config.prefix();
    let mut cookie = format!("{cookie_name}={cookie_value}; Path={prefix}/icws/{sid}");
    if secure_cookie(state, headers) {
        cookie.push_str("; Secure");
        if !state.config.cors_origins.is_empty() {
            cookie.push_str("; SameSite=None");
        }
    }
    cookie.push_str("; HttpOnly");
    let mut pairs = Vec::new();
    if in_headers {
        let ids = match state.hooks.login_headers {
            Some(bend) => bend(sid, &token),
            None => Some((token, sid.to_owned())),
        };
        if let Some((token, sid)) = ids {
            pairs.push((CSRF_HEADER, token));
            pairs.push((SESSION_ID_HEADER, sid));
        }
    }
    pairs.push(("Set-Cookie", cookie));
    if state.has(Profile::AffinityCookie) {
        pairs.push((
            "Set-Cookie",
            format!("{}={}; Path=/", profile::AFFINITY_COOKIE, state.affinity),
        ));
    }
    let (count, bytes) = state.config.login_cookies;
    for i in 0..count.min(MAX_LOGIN_COOKIES) {
        let seed = state.seed.hash_one((sid, i));
        let value: String = format!("{seed:016x}")
            .chars()
            .cycle()
            .take(bytes.min(MAX_LOGIN_COOKIE_BYTES))
            .collect();
        pairs.push((
            "Set-Cookie",
            format!("sso{i}={value}; Path={prefix}/icws/connection"),
        ));
    }
    pairs.push(("Location", format!("{prefix}/icws/{sid}/connection")));
    pairs
}

async fn connect(
    State(state): State<AppState>,
    Query(q): Query<ConnectQuery>,
    peer: Option<axum::Extension<serve::Peer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // A gate in front of the server answers before the server looks.
    if let Some(refused) = gate::refusal(&state) {
        return refused;
    }
    let Accepted { user, app } = match accept_login(&state, &headers, &body) {
        Ok(accepted) => accepted,
        Err(refused) => return *refused,
    };
    let now = Instant::now();
    {
        let mut store = state.sessions();
        store.sweep(now, state.config.session_idle);
        if store.live() >= state.config.max_sessions {
            drop(store);
            return error_with(
                &state,
                StatusCode::SERVICE_UNAVAILABLE,
                "error.server.notAcceptingConnections",
                "The server is not accepting connections: too many sessions.",
                &[("alternateHostList", json!([]))],
            );
        }
    }
    let n = state.logins.fetch_add(1, Ordering::Relaxed);
    let sid = if state.has(Profile::LetterSessionIds) {
        format!("Ic{}x{n}", &state.random_hex(n)[..8])
    } else {
        format!(
            "{}",
            300_000_000 + n * 7919 + (state.seed.hash_one(n) % 1000)
        )
    };
    let client = peer.map_or("unknown".to_owned(), |p| p.0.0.ip().to_string());
    let token = state.token(n, &user, &app, &client);
    let cookie_value = state.cookie_value(n);
    let cookie_name = format!("icws_{sid}");
    state.sessions().insert(
        sid.clone(),
        Rec {
            token: token.clone(),
            cookie_name: cookie_name.clone(),
            cookie_value: cookie_value.clone(),
            last_used: now,
        },
    );
    // Where the session id and token go: both places by default, only the
    // headers with the profile. (Only the body is fault
    // `login-without-headers`: the vendor's client cannot continue.)
    let (in_body, in_headers) = (!state.has(Profile::IdsInHeadersOnly), true);
    let mut out = json!({
        "alternateHostList": [],
        "userID": user,
        "userDisplayName": "Agent One",
        "icServer": "refserver",
    });
    if in_body {
        out["sessionId"] = json!(sid);
        out["csrfToken"] = json!(token);
    }
    // With features-at-login-only too, the login's list is the only one.
    let ignores_include =
        state.has(Profile::NoLoginFeatures) && !state.has(Profile::FeaturesAtLoginOnly);
    if !ignores_include
        && q.include
            .as_deref()
            .is_some_and(|i| i.split(',').any(|p| p.trim() == "features"))
    {
        out["features"] = login_features(&state);
    }
    let mut resp = json_response(StatusCode::CREATED, &out);
    let pairs = login_headers(
        &state,
        &headers,
        in_headers,
        &sid,
        token,
        &cookie_name,
        &cookie_value,
    );
    let h = resp.headers_mut();
    for (name, value) in pairs {
        if let (Ok(n), Ok(v)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            h.append(n, v);
        }
    }
    resp
}

/// The feature list `GET /icws/connection/features` answers.
fn features_listed(state: &Inner) -> Value {
    let mut body = catalogue::features();
    let list = &mut body["featureInfoList"];
    if let Some(alter) = state.hooks.features {
        alter(list);
    }
    if state.has(Profile::FeaturesAtLoginOnly) {
        catalogue::remove_feature(list, "status");
    }
    if let Some(alter) = state.hooks.features_listing {
        alter(&mut body);
    }
    body
}

async fn features(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, &features_listed(&state))
}

/// The credentials `headers` present: the CSRF token and every cookie.
fn credentials(headers: &HeaderMap) -> Creds {
    let token = headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let cookies = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| {
            p.trim()
                .split_once('=')
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
        })
        .collect();
    Creds { token, cookies }
}

/// A token or cookie the request lacks (where the fault checks it), or a
/// load balancer's affinity cookie it lacks: the refusal, if any.
fn missing_credentials(state: &Inner, creds: &Creds, csrf_failed: &dyn Fn()) -> Option<Response> {
    let token_checked = !state.hooks.auth_skips_token;
    let cookie_checked = !state.hooks.auth_skips_cookie;
    if creds.token.is_none() && token_checked {
        csrf_failed();
        let status = if state.has(Profile::MissingToken401) {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        return Some(error(
            state,
            status,
            "error.request.missingHeader",
            "The ININ-ICWS-CSRF-Token header is required.",
        ));
    }
    if creds.cookies.is_empty() && cookie_checked {
        let status = if state.has(Profile::MissingCookie400) {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNAUTHORIZED
        };
        return Some(error(
            state,
            status,
            "error.request.accessDenied.cookie.invalid",
            "The session cookie is missing.",
        ));
    }
    // Without the load balancer's cookie the request reaches another node,
    // which does not know the session.
    if cookie_checked
        && state.has(Profile::AffinityCookie)
        && !creds.has_cookie(profile::AFFINITY_COOKIE, &state.affinity)
    {
        return Some(error(
            state,
            StatusCode::UNAUTHORIZED,
            "error.request.accessDenied",
            "The session is not valid or has expired.",
        ));
    }
    None
}

/// True when ended sessions are remembered (boundedly): for a fault's hooks,
/// or to recognise their credentials coming back.
fn remembers_ended(state: &Inner) -> bool {
    state.hooks.remembers_ended || state.has(Profile::EndsAllOnReplay)
}

/// Checks token, cookie and session id; `Err` is the error response. A
/// fault bends the checks through its hooks ([`fault::Hooks`]`::auth_*`).
fn authorize(state: &Inner, sid: &str, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let hooks = state.hooks;
    let creds = credentials(headers);
    let token_checked = !hooks.auth_skips_token;
    let cookie_checked = !hooks.auth_skips_cookie;
    let now = Instant::now();
    let idle = state.config.session_idle;
    let remember = remembers_ended(state);
    // A hardened server revokes every session when ended credentials come
    // back (the user is one, the demo user).
    if state.has(Profile::EndsAllOnReplay) {
        let mut store = state.sessions();
        if store.replays_ended(&creds) {
            store.end_all(remember);
        }
    }
    // A hardened server ends the session a CSRF check failed for.
    let csrf_failed = || {
        if state.has(Profile::CsrfEndsSession) {
            let mut store = state.sessions();
            if store.get_live(sid, now, idle).is_some() {
                store.end(sid, remember);
            }
        }
    };
    if let Some(resp) = hooks.auth_first.and_then(|first| first(state, &creds)) {
        return Err(Box::new(resp));
    }
    if let Some(refused) = missing_credentials(state, &creds, &csrf_failed) {
        return Err(Box::new(refused));
    }
    let unauthorized = |id: &str, msg: &str| error(state, StatusCode::UNAUTHORIZED, id, msg);
    if let Some(check) = hooks.auth_credentials {
        let ok = check(&mut state.sessions(), &creds, sid, now, idle);
        return if ok {
            Ok(())
        } else {
            Err(Box::new(unauthorized(
                "error.request.accessDenied",
                "The session is not valid or has expired.",
            )))
        };
    }
    let mut store = state.sessions();
    let rec = match store.get_live(sid, now, idle) {
        Some(r) => Some(r.clone()),
        None => hooks
            .auth_fallback
            .and_then(|fallback| fallback(&store, &creds, sid, now, idle)),
    };
    let Some(rec) = rec else {
        drop(store);
        return Err(Box::new(unauthorized(
            "error.request.accessDenied",
            "The session is not valid or has expired.",
        )));
    };
    let token_ok = match hooks.auth_token {
        Some(token_ok) => token_ok(&store, &creds, &rec),
        None => creds.token.as_deref() == Some(rec.token.as_str()),
    };
    let cookie_ok = match hooks.auth_cookie {
        Some(cookie_ok) => cookie_ok(&store, &creds, &rec),
        None => creds.has_cookie(&rec.cookie_name, &rec.cookie_value),
    };
    drop(store);
    if token_checked && !token_ok {
        csrf_failed();
        return Err(Box::new(unauthorized(
            "error.request.accessDenied",
            "The session token is not valid.",
        )));
    }
    if cookie_checked && !cookie_ok {
        return Err(Box::new(unauthorized(
            "error.request.accessDenied.cookie.invalid",
            "The session cookie is not valid.",
        )));
    }
    if let Some(r) = state.sessions().get_live(sid, now, idle) {
        r.last_used = now;
    }
    Ok(())
}

/// `/icws/{sid}/status/status-messages` — or where the fault's
/// [`fault::Hooks`]`::resource` says (`wrong-path`: `statusmessages`);
/// anything else is 404.
async fn status_resource(
    State(state): State<AppState>,
    Path((sid, resource)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let served = state.hooks.resource.unwrap_or("status-messages");
    if resource != served {
        return error(
            &state,
            StatusCode::NOT_FOUND,
            "error.request.notFound",
            "No such resource.",
        );
    }
    status_messages(state, sid, headers).await
}

/// The origin a request was sent to, from its `Host` (`https` over TLS);
/// empty when there is no `Host` that is a plain host and port, or a
/// longer one than [`catalogue::MAX_ORIGIN_BYTES`], so a client's header
/// cannot put anything else into the catalogue, nor grow it.
fn request_origin(state: &Inner, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        });
    let origin = match host {
        Some(h) if over_tls(state, headers) => format!("https://{h}"),
        Some(h) => format!("http://{h}"),
        None => String::new(),
    };
    if origin.len() > catalogue::MAX_ORIGIN_BYTES {
        return String::new();
    }
    origin
}

async fn status_messages(state: AppState, sid: String, headers: HeaderMap) -> Response {
    if let Err(resp) = authorize(&state, &sid, &headers) {
        return *resp;
    }
    let hooks = state.hooks;
    if let Some(instead) = hooks.instead_of_catalogue {
        return instead(&state);
    }
    let icons = icons::base(&state, &headers);
    let mut body = match (&state.config.catalogue, state.config.catalogue_size) {
        (Some(given), _) => catalogue::instantiate(given, &sid, &request_origin(&state, &headers)),
        (None, n) => catalogue::sized_with_icons(&sid, n.unwrap_or(catalogue::SHIPPED), &icons),
    };
    if state.has(Profile::PasswordInCatalogue) {
        catalogue::add_password_status(&mut body, &sid, &state.config.password, &icons);
    }
    if let Some(f) = state.config.fault {
        f.mutate_catalogue(&mut body);
        body = f.reshape_catalogue(body);
    }
    match hooks.catalogue_reply {
        Some(reply) => reply(body.to_string()),
        None => json_response(StatusCode::OK, &body),
    }
}

async fn disconnect(
    State(state): State<AppState>,
    Path(sid): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(resp) = authorize(&state, &sid, &headers) {
        return *resp;
    }
    state.sessions().end(&sid, remembers_ended(&state));
    if !state.has(Profile::Delete200) {
        return StatusCode::NO_CONTENT.into_response();
    }
    // 200 with a body, then 200 without one, alternately.
    if state.deletes.fetch_add(1, Ordering::Relaxed) % 2 == 0 {
        json_response(StatusCode::OK, &json!({}))
    } else {
        StatusCode::OK.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64_of(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn base64_tokens_hold_plus_slash_and_equals() {
        let inner = Inner::new(Config {
            profiles: BTreeSet::from([Profile::Base64Tokens]),
            ..Config::default()
        });
        let first = inner.token(0, "agent1", "icws-conformance", "127.0.0.1");
        for n in 0..20 {
            let t = inner.token(n, "agent1", "icws-conformance", "127.0.0.1");
            let c = inner.cookie_value(n);
            for v in [&t, &c] {
                assert!(
                    v.contains('+') && v.contains('/') && v.ends_with('='),
                    "{v}"
                );
                assert!(HeaderValue::from_str(v).is_ok());
            }
            assert_eq!(t[..24], first[..24]);
        }
    }

    /// The length of the common beginning of two strings.
    fn shared(a: &str, b: &str) -> usize {
        a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
    }

    #[test]
    fn tokens_are_shaped_like_real_ones() {
        let inner = Inner::new(Config::default());
        let tokens: Vec<String> = (0..20)
            .map(|n| inner.token(n, "agent1", "icws-conformance", "127.0.0.1"))
            .collect();
        let head = base64_of(b"agent1\nicws-conformance\n");
        for (i, t) in tokens.iter().enumerate() {
            assert!(t.len() >= 64 && t.len() <= 128, "{t}");
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()), "{t}");
            assert!(t.starts_with(&head), "{t}");
            for u in &tokens[i + 1..] {
                assert!(t != u);
                let n = shared(t, u);
                assert!((24..t.len()).contains(&n), "{t} {u}");
            }
        }
        // Short names and a strange application name: still a shared
        // beginning of 24 characters, still letters and digits only.
        let odd: Vec<String> = (0..5)
            .map(|n| inner.token(n, "a", "x?~>+/ é", "::1"))
            .collect();
        for t in &odd {
            assert!(t.len() >= 64, "{t}");
            assert!(t.bytes().all(|b| b.is_ascii_alphanumeric()), "{t}");
            assert!(shared(t, &odd[0]) >= 24, "{t}");
        }
        let text = token_text("agent1", "icws-conformance", "G", "127.0.0.1");
        assert_eq!(text, "agent1\nicws-conformance\nG\n127.0.0.1\n");
    }

    #[test]
    fn cookie_values_are_guids() {
        let inner = Inner::new(Config::default());
        let c = inner.cookie_value(7);
        assert_eq!(c.len(), 36, "{c}");
        let groups: Vec<usize> = c.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{c}");
        assert!(c.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()), "{c}");
        assert_ne!(c, inner.cookie_value(8));
    }
}
