//! The binary's contract: exit 0 when every case passes, 101 when one fails
//! (naming the rule and the place), 2 with a one-line reason when the run
//! cannot start (bad flag, invalid case file, unreachable target, refused
//! login), 3 with one line when the tool itself panics; the help's headings
//! and examples; a mistyped FILTER's did-you-mean. Secrets are proven absent
//! from every output in `secrets.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{run, runtime};
use axum::Router;
use icws_refserver::{self as refserver, Config};

#[test]
fn embedded_server_run_is_green() {
    let (code, out, err) = run(&[], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("test status-messages/catalog ") && l.ends_with("... ok")),
        "{out}"
    );
    assert!(out.contains(" 0 failed"), "{out}");
}

#[test]
fn list_needs_no_target() {
    let (code, out, _) = run(&["--list"], &[("ICWS_BASE_URL", "http://127.0.0.1:1")]);
    assert_eq!(code, 0);
    assert!(out.contains("status-messages/catalog: test"), "{out}");
}

#[test]
fn broken_server_exits_101_naming_rule_and_place() {
    let rt = runtime();
    let server = crate::common::faulty("wrong-type-isAcdStatus", &rt);
    let url = server.base_url();
    let env = [
        ("ICWS_BASE_URL", url.as_str()),
        ("ICWS_USER", refserver::DEMO_USER),
        ("ICWS_PASSWORD", refserver::DEMO_PASSWORD),
    ];
    let (code, out, err) = run(&[], &env);
    assert_eq!(code, 101, "{out}\n{err}");
    assert!(
        crate::common::line_of(&out, "status-messages/catalog").ends_with("FAILED"),
        "{out}"
    );
    assert!(
        out.contains("error[REQ-MSG-isAcdStatus]: wrong JSON type"),
        "{out}"
    );
    assert!(
        out.contains("body /statusMessageList/3/isAcdStatus"),
        "{out}"
    );
    // A filter runs only the matching cases.
    let (code, out, _) = run(&["auth/"], &env);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("catalog"), "{out}");
}

