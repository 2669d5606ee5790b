//! Running one case: a [`Runner`] holds the prepared target and the run's
//! sessions ([`super::plan`]: opened with the credentials, or the one the
//! user gave); for each case it takes the sessions the case uses, builds the
//! case's request (path, token, cookie as the case says), restores what a
//! refused request may have ended, and returns the [`Outcome`]: the
//! exchange, the reason it was not run, or the session step that failed;
//! for a links case, the catalogue's exchange and its links loaded
//! ([`super::links`]). It never judges a response and never prints.

use reqwest::Method;

use super::client::{CSRF_HEADER, Exchange, Request, Sent};
use super::links::{self, LinkRun, LinkSettings};
use super::nearmiss;
use super::plan::{self, Opening, Pool, Role, SessionPlan, Unavailable};
use super::session::{Credentials, Session, SessionCookie, SessionError, encode_segment};
use super::target::{Target, TargetError};
use crate::load::case::{Browser, Case, Endpoint, HeaderUse, IdUse, SessionUse};
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
    /// A links case: the catalogue's request, then its links loaded.
    Linked {
        /// The catalogue's request and what came back (a 200).
        exchange: Exchange,
        /// The session id in the request's path.
        session_id: String,
        /// Problems around the request that are not findings.
        warnings: Vec<String>,
        /// The links, loaded.
        links: LinkRun,
    },
}

/// The prepared target and the run's sessions, shared by every case.
pub struct Runner {
    /// The target.
    pub target: Target,
    /// Scrubs every secret of the run.
    pub redactor: Redactor,
    /// Credentials, when the run has them (sessions are opened and, when a
    /// server ends one, opened again with them).
    pub credentials: Option<Credentials>,
    /// The run's sessions.
    pool: Pool,
    /// The `features` list of the run's first login, if it had one.
    login_features: Option<serde_json::Value>,
    accept_language: String,
    /// `--origin`: the browser page's origin the `browser` cases act from
    /// (`None`: they are ignored).
    pub origin: Option<String>,
    /// `--no-links`, `--link-concurrency`, `--max-links`.
    pub links: LinkSettings,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("target", &self.target.shown())
            .finish_non_exhaustive()
    }
}

