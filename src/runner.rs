//! Running: settings → a prepared [`Context`] (target, run session, compiled
//! schemas) → one [`Outcome`] per case → libtest-mimic trials. Preparing
//! talks to the server once (login or reachability); each case then makes
//! its own request(s) and hands the exchange to `check`. Nothing here prints
//! except the trial results and the warning block after the run.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use libtest_mimic::{Completion, Failed, Trial};
use reqwest::Method;

use crate::baseline::Baseline;
use crate::case::{Case, Endpoint, HeaderUse, SessionUse};
use crate::check;
use crate::client::{CSRF_HEADER, Exchange, Request, Sent, Target, Transport};
use crate::finding::{Finding, Level, Place};
use crate::record::{CaseRecord, RunRecord, Verdict};
use crate::refserver;
use crate::report;
use crate::schema::Schemas;
use crate::secret::{Redactor, Secret};
use crate::session::{self, Credentials, Session, SessionError};
use crate::snapshot;

/// What the user asked for (already parsed from flags and environment).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The target; `None` starts the embedded reference server.
    pub base_url: Option<String>,
    /// User name and password, for the run session and the cases that need their own.
    pub credentials: Option<Credentials>,
    /// A session the user already has: (id, token, cookie).
    pub given_session: Option<(String, Secret, Secret)>,
    /// `Accept-Language` of the login.
    pub accept_language: String,
    /// Timeouts, limits, retries, TLS and proxy.
    pub transport: Transport,
    /// `--strict`: interop findings fail the run.
    pub strict: bool,
    /// Known failures.
    pub baseline: Option<Baseline>,
    /// `--strict-baseline`: a baseline entry that passes fails the run.
    pub strict_baseline: bool,
    /// Catalogue snapshots, when on (`--snapshots`, `--target-name`, or the embedded server).
    pub snapshots: Option<SnapshotSettings>,
    /// Extra case folders.
    pub extra_cases: Vec<PathBuf>,
    /// The embedded server's settings (used when `base_url` is `None`).
    pub embedded: refserver::Config,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            base_url: None,
            credentials: None,
            given_session: None,
            accept_language: "en-US".into(),
            transport: Transport::default(),
            strict: false,
            baseline: None,
            strict_baseline: false,
            snapshots: None,
            extra_cases: Vec::new(),
            embedded: refserver::Config::default(),
        }
    }
}

/// Where catalogue snapshots are kept and whether they may be accepted.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// The folder holding one sub-folder per target (default `snapshots`).
    pub dir: PathBuf,
    /// The target's name; absent: `reference` for the embedded server, else
    /// derived from the host.
    pub target_name: Option<String>,
    /// `--accept-snapshots`: overwrite differing snapshots.
    pub accept: bool,
}

/// Why the run cannot start (exit 2, one line).
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    /// Bad target URL or client.
    #[error(transparent)]
    Target(#[from] crate::client::TargetError),
    /// Login refused or target unreachable.
    #[error(transparent)]
    Session(#[from] SessionError),
    /// The embedded server could not start.
    #[error("cannot start the embedded reference server: {0}")]
    Embedded(String),
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

/// Everything the cases share during one run.
pub struct Context {
    /// The target.
    pub target: Target,
    /// Compiled schemas.
    pub schemas: Schemas,
    /// Scrubs every secret of the run.
    pub redactor: Redactor,
    /// Credentials, when the run has them.
    pub credentials: Option<Credentials>,
    /// The run session.
    pub session: Session,
    /// True when the run opened the session (and so must end it).
    opened_session: bool,
    accept_language: String,
    strict: bool,
    strict_baseline: bool,
    baseline: Option<Baseline>,
    embedded: bool,
    started: chrono::DateTime<chrono::Utc>,
    clock: Instant,
    warnings: Mutex<Vec<String>>,
    notes: Mutex<Vec<String>>,
    records: Mutex<Vec<CaseRecord>>,
    store: Option<snapshot::Store>,
    _server: Option<refserver::Running>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("target", &self.target.base_url())
            .finish_non_exhaustive()
    }
}

/// What one case came to.
// One value per case, moved once: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Outcome {
    /// Not run, with the reason.
    Ignored(String),
    /// Run: the exchange that was checked and every finding.
    Done {
        /// The request and response.
        exchange: Exchange,
        /// All findings, `must` and `interop`.
        findings: Vec<Finding>,
    },
}

