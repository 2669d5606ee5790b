//! Running one case: a [`Runner`] holds the prepared target and the run's
//! session (opened with the credentials, or the one the user gave); for each
//! case it opens and ends the sessions the case needs of its own, builds the
//! case's request (path, token, cookie as the case says) and returns the
//! [`Outcome`]: the exchange, the reason it was not run, or the session step
//! that failed. It never judges a response and never prints.

use reqwest::Method;

use super::client::{CSRF_HEADER, Exchange, Request, Sent};
use super::session::{self, Credentials, Session, SessionCookie, SessionError, encode_segment};
use super::target::{Target, TargetError};
use crate::load::case::{Case, Endpoint, HeaderUse, OtherSession, SessionUse};
use crate::secret::{Redactor, Secret};

/// The CSRF token sent by `csrf-token = "wrong"` (belongs to no session).
pub const WRONG_TOKEN: &str = "icws-conformance-wrong-token-0f3e9a7c";
/// The cookie value sent by `cookie = "wrong"`.
pub const WRONG_COOKIE: &str = "00000000-0000-4000-8000-000000000000";
/// The session id of `session = "unknown"` (no server issued it).
pub const UNKNOWN_SESSION_ID: &str = "0000000000";

/// A session the user already has: id, token and cookie.
#[derive(Debug, Clone)]
pub struct GivenSession {
    /// The session id.
    pub id: String,
    /// Its CSRF token.
    pub token: Secret,
    /// Its cookie: `icws_<id>=<value>` or only the value.
    pub cookie: Secret,
}

/// Why the run cannot start (exit 2, one line).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Bad target URL or client.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Login refused or target unreachable.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// Neither credentials nor a session for a remote target.
    #[error(
        "no way to open a session on {0}: set ICWS_USER and ICWS_PASSWORD (or --user/--password), \
         or ICWS_SESSION_ID, ICWS_CSRF_TOKEN and ICWS_COOKIE"
    )]
    NoSession(String),
    /// With only a given session: the target does not answer.
    #[error("cannot reach {url}: {why}")]
    Unreachable {
        /// What was asked.
        url: String,
        /// The transport error.
        why: String,
    },
}

/// What running one case came to.
// One value per case, moved once: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Outcome {
    /// Not run, with the reason.
    Ignored(String),
    /// A session step the case needs failed before its request.
    SetupFailed {
        /// The case's primary requirement.
        req: &'static str,
        /// Which step, in words.
        what: &'static str,
        /// The error.
        why: String,
    },
    /// The request was made.
    Done {
        /// The request and what came back.
        exchange: Exchange,
        /// The session id in the request's path (empty for the features endpoint).
        session_id: String,
        /// Problems around the request that are not findings (a case's own
        /// session could not be ended).
        warnings: Vec<String>,
    },
}

/// The prepared target and the run's session, shared by every case.
pub struct Runner {
    /// The target.
    pub target: Target,
    /// Scrubs every secret of the run.
    pub redactor: Redactor,
    /// Credentials, when the run has them (cases that need a session of
    /// their own log in with them).
    pub credentials: Option<Credentials>,
    /// The run's session.
    pub session: Session,
    /// True when the run opened the session (and so must end it).
    opened_session: bool,
    accept_language: String,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("target", &self.target.shown())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// Adopts the given session (after checking the target answers) or logs
    /// in with the credentials.
    pub async fn prepare(
        target: Target,
        credentials: Option<Credentials>,
        given: Option<GivenSession>,
        accept_language: &str,
        redactor: Redactor,
    ) -> Result<Self, SetupError> {
        let (session, opened_session) = match (&given, &credentials) {
            (Some(g), _) => {
                let s = Session::given(&g.id, g.token.expose(), g.cookie.expose(), &redactor);
                let ex = target
                    .send(Request::new(Method::GET, "/icws/connection/features"))
                    .await;
                if let Err(why) = ex.outcome {
                    return Err(SetupError::Unreachable {
                        url: target.url("/icws/connection/features"),
                        why,
                    });
                }
                (s, false)
            }
            (None, Some(creds)) => (
                session::connect(&target, creds, accept_language, &redactor).await?,
                true,
            ),
            (None, None) => return Err(SetupError::NoSession(target.shown().to_owned())),
        };
        Ok(Self {
            target,
            redactor,
            credentials,
            session,
            opened_session,
            accept_language: accept_language.to_owned(),
        })
    }

