//! CORS for browser pages on another origin (`--cors ORIGIN`,
//! [`crate::Config::cors_origins`]). It owns the answer to a preflight from
//! an allowed origin: the origin echoed, credentials allowed, the methods
//! the server routes, and the request headers the preflight asks for,
//! mirrored within bounds (the vendor's generated JavaScript client adds
//! `X-ICWS-DevTools-CorrelationId` to every request in a browser); the 403
//! to a preflight from any other origin; the `Access-Control-*` headers of
//! every response to an allowed origin, which expose the session id, the
//! token and `Location`; the one-line note of a refused preflight, saying
//! why (also without `--cors`, whenever the server has
//! [`crate::Config::notes`]); and [`site_warnings`], the start-time warning
//! for an allowed origin on another site than the server's address.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Inner;
use crate::notes::{MAX_SHOWN_ORIGIN, MAX_SHOWN_PATH, shown, shown_as_is};

/// The request headers a preflight from an allowed origin always gets
/// allowed, whatever it asks: those an ICWS client sends.
pub const ALWAYS_ALLOWED_HEADERS: &[&str] =
    &["ININ-ICWS-CSRF-Token", "Content-Type", "Accept-Language"];
/// The methods the ICWS resources served here use.
pub const CORS_ALLOW_METHODS: &str = "GET, POST, DELETE";
/// The response headers every response to an allowed origin exposes to the
/// page: the login's session id and token (the vendor's client reads them
/// only there) and `Location`.
pub const CORS_EXPOSE_HEADERS: &str = "ININ-ICWS-CSRF-Token, ININ-ICWS-Session-ID, Location";
/// The `Vary` of a preflight answer: it depends on all three.
pub const PREFLIGHT_VARY: &str =
    "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";
/// The most header names of `Access-Control-Request-Headers` mirrored
/// besides [`ALWAYS_ALLOWED_HEADERS`]; further names are not allowed.
pub const MAX_MIRRORED_NAMES: usize = 32;
/// The most bytes of mirrored names (a browser asks for a few dozen).
pub const MAX_MIRRORED_BYTES: usize = 1024;
/// The fixed `Access-Control-Allow-Headers` of profile `cors-listed`, in
/// the letter cases gateways write.
pub const LISTED_ALLOW_HEADERS: &str = "accept-language, CONTENT-TYPE, Inin-Icws-Csrf-Token, X-ICWS-DevTools-CorrelationId, X-Requested-With";
/// How many `--cors` origins a refusal note lists.
const LISTED_ORIGINS: usize = 4;

/// The `Origin` of a request when the config allows it.
fn allowed_origin(state: &Inner, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?;
    state
        .config
        .cors_origins
        .iter()
        .any(|o| o == "*" || origin_key(o) == origin_key(text))
        .then(|| origin.clone())
}

/// An origin as a browser serialises it in `Origin`: scheme and host in
/// lower case, an IDN host in punycode, no default port, no trailing `/`
/// (`HTTP://LOCALHOST:80/` is `http://localhost`). Text that is not a URL
/// (`null`) is compared as it is.
pub fn origin_key(origin: &str) -> String {
    let trimmed = origin.trim();
    match url::Url::parse(trimmed) {
        Ok(u) if matches!(u.origin(), url::Origin::Tuple(..)) => u.origin().ascii_serialization(),
        _ => trimmed.trim_end_matches('/').to_owned(),
    }
}

/// A preflight: `OPTIONS` with `Access-Control-Request-Method`.
fn is_preflight(req: &Request) -> bool {
    req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

/// The CORS layer: answers preflights, adds the `Access-Control-*` headers
/// to the responses for an allowed origin, and notes refused preflights.
/// Without `--cors` (installed only for the notes) it answers nothing
/// itself: every request reaches the router as before.
pub(crate) async fn layer(State(state): State<Arc<Inner>>, req: Request, next: Next) -> Response {
    let origin = allowed_origin(&state, req.headers());
    if is_preflight(&req) {
        let Some(origin) = origin else {
            if let Some(notes) = &state.config.notes {
                notes.say(&refusal(&state.config.cors_origins, &req));
            }
            if state.config.cors_origins.is_empty() {
                return next.run(req).await;
            }
            return crate::error(
                &state,
                StatusCode::FORBIDDEN,
                "error.request.cors.originNotAllowed",
                "This origin is not allowed (see --cors).",
            );
        };
        return preflight_answer(&state, &req, origin);
    }
    let mut resp = next.run(req).await;
    if let Some(origin) = origin {
        let h = resp.headers_mut();
        add_common(h, origin);
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        let exposed = if state.has(crate::Profile::CorsListed) {
            HeaderValue::from_static("inin-icws-csrf-token, inin-icws-session-id, location")
        } else {
            HeaderValue::from_static(CORS_EXPOSE_HEADERS)
        };
        h.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, exposed);
        if let Some(hook) = state.hooks.cors {
            hook(h, false);
        }
    }
    resp
}