impl Outcome {
    /// The `must` findings (empty when the case passed or was ignored).
    pub fn failures(&self) -> Vec<&Finding> {
        match self {
            Outcome::Done { findings, .. } => {
                findings.iter().filter(|f| f.level == Level::Must).collect()
            }
            Outcome::Ignored(_) => Vec::new(),
        }
    }
}

/// Connects to the target (starting the embedded server if there is none)
/// and opens or adopts the run session.
pub async fn prepare(settings: &Settings, schemas: Schemas) -> Result<Context, SetupError> {
    let redactor = Redactor::default();
    let (server, base_url, credentials) = match &settings.base_url {
        Some(url) => (None, url.clone(), settings.credentials.clone()),
        None => {
            let cfg = settings.embedded.clone();
            let creds = Credentials {
                user: cfg.user.clone(),
                password: Secret::new(cfg.password.clone()),
            };
            let running = refserver::spawn(cfg)
                .await
                .map_err(|e| SetupError::Embedded(e.to_string()))?;
            let url = running.base_url();
            (Some(running), url, Some(creds))
        }
    };
    if let Some(c) = &credentials {
        redactor.add(c.password.expose());
    }
    // A proxy URL, or a base URL with user info, may carry a password.
    let proxy = settings.transport.proxy.as_ref().map(|p| p.expose());
    for url in proxy.into_iter().chain([base_url.as_str()]) {
        if let Ok(u) = url::Url::parse(url) {
            if let Some(pw) = u.password() {
                redactor.add(pw);
            }
        }
    }
    if let Some(p) = proxy {
        redactor.add(p);
    }
    let target = Target::with(&base_url, &settings.transport)?;
    let (session, opened_session) = match (&settings.given_session, &credentials) {
        (Some((id, token, cookie)), _) if server.is_none() => {
            let s = Session::given(id, token.expose(), cookie.expose(), &redactor);
            let ex = target
                .send(
                    Request::new(Method::GET, "/icws/connection/features"),
                    &redactor,
                )
                .await;
            if let Err(why) = ex.outcome {
                return Err(SetupError::Unreachable {
                    url: target.url("/icws/connection/features"),
                    why,
                });
            }
            (s, false)
        }
        (_, Some(creds)) => (
            session::connect(&target, creds, &settings.accept_language, &redactor).await?,
            true,
        ),
        (_, None) => return Err(SetupError::NoSession(base_url)),
    };
    let store = settings.snapshots.as_ref().map(|s| {
        let target_name = s.target_name.clone().unwrap_or_else(|| {
            if server.is_some() {
                "reference".to_owned()
            } else {
                snapshot::target_name_for(&base_url)
            }
        });
        snapshot::Store {
            root: s.dir.join(&target_name),
            builtin: if server.is_some() {
                crate::embedded::REFERENCE_SNAPSHOTS
            } else {
                &[]
            },
            target: target_name,
            mode: snapshot::WriteMode::from_env(s.accept),
        }
    });
    Ok(Context {
        target,
        schemas,
        redactor,
        credentials,
        session,
        opened_session,
        accept_language: settings.accept_language.clone(),
        strict: settings.strict,
        strict_baseline: settings.strict_baseline,
        baseline: settings.baseline.clone(),
        embedded: server.is_some(),
        started: chrono::Utc::now(),
        clock: Instant::now(),
        warnings: Mutex::new(Vec::new()),
        notes: Mutex::new(Vec::new()),
        records: Mutex::new(Vec::new()),
        store,
        _server: server,
    })
}

