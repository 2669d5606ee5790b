//! Bounded fuzzing in `cargo test` (proptest): the case loader and the
//! response checker take arbitrary input without panicking, and a valid
//! catalogue stays finding-free. Inputs that once broke something, and
//! hand-picked hostile ones, live in `tests/corpus/` and are replayed by
//! `corpus_replays_without_panic` on every run. `PROPTEST_CASES` raises the
//! number of cases for a longer local session.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Duration;

use icws_conformance::check;
use icws_conformance::check::headers;
use icws_conformance::load::Schemas;
use icws_conformance::load::{self, Case, case};
use icws_conformance::run::client::{Exchange, Response};
use icws_refserver::catalogue;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;

/// Every finding of `case` on `ex` (not strict, no login features).
fn check_findings(
    case: &Case,
    ex: &Exchange,
    schemas: &Schemas,
) -> Vec<icws_conformance::finding::Finding> {
    check::check(case, ex, &check::CheckContext::new(schemas)).findings
}

fn schemas() -> Schemas {
    Schemas::shipped().unwrap()
}

fn shipped_cases() -> Vec<Case> {
    load::load_all(&[], &schemas()).unwrap()
}

fn shipped_texts() -> Vec<String> {
    icws_conformance::embedded::CASES
        .iter()
        .map(|(_, t)| (*t).to_owned())
        .collect()
}

fn exchange(status: u16, headers: HeaderMap, body: Vec<u8>) -> Exchange {
    Exchange {
        request_line: "GET /icws/1/status/status-messages".into(),
        sent: Default::default(),
        outcome: Ok(Response {
            status,
            headers,
            body,
            version: "HTTP/1.1".into(),
        }),
        elapsed: Duration::ZERO,
        attempts: Vec::new(),
        busy: None,
    }
}

fn json_headers() -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert(
        "content-type",
        HeaderValue::from_static("application/vnd.inin.icws+JSON"),
    );
    h
}

/// Any JSON value, a few levels deep.
fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        "[0-9]{1,4}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("statusId".to_owned()),
                    Just("systemId".to_owned()),
                    Just("statusMessageList".to_owned()),
                    Just("message".to_owned()),
                    Just("featureInfoList".to_owned()),
                    ".{0,8}"
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        "ICWS( [a-z]{0,6}=(\"[^\"]{0,8}\"?|[a-z/]{0,6}),?){0,4}".prop_map(String::into_bytes),
        "(application|text)/[a-z.+]{0,20}(; ?[a-z]{0,8}=[a-z0-9-]{0,8}){0,2}"
            .prop_map(String::into_bytes),
    ]
}

