//! ICWS sessions, as `icws-session.md` describes them: connect with a user
//! name and password (`POST /icws/connection`, `Accept-Language` sent, 201
//! expected), or take a session the user already has; disconnect with
//! `DELETE /icws/{id}/connection`. Every secret is registered with the
//! run's [`Redactor`] the moment it is known, and never reaches `Debug`.

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{CSRF_HEADER, Exchange, Request, Sent, alternate_hosts};
use super::target::Target;
use crate::secret::{REDACTED, Redactor, Secret};

/// User name and password.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The ICWS user id.
    pub user: String,
    /// The password (never shown).
    pub password: Secret,
}

/// An established session: its id, CSRF token, session cookie and every
/// other cookie the login set.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session id (digits on real servers; not a secret).
    pub id: String,
    /// The CSRF token.
    pub token: Secret,
    /// The session cookie pair, `icws_<id>=<value>`.
    pub cookie: Secret,
    /// Every cookie, sent back as a browser would.
    pub jar: Jar,
    /// The `features` list of the login's answer (asked for with
    /// `?include=features`), when it had one.
    pub features: Option<serde_json::Value>,
}

/// What a request does with the session cookie (`icws_<id>`); every other
/// cookie of the jar is sent as a browser would send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionCookie<'a> {
    /// Sent.
    Send,
    /// Left out.
    Omit,
    /// Sent with this value instead of its own.
    Replace(&'a str),
}

/// The cookies of a session. Set-Cookie headers are kept and matched as RFC
/// 6265 says (name, path, domain, expiry), except that a `Secure` cookie is
/// also sent over plain http: staging servers are often plain http behind a
/// TLS proxy, and a test tool sends the cookie anyway (`icws-session.md`).
#[derive(Clone, Default)]
pub struct Jar {
    store: cookie_store::CookieStore,
    /// Pairs the user gave: sent with every request.
    given: Vec<(String, String)>,
}

impl std::fmt::Debug for Jar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Jar({} cookie(s), values hidden)",
            self.store.iter_any().count() + self.given.len()
        )
    }
}

/// A URL as the jar sees it: https, so that `Secure` cookies match too.
fn jar_url(url: &str) -> Option<url::Url> {
    let mut u = url::Url::parse(url).ok()?;
    if u.scheme() == "http" {
        let _ = u.set_scheme("https");
        // The default port of http is not that of https.
        if u.port().is_none() {
            let _ = u.set_port(Some(80));
        }
    }
    Some(u)
}

impl Jar {
    /// Keeps the cookies of `Set-Cookie` values answered by `url`.
    fn store_from(&mut self, url: &str, set_cookies: &[String]) {
        let Some(u) = jar_url(url) else { return };
        for c in set_cookies {
            let _ = self.store.parse(c, &u);
        }
    }

    /// The (name, value) pairs a browser would send to `url`.
    fn pairs_for(&self, url: &str) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = match jar_url(url) {
            Some(u) => self
                .store
                .get_request_values(&u)
                .map(|(n, v)| (n.to_owned(), v.to_owned()))
                .collect(),
            None => Vec::new(),
        };
        out.extend(self.given.iter().cloned());
        out
    }
}

impl Session {
    /// A session the user already has. `cookie` may be the whole pair
    /// (`icws_123=…`), several pairs (`icws_123=…; BIGipServer…=…`), or only
    /// the session cookie's value.
    pub fn given(id: &str, token: &str, cookie: &str, redactor: &Redactor) -> Self {
        let text = if cookie.contains('=') {
            cookie.to_owned()
        } else {
            format!("icws_{id}={cookie}")
        };
        register_cookie(&text, redactor);
        redactor.add(token);
        let given: Vec<(String, String)> = text
            .split(';')
            .filter_map(|p| p.trim().split_once('='))
            .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let pairs: Vec<String> = given.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let session = session_cookie(&pairs, id).unwrap_or(text.clone());
        Self {
            id: id.to_owned(),
            token: Secret::new(token),
            cookie: Secret::new(session),
            jar: Jar {
                store: cookie_store::CookieStore::default(),
                given,
            },
            features: None,
        }
    }

    /// The name of the session cookie (`icws_<id>`), not secret.
    pub fn cookie_name(&self) -> &str {
        self.cookie.expose().split_once('=').map_or("", |(n, _)| n)
    }

