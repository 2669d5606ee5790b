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

use crate::gate::Policy;
use crate::load::case::Case;
use crate::load::schema::Schemas;
use crate::pipeline::Context;
use crate::report::coverage::{FaultRun, Named};
use crate::report::record::CaseRecord;
use crate::run::execute::Runner;
use crate::run::session::Credentials;
use crate::run::target::{Target, Transport};
use crate::secret::{Redactor, Secret};

/// Runs at once (each is a reference server and a short suite run).
const PARALLEL: usize = 6;

/// How long one request of a sweep may take: long, so that a loaded
/// machine adds no transport finding that would stand in the matrix.
pub const SWEEP_TIMEOUT: Duration = Duration::from_secs(30);

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
    let config = Config {
        fault,
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
    let runner = Runner::prepare(target, Some(creds), None, "en-US", Redactor::default())
        .await
        .map_err(|e| e.to_string())?;
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

/// The suite under every fault mode, in [`Fault::all`] order. A finding the
/// clean server's run also produces proves nothing about a fault and is
/// left out.
pub async fn sweep(cases: Arc<Vec<Case>>, schemas: Schemas) -> Result<Vec<FaultRun>, String> {
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
