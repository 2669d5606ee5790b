//! Stage 3, **check**: one case's expectations × one exchange → every
//! finding (not only the first). Pure: no I/O, no printing. The order of the
//! checks is status, headers ([`headers`]), media type, body (JSON,
//! [`schema`]), catalogue rules ([`rules`]).

pub mod bound;
pub mod extras;
pub mod headers;
pub mod rules;
pub mod schema;

use serde_json::Value;

use crate::finding::{Finding, Place, SHOWN_CHARS, shorten};
use crate::load::case::{Case, ChallengeRule, Endpoint, MediaClass, SessionUse};
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
    let primary = case.subject();
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
        if case.endpoint == Endpoint::StatusMessages && !DOCUMENTED_STATUSES.contains(&resp.status)
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

    if case.endpoint == Endpoint::Login {
        let named =
            ["ININ-ICWS-Session-ID", "ININ-ICWS-CSRF-Token"].map(|n| (n, resp.header_values(n)));
        out.extend(rules::login_headers(&named, &resp.body));
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
    let (body, repeated) = match parse_json_noting_repeats(&resp.body) {
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

fn has_rules(case: &Case) -> bool {
    let r = &case.expect.rules;
    r.unique_status_ids
        || r.unique_system_ids
        || !r.status_ids_present.is_empty()
        || r.feature.is_some()
}

/// The most repeated names reported for one body.
const MAX_DUPLICATES: usize = 100;

/// [`parse_json`], in the same single pass also noting the JSON pointer of
/// every member whose name repeats an earlier one in its object (the value
/// keeps the last, as `serde_json` does; parsers disagree on which counts).
pub fn parse_json_noting_repeats(body: &[u8]) -> Result<(Value, Vec<String>), String> {
    use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use std::borrow::Cow;
    use std::cell::RefCell;

    /// Where a value is: a linked list up to the root, read only on a find.
    #[derive(Clone, Copy)]
    enum Seg<'k> {
        Root,
        Key(&'k str),
        Index(usize),
    }
    struct Path<'p> {
        up: Option<&'p Path<'p>>,
        seg: Seg<'p>,
    }
    impl Path<'_> {
        fn pointer(&self) -> String {
            let mut segs = Vec::new();
            let mut at = Some(self);
            while let Some(p) = at {
                segs.push(p.seg);
                at = p.up;
            }
            segs.iter()
                .rev()
                .map(|s| match s {
                    Seg::Root => String::new(),
                    Seg::Key(k) => format!("/{}", crate::finding::pointer_token(k)),
                    Seg::Index(i) => format!("/{i}"),
                })
                .collect()
        }
    }

    struct Key;
    impl<'de> DeserializeSeed<'de> for Key {
        type Value = Cow<'de, str>;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(self)
        }
    }
    impl<'de> Visitor<'de> for Key {
        type Value = Cow<'de, str>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a member name")
        }
        fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
            Ok(Cow::Borrowed(v))
        }
        fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Cow::Owned(v.to_owned()))
        }
    }

    struct Build<'a, 'p> {
        path: &'p Path<'p>,
        found: &'a RefCell<Vec<String>>,
    }
    impl<'de> DeserializeSeed<'de> for Build<'_, '_> {
        type Value = Value;
        fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Build<'_, '_> {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key_seed(Key)? {
                let here = Path {
                    up: Some(self.path),
                    seg: Seg::Key(&key),
                };
                if out.contains_key(key.as_ref()) && self.found.borrow().len() < MAX_DUPLICATES {
                    self.found.borrow_mut().push(here.pointer());
                }
                let value = map.next_value_seed(Build {
                    path: &here,
                    found: self.found,
                })?;
                out.insert(key.into_owned(), value);
            }
            Ok(Value::Object(out))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            loop {
                let here = Path {
                    up: Some(self.path),
                    seg: Seg::Index(out.len()),
                };
                match seq.next_element_seed(Build {
                    path: &here,
                    found: self.found,
                })? {
                    Some(v) => out.push(v),
                    None => return Ok(Value::Array(out)),
                }
            }
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
    }
    let found = RefCell::new(Vec::new());
    let root = Path {
        up: None,
        seg: Seg::Root,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let built = Build {
        path: &root,
        found: &found,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match built {
        Ok(v) => Ok((v, found.into_inner())),
        // The plain parser words the error (and finds the same one).
        Err(_) => parse_json(body).map(|v| (v, Vec::new())),
    }
}

/// JSON pointers of the members whose name repeats an earlier one in the
/// same object (see [`parse_json_noting_repeats`]).
pub fn duplicate_keys(body: &[u8]) -> Vec<String> {
    parse_json_noting_repeats(body).map_or_else(|_| Vec::new(), |(_, d)| d)
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

/// The start of a body, as text, for messages: leading whitespace skipped,
/// at most 80 characters, `…` where it was cut. Characters are kept as sent
/// (never squeezed: the output gate must see a secret whole to hide it, and
/// renders control characters escaped).
pub fn body_excerpt(body: &[u8]) -> String {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let rest = &body[start..];
    let head = &rest[..rest.len().min(400)];
    let text = String::from_utf8_lossy(head);
    let mut out = shorten(&text, 80);
    if head.len() < rest.len() && !out.ends_with('…') {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_found_with_their_pointers() {
        let body = br#"{"a":1,"l":[{"x":1,"x":2},{"y/z":[],"y/z":{}}],"a":3}"#;
        assert_eq!(duplicate_keys(body), ["/l/0/x", "/l/1/y~1z", "/a"]);
        assert!(duplicate_keys(br#"{"a":{"a":1},"b":[1,2]}"#).is_empty());
        assert!(duplicate_keys(b"not json").is_empty());
    }
}
