//! Undocumented members (POL-EXTRA-1), for `--strict` only: the
//! documentation says extra members are tolerated by default and reported
//! in a strict mode. A member is documented when the case's schema lists it
//! under `properties` of the object it sits in (following local `$ref`s).
//! The known vendor extensions — `__type` anywhere, `errorCode` and
//! `alternateHostList` in error bodies — are named in notes, not findings.
//! Pure; bounded like every check.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::finding::{Finding, Place, SHOWN_CHARS, pointer_token, shorten, show_json};
use crate::load::schema::Schema;

use super::bound::Bounded;

/// The requirement id of these findings.
pub const RULE: &str = "POL-EXTRA-1";

/// Members real servers send that the documentation does not list: the
/// name, the schema whose bodies may carry it (`None`: any), what it is.
pub const VENDOR_EXTENSIONS: &[(&str, Option<&str>, &str)] = &[
    ("__type", None, "the representation's type name (a urn)"),
    (
        "errorCode",
        Some("error"),
        "an integer error code beside errorId",
    ),
    (
        "alternateHostList",
        Some("error"),
        "the other servers to try (errors of a server that takes no connections)",
    ),
];

/// The known vendor extension `name` is in a body of schema `schema`, if it
/// is one there.
fn vendor_extension(schema: &str, name: &str) -> Option<(&'static str, &'static str)> {
    VENDOR_EXTENSIONS
        .iter()
        .find(|(n, within, _)| *n == name && within.is_none_or(|w| w == schema))
        .map(|(n, _, what)| (*n, *what))
}

/// Deepest nesting walked: a hostile body may nest far deeper.
const MAX_DEPTH: usize = 64;

/// What the walk found: findings for undocumented members, and one note per
/// vendor extension seen.
#[derive(Debug, Default)]
pub struct Extras {
    /// Interop findings, one per undocumented member (bounded).
    pub findings: Vec<Finding>,
    /// One line per known vendor extension: how often, and where first.
    pub notes: Vec<String>,
}

/// Every member of `body` that `schema` does not list.
pub fn undocumented(schema: &Schema, body: &Value) -> Extras {
    let mut walk = Walk {
        schema: &schema.name,
        root: &schema.doc,
        out: Bounded::default(),
        seen: BTreeMap::new(),
    };
    walk.node(&schema.doc, body, &mut String::new(), 0);
    let notes = walk
        .seen
        .iter()
        .map(|(name, (count, first))| {
            let what = vendor_extension(&schema.name, name).map_or("", |(_, w)| w);
            format!(
                "`{name}` ({what}) is a known vendor extension, tolerated: {count} place(s), \
                 first at {first} ({RULE})"
            )
        })
        .collect();
    Extras {
        findings: walk.out.finish(),
        notes,
    }
}

struct Walk<'a> {
    schema: &'a str,
    root: &'a Value,
    out: Bounded,
    /// Vendor extension → (times seen, first pointer).
    seen: BTreeMap<&'static str, (usize, String)>,
}

