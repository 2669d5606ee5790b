//! Stage 3, **check**: one case's expectations × one exchange → every
//! finding (not only the first). Pure: no I/O, no printing. The order of the
//! checks is status, headers ([`headers`]), media type, body (JSON,
//! [`schema`]), catalogue rules ([`rules`]).

pub mod bound;
pub mod headers;
pub mod rules;
pub mod schema;

use serde_json::Value;

use crate::finding::{Finding, Place, SHOWN_CHARS, shorten};
use crate::load::case::{Case, ChallengeRule, MediaClass};
use crate::load::schema::Schemas;
use crate::run::client::{Exchange, Response};
use crate::spec::DOCUMENTED_STATUSES;
use bound::Bounded;

/// Every finding of `case` on `exchange`, within the limits of [`bound`]
/// (the first findings of each requirement, and how many more).
pub fn check(case: &Case, exchange: &Exchange, schemas: &Schemas) -> Vec<Finding> {
    let mut out = Bounded::default();
    check_into(case, exchange, schemas, &mut out);
    out.finish()
}

fn check_into(case: &Case, exchange: &Exchange, schemas: &Schemas, out: &mut Bounded) {
    let primary = case.reqs.first().copied().unwrap_or("REQ-REQ-1");
    let resp = match &exchange.outcome {
        Ok(r) => r,
        Err(why) => {
            out.push(Finding::must(
                primary,
                Place::Transport,
                "no complete response",
                "a complete HTTP response",
                why.clone(),
            ));
            return;
        }
    };
    let expect = &case.expect;
    if !expect.status.contains(&resp.status) {
        let allowed: Vec<String> = expect.status.iter().map(u16::to_string).collect();
        let mut message = "unexpected status".to_owned();
        if let (Some(what), true) = (
            case.foreign_credentials(),
            (200..300).contains(&resp.status),
        ) {
            message = format!(
                "SECURITY: the server accepted {what} under session B's id; one user could act \
                 with another user's session"
            );
        }
        if !DOCUMENTED_STATUSES.contains(&resp.status) {
            message.push_str(" (not one the documentation gives: REQ-STATUS-1)");
        }
        let location = resp.header_values("location");
        let excerpt = match location.first() {
            Some(to) if (300..400).contains(&resp.status) => format!(
                "redirect to {} (not followed: the token and cookie stay with the target)",
                shorten(to, SHOWN_CHARS)
            ),
            _ => body_excerpt(&resp.body),
        };
        let actual = if excerpt.is_empty() {
            resp.status.to_string()
        } else {
            format!("{} {excerpt}", resp.status)
        };
        out.push(Finding::must(
            primary,
            Place::Status,
            message,
            allowed.join(" or "),
            actual,
        ));
        out.extend(unexpected_error_shape(resp, schemas));
        return;
    }

    if resp.status == 401 && expect.www_authenticate == Some(ChallengeRule::Icws) {
        out.extend(headers::check_icws_challenge(
            &resp.header_values("www-authenticate"),
        ));
    }
    for h in &expect.headers {
        let values = resp.header_values(h.name.as_str());
        let place = || Place::Header(h.name.to_string());
        match (h.present, values.is_empty()) {
            (true, true) => out.push(Finding::must(
                h.req,
                place(),
                "required header is missing",
                "present",
                "(absent)",
            )),
            (false, false) => out.push(Finding::must(
                h.req,
                place(),
                "header must not be sent",
                "(absent)",
                shorten(&values.join(" | "), SHOWN_CHARS),
            )),
            _ => {}
        }
        if let Some(re) = &h.matches {
            for v in values.iter().filter(|v| !re.is_match(v)) {
                out.push(Finding::must(
                    h.req,
                    place(),
                    "header value does not match",
                    format!("matches /{re}/"),
                    shorten(v, SHOWN_CHARS),
                ));
            }
        }
    }

    let schema = expect.schema.as_deref().and_then(|n| schemas.get(n));
    let body_req = schema.map_or(primary, |s| s.root_req());
    let wants_json =
        expect.media_type == Some(MediaClass::Json) || schema.is_some() || has_rules(case);
    if expect.media_type == Some(MediaClass::Json) {
        let ct = resp.header_values("content-type").into_iter().next();
        out.extend(headers::check_json_media_type(ct.as_deref()));
    }
    if !wants_json {
        return;
    }
    let body = match parse_json(&resp.body) {
        Ok(v) => v,
        Err(why) => {
            out.push(Finding::must(
                body_req,
                Place::Body(String::new()),
                "the body is not JSON",
                "a JSON document",
                why,
            ));
            return;
        }
    };
    if let Some(schema) = schema {
        schema.check_into(&body, out);
    }
    let r = &expect.rules;
    if r.unique_status_ids {
        rules::unique_status_ids_into(&body, out);
    }
    if r.unique_system_ids {
        rules::unique_system_ids_into(&body, out);
    }
    if !r.status_ids_present.is_empty() {
        out.extend(rules::status_ids_present(&body, &r.status_ids_present));
    }
    if let Some((id, min)) = &r.feature {
        out.extend(rules::feature_advertised(&body, id, *min));
    }
}

/// An unexpected but documented error status must still carry the error
/// object the documentation gives for it (REQ-400-1, REQ-401-1, REQ-410-1,
/// REQ-500-1): the finding names that status's requirement.
fn unexpected_error_shape(resp: &Response, schemas: &Schemas) -> Vec<Finding> {
    let req = match resp.status {
        400 => "REQ-400-1",
        401 => "REQ-401-1",
        410 => "REQ-410-1",
        500 => "REQ-500-1",
        _ => return Vec::new(),
    };
    let Some(schema) = schemas.get("error") else {
        return Vec::new();
    };
    let status = resp.status;
    let findings = match parse_json(&resp.body) {
        Ok(body) => schema.check(&body),
        Err(why) => vec![Finding::must(req, Place::Body(String::new()), "", "", why)],
    };
    findings
        .into_iter()
        .map(|f| Finding {
            req,
            message: format!(
                "the {status} answer lacks the documented error object: {}",
                f.message
            )
            .trim_end_matches(": ")
            .to_owned(),
            expected: if f.expected.is_empty() {
                "a JSON error object with a String message".into()
            } else {
                f.expected
            },
            ..f
        })
        .collect()
}

fn has_rules(case: &Case) -> bool {
    let r = &case.expect.rules;
    r.unique_status_ids
        || r.unique_system_ids
        || !r.status_ids_present.is_empty()
        || r.feature.is_some()
}

/// Parses a body as JSON; the error says where and what.
pub fn parse_json(body: &[u8]) -> Result<Value, String> {
    if body.is_empty() {
        return Err("an empty body".into());
    }
    if let Err(e) = std::str::from_utf8(body) {
        return Err(format!("invalid UTF-8 at byte {}", e.valid_up_to()));
    }
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "truncated JSON",
            _ => "invalid JSON",
        };
        format!("{what}: {e} ({} bytes: {})", body.len(), body_excerpt(body))
    })
}

/// The start of a body, as text, for messages.
pub fn body_excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(400)];
    let text = String::from_utf8_lossy(head);
    shorten(
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .as_str(),
        80,
    )
}
