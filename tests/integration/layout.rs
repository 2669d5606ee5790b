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
    crate::common::files_under(dir, "rs")
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
            Some((name, code_of(&text)))
        })
        .collect()
}

/// A module's code as the rules read it: comments removed (string and
/// character literals kept, so a `//` inside a string is not a comment),
/// and everything from the first `#[cfg(test)]` attribute on (the unit
/// tests) cut off. A `#[cfg(test)]` inside a comment or string cuts nothing.
fn code_of(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !prev_is_ident(&chars, i)
        {
            // A raw string: r"…", r#"…"#, …
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body: String = chars[j + 1..].iter().collect();
            let end = body.find(&close).map_or(chars.len(), |e| {
                j + 1 + body[..e].chars().count() + close.chars().count()
            });
            out.extend(&chars[i..end.min(chars.len())]);
            i = end;
        } else if c == '"' {
            out.push(c);
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    out.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    out.push(chars[i]);
                    i += 1;
                }
            }
            if i < chars.len() {
                out.push('"');
                i += 1;
            }
        } else if c == '\'' && char_literal_len(&chars, i) > 0 {
            let n = char_literal_len(&chars, i);
            out.extend(&chars[i..i + n]);
            i += n;
        } else {
            out.push(c);
            i += 1;
        }
    }
    match out
        .lines()
        .position(|l| l.trim_start().starts_with("#[cfg(test)]"))
    {
        Some(n) => out.lines().take(n).collect::<Vec<_>>().join("\n"),
        None => out,
    }
}

