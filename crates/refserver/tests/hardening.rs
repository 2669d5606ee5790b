//! The reference server as a shipped mock: it stays bounded and cannot be
//! held. Ended sessions are freed (a bounded record only under the fault
//! that needs one), idle sessions expire, live sessions are capped, a
//! slowloris is cut off by the header-read timeout, an idle keep-alive
//! connection is closed, the connection cap holds; and the browser-facing
//! parts: CORS preflight and headers, `Secure` only over TLS or when asked.
//! Also the wire behaviours of the profiles that only a socket shows
//! (idle close, close-delimited framing), and the counters of requests,
//! login attempts and logins that tests use to count a run's logins.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Login, catalogue, client, login, logout, runtime, start};
use icws_refserver::{self as refserver, Config, Fault, Profile};
use reqwest::StatusCode;

mod common;

#[test]
fn an_ended_session_is_freed() {
    let rt = runtime();
    let server = start(&rt, Config::default());
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let a = login(&c, &base).await.unwrap();
        let b = login(&c, &base).await.unwrap();
        assert_eq!(server.state().live_sessions(), 2);
        assert_eq!(logout(&c, &base, &a).await, StatusCode::NO_CONTENT);
        assert_eq!(server.state().live_sessions(), 1);
        assert_eq!(server.state().remembered_ended_sessions(), 0);
        assert_eq!(catalogue(&c, &base, &a).await, StatusCode::UNAUTHORIZED);
        assert_eq!(catalogue(&c, &base, &b).await, StatusCode::OK);
    });
}

#[test]
fn ended_sessions_are_remembered_only_for_the_fault_and_boundedly() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            fault: Some(Fault::EndedSessionAccepted),
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let first = login(&c, &base).await.unwrap();
        logout(&c, &base, &first).await;
        // The fault: the ended session still answers.
        assert_eq!(catalogue(&c, &base, &first).await, StatusCode::OK);
        for _ in 0..refserver::sessions::ENDED_KEPT + 5 {
            let s = login(&c, &base).await.unwrap();
            logout(&c, &base, &s).await;
        }
    });
    assert_eq!(server.state().live_sessions(), 0);
    assert_eq!(
        server.state().remembered_ended_sessions(),
        refserver::sessions::ENDED_KEPT
    );
}

#[test]
fn idle_sessions_expire_and_are_freed() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            session_idle: Duration::from_millis(600),
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let kept = login(&c, &base).await.unwrap();
        let idle = login(&c, &base).await.unwrap();
        // Use one of them every 100 ms; leave the other alone.
        for _ in 0..8 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(catalogue(&c, &base, &kept).await, StatusCode::OK);
        }
        assert_eq!(catalogue(&c, &base, &idle).await, StatusCode::UNAUTHORIZED);
        assert_eq!(server.state().live_sessions(), 1);
        // Sessions nobody touches again are swept at the next login.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let _new = login(&c, &base).await.unwrap();
        assert_eq!(server.state().live_sessions(), 1);
        assert_eq!(catalogue(&c, &base, &kept).await, StatusCode::UNAUTHORIZED);
    });
}

#[test]
fn live_sessions_are_capped_with_the_documented_503() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            max_sessions: 2,
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let a = login(&c, &base).await.unwrap();
        let _b = login(&c, &base).await.unwrap();
        assert_eq!(
            login(&c, &base).await.err(),
            Some(StatusCode::SERVICE_UNAVAILABLE)
        );
        let body = c
            .post(format!("{base}/icws/connection"))
            .header("Accept-Language", "en-US")
            .body(r#"{"userID":"agent1","password":"icws-demo"}"#)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            body.contains("error.server.notAcceptingConnections"),
            "{body}"
        );
        assert!(body.contains("alternateHostList"), "{body}");
        logout(&c, &base, &a).await;
        assert!(login(&c, &base).await.is_ok());
    });
}

/// Reads until the peer closes (Ok(true)) or `limit` passes (Ok(false)).
fn closed_within(stream: &mut TcpStream, limit: Duration) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(50)))
        .unwrap();
    let start = Instant::now();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return true, // reset
        }
    }
    false
}

