//! The status icons the catalogue names, over a socket: every iconUri of
//! the catalogue is an image the server serves — to the session's cookie,
//! without the token, never to a request without the cookie or with
//! another session's — under each icon profile too: SVG, absolute URIs,
//! behind a redirect, under a gateway's path prefix.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{client, login, runtime, start};
use icws_refserver::{Config, Profile, icons};
use reqwest::StatusCode;
use serde_json::Value;

/// The catalogue's iconUris, for session `s`.
async fn icon_uris(c: &reqwest::Client, base: &str, s: &common::Login) -> Vec<String> {
    let bytes = c
        .get(format!("{base}/icws/{}/status/status-messages", s.id))
        .header(icws_refserver::CSRF_HEADER, &s.token)
        .header("Cookie", &s.cookie)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    body["statusMessageList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["iconUri"].as_str().unwrap().to_owned())
        .collect()
}

/// `uri` resolved against the server's origin (as the catalogue's request
/// URL would resolve it).
fn resolve(base: &str, uri: &str) -> String {
    let origin = base.split('/').take(3).collect::<Vec<_>>().join("/");
    if uri.starts_with("http") {
        uri.to_owned()
    } else {
        format!("{origin}{uri}")
    }
}

async fn get(
    c: &reqwest::Client,
    url: &str,
    cookie: Option<&str>,
) -> (StatusCode, Option<String>, Vec<u8>, Option<String>) {
    let mut req = c.get(url).header("Accept", "image/*");
    if let Some(k) = cookie {
        req = req.header("Cookie", k);
    }
    let resp = req.send().await.unwrap();
    let h = |n: &str| {
        resp.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (media, location) = (h("content-type"), h("location"));
    (
        resp.status(),
        media,
        resp.bytes().await.unwrap().to_vec(),
        location,
    )
}

#[test]
fn every_icon_of_the_catalogue_is_an_image_for_the_session_cookie_alone() {
    let rt = runtime();
    let server = start(&rt, Config::default());
    let base = server.base_url();
    let c = client();
    rt.block_on(async {
        let s = login(&c, &base).await.unwrap();
        let other = login(&c, &base).await.unwrap();
        let uris = icon_uris(&c, &base, &s).await;
        assert_eq!(uris.len(), 21);
        let distinct: BTreeSet<&String> = uris.iter().collect();
        assert_eq!(distinct.len(), 21, "one icon per status");
        for uri in &uris {
            assert!(uri.starts_with(&format!("/icws/{}/status/status-message-icons/", s.id)));
            let url = resolve(&base, uri);
            // The cookie, no token: the image.
            let (status, media, body, _) = get(&c, &url, Some(&s.cookie)).await;
            assert_eq!(status, StatusCode::OK, "{uri}");
            assert_eq!(media.as_deref(), Some("image/png"));
            assert_eq!(body, icons::PNG);
            // No cookie, or another session's: refused.
            assert_eq!(get(&c, &url, None).await.0, StatusCode::UNAUTHORIZED);
            assert_eq!(
                get(&c, &url, Some(&other.cookie)).await.0,
                StatusCode::UNAUTHORIZED
            );
        }
    });
}

#[test]
fn the_icon_profiles_serve_svg_absolute_uris_redirects_and_a_prefix() {
    let rt = runtime();
    let server = start(
        &rt,
        Config {
            profiles: BTreeSet::from([
                Profile::SvgIcons,
                Profile::AbsoluteIconUris,
                Profile::RedirectedIcons,
                Profile::PathPrefix,
            ]),
            ..Config::default()
        },
    );
    let base = server.base_url();
    let c = client();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    rt.block_on(async {
        let s = login(&c, &base).await.unwrap();
        let uris = icon_uris(&c, &base, &s).await;
        for uri in &uris {
            // Absolute, on the origin the catalogue was asked at, with the prefix.
            assert!(
                uri.starts_with(&format!(
                    "{base}/icws/{}/status/status-message-icons/",
                    s.id
                )),
                "{uri} under {base}"
            );
            // A redirect to the image, a relative reference.
            let (status, _, _, location) = get(&no_redirects, uri, Some(&s.cookie)).await;
            assert_eq!(status, StatusCode::FOUND, "{uri}");
            let location = location.unwrap();
            assert!(
                location.ends_with(".svg") && !location.contains('/'),
                "{location}"
            );
            let last = uri.rsplit('/').next().unwrap();
            let image = format!("{}{location}", uri.strip_suffix(last).unwrap());
            let (status, media, body, _) = get(&c, &image, Some(&s.cookie)).await;
            assert_eq!(status, StatusCode::OK, "{image}");
            assert_eq!(media.as_deref(), Some("image/svg+xml"));
            assert_eq!(body, icons::SVG.as_bytes());
            // Both hops need the cookie.
            assert_eq!(get(&c, &image, None).await.0, StatusCode::UNAUTHORIZED);
        }
    });
}
