//! The embedded reference server: a conformant ICWS server for connect,
//! features, status-messages and disconnect, as the spec files describe it.
//! [`app`] is the whole server as an axum `Router` (testable in-process);
//! [`spawn`] serves it on `127.0.0.1:0`. It is the harness's default target,
//! a mock for client developers (`icws-refserver`), and — with a [`Fault`] —
//! the broken server the harness's own tests must catch.

pub mod catalogue;
pub mod fault;

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};

pub use fault::Fault;

/// The header that carries the session token (`icws-session.md`). Written
/// here from the documentation, not taken from the harness: the oracle shares
/// no code with what it judges.
pub const CSRF_HEADER: &str = "ININ-ICWS-CSRF-Token";
/// The header that carries the session id in the login's 201.
pub const SESSION_ID_HEADER: &str = "ININ-ICWS-Session-ID";
/// The vendor media type, as real servers spell it.
pub const ICWS_MEDIA_TYPE: &str = "application/vnd.inin.icws+JSON; charset=utf-8";

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
}

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
        }
    }
}

struct Rec {
    token: String,
    cookie_name: String,
    cookie_value: String,
    ended: bool,
}

struct Inner {
    config: Config,
    sessions: Mutex<HashMap<String, Rec>>,
    counter: AtomicU64,
    seed: std::hash::RandomState,
}

type AppState = Arc<Inner>;

