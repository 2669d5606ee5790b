//! Stage 4, **gate**: what turns findings into a verdict. [`verdict`] is one
//! pure function from (case, what the check found, the [`Policy`]: levels,
//! `--strict`, the [`baseline`]) to the case's [`CaseRecord`]; the pipeline
//! stores the record and the edge maps it to libtest's result.

pub mod baseline;

use std::time::Duration;

use crate::finding::{Finding, Level};
use crate::load::case::Case;
use crate::record::{CaseRecord, RequestRecord, Verdict};

use baseline::Baseline;

/// How findings weigh in this run.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// `--strict`: interop findings fail the run.
    pub strict: bool,
    /// `--strict-baseline`: a baseline entry that passes fails the run.
    pub strict_baseline: bool,
    /// Known failures.
    pub baseline: Option<Baseline>,
}

/// What the run and check stages came to for one case.
#[derive(Debug)]
pub enum Checked {
    /// Not run, with the reason.
    Ignored(String),
    /// Run: the request made and every finding, must and interop.
    Ran(RequestRecord, Vec<Finding>),
}

/// The case's record: findings at the case's level, failing ones first,
/// the verdict after `--strict` and the baseline, flaky when a retried
/// attempt was needed. `notes` and `warnings` are carried as they are.
pub fn verdict(
    case: &Case,
    checked: Checked,
    duration: Duration,
    policy: &Policy,
    notes: Vec<String>,
    warnings: Vec<String>,
) -> CaseRecord {
    let mut record = CaseRecord {
        name: case.name.clone(),
        file: case.file.clone(),
        description: case.description.clone(),
        level: case.level,
        tags: case.tags.clone(),
        reqs: case.reqs.clone(),
        verdict: Verdict::Ignored,
        reason: None,
        duration,
        request: RequestRecord::default(),
        findings: Vec::new(),
        failing: Vec::new(),
        flaky: false,
        beyond_baseline: None,
        notes,
        warnings,
        could_not_run: None,
        links: Vec::new(),
    };
    let (request, findings) = match checked {
        Checked::Ignored(reason) => {
            record.reason = Some(reason);
            return record;
        }
        Checked::Ran(request, findings) => (request, findings),
    };
    let mut findings: Vec<Finding> = match case.level {
        Level::Must => findings,
        Level::Interop => findings.into_iter().map(Finding::interop).collect(),
    };
    // Failing findings first, in the text and in every report.
    findings.sort_by_key(|f| f.level);
    let failing: Vec<bool> = findings
        .iter()
        .map(|f| f.level == Level::Must || policy.strict)
        .collect();
    let fails = failing.iter().any(|f| *f);
    let entry = policy.baseline.as_ref().and_then(|b| b.entry(&case.name));
    let failing_reqs: Vec<&'static str> = findings
        .iter()
        .zip(&failing)
        .filter(|(_, f)| **f)
        .map(|(x, _)| x.req)
        .collect();
    record.verdict = match (fails, entry) {
        (true, None) => Verdict::Failed,
        (true, Some(e)) if e.expects(&failing_reqs) => Verdict::ExpectedFailure,
        (true, Some(e)) => {
            let mut new: Vec<&'static str> = failing_reqs
                .iter()
                .copied()
                .filter(|r| !e.reqs.iter().any(|x| x == r))
                .collect();
            new.dedup();
            record.beyond_baseline = Some((e.reqs.clone(), new));
            Verdict::Failed
        }
        (false, None) => Verdict::Passed,
        (false, Some(_)) => Verdict::UnexpectedPass,
    };
    // Flaky: passed only after a retry (a resend after a stale pooled
    // connection does not count).
    record.flaky = record.verdict == Verdict::Passed
        && request
            .attempts
            .iter()
            .filter(|a| a.counts_as_retry())
            .count()
            > 1;
    record.reason = entry.map(|e| e.reason.clone());
    record.request = request;
    record.findings = findings;
    record.failing = failing;
    record
}
