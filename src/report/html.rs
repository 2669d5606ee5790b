//! The HTML report (`--report-html`): one self-contained page built from the
//! [`RunRecord`]. At the top the
//! target, tool version, date, duration, verdict and counts; then one
//! `<details>` row per case (status, level, tags, requirement ids) that
//! opens to its findings, baseline and flaky marks, interop warnings,
//! snapshot differences, the request and its attempts, a links case's
//! icon links (each as text and a link, never loaded); then a pointer to
//! the kit's coverage matrix (`--coverage`), which is the same for every
//! target and is not recomputed for a run's page.
//!
//! The page loads nothing (no script, font, image or stylesheet from
//! anywhere; its Content-Security-Policy forbids them too), works without
//! JavaScript (it has none), opens every row when printed, fits a narrow
//! window, and says every status in words and symbols, not colour alone.
//!
//! Pure: it returns text. The record it reads has been scrubbed of secrets
//! by the edge; every value is escaped here ([`escape`]) — server text only
//! ever lands in element content, never in an attribute, a URL or a style,
//! but for one: an icon link's `href`, an `http(s)` URL as the url crate
//! serializes it (percent-encoded), escaped, `rel="noreferrer nofollow"`;
//! the page itself never loads it.

use std::fmt::Write as _;

use super::millis;
use crate::check::links::LinkState;
use crate::finding::{Finding, Level};
use crate::record::{CaseRecord, RunRecord, Verdict};
use crate::spec;
use crate::spec::SNAPSHOT_RULE;

