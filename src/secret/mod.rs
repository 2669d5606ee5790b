//! Secrets (password, CSRF token, session cookie, proxy and URL credentials)
//! and the redactor that keeps them out of every output. A [`Secret`] has no
//! `Display` and a `Debug` that prints nothing of the value.
//!
//! The [`Redactor`] is the one output gate: checks see the raw responses,
//! and every text that leaves the process passes it first. It works in two
//! steps:
//!
//! 1. **Spellings, replaced in place.** Each secret in the forms output
//!    most often carries — raw, upper and lower case, JSON-escaped,
//!    percent-encoded, XML-escaped, base64, hex, a JSON pointer token — is
//!    found by a literal matcher and replaced by `<redacted>`, the rest of
//!    the text staying readable. Forms shorter than [`LONG_FORM`] bytes are
//!    searched with one Aho-Corasick automaton (rebuilt only when such a
//!    form is added: passwords, short values); longer ones (tokens,
//!    cookies) through an index on their first [`LONG_FORM`] bytes that
//!    takes new forms without any rebuild.
//! 2. **Meaning, replaced whole.** What is left is decoded ([`decode`]:
//!    every layer of encoding real server stacks produce, bounded) and each
//!    decoded form compared with the secrets as they are, upper- and
//!    lower-cased; a value (or a line of free text) that reveals a secret in
//!    any form is replaced whole, never partly shown.
//!
//! A value shortened for display (`…`) is cut back further when it ends in
//! the beginning of a secret. If a matcher cannot be built, or a search
//! would take more than its bound, no text is let through (fail closed).
//!
//! Secrets shorter than [`MIN_SCRUBBED_CHARS`] are not searched for in free
//! text (a one-character password would mangle every line); they are still
//! never shown where they were sent (headers, request bodies) and a JSON
//! value or header value equal to one is replaced ([`Redactor::scrub_value`]).

pub mod decode;
mod matcher;

use matcher::Finder;

use std::fmt;
use std::sync::{Arc, RwLock};

use base64::Engine as _;

/// The text that stands where a secret was.
pub const REDACTED: &str = "<redacted>";

/// What stands in place of a text that could not be scrubbed.
pub const WITHHELD: &str = "<output withheld: the secrets in it could not be scrubbed>";

/// Secrets shorter than this (in characters) are not searched for in free
/// text; see the module documentation.
pub const MIN_SCRUBBED_CHARS: usize = 4;

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

#[derive(Default)]
struct State {
    /// Every registered secret, as given.
    secrets: Vec<String>,
    /// Every spelling searched for and replaced in place.
    literal: Finder,
    /// Each secret lower-cased: what the text and its decoded forms,
    /// lower-cased, are compared with.
    meaning: Finder,
    /// Bytes of secret values registered so far.
    bytes: usize,
    /// More than [`MAX_SECRET_BYTES`] registered: every text is withheld.
    over_budget: bool,
}

/// The most bytes of secret values one run registers (passwords, tokens,
/// every cookie of every login): a browser keeps 180 cookies of 4 KB per
/// site, 720 KB a login, so this holds over twenty such logins. Past it,
/// nothing more can be hidden reliably, so every output is withheld.
pub const MAX_SECRET_BYTES: usize = 16 << 20;

/// Secrets at least this long (tokens, cookies) are searched for in fewer
/// spellings (raw, case, JSON, strict percent, base64, hex): any other is
/// found by decoding, and hides its whole value.
const LONG_SECRET: usize = 64;

/// Every secret value the run has seen; shared by all trials.
#[derive(Clone, Default)]
pub struct Redactor {
    state: Arc<RwLock<State>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Redactor")
    }
}

/// Characters encoders leave raw besides letters, digits and `-._~`:
/// none (strict), JavaScript's `encodeURIComponent`, a path encoder
/// (Python's `quote`), both, a form encoder, and `encodeURI`.
const PERCENT_SAFE: [&str; 6] = ["", "!'()*", "/", "!'()*/", "*", ";,/?:@&=+$#!'()*"];

