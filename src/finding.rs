//! What a check produces: a [`Finding`] names the rule (requirement id), the
//! place (a JSON pointer into the body, a header, the status line or the
//! transport), the expected and the actual value, and its level.

use std::fmt;

/// How much a finding (or a whole case) weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// The documentation requires it: the case fails.
    #[default]
    Must,
    /// Real clients depend on it but the documentation does not say it: a
    /// warning, shown and counted but not failing the run.
    Interop,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Must => "must",
            Level::Interop => "interop",
        })
    }
}

/// Where in the exchange a finding points.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    /// The HTTP status code.
    Status,
    /// A response header, by its canonical name.
    Header(String),
    /// A JSON pointer into the response body (`""` is the whole body).
    Body(String),
    /// The request never completed (timeout, refused, reset).
    Transport,
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Status => f.write_str("status"),
            Place::Header(name) => write!(f, "header {name}"),
            Place::Body(ptr) if ptr.is_empty() => f.write_str("body"),
            Place::Body(ptr) => write!(f, "body {ptr}"),
            Place::Transport => f.write_str("transport"),
        }
    }
}

/// One violation found in one response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The requirement id it breaks (see [`crate::spec`]).
    pub req: &'static str,
    /// Must or interop.
    pub level: Level,
    /// Where it is.
    pub place: Place,
    /// A few words saying what is wrong.
    pub message: String,
    /// What the documentation asks for.
    pub expected: String,
    /// What the server sent (shortened, secrets scrubbed before reporting).
    pub actual: String,
}

impl Finding {
    /// A `must` finding.
    pub fn must(
        req: &'static str,
        place: Place,
        message: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Self {
            req,
            level: Level::Must,
            place,
            message: message.into(),
            expected: expected.into(),
            actual: actual.into(),
        }
    }

    /// The finding in one line, for a JUnit failure message or an annotation:
    /// `[REQ-…] place: message (expected …, actual …)`.
    pub fn one_line(&self) -> String {
        let line = format!(
            "[{}] {}: {} (expected {}, actual {})",
            self.req, self.place, self.message, self.expected, self.actual
        );
        line.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The same finding at the `interop` level.
    pub fn interop(self) -> Self {
        Self {
            level: Level::Interop,
            ..self
        }
    }
}

/// Escapes one JSON pointer reference token (RFC 6901).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Shortens a value for display to at most `max` characters, marking the cut.
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{keep}…")
}

/// How long a value may be in a report before it is shortened.
pub const SHOWN_CHARS: usize = 120;

/// A JSON value as shown in a finding: JSON text, shortened.
pub fn show_json(value: &serde_json::Value) -> String {
    shorten(&value.to_string(), SHOWN_CHARS)
}
