//! The edge: the only part of the harness that reads the environment,
//! prints or writes files. [`args`] turns flags and environment into
//! [`Settings`]; the load stage reads cases and schemas; then either
//! [`proof`] (`--coverage`, `--explain`) or [`run`]: decide the target
//! ([`target`]), prepare the runner, one trial per case ([`trials`]), the
//! record, the reports. Everything leaves through [`output::Output`], which
//! owns the redactor. Exit codes: 0 all passed, 101 a case failed, 2 the run
//! could not start, 3 an internal error: any panic of the process (a trial
//! that panics is a bug of the tool, not a finding about the server), told
//! in one line by the panic hook installed here; 141 when the console's
//! reader closed the pipe (`| head`), silently, the sessions ended.

pub mod args;
pub mod files;
pub mod output;
pub mod proof;
pub mod run;
pub mod target;
pub mod trials;

use std::ffi::OsString;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::FromArgMatches;

use crate::load::{self, Case, Schemas};
use crate::secret::Redactor;
use output::Output;

pub use args::{Cli, FORCE_PANIC_VAR, MAX_RETRIES, Settings, command, settings};
pub use trials::select_by_tags;

/// Exit code when the run could not start.
pub const EXIT_SETUP: u8 = 2;

/// Exit code of an internal error: the tool panicked somewhere (libtest
/// would count a panicking trial as a failed case, 101).
pub const EXIT_INTERNAL: u8 = 3;

/// `ICWS_FORCE_PANIC`'s value that panics before the cases run.
pub const FORCE_PANIC_AT_START: &str = "start";

/// The first panic of the process, as `message (at file:line:col)`.
static PANICKED: OnceLock<String> = OnceLock::new();

/// Installs the hook that turns any panic of the process into one
/// `error: internal error …` line (scrubbed by `out`) and exit 3. With
/// `RUST_BACKTRACE` set, the default report (and backtrace) follows.
fn install_panic_hook(out: &Output) {
    let out = out.clone();
    let default = std::panic::take_hook();
    let backtrace = std::env::var_os("RUST_BACKTRACE").is_some_and(|v| v != "0");
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        let at = info.location().map_or_else(
            || "an unknown place".to_owned(),
            |l| format!("{}:{}:{}", l.file(), l.line(), l.column()),
        );
        if is_closed_pipe(&what) {
            // `icws-conformance | head`: the reader left, nothing to report.
            let _ = CLOSED_PIPE.set(());
            return;
        }
        if PANICKED.set(format!("{what} (at {at})")).is_ok() {
            out.error(internal_error(&format!("{what} (at {at})")));
        }
        if backtrace {
            default(info);
        }
    }));
}

/// Set when printing failed because the reader closed the pipe.
static CLOSED_PIPE: std::sync::OnceLock<()> = std::sync::OnceLock::new();

/// Exit code when the console's reader closed the pipe (`| head`): 128 +
/// SIGPIPE, as a shell reports a process the signal ended.
pub const EXIT_CLOSED_PIPE: u8 = 141;

/// True for the panic of `print!` when the reader has closed the pipe.
fn is_closed_pipe(panic: &str) -> bool {
    panic.starts_with("failed printing to std") && panic.contains("Broken pipe")
}

/// The one line an internal error prints.
pub fn internal_error(panic: &str) -> String {
    let to = match env!("CARGO_PKG_REPOSITORY") {
        "" => "to the kit's maintainers".to_owned(),
        repo => format!("at {repo}/issues"),
    };
    format!(
        "internal error (exit {EXIT_INTERNAL}): icws-conformance panicked: {panic}. This is a bug \
         of the tool, not a finding about the server; please report it {to}, with this line \
         and the command (RUST_BACKTRACE=1 adds a backtrace)"
    )
}

/// True once any thread of the process has panicked.
pub fn panicked() -> bool {
    PANICKED.get().is_some()
}

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

/// Cases run at once unless `--test-threads` says otherwise.
pub const DEFAULT_TEST_THREADS: usize = 8;

/// The flags whose values are secrets.
const SECRET_FLAGS: [&str; 4] = ["--password", "--csrf-token", "--cookie", "--proxy"];

/// Registers the values given to secret flags before the command line is
/// parsed: clap's own error for a bad command line quotes what was typed.
/// Returns the secret flags given (as `--flag VALUE`) a value that starts
/// with `-`: clap reads such a value as flags and would quote a piece of it.
fn secret_flag_values(args: &[OsString], redactor: &Redactor) -> Vec<&'static str> {
    let mut dashed = Vec::new();
    let mut after: Option<&'static str> = None;
    for arg in args {
        let text = arg.to_string_lossy();
        if let Some(flag) = after.take() {
            redactor.add(&text);
            if text.starts_with('-') {
                dashed.push(flag);
            }
            continue;
        }
        for flag in SECRET_FLAGS {
            if text == flag {
                after = Some(flag);
            } else if let Some(value) = text.strip_prefix(flag).and_then(|v| v.strip_prefix('=')) {
                redactor.add(value);
            }
        }
    }
    dashed
}