    /// Ends the run session if the run opened it. Returns a warning on failure.
    pub async fn finish(&self) -> Option<String> {
        if !self.opened_session {
            return None;
        }
        session::disconnect(&self.target, &self.session)
            .await
            .err()
            .map(|e| format!("could not end the run's session: {e}"))
    }

    /// Runs one case: opens what it needs, sends its request, ends what it opened.
    pub async fn execute(&self, case: &Case) -> Outcome {
        if case.endpoint == Endpoint::Features {
            let exchange = self
                .target
                .send(Request::new(Method::GET, "/icws/connection/features"))
                .await;
            return Outcome::Done {
                exchange,
                session_id: String::new(),
                warnings: Vec::new(),
            };
        }
        if case.endpoint == Endpoint::Login {
            return self.login_case(case).await;
        }
        let harms = case.harms_session();
        let own = match self.own_session(case).await {
            Ok(own) => own,
            Err(outcome) => return outcome,
        };
        let other = match self.other_session(case).await {
            Ok(other) => other,
            Err(outcome) => return outcome,
        };
        let other_live = case.other_session == OtherSession::Live;
        let session = own.as_ref().unwrap_or(&self.session);
        let session_id = match case.session {
            SessionUse::Unknown => UNKNOWN_SESSION_ID.to_owned(),
            _ => session.id.clone(),
        };
        let exchange = self
            .target
            .send(request_for(
                case,
                session,
                other.as_ref(),
                &session_id,
                &self.target,
            ))
            .await;
        let mut warnings = Vec::new();
        if case.session != SessionUse::Ended {
            if let Some(s) = &own {
                let ended = session::disconnect(&self.target, s).await;
                // After wrong or foreign credentials a server may have ended
                // it already.
                if let (Err(e), false) = (ended, harms || other.is_some()) {
                    warnings.push(format!("{}: could not end its session: {e}", case.name));
                }
            }
        }
        if let (Some(a), true) = (&other, other_live) {
            let _ = session::disconnect(&self.target, a).await;
        }
        Outcome::Done {
            exchange,
            session_id,
            warnings,
        }
    }

    /// The case's own session, when it needs one: sessions are never
    /// shared with a case that could end them. A case about an ended
    /// session gets it ended here.
    async fn own_session(&self, case: &Case) -> Result<Option<Session>, Outcome> {
        let primary = case.subject();
        let harms = case.harms_session();
        if !case.session.needs_login() && !harms {
            return Ok(None);
        }
        let Some(creds) = &self.credentials else {
            let what = if case.session == SessionUse::Pair {
                "needs two sessions of its own"
            } else if harms {
                "could end the session it uses (a hardened server ends a session after a \
                 request like this one), so it needs a session of its own"
            } else {
                "needs a session of its own"
            };
            return Err(Outcome::Ignored(format!(
                "{what}: set ICWS_USER and ICWS_PASSWORD (only a given session is available)"
            )));
        };
        let own = session::connect(&self.target, creds, &self.accept_language, &self.redactor)
            .await
            .map_err(|e| setup_failed(primary, "could not open a session for this case", e))?;
        if case.session == SessionUse::Ended {
            session::disconnect(&self.target, &own).await.map_err(|e| {
                setup_failed(
                    primary,
                    "DELETE /icws/{sessionId}/connection did not end the session",
                    e,
                )
            })?;
        }
        Ok(Some(own))
    }

    /// Session isolation: a second session, whose credentials the case
    /// sends under the first one's id (ended first when the case asks).
    async fn other_session(&self, case: &Case) -> Result<Option<Session>, Outcome> {
        let primary = case.subject();
        let (SessionUse::Pair, Some(creds)) = (case.session, &self.credentials) else {
            return Ok(None);
        };
        let other = session::connect(&self.target, creds, &self.accept_language, &self.redactor)
            .await
            .map_err(|e| {
                setup_failed(
                    primary,
                    "could not open the second session for this case",
                    e,
                )
            })?;
        if case.other_session != OtherSession::Live {
            session::disconnect(&self.target, &other)
                .await
                .map_err(|e| {
                    setup_failed(
                        primary,
                        "DELETE /icws/{sessionId}/connection did not end the other session",
                        e,
                    )
                })?;
        }
        Ok(Some(other))
    }
}

