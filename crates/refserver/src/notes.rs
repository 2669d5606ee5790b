//! What the server tells the person running it, one line at a time: a
//! refused CORS preflight and why ([`crate::cors`]), and with
//! [`crate::Config::log_requests`] one line per request (method, path,
//! status, milliseconds; written by the request-log layer in `layers`).
//! It owns the sink those lines go to ([`Notes`]: the `icws-refserver`
//! binary writes them to stderr, a test collects them; without one the
//! server says nothing, as when the harness embeds it) and [`shown`], the
//! one way text a client sent (an `Origin`, a path) gets into a line:
//! printable ASCII kept, everything else escaped, the length capped. The
//! library itself never prints.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Where the server's notes go: a function that takes one line (no line
/// break in it). Cheap to clone.
#[derive(Clone)]
pub struct Notes(Arc<dyn Fn(&str) + Send + Sync>);

impl Notes {
    /// Notes passed to `sink`, one call a line.
    pub fn new(sink: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self(Arc::new(sink))
    }

    /// Says `line`.
    pub(crate) fn say(&self, line: &str) {
        (self.0)(line);
    }
}

impl fmt::Debug for Notes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Notes(..)")
    }
}

/// The most bytes of a client's origin a note shows.
pub const MAX_SHOWN_ORIGIN: usize = 200;
/// The most bytes of a request path a note shows.
pub const MAX_SHOWN_PATH: usize = 300;

/// `bytes` made safe for one line of a terminal: printable ASCII is kept,
/// `"` and `\` are backslashed, every other byte (control characters,
/// escape sequences, anything not ASCII) is written `\xNN`; past `max`
/// bytes the rest is cut and counted (`…(+N bytes)`).
pub fn shown(bytes: &[u8], max: usize) -> String {
    let kept = &bytes[..bytes.len().min(max)];
    let mut out = String::with_capacity(kept.len() + 16);
    for &b in kept {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    if bytes.len() > max {
        out.push_str(&format!("…(+{} bytes)", bytes.len() - max));
    }
    // The CI runner's legacy log command (`##[error]…`), which it honours
    // mid-line too: shown broken, never acted on. (Every line starts with
    // the server's own words, so a `::` command cannot begin one.)
    out.replace("##[", "##\\[")
}

/// True when [`shown`] shows `bytes` as they are (nothing escaped or cut).
pub(crate) fn shown_as_is(bytes: &[u8], max: usize) -> bool {
    bytes.len() <= max
        && bytes
            .iter()
            .all(|&b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

/// The line `--log requests` writes for one request: method, path (never
/// the query, nor `;parameters` in a segment, which may carry a secret),
/// status and the time until the response head, e.g.
/// `GET /icws/connection/features 200 0.3 ms`.
pub(crate) fn request_line(method: &str, path: &str, status: u16, elapsed: Duration) -> String {
    let path: Vec<&str> = path
        .split('/')
        .map(|seg| seg.split(';').next().unwrap_or_default())
        .collect();
    format!(
        "{} {} {status} {:.1} ms",
        shown(method.as_bytes(), 32),
        shown(path.join("/").as_bytes(), MAX_SHOWN_PATH),
        elapsed.as_secs_f64() * 1000.0
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_escapes_what_a_terminal_would_act_on_and_caps_the_length() {
        assert_eq!(
            shown(b"http://localhost:3000", 200),
            "http://localhost:3000"
        );
        assert_eq!(
            shown(b"a\x1b[2Jb\tc\x7f\"d\\\xc3\xa9", 200),
            "a\\x1b[2Jb\\x09c\\x7f\\\"d\\\\\\xc3\\xa9"
        );
        let long = vec![b'a'; 250];
        let s = shown(&long, 200);
        assert!(
            s.starts_with(&"a".repeat(200)) && s.ends_with("…(+50 bytes)"),
            "{s}"
        );
        assert!(shown_as_is(b"http://a.example", 200));
        assert!(!shown_as_is(b"http://a\x01", 200));
        assert!(!shown_as_is(&long, 200));
    }

    #[test]
    fn a_request_line_has_method_path_status_and_milliseconds() {
        let line = request_line("GET", "/icws/1/x\x00", 401, Duration::from_micros(1300));
        assert_eq!(line, "GET /icws/1/x\\x00 401 1.3 ms");
        // `;parameters` may carry a secret: left out.
        let line = request_line("GET", "/icws/1;password=x/y;a", 200, Duration::ZERO);
        assert_eq!(line, "GET /icws/1/y 200 0.0 ms");
        assert_eq!(shown(b"x ##[error]y", 200), "x ##\\[error]y");
    }
}
