//! Machine-readable reports, all built from one [`RunRecord`]: JUnit XML
//! (`--junit`), the JSON report (`--report-json`, shape documented by
//! `schemas/report/report.schema.json`), GitHub Actions annotations and the
//! step summary. Each function returns text; the caller scrubs secrets and
//! writes it, so no report can bypass the redactor.

use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{
    NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};
use serde_json::{Value, json};

use crate::finding::{Finding, Place};
use crate::record::{CaseRecord, RunRecord, Verdict};

/// The `format` field of the JSON report; bumped on incompatible changes.
pub const JSON_FORMAT: &str = "icws-conformance-report/1";

fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn finding_json(f: &Finding, failing: bool) -> Value {
    let (pointer, header) = match &f.place {
        Place::Body(p) => (Value::from(p.clone()), Value::Null),
        Place::Header(h) => (Value::Null, Value::from(h.clone())),
        Place::Status | Place::Transport => (Value::Null, Value::Null),
    };
    json!({
        "req": f.req,
        "level": f.level.to_string(),
        "failing": failing,
        "place": f.place.to_string(),
        "pointer": pointer,
        "header": header,
        "message": f.message,
        "expected": f.expected,
        "actual": f.actual,
    })
}

fn case_json(c: &CaseRecord) -> Value {
    json!({
        "name": c.name,
        "folder": c.folder(),
        "file": c.file,
        "status": c.verdict.as_str(),
        "level": c.level.to_string(),
        "tags": c.tags,
        "reqs": c.reqs,
        "reason": c.reason,
        "durationMs": millis(c.duration),
        "flaky": c.flaky,
        "request": c.request,
        "attempts": c.attempts.iter().map(|a| json!({
            "outcome": a.outcome,
            "durationMs": millis(a.elapsed),
        })).collect::<Vec<_>>(),
        "findings": c.findings.iter().zip(&c.failing)
            .map(|(f, failing)| finding_json(f, *failing)).collect::<Vec<_>>(),
    })
}

