//! The case schema (`schemas/case/case.schema.json`, what editors read
//! through each case's `#:schema` line) and the loader (`src/load/case.rs`)
//! accept exactly the same files. Every shipped case names the schema and
//! meets it; every TOML example in the book (`docs/src/`, the case format
//! in `guides/writing-cases.md`) and in README.md meets it and loads; and the two agree
//! on every key and value: the loader's own error messages list its keys and
//! enum values (serde's "expected one of …"), which must be the schema's,
//! and generated mutations (keys removed, renamed, made up; values retyped,
//! out of range, made up; every combination of the request's settings) must
//! be accepted or refused by both alike. What a JSON Schema cannot say is in
//! [`KNOWN_GAPS`], a reason beside each entry, and those gaps must still be
//! gaps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::path::Path;

use icws_conformance::load::Schemas;
use icws_conformance::load::case::parse_case;
use icws_conformance::spec;
use serde_json::{Map, Value, json};

const SCHEMA_FILE: &str = "schemas/case/case.schema.json";
const SCHEMA_TEXT: &str = include_str!("../../schemas/case/case.schema.json");

/// What a JSON Schema cannot check but the loader does: (where, the value,
/// why). Each must stay a gap: the loader refuses it, the schema accepts it.
const KNOWN_GAPS: &[(&str, &str, &str)] = &[
    (
        "expect/headers/0/matches",
        r#""(""#,
        "a Rust regular expression: JSON Schema's `format: regex` is ECMA 262 and taplo does not check it",
    ),
    (
        "expect/status/0",
        "401.0",
        "JSON Schema counts 401.0 as an integer; TOML keeps floats apart, and the loader refuses one",
    ),
    (
        "expect/rules/feature/min-version",
        "1.0",
        "JSON Schema counts 1.0 as an integer; TOML keeps floats apart, and the loader refuses one",
    ),
];

/// The loader and the compiled case schema, side by side.
struct Judge {
    schemas: Schemas,
    schema: Value,
    validator: jsonschema::Validator,
}

/// Both verdicts on one document: `Err` holds why it was refused.
#[derive(Debug)]
struct Verdicts {
    loader: Result<(), String>,
    schema: Result<(), String>,
}

impl Verdicts {
    fn agree(&self) -> bool {
        self.loader.is_ok() == self.schema.is_ok()
    }

    fn both_accept(&self) -> bool {
        self.loader.is_ok() && self.schema.is_ok()
    }
}

impl Judge {
    fn new() -> Self {
        let schema: Value = serde_json::from_str(SCHEMA_TEXT).unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{SCHEMA_FILE} does not compile: {e}"));
        Self {
            schemas: Schemas::shipped().unwrap(),
            schema,
            validator,
        }
    }