    /// The `Cookie` header for a request to `url`: every cookie a browser
    /// would send there, with the session cookie first and as `session`
    /// says (it is sent even where its path would not match, so that a case
    /// can pair it with another session id). `None` when nothing is sent.
    pub fn cookie_header(&self, url: &str, session: SessionCookie<'_>) -> Option<Sent> {
        let name = self.cookie_name().to_owned();
        let value = self
            .cookie
            .expose()
            .split_once('=')
            .map_or("", |(_, v)| v)
            .to_owned();
        let mut pairs = self.jar.pairs_for(url);
        pairs.retain(|(n, _)| *n != name);
        let mut shown: Vec<String> = pairs.iter().map(|_| REDACTED.to_owned()).collect();
        match session {
            SessionCookie::Send => {
                pairs.insert(0, (name.clone(), value));
                shown.insert(0, REDACTED.to_owned());
            }
            SessionCookie::Omit => {}
            SessionCookie::Replace(v) => {
                pairs.insert(0, (name.clone(), v.to_owned()));
                shown.insert(0, format!("{name}={v}"));
            }
        }
        if pairs.is_empty() {
            return None;
        }
        let wire: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        shown.dedup_by(|a, b| a == REDACTED && b == REDACTED);
        Some(Sent::Masked {
            wire: Secret::new(wire.join("; ")),
            shown: shown.join("; "),
        })
    }
}

impl Session {
    /// The `Cookie` header value a browser sends with a request it makes on
    /// its own, such as an `<img>`'s: exactly the cookies the jar applies
    /// to `url` (name, path, domain, expiry; the session cookie too only
    /// where its path matches), and the pairs the user gave. `None` when
    /// none apply. The value is a secret: it is sent, never shown.
    pub fn browser_cookies(&self, url: &str) -> Option<Secret> {
        let pairs = self.jar.pairs_for(url);
        if pairs.is_empty() {
            return None;
        }
        let wire: Vec<String> = pairs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        Some(Secret::new(wire.join("; ")))
    }
}

/// The session cookie among `name=value` pairs: `icws_<id>` (any letter
/// case), else the first `icws_…`, else the first pair. Another cookie
/// that happens to start with `icws_` (a preference) is not taken for it.
fn session_cookie(pairs: &[String], id: &str) -> Option<String> {
    let exact = format!("icws_{id}=").to_ascii_lowercase();
    pairs
        .iter()
        .find(|c| c.to_ascii_lowercase().starts_with(&exact))
        .or_else(|| {
            pairs
                .iter()
                .find(|c| c.to_ascii_lowercase().starts_with("icws_"))
        })
        .or(pairs.first())
        .cloned()
}

/// Registers a cookie header value: each value in it (a given cookie may
/// hold several pairs), unquoted too, and each value's credential before a
/// `|` (`<GUID>|languageId=en-us` on real servers: a server may echo the
/// GUID alone). Names are not secrets: a pair is registered whole only
/// when its value is too short to be searched for alone. Registering each
/// value, not the whole text, keeps a login with many cookies cheap.
fn register_cookie(cookie: &str, redactor: &Redactor) {
    for pair in cookie.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((_, value)) = pair.split_once('=') else {
            redactor.add(pair);
            continue;
        };
        let value = value.trim();
        redactor.add(value);
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        redactor.add(unquoted);
        let (credential, _) = super::nearmiss::credential_part(unquoted);
        redactor.add(credential);
        if unquoted.chars().count() < crate::secret::MIN_SCRUBBED_CHARS {
            redactor.add(pair);
        }
    }
}

/// Why a session could not be opened or ended.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SessionError {
    /// No answer (refused, timeout, …).
    #[error("cannot reach {url}: {why}")]
    Unreachable {
        /// The connection URL.
        url: String,
        /// The transport error.
        why: String,
    },
    /// The server answered something other than 201.
    #[error("login refused: POST {url} answered {status}{detail}")]
    Refused {
        /// The connection URL.
        url: String,
        /// The status code.
        status: u16,
        /// `: <message>` from the error body, if any.
        detail: String,
    },
    /// `DELETE /icws/{id}/connection` answered something other than a 2xx.
    #[error("ending the session refused: DELETE {url} answered {status}")]
    EndRefused {
        /// The connection resource's URL.
        url: String,
        /// The status code.
        status: u16,
    },
    /// 201, but without a usable id, token or cookie.
    #[error("login answered 201 but {0}")]
    Incomplete(String),
    /// 429 or 503 with `Retry-After`, beyond what `--max-wait` allows.
    #[error("login refused for now: {0}")]
    Busy(String),
    /// 503 naming alternate hosts: this server of a switchover pair is not
    /// the primary.
    #[error(
        "login refused: POST {url} answered 503{detail}: this server is not taking connections \
         (the backup of a switchover pair?); it names {hosts} to connect to instead: point the \
         run at one with --base-url {example} (or ICWS_BASE_URL)"
    )]
    Switchover {
        /// The connection URL.
        url: String,
        /// `: <message>` from the error body, if any.
        detail: String,
        /// The alternate hosts, in words.
        hosts: String,
        /// The base URL with the first alternate host.
        example: String,
    },
}