/// `text` safe in HTML element content and in a quoted attribute value:
/// `& < > " '` as character references; control characters, bidirectional
/// overrides and noncharacters shown as `\u{…}` (a server cannot reorder or
/// hide what the reader sees). Line breaks and tabs are kept.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            // Tags left in the record's inert text spell a flag.
            c if crate::text::is_hidden(c) && !crate::text::is_tag(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// The page's whole style: no external resource, no colour carrying meaning
/// alone (every status is also a word and a symbol).
const STYLE: &str = r#"
:root { color-scheme: light dark; --fg: #1b1b1b; --bg: #fff; --muted: #5a5a5a; --line: #c8c8c8;
  --code: #f3f3f3; --bad: #a4000f; --good: #0b6b2b; --warn: #7a4b00; --info: #204a87; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e8e8e8; --bg: #161616; --muted: #a8a8a8; --line: #444; --code: #242424;
    --bad: #ff8a8a; --good: #7ddc94; --warn: #f0c060; --info: #9cc0ff; }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 72rem; padding: 1rem; color: var(--fg); background: var(--bg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  overflow-wrap: anywhere; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: .8rem 0 .3rem; }
code, pre { font-family: ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: .9em; background: var(--code); border-radius: 3px; }
code { padding: 0 .2em; }
pre { margin: .2rem 0; padding: .3rem .5rem; white-space: pre-wrap; overflow-x: auto;
  overflow-wrap: anywhere; max-width: 100%; }
.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15rem .8rem; margin: .3rem 0; }
.kv dt { font-weight: 600; }
.kv dd { margin: 0; min-width: 0; }
.verdict { padding: 0 .3em; border: 2px solid currentColor; border-radius: 4px; white-space: nowrap; }
.counts { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; list-style: none; padding: 0; margin: .5rem 0; }
.counts .n { font-weight: 700; font-size: 1.1em; }
.status { font-weight: 700; white-space: nowrap; }
[data-status="failed"] > summary .status, .verdict[data-verdict="failed"], .kind-error { color: var(--bad); }
[data-status="passed"] > summary .status, .verdict[data-verdict="passed"] { color: var(--good); }
[data-status="unexpected-pass"] > summary .status, .verdict[data-verdict="incomplete"], .kind-warning { color: var(--warn); }
[data-status="ignored"] > summary .status, [data-status="expected-failure"] > summary .status { color: var(--muted); }
.case { border: 1px solid var(--line); border-radius: 4px; margin: .35rem 0; min-width: 0; }
.case > summary { cursor: pointer; padding: .35rem .5rem; display: flex; flex-wrap: wrap; gap: .1rem .8rem; align-items: baseline; }
.case > summary::-webkit-details-marker { display: none; }
.case > summary::before { content: "▸"; }
.case[open] > summary::before { content: "▾"; }
.case[data-status="failed"] { border-left: 6px double var(--bad); }
.case .name { font-weight: 600; }
.case .meta, .muted { color: var(--muted); font-size: .92em; }
.mark { border: 1px solid currentColor; border-radius: 3px; padding: 0 .3em; font-size: .85em; white-space: nowrap; }
.case-body { padding: 0 .8rem .6rem; min-width: 0; }
.finding { border-left: 3px solid var(--line); padding: .1rem 0 .1rem .6rem; margin: .5rem 0; }
.finding[data-failing="true"] { border-left-style: double; border-left-width: 4px; }
.finding-head { margin: 0; }
.kind { font-weight: 700; }
ul.plain, ol.attempts { margin: .2rem 0; padding-left: 1.4rem; }
.flagged { font-weight: 700; }
ol.links { margin: .2rem 0; padding-left: 1.8rem; }
ol.links li { overflow-wrap: anywhere; margin: .15rem 0; }
.link-state { font-weight: 600; white-space: nowrap; }
[data-state="broken"] > .link-state { color: var(--bad); }
[data-state="warning"] > .link-state { color: var(--warn); }
[data-state="loaded"] > .link-state { color: var(--good); }
@media (max-width: 40rem) {
  body { padding: .5rem; font-size: 14px; }
  .kv { grid-template-columns: minmax(0, 1fr); }
  .kv dd { margin-bottom: .3rem; }
}
@media print {
  :root { --fg: #000; --bg: #fff; --muted: #333; --line: #888; --code: #fff;
    --bad: #000; --good: #000; --warn: #000; --info: #000; }
  body { max-width: none; font-size: 10pt; }
  details::details-content { content-visibility: visible; display: block; }
  .case > summary::before { content: ""; }
  .case { break-inside: avoid-page; }
  pre { border: 1px solid #888; overflow: visible; }
  a { color: inherit; text-decoration: none; }
}
"#;

/// The run's overall result, as the page's heading says it.
fn run_verdict(run: &RunRecord) -> (&'static str, &'static str) {
    if run.cases.iter().any(|c| c.could_not_run.is_some()) {
        ("incomplete", "⊘ INCOMPLETE: a case could not run")
    } else if run.failed() {
        ("failed", "✘ FAILED")
    } else if run.cases.is_empty() {
        ("incomplete", "⊘ NOTHING TESTED: no case was run")
    } else if run.cases.iter().all(|c| c.verdict == Verdict::Ignored) {
        ("incomplete", "⊘ NOTHING TESTED: every case was ignored")
    } else {
        ("passed", "✔ PASSED")
    }
}

/// A case's status in words and a symbol.
fn status_words(c: &CaseRecord) -> &'static str {
    match c.verdict {
        Verdict::Passed => "✔ passed",
        Verdict::Failed => "✘ failed",
        Verdict::Ignored => "⊘ ignored",
        Verdict::ExpectedFailure => "✘ expected failure",
        Verdict::UnexpectedPass => "! unexpected pass",
    }
}

fn duration_text(d: std::time::Duration) -> String {
    let ms = millis(d);
    if ms >= 1000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

/// The HTML report: a whole page (ends with a newline).
pub fn html(run: &RunRecord) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let (verdict_key, verdict_text) = run_verdict(run);
    let version = env!("CARGO_PKG_VERSION");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"generator\" content=\"icws-conformance {version}\">\n\
         <title>icws-conformance: {} — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(verdict_key),
        escape(&run.base_url)
    );
    header(&mut out, run, verdict_key, verdict_text);
    out.push_str("<main>\n");
    if !run.notes.is_empty() {
        out.push_str("<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"plain\">\n");
        for n in &run.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(n));
        }
        out.push_str("</ul>\n</section>\n");
    }
    let _ = writeln!(
        out,
        "<section id=\"cases\">\n<h2>Cases ({})</h2>\n<p class=\"muted\">Each row opens to its \
         findings, the request and its attempts. Failing rows are open.</p>",
        run.cases.len()
    );
    for (i, c) in run.cases.iter().enumerate() {
        case(&mut out, run, i, c);
    }
    out.push_str("</section>\n");
    // The kit's own coverage matrix is the same for every server: it is
    // printed by `--coverage`, not recomputed for each run's page.
    out.push_str(
        "<section id=\"coverage\">\n<h2>Coverage</h2>\n<p class=\"muted\">Which checks each \
         reference-server fault mode proves is the same for every target: \
         <code>icws-conformance --coverage</code> prints it, and <code>--explain ID</code> \
         explains one requirement.</p>\n</section>\n",
    );
    let _ = write!(
        out,
        "</main>\n<footer class=\"muted\"><p>icws-conformance {version}: a conformance test kit \
         for GET /icws/{{sessionId}}/status/status-messages. Passwords, CSRF tokens and session \
         cookies are shown as &lt;redacted&gt;.</p></footer>\n</body>\n</html>\n"
    );
    out
}