fn config() -> ProptestConfig {
    ProptestConfig {
        // Bounded for CI; PROPTEST_CASES overrides.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(192),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    /// The scrubber takes any text and never lets a registered secret (of
    /// four or more characters) through, whatever surrounds it: markers,
    /// ellipses, other secrets, control characters.
    #[test]
    fn scrubber_takes_any_text_and_lets_no_secret_through(
        secret in "(?s).{4,24}",
        other in "(?s).{0,24}",
        before in "(?s).{0,40}",
        after in "(?s).{0,40}",
        text in "(?s).{0,200}",
    ) {
        let r = icws_conformance::secret::Redactor::default();
        r.add(&secret);
        r.add(&other);
        let _ = r.scrub(&text);
        let _ = r.scrub_value(&text);
        let out = r.scrub(&format!("{before}{secret}{after}"));
        // The secret can only survive where it overlaps a marker the
        // scrubber wrote itself.
        prop_assert!(
            !out.replace(icws_conformance::secret::REDACTED, "\u{0}").contains(&secret)
                || secret.contains('\u{0}'),
            "{:?} in {:?}", secret, out
        );
    }

    #[test]
    fn loader_takes_any_text(text in "(?s).{0,400}") {
        let _ = case::parse_case("fuzz.toml", "fuzz/case", &text, &schemas());
    }

    #[test]
    fn loader_takes_any_edit_of_a_shipped_case(
        which in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        cut in 0usize..24,
        insert in "(?s).{0,12}",
    ) {
        let texts = shipped_texts();
        let text = which.get(&texts);
        let chars: Vec<char> = text.chars().collect();
        let i = at.index(chars.len() + 1);
        let edited: String = chars[..i]
            .iter()
            .chain(insert.chars().collect::<Vec<_>>().iter())
            .chain(chars[(i + cut).min(chars.len())..].iter())
            .collect();
        if let Err(errors) = case::parse_case("fuzz.toml", "fuzz/case", &edited, &schemas()) {
            for e in errors {
                // Every error names a real place in the file.
                prop_assert!(e.line >= 1 && e.line <= edited.lines().count().max(1) + 1, "{e}");
                prop_assert!(e.col >= 1, "{e}");
                let _ = e.render();
            }
        }
    }

    #[test]
    fn checker_takes_any_bytes_and_headers(
        body in prop::collection::vec(any::<u8>(), 0..512),
        status in prop::sample::select(vec![200u16, 201, 204, 302, 400, 401, 403, 404, 410, 500, 599]),
        content_type in arb_header_value(),
        challenge in arb_header_value(),
        which in any::<prop::sample::Index>(),
    ) {
        let cases = shipped_cases();
        let case = which.get(&cases);
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(&content_type) {
            headers.insert("content-type", v);
        }
        if let Ok(v) = HeaderValue::from_bytes(&challenge) {
            headers.insert(HeaderName::from_static("www-authenticate"), v);
        }
        let _ = check_findings(case, &exchange(status, headers, body), &schemas());
        let _ = headers::parse_challenges(&String::from_utf8_lossy(&challenge));
    }

    #[test]
    fn checker_takes_any_json(value in arb_json(), wrap in any::<bool>(), which in any::<prop::sample::Index>()) {
        let cases = shipped_cases();
        let case = which.get(&cases);
        let value = if wrap {
            serde_json::json!({ "statusMessageList": [value.clone(), value] })
        } else {
            value
        };
        let body = serde_json::to_vec(&value).unwrap();
        for status in [200u16, 401, 500] {
            let _ = check_findings(case, &exchange(status, json_headers(), body.clone()), &schemas());
        }
    }

    #[test]
    fn a_changed_property_is_always_found(
        message in 0usize..21,
        property in 0usize..14,
        value in arb_json(),
    ) {
        let cases = shipped_cases();
        let catalog = cases.iter().find(|c| c.name == "status-messages/catalog").unwrap();
        let mut body = catalogue::catalogue("1");
        let clean = check_findings(catalog, &exchange(200, json_headers(), serde_json::to_vec(&body).unwrap()), &schemas());
        prop_assert!(clean.is_empty(), "{clean:?}");
        let name = catalogue::PROPERTIES[property];
        let slot = &mut body["statusMessageList"][message][name];
        let same_type = std::mem::discriminant(slot) == std::mem::discriminant(&value);
        *slot = value;
        let findings = check_findings(catalog, &exchange(200, json_headers(), serde_json::to_vec(&body).unwrap()), &schemas());
        if !same_type {
            // A value of another JSON type breaks the property's rule.
            let req = format!("REQ-MSG-{name}");
            prop_assert!(findings.iter().any(|f| f.req == req), "{name} → {findings:?}");
        }
    }
}

/// Every file of `tests/corpus/` goes through the loader (`cases/`) or the
/// checker (`bodies/`, against every shipped case) without a panic.
#[test]
fn corpus_replays_without_panic() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let schemas = schemas();
    let cases = shipped_cases();
    let mut seen = 0;
    for entry in std::fs::read_dir(root.join("cases")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let _ = case::parse_case(&path.display().to_string(), "corpus/case", &text, &schemas);
        seen += 1;
    }
    for entry in std::fs::read_dir(root.join("bodies")).unwrap() {
        let path = entry.unwrap().path();
        let body = std::fs::read(&path).unwrap();
        for case in &cases {
            for status in [200u16, 401, 500] {
                let _ = check_findings(
                    case,
                    &exchange(status, json_headers(), body.clone()),
                    &schemas,
                );
            }
        }
        seen += 1;
    }
    assert!(seen >= 8, "the corpus is missing: {seen} files");
}