impl Runner {
    /// Adopts the given session (after checking the target answers) or
    /// opens the sessions `plan` needs with the credentials.
    pub async fn prepare(
        target: Target,
        credentials: Option<Credentials>,
        given: Option<GivenSession>,
        accept_language: &str,
        redactor: Redactor,
        plan: SessionPlan,
    ) -> Result<Self, SetupError> {
        let pool = match (&given, &credentials) {
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
                Pool::given(s)
            }
            (None, Some(creds)) => {
                let how = Opening {
                    target: &target,
                    credentials: Some(creds),
                    accept_language,
                    redactor: &redactor,
                };
                Pool::open(&how, creds, plan).await?
            }
            (None, None) => return Err(SetupError::NoSession(target.shown().to_owned())),
        };
        let login_features = pool.main().ok().and_then(|s| s.features);
        Ok(Self {
            target,
            redactor,
            credentials,
            pool,
            login_features,
            accept_language: accept_language.to_owned(),
            origin: None,
            links: LinkSettings::default(),
        })
    }

    /// The `features` list of the run's login, if it had one.
    pub fn login_features(&self) -> Option<&serde_json::Value> {
        self.login_features.as_ref()
    }

    /// Ends the sessions the run opened. Returns a warning for each that
    /// would not end.
    pub async fn finish(&self) -> Vec<String> {
        self.pool.finish(&self.target).await
    }

    fn opening(&self) -> Opening<'_> {
        Opening {
            target: &self.target,
            credentials: self.credentials.as_ref(),
            accept_language: &self.accept_language,
            redactor: &self.redactor,
        }
    }

    /// Runs one case: takes the sessions it uses, sends its request, and
    /// restores the sessions a refused request may have ended.
    pub async fn execute(&self, case: &Case) -> Outcome {
        if case.links.is_some() {
            let outcome = self.links_case(case).await;
            return self.not_busy(case, outcome);
        }
        if let Some(browser) = case.browser {
            let Some(origin) = &self.origin else {
                return Outcome::Ignored(
                    "opt-in: checks what a browser page can do against this server; give the \
                     page's origin with --origin URL (ICWS_ORIGIN)"
                        .into(),
                );
            };
            let outcome = match browser {
                Browser::Preflight => self.preflight(case, origin).await,
                Browser::Request => self.browser_request(case, origin).await,
            };
            return self.not_busy(case, outcome);
        }
        let outcome = match case.endpoint {
            Endpoint::Features => {
                let exchange = self
                    .target
                    .send(Request::new(Method::GET, "/icws/connection/features"))
                    .await;
                Outcome::Done {
                    exchange,
                    session_id: String::new(),
                    warnings: Vec::new(),
                }
            }
            Endpoint::Login => self.login_case(case),
            Endpoint::StatusMessages => self.session_case(case).await,
        };
        self.not_busy(case, outcome)
    }

    /// A browser case's preflight: `OPTIONS` on the request's path with
    /// `Origin` and what the vendor's client asks for; no credentials (a
    /// browser sends none with a preflight).
    async fn preflight(&self, case: &Case, origin: &str) -> Outcome {
        let session_id = if case.endpoint == Endpoint::StatusMessages {
            match self.pool.main() {
                Ok(s) => s.id,
                Err(why) => {
                    return Outcome::SetupFailed {
                        req: case.subject(),
                        what: "could not open a session this case needs",
                        why,
                    };
                }
            }
        } else {
            String::new()
        };
        let (method, path, asked) = preflight_of(case.endpoint, &session_id);
        let req = Request::new(Method::OPTIONS, path)
            .header("Origin", Sent::Plain(origin.to_owned()))
            .header(
                "Access-Control-Request-Method",
                Sent::Plain(method.to_string()),
            )
            .header(
                "Access-Control-Request-Headers",
                Sent::Plain(asked.to_owned()),
            )
            .header("Accept", Sent::Plain("*/*".into()));
        Outcome::Done {
            exchange: self.target.send(req).await,
            session_id,
            warnings: Vec::new(),
        }
    }

    /// A browser case's request itself, with `Origin` and the vendor
    /// client's headers: the features listing, the catalogue on the run's
    /// session, or a login of the case's own (ended after).
    async fn browser_request(&self, case: &Case, origin: &str) -> Outcome {
        match case.endpoint {
            Endpoint::Features => {
                let req = as_browser(
                    Request::new(Method::GET, "/icws/connection/features"),
                    origin,
                );
                Outcome::Done {
                    exchange: self.target.send(req).await,
                    session_id: String::new(),
                    warnings: Vec::new(),
                }
            }
            Endpoint::StatusMessages => self.session_case(case).await,
            Endpoint::Login => {
                let Some(creds) = &self.credentials else {
                    return Outcome::Ignored(
                        "needs a login of its own: set ICWS_USER and ICWS_PASSWORD (only a \
                         given session is available)"
                            .into(),
                    );
                };
                let extra = [
                    ("Origin", origin.to_owned()),
                    (CORRELATION_HEADER, "1".to_owned()),
                ];
                let exchange = super::session::send_login_with(
                    &self.target,
                    creds,
                    &self.accept_language,
                    &self.redactor,
                    &extra,
                )
                .await;
                let mut warnings = Vec::new();
                let created = exchange.outcome.as_ref().is_ok_and(|r| r.status == 201);
                if created {
                    match super::session::session_from(&self.target, &exchange, &self.redactor) {
                        Ok(s) => {
                            if let Err(e) = super::session::disconnect(&self.target, &s).await {
                                warnings.push(format!("the case's own session could not be ended: {e}"));
                            }
                        }
                        Err(e) => warnings.push(format!(
                            "the case's own login could not be read, so its session was not ended: {e}"
                        )),
                    }
                }
                Outcome::Done {
                    exchange,
                    session_id: String::new(),
                    warnings,
                }
            }
        }
    }

    /// A links case: the catalogue on the run's session, then (with the
    /// session still held, [`Runner::load_links`]) each distinct link of a
    /// usable 200 list loaded as a browser does.
    async fn links_case(&self, case: &Case) -> Outcome {
        if !self.links.enabled {
            return Outcome::Ignored(
                "links are not loaded in this run: --no-links (ICWS_NO_LINKS)".into(),
            );
        }
        self.session_case(case).await
    }

    /// The links of a links case's catalogue, loaded while the case holds
    /// its session (no case that may end it runs meanwhile). The
    /// catalogue's own rules are another case's: when it is not a usable
    /// 200 list, the case is ignored, saying why.
    async fn load_links(&self, outcome: Outcome, session: &Session) -> Outcome {
        let Outcome::Done {
            exchange,
            session_id,
            warnings,
        } = outcome
        else {
            return outcome;
        };
        if exchange.busy.is_some() {
            return Outcome::Done {
                exchange,
                session_id,
                warnings,
            };
        }
        let resp = match &exchange.outcome {
            Ok(r) if r.status == 200 => r,
            Ok(r) => {
                return Outcome::Ignored(no_links(&format!("the catalogue answered {}", r.status)));
            }
            Err(e) => return Outcome::Ignored(no_links(&format!("no catalogue came ({e})"))),
        };
        let path = format!(
            "/icws/{}/status/status-messages",
            encode_segment(&session_id)
        );
        let plan = url::Url::parse(&self.target.url(&path))
            .map_err(|e| e.to_string())
            .and_then(|base| links::plan(&resp.body, &base));
        let plan = match plan {
            Ok(p) => p,
            Err(why) => return Outcome::Ignored(no_links(&why)),
        };
        let run = links::fetch(&self.target, Some(session), plan, &self.links).await;
        Outcome::Linked {
            exchange,
            session_id,
            warnings,
            links: run,
        }
    }

    /// An exchange the server kept asking to come back later is not a
    /// verdict on the server: the case could not run.
    fn not_busy(&self, case: &Case, outcome: Outcome) -> Outcome {
        match outcome {
            Outcome::Done { exchange, .. } if exchange.busy.is_some() => Outcome::SetupFailed {
                req: case.subject(),
                what: "the server kept asking the run to come back later",
                why: exchange.busy.unwrap_or_default(),
            },
            other => other,
        }
    }

    async fn session_case(&self, case: &Case) -> Outcome {
        let roles = plan::roles(case);
        if self.credentials.is_none() && case.session == SessionUse::Pair {
            return Outcome::Ignored(
                "needs two sessions of its own: set ICWS_USER and ICWS_PASSWORD (only a given \
                 session is available)"
                    .into(),
            );
        }
        if self.credentials.is_none() && case.harms_session() && roles.contains(&Role::Main) {
            return Outcome::Ignored(
                "could end the session it uses (a hardened server ends a session after a \
                 request like this one), and the given session could not be replaced: set \
                 ICWS_USER and ICWS_PASSWORD (only a given session is available)"
                    .into(),
            );
        }
        // Cases that may end a session run at once; one whose session
        // turned out ended is sent again alone, on a live one.
        match self.send_once(case, false).await {
            Once::Ended => match self.send_once(case, true).await {
                Once::Ended => Outcome::Ignored(
                    "internal: a session ended although the case held it alone".into(),
                ),
                Once::Done(outcome) => outcome,
            },
            Once::Done(outcome) => outcome,
        }
    }

    /// Sends `case`'s request once, on the sessions it leases (`alone`:
    /// held alone). A refused request of a case that may end a session is
    /// followed by a check of every live session; a refused request with
    /// exact credentials, after some session was found ended, is sent once
    /// more on checked sessions.
    async fn send_once(&self, case: &Case, alone: bool) -> Once {
        let roles = plan::roles(case);
        let how = self.opening();
        let unavailable = |e: Unavailable| match e {
            Unavailable::Ignored(why) => Once::Done(Outcome::Ignored(why)),
            Unavailable::Failed(why) => Once::Done(Outcome::SetupFailed {
                req: case.subject(),
                what: "could not open a session this case needs",
                why,
            }),
        };
        let mut lease = match self.pool.lease(case, alone, &how).await {
            Ok(lease) => lease,
            Err(e) => return unavailable(e),
        };
        let mut checked_again = false;
        loop {
            let (Some(session), other) = (
                roles.first().and_then(|r| lease.of(*r)),
                roles.get(1).and_then(|r| lease.of(*r)),
            ) else {
                return Once::Done(Outcome::Ignored(
                    "internal: the case uses no session".into(),
                ));
            };
            let session_id = match case.session {
                SessionUse::Unknown => UNKNOWN_SESSION_ID.to_owned(),
                _ => session.id.clone(),
            };
            let request = match request_for(
                case,
                session,
                other,
                &session_id,
                &self.target,
                &self.redactor,
            ) {
                Ok(r) => r,
                Err(why) => return Once::Done(Outcome::Ignored(why)),
            };
            let request = match (&self.origin, case.browser) {
                (Some(origin), Some(Browser::Request)) => as_browser(request, origin),
                _ => request,
            };
            let exchange = self.target.send(request).await;
            // Only an answer that refused the request says anything of the
            // session: no answer, a 2xx or "come back later" leave it be.
            let refused = exchange.busy.is_none()
                && exchange
                    .outcome
                    .as_ref()
                    .is_ok_and(|r| !(200..300).contains(&r.status));
            let mut warnings = Vec::new();
            if case.harms_session() && refused {
                let (ended, w) = self.pool.restore(&lease, &how).await;
                if ended && !alone {
                    return Once::Ended;
                }
                warnings = w;
            } else if refused && !checked_again && self.pool.is_dirty() {
                // Exact credentials refused, and some session was found
                // ended: check them all, and send once more.
                checked_again = true;
                if let Err(e) = self.pool.refresh(case, &mut lease, &how).await {
                    return unavailable(e);
                }
                continue;
            }
            let outcome = Outcome::Done {
                exchange,
                session_id,
                warnings,
            };
            // A links case loads its links on the session it holds.
            return Once::Done(match case.links {
                Some(_) => self.load_links(outcome, session).await,
                None => outcome,
            });
        }
    }

    /// The run's first login, checked as this case: no login of its own.
    fn login_case(&self, _case: &Case) -> Outcome {
        match &self.pool.first_login {
            Some(exchange) => Outcome::Done {
                exchange: exchange.clone(),
                session_id: String::new(),
                warnings: Vec::new(),
            },
            None => Outcome::Ignored(
                "checks the run's login: set ICWS_USER and ICWS_PASSWORD (only a given session \
                 is available)"
                    .into(),
            ),
        }
    }
}