fn percent(bytes: &[u8], safe: &str, plus_for_space: bool, lower: bool) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for &b in bytes {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (b.is_ascii() && safe.contains(char::from(b)))
        {
            out.push(char::from(b));
        } else if b == b' ' && plus_for_space {
            out.push('+');
        } else if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The forms JSON encoders give a string: non-ASCII raw or as `\uXXXX`
/// (lower or upper case hex), `/` raw or as `\/`, `"` and `\` as `\"`,
/// `\\` or as `\uXXXX`, `<`, `>`, `&` raw or as `\uXXXX` (Go's HTML-safe
/// encoding); control characters as their short escapes.
fn json_escaped(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for non_ascii in 0..3 {
        for slash in [false, true] {
            for (quote_u, html_u) in [(false, false), (true, false), (false, true), (true, true)] {
                let hex = |unit: u16| {
                    if non_ascii == 2 {
                        format!("\\u{unit:04X}")
                    } else {
                        format!("\\u{unit:04x}")
                    }
                };
                let mut e = String::with_capacity(s.len() + 8);
                for c in s.chars() {
                    match c {
                        '"' | '\\' if quote_u => e.push_str(&hex(c as u16)),
                        '<' | '>' | '&' if html_u => e.push_str(&hex(c as u16)),
                        '"' => e.push_str("\\\""),
                        '\\' => e.push_str("\\\\"),
                        '/' if slash => e.push_str("\\/"),
                        '\n' => e.push_str("\\n"),
                        '\r' => e.push_str("\\r"),
                        '\t' => e.push_str("\\t"),
                        c if c.is_control() || (!c.is_ascii() && non_ascii > 0) => {
                            let mut buf = [0u16; 2];
                            for unit in c.encode_utf16(&mut buf) {
                                e.push_str(&hex(*unit));
                            }
                        }
                        c => e.push(c),
                    }
                }
                out.push(e);
            }
        }
    }
    out
}

fn xml_escaped(s: &str) -> Vec<String> {
    let minimal = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    vec![
        minimal.replace('"', "&quot;").replace('\'', "&apos;"),
        minimal.replace('"', "&#34;").replace('\'', "&#39;"),
        minimal.replace('"', "&quot;").replace('\'', "&#x27;"),
        minimal,
    ]
}

/// Every form of `secret` that output may carry.
fn forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let b64 = base64::engine::general_purpose::STANDARD;
    let b64url = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut out = vec![secret.to_owned()];
    out.extend(json_escaped(secret));
    for safe in PERCENT_SAFE {
        for (plus, lower) in [(false, false), (true, false), (false, true), (true, true)] {
            out.push(percent(bytes, safe, plus, lower));
        }
    }
    out.extend(xml_escaped(secret));
    // Rust's `{:?}` (`\u{301}` for a combining mark, `\"`, `\\`).
    let debug = format!("{secret:?}");
    out.push(debug[1..debug.len() - 1].to_owned());
    out.push(b64.encode(bytes));
    out.push(b64url.encode(bytes));
    // A server may echo a token with its letters' case changed.
    out.push(secret.to_uppercase());
    out.push(secret.to_lowercase());
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    out.push(hex.to_ascii_uppercase());
    out.push(hex);
    // A member named with the secret, in a JSON pointer (RFC 6901: `~` as
    // `~0`, `/` as `~1`), as every place a finding names is written.
    out.push(crate::finding::pointer_token(secret));
    out
}

/// The spellings of a long secret (a token, a cookie) searched for
/// literally; the others are found by decoding.
/// The NFC, NFD, NFKC and NFKD forms of `secret` that differ from it.
fn normal_forms(secret: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    if secret.is_ascii() {
        return Vec::new();
    }
    let mut out: Vec<String> = [
        secret.nfc().collect::<String>(),
        secret.nfd().collect(),
        secret.nfkc().collect(),
        secret.nfkd().collect(),
    ]
    .into_iter()
    .filter(|f| f != secret)
    .collect();
    out.sort();
    out.dedup();
    out
}

