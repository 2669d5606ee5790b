//! One run against the target: read the baseline, select the cases, decide
//! the target and prepare the runner, run one trial per case, build the
//! record, then the console's closing block (in the binary, the failing
//! cases' root causes before their whole blocks), the exit code and the
//! reports.
//! Each step is a function below; [`run`] reads as the list of them.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use super::args::Settings;
use super::output::Output;
use super::trials::{self, TrialRun};
use super::{EXIT_SETUP, files, target};
use crate::check::snapshot;
use crate::gate::Policy;
use crate::gate::baseline::{self, Baseline};
use crate::load::{Case, Schemas};
use crate::pipeline::Context;
use crate::record::{RunRecord, TrafficRecord, Verdict};
use crate::report::{github, har, html, json, junit, text};
use crate::run::execute::Runner;
use crate::run::plan::SessionPlan;
use crate::text::did_you_mean;

/// Runs the selected cases and writes what was asked for. `binary`: the
/// `icws-conformance` binary, not the `cargo test` target (where a filter
/// meant for other targets selecting no case is normal).
pub fn run(
    settings: &Settings,
    schemas: Schemas,
    cases: Vec<Case>,
    binary: bool,
    out: &Output,
) -> ExitCode {
    match run_steps(settings, schemas, cases, binary, out) {
        Ok(code) | Err(code) => code,
    }
}