impl Context {
    /// Ends the run session if the run opened it. Returns a warning on failure.
    pub async fn finish(&self) -> Option<String> {
        if !self.opened_session {
            return None;
        }
        session::disconnect(&self.target, &self.session, &self.redactor)
            .await
            .err()
            .map(|e| {
                format!(
                    "could not end the run's session: {}",
                    self.redactor.scrub(&e.to_string())
                )
            })
    }

    /// The warnings about session steps collected so far.
    pub fn take_warnings(&self) -> Vec<String> {
        match self.warnings.lock() {
            Ok(mut w) => std::mem::take(&mut *w),
            Err(p) => std::mem::take(&mut *p.into_inner()),
        }
    }

    /// Information collected so far (snapshots written, letter-case-only changes).
    pub fn notes(&self) -> Vec<String> {
        let mut notes = match self.notes.lock() {
            Ok(n) => n.clone(),
            Err(p) => p.into_inner().clone(),
        };
        notes.sort();
        notes
    }

    /// The snapshot store, when snapshots are on.
    pub fn snapshot_store(&self) -> Option<&snapshot::Store> {
        self.store.as_ref()
    }

    /// Compares the case's 200 body with its snapshot (when the case has one
    /// and the run has snapshots on); records notes, returns findings.
    fn snapshot_findings(
        &self,
        case: &Case,
        exchange: &Exchange,
        session_id: &str,
    ) -> Vec<Finding> {
        let (Some(store), Some(spec), Ok(resp)) = (&self.store, &case.snapshot, &exchange.outcome)
        else {
            return Vec::new();
        };
        if resp.status != 200 {
            return Vec::new();
        }
        let Ok(body) = check::parse_json(&resp.body) else {
            return Vec::new();
        };
        let authority = url::Url::parse(self.target.base_url())
            .ok()
            .and_then(|u| {
                u.host_str()
                    .map(|h| u.port().map_or(h.to_owned(), |p| format!("{h}:{p}")))
            })
            .unwrap_or_default();
        let normalized = snapshot::normalize(&body, session_id, &authority, &spec.redact);
        let result = store.compare(&case.name, &normalized);
        if !result.notes.is_empty() {
            match self.notes.lock() {
                Ok(mut n) => n.extend(result.notes),
                Err(p) => p.into_inner().extend(result.notes),
            }
        }
        result
            .findings
            .into_iter()
            .map(|mut f| {
                f.actual = self.redactor.scrub(&f.actual);
                f.expected = self.redactor.scrub(&f.expected);
                f.message = self.redactor.scrub(&f.message);
                f
            })
            .collect()
    }

    /// The run so far as a record: every concluded case, sorted by name.
    pub fn record(&self) -> RunRecord {
        let mut cases = match self.records.lock() {
            Ok(r) => r.clone(),
            Err(p) => p.into_inner().clone(),
        };
        cases.sort_by(|a, b| a.name.cmp(&b.name));
        RunRecord {
            base_url: crate::client::display_url(self.target.base_url()),
            embedded: self.embedded,
            started: self.started,
            duration: self.clock.elapsed(),
            strict: self.strict,
            strict_baseline: self.strict_baseline,
            notes: self.notes(),
            cases,
        }
    }

    fn warn(&self, text: String) {
        match self.warnings.lock() {
            Ok(mut w) => w.push(text),
            Err(p) => p.into_inner().push(text),
        }
    }

