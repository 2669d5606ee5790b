//! The vendor's generated JavaScript client in a real browser, as the
//! server sees it (`icws-session.md`, "What the vendor's generated
//! JavaScript client depends on"): its preflights, replayed byte for byte
//! (the `Access-Control-Request-Headers` a headless Chromium sent for the
//! login, the feature list and a session call), must each be answered with
//! every requested header allowed, credentials allowed and the origin
//! echoed; and the requests that follow must expose the session id, the
//! token and `Location`. And what the server tells the developer running
//! it ([`Notes`]): one line for a refused preflight, saying why, with the
//! client's origin escaped and capped; and with `log_requests` one line
//! per request that never holds the token, the cookie or the query.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};

use common::{catalogue, client, login, logout, runtime, start};
use icws_refserver::{self as refserver, Config, Notes};
use reqwest::StatusCode;

mod common;

/// The page's origin in the replays.
const ORIGIN: &str = "http://127.0.0.1:3000";

/// What the vendor's client asks for the login and the feature list.
const LOGIN_HEADERS: &str = "content-type,x-icws-devtools-correlationid";
/// What it asks for every session call.
const SESSION_HEADERS: &str = "content-type,inin-icws-csrf-token,x-icws-devtools-correlationid";

/// A response header's value, lower case (`""` when absent).
fn h(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get_all(name)
        .iter()
        .map(|v| v.to_str().unwrap().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The comma-separated names of a header value, trimmed and lower case.
fn names(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty())
        .collect()
}

/// Replays one preflight and asserts the answer lets the browser go on.
async fn preflight(c: &reqwest::Client, url: &str, method: &str, asked: &str) {
    let resp = c
        .request(reqwest::Method::OPTIONS, url)
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", asked)
        .send()
        .await
        .unwrap();
    let what = format!("preflight of {method} {url} asking {asked}");
    assert!(resp.status().is_success(), "{what}: {}", resp.status());
    assert_eq!(h(&resp, "access-control-allow-origin"), ORIGIN, "{what}");
    assert_eq!(
        h(&resp, "access-control-allow-credentials"),
        "true",
        "{what}"
    );
    let methods = names(&h(&resp, "access-control-allow-methods"));
    assert!(
        methods.contains(&method.to_ascii_lowercase()),
        "{what}: methods {methods:?}"
    );
    let allowed = names(&h(&resp, "access-control-allow-headers"));
    for name in names(asked) {
        assert!(
            allowed.contains(&name),
            "{what}: {name} is not allowed (allowed: {allowed:?})"
        );
    }
    let vary = names(&h(&resp, "vary"));
    for v in [
        "origin",
        "access-control-request-headers",
        "access-control-request-method",
    ] {
        assert!(vary.contains(&v.to_owned()), "{what}: Vary {vary:?}");
    }
}

/// The CORS headers every response to the page carries.
fn assert_exposed(resp: &reqwest::Response, what: &str) {
    assert_eq!(h(resp, "access-control-allow-origin"), ORIGIN, "{what}");
    assert_eq!(
        h(resp, "access-control-allow-credentials"),
        "true",
        "{what}"
    );
    let exposed = names(&h(resp, "access-control-expose-headers"));
    for name in ["inin-icws-session-id", "inin-icws-csrf-token", "location"] {
        assert!(
            exposed.contains(&name.to_owned()),
            "{what}: {name} not exposed ({exposed:?})"
        );
    }
}

#[test]
fn the_vendor_clients_preflights_are_answered() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            cors_origins: vec![ORIGIN.into()],
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let login_url = format!("{base}/icws/connection");
        let features_url = format!("{base}/icws/connection/features");
        preflight(&c, &login_url, "POST", LOGIN_HEADERS).await;
        preflight(&c, &features_url, "GET", LOGIN_HEADERS).await;
        // The requests themselves, as the browser sends them after the
        // preflights: the login's 201 exposes what the client reads.
        let resp = c
            .post(&login_url)
            .header("Origin", ORIGIN)
            .header("Accept-Language", "en-US")
            .header(
                "Content-Type",
                "application/vnd.inin.icws+JSON;charset=utf-8",
            )
            .header("X-ICWS-DevTools-CorrelationId", "1")
            .body(format!(
                r#"{{"userID":"{}","password":"{}"}}"#,
                refserver::DEMO_USER,
                refserver::DEMO_PASSWORD
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_exposed(&resp, "the login's 201");
        let sid = resp
            .headers()
            .get(refserver::SESSION_ID_HEADER)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let token = resp
            .headers()
            .get(refserver::CSRF_HEADER)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let cookie = resp
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let features = c
            .get(&features_url)
            .header("Origin", ORIGIN)
            .header("X-ICWS-DevTools-CorrelationId", "2")
            .send()
            .await
            .unwrap();
        assert_eq!(features.status(), StatusCode::OK);
        assert_exposed(&features, "the feature list");
        let catalogue_url = format!("{base}/icws/{sid}/status/status-messages");
        let session_url = format!("{base}/icws/{sid}/connection");
        preflight(&c, &catalogue_url, "GET", SESSION_HEADERS).await;
        preflight(&c, &session_url, "DELETE", SESSION_HEADERS).await;
        for (method, url, status) in [
            (reqwest::Method::GET, &catalogue_url, StatusCode::OK),
            (
                reqwest::Method::DELETE,
                &session_url,
                StatusCode::NO_CONTENT,
            ),
            // The session has ended: a 401 is readable by the page too.
            (
                reqwest::Method::GET,
                &catalogue_url,
                StatusCode::UNAUTHORIZED,
            ),
        ] {
            let resp = c
                .request(method.clone(), url)
                .header("Origin", ORIGIN)
                .header(refserver::CSRF_HEADER, &token)
                .header("Cookie", &cookie)
                .header("X-ICWS-DevTools-CorrelationId", "3")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), status, "{method} {url}");
            assert_exposed(&resp, &format!("{method} {url}"));
        }
    });
}