    fn loader(&self, text: &str) -> Result<(), String> {
        parse_case("mine/c.toml", "mine/c", text, &self.schemas)
            .map(drop)
            .map_err(|errors| {
                errors
                    .iter()
                    .map(|e| e.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
    }

    fn schema(&self, text: &str) -> Result<(), String> {
        let doc: Value = toml::from_str(text).map_err(|e| format!("not TOML: {e}"))?;
        let errors: Vec<String> = self
            .validator
            .iter_errors(&doc)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    fn text(&self, text: &str) -> Verdicts {
        Verdicts {
            loader: self.loader(text),
            schema: self.schema(text),
        }
    }

    fn doc(&self, doc: &Value) -> Verdicts {
        self.text(&toml_text(doc))
    }
}

fn toml_text(doc: &Value) -> String {
    toml::to_string(doc).unwrap_or_else(|e| panic!("not writable as TOML: {e}: {doc}"))
}

// ------------------------------------------------------------ documents

/// A case that uses every key the format has, and loads.
fn full() -> Value {
    json!({
        "description": "every key",
        "reqs": ["REQ-REQ-3", "REQ-401-1"],
        "tags": ["isolation"],
        "level": "interop",
        "request": {
            "endpoint": "status-messages",
            "session": "pair",
            "csrf-token": "other-session",
            "cookie": "other-session",
            "session-id": "send",
            "other-session": "ended",
        },
        "expect": {
            "status": [400, 401],
            "schema": "error",
            "media-type": "json",
            "www-authenticate": "icws",
            "headers": [{"name": "X-Trace", "present": true, "matches": "^[0-9a-f]+$", "req": "REQ-401-2"}],
            "rules": {
                "unique-status-ids": true,
                "unique-system-ids": true,
                "status-ids-present": ["available"],
                "feature": {"id": "status", "min-version": 1},
            },
        },
        "snapshot": {"redact": ["/statusMessageList/*/messageText"]},
    })
}

/// [`full`] with another request table and status list: the contexts in
/// which each enum value can be tried.
fn with_request(request: Value, status: Value) -> Value {
    let mut doc = full();
    doc["request"] = request;
    doc["expect"]["status"] = status;
    doc
}

fn bases() -> Vec<(&'static str, Value)> {
    vec![
        ("full", full()),
        (
            "the run's session",
            with_request(
                json!({"endpoint": "status-messages", "session": "valid"}),
                json!([200]),
            ),
        ),
        (
            "the features endpoint",
            with_request(
                json!({"endpoint": "features", "session": "none"}),
                json!([200]),
            ),
        ),
        (
            "an ended session",
            with_request(
                json!({"endpoint": "status-messages", "session": "ended"}),
                json!([401]),
            ),
        ),
        (
            "a pair, cookie of both",
            with_request(
                json!({"endpoint": "status-messages", "session": "pair", "cookie": "both-sessions"}),
                json!([401]),
            ),
        ),
    ]
}

/// A path into a document: `expect/headers/0/name`.
fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}

fn get_mut<'a>(doc: &'a mut Value, path: &str) -> Option<&'a mut Value> {
    let mut at = doc;
    for seg in segments(path) {
        at = match at {
            Value::Object(m) => m.get_mut(seg)?,
            Value::Array(a) => a.get_mut(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}

fn with_value(doc: &Value, path: &str, value: Value) -> Value {
    let mut doc = doc.clone();
    *get_mut(&mut doc, path).unwrap_or_else(|| panic!("{path} is not in the document")) = value;
    doc
}

/// [`with_value`], adding the key when its table lacks it.
fn set(doc: &Value, path: &str, value: Value) -> Value {
    let (parent, key) = split(path);
    match get_mut(&mut doc.clone(), path) {
        Some(_) => with_value(doc, path, value),
        None => with_key(doc, &parent, &key, value),
    }
}

/// `(parent, key)` of a path.
fn split(path: &str) -> (String, String) {
    let mut segs = segments(path);
    let last = segs.pop().unwrap().to_owned();
    (segs.join("/"), last)
}

fn without_key(doc: &Value, path: &str) -> Value {
    let (parent, key) = split(path);
    let mut doc = doc.clone();
    let table = get_mut(&mut doc, &parent).and_then(Value::as_object_mut);
    table.unwrap().remove(&key);
    doc
}

fn with_key(doc: &Value, table: &str, key: &str, value: Value) -> Value {
    let mut doc = doc.clone();
    let t = get_mut(&mut doc, table).and_then(Value::as_object_mut);
    t.unwrap_or_else(|| panic!("{table} is not a table"))
        .insert(key.to_owned(), value);
    doc
}

/// Every path of `doc` below the root, parents first.
fn paths(doc: &Value, at: &str, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match doc {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => return,
    };
    for (k, v) in children {
        let p = if at.is_empty() {
            k
        } else {
            format!("{at}/{k}")
        };
        out.push(p.clone());
        paths(v, &p, out);
    }
}

// --------------------------------------------------------- the schema

/// The schema of the value at a document path (through `properties` and
/// `items` only).
fn schema_at<'a>(schema: &'a Value, path: &str) -> Option<&'a Value> {
    let mut at = schema;
    for seg in segments(path) {
        at = if seg.parse::<usize>().is_ok() {
            at.get("items")?
        } else {
            at.get("properties")?.get(seg)?
        };
    }
    Some(at)
}

/// The part of the format the key-by-key comparisons leave out: a
/// `[[variant]]` is judged merged with the file's own request, which a JSON
/// Schema cannot express (it checks each variant's keys and values alone).
/// [`variants_are_judged_merged_and_named_by_the_loader`] tests it instead.
const MERGED: &str = "variant";

/// Every table of the format, as a document path (array elements as `0`),
/// from the schema.
fn schema_tables(schema: &Value, at: &str, out: &mut Vec<String>) {
    if at == MERGED {
        return;
    }
    if schema.get("properties").is_some() {
        out.push(at.to_owned());
        for (k, sub) in schema["properties"].as_object().unwrap() {
            let p = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}/{k}")
            };
            schema_tables(sub, &p, out);
        }
    }
    if let Some(items) = schema.get("items") {
        schema_tables(items, &format!("{at}/0"), out);
    }
}

