//! The JSON Schemas of `schemas/`: every schema parsed and compiled once at
//! start-up and looked up by name (file name without `.json`); every `x-req`
//! annotation must name a known requirement. Turning a validation error into
//! a finding is the check stage's (`check::schema`).

use std::collections::BTreeMap;
use std::sync::Arc;

use jsonschema::Validator;
use serde_json::Value;

use crate::finding::pointer_token;
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
    pub(crate) validator: Validator,
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