fn long_forms(secret: &str) -> Vec<String> {
    let bytes = secret.as_bytes();
    let mut out = vec![
        secret.to_owned(),
        secret.to_uppercase(),
        secret.to_lowercase(),
        base64::engine::general_purpose::STANDARD.encode(bytes),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        percent(bytes, "", false, false),
        percent(bytes, "", false, true),
        crate::finding::pointer_token(secret),
    ];
    if let Ok(json) = serde_json::to_string(secret) {
        out.push(json.trim_matches('"').to_owned());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    out.push(hex.to_ascii_uppercase());
    out.push(hex);
    out
}

impl Redactor {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A poisoned lock still holds every secret registered so far.
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a secret so that it is scrubbed from now on, in every form.
    /// Empty values are ignored (there is nothing to hide and nothing to find).
    pub fn add(&self, secret: &str) {
        let mut forms = if secret.len() >= LONG_SECRET {
            long_forms(secret)
        } else {
            forms(secret)
        };
        // Unicode's other normal forms of the same text (a composed `ä` or
        // `a` and a combining mark): they look the same, and mean the same.
        forms.extend(normal_forms(secret));
        self.add_forms(secret, forms);
    }

    /// Registers a user name and password pair as Basic and proxy
    /// authorization send it (`base64(user:password)`), and the password.
    pub fn add_basic(&self, user: &str, password: &str) {
        self.add(password);
        let pair = format!("{user}:{password}");
        let b64 = base64::engine::general_purpose::STANDARD.encode(pair.as_bytes());
        self.add_forms(&pair, vec![b64]);
    }

    fn add_forms(&self, secret: &str, forms: Vec<String>) {
        if secret.is_empty() {
            return;
        }
        let mut state = self.write();
        if state.secrets.iter().any(|s| s == secret) {
            return;
        }
        state.bytes = state.bytes.saturating_add(secret.len());
        if state.bytes > MAX_SECRET_BYTES {
            state.over_budget = true;
            return;
        }
        state.secrets.push(secret.to_owned());
        if secret.chars().count() < MIN_SCRUBBED_CHARS {
            return;
        }
        for f in forms {
            if f.chars().count() >= MIN_SCRUBBED_CHARS {
                state.literal.add(&f);
            }
        }
        // Compared without regard to letter case: an echo in any mix of
        // cases reveals the secret as well; and in each normal form.
        state.meaning.add(&secret.to_lowercase());
        for f in normal_forms(secret) {
            state.meaning.add(&f.to_lowercase());
        }
    }

    /// The state, with both matchers built for the secrets added so far.
    fn ready(&self) -> std::sync::RwLockReadGuard<'_, State> {
        loop {
            let state = self.read();
            if !state.literal.stale() && !state.meaning.stale() {
                return state;
            }
            drop(state);
            let mut state = self.write();
            state.literal.build();
            state.meaning.build();
        }
    }

    /// How many registered secrets are too short to be searched for in
    /// free text (see [`MIN_SCRUBBED_CHARS`]).
    pub fn short_secrets(&self) -> usize {
        self.read()
            .secrets
            .iter()
            .filter(|s| s.chars().count() < MIN_SCRUBBED_CHARS)
            .count()
    }

    /// Returns `text` with every registered secret, in every spelling,
    /// replaced by `<redacted>`; a shortened value (`…`) that ends in the
    /// beginning of a secret loses that beginning too; a line that still
    /// reveals a secret once decoded is replaced whole. When the secrets
    /// cannot be searched for, the whole text is withheld.
    pub fn scrub(&self, text: &str) -> String {
        self.scrub_as(text, Whole::Line)
    }

    fn scrub_as(&self, text: &str, whole: Whole) -> String {
        // Text scrubbed before keeps its markers whole: a secret that
        // happens to be part of `<redacted>` must not mangle them.
        if text.contains(REDACTED) {
            return text
                .split(REDACTED)
                .map(|piece| self.scrub_as(piece, whole))
                .collect::<Vec<_>>()
                .join(REDACTED);
        }
        let state = self.ready();
        if state.over_budget {
            return WITHHELD.to_owned();
        }
        let Ok(spans) = state.literal.spans(text) else {
            return WITHHELD.to_owned();
        };
        let mut replaced = redacted_at(text, spans);
        if replaced.contains('…') {
            replaced = cut_partial_secrets(&replaced, state.literal.patterns());
        }
        // What is left, judged by what it decodes to.
        let reveals = |t: &str| -> Result<bool, matcher::Unsearchable> {
            if t.len() < MIN_SCRUBBED_CHARS {
                return Ok(false);
            }
            // The markers put in above are not the server's text.
            let t = t.replace(REDACTED, "\u{1}");
            let t = t.as_str();
            for form in std::iter::once(t.to_owned()).chain(decode::decodings(t)) {
                if state.meaning.found_in(&form.to_lowercase())? {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        // A secret broken across lines is whole again once the breaks go
        // (every renderer shows a line break as `\n` on one line).
        let unbroken = |t: &str| -> Result<bool, matcher::Unsearchable> {
            if !t.contains(['\n', '\r']) {
                return Ok(false);
            }
            reveals(&t.replace(['\n', '\r'], ""))
        };
        match whole {
            Whole::Value => match (reveals(&replaced), unbroken(&replaced)) {
                (Ok(false), Ok(false)) => replaced,
                (Ok(true), _) | (_, Ok(true)) => REDACTED.to_owned(),
                (Err(_), _) | (_, Err(_)) => WITHHELD.to_owned(),
            },
            Whole::Line => {
                let mut out = String::with_capacity(replaced.len());
                for line in replaced.split_inclusive('\n') {
                    let body = line.trim_end_matches(['\n', '\r']);
                    match reveals(body) {
                        Ok(false) => out.push_str(line),
                        Ok(true) => {
                            out.push_str(REDACTED);
                            out.push_str(&line[body.len()..]);
                        }
                        Err(_) => return WITHHELD.to_owned(),
                    }
                }
                match unbroken(&out) {
                    Ok(false) => out,
                    Ok(true) => REDACTED.to_owned(),
                    Err(_) => WITHHELD.to_owned(),
                }
            }
        }
    }

    /// Scrubs a document (a body a report shows): short lines as
    /// [`Redactor::scrub`] does; a long line (a whole JSON catalogue on
    /// one line) piece by piece between its `"`, each piece judged alone
    /// as a JSON string is, after the literal spellings are replaced in
    /// the whole. A secret broken across a line break is looked for in a
    /// window around each break. Judging a long line whole decoded every
    /// run of it three layers deep: most of a run's time with reports.
    pub fn scrub_document(&self, text: &str) -> String {
        if text.len() <= DOCUMENT_PIECE {
            return self.scrub(text);
        }
        let state = self.ready();
        if state.over_budget {
            return WITHHELD.to_owned();
        }
        drop(state);
        let mut out = String::with_capacity(text.len());
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            if line.len() <= DOCUMENT_PIECE {
                out.push_str(&self.scrub_as(line, Whole::Line));
                continue;
            }
            // Literal spellings first, over the whole line (a JSON-escaped
            // secret holds `\"`, which the pieces below would split).
            let literal = self.scrub_as_literal(line);
            let pieces: Vec<String> = literal
                .split('"')
                .map(|p| self.scrub_as(p, Whole::Value))
                .collect();
            out.push_str(&pieces.join("\""));
        }
        if out.contains(WITHHELD) {
            return WITHHELD.to_owned();
        }
        // Around each line break: the end of one line and the start of the
        // next, joined.
        let lines: Vec<&str> = text.split('\n').collect();
        for pair in lines.windows(2) {
            let tail = tail_chars(pair[0], DOCUMENT_PIECE / 2);
            let head = head_chars(pair[1], DOCUMENT_PIECE / 2);
            let joined = format!("{tail}{head}").replace('\r', "");
            if self.scrub_as(&joined, Whole::Value) != joined {
                return REDACTED.to_owned();
            }
        }
        out
    }

    /// `text` with the literal spellings of every secret replaced, and no
    /// decoding.
    fn scrub_as_literal(&self, text: &str) -> String {
        let state = self.ready();
        match state.literal.spans(text) {
            Ok(spans) => redacted_at(text, spans),
            Err(_) => WITHHELD.to_owned(),
        }
    }

    /// Scrubs one value that stands alone (a JSON string, a header value):
    /// a value that is exactly a secret, however short, is replaced whole,
    /// and so is one that reveals a secret once decoded.
    pub fn scrub_value(&self, value: &str) -> String {
        if self.read().secrets.iter().any(|s| s == value) {
            return REDACTED.to_owned();
        }
        // A finding shows a value as JSON text (`"xyz"`, `{"t":"xyz"}`):
        // each string in it is a value standing alone, however short.
        if value.starts_with(['"', '{', '[']) {
            if let Ok(mut v) = serde_json::from_str::<serde_json::Value>(value) {
                let before = v.clone();
                self.scrub_json(&mut v);
                if v != before {
                    return self.scrub_as(&v.to_string(), Whole::Value);
                }
            }
        }
        self.scrub_as(value, Whole::Value)
    }

    /// Scrubs every string of a JSON value in place (keys too), each as a
    /// value standing alone.
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(s) => *s = self.scrub_value(s),
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (k, mut v) in entries {
                    self.scrub_json(&mut v);
                    map.insert(self.scrub_value(&k), v);
                }
            }
            _ => {}
        }
    }
}

