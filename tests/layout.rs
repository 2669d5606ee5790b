//! The shape of the house, checked: modules import one another without
//! circles; only the edge (`src/cli/`, the binaries) prints; only the edge
//! and the load stage touch the file system; the reference server's crate
//! depends on no part of the harness.

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
    for stage in [
        "check",
        "gate",
        "load::case",
        "run::execute",
        "report::record",
    ] {
        assert!(
            pipeline.contains(stage),
            "pipeline → {stage} not seen: {pipeline:?}"
        );
    }
}

#[test]
fn only_the_edge_prints_and_only_the_edge_and_loader_touch_files() {
    let mut offenders = Vec::new();
    for (name, text) in modules() {
        let edge = name == "cli" || name.starts_with("cli::");
        for mac in [
            "println!",
            "eprintln!",
            "print!(",
            "eprint!(",
            "std::env::var",
        ] {
            if !edge && text.contains(mac) {
                offenders.push(format!("{name} uses {mac}"));
            }
        }
        // `Path::is_file`/`exists`/`metadata` ask the file system too.
        let reads_files = [
            "std::fs::",
            ".is_file()",
            ".is_dir()",
            ".exists()",
            ".metadata(",
        ]
        .iter()
        .any(|p| text.contains(p));
        // The load stage reads case folders; the target reads PEM files it
        // was given. Nothing else outside the edge touches the file system.
        if reads_files && !edge && !matches!(name.as_str(), "load" | "run::target") {
            offenders.push(format!("{name} uses std::fs"));
        }
    }
    assert!(offenders.is_empty(), "{offenders:#?}");
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
