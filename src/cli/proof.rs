//! Proof by findings: the loaded cases run against the embedded reference
//! server, clean and under each of its fault modes, through the same stages
//! as a real run (strict, so interop and `--strict`-only findings count).
//! What those runs find is what `--coverage`, `--explain` and the
//! self-proof tests report: a requirement is proven by a fault only when a
//! finding of the run under that fault names it.

use std::sync::Arc;
use std::time::Duration;

use icws_refserver::{Config, Fault};
use tokio::task::JoinSet;

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::{Mutex, OnceLock};

use super::EXIT_SETUP;
use super::args::Settings;
use super::output::Output;
use crate::gate::Policy;
use crate::load::case::Case;
use crate::load::schema::Schemas;
use crate::pipeline::Context;
use crate::record::CaseRecord;
use crate::report::coverage::{FaultRun, Named};
use crate::report::{coverage, text};
use crate::run::execute::Runner;
use crate::run::plan::SessionPlan;
use crate::run::session::Credentials;
use crate::run::target::{Target, Transport};
use crate::secret::{Redactor, Secret};
use crate::text::did_you_mean;

/// Runs at once (each is a reference server and a short suite run).
const PARALLEL: usize = 6;

/// How long one request of a sweep may take: long, so that a loaded
/// machine adds no transport finding that would stand in the matrix.
pub const SWEEP_TIMEOUT: Duration = Duration::from_secs(30);

/// The browser page's origin of the sweep's browser cases.
pub const SWEEP_ORIGIN: &str = "http://agent.example:8080";

/// The timeout under the fault whose bodies never finish (it ends each of
/// its catalogue requests in a transport finding after this).
pub const HANGING_TIMEOUT: Duration = Duration::from_secs(3);