/// A server with a 400 ms header-read timeout, and a connection to it that
/// reads with a short timeout (for clients that send a byte at a time).
fn slow_connection(rt: &tokio::runtime::Runtime) -> (refserver::Running, TcpStream) {
    let server = start(
        rt,
        Config {
            header_read_timeout: Duration::from_millis(400),
            ..Config::default()
        },
    );
    let s = TcpStream::connect(server.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    (server, s)
}

#[test]
fn a_slowloris_is_cut_off_by_the_header_read_timeout() {
    let rt = runtime();
    let (_server, mut s) = slow_connection(&rt);
    let head =
        b"GET /icws/connection/features HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let start = Instant::now();
    let mut closed = false;
    let mut buf = [0u8; 1024];
    for byte in head.iter() {
        if s.write_all(&[*byte]).is_err() {
            closed = true;
            break;
        }
        match s.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(_) => {} // a 408, then the close
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => {
                closed = true;
                break;
            }
        }
    }
    let took = start.elapsed();
    assert!(closed, "the connection outlived the header-read timeout");
    assert!(
        took < Duration::from_millis(2000),
        "closed only after {took:?}"
    );
}

#[test]
fn an_idle_keep_alive_connection_is_closed() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            header_read_timeout: Duration::from_millis(300),
            ..Config::default()
        },
    );
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"GET /icws/connection/features HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    assert!(closed_within(&mut s, Duration::from_secs(2)));
}

#[test]
fn the_connection_cap_holds() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            max_connections: 2,
            ..Config::default()
        },
    );
    let wait_for = |n: usize| {
        let start = Instant::now();
        while server.open_connections() != n && start.elapsed() < Duration::from_secs(2) {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(server.open_connections(), n);
    };
    let a = TcpStream::connect(server.addr).unwrap();
    let _b = TcpStream::connect(server.addr).unwrap();
    wait_for(2);
    let mut third = TcpStream::connect(server.addr).unwrap();
    assert!(
        closed_within(&mut third, Duration::from_secs(1)),
        "a third connection was kept"
    );
    assert_eq!(server.open_connections(), 2);
    drop(a);
    wait_for(1);
    let mut fourth = TcpStream::connect(server.addr).unwrap();
    fourth
        .write_all(b"GET /icws/connection/features HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 64];
    let n = fourth.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
}

#[test]
fn cors_preflight_and_headers() {
    let rt = runtime();
    let origin = "http://app.example:3000";
    let server = start(
        &rt,
        Config {
            cors_origins: vec![origin.into()],
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let pre = c
            .request(reqwest::Method::OPTIONS, format!("{base}/icws/connection"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "content-type, accept-language",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(pre.status(), StatusCode::NO_CONTENT);
        let h = |r: &reqwest::Response, n: &str| {
            r.headers()
                .get(n)
                .map(|v| v.to_str().unwrap().to_ascii_lowercase())
                .unwrap_or_default()
        };
        assert_eq!(h(&pre, "access-control-allow-origin"), origin);
        assert_eq!(h(&pre, "access-control-allow-credentials"), "true");
        for m in ["get", "post", "delete"] {
            assert!(h(&pre, "access-control-allow-methods").contains(m));
        }
        for name in ["inin-icws-csrf-token", "content-type", "accept-language"] {
            assert!(
                h(&pre, "access-control-allow-headers").contains(name),
                "{name}"
            );
        }
        let other = c
            .request(reqwest::Method::OPTIONS, format!("{base}/icws/connection"))
            .header("Origin", "http://evil.example")
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), StatusCode::FORBIDDEN);
        assert!(other.headers().get("access-control-allow-origin").is_none());
        let resp = c
            .post(format!("{base}/icws/connection"))
            .header("Origin", origin)
            .header("Accept-Language", "en-US")
            .body(r#"{"userID":"agent1","password":"icws-demo"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED);
        assert_eq!(h(&resp, "access-control-allow-origin"), origin);
        assert_eq!(h(&resp, "access-control-allow-credentials"), "true");
        let exposed = h(&resp, "access-control-expose-headers");
        assert!(exposed.contains("inin-icws-csrf-token"), "{exposed}");
        assert!(exposed.contains("inin-icws-session-id"), "{exposed}");
        // A request without Origin (not a browser) gets no CORS headers.
        let plain = c
            .get(format!("{base}/icws/connection/features"))
            .send()
            .await
            .unwrap();
        assert!(plain.headers().get("access-control-allow-origin").is_none());
    });
}

#[test]
fn secure_only_over_tls_or_when_asked() {
    let rt = runtime();
    let c = client();
    let cookie_of = |config: Config, forwarded: bool| {
        let server = start(&rt, config);
        let base = server.base_url();
        rt.block_on(async {
            let mut req = c
                .post(format!("{base}/icws/connection"))
                .header("Accept-Language", "en-US")
                .body(r#"{"userID":"agent1","password":"icws-demo"}"#);
            if forwarded {
                req = req.header("X-Forwarded-Proto", "https");
            }
            let resp = req.send().await.unwrap();
            resp.headers()
                .get("set-cookie")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
    };
    assert!(!cookie_of(Config::default(), false).contains("Secure"));
    assert!(cookie_of(Config::default(), true).contains("; Secure"));
    let tls = Config {
        tls: true,
        ..Config::default()
    };
    assert!(cookie_of(tls, false).contains("; Secure"));
    let asked = Config {
        profiles: BTreeSet::from([Profile::SecureOverHttp]),
        ..Config::default()
    };
    assert!(cookie_of(asked, false).contains("; Secure"));
}

#[test]
fn idle_close_swallows_an_idempotent_request_on_an_idle_connection() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            profiles: BTreeSet::from([Profile::IdleClose]),
            ..Config::default()
        },
    );
    let get = b"GET /icws/connection/features HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut s = TcpStream::connect(server.addr).unwrap();
    let mut buf = [0u8; 4096];
    for _ in 0..2 {
        s.write_all(get).unwrap();
        let n = s.read(&mut buf).unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(
        icws_refserver::profile::IDLE_CLOSE_MS + 100,
    ));
    s.write_all(get).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "answered after the idle close");
    // A POST after the same idle time is served.
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(get).unwrap();
    let _ = s.read(&mut buf).unwrap();
    std::thread::sleep(Duration::from_millis(
        icws_refserver::profile::IDLE_CLOSE_MS + 100,
    ));
    let body = br#"{"userID":"agent1","password":"icws-demo"}"#;
    let post = format!(
        "POST /icws/connection HTTP/1.1\r\nHost: x\r\nAccept-Language: en-US\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(post.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let n = s.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 201"));
}

