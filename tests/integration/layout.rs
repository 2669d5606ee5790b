//! The shape of the house, checked: modules import one another without
//! circles; folders import only down the stage order (load → run → check →
//! record → gate → pipeline → report → cli → docs, the vocabulary below
//! all); only
//! `cli::output` prints or writes files; only the edge reads the
//! environment; only the edge and the load stage read files; the reference
//! server's crate depends on no part of the harness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// Every `.rs` file under `dir`, at any depth.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
}

/// Every harness module (not the binaries): its
/// path (`run::client`) and its source without the unit tests.
fn modules() -> BTreeMap<String, String> {
    rust_files(Path::new(SRC))
        .into_iter()
        .filter_map(|f| {
            let rel = f
                .strip_prefix(SRC)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.starts_with("bin/") || rel == "main.rs" {
                return None;
            }
            let name = rel
                .trim_end_matches(".rs")
                .trim_end_matches("/mod")
                .replace('/', "::");
            let text = std::fs::read_to_string(&f).unwrap();
            let text = text
                .split("#[cfg(test)]")
                .next()
                .unwrap_or_default()
                .to_owned();
            Some((name, text))
        })
        .collect()
}

/// The modules a module's code refers to (`crate::…` and `super::…`).
fn imports(name: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let is_dir_module = Path::new(SRC).join(name.replace("::", "/")).is_dir();
    let parent = if is_dir_module {
        name.to_owned()
    } else {
        name.rsplit_once("::")
            .map_or(String::new(), |(p, _)| p.to_owned())
    };
    for (prefix, base) in [("crate::", String::new()), ("super::", parent)] {
        for (i, _) in text.match_indices(prefix) {
            let rest: String = text[i + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let parts: Vec<&str> = rest.split("::").filter(|p| !p.is_empty()).collect();
            for k in (1..=parts.len()).rev() {
                let tail = parts[..k].join("::");
                let cand = if base.is_empty() {
                    tail
                } else {
                    format!("{base}::{tail}")
                };
                if known.contains(&cand) {
                    out.insert(cand);
                    break;
                }
            }
        }
    }
    out.remove(name);
    out
}

#[test]
fn modules_import_each_other_without_circles() {
    let mods = modules();
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = mods
        .iter()
        .map(|(n, t)| (n.as_str(), imports(n, t, &known)))
        .collect();
    // A module may name its own children (a folder's `mod.rs`); any other
    // path back to itself is a circle.
    let related =
        |a: &str, b: &str| b.starts_with(&format!("{a}::")) || a.starts_with(&format!("{b}::"));
    let mut circles = Vec::new();
    for (from, deps) in &graph {
        for to in deps {
            if related(from, to) {
                continue;
            }
            let mut stack = vec![to.clone()];
            let mut seen = BTreeSet::new();
            while let Some(m) = stack.pop() {
                if !seen.insert(m.clone()) {
                    continue;
                }
                for next in graph.get(m.as_str()).into_iter().flatten() {
                    if next == from {
                        circles.push(format!("{from} → {to} → … → {from}"));
                    } else if !related(&m, next) || next.starts_with(&m) {
                        stack.push(next.clone());
                    }
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
    // The scan sees imports at all: the pipeline uses every stage.
    let pipeline = &graph["pipeline"];
    for stage in ["check", "gate", "load::case", "run::execute", "record"] {
        assert!(
            pipeline.contains(stage),
            "pipeline → {stage} not seen: {pipeline:?}"
        );
    }
}

/// The stage order, lowest first: a module may import its own folder and
/// any folder of a lower rank, never a higher one. The vocabulary (shared
/// words: requirement ids, findings, secrets, text helpers, the embedded
/// files) is below all.
const STAGES: &[&[&str]] = &[
    &["spec", "finding", "secret", "text", "embedded"],
    &["load"],
    &["run"],
    &["check"],
    &["record"],
    &["gate"],
    &["pipeline"],
    &["report"],
    &["cli"],
    &["docs"],
];

/// A module's folder (its first path segment) and that folder's rank.
fn rank(module: &str) -> Option<(&str, usize)> {
    let folder = module.split("::").next().unwrap_or(module);
    STAGES
        .iter()
        .position(|s| s.contains(&folder))
        .map(|r| (folder, r))
}

/// Every import that goes up the stage order, and every module that is in
/// no stage.
fn back_edges(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut out = Vec::new();
    // The crate root only declares the folders.
    for (from, deps) in graph.iter().filter(|(m, _)| *m != "lib") {
        let Some((_, r_from)) = rank(from) else {
            out.push(format!("{from} is in no stage of STAGES"));
            continue;
        };
        for to in deps {
            match rank(to) {
                Some((_, r_to)) if r_to <= r_from => {}
                Some(_) => out.push(format!("{from} → {to} goes up the stage order")),
                None => out.push(format!("{to} is in no stage of STAGES")),
            }
        }
    }
    out
}

fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    mods.iter()
        .map(|(n, t)| (n.clone(), imports(n, t, &known)))
        .collect()
}

#[test]
fn folders_import_only_down_the_stage_order() {
    let graph = import_graph();
    let found = back_edges(&graph);
    assert!(found.is_empty(), "{found:#?}");
    // The rule sees a planted back-edge: the gate reaching into a report,
    // and the record (below both) reaching into the gate.
    let mut planted = graph.clone();
    planted
        .get_mut("gate")
        .unwrap()
        .insert("report::text".to_owned());
    planted
        .get_mut("record")
        .unwrap()
        .insert("gate::baseline".to_owned());
    let found = back_edges(&planted);
    assert_eq!(
        found,
        [
            "gate → report::text goes up the stage order",
            "record → gate::baseline goes up the stage order"
        ],
        "{found:#?}"
    );
}

/// Texts whose presence in a module means it prints.
const PRINTS: &[&str] = &[
    "println!",
    "eprintln!",
    "print!(",
    "eprint!(",
    "std::io::stdout",
    "std::io::stderr",
    ".print()",
];
/// Texts whose presence means it writes files.
const WRITES: &[&str] = &[
    "std::fs::write",
    "OpenOptions",
    "create_dir",
    "File::create",
    "std::fs::rename",
    "std::fs::remove",
];
/// Texts whose presence means it asks the file system.
const READS: &[&str] = &[
    "std::fs::",
    ".is_file()",
    ".is_dir()",
    ".exists()",
    ".metadata(",
];

/// What a module's source breaks of the output and file rules.
fn output_offences(name: &str, text: &str) -> Vec<String> {
    let mut offences = Vec::new();
    let edge = name == "cli" || name.starts_with("cli::");
    let output = name == "cli::output";
    if let (Some(p), false) = (PRINTS.iter().find(|p| text.contains(*p)), output) {
        offences.push(format!("{name} prints ({p}): only cli::output may"));
    }
    if let (Some(p), false) = (WRITES.iter().find(|p| text.contains(*p)), output) {
        offences.push(format!("{name} writes files ({p}): only cli::output may"));
    }
    if text.contains("std::env::var") && !edge {
        offences.push(format!("{name} reads the environment: only the edge may"));
    }
    // The load stage reads case folders; the target reads PEM files it
    // was given. Nothing else outside the edge touches the file system.
    let reads = READS.iter().any(|p| text.contains(p));
    if reads && !edge && !matches!(name, "load" | "run::target") {
        offences.push(format!("{name} asks the file system"));
    }
    offences
}

#[test]
fn only_the_output_prints_or_writes_and_only_the_edge_and_loader_read() {
    let offenders: Vec<String> = modules()
        .iter()
        .flat_map(|(name, text)| output_offences(name, text))
        .collect();
    assert!(offenders.is_empty(), "{offenders:#?}");
    // The rule sees planted offences.
    assert_eq!(
        output_offences("cli::run", "eprintln!(\"x\"); std::fs::write(p, t)").len(),
        2
    );
    assert_eq!(
        output_offences("report::text", "std::env::var(\"X\")").len(),
        1
    );
    assert!(output_offences("cli::output", "eprintln!(); std::fs::write(p, t)").is_empty());
}

/// The reference server's crate, `crates/refserver/`.
const REFSERVER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/refserver");

#[test]
fn the_reference_server_depends_on_no_part_of_the_harness() {
    let root = Path::new(REFSERVER);
    let manifest: toml::Table =
        toml::from_str(&std::fs::read_to_string(root.join("Cargo.toml")).unwrap()).unwrap();
    // Every dependency table: normal, dev and build, also per target.
    let mut tables: Vec<&toml::Table> = Vec::new();
    let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
    for kind in kinds {
        tables.extend(manifest.get(kind).and_then(toml::Value::as_table));
    }
    for target in manifest
        .get("target")
        .and_then(toml::Value::as_table)
        .into_iter()
        .flat_map(|t| t.values())
        .filter_map(toml::Value::as_table)
    {
        for kind in kinds {
            tables.extend(target.get(kind).and_then(toml::Value::as_table));
        }
    }
    assert!(!tables.is_empty(), "no dependencies found in the manifest");
    for (name, spec) in tables.iter().flat_map(|t| t.iter()) {
        let package = spec
            .get("package")
            .and_then(toml::Value::as_str)
            .unwrap_or(name);
        assert!(
            package != "icws-conformance" && spec.get("path").is_none(),
            "the reference server depends on {name}: {spec}"
        );
    }
    // No source of the crate (its library and its own tests) names the harness.
    let files = rust_files(root);
    for p in &files {
        let text = std::fs::read_to_string(p).unwrap();
        assert!(
            !text.contains("icws_conformance"),
            "{} names the harness",
            p.display()
        );
    }
    assert!(
        files.len() >= 3 && files.iter().any(|p| p.ends_with("src/lib.rs")),
        "the reference server's sources were not found: {files:?}"
    );
}
