//! Catalogue snapshots through the binary: opt-in for remote targets, always
//! on (and passing) for the embedded server; an unchanged catalogue passes;
//! a message added or removed, a property changed, a text reworded each fail
//! with a diff naming the message and property; a letter-case-only id change
//! passes with a note; under CI nothing is written; locally a mismatch writes
//! `.snap.new` in insta's format and names the accepting command.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::ptr_arg)] // edits share one fn(&mut Vec) type

use std::path::Path;

use crate::common::{line_of, login_env, pairs, run, runtime, serve};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use icws_refserver::{self as refserver, Config};
use serde_json::Value;

type Edit = fn(&mut Vec<Value>);

/// The reference server with its 200 catalogue edited by `edit`.
fn edited(edit: Edit) -> axum::Router {
    refserver::app(Config::default()).layer(axum::middleware::map_response(
        move |r: Response| async move {
            if r.status() != 200
                || !r
                    .headers()
                    .get(header::CONTENT_TYPE)
                    .is_some_and(|c| c.as_bytes().starts_with(b"application/vnd"))
            {
                return r;
            }
            let (parts, body) = r.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let mut v: Value = serde_json::from_slice(&bytes).unwrap();
            if let Some(list) = v.get_mut("statusMessageList").and_then(Value::as_array_mut) {
                edit(list);
            }
            (parts.status, parts.headers, serde_json::to_vec(&v).unwrap()).into_response()
        },
    ))
}

fn by_id<'a>(list: &'a mut [Value], id: &str) -> &'a mut Value {
    list.iter_mut().find(|m| m["statusId"] == id).unwrap()
}

fn unchanged(_: &mut Vec<Value>) {}

