//! Reports and gates, through the binary: the JSON report (valid against
//! `schemas/report/report.schema.json`), JUnit XML, GitHub annotations and
//! step summary, the baseline (expected failures, unexpected passes,
//! `--write-baseline`), levels (`--strict`, `level = "interop"`) and tags.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use crate::common::{faulty, line_of, login_env, pairs, run, runtime, serve};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use icws_refserver::{self as refserver, Config};
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Checks a JSON report against the shipped schema of its shape.
fn assert_valid_report(report: &Value) {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/report/report.schema.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match its schema: {errors:#?}"
    );
}

fn case<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no case {name} in the report"))
}

#[test]
fn json_and_junit_reports_of_a_failing_run() {
    let rt = runtime();
    let server = faulty("wrong-type-isAcdStatus", &rt);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out/report.json");
    let xml = dir.path().join("out/junit.xml");
    let env = login_env(&server.base_url());
    let (code, out, err) = run(
        &[
            "--report-json",
            json.to_str().unwrap(),
            "--junit",
            xml.to_str().unwrap(),
        ],
        &pairs(&env),
    );
    assert_eq!(code, 101, "{out}\n{err}");

    let report = read_json(&json);
    assert_valid_report(&report);
    assert_eq!(report["target"]["baseUrl"], server.base_url());
    assert_eq!(report["target"]["embedded"], false);
    assert_eq!(report["passed"], false);
    assert_eq!(report["summary"]["failed"], 1);
    let shipped = crate::common::shipped_cases().len();
    assert_eq!(report["summary"]["total"], shipped);
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    let catalog = case(&report, "status-messages/catalog");
    assert_eq!(catalog["status"], "failed");
    assert_eq!(catalog["folder"], "status-messages");
    let f = &catalog["findings"][0];
    assert_eq!(f["req"], "REQ-MSG-isAcdStatus");
    assert_eq!(f["pointer"], "/statusMessageList/3/isAcdStatus");
    assert_eq!(f["expected"], "boolean");
    assert_eq!(f["actual"], "\"false\"");
    assert_eq!(f["failing"], true);
    assert_eq!(catalog["attempts"][0]["outcome"], "status 200");
    assert_eq!(case(&report, "auth/missing-token")["status"], "passed");

    let junit =
        quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(&xml).unwrap()).unwrap();
    assert_eq!(junit.tests as usize, shipped);
    assert_eq!(junit.failures, 1);
    let suite = &junit.test_suites[0];
    let tc = suite
        .test_cases
        .iter()
        .find(|t| t.name.as_str() == "status-messages/catalog")
        .unwrap();
    assert_eq!(tc.classname.as_ref().unwrap().as_str(), "status-messages");
    match &tc.status {
        quick_junit::TestCaseStatus::NonSuccess {
            message,
            description,
            ..
        } => {
            let message = message.as_ref().unwrap().as_str();
            assert!(!message.contains('\n'), "{message}");
            assert!(
                message.starts_with("[REQ-MSG-isAcdStatus] body /statusMessageList/3/isAcdStatus"),
                "{message}"
            );
            assert!(
                description
                    .as_ref()
                    .unwrap()
                    .as_str()
                    .contains("error[REQ-MSG-isAcdStatus]: wrong JSON type")
            );
        }
        other => panic!("catalog should fail in JUnit: {other:?}"),
    }
}

