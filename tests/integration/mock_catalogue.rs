//! `icws-refserver --catalogue FILE`: a mock that serves your staging
//! server's catalogue. A real-shaped status-messages body is served as it
//! is and the shipped suite passes against it; a catalogue snapshot the
//! harness wrote is served so that the harness finds it unchanged; a file
//! that is not a valid catalogue is refused (exit 2) with the harness's own
//! findings (pointer, expected, actual); unreadable, oversized, non-UTF-8
//! and non-JSON files are refused naming the file (and line and column);
//! the conflicting flags are refused; and the faults allowed with a file
//! serve it untouched. Also the binary's other flags (`--list-profiles`,
//! an unknown profile, a bad limit): the binary lives in the harness
//! package, so its tests live here, not with the server's own tests in
//! `crates/refserver/tests/`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::{line_of, login_env, pairs, run, runtime};
use icws_conformance::check::snapshot::{normalize, parse_snap};
use icws_refserver::{self as refserver, Config, Fault, Profile};
use serde_json::{Value, json};

const REFSERVER: &str = env!("CARGO_BIN_EXE_icws-refserver");

/// A catalogue as a staging server sends it: pretty-printed, `__type`
/// members, statuses of its own (one with an accent), the icon paths
/// holding staging's session id, one absolute icon URL from a gateway, and
/// an extra member the documentation does not list.
const STAGING_BODY: &str = r#"{
  "__type": "urn:inin.com:status:statusMessages",
  "statusMessageList": [
    {
      "__type": "urn:inin.com:status:statusMessage",
      "statusId": "Available",
      "messageText": "Available",
      "iconUri": "/icws/2051847113/status/status-message-icons/Available",
      "groupTag": "Available",
      "canHaveDate": false,
      "canHaveTime": false,
      "isDoNotDisturbStatus": false,
      "isSelectableStatus": true,
      "isPersistentStatus": false,
      "isForwardStatus": false,
      "isAfterCallWorkStatus": false,
      "isAcdStatus": true,
      "isAllowFollowUpStatus": true,
      "systemId": "1"
    },
    {
      "__type": "urn:inin.com:status:statusMessage",
      "statusId": "Coffee Break",
      "messageText": "Coffee break (15 min)",
      "iconUri": "https://cic-staging.example:8019/icws/2051847113/status/status-message-icons/Coffee%20Break",
      "groupTag": "Break",
      "canHaveDate": false,
      "canHaveTime": true,
      "isDoNotDisturbStatus": false,
      "isSelectableStatus": true,
      "isPersistentStatus": false,
      "isForwardStatus": false,
      "isAfterCallWorkStatus": false,
      "isAcdStatus": false,
      "isAllowFollowUpStatus": false,
      "systemId": "75"
    },
    {
      "__type": "urn:inin.com:status:statusMessage",
      "statusId": "Pause café",
      "messageText": "En pause café",
      "iconUri": "/icws/2051847113/status/status-message-icons/Pause%20caf%C3%A9",
      "groupTag": "Break",
      "canHaveDate": false,
      "canHaveTime": true,
      "isDoNotDisturbStatus": false,
      "isSelectableStatus": true,
      "isPersistentStatus": false,
      "isForwardStatus": false,
      "isAfterCallWorkStatus": false,
      "isAcdStatus": false,
      "isAllowFollowUpStatus": false,
      "systemId": "76",
      "isCustomStatus": true
    },
    {
      "__type": "urn:inin.com:status:statusMessage",
      "statusId": "Do Not disturb",
      "messageText": "Do Not Disturb",
      "iconUri": "/icws/2051847113/status/status-message-icons/Do%20Not%20disturb",
      "groupTag": "Do Not Disturb",
      "canHaveDate": false,
      "canHaveTime": true,
      "isDoNotDisturbStatus": true,
      "isSelectableStatus": true,
      "isPersistentStatus": false,
      "isForwardStatus": false,
      "isAfterCallWorkStatus": false,
      "isAcdStatus": false,
      "isAllowFollowUpStatus": false,
      "systemId": "9"
    },
    {
      "__type": "urn:inin.com:status:statusMessage",
      "statusId": "Wrap Up",
      "messageText": "Wrap-up",
      "iconUri": "/icws/2051847113/status/status-message-icons/Wrap%20Up",
      "groupTag": "Follow Up",
      "canHaveDate": false,
      "canHaveTime": false,
      "isDoNotDisturbStatus": false,
      "isSelectableStatus": false,
      "isPersistentStatus": false,
      "isForwardStatus": false,
      "isAfterCallWorkStatus": true,
      "isAcdStatus": false,
      "isAllowFollowUpStatus": false,
      "systemId": "1002"
    }
  ]
}
"#;