/// Every case's record from one run against a reference server with
/// `fault` (or none), `--strict`.
pub async fn run_once(
    cases: &[Case],
    schemas: &Schemas,
    fault: Option<Fault>,
) -> Result<Vec<CaseRecord>, String> {
    // The browser cases run against the clean server and the CORS faults.
    let origin = fault
        .is_none_or(|f| f.concerns_cors())
        .then_some(SWEEP_ORIGIN);
    let config = Config {
        fault,
        profiles: fault
            .iter()
            .flat_map(|f| f.shows_under().iter().copied())
            .collect(),
        cors_origins: origin.iter().map(|o| (*o).to_owned()).collect(),
        ..Config::default()
    };
    let creds = Credentials {
        user: config.user.clone(),
        password: Secret::new(config.password.clone()),
    };
    let server = icws_refserver::spawn(config)
        .await
        .map_err(|e| format!("cannot start the reference server: {e}"))?;
    let transport = Transport {
        timeout: if fault == Some(Fault::NeverFinishes) {
            HANGING_TIMEOUT
        } else {
            SWEEP_TIMEOUT
        },
        // The reference server is on loopback: never through a proxy.
        direct: true,
        ..Transport::default()
    };
    let target = Target::with(&server.base_url(), &transport).map_err(|e| e.to_string())?;
    let runner = Runner::prepare(
        target,
        Some(creds),
        None,
        "en-US",
        Redactor::default(),
        SessionPlan::for_cases(cases, 2),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut runner = runner;
    runner.origin = origin.map(str::to_owned);
    let ctx = Arc::new(Context {
        runner,
        schemas: schemas.clone(),
        policy: Policy {
            strict: true,
            ..Policy::default()
        },
        snapshots: None,
        writer: None,
    });
    // The cases at once, as a run's trials go: a fault that never finishes
    // a body costs one timeout per run, not one per case.
    let mut tasks = JoinSet::new();
    for (i, case) in cases.iter().cloned().enumerate() {
        let ctx = ctx.clone();
        tasks.spawn(async move { (i, ctx.run_case(&case).await.record) });
    }
    let mut out: Vec<Option<CaseRecord>> = vec![None; cases.len()];
    while let Some(joined) = tasks.join_next().await {
        let (i, record) = joined.map_err(|e| format!("a case's run failed: {e}"))?;
        out[i] = Some(record);
    }
    ctx.runner.finish().await;
    Ok(out.into_iter().flatten().collect())
}

fn named(records: &[CaseRecord]) -> Vec<Named> {
    let mut out: Vec<Named> = records
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(|f| Named {
                case: r.name.clone(),
                req: f.req,
                place: f.place.to_string(),
            })
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `--coverage` and `--explain ID`: both report what the runs under the
/// reference server's fault modes found ([`sweep`]).
pub fn report(settings: &Settings, cases: &[Case], schemas: Schemas, out: &Output) -> ExitCode {
    // They run no suite against the target: a report asked for would
    // silently not be written. A warning, not an error: CI jobs often
    // export ICWS_JUNIT and the like for every step.
    for flag in settings.reports.asked() {
        out.warning(format!(
            "{flag} (or its environment variable) is not written: --coverage and --explain run \
             no suite against the target"
        ));
    }
    let req = match &settings.explain {
        Some(id) => match crate::spec::find(id.trim()).or_else(|| {
            // Ids are ASCII: `req-401-2` means REQ-401-2, as rustc takes e0308.
            crate::spec::REQUIREMENTS
                .iter()
                .find(|r| r.id.eq_ignore_ascii_case(id.trim()))
        }) {
            Some(req) => Some(req),
            None => {
                out.error(format!(
                    "--explain {id:?}: no such requirement id{} (--coverage lists them all)",
                    did_you_mean(id, crate::spec::REQUIREMENTS.iter().map(|r| r.id))
                ));
                return ExitCode::from(EXIT_SETUP);
            }
        },
        None => None,
    };
    let rt = match super::runtime() {
        Ok(rt) => rt,
        Err(e) => {
            out.error(e);
            return ExitCode::from(EXIT_SETUP);
        }
    };
    out.say(format!(
        "running {} case(s) against the embedded reference server under each of its {} fault \
         modes…",
        cases.len(),
        Fault::all().len()
    ));
    let runs = match rt.block_on(sweep(Arc::new(cases.to_vec()), schemas)) {
        Ok(r) => r,
        Err(e) => {
            out.error(e);
            return ExitCode::from(EXIT_SETUP);
        }
    };
    let rows = coverage::matrix(&runs);
    match req {
        Some(req) => out.stdout(&text::explain(req, cases, &rows)),
        None => {
            out.stdout(&coverage::render(&rows));
            for (fault, req, place) in coverage::unproven_claims(&runs) {
                out.stdout(&format!(
                    "\nnote: fault {fault} claims to break {req} at {place}, but no finding of its \
                     run names it there\n"
                ));
            }
        }
    }
    ExitCode::SUCCESS
}

/// One sweep's result, computed by the first caller and awaited by the rest.
type SweepCell = Arc<tokio::sync::OnceCell<Vec<FaultRun>>>;

/// The suite under every fault mode, in [`Fault::all`] order, computed at
/// most once per process for the same cases (the tests of this crate ask
/// for it many times; a run asks once, and only for `--coverage` and
/// `--explain`).
pub async fn sweep(cases: Arc<Vec<Case>>, schemas: Schemas) -> Result<Vec<FaultRun>, String> {
    static DONE: OnceLock<Mutex<HashMap<String, SweepCell>>> = OnceLock::new();
    // The cases as loaded (file, expectations, request) and the schemas'
    // documents are the key.
    let mut key = format!("{cases:?}");
    for name in schemas.names() {
        if let Some(schema) = schemas.get(name) {
            key.push_str(&format!("\n{name}: {}", schema.doc));
        }
    }
    let cell = {
        let mut done = DONE
            .get_or_init(Mutex::default)
            .lock()
            .map_err(|_| "the fault sweep's cache is poisoned".to_owned())?;
        done.entry(key).or_default().clone()
    };
    cell.get_or_try_init(|| sweep_once(cases, schemas))
        .await
        .cloned()
}

/// The suite under every fault mode, in [`Fault::all`] order. A finding the
/// clean server's run also produces proves nothing about a fault and is
/// left out.
async fn sweep_once(cases: Arc<Vec<Case>>, schemas: Schemas) -> Result<Vec<FaultRun>, String> {
    let clean = named(&run_once(&cases, &schemas, None).await?);
    let faults = Fault::all();
    let mut results: Vec<Option<FaultRun>> = vec![None; faults.len()];
    let mut tasks = JoinSet::new();
    let mut next = 0;
    loop {
        while tasks.len() < PARALLEL && next < faults.len() {
            let (i, fault) = (next, faults[next]);
            let (cases, schemas) = (cases.clone(), schemas.clone());
            tasks.spawn(async move { (i, fault, run_once(&cases, &schemas, Some(fault)).await) });
            next += 1;
        }
        let Some(joined) = tasks.join_next().await else {
            break;
        };
        let (i, fault, records) = joined.map_err(|e| format!("a fault run failed: {e}"))?;
        let records = records.map_err(|e| format!("fault {fault}: {e}"))?;
        let named = named(&records)
            .into_iter()
            .filter(|n| !clean.contains(n))
            .collect();
        results[i] = Some(FaultRun {
            fault: fault.name(),
            claims: fault.claims(),
            named,
        });
    }
    Ok(results.into_iter().flatten().collect())
}