/// The whole program: exit 3 if anything in it panicked (the hook has
/// said so in one line), whatever the run's own outcome.
pub fn main_as(entry: Entry, args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let out = Output::new(Redactor::default());
    install_panic_hook(&out);
    let args: Vec<OsString> = args.into_iter().collect();
    let code = std::panic::catch_unwind(AssertUnwindSafe(|| main_with(entry, args, &out)));
    if CLOSED_PIPE.get().is_some() && !panicked() {
        return ExitCode::from(EXIT_CLOSED_PIPE);
    }
    match code {
        Ok(code) if !panicked() => code,
        Ok(_) => {
            // The run went on after the panic: its line may be far above.
            out.error(format!(
                "exit {EXIT_INTERNAL}: the tool panicked during the run (the internal error \
                 above), so its results are incomplete"
            ));
            ExitCode::from(EXIT_INTERNAL)
        }
        Err(_) => ExitCode::from(EXIT_INTERNAL),
    }
}

fn main_with(entry: Entry, args: Vec<OsString>, out: &Output) -> ExitCode {
    let dashed = secret_flag_values(&args, out.redactor());
    let matches = match args::command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) if e.use_stderr() && !dashed.is_empty() => {
            // clap would quote the value, or the flags it reads in it.
            out.error(format!(
                "the value after {} starts with '-', so it reads as flags: write {}=VALUE",
                dashed.join(", "),
                dashed[0]
            ));
            return ExitCode::from(EXIT_SETUP);
        }
        Err(e) => {
            out.clap_error(&e);
            return ExitCode::from(if e.use_stderr() { EXIT_SETUP } else { 0 });
        }
    };
    let mut cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return setup_error(out, e),
    };
    if cli.test.test_threads == Some(0) {
        return setup_error(out, "--test-threads 0: give at least 1");
    }
    // The cases wait on the server, not on the processor: a few at once
    // whatever the core count, and a burst of refused requests shares one
    // probe of the sessions (fewer requests too).
    if cli.test.test_threads.is_none() {
        cli.test.test_threads = Some(DEFAULT_TEST_THREADS);
    }
    let settings = match settings(&cli) {
        Ok((s, warnings)) => {
            for w in warnings {
                out.say(w);
            }
            s
        }
        Err(e) => return setup_error(out, e),
    };
    drop(cli);
    let (schemas, cases) = match load_everything(&settings.extra_cases, out) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Some(miss) = trials::filter_miss(&settings.test, &cases) {
        match entry {
            Entry::Binary => {
                return setup_error(
                    out,
                    format!(
                        "{} matches no case{} (--list shows them all)",
                        miss.filter, miss.suggestion
                    ),
                );
            }
            // cargo hands its FILTER to every test target: matching no case
            // here is normal, so a note only when a name is close. stdout
            // stays libtest's (nextest reads `--list` there).
            Entry::TestTarget if !miss.suggestion.is_empty() => out.note(format!(
                "{} matches no case of the conformance suite{} (cargo passes its FILTER to \
                 every test target, so this is not an error here)",
                miss.filter, miss.suggestion
            )),
            Entry::TestTarget => {}
        }
    }
    if let Some(at) = &settings.force_panic {
        if at == FORCE_PANIC_AT_START {
            panic!("forced by {FORCE_PANIC_VAR}={FORCE_PANIC_AT_START}");
        }
        if !cases.iter().any(|c| &c.name == at) {
            return setup_error(
                out,
                format!(
                    "{FORCE_PANIC_VAR} {at:?}: give `{FORCE_PANIC_AT_START}` or a case name{}",
                    crate::text::did_you_mean(at, cases.iter().map(|c| c.name.as_str()))
                ),
            );
        }
    }
    if settings.coverage || settings.explain.is_some() {
        return proof::report(&settings, &cases, schemas, out);
    }
    run::run(&settings, schemas, cases, entry == Entry::Binary, out)
}

/// Prints a one-line error and returns exit 2.
fn setup_error(out: &Output, message: impl std::fmt::Display) -> ExitCode {
    out.error(message);
    ExitCode::from(EXIT_SETUP)
}

/// The multi-threaded runtime the requests run on.
fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))
}

/// The load stage: schemas, then cases; every problem printed, exit 2.
fn load_everything(extra: &[PathBuf], out: &Output) -> Result<(Schemas, Vec<Case>), ExitCode> {
    let schemas = Schemas::shipped().map_err(|errors| {
        for e in &errors {
            out.error(e);
        }
        setup_error(
            out,
            format!("{} invalid schema file(s); no case was run", errors.len()),
        )
    })?;
    let mut warnings = Vec::new();
    let cases = load::load_all_noting(extra, &schemas, &mut warnings);
    for w in warnings {
        out.warning(w);
    }
    let cases = cases.map_err(|errors| {
        for e in &errors {
            out.block(&e.render());
        }
        setup_error(
            out,
            format!("{} problem(s) in case files; no case was run", errors.len()),
        )
    })?;
    Ok((schemas, cases))
}
