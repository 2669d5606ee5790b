//! The command line: flags and environment → [`Settings`], then the pipeline
//! (load cases and schemas → prepare the target → trials → report) and the
//! exit code: 0 all passed, 101 a case failed, 2 the run could not start.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser};

use crate::case;
use crate::runner::{self, Settings};
use crate::schema::Schemas;
use crate::secret::Secret;
use crate::session::Credentials;

/// Exit code when the run could not start.
pub const EXIT_SETUP: u8 = 2;

/// Conformance suite for GET /icws/{sessionId}/status/status-messages.
#[derive(Debug, Parser)]
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
    /// Print, for each requirement, the cases that check it and the fault
    /// modes that prove the check, then exit.
    #[arg(long)]
    pub coverage: bool,
    /// libtest options.
    #[command(flatten)]
    pub test: libtest_mimic::Arguments,
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
    Ok(Settings {
        base_url,
        credentials,
        given_session,
        accept_language: cli.accept_language.clone(),
        timeout: Duration::from_secs_f64(timeout),
        extra_cases: cli.cases.clone(),
        ..Settings::default()
    })
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
    run(settings, &cli.test)
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

/// Loads, prepares and runs; prints the libtest report and the warnings.
pub fn run(settings: Settings, args: &libtest_mimic::Arguments) -> ExitCode {
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
    let warnings = ctx.take_warnings();
    if !warnings.is_empty() {
        eprintln!(
            "\n{} interop warning(s) (not failing the run):\n",
            warnings.len()
        );
        for w in warnings {
            eprintln!("{w}");
        }
    }
    conclusion.exit_code()
}