#[test]
fn close_delimited_bodies_have_no_length_and_end_with_the_connection() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            profiles: BTreeSet::from([Profile::CloseDelimited]),
            ..Config::default()
        },
    );
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(b"GET /icws/connection/features HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut all = Vec::new();
    s.read_to_end(&mut all).unwrap();
    let text = String::from_utf8(all).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok"), "{head}");
    assert!(head.contains("connection: close"), "{head}");
    assert!(head.contains("date: "), "{head}");
    assert!(!head.contains("content-length"), "{head}");
    assert!(!head.contains("transfer-encoding"), "{head}");
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    assert!(v["featureInfoList"].is_array());
}

#[test]
fn login_ids_follow_the_profiles() {
    let rt = runtime();
    let c = client();
    let body_and_headers = |profiles: &[Profile]| {
        let server = start(
            &rt,
            Config {
                profiles: profiles.iter().copied().collect(),
                ..Config::default()
            },
        );
        let base = server.base_url();
        rt.block_on(async {
            let mut out = Vec::new();
            for _ in 0..2 {
                let resp = c
                    .post(format!("{base}/icws/connection"))
                    .header("Accept-Language", "en-US")
                    .body(r#"{"userID":"agent1","password":"icws-demo"}"#)
                    .send()
                    .await
                    .unwrap();
                let in_headers = resp.headers().contains_key(refserver::SESSION_ID_HEADER)
                    && resp.headers().contains_key(refserver::CSRF_HEADER);
                let v = json_of(resp).await;
                let in_body = v["sessionId"].is_string() && v["csrfToken"].is_string();
                out.push((in_body, in_headers));
            }
            out
        })
    };
    assert_eq!(body_and_headers(&[]), [(true, true), (true, true)]);
    assert_eq!(
        body_and_headers(&[Profile::IdsInHeadersOnly]),
        [(false, true), (false, true)]
    );
}

async fn json_of(resp: reqwest::Response) -> serde_json::Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap()
}

#[test]
fn affinity_cookie_must_come_back() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            profiles: BTreeSet::from([Profile::AffinityCookie, Profile::Base64Tokens]),
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let s = login(&c, &base).await.unwrap();
        assert!(s.cookie.contains(icws_refserver::profile::AFFINITY_COOKIE));
        assert!(s.token.contains('+') && s.token.contains('/') && s.token.contains('='));
        assert_eq!(catalogue(&c, &base, &s).await, StatusCode::OK);
        let only_icws = Login {
            cookie: s
                .cookie
                .split("; ")
                .find(|p| p.starts_with("icws_"))
                .unwrap()
                .to_owned(),
            id: s.id.clone(),
            token: s.token.clone(),
            headers: s.headers.clone(),
        };
        assert_eq!(
            catalogue(&c, &base, &only_icws).await,
            StatusCode::UNAUTHORIZED
        );
    });
}