/// Why a links case has no links to load, for its ignored line.
fn no_links(why: &str) -> String {
    format!(
        "{why}, so there is no list of icons to load (status-messages/catalog judges the \
         catalogue)"
    )
}

/// The header the vendor's generated JavaScript client adds to every
/// request it makes in a browser (`icws-session.md`).
pub const CORRELATION_HEADER: &str = "X-ICWS-DevTools-CorrelationId";

/// What a browser's preflight of an endpoint's request asks: the method,
/// the path, and `Access-Control-Request-Headers` as the vendor's client
/// makes browsers send it (lower case, sorted, comma-separated;
/// `Accept-Language` is safelisted and never asked, `Cookie` is the
/// browser's own).
pub fn preflight_of(endpoint: Endpoint, session_id: &str) -> (Method, String, &'static str) {
    match endpoint {
        Endpoint::Login => (
            Method::POST,
            "/icws/connection?include=features".into(),
            "content-type,x-icws-devtools-correlationid",
        ),
        Endpoint::Features => (
            Method::GET,
            "/icws/connection/features".into(),
            "content-type,x-icws-devtools-correlationid",
        ),
        Endpoint::StatusMessages => (
            Method::GET,
            format!(
                "/icws/{}/status/status-messages",
                encode_segment(session_id)
            ),
            "content-type,inin-icws-csrf-token,x-icws-devtools-correlationid",
        ),
    }
}