#[test]
fn base_url_may_carry_a_path_prefix() {
    let rt = runtime();
    let (addr, _guard) = rt.block_on(async {
        let app = Router::new().nest("/gw/cic", refserver::app(Config::default()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        (
            addr,
            tokio::spawn(async move { axum::serve(listener, app).await }),
        )
    });
    let url = format!("http://{addr}/gw/cic/");
    let env = [
        ("ICWS_BASE_URL", url.as_str()),
        ("ICWS_USER", refserver::DEMO_USER),
        ("ICWS_PASSWORD", refserver::DEMO_PASSWORD),
    ];
    let (code, out, err) = run(&["--skip", "status-messages/icons"], &env);
    assert_eq!(code, 0, "{out}\n{err}");
    // This gateway moves the server under /gw/cic without rewriting its
    // catalogue, whose iconUris (`/icws/…`, from the root) then reach
    // nothing: a browser shows no icon, and the links case says so (the
    // reference server's path-prefix profile sends them with the prefix).
    let (code, out, err) = run(&["status-messages/icons"], &env);
    assert_eq!(code, 101, "{out}\n{err}");
    assert!(out.contains("the icon does not load: 404"), "{out}");
}

#[test]
fn cannot_start_exits_2_with_one_reason_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.toml"), "description = 1\n").unwrap();
    let bad_case = dir.path().to_str().unwrap();
    let rt = runtime();
    let server = rt.block_on(refserver::spawn(Config::default())).unwrap();
    let url = server.base_url();
    type Check<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let checks: Vec<Check> = vec![
        (vec!["--bogus"], vec![], "unexpected argument"),
        (vec!["--cases", bad_case], vec![], "x.toml:1:15"),
        (
            vec![],
            vec![
                ("ICWS_BASE_URL", "http://127.0.0.1:1"),
                ("ICWS_USER", "u"),
                ("ICWS_PASSWORD", "p"),
            ],
            "cannot reach",
        ),
        (vec![], vec![("ICWS_BASE_URL", "ftp://x")], "not an http"),
        (
            vec![],
            vec![("ICWS_BASE_URL", url.as_str())],
            "no way to open a session",
        ),
        (
            vec![],
            vec![
                ("ICWS_BASE_URL", url.as_str()),
                ("ICWS_USER", "agent1"),
                ("ICWS_PASSWORD", "nope"),
            ],
            "login refused",
        ),
        (
            vec![],
            vec![("ICWS_USER", "agent1")],
            "ICWS_PASSWORD is not",
        ),
        (vec![], vec![("ICWS_SESSION_ID", "1")], "needs all three"),
        (
            vec![],
            vec![("ICWS_TIMEOUT", "soon")],
            "not a positive number",
        ),
        (vec!["--timeout", "1e20"], vec![], "not a positive number"),
        (
            vec![],
            vec![("ICWS_STRICT", "maybe")],
            "expected 1/true/yes/on",
        ),
        (
            vec![],
            vec![("INSTA_UPDATE", "sometimes")],
            "INSTA_UPDATE=\"sometimes\" is not a known value",
        ),
    ];
    for (args, env, needle) in checks {
        let (code, out, err) = run(&args, &env);
        assert_eq!(code, 2, "{args:?} {env:?}: {out}\n{err}");
        assert!(
            err.contains(needle),
            "{args:?} {env:?}: expected {needle:?} in {err}"
        );
        assert!(!out.contains("running"), "{args:?}: a case ran: {out}");
    }
}

/// A reference server and the environment of a session opened on it by
/// hand, as a user hands the tool an existing session.
fn given_session(
    rt: &tokio::runtime::Runtime,
) -> (refserver::Running, Vec<(&'static str, String)>) {
    let server = rt.block_on(refserver::spawn(Config::default())).unwrap();
    let url = server.base_url();
    let s = crate::common::open_session(&url, rt);
    let env = vec![
        ("ICWS_BASE_URL", url),
        ("ICWS_SESSION_ID", s.id.clone()),
        ("ICWS_CSRF_TOKEN", s.token.expose().to_owned()),
        ("ICWS_COOKIE", s.cookie.expose().to_owned()),
    ];
    (server, env)
}

#[test]
fn a_given_session_runs_and_cases_needing_a_login_are_ignored_with_the_reason() {
    let rt = runtime();
    let (_server, env) = given_session(&rt);
    let env = crate::common::pairs(&env);
    let (code, out, err) = run(&[], &env);
    assert_eq!(code, 0, "{out}\n{err}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("test {name} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("session/ended").ends_with("ignored (needs a session of its own: set ICWS_USER and ICWS_PASSWORD (only a given session is available))"), "{out}");
    assert!(line("status-messages/catalog").ends_with("... ok"), "{out}");
    let token = env
        .iter()
        .find(|(k, _)| *k == "ICWS_CSRF_TOKEN")
        .map(|(_, v)| *v)
        .unwrap();
    assert!(!out.contains(token) && !err.contains(token));
    // The given session was not ended by the run: it still gets the catalogue.
    let (code, out, _) = run(&["status-messages/catalog"], &env);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn the_console_says_what_was_tested_and_what_broke() {
    let rt = runtime();
    let (code, _, err) = run(&[], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("14 case(s) checking") || err.contains("case(s) checking"),
        "{err}"
    );
    assert!(
        err.contains("against the embedded reference server (http://127.0.0.1:"),
        "{err}"
    );
    assert!(err.contains("none broken"), "{err}");
    let server = crate::common::faulty("no-challenge", &rt);
    let env = crate::common::login_env(&server.base_url());
    let (code, _, err) = run(&[], &crate::common::pairs(&env));
    assert_eq!(code, 101, "{err}");
    assert!(err.contains("as user agent1"), "{err}");
    assert!(
        err.lines()
            .any(|l| l.trim_start().starts_with("REQ-401-2: ") && l.contains("auth/missing-cookie")),
        "{err}"
    );
    // --list stays exactly libtest's.
    let (_, out, err) = run(&["--list"], &[]);
    assert!(
        !out.contains("checking") && !err.contains("checking"),
        "{out}{err}"
    );
}

#[test]
fn a_selection_whose_every_case_is_ignored_tests_nothing_and_says_so() {
    let rt = runtime();
    let (_server, env) = given_session(&rt);
    let env = crate::common::pairs(&env);
    let (code, out, err) = run(&["--tag", "isolation"], &env);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("every selected case was ignored"), "{err}");
    assert!(out.contains("needs two sessions of its own"), "{out}");
}

#[test]
fn explain_tells_a_requirement_its_policy_cases_and_faults() {
    let (code, out, err) = run(&["--explain", "REQ-401-2"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.starts_with("REQ-401-2: a 401 carries WWW-Authenticate"),
        "{out}"
    );
    assert!(out.contains("policy: scheme, parameter names"), "{out}");
    assert!(out.contains("auth/missing-cookie"), "{out}");
    assert!(out.contains("no-challenge"), "{out}");
    let (code, _, err) = run(&["--explain", "REQ-401-3"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean \"REQ-401-"), "{err}");
}

#[test]
fn explain_shows_a_requirement_no_server_can_break_as_such() {
    let (code, out, err) = run(&["--explain", "REQ-ID-2"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("no fault mode can prove it"), "{out}");
    assert!(
        out.contains("check::rules::tests::expected_ids_match_case_insensitively"),
        "{out}"
    );
    assert!(!out.contains("case-duplicate-status-id"), "{out}");
}

/// `--coverage` fills a row from findings of runs, not from what a case
/// file lists: a case that names REQ-SYS-1 but can never produce a finding
/// of it is not in that row.
#[test]
fn coverage_rows_come_from_findings_not_case_labels() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("mine")).unwrap();
    std::fs::write(
        dir.path().join("mine/claims-too-much.toml"),
        r#"description = "Lists REQ-SYS-1 and REQ-ID-1 first, but checks only the status"
reqs = ["REQ-SYS-1", "REQ-ID-1"]

[request]
endpoint = "status-messages"
session = "valid"

[expect]
status = [200]
"#,
    )
    .unwrap();
    let cases = dir.path().to_string_lossy().into_owned();
    let (code, out, err) = run(&["--coverage", "--cases", &cases], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let row = |id: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("| `{id}`")))
            .unwrap_or_else(|| panic!("no row {id}: {out}"))
            .to_owned()
    };
    assert!(row("REQ-SYS-1").contains("`non-digit-system-id`"), "{out}");
    // Under status-500, never-finishes… its findings name what its request
    // puts to the test (the catalogue, REQ-200-1), never its `reqs`.
    assert!(!row("REQ-SYS-1").contains("mine/claims-too-much"), "{out}");
    assert!(!row("REQ-ID-1").contains("mine/claims-too-much"), "{out}");
    assert!(row("REQ-200-1").contains("mine/claims-too-much"), "{out}");
    assert!(row("REQ-REQ-1").contains("`wrong-path`"), "{out}");
    assert!(
        row("REQ-ID-2").contains("no fault mode can prove it"),
        "{out}"
    );
    assert!(!out.contains("**none**"), "{out}");
}

