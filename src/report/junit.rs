//! The JUnit XML report (`--junit`), built from the [`RunRecord`]: one
//! `testsuite`, one `testcase` per case (classname = the case's folder).

use std::fmt::Write as _;

use quick_junit::{
    NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestRerun, TestSuite,
};

use super::text;
use crate::finding::Finding;
use crate::record::{RunRecord, Verdict};

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
                st.set_description(text::case_text(c, run.strict));
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
                st.set_description(text::case_text(c, run.strict));
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
                    let failed = c.request.attempts.len().saturating_sub(1);
                    st.add_reruns(c.request.attempts.iter().take(failed).map(|a| {
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
        if c.verdict == Verdict::Passed {
            out.push_str(&text::case_text(c, run.strict));
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
