//! The guarantee that the password, the CSRF token and the session cookie
//! never appear in console output, report files, error messages or `Debug`
//! output: runs with known secret values against a clean server, against
//! failing ones, and against a server that echoes every header back, with
//! every report switched on, then searches everything written for them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use crate::common::{run, run_with_reports, runtime, serve};
use axum::Router;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use icws_refserver::{self as refserver, Config, Fault};

const PASSWORD: &str = "pw-S3CRET-7f1c";

/// The reference server (with `fault`) logging in with [`PASSWORD`], and
/// recording every CSRF token and cookie value it hands out.
fn recording(fault: Option<Fault>, seen: Arc<Mutex<Vec<String>>>) -> Router {
    refserver::app(Config {
        password: PASSWORD.into(),
        fault,
        ..Config::default()
    })
    .layer(axum::middleware::map_response(move |r: Response| {
        let seen = seen.clone();
        async move {
            let mut seen = seen.lock().unwrap();
            if let Some(t) = r.headers().get("ININ-ICWS-CSRF-Token") {
                seen.push(t.to_str().unwrap().to_owned());
            }
            for c in r.headers().get_all(header::SET_COOKIE) {
                let pair = c.to_str().unwrap().split(';').next().unwrap();
                seen.push(pair.split_once('=').unwrap().1.to_owned());
            }
            r
        }
    }))
}

/// A hostile server: every answer is a 500 whose message echoes the
/// request's headers and body, secrets included.
async fn echo_server() -> String {
    async fn echo(headers: HeaderMap, body: String) -> Response {
        let mut seen = String::new();
        for (n, v) in &headers {
            seen.push_str(&format!("{n}={} ", v.to_str().unwrap_or("")));
        }
        let text = serde_json::json!({"message": format!("{seen} {body}")}).to_string();
        (
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "application/json")],
            text,
        )
            .into_response()
    }
    serve(Router::new().fallback(echo)).await
}

fn assert_clean(what: &str, texts: &[(String, String)], secrets: &[String]) {
    for (name, text) in texts {
        for s in secrets {
            assert!(
                !text.contains(s.as_str()),
                "{what}: a secret leaked into {name}:\n{text}"
            );
        }
        // Every secret the test chose shares this fragment: not even part may show.
        assert!(
            !text.contains("S3CRET"),
            "{what}: part of a secret leaked into {name}:\n{text}"
        );
    }
}

#[test]
fn no_secret_in_any_output_or_report_clean_or_failing() {
    let rt = runtime();
    let faults = [
        None,
        Some("wrong-type-isAcdStatus"),
        Some("status-500"),
        Some("no-challenge"),
        Some("error-without-message"),
        Some("token-not-checked"),
        Some("cookie-not-checked"),
        Some("html-media-type"),
        Some("drop-mid-body"),
    ];
    for fault in faults {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = recording(fault.map(|f| Fault::parse(f).unwrap()), seen.clone());
        let url = rt.block_on(serve(app));
        let env = [
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", refserver::DEMO_USER),
            ("ICWS_PASSWORD", PASSWORD),
        ];
        for strict in [&[][..], &["--strict"][..]] {
            let (code, texts) = run_with_reports(strict, &env);
            let what = format!("fault {fault:?} {strict:?}");
            assert!(code == 0 || code == 101, "{what}: {texts:?}");
            assert_eq!(code == 0, fault.is_none(), "{what}: {texts:?}");
            let mut secrets = seen.lock().unwrap().clone();
            // The test is only as good as what it searches for.
            assert!(
                secrets.len() >= 4,
                "{what}: too few tokens/cookies seen: {secrets:?}"
            );
            assert!(secrets.iter().all(|s| s.len() >= 16), "{secrets:?}");
            secrets.push(PASSWORD.to_owned());
            assert_clean(&what, &texts, &secrets);
        }
    }
}

#[test]
fn no_secret_from_a_server_that_echoes_them() {
    let rt = runtime();
    let url = rt.block_on(echo_server());
    let token = "tok-S3CRET-aaaa";
    let cookie = "cookie-S3CRET-bbbb";
    // A given session: every case fails and shows the echoed body.
    let (code, texts) = run_with_reports(
        &[],
        &[
            ("ICWS_BASE_URL", &url),
            ("ICWS_SESSION_ID", "123"),
            ("ICWS_CSRF_TOKEN", token),
            ("ICWS_COOKIE", cookie),
        ],
    );
    assert_eq!(code, 101, "{texts:?}");
    let stdout = &texts[0].1;
    assert!(
        stdout.contains("<redacted>"),
        "the echoed secrets should show as redacted: {stdout}"
    );
    assert!(texts.len() == 8, "every report was written: {texts:?}");
    assert_clean("given session", &texts, &[token.into(), cookie.into()]);
    // A login: refused, with the echoed password in the server's message.
    let (code, texts) = run_with_reports(
        &[],
        &[
            ("ICWS_BASE_URL", &url),
            ("ICWS_USER", "agent1"),
            ("ICWS_PASSWORD", PASSWORD),
        ],
    );
    assert_eq!(code, 2, "{texts:?}");
    assert!(texts[1].1.contains("login refused"), "{texts:?}");
    assert_clean("login", &texts, &[PASSWORD.into()]);
    // Help never shows the values of secret variables.
    let (_, help, _) = run(
        &["--help"],
        &[
            ("ICWS_PASSWORD", PASSWORD),
            ("ICWS_CSRF_TOKEN", token),
            ("ICWS_COOKIE", cookie),
            ("ICWS_PROXY", "http://u:proxy-S3CRET@127.0.0.1:1"),
        ],
    );
    assert!(help.contains("ICWS_PASSWORD"), "{help}");
    assert_clean("help", &[("help".into(), help)], &[]);
}

