//! Secrets (password, CSRF token, session cookie) and the redactor that keeps
//! them out of every output. A [`Secret`] has no `Display` and a `Debug` that
//! prints nothing of the value; the [`Redactor`] scrubs any text that came
//! from outside (error messages, response excerpts) before it is reported.

use std::fmt;
use std::sync::{Arc, RwLock};

/// The text that stands where a secret was.
pub const REDACTED: &str = "<redacted>";

/// A value that must never be printed. Read it with [`Secret::expose`] only
/// where it goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for sending it to the server.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Every secret value the run has seen; shared by all trials.
#[derive(Clone, Default)]
pub struct Redactor {
    secrets: Arc<RwLock<Vec<String>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

impl Redactor {
    fn list(&self) -> std::sync::RwLockReadGuard<'_, Vec<String>> {
        // A poisoned lock still holds every secret registered so far.
        self.secrets.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a secret so that it is scrubbed from now on. Empty values are
    /// ignored (there is nothing to hide and nothing to find).
    pub fn add(&self, secret: &str) {
        if secret.is_empty() {
            return;
        }
        let mut list = self.secrets.write().unwrap_or_else(|p| p.into_inner());
        if !list.iter().any(|s| s == secret) {
            list.push(secret.to_owned());
            // Longest first, so that a secret containing another is replaced whole.
            list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Returns `text` with every registered secret replaced by `<redacted>`.
    pub fn scrub(&self, text: &str) -> String {
        let list = self.list();
        let mut out = text.to_owned();
        for secret in list.iter() {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), REDACTED);
            }
        }
        out
    }
}

impl Redactor {
    /// Replaces every registered secret inside raw bytes (a response body),
    /// so that no later stage — excerpts, shortened values — can show even a
    /// part of one. Returns `None` when there was nothing to replace.
    pub fn scrub_bytes(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let list = self.list();
        if list.is_empty() {
            return None;
        }
        let pattern = list
            .iter()
            .map(|s| regex::escape(s))
            .collect::<Vec<_>>()
            .join("|");
        let re = regex::bytes::Regex::new(&pattern).ok()?;
        if !re.is_match(bytes) {
            return None;
        }
        Some(re.replace_all(bytes, REDACTED.as_bytes()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_value() {
        let s = Secret::new("hunter2");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn scrub_replaces_longest_first() {
        let r = Redactor::default();
        r.add("abc");
        r.add("abcdef");
        r.add("");
        assert_eq!(r.scrub("x abcdef y abc"), "x <redacted> y <redacted>");
        assert_eq!(
            r.scrub_bytes(b"\xffabcdef!"),
            Some(b"\xff<redacted>!".to_vec())
        );
        assert_eq!(r.scrub_bytes(b"nothing"), None);
    }
}