    /// Runs one case: opens what it needs, sends its request, checks.
    pub async fn execute(&self, case: &Case) -> Outcome {
        let primary = case.reqs.first().copied().unwrap_or("REQ-REQ-1");
        if case.endpoint == Endpoint::Features {
            let ex = self
                .target
                .send(
                    Request::new(Method::GET, "/icws/connection/features"),
                    &self.redactor,
                )
                .await;
            let mut findings = check::check(case, &ex, &self.schemas);
            findings.extend(self.snapshot_findings(case, &ex, ""));
            return Outcome::Done {
                exchange: ex,
                findings,
            };
        }
        let own = if case.session.needs_login() {
            let Some(creds) = &self.credentials else {
                return Outcome::Ignored(
                    "needs a session of its own: set ICWS_USER and ICWS_PASSWORD (only a given session is available)".into(),
                );
            };
            match session::connect(&self.target, creds, &self.accept_language, &self.redactor).await
            {
                Ok(s) => Some(s),
                Err(e) => {
                    return self.setup_failure(
                        primary,
                        "could not open a session for this case",
                        e,
                    );
                }
            }
        } else {
            None
        };
        if case.session == SessionUse::Ended {
            if let Some(s) = &own {
                if let Err(e) = session::disconnect(&self.target, s, &self.redactor).await {
                    return self.setup_failure(
                        primary,
                        "DELETE /icws/{sessionId}/connection did not end the session",
                        e,
                    );
                }
            }
        }
        let session = own.as_ref().unwrap_or(&self.session);
        let path_id = match case.session {
            SessionUse::Unknown => "0000000000".to_owned(),
            _ => session.id.clone(),
        };
        let mut req = Request::new(
            Method::GET,
            format!(
                "/icws/{}/status/status-messages",
                session::encode_segment(&path_id)
            ),
        );
        let send_headers = case.session != SessionUse::None;
        match case.csrf_token {
            HeaderUse::Send if send_headers => {
                req = req.header(CSRF_HEADER, Sent::Secret(session.token.clone()))
            }
            HeaderUse::Wrong => req = req.header(CSRF_HEADER, Sent::Plain(WRONG_TOKEN.into())),
            _ => {}
        }
        match case.cookie {
            HeaderUse::Send if send_headers => {
                req = req.header("Cookie", Sent::Secret(session.cookie.clone()))
            }
            HeaderUse::Wrong => {
                req = req.header(
                    "Cookie",
                    Sent::Plain(format!("{}={WRONG_COOKIE}", session.cookie_name())),
                );
            }
            _ => {}
        }
        let exchange = self.target.send(req, &self.redactor).await;
        if case.session == SessionUse::Fresh {
            if let Some(s) = &own {
                if let Err(e) = session::disconnect(&self.target, s, &self.redactor).await {
                    self.warn(format!(
                        "{}: could not end its session: {}",
                        case.name,
                        self.redactor.scrub(&e.to_string())
                    ));
                }
            }
        }
        let mut findings = check::check(case, &exchange, &self.schemas);
        findings.extend(self.snapshot_findings(case, &exchange, &path_id));
        Outcome::Done { exchange, findings }
    }

    fn setup_failure(&self, req: &'static str, what: &str, e: SessionError) -> Outcome {
        let exchange = Exchange {
            request_line: "(session set-up)".into(),
            request_headers: Vec::new(),
            outcome: Err(e.to_string()),
            elapsed: Duration::ZERO,
            attempts: Vec::new(),
        };
        let f = Finding::must(
            req,
            Place::Transport,
            what,
            "the session step to succeed",
            self.redactor.scrub(&e.to_string()),
        );
        Outcome::Done {
            exchange,
            findings: vec![f],
        }
    }

