//! Stage 3, **check**: one case's expectations × one exchange → every
//! finding (not only the first), and the only place findings are made. Pure:
//! no I/O, no printing. [`check`] takes the case, the exchange and a
//! [`CheckContext`] (the compiled schemas, `--strict`, what the login said)
//! and goes in three steps: the status ([`status_step`]: an unexpected one
//! ends the check), the headers ([`headers_step`]: the challenge, the
//! case's header expectations, the login's session headers, the media
//! type), and the body ([`body_step`]: parsed once by [`json`], then the
//! case's [`schema`], the catalogue [`rules`], and under `--strict` the
//! undocumented members of [`extras`]). A case whose session step failed
//! gets its finding from [`setup_failed`]; a catalogue's [`snapshot`]
//! comparison reads the body this check parsed.
//!
//! A links case's links, loaded by the run stage, are judged by [`links`]
//! (POL-ICON-1), beside the check of the catalogue's exchange.
//!
//! Adding a catalogue rule: its function and one line in [`rules::apply`],
//! its field in the case format (`load::case::Rules`); nothing here
//! changes (the recipe: `docs/src/recipes/add-a-catalogue-rule.md`).

pub mod bound;
pub mod cors;
pub mod extras;
pub mod headers;
pub mod json;
pub mod links;
pub mod rules;
pub mod schema;
pub mod snapshot;

use serde_json::Value;

use crate::finding::{Finding, Place, SHOWN_CHARS, shorten};
use crate::load::case::{Browser, Case, ChallengeRule, Endpoint, MediaClass, SessionUse};
use crate::load::schema::Schemas;
use crate::run::client::{Exchange, Response};
use crate::spec::DOCUMENTED_STATUSES;
use bound::Bounded;
pub use json::{body_excerpt, duplicate_keys, parse_json, parse_json_noting_repeats};

/// What a check needs besides the case and the exchange.
#[derive(Debug, Clone, Copy)]
pub struct CheckContext<'a> {
    /// Every schema, compiled once.
    pub schemas: &'a Schemas,
    /// `--strict`: undocumented members are reported (POL-EXTRA-1).
    pub strict: bool,
    /// The `features` list of the run's login (`?include=features`), when it
    /// had one: the second documented place for SES-FEAT-1.
    pub login_features: Option<&'a Value>,
    /// `--origin`: the browser page's origin the `browser` cases act from.
    pub origin: Option<&'a str>,
}

impl<'a> CheckContext<'a> {
    /// Schemas only: not strict, no login features.
    pub fn new(schemas: &'a Schemas) -> Self {
        Self {
            schemas,
            strict: false,
            login_features: None,
            origin: None,
        }
    }
}

/// What the check of one exchange came to.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    /// Every finding, bounded per requirement ([`bound`]).
    pub findings: Vec<Finding>,
    /// Notes for the reader (a feature found at the login, vendor
    /// extensions seen), each starting with the case's name.
    pub notes: Vec<String>,
    /// The body, parsed once, when the answer had an expected status and a
    /// JSON body the case reads.
    pub body: Option<Value>,
}

/// True when the case allows `status`: one of its list, or for a CORS
/// preflight any 2xx (Fetch's "ok status").
fn status_allowed(case: &Case, status: u16) -> bool {
    case.expect.status.contains(&status)
        || (case.browser == Some(Browser::Preflight) && (200..300).contains(&status))
}

