//! The router-level layers around the reference server's handlers, and
//! their order: the request and login counters of [`crate::Handle`], the
//! request log of [`crate::Config::log_requests`] (one note per request:
//! method, path, status, milliseconds; never a header, the query or a
//! body), CORS for browser clients ([`crate::cors`]), the media type
//! spellings of [`Profile::CharsetSpellings`], the delay of
//! [`Profile::Slow`], and the body codings of [`Profile::Gzip`] and
//! [`Profile::Chunked`]. They work in-process too (on [`crate::app`]);
//! framing by connection close needs the accept loop (`serve`).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;

use crate::Inner;
use crate::cors;
use crate::notes::{self, Notes};
use crate::profile::{self, Profile};

/// Wraps `router` in the layers `state`'s config asks for (outermost first:
/// request log, counters, body deadline, CORS, delay, media type spellings,
/// body coding).
pub(crate) fn wrap(router: Router, state: &Arc<Inner>) -> Router {
    let mut router = router;
    let config = &state.config;
    if config.has(Profile::Gzip) || config.has(Profile::Chunked) {
        router = router.layer(middleware::from_fn_with_state(state.clone(), body_coding));
    }
    if config.has(Profile::CharsetSpellings) {
        router = router.layer(middleware::from_fn(charset_spellings));
    }
    if config.has(Profile::Slow) {
        router = router.layer(middleware::from_fn(slow));
    }
    // Without --cors too when there are notes: a refused preflight is noted.
    if !config.cors_origins.is_empty() || config.notes.is_some() {
        router = router.layer(middleware::from_fn_with_state(state.clone(), cors::layer));
    }
    // A request body must arrive whole within the header-read timeout (a
    // slowloris that trickles its body cannot hold a connection).
    router = router.layer(middleware::from_fn_with_state(state.clone(), body_deadline));
    // Every request is counted, whatever answers it.
    router = router.layer(middleware::from_fn_with_state(state.clone(), count));
    // Outermost: every request is logged, with all the time it took.
    if let (true, Some(notes)) = (config.log_requests, &config.notes) {
        router = router.layer(middleware::from_fn_with_state(notes.clone(), log_request));
    }
    router
}

/// Notes the request's method, path (never the query), status and the
/// milliseconds until the response head. No header, query or body is
/// read: the CSRF token and the cookie never reach the note.
async fn log_request(State(notes): State<Notes>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let resp = next.run(req).await;
    notes.say(&notes::request_line(
        method.as_str(),
        &path,
        resp.status().as_u16(),
        start.elapsed(),
    ));
    resp
}

/// Counts the request, and the login attempt when it is one.
async fn count(State(state): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    state.requests.fetch_add(1, Ordering::Relaxed);
    let login = req.method() == Method::POST
        && req
            .uri()
            .path()
            .strip_prefix(state.config.prefix())
            .is_some_and(|p| p == "/icws/connection");
    if login {
        state.login_attempts.fetch_add(1, Ordering::Relaxed);
    }
    next.run(req).await
}

/// The most request body bytes read (a login is a few hundred).
pub const MAX_REQUEST_BODY: usize = 1 << 20;

async fn body_deadline(
    axum::extract::State(state): axum::extract::State<Arc<Inner>>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let read = axum::body::to_bytes(body, MAX_REQUEST_BODY);
    match tokio::time::timeout(state.config.header_read_timeout, read).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Ok(Err(_)) => axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
        Err(_) => axum::http::StatusCode::REQUEST_TIMEOUT.into_response(),
    }
}

/// The spellings of the ICWS media type [`Profile::CharsetSpellings`]
/// rotates through: each still means UTF-8 JSON.
pub const CHARSET_SPELLINGS: &[&str] = &[
    "application/vnd.inin.icws+json;charset=\"UTF-8\"",
    "application/vnd.inin.icws+JSON; Charset=utf8",
    "application/vnd.inin.icws+json",
];

