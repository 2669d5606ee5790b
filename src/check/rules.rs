//! The catalogue rules a JSON Schema cannot state: statusIds unique under
//! case-insensitive comparison (REQ-ID-1), expected statusIds matched
//! case-insensitively (REQ-ID-2), systemIds unique (REQ-SYS-1), and a feature
//! advertised at a minimum version (SES-FEAT-1). Elements of the wrong shape
//! are skipped here: the schema reports them.

use std::collections::HashMap;

use serde_json::Value;

use super::bound::Bounded;
use crate::finding::{Finding, Place, SHOWN_CHARS, shorten};
use crate::load::case::Rules;

/// Every rule `rules` asks for, on a parsed body: the one place the check
/// runs catalogue rules (a new rule is one line here, its function below,
/// and its field in [`Rules`]).
pub fn apply(rules: &Rules, body: &Value, out: &mut Bounded) {
    if rules.unique_status_ids {
        unique_status_ids_into(body, out);
    }
    if rules.unique_system_ids {
        unique_system_ids_into(body, out);
    }
    if !rules.status_ids_present.is_empty() {
        out.extend(status_ids_present(body, &rules.status_ids_present));
    }
    if let Some((id, min)) = &rules.feature {
        out.extend(feature_advertised(body, id, *min));
    }
}

/// Folds a string for case-insensitive comparison: Unicode simple case
/// folding (`CaseFolding.txt`, statuses C and S) char by char, from the
/// Unicode data (ICU4X): `ẞ`→`ß`, `ς`→`σ`, `K` (Kelvin)→`k`; `ß`, `İ` and
/// `ı` stay as they are, and the number of characters never changes.
pub fn fold(text: &str) -> String {
    // ASCII folds to lower case (what the data says, without the lookup).
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let folder = icu_casemap::CaseMapper::new();
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_ascii_lowercase()
            } else {
                folder.simple_fold(c)
            }
        })
        .collect()
}

/// The message list of a 200 body, when it has the documented shape.
pub fn message_list(body: &Value) -> Option<&Vec<Value>> {
    body.get("statusMessageList")?.as_array()
}