/// Every value with an `enum`, as a document path, from the schema.
fn schema_enums(schema: &Value, at: &str, out: &mut Vec<(String, Vec<String>)>) {
    if at == MERGED {
        return;
    }
    // A value that is a word or a table (`csrf-token = "omit"` or
    // `{ change = … }`): its words.
    for branch in schema
        .get("oneOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if branch.get("enum").is_some() {
            schema_enums(branch, at, out);
        }
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values = values
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect();
        out.push((at.to_owned(), values));
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        for (k, sub) in props {
            let p = if at.is_empty() {
                k.clone()
            } else {
                format!("{at}/{k}")
            };
            schema_enums(sub, &p, out);
        }
    }
    if let Some(items) = schema.get("items") {
        schema_enums(items, &format!("{at}/0"), out);
    }
}

/// The backticked words after "expected" in a serde message: the loader's
/// own list of keys or variants (`expected one of `a`, `b``, `expected `a``).
fn serde_list(message: &str) -> Option<BTreeSet<String>> {
    let (_, rest) = message.split_once(", expected ")?;
    let words: BTreeSet<String> = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    (!words.is_empty()).then_some(words)
}

const MADE_UP: &str = "zz-made-up";

// ---------------------------------------------------------------- tests

#[test]
fn every_shipped_case_names_the_schema_and_meets_it() {
    let judge = Judge::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut problems = Vec::new();
    for (file, text) in icws_conformance::embedded::CASES {
        let depth = file.matches('/').count();
        let directive = format!("#:schema {}{SCHEMA_FILE}", "../".repeat(depth));
        if text.lines().next() != Some(directive.as_str()) {
            problems.push(format!("{file}: the first line is not `{directive}`"));
        }
        // The path resolves from the file's folder, as taplo resolves it.
        let rel = directive.trim_start_matches("#:schema ");
        let folder = root.join(file).parent().unwrap().to_path_buf();
        if !folder.join(rel).is_file() {
            problems.push(format!("{file}: {rel} does not resolve from its folder"));
        }
        let v = judge.text(text);
        if let Err(e) = v.schema {
            problems.push(format!("{file}: the schema refuses it: {e}"));
        }
        if let Err(e) = v.loader {
            problems.push(format!("{file}: the loader refuses it: {e}"));
        }
    }
    assert!(icws_conformance::embedded::CASES.len() >= 10);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_loader_reads_the_directive_as_a_comment() {
    let judge = Judge::new();
    let case = toml_text(&full());
    let with = format!("#:schema ../../{SCHEMA_FILE}\n{case}");
    assert!(judge.text(&with).both_accept(), "{:?}", judge.text(&with));
    // Line numbers still count the directive's line.
    let broken = with.replacen("description =", "descripton =", 1);
    let line = broken
        .lines()
        .position(|l| l.starts_with("descripton"))
        .unwrap()
        + 1;
    let errors = parse_case("mine/c.toml", "mine/c", &broken, &judge.schemas).unwrap_err();
    assert_eq!(errors[0].line, line, "{}", errors[0]);
    assert!(errors[0].message.contains("descripton"), "{}", errors[0]);
}

#[test]
fn the_case_schema_is_not_taken_for_a_response_schema() {
    // Embedded (so an installed tool carries it) …
    assert!(
        icws_conformance::embedded::SCHEMAS
            .iter()
            .any(|(p, _)| *p == SCHEMA_FILE),
        "{SCHEMA_FILE} is not embedded"
    );
    // … but response schemas are only the files directly in schemas/.
    let names: Vec<String> = Schemas::shipped()
        .unwrap()
        .names()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, ["error", "features", "status-messages"]);
}

