//! The baseline: a TOML file of known failures, one case name with a reason
//! each, so a vendor can adopt the suite on a server that is not yet fully
//! conformant and still gate on regressions.
//!
//! ```toml
//! [expected-failures]
//! "status-messages/catalog" = "systemId is not unique on build 2025R3 (TICKET-123)"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::case::LoadError;

/// Known failures: case name → reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    /// The file, as the user named it.
    pub file: String,
    /// Case name → (reason, 1-based line).
    pub entries: BTreeMap<String, (String, usize)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawBaseline {
    #[serde(default)]
    expected_failures: BTreeMap<String, Spanned<String>>,
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
        for (name, reason) in raw.expected_failures {
            let span = reason.span();
            let reason = reason.into_inner();
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
            entries.insert(name, (reason, line));
        }
        Ok(Self {
            file: file.to_owned(),
            entries,
        })
    }

    /// Reads and parses a baseline file.
    pub fn load(path: &Path) -> Result<Self, LoadError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| LoadError {
            file: file.clone(),
            line: 1,
            col: 1,
            message: format!("cannot read the baseline: {e}"),
            source_line: String::new(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let lossy = String::from_utf8_lossy(e.as_bytes()).into_owned();
            LoadError::at(
                &file,
                &lossy,
                e.utf8_error().valid_up_to(),
                "the baseline is not valid UTF-8",
            )
        })?;
        Self::parse(&file, &text)
    }

    /// The reason a case is expected to fail, if it is.
    pub fn reason(&self, case: &str) -> Option<&str> {
        self.entries.get(case).map(|(r, _)| r.as_str())
    }

    /// Entries that name no known case: (`file:line`, name).
    pub fn unknown<'a>(&'a self, known: &'a [String]) -> Vec<(String, &'a str)> {
        self.entries
            .iter()
            .filter(|(name, _)| !known.contains(name))
            .map(|(name, (_, line))| (format!("{}:{line}", self.file), name.as_str()))
            .collect()
    }
}

/// The text of a baseline holding `entries` (case name → reason), sorted.
pub fn render(entries: &BTreeMap<String, String>) -> String {
    let mut out = String::from(
        "# icws-conformance baseline: known failures that do not fail the run.\n\
         # A case listed here that fails is reported as an expected failure; one\n\
         # that passes is reported (and fails the run under --strict-baseline).\n\
         # Written by --write-baseline; edit the reasons freely.\n\n\
         [expected-failures]\n",
    );
    for (name, reason) in entries {
        let key = toml::Value::String(name.clone()).to_string();
        let value = toml::Value::String(reason.clone()).to_string();
        out.push_str(&format!("{key} = {value}\n"));
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
            "says \"403\"\nTICKET-1".to_owned(),
        );
        let text = render(&e);
        let b = Baseline::parse("b.toml", &text).unwrap();
        assert_eq!(b.reason("auth/wrong-token"), Some("says \"403\"\nTICKET-1"));
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
