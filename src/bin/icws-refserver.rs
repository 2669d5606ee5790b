//! `icws-refserver`: the embedded reference server on its own, as a mock ICWS
//! server for client developers — conformant by default, a different but
//! conformant deployment with `--profile NAME` (repeatable; `--list-profiles`),
//! or breaking one documented rule with `--fault NAME` (`--list-faults`).
//! `--cors ORIGIN` serves browser clients on another origin: a preflight
//! from it gets every header it asks for (within bounds), one from any
//! other origin (or any, without `--cors`) gets a line on stderr saying
//! why, and an origin on another site than the listen address (a page on
//! `localhost`, the server on `127.0.0.1`) a warning at start, since the
//! session cookie is then third-party. `--log requests` writes a line per
//! request on stderr (method, path, status, milliseconds; never a header,
//! the query or a body). The start line names the login (the demo
//! account's user and password, which are not secret; a `--password` of
//! one's own is never printed).
//! `--login-gate busy:RETRY_AFTER | unavailable[:RETRY_AFTER] |
//! switchover[:HOST[,HOST…]]` puts a gate in front of every login (a busy
//! gateway's 429, a server down's 503, the standby of a switchover pair),
//! so that no login gets through: an environment a client must give up on.
//! `--catalogue FILE` serves a catalogue from a file (a real server's
//! status-messages body, or a catalogue snapshot the harness wrote) with the
//! server's own session handling; the file is checked first with the
//! harness's own checks (the status-messages schema, REQ-ID-1: unique
//! statusIds, REQ-SYS-1: unique systemIds), and refused with their
//! findings when it fails them.
//!
//! That judgement lives in the harness: `load_catalogue` runs the schema
//! from `icws_conformance::load::Schemas::shipped` (`check_into`) and
//! `icws_conformance::check::rules::unique_status_ids_into` and
//! `unique_system_ids_into`. This binary therefore lives in the harness
//! package and links it, while the reference server's library crate,
//! `icws-refserver` (`crates/refserver/`), depends on no part of the
//! harness. The mock may use the harness's judgement here because it only
//! refuses: it never serves a catalogue the harness would fail, so it never
//! serves something the suite calls broken. The oracle itself, the fault
//! and session logic, is the library's and shares no code with the judge.

use std::collections::BTreeSet;
use std::io::Read as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use icws_conformance::check::snapshot::snap_contents_at;
use icws_conformance::check::{bound::Bounded, parse_json_noting_repeats, rules};
use icws_conformance::load::Schemas;
use icws_conformance::report::text::finding_text;
use icws_conformance::run::target::DEFAULT_MAX_BODY;
use icws_refserver::{self as refserver, Config, Fault, LoginGate, Profile};
use serde_json::Value;

