//! The JSON report (`--report-json`), its shape documented by
//! `schemas/report/report.schema.json`, built from the [`RunRecord`].

use serde_json::{Value, json};

use super::millis;
use crate::check::links::LinkResult;
use crate::finding::{Finding, Place};
use crate::record::{CaseRecord, RunRecord};
use crate::run::client::Received;

/// The `format` field of the JSON report; bumped on incompatible changes.
pub const JSON_FORMAT: &str = "icws-conformance-report/1";

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

/// The request as sent, with its replay; `null` when the case sent none.
fn sent_json(c: &CaseRecord) -> Value {
    let r = &c.request;
    if r.url.is_empty() {
        return Value::Null;
    }
    json!({
        "url": r.url,
        "headers": r.headers,
        "body": r.body,
        "curl": r.curl,
    })
}

fn received_json(got: &Received) -> Value {
    json!({
        "status": got.status,
        "httpVersion": got.version,
        "headers": got.headers.iter().map(|(n, v)| json!([n, v])).collect::<Vec<_>>(),
        "body": got.body,
        "bodyBytes": got.body_bytes,
        "bodyCut": got.cut,
    })
}

fn link_json(l: &LinkResult) -> Value {
    json!({
        "pointer": l.pointer,
        "uses": l.uses,
        "url": l.url,
        "finalUrl": l.final_url,
        "redirects": l.redirects,
        "sameOrigin": l.same_origin,
        "status": l.status,
        "mediaType": l.media_type,
        "bytes": l.bytes,
        "state": l.state.as_str(),
        "problem": l.problem,
        "durationMs": l.elapsed_ms,
    })
}

fn case_json(c: &CaseRecord) -> Value {
    let mut case = json!({
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
        "description": c.description,
        "request": c.request.line,
        "sent": sent_json(c),
        "attempts": c.request.attempts.iter().map(|a| json!({
            "outcome": a.outcome,
            "durationMs": millis(a.elapsed),
            "response": a.received.as_ref().map(received_json),
        })).collect::<Vec<_>>(),
        "findings": c.findings.iter().zip(&c.failing)
            .map(|(f, failing)| finding_json(f, *failing)).collect::<Vec<_>>(),
    });
    // A links case's links; other cases have no such member.
    if !c.links.is_empty() {
        case["links"] = c.links.iter().map(link_json).collect();
    }
    case
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
        "passed": run.passed(),
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
        "traffic": {
            "requests": run.traffic.requests,
            "logins": run.traffic.logins,
            "waitedMs": u64::try_from(run.traffic.waited.as_millis()).unwrap_or(u64::MAX),
        },
        "notes": run.notes,
        "cases": run.cases.iter().map(case_json).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}
