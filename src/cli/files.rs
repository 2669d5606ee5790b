//! The edge's file work: reading the baseline and the stored catalogue
//! snapshots before the run, writing snapshot files and reports after it.
//! Every text passed in here has already been scrubbed by the caller.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::settings::SnapshotSettings;
use crate::gate::baseline::Baseline;
use crate::gate::snapshot::{self, Plan, Stored, Write};
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

/// Writes one snapshot file the run decided on (creating its folder).
pub fn write_snapshot(w: &Write) -> Result<(), String> {
    create_parent(&w.path)?;
    std::fs::write(&w.path, &w.text).map_err(|e| format!("cannot write {}: {e}", w.path.display()))
}

fn create_parent(path: &Path) -> Result<(), String> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the folder {}: {e}", dir.display())),
        None => Ok(()),
    }
}

/// Writes a report file (creating its folder); the error names the flag.
pub fn write_report(flag: &str, path: &Path, text: &str) -> Result<(), String> {
    create_parent(path).map_err(|e| format!("{flag} {}: {e}", path.display()))?;
    std::fs::write(path, text).map_err(|e| format!("{flag} {}: cannot write: {e}", path.display()))
}

/// Appends to `$GITHUB_STEP_SUMMARY`.
pub fn append(path: &PathBuf, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("GITHUB_STEP_SUMMARY {}: cannot append: {e}", path.display()))
}
