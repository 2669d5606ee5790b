//! The JSON Schemas of `schemas/`: every schema parsed and compiled once at
//! start-up, looked up by name (file name without `.json`), and the mapping
//! of a validation error to a finding: the JSON pointer, the rule (the
//! nearest `x-req` annotation on the schema path), expected and actual.

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonschema::{ValidationError, Validator, error::ValidationErrorKind};
use serde_json::Value;

use crate::finding::{Finding, Place, pointer_token, show_json};
use crate::spec;

/// A schema file that could not be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct SchemaError {
    /// The file as the user knows it, e.g. `schemas/error.json`.
    pub file: String,
    /// 1-based line (1 when the problem is not at one place).
    pub line: usize,
    /// 1-based column.
    pub col: usize,
    /// What is wrong.
    pub message: String,
}

/// One compiled schema and the document it came from.
pub struct Schema {
    /// Name cases use, e.g. `status-messages`.
    pub name: String,
    /// The schema document (for rule lookup and reports).
    pub doc: Value,
    validator: Validator,
}

impl std::fmt::Debug for Schema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Schema")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// All schemas, by name.
#[derive(Debug, Default, Clone)]
pub struct Schemas {
    by_name: BTreeMap<String, Arc<Schema>>,
}

impl Schemas {
    /// Compiles the shipped schemas (embedded in the binary).
    pub fn shipped() -> Result<Self, Vec<SchemaError>> {
        // Response schemas sit directly in `schemas/`; sub-folders hold the
        // schemas of the tool's own outputs (e.g. `schemas/report/`).
        Self::from_files(
            crate::embedded::SCHEMAS
                .iter()
                .filter(|(p, _)| p.matches('/').count() == 1)
                .map(|(p, s)| ((*p).to_owned(), (*s).to_owned())),
        )
    }

    /// Compiles schema files given as (path, text); the name is the file stem.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, Vec<SchemaError>> {
        let mut by_name = BTreeMap::new();
        let mut errors = Vec::new();
        for (path, text) in files {
            match compile(&path, &text) {
                Ok(schema) => {
                    by_name.insert(schema.name.clone(), Arc::new(schema));
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(Self { by_name })
        } else {
            Err(errors)
        }
    }

    /// The schema called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Schema>> {
        self.by_name.get(name)
    }

    /// Every schema name, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }
}

fn compile(path: &str, text: &str) -> Result<Schema, SchemaError> {
    let err = |line, col, message: String| SchemaError {
        file: path.to_owned(),
        line,
        col,
        message,
    };
    let doc: Value = serde_json::from_str(text)
        .map_err(|e| err(e.line(), e.column(), format!("not JSON: {e}")))?;
    let name = std::path::Path::new(path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    check_annotations(&doc, "").map_err(|m| err(1, 1, m))?;
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&doc)
        .map_err(|e| {
            err(
                1,
                1,
                format!("not a valid JSON Schema: {e} (at {})", e.instance_path()),
            )
        })?;
    Ok(Schema {
        name,
        doc,
        validator,
    })
}

/// Every `x-req` must name a known requirement, so that findings never cite
/// an id the reports cannot explain.
fn check_annotations(node: &Value, at: &str) -> Result<(), String> {
    match node {
        Value::Object(map) => {
            if let Some(req) = map.get("x-req") {
                match req.as_str() {
                    Some(id) if spec::find(id).is_some() => {}
                    _ => return Err(format!("{at}/x-req: {req} is not a known requirement id")),
                }
            }
            for (k, v) in map {
                check_annotations(v, &format!("{at}/{}", pointer_token(k)))?;
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                check_annotations(v, &format!("{at}/{i}"))?;
            }
        }
        _ => {}
    }
    Ok(())
}

impl Schema {
    /// Validates `instance` and returns every violation as a finding.
    pub fn check(&self, instance: &Value) -> Vec<Finding> {
        self.validator
            .iter_errors(instance)
            .map(|e| self.finding(&e))
            .collect()
    }