/// 204 for a preflight from an allowed origin, allowing what it asks
/// within bounds; a note when it asks for more than that (the browser will
/// then stop, and the page's console says little).
fn preflight_answer(state: &Inner, req: &Request, origin: HeaderValue) -> Response {
    let allowed = allow_headers(req.headers());
    let listed = state.has(crate::Profile::CorsListed);
    let mut resp = if listed {
        StatusCode::OK.into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    let h = resp.headers_mut();
    add_common(h, origin);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(if listed {
            "GET, POST, DELETE, OPTIONS"
        } else {
            CORS_ALLOW_METHODS
        }),
    );
    let value = if listed {
        HeaderValue::from_static(LISTED_ALLOW_HEADERS)
    } else {
        HeaderValue::from_str(&allowed.value)
            .unwrap_or_else(|_| HeaderValue::from_static("ININ-ICWS-CSRF-Token, Content-Type"))
    };
    h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, value);
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    h.append(header::VARY, HeaderValue::from_static(PREFLIGHT_VARY));
    if let Some(hook) = state.hooks.cors {
        hook(h, true);
    }
    let method = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let routed = [&b"GET"[..], b"POST", b"DELETE", b"HEAD"].contains(&method);
    if let (Some(notes), true) = (&state.config.notes, allowed.refused > 0 || !routed) {
        let mut why = Vec::new();
        if !routed {
            why.push(format!(
                "method {} (the server routes {CORS_ALLOW_METHODS})",
                shown(method, 32)
            ));
        }
        if allowed.refused > 0 {
            why.push(format!(
                "{} requested header name(s) (not header-name tokens, or past \
                 {MAX_MIRRORED_NAMES} names or {MAX_MIRRORED_BYTES} bytes)",
                allowed.refused
            ));
        }
        notes.say(&format!(
            "answered a CORS preflight for {} from origin \"{}\" without allowing {}: the browser will not send that request",
            shown(req.uri().path().as_bytes(), MAX_SHOWN_PATH),
            shown(
                req.headers()
                    .get(header::ORIGIN)
                    .map(HeaderValue::as_bytes)
                    .unwrap_or_default(),
                MAX_SHOWN_ORIGIN
            ),
            why.join(" nor ")
        ));
    }
    resp
}

fn add_common(h: &mut HeaderMap, origin: HeaderValue) {
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(
        header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
        HeaderValue::from_static("true"),
    );
}

/// The `Access-Control-Allow-Headers` of a preflight, and how many asked
/// names it leaves out.
struct AllowHeaders {
    value: String,
    refused: usize,
}

/// A `token` of RFC 9110 (what a header name is).
fn is_token(name: &[u8]) -> bool {
    !name.is_empty()
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(b))
}

/// [`ALWAYS_ALLOWED_HEADERS`] and the names `Access-Control-Request-Headers`
/// asks for: each a valid header name, lower case, once, at most
/// [`MAX_MIRRORED_NAMES`] of them in [`MAX_MIRRORED_BYTES`].
fn allow_headers(asked: &HeaderMap) -> AllowHeaders {
    let mut names: Vec<String> = ALWAYS_ALLOWED_HEADERS
        .iter()
        .map(|n| (*n).to_owned())
        .collect();
    let (mut mirrored, mut bytes, mut refused) = (0, 0, 0);
    let items = asked
        .get_all(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .iter()
        .flat_map(|v| v.as_bytes().split(|b| *b == b','))
        .map(|item| item.trim_ascii())
        .filter(|item| !item.is_empty());
    for item in items {
        let Some(name) = std::str::from_utf8(item).ok().filter(|_| is_token(item)) else {
            refused += 1;
            continue;
        };
        if names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            continue;
        }
        if mirrored == MAX_MIRRORED_NAMES || bytes + name.len() > MAX_MIRRORED_BYTES {
            refused += 1;
            continue;
        }
        mirrored += 1;
        bytes += name.len();
        names.push(name.to_ascii_lowercase());
    }
    AllowHeaders {
        value: names.join(", "),
        refused,
    }
}