#[test]
fn every_key_of_the_schema_has_a_description() {
    let judge = Judge::new();
    let mut missing = Vec::new();
    let mut tables = Vec::new();
    schema_tables(&judge.schema, "", &mut tables);
    for table in &tables {
        let t = schema_at(&judge.schema, table).unwrap();
        for (k, sub) in t["properties"].as_object().unwrap() {
            let ok = sub
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.trim().is_empty());
            if !ok {
                missing.push(format!("{table}/{k}"));
            }
            if sub.get("additionalProperties").is_none() && sub.get("properties").is_some() {
                missing.push(format!("{table}/{k}: additionalProperties"));
            }
        }
    }
    assert!(tables.len() >= 7, "{tables:?}");
    assert!(missing.is_empty(), "{missing:#?}");
}

/// The Markdown files whose TOML examples must be cases, case fragments or
/// baselines: README.md and every page of the book, by path from the crate.
fn markdown_with_examples() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    files.extend(crate::common::files_under(&root.join("docs/src"), "md"));
    files.sort();
    files
        .into_iter()
        .map(|f| {
            let rel = f
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&f).unwrap())
        })
        .collect()
}

/// The page that documents the case format, which must hold a whole case.
const CASE_FORMAT_PAGE: &str = "docs/src/guides/writing-cases.md";