/// The JSON report (pretty-printed, ends with a newline).
pub fn json(run: &RunRecord) -> String {
    let s = run.summary();
    let doc = json!({
        "format": JSON_FORMAT,
        "tool": {"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")},
        "target": {"baseUrl": run.base_url, "embedded": run.embedded},
        "startedAt": run.started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "durationMs": millis(run.duration),
        "strict": run.strict,
        "strictBaseline": run.strict_baseline,
        "passed": !run.failed(),
        "summary": {
            "total": run.cases.len(),
            "passed": s.passed,
            "failed": s.failed,
            "ignored": s.ignored,
            "expectedFailures": s.expected_failures,
            "unexpectedPasses": s.unexpected_passes,
            "flaky": s.flaky,
            "warnings": s.warnings,
        },
        "notes": run.notes,
        "cases": run.cases.iter().map(case_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The JUnit XML report: one `testsuite`, one `testcase` per case
/// (classname = the case's folder).
pub fn junit(run: &RunRecord) -> Result<String, String> {
    let mut suite = TestSuite::new("icws-conformance");
    suite.set_timestamp(run.started.fixed_offset());
    suite.set_time(run.duration);
    suite.add_property(Property::new("target", run.base_url.as_str()));
    suite.add_property(Property::new("strict", run.strict.to_string()));
    for c in &run.cases {
        let headline = c.headline().unwrap_or_default();
        let status = match c.verdict {
            Verdict::Failed => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(headline.as_str());
                if let Some(f) = c.failing_findings().next() {
                    st.set_type(f.req);
                }
                st.set_description(c.text.as_str());
                st
            }
            Verdict::UnexpectedPass if run.strict_baseline => {
                let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
                st.set_message(headline.as_str());
                st.set_type("unexpected-pass");
                st
            }
            Verdict::ExpectedFailure => {
                let mut st = TestCaseStatus::skipped();
                st.set_message(format!(
                    "expected failure (baseline: {}): {}",
                    c.reason.as_deref().unwrap_or_default(),
                    c.failing_findings()
                        .next()
                        .map(Finding::one_line)
                        .unwrap_or_default()
                ));
                st.set_type("expected-failure");
                st.set_description(c.text.as_str());
                st
            }
            Verdict::Ignored => {
                let mut st = TestCaseStatus::skipped();
                st.set_message(c.reason.as_deref().unwrap_or("ignored"));
                st
            }
            Verdict::Passed | Verdict::UnexpectedPass => {
                let mut st = TestCaseStatus::success();
                if c.flaky {
                    let failed = c.attempts.len().saturating_sub(1);
                    st.add_reruns(c.attempts.iter().take(failed).map(|a| {
                        let mut r = TestRerun::new(NonSuccessKind::Error);
                        r.set_message(a.outcome.as_str());
                        r.set_time(a.elapsed);
                        r
                    }));
                }
                st
            }
        };
        let mut tc = TestCase::new(c.name.as_str(), status);
        tc.set_classname(c.folder());
        tc.set_time(c.duration);
        let mut out = String::new();
        if c.verdict == Verdict::UnexpectedPass && !run.strict_baseline {
            let _ = writeln!(out, "{headline}");
        }
        if c.verdict == Verdict::Passed && !c.text.is_empty() {
            out.push_str(&c.text);
        }
        if !out.is_empty() {
            tc.set_system_out(out);
        }
        suite.add_test_case(tc);
    }
    let mut report = Report::new("icws-conformance");
    report.set_timestamp(run.started.fixed_offset());
    report.set_time(run.duration);
    report.add_test_suite(suite);
    report.to_string().map_err(|e| e.to_string())
}

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
/// case file exists in the working directory.
pub fn github_annotations(run: &RunRecord) -> String {
    let mut out = String::new();
    let location = |c: &CaseRecord| {
        if std::path::Path::new(&c.file).is_file() {
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

fn md_cell(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

/// The Markdown block appended to `$GITHUB_STEP_SUMMARY`.
pub fn step_summary(run: &RunRecord) -> String {
    let s = run.summary();
    let mut out = String::new();
    let verdict = if run.failed() {
        "❌ failed"
    } else {
        "✅ passed"
    };
    let _ = writeln!(out, "### icws-conformance: {verdict}\n");
    let _ = writeln!(
        out,
        "Target `{}` · {} passed · {} failed · {} ignored · {} expected failure(s) · {} unexpected pass(es) · {} flaky · {} warning(s) · {:.0} ms\n",
        md_cell(&run.base_url),
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
            "| `{}` | {result} | {} |",
            md_cell(&c.name),
            md_cell(&detail)
        );
    }
    out.push('\n');
    out
}

/// The console block after the run: warnings, baseline results, flaky cases.
pub fn console_summary(run: &RunRecord) -> String {
    let mut out = String::new();
    let warned: Vec<&CaseRecord> = run
        .cases
        .iter()
        .filter(|c| c.warnings().next().is_some() && c.verdict != Verdict::Failed)
        .collect();
    if !warned.is_empty() {
        let n: usize = warned.iter().map(|c| c.warnings().count()).sum();
        let _ = writeln!(
            out,
            "\n{n} interop warning(s) (not failing the run; --strict makes them fail):\n"
        );
        for c in warned {
            out.push_str(&c.text);
            out.push('\n');
        }
    }
    let expected: Vec<&CaseRecord> = run
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::ExpectedFailure)
        .collect();
    if !expected.is_empty() {
        let _ = writeln!(
            out,
            "\n{} expected failure(s) (in the baseline, not failing the run):",
            expected.len()
        );
        for c in expected {
            let _ = writeln!(
                out,
                "  {}: {}\n    still: {}",
                c.name,
                c.reason.as_deref().unwrap_or_default(),
                c.failing_findings()
                    .next()
                    .map(Finding::one_line)
                    .unwrap_or_default()
            );
        }
    }
    let fixed: Vec<&CaseRecord> = run
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::UnexpectedPass)
        .collect();
    if !fixed.is_empty() {
        let _ = writeln!(
            out,
            "\n{} case(s) in the baseline now pass{}: remove them from the baseline",
            fixed.len(),
            if run.strict_baseline {
                " (failing the run: --strict-baseline)"
            } else {
                ""
            }
        );
        for c in fixed {
            let _ = writeln!(out, "  {}", c.name);
        }
    }
    let flaky: Vec<&CaseRecord> = run.cases.iter().filter(|c| c.flaky).collect();
    if !flaky.is_empty() {
        let _ = writeln!(
            out,
            "\n{} flaky case(s) (passed only after a retry):",
            flaky.len()
        );
        for c in flaky {
            let tries: Vec<&str> = c.attempts.iter().map(|a| a.outcome.as_str()).collect();
            let _ = writeln!(out, "  {}: {}", c.name, tries.join(" → "));
        }
    }
    out
}
