//! What was sent and received, through the binary: the exchange of every
//! case in the JSON report (request headers and body, response status,
//! headers and body well past what a finding shows), a HAR file of the HAR
//! 1.2 shape (`schemas/report/har.schema.json`), `-v` printing each
//! exchange, `--list -v` the descriptions, and curl lines that really
//! replay the request with the secrets read from shell variables.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use crate::common::{faulty, open_session, run, runtime};
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validate(schema_file: &str, doc: &Value) {
    let schema: Value = read_json(&Path::new(env!("CARGO_MANIFEST_DIR")).join(schema_file));
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{schema_file}: {errors:#?}");
}

fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in the report"))
}

/// Runs a curl line in `sh` with `vars` set; returns what curl printed.
fn replay(curl: &str, vars: &[(&str, &str)]) -> String {
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{curl} --silent --show-error --max-time 10"))
        .envs(vars.iter().copied())
        .output()
        .expect("sh and curl are installed (.ci/run installs curl)");
    assert!(
        out.status.success(),
        "{curl}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_failing_catalogue_is_in_every_report_with_its_replay() {
    let rt = runtime();
    let server = faulty("wrong-type-isAcdStatus", &rt);
    let url = server.base_url();
    // A session the user holds: the run does not end it, so the replay
    // below can use it.
    let s = open_session(&url, &rt);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let har = dir.path().join("r.har");
    let (code, out, err) = run(
        &[
            "--report-json",
            json.to_str().unwrap(),
            "--report-har",
            har.to_str().unwrap(),
            "-v",
            "--exact",
            "status-messages/catalog",
        ],
        &[
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_SESSION_ID", s.id.as_str()),
            ("ICWS_CSRF_TOKEN", s.token.expose()),
            ("ICWS_COOKIE", s.cookie.expose()),
        ],
    );
    assert_eq!(code, 101, "{out}\n{err}");
    for text in [&out, &err] {
        assert!(!text.contains(s.token.expose()), "token shown: {text}");
    }
    let all = format!("{out}{err}");
    // `-v`: the exchange, request and response, each line marked.
    assert!(all.contains("> ININ-ICWS-CSRF-Token: <redacted>"), "{all}");
    assert!(all.contains("< HTTP/1.1 200"), "{all}");
    assert!(
        all.contains("< content-type: application/vnd.inin.icws+JSON"),
        "{all}"
    );
    // The failure names the case's description and its replay.
    assert!(all.contains("  case: "), "{all}");
    assert!(all.contains("  replay: curl -i -X GET"), "{all}");

    let report = read_json(&json);
    validate("schemas/report/report.schema.json", &report);
    let c = case(&report, "status-messages/catalog");
    assert!(c["description"].as_str().unwrap().len() > 20, "{c}");
    let sent = &c["sent"];
    assert!(sent["url"].as_str().unwrap().starts_with(&url));
    assert!(
        sent["headers"]
            .as_array()
            .unwrap()
            .contains(&Value::from("ININ-ICWS-CSRF-Token: <redacted>")),
        "{sent}"
    );
    let got = &c["attempts"][0]["response"];
    assert_eq!(got["status"], 200);
    let body = got["body"].as_str().unwrap();
    // Far beyond the 120 characters a finding shows.
    assert!(
        body.len() > 1000 && body.contains("statusMessageList"),
        "{got}"
    );
    assert_eq!(
        got["bodyCut"],
        Value::Bool(got["bodyBytes"].as_u64().unwrap() > 8192)
    );
    assert!(
        got["headers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h[0] == "content-type"),
        "{got}"
    );

    let doc = read_json(&har);
    validate("schemas/report/har.schema.json", &doc);
    let entries = doc["log"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "one case, one attempt");
    assert_eq!(entries[0]["response"]["status"], 200);
    assert_eq!(entries[0]["request"]["method"], "GET");
    assert!(
        !std::fs::read_to_string(&har)
            .unwrap()
            .contains(s.token.expose())
    );

    // The replay sends the same request again: the secrets from variables.
    let curl = sent["curl"].as_str().unwrap();
    assert!(
        curl.contains("$ICWS_CSRF_TOKEN") && curl.contains("$ICWS_COOKIE"),
        "{curl}"
    );
    let again = replay(
        curl,
        &[
            ("ICWS_CSRF_TOKEN", s.token.expose()),
            ("ICWS_COOKIE", s.cookie.expose()),
        ],
    );
    assert!(again.starts_with("HTTP/1.1 200"), "{again}");
    assert!(again.contains("statusMessageList"), "{again}");
    // Without the variables the server refuses it: they are what it sends.
    let refused = replay(curl, &[]);
    assert!(!refused.starts_with("HTTP/1.1 200"), "{refused}");
}

#[test]
fn the_login_replays_with_the_password_from_a_variable() {
    let rt = runtime();
    let server = faulty("login-without-headers", &rt);
    let url = server.base_url();
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let password = icws_refserver::DEMO_PASSWORD;
    let (_, out, err) = run(
        &[
            "--report-json",
            json.to_str().unwrap(),
            "--exact",
            "connection/login",
        ],
        &[
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", icws_refserver::DEMO_USER),
            ("ICWS_PASSWORD", password),
        ],
    );
    let report = read_json(&json);
    let c = case(&report, "connection/login");
    let curl = c["sent"]["curl"].as_str().unwrap();
    assert!(!curl.contains(password), "{curl}");
    assert!(curl.contains("\"${ICWS_PASSWORD}\""), "{curl}");
    assert!(c["sent"]["body"].as_str().unwrap().contains("<redacted>"));
    assert!(!format!("{out}{err}").contains(password));
    let again = replay(curl, &[("ICWS_PASSWORD", password)]);
    assert!(again.starts_with("HTTP/1.1 201"), "{again}");
    let wrong = replay(curl, &[("ICWS_PASSWORD", "not-it")]);
    assert!(!wrong.starts_with("HTTP/1.1 201"), "{wrong}");
}

#[test]
fn list_verbose_shows_each_description() {
    let (code, out, _) = run(&["--list", "-v", "auth/token/last-char"], &[]);
    assert_eq!(code, 0);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("auth/token/last-char: test"), "{out}");
    let description = lines.next().unwrap();
    assert!(
        description.starts_with("    ") && description.len() > 30,
        "{out}"
    );
    // Without -v, libtest's own listing (nextest reads it).
    let (_, plain, _) = run(&["--list", "auth/token/last-char"], &[]);
    assert!(plain.starts_with("auth/token/last-char: test\n"), "{plain}");
    assert!(!plain.contains("\n    "), "{plain}");
}

#[test]
fn a_cut_body_says_so() {
    let rt = runtime();
    // The embedded catalogue is well past 8 KiB at this size.
    let server = rt
        .block_on(icws_refserver::spawn(icws_refserver::Config {
            catalogue_size: Some(400),
            ..icws_refserver::Config::default()
        }))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let har = dir.path().join("r.har");
    let env = crate::common::login_env(&server.base_url());
    let (code, out, err) = run(
        &[
            "--report-har",
            har.to_str().unwrap(),
            "--exact",
            "status-messages/catalog",
        ],
        &crate::common::pairs(&env),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let doc = read_json(&har);
    validate("schemas/report/har.schema.json", &doc);
    let content = &doc["log"]["entries"][0]["response"]["content"];
    let size = content["size"].as_u64().unwrap();
    assert!(size > 8192, "{content}");
    // The first 8 KiB, and `…` where the cut is.
    let text = content["text"].as_str().unwrap();
    assert!(
        text.len() <= 8192 + '…'.len_utf8() && text.ends_with('…'),
        "{text}"
    );
    assert!(
        content["comment"]
            .as_str()
            .unwrap()
            .contains(&size.to_string())
    );
}