/// Runs the catalogue case against `app` with snapshots in `dir` under the
/// target name `staging`.
fn snap_run(
    app: axum::Router,
    dir: &Path,
    env: &[(&'static str, &str)],
    extra: &[&str],
) -> (i32, String) {
    let rt = runtime();
    let url = rt.block_on(serve(app));
    let mut e = login_env(&url);
    e.extend(env.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let mut args = vec![
        "status-messages/catalog",
        "--exact",
        "--snapshots",
        dir.to_str().unwrap(),
        "--target-name",
        "staging",
    ];
    args.extend(extra);
    let (code, out, err) = run(&args, &pairs(&e));
    (code, format!("{out}\n{err}"))
}

const LOCAL: &[(&str, &str)] = &[("CI", "")];
const CI: &[(&str, &str)] = &[("CI", "true")];

fn snap(dir: &Path) -> std::path::PathBuf {
    dir.join("staging/status-messages/catalog.snap")
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// A snapshot folder holding the unchanged reference catalogue as `staging`.
fn recorded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = snap_run(edited(unchanged), dir.path(), LOCAL, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("first run against target `staging`: wrote"),
        "the first run says it wrote the snapshot: {out}"
    );
    assert_eq!(
        files_under(dir.path()),
        ["staging/status-messages/catalog.snap"]
    );
    dir
}

#[test]
fn first_run_writes_then_an_unchanged_catalogue_passes() {
    let dir = recorded();
    // insta reads what we wrote.
    let s = insta::Snapshot::from_file(&snap(dir.path())).unwrap();
    let contents = s.contents().as_text().unwrap().to_string();
    let v: Value = serde_json::from_str(&contents).unwrap();
    assert_eq!(v["statusMessageList"].as_array().unwrap().len(), 21);
    assert!(contents.contains("/icws/{sessionId}/status/status-message-icons/"));
    // Every later run (new session ids) passes, under CI too, writing nothing.
    for env in [LOCAL, CI] {
        let (code, out) = snap_run(edited(unchanged), dir.path(), env, &[]);
        assert_eq!(code, 0, "{out}");
        assert!(!out.contains("note:"), "{out}");
    }
    assert_eq!(
        files_under(dir.path()),
        ["staging/status-messages/catalog.snap"]
    );
}

#[test]
fn each_kind_of_change_fails_with_a_named_diff() {
    let dir = recorded();
    fn added(l: &mut Vec<Value>) {
        let mut m = l[0].clone();
        m["statusId"] = "Vacation".into();
        m["messageText"] = "Vacation".into();
        m["systemId"] = "4242".into();
        l.push(m);
    }
    fn removed(l: &mut Vec<Value>) {
        l.retain(|m| m["statusId"] != "Gone Home");
    }
    fn flag(l: &mut Vec<Value>) {
        by_id(l, "Gone Home")["isPersistentStatus"] = false.into();
    }
    fn text(l: &mut Vec<Value>) {
        by_id(l, "Gone Home")["messageText"] = "Gone home for the day".into();
    }
    let expectations: [(Edit, &str); 4] = [
        (added, "message `Vacation` added"),
        (removed, "message `Gone Home` removed"),
        (flag, "`Gone Home`: `isPersistentStatus` true → false"),
        (
            text,
            "`Gone Home`: `messageText` \"Gone Home\" → \"Gone home for the day\"",
        ),
    ];
    for (edit, named) in expectations {
        let (code, out) = snap_run(edited(edit), dir.path(), CI, &[]);
        assert_eq!(code, 101, "{out}");
        assert!(out.contains(named), "expected {named:?} in {out}");
        assert!(
            out.contains("error[SNAPSHOT]: the catalogue differs from"),
            "{out}"
        );
        assert!(out.contains("nothing written (CI"), "{out}");
        assert_eq!(
            files_under(dir.path()),
            ["staging/status-messages/catalog.snap"],
            "CI wrote something"
        );
    }
}

#[test]
fn a_letter_case_only_id_change_passes_with_a_note() {
    let dir = recorded();
    fn recase(l: &mut Vec<Value>) {
        by_id(l, "Gone Home")["statusId"] = "GONE HOME".into();
    }
    let json = dir.path().join("report.json");
    let (code, out) = snap_run(
        edited(recase),
        dir.path(),
        CI,
        &["--report-json", json.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{out}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(
        report["notes"][0]
            .as_str()
            .unwrap()
            .contains("`Gone Home` is now `GONE HOME`"),
        "{report}"
    );
    assert!(
        out.contains("note: status-messages/catalog: `Gone Home` is now `GONE HOME`: only the letter case changed"),
        "{out}"
    );
}

#[test]
fn locally_a_mismatch_writes_snap_new_and_names_the_accepting_command() {
    let dir = recorded();
    fn flag(l: &mut Vec<Value>) {
        by_id(l, "Gone Home")["isPersistentStatus"] = false.into();
    }
    let (code, out) = snap_run(edited(flag), dir.path(), LOCAL, &[]);
    assert_eq!(code, 101, "{out}");
    let root = dir.path().join("staging");
    assert!(
        out.contains(&format!(
            "cargo insta accept --workspace-root {}",
            root.display()
        )),
        "{out}"
    );
    assert!(out.contains("--accept-snapshots"), "{out}");
    assert_eq!(
        files_under(dir.path()),
        [
            "staging/status-messages/catalog.snap",
            "staging/status-messages/catalog.snap.new"
        ]
    );
    let pending =
        insta::Snapshot::from_file(&root.join("status-messages/catalog.snap.new")).unwrap();
    let pending: Value =
        serde_json::from_str(&pending.contents().as_text().unwrap().to_string()).unwrap();
    let gone = pending["statusMessageList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["statusId"] == "Gone Home")
        .unwrap();
    assert_eq!(
        gone["isPersistentStatus"], false,
        "the pending snapshot holds the new catalogue"
    );
    // INSTA_UPDATE=no: nothing written locally either.
    std::fs::remove_file(root.join("status-messages/catalog.snap.new")).unwrap();
    let (code, _) = snap_run(
        edited(flag),
        dir.path(),
        &[("CI", ""), ("INSTA_UPDATE", "no")],
        &[],
    );
    assert_eq!(code, 101);
    assert_eq!(
        files_under(dir.path()),
        ["staging/status-messages/catalog.snap"]
    );
    // The explicit accept step, refused under CI.
    let (code, out) = snap_run(edited(flag), dir.path(), CI, &["--accept-snapshots"]);
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("--accept-snapshots is refused under CI"),
        "{out}"
    );
    let (code, out) = snap_run(edited(flag), dir.path(), LOCAL, &["--accept-snapshots"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("accepted: wrote"), "{out}");
    let (code, out) = snap_run(edited(flag), dir.path(), CI, &[]);
    assert_eq!(code, 0, "accepted snapshot now matches: {out}");
}

#[test]
fn a_missing_snapshot_fails_under_ci_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = snap_run(edited(unchanged), dir.path(), CI, &[]);
    assert_eq!(code, 101, "{out}");
    assert!(
        out.contains("no snapshot of this catalogue for target `staging`"),
        "{out}"
    );
    assert!(files_under(dir.path()).is_empty());
}

#[test]
fn a_snapshot_that_cannot_be_written_fails_the_case_and_claims_nothing() {
    // Under /proc/1 a read finds nothing, and a folder cannot be created
    // (even as root).
    if !Path::new("/proc/1").is_dir() {
        return;
    }
    let (code, out) = snap_run(edited(unchanged), Path::new("/proc/1"), LOCAL, &[]);
    assert_eq!(code, 101, "{out}");
    assert!(
        line_of(&out, "status-messages/catalog").ends_with("FAILED"),
        "{out}"
    );
    assert!(out.contains("error[SNAPSHOT]"), "{out}");
    assert!(
        !out.contains("first run against target"),
        "a false note: {out}"
    );
}

#[test]
fn insta_update_is_read_as_insta_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    // `1` means always, as in insta; an unknown value stops a run but not
    // a listing (nextest lists through this binary).
    let (code, out) = snap_run(
        edited(unchanged),
        dir.path(),
        &[("CI", ""), ("INSTA_UPDATE", "1")],
        &[],
    );
    assert_eq!(code, 0, "{out}");
    assert!(snap(dir.path()).is_file(), "{out}");
    let (code, out) = snap_run(
        edited(unchanged),
        dir.path(),
        &[("CI", ""), ("INSTA_UPDATE", "sometimes")],
        &[],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("INSTA_UPDATE=\"sometimes\""), "{out}");
    let (code, out) = snap_run(
        edited(unchanged),
        dir.path(),
        &[("CI", ""), ("INSTA_UPDATE", "sometimes")],
        &["--list"],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn snapshots_are_opt_in_for_remote_targets_and_on_for_the_embedded_server() {
    let rt = runtime();
    let cwd = tempfile::tempdir().unwrap();
    let url = rt.block_on(serve(edited(unchanged)));
    let mut cmd = std::process::Command::new(crate::common::BIN);
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("ICWS_") {
            cmd.env_remove(k);
        }
    }
    let status = cmd
        .current_dir(cwd.path())
        .env("CI", "")
        .envs(pairs(&login_env(&url)))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    assert!(
        files_under(cwd.path()).is_empty(),
        "a plain run wrote {:?}",
        files_under(cwd.path())
    );
    // A target name alone turns snapshots on, in ./snapshots/<name>.
    let mut env = login_env(&url);
    env.push(("ICWS_TARGET_NAME", "eu-staging".into()));
    let mut cmd = std::process::Command::new(crate::common::BIN);
    let out = cmd
        .current_dir(cwd.path())
        .env("CI", "")
        .envs(pairs(&env))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        files_under(cwd.path()),
        ["snapshots/eu-staging/status-messages/catalog.snap"]
    );
    // The embedded server compares with the committed reference snapshot,
    // even where no snapshots folder exists (the built-in copy).
    let out = std::process::Command::new(crate::common::BIN)
        .current_dir(tempfile::tempdir().unwrap().path())
        .env("CI", "true")
        .env_remove("ICWS_BASE_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let (code, out, err) = run(&["status-messages/catalog", "--exact"], &[("CI", "true")]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(line_of(&out, "status-messages/catalog").ends_with("ok"));
    // A bad target name is refused.
    let (code, _, err) = run(&["--target-name", "../x"], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("--target-name"), "{err}");
}

#[test]
fn declared_redactions_hide_run_varying_values() {
    fn clock(l: &mut Vec<Value>) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        by_id(l, "Gone Home")["messageText"] = format!("Gone Home (since {now})").into();
    }
    let cases = tempfile::tempdir().unwrap();
    std::fs::create_dir(cases.path().join("vendor")).unwrap();
    std::fs::write(
        cases.path().join("vendor/catalog.toml"),
        r#"description = "The catalogue, with message texts that carry a time"
reqs = ["REQ-200-1"]
tags = ["vendor"]

[request]
endpoint = "status-messages"
session = "valid"

[expect]
status = [200]
schema = "status-messages"

[snapshot]
redact = ["/statusMessageList/*/messageText"]
"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run_once = |env: &[(&'static str, &str)]| {
        let rt = runtime();
        let url = rt.block_on(serve(edited(clock)));
        let mut e = login_env(&url);
        e.extend(env.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let args = [
            "vendor/catalog",
            "--exact",
            "--cases",
            cases.path().to_str().unwrap(),
            "--snapshots",
            dir.path().to_str().unwrap(),
            "--target-name",
            "t",
        ];
        run(&args, &pairs(&e))
    };
    assert_eq!(run_once(LOCAL).0, 0);
    let (code, out, err) = run_once(CI);
    assert_eq!(code, 0, "{out}\n{err}");
    let text = std::fs::read_to_string(dir.path().join("t/vendor/catalog.snap")).unwrap();
    assert!(text.contains("\"messageText\": \"[redacted]\""), "{text}");
}