#[test]
fn debug_output_of_secret_holders_hides_them() {
    use clap::Parser;
    use icws_conformance::cli::{Cli, settings};
    use icws_conformance::run::session::Session;
    use icws_conformance::secret::Redactor;
    let cli = Cli::try_parse_from([
        "icws-conformance",
        "--base-url",
        "https://cic.example",
        "--user",
        "agent1",
        "--password",
        "pw-S3CRET-1",
        "--proxy",
        "http://u:proxy-S3CRET@proxy.example:3128",
    ])
    .unwrap();
    let s = settings(&cli).unwrap();
    let session = Session::given(
        "123",
        "tok-S3CRET-2",
        "cookie-S3CRET-3",
        &Redactor::default(),
    );
    for text in [format!("{cli:?}"), format!("{s:?}"), format!("{session:?}")] {
        assert!(!text.contains("S3CRET"), "{text}");
        assert!(text.contains("redacted"), "{text}");
    }
}

/// Every form the output gate promises to catch (see `secret.rs`).
fn encodings(secret: &str) -> Vec<String> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let json = serde_json::to_string(secret).unwrap();
    let json = json[1..json.len() - 1].to_owned();
    let pct: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
    vec![
        secret.to_owned(),
        json.clone(),
        json.replace('/', "\\/"),
        pct,
        xml,
        b64.encode(secret),
        hex,
    ]
}

/// The reference server logging in with `password`, whose status-messages
/// answers echo, one form per request in turn, the password, the request's
/// CSRF token and cookie value and `user:password` in base64 — in the body
/// (a 500 in plain text, shown as an excerpt) and in a `WWW-Authenticate`
/// challenge (shown as the header's value).
fn encoding_echo(password: String) -> Router {
    use axum::extract::Request;
    use axum::middleware::Next;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n = Arc::new(AtomicUsize::new(0));
    let pw = password.clone();
    refserver::app(Config {
        password,
        ..Config::default()
    })
    .layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let (n, pw) = (n.clone(), pw.clone());
            async move {
                if !req.uri().path().ends_with("/status/status-messages") {
                    return next.run(req).await;
                }
                let header = |name: &str| {
                    req.headers()
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned()
                };
                let token = header("ININ-ICWS-CSRF-Token");
                let cookie = header("cookie");
                let cookie = cookie.split_once('=').map_or("", |(_, v)| v).to_owned();
                let mut forms = encodings(&pw);
                forms.extend(encodings(&token));
                forms.extend(encodings(&cookie));
                use base64::Engine as _;
                forms.push(
                    base64::engine::general_purpose::STANDARD
                        .encode(format!("{}:{pw}", refserver::DEMO_USER)),
                );
                let i = n.fetch_add(1, Ordering::SeqCst);
                let form = forms[i % forms.len()].clone();
                let mut resp = (
                    axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                    [("content-type", "text/plain")],
                    format!("{form} is what you sent"),
                )
                    .into_response();
                if let Ok(v) = axum::http::HeaderValue::from_str(&format!("Basic realm=\"{form}\""))
                {
                    resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                resp
            }
        },
    ))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(6),
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// For random passwords with the characters encoders treat specially, a
    /// server echoing every secret in every form reaches no output with any.
    #[test]
    fn no_encoded_secret_reaches_any_output(pw in "[a-zA-Z0-9/\"\\\\&<>ö+=% ]{8,20}") {
        let pw = format!("S3CRET{pw}");
        let rt = runtime();
        let url = rt.block_on(serve(encoding_echo(pw.clone())));
        let env = [
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", refserver::DEMO_USER),
            ("ICWS_PASSWORD", pw.as_str()),
        ];
        // Run the suite twice so that each form meets several cases.
        for _ in 0..2 {
            let (code, texts) = run_with_reports(&[], &env);
            proptest::prop_assert_eq!(code, 101, "{:?}", texts);
            let all: String = texts.iter().map(|(_, t)| t.as_str()).collect();
            proptest::prop_assert!(all.contains("<redacted>"), "nothing was echoed: {}", all);
            for form in encodings(&pw) {
                for (name, text) in &texts {
                    proptest::prop_assert!(
                        !text.contains(&form),
                        "password form {:?} leaked into {}:\n{}", form, name, text
                    );
                }
            }
        }
    }
}

