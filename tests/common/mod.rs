//! Helpers shared by the binary-level tests: run the installed binary with a
//! clean environment, and serve a router (the reference server, possibly
//! wrapped to misbehave) on a free loopback port.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use axum::Router;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_icws-conformance");

/// Runs the binary with `args` and `env` on top of an environment without
/// any `ICWS_*`, `GITHUB_*` or proxy variable. Returns (exit code, stdout, stderr).
pub fn run(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    run_in(None, args, env)
}

/// [`run`] in the working folder `dir` (the package root when `None`, as
/// cargo runs tests), e.g. an empty folder, as an installed binary runs.
pub fn run_in(
    dir: Option<&std::path::Path>,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let mut cmd = Command::new(BIN);
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    for (var, _) in std::env::vars_os() {
        let name = var.to_string_lossy().to_ascii_uppercase();
        if name.starts_with("ICWS_") || name.starts_with("GITHUB_") || name.ends_with("_PROXY") {
            cmd.env_remove(&var);
        }
    }
    cmd.args(args).envs(env.iter().copied());
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A multi-threaded runtime for servers the tests start.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Runtime::new().unwrap()
}

/// Serves `app` on 127.0.0.1 (any port); returns `http://127.0.0.1:PORT`.
/// The server stops when the runtime is dropped.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// The environment that logs in to a reference server at `url`.
pub fn login_env(url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ICWS_BASE_URL", url.to_owned()),
        ("ICWS_USER", icws_refserver::DEMO_USER.to_owned()),
        ("ICWS_PASSWORD", icws_refserver::DEMO_PASSWORD.to_owned()),
    ]
}

/// `login_env` as the `&str` pairs `run` takes.
pub fn pairs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The line libtest printed for case `name` (empty when none).
pub fn line_of(out: &str, name: &str) -> String {
    out.lines()
        .find(|l| l.starts_with(&format!("test {name} ")))
        .unwrap_or_default()
        .to_owned()
}

/// A reference server breaking one rule (a fault name from `--list-faults`).
pub fn faulty(fault: &str, rt: &tokio::runtime::Runtime) -> icws_refserver::Running {
    use icws_refserver::{self as refserver, Config, Fault};
    rt.block_on(refserver::spawn(Config {
        fault: Some(Fault::parse(fault).unwrap()),
        ..Config::default()
    }))
    .unwrap()
}

/// Logs in to the reference server at `url` as the demo user, the way a
/// user would before handing the tool an existing session.
pub fn open_session(
    url: &str,
    rt: &tokio::runtime::Runtime,
) -> icws_conformance::run::session::Session {
    use icws_conformance::run::target::Target;

    use icws_conformance::run::session::{self, Credentials};
    use icws_conformance::secret::{Redactor, Secret};
    let target = Target::new(url, std::time::Duration::from_secs(5)).unwrap();
    let creds = Credentials {
        user: icws_refserver::DEMO_USER.into(),
        password: Secret::new(icws_refserver::DEMO_PASSWORD),
    };
    rt.block_on(session::connect(
        &target,
        &creds,
        "en-US",
        &Redactor::default(),
    ))
    .unwrap()
}

/// Every file under `dir`, at any depth, whose name ends in `.{ext}`.
pub fn files_under(dir: &std::path::Path, ext: &str) -> Vec<std::path::PathBuf> {
    fn walk(dir: &std::path::Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, ext, out);
            } else if p.extension().is_some_and(|x| x == ext) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, ext, &mut out);
    out
}

/// The shipped cases, one per trial (a file with variants makes several).
#[allow(dead_code)]
pub fn shipped_cases() -> Vec<icws_conformance::load::Case> {
    icws_conformance::load::load_all(&[], &icws_conformance::load::Schemas::shipped().unwrap())
        .unwrap()
}

/// Runs the binary with every report on (JSON, HTML, JUnit, a baseline to
/// write, GitHub annotations and the step summary) and `args` after them;
/// returns the exit code and everything it wrote, named `stdout`, `stderr`,
/// `json`, `junit`, `baseline`, `summary`, `html` and `har`.
pub fn run_with_reports(args: &[&str], env: &[(&str, &str)]) -> (i32, Vec<(String, String)>) {
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    let files = [
        ("json", p("r.json")),
        ("junit", p("j.xml")),
        ("baseline", p("base.toml")),
        ("summary", p("summary.md")),
        ("html", p("r.html")),
        ("har", p("r.har")),
    ];
    let mut all_args = vec![
        "--report-json",
        &files[0].1,
        "--report-html",
        &files[4].1,
        "--junit",
        &files[1].1,
        "--write-baseline",
        &files[2].1,
        "--report-har",
        &files[5].1,
    ];
    all_args.extend(args);
    let mut all_env = vec![
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_STEP_SUMMARY", files[3].1.as_str()),
    ];
    all_env.extend(env);
    let (code, out, err) = run(&all_args, &all_env);
    let mut texts = vec![("stdout".to_owned(), out), ("stderr".to_owned(), err)];
    for (name, f) in &files {
        if let Ok(t) = std::fs::read_to_string(f) {
            texts.push(((*name).to_owned(), t));
        }
    }
    (code, texts)
}
