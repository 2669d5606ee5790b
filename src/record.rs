//! The results of a run as data: one [`CaseRecord`] per case (its verdict
//! after levels and the baseline are applied, the request, its attempts and
//! findings, notes and warnings) and the [`RunRecord`] around them. It sits
//! below both stages that use it: the gate builds each case's record, and
//! every report (console text, JUnit, JSON, HTML, GitHub) reads the record
//! and nothing else, so neither stage reaches into the other.

use std::time::Duration;

use crate::check::links::LinkResult;
use crate::finding::{Finding, Level, Place};
use crate::run::client::{Attempt, Exchange};
use crate::secret::Redactor;
use crate::text::inert;

/// What a case came to, after `--strict` and the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// No failing finding.
    Passed,
    /// A failing finding, and the case is not in the baseline.
    Failed,
    /// Not run, with a reason.
    Ignored,
    /// A failing finding, and the baseline expects it: does not fail the run.
    ExpectedFailure,
    /// In the baseline but passed: fails the run under `--strict-baseline`.
    UnexpectedPass,
}

impl Verdict {
    /// The name reports use: `passed`, `failed`, `ignored`,
    /// `expected-failure`, `unexpected-pass`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Failed => "failed",
            Verdict::Ignored => "ignored",
            Verdict::ExpectedFailure => "expected-failure",
            Verdict::UnexpectedPass => "unexpected-pass",
        }
    }
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    /// `<folder>/<name>`.
    pub name: String,
    /// The case file, as errors name it.
    pub file: String,
    /// What the case checks, in a sentence (its `description`).
    pub description: String,
    /// The case's level.
    pub level: Level,
    /// Its tags.
    pub tags: Vec<String>,
    /// The requirement ids it checks.
    pub reqs: Vec<&'static str>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why it was ignored, or the baseline's reason.
    pub reason: Option<String>,
    /// Wall time of the whole case (session steps included).
    pub duration: Duration,
    /// The checked request (empty when ignored).
    pub request: RequestRecord,
    /// Every finding, must and interop; failing ones first.
    pub findings: Vec<Finding>,
    /// True when the run fails on these findings' level (`must`, or any under `--strict`).
    pub failing: Vec<bool>,
    /// Passed, but only after a retried attempt.
    pub flaky: bool,
    /// A baselined case that broke requirements its entry does not list:
    /// (the entry's requirement ids, the new ones).
    pub beyond_baseline: Option<(Vec<String>, Vec<&'static str>)>,
    /// Information (a snapshot written, letter-case-only id changes).
    pub notes: Vec<String>,
    /// Problems around the case that are not findings (its own session
    /// could not be ended).
    pub warnings: Vec<String>,
    /// Why the case could not run at all (a session it needs could not be
    /// opened): the run then ends with exit 2, not as a server failure.
    pub could_not_run: Option<String>,
    /// A links case's links, one per distinct link loaded (empty for
    /// other cases).
    pub links: Vec<LinkResult>,
}

/// What a case sent and what came back, as reports show it.
#[derive(Debug, Clone, Default)]
pub struct RequestRecord {
    /// `GET /icws/…`, or `(session set-up)` when a session step failed first.
    pub line: String,
    /// The whole URL (no user info); empty without a request.
    pub url: String,
    /// The request headers as shown (secrets as `<redacted>`).
    pub headers: Vec<String>,
    /// The request body, if any (the password replaced).
    pub body: Option<String>,
    /// A curl command line that sends the request again, the secrets read
    /// from `$ICWS_CSRF_TOKEN`, `$ICWS_COOKIE` and `$ICWS_PASSWORD`.
    pub curl: String,
    /// The response status; `None` without a complete response.
    pub status: Option<u16>,
    /// Time from sending to the last body byte (all attempts).
    pub elapsed: Duration,
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
}

impl RequestRecord {
    /// The record of an exchange.
    pub fn of(exchange: &Exchange) -> Self {
        Self {
            line: exchange.request_line.clone(),
            url: exchange.sent.url.clone(),
            headers: exchange.sent.headers.clone(),
            body: exchange.sent.body.clone(),
            curl: exchange.sent.curl.clone(),
            status: exchange.outcome.as_ref().ok().map(|r| r.status),
            elapsed: exchange.elapsed,
            attempts: exchange.attempts.clone(),
        }
    }

    /// A session step failed before the case's request.
    pub fn setup() -> Self {
        Self {
            line: "(session set-up)".into(),
            ..Self::default()
        }
    }
}

