//! The edge: flags and environment → [`settings::Settings`], then the
//! pipeline — load cases and schemas → decide the target ([`target`]) →
//! prepare the runner → one trial per case → the record → reports — and the
//! exit code: 0 all passed, 101 a case failed, 2 the run could not start.
//! The only module that prints, reads the environment or writes files
//! ([`files`]); every text it prints or writes passes the redactor.

pub mod files;
pub mod proof;
pub mod settings;
pub mod target;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::gate::baseline::{self, Baseline};
use crate::gate::{Policy, snapshot};
use crate::load::{self, Case, Schemas};
use crate::pipeline::{self, Context};
use crate::report::record::{RunRecord, Verdict};
use crate::report::{coverage, github, html, json, junit, text};
use crate::run::execute::Runner;
use crate::run::target::display_url;
use crate::secret::Redactor;
use crate::text::{did_you_mean, inert};

pub use settings::{Settings, settings};

/// Exit code when the run could not start.
pub const EXIT_SETUP: u8 = 2;

/// Conformance suite for GET /icws/{sessionId}/status/status-messages.
#[derive(Parser)]
#[command(name = "icws-conformance")]
pub struct Cli {
    /// The target, e.g. https://cic.example:8019 (may carry a path prefix).
    /// Absent: the embedded reference server on 127.0.0.1:0.
    #[arg(long, env = "ICWS_BASE_URL", value_name = "URL")]
    pub base_url: Option<String>,
    /// ICWS user name for the login.
    #[arg(long, env = "ICWS_USER", value_name = "NAME")]
    pub user: Option<String>,
    /// Password for the login. Prefer the environment variable: a flag is
    /// visible in the process list.
    #[arg(
        long,
        env = "ICWS_PASSWORD",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub password: Option<String>,
    /// Use an existing session: its id (with --csrf-token and --cookie).
    #[arg(long, env = "ICWS_SESSION_ID", value_name = "ID")]
    pub session_id: Option<String>,
    /// The existing session's CSRF token.
    #[arg(
        long,
        env = "ICWS_CSRF_TOKEN",
        value_name = "T",
        hide_env_values = true
    )]
    pub csrf_token: Option<String>,
    /// The existing session's cookie: `icws_<id>=<value>` or only the value.
    #[arg(long, env = "ICWS_COOKIE", value_name = "C", hide_env_values = true)]
    pub cookie: Option<String>,
    /// Accept-Language sent with the login.
    #[arg(
        long,
        env = "ICWS_ACCEPT_LANGUAGE",
        value_name = "TAG",
        default_value = "en-US"
    )]
    pub accept_language: String,
    /// Per-request timeout in seconds (at most a day).
    #[arg(
        long,
        env = "ICWS_TIMEOUT",
        value_name = "SECS",
        default_value = "30",
        value_parser = settings::parse_timeout
    )]
    pub timeout: Duration,
    /// An extra case folder (repeatable); the shipped cases are built in.
    #[arg(long = "cases", value_name = "DIR")]
    pub cases: Vec<PathBuf>,
    /// Run only cases with one of these tags (repeatable, or comma-separated).
    #[arg(
        long = "tag",
        env = "ICWS_TAGS",
        value_name = "TAG",
        value_delimiter = ','
    )]
    pub tags: Vec<String>,
    /// Leave out cases with any of these tags (repeatable, or comma-separated).
    #[arg(
        long = "skip-tag",
        env = "ICWS_SKIP_TAGS",
        value_name = "TAG",
        value_delimiter = ','
    )]
    pub skip_tags: Vec<String>,
    /// Interop findings fail the run (by default they are warnings).
    #[arg(long, env = "ICWS_STRICT", value_parser = settings::parse_switch)]
    pub strict: bool,
    /// Known failures (TOML: `[expected-failures]`, case name = reason):
    /// reported as expected, not failing the run.
    #[arg(long, env = "ICWS_BASELINE", value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// A baseline entry whose case now passes fails the run.
    #[arg(long, env = "ICWS_STRICT_BASELINE", value_parser = settings::parse_switch)]
    pub strict_baseline: bool,
    /// Write the run's failures as a baseline file (keeping known reasons).
    #[arg(long, env = "ICWS_WRITE_BASELINE", value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Write a JUnit XML report.
    #[arg(long, env = "ICWS_JUNIT", value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the JSON report (shape: schemas/report/report.schema.json).
    #[arg(long, env = "ICWS_REPORT_JSON", value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Write the HTML report: one self-contained page (no script, nothing
    /// loaded from the network).
    #[arg(long, env = "ICWS_REPORT_HTML", value_name = "FILE")]
    pub report_html: Option<PathBuf>,
    /// Compare catalogue snapshots, kept in DIR/<target>/ (default folder
    /// `snapshots`; always on for the embedded server).
    #[arg(long, env = "ICWS_SNAPSHOTS", value_name = "DIR")]
    pub snapshots: Option<PathBuf>,
    /// The target's name for its snapshot folder (turns snapshots on;
    /// default: derived from the host).
    #[arg(long, env = "ICWS_TARGET_NAME", value_name = "NAME")]
    pub target_name: Option<String>,
    /// Overwrite differing snapshots with the current catalogue (refused under CI).
    #[arg(long)]
    pub accept_snapshots: bool,
    /// Retry a request up to N times (at most 10) on transport failures
    /// before any response byte (refused, reset, timeout); never on a finding.
    #[arg(
        long,
        env = "ICWS_RETRIES",
        value_name = "N",
        default_value = "0",
        value_parser = clap::value_parser!(u32).range(0..=MAX_RETRIES)
    )]
    pub retries: u32,
    /// The most body bytes read from one response (e.g. 16MiB, 512KiB, 1000000).
    #[arg(
        long,
        env = "ICWS_MAX_BODY",
        value_name = "BYTES",
        default_value = "16MiB",
        value_parser = settings::parse_max_body
    )]
    pub max_body: usize,
    /// Do not verify the server's TLS certificate (prints a warning).
    #[arg(long, env = "ICWS_INSECURE", value_parser = settings::parse_switch)]
    pub insecure: bool,
    /// Trust the CA certificate(s) in this PEM file as well.
    #[arg(long, env = "ICWS_CA_CERT", value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// Client certificate (PEM) for mutual TLS; needs --client-key.
    #[arg(long, env = "ICWS_CLIENT_CERT", value_name = "FILE")]
    pub client_cert: Option<PathBuf>,
    /// Private key (PEM) of --client-cert.
    #[arg(long, env = "ICWS_CLIENT_KEY", value_name = "FILE")]
    pub client_key: Option<PathBuf>,
    /// Send every request through this proxy (NO_PROXY still applies).
    /// Without it HTTP_PROXY / HTTPS_PROXY / NO_PROXY are honoured.
    #[arg(long, env = "ICWS_PROXY", value_name = "URL", hide_env_values = true)]
    pub proxy: Option<String>,
    /// Print, for each requirement, the cases that check it and the fault
    /// modes that prove the check, then exit.
    #[arg(long)]
    pub coverage: bool,
    /// Explain a requirement (e.g. REQ-401-2): what it says, the policy
    /// that applies, the cases that check it and the faults that prove it.
    #[arg(long, value_name = "ID")]
    pub explain: Option<String>,
    /// libtest options.
    #[command(flatten)]
    pub test: libtest_mimic::Arguments,
}

