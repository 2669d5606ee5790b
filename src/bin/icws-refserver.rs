//! `icws-refserver`: the embedded reference server on its own, as a mock ICWS
//! server for client developers — conformant by default, or breaking one
//! documented rule with `--fault NAME` (`--list-faults` names them all).

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::Parser;
use icws_refserver::{self as refserver, Config, Fault};

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
    /// Serve a synthetic catalogue of N messages instead of the shipped 21
    /// (for load tests and benchmarks).
    #[arg(long, value_name = "N")]
    catalogue_size: Option<usize>,
    /// Print the fault names and exit.
    #[arg(long)]
    list_faults: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    if args.list_faults {
        for f in Fault::all() {
            println!("{f}");
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
            catalogue_size: args.catalogue_size,
        };
        let server = match refserver::spawn_on(config, args.listen).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: cannot listen on {}: {e}", args.listen);
                return ExitCode::from(2);
            }
        };
        let mode = fault.map_or("conformant".to_owned(), |f| format!("fault {f}"));
        println!(
            "icws-refserver listening on {} ({mode}); Ctrl-C stops it",
            server.base_url()
        );
        let _ = tokio::signal::ctrl_c().await;
        ExitCode::SUCCESS
    })
}
