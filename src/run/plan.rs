//! The run's sessions, planned so that a run costs the server few logins.
//! Three roles cover every case: the run's session (*main*), a second live
//! session (*second*: the path session of the isolation pairs, and the
//! session of `session = "fresh"`), and a session ended right after its
//! login (*ended*). Each is opened once, at the start, and only when a
//! selected case needs it; at most two are open at once, and with
//! `--max-sessions 1` only the run's (the cases that need another are
//! ignored, saying so).
//!
//! Cases share them. A case whose request is not exactly a session's own
//! credentials may make a hardened server end sessions (the one it names,
//! the one whose token it misused, or every session of the user). Such
//! cases run at once; after a refused request every live session is probed
//! (the documented request, with its own credentials), and one the server
//! did end is replaced by a new login. A probe that finds a session the
//! case used alive proves it was alive when the request was made (sessions
//! do not come back); otherwise the case is sent again alone, on sessions
//! checked first. A case that sends exact credentials runs alone, and is
//! sent once more on checked sessions if it is refused after some session
//! was found ended. A server that does not punish refused requests
//! therefore costs one login per role, whatever the number of cases.

use tokio::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::client::{CSRF_HEADER, Exchange, Request, Sent};
use super::session::{self, Credentials, Session, SessionCookie, SessionError, encode_segment};
use super::target::Target;
use crate::load::case::{Case, Endpoint, OtherSession, SessionUse};
use crate::secret::Redactor;

/// A session a case uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// The run's session (opened with the credentials, or the one given).
    Main,
    /// A second live session of the run.
    Second,
    /// A session ended right after its login.
    Ended,
}

impl Role {
    /// In words, for reasons and warnings.
    pub fn words(self) -> &'static str {
        match self {
            Role::Main => "the run's session",
            Role::Second => "the run's second session",
            Role::Ended => "the run's ended session",
        }
    }
}

/// The sessions `case` uses: the path's first, then the other of a pair.
pub fn roles(case: &Case) -> Vec<Role> {
    if case.endpoint != Endpoint::StatusMessages {
        return Vec::new();
    }
    match case.session {
        SessionUse::Valid | SessionUse::None | SessionUse::Unknown => vec![Role::Main],
        SessionUse::Fresh => vec![Role::Second],
        SessionUse::Ended => vec![Role::Ended],
        SessionUse::Pair => vec![
            Role::Second,
            match case.other_session {
                OtherSession::Live => Role::Main,
                OtherSession::Ended => Role::Ended,
            },
        ],
    }
}

/// Which roles the cases of a run need, and how many sessions may be open
/// at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPlan {
    /// Some case needs the second live session.
    pub second: bool,
    /// Some case needs an ended session.
    pub ended: bool,
    /// `--max-sessions`.
    pub max_sessions: usize,
}

impl SessionPlan {
    /// The plan for `cases`, within `max_sessions` open at once.
    pub fn for_cases(cases: &[Case], max_sessions: usize) -> Self {
        let uses = |role: Role| cases.iter().any(|c| roles(c).contains(&role));
        Self {
            second: uses(Role::Second),
            ended: uses(Role::Ended),
            max_sessions: max_sessions.max(1),
        }
    }
}

/// One shared live session, replaced (under `renewing`) when the server
/// ended it.
#[derive(Debug)]
struct Slot {
    renewing: tokio::sync::Mutex<()>,
    current: std::sync::Mutex<Result<Session, String>>,
}

impl Slot {
    fn new(session: Result<Session, String>) -> Self {
        Self {
            renewing: tokio::sync::Mutex::new(()),
            current: std::sync::Mutex::new(session),
        }
    }

    fn get(&self) -> Result<Session, String> {
        match self.current.lock() {
            Ok(s) => s.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn set(&self, session: Result<Session, String>) {
        match self.current.lock() {
            Ok(mut s) => *s = session,
            Err(poisoned) => *poisoned.into_inner() = session,
        }
    }
}

/// The sessions one case runs with, held until it is dropped.
pub struct Lease<'a> {
    _shared: Option<RwLockReadGuard<'a, ()>>,
    _alone: Option<RwLockWriteGuard<'a, ()>>,
    /// The session of each role the case uses.
    pub sessions: Vec<(Role, Session)>,
}

impl Lease<'_> {
    /// The session of `role` (the lease holds every role the case uses).
    pub fn of(&self, role: Role) -> Option<&Session> {
        self.sessions
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, s)| s)
    }
}

