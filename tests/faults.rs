//! Self-proof: for every fault mode of the reference server, the shipped
//! suite fails, exactly the expected cases fail (no collateral noise), every
//! failing case has a finding naming the broken rule (requirement id) at the
//! place, and every rule the fault claims to break is named by a finding of
//! the run. The failure report of each fault is kept as an insta snapshot in
//! `snapshots/faults/`. The clean server must pass every case. One trial per
//! fault; the coverage matrix is computed from the findings of these runs
//! (the library's `--coverage` sweep) and may have no empty row.
//!
//! The expectations below are written from the documentation, not read from
//! the harness: they are the oracle the harness is measured against.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use icws_conformance::finding::Level;
use icws_conformance::gate::Policy;
use icws_conformance::load::{self, Case, Schemas};
use icws_conformance::pipeline::Context;
use icws_conformance::record::{CaseRecord, Verdict};
use icws_conformance::report::{coverage, text};
use icws_conformance::run::execute::Runner;
use icws_conformance::run::plan::SessionPlan;
use icws_conformance::run::session::Credentials;
use icws_conformance::run::target::{Target, Transport};
use icws_conformance::secret::{Redactor, Secret};
use icws_refserver::catalogue::PROPERTIES;
use icws_refserver::{Config, Fault};
use libtest_mimic::{Arguments, Failed, Trial};

const CATALOG: &str = "status-messages/catalog";
/// The links case: every distinct iconUri loads as a browser's <img> loads it.
const ICONS: &str = "status-messages/icons";
/// The browser page's origin of the runs that include the browser cases
/// (the clean server's, and the CORS faults').
const ORIGIN: &str = "http://agent.example:8080";
/// The browser cases (opt-in with `--origin`).
const BROWSER: &[&str] = &[
    "browser/catalog",
    "browser/features-preflight",
    "browser/login",
    "browser/login-preflight",
    "browser/session-preflight",
];
const PREFLIGHTS: &[&str] = &[
    "browser/features-preflight",
    "browser/login-preflight",
    "browser/session-preflight",
];
const FRESH: &str = "session/fresh";
/// Cases whose request the reference server answers with 401.
const ANSWERED_401: &[&str] = &[
    "auth/missing-cookie",
    "auth/wrong-cookie",
    "auth/wrong-token",
    "session/ended",
    "session/ended-other",
    "session/other-cookie",
    "session/other-id",
    "session/other-token",
    "session/other-token-both-cookies",
    "session/unknown-id",
];
/// Every case whose request gets an error answer.
const ERROR_CASES: &[&str] = &[
    "auth/missing-cookie",
    "auth/missing-token",
    "auth/wrong-cookie",
    "auth/wrong-token",
    "session/ended",
    "session/ended-other",
    "session/no-session",
    "session/other-cookie",
    "session/other-id",
    "session/other-token",
    "session/other-token-both-cookies",
    "session/unknown-id",
];

/// The near misses of the token (`cases/auth/token.toml`).
const NEAR_TOKEN: &[&str] = &[
    "auth/token/append",
    "auth/token/drop-last",
    "auth/token/empty",
    "auth/token/ended-session",
    "auth/token/first-half",
    "auth/token/flip-case",
    "auth/token/garbage",
    "auth/token/last-char",
    "auth/token/last-half",
    "auth/token/prepend",
];
/// The near misses of the cookie that run against a GUID cookie (flipping
/// a GUID's case is no change: that variant is ignored).
const NEAR_COOKIE: &[&str] = &[
    "auth/cookie/append",
    "auth/cookie/drop-last",
    "auth/cookie/empty",
    "auth/cookie/ended-session",
    "auth/cookie/first-half",
    "auth/cookie/garbage",
    "auth/cookie/last-char",
    "auth/cookie/last-half",
    "auth/cookie/prepend",
];
/// The near misses of the session id that run against a digit id.
const NEAR_ID: &[&str] = &[
    "auth/session-id/append",
    "auth/session-id/drop-last",
    "auth/session-id/ended-session",
    "auth/session-id/first-half",
    "auth/session-id/garbage",
    "auth/session-id/last-char",
    "auth/session-id/last-half",
    "auth/session-id/prepend",
];