/// Shows the options without the password, CSRF token, cookie or proxy URL
/// (only whether they are set).
impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| crate::secret::REDACTED);
        f.debug_struct("Cli")
            .field("base_url", &self.base_url.as_deref().map(display_url))
            .field("user", &self.user)
            .field("password", &hidden(&self.password))
            .field("session_id", &self.session_id)
            .field("csrf_token", &hidden(&self.csrf_token))
            .field("cookie", &hidden(&self.cookie))
            .field("proxy", &hidden(&self.proxy))
            .field("cases", &self.cases)
            .field("tags", &self.tags)
            .field("skip_tags", &self.skip_tags)
            .finish_non_exhaustive()
    }
}

/// The clap command as the binary parses it (help text, version, exit
/// status note); also the source of the generated flags page.
pub fn command() -> clap::Command {
    Cli::command()
        .help_template("{name} {version}\n{about}\n\n{usage-heading} {usage}\n\n{all-args}{after-help}")
        .about("Conformance suite for GET /icws/{sessionId}/status/status-messages")
        .long_about(None::<&str>)
        .disable_version_flag(false)
        .version(env!("CARGO_PKG_VERSION"))
        .after_help(
            "\nExit status: 0 all cases passed, 101 one or more cases failed, \
             2 the run could not start (bad flag, invalid case file, login refused, target unreachable).",
        )
}