#[test]
fn documented_case_examples_meet_the_schema_and_load() {
    let judge = Judge::new();
    let roots: BTreeSet<&String> = judge.schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let (mut cases_on_format_page, mut problems) = (0, Vec::new());
    let pages = markdown_with_examples();
    assert!(
        pages.iter().any(|(f, _)| f == CASE_FORMAT_PAGE),
        "{CASE_FORMAT_PAGE} is missing"
    );
    for (file, markdown) in &pages {
        let mut blocks = Vec::new();
        let mut lines = markdown.lines().enumerate();
        while let Some((n, line)) = lines.next() {
            if line.trim() == "```toml" {
                let body: Vec<&str> = lines
                    .by_ref()
                    .map(|(_, l)| l)
                    .take_while(|l| l.trim() != "```")
                    .collect();
                blocks.push((n + 1, body.join("\n")));
            }
        }
        for (line, text) in &blocks {
            let doc: Value = match toml::from_str(text) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(format!("{file}:{line}: not TOML: {e}"));
                    continue;
                }
            };
            let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
            if keys.iter().any(|k| *k == "request") {
                if file == CASE_FORMAT_PAGE {
                    cases_on_format_page += 1;
                }
                let v = judge.text(text);
                if !v.both_accept() {
                    problems.push(format!("{file}:{line}: a case that does not pass: {v:?}"));
                }
            } else if keys.iter().any(|k| *k == "expected-failures") {
                // A baseline file, not a case.
            } else if keys.iter().all(|k| roots.contains(k)) {
                // A fragment of a case: each table meets its part of the schema.
                for k in keys {
                    let part = jsonschema::draft7::new(&judge.schema["properties"][k]).unwrap();
                    for e in part.iter_errors(&doc[k]) {
                        problems.push(format!("{file}:{line}: `{k}`{}: {e}", e.instance_path()));
                    }
                }
            } else {
                problems.push(format!(
                    "{file}:{line}: a TOML block that is neither a case, a case fragment nor a baseline: {keys:?}"
                ));
            }
        }
    }
    assert!(
        cases_on_format_page >= 1,
        "no case example found in {CASE_FORMAT_PAGE}"
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_loader_and_the_schema_have_the_same_keys() {
    let judge = Judge::new();
    let base = full();
    let mut tables = Vec::new();
    schema_tables(&judge.schema, "", &mut tables);
    let mut problems = Vec::new();
    for table in &tables {
        let ours: BTreeSet<String> = schema_at(&judge.schema, table).unwrap()["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        let probe = with_key(&base, table, MADE_UP, json!("x"));
        let v = judge.doc(&probe);
        if v.schema.is_ok() {
            problems.push(format!(
                "`{table}`: the schema takes the made-up key {MADE_UP}"
            ));
        }
        let Err(message) = &v.loader else {
            problems.push(format!(
                "`{table}`: the loader takes the made-up key {MADE_UP}"
            ));
            continue;
        };
        let Some(loaders) = serde_list(message) else {
            problems.push(format!(
                "`{table}`: no key list in the loader's message: {message}"
            ));
            continue;
        };
        for k in loaders.difference(&ours) {
            problems.push(format!(
                "`{table}`: the loader has key `{k}`, the schema does not"
            ));
        }
        for k in ours.difference(&loaders) {
            problems.push(format!(
                "`{table}`: the schema has key `{k}`, the loader does not"
            ));
        }
    }
    assert!(tables.len() >= 7, "{tables:?}");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn keys_removed_or_misspelt_are_judged_alike() {
    let judge = Judge::new();
    let mut problems = Vec::new();
    let mut all = Vec::new();
    paths(&full(), "", &mut all);
    let keys: Vec<&String> = all
        .iter()
        .filter(|p| split(p).1.parse::<usize>().is_err())
        .collect();
    for (name, base) in bases() {
        for path in &keys {
            if get_mut(&mut base.clone(), path).is_none() {
                continue;
            }
            let (parent, key) = split(path);
            let value = get_mut(&mut base.clone(), path).unwrap().clone();
            for (what, doc) in [
                ("without", without_key(&base, path)),
                (
                    "misspelt",
                    with_key(
                        &without_key(&base, path),
                        &parent,
                        &format!("{key}x"),
                        value,
                    ),
                ),
            ] {
                let v = judge.doc(&doc);
                if !v.agree() {
                    problems.push(format!("{name}, {what} `{path}`: {v:?}"));
                }
                if what == "misspelt" && v.loader.is_ok() {
                    problems.push(format!("{name}: the misspelt key `{key}x` was taken"));
                }
            }
        }
    }
    assert!(keys.len() >= 20, "{keys:?}");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_loader_and_the_schema_have_the_same_values() {
    let judge = Judge::new();
    let mut enums = Vec::new();
    schema_enums(&judge.schema, "", &mut enums);
    let bases = bases();
    let mut problems = Vec::new();
    for (path, ours) in &enums {
        // The loader's values: serde's list of variants, or the list the
        // loader checks free text against.
        let probe = set(&bases[0].1, path, json!(MADE_UP));
        let v = judge.doc(&probe);
        if v.loader.is_ok() || v.schema.is_ok() {
            problems.push(format!("`{path}` = {MADE_UP:?} is taken: {v:?}"));
        }
        let listed = v.loader.as_ref().err().and_then(|m| serde_list(m));
        let loaders: BTreeSet<String> = match (listed, path.as_str()) {
            (Some(l), _) => l,
            (None, "reqs/0" | "expect/headers/0/req") => {
                spec::REQUIREMENTS.iter().map(|r| r.id.to_owned()).collect()
            }
            (None, "expect/schema") => judge.schemas.names().map(str::to_owned).collect(),
            (None, _) => {
                problems.push(format!("`{path}`: the loader lists no values: {v:?}"));
                continue;
            }
        };
        let ours: BTreeSet<String> = ours.iter().cloned().collect();
        for value in loaders.union(&ours) {
            let mut accepted = false;
            for (name, base) in &bases {
                let v = judge.doc(&set(base, path, json!(value)));
                if !v.agree() {
                    problems.push(format!("`{path}` = {value:?} in {name}: {v:?}"));
                }
                accepted |= v.both_accept();
            }
            // A value the schema offers must be usable somewhere. (The
            // loader's `both-sessions` for `csrf-token` never is: it is
            // refused for a token, and the schema does not offer it.)
            if ours.contains(value) && !accepted {
                problems.push(format!(
                    "`{path}` = {value:?}: offered by the schema, never accepted"
                ));
            }
            if !ours.contains(value) && accepted {
                problems.push(format!(
                    "`{path}` = {value:?}: the loader takes it, the schema has no such value"
                ));
            }
        }
    }
    assert!(enums.len() >= 10, "{enums:?}");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_combination_of_the_request_is_judged_alike() {
    let judge = Judge::new();
    let header = ["send", "omit", "wrong", "other-session", "both-sessions"];
    let mut problems = Vec::new();
    let (mut accepted, mut tried) = (0, 0);
    for endpoint in ["status-messages", "features"] {
        for session in ["valid", "fresh", "ended", "unknown", "none", "pair"] {
            for token in header.iter().map(Some).chain([None]) {
                for cookie in header.iter().map(Some).chain([None]) {
                    for other in [Some("live"), Some("ended"), None] {
                        for status in [json!([200]), json!([401]), json!([200, 401])] {
                            let mut request = Map::new();
                            request.insert("endpoint".into(), json!(endpoint));
                            request.insert("session".into(), json!(session));
                            for (k, v) in [("csrf-token", token), ("cookie", cookie)] {
                                if let Some(v) = v {
                                    request.insert(k.into(), json!(v));
                                }
                            }
                            if let Some(o) = other {
                                request.insert("other-session".into(), json!(o));
                            }
                            let doc = with_request(Value::Object(request), status);
                            let v = judge.doc(&doc);
                            tried += 1;
                            accepted += usize::from(v.both_accept());
                            if !v.agree() {
                                problems.push(format!("{}: {v:?}", doc["request"]));
                            }
                        }
                    }
                }
            }
        }
    }
    // Both sides refuse some and take some: the sweep tests something.
    assert!(
        accepted > 50 && accepted < tried / 2,
        "{accepted} of {tried}"
    );
    assert!(
        problems.is_empty(),
        "{} disagreement(s): {problems:#?}",
        problems.len()
    );
}

#[test]
fn values_of_the_wrong_type_or_out_of_range_are_judged_alike() {
    let judge = Judge::new();
    let base = full();
    let mut problems = Vec::new();
    let mut all = Vec::new();
    paths(&base, "", &mut all);
    let mut tries: Vec<(String, Value)> = Vec::new();
    for path in &all {
        for v in [
            json!(true),
            json!(7),
            json!("x"),
            json!([]),
            json!({}),
            json!(["x"]),
            json!([7]),
        ] {
            tries.push((path.clone(), v));
        }
    }
    let targeted: &[(&str, &[Value])] = &[
        (
            "expect/status/0",
            &[
                json!(99),
                json!(100),
                json!(200),
                json!(599),
                json!(600),
                json!(70000),
                json!(-1),
            ],
        ),
        (
            "expect/rules/feature/min-version",
            &[json!(-1), json!(0), json!(u32::MAX)],
        ),
        (
            "expect/headers/0/name",
            &[
                json!(""),
                json!("X A"),
                json!("X:Y"),
                json!("Ä"),
                json!("x-ok"),
                json!("!#$%&'*+-.^_`|~09azAZ"),
            ],
        ),
        (
            "snapshot/redact/0",
            &[json!(""), json!("a"), json!("/"), json!("/a/*/b")],
        ),
        ("reqs/0", &[json!("req-401-1"), json!("REQ-401-9")]),
        ("expect/schema", &[json!("Error"), json!("report")]),
    ];
    for (path, values) in targeted {
        for v in *values {
            tries.push(((*path).to_owned(), v.clone()));
        }
    }
    let gap = |path: &str, v: &Value| {
        KNOWN_GAPS.iter().any(|(p, text, _)| {
            *p == path && serde_json::from_str::<Value>(text).ok().as_ref() == Some(v)
        })
    };
    for (path, value) in &tries {
        let v = judge.doc(&with_value(&base, path, value.clone()));
        if !v.agree() && !gap(path, value) {
            problems.push(format!("`{path}` = {value}: {v:?}"));
        }
    }
    // A table written as an array of its values (serde's derived structs
    // would take one, in field order).
    let mut tables = Vec::new();
    schema_tables(&judge.schema, "", &mut tables);
    for table in tables.iter().filter(|t| !t.is_empty()) {
        let mut doc = base.clone();
        let t = get_mut(&mut doc, table).unwrap();
        let values: Vec<Value> = t.as_object().unwrap().values().cloned().collect();
        *t = Value::Array(values);
        let v = judge.doc(&doc);
        if v.loader.is_ok() || v.schema.is_ok() {
            problems.push(format!("`{table}` written as an array is taken: {v:?}"));
        }
    }
    // The known gaps are still gaps (else they leave the list).
    for (path, text, why) in KNOWN_GAPS {
        let value: Value = serde_json::from_str(text).unwrap();
        let v = judge.doc(&with_value(&base, path, value));
        if !(v.loader.is_err() && v.schema.is_ok()) {
            problems.push(format!(
                "known gap `{path}` = {text} ({why}) is no longer one: {v:?}"
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn variants_are_judged_merged_and_named_by_the_loader() {
    let judge = Judge::new();
    let file = |variants: &str| {
        format!(
            "description = \"d\"\nreqs = [\"REQ-REQ-3\"]\n[request]\nendpoint = \"status-messages\"\n\
             session = \"valid\"\n[expect]\nstatus = [401]\n{variants}"
        )
    };
    // Both take a well-formed file; the loader names each variant's case.
    let good = file(
        "[[variant]]\nname = \"last\"\ncsrf-token = { change = \"last-char\" }\n\
         [[variant]]\nname = \"ended\"\nsession = \"pair\"\nother-session = \"ended\"\n\
         csrf-token = \"other-session\"\n",
    );
    assert!(judge.text(&good).both_accept(), "{:?}", judge.text(&good));
    let cases =
        icws_conformance::load::case::parse_cases("mine/t.toml", "mine/t", &good, &judge.schemas)
            .unwrap();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["mine/t/last", "mine/t/ended"]);
    // What only the merged request shows, the loader refuses at its line.
    for (variants, says) in [
        (
            "[[variant]]\nname = \"a\"\ncsrf-token = \"other-session\"\n",
            "needs `session = \"pair\"`",
        ),
        (
            "[[variant]]\nname = \"a\"\ncsrf-token = { change = \"append\" }\nstatus = [200]\n",
            "must be refused",
        ),
        (
            "[[variant]]\nname = \"a\"\nsession-id = { change = \"empty\" }\n",
            "an empty session id is another path",
        ),
        (
            "[[variant]]\nname = \"a\"\n[[variant]]\nname = \"a\"\n",
            "is used twice",
        ),
        ("[[variant]]\nname = \"A b\"\n", "use lower-case letters"),
    ] {
        let text = file(variants);
        let errors = icws_conformance::load::case::parse_cases(
            "mine/t.toml",
            "mine/t",
            &text,
            &judge.schemas,
        )
        .unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains(says) && e.line > 7),
            "{variants}: {errors:?}"
        );
    }
}
