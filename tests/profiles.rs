//! Conformant profiles, through the binary (`harness = false`, one trial
//! each): the reference server as a *different but conformant* deployment
//! must pass the whole shipped suite — every profile alone, every profile
//! the harness already copes with combined, and all of them combined. The
//! profiles the harness cannot pass yet are listed in [`NEEDS_HARNESS`] with
//! the change each needs; their trials still run and print what failed, but
//! do not fail. Faults must still be caught under the hardest combination.
//!
//! Every run logs in with a password of digits, so that
//! `password-in-catalogue` also puts it in the catalogue as a systemId.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;

use common::{run, runtime};
use icws_refserver::{self as refserver, Config, Fault, LoginGate, Profile};
use libtest_mimic::{Arguments, Failed, Trial};

/// The profiles the harness does not pass yet, and the change each needs.
/// Known gaps in one list, a reason beside each (STYLE.md, habit 9).
const NEEDS_HARNESS: &[(&str, &str)] = &[];

/// The faults proven still caught under [`hardest`], and a case each must fail.
const FAULTS: &[(&str, &str)] = &[
    ("wrong-type-isAcdStatus", "status-messages/catalog"),
    ("token-not-checked", "auth/wrong-token"),
    ("no-challenge", "session/ended"),
    ("ended-session-accepted", "session/ended"),
    ("cookie-not-checked", "auth/missing-cookie"),
    // A server that ends every session when ended credentials come back
    // (ends-all-on-replay) must not hide broken isolation.
    ("token-of-any-session", "session/other-token"),
    ("token-prefix-compared", "auth/token/first-half"),
];

const PASSWORD: &str = "8675309";

fn needs_harness(p: Profile) -> Option<&'static str> {
    NEEDS_HARNESS
        .iter()
        .find(|(n, _)| *n == p.name())
        .map(|(_, why)| *why)
}

/// Every profile the harness passes today, without the slow one (the
/// fault runs stay quick; `slow` is proven in the combined run).
fn hardest() -> BTreeSet<Profile> {
    Profile::all()
        .into_iter()
        .filter(|p| needs_harness(*p).is_none() && *p != Profile::Slow)
        .collect()
}

/// What one run of the suite came to.
struct Outcome {
    code: i32,
    /// Logins the server answered 201.
    logins: u64,
    /// Logins the server received (refused ones included).
    attempts: u64,
    failed: Vec<String>,
    out: String,
    err: String,
}

impl Outcome {
    /// The failing cases and their first finding each, for a report.
    fn summary(&self) -> String {
        let mut text = format!("exit {}; failed: {:?}", self.code, self.failed);
        for case in &self.failed {
            let section = self
                .out
                .split(&format!("---- {case} ----"))
                .nth(1)
                .unwrap_or_default();
            if let Some(line) = section.lines().find(|l| l.starts_with("error")) {
                text.push_str(&format!("\n  {case}: {line}"));
            }
        }
        if self.code == 2 {
            text.push_str(&format!("\n  {}", self.err.trim()));
        }
        text
    }
}

/// Serves the reference server with `profiles` (and `fault`) and runs the
/// shipped suite against it through the binary.
/// The browser page's origin of every run (the browser cases are opt-in).
const ORIGIN: &str = "http://agent.example:8080";

fn suite(profiles: &BTreeSet<Profile>, fault: Option<Fault>) -> Outcome {
    let rt = runtime();
    let server = rt
        .block_on(refserver::spawn(Config {
            password: PASSWORD.into(),
            fault,
            profiles: profiles.clone(),
            // The browser cases run under every profile too.
            cors_origins: vec![ORIGIN.into()],
            ..Config::default()
        }))
        .unwrap();
    let url = server.base_url();
    // The browser cases run under the conformant profiles; a fault's run
    // leaves them out (its one more login only spends the rate-limited
    // profile's wait budget).
    // Under every profile at once (rate-limited logins, and servers that
    // end a session on a wrong token, so the run logs in again and again:
    // some 85 logins) the waits for Retry-After add up to about 30 s, the
    // default --max-wait exactly, so the run's other timing decided
    // whether it passed: a budget well above that.
    let mut args = vec!["--test-threads", "8", "--max-wait", "120"];
    if fault.is_none() {
        args.extend(["--origin", ORIGIN]);
    }
    // The runs wait on the server (one profile delays every answer by a
    // second): more cases at once keep this target short.
    let (code, out, err) = run(
        &args,
        &[
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", refserver::DEMO_USER),
            ("ICWS_PASSWORD", PASSWORD),
        ],
    );
    let logins = server.state().logins();
    let attempts = server.state().login_attempts();
    drop(server);
    let failed = out
        .lines()
        .filter(|l| l.starts_with("test ") && l.trim_end().ends_with("FAILED"))
        .filter_map(|l| l.split_whitespace().nth(1).map(str::to_owned))
        .collect();
    Outcome {
        code,
        logins,
        attempts,
        failed,
        out,
        err,
    }
}

/// The most logins a full run may make against a server that does not end
/// sessions on refused requests (issue: session economy).
const MAX_LOGINS: u64 = 4;

