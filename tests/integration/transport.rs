//! Transport options through the binary: `--retries` (only on transport
//! failures, every attempt recorded, flaky marking), `--proxy` and the usual
//! proxy variables, redirects never followed, `--max-body`, and clear errors
//! for unusable TLS files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{line_of, login_env, pairs, run, runtime, serve};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::IntoResponse;
use icws_refserver::{self as refserver, Config};
use serde_json::Value;

/// The reference server, except that the first `slow` status-messages
/// requests get no answer for 3 s (a timeout before any byte).
fn slow_first(slow: usize) -> axum::Router {
    let seen = Arc::new(AtomicUsize::new(0));
    refserver::app(Config::default()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let seen = seen.clone();
            async move {
                if req.uri().path().ends_with("/status/status-messages")
                    && seen.fetch_add(1, Ordering::SeqCst) < slow
                {
                    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                }
                next.run(req).await
            }
        },
    ))
}

fn report(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_retry_cures_a_timeout_and_the_case_is_marked_flaky() {
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let xml = dir.path().join("j.xml");
    let url = rt.block_on(serve(slow_first(1)));
    let mut env = login_env(&url);
    env.push(("ICWS_TIMEOUT", "0.5".into()));
    let args = [
        "status-messages/catalog",
        "--exact",
        "--retries",
        "1",
        "--report-json",
        json.to_str().unwrap(),
        "--junit",
        xml.to_str().unwrap(),
    ];
    let (code, out, err) = run(&args, &pairs(&env));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("1 flaky case(s) (passed only after a retry)"),
        "{err}"
    );
    assert!(
        err.contains(
            "status-messages/catalog: no complete answer within the timeout of 0.5s → status 200"
        ),
        "{err}"
    );
    let r = report(&json);
    let case = &r["cases"][0];
    assert_eq!(case["flaky"], true);
    assert_eq!(case["status"], "passed");
    assert_eq!(case["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(r["summary"]["flaky"], 1);
    let xml = std::fs::read_to_string(&xml).unwrap();
    assert!(xml.contains("<flakyError "), "{xml}");
    assert!(
        xml.contains("message=\"no complete answer within the timeout"),
        "{xml}"
    );

    // Without a retry the same server fails the case on the transport.
    let url = rt.block_on(serve(slow_first(1)));
    let mut env = login_env(&url);
    env.push(("ICWS_TIMEOUT", "0.5".into()));
    let (code, out, _) = run(&["status-messages/catalog", "--exact"], &pairs(&env));
    assert_eq!(code, 101, "{out}");
    assert!(out.contains("status-messages/catalog: transport"), "{out}");
}

/// A request still waiting after 2 s prints one line naming the case, the
/// request, the seconds so far and the timeout (issue: a good citizen,
/// point 5; issue 26, readable output), never the token or cookie sent.
#[test]
fn a_slow_answer_prints_what_the_run_waits_for() {
    let rt = runtime();
    let url = rt.block_on(serve(slow_first(1)));
    let (code, out, err) = run(
        &["status-messages/catalog", "--exact"],
        &pairs(&login_env(&url)),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let line = err
        .lines()
        .find(|l| l.contains("still waiting"))
        .unwrap_or_else(|| panic!("no progress line:\n{err}"));
    assert!(
        line.starts_with("note: status-messages/catalog: still waiting for GET /icws/")
            && line.ends_with("/status/status-messages (2 s so far, timeout 30 s)"),
        "{line}"
    );
    // Once: the answer came after 3 s, before the next line at 12 s.
    assert_eq!(err.matches("still waiting").count(), 1, "{err}");
    assert!(!line.contains("Cookie") && !line.contains("CSRF"), "{line}");
    // A server that never finishes its answer: the line, then the timeout.
    let server = crate::common::faulty("never-finishes", &rt);
    let (code, out, err) = run(
        &["status-messages/catalog", "--exact", "--timeout", "2.5"],
        &pairs(&login_env(&server.base_url())),
    );
    assert_eq!(code, 101, "{out}\n{err}");
    assert!(
        err.lines().any(
            |l| l.starts_with("note: status-messages/catalog: still waiting for GET ")
                && l.ends_with(" (2 s so far, timeout 2.5 s)")
        ),
        "{err}"
    );
}

#[test]
fn findings_are_never_retried() {
    let rt = runtime();
    let server = crate::common::faulty("status-500", &rt);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let env = login_env(&server.base_url());
    let (code, out, _) = run(
        &["--retries", "3", "--report-json", json.to_str().unwrap()],
        &pairs(&env),
    );
    assert_eq!(code, 101, "{out}");
    let r = report(&json);
    for case in r["cases"].as_array().unwrap() {
        if case["status"] == "ignored" {
            continue;
        }
        assert_eq!(case["attempts"].as_array().unwrap().len(), 1, "{case}");
        assert_eq!(case["flaky"], false);
    }
}

/// A forward proxy that counts connections and sends every byte to `backend`
/// whatever host the request names. Returns its URL.
async fn counting_proxy(backend: String, hits: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            hits.fetch_add(1, Ordering::SeqCst);
            let backend = backend.clone();
            tokio::spawn(async move {
                if let Ok(mut out) = tokio::net::TcpStream::connect(&backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn requests_go_through_the_proxy_and_no_proxy_is_honoured() {
    let rt = runtime();
    let server = rt.block_on(refserver::spawn(Config::default())).unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let proxy = rt.block_on(counting_proxy(server.addr.to_string(), hits.clone()));
    // A host name only the proxy "resolves": the run can only pass through it.
    let staging = "http://icws-staging.invalid:8018";
    let with_password = proxy.replace("http://", "http://ci:pw-S3CRET@");
    let env = login_env(staging);
    let (code, out, err) = run(&["--proxy", &with_password], &pairs(&env));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(hits.load(Ordering::SeqCst) > 0);
    assert!(!out.contains("S3CRET") && !err.contains("S3CRET"));
    for var in ["ICWS_PROXY", "HTTP_PROXY", "http_proxy"] {
        let before = hits.load(Ordering::SeqCst);
        let mut env = login_env(staging);
        env.push((var, proxy.clone()));
        let (code, out, err) = run(&[], &pairs(&env));
        assert_eq!(code, 0, "{var}: {out}\n{err}");
        assert!(hits.load(Ordering::SeqCst) > before, "{var}");
    }
    // NO_PROXY applies to --proxy as well: the host is then unreachable.
    let mut env = login_env(staging);
    env.push(("NO_PROXY", "icws-staging.invalid".into()));
    let (code, _, err) = run(&["--proxy", &proxy], &pairs(&env));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot reach"), "{err}");
    // An unusable proxy URL is refused without echoing it.
    let (code, _, err) = run(&["--proxy", "::pw-S3CRET::"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not a usable proxy URL") && !err.contains("S3CRET"),
        "{err}"
    );
}

#[test]
fn redirects_are_reported_not_followed() {
    let rt = runtime();
    let elsewhere_hits = Arc::new(AtomicUsize::new(0));
    let hits = elsewhere_hits.clone();
    let elsewhere = rt.block_on(serve(axum::Router::new().fallback(move || {
        hits.fetch_add(1, Ordering::SeqCst);
        async { "captured" }
    })));
    let to = elsewhere.clone();
    let app = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let to = to.clone();
            async move {
                if req.uri().path().ends_with("/status/status-messages") {
                    let target = format!("{to}{}", req.uri().path());
                    return (
                        axum::http::StatusCode::FOUND,
                        [(axum::http::header::LOCATION, target)],
                    )
                        .into_response();
                }
                next.run(req).await
            }
        },
    ));
    let url = rt.block_on(serve(app));
    let (code, out, _) = run(
        &["status-messages/catalog", "--exact"],
        &pairs(&login_env(&url)),
    );
    assert_eq!(code, 101, "{out}");
    assert!(
        out.contains(&format!("= actual:   302 redirect to {elsewhere}/icws/")),
        "{out}"
    );
    assert!(out.contains("(not followed"), "{out}");
    assert_eq!(
        elsewhere_hits.load(Ordering::SeqCst),
        0,
        "the session went elsewhere"
    );
    // A redirect loop (to itself) is one finding as well, and ends.
    let looping = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        |req: Request, next: Next| async move {
            if req.uri().path().ends_with("/status/status-messages") {
                let again = req.uri().to_string();
                return (
                    axum::http::StatusCode::TEMPORARY_REDIRECT,
                    [(axum::http::header::LOCATION, again)],
                )
                    .into_response();
            }
            next.run(req).await
        },
    ));
    let url = rt.block_on(serve(looping));
    let (code, out, _) = run(
        &["status-messages/catalog", "--exact"],
        &pairs(&login_env(&url)),
    );
    assert_eq!(code, 101, "{out}");
    assert!(out.contains("= actual:   307 redirect to /icws/"), "{out}");
}

#[test]
fn max_body_stops_reading_and_reports_it() {
    let (code, out, _) = run(
        &["status-messages/catalog", "--exact", "--max-body", "1KiB"],
        &[],
    );
    assert_eq!(code, 101, "{out}");
    assert!(
        out.contains("the body passed the limit of 1024 bytes (--max-body); stopped reading"),
        "{out}"
    );
    let (code, _, err) = run(&["--max-body", "lots"], &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid value 'lots' for '--max-body <BYTES>': is not a size"),
        "{err}"
    );
}

#[test]
fn unusable_tls_files_are_named_and_insecure_warns() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.txt");
    std::fs::write(&not_pem, "hello").unwrap();
    let missing = dir.path().join("missing.pem");
    let bad_pem = dir.path().join("bad.pem");
    std::fs::write(
        &bad_pem,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let key_only = dir.path().join("key.pem");
    std::fs::write(
        &key_only,
        "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let s = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let checks: Vec<(Vec<String>, String)> = vec![
        (
            vec!["--ca-cert".into(), s(&key_only)],
            format!("--ca-cert {}: no certificate in it", s(&key_only)),
        ),
        (
            vec!["--ca-cert".into(), s(&missing)],
            format!("--ca-cert {}: cannot read it", s(&missing)),
        ),
        (
            vec!["--ca-cert".into(), s(&not_pem)],
            format!("--ca-cert {}: not a PEM file", s(&not_pem)),
        ),
        (
            vec!["--ca-cert".into(), s(&bad_pem)],
            format!("--ca-cert {}:", s(&bad_pem)),
        ),
        (
            vec!["--client-cert".into(), s(&bad_pem)],
            "mutual TLS needs both the certificate and its key".into(),
        ),
        (
            vec![
                "--client-cert".into(),
                s(&bad_pem),
                "--client-key".into(),
                s(&not_pem),
            ],
            format!("--client-key {}: not a PEM file", s(&not_pem)),
        ),
    ];
    for (args, needle) in checks {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, out, err) = run(&args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(
            err.contains(&needle),
            "{args:?}: expected {needle:?} in {err}"
        );
    }
    let (code, out, err) = run(&["--insecure"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("warning: --insecure: the server's TLS certificate is NOT verified"),
        "{err}"
    );
    assert!(line_of(&out, "status-messages/catalog").ends_with("ok"));
}

/// The reference server behind a front that closes every connection when
/// its second request arrives, without answering: what a server that closed
/// an idle keep-alive connection looks like to a client that reuses it.
async fn closing_reused_connections() -> String {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::service::TowerToHyperService;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = refserver::app(Config::default());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let served = Arc::new(AtomicUsize::new(0));
            let app = app.clone();
            let service =
                hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let first = served.fetch_add(1, Ordering::SeqCst) == 0;
                    let inner = TowerToHyperService::new(app.clone());
                    async move {
                        if !first {
                            return Err(std::io::Error::other("closed while idle"));
                        }
                        hyper::service::Service::call(&inner, req)
                            .await
                            .map_err(|e| std::io::Error::other(e.to_string()))
                    }
                });
            tokio::spawn(async move {
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .http1_only()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_pooled_connection_closed_while_idle_is_sent_again_once_and_is_no_finding() {
    let rt = runtime();
    let url = rt.block_on(closing_reused_connections());
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let env = login_env(&url);
    let (code, out, err) = run(
        &[
            "--report-json",
            json.to_str().unwrap(),
            "--test-threads",
            "1",
        ],
        &pairs(&env),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let r = report(&json);
    let resent: usize = r["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            assert_eq!(c["flaky"], false, "{c}");
            c["attempts"].as_array().unwrap().len().saturating_sub(1)
        })
        .sum();
    assert!(resent > 0, "no request met a closed pooled connection: {r}");
    assert!(
        r.to_string()
            .contains("an idle connection the server had closed"),
        "{r}"
    );
}
