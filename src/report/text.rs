//! The console text, built from the record: the compiler-style block of a
//! case's findings (what a failing trial prints, and JUnit's failure body),
//! the message libtest shows for a failing trial (the whole block, or in the
//! binary's console one line per finding: [`trial_failure_brief`]), the
//! failing cases' root causes grouped ([`root_causes`]) and then their
//! blocks ([`failure_blocks`]), and the block printed after the run.
//! Returns text; the edge scrubs secrets and prints it.

use std::fmt::Write as _;

use crate::finding::{Finding, Level};
use crate::record::{CaseRecord, RunRecord, Verdict};
use crate::spec;
use crate::text::inert;

/// The text of a case with findings: one block per finding, then the
/// request; empty without findings. Under `strict`, interop findings are
/// errors too.
///
/// ```text
/// error[REQ-MSG-canHaveDate]: wrong JSON type
///   --> status-messages/catalog: body /statusMessageList/3/canHaveDate
///    = expected: boolean
///    = actual:   "true"
///    = rule:     canHaveDate: Boolean, required
///    = see:      icws-conformance --explain REQ-MSG-canHaveDate
/// ```
pub fn case_text(case: &CaseRecord, strict: bool) -> String {
    let mut out = String::new();
    if case.findings.is_empty() {
        return out;
    }
    for f in &case.findings {
        out.push_str(&finding_text(&case.name, f, strict));
        out.push('\n');
    }
    let request = &case.request;
    let status = match request.status {
        Some(s) => s.to_string(),
        None => "no complete response".into(),
    };
    let _ = writeln!(
        out,
        "request: {} → {status} in {} ms · {}",
        inert(&request.line),
        request.elapsed.as_millis(),
        case.file
    );
    if !case.description.is_empty() {
        let _ = writeln!(out, "  case: {}", inert(&case.description));
    }
    if !request.headers.is_empty() {
        let _ = writeln!(out, "  sent: {}", inert(&request.headers.join("; ")));
    }
    if let Some(got) = request.attempts.last().and_then(|a| a.received.as_ref()) {
        let _ = writeln!(
            out,
            "  received: {} {} · {} header(s) · {} body byte(s) (-v or --report-html show them)",
            inert(&got.version),
            got.status,
            got.headers.len(),
            got.body_bytes
        );
    }
    if !request.curl.is_empty() {
        let _ = writeln!(out, "  replay: {}", inert(&request.curl));
    }
    let count = case
        .findings
        .iter()
        .filter(|f| f.level == Level::Must || strict)
        .count();
    if count > 0 {
        let _ = writeln!(out, "{count} finding(s)");
    }
    if let Some((expected, new)) = &case.beyond_baseline {
        let _ = writeln!(
            out,
            "the baseline expects this case to break only {}; it now also breaks {}",
            expected.join(", "),
            new.join(", ")
        );
    }
    out
}

/// `--list -v`: each case's name, `: test` as libtest lists it, and its
/// description on the next line, indented.
pub fn listing(cases: &[crate::load::case::Case]) -> String {
    let mut out = String::new();
    for c in cases {
        let _ = writeln!(out, "{}: test", inert(&c.name));
        if !c.description.is_empty() {
            let _ = writeln!(out, "    {}", inert(&c.description));
        }
    }
    let _ = writeln!(out, "\n{} tests, 0 benchmarks", cases.len());
    out
}

