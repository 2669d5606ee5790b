//! The command line: flags and environment → [`Settings`], then the pipeline
//! (load cases and schemas → prepare the target → trials → report) and the
//! exit code: 0 all passed, 101 a case failed, 2 the run could not start.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::builder::FalseyValueParser;
use clap::{CommandFactory, FromArgMatches, Parser};

use crate::baseline::{self, Baseline};
use crate::case::{self, Case};
use crate::client::Transport;
use crate::record::{RunRecord, Verdict};
use crate::reports;
use crate::runner::{self, Settings, SnapshotSettings};
use crate::schema::Schemas;
use crate::secret::Secret;
use crate::session::Credentials;

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
    /// Per-request timeout in seconds.
    #[arg(long, env = "ICWS_TIMEOUT", value_name = "SECS", default_value = "30")]
    pub timeout: String,
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
    #[arg(long, env = "ICWS_STRICT", value_parser = FalseyValueParser::new())]
    pub strict: bool,
    /// Known failures (TOML: `[expected-failures]`, case name = reason):
    /// reported as expected, not failing the run.
    #[arg(long, env = "ICWS_BASELINE", value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// A baseline entry whose case now passes fails the run.
    #[arg(long, env = "ICWS_STRICT_BASELINE", value_parser = FalseyValueParser::new())]
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
    /// Retry a request up to N times on transport failures before any
    /// response byte (refused, reset, timeout); never on a finding.
    #[arg(long, env = "ICWS_RETRIES", value_name = "N", default_value = "0")]
    pub retries: u32,
    /// The most body bytes read from one response (e.g. 16MiB, 512KiB, 1000000).
    #[arg(
        long,
        env = "ICWS_MAX_BODY",
        value_name = "BYTES",
        default_value = "16MiB"
    )]
    pub max_body: String,
    /// Do not verify the server's TLS certificate (prints a warning).
    #[arg(long, env = "ICWS_INSECURE", value_parser = FalseyValueParser::new())]
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
            .field(
                "base_url",
                &self.base_url.as_deref().map(crate::client::display_url),
            )
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

fn command() -> clap::Command {
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

fn setup_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_SETUP)
}