/// Under `--strict` the reference server still passes: its undocumented
/// members are known vendor extensions, named in notes.
#[test]
fn strict_run_names_vendor_extensions_and_passes() {
    let (code, out, err) = run(&["--strict"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("status-messages/catalog: `__type`") && all.contains("known vendor extension"),
        "{all}"
    );
}

/// The book's coverage matrix (`docs/src/reference/faults.md`, generated by
/// `tests/docs.rs`) is what the binary's `--coverage` prints.
#[test]
fn documented_matrix_is_the_coverage_output() {
    let (code, out, err) = run(&["--coverage"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let page = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/docs/src/reference/faults.md"
    ))
    .unwrap();
    assert!(
        page.contains(out.trim_end()),
        "docs/src/reference/faults.md's coverage matrix differs from `icws-conformance \
         --coverage`: regenerate it with `ICWS_BLESS_DOCS=1 cargo test --test integration docs::`\n{out}"
    );
}

/// The embedded server and the fault sweep are on loopback: a proxy in the
/// environment (which could not reach them, and must not see their logins)
/// is not used for them.
#[test]
fn a_proxy_in_the_environment_is_not_used_for_the_embedded_server() {
    let env = [
        ("HTTP_PROXY", "http://127.0.0.1:9"),
        ("http_proxy", "http://127.0.0.1:9"),
        ("ALL_PROXY", "http://127.0.0.1:9"),
    ];
    let (code, out, err) = run(&["status-messages/catalog", "--exact"], &env);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = run(&["--explain", "REQ-401-2"], &env);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("no-challenge"), "{out}");
}