/// A case's exchange in full (`-v`): the request as sent (`>` lines), each
/// attempt's response (`<` lines: status, headers, the body's beginning)
/// and the replay. Every line starts with a marker, so no text a server
/// sent begins a line of the log (a CI workflow command must).
pub fn exchange_text(case: &CaseRecord) -> String {
    let r = &case.request;
    let mut out = String::new();
    if r.url.is_empty() {
        return out;
    }
    let _ = writeln!(out, "── {}: {}", inert(&case.name), inert(&r.line));
    let method = r.line.split(' ').next().unwrap_or_default();
    let _ = writeln!(out, "> {} {}", inert(method), inert(&r.url));
    for h in &r.headers {
        let _ = writeln!(out, "> {}", inert(h));
    }
    if let Some(body) = &r.body {
        out.push_str(">\n");
        for line in body.split('\n') {
            let _ = writeln!(out, "> {}", inert(line));
        }
    }
    for (i, a) in r.attempts.iter().enumerate() {
        let _ = writeln!(
            out,
            "  attempt {} of {}: {} in {} ms",
            i + 1,
            r.attempts.len(),
            inert(&a.outcome),
            a.elapsed.as_millis()
        );
        let Some(got) = &a.received else {
            continue;
        };
        let _ = writeln!(out, "< {} {}", inert(&got.version), got.status);
        for (n, v) in &got.headers {
            let _ = writeln!(out, "< {}: {}", inert(n), inert(v));
        }
        if !got.body.is_empty() {
            out.push_str("<\n");
            for line in got.body.split('\n') {
                let _ = writeln!(out, "< {}", inert(line));
            }
        }
        if got.cut {
            let _ = writeln!(
                out,
                "< … (the first {} of {} bytes)",
                crate::run::client::SHOWN_BODY_BYTES,
                got.body_bytes
            );
        }
    }
    if !r.curl.is_empty() {
        let _ = writeln!(out, "  replay: {}", inert(&r.curl));
    }
    out
}

/// One finding as a compiler-style block: its level and rule, where it is
/// (`origin`: a case name, or a file), expected, actual and the rule's
/// words. Every field may hold text a server or a file chose: each is shown
/// inert, on one line.
pub fn finding_text(origin: &str, f: &Finding, strict: bool) -> String {
    let mut out = String::new();
    let kind = kind(f.level, strict);
    let _ = writeln!(out, "{kind}[{}]: {}", f.req, inert(&f.message));
    let _ = writeln!(
        out,
        "  --> {}: {}",
        inert(origin),
        inert(&f.place.to_string())
    );
    let _ = writeln!(out, "   = expected: {}", inert(&f.expected));
    let _ = writeln!(out, "   = actual:   {}", inert(&f.actual));
    if let Some(req) = spec::find(f.req) {
        let _ = writeln!(out, "   = rule:     {}", req.title);
        let _ = writeln!(out, "   = see:      icws-conformance --explain {}", req.id);
    } else if f.req == crate::spec::SNAPSHOT_RULE {
        let _ = writeln!(
            out,
            "   = rule:     the catalogue equals its accepted snapshot (a change is accepted \
             on purpose, never in CI)"
        );
        let _ = writeln!(
            out,
            "   = see:      README.md, \"Gate on catalogue changes\" (--accept-snapshots)"
        );
    }
    out
}

/// `error`, `error(interop, --strict)` or `warning(interop)`.
fn kind(level: Level, strict: bool) -> &'static str {
    match (level, strict) {
        (Level::Must, _) => "error",
        (Level::Interop, true) => "error(interop, --strict)",
        (Level::Interop, false) => "warning(interop)",
    }
}

/// `--explain ID`: the requirement, where it comes from, the policy that
/// applies, the cases that check it and the faults that prove the check.
pub fn explain(
    req: &spec::Requirement,
    cases: &[crate::load::case::Case],
    rows: &[super::coverage::Row],
) -> String {
    let source = match req.source {
        spec::Source::Documentation => "the endpoint's documentation (status-messages.md)",
        spec::Source::Session => "the session documentation (icws-session.md)",
        spec::Source::Policy => "harness policy, where the documentation leaves a point open",
    };
    let mut out = format!("{}: {}\n  from {source}\n", req.id, req.title);
    if let Some(p) = spec::policy(req.id) {
        let _ = writeln!(out, "\npolicy: {p}");
    }
    let listing: Vec<&str> = cases
        .iter()
        .filter(|c| c.reqs.contains(&req.id))
        .map(|c| c.name.as_str())
        .collect();
    let row = rows.iter().find(|r| r.req.id == req.id);
    let list = |items: Vec<&str>| {
        if items.is_empty() {
            "none".to_owned()
        } else {
            items.join(", ")
        }
    };
    let _ = writeln!(out, "\ncases that list it: {}", list(listing));
    match row.and_then(|r| r.harness) {
        Some(tests) => {
            let _ = writeln!(
                out,
                "{}; proven by the harness's unit tests: {}",
                super::coverage::NO_FAULT_PROVES,
                tests.join(", ")
            );
        }
        None => {
            let names = |f: fn(&super::coverage::Row) -> &Vec<String>| {
                row.map(|r| f(r).iter().map(String::as_str).collect())
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "cases whose findings name it, under some fault: {}",
                list(names(|r| &r.cases))
            );
            let _ = writeln!(
                out,
                "proven by the reference server's faults whose runs produced a finding naming it \
                 (icws-refserver --fault NAME): {}",
                list(names(|r| &r.faults))
            );
        }
    }
    out
}