/// `base` and every near miss.
fn with_near_misses(base: &[&'static str]) -> Vec<&'static str> {
    let mut all = base.to_vec();
    all.extend(NEAR_TOKEN.iter().chain(NEAR_COOKIE).chain(NEAR_ID));
    all
}

/// What a fault must make the suite say.
struct Expected {
    /// Exactly these cases fail.
    cases: Vec<&'static str>,
    /// Each failing case has a finding citing this rule...
    req: Option<&'static str>,
    /// ...at a place whose text contains this.
    place: &'static str,
    /// ...and, for session isolation, says in words whose credential was
    /// accepted (the message contains this).
    says: Option<&'static str>,
    /// The rule is interop-level: the cases fail under `--strict` only (and
    /// no case fails without it).
    strict: bool,
}

fn exp(cases: &[&'static str], req: &'static str, place: &'static str) -> Expected {
    Expected {
        cases: cases.to_vec(),
        req: Some(req),
        place,
        says: None,
        strict: false,
    }
}

/// A session-isolation fault: exactly `cases` fail with a finding of `req`
/// at the status that says whose credentials were accepted.
fn isolation(cases: &[&'static str], req: &'static str, says: &'static str) -> Expected {
    Expected {
        says: Some(says),
        ..exp(cases, req, "status")
    }
}

/// A near-miss fault: exactly `case` fails with a finding of `req` at the
/// status that says, in words, which credential was nearly right.
fn near(case: &'static str, req: &'static str, says: &'static str) -> Expected {
    isolation(&[case], req, says)
}

fn msg_req(i: usize) -> &'static str {
    // The requirement of a documented message property is named after it.
    Box::leak(format!("REQ-MSG-{}", PROPERTIES[i]).into_boxed_str())
}

fn expected(f: Fault) -> Expected {
    use Fault::*;
    match f {
        MissingProperty(i) | WrongType(i) | NullValue(i) => Expected {
            cases: vec![CATALOG],
            req: Some(msg_req(i)),
            place: Box::leak(
                format!("body /statusMessageList/3/{}", PROPERTIES[i]).into_boxed_str(),
            ),
            says: None,
            strict: false,
        },
        ListUnderHeadingName => exp(&[CATALOG], "REQ-200-1", "body /statusMessageList"),
        BareArray => exp(&[CATALOG], "REQ-200-1", "body"),
        NonObjectElement => exp(&[CATALOG], "REQ-200-1", "body /statusMessageList/2"),
        CaseDuplicateStatusId | ExactDuplicateStatusId => exp(
            &[CATALOG],
            "REQ-ID-1",
            "body /statusMessageList/21/statusId",
        ),
        NonDigitSystemId => exp(
            &[CATALOG],
            "REQ-SYS-1",
            "body /statusMessageList/5/systemId",
        ),
        DuplicateSystemId => exp(
            &[CATALOG],
            "REQ-SYS-1",
            "body /statusMessageList/6/systemId",
        ),
        BadIconUri => exp(
            &[CATALOG],
            "REQ-MSG-iconUri",
            "body /statusMessageList/4/iconUri",
        ),
        BodyNotJson | TruncatedBody | InvalidUtf8 => Expected {
            cases: vec![CATALOG, FRESH],
            req: None,
            place: "body",
            says: None,
            strict: false,
        },
        HtmlMediaType => exp(&[CATALOG, FRESH], "POL-MEDIA-1", "header Content-Type"),
        CharsetLatin1 => exp(&[CATALOG, FRESH], "POL-MEDIA-1", "header Content-Type"),
        DuplicateKey => Expected {
            strict: true,
            ..exp(
                &[CATALOG, FRESH],
                "POL-JSON-1",
                "body /statusMessageList/0/canHaveDate",
            )
        },
        WrongPath => {
            let mut all = with_near_misses(ERROR_CASES);
            all.extend([CATALOG, FRESH]);
            Expected {
                cases: all,
                req: None,
                place: "status",
                says: None,
                strict: false,
            }
        }
        Status500 | Status410 => Expected {
            cases: vec![CATALOG, FRESH],
            req: None,
            place: "status",
            says: None,
            strict: false,
        },
        Status500Bare => exp(&[CATALOG, FRESH], "REQ-500-1", "body"),
        Status410Bare => exp(&[CATALOG, FRESH], "REQ-410-1", "body"),
        NoChallenge | OtherScheme | NoRealm | NoLocation => exp(
            &with_near_misses(ANSWERED_401),
            "REQ-401-2",
            "header WWW-Authenticate",
        ),
        Forbidden403 => Expected {
            cases: with_near_misses(ANSWERED_401),
            req: None,
            place: "status",
            says: None,
            strict: false,
        },
        ErrorWithoutMessage | ErrorMessageNotString => {
            exp(&with_near_misses(ERROR_CASES), "REQ-ERR-1", "body /message")
        }
        ErrorTextPlain => exp(
            &with_near_misses(ERROR_CASES),
            "POL-MEDIA-1",
            "header Content-Type",
        ),
        ErrorCharsetWindows1252 => exp(
            &with_near_misses(ERROR_CASES),
            "POL-MEDIA-1",
            "header Content-Type",
        ),
        TokenNotChecked => Expected {
            cases: [
                "auth/missing-token",
                "auth/wrong-token",
                "session/other-token",
                "session/other-token-both-cookies",
            ]
            .into_iter()
            .chain(NEAR_TOKEN.iter().copied())
            .collect(),
            req: None,
            place: "status",
            says: None,
            strict: false,
        },
        CookieNotChecked => Expected {
            cases: [
                "auth/missing-cookie",
                "auth/wrong-cookie",
                "session/other-cookie",
            ]
            .into_iter()
            .chain(NEAR_COOKIE.iter().copied())
            .collect(),
            req: None,
            place: "status",
            says: None,
            strict: false,
        },
        TokenOfAnySession => isolation(
            &["session/other-token", "session/other-token-both-cookies"],
            "REQ-REQ-3",
            "the CSRF token of another live session (A)",
        ),
        CookieValueOfAnySession => isolation(
            &["session/other-cookie"],
            "REQ-REQ-4",
            "the session cookie of another live session (A) (under its own name and under B's)",
        ),
        TokenWithItsOwnCookie => isolation(
            &["session/other-token-both-cookies"],
            "REQ-REQ-3",
            "sent beside B's own",
        ),
        CookieOfAnySession => isolation(
            &["session/other-cookie"],
            "REQ-REQ-4",
            "the session cookie of another live session (A)",
        ),
        PathIdIgnored => Expected {
            cases: [
                "session/other-id",
                "session/other-token-both-cookies",
                "session/unknown-id",
            ]
            .into_iter()
            .chain(NEAR_ID.iter().copied())
            .collect(),
            // Three cases whose first rules differ; each fails at the status.
            req: None,
            place: "status",
            says: None,
            strict: false,
        },
        // Two cases, whose first rules differ (REQ-401-1, REQ-REQ-2).
        EndedCredentialsAcceptedElsewhere => Expected {
            req: None,
            ..isolation(
                &[
                    "session/ended-other",
                    "session/other-id",
                    "session/other-token-both-cookies",
                ],
                "REQ-401-1",
                "under session B's id",
            )
        },
        AnySessionAccepted => exp(
            &[&["session/unknown-id"], NEAR_ID].concat(),
            "REQ-REQ-2",
            "status",
        ),
        EndedSessionAccepted => exp(&["session/ended"], "REQ-401-1", "status"),
        FeatureMissing | FeatureListNull => exp(
            &["connection/features"],
            "SES-FEAT-1",
            "body /featureInfoList",
        ),
        MissingHeader500 => exp(
            &[
                "auth/missing-cookie",
                "auth/missing-token",
                "session/no-session",
            ],
            "REQ-400-1",
            "status",
        ),
        EmptyCatalogue => Expected {
            strict: true,
            ..exp(&[CATALOG], "POL-EMPTY-1", "body /statusMessageList")
        },
        UndocumentedMember => Expected {
            strict: true,
            ..exp(
                &[CATALOG],
                "POL-EXTRA-1",
                "body /statusMessageList/0/displayColour",
            )
        },
        UndocumentedErrorMember => Expected {
            strict: true,
            ..exp(
                &with_near_misses(ERROR_CASES),
                "POL-EXTRA-1",
                "body /stackTrace",
            )
        },
        LoginHeadersDisagree => Expected {
            strict: true,
            ..exp(
                &["connection/login"],
                "POL-LOGIN-1",
                "header inin-icws-session-id",
            )
        },
        CorsFixedHeaders => exp(
            PREFLIGHTS,
            "POL-BROWSER-1",
            "header access-control-allow-headers",
        ),
        CorsNoCredentials => Expected {
            req: None,
            ..exp(BROWSER, "", "header access-control-allow-credentials")
        },
        CorsSessionHeadersHidden => exp(
            &["browser/login"],
            "POL-BROWSER-2",
            "header access-control-expose-headers",
        ),
        CorsWildcardOrigin => Expected {
            req: None,
            ..exp(BROWSER, "", "header access-control-allow-origin")
        },
        // Fails by default: the vendor's client cannot go on.
        LoginWithoutHeaders => exp(
            &["connection/login"],
            "POL-LOGIN-1",
            "header inin-icws-session-id",
        ),
        TokenPrefixCompared => Expected {
            req: None,
            ..exp(
                &[
                    "auth/token/append",
                    "auth/token/drop-last",
                    "auth/token/ended-session",
                    "auth/token/first-half",
                    "auth/token/last-char",
                    "session/other-token",
                    "session/other-token-both-cookies",
                ],
                "REQ-REQ-3",
                "status",
            )
        },
        // A real token ends in the client's address: another session's
        // token from the same client shares its last 16 characters.
        TokenSuffixCompared => Expected {
            req: None,
            ..exp(
                &[
                    "auth/token/ended-session",
                    "auth/token/last-half",
                    "auth/token/prepend",
                    "session/other-token",
                    "session/other-token-both-cookies",
                ],
                "REQ-REQ-3",
                "status",
            )
        },
        TokenCaseInsensitive => near(
            "auth/token/flip-case",
            "REQ-REQ-3",
            "a CSRF token that differs from the session's own in the letter case of its letters",
        ),
        TokenPrefixAccepted => near(
            "auth/token/drop-last",
            "REQ-REQ-3",
            "a CSRF token that differs from the session's own in lacking its last character",
        ),
        TokenExtensionAccepted => near(
            "auth/token/append",
            "REQ-REQ-3",
            "a CSRF token that differs from the session's own by one character appended",
        ),
        TokenLengthCompared => Expected {
            req: None,
            ..exp(
                &[
                    "auth/token/ended-session",
                    "auth/token/first-half",
                    "auth/token/flip-case",
                    "auth/token/garbage",
                    "auth/token/last-char",
                    "auth/token/last-half",
                    "session/other-token",
                    "session/other-token-both-cookies",
                ],
                "REQ-REQ-3",
                "status",
            )
        },
        EmptyTokenAccepted => near(
            "auth/token/empty",
            "REQ-REQ-3",
            "a CSRF token that differs from the session's own in being empty",
        ),
        EndedTokenAccepted => isolation(
            &["auth/token/ended-session"],
            "REQ-401-1",
            "the CSRF token of a session that was ended (A), with session B's own cookie",
        ),
        CookiePrefixCompared => exp(
            &[
                "auth/cookie/append",
                "auth/cookie/drop-last",
                "auth/cookie/first-half",
                "auth/cookie/last-char",
            ],
            "REQ-REQ-4",
            "status",
        ),
        CookieSuffixCompared => exp(
            &["auth/cookie/last-half", "auth/cookie/prepend"],
            "REQ-REQ-4",
            "status",
        ),
        CookieCaseInsensitive => near(
            "auth/cookie/flip-case",
            "REQ-REQ-4",
            "a session cookie that differs from the session's own in the letter case",
        ),
        CookiePrefixAccepted => near(
            "auth/cookie/drop-last",
            "REQ-REQ-4",
            "a session cookie that differs from the session's own in lacking its last character",
        ),
        CookieExtensionAccepted => near(
            "auth/cookie/append",
            "REQ-REQ-4",
            "a session cookie that differs from the session's own by one character appended",
        ),
        CookieLengthCompared => Expected {
            req: None,
            ..exp(
                &[
                    "auth/cookie/ended-session",
                    "auth/cookie/first-half",
                    "auth/cookie/garbage",
                    "auth/cookie/last-char",
                    "auth/cookie/last-half",
                    "auth/wrong-cookie",
                    "session/other-cookie",
                ],
                "REQ-REQ-4",
                "status",
            )
        },
        EmptyCookieAccepted => near(
            "auth/cookie/empty",
            "REQ-REQ-4",
            "a session cookie that differs from the session's own in being empty",
        ),
        EndedCookieAccepted => isolation(
            &["auth/cookie/ended-session"],
            "REQ-401-1",
            "the session cookie of a session that was ended (A) (under its own name and under B's), with session B's own token",
        ),
        SessionIdPrefixAccepted => near(
            "auth/session-id/drop-last",
            "REQ-REQ-2",
            "a session id that differs from the session's own in lacking its last character",
        ),
        SessionIdExtensionAccepted => near(
            "auth/session-id/append",
            "REQ-REQ-2",
            "a session id that differs from the session's own by one character appended",
        ),
        SessionIdCaseInsensitive => near(
            "auth/session-id/flip-case",
            "REQ-REQ-2",
            "a session id that differs from the session's own in the letter case",
        ),
        SessionIdPrefixCompared => exp(
            &[
                "auth/session-id/append",
                "auth/session-id/drop-last",
                "auth/session-id/first-half",
                "auth/session-id/last-char",
            ],
            "REQ-REQ-2",
            "status",
        ),
        SessionIdAsNumber => near(
            "auth/session-id/prepend",
            "REQ-REQ-2",
            "a session id that differs from the session's own by one character put before it",
        ),
        NeverFinishes | DropMidBody => Expected {
            cases: vec![CATALOG, FRESH],
            req: None,
            place: "transport",
            says: None,
            strict: false,
        },
        // One icon: the finding points at the first message naming it.
        IconMissing => Expected {
            says: Some("the icon does not load: 404"),
            ..exp(&[ICONS], "POL-ICON-1", "body /statusMessageList/7/iconUri")
        },
        IconPngNotPng => Expected {
            says: Some("declared image/png, but its bytes are not an image"),
            ..exp(&[ICONS], "POL-ICON-1", "body /statusMessageList/10/iconUri")
        },
        // Every icon: each finding points at its message (the first one here).
        IconsAsHtml => Expected {
            says: Some("answers text/html; charset=utf-8, not an image type"),
            ..exp(&[ICONS], "POL-ICON-1", "body /statusMessageList/")
        },
        IconsNeedToken => Expected {
            says: Some("which is all an <img> sends (never the ININ-ICWS-CSRF-Token header)"),
            ..exp(&[ICONS], "POL-ICON-1", "body /statusMessageList/")
        },
        IconsForAnotherSession => Expected {
            says: Some("the icon does not load: 401"),
            ..exp(&[ICONS], "POL-ICON-1", "body /statusMessageList/")
        },
    }
}

/// Runs every shipped case against a reference server with `fault`, through
/// the same stages as the binary (run → check → gate), with no baseline,
/// no `--strict` and no snapshots.
async fn run(
    cases: &[Case],
    schemas: &Schemas,
    fault: Option<Fault>,
    strict: bool,
) -> Result<Vec<CaseRecord>, String> {
    // The browser cases run against the clean server and the CORS faults
    // (elsewhere they would only repeat a fault's status in more cases).
    let origin = fault.is_none_or(|f| f.concerns_cors()).then_some(ORIGIN);
    let server = icws_refserver::spawn(Config {
        fault,
        profiles: fault
            .iter()
            .flat_map(|f| f.shows_under().iter().copied())
            .collect(),
        cors_origins: origin.iter().map(|o| (*o).to_owned()).collect(),
        ..Config::default()
    })
    .await
    .map_err(|e| e.to_string())?;
    let transport = Transport {
        timeout: Duration::from_millis(1500),
        ..Default::default()
    };
    let target = Target::with(&server.base_url(), &transport).map_err(|e| e.to_string())?;
    let creds = Credentials {
        user: icws_refserver::DEMO_USER.into(),
        password: Secret::new(icws_refserver::DEMO_PASSWORD),
    };
    let runner = Runner::prepare(
        target,
        Some(creds),
        None,
        "en-US",
        Redactor::default(),
        SessionPlan::for_cases(cases, 2),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut runner = runner;
    runner.origin = origin.map(str::to_owned);
    let ctx = Context {
        runner,
        schemas: schemas.clone(),
        policy: Policy {
            strict,
            ..Policy::default()
        },
        snapshots: None,
        writer: None,
    };
    let mut out = Vec::new();
    for case in cases {
        out.push(ctx.run_case(case).await.record);
    }
    ctx.runner.finish().await;
    Ok(out)
}

fn failures(record: &CaseRecord) -> Vec<&icws_conformance::finding::Finding> {
    record.failing_findings().collect()
}

/// Replaces what varies between runs (session ids, ports, timings).
fn normalize(text: &str) -> String {
    // Digit ids, and the letter ids of the letter-session-ids profile.
    let session = regex::Regex::new(r"/icws/([0-9]{6,}|i[0-9A-Za-z]{8,})/").unwrap();
    let cookie = regex::Regex::new(r"icws_[0-9]{6,}=").unwrap();
    let ms = regex::Regex::new(r"in [0-9]+ ms").unwrap();
    let port = regex::Regex::new(r"127\.0\.0\.1:[0-9]+").unwrap();
    let text = session.replace_all(text, "/icws/[session]/");
    let text = cookie.replace_all(&text, "icws_[session]=");
    let text = ms.replace_all(&text, "in [t] ms");
    port.replace_all(&text, "127.0.0.1:[port]").into_owned()
}

fn prove(
    fault: Fault,
    cases: &[Case],
    schemas: &Schemas,
    rt: &tokio::runtime::Runtime,
) -> Result<(), Failed> {
    let want = expected(fault);
    if want.strict {
        // Without --strict an interop rule fails nothing.
        let lenient = rt.block_on(run(cases, schemas, Some(fault), false))?;
        if let Some(r) = lenient.iter().find(|r| !failures(r).is_empty()) {
            return Err(format!("fault {fault}: {} failed without --strict", r.name).into());
        }
    }
    let records = rt.block_on(run(cases, schemas, Some(fault), want.strict))?;
    let failed: Vec<&str> = records
        .iter()
        .filter(|r| !failures(r).is_empty())
        .map(|r| r.name.as_str())
        .collect();
    let mut want_cases = want.cases.clone();
    want_cases.sort_unstable();
    if failed != want_cases {
        return Err(format!(
            "fault {fault}: expected exactly {want_cases:?} to fail, but {failed:?} failed"
        )
        .into());
    }
    // Each rule the fault claims to break is named by a finding of the run:
    // a claim, not a case's `reqs` label, is what a finding must bear out.
    for (req, place) in fault.claims() {
        let named = records.iter().any(|r| {
            failures(r).iter().any(|f| {
                f.req == req
                    && f.place
                        .to_string()
                        .to_lowercase()
                        .starts_with(&place.to_lowercase())
            })
        });
        if !named {
            return Err(format!(
                "fault {fault} claims to break {req} at {place}, but no finding of its run names \
                 {req} there"
            )
            .into());
        }
    }
    let claims = fault.breaks();
    let mut snapshot = String::new();
    for record in &records {
        let findings = failures(record);
        if findings.is_empty() {
            continue;
        }
        let name = &record.name;
        // The expected rule, or (where cases differ) one the fault claims.
        let hit = findings.iter().any(|f| {
            want.req.map_or(claims.contains(&f.req), |r| f.req == r)
                && f.place.to_string().contains(want.place)
                && want.says.is_none_or(|w| f.message.contains(w))
        });
        if !hit {
            return Err(format!(
                "fault {fault}: case {name} failed, but no finding names {:?} at {:?}: {findings:#?}",
                want.req.map_or_else(|| claims.clone(), |r| vec![r]),
                want.place
            )
            .into());
        }
        snapshot.push_str(&format!("---- {name} ----\n"));
        snapshot.push_str(&text::case_text(record, want.strict));
        snapshot.push('\n');
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/faults"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!(
        "icws-conformance report against icws-refserver --fault {fault}"
    ));
    settings.bind(|| insta::assert_snapshot!(fault.name(), normalize(&snapshot)));
    Ok(())
}

fn clean(cases: &[Case], schemas: &Schemas, rt: &tokio::runtime::Runtime) -> Result<(), Failed> {
    let records = rt.block_on(run(cases, schemas, None, false))?;
    for r in &records {
        // A near miss that changes nothing here (flipping the case of a
        // digit id or a GUID cookie) is ignored by design, and says so.
        let by_design = r
            .reason
            .as_deref()
            .is_some_and(|why| why.contains("its change makes no request of its own"));
        if r.verdict == Verdict::Ignored && !by_design {
            return Err(format!("{} was ignored: {:?}", r.name, r.reason).into());
        }
        if !r.findings.is_empty() {
            return Err(format!(
                "{}: the clean server got findings: {:#?}",
                r.name, r.findings
            )
            .into());
        }
    }
    if records
        .iter()
        .any(|r| r.findings.iter().any(|f| f.level == Level::Interop))
    {
        return Err("the clean server got interop warnings".into());
    }
    Ok(())
}

/// The coverage matrix, computed by the library's `--coverage` sweep from
/// the findings of runs under every fault: no empty row, no claim that no
/// finding bears out, and the unit tests named for the rows no server can
/// break exist.
fn coverage(cases: &[Case], schemas: &Schemas, rt: &tokio::runtime::Runtime) -> Result<(), Failed> {
    let runs = rt.block_on(icws_conformance::cli::proof::sweep(
        Arc::new(cases.to_vec()),
        schemas.clone(),
    ))?;
    let rows = coverage::matrix(&runs);
    let gaps: Vec<String> = rows
        .iter()
        .filter(|r| r.is_gap())
        .map(|r| format!("{} (cases {:?}, faults {:?})", r.req.id, r.cases, r.faults))
        .collect();
    if !gaps.is_empty() {
        return Err(format!("coverage gaps: {gaps:#?}").into());
    }
    let unproven = coverage::unproven_claims(&runs);
    if !unproven.is_empty() {
        return Err(format!("claims no finding bears out: {unproven:#?}").into());
    }
    for (req, tests) in icws_conformance::spec::HARNESS_PROVEN {
        for test in *tests {
            if !unit_test_exists(test) {
                return Err(format!("{req} names unit test {test}, which does not exist").into());
            }
        }
    }
    Ok(())
}

/// True when `module::path::tests::name` is a `#[test]` function in the
/// module's file.
fn unit_test_exists(path: &str) -> bool {
    let Some((module, name)) = path.rsplit_once("::tests::") else {
        return false;
    };
    let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let rel = module.replace("::", "/");
    let text = std::fs::read_to_string(base.join(format!("{rel}.rs")))
        .or_else(|_| std::fs::read_to_string(base.join(rel).join("mod.rs")))
        .unwrap_or_default();
    let Some(tests) = text.split("#[cfg(test)]").nth(1) else {
        return false;
    };
    let needle = format!("fn {name}()");
    tests
        .match_indices(&needle)
        .any(|(i, _)| tests[..i].trim_end().ends_with("#[test]"))
}

/// The fault list follows the documentation's property table: every
/// documented message property has its missing, wrong-type and null fault,
/// so dropping a property cannot make its trials vanish quietly.
fn fault_list_follows_the_documentation() -> Result<(), Failed> {
    let documented: Vec<&str> = include_str!("data/documented-properties.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            (cols.first() == Some(&"statusMessage")).then(|| cols.get(1).copied())?
        })
        .collect();
    if documented.len() != 14 {
        return Err(format!(
            "the table lists {} message properties, not 14",
            documented.len()
        )
        .into());
    }
    if documented != PROPERTIES {
        return Err(format!(
            "the reference server's properties {PROPERTIES:?} are not the documented {documented:?}"
        )
        .into());
    }
    let names: Vec<String> = Fault::all().iter().map(Fault::name).collect();
    for prop in documented {
        for kind in ["missing", "wrong-type", "null"] {
            let want = format!("{kind}-{prop}");
            if !names.contains(&want) {
                return Err(format!("no fault {want} for documented property {prop}").into());
            }
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let args = Arguments::from_args();
    let schemas = match Schemas::shipped() {
        Ok(s) => s,
        Err(e) => panic!("shipped schemas do not compile: {e:?}"),
    };
    let cases = match load::load_all(&[], &schemas) {
        Ok(c) => Arc::new(c),
        Err(e) => panic!("shipped cases do not load: {e:?}"),
    };
    let schemas = Arc::new(schemas);
    let rt = Arc::new(tokio::runtime::Runtime::new().unwrap());
    let mut trials = Vec::new();
    {
        let (cases, schemas, rt) = (cases.clone(), schemas.clone(), rt.clone());
        trials.push(Trial::test("clean-server-passes-every-case", move || {
            clean(&cases, &schemas, &rt)
        }));
    }
    {
        let (cases, schemas, rt) = (cases.clone(), schemas.clone(), rt.clone());
        trials.push(Trial::test("coverage-matrix-has-no-empty-row", move || {
            coverage(&cases, &schemas, &rt)
        }));
    }
    trials.push(Trial::test(
        "fault-list-follows-the-documented-properties",
        fault_list_follows_the_documentation,
    ));
    for fault in Fault::all() {
        let (cases, schemas, rt) = (cases.clone(), schemas.clone(), rt.clone());
        trials.push(Trial::test(format!("fault/{fault}"), move || {
            prove(fault, &cases, &schemas, &rt)
        }));
    }
    libtest_mimic::run(&args, trials).exit_code()
}
