//! Catalogue snapshots: a regression gate on what a server's catalogue says,
//! beyond whether it is well formed. A case with a `[snapshot]` table has its
//! 200 body normalized ([`normalize`], the one place that decides what varies
//! between runs) and compared with `<dir>/<target>/<case>.snap`, a file in
//! insta's format (so `cargo insta review` / `cargo insta accept` work on it).
//! Differences are named by statusId and property ([`diff`]); a change of an
//! id's letter case only is information, not a difference.
//!
//! Writing follows insta's conventions: under CI (`CI` set) nothing is ever
//! written; locally a mismatch writes `<case>.snap.new` next to the snapshot,
//! `INSTA_UPDATE=no` writes nothing, and `INSTA_UPDATE=always` or
//! `--accept-snapshots` accepts. A first run against a new target writes the
//! snapshot itself (locally) and says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::finding::{Finding, Place, SHOWN_CHARS, pointer_token, shorten};
use crate::rules::fold;

/// The id snapshot findings carry (a gate the user opted into, not a
/// documented requirement).
pub const SNAPSHOT_RULE: &str = "SNAPSHOT";

/// What stands where a run-varying value was.
pub const SESSION_PLACEHOLDER: &str = "{sessionId}";
/// What stands where a scheme, host and port were.
pub const ORIGIN_PLACEHOLDER: &str = "{origin}";
/// What stands where a user-declared value was.
pub const REDACTED_VALUE: &str = "[redacted]";

/// A case's `[snapshot]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotSpec {
    /// JSON pointers whose values vary per run; `*` matches any one segment
    /// (`/statusMessageList/*/messageText`).
    pub redact: Vec<String>,
}

/// When files may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Never (CI, or `INSTA_UPDATE=no`).
    Never,
    /// A mismatch writes `.snap.new`; a missing snapshot is written (default locally).
    New,
    /// A mismatch overwrites the snapshot (`--accept-snapshots`, `INSTA_UPDATE=always`).
    Accept,
}

impl WriteMode {
    /// From the environment as insta reads it: `CI`/`TF_BUILD` → never;
    /// `INSTA_UPDATE=no` → never, `always` → accept, else new.
    pub fn from_env(accept: bool) -> Self {
        if is_ci() {
            return WriteMode::Never;
        }
        match std::env::var("INSTA_UPDATE").ok().as_deref() {
            Some("no") => WriteMode::Never,
            Some("always") => WriteMode::Accept,
            _ if accept => WriteMode::Accept,
            _ => WriteMode::New,
        }
    }
}

