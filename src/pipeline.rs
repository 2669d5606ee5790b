//! One case through the stages — run ([`Runner::execute`]) → check
//! ([`check::check`], and the catalogue snapshot's pure decision) → gate
//! ([`gate::verdict`]) — and one libtest-mimic trial per case that does it
//! and sends the record to the edge. Nothing here renders text except the
//! failure message libtest prints, taken from the record and scrubbed.

use std::sync::Arc;
use std::sync::mpsc::Sender;
use std::time::Instant;

use libtest_mimic::{Completion, Failed, Trial};

use crate::check;
use crate::finding::{Finding, Place};
use crate::gate::snapshot::{self, Comparison, Plan, Write};
use crate::gate::{self, Checked, Policy};
use crate::load::case::Case;
use crate::load::schema::Schemas;
use crate::report::record::{CaseRecord, RequestRecord};
use crate::report::text;
use crate::run::client::Exchange;
use crate::run::execute::{Outcome, Runner};

/// Writes one snapshot file (the edge's file work, handed in).
pub type SnapshotWriter = Arc<dyn Fn(&Write) -> Result<(), String> + Send + Sync>;

/// Everything the cases share during one run.
pub struct Context {
    /// The prepared target and the run's session.
    pub runner: Runner,
    /// Compiled schemas.
    pub schemas: Schemas,
    /// Levels, `--strict`, the baseline.
    pub policy: Policy,
    /// Catalogue snapshots, when on.
    pub snapshots: Option<Plan>,
    /// Writes the snapshot files the comparisons decide on.
    pub writer: Option<SnapshotWriter>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("runner", &self.runner)
            .field("snapshots", &self.snapshots)
            .finish_non_exhaustive()
    }
}

/// One case's result.
#[derive(Debug)]
pub struct CaseResult {
    /// The record.
    pub record: CaseRecord,
}

impl Context {
    /// Runs, checks and judges one case.
    pub async fn run_case(&self, case: &Case) -> CaseResult {
        let started = Instant::now();
        let mut could_not_run = None;
        let (checked, notes, warnings) = match self.runner.execute(case).await {
            Outcome::Ignored(reason) => (Checked::Ignored(reason), Vec::new(), Vec::new()),
            Outcome::SetupFailed { req, what, why } => {
                could_not_run = Some(format!("{what}: {why}"));
                let finding = Finding::must(
                    req,
                    Place::Transport,
                    what,
                    "the session step to succeed",
                    why,
                );
                (
                    Checked::Ran(RequestRecord::setup(), vec![finding]),
                    Vec::new(),
                    Vec::new(),
                )
            }
            Outcome::Done {
                exchange,
                session_id,
                warnings,
            } => {
                let mut findings = check::check(case, &exchange, &self.schemas);
                let snap = self.compare_snapshot(case, &exchange, &session_id);
                findings.extend(snap.findings);
                let mut notes = snap.notes;
                if let Some(note) = self.feature_at_login(case, &mut findings) {
                    notes.push(note);
                }
                if self.policy.strict {
                    let extras = self.undocumented(case, &exchange);
                    findings.extend(extras.findings);
                    notes.extend(
                        extras
                            .notes
                            .into_iter()
                            .map(|n| format!("{}: {n}", case.name)),
                    );
                }
                for w in snap.writes {
                    let Some(write) = &self.writer else { continue };
                    match write(&w) {
                        Ok(()) => notes.extend(w.note),
                        Err(e) => findings.push(Finding::must(
                            snapshot::SNAPSHOT_RULE,
                            Place::Body(String::new()),
                            e,
                            "a writable snapshot folder",
                            "not writable",
                        )),
                    }
                }
                (
                    Checked::Ran(RequestRecord::of(&exchange), findings),
                    notes,
                    warnings,
                )
            }
        };
        let mut record = gate::verdict(
            case,
            checked,
            started.elapsed(),
            &self.policy,
            notes,
            warnings,
        );
        record.could_not_run = could_not_run;
        CaseResult { record }
    }