/// Every finding of `case` on `exchange`, within the limits of [`bound`]
/// (the first findings of each requirement, and how many more).
pub fn check(case: &Case, exchange: &Exchange, ctx: &CheckContext<'_>) -> CheckOutcome {
    let mut out = Bounded::default();
    let (mut body, mut extras) = (None, extras::Extras::default());
    match &exchange.outcome {
        Err(why) => out.push(Finding::must(
            case.subject(),
            Place::Transport,
            "no complete response",
            "a complete HTTP response",
            why.clone(),
        )),
        Ok(resp) if !status_allowed(case, resp.status) => {
            status_step(case, resp, ctx.schemas, &mut out);
        }
        Ok(resp) => {
            headers_step(case, resp, &mut out);
            if let Some(origin) = ctx.origin {
                out.extend(cors::check(case, resp, origin));
            }
            (body, extras) = body_step(case, resp, ctx, &mut out);
        }
    }
    let mut findings = out.finish();
    let mut notes = Vec::new();
    if let Some(note) = feature_at_login(case, ctx, &findings) {
        findings.retain(|f| !is_not_advertised(f));
        notes.push(format!("{}: {note}", case.name));
    }
    // Undocumented members carry their own bound (one walk of the body).
    findings.extend(extras.findings);
    notes.extend(
        extras
            .notes
            .into_iter()
            .map(|n| format!("{}: {n}", case.name)),
    );
    CheckOutcome {
        findings,
        notes,
        body,
    }
}

/// A session step the case needed (a login of its own, a second session,
/// the disconnect of the one it ends) failed: the case could not run, and
/// this finding says which step and why.
pub fn setup_failed(req: &'static str, what: &str, why: &str) -> Finding {
    Finding::must(
        req,
        Place::Transport,
        what,
        "the session step to succeed",
        why,
    )
}