/// What a replay shows when the command itself would reveal a secret (the
/// server chose an id, a token or a cookie that is also part of its text).
pub const WITHHELD_REPLAY: &str = "(withheld: the command would hold text that matches a secret)";

/// A body as reports show it: scrubbed line by line, each line inert, the
/// line breaks kept (every renderer quotes or prefixes each line).
fn shown_lines(r: &Redactor, body: &str) -> String {
    r.scrub_document(body)
        .split('\n')
        .map(|line| inert(line.strip_suffix('\r').unwrap_or(line)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Texts already scrubbed during one scrub of a record, by kind.
#[derive(Default)]
struct Memo {
    bodies: std::collections::HashMap<String, String>,
    values: std::collections::HashMap<String, String>,
    lines: std::collections::HashMap<String, String>,
}

impl Memo {
    fn body(&mut self, r: &Redactor, text: &str) -> String {
        if let Some(done) = self.bodies.get(text) {
            return done.clone();
        }
        let done = shown_lines(r, text);
        self.bodies.insert(text.to_owned(), done.clone());
        done
    }

    fn value(&mut self, r: &Redactor, text: &str) -> String {
        if let Some(done) = self.values.get(text) {
            return done.clone();
        }
        let done = inert(&r.scrub_value(text));
        self.values.insert(text.to_owned(), done.clone());
        done
    }

    fn line(&mut self, r: &Redactor, text: &str) -> String {
        if let Some(done) = self.lines.get(text) {
            return done.clone();
        }
        let done = inert(&r.scrub(text));
        self.lines.insert(text.to_owned(), done.clone());
        done
    }
}

impl CaseRecord {
    /// The record with every text that may hold a secret scrubbed, and
    /// made inert (control, bidi and invisible characters escaped), once,
    /// as data: every report is rendered from it and none scrubs or
    /// neutralises text again.
    pub fn scrubbed(&self, r: &Redactor) -> CaseRecord {
        self.scrubbed_with(r, &mut Memo::default())
    }

    /// [`CaseRecord::scrubbed`], reusing what `memo` holds: the same
    /// bodies and header values come back in case after case.
    fn scrubbed_with(&self, r: &Redactor, memo: &mut Memo) -> CaseRecord {
        let s = |t: &String| inert(&r.scrub(t));
        let mut c = self.clone();
        c.reason = c.reason.as_ref().map(s);
        c.description = s(&c.description);
        c.could_not_run = c.could_not_run.as_ref().map(s);
        c.request.line = s(&c.request.line);
        c.request.url = s(&c.request.url);
        c.request.headers = c.request.headers.iter().map(s).collect();
        c.request.body = c.request.body.as_ref().map(|b| memo.body(r, b));
        // The command holds no secret by construction (shell variables);
        // one a scrub would change is withheld whole, never half quoted.
        let curl = inert(&c.request.curl);
        c.request.curl = if r.scrub(&curl) == curl {
            curl
        } else {
            WITHHELD_REPLAY.to_owned()
        };
        for a in &mut c.request.attempts {
            a.outcome = s(&a.outcome);
            if let Some(got) = &mut a.received {
                for (name, value) in &mut got.headers {
                    *name = memo.line(r, name);
                    *value = memo.value(r, value);
                }
                got.body = memo.body(r, &got.body);
            }
        }
        for f in &mut c.findings {
            f.message = s(&f.message);
            f.expected = s(&f.expected);
            f.actual = inert(&r.scrub_value(&f.actual));
            f.place = match &f.place {
                Place::Header(h) => Place::Header(s(h)),
                Place::Body(p) => Place::Body(s(p)),
                other => other.clone(),
            };
        }
        c.notes = c.notes.iter().map(s).collect();
        c.warnings = c.warnings.iter().map(s).collect();
        // The pointer is the check's own (`/statusMessageList/N/iconUri`).
        for l in &mut c.links {
            l.url = s(&l.url);
            l.final_url = l.final_url.as_ref().map(s);
            l.media_type = l.media_type.as_ref().map(|m| inert(&r.scrub_value(m)));
            l.bytes = inert(&r.scrub_value(&l.bytes));
            l.problem = l.problem.as_ref().map(s);
        }
        c
    }

    /// The record without the bodies sent and received (their lengths
    /// kept), for text that shows none: the console's failure blocks.
    pub fn without_bodies(&self) -> CaseRecord {
        let mut c = self.clone();
        c.request.body = None;
        for a in &mut c.request.attempts {
            if let Some(got) = &mut a.received {
                got.body.clear();
            }
        }
        c
    }

    /// The folder part of the name (`auth` for `auth/missing-token`).
    pub fn folder(&self) -> &str {
        self.name.rsplit_once('/').map_or("", |(f, _)| f)
    }

    /// The findings that fail the case.
    pub fn failing_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .zip(&self.failing)
            .filter(|(_, f)| **f)
            .map(|(x, _)| x)
    }

    /// The findings that are only warnings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .zip(&self.failing)
            .filter(|(_, f)| !**f)
            .map(|(x, _)| x)
    }

    /// The first failing finding in one line (for messages and annotations).
    pub fn headline(&self) -> Option<String> {
        match self.verdict {
            Verdict::UnexpectedPass => Some(
                "passes, but the baseline lists it as an expected failure: remove it from the baseline"
                    .into(),
            ),
            _ => self.failing_findings().next().map(Finding::one_line),
        }
    }

    /// True when this case fails the run.
    pub fn fails_run(&self, strict_baseline: bool) -> bool {
        match self.verdict {
            Verdict::Failed => true,
            Verdict::UnexpectedPass => strict_baseline,
            _ => false,
        }
    }
}

/// Counts over a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    /// Cases that passed (flaky ones included).
    pub passed: usize,
    /// Cases that failed.
    pub failed: usize,
    /// Cases not run.
    pub ignored: usize,
    /// Failures the baseline expects.
    pub expected_failures: usize,
    /// Baseline entries that now pass.
    pub unexpected_passes: usize,
    /// Cases that passed only after a retry.
    pub flaky: usize,
    /// Findings that are only warnings.
    pub warnings: usize,
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// The target's base URL (without user info).
    pub base_url: String,
    /// True when the target was the embedded reference server.
    pub embedded: bool,
    /// When the cases started.
    pub started: chrono::DateTime<chrono::Utc>,
    /// Wall time of the run.
    pub duration: Duration,
    /// `--strict`: interop findings fail.
    pub strict: bool,
    /// `--strict-baseline`: baseline entries that pass fail.
    pub strict_baseline: bool,
    /// Information lines (snapshots written, letter-case-only id changes).
    pub notes: Vec<String>,
    /// The cases that ran (or were ignored), sorted by name.
    pub cases: Vec<CaseRecord>,
    /// What the run asked of the server.
    pub traffic: TrafficRecord,
}

