//! What the edge reads before the run: the baseline and the stored
//! catalogue snapshots. (Everything written goes through
//! [`super::output::Output`].)

use std::collections::BTreeMap;
use std::path::Path;

use super::args::SnapshotSettings;
use crate::check::snapshot::{self, Plan, Stored};
use crate::gate::baseline::Baseline;
use crate::load::{Case, LoadError};

/// Reads and parses a baseline file.
pub fn read_baseline(path: &Path) -> Result<Baseline, LoadError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| LoadError {
        file: file.clone(),
        line: 1,
        col: 1,
        message: format!("cannot read the baseline: {e}"),
        source_line: String::new(),
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
        LoadError::at(
            &file,
            &lossy,
            e.utf8_error().valid_up_to(),
            "the baseline is not valid UTF-8",
        )
    })?;
    Baseline::parse(&file, &text)
}

/// The snapshot plan of a run: the target's folder and the stored snapshot
/// of every case that has a `[snapshot]` table (the file, else the built-in
/// one, else none).
pub fn snapshot_plan(
    settings: &SnapshotSettings,
    default_name: String,
    builtin: &[(&str, &str)],
    cases: &[Case],
) -> Plan {
    let target = settings.target_name.clone().unwrap_or(default_name);
    let root = settings.dir.join(&target);
    let mut plan = Plan {
        root,
        target,
        mode: settings.mode,
        stored: BTreeMap::new(),
    };
    for case in cases.iter().filter(|c| c.snapshot.is_some()) {
        let stored = read_stored(&plan, &case.name, builtin);
        plan.stored.insert(case.name.clone(), stored);
    }
    plan
}

fn read_stored(
    plan: &Plan,
    case: &str,
    builtin: &[(&str, &str)],
) -> Result<Option<Stored>, String> {
    let path = plan.path(case);
    match std::fs::read_to_string(&path) {
        Ok(text) => snapshot::parse_snap(&text)
            .map(|contents| {
                Some(Stored {
                    contents,
                    from: path.display().to_string(),
                })
            })
            .ok_or_else(|| format!("{} is not an insta snapshot file", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let rel = format!("{}/{case}.snap", plan.target);
            Ok(builtin
                .iter()
                .find(|(p, _)| p.ends_with(&rel))
                .and_then(|(p, t)| {
                    snapshot::parse_snap(t).map(|contents| Stored {
                        contents,
                        from: format!("{p} (built in)"),
                    })
                }))
        }
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
