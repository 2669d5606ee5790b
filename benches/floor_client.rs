//! The floor for the whole-run benchmark: the same HTTP requests the shipped
//! suite makes (login; features; the catalogue; each case that sends wrong
//! credentials on a session of its own; fresh and ended sessions; the four
//! two-session isolation cases; the icons case's catalogue and each of its
//! icons with the cookie; logouts), against the same
//! embedded reference server, with a bare reqwest client and no checking,
//! cases concurrently as the suite runs them. `benches/whole-run.sh` times it
//! next to `icws-conformance`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use icws_refserver::{self as refserver, Config};
use reqwest::Client;
use serde_json::{Value, json};

const TOKEN: &str = "ININ-ICWS-CSRF-Token";

struct S {
    id: String,
    token: String,
    cookie: String,
}

async fn login(c: &Client, base: &str) -> S {
    let r = c
        .post(format!("{base}/icws/connection"))
        .header("Accept-Language", "en-US")
        .header("Content-Type", "application/json")
        .body(json!({"__type": "urn:inin.com:connection:icAuthConnectionRequestSettings",
            "applicationName": "floor", "userID": refserver::DEMO_USER, "password": refserver::DEMO_PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
    S {
        id: v["sessionId"].as_str().unwrap().to_owned(),
        token: v["csrfToken"].as_str().unwrap().to_owned(),
        cookie,
    }
}

async fn get(c: &Client, base: &str, id: &str, token: Option<&str>, cookie: Option<&str>) {
    let mut r = c.get(format!("{base}/icws/{id}/status/status-messages"));
    if let Some(t) = token {
        r = r.header(TOKEN, t);
    }
    if let Some(k) = cookie {
        r = r.header("Cookie", k);
    }
    let _ = r.send().await.unwrap().bytes().await.unwrap();
}

async fn logout(c: &Client, base: &str, s: &S) {
    let _ = c
        .delete(format!("{base}/icws/{}/connection", s.id))
        .header(TOKEN, &s.token)
        .header("Cookie", &s.cookie)
        .send()
        .await
        .unwrap();
}

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let server = refserver::spawn(Config::default()).await.unwrap();
        let base = server.base_url();
        let c = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let s = login(&c, &base).await;
        let (b, c2) = (&base, &c);
        let features = async {
            let _ = c2
                .get(format!("{b}/icws/connection/features"))
                .send()
                .await
                .unwrap()
                .bytes()
                .await;
        };
        let fresh = async {
            let f = login(c2, b).await;
            get(c2, b, &f.id, Some(&f.token), Some(&f.cookie)).await;
            logout(c2, b, &f).await;
        };
        let ended = async {
            let e = login(c2, b).await;
            logout(c2, b, &e).await;
            get(c2, b, &e.id, Some(&e.token), Some(&e.cookie)).await;
        };
        // A case that sends wrong credentials gets a session of its own.
        let own = |token: Option<&'static str>,
                   cookie: Option<&'static str>,
                   id: Option<&'static str>| async move {
            let o = login(c2, b).await;
            let token = token.map_or(Some(o.token.clone()), |t| {
                (!t.is_empty()).then(|| t.to_owned())
            });
            let cookie = cookie.map_or(Some(o.cookie.clone()), |k| {
                (!k.is_empty()).then(|| k.to_owned())
            });
            get(
                c2,
                b,
                id.unwrap_or(&o.id),
                token.as_deref(),
                cookie.as_deref(),
            )
            .await;
            logout(c2, b, &o).await;
        };
        // Two sessions: A's credentials under B's id.
        let pair = |token_of_a: bool, cookie_of_a: bool, end_a: bool| async move {
            let a = login(c2, b).await;
            let bb = login(c2, b).await;
            if end_a {
                logout(c2, b, &a).await;
            }
            let token = if token_of_a { &a.token } else { &bb.token };
            let cookie = if cookie_of_a { &a.cookie } else { &bb.cookie };
            get(c2, b, &bb.id, Some(token), Some(cookie)).await;
            logout(c2, b, &bb).await;
            if !end_a {
                logout(c2, b, &a).await;
            }
        };
        // The icons case: the catalogue again, then each icon with the cookie.
        let icons = async {
            let body = c2
                .get(format!("{b}/icws/{}/status/status-messages", s.id))
                .header(TOKEN, &s.token)
                .header("Cookie", &s.cookie)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let v: Value = serde_json::from_slice(&body).unwrap();
            let origin = b.split('/').take(3).collect::<Vec<_>>().join("/");
            for m in v["statusMessageList"].as_array().unwrap() {
                let uri = m["iconUri"].as_str().unwrap();
                let _ = c2
                    .get(format!("{origin}{uri}"))
                    .header("Accept", "image/*")
                    .header("Cookie", &s.cookie)
                    .send()
                    .await
                    .unwrap()
                    .bytes()
                    .await;
            }
        };
        tokio::join!(
            icons,
            features,
            get(c2, b, &s.id, Some(&s.token), Some(&s.cookie)),
            own(Some(""), None, None),
            own(Some("wrong"), None, None),
            own(None, Some(""), None),
            own(None, Some("icws_0=wrong"), None),
            own(None, None, Some("0000000000")),
            own(Some(""), Some(""), None),
            fresh,
            ended,
            pair(true, false, false),
            pair(false, true, false),
            pair(true, true, false),
            pair(true, true, true),
        );
        logout(&c, &base, &s).await;
    });
}