#[test]
fn a_trickled_request_body_is_cut_off_too() {
    let rt = runtime();
    let (_server, mut s) = slow_connection(&rt);
    s.write_all(
        b"POST /icws/connection HTTP/1.1\r\nHost: x\r\nAccept-Language: en\r\nContent-Length: 100000\r\n\r\n",
    )
    .unwrap();
    let start = Instant::now();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while start.elapsed() < Duration::from_secs(5) {
        if s.write_all(b"a").is_err() {
            break;
        }
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => break,
        }
        if !answer.is_empty() {
            break;
        }
    }
    let text = String::from_utf8_lossy(&answer);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the trickled body held the connection for {:?}",
        start.elapsed()
    );
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

#[test]
fn counters_count_requests_login_attempts_and_logins() {
    let rt = runtime();
    let server = start(&rt, Config::default());
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let s = login(&c, &base).await.unwrap();
        let refused = c
            .post(format!("{base}/icws/connection"))
            .header("Accept-Language", "en-US")
            .body(r#"{"userID":"agent1","password":"wrong"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        assert_eq!(catalogue(&c, &base, &s).await, StatusCode::OK);
        let nowhere = c.get(format!("{base}/nowhere")).send().await.unwrap();
        assert_eq!(nowhere.status(), StatusCode::NOT_FOUND);
        let wrong_method = c
            .get(format!("{base}/icws/connection"))
            .send()
            .await
            .unwrap();
        assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    });
    let state = server.state();
    assert_eq!(state.logins(), 1);
    assert_eq!(state.login_attempts(), 2);
    assert_eq!(state.requests(), 5);
    let shown = format!("{state:?}");
    assert!(shown.contains("login_attempts: 2"), "{shown}");
}

#[test]
fn login_attempts_are_counted_under_the_path_prefix() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            profiles: BTreeSet::from([Profile::PathPrefix]),
            ..Config::default()
        },
    );
    let base = server.base_url();
    let root = format!("http://{}", server.addr);
    let c = client();
    rt.block_on(async {
        assert!(login(&c, &base).await.is_ok());
        // The root is not the server: a 404, not a login attempt.
        assert_eq!(login(&c, &root).await.err(), Some(StatusCode::NOT_FOUND));
    });
    assert_eq!(server.state().logins(), 1);
    assert_eq!(server.state().login_attempts(), 1);
    assert_eq!(server.state().requests(), 2);
}

/// Standard base64 decoded (the test's own, padding and all).
fn unbase64(text: &str) -> Vec<u8> {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextets: Vec<u32> = text
        .bytes()
        .filter(|b| *b != b'=')
        .map(|b| ABC.iter().position(|a| *a == b).unwrap() as u32)
        .collect();
    let mut out = Vec::new();
    for group in sextets.chunks(4) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, s)| n | (s << (18 - 6 * i)));
        for i in 0..group.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

#[test]
fn tokens_are_shaped_like_real_ones_and_cookies_are_guids() {
    let rt = runtime();
    let c = client();
    for profiles in [BTreeSet::new(), BTreeSet::from([Profile::CloseDelimited])] {
        let server = start(
            &rt,
            Config {
                profiles,
                ..Config::default()
            },
        );
        let base = server.base_url();
        let (a, b) = rt.block_on(async {
            let mut out = Vec::new();
            for _ in 0..2 {
                let resp = c
                    .post(format!("{base}/icws/connection"))
                    .header("Accept-Language", "en-US")
                    .body(r#"{"applicationName":"icws-conformance","userID":"agent1","password":"icws-demo"}"#)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(resp.status(), StatusCode::CREATED);
                let h = |n: &str| resp.headers().get(n).unwrap().to_str().unwrap().to_owned();
                out.push((h(refserver::CSRF_HEADER), h("set-cookie")));
            }
            (out.remove(0), out.remove(0))
        });
        for (token, _) in [&a, &b] {
            assert!(token.len() >= 64, "{token}");
            assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()), "{token}");
            let text = String::from_utf8(unbase64(token)).unwrap();
            let lines: Vec<&str> = text.trim_end().split('\n').collect();
            assert_eq!(lines[..2], ["agent1", "icws-conformance"], "{text:?}");
            assert_eq!(lines[2].len(), 36, "{text:?}");
            assert_eq!(lines[3], "127.0.0.1", "{text:?}");
        }
        let shared =
            a.0.bytes()
                .zip(b.0.bytes())
                .take_while(|(x, y)| x == y)
                .count();
        assert!(shared >= 24 && shared < a.0.len(), "{} {}", a.0, b.0);
        for (_, cookie) in [&a, &b] {
            let value = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
            assert_eq!(value.len(), 36, "{cookie}");
            assert_eq!(value.matches('-').count(), 4, "{cookie}");
        }
    }
}