/// The line before the cases: what is tested, against what, as whom, and
/// whether icon links are loaded.
pub fn run_header(
    version: &str,
    target: &str,
    embedded: bool,
    who: &str,
    cases: &[crate::load::case::Case],
    links: Option<&crate::run::links::LinkSettings>,
) -> String {
    let mut reqs: Vec<&str> = cases.iter().flat_map(|c| c.reqs.iter().copied()).collect();
    reqs.sort_unstable();
    reqs.dedup();
    let target = if embedded {
        format!("the embedded reference server ({target})")
    } else {
        target.to_owned()
    };
    // Whether the catalogue's icons are loaded, when a selected case would.
    let links = match links {
        None => String::new(),
        Some(l) if !l.enabled => "; icon links not loaded (--no-links)".into(),
        Some(l) => format!(
            "; icon links loaded as a browser does ({} at once, at most {})",
            l.concurrency, l.max_links
        ),
    };
    format!(
        "icws-conformance {version}: {} case(s) checking {} requirement(s) of GET \
         /icws/{{sessionId}}/status/status-messages against {target}, as {who}{links}",
        cases.len(),
        reqs.len()
    )
}

/// The block after the cases: which requirements were checked and which
/// were broken, by which cases.
pub fn run_footer(run: &RunRecord) -> String {
    let mut checked: Vec<&str> = run
        .cases
        .iter()
        .filter(|c| c.verdict != Verdict::Ignored)
        .flat_map(|c| c.reqs.iter().copied())
        .collect();
    checked.sort_unstable();
    checked.dedup();
    let mut broken: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    // A case that could not run broke nothing (the errors above say why).
    for c in run.cases.iter().filter(|c| c.could_not_run.is_none()) {
        for f in c.failing_findings() {
            let cases = broken.entry(f.req).or_default();
            if !cases.contains(&c.name.as_str()) {
                cases.push(&c.name);
            }
        }
    }
    let mut out = format!("\nchecked {} requirement(s)", checked.len());
    if broken.is_empty() {
        out.push_str("; none broken\n");
    } else {
        let _ = writeln!(out, "; broken: {}", broken.len());
        for (req, cases) in broken {
            let _ = writeln!(out, "  {req}: {}", cases.join(", "));
        }
    }
    let _ = writeln!(out, "{}", run.traffic.line());
    out
}

/// What libtest prints for a case that fails the run (`None`: it does not):
/// its findings, or why a baseline entry that passes fails under
/// `--strict-baseline`.
pub fn trial_failure(
    case: &CaseRecord,
    strict: bool,
    strict_baseline: bool,
    baseline_file: &str,
) -> Option<String> {
    match case.verdict {
        Verdict::Failed => Some(case_text(case, strict)),
        Verdict::UnexpectedPass if strict_baseline => Some(format!(
            "{} passes, but {baseline_file} lists it as an expected failure ({:?}): \
             remove it from the baseline\n",
            case.name,
            case.reason.as_deref().unwrap_or_default()
        )),
        _ => None,
    }
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
            out.push_str(&case_text(c, run.strict));
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
                inert(
                    &c.failing_findings()
                        .next()
                        .map(Finding::one_line)
                        .unwrap_or_default()
                )
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
            let tries: Vec<&str> = c
                .request
                .attempts
                .iter()
                .map(|a| a.outcome.as_str())
                .collect();
            let _ = writeln!(out, "  {}: {}", c.name, inert(&tries.join(" → ")));
        }
    }
    out
}