async fn charset_spellings(req: Request, next: Next) -> Response {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let mut resp = next.run(req).await;
    let icws = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/vnd.inin.icws+json")
        });
    if icws {
        let i = NEXT.fetch_add(1, Ordering::Relaxed) % CHARSET_SPELLINGS.len();
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(CHARSET_SPELLINGS[i]),
        );
    }
    resp
}

async fn slow(req: Request, next: Next) -> Response {
    tokio::time::sleep(Duration::from_millis(profile::SLOW_DELAY_MS)).await;
    next.run(req).await
}

/// True when `Accept-Encoding` allows gzip (`gzip`, `x-gzip` or `*`, with a
/// non-zero weight).
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let zero = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            !zero
                && (coding.eq_ignore_ascii_case("gzip")
                    || coding.eq_ignore_ascii_case("x-gzip")
                    || coding == "*")
        })
}

async fn body_coding(State(state): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    let gzip = state.has(Profile::Gzip) && accepts_gzip(req.headers());
    let resp = next.run(req).await;
    let empty = resp.body().size_hint().exact() == Some(0)
        || matches!(
            resp.status(),
            StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED
        );
    if empty || resp.headers().contains_key(header::CONTENT_ENCODING) {
        return resp;
    }
    let (mut parts, mut body) = resp.into_parts();
    if gzip {
        body = gzip_body(body);
        parts.headers.remove(header::CONTENT_LENGTH);
        parts
            .headers
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        parts
            .headers
            .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
    if state.has(Profile::Chunked) {
        body = chunked_body(body);
        parts.headers.remove(header::CONTENT_LENGTH);
    }
    Response::from_parts(parts, body)
}

/// The body as a stream of unknown length in pieces of at most a third of
/// each original chunk (so the transport sends several chunks).
fn chunked_body(body: Body) -> Body {
    let stream = body.into_data_stream().flat_map(|item| {
        let pieces: Vec<Result<Bytes, axum::Error>> = match item {
            Ok(bytes) => {
                let step = bytes.len().div_ceil(3).max(1);
                (0..bytes.len())
                    .step_by(step)
                    .map(|at| Ok(bytes.slice(at..(at + step).min(bytes.len()))))
                    .collect()
            }
            Err(e) => vec![Err(e)],
        };
        futures_util::stream::iter(pieces)
    });
    Body::from_stream(stream)
}

/// The body gzip-encoded as it streams (each chunk flushed, so a body that
/// stalls or breaks mid-way still does so after its first bytes).
fn gzip_body(body: Body) -> Body {
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;
    type Enc = GzEncoder<Vec<u8>>;
    let start = (
        body.into_data_stream(),
        Some(GzEncoder::new(Vec::new(), Compression::fast())),
    );
    let stream =
        futures_util::stream::unfold(start, |(mut src, enc): (_, Option<Enc>)| async move {
            let mut enc = enc?;
            match src.next().await {
                Some(Ok(chunk)) => {
                    let wrote = enc.write_all(&chunk).and_then(|()| enc.flush());
                    match wrote {
                        Ok(()) => {
                            let out = std::mem::take(enc.get_mut());
                            Some((Ok(Bytes::from(out)), (src, Some(enc))))
                        }
                        Err(e) => Some((Err(e), (src, None))),
                    }
                }
                Some(Err(e)) => Some((Err(std::io::Error::other(e)), (src, None))),
                None => Some((enc.finish().map(Bytes::from), (src, None))),
            }
        })
        .filter(|r| std::future::ready(!matches!(r, Ok(b) if b.is_empty())));
    Body::from_stream(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_str(v) {
            m.insert(header::ACCEPT_ENCODING, v);
        }
        m
    }

    #[test]
    fn accept_encoding_is_read_with_weights() {
        assert!(accepts_gzip(&h("gzip, deflate")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0, deflate")));
        assert!(!accepts_gzip(&h("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }
}