/// Forms of `secret` that real encoders produce beyond the strict ones:
/// JavaScript's encodeURIComponent and a path encoder leave some characters
/// raw, Go's JSON escapes `<>&`, Rust's `{:?}` escapes combining marks.
fn more_encodings(secret: &str) -> Vec<String> {
    let pct = |safe: &str| -> String {
        secret
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || safe.as_bytes().contains(&b)
                {
                    char::from(b).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let go: String = serde_json::to_string(secret)
        .unwrap()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let debug = format!("{secret:?}");
    vec![
        pct("!'()*"),
        pct("/"),
        go[1..go.len() - 1].to_owned(),
        debug[1..debug.len() - 1].to_owned(),
    ]
}

#[test]
fn more_encoders_excerpts_and_scheme_less_urls_leak_nothing() {
    use axum::extract::Request;
    use axum::middleware::Next;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let rt = runtime();
    for pw in [
        "Open Sesame!now-S3CRET",
        "pa/th secret1-S3CRET",
        "a<b>c&d-S3CRET",
        "Pa\u{301}ssw0rd-S3CRET",
        "Hunter2\tS3CRET  password",
    ] {
        let n = Arc::new(AtomicUsize::new(0));
        let echo = pw.to_owned();
        let app = refserver::app(Config {
            password: pw.into(),
            ..Config::default()
        })
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let (n, echo) = (n.clone(), echo.clone());
                async move {
                    if !req.uri().path().ends_with("/status/status-messages") {
                        return next.run(req).await;
                    }
                    let mut forms = more_encodings(&echo);
                    forms.push(echo.clone());
                    let i = n.fetch_add(1, Ordering::SeqCst);
                    let form = forms[i % forms.len()].clone();
                    // Leading spaces push the secret to where excerpts are cut.
                    let body = format!("{}{form} tail", " ".repeat(390));
                    (
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                        [("content-type", "text/plain")],
                        body,
                    )
                        .into_response()
                }
            },
        ));
        let url = rt.block_on(serve(app));
        let env = [
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", refserver::DEMO_USER),
            ("ICWS_PASSWORD", pw),
        ];
        let (code, texts) = run_with_reports(&[], &env);
        assert_eq!(code, 101, "{texts:?}");
        assert_clean(pw, &texts, &more_encodings(pw));
    }
    // A base URL or a proxy without a scheme still hides its password.
    for (var, value) in [
        ("ICWS_BASE_URL", "user:url-S3CRET@127.0.0.1:1"),
        ("ICWS_PROXY", "u:proxy-S3CRET@127.0.0.1:1"),
    ] {
        let mut env = vec![
            ("ICWS_USER", "agent1"),
            ("ICWS_PASSWORD", "zzzzzzzz"),
            (var, value),
        ];
        if var == "ICWS_PROXY" {
            env.push(("ICWS_BASE_URL", "http://127.0.0.2:1"));
        }
        let (code, out, err) = run(&[], &env);
        assert_eq!(code, 2, "{out}\n{err}");
        assert_clean(var, &[("stderr".into(), err), ("stdout".into(), out)], &[]);
    }
}

#[test]
fn no_secret_in_the_reason_a_case_could_not_run() {
    use axum::extract::Request;
    use axum::middleware::Next;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // The run's own login succeeds; every later one (the cases that need a
    // session of their own) is refused with a message that echoes the login
    // body, password included: the reason those cases could not run, which
    // the console and the HTML report show.
    let pw = "pw'<S3CRET>&-9f2e";
    let logins = Arc::new(AtomicUsize::new(0));
    let app = refserver::app(Config {
        password: pw.into(),
        ..Config::default()
    })
    .layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let logins = logins.clone();
            async move {
                let login = req.method() == axum::http::Method::POST
                    && req.uri().path().ends_with("/icws/connection");
                if !login || logins.fetch_add(1, Ordering::SeqCst) == 0 {
                    return next.run(req).await;
                }
                let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                    .await
                    .unwrap();
                let message = format!("refused: {}", String::from_utf8_lossy(&body));
                (
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    [("content-type", "application/vnd.inin.icws+JSON")],
                    serde_json::json!({"errorId": "error.refused", "message": message}).to_string(),
                )
                    .into_response()
            }
        },
    ));
    let rt = runtime();
    let url = rt.block_on(serve(app));
    let env = [
        ("ICWS_BASE_URL", url.as_str()),
        ("ICWS_USER", refserver::DEMO_USER),
        ("ICWS_PASSWORD", pw),
    ];
    let (code, texts) = run_with_reports(&[], &env);
    assert_eq!(code, 2, "{texts:?}");
    let (_, page) = texts.iter().find(|(n, _)| n == "html").unwrap();
    assert!(
        page.contains("Could not run:") && page.contains("refused: {"),
        "the echo reached the page: {page}"
    );
    assert!(page.contains("&lt;redacted&gt;"), "{page}");
    assert_clean("could not run", &texts, &[pw.to_owned()]);
}
