//! Loading the links of a catalogue the way a browser does, for a case with
//! `request.links` (POL-ICON-1): [`plan`] reads the distinct `iconUri`s of
//! a 200 catalogue, each resolved against the catalogue's URL (RFC 3986 §5,
//! `url::Url::join`), with the JSON pointer of the first message that uses
//! it and how many do; [`fetch`] makes for each the request an `<img>`
//! makes — `GET`, `Accept: image/*…`, on the target's origin the cookies
//! the session's jar applies to that URL and never the CSRF token,
//! elsewhere no credentials at all — following redirects (at most
//! [`MAX_REDIRECTS`], credentials decided again for each hop), reading at
//! most [`HEAD_BYTES`] of each body, [`LinkSettings::concurrency`] at once,
//! the first [`LinkSettings::max_links`] links only. Each link is loaded
//! once, whatever the number of messages that name it.
//!
//! Running never judges: what came back ([`Fetched`]) goes to the check
//! stage (`check::links`), which makes the findings. A link no browser
//! would load (another scheme, user info in it) is not sent, and says why
//! ([`NotSent`]).

use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::Value;
use url::Url;

use super::client::{closed_before_answer, describe_transport};
use super::session::Session;
use super::target::Target;
use crate::finding::pointer_token;

/// What a browser sends as `Accept` for an `<img>` (Chromium's).
pub const ACCEPT_IMAGE: &str = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
/// The most redirects followed for one link (browsers follow 20; an icon
/// needs one or two).
pub const MAX_REDIRECTS: usize = 5;
/// The most body bytes read of one link: enough to tell what the bytes are
/// (an image's signature, or the markup before an `<svg>`); the rest is
/// not read.
pub const HEAD_BYTES: usize = 1024;
/// The default of `--link-concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The default of `--max-links`: a catalogue of several thousand statuses,
/// each with an icon of its own, is checked whole.
pub const DEFAULT_MAX_LINKS: usize = 10_000;

/// How links are loaded in this run (`--no-links`, `--link-concurrency`,
/// `--max-links`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkSettings {
    /// False with `--no-links`: link cases are ignored, saying so.
    pub enabled: bool,
    /// Links loaded at once.
    pub concurrency: usize,
    /// The most distinct links loaded in one case.
    pub max_links: usize,
}

impl Default for LinkSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            concurrency: DEFAULT_CONCURRENCY,
            max_links: DEFAULT_MAX_LINKS,
        }
    }
}

/// One distinct link of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link resolved against the catalogue's URL.
    pub url: Url,
    /// The JSON pointer of the first message's `iconUri` that names it.
    pub pointer: String,
    /// How many messages name it (their `iconUri`s resolve to this URL).
    pub uses: usize,
}

/// The distinct links of a catalogue, in the order of their first use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkPlan {
    /// Every distinct link.
    pub links: Vec<Link>,
    /// Messages in `statusMessageList`.
    pub messages: usize,
    /// `iconUri`s that are strings but no URI reference (not resolvable):
    /// the pointer of each, at most [`SHOWN_UNRESOLVED`] of them, and how
    /// many there were in all.
    pub unresolved: (Vec<String>, usize),
    /// Messages without a string `iconUri` (the catalogue case reports them).
    pub without_icon: usize,
}

/// The most unresolvable `iconUri`s a plan names one by one.
pub const SHOWN_UNRESOLVED: usize = 5;

/// The distinct `iconUri`s of a catalogue body, resolved against `base`
/// (the catalogue's URL). `Err` when the body is not a JSON object with a
/// `statusMessageList` array (the catalogue case reports that).
pub fn plan(body: &[u8], base: &Url) -> Result<LinkPlan, String> {
    let icons: Icons = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() {
            "the body has no statusMessageList array".to_owned()
        } else {
            format!("the body is not JSON: {e}")
        }
    })?;
    let list = icons.0;
    let mut out = LinkPlan {
        messages: list.len(),
        ..LinkPlan::default()
    };
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (i, uri) in list.iter().enumerate() {
        let Some(uri) = uri else {
            out.without_icon += 1;
            continue;
        };
        let pointer = format!("/statusMessageList/{i}/{}", pointer_token("iconUri"));
        let Ok(url) = base.join(uri) else {
            if out.unresolved.0.len() < SHOWN_UNRESOLVED {
                out.unresolved.0.push(pointer);
            }
            out.unresolved.1 += 1;
            continue;
        };
        match seen.get(url.as_str()) {
            Some(&at) => out.links[at].uses += 1,
            None => {
                seen.insert(url.as_str().to_owned(), out.links.len());
                out.links.push(Link {
                    url,
                    pointer,
                    uses: 1,
                });
            }
        }
    }
    Ok(out)
}

