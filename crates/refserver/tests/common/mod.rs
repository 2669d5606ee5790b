//! What the reference server's own tests share: a runtime, a client, a
//! server started on a free port, and a session's login, catalogue request
//! and logout over a socket, as a client does them.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use icws_refserver::{self as refserver, Config, Running};
use reqwest::StatusCode;

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().build().unwrap()
}

pub fn start(rt: &tokio::runtime::Runtime, config: Config) -> Running {
    rt.block_on(refserver::spawn(config)).unwrap()
}

/// A logged-in session: id, token, the cookie header to send, the 201's headers.
pub struct Login {
    pub id: String,
    pub token: String,
    pub cookie: String,
    pub headers: reqwest::header::HeaderMap,
}

pub async fn login(c: &reqwest::Client, base: &str) -> Result<Login, StatusCode> {
    let resp = c
        .post(format!("{base}/icws/connection"))
        .header("Accept-Language", "en-US")
        .header("Content-Type", "application/json")
        .body(format!(
            r#"{{"userID":"{}","password":"{}"}}"#,
            refserver::DEMO_USER,
            refserver::DEMO_PASSWORD
        ))
        .send()
        .await
        .unwrap();
    if resp.status() != StatusCode::CREATED {
        return Err(resp.status());
    }
    let headers = resp.headers().clone();
    let h = |n: &str| headers.get(n).unwrap().to_str().unwrap().to_owned();
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Login {
        id: h(refserver::SESSION_ID_HEADER),
        token: h(refserver::CSRF_HEADER),
        cookie,
        headers,
    })
}

pub async fn catalogue(c: &reqwest::Client, base: &str, s: &Login) -> StatusCode {
    c.get(format!("{base}/icws/{}/status/status-messages", s.id))
        .header(refserver::CSRF_HEADER, &s.token)
        .header("Cookie", &s.cookie)
        .send()
        .await
        .unwrap()
        .status()
}

pub async fn logout(c: &reqwest::Client, base: &str, s: &Login) -> StatusCode {
    c.delete(format!("{base}/icws/{}/connection", s.id))
        .header(refserver::CSRF_HEADER, &s.token)
        .header("Cookie", &s.cookie)
        .send()
        .await
        .unwrap()
        .status()
}
