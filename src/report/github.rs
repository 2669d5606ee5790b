//! GitHub Actions output, built from the [`RunRecord`]: workflow-command
//! annotations and the Markdown step summary.

use std::fmt::Write as _;

use super::millis;
use crate::record::{CaseRecord, RunRecord, Verdict};

/// Escapes a workflow command's message (`%`, CR, LF).
fn gh_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (also `:` and `,`).
fn gh_property(text: &str) -> String {
    gh_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands: `::error` per failing case (title = the
/// case, text = its first finding), `::warning` per interop warning, and
/// `::notice` per baseline entry that now passes. `file=` is given when the
/// case file exists in the working directory, which the edge tells
/// (`is_file`): this module touches no file.
pub fn github_annotations(run: &RunRecord, is_file: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let location = |c: &CaseRecord| {
        if is_file(&c.file) {
            format!("file={},", gh_property(&c.file))
        } else {
            String::new()
        }
    };
    for c in &run.cases {
        let kind = if c.fails_run(run.strict_baseline) {
            "error"
        } else if c.verdict == Verdict::UnexpectedPass {
            "notice"
        } else {
            ""
        };
        if !kind.is_empty() {
            let _ = writeln!(
                out,
                "::{kind} {}title={}::{}",
                location(c),
                gh_property(&c.name),
                gh_data(&c.headline().unwrap_or_default())
            );
        }
        for w in c.warnings() {
            let _ = writeln!(
                out,
                "::warning {}title={} (interop)::{}",
                location(c),
                gh_property(&c.name),
                gh_data(&w.one_line())
            );
        }
    }
    out
}

/// Text a server may control as one code span of a table cell: nothing in
/// a code span is markup (no link, autolink of a bare URL or `www.`,
/// image, emphasis, tag or character reference), so the text shows as it
/// is. One line; the fence is one backtick longer than the longest run of
/// backticks in the text, padded with a space on each side (which the
/// span strips); `|` escaped, as a table needs even inside a span. The
/// record's text is already inert (no control or invisible character).
fn md_code(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.is_empty() {
        return String::new();
    }
    let longest = one_line
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    format!("{fence} {} {fence}", one_line.replace('|', "\\|"))
}

/// The Markdown block appended to `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(run: &RunRecord) -> String {
    let s = run.summary();
    let mut out = String::new();
    let verdict = if run.failed() {
        "❌ failed"
    } else if run.passed() {
        "✅ passed"
    } else {
        "⚠️ incomplete (nothing tested, or a case could not run)"
    };
    let _ = writeln!(out, "### icws-conformance: {verdict}\n");
    let _ = writeln!(
        out,
        "Target {} · {} passed · {} failed · {} ignored · {} expected failure(s) · {} unexpected pass(es) · {} flaky · {} warning(s) · {:.0} ms\n",
        md_code(&run.base_url),
        s.passed,
        s.failed,
        s.ignored,
        s.expected_failures,
        s.unexpected_passes,
        s.flaky,
        s.warnings,
        millis(run.duration)
    );
    let _ = writeln!(out, "| Case | Result | First finding |");
    let _ = writeln!(out, "|---|---|---|");
    for c in &run.cases {
        let result = match c.verdict {
            Verdict::Passed if c.flaky => "⚠️ flaky".to_owned(),
            Verdict::Passed => "✅ passed".to_owned(),
            Verdict::Failed => "❌ failed".to_owned(),
            Verdict::Ignored => "⏭️ ignored".to_owned(),
            Verdict::ExpectedFailure => "☑️ expected failure".to_owned(),
            Verdict::UnexpectedPass => "❗ unexpected pass".to_owned(),
        };
        let detail = match c.verdict {
            Verdict::Ignored => c.reason.clone().unwrap_or_default(),
            _ => c
                .headline()
                .or_else(|| {
                    c.warnings()
                        .next()
                        .map(|w| format!("warning: {}", w.one_line()))
                })
                .unwrap_or_default(),
        };
        let _ = writeln!(
            out,
            "| {} | {result} | {} |",
            md_code(&c.name),
            md_code(&detail)
        );
    }
    out.push('\n');
    out
}