/// A sink that keeps the notes, and the lines it has kept so far.
fn collected() -> (Notes, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = lines.clone();
    let notes = Notes::new(move |line| kept.lock().unwrap().push(line.to_owned()));
    (notes, lines)
}

/// A preflight from `origin` for the login; its status and whether it
/// allowed the origin.
async fn preflight_from(c: &reqwest::Client, base: &str, origin: &str) -> (StatusCode, bool) {
    let resp = c
        .request(reqwest::Method::OPTIONS, format!("{base}/icws/connection"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", LOGIN_HEADERS)
        .send()
        .await
        .unwrap();
    let allowed = resp.headers().contains_key("access-control-allow-origin");
    (resp.status(), allowed)
}

#[test]
fn a_refused_preflight_is_one_line_saying_why_and_how_to_allow_it() {
    let rt = runtime();
    let c = client();
    // The page on localhost, the server allowing 127.0.0.1: refused (403).
    let (notes, lines) = collected();
    let server = start(
        &rt,
        Config {
            cors_origins: vec![ORIGIN.into()],
            notes: Some(notes),
            ..Config::default()
        },
    );
    let (status, allowed) = rt.block_on(preflight_from(
        &c,
        &server.base_url(),
        "http://localhost:3000",
    ));
    assert_eq!((status, allowed), (StatusCode::FORBIDDEN, false));
    let got = lines.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    for part in [
        "refused a CORS preflight for POST /icws/connection",
        r#"from origin "http://localhost:3000""#,
        "--cors allows only http://127.0.0.1:3000",
        "start with --cors http://localhost:3000",
    ] {
        assert!(got[0].contains(part), "{part}: {}", got[0]);
    }
    // An allowed preflight is not noted.
    rt.block_on(preflight_from(&c, &server.base_url(), ORIGIN));
    assert_eq!(lines.lock().unwrap().len(), 1);

    // No --cors at all: the preflight is answered as before (by the
    // router, not allowed), and the note says to start with --cors.
    let (notes, lines) = collected();
    let server = start(
        &rt,
        Config {
            notes: Some(notes),
            ..Config::default()
        },
    );
    let (status, allowed) = rt.block_on(preflight_from(
        &c,
        &server.base_url(),
        "http://localhost:3000",
    ));
    assert!(!status.is_success() && !allowed, "{status}");
    let got = lines.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains("no --cors was given"), "{}", got[0]);
    assert!(
        got[0].ends_with("start with --cors http://localhost:3000"),
        "{}",
        got[0]
    );
}

#[test]
fn a_hostile_origin_is_escaped_and_capped_in_the_note() {
    let rt = runtime();
    let (notes, lines) = collected();
    let server = start(
        &rt,
        Config {
            cors_origins: vec![ORIGIN.into()],
            notes: Some(notes),
            ..Config::default()
        },
    );
    // What a header may carry that a terminal would act on: a tab, a
    // quote, the 8-bit CSI (0x9b) and other bytes past ASCII, at length.
    let mut origin = b"http://e\t\"vil\x9b2J\xc3\xa9".to_vec();
    origin.extend(std::iter::repeat_n(b'x', 5000));
    let mut head = b"OPTIONS /icws/connection HTTP/1.1\r\nHost: x\r\n\
        Access-Control-Request-Method: POST\r\nConnection: close\r\nOrigin: "
        .to_vec();
    head.extend(&origin);
    head.extend(b"\r\n\r\n");
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(&head).unwrap();
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 403"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    let got = lines.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let line = &got[0];
    assert!(
        line.contains(r#"from origin "http://e\x09\"vil\x9b2J\xc3\xa9xxx"#),
        "{line}"
    );
    assert!(line.contains("…(+"), "not capped: {line}");
    assert!(line.len() < 700, "{} bytes: {line}", line.len());
    assert!(
        line.chars().all(|c| c == '…' || (' '..='~').contains(&c)),
        "{line}"
    );
    assert!(!line.contains("start with --cors"), "{line}");
}

#[test]
fn the_request_log_has_a_line_per_request_and_no_secret() {
    let rt = runtime();
    let (notes, lines) = collected();
    let server = start(
        &rt,
        Config {
            cors_origins: vec![ORIGIN.into()],
            notes: Some(notes),
            log_requests: true,
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    let session = rt.block_on(async {
        preflight_from(&c, &base, ORIGIN).await;
        let s = login(&c, &base).await.unwrap();
        assert_eq!(catalogue(&c, &base, &s).await, StatusCode::OK);
        // A query is never logged, whatever it holds.
        let q = c
            .get(format!(
                "{base}/icws/connection/features?secret=q-value-1234"
            ))
            .header(refserver::CSRF_HEADER, &s.token)
            .header("Cookie", &s.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(q.status(), StatusCode::OK);
        assert_eq!(logout(&c, &base, &s).await, StatusCode::NO_CONTENT);
        s
    });
    let got = lines.lock().unwrap().clone();
    let expected = [
        "OPTIONS /icws/connection 204".to_owned(),
        "POST /icws/connection 201".to_owned(),
        format!("GET /icws/{}/status/status-messages 200", session.id),
        "GET /icws/connection/features 200".to_owned(),
        format!("DELETE /icws/{}/connection 204", session.id),
    ];
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (line, start) in got.iter().zip(&expected) {
        let ms = line
            .strip_prefix(start.as_str())
            .and_then(|rest| rest.strip_prefix(' '))
            .and_then(|rest| rest.strip_suffix(" ms"));
        assert!(
            ms.is_some_and(|ms| ms.parse::<f64>().is_ok()),
            "{line:?} is not {start:?} then milliseconds"
        );
    }
    let cookie_value = session.cookie.split_once('=').unwrap().1;
    for line in &got {
        for secret in [
            session.token.as_str(),
            cookie_value,
            refserver::DEMO_PASSWORD,
            "q-value-1234",
            "secret",
        ] {
            assert!(!line.contains(secret), "{line:?} holds {secret:?}");
        }
    }
}