/// A catalogue as [`plan`] reads it: each element's `iconUri` when it is a
/// string (the last, when a message names it twice, as JSON parsers take
/// it), and nothing else kept — a catalogue of thousands of messages is
/// parsed without building them.
struct Icons(Vec<Option<String>>);

impl<'de> serde::Deserialize<'de> for Icons {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, IgnoredAny, MapAccess, Visitor};
        struct Body;
        impl<'de> Visitor<'de> for Body {
            type Value = Icons;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object with a statusMessageList array")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Icons, A::Error> {
                let mut list = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "statusMessageList" {
                        list = Some(map.next_value::<Vec<Element>>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                list.map(|l| Icons(l.into_iter().map(|e| e.0).collect()))
                    .ok_or_else(|| A::Error::missing_field("statusMessageList"))
            }
        }
        d.deserialize_map(Body)
    }
}

/// One element of the list: its `iconUri` if it is an object with a
/// string one.
struct Element(Option<String>);

impl<'de> serde::Deserialize<'de> for Element {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct E;
        impl<'de> Visitor<'de> for E {
            type Value = Element;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Element, A::Error> {
                let mut icon = None;
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    if key == "iconUri" {
                        icon = map.next_value::<Value>()?.as_str().map(str::to_owned);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Element(icon))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Element, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Element(None))
            }
            fn visit_bool<Er>(self, _: bool) -> Result<Element, Er> {
                Ok(Element(None))
            }
            fn visit_i64<Er>(self, _: i64) -> Result<Element, Er> {
                Ok(Element(None))
            }
            fn visit_u64<Er>(self, _: u64) -> Result<Element, Er> {
                Ok(Element(None))
            }
            fn visit_f64<Er>(self, _: f64) -> Result<Element, Er> {
                Ok(Element(None))
            }
            fn visit_str<Er>(self, _: &str) -> Result<Element, Er> {
                Ok(Element(None))
            }
            fn visit_unit<Er>(self) -> Result<Element, Er> {
                Ok(Element(None))
            }
        }
        d.deserialize_any(E)
    }
}

/// One request of a link: a hop of its redirect chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// Where it went.
    pub url: Url,
    /// On the target's origin (scheme, host and port).
    pub same_origin: bool,
    /// Cookies were sent with it.
    pub cookies: bool,
    /// The answer's status, when one came.
    pub status: Option<u16>,
    /// Its `Location`, when it was a redirect.
    pub location: Option<String>,
}

/// A link's final answer: what a browser would decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Got {
    /// The status.
    pub status: u16,
    /// `Content-Type`, as sent.
    pub media_type: Option<String>,
    /// The first [`HEAD_BYTES`] of the body (after content decoding).
    pub head: Vec<u8>,
    /// True when the body went on after `head` (not read).
    pub cut: bool,
}

/// Why a link was not sent, or not sent further.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// Not http or https (`data:` included); the scheme.
    Scheme(String),
    /// A user name or password in the URL: browsers refuse such a
    /// subresource request.
    UserInfo,
    /// A redirect without a `Location` that resolves; what it said.
    BadLocation(String),
    /// More than [`MAX_REDIRECTS`] redirects.
    TooManyRedirects,
}

/// What loading one link came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkOutcome {
    /// An answer that is not a redirect.
    Got(Got),
    /// No complete answer (refused, reset, timeout, TLS): why, in words.
    Transport(String),
    /// Not sent (further), and why.
    NotSent(NotSent),
}

/// One link, loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The link.
    pub link: Link,
    /// Every request made for it, in order (none when it was not sent).
    pub hops: Vec<Hop>,
    /// What it came to.
    pub outcome: LinkOutcome,
    /// The last request (or the link, when none was sent) was on the
    /// target's origin.
    pub same_origin: bool,
    /// Wall time of all its hops.
    pub elapsed: Duration,
}

/// What loading a catalogue's links came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkRun {
    /// The catalogue's links.
    pub plan: LinkPlan,
    /// The first `max_links` of them, loaded, in plan order.
    pub fetched: Vec<Fetched>,
    /// `--max-links` of the run.
    pub max_links: usize,
    /// Wall time of the loading.
    pub elapsed: Duration,
}

/// Loads the first [`LinkSettings::max_links`] links of `plan` as a
/// browser's `<img>` does, [`LinkSettings::concurrency`] at once.
/// `session`: whose cookies go with requests on the target's origin.
pub async fn fetch(
    target: &Target,
    session: Option<&Session>,
    plan: LinkPlan,
    settings: &LinkSettings,
) -> LinkRun {
    let started = Instant::now();
    let origin = Url::parse(target.base_url()).map(|u| u.origin()).ok();
    let take = plan.links.len().min(settings.max_links);
    let fetched: Vec<Fetched> = stream::iter(plan.links[..take].iter().cloned())
        .map(|link| load(target, session, origin.as_ref(), link))
        .buffered(settings.concurrency.max(1))
        .collect()
        .await;
    LinkRun {
        plan,
        fetched,
        max_links: settings.max_links,
        elapsed: started.elapsed(),
    }
}