/// What a run asked of the server: requests (every attempt), logins among
/// them, and the time spent waiting on `Retry-After`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrafficRecord {
    /// Requests sent.
    pub requests: u64,
    /// Logins sent (`POST /icws/connection`).
    pub logins: u64,
    /// Waited on `Retry-After`.
    pub waited: Duration,
}

impl TrafficRecord {
    /// One line for people: `23 requests, 3 logins`.
    pub fn line(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut out = format!(
            "{} to the server, {}",
            plural(self.requests, "request", "requests"),
            plural(self.logins, "login", "logins")
        );
        if !self.waited.is_zero() {
            out.push_str(&format!(
                ", {:.1} s waited on Retry-After",
                self.waited.as_secs_f64()
            ));
        }
        out
    }
}

impl RunRecord {
    /// The record with every case [`CaseRecord::scrubbed`] and the notes too.
    pub fn scrubbed(&self, r: &Redactor) -> RunRecord {
        RunRecord {
            base_url: inert(&r.scrub(&self.base_url)),
            notes: self.notes.iter().map(|n| inert(&r.scrub(n))).collect(),
            cases: {
                let mut memo = Memo::default();
                self.cases
                    .iter()
                    .map(|c| c.scrubbed_with(r, &mut memo))
                    .collect()
            },
            ..self.clone()
        }
    }

    /// Counts.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.cases {
            match c.verdict {
                Verdict::Passed => s.passed += 1,
                Verdict::Failed => s.failed += 1,
                Verdict::Ignored => s.ignored += 1,
                Verdict::ExpectedFailure => s.expected_failures += 1,
                Verdict::UnexpectedPass => s.unexpected_passes += 1,
            }
            s.flaky += usize::from(c.flaky);
            s.warnings += c.warnings().count();
        }
        s
    }

    /// True when the run fails.
    pub fn failed(&self) -> bool {
        self.cases.iter().any(|c| c.fails_run(self.strict_baseline))
    }

    /// True when nothing was tested: no case ran, or every one was ignored.
    pub fn tested_nothing(&self) -> bool {
        self.cases.iter().all(|c| c.verdict == Verdict::Ignored)
    }

    /// True when the run passed (exit 0): nothing failed, something was
    /// tested, and every case could run.
    pub fn passed(&self) -> bool {
        !self.failed()
            && !self.tested_nothing()
            && self.cases.iter().all(|c| c.could_not_run.is_none())
    }
}