fn string_members<'a>(
    list: &'a [Value],
    key: &'a str,
) -> impl Iterator<Item = (usize, &'a str)> + 'a {
    list.iter()
        .enumerate()
        .filter_map(move |(i, m)| Some((i, m.get(key)?.as_str()?)))
}

fn pointer(i: usize, key: &str) -> Place {
    Place::Body(format!("/statusMessageList/{i}/{key}"))
}

/// REQ-ID-1: no two statusIds are equal once case-folded.
pub fn unique_status_ids(body: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    unique_status_ids_into(body, &mut out);
    out
}

/// [`unique_status_ids`] into any collector (a bounded one for huge bodies).
pub fn unique_status_ids_into(body: &Value, out: &mut impl Extend<Finding>) {
    let Some(list) = message_list(body) else {
        return;
    };
    let mut seen: HashMap<String, (usize, &str)> = HashMap::new();
    for (i, id) in string_members(list, "statusId") {
        let folded = fold(id);
        if let Some(&(first, first_id)) = seen.get(&folded) {
            let how = if first_id == id {
                "an exact duplicate"
            } else {
                "differs only in letter case"
            };
            out.extend(Some(Finding::must(
                "REQ-ID-1",
                pointer(i, "statusId"),
                format!("statusId repeats /statusMessageList/{first}/statusId ({how})"),
                "a statusId unique under case-insensitive comparison",
                format!(
                    "\"{}\" (already \"{}\" at /statusMessageList/{first})",
                    shorten(id, SHOWN_CHARS),
                    shorten(first_id, SHOWN_CHARS)
                ),
            )));
        } else {
            seen.insert(folded, (i, id));
        }
    }
}

/// REQ-SYS-1 (uniqueness; the digits are the schema's): no two systemIds equal.
pub fn unique_system_ids(body: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    unique_system_ids_into(body, &mut out);
    out
}

/// [`unique_system_ids`] into any collector.
pub fn unique_system_ids_into(body: &Value, out: &mut impl Extend<Finding>) {
    let Some(list) = message_list(body) else {
        return;
    };
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in string_members(list, "systemId") {
        if let Some(&first) = seen.get(id) {
            out.extend(Some(Finding::must(
                "REQ-SYS-1",
                pointer(i, "systemId"),
                format!("systemId repeats /statusMessageList/{first}/systemId"),
                "a systemId unique across the catalogue",
                format!("\"{}\"", shorten(id, SHOWN_CHARS)),
            )));
        } else {
            seen.insert(id, i);
        }
    }
}

/// REQ-ID-2: every expected statusId is present, in any letter case.
pub fn status_ids_present(body: &Value, expected: &[String]) -> Vec<Finding> {
    let Some(list) = message_list(body) else {
        return Vec::new();
    };
    let present: std::collections::HashSet<String> = string_members(list, "statusId")
        .map(|(_, id)| fold(id))
        .collect();
    expected
        .iter()
        .filter(|id| !present.contains(&fold(id)))
        .map(|id| {
            Finding::must(
                "REQ-ID-2",
                Place::Body("/statusMessageList".into()),
                "an expected status message is missing",
                format!("a message with statusId {id:?} (any letter case)"),
                format!("no such statusId among {} messages", list.len()),
            )
        })
        .collect()
}

/// What [`feature_advertised`] says when the feature is not listed.
pub const NOT_ADVERTISED: &str = "the server does not advertise feature";

/// True when `body`'s `featureInfoList` is a list that holds `feature` at
/// `min_version` or later.
pub fn lists_feature(body: &Value, feature: &str, min_version: u64) -> bool {
    body.get("featureInfoList")
        .and_then(Value::as_array)
        .is_some_and(|list| {
            list.iter().any(|f| {
                f.get("featureId").and_then(Value::as_str) == Some(feature)
                    && f.get("version")
                        .and_then(Value::as_u64)
                        .is_some_and(|v| v >= min_version)
            })
        })
}

/// SES-FEAT-1: `featureInfoList` lists `feature` at `min_version` or later.
pub fn feature_advertised(body: &Value, feature: &str, min_version: u64) -> Vec<Finding> {
    let Some(list) = body.get("featureInfoList").and_then(Value::as_array) else {
        return Vec::new();
    };
    let versions: Vec<&Value> = list
        .iter()
        .filter(|f| f.get("featureId").and_then(Value::as_str) == Some(feature))
        .filter_map(|f| f.get("version"))
        .collect();
    if versions
        .iter()
        .any(|v| v.as_u64().is_some_and(|v| v >= min_version))
    {
        return Vec::new();
    }
    let actual = if versions.is_empty() {
        format!("feature {feature:?} not listed")
    } else {
        format!(
            "feature {feature:?} at version {}",
            versions
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    vec![Finding::must(
        "SES-FEAT-1",
        Place::Body("/featureInfoList".into()),
        format!("{NOT_ADVERTISED} {feature:?}"),
        format!("feature {feature:?} at version {min_version} or later"),
        actual,
    )]
}

/// POL-EMPTY-1: an empty `statusMessageList` conforms, but an agent could
/// set no status: an interop finding.
pub fn empty_catalogue(body: &Value) -> Option<Finding> {
    let list = body.get("statusMessageList")?.as_array()?;
    list.is_empty().then(|| {
        Finding::must(
            "POL-EMPTY-1",
            Place::Body("/statusMessageList".into()),
            "the catalogue is empty: it conforms, but an agent could set no status",
            "at least one status message",
            "[]",
        )
        .interop()
    })
}

/// POL-LOGIN-1: the vendor's JavaScript client builds every later request
/// from the 201's `ININ-ICWS-Session-ID` and `ININ-ICWS-CSRF-Token`
/// headers, so each must carry a value (a failing finding: the client
/// cannot continue), and the same value as the body's `sessionId` /
/// `csrfToken` when the body has one (an interop warning: the header may
/// be the right one). Values are not shown (the token is a secret).
pub fn login_headers(headers: &[(&str, Vec<String>)], body: &[u8]) -> Vec<Finding> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let mut out = Vec::new();
    for (name, member, values) in headers.iter().map(|(n, v)| (*n, login_member(n), v)) {
        let place = Place::Header(name.to_ascii_lowercase());
        if values.len() > 1 {
            out.push(Finding::must(
                "POL-LOGIN-1",
                place,
                format!(
                    "the 201 sends {name} {} times: a browser joins them into one value with \
                     `, `, which the vendor's JavaScript client cannot use, so it cannot continue",
                    values.len()
                ),
                format!("one {name} header"),
                format!("{} headers (values not shown)", values.len()),
            ));
            continue;
        }
        let first = values.first().map(|v| v.trim()).unwrap_or_default();
        if first.is_empty() {
            // Fails by default (not interop): the client stops here.
            out.push(Finding::must(
                "POL-LOGIN-1",
                place,
                format!(
                    "the 201 has no {name} header{}: the vendor's JavaScript client reads the \
                     session's {member} only from this header, so it cannot continue (it cannot \
                     make a single session request)",
                    if values.is_empty() {
                        ""
                    } else {
                        " value (it is empty)"
                    }
                ),
                format!("the session's {member} in {name}"),
                if values.is_empty() {
                    "(absent)"
                } else {
                    "(empty)"
                },
            ));
            continue;
        }
        let in_body = parsed
            .as_ref()
            .and_then(|b| b.get(member))
            .and_then(Value::as_str);
        if let Some(b) = in_body {
            if b != first {
                out.push(
                    Finding::must(
                        "POL-LOGIN-1",
                        place,
                        format!(
                            "the header and the body's {member} disagree: a client that reads the \
                             header uses another session's value"
                        ),
                        format!("the body's {member}"),
                        "another value (not shown)",
                    )
                    .interop(),
                );
            }
        }
    }
    out
}

fn login_member(header: &str) -> &'static str {
    if header.eq_ignore_ascii_case("ININ-ICWS-Session-ID") {
        "sessionId"
    } else {
        "csrfToken"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Level;
    use serde_json::json;

    fn body(ids: &[&str]) -> Value {
        json!({"statusMessageList": ids.iter().enumerate()
            .map(|(i, id)| json!({"statusId": id, "systemId": (i + 1).to_string()}))
            .collect::<Vec<_>>()})
    }

    #[test]
    fn fold_is_unicode_aware() {
        assert_eq!(fold("Do Not disturb"), fold("DO NOT DISTURB"));
        assert_eq!(fold("ΣΟΦΟΣ"), fold("σοφος"));
        assert_eq!(fold("σοφος"), fold("σοφoς".replace('o', "ο").as_str()));
        assert_eq!(fold("ΟΔΟΣ"), fold("οδος"));
        assert_eq!(fold("ẞ"), fold("ß"));
        assert_eq!(fold("\u{212A}elvin"), fold("kelvin"));
        assert_eq!(fold("ÄRGER"), fold("ärger"));
        assert_ne!(fold("Available"), fold("Available "));
        // The traps of simple folding: dotless i and dotted capital I stay,
        // ß does not become ss, Greek with tonos folds to its small form.
        assert_eq!(fold("ı"), "ı");
        assert_ne!(fold("ı"), fold("i"));
        assert_eq!(fold("İ"), "İ");
        assert_eq!(fold("ß"), "ß");
        assert_ne!(fold("ß"), fold("ss"));
        assert_eq!(fold("Ά"), "ά");
        assert_eq!(fold("\u{212A}"), "k");
    }

    #[test]
    fn case_only_duplicates_fail() {
        let f = unique_status_ids(&body(&["Available", "Gone Home", "AVAILABLE"]));
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].place,
            Place::Body("/statusMessageList/2/statusId".into())
        );
        assert!(f[0].message.contains("letter case"));
        let f = unique_status_ids(&body(&["Gone Home", "Gone Home"]));
        assert!(f[0].message.contains("exact duplicate"));
        let f = unique_status_ids(&body(&["ÄRGER", "ärger"]));
        assert_eq!(f.len(), 1);
        assert!(unique_status_ids(&body(&["Available", "Away", "Do Not disturb"])).is_empty());
    }

    #[test]
    fn duplicate_system_ids_fail() {
        let mut b = body(&["a", "b", "c"]);
        b["statusMessageList"][2]["systemId"] = json!("1");
        let f = unique_system_ids(&b);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].place,
            Place::Body("/statusMessageList/2/systemId".into())
        );
        assert!(unique_system_ids(&body(&["a", "b"])).is_empty());
    }

    #[test]
    fn expected_ids_match_case_insensitively() {
        let b = body(&["Do Not disturb", "Available"]);
        assert!(status_ids_present(&b, &["do not Disturb".into(), "AVAILABLE".into()]).is_empty());
        let f = status_ids_present(&b, &["Gone Home".into()]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].req, "REQ-ID-2");
    }

    #[test]
    fn an_empty_catalogue_is_an_interop_finding() {
        let f = empty_catalogue(&json!({"statusMessageList": []}));
        assert!(f.is_some_and(|f| f.level == crate::finding::Level::Interop));
        assert!(empty_catalogue(&body(&["Available"])).is_none());
        assert!(empty_catalogue(&json!({"statusMessageList": {}})).is_none());
    }

    #[test]
    fn login_headers_must_match_the_body() {
        let body = br#"{"sessionId": "301", "csrfToken": "tok"}"#;
        let h = |sid: &str, tok: &str| {
            vec![
                ("ININ-ICWS-Session-ID", vec![sid.to_owned()]),
                ("ININ-ICWS-CSRF-Token", vec![tok.to_owned()]),
            ]
        };
        assert!(login_headers(&h("301", "tok"), body).is_empty());
        let f = login_headers(&h("999", "tok"), body);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].place, Place::Header("inin-icws-session-id".into()));
        assert!(!f[0].actual.contains("999") && !f[0].expected.contains("tok"));
        assert_eq!(login_headers(&h("301", " "), body).len(), 1);
        // Absent or empty: failing, in the words of what the client loses.
        let absent = login_headers(&[("ININ-ICWS-Session-ID", vec![])], body);
        assert_eq!(absent.len(), 1);
        assert_eq!(absent[0].level, Level::Must);
        assert!(
            absent[0].message.contains("cannot continue"),
            "{}",
            absent[0].message
        );
        assert_eq!(login_headers(&h("301", " "), body)[0].level, Level::Must);
        // Sent twice: the browser's joined value is of no use.
        let twice = login_headers(
            &[("ININ-ICWS-Session-ID", vec!["301".into(), "999".into()])],
            body,
        );
        assert_eq!((twice.len(), twice[0].level), (1, Level::Must));
        // Disagreeing: an interop warning.
        assert_eq!(
            login_headers(&h("999", "tok"), body)[0].level,
            Level::Interop
        );
        // Headers only (no ids in the body): nothing to compare with.
        assert!(login_headers(&h("5", "x"), b"{}").is_empty());
    }

    #[test]
    fn feature_rule() {
        let ok = json!({"featureInfoList": [{"featureId": "status", "version": 2}]});
        assert!(feature_advertised(&ok, "status", 1).is_empty());
        for bad in [
            json!({"featureInfoList": []}),
            json!({"featureInfoList": [{"featureId": "status", "version": 0}]}),
            json!({"featureInfoList": [{"featureId": "Status", "version": 1}]}),
        ] {
            assert_eq!(feature_advertised(&bad, "status", 1).len(), 1, "{bad}");
        }
    }
}