/// One line per failing finding, for libtest's failure section when the
/// root causes and the whole blocks follow the run ([`root_causes`],
/// [`failure_blocks`]): the kind, rule, message and place, e.g.
/// `error[REQ-400-1]: unexpected status (status)`.
pub fn trial_failure_brief(
    case: &CaseRecord,
    strict: bool,
    strict_baseline: bool,
    baseline_file: &str,
) -> Option<String> {
    if case.verdict != Verdict::Failed {
        return trial_failure(case, strict, strict_baseline, baseline_file);
    }
    let lines: Vec<String> = case
        .failing_findings()
        .map(|f| {
            format!(
                "{}[{}]: {} ({})",
                kind(f.level, strict),
                f.req,
                inert(&f.message),
                inert(&f.place.to_string())
            )
        })
        .collect();
    Some(lines.join("\n"))
}

/// One root cause: a finding that failing cases share (same rule, place,
/// message and expected value).
struct Cause<'a> {
    finding: &'a Finding,
    cases: Vec<&'a str>,
    /// True when the cases' actual values differ.
    varies: bool,
}

/// The failing cases' findings grouped by root cause (rule, place, message,
/// expected), the cause most cases share first: what to fix, before the
/// case-by-case blocks. Empty when no case failed on a finding.
///
/// ```text
/// 3 failing case(s), 1 root cause(s):
///   error[REQ-400-1] status: unexpected status (expected 400 or 401, actual 500 …)
///     in 3 case(s): auth/missing-cookie, auth/missing-token, session/no-session
/// ```
pub fn root_causes(run: &RunRecord) -> String {
    let failing: Vec<&CaseRecord> = run
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Failed)
        .collect();
    let mut causes: Vec<Cause> = Vec::new();
    for c in &failing {
        for f in c.failing_findings() {
            let same = |g: &&mut Cause| {
                g.finding.req == f.req
                    && g.finding.level == f.level
                    && g.finding.place == f.place
                    && g.finding.message == f.message
                    && g.finding.expected == f.expected
            };
            match causes.iter_mut().find(same) {
                Some(g) => {
                    if !g.cases.contains(&c.name.as_str()) {
                        g.cases.push(&c.name);
                    }
                    g.varies |= g.finding.actual != f.actual;
                }
                None => causes.push(Cause {
                    finding: f,
                    cases: vec![&c.name],
                    varies: false,
                }),
            }
        }
    }
    if causes.is_empty() {
        return String::new();
    }
    // Most cases first; ties in the order the cases and findings came.
    causes.sort_by_key(|g| std::cmp::Reverse(g.cases.len()));
    let mut out = format!(
        "\n{} failing case(s), {} root cause(s):\n",
        failing.len(),
        causes.len()
    );
    for g in causes {
        let mut line = g.finding.one_line();
        if g.varies {
            line.push_str(" (the actual value differs from case to case)");
        }
        let _ = writeln!(
            out,
            "  {}{}\n    in {} case(s): {}",
            kind(g.finding.level, run.strict),
            inert(&line),
            g.cases.len(),
            inert(&g.cases.join(", "))
        );
    }
    out
}

/// Every failing case's whole block (its findings, then the request), each
/// under `---- name ----` as libtest would show it, in name order.
pub fn failure_blocks(run: &RunRecord) -> String {
    let mut out = String::new();
    for c in run.cases.iter().filter(|c| c.verdict == Verdict::Failed) {
        let _ = write!(
            out,
            "\n---- {} ----\n{}",
            inert(&c.name),
            case_text(c, run.strict)
        );
    }
    out
}
