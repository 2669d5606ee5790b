//! Hostile responses and hostile case files, through the binary. Every
//! hostile response becomes a finding on its case while the other cases run
//! on; every hostile case file is a load error naming `file:line:col`, exit 2,
//! and no request reaches the server. (Invalid UTF-8, truncated JSON, a reset
//! mid-body and a body that never finishes are fault modes of the reference
//! server, proven in `faults.rs`.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{line_of, login_env, pairs, run, runtime, serve};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use icws_refserver::{self as refserver, Config};

type Rewrite = fn(StatusCode, axum::http::HeaderMap, Vec<u8>) -> Response;

/// The reference server, with its 200 status-messages answers rewritten by
/// `f` (given the real status, headers and body); error answers are kept.
fn rewriting(f: Rewrite) -> axum::Router {
    refserver::app(Config::default()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| async move {
            let catalogue = req.uri().path().ends_with("/status/status-messages");
            let resp = next.run(req).await;
            if !catalogue || resp.status() != StatusCode::OK {
                return resp;
            }
            let (parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            f(parts.status, parts.headers, bytes.to_vec())
        },
    ))
}

fn with(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut r = (status, body.into()).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// Runs the whole suite against `app`; returns (code, stdout).
fn suite_against(app: axum::Router, extra: &[&str]) -> (i32, String) {
    let rt = runtime();
    let url = rt.block_on(serve(app));
    let (code, out, err) = run(extra, &pairs(&login_env(&url)));
    assert!(!err.contains("panicked"), "{err}");
    (code, format!("{out}\n{err}"))
}

fn assert_only_catalogue_cases_fail(out: &str) {
    assert!(
        line_of(out, "status-messages/catalog").ends_with("FAILED"),
        "{out}"
    );
    assert!(
        line_of(out, "auth/missing-token").ends_with("ok"),
        "the run went on: {out}"
    );
    assert!(line_of(out, "connection/features").ends_with("ok"), "{out}");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

#[test]
fn gzip_deflate_and_chunked_bodies_are_decoded() {
    fn gz(s: StatusCode, mut h: axum::http::HeaderMap, b: Vec<u8>) -> Response {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        h.remove(header::CONTENT_LENGTH);
        (s, h, gzip(&b)).into_response()
    }
    fn deflate(s: StatusCode, mut h: axum::http::HeaderMap, b: Vec<u8>) -> Response {
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(&b).unwrap();
        h.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("deflate"),
        );
        h.remove(header::CONTENT_LENGTH);
        (s, h, e.finish().unwrap()).into_response()
    }
    fn chunked(s: StatusCode, mut h: axum::http::HeaderMap, b: Vec<u8>) -> Response {
        h.remove(header::CONTENT_LENGTH);
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
            b.chunks(97).map(|c| Ok(c.to_vec())).collect();
        (s, h, Body::from_stream(futures_util::stream::iter(chunks))).into_response()
    }
    for (name, f) in [
        ("gzip", gz as Rewrite),
        ("deflate", deflate),
        ("chunked", chunked),
    ] {
        let (code, out) = suite_against(rewriting(f), &[]);
        assert_eq!(code, 0, "{name}: {out}");
    }
}

#[test]
fn a_compressed_body_is_limited_after_decoding() {
    fn bomb(s: StatusCode, mut h: axum::http::HeaderMap, _: Vec<u8>) -> Response {
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        h.remove(header::CONTENT_LENGTH);
        (s, h, gzip(&vec![b' '; 4 << 20])).into_response()
    }
    let (code, out) = suite_against(rewriting(bomb), &["--max-body", "1MiB"]);
    assert_eq!(code, 101, "{out}");
    assert!(
        out.contains("the body passed the limit of 1048576 bytes (--max-body)"),
        "{out}"
    );
    assert_only_catalogue_cases_fail(&out);
}

#[test]
fn an_html_page_an_empty_body_and_deep_nesting_are_findings() {
    fn page(_: StatusCode, _: axum::http::HeaderMap, _: Vec<u8>) -> Response {
        with(
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>Sign in</title></head><body>Proxy login</body></html>",
        )
    }
    fn empty(_: StatusCode, _: axum::http::HeaderMap, _: Vec<u8>) -> Response {
        with(StatusCode::OK, "application/vnd.inin.icws+JSON", "")
    }
    fn deep(_: StatusCode, _: axum::http::HeaderMap, _: Vec<u8>) -> Response {
        let depth = 100_000;
        let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        with(StatusCode::OK, "application/vnd.inin.icws+JSON", body)
    }
    let checks: [(Rewrite, &[&str]); 3] = [
        (
            page,
            &[
                "error[POL-MEDIA-1]: the body is not declared as JSON",
                "<!DOCTYPE html>",
            ],
        ),
        (empty, &["an empty body"]),
        (deep, &["recursion limit exceeded"]),
    ];
    for (f, needles) in checks {
        let (code, out) = suite_against(rewriting(f), &[]);
        assert_eq!(code, 101, "{out}");
        for n in needles {
            assert!(out.contains(n), "expected {n:?} in {out}");
        }
        assert_only_catalogue_cases_fail(&out);
    }
}

#[test]
fn a_server_that_never_answers_ends_at_the_timeout() {
    let app = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        |req: Request, next: Next| async move {
            if req.uri().path().ends_with("/status/status-messages") {
                std::future::pending::<()>().await;
            }
            next.run(req).await
        },
    ));
    let started = std::time::Instant::now();
    let (code, out) = suite_against(app, &["--timeout", "0.5"]);
    assert_eq!(code, 101, "{out}");
    assert!(
        out.contains("no complete answer within the timeout of 0.5s"),
        "{out}"
    );
    assert!(
        line_of(&out, "status-messages/catalog").ends_with("FAILED"),
        "{out}"
    );
    assert!(
        line_of(&out, "connection/features").ends_with("ok"),
        "the run went on: {out}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // A listener that accepts and never says a word: the run cannot start,
    // and says so within the timeout instead of hanging.
    let rt = runtime();
    let url = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((s, _)) = l.accept().await {
                held.push(s);
            }
        });
        format!("http://{addr}")
    });
    let mut env = login_env(&url);
    env.push(("ICWS_TIMEOUT", "0.5".into()));
    let (code, _, err) = run(&[], &pairs(&env));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no complete answer within the timeout of 0.5s"),
        "{err}"
    );
}