/// True when running under CI (the `CI` or `TF_BUILD` variable is set and
/// not `false`/`0`/empty), as insta decides it.
pub fn is_ci() -> bool {
    ["CI", "TF_BUILD"].iter().any(|v| {
        std::env::var(v)
            .ok()
            .is_some_and(|x| !matches!(x.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
    })
}

/// Where one target's snapshots live, and how they may change.
#[derive(Debug, Clone)]
pub struct Store {
    /// `<dir>/<target>`.
    pub root: PathBuf,
    /// The target's name.
    pub target: String,
    /// Built-in snapshots used when the file is absent (the embedded server's).
    pub builtin: &'static [(&'static str, &'static str)],
    /// Write policy.
    pub mode: WriteMode,
}

/// What a comparison came to.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Failing findings (differences, a missing snapshot under CI).
    pub findings: Vec<Finding>,
    /// Information: a snapshot written, letter-case-only id changes.
    pub notes: Vec<String>,
}

/// A target name for a base URL: its host, and `-PORT` when one is given
/// (`https://cic.example:8019/x` → `cic.example-8019`).
pub fn target_name_for(base_url: &str) -> String {
    match url::Url::parse(base_url) {
        Ok(u) => {
            let host = u.host_str().unwrap_or("target").trim_matches(['[', ']']);
            let name = match u.port() {
                Some(p) => format!("{host}-{p}"),
                None => host.to_owned(),
            };
            sanitize(&name)
        }
        Err(_) => "target".into(),
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// Checks a `--target-name`: letters, digits, `.`, `-`, `_`.
pub fn valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

// ---------------------------------------------------------------- normalize

/// The body as it is stored: arrays of status messages sorted by case-folded
/// `statusId` (then by the id itself), the session id and any
/// `scheme://host:port` inside strings replaced by placeholders, and the
/// values at the user's `redact` pointers replaced by `[redacted]`.
pub fn normalize(body: &Value, session_id: &str, authority: &str, redact: &[String]) -> Value {
    let mut v = body.clone();
    rewrite_strings(&mut v, session_id, authority);
    sort_messages(&mut v);
    for pattern in redact {
        let segments: Vec<&str> = pattern.split('/').skip(1).collect();
        redact_at(&mut v, &segments);
    }
    v
}

fn rewrite_strings(v: &mut Value, session_id: &str, authority: &str) {
    match v {
        Value::String(s) => {
            let mut t = strip_origin(s);
            if !authority.is_empty() && t.contains(authority) {
                t = t.replace(authority, ORIGIN_PLACEHOLDER);
            }
            if !session_id.is_empty() && t.contains(session_id) {
                t = t.replace(session_id, SESSION_PLACEHOLDER);
            }
            *s = t;
        }
        Value::Array(a) => a
            .iter_mut()
            .for_each(|x| rewrite_strings(x, session_id, authority)),
        Value::Object(o) => o
            .values_mut()
            .for_each(|x| rewrite_strings(x, session_id, authority)),
        _ => {}
    }
}

/// `https://cic1.example:8019/icws/…` → `{origin}/icws/…`, wherever in
/// the text a `scheme://authority` appears.
fn strip_origin(s: &str) -> String {
    static ORIGIN: std::sync::LazyLock<Option<regex::Regex>> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s?#\x22']+").ok()
    });
    match ORIGIN.as_ref() {
        Some(re) if s.contains("://") => re.replace_all(s, ORIGIN_PLACEHOLDER).into_owned(),
        _ => s.to_owned(),
    }
}

fn status_id(v: &Value) -> Option<&str> {
    v.get("statusId").and_then(Value::as_str)
}

fn is_message_list(a: &[Value]) -> bool {
    !a.is_empty() && a.iter().all(|m| status_id(m).is_some())
}

fn sort_messages(v: &mut Value) {
    match v {
        Value::Array(a) => {
            a.iter_mut().for_each(sort_messages);
            if is_message_list(a) {
                a.sort_by_cached_key(|m| {
                    let id = status_id(m).unwrap_or_default();
                    (fold(id), id.to_owned())
                });
            }
        }
        Value::Object(o) => o.values_mut().for_each(sort_messages),
        _ => {}
    }
}

fn redact_at(v: &mut Value, segments: &[&str]) {
    let Some((first, rest)) = segments.split_first() else {
        *v = Value::String(REDACTED_VALUE.into());
        return;
    };
    let token = first.replace("~1", "/").replace("~0", "~");
    match v {
        Value::Object(o) if token == "*" => o.values_mut().for_each(|x| redact_at(x, rest)),
        Value::Object(o) => {
            if let Some(x) = o.get_mut(&token) {
                redact_at(x, rest);
            }
        }
        Value::Array(a) if token == "*" => a.iter_mut().for_each(|x| redact_at(x, rest)),
        Value::Array(a) => {
            if let Some(x) = token.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                redact_at(x, rest);
            }
        }
        _ => {}
    }
}

// --------------------------------------------------------------------- diff

/// One difference between the stored and the new catalogue.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A message whose statusId (folded) the snapshot lacks.
    Added {
        /// Its statusId.
        id: String,
        /// Where it is in the new body.
        pointer: String,
    },
    /// A message of the snapshot that is gone.
    Removed {
        /// Its statusId.
        id: String,
        /// Where it was in the snapshot.
        pointer: String,
    },
    /// Only the letter case of a statusId changed (information).
    CaseOnly {
        /// The stored id.
        old: String,
        /// The new id.
        new: String,
    },
    /// A property of one message changed, appeared or disappeared.
    Property {
        /// The message's statusId.
        id: String,
        /// The property.
        name: String,
        /// Where it is (new body, or the snapshot when removed).
        pointer: String,
        /// Stored value (`None`: absent).
        old: Option<Value>,
        /// New value (`None`: absent).
        new: Option<Value>,
    },
    /// Anything else, by JSON pointer.
    Other {
        /// Where.
        pointer: String,
        /// Stored value.
        old: Option<Value>,
        /// New value.
        new: Option<Value>,
    },
}