/// Why a case cannot have the sessions it needs.
#[derive(Debug, Clone)]
pub enum Unavailable {
    /// Not run: the reason (no credentials, `--max-sessions`).
    Ignored(String),
    /// A session could not be opened or renewed.
    Failed(String),
}

/// A probe round of every live session ([`Pool::check_all`]).
#[derive(Debug, Default)]
struct Round {
    /// How many refused answers had come when it started: it vouches for
    /// each of them.
    after: u64,
    /// The sessions it found ended.
    ended: Vec<Session>,
}

/// The run's sessions.
#[derive(Debug)]
pub struct Pool {
    /// Shared by the cases that may end sessions, held alone by the others.
    gate: RwLock<()>,
    /// Some session was found ended since the sessions were last checked
    /// (a concurrent probe of an ended session may have ended a new one).
    dirty: std::sync::atomic::AtomicBool,
    /// Refused answers so far, numbered as their cases come to be checked.
    refusals: std::sync::atomic::AtomicU64,
    /// The last probe round: cases refused before it started share it.
    round: tokio::sync::Mutex<Round>,
    main: Slot,
    second: Result<Slot, Unavailable>,
    ended: Result<Session, Unavailable>,
    /// The first login's exchange (what `endpoint = "login"` checks).
    pub first_login: Option<Exchange>,
    /// The run opened the main and second sessions (and must end them).
    opened: bool,
}

/// What opening the pool needs.
pub struct Opening<'a> {
    /// The target.
    pub target: &'a Target,
    /// The run's credentials, if any.
    pub credentials: Option<&'a Credentials>,
    /// `Accept-Language` of the logins.
    pub accept_language: &'a str,
    /// Registers every secret as it comes.
    pub redactor: &'a Redactor,
}

impl Opening<'_> {
    async fn login(&self, creds: &Credentials) -> (Exchange, Result<Session, SessionError>) {
        let ex = session::send_login(self.target, creds, self.accept_language, self.redactor).await;
        let session = session::session_from(self.target, &ex, self.redactor);
        (ex, session)
    }
}

impl Pool {
    /// Adopts a given session: the only one (nothing else can be opened).
    pub fn given(session: Session) -> Self {
        let why = "needs a session of its own: set ICWS_USER and ICWS_PASSWORD (only a given \
                   session is available)";
        Self {
            gate: RwLock::new(()),
            dirty: std::sync::atomic::AtomicBool::new(false),
            refusals: std::sync::atomic::AtomicU64::new(0),
            round: tokio::sync::Mutex::new(Round::default()),
            main: Slot::new(Ok(session)),
            second: Err(Unavailable::Ignored(why.to_owned())),
            ended: Err(Unavailable::Ignored(why.to_owned())),
            first_login: None,
            opened: false,
        }
    }

    /// Logs in as the plan needs: the run's session (refused: the error),
    /// then, when `--max-sessions` allows two at once, the ended session
    /// (logged in and out at once) and the second live one. A refused
    /// extra login makes the cases that need it unable to run, not the run.
    pub async fn open(
        how: &Opening<'_>,
        creds: &Credentials,
        plan: SessionPlan,
    ) -> Result<Self, SessionError> {
        let (first_login, main) = how.login(creds).await;
        let main = main?;
        let too_many = |what: &str| {
            Unavailable::Ignored(format!(
                "needs {what} open beside the run's: --max-sessions (ICWS_MAX_SESSIONS) is 1"
            ))
        };
        let ended = if !plan.ended {
            Err(Unavailable::Ignored("no selected case needs it".into()))
        } else if plan.max_sessions < 2 {
            Err(too_many("a session to end"))
        } else {
            match how.login(creds).await.1 {
                Err(e) => Err(Unavailable::Failed(format!(
                    "the session to end could not be opened: {e}"
                ))),
                Ok(s) => match session::disconnect(how.target, &s).await {
                    Ok(()) => Ok(s),
                    Err(e) => Err(Unavailable::Failed(format!(
                        "DELETE /icws/{{sessionId}}/connection did not end the session: {e}"
                    ))),
                },
            }
        };
        let second = if !plan.second {
            Err(Unavailable::Ignored("no selected case needs it".into()))
        } else if plan.max_sessions < 2 {
            Err(too_many("a second session"))
        } else {
            match how.login(creds).await.1 {
                Ok(s) => Ok(Slot::new(Ok(s))),
                Err(e) => Err(Unavailable::Failed(format!(
                    "{} could not be opened: {e}",
                    Role::Second.words()
                ))),
            }
        };
        Ok(Self {
            gate: RwLock::new(()),
            dirty: std::sync::atomic::AtomicBool::new(false),
            refusals: std::sync::atomic::AtomicU64::new(0),
            round: tokio::sync::Mutex::new(Round::default()),
            main: Slot::new(Ok(main)),
            second,
            ended,
            first_login: Some(first_login),
            opened: true,
        })
    }