/// A running `icws-refserver`; killed when dropped.
struct Mock {
    child: Child,
    url: String,
    banner: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `icws-refserver --listen 127.0.0.1:0 ARGS` and waits for the line
/// that says where it listens.
fn start(args: &[&str]) -> Mock {
    let mut child = Command::new(REFSERVER)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    if banner.is_empty() {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        panic!("icws-refserver {args:?} did not start: {err}");
    }
    let url = banner
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap()
        .to_owned();
    Mock { child, url, banner }
}

/// Runs `icws-refserver ARGS` expecting it to refuse: (exit code, stdout,
/// stderr). A server that starts instead is stopped and fails the test
/// (rather than the test waiting for it for ever).
fn refuse(args: &[&str]) -> (i32, String, String) {
    let mut child = Command::new(REFSERVER)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut r: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = r.read_to_string(&mut text);
            text
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("icws-refserver {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code().unwrap_or(-1),
        out.join().unwrap(),
        err.join().unwrap(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The harness against `url`, snapshots of target `name` in `dir`; `ci`
/// decides whether they may be written. Returns (exit code, all output).
fn harness(url: &str, dir: &Path, name: &str, ci: bool) -> (i32, String) {
    let env = login_env(url);
    let mut env = pairs(&env);
    env.push(("CI", if ci { "true" } else { "" }));
    let (code, out, err) = run(&["--snapshots", s(dir), "--target-name", name], &env);
    (code, format!("{out}\n{err}"))
}

fn snapshot_of(dir: &Path, name: &str) -> Value {
    let path = dir.join(name).join("status-messages/catalog.snap");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&parse_snap(&text).unwrap()).unwrap()
}

#[test]
fn a_real_body_is_served_as_it_is_and_the_shipped_suite_passes() {
    let dir = tempfile::tempdir().unwrap();
    let body = write(dir.path(), "staging.json", STAGING_BODY);
    let mock = start(&["--catalogue", s(&body)]);
    assert!(
        mock.banner.contains("catalogue") && mock.banner.contains("(5 messages)"),
        "{}",
        mock.banner
    );
    let (code, out) = harness(&mock.url, dir.path(), "mock", false);
    assert_eq!(code, 0, "{out}");
    assert!(
        line_of(&out, "status-messages/catalog").ends_with("ok"),
        "{out}"
    );
    // What the harness received is the file, not the built-in catalogue.
    let file: Value = serde_json::from_str(STAGING_BODY).unwrap();
    assert_eq!(
        snapshot_of(dir.path(), "mock"),
        normalize(&file, "", "cic-staging.example:8019", &[])
    );
}

#[test]
fn a_snapshot_the_harness_wrote_is_served_so_that_the_harness_finds_it_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    // Record a catalogue with the harness …
    let body = write(dir.path(), "staging.json", STAGING_BODY);
    let first = start(&["--catalogue", s(&body)]);
    let (code, out) = harness(&first.url, dir.path(), "staging", false);
    assert_eq!(code, 0, "{out}");
    drop(first);
    let snap = dir.path().join("staging/status-messages/catalog.snap");
    // … serve the snapshot (its {origin} filled in) and compare under CI.
    let second = start(&["--catalogue", s(&snap)]);
    let (code, out) = harness(&second.url, dir.path(), "staging", true);
    assert_eq!(code, 0, "{out}");
    assert!(
        line_of(&out, "status-messages/catalog").ends_with("ok"),
        "{out}"
    );
    assert!(!out.contains("SNAPSHOT"), "{out}");
}

#[test]
fn the_reference_snapshot_round_trips_with_each_sessions_id() {
    // Written by the harness against the built-in catalogue: its icon
    // paths hold {sessionId}.
    let reference = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("snapshots/reference/status-messages/catalog.snap");
    let text = std::fs::read_to_string(&reference).unwrap();
    assert!(text.contains("/icws/{sessionId}/status/"));
    let mock = start(&["--catalogue", s(&reference)]);
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = harness(&mock.url, dir.path(), "replay", false);
    assert_eq!(code, 0, "{out}");
    let recorded: Value = serde_json::from_str(&parse_snap(&text).unwrap()).unwrap();
    assert_eq!(snapshot_of(dir.path(), "replay"), recorded);
}

/// `STAGING_BODY` with one message's member changed (`Value::Null`: removed).
fn broken(edits: &[(usize, &str, Value)]) -> String {
    let mut v: Value = serde_json::from_str(STAGING_BODY).unwrap();
    for (i, key, value) in edits {
        let m = v["statusMessageList"][*i].as_object_mut().unwrap();
        if value.is_null() {
            m.remove(*key);
        } else {
            m.insert((*key).to_owned(), value.clone());
        }
    }
    serde_json::to_string_pretty(&v).unwrap()
}

#[test]
fn an_invalid_catalogue_is_refused_with_the_harness_findings() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.json",
        &broken(&[
            (2, "statusId", json!("COFFEE BREAK")),
            (3, "systemId", json!("9b")),
            (4, "groupTag", Value::Null),
        ]),
    );
    let (code, out, err) = refuse(&["--catalogue", s(&file)]);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "nothing may be served: {out}");
    let f = s(&file);
    assert!(
        err.starts_with(&format!(
            "error: {f} is not a catalogue this server can serve: 3 finding(s)"
        )),
        "{err}"
    );
    for block in [
        format!(
            "error[REQ-ID-1]: statusId repeats /statusMessageList/1/statusId (differs only in letter case)\n  --> {f}: body /statusMessageList/2/statusId\n   = expected: a statusId unique under case-insensitive comparison\n   = actual:   \"COFFEE BREAK\" (already \"Coffee Break\" at /statusMessageList/1)\n"
        ),
        format!(
            "error[REQ-SYS-1]: value does not have the documented form\n  --> {f}: body /statusMessageList/3/systemId\n   = expected: Only decimal digits, at least one. (pattern ^[0-9]+$)\n   = actual:   \"9b\"\n"
        ),
        format!(
            "error[REQ-MSG-groupTag]: required property `groupTag` is missing\n  --> {f}: body /statusMessageList/4/groupTag\n   = expected: `groupTag`: string\n   = actual:   (absent)\n"
        ),
    ] {
        assert!(err.contains(&block), "missing:\n{block}\nin:\n{err}");
    }
}