/// One link, hop by hop.
async fn load(
    target: &Target,
    session: Option<&Session>,
    origin: Option<&url::Origin>,
    link: Link,
) -> Fetched {
    let started = Instant::now();
    let on_target = |u: &Url| origin.is_some_and(|o| *o == u.origin());
    let mut hops: Vec<Hop> = Vec::new();
    let mut url = link.url.clone();
    let outcome = loop {
        if let Some(why) = unsendable(&url) {
            break LinkOutcome::NotSent(why);
        }
        if hops.len() > MAX_REDIRECTS {
            break LinkOutcome::NotSent(NotSent::TooManyRedirects);
        }
        let same_origin = on_target(&url);
        let cookies = if same_origin {
            session.and_then(|s| s.browser_cookies(url.as_str()))
        } else {
            None
        };
        let mut hop = Hop {
            url: url.clone(),
            same_origin,
            cookies: cookies.is_some(),
            status: None,
            location: None,
        };
        let headers = browser_headers(same_origin, cookies.as_ref().map(|c| c.expose()));
        let answer = send(target, &url, headers).await;
        let (status, location, got) = match answer {
            Err(why) => {
                hops.push(hop);
                break LinkOutcome::Transport(why);
            }
            Ok(a) => a,
        };
        hop.status = Some(status);
        hop.location.clone_from(&location);
        hops.push(hop);
        if !matches!(status, 301 | 302 | 303 | 307 | 308) {
            break LinkOutcome::Got(got);
        }
        let Some(to) = location.as_deref().and_then(|l| url.join(l).ok()) else {
            break LinkOutcome::NotSent(NotSent::BadLocation(
                location.unwrap_or_else(|| "(no Location header)".into()),
            ));
        };
        url = to;
    };
    let same_origin = hops.last().map_or(on_target(&link.url), |h| h.same_origin);
    Fetched {
        link,
        hops,
        outcome,
        same_origin,
        elapsed: started.elapsed(),
    }
}

/// Why a browser would not send a request for `url` as an image, if it
/// would not.
fn unsendable(url: &Url) -> Option<NotSent> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some(NotSent::Scheme(url.scheme().to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some(NotSent::UserInfo);
    }
    None
}

/// The headers of an `<img>`'s request (the `Cookie` value is the jar's,
/// sensitive).
fn browser_headers(same_origin: bool, cookie: Option<&str>) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("accept", HeaderValue::from_static(ACCEPT_IMAGE));
    h.insert("sec-fetch-dest", HeaderValue::from_static("image"));
    h.insert("sec-fetch-mode", HeaderValue::from_static("no-cors"));
    h.insert(
        "sec-fetch-site",
        HeaderValue::from_static(if same_origin {
            "same-origin"
        } else {
            "cross-site"
        }),
    );
    if let Some(Ok(mut v)) = cookie.map(HeaderValue::from_str) {
        v.set_sensitive(true);
        h.insert("cookie", v);
    }
    h
}

/// One `GET`, its status, `Location` and the beginning of its body. A
/// pooled connection the server closed while idle is tried once more on a
/// new one (as for every request of the run).
async fn send(
    target: &Target,
    url: &Url,
    headers: HeaderMap,
) -> Result<(u16, Option<String>, Got), String> {
    let mut fresh = false;
    loop {
        target.traffic.count_request(false);
        let client = if fresh {
            &target.fresh_client
        } else {
            &target.client
        };
        let sent = client
            .get(url.as_str())
            .headers(headers.clone())
            .send()
            .await;
        let resp = match sent {
            Ok(r) => r,
            Err(e) if !fresh && closed_before_answer(&e) => {
                fresh = true;
                continue;
            }
            Err(e) => return Err(describe_transport(&e, target.timeout)),
        };
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let location = header("location");
        let media_type = header("content-type");
        let (head, cut) = read_head(resp)
            .await
            .map_err(|e| format!("status {status}, then the body failed: {e}"))?;
        return Ok((
            status,
            location,
            Got {
                status,
                media_type,
                head,
                cut,
            },
        ));
    }
}

