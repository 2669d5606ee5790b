//! Rendering: findings → the compiler-style text a failing trial prints,
//! warnings → the block printed after the run. The only module that formats
//! results; every string from outside passes the redactor before it is shown.

use std::fmt::Write as _;

use crate::case::Case;
use crate::client::Exchange;
use crate::finding::{Finding, Level};
use crate::secret::Redactor;
use crate::spec;

/// An error and its causes, `a: b: c`, without the repetition reqwest's
/// `Display` hides them behind.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// The text of a failing (or warned) case: one block per finding. Under
/// `strict`, interop findings are errors too.
///
/// ```text
/// error[REQ-MSG-canHaveDate]: wrong JSON type
///   --> status-messages/catalog: body /statusMessageList/3/canHaveDate
///    = expected: boolean
///    = actual:   "true"
/// ```
pub fn render(
    case: &Case,
    exchange: &Exchange,
    findings: &[&Finding],
    strict: bool,
    redactor: &Redactor,
) -> String {
    let mut out = String::new();
    for f in findings {
        let kind = match (f.level, strict) {
            (Level::Must, _) => "error",
            (Level::Interop, true) => "error(interop, --strict)",
            (Level::Interop, false) => "warning(interop)",
        };
        let _ = writeln!(out, "{kind}[{}]: {}", f.req, f.message);
        let _ = writeln!(out, "  --> {}: {}", case.name, f.place);
        let _ = writeln!(out, "   = expected: {}", f.expected);
        let _ = writeln!(out, "   = actual:   {}", f.actual);
        if let Some(req) = spec::find(f.req) {
            let _ = writeln!(out, "   = rule:     {}", req.title);
        }
        out.push('\n');
    }
    let status = match &exchange.outcome {
        Ok(r) => format!("{}", r.status),
        Err(_) => "no complete response".into(),
    };
    let _ = writeln!(
        out,
        "request: {} → {status} in {} ms ({})",
        exchange.request_line,
        exchange.elapsed.as_millis(),
        case.file
    );
    if !exchange.request_headers.is_empty() {
        let _ = writeln!(out, "  sent: {}", exchange.request_headers.join("; "));
    }
    let count = findings
        .iter()
        .filter(|f| f.level == Level::Must || strict)
        .count();
    if count > 0 {
        let _ = writeln!(out, "{count} finding(s)");
    }
    redactor.scrub(&out)
}