fn run_steps(
    settings: &Settings,
    schemas: Schemas,
    cases: Vec<Case>,
    binary: bool,
    out: &Output,
) -> Result<ExitCode, ExitCode> {
    let args = &settings.test;
    // A report path that cannot take a report fails now, before a single
    // request (a login is the expensive request on a real server).
    writable_outputs(settings).map_err(|e| setup_error(out, e))?;
    let baseline = read_baseline(settings, &cases, out)?;
    let cases = trials::select_by_tags(cases, &settings.tags, &settings.skip_tags)
        .map_err(|e| setup_error(out, e))?;
    if args.list {
        if settings.verbose && args.format.is_none() {
            // A listing for people: each case with what it checks. (nextest
            // lists with `--format terse`, which keeps libtest's lines.)
            let shown = trials::selected(args, &cases);
            out.stdout(&text::listing(&shown));
            return Ok(ExitCode::SUCCESS);
        }
        return Ok(libtest_mimic::run(args, trials::trials(cases, None)).exit_code());
    }
    let rt = super::runtime().map_err(|e| setup_error(out, e))?;
    let rt = Arc::new(rt);
    let resolved = rt
        .block_on(target::resolve(settings, out.redactor()))
        .map_err(|e| setup_error(out, e))?;
    let embedded = resolved.embedded();
    let selected = trials::selected(args, &cases);
    let (ctx, server) = prepare(
        settings, &rt, resolved, schemas, baseline, &cases, &selected, out,
    )?;
    let ctx = Arc::new(ctx);
    let human = !matches!(args.format, Some(libtest_mimic::FormatSetting::Json));
    // The binary's console: libtest's failure section one line per finding,
    // then the root causes and the whole blocks (a cargo / nextest target
    // keeps each trial's whole block: nextest shows one trial at a time).
    let grouped = human && binary;
    if human {
        let given = settings.given_session.is_some() && !embedded;
        let who = match (&ctx.runner.credentials, given) {
            (_, true) => "a given session".to_owned(),
            (Some(c), false) => format!("user {}", c.user),
            (None, false) => "no login".to_owned(),
        };
        let shown = ctx.runner.target.shown();
        let version = env!("CARGO_PKG_VERSION");
        let links = selected
            .iter()
            .any(|c| c.links.is_some())
            .then_some(&settings.links);
        out.say(text::run_header(
            version, shown, embedded, &who, &selected, links,
        ));
    }
    // Under GitHub Actions, nothing printed while the cases run (server text
    // in failure messages) can be taken as a workflow command.
    let stop = settings.github.as_ref().map(|_| stop_token());
    if let Some(token) = &stop {
        out.stdout(&format!("::stop-commands::{token}\n"));
    }
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let (send, receive) = std::sync::mpsc::channel();
    let run = TrialRun {
        ctx: ctx.clone(),
        rt: rt.clone(),
        results: send,
        output: out.clone(),
        verbose: settings.verbose,
        panic_in: settings.force_panic.clone(),
        brief: grouped,
    };
    // libtest prints as the cases finish: a closed stdout (`| head`) makes
    // it panic. The run's sessions are ended all the same, then the panic
    // goes on to the edge.
    let conclusion = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        libtest_mimic::run(args, trials::trials(cases, Some(run)))
    }));
    let finish_warnings = rt.block_on(ctx.runner.finish());
    let conclusion = match conclusion {
        Ok(c) => c,
        Err(panic) => std::panic::resume_unwind(panic),
    };
    drop(server);
    // Bodies are shown only in the JSON, HTML and HAR reports: without
    // them, the record leaves them out rather than scrub them for nothing.
    let bodies = settings.reports.json.is_some()
        || settings.reports.html.is_some()
        || settings.reports.har.is_some();
    let mut cases: Vec<_> = receive
        .try_iter()
        .map(|r| {
            if bodies {
                r.record
            } else {
                r.record.without_bodies()
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    let mut notes: Vec<String> = cases.iter().flat_map(|c| c.notes.clone()).collect();
    notes.sort();
    let record = RunRecord {
        base_url: ctx.runner.target.shown().to_owned(),
        embedded,
        started,
        duration: clock.elapsed(),
        strict: settings.strict,
        strict_baseline: settings.strict_baseline,
        notes,
        cases,
        traffic: TrafficRecord {
            requests: ctx.runner.target.traffic().requests(),
            logins: ctx.runner.target.traffic().logins(),
            waited: ctx.runner.target.traffic().waited(),
        },
    }
    .scrubbed(out.redactor());
    closing_block(&record, &finish_warnings, human, grouped, out);
    let mut code = conclusion.exit_code();
    if !nothing_amiss(&record, binary && selected.is_empty(), args.ignored, out) {
        code = ExitCode::from(EXIT_SETUP);
    }
    if let Some(token) = &stop {
        out.stdout(&format!("::{token}::\n"));
    }
    if let Err(e) = write_reports(&record, settings, ctx.policy.baseline.as_ref(), out) {
        out.error(e);
        code = ExitCode::from(EXIT_SETUP);
    }
    Ok(code)
}

/// Prints a one-line error and returns exit 2.
fn setup_error(out: &Output, message: impl std::fmt::Display) -> ExitCode {
    out.error(message);
    ExitCode::from(EXIT_SETUP)
}

/// The baseline file, if one was given; its entries naming no case are
/// warnings.
fn read_baseline(
    settings: &Settings,
    cases: &[Case],
    out: &Output,
) -> Result<Option<Baseline>, ExitCode> {
    let Some(path) = &settings.baseline else {
        return Ok(None);
    };
    let b = files::read_baseline(path)
        .map_err(|e| setup_error(out, e.render().trim_end().trim_start_matches("error: ")))?;
    let names: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
    for (at, name) in b.unknown(&names) {
        out.warning(format!(
            "{at}: the baseline names {name:?}, which is not a case{}",
            did_you_mean(name, names.iter().map(String::as_str))
        ));
    }
    Ok(Some(b))
}

/// The run's context — the runner (the sessions the `selected` cases need
/// opened), the schemas, the policy and the snapshot plan — and the
/// embedded server while it runs.
#[allow(clippy::too_many_arguments)]
fn prepare(
    settings: &Settings,
    rt: &tokio::runtime::Runtime,
    resolved: target::Resolved,
    schemas: Schemas,
    baseline: Option<Baseline>,
    cases: &[Case],
    selected: &[Case],
    out: &Output,
) -> Result<(Context, Option<icws_refserver::Running>), ExitCode> {
    let embedded = resolved.embedded();
    let target::Resolved {
        target,
        credentials,
        given,
        server,
    } = resolved;
    let snapshots = settings.snapshots.as_ref().map(|s| {
        let (name, builtin) = if embedded {
            ("reference".to_owned(), crate::embedded::REFERENCE_SNAPSHOTS)
        } else {
            (snapshot::target_name_for(target.base_url()), &[][..])
        };
        files::snapshot_plan(s, name, builtin, cases)
    });
    let target = target.observed(out.observer());
    let plan = SessionPlan::for_cases(selected, settings.max_sessions);
    let runner = rt
        .block_on(Runner::prepare(
            target,
            credentials,
            given,
            &settings.accept_language,
            out.redactor().clone(),
            plan,
        ))
        .map_err(|e| setup_error(out, e))?;
    let mut runner = runner;
    runner.origin = settings.origin.clone();
    runner.links = settings.links;
    let ctx = Context {
        runner,
        schemas,
        policy: Policy {
            strict: settings.strict,
            strict_baseline: settings.strict_baseline,
            baseline,
        },
        snapshots,
        writer: Some(out.snapshot_writer()),
    };
    Ok((ctx, server))
}

/// The console's closing block: (`grouped`) the failing cases' root causes
/// and then their whole blocks on stdout, after libtest's lines; the
/// short-secret warning, the run's warnings and notes, the summary and
/// (for people) the footer.
fn closing_block(
    record: &RunRecord,
    finish_warnings: &[String],
    human: bool,
    grouped: bool,
    out: &Output,
) {
    let causes = text::root_causes(record);
    if grouped && !causes.is_empty() {
        out.stdout(&causes);
        out.stdout(&text::failure_blocks(record));
    }
    let short = out.redactor().short_secrets();
    if short > 0 {
        out.warning(format!(
            "{short} secret(s) shorter than {} characters: they are never shown where they were \
             sent and are hidden as whole values, but are not searched for in free text (they \
             would mangle every line); use longer test credentials",
            crate::secret::MIN_SCRUBBED_CHARS
        ));
    }
    let warnings = record.cases.iter().flat_map(|c| c.warnings.iter());
    for w in finish_warnings
        .iter()
        .map(String::as_str)
        .chain(warnings.map(String::as_str))
    {
        out.warning(w);
    }
    for n in &record.notes {
        out.note(n);
    }
    out.block(&text::console_summary(record));
    if human {
        out.block(&text::run_footer(record));
    }
}

/// False (and says why) when the run could not do its job, which is not a
/// verdict on the server: nothing selected, every selected case ignored,
/// or a session a case needed could not be opened.
fn nothing_amiss(
    record: &RunRecord,
    none_selected: bool,
    ignored_flag: bool,
    out: &Output,
) -> bool {
    let mut ok = true;
    if none_selected && record.cases.is_empty() {
        out.error(
            "no case was run (the filter, --skip or --ignored selected none), so nothing was \
             tested",
        );
        ok = false;
    }
    // A tag or filter that, with only a given session, leaves nothing that
    // can run.
    if !ignored_flag
        && !record.cases.is_empty()
        && record.cases.iter().all(|c| c.verdict == Verdict::Ignored)
    {
        out.error("every selected case was ignored, so nothing was tested (see the reasons above)");
        ok = false;
    }
    for c in &record.cases {
        if let Some(why) = &c.could_not_run {
            out.error(format!("{}: could not run: {why}", c.name));
            ok = false;
        }
    }
    ok
}

/// Every report file and the step summary, checked before the run: each
/// must be a regular file or not exist yet.
fn writable_outputs(settings: &Settings) -> Result<(), String> {
    let reports = &settings.reports;
    let files = [
        ("--junit", &reports.junit),
        ("--report-json", &reports.json),
        ("--report-html", &reports.html),
        ("--report-har", &reports.har),
        ("--write-baseline", &reports.write_baseline),
    ];
    for (flag, path) in files {
        if let Some(path) = path {
            super::output::regular_or_absent(path)
                .map_err(|e| format!("{flag} {}: {e}", path.display()))?;
        }
    }
    // libtest creates it and panics when it cannot (its folder missing).
    if let Some(path) = &settings.test.logfile {
        super::output::creatable(std::path::Path::new(path))
            .map_err(|e| format!("--logfile {path}: {e}"))?;
    }
    if let Some(path) = settings
        .github
        .as_ref()
        .and_then(|g| g.step_summary.as_ref())
    {
        super::output::regular_or_absent(path)
            .map_err(|e| format!("GITHUB_STEP_SUMMARY {}: {e}", path.display()))?;
    }
    Ok(())
}

/// Writes every report asked for, from the scrubbed record.
fn write_reports(
    record: &RunRecord,
    settings: &Settings,
    current: Option<&Baseline>,
    out: &Output,
) -> Result<(), String> {
    let reports = &settings.reports;
    if let Some(path) = &reports.junit {
        let xml = junit::junit(record).map_err(|e| format!("--junit: {e}"))?;
        out.report("--junit", path, &xml)?;
    }
    if let Some(path) = &reports.json {
        out.report("--report-json", path, &json::json(record))?;
    }
    if let Some(path) = &reports.html {
        out.report("--report-html", path, &html::html(record))?;
    }
    if let Some(path) = &reports.har {
        out.report("--report-har", path, &har::har(record))?;
    }
    if let Some(gh) = &settings.github {
        let is_file = |f: &str| std::path::Path::new(f).is_file();
        out.rendered_stdout(&github::github_annotations(record, &is_file));
        if let Some(path) = &gh.step_summary {
            out.append("GITHUB_STEP_SUMMARY", path, &github::step_summary(record))?;
        }
    }
    if let Some(path) = &reports.write_baseline {
        let entries = baseline::entries_of(record, current);
        out.report("--write-baseline", path, &baseline::render(&entries))?;
        out.say(format!(
            "wrote {} known failure(s) to {}",
            entries.len(),
            path.display()
        ));
    }
    Ok(())
}

/// A token no server can guess, for `::stop-commands::`.
fn stop_token() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("icws-{:016x}", h.finish())
}