/// A conformant ICWS server for connect, features, status-messages and disconnect.
#[derive(Debug, Parser)]
#[command(name = "icws-refserver", version)]
struct Args {
    /// Address to listen on (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:8018")]
    listen: SocketAddr,
    /// The user that may log in.
    #[arg(long, default_value = refserver::DEMO_USER)]
    user: String,
    /// Its password.
    #[arg(long, default_value = refserver::DEMO_PASSWORD, hide_default_value = true)]
    password: String,
    /// Get one thing wrong, breaking documented rules (see --list-faults).
    #[arg(long, value_name = "NAME")]
    fault: Option<String>,
    /// Behave as a different but conformant deployment (see
    /// --list-profiles); repeatable, profiles combine.
    #[arg(long, value_name = "NAME")]
    profile: Vec<String>,
    /// Serve a synthetic catalogue of N messages instead of the shipped 21
    /// (for load tests and benchmarks; at most 1000000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=1_000_000))]
    catalogue_size: Option<u64>,
    /// Serve the catalogue in FILE: the JSON body of a status-messages
    /// response, or a catalogue snapshot (.snap) the harness wrote. Checked
    /// first with the harness's checks; at most 16 MiB.
    #[arg(long, value_name = "FILE", conflicts_with = "catalogue_size")]
    catalogue: Option<PathBuf>,
    /// Free a session unused for SECS seconds.
    #[arg(long, value_name = "SECS", default_value_t = refserver::DEFAULT_SESSION_IDLE.as_secs())]
    session_idle: u64,
    /// The most live sessions; a login beyond it gets 503.
    #[arg(long, value_name = "N", default_value_t = refserver::DEFAULT_MAX_SESSIONS)]
    max_sessions: usize,
    /// Close a connection that has not sent a whole request head within
    /// SECS seconds (also: a kept-alive connection idle that long).
    #[arg(long, value_name = "SECS", default_value_t = refserver::DEFAULT_HEADER_READ_TIMEOUT.as_secs())]
    header_read_timeout: u64,
    /// The most connections served at once; more are closed on accept.
    #[arg(long, value_name = "N", default_value_t = refserver::DEFAULT_MAX_CONNECTIONS)]
    max_connections: usize,
    /// Allow browser pages from ORIGIN (e.g. http://localhost:3000; `*`
    /// for any): answer CORS preflights and add the Access-Control-*
    /// headers. Repeatable.
    #[arg(long, value_name = "ORIGIN")]
    cors: Vec<String>,
    /// Write a line on stderr for each WHAT: `requests` (method, path,
    /// status, milliseconds; never a header, the query or a body).
    #[arg(long, value_name = "WHAT", value_enum)]
    log: Vec<LogWhat>,
    /// Clients reach this server over TLS (a TLS-terminating proxy in
    /// front): the session cookie gets Secure.
    #[arg(long)]
    behind_tls: bool,
    /// Let no login through: answer every POST /icws/connection as a gate
    /// would. `busy:RETRY_AFTER`: 429 Too Many Requests with that
    /// Retry-After, verbatim (seconds, e.g. 3600, or an HTTP date);
    /// `unavailable[:RETRY_AFTER]`: 503 error.server.unavailable;
    /// `switchover[:HOST[,HOST...]]`: 503
    /// error.server.notAcceptingConnections with alternateHostList naming
    /// the hosts (none without them). Session requests and the feature
    /// list are not gated.
    #[arg(long, value_name = "GATE", value_parser = LoginGate::parse)]
    login_gate: Option<LoginGate>,
    /// Every login also sets N cookies of BYTES characters each (as a
    /// single sign-on stack may), on the login's own path: for load tests
    /// of a client's cookie handling. At most 1000 of 8192 bytes.
    #[arg(long, value_name = "N:BYTES", value_parser = parse_login_cookies)]
    login_cookies: Option<(usize, usize)>,
    /// Print the fault names and exit.
    #[arg(long)]
    list_faults: bool,
    /// Print the profile names, what each changes, and exit.
    #[arg(long)]
    list_profiles: bool,
}

/// What `--log` may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogWhat {
    /// One line per request: method, path, status, milliseconds.
    Requests,
}

/// The server's notes (a refused CORS preflight, the request log) on
/// stderr, a line each; a stderr that cannot be written is not an error
/// (the server goes on serving).
fn stderr_notes() -> refserver::Notes {
    refserver::Notes::new(|line| {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    })
}

/// The start line's part on logging in: the user and password when the
/// password is the demo account's (documented, not a secret), never a
/// password of one's own.
fn login_hint(user: &str, password: &str) -> String {
    if password != refserver::DEMO_PASSWORD {
        return format!("log in as {user} with the password given by --password");
    }
    let demo = if user == refserver::DEMO_USER {
        "demo "
    } else {
        ""
    };
    format!("{demo}login: user {user}, password {password}")
}