/// `req` as the vendor's client sends it from a page on `origin`: with
/// `Origin`, the correlation header and a `Content-Type`.
fn as_browser(req: Request, origin: &str) -> Request {
    req.header("Origin", Sent::Plain(origin.to_owned()))
        .header(CORRELATION_HEADER, Sent::Plain("1".into()))
        .header(
            "Content-Type",
            Sent::Plain("application/vnd.inin.icws+json".into()),
        )
}

/// What sending a case's request once came to.
// One value per send, moved once: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
enum Once {
    /// The outcome to report.
    Done(Outcome),
    /// A session the request used had ended: it must be sent again alone.
    Ended,
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
/// `session_id` (or its near miss), and the token and cookies as the case
/// says (`other`: the second session of a `session = "pair"` case). Every
/// near-miss value derived from a secret is registered with `redactor`.
/// `Err`: the case's change makes no change here (the very request a valid
/// case makes), in words.
pub fn request_for(
    case: &Case,
    session: &Session,
    other: Option<&Session>,
    session_id: &str,
    target: &Target,
    redactor: &Redactor,
) -> Result<Request, String> {
    let no_change = |what: &str| {
        format!(
            "its change makes no request of its own from this {what} (nothing to flip: no \
             letters, or a GUID whose letter case means nothing; or one character, whose \
             shortening is the empty variant)"
        )
    };
    // The loader allows `other-session` only where `other` exists.
    let other = other.unwrap_or(session);
    let session_id = match case.session_id {
        IdUse::Send => session_id.to_owned(),
        IdUse::OtherSession => other.id.clone(),
        IdUse::Change(c) => {
            nearmiss::changed(session_id, c).ok_or_else(|| no_change("session id"))?
        }
    };
    let path = format!(
        "/icws/{}/status/status-messages",
        encode_segment(&session_id)
    );
    let url = target.url(&path);
    let mut req = Request::new(Method::GET, path);
    if case.session == SessionUse::None {
        return Ok(req);
    }
    match case.csrf_token {
        HeaderUse::Send => req = req.header(CSRF_HEADER, Sent::Secret(session.token.clone())),
        HeaderUse::OtherSession | HeaderUse::BothSessions => {
            req = req.header(CSRF_HEADER, Sent::Secret(other.token.clone()))
        }
        HeaderUse::Wrong => req = req.header(CSRF_HEADER, Sent::Plain(WRONG_TOKEN.into())),
        HeaderUse::Change(c) => {
            let v = nearmiss::changed(session.token.expose(), c)
                .ok_or_else(|| no_change("CSRF token"))?;
            redactor.add(&v);
            req = req.header(CSRF_HEADER, Sent::Secret(Secret::new(v)));
        }
        HeaderUse::Omit => {}
    }
    let value_of = |s: &Session| {
        s.cookie
            .expose()
            .split_once('=')
            .map_or("", |(_, v)| v)
            .to_owned()
    };
    let other_value = value_of(other);
    let near_miss = match case.cookie {
        HeaderUse::Change(c) => {
            let own = value_of(session);
            let (credential, rest) = nearmiss::credential_part(&own);
            let v = nearmiss::changed(credential, c).ok_or_else(|| no_change("session cookie"))?;
            redactor.add(&v);
            let v = format!("{v}{rest}");
            redactor.add(&v);
            v
        }
        _ => String::new(),
    };
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
        HeaderUse::Change(_) => session
            .cookie_header(&url, SessionCookie::Replace(&near_miss))
            .map(|c| hide(c, session.cookie_name())),
    };
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut changed = Vec::new();
    for (what, used) in [
        ("CSRF token", case.csrf_token),
        ("session cookie", case.cookie),
    ] {
        match used {
            HeaderUse::Change(c) => changed.push(format!("the {what} differing {}", c.words())),
            HeaderUse::OtherSession => changed.push(format!("another session's {what}")),
            HeaderUse::BothSessions => changed.push(format!("both sessions' {what}s")),
            HeaderUse::Send | HeaderUse::Wrong | HeaderUse::Omit => {}
        }
    }
    if !changed.is_empty() {
        req.replay_note = Some(format!(
            "not exact: the case sent {} (the variables hold the session's own)",
            changed.join(" and ")
        ));
    }
    Ok(req)
}

/// A `Cookie` header with a near-miss session cookie, shown without its
/// value (it is nearly the secret).
fn hide(sent: Sent, name: &str) -> Sent {
    match sent {
        Sent::Masked { wire, shown } => Sent::Masked {
            wire,
            shown: shown
                .split("; ")
                .map(|p| {
                    if p.starts_with(&format!("{name}=")) {
                        format!("{name}={}", crate::secret::REDACTED)
                    } else {
                        p.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        },
        other => other,
    }
}
