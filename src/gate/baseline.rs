//! The baseline: a TOML file of known failures, one case name with a reason
//! each, so a vendor can adopt the suite on a server that is not yet fully
//! conformant and still gate on regressions.
//!
//! ```toml
//! [expected-failures]
//! # a reason only: any failure of the case is expected
//! "auth/wrong-token" = "answers 403: TICKET-7"
//! # with the requirement ids: a failure breaking any other rule is new, and fails
//! "status-messages/catalog" = { reason = "systemId repeats: TICKET-123", reqs = ["REQ-SYS-1"] }
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::load::LoadError;
use crate::record::{RunRecord, Verdict};

/// One known failure.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    /// Why it is expected (a ticket, a release).
    pub reason: String,
    /// The requirement ids it may break; empty: any.
    pub reqs: Vec<String>,
    /// 1-based line in the file.
    pub line: usize,
}

impl Entry {
    /// True when every one of `failing` (requirement ids) is expected.
    pub fn expects(&self, failing: &[&str]) -> bool {
        self.reqs.is_empty() || failing.iter().all(|r| self.reqs.iter().any(|e| e == r))
    }
}

/// Known failures: case name → entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// The file, as the user named it.
    pub file: String,
    /// Case name → entry.
    pub entries: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBaseline {
    #[serde(default)]
    expected_failures: BTreeMap<String, Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawEntry {
    Reason(String),
    Full(RawFull),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFull {
    reason: String,
    #[serde(default)]
    reqs: Vec<String>,
}

impl Baseline {
    /// Parses baseline text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, LoadError> {
        let raw: RawBaseline = toml::from_str(text).map_err(|e| {
            LoadError::at(
                file,
                text,
                e.span().map_or(0, |s| s.start),
                e.message().trim(),
            )
        })?;
        let mut entries = BTreeMap::new();
        for (name, entry) in raw.expected_failures {
            let span = entry.span();
            let (reason, reqs) = match entry.into_inner() {
                RawEntry::Reason(r) => (r, Vec::new()),
                RawEntry::Full(f) => (f.reason, f.reqs),
            };
            if reason.trim().is_empty() {
                return Err(LoadError::at(
                    file,
                    text,
                    span.start,
                    format!(
                        "`expected-failures.\"{name}\"`: give the reason this failure is expected"
                    ),
                ));
            }
            let line = LoadError::at(file, text, span.start, "").line;
            entries.insert(name, Entry { reason, reqs, line });
        }
        Ok(Self {
            file: file.to_owned(),
            entries,
        })
    }

    /// The entry of a case, if it is expected to fail.
    pub fn entry(&self, case: &str) -> Option<&Entry> {
        self.entries.get(case)
    }

    /// The reason a case is expected to fail, if it is.
    pub fn reason(&self, case: &str) -> Option<&str> {
        self.entries.get(case).map(|e| e.reason.as_str())
    }

    /// Entries that name no known case: (`file:line`, name).
    pub fn unknown<'a>(&'a self, known: &'a [String]) -> Vec<(String, &'a str)> {
        self.entries
            .iter()
            .filter(|(name, _)| !known.contains(name))
            .map(|(name, e)| (format!("{}:{}", self.file, e.line), name.as_str()))
            .collect()
    }
}

/// The entries `--write-baseline` writes for a run: every failing (or
/// expected-failing) case, with the reason the current baseline gives (else
/// its first finding) and the requirement ids it breaks.
pub fn entries_of(
    run: &RunRecord,
    current: Option<&Baseline>,
) -> BTreeMap<String, (String, Vec<String>)> {
    run.cases
        .iter()
        // A case that could not run says nothing of the server: it is no
        // known failure.
        .filter(|c| matches!(c.verdict, Verdict::Failed | Verdict::ExpectedFailure))
        .filter(|c| c.could_not_run.is_none())
        .map(|c| {
            let reason = current
                .and_then(|b| b.reason(&c.name))
                .map(str::to_owned)
                .or_else(|| c.headline())
                .unwrap_or_default();
            let mut reqs: Vec<String> = c.failing_findings().map(|f| f.req.to_owned()).collect();
            reqs.sort();
            reqs.dedup();
            (c.name.clone(), (reason, reqs))
        })
        .collect()
}

/// The text of a baseline holding `entries` (case name → (reason, the
/// requirement ids it breaks)), sorted.
pub fn render(entries: &BTreeMap<String, (String, Vec<String>)>) -> String {
    let mut out = String::from(
        "# icws-conformance baseline: known failures that do not fail the run.\n\
         # A case listed here that fails is reported as an expected failure; one\n\
         # that passes is reported (and fails the run under --strict-baseline).\n\
         # With `reqs`, a failure that breaks any other requirement is new and fails.\n\
         # Written by --write-baseline; edit the reasons freely.\n\n\
         [expected-failures]\n",
    );
    for (name, (reason, reqs)) in entries {
        let key = toml::Value::String(name.clone()).to_string();
        let reason = toml::Value::String(reason.clone()).to_string();
        let reqs: Vec<String> = reqs
            .iter()
            .map(|r| toml::Value::String(r.clone()).to_string())
            .collect();
        out.push_str(&format!(
            "{key} = {{ reason = {reason}, reqs = [{}] }}\n",
            reqs.join(", ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let mut e = BTreeMap::new();
        e.insert(
            "auth/wrong-token".to_owned(),
            (
                "says \"403\"\nTICKET-1".to_owned(),
                vec!["REQ-401-1".to_owned()],
            ),
        );
        let text = render(&e);
        let b = Baseline::parse("b.toml", &text).unwrap();
        assert_eq!(b.reason("auth/wrong-token"), Some("says \"403\"\nTICKET-1"));
        let entry = b.entry("auth/wrong-token").unwrap();
        assert!(entry.expects(&["REQ-401-1"]) && !entry.expects(&["REQ-401-1", "REQ-ERR-1"]));
        let any = Baseline::parse("b.toml", "[expected-failures]\n\"a/b\" = \"x\"\n").unwrap();
        assert!(any.entry("a/b").unwrap().expects(&["REQ-ERR-1"]));
        assert_eq!(b.reason("auth/missing-token"), None);
        let err = Baseline::parse("b.toml", "[expected-failure]\n").unwrap_err();
        assert_eq!((err.line, err.col), (1, 2), "{err}");
        let err = Baseline::parse("b.toml", "[expected-failures]\n\"a/b\" = \" \"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("reason"), "{err}");
        let b = Baseline::parse("b.toml", "[expected-failures]\n\"a/b\" = \"x\"\n").unwrap();
        assert_eq!(b.unknown(&["c/d".into()]), vec![("b.toml:2".into(), "a/b")]);
    }
}