/// Prints a one-line error (made inert: it may quote the server) and
/// returns exit 2.
fn setup_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {}", inert(&message.to_string()));
    ExitCode::from(EXIT_SETUP)
}

fn github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
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

/// The most `--retries` taken.
pub const MAX_RETRIES: i64 = 10;

/// Who runs the program: the installed binary, or the `cargo test` /
/// nextest target (which cargo hands one FILTER meant for every test binary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// `icws-conformance`: a FILTER that matches no case is an error.
    Binary,
    /// `tests/suite.rs`: libtest's behaviour (a FILTER may match nothing).
    TestTarget,
}

/// The whole program, for the test harness (libtest's filter behaviour).
pub fn main_from(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    main_as(Entry::TestTarget, args)
}

/// The whole program, for the `icws-conformance` binary.
pub fn main_binary(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    main_as(Entry::Binary, args)
}

/// The whole program.
pub fn main_as(entry: Entry, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let matches = match command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_SETUP } else { 0 });
        }
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return setup_error(e),
    };
    if cli.test.test_threads == Some(0) {
        return setup_error("--test-threads 0: give at least 1");
    }
    let settings = match settings(&cli) {
        Ok((s, warnings)) => {
            for w in warnings {
                eprintln!("{w}");
            }
            s
        }
        Err(e) => return setup_error(e),
    };
    let (schemas, cases) = match load_everything(&settings.extra_cases) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if entry == Entry::Binary {
        if let Err(e) = filter_matches(&cli.test, &cases) {
            return setup_error(e);
        }
    }
    if cli.coverage || cli.explain.is_some() {
        return proof_report(&cli, &cases, schemas);
    }
    run(&settings, &cli, schemas, cases, entry == Entry::Binary)
}

/// `--coverage` and `--explain ID`: both report what the runs under the
/// reference server's fault modes found ([`proof::sweep`]).
fn proof_report(cli: &Cli, cases: &[Case], schemas: Schemas) -> ExitCode {
    // They run no suite against the target: a report asked for would
    // silently not be written.
    let reports = [
        ("--junit", cli.junit.is_some()),
        ("--report-json", cli.report_json.is_some()),
        ("--report-html", cli.report_html.is_some()),
        ("--write-baseline", cli.write_baseline.is_some()),
    ];
    // A warning, not an error: CI jobs often export ICWS_JUNIT and the
    // like for every step.
    for (flag, _) in reports.iter().filter(|(_, on)| *on) {
        eprintln!(
            "warning: {flag} (or its environment variable) is not written: --coverage and \
             --explain run no suite against the target"
        );
    }
    let req = match &cli.explain {
        Some(id) => match crate::spec::find(id.trim()).or_else(|| {
            // Ids are ASCII: `req-401-2` means REQ-401-2, as rustc takes e0308.
            crate::spec::REQUIREMENTS
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(id.trim()))
        }) {
            Some(req) => Some(req),
            None => {
                return setup_error(format!(
                    "--explain {id:?}: no such requirement id{} (--coverage lists them all)",
                    did_you_mean(id, crate::spec::REQUIREMENTS.iter().map(|r| r.id))
                ));
            }
        },
        None => None,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return setup_error(format!("cannot start the async runtime: {e}")),
    };
    eprintln!(
        "running {} case(s) against the embedded reference server under each of its {} fault \
         modes…",
        cases.len(),
        icws_refserver::Fault::all().len()
    );
    let runs = match rt.block_on(proof::sweep(Arc::new(cases.to_vec()), schemas)) {
        Ok(r) => r,
        Err(e) => return setup_error(e),
    };
    let rows = coverage::matrix(&runs);
    match req {
        Some(req) => print!("{}", text::explain(req, cases, &rows)),
        None => {
            print!("{}", coverage::render(&rows));
            for (fault, req, place) in coverage::unproven_claims(&runs) {
                println!(
                    "\nnote: fault {fault} claims to break {req} at {place}, but no finding of its \
                     run names it there"
                );
            }
        }
    }
    ExitCode::SUCCESS
}