/// The note of a refused preflight: for what, from which origin, what
/// `--cors` allows, and how to allow it. The origin is the client's text:
/// escaped and capped ([`shown`]); the hint names it only when it is shown
/// as it is.
fn refusal(allowed: &[String], req: &Request) -> String {
    let method = req
        .headers()
        .get(header::ACCESS_CONTROL_REQUEST_METHOD)
        .map(|v| shown(v.as_bytes(), 32))
        .unwrap_or_default();
    let what = format!(
        "refused a CORS preflight for {method} {}",
        shown(req.uri().path().as_bytes(), MAX_SHOWN_PATH)
    );
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return format!(
            "{what}: it has no Origin header (a browser's preflight names its page's origin)"
        );
    };
    let raw = origin.as_bytes();
    let why = if allowed.is_empty() {
        "no --cors was given, so no page on another origin may call this server".to_owned()
    } else {
        let mut list: Vec<String> = allowed
            .iter()
            .take(LISTED_ORIGINS)
            .map(|o| shown(o.as_bytes(), MAX_SHOWN_ORIGIN))
            .collect();
        if allowed.len() > LISTED_ORIGINS {
            list.push(format!("and {} more", allowed.len() - LISTED_ORIGINS));
        }
        format!("--cors allows only {}", list.join(", "))
    };
    let hint = if shown_as_is(raw, MAX_SHOWN_ORIGIN) {
        let repeat = if allowed.is_empty() {
            ""
        } else {
            " (repeatable)"
        };
        format!(
            "to allow that page, start with --cors {}{repeat}",
            shown(raw, MAX_SHOWN_ORIGIN)
        )
    } else {
        "that is not an origin --cors can name".to_owned()
    };
    format!(
        "{what} from origin \"{}\": {why}; {hint}",
        shown(raw, MAX_SHOWN_ORIGIN)
    )
}

/// The `host` and `:port` (or `""`) of an origin's authority; an IPv6
/// host keeps its brackets.
fn host_and_port(authority: &str) -> (&str, &str) {
    if authority.starts_with('[') {
        if let Some(end) = authority.find(']') {
            return authority.split_at(end + 1);
        }
    }
    match authority.rfind(':') {
        Some(i) if authority[i + 1..].bytes().all(|b| b.is_ascii_digit()) => authority.split_at(i),
        _ => (authority, ""),
    }
}