#[test]
fn ignored_cases_are_skipped_with_the_reason_in_junit_and_json() {
    let rt = runtime();
    let server = rt.block_on(refserver::spawn(Config::default())).unwrap();
    let url = server.base_url();
    let s = crate::common::open_session(&url, &rt);
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let xml = dir.path().join("j.xml");
    let (code, out, err) = run(
        &[
            "--report-json",
            json.to_str().unwrap(),
            "--junit",
            xml.to_str().unwrap(),
        ],
        &[
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_SESSION_ID", s.id.as_str()),
            ("ICWS_CSRF_TOKEN", s.token.expose()),
            ("ICWS_COOKIE", s.cookie.expose()),
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let report = read_json(&json);
    assert_valid_report(&report);
    let ended = case(&report, "session/ended");
    assert_eq!(ended["status"], "ignored");
    assert!(
        ended["reason"]
            .as_str()
            .unwrap()
            .contains("needs a session of its own")
    );
    let junit =
        quick_junit::Report::deserialize_from_str(&std::fs::read_to_string(&xml).unwrap()).unwrap();
    assert_eq!(junit.failures, 0);
    let tc = junit.test_suites[0]
        .test_cases
        .iter()
        .find(|t| t.name.as_str() == "session/ended")
        .unwrap();
    match &tc.status {
        quick_junit::TestCaseStatus::Skipped { message, .. } => assert!(
            message
                .as_ref()
                .unwrap()
                .as_str()
                .contains("needs a session of its own")
        ),
        other => panic!("should be skipped: {other:?}"),
    }
}

#[test]
fn github_annotations_and_step_summary() {
    let rt = runtime();
    let server = faulty("no-challenge", &rt);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let mut env = login_env(&server.base_url());
    env.push(("GITHUB_ACTIONS", "true".into()));
    env.push(("GITHUB_STEP_SUMMARY", summary.to_str().unwrap().into()));
    let (code, out, err) = run(&[], &pairs(&env));
    assert_eq!(code, 101, "{out}\n{err}");
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    // One per failing case: every 401 case lacks the challenge.
    let failed = out.lines().filter(|l| l.ends_with("... FAILED")).count();
    assert!(failed >= 2, "{out}");
    assert_eq!(errors.len(), failed, "{out}");
    assert!(
        errors
            .iter()
            .any(|l| l.contains("title=auth/missing-cookie::[REQ-401-2] header WWW-Authenticate")),
        "{errors:#?}"
    );
    // Commas and colons in properties, newlines in messages are escaped.
    assert!(
        errors.iter().all(|l| l.matches("::").count() == 2),
        "{errors:#?}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n"),
        "appended, not overwritten: {md}"
    );
    assert!(md.contains("### icws-conformance: ❌ failed"), "{md}");
    assert!(
        md.contains("| ` auth/missing-cookie ` | ❌ failed | ` [REQ-401-2]"),
        "{md}"
    );
    assert!(
        md.contains("| ` status-messages/catalog ` | ✅ passed |"),
        "{md}"
    );
    // Without GITHUB_ACTIONS, no workflow command is printed.
    let (_, out, _) = run(&[], &pairs(&login_env(&server.base_url())));
    assert!(!out.contains("::error"), "{out}");

    // Markdown and HTML a server sends are shown as text, not rendered.
    let app = refserver::app(Config::default()).layer(axum::middleware::map_response(
        |r: Response| async move {
            if r.status() != 200 || r.headers().get("content-type").is_none() {
                return r;
            }
            let mut r = Response::new(axum::body::Body::from(
                "[Fix here](https://evil.example/fix) <img src=https://evil.example/p.png> **bold** `code`",
            ));
            *r.status_mut() = axum::http::StatusCode::INTERNAL_SERVER_ERROR;
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            r
        },
    ));
    let url = rt.block_on(serve(app));
    let summary2 = dir.path().join("summary2.md");
    let mut env = login_env(&url);
    env.push(("GITHUB_ACTIONS", "true".into()));
    env.push(("GITHUB_STEP_SUMMARY", summary2.to_str().unwrap().into()));
    let (code, out, err) = run(&["status-messages/catalog", "--exact"], &pairs(&env));
    assert_eq!(code, 101, "{out}\n{err}");
    let md = std::fs::read_to_string(&summary2).unwrap();
    // Shown as it is, in a code span, which GitHub renders as text.
    assert!(md.contains("[Fix here](https://evil"), "{md}");
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.table = true;
    options.render.r#unsafe = true;
    let html = comrak::markdown_to_html(&md, &options);
    assert!(!html.contains("<a ") && !html.contains("<img"), "{html}");
}

#[test]
fn a_baseline_turns_known_failures_into_expected_ones_and_gates_on_new_ones() {
    let rt = runtime();
    let server = faulty("wrong-type-isAcdStatus", &rt);
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baseline.toml");
    let base_s = base.to_str().unwrap();
    let env = login_env(&server.base_url());
    // 1. Adopt: write the current failures.
    let (code, out, err) = run(&["--write-baseline", base_s], &pairs(&env));
    assert_eq!(code, 101, "{out}\n{err}");
    assert!(err.contains("wrote 1 known failure(s)"), "{err}");
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(text.contains("\"status-messages/catalog\" = "), "{text}");
    assert!(
        text.contains("REQ-MSG-isAcdStatus"),
        "the reason is the first finding: {text}"
    );
    // 2. Gate: the known failure is expected, the run passes.
    let json = dir.path().join("r.json");
    let (code, out, err) = run(
        &[
            "--baseline",
            base_s,
            "--report-json",
            json.to_str().unwrap(),
        ],
        &pairs(&env),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("1 expected failure(s)"), "{err}");
    let report = read_json(&json);
    assert_valid_report(&report);
    assert_eq!(
        case(&report, "status-messages/catalog")["status"],
        "expected-failure"
    );
    assert_eq!(report["summary"]["expectedFailures"], 1);
    // 3. A new failure on another server still fails the run.
    let other = faulty("no-challenge", &rt);
    let (code, out, _) = run(
        &["--baseline", base_s],
        &pairs(&login_env(&other.base_url())),
    );
    assert_eq!(code, 101, "{out}");
    // 4. Fixed: a baseline entry that passes is reported, and fails under --strict-baseline.
    let clean = rt.block_on(refserver::spawn(Config::default())).unwrap();
    let clean_env = login_env(&clean.base_url());
    let (code, out, err) = run(&["--baseline", base_s], &pairs(&clean_env));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("1 case(s) in the baseline now pass"), "{err}");
    let (code, out, _) = run(
        &["--baseline", base_s, "--strict-baseline"],
        &pairs(&clean_env),
    );
    assert_eq!(code, 101, "{out}");
    assert!(
        line_of(&out, "status-messages/catalog").ends_with("FAILED"),
        "{out}"
    );
    assert!(out.contains("remove it from the baseline"), "{out}");
    // 5. Rewriting keeps the reason the team wrote.
    std::fs::write(
        &base,
        "[expected-failures]\n\"status-messages/catalog\" = \"TICKET-42: vendor fix in 2027R1\"\n",
    )
    .unwrap();
    let again = dir.path().join("again.toml");
    let (code, _, err) = run(
        &[
            "--baseline",
            base_s,
            "--write-baseline",
            again.to_str().unwrap(),
        ],
        &pairs(&env),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        std::fs::read_to_string(&again)
            .unwrap()
            .contains("TICKET-42")
    );
}