/// A FILTER (with `--exact` or not) must match some case: a typo in a CI
/// job would otherwise run nothing and pass.
fn filter_matches(args: &libtest_mimic::Arguments, cases: &[Case]) -> Result<(), String> {
    let Some(filter) = &args.filter else {
        return Ok(());
    };
    let only_filter = libtest_mimic::Arguments {
        filter: Some(filter.clone()),
        exact: args.exact,
        ..libtest_mimic::Arguments::default()
    };
    let trials = pipeline::trials(cases.to_vec(), None);
    if trials.iter().any(|t| !only_filter.is_filtered_out(t)) {
        return Ok(());
    }
    Err(format!(
        "FILTER {filter:?}{} matches no case{} (--list shows them all)",
        if args.exact { " (--exact)" } else { "" },
        did_you_mean(filter, cases.iter().map(|c| c.name.as_str()))
    ))
}

/// The load stage: schemas, then cases; every problem printed, exit 2.
fn load_everything(extra: &[PathBuf]) -> Result<(Schemas, Vec<Case>), ExitCode> {
    let schemas = Schemas::shipped().map_err(|errors| {
        for e in &errors {
            eprintln!("error: {e}");
        }
        setup_error(format!(
            "{} invalid schema file(s); no case was run",
            errors.len()
        ))
    })?;
    let mut warnings = Vec::new();
    let cases = load::load_all_noting(extra, &schemas, &mut warnings);
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let cases = cases.map_err(|errors| {
        for e in &errors {
            eprint!("{}", e.render());
        }
        setup_error(format!(
            "{} problem(s) in case files; no case was run",
            errors.len()
        ))
    })?;
    Ok((schemas, cases))
}

