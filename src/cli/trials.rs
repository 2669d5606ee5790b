//! The cases as libtest-mimic trials: which cases the tags select
//! ([`select_by_tags`]), one trial per case named after it ([`trials`]), and
//! what libtest shows for a case's record ([`trial_result`]: ignored with
//! the reason, a failure with the scrubbed findings text, whole or one line
//! per finding, or a pass), and
//! a FILTER that matches no case, with the closest names ([`filter_miss`]).

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use libtest_mimic::{Completion, Failed, Trial};

use super::output::Output;
use super::{EXIT_INTERNAL, FORCE_PANIC_VAR};
use crate::load::case::Case;
use crate::pipeline::{CaseResult, Context};
use crate::record::{CaseRecord, Verdict};
use crate::report::text;
use crate::text::{did_you_mean, did_you_mean_any};

/// Where the trials of a run send their results.
pub type Results = Sender<CaseResult>;

/// What a trial needs to run its case.
#[derive(Clone)]
pub struct TrialRun {
    /// The prepared run.
    pub ctx: Arc<Context>,
    /// The runtime the requests run on.
    pub rt: Arc<tokio::runtime::Runtime>,
    /// Where the records go.
    pub results: Results,
    /// The failure message's way out.
    pub output: Output,
    /// `-v`: every case's exchange printed as it finishes.
    pub verbose: bool,
    /// `ICWS_FORCE_PANIC`: the case whose trial panics on purpose.
    pub panic_in: Option<String>,
    /// libtest shows one line per finding: the binary's console prints the
    /// root causes, then the whole blocks, after the run.
    pub brief: bool,
}

/// One trial per case, named after the case. Without a run (`--list`,
/// filtering) the trials are never run.
pub fn trials(cases: Vec<Case>, run: Option<TrialRun>) -> Vec<Trial> {
    cases
        .into_iter()
        .map(|case| {
            let name = case.name.clone();
            let run = run.clone();
            Trial::ignorable_test(name, move || match run {
                Some(run) => {
                    // A panic here is the tool's bug, not the server's: the
                    // hook has said so and the run will exit 3; libtest
                    // shows this case as failed with a pointer to that line.
                    let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        if run.panic_in.as_deref() == Some(case.name.as_str()) {
                            panic!("forced by {FORCE_PANIC_VAR}={}", case.name);
                        }
                        run.rt.block_on(run.ctx.run_case(&case))
                    }));
                    let Ok(result) = result else {
                        return Err(Failed::from(format!(
                            "internal error: the tool panicked while running this case (see \
                             the error line above); the run exits {EXIT_INTERNAL}"
                        )));
                    };
                    let outcome = trial_result(&run.ctx, &run.output, &result.record, run.brief);
                    if run.verbose {
                        let shown = result.record.scrubbed(run.output.redactor());
                        run.output.block(&text::exchange_text(&shown));
                    }
                    // The edge keeps the receiver until every trial is done.
                    let _ = run.results.send(result);
                    outcome
                }
                None => Err(Failed::from(
                    "internal: trial run without a prepared context",
                )),
            })
        })
        .collect()
}

/// What libtest shows for a record: ignored with the reason, a failure
/// with the scrubbed findings text (`brief`: one line per finding, the
/// edge printing the whole blocks after the root causes), or a pass.
pub fn trial_result(
    ctx: &Context,
    output: &Output,
    record: &CaseRecord,
    brief: bool,
) -> Result<Completion, Failed> {
    if let (Verdict::Ignored, Some(reason)) = (record.verdict, &record.reason) {
        return Ok(Completion::ignored_with(reason.clone()));
    }
    let file = ctx.policy.baseline.as_ref().map_or("", |b| b.file.as_str());
    // A passing case prints nothing; a failing one prints no body (the
    // reports and -v do): scrubbing kilobytes of bodies here, once per
    // case, was most of a run's time.
    if text::trial_failure(record, ctx.policy.strict, ctx.policy.strict_baseline, file).is_none() {
        return Ok(Completion::Completed);
    }
    // Nor a links case's links: the thousands of a large catalogue are
    // scrubbed once, for the run's record.
    let mut shown = record.without_bodies();
    shown.links.clear();
    let record = shown.scrubbed(output.redactor());
    let (strict, strict_baseline) = (ctx.policy.strict, ctx.policy.strict_baseline);
    let message = if brief {
        text::trial_failure_brief(&record, strict, strict_baseline, file)
    } else {
        text::trial_failure(&record, strict, strict_baseline, file)
    };
    match message {
        Some(message) => Err(Failed::from(output.scrub(&message))),
        None => Ok(Completion::Completed),
    }
}

