//! JSON Schema validation as findings: a compiled [`Schema`] checks a body
//! and maps each validation error to a [`Finding`] — the JSON pointer, the
//! rule (the nearest `x-req` annotation along the evaluation path, local
//! `$ref`s resolved), expected and actual. Pure.

use jsonschema::{ValidationError, error::ValidationErrorKind};
use serde_json::Value;

use super::bound::Bounded;
use crate::finding::{Finding, Place, SHOWN_CHARS, pointer_token, shorten, show_json};
use crate::load::schema::Schema;
use crate::spec;
use crate::text::did_you_mean;

/// Elements of one array validated at a time: the validator gathers every
/// error of what it is given, so a huge broken array is checked in pieces
/// and memory stays bounded whatever the body holds.
pub const CHUNK: usize = 500;

impl Schema {
    /// Validates `instance` and returns every violation as a finding.
    pub fn check(&self, instance: &Value) -> Vec<Finding> {
        let mut out = Bounded::default();
        self.check_into(instance, &mut out);
        out.finish()
    }

    /// Validates `instance` into a bounded collector. A valid instance costs
    /// one pass; an invalid object with long arrays among its members is
    /// checked once with those arrays empty, then [`CHUNK`] elements at a
    /// time (positions in the findings are those of the whole body).
    pub fn check_into(&self, instance: &Value, out: &mut Bounded) {
        if self.validator.is_valid(instance) {
            return;
        }
        let Value::Object(map) = instance else {
            out.extend(
                self.validator
                    .iter_errors(instance)
                    .map(|e| self.finding(&e)),
            );
            return;
        };
        let long: Vec<&String> = map
            .iter()
            .filter(|(_, v)| v.as_array().is_some_and(|a| a.len() > CHUNK))
            .map(|(k, _)| k)
            .collect();
        if long.is_empty() {
            out.extend(
                self.validator
                    .iter_errors(instance)
                    .map(|e| self.finding(&e)),
            );
            return;
        }
        let mut base = map.clone();
        for k in &long {
            base.insert((*k).clone(), Value::Array(Vec::new()));
        }
        let base = Value::Object(base);
        out.extend(self.validator.iter_errors(&base).map(|e| self.finding(&e)));
        for k in long {
            let prefix = format!("/{}/", pointer_token(k));
            let items = map
                .get(k)
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            let mut unitemized = 0;
            for (n, chunk) in items.chunks(CHUNK).enumerate() {
                let mut piece = base.clone();
                piece[k.as_str()] = Value::Array(chunk.to_vec());
                if self.validator.is_valid(&piece) {
                    continue;
                }
                if out.full() {
                    // Only counted from here: which elements break the schema.
                    for item in chunk {
                        piece[k.as_str()] = Value::Array(vec![item.clone()]);
                        unitemized += usize::from(!self.validator.is_valid(&piece));
                    }
                    continue;
                }
                let offset = n * CHUNK;
                for e in self.validator.iter_errors(&piece) {
                    let mut f = self.finding(&e);
                    let Place::Body(ptr) = &f.place else { continue };
                    // Only what lies inside this piece: the rest was reported once.
                    let Some(rest) = ptr.strip_prefix(&prefix) else {
                        continue;
                    };
                    let (index, tail) = rest.split_once('/').map_or((rest, ""), |(i, t)| (i, t));
                    let Ok(i) = index.parse::<usize>() else {
                        continue;
                    };
                    let tail = if tail.is_empty() {
                        String::new()
                    } else {
                        format!("/{tail}")
                    };
                    f.place = Place::Body(format!("{prefix}{}{tail}", i + offset));
                    out.push(f);
                }
            }
            out.unitemized(
                self.root_req(),
                Place::Body(format!("/{}", pointer_token(k))),
                unitemized,
                "element(s) that break the schema",
            );
        }
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
                        // A hostile object may hold a million names: look at a few.
                        let unknown = obj.keys().map(String::as_str).filter(|k| known.and_then(|p| p.get(*k)).is_none()).take(200);
                        did_you_mean(prop, unknown).replace(", did you mean", "; did the server mean")
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
                shorten(&node.to_string(), SHOWN_CHARS),
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