/// `text` with each of its byte ranges `spans` (in order, apart) replaced
/// by [`REDACTED`].
fn redacted_at(text: &str, spans: impl IntoIterator<Item = (usize, usize)>) -> String {
    let mut replaced = String::with_capacity(text.len());
    let mut at = 0;
    for (s, e) in spans {
        replaced.push_str(&text[at..s]);
        replaced.push_str(REDACTED);
        at = e;
    }
    replaced.push_str(&text[at..]);
    replaced
}

/// The longest line [`Redactor::scrub_document`] judges whole, and the
/// window it looks at around a line break.
const DOCUMENT_PIECE: usize = 1024;

/// The last `n` characters of `s`.
fn tail_chars(s: &str, n: usize) -> &str {
    let start = s
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &s[start..]
}

/// The first `n` characters of `s`.
fn head_chars(s: &str, n: usize) -> &str {
    let end = s.char_indices().nth(n).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// What a text that reveals a secret once decoded loses.
#[derive(Debug, Clone, Copy)]
enum Whole {
    /// The whole value.
    Value,
    /// Each line that reveals one.
    Line,
}

/// The longest value shown before a `…` (see `finding::SHOWN_CHARS`), with
/// room to spare: a partial secret longer than this cannot precede one.
const CUT_TAIL_CHARS: usize = 200;

/// Before each `…` (a value cut for display), removes a tail of at least
/// three characters that is the beginning of a secret's form.
fn cut_partial_secrets<'a>(
    text: &str,
    patterns: impl Iterator<Item = &'a String> + Clone,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('…') {
        let before = &rest[..at];
        let mut cut = 0;
        for p in patterns.clone() {
            let chars: Vec<(usize, char)> = p.char_indices().take(CUT_TAIL_CHARS + 1).collect();
            // The longest proper prefix of `p` that `before` ends with.
            for n in (3..chars.len()).rev() {
                let end = chars[n].0;
                if before.ends_with(&p[..end]) {
                    cut = cut.max(end);
                    break;
                }
            }
        }
        out.push_str(&before[..before.len() - cut]);
        if cut > 0 {
            out.push_str(REDACTED);
        }
        out.push('…');
        rest = &rest[at + '…'.len_utf8()..];
    }
    out.push_str(rest);
    out
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
        r.add("abcd");
        r.add("abcdef");
        r.add("");
        assert_eq!(r.scrub("x abcdef y abcd"), "x <redacted> y <redacted>");
        assert_eq!(r.scrub("nothing"), "nothing");
    }

    #[test]
    fn every_encoding_is_scrubbed() {
        let r = Redactor::default();
        let pw = "S3cr3t/Pw \"ö\" & <x>";
        r.add(pw);
        r.add_basic("agent1", pw);
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s.as_bytes());
        let encodings = [
            pw.to_owned(),
            serde_json::to_string(pw)
                .unwrap_or_default()
                .trim_matches('"')
                .to_owned(),
            "S3cr3t\\/Pw \\\"\\u00f6\\\" & <x>".to_owned(),
            "S3cr3t%2FPw%20%22%C3%B6%22%20%26%20%3Cx%3E".to_owned(),
            "S3cr3t%2fPw+%22%c3%b6%22+%26+%3cx%3e".to_owned(),
            "S3cr3t/Pw%20%22%C3%B6%22%20%26%20%3Cx%3E".to_owned(),
            "S3cr3t\\/Pw \\\"\\u00f6\\\" \\u0026 \\u003cx\\u003e".to_owned(),
            "S3cr3t/Pw &quot;ö&quot; &amp; &lt;x&gt;".to_owned(),
            b64(pw),
            b64(&format!("agent1:{pw}")),
            pw.bytes().map(|b| format!("{b:02x}")).collect(),
            // A member named with it, in a finding's JSON pointer.
            "S3cr3t~1Pw \"ö\" & <x>".to_owned(),
        ];
        for e in encodings {
            let out = r.scrub(&format!("[{e}]"));
            assert_eq!(out, "[<redacted>]", "{e}");
        }
    }

    #[test]
    fn a_secret_broken_across_lines_or_in_another_normal_form_is_hidden() {
        let r = Redactor::default();
        r.add("Pw!q7Zr_SECRETpass#42");
        r.add("Pässwörd-Ωmega-SECRET7");
        for text in [
            "oops Pw!q7Zr_SE\nCRETpass#42",
            "oops Pw!q7Zr_SE\r\nCRETpass#42 and more",
            // NFD: `a` and `o` followed by a combining diaeresis.
            "bad login Pa\u{308}sswo\u{308}rd-Ωmega-SECRET7",
        ] {
            for shown in [r.scrub(text), r.scrub_value(text)] {
                let flat = shown.replace(['\n', '\r'], "");
                assert!(!flat.contains("SECRETpass"), "{text:?} → {shown:?}");
                assert!(!flat.contains("SECRET7"), "{text:?} → {shown:?}");
            }
        }
        // Lines that hide nothing keep their breaks.
        assert_eq!(r.scrub("one\ntwo"), "one\ntwo");
    }

    #[test]
    fn a_long_document_is_judged_piece_by_piece_and_across_breaks() {
        use base64::Engine as _;
        let r = Redactor::default();
        r.add("Pw!q7Zr_SECRETpass#42");
        let filler = r#"{"statusId":"Available","messageText":"x"},"#.repeat(40);
        let b64 = base64::engine::general_purpose::STANDARD.encode("Pw!q7Zr_SECRETpass#42");
        for hidden in [
            "Pw!q7Zr_SECRETpass#42",
            b64.as_str(),
            "Pw%21q7Zr_SECRETpass%2342",
        ] {
            let doc = format!("[{filler}{{\"echo\":\"say {hidden}\"}}]");
            let shown = r.scrub_document(&doc);
            assert!(shown.len() > 1000 && !shown.contains(hidden), "{hidden}");
            assert!(!shown.contains("SECRETpass"), "{hidden}");
        }
        // Broken across a line break, far into a long document.
        let doc = format!("{filler}Pw!q7Zr_SE\nCRETpass#42{filler}");
        assert!(
            !r.scrub_document(&doc)
                .replace('\n', "")
                .contains("SECRETpass")
        );
        // Nothing to hide: the document as it came.
        assert_eq!(r.scrub_document(&filler), filler);
    }

    #[test]
    fn a_value_in_any_mix_of_cases_is_replaced_whole() {
        let r = Redactor::default();
        r.add("S3cr3t!xY");
        assert_eq!(r.scrub_value("sent s3CR3T!Xy back"), REDACTED);
        assert_eq!(
            r.scrub("one\nsent S3Cr3T!xy back\ntwo"),
            "one\n<redacted>\ntwo"
        );
        assert_eq!(r.scrub("nothing here"), "nothing here");
    }

    #[test]
    fn many_long_secrets_still_scrub() {
        let r = Redactor::default();
        let cookies: Vec<String> = (0..40)
            .map(|i| format!("{i:04}{}", "c".repeat(4096)))
            .collect();
        for c in &cookies {
            r.add(c);
        }
        let text = cookies.join(" | ");
        assert!(!r.scrub(&text).contains(&"c".repeat(100)));
    }

    #[test]
    fn short_secrets_only_as_whole_values_and_cut_values_lose_their_tail() {
        let r = Redactor::default();
        r.add("12");
        assert_eq!(r.short_secrets(), 1);
        assert_eq!(r.scrub("in 12 ms"), "in 12 ms");
        assert_eq!(r.scrub_value("12"), REDACTED);
        let mut v = serde_json::json!({"systemId": "12", "x": ["12", "123"]});
        r.scrub_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"systemId": REDACTED, "x": [REDACTED, "123"]})
        );
        // A finding's value shown as JSON (`"12"`, `{"t":"12"}`): each
        // string in it is a value; free text (a report's own JSON or XML
        // with `"12"` in it) is not touched.
        assert_eq!(r.scrub_value(r#""12""#), r#""<redacted>""#);
        assert_eq!(r.scrub_value(r#"{"t":"12"}"#), r#"{"t":"<redacted>"}"#);
        assert_eq!(r.scrub_value(r#"{"t":"123"}"#), r#"{"t":"123"}"#);
        assert_eq!(r.scrub(r#"<x a="12" b="1">"#), r#"<x a="12" b="1">"#);
        r.add("tok-0123456789");
        assert_eq!(r.scrub("body: tok-0123…"), "body: <redacted>…");
        assert_eq!(r.scrub("body: to…"), "body: to…");
        r.add("dact");
        assert_eq!(r.scrub("a <redacted> dact"), "a <redacted> <redacted>");
    }
}
