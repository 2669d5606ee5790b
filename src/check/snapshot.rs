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
//!
//! Read → decide → write: the edge reads the stored snapshots before the run
//! and the environment once ([`WriteMode::from_values`]); [`Plan::compare`]
//! is a pure decision that returns findings, notes and the files to write;
//! the edge's writer writes them (a file that cannot be written is a finding
//! on the case, and its note is not given).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value};

use crate::check::bound::{Bounded, PER_REQUIREMENT};
use crate::check::rules::fold;
use crate::finding::{Finding, Place, SHOWN_CHARS, pointer_token, shorten};
pub use crate::load::case::SnapshotSpec;

pub use crate::spec::SNAPSHOT_RULE;

/// What stands where a run-varying value was.
pub const SESSION_PLACEHOLDER: &str = "{sessionId}";
/// What stands where a scheme, host and port were.
pub const ORIGIN_PLACEHOLDER: &str = "{origin}";
/// What stands where a user-declared value was.
pub const REDACTED_VALUE: &str = "[redacted]";

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
    /// The mode insta's conventions give: under CI (`ci`) never; else by
    /// `INSTA_UPDATE` (`no` → never; `always` or `force` → accept; `auto`,
    /// `new`, `unseen` or unset → new, or accept with `--accept-snapshots`).
    /// Any other value is an error, as insta treats it.
    pub fn from_values(ci: bool, insta_update: Option<&str>, accept: bool) -> Result<Self, String> {
        let named = match insta_update {
            None | Some("") | Some("auto") | Some("new") | Some("unseen") => None,
            Some("no") => Some(WriteMode::Never),
            Some("always") | Some("1") | Some("force") => Some(WriteMode::Accept),
            Some(other) => {
                return Err(format!(
                    "INSTA_UPDATE={other:?} is not a known value (auto, always or 1, force, new, unseen, no)"
                ));
            }
        };
        Ok(if ci {
            WriteMode::Never
        } else {
            named.unwrap_or(if accept {
                WriteMode::Accept
            } else {
                WriteMode::New
            })
        })
    }
}

/// One stored snapshot, as the edge read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// The contents (what follows the metadata).
    pub contents: String,
    /// Where it came from, as messages name it.
    pub from: String,
}

/// One target's snapshots for this run: where they live, what was stored
/// before the run (per case: the snapshot, none, or why it is unreadable),
/// and how they may change.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `<dir>/<target>`.
    pub root: PathBuf,
    /// The target's name.
    pub target: String,
    /// Write policy.
    pub mode: WriteMode,
    /// Case name → the stored snapshot (read by the edge before the run).
    pub stored: BTreeMap<String, Result<Option<Stored>, String>>,
}

/// A file to write, and the note to give once it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    /// Where.
    pub path: PathBuf,
    /// The whole file.
    pub text: String,
    /// Said after a successful write (`None`: the findings say it).
    pub note: Option<String>,
}

/// What a comparison came to.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Failing findings (differences, a missing snapshot under CI).
    pub findings: Vec<Finding>,
    /// Information: a snapshot written, letter-case-only id changes.
    pub notes: Vec<String>,
    /// Files to write, as the mode allows.
    pub writes: Vec<Write>,
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
        // Ids and names come from the server: shortened like every value.
        let short = |t: &str| shorten(t, SHOWN_CHARS);
        match self {
            Change::Added { id, .. } => format!("message `{}` added", short(id)),
            Change::Removed { id, .. } => format!("message `{}` removed", short(id)),
            Change::CaseOnly { old, new } => format!(
                "`{}` is now `{}`: only the letter case changed (statusIds compare case-insensitively)",
                short(old),
                short(new)
            ),
            Change::Property {
                id, name, old, new, ..
            } => format!(
                "`{}`: `{}` {} → {}",
                short(id),
                short(name),
                shown(old),
                shown(new)
            ),
            Change::Other { pointer, old, new } => {
                format!("`{}`: {} → {}", short(pointer), shown(old), shown(new))
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
    snap_contents_at(text).map(|at| text[at..].trim_end().to_owned())
}

/// Where the contents of an insta snapshot file start: the byte offset,
/// in `text`, just after the `---` line that closes the metadata (`None`
/// when `text` does not open and close its metadata so). Lets a reader
/// name a line of the file for a problem in the contents.
pub fn snap_contents_at(text: &str) -> Option<usize> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let after_bom = &text[bom..];
    let open = if after_bom.starts_with("---\n") {
        4
    } else if after_bom.starts_with("---\r\n") {
        5
    } else {
        return None;
    };
    let rest = &after_bom[open..];
    let (i, close) = rest
        .find("\n---\n")
        .map(|i| (i, 5))
        .or_else(|| rest.find("\r\n---\r\n").map(|i| (i, 7)))?;
    Some(bom + open + i + close)
}