    /// The run's session as it is now.
    pub fn main(&self) -> Result<Session, String> {
        self.main.get()
    }

    fn slot(&self, role: Role) -> Result<&Slot, Unavailable> {
        match role {
            Role::Main => Ok(&self.main),
            Role::Second => self.second.as_ref().map_err(Clone::clone),
            Role::Ended => Err(Unavailable::Ignored(
                "an ended session is not shared".into(),
            )),
        }
    }

    /// The sessions `case` uses, held as it needs them: shared with the
    /// other cases that may end sessions ([`Case::harms_session`]: they run
    /// at once), alone for a case that sends exact credentials, or alone
    /// when `alone` (a case sent again because a session it used had
    /// ended). A case held alone gets checked sessions when some session
    /// was found ended since the last check.
    pub async fn lease(
        &self,
        case: &Case,
        alone: bool,
        how: &Opening<'_>,
    ) -> Result<Lease<'_>, Unavailable> {
        let alone = alone || !case.harms_session();
        let mut lease = Lease {
            _shared: None,
            _alone: None,
            sessions: Vec::new(),
        };
        if alone {
            lease._alone = Some(self.gate.write().await);
            // A refused request is expected here: its sessions must be
            // known live before it is sent.
            if case.harms_session() && self.is_dirty() {
                self.check_all(how).await;
                self.clean();
            }
        } else {
            lease._shared = Some(self.gate.read().await);
        }
        self.fill(case, &mut lease)?;
        Ok(lease)
    }

    /// True when some session was found ended since the last check.
    pub fn is_dirty(&self) -> bool {
        self.dirty.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The sessions of `case`'s roles, as they are now, into `lease`.
    fn fill(&self, case: &Case, lease: &mut Lease<'_>) -> Result<(), Unavailable> {
        let mut roles = roles(case);
        roles.sort_unstable();
        lease.sessions.clear();
        for role in roles {
            if role == Role::Ended {
                lease.sessions.push((role, self.ended.clone()?));
                continue;
            }
            let s = self.slot(role)?.get().map_err(|why| {
                Unavailable::Failed(format!(
                    "{} is gone and could not be opened again: {why}",
                    role.words()
                ))
            })?;
            lease.sessions.push((role, s));
        }
        Ok(())
    }

    /// With the gate held alone (the caller's lease): every live session checked (a new login
    /// for each one the server ended), and `lease` refilled.
    pub async fn refresh(
        &self,
        case: &Case,
        lease: &mut Lease<'_>,
        how: &Opening<'_>,
    ) -> Result<(), Unavailable> {
        self.check_all(how).await;
        self.clean();
        self.fill(case, lease)
    }

    /// Checked with the gate held alone: nothing can end a session now.
    fn clean(&self) {
        self.dirty.store(false, std::sync::atomic::Ordering::SeqCst);
    }

    /// Probes every live session; each the server ended is replaced by a
    /// new login, once (a concurrent case may have replaced it already).
    /// Returns the ended ones (as they were) and warnings.
    async fn check_all(&self, how: &Opening<'_>) -> (Vec<Session>, Vec<String>) {
        let mut ended = Vec::new();
        let mut warnings = Vec::new();
        let slots = std::iter::once((Role::Main, &self.main))
            .chain(self.second.as_ref().ok().map(|s| (Role::Second, s)));
        let mut dead = Vec::new();
        // Every probe first, then the logins: a probe of an ended session
        // may end the others (a server that ends every session of a user
        // whose ended credentials come back), never a new one.
        for (role, slot) in slots {
            let Ok(session) = slot.get() else { continue };
            if probe(how.target, &session).await == Probe::Ended {
                dead.push((role, slot, session));
            }
        }
        for (role, slot, session) in dead {
            let _renewing = slot.renewing.lock().await;
            let same = slot.get().is_ok_and(|now| {
                now.id == session.id && now.token.expose() == session.token.expose()
            });
            ended.push(session.clone());
            if !same {
                continue;
            }
            let Some(creds) = how.credentials else {
                warnings.push(format!(
                    "the server ended {} after a refused request, and without credentials it \
                     cannot be opened again",
                    role.words()
                ));
                slot.set(Err("ended by the server after a refused request".into()));
                continue;
            };
            let (_, renewed) = how.login(creds).await;
            slot.set(renewed.map_err(|e| e.to_string()));
        }
        (ended, warnings)
    }

    /// After `case`'s refused request (its lease still held): checks every
    /// live session ([`Pool::check_all`]). True when a session the case
    /// used had ended: the request may have met a dead session, and must be
    /// sent again alone.
    pub async fn restore(&self, lease: &Lease<'_>, how: &Opening<'_>) -> (bool, Vec<String>) {
        let (ended, warnings) = self.checked_after_refusal(how).await;
        // A session the case used that is no longer the slot's was found
        // ended (and replaced) since the case took it — by this round or
        // by any other, perhaps while this case waited for its round: ended
        // when the request met it, for all this case knows. So this is
        // looked at after the round, not before.
        let replaced = lease.sessions.iter().any(|(role, s)| {
            *role != Role::Ended
                && self.slot(*role).is_ok_and(|slot| {
                    slot.get().map_or(true, |now| {
                        now.id != s.id || now.token.expose() != s.token.expose()
                    })
                })
        });
        let used = replaced
            || lease.sessions.iter().any(|(role, s)| {
                *role != Role::Ended
                    && ended
                        .iter()
                        .any(|e| e.id == s.id && e.token.expose() == s.token.expose())
            });
        if !ended.is_empty() || replaced {
            // A concurrent probe may end what was just opened.
            self.dirty.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        (used, warnings)
    }

    /// Every live session checked after this case's refused answer came:
    /// by a round that started after it (cases refused at about the same
    /// time share one round, so a burst of refused requests costs one probe
    /// per session, not one per case and session), or by a new one.
    async fn checked_after_refusal(&self, how: &Opening<'_>) -> (Vec<Session>, Vec<String>) {
        use std::sync::atomic::Ordering::SeqCst;
        let mine = self.refusals.fetch_add(1, SeqCst) + 1;
        let mut round = self.round.lock().await;
        if round.after >= mine {
            return (round.ended.clone(), Vec::new());
        }
        let after = self.refusals.load(SeqCst);
        let (ended, warnings) = self.check_all(how).await;
        *round = Round {
            after,
            ended: ended.clone(),
        };
        (ended, warnings)
    }

    /// Ends the sessions the run opened; a warning for each that would not end.
    pub async fn finish(&self, target: &Target) -> Vec<String> {
        if !self.opened {
            return Vec::new();
        }
        let mut warnings = Vec::new();
        let slots = std::iter::once((Role::Main, &self.main))
            .chain(self.second.as_ref().ok().map(|s| (Role::Second, s)));
        for (role, slot) in slots {
            let Ok(s) = slot.get() else { continue };
            if let Err(e) = session::disconnect(target, &s).await {
                warnings.push(format!("could not end {}: {e}", role.words()));
            }
        }
        warnings
    }
}

/// What a probe learnt of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    /// Live, or nothing to tell: a 2xx, or an answer that is not about the
    /// session (a 404 or 500 on the documented request, no answer at all).
    /// The cases themselves report such a server.
    Alive,
    /// 401: ended.
    Ended,
}

/// The documented request with `session`'s own credentials. A 429 or 503
/// (after the target's `Retry-After` waits) is asked once more after a
/// pause, and counts as ended if it stays: never trusted as live.
async fn probe(target: &Target, session: &Session) -> Probe {
    for attempt in 0..2 {
        let path = format!(
            "/icws/{}/status/status-messages",
            encode_segment(&session.id)
        );
        let url = target.url(&path);
        let mut req = Request::new(reqwest::Method::GET, path)
            .header(CSRF_HEADER, Sent::Secret(session.token.clone()));
        if let Some(c) = session.cookie_header(&url, SessionCookie::Send) {
            req = req.header("Cookie", c);
        }
        match target.send(req).await.outcome {
            Ok(r) if r.status == 401 => return Probe::Ended,
            Ok(r) if matches!(r.status, 429 | 503) => {
                if attempt == 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
            _ => return Probe::Alive,
        }
    }
    Probe::Ended
}