#[test]
fn a_bad_baseline_is_a_load_error_and_unknown_entries_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("b.toml");
    std::fs::write(&base, "[expected-failures]\n\"auth/missing-token\" = 3\n").unwrap();
    let (code, _, err) = run(&["--baseline", base.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("b.toml:2:"), "{err}");
    std::fs::write(
        &base,
        "[expected-failures]\n\"auth/missing-tokn\" = \"x\"\n",
    )
    .unwrap();
    let (code, _, err) = run(&["--baseline", base.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("b.toml:2: the baseline names \"auth/missing-tokn\", which is not a case"),
        "{err}"
    );
    assert!(err.contains("auth/missing-token"), "did you mean: {err}");
    let (code, _, err) = run(&["--strict-baseline"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--strict-baseline needs --baseline"), "{err}");
}

/// The reference server answering `application/json` instead of the vnd
/// media type real clients expect: an interop finding, not a must.
fn plain_json_media_type(mut r: Response) -> Response {
    if let Some(ct) = r.headers().get(header::CONTENT_TYPE) {
        if ct.to_str().is_ok_and(|t| {
            t.to_ascii_lowercase()
                .starts_with("application/vnd.inin.icws+json")
        }) {
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
    }
    r
}

#[test]
fn interop_findings_warn_by_default_and_fail_under_strict() {
    let rt = runtime();
    let app = refserver::app(Config::default()).layer(axum::middleware::map_response(
        |r: Response| async move { plain_json_media_type(r) },
    ));
    let url = rt.block_on(serve(app));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let env = login_env(&url);
    let (code, out, err) = run(&["--report-json", json.to_str().unwrap()], &pairs(&env));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("interop warning(s) (not failing the run"),
        "{err}"
    );
    assert!(err.contains("warning(interop)[POL-MEDIA-1]"), "{err}");
    let report = read_json(&json);
    assert_valid_report(&report);
    let f = &case(&report, "status-messages/catalog")["findings"][0];
    assert_eq!(
        (f["level"].as_str(), f["failing"].as_bool()),
        (Some("interop"), Some(false))
    );
    assert!(report["summary"]["warnings"].as_u64().unwrap() > 0);
    let (code, out, err) = run(
        &["--strict", "--report-json", json.to_str().unwrap()],
        &pairs(&env),
    );
    assert_eq!(code, 101, "{out}\n{err}");
    assert!(
        out.contains("error(interop, --strict)[POL-MEDIA-1]"),
        "{out}"
    );
    let report = read_json(&json);
    assert_eq!(
        case(&report, "status-messages/catalog")["findings"][0]["failing"],
        true
    );
    // The env variable does the same; "false" means off.
    let mut strict = env.clone();
    strict.push(("ICWS_STRICT", "1".into()));
    assert_eq!(run(&[], &pairs(&strict)).0, 101);
    strict.pop();
    strict.push(("ICWS_STRICT", "false".into()));
    assert_eq!(run(&[], &pairs(&strict)).0, 0);
}

#[test]
fn an_interop_case_warns_unless_strict() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("vendor")).unwrap();
    std::fs::write(
        dir.path().join("vendor/no-content.toml"),
        r#"description = "A client-side convention: this vendor's clients expect 204 here"
reqs = ["REQ-200-1"]
tags = ["vendor"]
level = "interop"

[request]
endpoint = "status-messages"
session = "valid"

[expect]
status = [204]
"#,
    )
    .unwrap();
    let cases = dir.path().to_str().unwrap();
    let (code, out, err) = run(&["--cases", cases, "--tag", "vendor"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(line_of(&out, "vendor/no-content").ends_with("ok"), "{out}");
    assert!(err.contains("warning(interop)[REQ-200-1]"), "{err}");
    let (code, out, _) = run(&["--cases", cases, "--tag", "vendor", "--strict"], &[]);
    assert_eq!(code, 101, "{out}");
}

#[test]
fn tags_select_and_skip_cases() {
    let names = |args: &[&str]| {
        let (code, out, err) = run(args, &[]);
        assert_eq!(code, 0, "{args:?}: {out}\n{err}");
        let mut names: Vec<String> = out
            .lines()
            .filter_map(|l| l.strip_suffix(": test"))
            .map(str::to_owned)
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&["--list", "--tag", "features"]),
        ["connection/features"]
    );
    let all = names(&["--list"]);
    let auth = names(&["--list", "--tag", "auth"]);
    assert!(
        auth.contains(&"auth/wrong-token".to_owned()) && auth.contains(&"session/ended".to_owned())
    );
    assert!(!auth.contains(&"status-messages/catalog".to_owned()));
    let without = names(&["--list", "--skip-tag", "auth"]);
    assert_eq!(without.len() + auth.len(), all.len(), "{without:?}");
    assert!(without.iter().all(|n| !auth.contains(n)));
    assert_eq!(
        names(&[
            "--list",
            "--tag",
            "auth,schema",
            "--skip-tag",
            "session,near-miss"
        ]),
        [
            "auth/missing-cookie",
            "auth/missing-token",
            "auth/wrong-cookie",
            "auth/wrong-token",
            "status-messages/catalog"
        ]
    );
    // A tag no case has is a typo, not an empty run.
    let (code, out, err) = run(&["--tag", "autth"], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("--tag \"autth\": no case has this tag"),
        "{err}"
    );
    assert!(err.contains("did you mean \"auth\"?"), "{err}");
    // And a run with tags runs only those.
    let (code, out, _) = run(&["--tag", "features"], &[]);
    assert_eq!(code, 0);
    assert!(out.contains("1 passed"), "{out}");
}

#[test]
fn a_baseline_with_reqs_still_fails_on_a_new_kind_of_failure() {
    let rt = runtime();
    let known = faulty("wrong-type-isAcdStatus", &rt);
    let other = faulty("wrong-type-isForwardStatus", &rt);
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("baseline.toml");
    let base_s = base.to_str().unwrap();
    let (code, _, err) = run(
        &["--write-baseline", base_s],
        &pairs(&login_env(&known.base_url())),
    );
    assert_eq!(code, 101, "{err}");
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(
        text.contains("reqs = [\"REQ-MSG-isAcdStatus\"]"),
        "the written entry names what it breaks: {text}"
    );
    // The same failure is expected …
    let (code, out, _) = run(
        &["--baseline", base_s],
        &pairs(&login_env(&known.base_url())),
    );
    assert_eq!(code, 0, "{out}");
    // … a failure of the same case that breaks another rule is not.
    let (code, out, _) = run(
        &["--baseline", base_s],
        &pairs(&login_env(&other.base_url())),
    );
    assert_eq!(code, 101, "{out}");
    assert!(
        out.contains(
            "the baseline expects this case to break only REQ-MSG-isAcdStatus; it now also breaks REQ-MSG-isForwardStatus"
        ),
        "{out}"
    );
    // A reason-only entry expects any failure of the case.
    std::fs::write(
        &base,
        "[expected-failures]\n\"status-messages/catalog\" = \"TICKET-9\"\n",
    )
    .unwrap();
    let (code, out, _) = run(
        &["--baseline", base_s],
        &pairs(&login_env(&other.base_url())),
    );
    assert_eq!(code, 0, "{out}");
}

/// A report path that exists but is not a regular file (a folder, a FIFO)
/// is exit 2 naming the flag, at once: a FIFO with no reader would hang the
/// run in the write.
#[test]
fn a_report_path_that_is_not_a_regular_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut paths = vec![("--report-json", folder.clone())];
    if made {
        paths.push(("--junit", fifo.clone()));
        // Should the write block after all, a reader after a while turns
        // a hang into a failure of this test.
        let reader = fifo.clone();
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(20));
            let _ = std::fs::read(reader);
        });
    }
    for (flag, path) in paths {
        let started = std::time::Instant::now();
        let (code, _, err) = run(&[flag, path.to_str().unwrap()], &[]);
        assert_eq!(code, 2, "{flag}: {err}");
        assert!(
            err.contains(flag) && err.contains("not a regular file"),
            "{flag}: {err}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "{flag}: took {:?}",
            started.elapsed()
        );
    }
}