/// The fault and profiles the flags ask for, or why the flags do not go
/// together (a fault or profile that would change a `--catalogue` file, a
/// limit of 0).
fn fault_and_profiles(args: &Args) -> Result<(Option<Fault>, BTreeSet<Profile>), String> {
    let fault = args
        .fault
        .as_deref()
        .map(Fault::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut profiles = args
        .profile
        .iter()
        .map(|p| Profile::parse(p))
        .collect::<Result<BTreeSet<_>, _>>()
        .map_err(|e| e.to_string())?;
    // A fault that shows only with some profile brings it along.
    profiles.extend(fault.iter().flat_map(|f| f.shows_under().iter().copied()));
    if let (Some(file), true) = (
        &args.catalogue,
        profiles.contains(&Profile::PasswordInCatalogue),
    ) {
        return Err(format!(
            "--profile password-in-catalogue adds a status to the built-in catalogue, so it \
             cannot be used with --catalogue {} (the status could clash with one of the file's)",
            file.display()
        ));
    }
    if let (Some(file), Some(f)) = (&args.catalogue, fault) {
        if f.changes_catalogue() {
            return Err(format!(
                "--fault {f} changes the catalogue response and is written against the built-in catalogue, so it cannot be used with --catalogue {}; faults on sessions, error bodies, challenges, status codes, the path and the feature list can",
                file.display()
            ));
        }
    }
    let limits = [
        ("--session-idle", args.session_idle as usize),
        ("--max-sessions", args.max_sessions),
        ("--header-read-timeout", args.header_read_timeout as usize),
        ("--max-connections", args.max_connections),
    ];
    if let Some((flag, _)) = limits.iter().find(|(_, v)| *v == 0) {
        return Err(format!("{flag} must be at least 1"));
    }
    Ok((fault, profiles))
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list_faults {
        for f in Fault::all() {
            println!("{f}");
        }
        return ExitCode::SUCCESS;
    }
    if args.list_profiles {
        for p in Profile::all() {
            println!("{p}\n    {}\n    exercises: {}", p.about(), p.exercises());
        }
        return ExitCode::SUCCESS;
    }
    let (fault, profiles) = match fault_and_profiles(&args) {
        Ok(chosen) => chosen,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let catalogue = match &args.catalogue {
        None => None,
        Some(file) => match load_catalogue(file, &format!("http://{}", args.listen)) {
            Ok(loaded) => {
                for w in &loaded.warnings {
                    eprintln!("warning: {w}");
                }
                Some(loaded)
            }
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        },
    };
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let login = login_hint(&args.user, &args.password);
    rt.block_on(async {
        let config = Config {
            user: args.user,
            password: args.password,
            fault,
            catalogue_size: args.catalogue_size.and_then(|n| usize::try_from(n).ok()),
            catalogue: catalogue.as_ref().map(|c| Arc::clone(&c.value)),
            profiles: profiles.clone(),
            session_idle: Duration::from_secs(args.session_idle),
            max_sessions: args.max_sessions,
            header_read_timeout: Duration::from_secs(args.header_read_timeout),
            max_connections: args.max_connections,
            cors_origins: args.cors.clone(),
            tls: args.behind_tls,
            login_gate: args.login_gate.clone(),
            login_cookies: args.login_cookies.unwrap_or((0, 0)),
            notes: Some(stderr_notes()),
            log_requests: args.log.contains(&LogWhat::Requests),
        };
        let server = match refserver::spawn_on(config, args.listen).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", args.listen);
                return ExitCode::from(2);
            }
        };
        for w in refserver::cors::site_warnings(&args.cors, server.addr) {
            eprintln!("warning: {w}");
        }
        let mut mode = fault.map_or("conformant".to_owned(), |f| format!("fault {f}"));
        if !profiles.is_empty() {
            let names: Vec<&str> = profiles.iter().map(Profile::name).collect();
            mode.push_str(&format!(", profiles {}", names.join(" ")));
        }
        if let Some(gate) = &args.login_gate {
            mode.push_str(&format!(", login gate {gate}: no login gets through"));
        }
        if let (Some(c), Some(file)) = (&catalogue, &args.catalogue) {
            mode.push_str(&format!(
                ", catalogue {} ({} messages)",
                file.display(),
                c.messages
            ));
        }
        println!(
            "icws-refserver listening on {} ({mode}); {login}; Ctrl-C stops it",
            server.base_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}

/// The largest catalogue file read: the harness's default `--max-body`.
/// A real catalogue is a few hundred messages of about 500 bytes each, so
/// this is far above any, and bounds what a wrong path (a log, a disk
/// image) can cost.
const MAX_CATALOGUE_BYTES: usize = DEFAULT_MAX_BODY;

/// The session id the catalogue is checked with: one as this server issues
/// them (each request's own is filled in when it is served).
const CHECK_SESSION_ID: &str = "300000000";

/// A catalogue file, read and checked.
struct Loaded {
    /// The catalogue, placeholders kept (filled in per request).
    value: Arc<Value>,
    /// How many messages it has.
    messages: usize,
    /// What is worth saying but does not stop it being served.
    warnings: Vec<String>,
}

/// Reads `file` (a status-messages body or a catalogue snapshot), parses it
/// and runs the harness's checks on it as it would be served at `origin`.
/// The error is the whole message to print: where (`file:line:col` for a
/// syntax error) and what, or every finding of the checks.
fn load_catalogue(file: &Path, origin: &str) -> Result<Loaded, String> {
    let shown = file.display().to_string();
    let text = read_catalogue_text(file, &shown)?;
    let (value, mut warnings) = parse_catalogue(&text, &shown)?;
    refuse_placeholder_ids(&value, &shown)?;
    // Filled in, placeholders grow: the body served must stay under the
    // harness's default --max-body with a long origin and session id.
    let placeholders = raw_text_placeholders(&value);
    let worst = n_bytes_after_fill(len_of(&value), placeholders);
    if worst > MAX_CATALOGUE_BYTES {
        return Err(format!(
            "error: {shown}: with its {placeholders} placeholder(s) filled in (an origin of up to \
             {MAX_ORIGIN} bytes), the body could reach {worst} bytes, more than the harness reads \
             by default ({MAX_CATALOGUE_BYTES} bytes)"
        ));
    }
    let served = refserver::catalogue::instantiate(&value, CHECK_SESSION_ID, origin);
    judge_catalogue(&served, &shown)?;
    let messages = rules::message_list(&value).map_or(0, Vec::len);
    if messages == 0 {
        warnings.push(format!("{shown}: the catalogue has no message"));
    }
    Ok(Loaded {
        value: Arc::new(value),
        messages,
        warnings,
    })
}

/// The file's text: a regular file, within the size bound, UTF-8.
fn read_catalogue_text(file: &Path, shown: &str) -> Result<String, String> {
    let meta = std::fs::metadata(file).map_err(|e| format!("error: {shown}: cannot read: {e}"))?;
    if !meta.is_file() {
        return Err(format!(
            "error: {shown}: not a regular file (a catalogue is a JSON or .snap file)"
        ));
    }
    let too_large = |n: String| {
        format!(
            "error: {shown}: {n} bytes, more than a catalogue file may have ({MAX_CATALOGUE_BYTES} bytes, 16 MiB)"
        )
    };
    if meta.len() > MAX_CATALOGUE_BYTES as u64 {
        return Err(too_large(meta.len().to_string()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| {
            f.take(MAX_CATALOGUE_BYTES as u64 + 1)
                .read_to_end(&mut bytes)
        })
        .map_err(|e| format!("error: {shown}: cannot read: {e}"))?;
    if bytes.len() > MAX_CATALOGUE_BYTES {
        return Err(too_large(format!("more than {MAX_CATALOGUE_BYTES}")));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let (line, col) = line_col(&String::from_utf8_lossy(good), good.len());
        format!("error: {shown}:{line}:{col}: not UTF-8")
    })?;
    Ok(text)
}

/// The JSON of a catalogue file (or of a harness snapshot's contents), and
/// a warning per repeated member name.
fn parse_catalogue(text: &str, shown: &str) -> Result<(Value, Vec<String>), String> {
    // A snapshot: insta's metadata between two `---` lines, then the JSON.
    let after_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = if after_bom.starts_with("---\n") || after_bom.starts_with("---\r\n") {
        snap_contents_at(text).ok_or_else(|| {
            format!(
                "error: {shown}: starts like a snapshot (`---`) but no `---` line closes its metadata"
            )
        })?
    } else {
        text.len() - after_bom.len()
    };
    let json = &text[start..];
    if json.trim().is_empty() {
        return Err(format!("error: {shown}: holds no catalogue (it is empty)"));
    }
    let (value, repeated) = match serde_json::from_str::<Value>(json) {
        Ok(_) => parse_json_noting_repeats(json.as_bytes())
            .map_err(|e| format!("error: {shown}: not JSON: {e}"))?,
        Err(e) => {
            let (first_line, _) = line_col(text, start);
            let message = e.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            return Err(format!(
                "error: {shown}:{}:{}: not JSON: {message}",
                first_line + e.line() - 1,
                e.column()
            ));
        }
    };
    let warnings: Vec<String> = repeated
        .iter()
        .map(|at| {
            format!("{shown}: the member name at {at} repeats an earlier one in its object (POL-JSON-1): the last value is served")
        })
        .collect();
    Ok((value, warnings))
}

/// A placeholder in an id would make the id depend on the session or the
/// origin a client uses: what is checked here would not be what is served
/// (a letter session id in a systemId, two statusIds alike under another
/// host name).
fn refuse_placeholder_ids(value: &Value, shown: &str) -> Result<(), String> {
    if let Some(list) = rules::message_list(value) {
        for (i, m) in list.iter().enumerate() {
            for member in ["statusId", "systemId"] {
                let held = m.get(member).and_then(serde_json::Value::as_str);
                if held.is_some_and(|v| {
                    v.contains(refserver::catalogue::SESSION_PLACEHOLDER)
                        || v.contains(refserver::catalogue::ORIGIN_PLACEHOLDER)
                }) {
                    return Err(format!(
                        "error: {shown}: /statusMessageList/{i}/{member} holds a placeholder \
                         ({} or {}): ids are served as they are written, so write the value",
                        refserver::catalogue::SESSION_PLACEHOLDER,
                        refserver::catalogue::ORIGIN_PLACEHOLDER
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The harness's own judgement of what would be served: the
/// status-messages schema, REQ-ID-1 and REQ-SYS-1, as the suite checks a
/// catalogue. A catalogue it fails is refused with its findings.
fn judge_catalogue(served: &Value, shown: &str) -> Result<(), String> {
    let schemas = Schemas::shipped().map_err(|errors| {
        let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!(
            "error: the shipped schemas do not compile: {}",
            all.join("; ")
        )
    })?;
    let schema = schemas
        .get("status-messages")
        .ok_or("error: the shipped status-messages schema is missing")?;
    let mut found = Bounded::default();
    schema.check_into(served, &mut found);
    rules::unique_status_ids_into(served, &mut found);
    rules::unique_system_ids_into(served, &mut found);
    let findings = found.finish();
    if !findings.is_empty() {
        let mut out = format!(
            "error: {shown} is not a catalogue this server can serve: {} finding(s) of the harness's checks (the status-messages schema, REQ-ID-1, REQ-SYS-1); nothing is served\n\n",
            findings.len()
        );
        for f in &findings {
            out.push_str(&finding_text(shown, f, false));
            out.push('\n');
        }
        return Err(out.trim_end().to_owned());
    }
    Ok(())
}

/// The longest origin (`scheme://host:port`) the size bound assumes: the
/// server fills in no longer one.
const MAX_ORIGIN: usize = refserver::catalogue::MAX_ORIGIN_BYTES;
/// The longest session id the size bound assumes.
const MAX_SESSION_ID: usize = 64;

/// How many placeholders the catalogue's strings hold.
fn raw_text_placeholders(value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::String(s) => {
            s.matches(refserver::catalogue::SESSION_PLACEHOLDER).count()
                + s.matches(refserver::catalogue::ORIGIN_PLACEHOLDER).count()
        }
        serde_json::Value::Array(items) => items.iter().map(raw_text_placeholders).sum(),
        serde_json::Value::Object(m) => m.values().map(raw_text_placeholders).sum(),
        _ => 0,
    }
}

/// The catalogue's size as served, before placeholders are filled in.
fn len_of(value: &serde_json::Value) -> usize {
    serde_json::to_vec(value).map_or(usize::MAX, |v| v.len())
}

/// The worst size once `n` placeholders are filled in.
fn n_bytes_after_fill(len: usize, n: usize) -> usize {
    len.saturating_add(n.saturating_mul(MAX_ORIGIN.max(MAX_SESSION_ID)))
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// `N:BYTES` for `--login-cookies`, within the server's bounds.
fn parse_login_cookies(text: &str) -> Result<(usize, usize), String> {
    let (n, bytes) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: expected N:BYTES, e.g. 90:4096"))?;
    let number = |t: &str, max: usize, what: &str| -> Result<usize, String> {
        let v: usize = t
            .trim()
            .parse()
            .map_err(|_| format!("{what} {t:?} is not a number"))?;
        if v > max {
            return Err(format!("{what} {v} is more than {max}"));
        }
        Ok(v)
    };
    Ok((
        number(n, refserver::MAX_LOGIN_COOKIES, "N")?,
        number(bytes, refserver::MAX_LOGIN_COOKIE_BYTES, "BYTES")?,
    ))
}