/// One warning for each `--cors` origin a browser would not treat as the
/// server's own site when the server listens on `listen`: a page on
/// `localhost` calling `127.0.0.1` (or any other host) makes the session
/// cookie third-party, and a browser that blocks those loses the session.
/// Each names the matching address. Also one for a value that is not an
/// origin (`scheme://host[:port]`), which no browser's `Origin` matches.
/// Nothing for `*`, nor when the server listens on every address (which
/// one the page uses is then its own choice).
pub fn site_warnings(origins: &[String], listen: SocketAddr) -> Vec<String> {
    let ip = listen.ip();
    let server_host = match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    };
    let mut out = Vec::new();
    for o in origins.iter().filter(|o| o.as_str() != "*") {
        let given = shown(o.as_bytes(), MAX_SHOWN_ORIGIN);
        let parts = o
            .trim_end_matches('/')
            .split_once("://")
            .filter(|(scheme, rest)| {
                !scheme.is_empty() && !rest.is_empty() && !rest.contains(['/', '?', '#', '@'])
            });
        let Some((scheme, authority)) = parts else {
            out.push(format!(
                "--cors {given} is not an origin (scheme://host[:port], as a browser sends it, \
                 e.g. http://{server_host}:3000): no page's Origin matches it"
            ));
            continue;
        };
        if ip.is_unspecified() {
            continue;
        }
        let (host, port) = host_and_port(authority);
        let host_ip = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>();
        if host_ip == Ok(ip) {
            continue;
        }
        let page = shown(
            format!("{scheme}://{server_host}{port}").as_bytes(),
            MAX_SHOWN_ORIGIN,
        );
        let host = shown(host.as_bytes(), MAX_SHOWN_ORIGIN);
        let or_call = if host.eq_ignore_ascii_case("localhost") && ip.is_loopback() {
            format!(
                ", or have the page call the server at http://localhost:{}",
                listen.port()
            )
        } else {
            String::new()
        };
        out.push(format!(
            "--cors {given}: the page is on {host} but the server listens on {server_host}; \
             a browser treats them as different sites, so the session cookie is third-party \
             and a browser that blocks those loses the session (every call then 401); open \
             the page at {page} and start with --cors {page}{or_call}"
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_as_browsers_send_them() {
        assert_eq!(origin_key("HTTP://LOCALHOST:80/"), "http://localhost");
        assert_eq!(
            origin_key("https://bücher.example:443"),
            "https://xn--bcher-kva.example"
        );
        assert_eq!(origin_key("http://127.1:3000"), "http://127.0.0.1:3000");
        assert_eq!(origin_key("null"), "null");
    }

    fn asked(values: &[&str]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for v in values {
            if let Ok(v) = HeaderValue::from_str(v) {
                m.append(header::ACCESS_CONTROL_REQUEST_HEADERS, v);
            }
        }
        m
    }

    #[test]
    fn requested_headers_are_mirrored_when_they_are_header_names() {
        let a = allow_headers(&asked(&[
            "content-type,x-icws-devtools-correlationid",
            " X-Other , bad name, ,inin-icws-csrf-token, a:b",
        ]));
        assert_eq!(
            a.value,
            "ININ-ICWS-CSRF-Token, Content-Type, Accept-Language, \
             x-icws-devtools-correlationid, x-other"
        );
        assert_eq!(a.refused, 2);
        let none = allow_headers(&HeaderMap::new());
        assert_eq!(none.value, ALWAYS_ALLOWED_HEADERS.join(", "));
        assert_eq!(none.refused, 0);
    }

    #[test]
    fn mirroring_is_bounded() {
        let many: Vec<String> = (0..50).map(|i| format!("x-h{i}")).collect();
        let a = allow_headers(&asked(&[&many.join(",")]));
        assert_eq!(a.refused, 50 - MAX_MIRRORED_NAMES);
        let long = "x".repeat(MAX_MIRRORED_BYTES - 10);
        let a = allow_headers(&asked(&[&format!("{long},x-second-name-too-long")]));
        assert!(a.value.contains(&long));
        assert!(!a.value.contains("x-second"));
        assert_eq!(a.refused, 1);
    }

    #[test]
    fn the_exposed_headers_are_the_servers_own() {
        for name in [crate::CSRF_HEADER, crate::SESSION_ID_HEADER, "Location"] {
            assert!(CORS_EXPOSE_HEADERS.contains(name), "{name}");
        }
        assert!(ALWAYS_ALLOWED_HEADERS.contains(&crate::CSRF_HEADER));
    }

    fn listen(addr: &str) -> SocketAddr {
        addr.parse().unwrap_or_else(|e| panic!("{addr}: {e}"))
    }

    #[test]
    fn an_origin_on_another_site_than_the_server_is_warned_about() {
        let w = site_warnings(
            &["http://localhost:3000".to_owned()],
            listen("127.0.0.1:8018"),
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("different sites"), "{w:?}");
        assert!(
            w[0].contains("open the page at http://127.0.0.1:3000"),
            "{w:?}"
        );
        assert!(w[0].contains("http://localhost:8018"), "{w:?}");
        let v6 = site_warnings(&["http://127.0.0.1:3000/".to_owned()], listen("[::1]:8018"));
        assert!(v6[0].contains("http://[::1]:3000"), "{v6:?}");
        for (origin, addr) in [
            ("http://127.0.0.1:3000", "127.0.0.1:8018"),
            ("http://127.0.0.1", "127.0.0.1:8018"),
            ("http://[::1]:3000", "[::1]:8018"),
            ("*", "127.0.0.1:8018"),
            ("http://localhost:3000", "0.0.0.0:8018"),
        ] {
            let w = site_warnings(&[origin.to_owned()], listen(addr));
            assert!(w.is_empty(), "{origin} {addr}: {w:?}");
        }
        for not_origin in ["localhost:3000", "http://localhost:3000/app", "http://"] {
            let w = site_warnings(&[not_origin.to_owned()], listen("0.0.0.0:8018"));
            assert!(w[0].contains("is not an origin"), "{not_origin}: {w:?}");
        }
    }
}