fn prev_is_ident(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

/// The length of a character literal starting at `i` (`'x'`, `'\n'`,
/// `'\u{1F600}'`), or 0 for a lifetime.
fn char_literal_len(chars: &[char], i: usize) -> usize {
    match (chars.get(i + 1), chars.get(i + 2)) {
        (Some('\\'), _) => chars
            .get(i + 3..)
            .and_then(|rest| rest.iter().position(|c| *c == '\''))
            .map_or(0, |p| p + 4),
        (Some(_), Some('\'')) => 3,
        _ => 0,
    }
}

/// The paths a `use`/path group names: `{a::b, c::{d, e as f}, g}` →
/// `a::b`, `c::d`, `c::e`, `g` (text starts just after the `{`).
fn group_paths(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    let mut items = Vec::new();
    for c in text.chars() {
        match c {
            '{' => {
                depth += 1;
                item.push(c);
            }
            '}' if depth == 0 => {
                items.push(std::mem::take(&mut item));
                break;
            }
            '}' => {
                depth -= 1;
                item.push(c);
            }
            ',' if depth == 0 => items.push(std::mem::take(&mut item)),
            c => item.push(c),
        }
    }
    for item in items {
        let item: String = item.split_whitespace().collect::<Vec<_>>().join(" ");
        let item = item
            .split(" as ")
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned();
        if let Some((head, rest)) = item.split_once('{') {
            for inner in group_paths(rest) {
                out.push(format!("{head}{inner}"));
            }
        } else if !item.is_empty() {
            out.push(item);
        }
    }
    out
}

/// The modules a module's code refers to (`crate::…` and `super::…`,
/// grouped imports included).
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
            let after = &text[i + prefix.len()..];
            let paths = match after.trim_start().strip_prefix('{') {
                Some(group) => group_paths(group),
                None => vec![
                    after
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                        .collect(),
                ],
            };
            for rest in paths {
                let parts: Vec<&str> = rest
                    .split("::")
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .collect();
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
    // A grouped import is an import too.
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    let grouped = imports(
        "record",
        "use crate::{finding::Finding, gate::baseline as _};",
        &known,
    );
    assert!(grouped.contains("gate::baseline"), "{grouped:?}");
    assert_eq!(
        found,
        [
            "gate → report::text goes up the stage order",
            "record → gate::baseline goes up the stage order"
        ],
        "{found:#?}"
    );
}

/// Code that prints: the print macros in any bracket, `dbg!`, the standard
/// streams however they are named, clap's `print`.
const PRINTS: &str =
    r"\b(e?print(ln)?|dbg)\s*!\s*[(\[{]|(?:^|[^.\w])(stdout|stderr)\s*\(|\.print\s*\(";
/// Code that writes files, however `fs` was imported.
const WRITES: &str = r"\bfs\s*::\s*(write|copy|rename|remove_\w+|create_dir\w*|hard_link|set_permissions)\b|\bFile\s*::\s*(create\w*|options)\b|\bOpenOptions\b|\buse\s+std\s*::\s*fs\s*::[^;]*\b(write|copy|rename|remove_\w+|create_dir\w*|File|OpenOptions)\b";
/// Code that asks the file system at all.
const READS: &str = r"\bfs\s*::|\bstd\s*::\s*\{[^;]*\bfs\b|\bFile\s*::|\.(is_file|is_dir|exists|metadata|read_dir|canonicalize)\s*\(";
/// Code that reads the environment.
const ENV: &str = r"\benv\s*::\s*(var|vars|var_os|vars_os|set_var|remove_var|args\w*)\b|\buse\s+std\s*::\s*env\b|\bstd\s*::\s*\{[^;]*\benv\b";
/// Code brought in from another file, which the rules would not see.
const INCLUDES: &str = r"\binclude\s*!";

/// What a module's code (see [`code_of`]) breaks of the output and file
/// rules.
fn output_offences(name: &str, code: &str) -> Vec<String> {
    let found = |pattern: &str| {
        regex::Regex::new(pattern)
            .unwrap()
            .find(code)
            .map(|m| m.as_str().to_owned())
    };
    let mut offences = Vec::new();
    let edge = name == "cli" || name.starts_with("cli::");
    let output = name == "cli::output";
    if let (Some(p), false) = (found(PRINTS), output) {
        offences.push(format!("{name} prints ({p}): only cli::output may"));
    }
    if let (Some(p), false) = (found(WRITES), output) {
        offences.push(format!("{name} writes files ({p}): only cli::output may"));
    }
    if let (Some(p), false) = (found(ENV), edge) {
        offences.push(format!(
            "{name} reads the environment ({p}): only the edge may"
        ));
    }
    // The load stage reads case folders; the target reads PEM files it
    // was given. Nothing else outside the edge touches the file system.
    if let (Some(p), false) = (found(READS), edge || matches!(name, "load" | "run::target")) {
        offences.push(format!("{name} asks the file system ({p})"));
    }
    // The crate root embeds the generated file list; nothing else may
    // bring in code the rules do not read.
    if let (Some(p), false) = (found(INCLUDES), name == "lib") {
        offences.push(format!("{name} includes another file ({p})"));
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
    // The rules see planted offences, however they are spelt.
    let planted: &[(&str, &str)] = &[
        ("cli::run", "eprintln!(\"x\");"),
        ("check::headers", "print![\"x\"];"),
        ("check::json", "dbg!(1);"),
        (
            "check::extras",
            "use std::io::{stdout, Write as _}; writeln!(stdout(), \"x\");",
        ),
        (
            "pipeline",
            "use std::io::{self, Write as _}; writeln!(io::stderr(), \"x\");",
        ),
        ("check::bound", "use std::fs; fs::write(p, t);"),
        (
            "cli::trials",
            "std::fs::File::options().create(true).write(true).open(p);",
        ),
        ("cli::trials", "std::fs::copy(a, b);"),
        ("cli::run", "use std::fs::write; write(p, t);"),
        ("check::rules", "use std::env; env::var(\"X\");"),
        ("report::text", "include!(\"plant.inc\");"),
        ("report::text", "let u = \"http://x\"; println!(\"{u}\");"),
    ];
    for (module, plant) in planted {
        let offences = output_offences(module, &code_of(plant));
        assert!(!offences.is_empty(), "{module}: {plant} is not caught");
    }
    // A comment that mentions the test attribute does not hide what follows.
    let hidden = code_of("// about #[cfg(test)] modules\nfn f() { println!(\"x\"); }\n");
    assert_eq!(
        output_offences("report::junit", &hidden).len(),
        1,
        "{hidden}"
    );
    // Character literals and lifetimes do not open strings.
    let chars = code_of("fn f<'a>(c: char) -> bool { c == '\\'' || c == '\"' } // x\n");
    assert_eq!(
        chars.trim(),
        "fn f<'a>(c: char) -> bool { c == '\\'' || c == '\"' }"
    );
    // Comments and strings are not code.
    let quiet = code_of("// println!(\"x\") in a comment\nconst A: &str = \"std::fs::write\";\n");
    assert_eq!(quiet.trim(), "const A: &str = \"std::fs::write\";");
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