/// One note per statusId whose letter case only changed, bounded like
/// findings: a renamed catalogue of 10,000 messages must not print 10,000
/// notes.
fn case_only_notes(case: &str, changes: &[Change]) -> Vec<String> {
    let case_only: Vec<&Change> = changes.iter().filter(|c| !c.counts()).collect();
    let mut notes: Vec<String> = case_only
        .iter()
        .take(PER_REQUIREMENT)
        .map(|c| format!("{case}: {}", c.describe()))
        .collect();
    if case_only.len() > PER_REQUIREMENT {
        notes.push(format!(
            "{case}: and {} more statusId(s) whose letter case only changed, not shown",
            case_only.len() - PER_REQUIREMENT
        ));
    }
    notes
}

/// One finding per change that counts, at its pointer (bounded).
fn change_findings(counted: &[&Change]) -> Vec<Finding> {
    let mut each = Bounded::default();
    for c in counted {
        let (pointer, old, new) = match c {
            Change::Added { pointer, .. } => (pointer.clone(), "(absent)".into(), "present".into()),
            Change::Removed { pointer, .. } => {
                (pointer.clone(), "present".into(), "(absent)".into())
            }
            Change::Property {
                pointer, old, new, ..
            }
            | Change::Other { pointer, old, new } => (pointer.clone(), shown(old), shown(new)),
            Change::CaseOnly { .. } => continue,
        };
        each.push(Finding::must(
            SNAPSHOT_RULE,
            Place::Body(pointer),
            c.describe(),
            old,
            new,
        ));
    }
    each.finish()
}

/// The finding for a snapshot file the edge could not write.
pub fn write_failed(why: String) -> Finding {
    snapshot_failure(why, "a writable snapshot folder", "not writable".into())
}

/// A snapshot finding about the whole body.
fn snapshot_failure(message: String, expected: &str, actual: String) -> Finding {
    Finding::must(
        SNAPSHOT_RULE,
        Place::Body(String::new()),
        message,
        expected,
        actual,
    )
}

impl Plan {
    /// No snapshot is stored for `case`: a finding under CI, else the
    /// first one is written (and a note says so).
    fn first_snapshot(&self, case: &str, path: PathBuf, snap: String) -> Comparison {
        let mut out = Comparison::default();
        match self.mode {
            WriteMode::Never => out.findings.push(snapshot_failure(
                format!(
                    "no snapshot of this catalogue for target `{}` (nothing is written under CI or with INSTA_UPDATE=no); run locally once to create {}, review and commit it",
                    self.target,
                    path.display()
                ),
                "a committed snapshot",
                "none".into(),
            )),
            WriteMode::New | WriteMode::Accept => {
                let note = format!(
                    "{case}: first run against target `{}`: wrote {}; review and commit it",
                    self.target,
                    path.display()
                );
                out.writes.push(Write {
                    path,
                    text: snap,
                    note: Some(note),
                });
            }
        }
        out
    }

    /// `<root>/<case>.snap`.
    pub fn path(&self, case: &str) -> PathBuf {
        self.root.join(format!("{case}.snap"))
    }

    /// The command that accepts pending snapshots of this target.
    pub fn accept_hint(&self) -> String {
        format!(
            "to accept: rerun with --accept-snapshots, or (inside a Cargo project, with cargo-insta installed) `cargo insta review --workspace-root {dir}` / `cargo insta accept --workspace-root {dir}`",
            dir = self.root.display()
        )
    }