/// Strict: exit 0 and no failing case; and, unless the server ends sessions
/// on refused requests, at most [`MAX_LOGINS`] logins.
fn must_pass(profiles: &BTreeSet<Profile>) -> Result<(), Failed> {
    let o = suite(profiles, None);
    if o.code != 0 || !o.failed.is_empty() {
        return Err(format!("{}\n\n{}{}", o.summary(), o.out, o.err).into());
    }
    let punishes = profiles.contains(&Profile::CsrfEndsSession)
        || profiles.contains(&Profile::EndsAllOnReplay);
    if !punishes && o.logins > MAX_LOGINS {
        return Err(format!(
            "{} logins (at most {MAX_LOGINS} against a server that does not end sessions)\n{}",
            o.logins, o.err
        )
        .into());
    }
    // The console says what the run cost, as the server counted it.
    let said = format!("{} logins", o.attempts);
    if !o.err.contains(&said) {
        return Err(format!("the closing block does not say {said:?}:\n{}", o.err).into());
    }
    Ok(())
}

/// Reported, not asserted: prints what failed and the change it waits for.
fn report(name: &str, profiles: &BTreeSet<Profile>, why: &str) -> Result<(), Failed> {
    let o = suite(profiles, None);
    if o.code == 0 {
        println!("\n[needs-harness] {name}: passes now (waits for: {why})");
    } else {
        println!(
            "\n[needs-harness] {name}: {}\n  waits for: {why}",
            o.summary()
        );
    }
    Ok(())
}

fn fault_still_caught(fault: &str, case: &str) -> Result<(), Failed> {
    let f = Fault::parse(fault)?;
    let o = suite(&hardest(), Some(f));
    if o.code != 101 || !o.failed.iter().any(|c| c == case) {
        return Err(format!(
            "fault {fault} under {:?} must fail {case} (exit 101): {}\n\n{}{}",
            hardest().iter().map(Profile::name).collect::<Vec<_>>(),
            o.summary(),
            o.out,
            o.err
        )
        .into());
    }
    Ok(())
}

/// Runs the whole suite against a server whose logins pass `gate`;
/// returns (exit code, stderr, seconds).
fn gated(gate: LoginGate) -> (i32, String, f64) {
    let rt = runtime();
    let server = rt
        .block_on(refserver::spawn(Config {
            password: PASSWORD.into(),
            login_gate: Some(gate),
            ..Config::default()
        }))
        .unwrap();
    let url = server.base_url();
    let started = std::time::Instant::now();
    let (code, out, err) = run(
        &[],
        &[
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", refserver::DEMO_USER),
            ("ICWS_PASSWORD", PASSWORD),
        ],
    );
    (code, format!("{out}{err}"), started.elapsed().as_secs_f64())
}

/// A gateway that refuses logins for ever (429, `Retry-After: 1`) or asks
/// for an hour: exit 2 within seconds, with the server's reason; a
/// switchover server: exit 2 naming the alternate hosts.
fn login_gates() -> Result<(), Failed> {
    let (code, err, secs) = gated(LoginGate::Busy {
        retry_after: "1".into(),
    });
    if code != 2 || !err.contains("keeps refusing") || secs > 15.0 {
        return Err(format!("429 for ever: exit {code} after {secs:.1} s\n{err}").into());
    }
    let (code, err, secs) = gated(LoginGate::Busy {
        retry_after: "3600".into(),
    });
    if code != 2 || !err.contains("Retry-After: 3600") || !err.contains("--max-wait") || secs > 5.0
    {
        return Err(format!("Retry-After: 3600: exit {code} after {secs:.1} s\n{err}").into());
    }
    let (code, err, _) = gated(LoginGate::Switchover {
        hosts: vec!["cic2.example".into(), "cic3.example:8019".into()],
    });
    if code != 2
        || !err.contains("\"cic2.example\", \"cic3.example:8019\"")
        || !err.contains("--base-url http://cic2.example:")
    {
        return Err(format!("switchover: exit {code}\n{err}").into());
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let mut args = Arguments::from_args();
    // Each trial mostly waits on a server and a child process.
    if args.test_threads.is_none() {
        args.test_threads = Some(4);
    }
    for (name, _) in NEEDS_HARNESS {
        assert!(Profile::parse(name).is_ok(), "NEEDS_HARNESS names {name}");
    }
    let mut trials = Vec::new();
    for p in Profile::all() {
        let one = BTreeSet::from([p]);
        let name = format!("profile/{p}");
        trials.push(match needs_harness(p) {
            Some(why) => Trial::test(name.clone(), move || report(&name, &one, why)),
            None => Trial::test(name, move || must_pass(&one)),
        });
    }
    let today: BTreeSet<Profile> = Profile::all()
        .into_iter()
        .filter(|p| needs_harness(*p).is_none())
        .collect();
    trials.push(Trial::test(
        "profiles/all-the-harness-passes-today",
        move || must_pass(&today),
    ));
    // Every profile at once but the delay: quick enough for the mutation
    // script's second phase (benches/mutants.sh), which runs the `profile/`
    // trials on each survivor of the default server.
    trials.push(Trial::test("profile/combined-without-delay", || {
        must_pass(&hardest())
    }));
    trials.push(Trial::test("profiles/all", || {
        let all: BTreeSet<Profile> = Profile::all().into_iter().collect();
        let listed: Vec<&str> = NEEDS_HARNESS.iter().map(|(n, _)| *n).collect();
        report(
            "profiles/all",
            &all,
            &format!("every change of NEEDS_HARNESS ({})", listed.join(", ")),
        )
    }));
    trials.push(Trial::test(
        "login-gates/exit-2-with-the-reason",
        login_gates,
    ));
    for (fault, case) in FAULTS {
        trials.push(Trial::test(format!("fault-under-profiles/{fault}"), || {
            fault_still_caught(fault, case)
        }));
    }
    libtest_mimic::run(&args, trials).exit_code()
}
