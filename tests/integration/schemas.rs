//! The schemas against the documentation: each lists exactly the documented
//! properties with the documented types, required-ness and requirement ids
//! (the table in `tests/data/documented-properties.tsv`), every property has
//! a description, and each schema rule fails on a body that breaks it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use icws_conformance::load::schema::{Schema, Schemas};
use icws_refserver::catalogue;
use serde_json::{Value, json};

struct Row {
    ty: String,
    required: bool,
    req: String,
}

fn documented() -> BTreeMap<(String, String), Row> {
    let text = include_str!("../data/documented-properties.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "bad row {l:?}");
            (
                (f[0].into(), f[1].into()),
                Row {
                    ty: f[2].into(),
                    required: f[3] == "yes",
                    req: f[4].into(),
                },
            )
        })
        .collect()
}

fn schemas() -> Schemas {
    Schemas::shipped().expect("shipped schemas compile")
}

/// The object schema of one representation.
fn object<'a>(schemas: &'a Schemas, repr: &str) -> &'a Value {
    match repr {
        "statusMessages" => &schemas.get("status-messages").unwrap().doc,
        "statusMessage" => &schemas.get("status-messages").unwrap().doc["$defs"]["statusMessage"],
        "error" => &schemas.get("error").unwrap().doc,
        other => panic!("unknown representation {other}"),
    }
}

/// The documented type a property schema stands for.
fn schema_type(prop: &Value) -> String {
    match (prop["type"].as_str(), prop["format"].as_str()) {
        (Some("string"), Some("uri-reference")) => "Uri".into(),
        (Some("string"), None) => "String".into(),
        (Some("boolean"), None) => "Boolean".into(),
        (Some("array"), None) => "array".into(),
        other => format!("{other:?}"),
    }
}

