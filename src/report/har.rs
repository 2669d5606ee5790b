//! The HAR report (`--report-har`): every attempt of every case's checked
//! request as a HAR 1.2 entry (the format browsers' DevTools open), built
//! from the [`RunRecord`] scrubbed as data like every other report — secrets
//! are `<redacted>`, bodies are the beginning the record keeps (an entry's
//! `content.comment` says when one is cut). An attempt that got no
//! response is an entry with status 0 and `_error` saying why, as browsers
//! write a failed request. Its shape is checked by the tests against
//! `schemas/report/har.schema.json`, written from the HAR 1.2 specification.

use serde_json::{Value, json};

use super::millis;
use crate::record::{CaseRecord, RunRecord};
use crate::run::client::{Attempt, Received};

/// The HAR document of a run (pretty-printed, ends with a newline).
pub fn har(run: &RunRecord) -> String {
    let entries: Vec<Value> = run
        .cases
        .iter()
        .flat_map(|c| c.request.attempts.iter().map(move |a| entry(c, a)))
        .collect();
    let doc = json!({
        "log": {
            "version": "1.2",
            "creator": {"name": env!("CARGO_PKG_NAME"), "version": env!("CARGO_PKG_VERSION")},
            "entries": entries,
            "comment": "Each case's checked request, every attempt; secrets replaced by <redacted>; \
                        bodies cut at the length the record keeps.",
        }
    });
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// `Name: value` → a HAR name/value pair.
fn pair(header: &str) -> Value {
    let (name, value) = header.split_once(':').unwrap_or((header, ""));
    json!({"name": name.trim(), "value": value.trim_start()})
}

fn method(line: &str) -> &str {
    line.split_once(' ').map_or(line, |(m, _)| m)
}

fn query(url: &str) -> Vec<Value> {
    let Some((_, q)) = url.split_once('?') else {
        return Vec::new();
    };
    let q = q.split('#').next().unwrap_or_default();
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (n, v) = p.split_once('=').unwrap_or((p, ""));
            json!({"name": n, "value": v})
        })
        .collect()
}

fn entry(c: &CaseRecord, a: &Attempt) -> Value {
    let r = &c.request;
    let started: chrono::DateTime<chrono::Utc> = a.started.into();
    let version = a
        .received
        .as_ref()
        .map_or("HTTP/1.1", |got| got.version.as_str());
    let content_type = r
        .headers
        .iter()
        .find_map(|h| {
            h.split_once(':')
                .filter(|(n, _)| n.trim().eq_ignore_ascii_case("content-type"))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_default();
    let mut request = json!({
        "method": method(&r.line),
        "url": r.url,
        "httpVersion": version,
        "cookies": [],
        "headers": r.headers.iter().map(|h| pair(h)).collect::<Vec<_>>(),
        "queryString": query(&r.url),
        "headersSize": -1,
        // The body shown is scrubbed: its length is not the length sent.
        "bodySize": if r.body.is_some() { -1 } else { 0 },
    });
    if let Some(body) = &r.body {
        request["postData"] = json!({"mimeType": content_type, "text": body});
    }
    let wait = millis(a.elapsed);
    let mut entry = json!({
        "startedDateTime": started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "time": wait,
        "request": request,
        "response": response(a.received.as_ref()),
        "cache": {},
        "timings": {"send": 0, "wait": wait, "receive": 0},
        "comment": format!("{} ({})", c.name, c.verdict.as_str()),
    });
    if a.received.is_none() {
        entry["_error"] = Value::from(a.outcome.clone());
    }
    entry
}

fn response(got: Option<&Received>) -> Value {
    let Some(got) = got else {
        return json!({
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        });
    };
    let header = |name: &str| {
        got.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut content = json!({
        "size": got.body_bytes,
        "mimeType": header("content-type"),
        "text": got.body,
    });
    if got.cut {
        content["comment"] = Value::from(format!(
            "the first {} of {} bytes",
            crate::run::client::SHOWN_BODY_BYTES,
            got.body_bytes
        ));
    }
    json!({
        "status": got.status,
        "statusText": reqwest::StatusCode::from_u16(got.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or(""),
        "httpVersion": got.version,
        "cookies": [],
        "headers": got.headers.iter().map(|(n, v)| json!({"name": n, "value": v})).collect::<Vec<_>>(),
        "content": content,
        "redirectURL": header("location"),
        "headersSize": -1,
        // The length on the wire (before content decoding) is not kept.
        "bodySize": -1,
    })
}