/// Builds the settings, or says which flags do not go together.
pub fn settings(cli: &Cli) -> Result<Settings, String> {
    let timeout: f64 = cli
        .timeout
        .trim()
        .parse()
        .ok()
        .filter(|t: &f64| t.is_finite() && *t > 0.0)
        .ok_or_else(|| {
            format!(
                "--timeout / ICWS_TIMEOUT: {:?} is not a positive number of seconds",
                cli.timeout
            )
        })?;
    let nonempty = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let credentials = match (nonempty(&cli.user), nonempty(&cli.password)) {
        (Some(user), Some(password)) => Some(Credentials {
            user,
            password: Secret::new(password),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err("--user / ICWS_USER is set but --password / ICWS_PASSWORD is not".into());
        }
        (None, Some(_)) => {
            return Err("--password / ICWS_PASSWORD is set but --user / ICWS_USER is not".into());
        }
    };
    let given = [
        nonempty(&cli.session_id),
        nonempty(&cli.csrf_token),
        nonempty(&cli.cookie),
    ];
    let given_session = match given {
        [Some(id), Some(token), Some(cookie)] => {
            Some((id, Secret::new(token), Secret::new(cookie)))
        }
        [None, None, None] => None,
        _ => {
            return Err(
                "an existing session needs all three: --session-id, --csrf-token and --cookie \
                        (ICWS_SESSION_ID, ICWS_CSRF_TOKEN, ICWS_COOKIE)"
                    .into(),
            );
        }
    };
    let base_url = nonempty(&cli.base_url);
    if base_url.is_none() && (credentials.is_some() || given_session.is_some()) {
        eprintln!(
            "note: no --base-url / ICWS_BASE_URL: running against the embedded reference server; the given login or session is not used"
        );
    }
    let max_body = parse_size(&cli.max_body).ok_or_else(|| {
        format!(
            "--max-body / ICWS_MAX_BODY: {:?} is not a size (a number of bytes, or with KiB, MiB or GiB)",
            cli.max_body
        )
    })?;
    let baseline = match &cli.baseline {
        Some(path) => Some(Baseline::load(path).map_err(|e| {
            e.render()
                .trim_end()
                .trim_start_matches("error: ")
                .to_owned()
        })?),
        None => None,
    };
    if cli.strict_baseline && baseline.is_none() {
        return Err("--strict-baseline needs --baseline FILE".into());
    }
    let target_name = nonempty(&cli.target_name);
    if let Some(name) = &target_name {
        if !crate::snapshot::valid_target_name(name) {
            return Err(format!(
                "--target-name / ICWS_TARGET_NAME {name:?}: use letters, digits, `.`, `-` and `_` (it names a folder)"
            ));
        }
    }
    let snapshot_dir = cli.snapshots.clone().filter(|d| !d.as_os_str().is_empty());
    let snapshots = if base_url.is_none() || snapshot_dir.is_some() || target_name.is_some() {
        Some(SnapshotSettings {
            dir: snapshot_dir.unwrap_or_else(|| PathBuf::from("snapshots")),
            target_name,
            accept: cli.accept_snapshots,
        })
    } else {
        None
    };
    if cli.accept_snapshots {
        if snapshots.is_none() {
            return Err(
                "--accept-snapshots needs snapshots on: --snapshots DIR or --target-name NAME"
                    .into(),
            );
        }
        if crate::snapshot::is_ci() {
            return Err(
                "--accept-snapshots is refused under CI: accept snapshots locally and commit them"
                    .into(),
            );
        }
    }
    if cli.insecure {
        eprintln!(
            "warning: --insecure: the server's TLS certificate is NOT verified; anyone on the \
             path can impersonate it and read the password and session. Use --ca-cert instead."
        );
    }
    Ok(Settings {
        base_url,
        credentials,
        given_session,
        accept_language: cli.accept_language.clone(),
        transport: Transport {
            timeout: Duration::from_secs_f64(timeout),
            max_body,
            retries: cli.retries,
            insecure: cli.insecure,
            ca_cert: cli.ca_cert.clone(),
            client_cert: cli.client_cert.clone(),
            client_key: cli.client_key.clone(),
            proxy: nonempty(&cli.proxy).map(Secret::new),
        },
        strict: cli.strict,
        baseline,
        strict_baseline: cli.strict_baseline,
        snapshots,
        extra_cases: cli.cases.clone(),
        ..Settings::default()
    })
}

/// `16MiB`, `512KiB`, `1GiB`, `1000000` (bytes), `10MB`, `10kB` → bytes.
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits.parse().ok()?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "kb" => 1000,
        "m" | "mib" => 1 << 20,
        "mb" => 1_000_000,
        "g" | "gib" => 1 << 30,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(factor).filter(|n| *n > 0)
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
                    case::did_you_mean(t, known.iter().copied()),
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

/// The whole program, for the binary and for the test harness.
pub fn main_from(args: impl IntoIterator<Item = OsString>) -> ExitCode {
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
    let settings = match settings(&cli) {
        Ok(s) => s,
        Err(e) => return setup_error(e),
    };
    if cli.coverage {
        return print_coverage(&settings);
    }
    run(settings, &cli)
}

fn print_coverage(settings: &Settings) -> ExitCode {
    let cases = Schemas::shipped()
        .map_err(|e| format!("{} invalid schema file(s)", e.len()))
        .and_then(|s| {
            case::load_all(&settings.extra_cases, &s)
                .map_err(|e| format!("{} problem(s) in case files", e.len()))
        });
    match cases {
        Ok(cases) => {
            print!(
                "{}",
                crate::coverage::render(&crate::coverage::matrix(&cases))
            );
            ExitCode::SUCCESS
        }
        Err(e) => setup_error(e),
    }
}

/// Loads, prepares and runs; prints the libtest report, the summary block
/// and writes the reports.
pub fn run(settings: Settings, cli: &Cli) -> ExitCode {
    let args = &cli.test;
    let schemas = match Schemas::shipped() {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprintln!("error: {e}");
            }
            return setup_error(format!(
                "{} invalid schema file(s); no case was run",
                errors.len()
            ));
        }
    };
    let cases = match case::load_all(&settings.extra_cases, &schemas) {
        Ok(c) => c,
        Err(errors) => {
            for e in &errors {
                eprint!("{}", e.render());
            }
            return setup_error(format!(
                "{} problem(s) in case files; no case was run",
                errors.len()
            ));
        }
    };
    if let Some(b) = &settings.baseline {
        let names: Vec<String> = cases.iter().map(|c| c.name.clone()).collect();
        for (at, name) in b.unknown(&names) {
            eprintln!(
                "warning: {at}: the baseline names {name:?}, which is not a case{}",
                case::did_you_mean(name, names.iter().map(String::as_str))
            );
        }
    }
    let cases = match select_by_tags(cases, &cli.tags, &cli.skip_tags) {
        Ok(c) => c,
        Err(e) => return setup_error(e),
    };
    if args.list {
        return libtest_mimic::run(args, runner::trials(cases, None)).exit_code();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Arc::new(rt),
        Err(e) => return setup_error(format!("cannot start the async runtime: {e}")),
    };
    let ctx = match rt.block_on(runner::prepare(&settings, schemas)) {
        Ok(ctx) => Arc::new(ctx),
        Err(e) => return setup_error(e),
    };
    let conclusion =
        libtest_mimic::run(args, runner::trials(cases, Some((ctx.clone(), rt.clone()))));
    if let Some(w) = rt.block_on(ctx.finish()) {
        eprintln!("warning: {w}");
    }
    for w in ctx.take_warnings() {
        eprintln!("warning: {w}");
    }
    for n in ctx.notes() {
        eprintln!("note: {n}");
    }
    let record = ctx.record();
    let scrub = |text: String| ctx.redactor.scrub(&text);
    eprint!("{}", scrub(reports::console_summary(&record)));
    let mut code = conclusion.exit_code();
    if let Err(e) = write_reports(&record, cli, &settings, &scrub) {
        eprintln!("error: {}", scrub(e));
        code = ExitCode::from(EXIT_SETUP);
    }
    code
}