#[test]
fn schemas_list_exactly_the_documented_properties() {
    let doc = documented();
    let schemas = schemas();
    for repr in ["statusMessages", "statusMessage", "error"] {
        let obj = object(&schemas, repr);
        let props = obj["properties"].as_object().unwrap();
        let required: Vec<&str> = obj["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let listed: Vec<&String> = props.keys().filter(|k| *k != "__type").collect();
        let expected: Vec<&String> = doc
            .keys()
            .filter(|(r, _)| r == repr)
            .map(|(_, p)| p)
            .collect();
        let mut listed_sorted = listed.clone();
        listed_sorted.sort();
        assert_eq!(
            listed_sorted, expected,
            "{repr}: properties differ from the documentation"
        );
        for name in listed {
            let row = &doc[&(repr.to_owned(), name.clone())];
            let p = &props[name];
            assert_eq!(schema_type(p), row.ty, "{repr}.{name}: type");
            assert_eq!(
                required.contains(&name.as_str()),
                row.required,
                "{repr}.{name}: required"
            );
            assert_eq!(
                p["x-req"].as_str(),
                Some(row.req.as_str()),
                "{repr}.{name}: x-req"
            );
            assert!(
                p["description"].as_str().is_some_and(|d| d.len() > 10),
                "{repr}.{name}: description"
            );
        }
        assert_eq!(
            required.len(),
            doc.iter()
                .filter(|((r, _), row)| r == repr && row.required)
                .count()
        );
        // Extra members are tolerated: nothing forbids them.
        assert!(
            obj.get("additionalProperties").is_none() && obj.get("unevaluatedProperties").is_none(),
            "{repr}"
        );
    }
}

#[test]
fn statusmessagelist_items_use_the_message_definition() {
    let s = schemas();
    let doc = &s.get("status-messages").unwrap().doc;
    assert_eq!(
        doc["properties"]["statusMessageList"]["items"]["$ref"],
        "#/$defs/statusMessage"
    );
}

fn check(schema: &Schema, body: &Value) -> Vec<(String, String)> {
    schema
        .check(body)
        .into_iter()
        .map(|f| (f.req.to_owned(), f.place.to_string()))
        .collect()
}

#[test]
fn the_reference_catalogue_and_tolerated_extras_pass() {
    let s = schemas();
    let sm = s.get("status-messages").unwrap();
    let mut body = catalogue::catalogue("123");
    assert!(check(sm, &body).is_empty());
    body["statusMessageList"][0]["vendorExtra"] = json!({"x": 1});
    body["extra"] = json!(true);
    assert!(
        check(sm, &body).is_empty(),
        "extra members must be tolerated"
    );
    let err = s.get("error").unwrap();
    let e = json!({"errorId": "error.request.accessDenied", "errorCode": -2147221503i64, "message": "x", "alternateHostList": []});
    assert!(check(err, &e).is_empty());
    assert!(check(err, &json!({"message": "only the message"})).is_empty());
}

#[test]
fn each_schema_rule_fails_on_a_body_that_breaks_it() {
    let s = schemas();
    let sm = s.get("status-messages").unwrap();
    let base = catalogue::catalogue("123");
    let at = |i: usize, p: &str| format!("body /statusMessageList/{i}/{p}");
    type Breaker = Box<dyn Fn(&mut Value)>;
    let cases: Vec<(Breaker, &str, String)> = vec![
        (
            Box::new(|b| b["statusMessageList"][1]["iconUri"] = json!("a b")),
            "REQ-MSG-iconUri",
            at(1, "iconUri"),
        ),
        (
            Box::new(|b| b["statusMessageList"][1]["systemId"] = json!("12 ")),
            "REQ-SYS-1",
            at(1, "systemId"),
        ),
        (
            Box::new(|b| b["statusMessageList"][1]["systemId"] = json!("")),
            "REQ-SYS-1",
            at(1, "systemId"),
        ),
        (
            Box::new(|b| b["statusMessageList"][1]["systemId"] = json!("١٢")),
            "REQ-SYS-1",
            at(1, "systemId"),
        ),
        (
            Box::new(|b| b["statusMessageList"][0]["isAcdStatus"] = json!(1)),
            "REQ-MSG-isAcdStatus",
            at(0, "isAcdStatus"),
        ),
        (
            Box::new(|b| b["statusMessageList"][0]["statusId"] = Value::Null),
            "REQ-MSG-statusId",
            at(0, "statusId"),
        ),
        (
            Box::new(|b| {
                b["statusMessageList"][0]
                    .as_object_mut()
                    .unwrap()
                    .remove("groupTag");
            }),
            "REQ-MSG-groupTag",
            at(0, "groupTag"),
        ),
        (
            Box::new(|b| b["statusMessageList"] = json!({})),
            "REQ-200-1",
            "body /statusMessageList".into(),
        ),
        (
            Box::new(|b| *b = json!({"statusMessages": []})),
            "REQ-200-1",
            "body /statusMessageList".into(),
        ),
        (
            Box::new(|b| b["statusMessageList"][2] = json!(7)),
            "REQ-200-1",
            "body /statusMessageList/2".into(),
        ),
    ];
    for (break_it, req, place) in cases {
        let mut body = base.clone();
        break_it(&mut body);
        let found = check(sm, &body);
        assert!(
            found.contains(&(req.to_owned(), place.clone())),
            "expected {req} at {place}, got {found:?}"
        );
    }
    let err = s.get("error").unwrap();
    for (body, place) in [
        (json!({"errorId": "x"}), "body /message"),
        (json!({"message": 5}), "body /message"),
        (json!({"message": "m", "errorId": 5}), "body /errorId"),
        (json!("text"), "body"),
    ] {
        let found = check(err, &body);
        assert!(
            found.contains(&("REQ-ERR-1".to_owned(), place.to_owned())),
            "{body}: {found:?}"
        );
    }
}

#[test]
fn every_x_req_names_a_known_requirement() {
    let bad = Schemas::from_files([(
        "schemas/bad.json".to_owned(),
        r#"{"type": "object", "properties": {"a": {"x-req": "REQ-NOPE"}}}"#.to_owned(),
    )]);
    let errors = bad.unwrap_err();
    assert!(errors[0].to_string().contains("REQ-NOPE"), "{}", errors[0]);
    let not_json =
        Schemas::from_files([("schemas/x.json".to_owned(), "{\n  \"a\": ,\n}".to_owned())])
            .unwrap_err();
    assert!(
        not_json[0].to_string().starts_with("schemas/x.json:2:"),
        "{}",
        not_json[0]
    );
}

#[test]
fn the_features_minimum_applies_to_feature_status_only() {
    let schemas = Schemas::shipped().unwrap();
    let features = schemas.get("features").unwrap();
    let body = json!({"featureInfoList": [
        {"featureId": "status", "version": 1},
        {"featureId": "legacy-thing", "version": 0},
    ]});
    assert!(
        features.check(&body).is_empty(),
        "{:?}",
        features.check(&body)
    );
    // Status at version 0 is the rule's finding (SES-FEAT-1), not the schema's.
    let old = json!({"featureInfoList": [{"featureId": "status", "version": 0}]});
    assert!(features.check(&old).is_empty());
    assert_eq!(
        icws_conformance::check::rules::feature_advertised(&old, "status", 1).len(),
        1
    );
}