/// The cases that need a reader's attention, as links to their rows.
fn attention(out: &mut String, run: &RunRecord) {
    let attention: Vec<(usize, &CaseRecord)> = run
        .cases
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.fails_run(run.strict_baseline)
                || c.could_not_run.is_some()
                || c.verdict == Verdict::UnexpectedPass
        })
        .collect();
    if !attention.is_empty() {
        out.push_str("<p id=\"attention\"><strong>Needs attention:</strong> ");
        for (n, (i, c)) in attention.iter().enumerate() {
            if n > 0 {
                out.push_str(", ");
            }
            let _ = write!(
                out,
                "<a href=\"#case-{i}\">{}</a> ({})",
                escape(&c.name),
                escape(status_words(c))
            );
        }
        out.push_str("</p>\n");
    }
}

fn header(out: &mut String, run: &RunRecord, verdict_key: &str, verdict_text: &str) {
    let s = run.summary();
    let _ = writeln!(
        out,
        "<header>\n<h1>icws-conformance report: <span class=\"verdict\" data-verdict=\"{}\">{}</span></h1>",
        escape(verdict_key),
        escape(verdict_text)
    );
    out.push_str("<dl class=\"kv\" id=\"run\">\n");
    let _ = writeln!(
        out,
        "<dt>Target</dt><dd><code>{}</code>{}</dd>",
        escape(&run.base_url),
        if run.embedded {
            " (the embedded reference server)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        out,
        "<dt>Tool</dt><dd>{} {}</dd>",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        out,
        "<dt>Started</dt><dd><time datetime=\"{}\">{}</time></dd>",
        escape(
            &run.started
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        ),
        escape(&run.started.format("%Y-%m-%d %H:%M:%S UTC").to_string())
    );
    let _ = writeln!(
        out,
        "<dt>Duration</dt><dd>{}</dd>",
        duration_text(run.duration)
    );
    let mut options = Vec::new();
    if run.strict {
        options.push("--strict (interop findings fail)");
    }
    if run.strict_baseline {
        options.push("--strict-baseline (baseline entries that pass fail)");
    }
    if !options.is_empty() {
        let _ = writeln!(out, "<dt>Options</dt><dd>{}</dd>", options.join("; "));
    }
    out.push_str("</dl>\n<ul class=\"counts\" id=\"counts\">\n");
    for (key, n, label) in [
        ("total", run.cases.len(), "cases"),
        ("passed", s.passed, "passed"),
        ("failed", s.failed, "failed"),
        ("ignored", s.ignored, "ignored"),
        (
            "expected-failures",
            s.expected_failures,
            "expected failure(s)",
        ),
        (
            "unexpected-passes",
            s.unexpected_passes,
            "unexpected pass(es)",
        ),
        ("flaky", s.flaky, "flaky"),
        ("warnings", s.warnings, "interop warning(s)"),
    ] {
        let _ = writeln!(
            out,
            "<li data-count=\"{key}\"><span class=\"n\">{n}</span> {label}</li>"
        );
    }
    out.push_str("</ul>\n");
    attention(out, run);
    out.push_str("</header>\n");
}

/// Which part of a case a finding goes to.
#[derive(PartialEq)]
enum Part {
    Failing,
    Snapshot,
    Warning,
}

fn part_of(f: &Finding, failing: bool) -> Part {
    if f.req == SNAPSHOT_RULE {
        Part::Snapshot
    } else if failing {
        Part::Failing
    } else {
        Part::Warning
    }
}

/// The marks a case's summary line carries, in words.
fn marks(c: &CaseRecord) -> Vec<String> {
    let warnings = c.warnings().filter(|f| f.req != SNAPSHOT_RULE).count();
    let snapshots = c.findings.iter().filter(|f| f.req == SNAPSHOT_RULE).count();
    let mut marks: Vec<String> = Vec::new();
    if c.flaky {
        marks.push("⚠ flaky".into());
    }
    if c.could_not_run.is_some() {
        marks.push("⊘ could not run".into());
    }
    if matches!(
        c.verdict,
        Verdict::ExpectedFailure | Verdict::UnexpectedPass
    ) || c.beyond_baseline.is_some()
    {
        marks.push("in the baseline".into());
    }
    if snapshots > 0 {
        marks.push(format!("≠ {snapshots} snapshot difference(s)"));
    }
    if warnings > 0 {
        marks.push(format!("⚠ {warnings} interop warning(s)"));
    }
    marks
}

fn case(out: &mut String, run: &RunRecord, i: usize, c: &CaseRecord) {
    let open = c.fails_run(run.strict_baseline)
        || c.could_not_run.is_some()
        || c.verdict == Verdict::UnexpectedPass;
    let _ = writeln!(
        out,
        "<details class=\"case\" id=\"case-{i}\" data-status=\"{}\"{}>",
        c.verdict.as_str(),
        if open { " open" } else { "" }
    );
    let _ = write!(
        out,
        "<summary><span class=\"status\">{}</span> <span class=\"name\">{}</span> \
         <span class=\"meta\">level <span class=\"level\">{}</span></span>",
        status_words(c),
        escape(&c.name),
        c.level
    );
    if !c.tags.is_empty() {
        let _ = write!(
            out,
            " <span class=\"meta\">tags <span class=\"tags\">{}</span></span>",
            escape(&c.tags.join(", "))
        );
    }
    if !c.reqs.is_empty() {
        let _ = write!(
            out,
            " <span class=\"meta\">checks <span class=\"reqs\">{}</span></span>",
            escape(&c.reqs.join(", "))
        );
    }
    for m in marks(c) {
        let _ = write!(out, " <span class=\"mark\">{}</span>", escape(&m));
    }
    out.push_str("</summary>\n<div class=\"case-body\">\n");
    if !c.description.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"description\">{}</p>",
            escape(&c.description)
        );
    }
    case_explanation(out, run, c);
    let groups = [
        (Part::Failing, "Findings", "findings"),
        (Part::Snapshot, "Snapshot differences", "snapshot"),
        (Part::Warning, "Interop warnings", "warnings"),
    ];
    for (part, title, class) in groups {
        let items: Vec<&Finding> = c
            .findings
            .iter()
            .zip(&c.failing)
            .filter(|(f, failing)| part_of(f, **failing) == part)
            .map(|(f, _)| f)
            .collect();
        if items.is_empty() {
            continue;
        }
        let note = match (&part, c.verdict) {
            (Part::Failing | Part::Snapshot, Verdict::ExpectedFailure) => {
                " (expected by the baseline)"
            }
            (Part::Warning, _) => " (not failing the run; --strict makes them fail)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "<section class=\"{class}\">\n<h3>{title} ({}){note}</h3>",
            items.len()
        );
        for f in items {
            finding(out, f, run.strict);
        }
        out.push_str("</section>\n");
    }
    request(out, c);
    links(out, c);
    if !c.warnings.is_empty() || !c.notes.is_empty() {
        out.push_str("<ul class=\"plain case-notes\">\n");
        for w in &c.warnings {
            let _ = writeln!(out, "<li>warning: {}</li>", escape(w));
        }
        for n in &c.notes {
            let _ = writeln!(out, "<li>note: {}</li>", escape(n));
        }
        out.push_str("</ul>\n");
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\">Case file <code>{}</code> · took {}</p>\n</div>\n</details>",
        escape(&c.file),
        duration_text(c.duration)
    );
}