/// `POST /icws/connection` with user name and password.
pub async fn connect(
    target: &Target,
    creds: &Credentials,
    accept_language: &str,
    redactor: &Redactor,
) -> Result<Session, SessionError> {
    let ex = send_login(target, creds, accept_language, redactor).await;
    session_from(target, &ex, redactor)
}

/// Sends the login (`POST /icws/connection?include=features`) and returns
/// the exchange as it came; every secret it sends is registered first.
pub async fn send_login(
    target: &Target,
    creds: &Credentials,
    accept_language: &str,
    redactor: &Redactor,
) -> Exchange {
    send_login_with(target, creds, accept_language, redactor, &[]).await
}

/// [`send_login`] with `extra` headers (a browser's `Origin`, say).
pub async fn send_login_with(
    target: &Target,
    creds: &Credentials,
    accept_language: &str,
    redactor: &Redactor,
    extra: &[(&str, String)],
) -> Exchange {
    redactor.add_basic(&creds.user, creds.password.expose());
    let body = json!({
        "__type": "urn:inin.com:connection:icAuthConnectionRequestSettings",
        "applicationName": "icws-conformance",
        "userID": creds.user,
        "password": creds.password.expose(),
    });
    // The feature list is documented at login too (`icws-session.md`).
    let mut req = Request::new(Method::POST, "/icws/connection?include=features")
        .header(
            "Content-Type",
            Sent::Plain("application/vnd.inin.icws+JSON; charset=utf-8".into()),
        )
        .header("Accept-Language", Sent::Plain(accept_language.to_owned()));
    for (name, value) in extra {
        req = req.header(name, Sent::Plain(value.clone()));
    }
    req.body = Some(body.to_string().into_bytes());
    let mut replay = body;
    replay["password"] = serde_json::Value::from(crate::run::client::PASSWORD_PLACEHOLDER);
    req.replay_body = Some(replay.to_string());
    if creds
        .password
        .expose()
        .chars()
        .any(|c| c == '"' || c == '\\' || c.is_control())
    {
        req.replay_note = Some(
            "the password goes into JSON as it is: write its \" and \\ as \\\" and \\\\ in \
             ICWS_PASSWORD"
                .into(),
        );
    }
    target.send(req).await
}