impl Inner {
    fn fault(&self, f: Fault) -> bool {
        self.config.fault == Some(f)
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

    fn sessions(&self) -> std::sync::MutexGuard<'_, HashMap<String, Rec>> {
        match self.sessions.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// The whole server as a router.
pub fn app(config: Config) -> Router {
    let state: AppState = Arc::new(Inner {
        config,
        sessions: Mutex::new(HashMap::new()),
        counter: AtomicU64::new(0),
        seed: std::hash::RandomState::new(),
    });
    Router::new()
        .route("/icws/connection", post(connect))
        .route("/icws/connection/features", get(features))
        .route("/icws/{sid}/status/{resource}", get(status_resource))
        .route("/icws/{sid}/connection", delete(disconnect))
        .with_state(state)
}

/// A server running in the background; stopped when dropped.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    handle: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Serves [`app`] on `addr` (use port 0 for any free port). Must be called
/// inside a tokio runtime.
pub async fn spawn_on(config: Config, addr: SocketAddr) -> std::io::Result<Running> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let router = app(config);
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok(Running { addr, handle })
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
    let status = if status == StatusCode::UNAUTHORIZED && state.fault(Fault::Forbidden403) {
        StatusCode::FORBIDDEN
    } else {
        status
    };
    let mut body = json!({ "errorId": error_id, "errorCode": -2147221503i64, "message": message });
    if state.fault(Fault::ErrorWithoutMessage) {
        body.as_object_mut().map(|m| m.remove("message"));
    }
    if state.fault(Fault::ErrorMessageNotString) {
        body["message"] = json!(401);
    }
    let mut resp = if state.fault(Fault::ErrorTextPlain) {
        let mut r = (status, message.to_owned()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        r
    } else {
        json_response(status, &body)
    };
    if status == StatusCode::UNAUTHORIZED {
        let challenge = if state.fault(Fault::NoChallenge) {
            None
        } else if state.fault(Fault::OtherScheme) {
            Some(r#"Basic realm="ICWS""#)
        } else if state.fault(Fault::NoRealm) {
            Some(r#"ICWS location="/icws/connection""#)
        } else if state.fault(Fault::NoLocation) {
            Some(r#"ICWS realm="ICWS""#)
        } else {
            Some(r#"ICWS realm="ICWS" location="/icws/connection""#)
        };
        if let Some(c) = challenge {
            resp.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
        }
    }
    resp
}

#[derive(serde::Deserialize)]
struct ConnectQuery {
    include: Option<String>,
}

async fn connect(
    State(state): State<AppState>,
    Query(q): Query<ConnectQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let lang = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if lang.trim().is_empty() {
        return error(
            &state,
            StatusCode::BAD_REQUEST,
            "error.request.missingHeader",
            "The Accept-Language header is required.",
        );
    }
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let field = |k: &str| {
        parsed
            .as_ref()
            .and_then(|b| b.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (Some(user), Some(password)) = (field("userID"), field("password")) else {
        return error(
            &state,
            StatusCode::BAD_REQUEST,
            "error.request.invalidRepresentation",
            "The request body is not a connection request.",
        );
    };
    if user != state.config.user || password != state.config.password {
        return error(
            &state,
            StatusCode::BAD_REQUEST,
            "error.request.connection.authenticationFailure",
            "The authentication process failed.",
        );
    }
    let n = state.counter.fetch_add(1, Ordering::Relaxed);
    let sid = format!(
        "{}",
        300_000_000 + n * 7919 + (state.seed.hash_one(n) % 1000)
    );
    let token = format!("{}{}", state.random_hex(n), state.random_hex(n + 1));
    let cookie_value = state.random_hex(n + 2);
    let cookie_name = format!("icws_{sid}");
    state.sessions().insert(
        sid.clone(),
        Rec {
            token: token.clone(),
            cookie_name: cookie_name.clone(),
            cookie_value: cookie_value.clone(),
            ended: false,
        },
    );
    let mut out = json!({
        "sessionId": sid,
        "csrfToken": token,
        "alternateHostList": [],
        "userID": user,
        "userDisplayName": "Agent One",
        "icServer": "refserver",
    });
    if q.include
        .as_deref()
        .is_some_and(|i| i.split(',').any(|p| p.trim() == "features"))
    {
        out["features"] = features_listed(&state)["featureInfoList"].clone();
    }
    let mut resp = json_response(StatusCode::CREATED, &out);
    let h = resp.headers_mut();
    let pairs = [
        (CSRF_HEADER, token),
        (SESSION_ID_HEADER, sid.clone()),
        (
            "Set-Cookie",
            format!("{cookie_name}={cookie_value}; Path=/icws/{sid}; Secure; HttpOnly"),
        ),
        ("Location", format!("/icws/{sid}/connection")),
    ];
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

/// The feature list, in both documented places (GET and the login).
fn features_listed(state: &Inner) -> Value {
    let mut body = catalogue::features();
    if state.fault(Fault::FeatureMissing) {
        if let Some(list) = body["featureInfoList"].as_array_mut() {
            list.retain(|f| f["featureId"] != "status");
        }
    }
    body
}

async fn features(State(state): State<AppState>) -> Response {
    json_response(StatusCode::OK, &features_listed(&state))
}

/// Checks token, cookie and session id; `Err` is the error response.
fn authorize(state: &Inner, sid: &str, headers: &HeaderMap) -> Result<(), Box<Response>> {
    let token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    let cookies: Vec<(String, String)> = headers
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
    let token_checked = !state.fault(Fault::TokenNotChecked);
    let cookie_checked = !state.fault(Fault::CookieNotChecked);
    if token.is_none() && token_checked {
        return Err(Box::new(error(
            state,
            StatusCode::BAD_REQUEST,
            "error.request.missingHeader",
            "The ININ-ICWS-CSRF-Token header is required.",
        )));
    }
    let unauthorized = |id: &str, msg: &str| error(state, StatusCode::UNAUTHORIZED, id, msg);
    if cookies.is_empty() && cookie_checked {
        return Err(Box::new(unauthorized(
            "error.request.accessDenied.cookie.invalid",
            "The session cookie is missing.",
        )));
    }
    let sessions = state.sessions();
    let rec = match sessions.get(sid) {
        Some(r) if !r.ended || state.fault(Fault::EndedSessionAccepted) => Some(r),
        Some(_) => None,
        None if state.fault(Fault::AnySessionAccepted) => {
            sessions.values().find(|r| Some(r.token.as_str()) == token)
        }
        None => None,
    };
    let Some(rec) = rec else {
        return Err(Box::new(unauthorized(
            "error.request.accessDenied",
            "The session is not valid or has expired.",
        )));
    };
    if token_checked && token != Some(rec.token.as_str()) {
        return Err(Box::new(unauthorized(
            "error.request.accessDenied",
            "The session token is not valid.",
        )));
    }
    if cookie_checked
        && !cookies
            .iter()
            .any(|(n, v)| *n == rec.cookie_name && *v == rec.cookie_value)
    {
        return Err(Box::new(unauthorized(
            "error.request.accessDenied.cookie.invalid",
            "The session cookie is not valid.",
        )));
    }
    Ok(())
}

/// `/icws/{sid}/status/status-messages` — or, under fault `wrong-path`,
/// `/icws/{sid}/status/statusmessages`; anything else is 404.
async fn status_resource(
    State(state): State<AppState>,
    Path((sid, resource)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let served = if state.fault(Fault::WrongPath) {
        "statusmessages"
    } else {
        "status-messages"
    };
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

async fn status_messages(state: AppState, sid: String, headers: HeaderMap) -> Response {
    if let Err(resp) = authorize(&state, &sid, &headers) {
        return *resp;
    }
    if state.fault(Fault::Status500) {
        return error(
            &state,
            StatusCode::INTERNAL_SERVER_ERROR,
            "error.server.unexpected",
            "An unexpected error occurred.",
        );
    }
    if state.fault(Fault::Status500Bare) {
        let mut r = (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
        return r;
    }
    if state.fault(Fault::Status410Bare) {
        return StatusCode::GONE.into_response();
    }
    if state.fault(Fault::Status410) {
        return error(
            &state,
            StatusCode::GONE,
            "error.request.gone",
            "This resource has been removed.",
        );
    }
    let mut body = match state.config.catalogue_size {
        Some(n) => catalogue::sized(&sid, n),
        None => catalogue::catalogue(&sid),
    };
    if let Some(f) = state.config.fault {
        f.mutate_catalogue(&mut body);
        body = f.reshape_catalogue(body);
    }
    let text = body.to_string();
    let Some(fault) = state.config.fault else {
        return json_response(StatusCode::OK, &body);
    };
    let half = Bytes::from(text.as_bytes()[..text.len() / 2].to_vec());
    let raw = |bytes: Vec<u8>, content_type: &'static str| {
        let mut r = (StatusCode::OK, bytes).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    match fault {
        Fault::BodyNotJson => raw(
            format!("statusMessageList: {}", &text[..60.min(text.len())]).into_bytes(),
            ICWS_MEDIA_TYPE,
        ),
        Fault::TruncatedBody => raw(half.to_vec(), ICWS_MEDIA_TYPE),
        Fault::InvalidUtf8 => {
            let mut bytes = text.into_bytes();
            let at = bytes
                .windows(9)
                .position(|w| w == b"Gone Home")
                .map_or(bytes.len() / 2, |i| i + 5);
            bytes.insert(at, 0xff);
            raw(bytes, ICWS_MEDIA_TYPE)
        }
        Fault::HtmlMediaType => raw(text.into_bytes(), "text/html; charset=utf-8"),
        Fault::NeverFinishes | Fault::DropMidBody => {
            let first = futures_util::stream::once(async move { Ok::<_, std::io::Error>(half) });
            let body = if fault == Fault::NeverFinishes {
                Body::from_stream(futures_util::StreamExt::chain(
                    first,
                    futures_util::stream::pending(),
                ))
            } else {
                // Give the head and the first half time to reach the client.
                let broken = futures_util::stream::once(async {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    Err(std::io::Error::other("dropped by fault drop-mid-body"))
                });
                Body::from_stream(futures_util::StreamExt::chain(first, broken))
            };
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(ICWS_MEDIA_TYPE),
            );
            r
        }
        _ => json_response(StatusCode::OK, &body),
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
    if let Some(rec) = state.sessions().get_mut(&sid) {
        rec.ended = true;
    }
    StatusCode::NO_CONTENT.into_response()
}