/// Keeps the cases `--tag` / `--skip-tag` select; a tag no case has is an
/// error (a typo would otherwise run nothing, or skip nothing, silently).
pub fn select_by_tags(
    cases: Vec<Case>,
    tags: &[String],
    skip: &[String],
) -> Result<Vec<Case>, String> {
    let mut known: Vec<&str> = cases
        .iter()
        .flat_map(|c| c.tags.iter().map(String::as_str))
        .collect();
    known.sort_unstable();
    known.dedup();
    for (flag, list) in [("--tag", tags), ("--skip-tag", skip)] {
        for t in list {
            if !known.contains(&t.as_str()) {
                return Err(format!(
                    "{flag} {t:?}: no case has this tag{} (tags: {})",
                    did_you_mean(t, known.iter().copied()),
                    known.join(", ")
                ));
            }
        }
    }
    Ok(cases
        .into_iter()
        .filter(|c| tags.is_empty() || c.tags.iter().any(|t| tags.contains(t)))
        .filter(|c| !c.tags.iter().any(|t| skip.contains(t)))
        .collect())
}

/// The cases the filter, `--exact` and `--skip` leave to run (`--ignored`
/// runs none: no case is ignored by default).
pub fn selected(args: &libtest_mimic::Arguments, cases: &[Case]) -> Vec<Case> {
    if args.ignored {
        return Vec::new();
    }
    let trials = trials(cases.to_vec(), None);
    cases
        .iter()
        .zip(&trials)
        .filter(|(_, t)| !args.is_filtered_out(t))
        .map(|(c, _)| c.clone())
        .collect()
}

/// A FILTER (with `--exact` or not) that matches no case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterMiss {
    /// `FILTER "tokn"` or `FILTER "x" (--exact)`.
    pub filter: String,
    /// `, did you mean "auth/token", …?`, or empty when no name is close.
    pub suggestion: String,
}

/// The FILTER when it matches no case, with the closest case names: as a
/// whole name under `--exact`, else as a part of one (a typo in a CI job
/// would otherwise run nothing and pass). `None` without a FILTER or when
/// it matches.
pub fn filter_miss(args: &libtest_mimic::Arguments, cases: &[Case]) -> Option<FilterMiss> {
    let filter = args.filter.as_ref()?;
    let only_filter = libtest_mimic::Arguments {
        filter: Some(filter.clone()),
        exact: args.exact,
        ..libtest_mimic::Arguments::default()
    };
    if !selected(&only_filter, cases).is_empty() {
        return None;
    }
    Some(FilterMiss {
        filter: format!(
            "FILTER {filter:?}{}",
            if args.exact { " (--exact)" } else { "" }
        ),
        suggestion: did_you_mean_any(filter, cases.iter().map(|c| c.name.as_str()), !args.exact),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cases() -> Vec<Case> {
        let schemas = crate::load::Schemas::shipped().unwrap_or_else(|_| panic!("schemas"));
        crate::load::load_all(&[], &schemas).unwrap_or_else(|_| panic!("cases"))
    }

    fn args(filter: &str, exact: bool) -> libtest_mimic::Arguments {
        libtest_mimic::Arguments {
            filter: Some(filter.to_owned()),
            exact,
            ..libtest_mimic::Arguments::default()
        }
    }

    #[test]
    fn a_filter_that_matches_nothing_names_the_closest_cases() {
        let cases = cases();
        assert_eq!(filter_miss(&args("auth/", false), &cases), None);
        assert_eq!(filter_miss(&args("session/fresh", true), &cases), None);
        assert_eq!(
            filter_miss(&libtest_mimic::Arguments::default(), &cases),
            None
        );
        let miss = filter_miss(&args("catalgo", false), &cases);
        assert_eq!(
            miss,
            Some(FilterMiss {
                filter: "FILTER \"catalgo\"".into(),
                suggestion: ", did you mean \"browser/catalog\" or \"status-messages/catalog\"?"
                    .into(),
            })
        );
        // Under --exact the whole name is compared: a part is not enough.
        let miss = filter_miss(&args("catalog", true), &cases);
        assert!(miss.is_some_and(|m| m.filter.ends_with("(--exact)") && m.suggestion.is_empty()));
    }
}
