//! One case through the stages — run ([`Runner::execute`]) → check
//! ([`check::check`], then the catalogue snapshot's pure comparison with the
//! body the check parsed, and a links case's links by [`check::links`]) →
//! gate ([`gate::verdict`]) — to its record. No
//! finding is made here (the check stage makes them all) and nothing is
//! rendered or printed: the edge (`cli::trials`) turns the record into
//! libtest's result and sends it on.

use std::sync::Arc;
use std::time::Instant;

use crate::check::snapshot::{self, Comparison, Plan, Write};
use crate::check::{self, CheckContext};
use crate::gate::{self, Checked, Policy};
use crate::load::case::Case;
use crate::load::schema::Schemas;
use crate::record::{CaseRecord, RequestRecord};
use crate::run::client::Exchange;
use crate::run::execute::{Outcome, Runner};
use crate::run::links::LinkRun;

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
        let mut links = Vec::new();
        let executed = crate::run::target::labelled(&case.name, self.runner.execute(case)).await;
        let (checked, notes, warnings) = match executed {
            Outcome::Ignored(reason) => (Checked::Ignored(reason), Vec::new(), Vec::new()),
            Outcome::SetupFailed { req, what, why } => {
                could_not_run = Some(format!("{what}: {why}"));
                let finding = check::setup_failed(req, what, &why);
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
            } => self.check(case, &exchange, &session_id, warnings, None, &mut links),
            Outcome::Linked {
                exchange,
                session_id,
                warnings,
                links: run,
            } => self.check(
                case,
                &exchange,
                &session_id,
                warnings,
                Some(&run),
                &mut links,
            ),
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
        record.links = links;
        CaseResult { record }
    }

    /// The check of an exchange (and of a links case's links, whose
    /// results go to `links`): the findings, notes and warnings the gate
    /// weighs.
    fn check(
        &self,
        case: &Case,
        exchange: &Exchange,
        session_id: &str,
        warnings: Vec<String>,
        run: Option<&LinkRun>,
        links: &mut Vec<crate::check::links::LinkResult>,
    ) -> (Checked, Vec<String>, Vec<String>) {
        let ctx = CheckContext {
            schemas: &self.schemas,
            strict: self.policy.strict,
            login_features: self.runner.login_features(),
            origin: self.runner.origin.as_deref(),
        };
        let checked = check::check(case, exchange, &ctx);
        let snap = self.compare_snapshot(case, exchange, checked.body, session_id);
        // The gate sorts failing findings first, keeping this order.
        let mut findings = checked.findings;
        findings.extend(snap.findings);
        let mut notes = snap.notes;
        notes.extend(checked.notes);
        if let Some(run) = run {
            let judged = check::links::check(run);
            findings.extend(judged.findings);
            notes.extend(
                judged
                    .notes
                    .into_iter()
                    .map(|n| format!("{}: {n}", case.name)),
            );
            *links = judged.results;
        }
        for w in snap.writes {
            let Some(write) = &self.writer else { continue };
            match write(&w) {
                Ok(()) => notes.extend(w.note),
                Err(e) => findings.push(snapshot::write_failed(e)),
            }
        }
        (
            Checked::Ran(RequestRecord::of(exchange), findings),
            notes,
            warnings,
        )
    }

    /// The case's 200 body (parsed by the check) against its snapshot, when
    /// the case has one and the run has snapshots on.
    fn compare_snapshot(
        &self,
        case: &Case,
        exchange: &Exchange,
        body: Option<serde_json::Value>,
        session_id: &str,
    ) -> Comparison {
        let (Some(plan), Some(spec), Ok(resp), Some(body)) =
            (&self.snapshots, &case.snapshot, &exchange.outcome, body)
        else {
            return Comparison::default();
        };
        if resp.status != 200 {
            return Comparison::default();
        }
        let mut normalized = snapshot::normalize(
            &body,
            session_id,
            self.runner.target.authority(),
            &spec.redact,
        );
        // Snapshot files are committed: no secret may reach one. Hidden here,
        // as data, so the stored and the new body compare alike.
        self.runner.redactor.scrub_json(&mut normalized);
        plan.compare(&case.name, &normalized)
    }
}