/// The first [`HEAD_BYTES`] of a body; true when more followed (the rest
/// is not read: the connection is dropped).
async fn read_head(mut resp: reqwest::Response) -> Result<(Vec<u8>, bool), String> {
    let mut head = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| crate::text::error_chain(&e))?
    {
        let room = HEAD_BYTES - head.len();
        if chunk.len() > room {
            head.extend_from_slice(&chunk[..room]);
            return Ok((head, true));
        }
        head.extend_from_slice(&chunk);
        if head.len() == HEAD_BYTES {
            // Whether more follows is not worth another read.
            return Ok((head, true));
        }
    }
    Ok((head, false))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn base() -> Url {
        Url::parse("https://cic.example:8019/gw/icws/123/status/status-messages").unwrap()
    }

    #[test]
    fn links_are_resolved_as_rfc_3986_says_and_counted_once() {
        let body = serde_json::json!({"statusMessageList": [
            {"iconUri": "/icws/123/status/status-message-icons/Available"},
            {"iconUri": "status-message-icons/Away"},
            {"iconUri": "../../123/status/status-message-icons/Available"},
            {"iconUri": "https://cdn.example/a.png"},
            {"iconUri": 17},
            {"statusId": "no icon"},
            {"iconUri": "http://[icons]/x.png"},
            {"iconUri": "//cic.example:8019/icws/123/status/status-message-icons/Away"},
        ]});
        let plan = plan(body.to_string().as_bytes(), &base()).unwrap();
        let urls: Vec<(&str, &str, usize)> = plan
            .links
            .iter()
            .map(|l| (l.url.as_str(), l.pointer.as_str(), l.uses))
            .collect();
        assert_eq!(
            urls,
            [
                (
                    "https://cic.example:8019/icws/123/status/status-message-icons/Available",
                    "/statusMessageList/0/iconUri",
                    1
                ),
                (
                    "https://cic.example:8019/gw/icws/123/status/status-message-icons/Away",
                    "/statusMessageList/1/iconUri",
                    1
                ),
                (
                    "https://cic.example:8019/gw/icws/123/status/status-message-icons/Available",
                    "/statusMessageList/2/iconUri",
                    1
                ),
                (
                    "https://cdn.example/a.png",
                    "/statusMessageList/3/iconUri",
                    1
                ),
                (
                    "https://cic.example:8019/icws/123/status/status-message-icons/Away",
                    "/statusMessageList/7/iconUri",
                    1
                ),
            ]
        );
        assert_eq!(plan.messages, 8);
        assert_eq!(plan.without_icon, 2);
        assert_eq!(
            plan.unresolved,
            (vec!["/statusMessageList/6/iconUri".into()], 1)
        );
        let twice = serde_json::json!({"statusMessageList": [
            {"iconUri": "/i/a.png"}, {"iconUri": "https://cic.example:8019/i/a.png"},
        ]});
        let plan = super::plan(twice.to_string().as_bytes(), &base()).unwrap();
        assert_eq!(plan.links.len(), 1);
        assert_eq!(plan.links[0].uses, 2);
    }

    #[test]
    fn elements_of_any_shape_are_counted_and_the_last_icon_uri_counts() {
        let body = br#"{"x":{"statusMessageList":1},"statusMessageList":[
            "Away", 7, null, true, [1, {"iconUri": "/a"}], {"iconUri": null},
            {"iconUri": "/first", "iconUri": "/last", "more": {"iconUri": "/nested"}}
        ],"after":[1,2]}"#;
        let plan = plan(body, &base()).unwrap();
        assert_eq!(plan.messages, 7);
        assert_eq!(plan.without_icon, 6);
        let urls: Vec<&str> = plan.links.iter().map(|l| l.url.path()).collect();
        assert_eq!(urls, ["/last"]);
        assert_eq!(plan.links[0].pointer, "/statusMessageList/6/iconUri");
    }

    #[test]
    fn a_body_without_a_list_is_no_plan() {
        for body in [
            &b"not json"[..],
            b"[]",
            br#"{"statusMessages":[]}"#,
            br#"{"statusMessageList":{}}"#,
            br#"{"statusMessageList":[{"iconUri":"/a"}]"#,
        ] {
            assert!(
                plan(body, &base()).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn links_no_browser_loads_are_not_sent() {
        let url = |u: &str| Url::parse(u).unwrap();
        assert_eq!(
            unsendable(&url("ftp://cdn.example/a.png")),
            Some(NotSent::Scheme("ftp".into()))
        );
        assert_eq!(
            unsendable(&url("data:image/png;base64,iVBORw0KGgo=")),
            Some(NotSent::Scheme("data".into()))
        );
        assert_eq!(
            unsendable(&url("https://u:p@cdn.example/a.png")),
            Some(NotSent::UserInfo)
        );
        assert_eq!(unsendable(&url("https://cdn.example/a.png")), None);
    }

    #[test]
    fn an_img_sends_cookies_only_and_never_the_token() {
        let h = browser_headers(true, Some("icws_1=abc"));
        assert_eq!(h["accept"], ACCEPT_IMAGE);
        assert!(h["cookie"].is_sensitive());
        assert!(h.get(super::super::client::CSRF_HEADER).is_none());
        let cross = browser_headers(false, None);
        assert!(cross.get("cookie").is_none());
        assert_eq!(cross["sec-fetch-site"], "cross-site");
    }
}