/// An answer whose status the case does not allow: which requirement that
/// breaks, an undocumented status, and whether a documented error status
/// still has its error object. Nothing else is checked on such an answer.
fn status_step(case: &Case, resp: &Response, schemas: &Schemas, out: &mut Bounded) {
    let expect = &case.expect;
    let allowed: Vec<String> = expect.status.iter().map(u16::to_string).collect();
    let mut message = "unexpected status".to_owned();
    if let (Some(what), true) = (case.accepted_in_words(), (200..300).contains(&resp.status)) {
        message = format!("SECURITY: {what}");
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
    let req = status_req(case, resp.status);
    if req == "REQ-REQ-1" {
        message = format!(
            "the documented path GET /icws/{{sessionId}}/status/status-messages is not \
             served: it answered {}",
            resp.status
        );
    }
    out.push(Finding::must(
        req,
        Place::Status,
        message,
        allowed.join(" or "),
        actual,
    ));
    // A preflight's status is CORS's, not the documented resource's.
    if case.endpoint == Endpoint::StatusMessages
        && case.browser != Some(Browser::Preflight)
        && !DOCUMENTED_STATUSES.contains(&resp.status)
    {
        let documented: Vec<String> = DOCUMENTED_STATUSES.iter().map(u16::to_string).collect();
        out.push(Finding::must(
            "REQ-STATUS-1",
            Place::Status,
            "a status code the documentation does not give for this resource",
            documented.join(", "),
            resp.status.to_string(),
        ));
    }
    out.extend(unexpected_error_shape(resp, schemas));
}

/// The headers of an answer with an expected status: the ICWS challenge of
/// a 401, the case's header expectations, the login's session headers and
/// the JSON media type.
fn headers_step(case: &Case, resp: &Response, out: &mut Bounded) {
    let expect = &case.expect;
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
    // The login rule is the login case's; a browser login checks CORS.
    if case.endpoint == Endpoint::Login && case.browser.is_none() {
        let named =
            ["ININ-ICWS-Session-ID", "ININ-ICWS-CSRF-Token"].map(|n| (n, resp.header_values(n)));
        out.extend(rules::login_headers(&named, &resp.body));
    }
    if expect.media_type == Some(MediaClass::Json) {
        let ct = resp.header_values("content-type").into_iter().next();
        out.extend(headers::check_json_media_type(ct.as_deref()));
    }
}

/// The body of an answer with an expected status, when the case reads it
/// (or keeps a snapshot of it): parsed once and returned, then repeated
/// names, the schema, the catalogue rules, and under `--strict` the
/// undocumented members (returned apart: they carry their own bound).
fn body_step(
    case: &Case,
    resp: &Response,
    ctx: &CheckContext<'_>,
    out: &mut Bounded,
) -> (Option<Value>, extras::Extras) {
    let expect = &case.expect;
    let none = || (None, extras::Extras::default());
    let schema = expect.schema.as_deref().and_then(|n| ctx.schemas.get(n));
    let body_req = schema.map_or(case.subject(), |s| s.root_req());
    let wants_json =
        expect.media_type == Some(MediaClass::Json) || schema.is_some() || expect.rules.any();
    if !wants_json && case.snapshot.is_none() {
        return none();
    }
    let (body, repeated) = match parse_json_noting_repeats(&resp.body) {
        Ok(v) => v,
        Err(why) => {
            if wants_json {
                out.push(Finding::must(
                    body_req,
                    Place::Body(String::new()),
                    "the body is not JSON",
                    "a JSON document",
                    why,
                ));
            }
            return none();
        }
    };
    if !wants_json {
        // Parsed for the snapshot only.
        return (Some(body), extras::Extras::default());
    }
    for ptr in repeated {
        out.push(
            Finding::must(
                "POL-JSON-1",
                Place::Body(ptr),
                "this member's name appears twice in its object: parsers disagree on which value counts",
                "each name once in an object (RFC 8259 §4)",
                "the same name again",
            )
            .interop(),
        );
    }
    if let Some(schema) = schema {
        schema.check_into(&body, out);
        if schema.root_req() == "REQ-200-1" {
            out.extend(rules::empty_catalogue(&body));
        }
    }
    rules::apply(&expect.rules, &body, out);
    let extras = match (ctx.strict, schema) {
        (true, Some(schema)) => extras::undocumented(schema, &body),
        _ => extras::Extras::default(),
    };
    (Some(body), extras)
}

/// SES-FEAT-1 holds when either documented place lists the feature: when
/// the listing does not advertise the feature but the run's login
/// (`?include=features`) lists it, that finding goes and this note says
/// why. A listing that breaks its documented shape still fails.
fn feature_at_login(case: &Case, ctx: &CheckContext<'_>, found: &[Finding]) -> Option<String> {
    let (id, min) = case.expect.rules.feature.as_ref()?;
    if !found.iter().any(is_not_advertised) {
        return None;
    }
    let listed = serde_json::json!({ "featureInfoList": ctx.login_features?.clone() });
    if !rules::lists_feature(&listed, id, *min) {
        return None;
    }
    Some(format!(
        "feature {id:?} is not listed by GET /icws/connection/features but is by the login \
         (?include=features); either place counts (SES-FEAT-1)"
    ))
}

/// The finding that a feature is not advertised.
fn is_not_advertised(f: &Finding) -> bool {
    f.req == "SES-FEAT-1" && f.message.starts_with(rules::NOT_ADVERTISED)
}

/// The requirement an unexpected status breaks, from what was sent and
/// what came (never from the case's `reqs`). A 404 or 405 for a path that
/// names a live session says the documented path is not served
/// (REQ-REQ-1). Where only errors were due and another error came, the
/// documented meaning of the allowed statuses: REQ-400-1 for a request
/// without a required header, else REQ-401-1 (or REQ-400-1 when only 400 is
/// allowed). Otherwise what the request puts to the test ([`Case::subject`]:
/// the token that should have been refused, the catalogue that should have
/// come).
fn status_req(case: &Case, got: u16) -> &'static str {
    let live_path = !matches!(case.session, SessionUse::Unknown | SessionUse::Ended);
    if case.endpoint == Endpoint::StatusMessages && live_path && matches!(got, 404 | 405) {
        return "REQ-REQ-1";
    }
    let success = |s: &u16| (200..300).contains(s);
    let allowed = &case.expect.status;
    if allowed.iter().any(success) || success(&got) {
        return case.subject();
    }
    let allows = |s: u16| allowed.contains(&s);
    if allows(400) && (case.omits_a_header() || !allows(401)) {
        "REQ-400-1"
    } else if allows(401) {
        "REQ-401-1"
    } else {
        case.subject()
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
