//! The gates in front of the reference server's logins: the conformant
//! rate limit of profile `rate-limited-logins` (429 with `Retry-After: 1`,
//! then a login after a second works), and each [`LoginGate`] (busy,
//! unavailable, switchover), which lets no login through, with the status,
//! `Retry-After` and ICWS error body it promises. Only logins are gated.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Duration;

use common::{catalogue, client, login, runtime, start};
use icws_refserver::{self as refserver, Config, LoginGate, Profile};
use reqwest::StatusCode;
use serde_json::Value;

mod common;

/// A login's status, `Retry-After`, media type and JSON body.
async fn attempt(c: &reqwest::Client, base: &str) -> (StatusCode, Option<String>, String, Value) {
    let resp = c
        .post(format!("{base}/icws/connection"))
        .header("Accept-Language", "en-US")
        .body(r#"{"userID":"agent1","password":"icws-demo"}"#)
        .send()
        .await
        .unwrap();
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (retry_after, media) = (h("retry-after"), h("content-type").unwrap_or_default());
    let status = resp.status();
    let body = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    (status, retry_after, media, body)
}

#[test]
fn rate_limited_logins_answer_429_then_let_a_login_through_a_second_later() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            profiles: BTreeSet::from([Profile::RateLimitedLogins]),
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let first = login(&c, &base).await.unwrap();
        assert!(login(&c, &base).await.is_ok());
        let (status, retry_after, media, body) = attempt(&c, &base).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(media, refserver::ICWS_MEDIA_TYPE);
        assert_eq!(body["errorId"], "error.request.tooManyRequests");
        assert!(body["message"].is_string(), "{body}");
        // Sessions are not gated.
        assert_eq!(catalogue(&c, &base, &first).await, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert!(login(&c, &base).await.is_ok());
    });
    let state = server.state();
    assert_eq!((state.logins(), state.login_attempts()), (3, 4));
}

#[test]
fn rate_limited_logins_compose_with_every_other_profile() {
    let rt = runtime();
    let mut profiles: BTreeSet<Profile> = Profile::all().into_iter().collect();
    // Slow spaces the logins out beyond the limit.
    profiles.remove(&Profile::Slow);
    let server = start(
        &rt,
        Config {
            profiles,
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        assert_eq!(attempt(&c, &base).await.0, StatusCode::CREATED);
        assert_eq!(attempt(&c, &base).await.0, StatusCode::CREATED);
        let (status, retry_after, _, body) = attempt(&c, &base).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after.as_deref(), Some("1"));
        assert_eq!(body["errorId"], "error.request.tooManyRequests");
    });
}

/// Three logins against a server behind `gate`: each answered alike.
fn gated(gate: LoginGate) -> Vec<(StatusCode, Option<String>, String, Value)> {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            login_gate: Some(gate),
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    let answers = rt.block_on(async {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(attempt(&c, &base).await);
        }
        // The feature listing is not gated.
        let features = c
            .get(format!("{base}/icws/connection/features"))
            .send()
            .await
            .unwrap();
        assert_eq!(features.status(), StatusCode::OK);
        out
    });
    assert_eq!(server.state().logins(), 0);
    assert_eq!(server.state().login_attempts(), 3);
    assert_eq!(server.state().live_sessions(), 0);
    answers
}

#[test]
fn a_busy_gate_answers_every_login_429_with_its_retry_after_verbatim() {
    for retry_after in ["1", "3600", "Wed, 21 Oct 2026 07:28:00 GMT"] {
        let answers = gated(LoginGate::Busy {
            retry_after: retry_after.into(),
        });
        for (status, got, media, body) in answers {
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(got.as_deref(), Some(retry_after));
            assert_eq!(media, refserver::ICWS_MEDIA_TYPE);
            assert_eq!(body["errorId"], "error.request.tooManyRequests");
            assert!(body["message"].is_string(), "{body}");
        }
    }
}

#[test]
fn an_unavailable_gate_answers_every_login_503() {
    for retry_after in [None, Some("120")] {
        let answers = gated(LoginGate::Unavailable {
            retry_after: retry_after.map(str::to_owned),
        });
        for (status, got, media, body) in answers {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(got.as_deref(), retry_after);
            assert_eq!(media, refserver::ICWS_MEDIA_TYPE);
            assert_eq!(body["errorId"], "error.server.unavailable");
            assert!(body["message"].is_string(), "{body}");
            assert!(body.get("alternateHostList").is_none(), "{body}");
        }
    }
}

#[test]
fn a_switchover_gate_answers_every_login_503_naming_the_other_hosts() {
    for hosts in [vec![], vec!["ccs2.example.com", "ccs3.example.com:8019"]] {
        let answers = gated(LoginGate::Switchover {
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
        });
        for (status, got, media, body) in answers {
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(got, None);
            assert_eq!(media, refserver::ICWS_MEDIA_TYPE);
            assert_eq!(body["errorId"], "error.server.notAcceptingConnections");
            assert_eq!(body["message"], "This server is not accepting connections.");
            assert!(body["errorCode"].is_i64(), "{body}");
            assert_eq!(body["alternateHostList"], serde_json::json!(hosts));
        }
    }
}
