//! Link integrity through the binary (case `status-messages/icons`,
//! POL-ICON-1): against a reference server serving a catalogue whose icons
//! are on its own origin, on another origin (a CDN), behind a redirect to
//! that origin, and on a host nobody can reach, every distinct link is
//! loaded once as a browser's `<img>` loads it — the session's cookies only
//! where the jar applies them (path and origin), never the CSRF token,
//! nothing at all to another origin — the unreachable host is a warning
//! (failing under `--strict`), the JSON report lists each link, and
//! `--no-links` loads nothing and says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::IntoResponse;
use axum::routing::get;
use icws_refserver::{self as refserver, Config, icons};
use serde_json::Value;

use crate::common::{login_env, pairs, run, runtime, serve};

/// One request a server saw: its path, and whether it carried a cookie,
/// the CSRF token, and an `Accept` for images.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    cookie: Option<String>,
    token: bool,
    accept: String,
}

type Log = Arc<Mutex<Vec<Seen>>>;

fn seen(req: &Request) -> Seen {
    let h = |name: &str| {
        req.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    Seen {
        path: req.uri().path().to_owned(),
        cookie: h("cookie"),
        token: h("inin-icws-csrf-token").is_some(),
        accept: h("accept").unwrap_or_default(),
    }
}

/// A CDN on another origin: `/cdn/ok.png` is an image; every request logged.
fn cdn(log: Log) -> Router {
    Router::new()
        .route(
            "/cdn/ok.png",
            get(|| async {
                let mut r = (StatusCode::OK, icons::PNG.to_vec()).into_response();
                r.headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
                r
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let log = log.clone();
                async move {
                    log.lock().unwrap().push(seen(&req));
                    next.run(req).await
                }
            },
        ))
}

/// The reference server with `catalogue`, its icon requests logged, and
/// `/out` redirecting to the CDN's image.
fn target(catalogue: Value, log: Log, cdn: String) -> Router {
    refserver::app(Config {
        catalogue: Some(Arc::new(catalogue)),
        ..Config::default()
    })
    .layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let (log, cdn) = (log.clone(), cdn.clone());
            async move {
                let path = req.uri().path().to_owned();
                if path.contains("status-message-icons") || path == "/out" {
                    log.lock().unwrap().push(seen(&req));
                }
                if path == "/out" {
                    let mut r = StatusCode::FOUND.into_response();
                    r.headers_mut().insert(
                        header::LOCATION,
                        HeaderValue::from_str(&format!("{cdn}/cdn/ok.png")).unwrap(),
                    );
                    return r;
                }
                next.run(req).await
            }
        },
    ))
}

/// A port on loopback that nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The shipped catalogue with the first five messages' icons: the target's
/// own (twice), the CDN's, a redirect to the CDN, a host nobody reaches.
fn catalogue(cdn: &str) -> Value {
    let mut c = refserver::catalogue::catalogue("{sessionId}");
    let list = c["statusMessageList"].as_array_mut().unwrap();
    let own = "/icws/{sessionId}/status/status-message-icons/Available";
    list[0]["iconUri"] = own.into();
    list[1]["iconUri"] = format!("{{origin}}{own}").into();
    list[2]["iconUri"] = format!("{cdn}/cdn/ok.png").into();
    list[3]["iconUri"] = "/out".into();
    list[4]["iconUri"] = format!("http://127.0.0.1:{}/unreachable.png", closed_port()).into();
    c
}