/// A links case's links: each as its URL in text and a link (the page
/// loads none of them), with where the catalogue names it and what came.
fn links(out: &mut String, c: &CaseRecord) {
    if c.links.is_empty() {
        return;
    }
    let count = |state: LinkState| c.links.iter().filter(|l| l.state == state).count();
    let (broken, warned) = (count(LinkState::Broken), count(LinkState::Warning));
    let _ = writeln!(
        out,
        "<section class=\"links\">\n<h3>Icon links ({} distinct: {} loaded as images, {broken} \
         broken, {warned} with a warning)</h3>\n<details class=\"link-list\"{}>\n<summary>each \
         link, as a browser's &lt;img&gt; loaded it (this page loads none)</summary>\n\
         <ol class=\"links\">",
        c.links.len(),
        count(LinkState::Loaded),
        if broken + warned > 0 { " open" } else { "" }
    );
    for l in &c.links {
        let (symbol, word) = match l.state {
            LinkState::Loaded => ("✓", "loaded"),
            LinkState::Broken => ("✗", "broken"),
            LinkState::Warning => ("⚠", "warning"),
            LinkState::Skipped => ("–", "skipped"),
        };
        let shown = escape(&l.url);
        let link = if l.url.starts_with("http://") || l.url.starts_with("https://") {
            format!(
                "<a class=\"icon-link\" href=\"{shown}\" rel=\"noreferrer nofollow\">{shown}</a>"
            )
        } else {
            format!("<code>{shown}</code>")
        };
        let mut facts = vec![escape(&l.pointer)];
        if l.uses > 1 {
            facts.push(format!("{} messages", l.uses));
        }
        if let Some(to) = &l.final_url {
            facts.push(format!("{} redirect(s) to {}", l.redirects, escape(to)));
        }
        if !l.same_origin {
            facts.push("another origin (no credentials)".into());
        }
        if let Some(status) = l.status {
            facts.push(status.to_string());
        }
        if let Some(m) = &l.media_type {
            facts.push(escape(m));
        }
        facts.push(escape(&l.bytes));
        facts.push(format!("{} ms", l.elapsed_ms));
        let _ = write!(
            out,
            "<li data-state=\"{}\"><span class=\"link-state\">{symbol} {word}</span> {link} \
             <span class=\"muted\">{}</span>",
            l.state.as_str(),
            facts.join(" · ")
        );
        if let Some(p) = &l.problem {
            let _ = write!(out, "<br><span class=\"link-problem\">{}</span>", escape(p));
        }
        out.push_str("</li>\n");
    }
    out.push_str("</ol>\n</details>\n</section>\n");
}