/// The session a login's answer opened; its token and cookies are
/// registered as secrets before anything else reads them.
pub fn session_from(
    target: &Target,
    ex: &Exchange,
    redactor: &Redactor,
) -> Result<Session, SessionError> {
    let url = target.url("/icws/connection?include=features");
    let resp = ex
        .outcome
        .as_ref()
        .map_err(|why| SessionError::Unreachable {
            url: url.clone(),
            why: why.clone(),
        })?;
    if let Some(why) = &ex.busy {
        return Err(SessionError::Busy(why.clone()));
    }
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    if resp.status != 201 {
        let detail = parsed
            .as_ref()
            .and_then(|b| b.get("message"))
            .and_then(Value::as_str)
            .map(|m| format!(": {}", m.chars().take(200).collect::<String>()))
            .unwrap_or_default();
        let hosts = alternate_hosts(&resp.body);
        if resp.status == 503 && !hosts.is_empty() {
            return Err(switchover(target, url, detail, &hosts));
        }
        return Err(SessionError::Refused {
            url,
            status: resp.status,
            detail,
        });
    }
    let from_body = |key: &str| {
        parsed
            .as_ref()
            .and_then(|b| b.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let from_header = |key: &str| resp.header_values(key).into_iter().next();
    let token = from_body("csrfToken")
        .or_else(|| from_header(CSRF_HEADER))
        .ok_or_else(|| SessionError::Incomplete("without a csrfToken".into()))?;
    redactor.add(&token);
    let id = from_body("sessionId")
        .or_else(|| from_header("ININ-ICWS-Session-ID"))
        .ok_or_else(|| SessionError::Incomplete("without a sessionId".into()))?;
    let set_cookies = resp.header_values("set-cookie");
    let cookies: Vec<String> = set_cookies
        .iter()
        .filter_map(|c| c.split(';').next().map(|p| p.trim().to_owned()))
        .filter(|p| p.contains('='))
        .collect();
    for c in &cookies {
        register_cookie(c, redactor);
    }
    let cookie = session_cookie(&cookies, &id)
        .ok_or_else(|| SessionError::Incomplete("without a Set-Cookie session cookie".into()))?;
    if let Some(why) = unsendable_id(&id) {
        return Err(SessionError::Incomplete(why));
    }
    // What cannot go into a header cannot be sent back: say so now.
    for (what, value) in [
        ("csrfToken", token.as_str()),
        ("session cookie", cookie.as_str()),
    ] {
        if reqwest::header::HeaderValue::from_str(value).is_err() {
            return Err(SessionError::Incomplete(format!(
                "its {what} cannot be sent as a header value (control characters)"
            )));
        }
    }
    let mut jar = Jar::default();
    jar.store_from(&url, &set_cookies);
    Ok(Session {
        id,
        token: Secret::new(token),
        cookie: Secret::new(cookie),
        jar,
        features: parsed.as_ref().and_then(|b| b.get("features")).cloned(),
    })
}

/// The error for a 503 login naming alternate hosts: the hosts (at most
/// five shown, each cut to a host name's length) and the base URL with the
/// first of them.
fn switchover(target: &Target, url: String, detail: String, hosts: &[String]) -> SessionError {
    let shown: Vec<String> = hosts
        .iter()
        .take(5)
        .map(|h| format!("{:?}", h.chars().take(253).collect::<String>()))
        .collect();
    let more = hosts.len().saturating_sub(shown.len());
    let hosts_text = format!(
        "alternate host{} {}{}",
        if hosts.len() == 1 { "" } else { "s" },
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    );
    let example = hosts
        .first()
        .and_then(|h| with_host(target.base_url(), h))
        .unwrap_or_else(|| "https://HOST:8019".to_owned());
    SessionError::Switchover {
        url,
        detail,
        hosts: hosts_text,
        example,
    }
}

/// `base` with its host replaced by `host` (which may carry a port), when
/// `host` is a plain host name or address.
fn with_host(base: &str, host: &str) -> Option<String> {
    let mut u = url::Url::parse(base).ok()?;
    let probe = url::Url::parse(&format!("{}://{}", u.scheme(), host.trim())).ok()?;
    if probe.path() != "/" || probe.query().is_some() || !probe.username().is_empty() {
        return None;
    }
    u.set_host(probe.host_str()).ok()?;
    if probe.port().is_some() {
        u.set_port(probe.port()).ok()?;
    }
    Some(u.as_str().trim_end_matches('/').to_owned())
}

/// Why a session id cannot be put in a path, if it cannot: `.` and `..`
/// are dot segments, which every URL resolves (also as `%2E%2E`), so the
/// path on the wire would not be the path reported.
pub fn unsendable_id(id: &str) -> Option<String> {
    matches!(id, "." | "..").then(|| {
        format!("the session id {id:?} is a dot segment: a URL resolves it away, so no request could carry it")
    })
}

/// The path of a session's connection resource.
pub fn connection_path(id: &str) -> String {
    format!("/icws/{}/connection", encode_segment(id))
}

/// `DELETE /icws/{id}/connection`; Ok on any 2xx.
pub async fn disconnect(target: &Target, session: &Session) -> Result<(), SessionError> {
    let url = target.url(&connection_path(&session.id));
    let mut req = Request::new(Method::DELETE, connection_path(&session.id))
        .header(CSRF_HEADER, Sent::Secret(session.token.clone()));
    if let Some(cookie) = session.cookie_header(&url, SessionCookie::Send) {
        req = req.header("Cookie", cookie);
    }
    let ex = target.send(req).await;
    let resp = ex.outcome.map_err(|why| SessionError::Unreachable {
        url: url.clone(),
        why,
    })?;
    if (200..300).contains(&resp.status) {
        Ok(())
    } else {
        Err(SessionError::EndRefused {
            url,
            status: resp.status,
        })
    }
}

/// Percent-encodes a path segment (session ids are digits on real servers,
/// but a given id is user input and a login's id is the server's). A `.` or
/// `..` segment cannot be sent as such: URLs resolve it away, even
/// percent-encoded ([`unsendable_id`] refuses it first).
pub fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_way_out_of_a_switchover_keeps_the_scheme_port_and_path() {
        assert_eq!(
            with_host("https://cic1.example:8019/api/cic1", "cic2.example").as_deref(),
            Some("https://cic2.example:8019/api/cic1")
        );
        assert_eq!(
            with_host("https://cic1.example:8019", "cic2.example:8443").as_deref(),
            Some("https://cic2.example:8443")
        );
        for bad in ["cic2/evil", "user@cic2", "cic2?x=1", ""] {
            assert_eq!(with_host("https://cic1.example", bad), None, "{bad}");
        }
    }
}