fn shown(v: &Option<Value>) -> String {
    match v {
        Some(v) => shorten(&v.to_string(), SHOWN_CHARS),
        None => "(absent)".into(),
    }
}

impl Change {
    /// True for differences that fail the comparison (all but letter case).
    pub fn counts(&self) -> bool {
        !matches!(self, Change::CaseOnly { .. })
    }

    /// In words, naming messages by statusId and properties by name:
    /// `` `Gone Home`: `isPersistentStatus` true → false ``.
    pub fn describe(&self) -> String {
        match self {
            Change::Added { id, .. } => format!("message `{id}` added"),
            Change::Removed { id, .. } => format!("message `{id}` removed"),
            Change::CaseOnly { old, new } => format!(
                "`{old}` is now `{new}`: only the letter case changed (statusIds compare case-insensitively)"
            ),
            Change::Property {
                id, name, old, new, ..
            } => format!("`{id}`: `{name}` {} → {}", shown(old), shown(new)),
            Change::Other { pointer, old, new } => {
                format!("`{pointer}`: {} → {}", shown(old), shown(new))
            }
        }
    }
}

/// Every difference from `old` (the snapshot) to `new`, both normalized.
pub fn diff(old: &Value, new: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    diff_at("", old, new, &mut out);
    out
}

fn diff_at(ptr: &str, old: &Value, new: &Value, out: &mut Vec<Change>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            diff_objects(ptr, a, b, out, |p, o, n| Change::Other {
                pointer: p,
                old: o,
                new: n,
            })
        }
        (Value::Array(a), Value::Array(b)) if is_message_list(a) || is_message_list(b) => {
            diff_messages(ptr, a, b, out)
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff_at(&format!("{ptr}/{i}"), x, y, out);
            }
        }
        _ if old != new => out.push(Change::Other {
            pointer: ptr.to_owned(),
            old: Some(old.clone()),
            new: Some(new.clone()),
        }),
        _ => {}
    }
}

fn diff_objects(
    ptr: &str,
    a: &Map<String, Value>,
    b: &Map<String, Value>,
    out: &mut Vec<Change>,
    leaf: impl Fn(String, Option<Value>, Option<Value>) -> Change,
) {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for k in keys {
        let p = format!("{ptr}/{}", pointer_token(k));
        match (a.get(k), b.get(k)) {
            (Some(x), Some(y))
                if x.is_object() && y.is_object() || x.is_array() && y.is_array() =>
            {
                diff_at(&p, x, y, out)
            }
            (x, y) if x != y => out.push(leaf(p, x.cloned(), y.cloned())),
            _ => {}
        }
    }
}

fn diff_messages(ptr: &str, a: &[Value], b: &[Value], out: &mut Vec<Change>) {
    let index = |list: &[Value]| -> BTreeMap<String, (usize, String)> {
        list.iter()
            .enumerate()
            .filter_map(|(i, m)| status_id(m).map(|id| (fold(id), (i, id.to_owned()))))
            .collect()
    };
    let (old, new) = (index(a), index(b));
    for (key, (i, id)) in &old {
        if !new.contains_key(key) {
            out.push(Change::Removed {
                id: id.clone(),
                pointer: format!("{ptr}/{i}"),
            });
        }
    }
    for (key, (j, new_id)) in &new {
        let Some((i, old_id)) = old.get(key) else {
            out.push(Change::Added {
                id: new_id.clone(),
                pointer: format!("{ptr}/{j}"),
            });
            continue;
        };
        if old_id != new_id {
            out.push(Change::CaseOnly {
                old: old_id.clone(),
                new: new_id.clone(),
            });
        }
        match (&a[*i], &b[*j]) {
            (Value::Object(x), Value::Object(y)) => {
                let mut x = x.clone();
                let mut y = y.clone();
                x.remove("statusId");
                y.remove("statusId");
                let here = format!("{ptr}/{j}");
                diff_objects(&here, &x, &y, out, |p, o, n| Change::Property {
                    id: new_id.clone(),
                    name: p
                        .strip_prefix(&format!("{here}/"))
                        .unwrap_or(&p)
                        .replace("~1", "/")
                        .replace("~0", "~"),
                    pointer: p,
                    old: o,
                    new: n,
                });
            }
            (x, y) => diff_at(&format!("{ptr}/{j}"), x, y, out),
        }
    }
}