impl Runner {
    /// A login of the case's own: its answer is what the case checks; the
    /// session it opened, if any, is ended.
    async fn login_case(&self, case: &Case) -> Outcome {
        let Some(creds) = &self.credentials else {
            return Outcome::Ignored(
                "logs in itself: set ICWS_USER and ICWS_PASSWORD (only a given session is \
                 available)"
                    .into(),
            );
        };
        let exchange =
            session::send_login(&self.target, creds, &self.accept_language, &self.redactor).await;
        // A login refused is the run's problem (exit 2), as for every
        // session a case needs: not a finding on the login's headers.
        match &exchange.outcome {
            Err(why) => {
                return Outcome::SetupFailed {
                    req: case.subject(),
                    what: "the case's own login got no answer",
                    why: why.clone(),
                };
            }
            Ok(resp) if resp.status != 201 => {
                return Outcome::SetupFailed {
                    req: case.subject(),
                    what: "the case's own login was refused",
                    why: format!("POST /icws/connection answered {}", resp.status),
                };
            }
            Ok(_) => {}
        }
        let mut warnings = Vec::new();
        if let Ok(s) = session::session_from(&self.target, &exchange, &self.redactor) {
            if let Err(e) = session::disconnect(&self.target, &s).await {
                warnings.push(format!("{}: could not end its session: {e}", case.name));
            }
        }
        Outcome::Done {
            exchange,
            session_id: String::new(),
            warnings,
        }
    }
}

fn setup_failed(req: &'static str, what: &'static str, e: SessionError) -> Outcome {
    Outcome::SetupFailed {
        req,
        what,
        why: e.to_string(),
    }
}

/// Two `Cookie` headers' pairs as one header (shown as `<redacted>`).
fn joined(first: Option<Sent>, second: Option<Sent>) -> Option<Sent> {
    let wire = |s: &Sent| match s {
        Sent::Plain(v) => v.clone(),
        Sent::Secret(s) | Sent::Masked { wire: s, .. } => s.expose().to_owned(),
    };
    let parts: Vec<String> = [first, second].iter().flatten().map(wire).collect();
    (!parts.is_empty()).then(|| Sent::Masked {
        wire: Secret::new(parts.join("; ")),
        shown: crate::secret::REDACTED.to_owned(),
    })
}

/// The status-messages request a case makes with `session`: the path with
/// `session_id`, and the token and cookies as the case says (`other`: the
/// second session of a `session = "pair"` case).
pub fn request_for(
    case: &Case,
    session: &Session,
    other: Option<&Session>,
    session_id: &str,
    target: &Target,
) -> Request {
    let path = format!(
        "/icws/{}/status/status-messages",
        encode_segment(session_id)
    );
    let url = target.url(&path);
    let mut req = Request::new(Method::GET, path);
    if case.session == SessionUse::None {
        return req;
    }
    // The loader allows `other-session` only where `other` exists.
    let other = other.unwrap_or(session);
    match case.csrf_token {
        HeaderUse::Send => req = req.header(CSRF_HEADER, Sent::Secret(session.token.clone())),
        HeaderUse::OtherSession | HeaderUse::BothSessions => {
            req = req.header(CSRF_HEADER, Sent::Secret(other.token.clone()))
        }
        HeaderUse::Wrong => req = req.header(CSRF_HEADER, Sent::Plain(WRONG_TOKEN.into())),
        HeaderUse::Omit => {}
    }
    let other_value = other
        .cookie
        .expose()
        .split_once('=')
        .map_or("", |(_, v)| v)
        .to_owned();
    let cookie = match case.cookie {
        HeaderUse::Send => session.cookie_header(&url, SessionCookie::Send),
        // A's value under B's name (a server that looks a value up in every
        // session), then A's own pair.
        HeaderUse::OtherSession => joined(
            session.cookie_header(&url, SessionCookie::Replace(&other_value)),
            other.cookie_header(&url, SessionCookie::Send),
        ),
        HeaderUse::BothSessions => joined(
            session.cookie_header(&url, SessionCookie::Send),
            other.cookie_header(&url, SessionCookie::Send),
        ),
        HeaderUse::Omit => session.cookie_header(&url, SessionCookie::Omit),
        HeaderUse::Wrong => session.cookie_header(&url, SessionCookie::Replace(WRONG_COOKIE)),
    };
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    req
}