/// Why the case came to its status, when findings alone do not say it:
/// could not run, ignored, the baseline, flaky.
fn case_explanation(out: &mut String, run: &RunRecord, c: &CaseRecord) {
    let reason = c.reason.as_deref().unwrap_or_default();
    if let Some(why) = &c.could_not_run {
        let _ = writeln!(
            out,
            "<p class=\"could-not-run\"><strong class=\"flagged\">⊘ Could not run:</strong> {}</p>",
            escape(why)
        );
    }
    match c.verdict {
        Verdict::Ignored => {
            let _ = writeln!(
                out,
                "<p class=\"reason\"><strong>Ignored:</strong> {}</p>",
                escape(reason)
            );
        }
        Verdict::ExpectedFailure => {
            let _ = writeln!(
                out,
                "<p class=\"baseline\"><strong>Expected failure:</strong> the baseline lists \
                 this case ({}); it does not fail the run.</p>",
                escape(reason)
            );
        }
        Verdict::UnexpectedPass => {
            let _ = writeln!(
                out,
                "<p class=\"baseline\"><strong class=\"flagged\">Unexpected pass:</strong> the \
                 baseline lists this case as an expected failure ({}), but it passes: remove it \
                 from the baseline{}.</p>",
                escape(reason),
                if run.strict_baseline {
                    " (this fails the run: --strict-baseline)"
                } else {
                    ""
                }
            );
        }
        Verdict::Passed | Verdict::Failed => {}
    }
    if let Some((expected, new)) = &c.beyond_baseline {
        let _ = writeln!(
            out,
            "<p class=\"baseline\"><strong class=\"flagged\">Beyond the baseline:</strong> the \
             baseline expects this case to break only {}; it now also breaks {}.</p>",
            escape(&expected.join(", ")),
            escape(&new.join(", "))
        );
    }
    if c.flaky {
        let _ = writeln!(
            out,
            "<p class=\"flaky\"><strong class=\"flagged\">⚠ Flaky:</strong> passed only after a \
             retry (see the attempts).</p>"
        );
    }
}