#[test]
fn hostile_case_files_are_load_errors_and_nothing_is_sent() {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            counter.fetch_add(1, Ordering::SeqCst);
            async move { next.run(req).await }
        },
    ));
    let rt = runtime();
    let url = rt.block_on(serve(app));
    let good = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/auth/wrong-token.toml"),
    )
    .unwrap();
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("syntax", b"description = = 1\n".to_vec(), "syntax.toml:1:"),
        (
            "unknown-key",
            good.replace("[expect]", "[expect]\nstatuss = [1]")
                .into_bytes(),
            "did you mean \"status\"?",
        ),
        (
            "wrong-type",
            good.replace("status = [401]", "status = \"401\"")
                .into_bytes(),
            "wrong-type.toml:",
        ),
        (
            "unknown-schema",
            good.replace("schema = \"error\"", "schema = \"eror\"")
                .into_bytes(),
            "unknown schema \"eror\"",
        ),
        (
            "not-utf8",
            b"description = \"caf\xe9\"\n".to_vec(),
            "not-utf8.toml:1:",
        ),
    ];
    for (name, bytes, needle) in files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(format!("{name}.toml")), bytes).unwrap();
        let env = login_env(&url);
        let (code, out, err) = run(&["--cases", dir.path().to_str().unwrap()], &pairs(&env));
        assert_eq!(code, 2, "{name}: {out}\n{err}");
        assert!(err.contains(needle), "{name}: expected {needle:?} in {err}");
        assert!(
            regex::Regex::new(&format!(r"{name}\.toml:\d+:\d+"))
                .unwrap()
                .is_match(&err),
            "{name}: no file:line:col in {err}"
        );
    }
    // An empty folder and a duplicate name are load errors too.
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(
        &["--cases", empty.path().to_str().unwrap()],
        &pairs(&login_env(&url)),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no case"), "{err}");
    let dup = tempfile::tempdir().unwrap();
    std::fs::create_dir(dup.path().join("auth")).unwrap();
    std::fs::write(dup.path().join("auth/wrong-token.toml"), &good).unwrap();
    let (code, _, err) = run(
        &["--cases", dup.path().to_str().unwrap()],
        &pairs(&login_env(&url)),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("auth/wrong-token"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "a request was sent");
}

#[test]
fn careless_flags_and_case_folders_end_in_a_clear_exit_2_or_a_warning() {
    // Flags that used to hang, spin or match nothing.
    let checks: &[(&[&str], &str)] = &[
        (&["--test-threads", "0"], "--test-threads 0"),
        (&["--retries", "4294967295"], "0..=10"),
        (&["--timeout", "1e20"], "not a positive number"),
        (
            &["status-mesages/catalog"],
            "matches no case, did you mean \"status-messages/catalog\"?",
        ),
        (&["auth/wrong", "--exact"], "(--exact) matches no case"),
        // libtest would panic creating it (an internal error, exit 3).
        (
            &["--logfile", "/nonexistent-icws-folder/x.log"],
            "--logfile /nonexistent-icws-folder/x.log: its folder",
        ),
    ];
    for (args, needle) in checks {
        let (code, out, err) = run(args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(
            err.contains(needle),
            "{args:?}: expected {needle:?} in {err}"
        );
        assert!(!out.contains("running"), "{args:?}: a case ran: {out}");
    }
    // A filter that matches runs just those cases.
    let (code, out, _) = run(&["auth/wrong"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("2 passed"), "{out}");

    // A case folder with a link back to itself and a FIFO named *.toml:
    // each case loaded once, the FIFO skipped with a warning, no hang.
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cases/auth/wrong-token.toml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("mine")).unwrap();
    std::fs::write(dir.path().join("mine/token.toml"), &good).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("mine/loop")).unwrap();
    let fifo = dir.path().join("mine/blocked.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let (code, out, err) = run(&["--cases", dir.path().to_str().unwrap(), "mine/"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("1 passed"), "each case once: {out}");
    assert!(
        err.contains("already read (through a symbolic link)"),
        "{err}"
    );
    if made {
        assert!(err.contains("blocked.toml: not a regular file"), "{err}");
    }

    // An error on a huge line shows a window of it, not the whole line.
    let huge = tempfile::tempdir().unwrap();
    let line = format!("description = {}\n", "x".repeat(5_000_000));
    std::fs::write(huge.path().join("huge.toml"), line).unwrap();
    let (code, _, err) = run(&["--cases", huge.path().to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{}", err.len());
    assert!(
        err.contains("huge.toml:1:"),
        "{}",
        &err[..err.len().min(500)]
    );
    assert!(
        err.len() < 5_000,
        "the whole line was echoed: {} bytes",
        err.len()
    );
}

/// A statusId that tries to start workflow commands and recolour the terminal.
const INJECTION: &str = "Available\n::stop-commands::x\n::error title=owned::pwned\u{1b}[31m";

fn injecting(_: StatusCode, _: axum::http::HeaderMap, body: Vec<u8>) -> Response {
    let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    v["statusMessageList"][0]["statusId"] = INJECTION.into();
    with(
        StatusCode::OK,
        "application/vnd.inin.icws+json",
        serde_json::to_vec(&v).unwrap(),
    )
}

fn assert_inert(out: &str) {
    assert!(
        !out.contains('\u{1b}'),
        "an ANSI escape reached the output: {out}"
    );
    for line in out.lines() {
        let l = line.trim_start();
        assert!(
            !l.starts_with("::stop-commands::x") && !l.starts_with("::error title=owned"),
            "server text started a workflow command: {line:?}\n{out}"
        );
    }
}

#[test]
fn server_text_cannot_start_ci_commands_or_drive_the_terminal() {
    let rt = runtime();
    let clean = rt.block_on(serve(refserver::app(Config::default())));
    let hostile = rt.block_on(serve(rewriting(injecting)));
    let dir = tempfile::tempdir().unwrap();
    let snap_args = [
        "status-messages/catalog",
        "--exact",
        "--snapshots",
        dir.path().to_str().unwrap(),
        "--target-name",
        "t",
    ];
    // Record the clean catalogue, then meet the hostile one: the snapshot
    // difference names the new statusId.
    let (code, out, err) = run(
        &snap_args,
        &[&pairs(&login_env(&clean))[..], &[("CI", "")]].concat(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let hostile_login = login_env(&hostile);
    let env = [
        &pairs(&hostile_login)[..],
        &[("CI", ""), ("GITHUB_ACTIONS", "true")],
    ]
    .concat();
    let (code, out, err) = run(&snap_args, &env);
    assert_eq!(code, 101, "{out}\n{err}");
    assert!(
        out.contains(r"Available\n::stop-commands::x\n::error title=owned::pwned\u{1b}[31m"),
        "{out}"
    );
    assert_inert(&out);
    assert_inert(&err);
    // Our own annotations are still read: commands resume before them.
    let resume = out.lines().position(|l| l.starts_with("::icws-")).unwrap();
    let annotation = out.lines().position(|l| l.starts_with("::error ")).unwrap();
    assert!(resume < annotation, "{out}");
    assert!(out.starts_with("::stop-commands::icws-"), "{out}");

    // A refused login whose message carries the same payload: exit 2, inert.
    let refusing = axum::Router::new().route(
        "/icws/connection",
        axum::routing::post(|| async {
            with(
                StatusCode::BAD_REQUEST,
                "application/json",
                serde_json::json!({ "message": INJECTION }).to_string(),
            )
        }),
    );
    let url = rt.block_on(serve(refusing));
    let (code, out, err) = run(&[], &pairs(&login_env(&url)));
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("login refused"), "{err}");
    assert_inert(&out);
    assert_inert(&err);
}

fn a_million_empty_messages(_: StatusCode, _: axum::http::HeaderMap, _: Vec<u8>) -> Response {
    let mut body = String::from("{\"statusMessageList\":[");
    for i in 0..1_000_000 {
        if i > 0 {
            body.push(',');
        }
        body.push_str("{}");
    }
    body.push_str("]}");
    with(StatusCode::OK, "application/vnd.inin.icws+json", body)
}

#[test]
fn a_million_broken_messages_give_bounded_findings() {
    let started = std::time::Instant::now();
    let (code, out) = suite_against(
        rewriting(a_million_empty_messages),
        &["status-messages/catalog", "--exact"],
    );
    assert_eq!(code, 101, "{}", &out[..out.len().min(3000)]);
    // 14 findings per element before; now the first of each rule, and a count.
    assert!(out.len() < 100_000, "{} bytes of output", out.len());
    // The first chunk is itemized up to the case's limit and counted per
    // rule; the rest is counted element by element.
    assert!(
        out.contains("more finding(s) like this, not shown"),
        "{}",
        &out[..out.len().min(5000)]
    );
    assert!(
        out.contains("and 999500 more element(s) that break the schema"),
        "{}",
        &out[..out.len().min(5000)]
    );
    eprintln!("checked in {:?}", started.elapsed());
}

#[test]
fn a_refused_login_for_a_case_and_unsendable_credentials_are_exit_2() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let rt = runtime();
    // The run's own login works; every later one is refused.
    static LOGINS: AtomicUsize = AtomicUsize::new(0);
    let app = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        |req: Request, next: Next| async move {
            if req.uri().path() == "/icws/connection" && LOGINS.fetch_add(1, Ordering::SeqCst) > 0 {
                return with(
                    StatusCode::BAD_REQUEST,
                    "application/json",
                    r#"{"message":"no more sessions"}"#,
                );
            }
            next.run(req).await
        },
    ));
    let url = rt.block_on(serve(app));
    let (code, out, err) = run(&["session/"], &pairs(&login_env(&url)));
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(
        err.contains("could not run: could not open a session"),
        "{err}"
    );

    // A login whose token has a line break cannot be used: exit 2, said.
    let app = refserver::app(Config::default()).layer(axum::middleware::map_response(
        |r: Response| async move {
            if r.status() != StatusCode::CREATED {
                return r;
            }
            let (parts, body) = r.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            v["csrfToken"] = "abc\r\ndef-0123456789".into();
            (parts.status, parts.headers, v.to_string()).into_response()
        },
    ));
    let url = rt.block_on(serve(app));
    let (code, out, err) = run(&[], &pairs(&login_env(&url)));
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("cannot be sent as a header value"), "{err}");
}

#[test]
fn unsendable_session_ids_and_credentials_are_exit_2_before_any_request() {
    for (id, token, needle) in [
        ("..", "token-0123456789", "is a dot segment"),
        (".", "token-0123456789", "is a dot segment"),
        ("123", "tok\r\nen", "cannot be sent as a header value"),
    ] {
        let (code, out, err) = run(
            &[],
            &[
                ("ICWS_BASE_URL", "http://127.0.0.1:9"),
                ("ICWS_SESSION_ID", id),
                ("ICWS_CSRF_TOKEN", token),
                ("ICWS_COOKIE", "cookie-0123456789"),
            ],
        );
        assert_eq!(code, 2, "{id:?}: {out}\n{err}");
        assert!(err.contains(needle), "{id:?}: {err}");
    }
}

#[test]
fn a_load_balancer_cookie_goes_back_and_negative_cases_change_only_the_session_cookie() {
    let rt = runtime();
    // Set at login; any later request without it lands on a node that does
    // not know the session.
    let app = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        |req: Request, next: Next| async move {
            let login = req.uri().path() == "/icws/connection";
            let features = req.uri().path() == "/icws/connection/features";
            let affinity = req.headers().get_all(header::COOKIE).iter().any(|v| {
                v.to_str()
                    .unwrap_or("")
                    .contains("BIGipServerpool=node1-7f3a")
            });
            if !login && !features && !affinity {
                let mut r = with(
                    StatusCode::UNAUTHORIZED,
                    "application/vnd.inin.icws+json",
                    r#"{"message":"unknown session on this node"}"#,
                );
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(r#"ICWS realm="ICWS" location="/icws/connection""#),
                );
                return r;
            }
            let mut r = next.run(req).await;
            if login {
                r.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_static("BIGipServerpool=node1-7f3a; Path=/; HttpOnly"),
                );
            }
            r
        },
    ));
    let url = rt.block_on(serve(app));
    let (code, out, err) = run(&[], &pairs(&login_env(&url)));
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn a_hardened_server_that_ends_a_session_on_a_csrf_failure_passes_in_any_order() {
    use std::collections::{HashMap, HashSet};
    use std::sync::{Arc, Mutex};
    #[derive(Default)]
    struct Sessions {
        token: HashMap<String, String>,
        ended: HashSet<String>,
    }
    let rt = runtime();
    let state = Arc::new(Mutex::new(Sessions::default()));
    let app = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let state = state.clone();
            async move {
                let path = req.uri().path().to_owned();
                // The session requests; the icons a catalogue names are
                // loaded as an <img> loads them, without the token.
                let sid = path
                    .strip_prefix("/icws/")
                    .filter(|_| !path.contains("/status-message-icons/"))
                    .and_then(|p| p.split_once('/'))
                    .map(|(s, _)| s.to_owned())
                    .filter(|s| s != "connection");
                let token = req
                    .headers()
                    .get("ININ-ICWS-CSRF-Token")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                if let Some(sid) = &sid {
                    let mut st = state.lock().unwrap();
                    // A CSRF failure ends the session the cookie names.
                    let cookie = req
                        .headers()
                        .get(header::COOKIE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    let named: Vec<String> = st
                        .token
                        .keys()
                        .filter(|s| cookie.contains(&format!("icws_{s}=")))
                        .cloned()
                        .collect();
                    for s in named {
                        if token.as_deref() != st.token.get(&s).map(String::as_str) || s != *sid {
                            st.ended.insert(s);
                        }
                    }
                    if st.ended.contains(sid) {
                        let mut r = with(
                            StatusCode::UNAUTHORIZED,
                            "application/vnd.inin.icws+json",
                            r#"{"message":"The session has ended."}"#,
                        );
                        r.headers_mut().insert(
                            header::WWW_AUTHENTICATE,
                            HeaderValue::from_static(
                                r#"ICWS realm="ICWS" location="/icws/connection""#,
                            ),
                        );
                        return r;
                    }
                }
                let r = next.run(req).await;
                if path == "/icws/connection" {
                    let h = |n: &str| {
                        r.headers()
                            .get(n)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or("")
                            .to_owned()
                    };
                    state
                        .lock()
                        .unwrap()
                        .token
                        .insert(h("ININ-ICWS-Session-ID"), h("ININ-ICWS-CSRF-Token"));
                }
                r
            }
        },
    ));
    let url = rt.block_on(serve(app));
    for threads in ["1", "4", "16"] {
        let (code, out, err) = run(&["--test-threads", threads], &pairs(&login_env(&url)));
        assert_eq!(code, 0, "--test-threads {threads}: {out}\n{err}");
        assert!(out.contains(" 0 failed"), "{out}");
    }
}