    /// SES-FEAT-1 holds when either documented place lists the feature: a
    /// feature missing from `GET /icws/connection/features` but listed by the
    /// run's login (`?include=features`) is no finding, and a note says so.
    fn feature_at_login(&self, case: &Case, findings: &mut Vec<Finding>) -> Option<String> {
        let (id, min) = case.expect.rules.feature.as_ref()?;
        if !findings.iter().any(|f| f.req == "SES-FEAT-1") {
            return None;
        }
        let listed =
            serde_json::json!({ "featureInfoList": self.runner.session.features.clone()? });
        if !check::rules::feature_advertised(&listed, id, *min).is_empty() {
            return None;
        }
        findings.retain(|f| f.req != "SES-FEAT-1");
        Some(format!(
            "{}: feature {id:?} is not listed by GET /icws/connection/features but is by the login \
             (?include=features); either place counts (SES-FEAT-1)",
            case.name
        ))
    }

    /// Under `--strict`: the members of the answer's body that the case's
    /// schema does not list (POL-EXTRA-1), when the body is JSON.
    fn undocumented(&self, case: &Case, exchange: &Exchange) -> check::extras::Extras {
        let (Some(schema), Ok(resp)) = (
            case.expect
                .schema
                .as_deref()
                .and_then(|n| self.schemas.get(n)),
            &exchange.outcome,
        ) else {
            return check::extras::Extras::default();
        };
        if !case.expect.status.contains(&resp.status) {
            // The body answers another question: the status finding says so.
            return check::extras::Extras::default();
        }
        match check::parse_json(&resp.body) {
            Ok(body) => check::extras::undocumented(schema, &body),
            Err(_) => check::extras::Extras::default(),
        }
    }

    /// The case's 200 body against its snapshot, when the case has one and
    /// the run has snapshots on.
    fn compare_snapshot(&self, case: &Case, exchange: &Exchange, session_id: &str) -> Comparison {
        let (Some(plan), Some(spec), Ok(resp)) =
            (&self.snapshots, &case.snapshot, &exchange.outcome)
        else {
            return Comparison::default();
        };
        if resp.status != 200 {
            return Comparison::default();
        }
        let Ok(body) = check::parse_json(&resp.body) else {
            return Comparison::default();
        };
        let mut normalized = snapshot::normalize(
            &body,
            session_id,
            self.runner.target.authority(),
            &spec.redact,
        );
        // Snapshot files are committed: no secret may reach one.
        self.runner.redactor.scrub_json(&mut normalized);
        plan.compare(&case.name, &normalized)
    }

    /// What libtest shows for a record: ignored with the reason, a failure
    /// with the scrubbed findings text, or a pass.
    pub fn trial_result(&self, record: &CaseRecord) -> Result<Completion, Failed> {
        if let (crate::report::record::Verdict::Ignored, Some(reason)) =
            (record.verdict, &record.reason)
        {
            return Ok(Completion::ignored_with(reason.clone()));
        }
        let file = self
            .policy
            .baseline
            .as_ref()
            .map_or("", |b| b.file.as_str());
        let record = record.scrubbed(&self.runner.redactor);
        match text::trial_failure(
            &record,
            self.policy.strict,
            self.policy.strict_baseline,
            file,
        ) {
            Some(message) => Err(Failed::from(self.runner.redactor.scrub(&message))),
            None => Ok(Completion::Completed),
        }
    }
}

/// Where the trials of a run send their results.
pub type Results = Sender<CaseResult>;

/// One trial per case, named after the case. Without a run (`--list`) the
/// trials are never run.
pub fn trials(
    cases: Vec<Case>,
    run: Option<(Arc<Context>, Arc<tokio::runtime::Runtime>, Results)>,
) -> Vec<Trial> {
    cases
        .into_iter()
        .map(|case| {
            let name = case.name.clone();
            let run = run.clone();
            Trial::ignorable_test(name, move || match run {
                Some((ctx, rt, results)) => {
                    let result = rt.block_on(ctx.run_case(&case));
                    let outcome = ctx.trial_result(&result.record);
                    // The edge keeps the receiver until every trial is done.
                    let _ = results.send(result);
                    outcome
                }
                None => Err(Failed::from(
                    "internal: trial run without a prepared context",
                )),
            })
        })
        .collect()
}