    /// Compares a normalized body with the stored snapshot of `case`: the
    /// findings, the notes and the files the mode allows to write.
    pub fn compare(&self, case: &str, normalized: &Value) -> Comparison {
        let mut out = Comparison::default();
        let contents = serde_json::to_string_pretty(normalized).unwrap_or_default();
        let path = self.path(case);
        let snap = render_snap(case, &self.target, &contents);
        let fail = snapshot_failure;
        let stored = match self.stored.get(case).cloned().unwrap_or(Ok(None)) {
            Ok(s) => s,
            Err(e) => {
                out.findings
                    .push(fail(e, "a readable snapshot", "unreadable".into()));
                return out;
            }
        };
        let Some(Stored {
            contents: old_text,
            from,
        }) = stored
        else {
            return self.first_snapshot(case, path, snap);
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
        out.notes.extend(case_only_notes(case, &changes));
        let counted: Vec<&Change> = changes.iter().filter(|c| c.counts()).collect();
        if counted.is_empty() {
            return out;
        }
        let action = match self.mode {
            WriteMode::Never => "nothing written (CI, or INSTA_UPDATE=no)".to_owned(),
            WriteMode::New => {
                let new_path = path.with_extension("snap.new");
                let action = format!("wrote {}; {}", new_path.display(), self.accept_hint());
                out.writes.push(Write {
                    path: new_path,
                    text: snap,
                    note: None,
                });
                action
            }
            WriteMode::Accept => {
                let note = format!(
                    "{case}: {} change(s); accepted: wrote {}",
                    counted.len(),
                    path.display()
                );
                out.writes.push(Write {
                    path,
                    text: snap,
                    note: Some(note),
                });
                return out;
            }
        };
        out.findings.push(fail(
            format!(
                "the catalogue differs from {from} in {} place(s); {action}",
                counted.len()
            ),
            "the snapshot",
            format!("{} change(s), named below", counted.len()),
        ));
        out.findings.extend(change_findings(&counted));
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

    /// REQ-ID-2: a snapshot key matches case-insensitively: a catalogue
    /// whose statusIds differ from the snapshot's in letter case only (a
    /// Unicode one too) has no difference that counts, only notes.
    #[test]
    fn letter_case_only_changes_are_notes() {
        let old = json!({"statusMessageList": [msg("Do Not disturb", true), msg("ÄRGER", false)]});
        // The same messages, only the statusIds in another letter case.
        let mut new = old.clone();
        new["statusMessageList"][0]["statusId"] = json!("DO NOT DISTURB");
        new["statusMessageList"][1]["statusId"] = json!("ärger");
        let n = |v: &Value| normalize(v, "4711", "", &[]);
        let changes = diff(&n(&old), &n(&new));
        assert_eq!(changes.len(), 2, "{changes:#?}");
        assert!(changes.iter().all(|c| !c.counts()), "{changes:#?}");
        // A different id is not a case-only change.
        let mut other = new.clone();
        other["statusMessageList"][0]["statusId"] = json!("Do Not disturb!");
        assert!(diff(&n(&old), &n(&other)).iter().any(Change::counts));
    }

    /// A renamed catalogue of many messages: at most PER_REQUIREMENT
    /// findings and notes, each shortened, and a count of the rest.
    #[test]
    fn many_changes_are_bounded_and_shortened() {
        let long = "x".repeat(1000);
        let old: Vec<Value> = (0..500).map(|i| msg(&format!("{long}{i}"), true)).collect();
        let renamed: Vec<Value> = (0..500)
            .map(|i| msg(&format!("y{long}{i}"), true))
            .collect();
        let upper: Vec<Value> = (0..500)
            .map(|i| {
                let mut m = msg(&format!("{long}{i}"), true);
                m["statusId"] = json!(format!("{long}{i}").to_uppercase());
                m
            })
            .collect();
        let dir = std::env::temp_dir();
        let plan = |stored: &Value| Plan {
            root: dir.clone(),
            target: "t".into(),
            mode: WriteMode::Never,
            stored: [(
                "c".to_owned(),
                Ok(Some(Stored {
                    contents: serde_json::to_string_pretty(&normalize(stored, "", "", &[]))
                        .unwrap_or_default(),
                    from: "c.snap".into(),
                })),
            )]
            .into_iter()
            .collect(),
        };
        let p = plan(&json!({"statusMessageList": old}));
        let new = normalize(&json!({"statusMessageList": renamed}), "", "", &[]);
        let got = p.compare("c", &new);
        assert!(
            got.findings.len() <= PER_REQUIREMENT + 2,
            "{}",
            got.findings.len()
        );
        assert!(got.findings.iter().all(|f| f.message.chars().count() < 400));
        assert!(
            got.findings
                .iter()
                .any(|f| f.message.contains("more finding"))
        );
        let new = normalize(&json!({"statusMessageList": upper}), "", "", &[]);
        let got = p.compare("c", &new);
        assert!(got.findings.is_empty(), "{:#?}", got.findings.first());
        assert_eq!(got.notes.len(), PER_REQUIREMENT + 1);
        assert!(got.notes.iter().all(|n| n.chars().count() < 400));
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
    fn insta_update_is_parsed_strictly() {
        use WriteMode::*;
        assert_eq!(WriteMode::from_values(false, None, false), Ok(New));
        assert_eq!(
            WriteMode::from_values(false, Some("always"), false),
            Ok(Accept)
        );
        assert_eq!(WriteMode::from_values(false, Some("no"), true), Ok(Never));
        assert_eq!(WriteMode::from_values(false, None, true), Ok(Accept));
        assert_eq!(
            WriteMode::from_values(true, Some("always"), true),
            Ok(Never)
        );
        let err = WriteMode::from_values(false, Some("yes"), false).unwrap_err();
        assert!(
            err.contains("INSTA_UPDATE") && err.contains("\"yes\""),
            "{err}"
        );
        assert!(WriteMode::from_values(true, Some("sometimes"), false).is_err());
    }

    #[test]
    fn snap_files_round_trip_and_names_are_safe() {
        let text = render_snap("status-messages/catalog", "t", "{\n  \"a\": 1\n}");
        assert_eq!(parse_snap(&text).unwrap(), "{\n  \"a\": 1\n}");
        let at = snap_contents_at(&text).unwrap();
        assert!(text[at..].starts_with('{'), "{}", &text[at..]);
        assert_eq!(text[..at].lines().count(), 5);
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(parse_snap(&crlf).unwrap(), "{\r\n  \"a\": 1\r\n}");
        assert_eq!(parse_snap(&format!("\u{feff}{text}")), parse_snap(&text));
        assert_eq!(snap_contents_at("{\"a\": 1}"), None);
        assert_eq!(snap_contents_at("---\nsource: x\n{}"), None);
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