impl<'a> Walk<'a> {
    /// The schema node `node` stands for, after local `$ref`s.
    fn resolve(&self, mut node: &'a Value) -> &'a Value {
        for _ in 0..8 {
            let Some(target) = node
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
                .and_then(|ptr| self.root.pointer(ptr))
            else {
                break;
            };
            node = target;
        }
        node
    }

    fn node(&mut self, schema: &'a Value, value: &Value, at: &mut String, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = self.resolve(schema);
        match value {
            Value::Object(members) => {
                let Some(listed) = schema.get("properties").and_then(Value::as_object) else {
                    return;
                };
                for (name, v) in members {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&pointer_token(name));
                    if let Some((known, _)) = vendor_extension(self.schema, name) {
                        let entry = self.seen.entry(known).or_insert((0, at.clone()));
                        entry.0 += 1;
                    } else if let Some(sub) = listed.get(name) {
                        self.node(sub, v, at, depth + 1);
                    } else {
                        self.out.push(
                            Finding::must(
                                RULE,
                                Place::Body(at.clone()),
                                "a member the documentation does not list (tolerated; reported \
                                 under --strict)",
                                format!(
                                    "only documented members here: {}",
                                    shorten(
                                        &listed
                                            .keys()
                                            .filter(|k| vendor_extension(self.schema, k).is_none())
                                            .cloned()
                                            .collect::<Vec<_>>()
                                            .join(", "),
                                        SHOWN_CHARS
                                    )
                                ),
                                format!("{}: {}", shorten(name, SHOWN_CHARS), show_json(v)),
                            )
                            .interop(),
                        );
                    }
                    at.truncate(len);
                }
            }
            Value::Array(items) => {
                let Some(item) = schema.get("items") else {
                    return;
                };
                for (i, v) in items.iter().enumerate() {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&i.to_string());
                    self.node(item, v, at, depth + 1);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Level;
    use crate::load::schema::Schemas;
    use serde_json::json;

    fn schema(name: &str) -> std::sync::Arc<Schema> {
        match Schemas::shipped() {
            Ok(s) => s.get(name).cloned().unwrap_or_else(|| panic!("{name}")),
            Err(e) => panic!("{e:?}"),
        }
    }

    fn message(id: &str) -> Value {
        json!({"__type": "urn:inin.com:status:statusMessage", "statusId": id, "messageText": id,
               "iconUri": "/i", "groupTag": "g", "canHaveDate": false, "canHaveTime": false,
               "isDoNotDisturbStatus": false, "isSelectableStatus": true, "isPersistentStatus": false,
               "isForwardStatus": false, "isAfterCallWorkStatus": false, "isAcdStatus": false,
               "isAllowFollowUpStatus": false, "systemId": "1"})
    }

    #[test]
    fn documented_members_and_vendor_extensions_are_no_findings() {
        let body = json!({"__type": "urn:inin.com:status:statusMessages",
                          "statusMessageList": [message("Available"), message("Away")]});
        let extras = undocumented(&schema("status-messages"), &body);
        assert!(extras.findings.is_empty(), "{:#?}", extras.findings);
        assert_eq!(extras.notes.len(), 1, "{:?}", extras.notes);
        assert!(extras.notes[0].contains("`__type`"));
        assert!(extras.notes[0].contains("3 place(s), first at /__type"));
    }

    #[test]
    fn undocumented_members_are_interop_findings_with_their_pointer() {
        let mut m = message("Available");
        m["colour"] = json!("red");
        let body = json!({"statusMessageList": [message("Away"), m], "total": 2});
        let extras = undocumented(&schema("status-messages"), &body);
        let places: Vec<String> = extras
            .findings
            .iter()
            .map(|f| f.place.to_string())
            .collect();
        assert_eq!(
            places,
            ["body /statusMessageList/1/colour", "body /total"],
            "{:#?}",
            extras.findings
        );
        assert!(
            extras
                .findings
                .iter()
                .all(|f| f.level == Level::Interop && f.req == RULE)
        );
        assert!(extras.findings[0].actual.contains("\"red\""));
    }

    #[test]
    fn error_bodies_name_error_code_and_alternate_hosts_as_extensions() {
        let body = json!({"errorId": "error.x", "message": "m", "errorCode": -2147221503,
                          "alternateHostList": ["b"], "trace": "at line 3"});
        let extras = undocumented(&schema("error"), &body);
        assert_eq!(extras.findings.len(), 1, "{:#?}", extras.findings);
        assert_eq!(extras.findings[0].place, Place::Body("/trace".into()));
        assert_eq!(extras.notes.len(), 2, "{:?}", extras.notes);
    }

    /// errorCode and alternateHostList are vendor extensions of error
    /// bodies only: in a status message they are undocumented members.
    #[test]
    fn error_extensions_elsewhere_are_findings() {
        let mut m = message("Available");
        m["errorCode"] = json!(-1);
        m["alternateHostList"] = json!([]);
        let extras = undocumented(
            &schema("status-messages"),
            &json!({"statusMessageList": [m]}),
        );
        assert_eq!(extras.findings.len(), 2, "{:#?}", extras.findings);
        assert_eq!(extras.notes.len(), 1, "{:?}", extras.notes);
    }

    #[test]
    fn a_flood_of_members_is_bounded() {
        let mut m = serde_json::Map::new();
        for i in 0..10_000 {
            m.insert(format!("x{i}"), json!(i));
        }
        m.insert("message".into(), json!("m"));
        let extras = undocumented(&schema("error"), &Value::Object(m));
        assert!(extras.findings.len() <= super::super::bound::PER_REQUIREMENT + 1);
        assert!(
            extras.findings.iter().any(|f| f.message.contains("more")),
            "{:#?}",
            extras.findings.last()
        );
    }
}