#[test]
fn other_invalid_shapes_are_refused_too() {
    let dir = tempfile::tempdir().unwrap();
    let list: Value = serde_json::from_str(STAGING_BODY).unwrap();
    for (name, text, needle) in [
        (
            "bare-array.json",
            list["statusMessageList"].to_string(),
            "error[REQ-200-1]",
        ),
        (
            "heading-name.json",
            json!({"statusMessages": list["statusMessageList"]}).to_string(),
            "error[REQ-200-1]",
        ),
        (
            "duplicate-system-id.json",
            broken(&[(1, "systemId", json!("1"))]),
            "error[REQ-SYS-1]: systemId repeats /statusMessageList/0/systemId",
        ),
        (
            "bad-icon.json",
            broken(&[(0, "iconUri", json!("http://[icons]/a b.png"))]),
            "body /statusMessageList/0/iconUri",
        ),
    ] {
        let file = write(dir.path(), name, &text);
        let (code, out, err) = refuse(&["--catalogue", s(&file)]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(out.is_empty(), "{name}: {out}");
        assert!(err.contains(needle), "{name}: {err}");
    }
    // A snapshot is checked the same way.
    let snap = format!(
        "---\nsource: icws-conformance\nexpression: status-messages/catalog\n---\n{}\n",
        broken(&[(0, "isAcdStatus", json!("true"))])
    );
    let file = write(dir.path(), "bad.snap", &snap);
    let (code, _, err) = refuse(&["--catalogue", s(&file)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error[REQ-MSG-isAcdStatus]: wrong JSON type")
            && err.contains("body /statusMessageList/0/isAcdStatus"),
        "{err}"
    );
}

#[test]
fn unreadable_files_are_refused_naming_the_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let missing = d.join("missing.json");
    let not_json = write(
        d,
        "broken.json",
        "{\n  \"statusMessageList\": [\n    {\"statusId\": \"a\",,}\n  ]\n}\n",
    );
    let snap = write(
        d,
        "broken.snap",
        "---\nsource: icws-conformance\nexpression: status-messages/catalog\n---\n{\n  \"statusMessageList\": [\n    oops\n  ]\n}\n",
    );
    let unclosed = write(d, "unclosed.snap", "---\nsource: icws-conformance\n{}\n");
    let empty = write(d, "empty.json", "  \n");
    let latin1 = d.join("latin1.json");
    std::fs::write(&latin1, b"{\"statusMessageList\": [\n\"caf\xe9\"]}").unwrap();
    let huge = d.join("huge.json");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(16 * 1024 * 1024 + 1)
        .unwrap();
    for (file, expected) in [
        (
            missing.clone(),
            format!("error: {}: cannot read: ", s(&missing)),
        ),
        (
            not_json.clone(),
            format!("error: {}:3:22: not JSON: ", s(&not_json)),
        ),
        // The line counts the snapshot's header.
        (snap.clone(), format!("error: {}:7:5: not JSON: ", s(&snap))),
        (
            unclosed.clone(),
            format!("error: {}: starts like a snapshot", s(&unclosed)),
        ),
        (
            empty.clone(),
            format!("error: {}: holds no catalogue", s(&empty)),
        ),
        (
            latin1.clone(),
            format!("error: {}:2:5: not UTF-8", s(&latin1)),
        ),
        (
            huge.clone(),
            format!(
                "error: {}: 16777217 bytes, more than a catalogue file may have",
                s(&huge)
            ),
        ),
        (
            d.to_path_buf(),
            format!("error: {}: not a regular file", s(d)),
        ),
    ] {
        let (code, out, err) = refuse(&["--catalogue", s(&file)]);
        assert_eq!(code, 2, "{}: {err}", file.display());
        assert!(out.is_empty(), "{out}");
        assert!(
            err.starts_with(&expected),
            "expected {expected:?}, got {err:?}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "one line says why: {err}"
        );
    }
}

#[test]
fn flags_that_reshape_the_catalogue_are_refused_with_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let body = write(dir.path(), "staging.json", STAGING_BODY);
    let (code, _, err) = refuse(&["--catalogue", s(&body), "--catalogue-size", "100"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used with"), "{err}");
    for fault in [
        "missing-statusId",
        "bare-array",
        "duplicate-key",
        "truncated-body",
    ] {
        let (code, _, err) = refuse(&["--catalogue", s(&body), "--fault", fault]);
        assert_eq!(code, 2, "{fault}: {err}");
        assert!(
            err.starts_with(&format!(
                "error: --fault {fault} changes the catalogue response"
            )),
            "{err}"
        );
    }
    // A fault on sessions serves the file.
    let mock = start(&["--catalogue", s(&body), "--fault", "token-not-checked"]);
    assert!(
        mock.banner.contains("fault token-not-checked"),
        "{}",
        mock.banner
    );
}

/// Logs in to `base` and fetches the catalogue: (status, media type, body,
/// session id).
async fn fetch(base: &str) -> (u16, String, Vec<u8>, String) {
    // reqwest is built without a TLS provider of its own (see run::target).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let c = reqwest::Client::builder().build().unwrap();
    let login = c
        .post(format!("{base}/icws/connection"))
        .header("Accept-Language", "en-US")
        .body(
            json!({"userID": refserver::DEMO_USER, "password": refserver::DEMO_PASSWORD})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 201);
    let h = login.headers().clone();
    let header = |n: &str| h.get(n).map(|v| v.to_str().unwrap().to_owned());
    let cookie = header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // The ids are in the body and the headers (fault login-without-headers:
    // the body only).
    let answer: serde_json::Value = serde_json::from_slice(&login.bytes().await.unwrap()).unwrap();
    let from_body = |k: &str| answer[k].as_str().unwrap().to_owned();
    let (sid, token) = (
        header(refserver::SESSION_ID_HEADER).unwrap_or_else(|| from_body("sessionId")),
        header(refserver::CSRF_HEADER).unwrap_or_else(|| from_body("csrfToken")),
    );
    let resp = c
        .get(format!("{base}/icws/{sid}/status/status-messages"))
        .header(refserver::CSRF_HEADER, token)
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let media = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, media, resp.bytes().await.unwrap().to_vec(), sid)
}

#[test]
fn faults_allowed_with_a_file_serve_it_untouched() {
    let rt = runtime();
    let given: Value = serde_json::from_str(STAGING_BODY).unwrap();
    let mut with_placeholders = given.clone();
    with_placeholders["statusMessageList"][0]["iconUri"] =
        json!("{origin}/icws/{sessionId}/status/status-message-icons/Available");
    let given = Arc::new(with_placeholders);
    let mut checked = 0;
    for fault in Fault::all().into_iter().filter(|f| !f.changes_catalogue()) {
        let server = rt
            .block_on(refserver::spawn(Config {
                fault: Some(fault),
                catalogue: Some(Arc::clone(&given)),
                ..Config::default()
            }))
            .unwrap();
        let (status, media, body, sid) = rt.block_on(fetch(&server.base_url()));
        if status != 200 {
            continue; // the fault answers with another status: no catalogue
        }
        let origin = format!("http://{}", server.addr);
        // Byte for byte what the server sends without a fault.
        let expected = refserver::catalogue::instantiate(&given, &sid, &origin);
        assert_eq!(
            String::from_utf8_lossy(&body),
            expected.to_string(),
            "{fault}"
        );
        assert_eq!(media, refserver::ICWS_MEDIA_TYPE, "{fault}");
        let served: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            served["statusMessageList"][0]["iconUri"],
            format!("{origin}/icws/{sid}/status/status-message-icons/Available"),
            "{fault}"
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} faults served a catalogue");
}

/// What is checked must be what is served: a placeholder in an id, a
/// profile that adds a status, and a file whose placeholders could grow it
/// past the harness's default body limit are refused.
#[test]
fn files_whose_served_form_could_differ_from_the_checked_one_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (member, value) in [("systemId", "{sessionId}"), ("statusId", "{origin}")] {
        let file = write(
            dir.path(),
            &format!("{member}.json"),
            &broken(&[(2, member, json!(value))]),
        );
        let (code, _, err) = refuse(&["--catalogue", s(&file)]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!(
                "/statusMessageList/2/{member} holds a placeholder"
            )),
            "{err}"
        );
    }
    let body = write(dir.path(), "staging.json", STAGING_BODY);
    let (code, _, err) = refuse(&[
        "--catalogue",
        s(&body),
        "--profile",
        "password-in-catalogue",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("password-in-catalogue adds a status"), "{err}");
    // 60,000 placeholders of 8 bytes could each become a 300-byte origin.
    let mut v: Value = serde_json::from_str(STAGING_BODY).unwrap();
    v["statusMessageList"][0]["messageText"] = json!("{origin}".repeat(60_000));
    let big = write(dir.path(), "big.json", &v.to_string());
    let (code, _, err) = refuse(&["--catalogue", s(&big)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("placeholder(s) filled in"), "{err}");
}

#[test]
fn the_binary_lists_profiles_and_refuses_unknown_ones() {
    let bin = REFSERVER;
    let out = std::process::Command::new(bin)
        .arg("--list-profiles")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for p in Profile::all() {
        assert!(text.contains(&format!("{p}\n    {}", p.about())), "{p}");
    }
    for bad in [
        &["--profile", "no-such-profile"][..],
        &["--max-connections", "0"][..],
    ] {
        let out = std::process::Command::new(bin).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("error: "), "{err}");
    }
}