#[test]
fn a_feature_listed_only_at_login_conforms_and_one_listed_nowhere_does_not() {
    let rt = runtime();
    // GET /icws/connection/features without `status`; the login keeps it.
    let app = refserver::app(Config::default()).layer(axum::middleware::map_response(
        |r: Response| async move {
            let (parts, body) = r.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                return (parts.status, parts.headers, bytes).into_response();
            };
            if let Some(list) = v.get_mut("featureInfoList").and_then(|l| l.as_array_mut()) {
                list.retain(|f| f["featureId"] != "status");
            }
            (parts.status, parts.headers, v.to_string()).into_response()
        },
    ));
    let url = rt.block_on(serve(app));
    let (code, out, err) = run(&["connection/features"], &pairs(&login_env(&url)));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("but is by the login (?include=features)"),
        "{err}"
    );
    // The fault takes it out of both places: caught.
    let server = crate::common::faulty("feature-missing", &rt);
    let (code, out, _) = run(
        &["connection/features"],
        &pairs(&login_env(&server.base_url())),
    );
    assert_eq!(code, 101, "{out}");
}

#[test]
fn another_icws_cookie_is_not_taken_for_the_session_cookie() {
    let rt = runtime();
    let app = refserver::app(Config::default()).layer(axum::middleware::map_response(
        |mut r: Response| async move {
            if r.status() == StatusCode::CREATED {
                let own: Vec<HeaderValue> = r
                    .headers()
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .cloned()
                    .collect();
                r.headers_mut().remove(header::SET_COOKIE);
                r.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_static("icws_pref=prefvalue1234; Path=/"),
                );
                for v in own {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            r
        },
    ));
    let url = rt.block_on(serve(app));
    let (code, out, err) = run(&[], &pairs(&login_env(&url)));
    assert_eq!(code, 0, "{out}\n{err}");
}