/// Decides the target, prepares the runner, runs the trials, then prints
/// and writes everything from the record.
/// `binary`: the `icws-conformance` binary, not the `cargo test` target
/// (where a filter meant for other targets selecting no case is normal).
pub fn run(
    settings: &Settings,
    cli: &Cli,
    schemas: Schemas,
    cases: Vec<Case>,
    binary: bool,
) -> ExitCode {
    let args = &cli.test;
    let baseline = match &settings.baseline {
        Some(path) => match files::read_baseline(path) {
            Ok(b) => Some(b),
            Err(e) => return setup_error(e.render().trim_end().trim_start_matches("error: ")),
        },
        None => None,
    };
    if let Some(b) = &baseline {
        let names: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
        for (at, name) in b.unknown(&names) {
            eprintln!(
                "warning: {at}: the baseline names {name:?}, which is not a case{}",
                did_you_mean(name, names.iter().map(String::as_str))
            );
        }
    }
    // The HTML report shows the suite's coverage matrix, as `--coverage`
    // prints it: of every loaded case, not only those tags select.
    let all_cases = cli.report_html.as_ref().map(|_| cases.clone());
    let cases = match select_by_tags(cases, &cli.tags, &cli.skip_tags) {
        Ok(c) => c,
        Err(e) => return setup_error(e),
    };
    if args.list {
        return libtest_mimic::run(args, pipeline::trials(cases, None)).exit_code();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Arc::new(rt),
        Err(e) => return setup_error(format!("cannot start the async runtime: {e}")),
    };
    let redactor = Redactor::default();
    let resolved = match rt.block_on(target::resolve(settings, &redactor)) {
        Ok(r) => r,
        Err(e) => return setup_error(redactor.scrub(&e)),
    };
    let embedded = resolved.embedded();
    let snapshots = settings.snapshots.as_ref().map(|s| {
        let (name, builtin) = if embedded {
            ("reference".to_owned(), crate::embedded::REFERENCE_SNAPSHOTS)
        } else {
            (
                snapshot::target_name_for(resolved.target.base_url()),
                &[][..],
            )
        };
        files::snapshot_plan(s, name, builtin, &cases)
    });
    let runner = match rt.block_on(Runner::prepare(
        resolved.target,
        resolved.credentials,
        resolved.given,
        &settings.accept_language,
        redactor.clone(),
    )) {
        Ok(r) => r,
        Err(e) => return setup_error(redactor.scrub(&e.to_string())),
    };
    let policy = Policy {
        strict: settings.strict,
        strict_baseline: settings.strict_baseline,
        baseline,
    };
    let ctx = Arc::new(Context {
        runner,
        schemas,
        policy,
        snapshots,
        writer: Some(Arc::new(files::write_snapshot)),
    });
    let human = !matches!(args.format, Some(libtest_mimic::FormatSetting::Json));
    // What the filter, `--exact` and `--skip` leave to run (`--ignored`
    // runs none: no case is ignored by default).
    let selected: Vec<Case> = if args.ignored {
        Vec::new()
    } else {
        let trials = pipeline::trials(cases.clone(), None);
        cases
            .iter()
            .zip(&trials)
            .filter(|(_, t)| !args.is_filtered_out(t))
            .map(|(c, _)| c.clone())
            .collect()
    };
    if human {
        let who = match (
            &ctx.runner.credentials,
            settings.given_session.is_some() && !embedded,
        ) {
            (_, true) => "a given session".to_owned(),
            (Some(c), false) => format!("user {}", c.user),
            (None, false) => "no login".to_owned(),
        };
        eprintln!(
            "{}",
            inert(&redactor.scrub(&text::run_header(
                env!("CARGO_PKG_VERSION"),
                ctx.runner.target.shown(),
                embedded,
                &who,
                &selected,
            )))
        );
    }
    // Under GitHub Actions, nothing printed while the cases run (server text
    // in failure messages) can be taken as a workflow command.
    let stop = github_actions().then(stop_token);
    if let Some(token) = &stop {
        println!("::stop-commands::{token}");
    }
    let started = chrono::Utc::now();
    let clock = Instant::now();
    let (send, receive) = std::sync::mpsc::channel();
    let conclusion = libtest_mimic::run(
        args,
        pipeline::trials(cases, Some((ctx.clone(), rt.clone(), send))),
    );
    let finish_warning = rt.block_on(ctx.runner.finish());
    drop(resolved.server);
    let mut cases: Vec<_> = receive.try_iter().map(|r| r.record).collect();
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
    };
    let record = record.scrubbed(&redactor);
    let scrub = |text: &str| redactor.scrub(text);
    let mut code = conclusion.exit_code();
    let short = redactor.short_secrets();
    if short > 0 {
        eprintln!(
            "warning: {short} secret(s) shorter than {} characters: they are never shown where \
             they were sent and are hidden as whole values, but are not searched for in free text \
             (they would mangle every line); use longer test credentials",
            crate::secret::MIN_SCRUBBED_CHARS
        );
    }
    let warnings = record.cases.iter().flat_map(|c| c.warnings.iter());
    for w in finish_warning.iter().chain(warnings) {
        eprintln!("warning: {}", inert(&scrub(w)));
    }
    for n in &record.notes {
        eprintln!("note: {}", inert(&scrub(n)));
    }
    eprint!("{}", scrub(&text::console_summary(&record)));
    if human {
        eprint!("{}", scrub(&text::run_footer(&record)));
    }
    // No case ran at all (`--skip` everything, `--ignored`): nothing was
    // tested, which must not pass a CI gate.
    if binary && record.cases.is_empty() && selected.is_empty() {
        eprintln!(
            "error: no case was run (the filter, --skip or --ignored selected none), so nothing \
             was tested"
        );
        code = ExitCode::from(EXIT_SETUP);
    }
    // Every selected case was ignored (a tag or filter that, with only a
    // given session, leaves nothing that can run): nothing was tested.
    if !args.ignored
        && !record.cases.is_empty()
        && record.cases.iter().all(|c| c.verdict == Verdict::Ignored)
    {
        eprintln!(
            "error: every selected case was ignored, so nothing was tested (see the reasons above)"
        );
        code = ExitCode::from(EXIT_SETUP);
    }
    // A session the run needs could not be opened: the run could not do its
    // job, which is not a verdict on the server (exit 2, not 101).
    for c in &record.cases {
        if let Some(why) = &c.could_not_run {
            eprintln!("error: {}: could not run: {}", c.name, inert(&scrub(why)));
            code = ExitCode::from(EXIT_SETUP);
        }
    }
    if let Some(token) = &stop {
        println!("::{token}::");
    }
    // The page's coverage matrix: the suite's runs under every fault mode of
    // the reference server, as `--coverage` computes it (a few seconds).
    let coverage_rows = match all_cases {
        Some(all) => match rt.block_on(proof::sweep(Arc::new(all), ctx.schemas.clone())) {
            Ok(runs) => coverage::matrix(&runs),
            Err(e) => {
                eprintln!(
                    "warning: the HTML report has no coverage matrix: {}",
                    inert(&scrub(&e))
                );
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    if let Err(e) = write_reports(
        &record,
        &coverage_rows,
        cli,
        ctx.policy.baseline.as_ref(),
        &scrub,
    ) {
        eprintln!("error: {}", inert(&scrub(&e)));
        code = ExitCode::from(EXIT_SETUP);
    }
    code
}

/// Writes every report the user asked for; every text passes `scrub`.
fn write_reports(
    record: &RunRecord,
    coverage: &[coverage::Row],
    cli: &Cli,
    current: Option<&Baseline>,
    scrub: &dyn Fn(&str) -> String,
) -> Result<(), String> {
    if let Some(path) = &cli.junit {
        let xml = junit::junit(record).map_err(|e| format!("--junit: {e}"))?;
        files::write_report("--junit", path, &scrub(&xml))?;
    }
    if let Some(path) = &cli.report_json {
        files::write_report("--report-json", path, &scrub(&json::json(record)))?;
    }
    if let Some(path) = &cli.report_html {
        // The record was scrubbed before the page escaped it; this second
        // pass goes over the page's text only (a password that spells a
        // word of the markup must not mangle it), and its `<redacted>` must
        // not become a tag there.
        let page = html::scrub_text(&html::html(record, coverage), &scrub);
        files::write_report("--report-html", path, &page)?;
    }
    if github_actions() {
        let is_file = |f: &str| std::path::Path::new(f).is_file();
        print!("{}", scrub(&github::github_annotations(record, &is_file)));
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            files::append(&PathBuf::from(path), &scrub(&github::step_summary(record)))?;
        }
    }
    if let Some(path) = &cli.write_baseline {
        let entries = baseline::entries_of(record, current);
        files::write_report(
            "--write-baseline",
            path,
            &scrub(&baseline::render(&entries)),
        )?;
        eprintln!(
            "wrote {} known failure(s) to {}",
            entries.len(),
            path.display()
        );
    }
    Ok(())
}
