//! `icws-refserver`: the embedded reference server on its own, as a mock ICWS
//! server for client developers — conformant by default, a different but
//! conformant deployment with `--profile NAME` (repeatable; `--list-profiles`),
//! or breaking one documented rule with `--fault NAME` (`--list-faults`).
//! `--cors ORIGIN` serves browser clients on another origin.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use icws_refserver::{self as refserver, Config, Fault, Profile};

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
    /// Break one documented rule (see --list-faults).
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
    /// Clients reach this server over TLS (a TLS-terminating proxy in
    /// front): the session cookie gets Secure.
    #[arg(long)]
    behind_tls: bool,
    /// Print the fault names and exit.
    #[arg(long)]
    list_faults: bool,
    /// Print the profile names, what each changes, and exit.
    #[arg(long)]
    list_profiles: bool,
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
    let fault = match args.fault.as_deref().map(Fault::parse).transpose() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let profiles = match args
        .profile
        .iter()
        .map(|p| Profile::parse(p))
        .collect::<Result<BTreeSet<_>, _>>()
    {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = [
        ("--session-idle", args.session_idle as usize),
        ("--max-sessions", args.max_sessions),
        ("--header-read-timeout", args.header_read_timeout as usize),
        ("--max-connections", args.max_connections),
    ];
    if let Some((flag, _)) = limits.iter().find(|(_, v)| *v == 0) {
        eprintln!("error: {flag} must be at least 1");
        return ExitCode::from(2);
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    rt.block_on(async {
        let config = Config {
            user: args.user,
            password: args.password,
            fault,
            catalogue_size: args.catalogue_size.and_then(|n| usize::try_from(n).ok()),
            catalogue: None,
            profiles: profiles.clone(),
            session_idle: Duration::from_secs(args.session_idle),
            max_sessions: args.max_sessions,
            header_read_timeout: Duration::from_secs(args.header_read_timeout),
            max_connections: args.max_connections,
            cors_origins: args.cors,
            tls: args.behind_tls,
        };
        let server = match refserver::spawn_on(config, args.listen).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", args.listen);
                return ExitCode::from(2);
            }
        };
        let mut mode = fault.map_or("conformant".to_owned(), |f| format!("fault {f}"));
        if !profiles.is_empty() {
            let names: Vec<&str> = profiles.iter().map(Profile::name).collect();
            mode.push_str(&format!(", profiles {}", names.join(" ")));
        }
        println!(
            "icws-refserver listening on {} ({mode}); Ctrl-C stops it",
            server.base_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}
