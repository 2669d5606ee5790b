//! Flags and environment → [`Settings`], as ripgrep turns raw flags into
//! validated arguments: the clap definition of every flag ([`Cli`], with
//! [`command`] adding the help's frame: its headings, libtest's options
//! placed under them or hidden ([`HIDDEN_LIBTEST`] says why), the examples
//! and the exit statuses), the value parsers (`--timeout`,
//! `--max-body`, switches), and [`settings`], which checks that the flags go
//! together and returns the one [`Settings`] value the rest of the edge
//! reads (every flag is in it). Pure but for [`Environment::read`]: it
//! prints nothing (warnings are returned) and reads no file.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser};

use crate::check::snapshot::{self, WriteMode};
use crate::run::execute::GivenSession;
use crate::run::links::{DEFAULT_CONCURRENCY, DEFAULT_MAX_LINKS, LinkSettings};
use crate::run::session::Credentials;
use crate::run::target::{Transport, display_url};
use crate::secret::Secret;

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
    #[arg(long, env = "ICWS_STRICT", value_parser = parse_switch)]
    pub strict: bool,
    /// Known failures (TOML: `[expected-failures]`, case name = reason):
    /// reported as expected, not failing the run.
    #[arg(long, env = "ICWS_BASELINE", value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// A baseline entry whose case now passes fails the run.
    #[arg(long, env = "ICWS_STRICT_BASELINE", value_parser = parse_switch)]
    pub strict_baseline: bool,
    /// Write the run's failures as a baseline file (keeping known reasons).
    #[arg(long, env = "ICWS_WRITE_BASELINE", value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
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
    /// Write a HAR 1.2 file of every checked request and response
    /// (secrets replaced), which browsers' DevTools open.
    #[arg(long, env = "ICWS_REPORT_HAR", value_name = "FILE")]
    pub report_har: Option<PathBuf>,
    /// Print each case's request and response in full (secrets replaced);
    /// with --list, each case's description.
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Run the browser cases (browser/*) as a page on this origin would,
    /// e.g. https://agent.example:8443: CORS preflights and answers, as the
    /// vendor's JavaScript client needs them. One more login.
    #[arg(long, env = "ICWS_ORIGIN", value_name = "URL")]
    pub origin: Option<String>,
    /// Do not load the catalogue's icon links (case status-messages/icons
    /// is then ignored, saying so).
    #[arg(long, env = "ICWS_NO_LINKS", value_parser = parse_switch)]
    pub no_links: bool,
    /// Per-request timeout in seconds (at most a day).
    #[arg(
        long,
        env = "ICWS_TIMEOUT",
        value_name = "SECS",
        default_value = "30",
        value_parser = parse_timeout
    )]
    pub timeout: Duration,
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
    /// The most the whole run waits, in seconds, when the server answers
    /// 429 or 503 with Retry-After (0: never wait); a longer wait is exit 2
    /// with the server's reason.
    #[arg(
        long,
        env = "ICWS_MAX_WAIT",
        value_name = "SECS",
        default_value = "30",
        value_parser = parse_max_wait
    )]
    pub max_wait: Duration,
    /// The most sessions open at once (the full suite needs 2; with 1, the
    /// cases that need a second live session are ignored).
    #[arg(
        long,
        env = "ICWS_MAX_SESSIONS",
        value_name = "N",
        default_value = "2",
        value_parser = clap::value_parser!(u32).range(1..=MAX_SESSIONS)
    )]
    pub max_sessions: u32,
    /// Icon links loaded at once (at most 64).
    #[arg(
        long,
        env = "ICWS_LINK_CONCURRENCY",
        value_name = "N",
        default_value_t = DEFAULT_CONCURRENCY as u32,
        value_parser = clap::value_parser!(u32).range(1..=MAX_LINK_CONCURRENCY)
    )]
    pub link_concurrency: u32,
    /// The most distinct icon links loaded in a run; a note says how many
    /// of how many were checked.
    #[arg(
        long,
        env = "ICWS_MAX_LINKS",
        value_name = "N",
        default_value_t = DEFAULT_MAX_LINKS as u32,
        value_parser = clap::value_parser!(u32).range(1..=MAX_LINKS)
    )]
    pub max_links: u32,
    /// The most body bytes read from one response (e.g. 16MiB, 512KiB, 1000000).
    #[arg(
        long,
        env = "ICWS_MAX_BODY",
        value_name = "BYTES",
        default_value = "16MiB",
        value_parser = parse_max_body
    )]
    pub max_body: usize,
    /// Do not verify the server's TLS certificate (prints a warning).
    #[arg(long, env = "ICWS_INSECURE", value_parser = parse_switch)]
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

/// The help's headings, in the order the help shows them.
pub const HEADING_ORDER: [&str; 6] = [
    HEADING_TARGET,
    HEADING_SELECTION,
    HEADING_GATE,
    HEADING_REPORTS,
    HEADING_TRANSPORT,
    HEADING_INFORMATION,
];
/// Where and as whom.
pub const HEADING_TARGET: &str = "Target and login";
/// Which cases run.
pub const HEADING_SELECTION: &str = "Selection";
/// What fails the run: strictness, the baseline, catalogue snapshots.
pub const HEADING_GATE: &str = "CI gate";
/// Report files and the console's format.
pub const HEADING_REPORTS: &str = "Reports and console";
/// Timeouts, limits, retries, TLS, proxy, concurrency.
pub const HEADING_TRANSPORT: &str = "Transport";
/// What the tool can tell without running against a target.
pub const HEADING_INFORMATION: &str = "Information";

/// Each heading with the flags of [`Cli`] under it (by their ids); libtest's
/// options are placed in [`command`].
const HEADINGS: [(&str, &[&str]); 6] = [
    (
        HEADING_TARGET,
        &[
            "base_url",
            "user",
            "password",
            "session_id",
            "csrf_token",
            "cookie",
            "accept_language",
        ],
    ),
    (
        HEADING_SELECTION,
        &["cases", "tags", "skip_tags", "origin", "no_links"],
    ),
    (
        HEADING_GATE,
        &[
            "strict",
            "baseline",
            "strict_baseline",
            "write_baseline",
            "snapshots",
            "target_name",
            "accept_snapshots",
        ],
    ),
    (
        HEADING_REPORTS,
        &[
            "junit",
            "report_json",
            "report_html",
            "report_har",
            "verbose",
        ],
    ),
    (
        HEADING_TRANSPORT,
        &[
            "timeout",
            "retries",
            "max_wait",
            "max_sessions",
            "link_concurrency",
            "max_links",
            "max_body",
            "insecure",
            "ca_cert",
            "client_cert",
            "client_key",
            "proxy",
        ],
    ),
    (HEADING_INFORMATION, &["coverage", "explain"]),
];

/// libtest's options that do nothing useful for this tool, hidden from the
/// help (still accepted: `cargo test` and nextest pass some of them):
/// `--test` and `--bench` (there are no benchmarks; `--bench` would ignore
/// every case), `--nocapture`, `--show-output` and `-Z` (no-ops in
/// libtest-mimic), `--logfile` (it takes only libtest's lines, not the
/// findings' summary or the reports), and `--ignored` / `--include-ignored`
/// (no case is ignored before the run; cases are ignored at run time with a
/// reason, so `--ignored` selects none and `--include-ignored` changes
/// nothing).
pub const HIDDEN_LIBTEST: [&str; 8] = [
    "test",
    "bench",
    "nocapture",
    "show_output",
    "unstable_flags",
    "logfile",
    "ignored",
    "include_ignored",
];

/// The help's closing text: two examples and the exit statuses.
pub const AFTER_HELP: &str = "\
Examples:
  # The suite against the embedded reference server (no target needed):
  icws-conformance

  # A server, the login from the environment, JUnit and HTML reports:
  export ICWS_USER=agent1 ICWS_PASSWORD='…'
  icws-conformance --base-url https://cic.example:8019 \\
      --junit out/junit.xml --report-html out/report.html

Exit status: 0 all cases passed, 101 one or more cases failed, \
2 the run could not start (bad flag, invalid case file, login refused, target unreachable), \
3 an internal error: the tool itself failed (a bug to report, not a finding about the server).";

/// The command with its help frame: version, about, headings, libtest's
/// options placed or hidden, examples and exit statuses.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command()
        .help_template(
            "{name} {version}\n{about}\n\n{usage-heading} {usage}\n\n{all-args}{after-help}",
        )
        .about("Conformance suite for GET /icws/{sessionId}/status/status-messages")
        .long_about(None::<&str>)
        .disable_version_flag(true)
        .disable_help_flag(true)
        .version(env!("CARGO_PKG_VERSION"))
        .after_help(AFTER_HELP);
    for (heading, ids) in HEADINGS {
        for id in ids {
            cmd = cmd.mut_arg(id, |a| a.help_heading(heading));
        }
    }
    for id in HIDDEN_LIBTEST {
        cmd = cmd.mut_arg(id, |a| a.hide(true));
    }
    // libtest's options where a user of this tool looks for them, worded
    // for cases (libtest says "tests").
    let placed: [(&str, &str, &str); 7] = [
        (
            "filter",
            HEADING_SELECTION,
            "Run only the cases whose names contain FILTER (with --exact: the case named \
                 FILTER), e.g. `auth/` or `session/fresh`",
        ),
        (
            "exact",
            HEADING_SELECTION,
            "FILTER is a whole case name, not a part of one",
        ),
        (
            "skip",
            HEADING_SELECTION,
            "Leave out the cases whose names contain FILTER (repeatable)",
        ),
        (
            "format",
            HEADING_REPORTS,
            "The console's format: pretty (one line per case), terse (one character per \
                 case) or json (libtest's events, one JSON object a line)",
        ),
        (
            "quiet",
            HEADING_REPORTS,
            "One character per case (--format terse)",
        ),
        (
            "color",
            HEADING_REPORTS,
            "Colour the outcomes (ok, FAILED): auto (on a terminal), always or never",
        ),
        (
            "list",
            HEADING_INFORMATION,
            "List the cases (needs no target), then exit",
        ),
    ];
    for (id, heading, help) in placed {
        cmd = cmd.mut_arg(id, |a| {
            a.help_heading(heading).help(help).long_help(None::<&str>)
        });
    }
    // Their help says the values in words.
    for id in ["format", "color"] {
        cmd = cmd.mut_arg(id, |a| a.hide_possible_values(true));
    }
    cmd = cmd
        .mut_arg("test_threads", |a| {
            a.help_heading(HEADING_TRANSPORT)
                .value_name("N")
                .help(format!(
                    "Cases run at once [default: {}]",
                    super::DEFAULT_TEST_THREADS
                ))
                .long_help(None::<&str>)
        })
        .mut_arg("filter", |a| a.display_order(0));
    cmd.arg(
        clap::Arg::new("help")
            .short('h')
            .long("help")
            .help("Print help")
            .action(clap::ArgAction::Help)
            .help_heading(HEADING_INFORMATION),
    )
    .arg(
        clap::Arg::new("version")
            .short('V')
            .long("version")
            .help("Print version")
            .action(clap::ArgAction::Version)
            .help_heading(HEADING_INFORMATION),
    )
}

/// The most `--retries` taken.
pub const MAX_RETRIES: i64 = 10;
/// The most `--max-sessions` taken.
pub const MAX_SESSIONS: i64 = 64;
/// The most `--link-concurrency` taken.
pub const MAX_LINK_CONCURRENCY: i64 = 64;
/// The most `--max-links` taken.
pub const MAX_LINKS: i64 = 1_000_000;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The target; `None` starts the embedded reference server.
    pub base_url: Option<String>,
    /// User name and password, for the run session and the cases that need their own.
    pub credentials: Option<Credentials>,
    /// A session the user already has.
    pub given_session: Option<GivenSession>,
    /// `Accept-Language` of the login.
    pub accept_language: String,
    /// `--max-sessions`: the most sessions open at once.
    pub max_sessions: usize,
    /// Timeouts, limits, retries, TLS and proxy.
    pub transport: Transport,
    /// `--strict`: interop findings fail the run.
    pub strict: bool,
    /// The baseline file, if any (the edge reads it).
    pub baseline: Option<PathBuf>,
    /// `--strict-baseline`: a baseline entry that passes fails the run.
    pub strict_baseline: bool,
    /// Catalogue snapshots, when on (`--snapshots`, `--target-name`, or the embedded server).
    pub snapshots: Option<SnapshotSettings>,
    /// Extra case folders.
    pub extra_cases: Vec<PathBuf>,
    /// `--tag`: run only cases with one of these tags.
    pub tags: Vec<String>,
    /// `--skip-tag`: leave out cases with any of these tags.
    pub skip_tags: Vec<String>,
    /// The report files asked for.
    pub reports: Reports,
    /// `--coverage`: print the coverage matrix and exit.
    pub coverage: bool,
    /// `--explain ID`: explain a requirement and exit.
    pub explain: Option<String>,
    /// libtest's options (filter, `--list`, `--exact`, threads, format).
    pub test: libtest_mimic::Arguments,
    /// `-v`: every case's exchange printed; descriptions in `--list`.
    pub verbose: bool,
    /// `--origin`: a browser page's origin (`scheme://host[:port]`), for
    /// the browser cases.
    pub origin: Option<String>,
    /// `--no-links`, `--link-concurrency`, `--max-links`.
    pub links: LinkSettings,
    /// Under GitHub Actions: annotations, and the step summary's file.
    pub github: Option<GitHub>,
    /// `ICWS_FORCE_PANIC`: where the tool panics on purpose, if anywhere.
    pub force_panic: Option<String>,
}

/// The report files asked for (each flag or its variable).
#[derive(Debug, Clone, Default)]
pub struct Reports {
    /// `--junit FILE`.
    pub junit: Option<PathBuf>,
    /// `--report-json FILE`.
    pub json: Option<PathBuf>,
    /// `--report-html FILE`.
    pub html: Option<PathBuf>,
    /// `--report-har FILE`.
    pub har: Option<PathBuf>,
    /// `--write-baseline FILE`.
    pub write_baseline: Option<PathBuf>,
}

impl Reports {
    /// The flags of the reports asked for.
    pub fn asked(&self) -> Vec<&'static str> {
        [
            ("--junit", self.junit.is_some()),
            ("--report-json", self.json.is_some()),
            ("--report-html", self.html.is_some()),
            ("--report-har", self.har.is_some()),
            ("--write-baseline", self.write_baseline.is_some()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(flag, _)| flag)
        .collect()
    }
}

/// A run under GitHub Actions (`GITHUB_ACTIONS=true`).
#[derive(Debug, Clone, Default)]
pub struct GitHub {
    /// `GITHUB_STEP_SUMMARY`, when set and not empty.
    pub step_summary: Option<PathBuf>,
}

/// Where catalogue snapshots are kept and how they may change.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// The folder holding one sub-folder per target (default `snapshots`).
    pub dir: PathBuf,
    /// The target's name; absent: `reference` for the embedded server, else
    /// derived from the host.
    pub target_name: Option<String>,
    /// When files may be written.
    pub mode: WriteMode,
}

/// The variable that makes the tool panic on purpose ([`Environment::force_panic`]).
pub const FORCE_PANIC_VAR: &str = "ICWS_FORCE_PANIC";

/// The environment variables that are not flags but change the run.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `CI` or `TF_BUILD` set and not `false`/`0`/empty (as insta decides it).
    pub ci: bool,
    /// `INSTA_UPDATE`, if set.
    pub insta_update: Option<String>,
    /// `GITHUB_ACTIONS=true`, with `GITHUB_STEP_SUMMARY`.
    pub github: Option<GitHub>,
    /// `ICWS_FORCE_PANIC`: a case name (its trial panics) or `start` (the
    /// run panics before the cases), to check how a CI job treats exit 3.
    pub force_panic: Option<String>,
}

impl Environment {
    /// Reads the variables.
    pub fn read() -> Self {
        let ci = ["CI", "TF_BUILD"].iter().any(|v| {
            std::env::var(v).ok().is_some_and(|x| {
                !matches!(x.trim().to_ascii_lowercase().as_str(), "" | "0" | "false")
            })
        });
        let github = std::env::var("GITHUB_ACTIONS")
            .is_ok_and(|v| v == "true")
            .then(|| GitHub {
                step_summary: std::env::var_os("GITHUB_STEP_SUMMARY")
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from),
            });
        Self {
            ci,
            insta_update: std::env::var("INSTA_UPDATE").ok(),
            github,
            force_panic: std::env::var(FORCE_PANIC_VAR)
                .ok()
                .filter(|v| !v.is_empty()),
        }
    }
}

/// Builds the settings from the flags and the process environment.
pub fn settings(cli: &Cli) -> Result<(Settings, Vec<String>), String> {
    settings_in(cli, &Environment::read())
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Builds the settings, or says which flags do not go together; also the
/// warnings the edge prints.
pub fn settings_in(cli: &Cli, env: &Environment) -> Result<(Settings, Vec<String>), String> {
    let mut warnings = Vec::new();
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
    let given_session = given_session(cli)?;
    let base_url = nonempty(&cli.base_url);
    if base_url.is_none() && (credentials.is_some() || given_session.is_some()) {
        warnings.push(
            "note: no --base-url / ICWS_BASE_URL: running against the embedded reference server; the given login or session is not used".into(),
        );
    }
    if cli.strict_baseline && cli.baseline.is_none() {
        return Err("--strict-baseline needs --baseline FILE".into());
    }
    let snapshots = snapshot_settings(cli, env, base_url.is_none())?;
    if cli.insecure {
        warnings.push(
            "warning: --insecure: the server's TLS certificate is NOT verified; anyone on the \
             path can impersonate it and read the password and session. Use --ca-cert instead."
                .into(),
        );
    }
    let settings = Settings {
        base_url,
        credentials,
        given_session,
        accept_language: cli.accept_language.clone(),
        max_sessions: usize::try_from(cli.max_sessions).unwrap_or(usize::MAX),
        transport: Transport {
            timeout: cli.timeout,
            max_body: cli.max_body,
            retries: cli.retries,
            insecure: cli.insecure,
            ca_cert: cli.ca_cert.clone(),
            client_cert: cli.client_cert.clone(),
            client_key: cli.client_key.clone(),
            proxy: nonempty(&cli.proxy).map(Secret::new),
            direct: false,
            max_wait: cli.max_wait,
            // Set at the edge, which reads the environment's proxies.
            tls_proxy: false,
        },
        strict: cli.strict,
        baseline: cli.baseline.clone(),
        strict_baseline: cli.strict_baseline,
        snapshots,
        extra_cases: cli.cases.clone(),
        tags: cli.tags.clone(),
        skip_tags: cli.skip_tags.clone(),
        reports: Reports {
            junit: cli.junit.clone(),
            json: cli.report_json.clone(),
            html: cli.report_html.clone(),
            har: cli.report_har.clone(),
            write_baseline: cli.write_baseline.clone(),
        },
        coverage: cli.coverage,
        explain: cli.explain.clone(),
        test: cli.test.clone(),
        verbose: cli.verbose,
        origin: nonempty(&cli.origin)
            .map(|o| parse_origin(&o))
            .transpose()?,
        links: LinkSettings {
            enabled: !cli.no_links,
            concurrency: usize::try_from(cli.link_concurrency).unwrap_or(DEFAULT_CONCURRENCY),
            max_links: usize::try_from(cli.max_links).unwrap_or(DEFAULT_MAX_LINKS),
        },
        github: env.github.clone(),
        force_panic: env.force_panic.clone(),
    };
    Ok((settings, warnings))
}

/// `--session-id`, `--csrf-token` and `--cookie`: all three or none.
fn given_session(cli: &Cli) -> Result<Option<GivenSession>, String> {
    let given = [
        nonempty(&cli.session_id),
        nonempty(&cli.csrf_token),
        nonempty(&cli.cookie),
    ];
    match given {
        [Some(id), Some(token), Some(cookie)] => {
            if let Some(why) = crate::run::session::unsendable_id(&id) {
                return Err(format!("--session-id / ICWS_SESSION_ID: {why}"));
            }
            for (flag, value) in [
                ("--csrf-token / ICWS_CSRF_TOKEN", &token),
                ("--cookie / ICWS_COOKIE", &cookie),
            ] {
                if reqwest::header::HeaderValue::from_str(value).is_err() {
                    return Err(format!(
                        "{flag}: cannot be sent as a header value (control characters)"
                    ));
                }
            }
            Ok(Some(GivenSession {
                id,
                token: Secret::new(token),
                cookie: Secret::new(cookie),
            }))
        }
        [None, None, None] => Ok(None),
        _ => Err(
            "an existing session needs all three: --session-id, --csrf-token and --cookie \
             (ICWS_SESSION_ID, ICWS_CSRF_TOKEN, ICWS_COOKIE)"
                .into(),
        ),
    }
}

/// Snapshots are on for the embedded server, or with `--snapshots` or
/// `--target-name`; `--accept-snapshots` needs them on and no CI.
fn snapshot_settings(
    cli: &Cli,
    env: &Environment,
    embedded: bool,
) -> Result<Option<SnapshotSettings>, String> {
    let target_name = nonempty(&cli.target_name);
    if let Some(name) = &target_name {
        if !snapshot::valid_target_name(name) {
            return Err(format!(
                "--target-name / ICWS_TARGET_NAME {name:?}: use letters, digits, `.`, `-` and `_` (it names a folder)"
            ));
        }
    }
    let dir = cli.snapshots.clone().filter(|d| !d.as_os_str().is_empty());
    let on = embedded || dir.is_some() || target_name.is_some();
    if cli.accept_snapshots {
        if !on {
            return Err(
                "--accept-snapshots needs snapshots on: --snapshots DIR or --target-name NAME"
                    .into(),
            );
        }
        if env.ci {
            return Err(
                "--accept-snapshots is refused under CI: accept snapshots locally and commit them"
                    .into(),
            );
        }
    }
    if !on {
        return Ok(None);
    }
    let mode = WriteMode::from_values(env.ci, env.insta_update.as_deref(), cli.accept_snapshots);
    // `--list`, `--coverage` and `--explain` write nothing: a stray INSTA_UPDATE must not
    // stop them (nextest lists through this binary).
    let mode = match mode {
        Err(_) if cli.test.list || cli.coverage || cli.explain.is_some() => WriteMode::Never,
        other => other?,
    };
    Ok(Some(SnapshotSettings {
        dir: dir.unwrap_or_else(|| PathBuf::from("snapshots")),
        target_name,
        mode,
    }))
}

/// `--origin`: a web origin, `scheme://host[:port]` (http or https), as a
/// browser sends it in `Origin` (the default port left out, the host in
/// lower case). A path, query or user info is refused: an origin has none.
pub fn parse_origin(text: &str) -> Result<String, String> {
    let bad = |why: &str| {
        format!(
            "--origin / ICWS_ORIGIN {:?}: {why} (a page's origin: scheme://host[:port], e.g. https://agent.example:8443)",
            crate::text::inert(&text.chars().take(200).collect::<String>())
        )
    };
    let url = url::Url::parse(text.trim()).map_err(|e| bad(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("the scheme must be http or https"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("an origin has no user info"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("an origin has no path, query or fragment"));
    }
    match url.origin() {
        url::Origin::Tuple(..) => Ok(url.origin().ascii_serialization()),
        url::Origin::Opaque(_) => Err(bad("not a web origin")),
    }
}

/// The longest `--timeout` taken: one day.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;
/// The shortest `--timeout` taken: a millisecond.
pub const MIN_TIMEOUT_SECS: f64 = 0.001;

/// `--timeout`: a number of seconds from a millisecond to a day. (clap
/// names the flag; the message names the variable too.)
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && (MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(t))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            format!(
                "not a positive number of seconds from {MIN_TIMEOUT_SECS} to {MAX_TIMEOUT_SECS} (flag or ICWS_TIMEOUT)"
            )
        })
}

/// `--max-wait`: a number of seconds from 0 to a day.
pub fn parse_max_wait(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && (0.0..=MAX_TIMEOUT_SECS).contains(t))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            format!("not a number of seconds from 0 to {MAX_TIMEOUT_SECS} (flag or ICWS_MAX_WAIT)")
        })
}

/// `--max-body`: a size (see [`parse_size`]).
pub fn parse_max_body(text: &str) -> Result<usize, String> {
    parse_size(text).ok_or_else(|| {
        "is not a size: a number of bytes, or with KiB, MiB or GiB (flag or ICWS_MAX_BODY)"
            .to_owned()
    })
}

/// A switch from the environment: `1`, `true`, `yes`, `on` (any case) are
/// on; `0`, `false`, `no`, `off` and empty are off; anything else is an error
/// (a typo must not turn `--strict` on or off silently).
pub fn parse_switch(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected 1/true/yes/on or 0/false/no/off".to_owned()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every flag the help shows sits under one of the headings; libtest's
    /// no-ops are hidden but still parse (cargo test and nextest pass them).
    #[test]
    fn every_shown_flag_has_a_heading_and_the_no_ops_still_parse() {
        let mut cmd = command();
        cmd.build();
        for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
            let heading = arg.get_help_heading();
            assert!(
                heading.is_some_and(|h| HEADING_ORDER.contains(&h)),
                "{} has no heading",
                arg.get_id()
            );
        }
        for id in HIDDEN_LIBTEST {
            let arg = cmd.get_arguments().find(|a| a.get_id() == id);
            assert!(arg.is_some_and(clap::Arg::is_hide_set), "{id}");
        }
        let parsed = command().try_get_matches_from([
            "icws-conformance",
            "--nocapture",
            "--show-output",
            "-Z",
            "unstable-options",
            "--include-ignored",
            "--test",
            "--exact",
            "auth/token",
        ]);
        assert!(parsed.is_ok(), "{parsed:?}");
    }

    #[test]
    fn sizes_and_timeouts() {
        assert_eq!(parse_size("16MiB"), Some(16 << 20));
        assert_eq!(parse_size("10kB"), Some(10_000));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_switch("Yes"), Ok(true));
        assert_eq!(parse_switch(""), Ok(false));
        assert!(parse_switch("maybe").is_err());
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
        assert_eq!(
            parse_origin("https://Agent.Example:443/").as_deref(),
            Ok("https://agent.example")
        );
        assert_eq!(
            parse_origin("http://localhost:5173").as_deref(),
            Ok("http://localhost:5173")
        );
        for bad in [
            "agent.example",
            "ftp://x",
            "https://x/app",
            "https://u:p@x",
            "https://x?q",
        ] {
            assert!(parse_origin(bad).is_err(), "{bad}");
        }
        for bad in ["0", "-1", "soon", "1e20", "inf", "NaN", "0.0000000001"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