// -------------------------------------------------------------- snap files

/// The text of an insta snapshot file holding `contents`.
pub fn render_snap(case: &str, target: &str, contents: &str) -> String {
    format!(
        "---\nsource: icws-conformance\ndescription: \"catalogue of target {target}, case {case}; normalized: messages sorted by case-folded statusId, {SESSION_PLACEHOLDER} and {ORIGIN_PLACEHOLDER} stand for run-varying values\"\nexpression: {case}\n---\n{contents}\n"
    )
}

/// The contents of an insta snapshot file (what follows the metadata).
pub fn parse_snap(text: &str) -> Option<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("---\n")
        .or_else(|| text.strip_prefix("---\r\n"))?;
    let end = rest
        .find("\n---\n")
        .map(|i| (i, 5))
        .or_else(|| rest.find("\r\n---\r\n").map(|i| (i, 7)))?;
    Some(rest[end.0 + end.1..].trim_end().to_owned())
}

impl Store {
    /// `<root>/<case>.snap`.
    pub fn path(&self, case: &str) -> PathBuf {
        self.root.join(format!("{case}.snap"))
    }

    fn stored(&self, case: &str) -> Result<Option<(String, String)>, String> {
        let path = self.path(case);
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_snap(&text)
                .map(|c| Some((c, path.display().to_string())))
                .ok_or_else(|| format!("{} is not an insta snapshot file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let rel = format!("{}/{case}.snap", self.target);
                Ok(self
                    .builtin
                    .iter()
                    .find(|(p, _)| p.ends_with(&rel))
                    .and_then(|(p, t)| parse_snap(t).map(|c| (c, format!("{p} (built in)")))))
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    fn write(&self, path: &Path, text: &str) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// The command that accepts pending snapshots of this store.
    pub fn accept_hint(&self) -> String {
        format!(
            "to accept: rerun with --accept-snapshots, or (inside a Cargo project, with cargo-insta installed) `cargo insta review --workspace-root {dir}` / `cargo insta accept --workspace-root {dir}`",
            dir = self.root.display()
        )
    }

    /// Compares a normalized body with the stored snapshot of `case`,
    /// writing files as the mode allows.
    pub fn compare(&self, case: &str, normalized: &Value) -> Comparison {
        let mut out = Comparison::default();
        let contents = serde_json::to_string_pretty(normalized).unwrap_or_default();
        let path = self.path(case);
        let snap = render_snap(case, &self.target, &contents);
        let fail = |message: String, expected: &str, actual: String| {
            Finding::must(
                SNAPSHOT_RULE,
                Place::Body(String::new()),
                message,
                expected,
                actual,
            )
        };
        let stored = match self.stored(case) {
            Ok(s) => s,
            Err(e) => {
                out.findings
                    .push(fail(e, "a readable snapshot", "unreadable".into()));
                return out;
            }
        };
        let Some((old_text, from)) = stored else {
            match self.mode {
                WriteMode::Never => out.findings.push(fail(
                    format!(
                        "no snapshot of this catalogue for target `{}` (nothing is written under CI); run locally once to create {}, review and commit it",
                        self.target,
                        path.display()
                    ),
                    "a committed snapshot",
                    "none".into(),
                )),
                WriteMode::New | WriteMode::Accept => match self.write(&path, &snap) {
                    Ok(()) => out.notes.push(format!(
                        "{case}: first run against target `{}`: wrote {}; review and commit it",
                        self.target,
                        path.display()
                    )),
                    Err(e) => out.findings.push(fail(e, "a writable snapshot folder", "not writable".into())),
                },
            }
            return out;
        };
        if old_text == contents {
            return out;
        }
        let old: Value = match serde_json::from_str(&old_text) {
            Ok(v) => v,
            Err(e) => {
                out.findings.push(fail(
                    format!("{from} does not hold JSON: {e}"),
                    "a JSON snapshot",
                    "not JSON".into(),
                ));
                return out;
            }
        };
        let changes = diff(&old, normalized);
        for c in changes.iter().filter(|c| !c.counts()) {
            out.notes.push(format!("{case}: {}", c.describe()));
        }
        let counted: Vec<&Change> = changes.iter().filter(|c| c.counts()).collect();
        if counted.is_empty() {
            return out;
        }
        let action = match self.mode {
            WriteMode::Never => Ok("nothing written (CI)".to_owned()),
            WriteMode::New => {
                let new_path = path.with_extension("snap.new");
                self.write(&new_path, &snap)
                    .map(|()| format!("wrote {}; {}", new_path.display(), self.accept_hint()))
            }
            WriteMode::Accept => self
                .write(&path, &snap)
                .map(|()| format!("accepted: wrote {}", path.display())),
        };
        let action = action.unwrap_or_else(|e| e);
        if self.mode == WriteMode::Accept {
            out.notes
                .push(format!("{case}: {} change(s); {action}", counted.len()));
            return out;
        }
        out.findings.push(fail(
            format!(
                "the catalogue differs from {from} in {} place(s); {action}",
                counted.len()
            ),
            "the snapshot",
            format!("{} change(s), named below", counted.len()),
        ));
        for c in counted {
            let (pointer, old, new) = match c {
                Change::Added { pointer, .. } => {
                    (pointer.clone(), "(absent)".into(), "present".into())
                }
                Change::Removed { pointer, .. } => {
                    (pointer.clone(), "present".into(), "(absent)".into())
                }
                Change::Property {
                    pointer, old, new, ..
                }
                | Change::Other { pointer, old, new } => (pointer.clone(), shown(old), shown(new)),
                Change::CaseOnly { .. } => continue,
            };
            out.findings.push(Finding::must(
                SNAPSHOT_RULE,
                Place::Body(pointer),
                c.describe(),
                old,
                new,
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn msg(id: &str, persistent: bool) -> Value {
        json!({"statusId": id, "messageText": id, "isPersistentStatus": persistent,
               "iconUri": format!("https://cic1.example:8019/icws/4711/status/status-message-icons/{id}")})
    }

    #[test]
    fn normalize_sorts_by_folded_id_and_replaces_run_values() {
        let body = json!({"statusMessageList": [msg("b", true), msg("A", false), msg("a", true)],
                          "note": "see https://cic1.example:8019 for 4711"});
        let n = normalize(
            &body,
            "4711",
            "cic1.example:8019",
            &["/statusMessageList/*/messageText".into()],
        );
        let ids: Vec<&str> = n["statusMessageList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["statusId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["A", "a", "b"]);
        assert_eq!(
            n["statusMessageList"][0]["iconUri"],
            "{origin}/icws/{sessionId}/status/status-message-icons/A"
        );
        assert_eq!(n["statusMessageList"][0]["messageText"], "[redacted]");
        assert_eq!(n["note"], "see {origin} for {sessionId}");
    }

    #[test]
    fn diff_names_messages_and_properties() {
        let old = json!({"statusMessageList": [msg("Gone Home", true), msg("Lunch", false), msg("Sick", false)]});
        let new = json!({"statusMessageList": [msg("gone home", false), msg("Lunch", false), msg("Vacation", false)]});
        let n = |v: &Value| normalize(v, "4711", "", &[]);
        let described: Vec<String> = diff(&n(&old), &n(&new))
            .iter()
            .map(Change::describe)
            .collect();
        assert!(
            described.contains(&"message `Sick` removed".to_owned()),
            "{described:#?}"
        );
        assert!(
            described.contains(&"message `Vacation` added".to_owned()),
            "{described:#?}"
        );
        assert!(
            described.contains(&"`gone home`: `isPersistentStatus` true → false".to_owned()),
            "{described:#?}"
        );
        assert!(
            described
                .iter()
                .any(|d| d.starts_with("`Gone Home` is now `gone home`: only the letter case")),
            "{described:#?}"
        );
        assert!(diff(&n(&old), &n(&old)).is_empty());
    }

    #[test]
    fn snap_files_round_trip_and_names_are_safe() {
        let text = render_snap("status-messages/catalog", "t", "{\n  \"a\": 1\n}");
        assert_eq!(parse_snap(&text).unwrap(), "{\n  \"a\": 1\n}");
        assert_eq!(
            target_name_for("https://CIC.example:8019/x"),
            "cic.example-8019"
        );
        assert_eq!(target_name_for("http://[::1]:80"), "--1");
        assert!(valid_target_name("staging-1.eu"));
        assert!(
            !valid_target_name("../etc") && !valid_target_name("a/b") && !valid_target_name("")
        );
    }
}
