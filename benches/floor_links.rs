//! The floor for the link benchmark (`benches/links.sh`): the requests the
//! icons case makes — a login, the catalogue, each distinct iconUri once
//! (resolved against the catalogue's URL, `Accept: image/*…`, the session
//! cookie, the first 1 KiB of each body, 8 at once), a logout — with a bare
//! reqwest client, no checking and no reports, against the server at
//! `ICWS_BASE_URL` as `ICWS_USER` / `ICWS_PASSWORD`. Prints the number of
//! links it loaded.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashSet;

use futures_util::stream::{self, StreamExt};
use reqwest::Client;
use serde_json::{Value, json};

const TOKEN: &str = "ININ-ICWS-CSRF-Token";
const ACCEPT: &str = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";

fn main() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let base = std::env::var("ICWS_BASE_URL").unwrap();
    let user = std::env::var("ICWS_USER").unwrap();
    let password = std::env::var("ICWS_PASSWORD").unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let loaded = rt.block_on(async {
        let c = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let r = c
            .post(format!("{base}/icws/connection"))
            .header("Accept-Language", "en-US")
            .header("Content-Type", "application/json")
            .body(json!({"userID": user, "password": password}).to_string())
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
        let (id, token) = (
            v["sessionId"].as_str().unwrap().to_owned(),
            v["csrfToken"].as_str().unwrap().to_owned(),
        );
        let catalogue =
            url::Url::parse(&format!("{base}/icws/{id}/status/status-messages")).unwrap();
        let body = c
            .get(catalogue.as_str())
            .header(TOKEN, &token)
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&body).unwrap();
        let mut seen = HashSet::new();
        let links: Vec<url::Url> = v["statusMessageList"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["iconUri"].as_str())
            .filter_map(|u| catalogue.join(u).ok())
            .filter(|u| seen.insert(u.as_str().to_owned()))
            .collect();
        let (c2, cookie2) = (&c, &cookie);
        let loaded = stream::iter(links)
            .map(|u| async move {
                let mut r = c2
                    .get(u.as_str())
                    .header("Accept", ACCEPT)
                    .header("Cookie", cookie2)
                    .send()
                    .await
                    .unwrap();
                let mut head = 0;
                while let Some(chunk) = r.chunk().await.unwrap() {
                    head += chunk.len();
                    if head >= 1024 {
                        break;
                    }
                }
                r.status().is_success()
            })
            .buffered(8)
            .filter(|ok| std::future::ready(*ok))
            .count()
            .await;
        let _ = c
            .delete(format!("{base}/icws/{id}/connection"))
            .header(TOKEN, &token)
            .header("Cookie", &cookie)
            .send()
            .await
            .unwrap();
        loaded
    });
    println!("{loaded} links loaded");
}