fn finding(out: &mut String, f: &Finding, strict: bool) {
    let (kind, class) = match (f.level, strict) {
        (Level::Must, _) => ("✘ error", "kind-error"),
        (Level::Interop, true) => ("✘ error (interop, --strict)", "kind-error"),
        (Level::Interop, false) => ("⚠ warning (interop)", "kind-warning"),
    };
    let _ = writeln!(
        out,
        "<article class=\"finding\" data-level=\"{}\">\n<p class=\"finding-head\"><span \
         class=\"kind {class}\">{kind}</span> <code class=\"req\">{}</code> <span \
         class=\"message\">{}</span></p>\n<dl class=\"kv\">",
        f.level,
        escape(f.req),
        escape(&f.message)
    );
    if let Some(req) = spec::find(f.req) {
        let _ = writeln!(
            out,
            "<dt>Rule</dt><dd>{} <span class=\"muted\">(see: <code>icws-conformance --explain \
             {}</code>)</span></dd>",
            escape(req.title),
            escape(req.id)
        );
    }
    let _ = writeln!(
        out,
        "<dt>Place</dt><dd><code class=\"place\">{}</code></dd>\n\
         <dt>Expected</dt><dd><pre class=\"expected\">{}</pre></dd>\n\
         <dt>Actual</dt><dd><pre class=\"actual\">{}</pre></dd>\n</dl>\n</article>",
        escape(&f.place.to_string()),
        escape(&f.expected),
        escape(&f.actual)
    );
}

fn request(out: &mut String, c: &CaseRecord) {
    let r = &c.request;
    if r.line.is_empty() && r.attempts.is_empty() {
        return;
    }
    let status = match r.status {
        Some(s) => format!("status {s}"),
        None => "no complete response".into(),
    };
    let _ = writeln!(
        out,
        "<section class=\"request\">\n<h3>Request</h3>\n<pre class=\"request-line\">{}</pre>\n\
         <p>→ {} in {}</p>",
        escape(&r.line),
        escape(&status),
        duration_text(r.elapsed)
    );
    if !r.url.is_empty() {
        // The URL as text: the report loads nothing and links nowhere.
        let _ = writeln!(
            out,
            "<p>URL: <code class=\"url\">{}</code></p>",
            escape(&r.url)
        );
    }
    if !r.headers.is_empty() {
        let _ = writeln!(
            out,
            "<p>Sent headers:</p>\n<pre class=\"headers\">{}</pre>",
            escape(&r.headers.join("\n"))
        );
    }
    if let Some(body) = &r.body {
        let _ = writeln!(
            out,
            "<p>Sent body:</p>\n<pre class=\"sent-body\">{}</pre>",
            escape(body)
        );
    }
    if !r.curl.is_empty() {
        let _ = writeln!(
            out,
            "<p>Replay (the secrets from <code>$ICWS_CSRF_TOKEN</code>, \
             <code>$ICWS_COOKIE</code>, <code>$ICWS_PASSWORD</code>):</p>\n\
             <pre class=\"curl\">{}</pre>",
            escape(&r.curl)
        );
    }
    if !r.attempts.is_empty() {
        let _ = writeln!(
            out,
            "<p>Attempts ({}):</p>\n<ol class=\"attempts\">",
            r.attempts.len()
        );
        for a in &r.attempts {
            let _ = write!(
                out,
                "<li>{} · {}{}",
                escape(&a.outcome),
                duration_text(a.elapsed),
                if a.stale {
                    " · a pooled connection closed while idle: sent again on a new one"
                } else {
                    ""
                }
            );
            if let Some(got) = &a.received {
                received(out, got);
            }
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    out.push_str("</section>\n");
}

/// A response as received: status line, headers and the body's beginning.
fn received(out: &mut String, got: &crate::run::client::Received) {
    let headers: Vec<String> = got
        .headers
        .iter()
        .map(|(n, v)| format!("{n}: {v}"))
        .collect();
    let size = if got.cut {
        format!(
            "the first {} of {} bytes",
            crate::run::client::SHOWN_BODY_BYTES,
            got.body_bytes
        )
    } else {
        format!("{} bytes", got.body_bytes)
    };
    let _ = write!(
        out,
        "\n<details class=\"received\"><summary>Received: {} {} · {} header(s) · body {}</summary>\n\
         <pre class=\"headers\">{}</pre>\n<pre class=\"body\">{}</pre>\n</details>",
        escape(&got.version),
        got.status,
        got.headers.len(),
        escape(&size),
        escape(&headers.join("\n")),
        escape(&got.body)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralizes_markup_and_invisible_characters() {
        assert_eq!(
            escape(r#"<a href="x" title='y'>&amp;</a>"#),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;"
        );
        assert_eq!(
            escape("a\u{202e}b\u{1b}[31m\u{fffe}\n\t"),
            "a\\u{202e}b\\u{1b}[31m\\u{fffe}\n\t"
        );
        assert_eq!(escape("plain ✔ text"), "plain ✔ text");
    }
}