struct Setup {
    env: Vec<(&'static str, String)>,
    at_target: Log,
    at_cdn: Log,
    _rt: tokio::runtime::Runtime,
}

fn setup() -> Setup {
    let rt = runtime();
    let (at_target, at_cdn): (Log, Log) = Default::default();
    let cdn_url = rt.block_on(serve(cdn(at_cdn.clone())));
    let url = rt.block_on(serve(target(
        catalogue(&cdn_url),
        at_target.clone(),
        cdn_url.clone(),
    )));
    Setup {
        env: login_env(&url),
        at_target,
        at_cdn,
        _rt: rt,
    }
}

/// Runs the icons case with a JSON report; (exit code, console, report).
fn icons(args: &[&str], env: &[(&'static str, String)]) -> (i32, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("report.json");
    let mut all = vec![
        "--exact",
        "status-messages/icons",
        "--report-json",
        json.to_str().unwrap(),
    ];
    all.extend(args);
    let (code, out, err) = run(&all, &pairs(env));
    let report = std::fs::read_to_string(&json)
        .map(|t| serde_json::from_str(&t).unwrap())
        .unwrap_or(Value::Null);
    (code, format!("{out}{err}"), report)
}

#[test]
fn each_link_is_loaded_once_as_an_img_loads_it() {
    let s = setup();
    let (code, console, report) = icons(&[], &s.env);
    assert_eq!(code, 0, "{console}");
    assert!(
        console.contains("icon links loaded as a browser does (8 at once, at most 10000)"),
        "{console}"
    );
    let case = &report["cases"][0];
    assert_eq!(case["name"], "status-messages/icons");
    assert_eq!(case["status"], "passed", "{case:#}");

    // The unreachable host elsewhere: an interop warning at its message.
    let findings = case["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["req"], "POL-ICON-1");
    assert_eq!(findings[0]["level"], "interop");
    assert_eq!(findings[0]["pointer"], "/statusMessageList/4/iconUri");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("cannot reach")
    );

    // One entry per distinct link: messages 0 and 1 name one link.
    let links = case["links"].as_array().unwrap();
    let by = |ptr: &str| {
        links
            .iter()
            .find(|l| l["pointer"] == ptr)
            .unwrap_or_else(|| panic!("{ptr}: {links:#?}"))
    };
    assert_eq!(links.len(), 20, "{links:#?}");
    let own = by("/statusMessageList/0/iconUri");
    assert_eq!(
        (own["uses"].as_u64(), own["sameOrigin"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(own["state"], "loaded");
    assert_eq!(own["bytes"], "a PNG image");
    let far = by("/statusMessageList/2/iconUri");
    assert_eq!(
        (far["sameOrigin"].as_bool(), far["state"].as_str()),
        (Some(false), Some("loaded"))
    );
    let out = by("/statusMessageList/3/iconUri");
    assert_eq!(out["redirects"], 1);
    assert!(out["finalUrl"].as_str().unwrap().ends_with("/cdn/ok.png"));
    assert_eq!(
        (out["sameOrigin"].as_bool(), out["state"].as_str()),
        (Some(false), Some("loaded"))
    );
    assert_eq!(by("/statusMessageList/4/iconUri")["state"], "warning");

    // On the target: each icon once, with the session's cookie and no
    // token; `/out` is outside the cookie's path, so nothing goes with it.
    let target = s.at_target.lock().unwrap().clone();
    let available: Vec<&Seen> = target
        .iter()
        .filter(|r| r.path.ends_with("/status-message-icons/Available"))
        .collect();
    assert_eq!(available.len(), 1, "{target:#?}");
    for r in target
        .iter()
        .filter(|r| r.path.contains("status-message-icons"))
    {
        assert!(
            r.cookie.as_deref().is_some_and(|c| c.contains("icws_")),
            "{r:?}"
        );
        assert!(!r.token, "{r:?}");
        assert!(r.accept.starts_with("image/"), "{r:?}");
    }
    let redirect: Vec<&Seen> = target.iter().filter(|r| r.path == "/out").collect();
    assert_eq!(redirect.len(), 1);
    assert_eq!(
        redirect[0].cookie, None,
        "the jar's cookie Path does not cover /out"
    );
    // On the CDN: the link and the redirect's end, without any credential.
    let cdn = s.at_cdn.lock().unwrap().clone();
    assert_eq!(cdn.len(), 2, "{cdn:#?}");
    for r in &cdn {
        assert_eq!((r.cookie.as_deref(), r.token), (None, false), "{r:?}");
        assert!(r.accept.starts_with("image/"));
    }

    // Under --strict the unreachable host fails the case.
    let (code, console, report) = icons(&["--strict"], &s.env);
    assert_eq!(code, 101, "{console}");
    assert_eq!(report["cases"][0]["status"], "failed");
}

#[test]
fn no_links_loads_nothing_and_says_so() {
    let s = setup();
    for (args, env) in [
        (vec!["--no-links"], s.env.clone()),
        (
            vec![],
            [s.env.clone(), vec![("ICWS_NO_LINKS", "1".to_owned())]].concat(),
        ),
    ] {
        let (code, console, report) = icons(&args, &env);
        // The only selected case was ignored: nothing was tested.
        assert_eq!(code, 2, "{console}");
        assert!(
            console.contains("icon links not loaded (--no-links)"),
            "{console}"
        );
        let case = &report["cases"][0];
        assert_eq!(case["status"], "ignored");
        assert!(case["reason"].as_str().unwrap().contains("--no-links"));
        assert!(case.get("links").is_none());
    }
    assert!(s.at_target.lock().unwrap().is_empty());
    assert!(s.at_cdn.lock().unwrap().is_empty());
}

#[test]
fn max_links_bounds_the_loading_and_says_how_many_of_how_many() {
    let s = setup();
    let (code, console, report) = icons(&["--max-links", "3"], &s.env);
    assert_eq!(code, 0, "{console}");
    assert!(
        console.contains("checked 3 of 20 distinct icon links (--max-links 3)"),
        "{console}"
    );
    assert_eq!(report["cases"][0]["links"].as_array().unwrap().len(), 3);
    // The unreachable host (the fourth link) was not among them.
    assert!(
        report["cases"][0]["findings"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_html_page_shows_each_link_as_text_and_a_link_and_loads_none() {
    use scraper::{Html, Selector};
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let (code, out, err) = run(
        &[
            "--exact",
            "status-messages/icons",
            "--report-html",
            page.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let doc = Html::parse_document(&std::fs::read_to_string(&page).unwrap());
    let sel = |s: &str| Selector::parse(s).unwrap();
    assert_eq!(doc.select(&sel("img")).count(), 0);
    let links: Vec<_> = doc.select(&sel("ol.links li")).collect();
    assert_eq!(links.len(), 21);
    for li in links {
        assert_eq!(li.value().attr("data-state"), Some("loaded"));
        let a = li.select(&sel("a.icon-link")).next().unwrap();
        let href = a.value().attr("href").unwrap();
        assert!(href.starts_with("http://127.0.0.1:"), "{href}");
        assert!(href.contains("/status/status-message-icons/"), "{href}");
        assert_eq!(a.text().collect::<String>(), href);
        assert_eq!(a.value().attr("rel"), Some("noreferrer nofollow"));
        assert!(li.text().collect::<String>().contains("a PNG image"));
    }
}