    /// Turns an outcome into a verdict (levels, `--strict`, the baseline),
    /// records it, and returns the trial result libtest prints.
    pub fn conclude(
        &self,
        case: &Case,
        outcome: Outcome,
        duration: Duration,
    ) -> Result<Completion, Failed> {
        let mut record = CaseRecord {
            name: case.name.clone(),
            file: case.file.clone(),
            level: case.level,
            tags: case.tags.clone(),
            reqs: case.reqs.clone(),
            verdict: Verdict::Ignored,
            reason: None,
            duration,
            request: String::new(),
            attempts: Vec::new(),
            findings: Vec::new(),
            failing: Vec::new(),
            text: String::new(),
            flaky: false,
        };
        let result = match outcome {
            Outcome::Ignored(reason) => {
                record.reason = Some(reason.clone());
                Ok(Completion::ignored_with(reason))
            }
            Outcome::Done { exchange, findings } => {
                let mut findings: Vec<Finding> = match case.level {
                    Level::Must => findings,
                    Level::Interop => findings.into_iter().map(Finding::interop).collect(),
                };
                // Failing findings first, in the text and in every report.
                findings.sort_by_key(|f| f.level);
                let failing: Vec<bool> = findings
                    .iter()
                    .map(|f| f.level == Level::Must || self.strict)
                    .collect();
                let fails = failing.iter().any(|f| *f);
                if !findings.is_empty() {
                    let all: Vec<&Finding> = findings.iter().collect();
                    record.text =
                        report::render(case, &exchange, &all, self.strict, &self.redactor);
                }
                let entry = self.baseline.as_ref().and_then(|b| b.entry(&case.name));
                let failing_reqs: Vec<&str> = findings
                    .iter()
                    .zip(&failing)
                    .filter(|(_, f)| **f)
                    .map(|(x, _)| x.req)
                    .collect();
                record.verdict = match (fails, entry) {
                    (true, None) => Verdict::Failed,
                    (true, Some(e)) if e.expects(&failing_reqs) => Verdict::ExpectedFailure,
                    (true, Some(e)) => {
                        let mut new: Vec<&str> = failing_reqs
                            .iter()
                            .copied()
                            .filter(|r| !e.reqs.iter().any(|x| x == r))
                            .collect();
                        new.dedup();
                        record.text.push_str(&format!(
                            "the baseline expects this case to break only {}; it now also breaks {}\n",
                            e.reqs.join(", "),
                            new.join(", ")
                        ));
                        Verdict::Failed
                    }
                    (false, None) => Verdict::Passed,
                    (false, Some(_)) => Verdict::UnexpectedPass,
                };
                let expected = entry.map(|e| e.reason.clone());
                record.flaky = record.verdict == Verdict::Passed && exchange.attempts.len() > 1;
                record.reason = expected;
                record.request = exchange.request_line.clone();
                record.attempts = exchange.attempts.clone();
                record.findings = findings;
                record.failing = failing;
                match record.verdict {
                    Verdict::Failed => Err(Failed::from(record.text.clone())),
                    Verdict::UnexpectedPass if self.strict_baseline => Err(Failed::from(format!(
                        "{} passes, but {} lists it as an expected failure ({:?}): \
                         remove it from the baseline\n",
                        case.name,
                        self.baseline.as_ref().map_or("", |b| b.file.as_str()),
                        record.reason.as_deref().unwrap_or_default()
                    ))),
                    _ => Ok(Completion::Completed),
                }
            }
        };
        match self.records.lock() {
            Ok(mut r) => r.push(record),
            Err(p) => p.into_inner().push(record),
        }
        result
    }
}

/// The CSRF token sent by `csrf-token = "wrong"` (belongs to no session).
pub const WRONG_TOKEN: &str = "icws-conformance-wrong-token-0f3e9a7c";
/// The cookie value sent by `cookie = "wrong"`.
pub const WRONG_COOKIE: &str = "00000000-0000-4000-8000-000000000000";

/// One trial per case, named after the case. Without a context (`--list`)
/// the trials are never run.
pub fn trials(
    cases: Vec<Case>,
    ctx: Option<(Arc<Context>, Arc<tokio::runtime::Runtime>)>,
) -> Vec<Trial> {
    cases
        .into_iter()
        .map(|case| {
            let name = case.name.clone();
            let ctx = ctx.clone();
            Trial::ignorable_test(name, move || match ctx {
                Some((ctx, rt)) => {
                    let started = Instant::now();
                    let outcome = rt.block_on(ctx.execute(&case));
                    ctx.conclude(&case, outcome, started.elapsed())
                }
                None => Err(Failed::from(
                    "internal: trial run without a prepared context",
                )),
            })
        })
        .collect()
}