/// `--explain` takes an id in any letter case; a report flag beside it or
/// `--coverage` gets a warning rather than silently not being written.
#[test]
fn explain_takes_lowercase_and_refuses_report_flags() {
    let (code, out, err) = run(&["--explain", "req-401-2"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.starts_with("REQ-401-2:"), "{out}");
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("p.html");
    let page = page.to_str().unwrap();
    let (code, out, err) = run(&["--coverage", "--report-html", page], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("| `REQ-REQ-1`"), "{out}");
    assert!(err.contains("warning: --report-html"), "{err}");
    assert!(!std::path::Path::new(page).exists());
}

/// The line before the cases counts what the filter and `--skip` leave; a
/// run that runs no case at all tests nothing and is exit 2, not a pass.
#[test]
fn filters_are_counted_and_running_nothing_is_not_a_pass() {
    let (code, out, err) = run(&["auth/missing"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains(": 2 case(s) checking"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let json = json.to_str().unwrap();
    for args in [
        &["--skip", "a", "--skip", "s", "--skip", "c"][..],
        &["--ignored"][..],
    ] {
        let mut all = args.to_vec();
        all.extend(["--report-json", json]);
        let (code, out, err) = run(&all, &[]);
        assert_eq!(code, 2, "{args:?}\n{out}\n{err}");
        assert!(err.contains("no case was run"), "{err}");
        // The report does not call it a pass either.
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
        assert_eq!(report["passed"], false, "{report}");
    }
}

/// `--help` groups the flags under headings, hides libtest's options that
/// do nothing here, and ends with two examples and every exit status.
#[test]
fn help_has_headings_examples_and_no_libtest_no_ops() {
    let (code, out, err) = run(&["--help"], &[]);
    assert_eq!(code, 0, "{err}");
    let mut at = 0;
    for heading in [
        "Target and login:",
        "Selection:",
        "CI gate:",
        "Reports and console:",
        "Transport:",
        "Information:",
        "Examples:",
        "Exit status:",
    ] {
        let found = out[at..]
            .lines()
            .position(|l| l.starts_with(heading))
            .unwrap_or_else(|| panic!("no line {heading:?} (in order) in\n{out}"));
        at += out[at..]
            .lines()
            .take(found + 1)
            .map(|l| l.len() + 1)
            .sum::<usize>();
    }
    // Nothing sits under a heading of its own ("Options:", "Arguments:").
    assert!(
        !out.contains("\nOptions:") && !out.contains("\nArguments:"),
        "{out}"
    );
    let section = |name: &str| {
        out.split(&format!("\n{name}:\n"))
            .nth(1)
            .and_then(|rest| rest.split("\n\n").next())
            .unwrap_or_default()
            .to_owned()
    };
    for (heading, flags) in [
        (
            "Selection",
            &["[FILTER]", "--exact", "--skip <FILTER>", "--tag"][..],
        ),
        (
            "Reports and console",
            &["--junit", "--report-html", "--format", "-q, --quiet"][..],
        ),
        (
            "Transport",
            &["--timeout", "--proxy", "--test-threads <N>"][..],
        ),
        (
            "Information",
            &["--list", "--coverage", "--explain", "--help", "--version"][..],
        ),
    ] {
        let text = section(heading);
        for flag in flags {
            assert!(text.contains(flag), "{flag} not under {heading}:\n{text}");
        }
    }
    for hidden in [
        "--nocapture",
        "--show-output",
        "--logfile",
        "--bench",
        "--test ",
        "-Z",
        "--ignored",
        "--include-ignored",
    ] {
        assert!(!out.contains(hidden), "{hidden} shown:\n{out}");
    }
    // The examples: the embedded server, and a target with the login from
    // the environment and JUnit and HTML reports.
    let examples = out.split("Examples:").nth(1).unwrap_or_default();
    assert!(examples.contains("\n  icws-conformance\n"), "{examples}");
    assert!(
        examples.contains("ICWS_USER=")
            && examples.contains("ICWS_PASSWORD=")
            && examples.contains("--base-url https://")
            && examples.contains("--junit ")
            && examples.contains("--report-html "),
        "{examples}"
    );
    assert!(!examples.contains("--password"), "{examples}");
    // -h is the same help.
    let (code, short, _) = run(&["-h"], &[]);
    assert_eq!((code, short.as_str()), (0, out.as_str()));
    // The hidden options still parse (cargo test and nextest pass them).
    let (code, out, err) = run(&["--nocapture", "--exact", "status-messages/catalog"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
}

/// A FILTER that matches no case names the closest cases: a mistyped part
/// of a name (the usual filter), a whole name under `--exact`. Nothing runs.
#[test]
fn a_mistyped_filter_gets_the_closest_case_names() {
    for (args, needle) in [
        (
            &["tokn"][..],
            "FILTER \"tokn\" matches no case, did you mean \"auth/token/empty\"",
        ),
        (
            &["sesion/"][..],
            "did you mean \"session/ended\", \"session/fresh\"",
        ),
        (
            &["--exact", "session/fresch"][..],
            "FILTER \"session/fresch\" (--exact) matches no case, did you mean \"session/fresh\"?",
        ),
        (
            &["--list", "statsu-messages"][..],
            "did you mean \"status-messages/icons\" or \"status-messages/catalog\"?",
        ),
    ] {
        let (code, out, err) = run(args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(err.contains(needle), "{args:?}: no {needle:?} in {err}");
        assert!(err.contains("(--list shows them all)"), "{err}");
        assert!(out.is_empty(), "{args:?}: {out}");
    }
    // Far from every name: no guess.
    let (code, _, err) = run(&["zzzz"], &[]);
    assert_eq!(code, 2);
    assert!(!err.contains("did you mean"), "{err}");
}

/// A panic of the tool is exit 3 with one line saying where and whom to
/// tell, not a failed case (101, the server's verdict): in a case's trial
/// (the other cases still run) and before the cases. `ICWS_FORCE_PANIC` is
/// the test hook, read at the edge.
#[test]
fn a_panic_of_the_tool_is_exit_3_with_one_line_not_a_failed_case() {
    for (at, place) in [
        ("session/fresh", "src/cli/trials.rs:"),
        ("start", "src/cli/mod.rs:"),
    ] {
        let env = [("ICWS_FORCE_PANIC", at), ("RUST_BACKTRACE", "0")];
        let (code, out, err) = run(&[], &env);
        assert_eq!(code, 3, "{at}: {out}\n{err}");
        let lines: Vec<&str> = err
            .lines()
            .filter(|l| l.starts_with("error: internal error"))
            .collect();
        assert_eq!(lines.len(), 1, "{at}: {err}");
        let line = lines[0];
        assert!(line.starts_with("error: internal error (exit 3)"), "{line}");
        assert!(
            line.contains(&format!("forced by ICWS_FORCE_PANIC={at} (at {place}")),
            "{line}"
        );
        assert!(
            line.contains("not a finding about the server; please report it"),
            "{line}"
        );
        // The default hook's report stays out unless RUST_BACKTRACE asks.
        assert!(
            !err.contains("thread '") && !err.contains("stack backtrace"),
            "{err}"
        );
        if at == "start" {
            assert!(!out.contains("running"), "{out}");
        } else {
            assert!(
                crate::common::line_of(&out, "session/fresh").ends_with("FAILED"),
                "{out}"
            );
            assert!(
                crate::common::line_of(&out, "status-messages/catalog").ends_with("ok"),
                "{out}"
            );
            assert!(err.contains("its results are incomplete"), "{err}");
        }
    }
    let (code, _, err) = run(&[], &[("ICWS_FORCE_PANIC", "sesion/fresh")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean \"session/fresh\""), "{err}");
}

/// One root cause behind several failing cases: the binary prints it once,
/// grouped with the cases, before the cases' whole blocks; libtest's own
/// failure section keeps one line per finding. `--format json` keeps
/// libtest's events alone on stdout.
#[test]
fn root_causes_come_before_the_failing_cases_blocks() {
    let rt = runtime();
    let server = crate::common::faulty("missing-header-500", &rt);
    let env = crate::common::login_env(&server.base_url());
    let (code, out, err) = run(&[], &crate::common::pairs(&env));
    assert_eq!(code, 101, "{out}\n{err}");
    let result = out
        .find("\ntest result: FAILED")
        .expect("libtest's result line");
    let causes = out
        .find("\n3 failing case(s), 1 root cause(s):\n")
        .unwrap_or_else(|| panic!("no root causes:\n{out}"));
    let first_block = out
        .find("   = expected: 400 or 401")
        .unwrap_or_else(|| panic!("no block:\n{out}"));
    assert!(result < causes && causes < first_block, "{out}");
    assert!(
        out[causes..].contains(
            "\n  error[REQ-400-1] status: unexpected status (expected 400 or 401, actual 500 "
        ) && out[causes..].contains(
            "\n    in 3 case(s): auth/missing-cookie, auth/missing-token, session/no-session\n"
        ),
        "{out}"
    );
    // Each case's whole block once, after the causes; libtest's section
    // has one line per finding.
    assert_eq!(out.matches("   = expected: 400 or 401").count(), 3, "{out}");
    let libtest = &out[..result];
    assert!(
        libtest.contains(
            "---- auth/missing-token ----\nerror[REQ-400-1]: unexpected status (status)\n"
        ),
        "{libtest}"
    );
    for case in [
        "auth/missing-cookie",
        "auth/missing-token",
        "session/no-session",
    ] {
        let block = out[first_block - 200..]
            .split(&format!("---- {case} ----\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("no block for {case}:\n{out}"));
        assert!(
            block.starts_with("error[REQ-400-1]: unexpected status\n"),
            "{block}"
        );
    }
    // The footer (stderr) still lists the broken requirements.
    assert!(err.contains("REQ-400-1: auth/missing-cookie"), "{err}");
    // JSON: every stdout line is one of libtest's events.
    let (code, out, _) = run(
        &["--format", "json", "-Z", "unstable-options"],
        &crate::common::pairs(&env),
    );
    assert_eq!(code, 101, "{out}");
    for line in out.lines().filter(|l| !l.is_empty()) {
        assert!(
            serde_json::from_str::<serde_json::Value>(line).is_ok(),
            "{line}"
        );
    }
    assert!(!out.contains("root cause"), "{out}");
}

/// A shipped case is named by its path only where that very file is on
/// disk (a checkout, as here); run from another folder, as an installed
/// binary is, the console, JUnit and the JSON and HTML reports mark it
/// `(built in)` rather than send the reader to a file that is not there.
#[test]
fn shipped_cases_outside_a_checkout_are_named_built_in() {
    let rt = runtime();
    let server = crate::common::faulty("wrong-type-isAcdStatus", &rt);
    let env = crate::common::login_env(&server.base_url());
    let env = crate::common::pairs(&env);
    let elsewhere = tempfile::tempdir().unwrap();
    for (dir, want) in [
        (None, "cases/status-messages/catalog.toml"),
        (
            Some(elsewhere.path()),
            "cases/status-messages/catalog.toml (built in)",
        ),
    ] {
        let out_dir = tempfile::tempdir().unwrap();
        let report = |name: &str| out_dir.path().join(name).to_str().unwrap().to_owned();
        let (junit, json, html) = (report("j.xml"), report("r.json"), report("r.html"));
        let args = [
            "status-messages/catalog",
            "--junit",
            &junit,
            "--report-json",
            &json,
            "--report-html",
            &html,
        ];
        let (code, out, err) = crate::common::run_in(dir, &args, &env);
        assert_eq!(code, 101, "{out}\n{err}");
        assert!(out.contains(&format!("ms · {want}\n")), "{want}: {out}");
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
        assert_eq!(report["cases"][0]["file"], want, "{report}");
        let junit = std::fs::read_to_string(&junit).unwrap();
        assert!(junit.contains(&format!("· {want}")), "{junit}");
        let html = std::fs::read_to_string(&html).unwrap();
        assert!(html.contains(&format!("<code>{want}</code>")), "{html}");
    }
}