fn write_file(flag: &str, path: &std::path::Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{flag} {}: cannot create the folder: {e}", path.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{flag} {}: cannot write: {e}", path.display()))
}

/// Writes every report the user asked for; every text passes `scrub`.
fn write_reports(
    record: &RunRecord,
    cli: &Cli,
    settings: &Settings,
    scrub: &dyn Fn(String) -> String,
) -> Result<(), String> {
    if let Some(path) = &cli.junit {
        let xml = reports::junit(record).map_err(|e| format!("--junit: {e}"))?;
        write_file("--junit", path, &scrub(xml))?;
    }
    if let Some(path) = &cli.report_json {
        write_file("--report-json", path, &scrub(reports::json(record)))?;
    }
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        print!("{}", scrub(reports::github_annotations(record)));
        if let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty()) {
            use std::io::Write as _;
            let path = PathBuf::from(path);
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .and_then(|mut f| f.write_all(scrub(reports::step_summary(record)).as_bytes()))
                .map_err(|e| {
                    format!("GITHUB_STEP_SUMMARY {}: cannot append: {e}", path.display())
                })?;
        }
    }
    if let Some(path) = &cli.write_baseline {
        let entries = record
            .cases
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Failed | Verdict::ExpectedFailure))
            .map(|c| {
                let reason = settings
                    .baseline
                    .as_ref()
                    .and_then(|b| b.reason(&c.name))
                    .map(str::to_owned)
                    .or_else(|| c.headline())
                    .unwrap_or_default();
                let mut reqs: Vec<String> =
                    c.failing_findings().map(|f| f.req.to_owned()).collect();
                reqs.sort();
                reqs.dedup();
                (c.name.clone(), (reason, reqs))
            })
            .collect();
        write_file("--write-baseline", path, &scrub(baseline::render(&entries)))?;
        eprintln!(
            "wrote {} known failure(s) to {}",
            entries.len(),
            path.display()
        );
    }
    Ok(())
}
