//! Stage 1, **load**: the shipped cases (embedded at build time; named by
//! their path when the working folder holds the same file, else marked
//! `(built in)`: [`shipped_file_name`]) and the
//! `*.toml` files under each `--cases` folder → validated [`case::Case`]s,
//! and `schemas/*.json` → compiled [`schema::Schemas`]. Every file is read
//! and every problem collected before the run is refused, so a user fixes
//! them in one pass. This module reads the files; parsing is pure.

pub mod case;
pub mod error;
pub mod schema;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use case::Case;
pub use error::LoadError;
pub use schema::Schemas;

use case::parse_cases;

/// The shipped cases (embedded) followed by the `*.toml` files below each
/// extra folder. Names must be unique; a folder without any case is an error.
pub fn load_all(extra_dirs: &[PathBuf], schemas: &Schemas) -> Result<Vec<Case>, Vec<LoadError>> {
    load_all_noting(extra_dirs, schemas, &mut Vec::new())
}

/// [`load_all`], also collecting what was skipped while walking the folders
/// (a symbolic link back into a folder already walked, a `*.toml` that is
/// not a regular file) as warnings.
pub fn load_all_noting(
    extra_dirs: &[PathBuf],
    schemas: &Schemas,
    warnings: &mut Vec<String>,
) -> Result<Vec<Case>, Vec<LoadError>> {
    let mut sources: Vec<(String, String, Result<String, LoadError>)> = crate::embedded::CASES
        .iter()
        .map(|(path, text)| {
            let name = path
                .trim_start_matches("cases/")
                .trim_end_matches(".toml")
                .to_owned();
            (shipped_file_name(path, text), name, Ok((*text).to_owned()))
        })
        .collect();
    let mut errors = Vec::new();
    for dir in extra_dirs {
        match read_dir_cases(dir, warnings) {
            Ok(files) if files.is_empty() => errors.push(LoadError {
                file: dir.display().to_string(),
                line: 1,
                col: 1,
                message: "no case files (*.toml) in this folder".into(),
                source_line: String::new(),
            }),
            Ok(files) => sources.extend(files),
            Err(e) => errors.push(e),
        }
    }
    let mut cases: BTreeMap<String, Case> = BTreeMap::new();
    for (file, name, text) in sources {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match parse_cases(&file, &name, &text, schemas) {
            Ok(parsed) => {
                for case in parsed {
                    if let Some(first) = cases.get(&case.name) {
                        errors.push(LoadError {
                            file: file.clone(),
                            line: 1,
                            col: 1,
                            message: format!(
                                "duplicate case name {:?} (also {})",
                                case.name, first.file
                            ),
                            source_line: String::new(),
                        });
                    } else {
                        cases.insert(case.name.clone(), case);
                    }
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(cases.into_values().collect())
    } else {
        Err(errors)
    }
}

/// What marks a shipped case's file that is not in the working folder.
pub const BUILT_IN: &str = " (built in)";

/// How outputs name a shipped case's file: its path (from the crate root)
/// when the working folder holds that very file (a checkout), else the path
/// marked [`BUILT_IN`]. An installed binary must not send a user to a file
/// that is not there, or that differs from the one built in (its lines
/// would not match).
pub fn shipped_file_name(path: &str, text: &str) -> String {
    match std::fs::read_to_string(path) {
        Ok(on_disk) if on_disk == text => path.to_owned(),
        _ => format!("{path}{BUILT_IN}"),
    }
}

type Source = (String, String, Result<String, LoadError>);

/// Every `*.toml` below `dir`. Symbolic links are followed, but a folder is
/// walked once (no loop through a link to a parent, no case loaded twice);
/// anything that is not a regular file or a folder is skipped with a warning
/// (a FIFO named `x.toml` would block the read for ever).
fn read_dir_cases(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<Source>, LoadError> {
    let io_err = |path: &Path, e: std::io::Error| LoadError {
        file: path.display().to_string(),
        line: 1,
        col: 1,
        message: format!("cannot read: {e}"),
        source_line: String::new(),
    };
    let mut files = Vec::new();
    let mut walked = std::collections::HashSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let real = std::fs::canonicalize(&d).map_err(|e| io_err(&d, e))?;
        if !walked.insert(real) {
            warnings.push(format!(
                "{}: a folder already read (through a symbolic link); skipped",
                d.display()
            ));
            continue;
        }
        let entries = std::fs::read_dir(&d).map_err(|e| io_err(&d, e))?;
        for entry in entries {
            let path = entry.map_err(|e| io_err(&d, e))?.path();
            // Follows symbolic links; a dangling one is an error to report.
            let meta = std::fs::metadata(&path).map_err(|e| io_err(&path, e))?;
            if meta.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                if meta.is_file() {
                    files.push(path);
                } else {
                    warnings.push(format!(
                        "{}: not a regular file (a FIFO, socket or device); skipped",
                        path.display()
                    ));
                }
            }
        }
    }
    files.sort();
    Ok(files
        .into_iter()
        .map(|path| {
            let file = path.display().to_string();
            let rel = path.strip_prefix(dir).unwrap_or(&path).with_extension("");
            let name = rel.to_string_lossy().replace('\\', "/");
            let text = match std::fs::read(&path) {
                Err(e) => Err(io_err(&path, e)),
                Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
                    let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let good = String::from_utf8_lossy(good).into_owned();
                    let mut err =
                        LoadError::at(&file, &good, good.len(), "the file is not valid UTF-8");
                    err.source_line.clear();
                    err
                }),
            };
            (file, name, text)
        })
        .collect())
}