    /// True when `instance` is valid.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// The requirement id of the root of the schema.
    pub fn root_req(&self) -> &'static str {
        req_of(&self.doc).unwrap_or("REQ-200-1")
    }

    fn finding(&self, e: &ValidationError<'_>) -> Finding {
        let ptr = e.instance_path().as_str().to_owned();
        let chain = walk(&self.doc, e.evaluation_path().as_str());
        let node_req = chain
            .iter()
            .rev()
            .find_map(|n| req_of(n))
            .unwrap_or(self.root_req());
        let node = chain.last().copied().unwrap_or(&self.doc);
        let actual = show_json(e.instance());
        match e.kind() {
            ValidationErrorKind::Required { property } => {
                let prop = property.as_str().unwrap_or_default();
                // `node` is the `required` array; its parent holds `properties`.
                let owner = chain.iter().rev().nth(1).copied().unwrap_or(&self.doc);
                let def = owner.get("properties").and_then(|p| p.get(prop));
                let req = def.and_then(req_of).unwrap_or(node_req);
                let ty = def.map(describe_type).unwrap_or_else(|| "a value".into());
                let hint = match e.instance().as_object() {
                    Some(obj) if prop == "statusMessageList" && obj.contains_key("statusMessages") => {
                        "; the body has `statusMessages` instead: the documentation's heading is the type \
                         name, the list property is `statusMessageList`, and real clients read only that"
                            .to_owned()
                    }
                    Some(obj) => {
                        let known = owner.get("properties");
                        let unknown = obj.keys().map(String::as_str).filter(|k| known.and_then(|p| p.get(*k)).is_none());
                        crate::case::did_you_mean(prop, unknown).replace(", did you mean", "; did the server mean")
                    }
                    None => String::new(),
                };
                Finding::must(
                    req,
                    Place::Body(format!("{ptr}/{}", pointer_token(prop))),
                    format!("required property `{prop}` is missing{hint}"),
                    format!("`{prop}`: {ty}"),
                    "(absent)",
                )
            }
            ValidationErrorKind::Type { .. } => {
                let parent = chain.iter().rev().nth(1).copied().unwrap_or(&self.doc);
                Finding::must(
                    node_req,
                    Place::Body(ptr),
                    "wrong JSON type",
                    describe_type(parent),
                    actual,
                )
            }
            ValidationErrorKind::Format { format } => Finding::must(
                node_req,
                Place::Body(ptr),
                format!("not a valid {format}"),
                format!("a {format}"),
                actual,
            ),
            ValidationErrorKind::Pattern { pattern } => {
                let parent = chain.iter().rev().nth(1).copied().unwrap_or(&self.doc);
                let expected = parent
                    .get("description")
                    .and_then(Value::as_str)
                    .map(|d| format!("{d} (pattern {pattern})"))
                    .unwrap_or_else(|| format!("matches {pattern}"));
                Finding::must(
                    node_req,
                    Place::Body(ptr),
                    "value does not have the documented form",
                    expected,
                    actual,
                )
            }
            _ => Finding::must(
                node_req,
                Place::Body(ptr),
                format!("schema keyword `{}` fails", e.kind().keyword()),
                crate::finding::shorten(&node.to_string(), crate::finding::SHOWN_CHARS),
                actual,
            ),
        }
    }
}

fn req_of(node: &Value) -> Option<&'static str> {
    spec::find(node.get("x-req")?.as_str()?).map(|r| r.id)
}

/// The schema nodes along an evaluation path, resolving local `$ref`s.
fn walk<'a>(root: &'a Value, path: &str) -> Vec<&'a Value> {
    let mut chain = vec![root];
    let mut node = root;
    for raw in path.split('/').skip(1) {
        let token = raw.replace("~1", "/").replace("~0", "~");
        let next = if token == "$ref" {
            node.get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|p| root.pointer(p))
        } else {
            match node {
                Value::Object(m) => m.get(&token),
                Value::Array(a) => token.parse::<usize>().ok().and_then(|i| a.get(i)),
                _ => None,
            }
        };
        match next {
            Some(n) => {
                node = n;
                chain.push(n);
            }
            None => break,
        }
    }
    chain
}

/// "boolean", "string (uri-reference)", "array", …, from a schema node.
fn describe_type(node: &Value) -> String {
    let ty = match node.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(other) => other.to_string(),
        None if node.get("$ref").is_some() => "object".into(),
        None => "a value".into(),
    };
    match node.get("format").and_then(Value::as_str) {
        Some(f) => format!("{ty} ({f})"),
        None if node.get("allOf").is_some() => {
            let pat = node["allOf"]
                .as_array()
                .into_iter()
                .flatten()
                .find_map(|s| s.get("pattern").and_then(Value::as_str).map(str::to_owned));
            match pat {
                Some(p) => format!("{ty} matching {p}"),
                None => ty,
            }
        }
        None => ty,
    }
}
