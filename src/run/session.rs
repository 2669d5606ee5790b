//! ICWS sessions, as `icws-session.md` describes them: connect with a user
//! name and password (`POST /icws/connection`, `Accept-Language` sent, 201
//! expected), or take a session the user already has; disconnect with
//! `DELETE /icws/{id}/connection`. Every secret is registered with the
//! run's [`Redactor`] the moment it is known, and never reaches `Debug`.

use reqwest::Method;
use serde_json::{Value, json};

use super::client::{CSRF_HEADER, Request, Sent};
use super::target::Target;
use crate::secret::{Redactor, Secret};

/// User name and password.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The ICWS user id.
    pub user: String,
    /// The password (never shown).
    pub password: Secret,
}

/// An established session: its id, CSRF token and cookie (`name=value`).
#[derive(Debug, Clone)]
pub struct Session {
    /// The session id (digits on real servers; not a secret).
    pub id: String,
    /// The CSRF token.
    pub token: Secret,
    /// The cookie pair to send, `icws_<id>=<value>`.
    pub cookie: Secret,
}

impl Session {
    /// A session the user already has. `cookie` may be the whole pair
    /// (`icws_123=…`) or only its value.
    pub fn given(id: &str, token: &str, cookie: &str, redactor: &Redactor) -> Self {
        let pair = if cookie.contains('=') {
            cookie.to_owned()
        } else {
            format!("icws_{id}={cookie}")
        };
        register_cookie(&pair, redactor);
        redactor.add(token);
        Self {
            id: id.to_owned(),
            token: Secret::new(token),
            cookie: Secret::new(pair),
        }
    }

    /// The name of the cookie (`icws_<id>`), not secret.
    pub fn cookie_name(&self) -> &str {
        self.cookie.expose().split_once('=').map_or("", |(n, _)| n)
    }
}

/// Registers a cookie header value: the whole text, and each `name=value`
/// pair and value in it (a given cookie may hold several pairs).
fn register_cookie(cookie: &str, redactor: &Redactor) {
    redactor.add(cookie.trim());
    for pair in cookie.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        redactor.add(pair);
        if let Some((_, value)) = pair.split_once('=') {
            redactor.add(value.trim());
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
}

/// `POST /icws/connection` with user name and password.
pub async fn connect(
    target: &Target,
    creds: &Credentials,
    accept_language: &str,
    redactor: &Redactor,
) -> Result<Session, SessionError> {
    redactor.add_basic(&creds.user, creds.password.expose());
    let body = json!({
        "__type": "urn:inin.com:connection:icAuthConnectionRequestSettings",
        "applicationName": "icws-conformance",
        "userID": creds.user,
        "password": creds.password.expose(),
    });
    let mut req = Request::new(Method::POST, "/icws/connection")
        .header(
            "Content-Type",
            Sent::Plain("application/vnd.inin.icws+JSON; charset=utf-8".into()),
        )
        .header("Accept-Language", Sent::Plain(accept_language.to_owned()));
    req.body = Some(body.to_string().into_bytes());
    let url = target.url("/icws/connection");
    let ex = target.send(req).await;
    let resp = ex.outcome.map_err(|why| SessionError::Unreachable {
        url: url.clone(),
        why,
    })?;
    let parsed: Option<Value> = serde_json::from_slice(&resp.body).ok();
    if resp.status != 201 {
        let detail = parsed
            .as_ref()
            .and_then(|b| b.get("message"))
            .and_then(Value::as_str)
            .map(|m| format!(": {m}"))
            .unwrap_or_default();
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
    let cookies: Vec<String> = resp
        .header_values("set-cookie")
        .iter()
        .filter_map(|c| c.split(';').next().map(|p| p.trim().to_owned()))
        .filter(|p| p.contains('='))
        .collect();
    for c in &cookies {
        register_cookie(c, redactor);
    }
    let cookie = cookies
        .iter()
        .find(|c| c.to_ascii_lowercase().starts_with("icws_"))
        .or(cookies.first())
        .cloned()
        .ok_or_else(|| SessionError::Incomplete("without a Set-Cookie session cookie".into()))?;
    Ok(Session {
        id,
        token: Secret::new(token),
        cookie: Secret::new(cookie),
    })
}

/// The path of a session's connection resource.
pub fn connection_path(id: &str) -> String {
    format!("/icws/{}/connection", encode_segment(id))
}

/// `DELETE /icws/{id}/connection`; Ok on any 2xx.
pub async fn disconnect(target: &Target, session: &Session) -> Result<(), SessionError> {
    let req = Request::new(Method::DELETE, connection_path(&session.id))
        .header(CSRF_HEADER, Sent::Secret(session.token.clone()))
        .header("Cookie", Sent::Secret(session.cookie.clone()));
    let url = target.url(&connection_path(&session.id));
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
/// but a given id is user input).
pub fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
