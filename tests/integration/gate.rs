//! The output gate judged by decoding (issue: the output gate by decoding):
//! a server echoing the password in the encodings real server stacks
//! produce — in bodies, headers, member names and `Location` — reaches no
//! output in any readable or one-decode-away form; a password that spells
//! a word of the tool's own vocabulary leaves every report well-formed; and
//! no sink lets control characters or links through.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{run, runtime, serve};
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use icws_conformance::secret::decode::decodings;
use icws_refserver::{self as refserver, Config, Fault};

/// Every report on, under `--strict` (an undocumented member is a finding).
fn run_with_reports(env: &[(&str, &str)]) -> (i32, Vec<(String, String)>) {
    crate::common::run_with_reports(&["--strict"], env)
}

fn hex(bytes: &[u8], upper: bool) -> String {
    bytes
        .iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect()
}

/// The password as real server stacks spell it, one form per encoder.
fn stack_encodings(pw: &str) -> Vec<(&'static str, String)> {
    use base64::Engine as _;
    let special = |c: char| !c.is_ascii_alphanumeric();
    let each = |f: &dyn Fn(char) -> String| -> String {
        pw.chars()
            .map(|c| if special(c) { f(c) } else { c.to_string() })
            .collect()
    };
    let utf16 = |c: char| {
        let mut buf = [0u16; 2];
        c.encode_utf16(&mut buf)
            .iter()
            .map(|u| format!("\\u{u:04X}"))
            .collect::<String>()
    };
    let utf8_pct = |c: char, upper: bool| {
        let mut buf = [0u8; 4];
        c.encode_utf8(&mut buf)
            .bytes()
            .map(|b| format!("%{}", hex(&[b], upper)))
            .collect::<String>()
    };
    let mut n = 0usize;
    let mut alternate = || {
        n += 1;
        n % 2 == 0
    };
    // Per-character choices no fixed safe set describes: `~` and `'`
    // encoded, `!` raw, alternately upper and lower hex.
    let mixed: String = pw
        .chars()
        .map(|c| match c {
            '!' | '*' | '(' | ')' => c.to_string(),
            c if special(c) => utf8_pct(c, alternate()),
            c => c.to_string(),
        })
        .collect();
    let latin1: String = pw
        .chars()
        .map(|c| match u32::from(c) {
            n if (0x80..0x100).contains(&n) => format!("%{n:02X}"),
            _ if special(c) => utf8_pct(c, true),
            _ => c.to_string(),
        })
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD_NO_PAD;
    // Inside a longer base64 text, at an alignment other than its own.
    let inner = b64.encode(format!("user=agent1;pw={pw};x=1"));
    let pointer = pw.replace('~', "~0").replace('/', "~1");
    let utf16_bytes: String = pw.chars().flat_map(|c| [c, '\0']).collect();
    vec![
        ("System.Text.Json", each(&utf16)),
        ("Json.NET", each(&|c| utf16(c).to_lowercase())),
        ("percent, mixed", mixed),
        ("percent, Latin-1", latin1),
        (
            "hex character references",
            each(&|c| format!("&#x{:X};", u32::from(c))),
        ),
        (
            "decimal character references",
            each(&|c| format!("&#{};", u32::from(c))),
        ),
        ("backslash", each(&|c| format!("\\{c}"))),
        ("base64 inside", inner[3..].to_owned()),
        (
            "quoted-printable",
            each(&|c| {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("={b:02X}"))
                    .collect()
            }),
        ),
        ("CSS", each(&|c| format!("\\{:x} ", u32::from(c)))),
        (
            "JavaScript",
            each(&|c| match u32::from(c) {
                n if n < 0x100 => format!("\\x{n:02x}"),
                _ => utf16(c),
            }),
        ),
        ("UTF-16", utf16_bytes),
        ("RFC 6901", pointer),
        ("hex", hex(pw.as_bytes(), false)),
    ]
}

/// The reference server logging in with `pw`, whose status-messages
/// answers echo one form of it per request, in turn in a plain-text 500
/// body, a `WWW-Authenticate` challenge, a `Location` and a member name of
/// the catalogue.
fn echoing(pw: String) -> axum::Router {
    let n = Arc::new(AtomicUsize::new(0));
    let forms: Vec<String> = stack_encodings(&pw).into_iter().map(|(_, f)| f).collect();
    refserver::app(Config {
        password: pw.clone(),
        ..Config::default()
    })
    .layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let (n, forms, pw) = (n.clone(), forms.clone(), pw.clone());
            async move {
                if !req.uri().path().ends_with("/status/status-messages") {
                    return next.run(req).await;
                }
                let i = n.fetch_add(1, Ordering::SeqCst);
                let form = forms[i % forms.len()].clone();
                let plain = |status: StatusCode, body: String| -> Response {
                    (status, [("content-type", "text/plain")], body).into_response()
                };
                match (i / forms.len()) % 4 {
                    0 => plain(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("you sent {form} here"),
                    ),
                    1 => {
                        let mut r = plain(StatusCode::UNAUTHORIZED, "no".into());
                        if let Ok(v) = HeaderValue::from_str(&format!("Basic realm=\"{form}\"")) {
                            r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                        }
                        r
                    }
                    2 => {
                        let mut r = plain(StatusCode::FOUND, String::new());
                        if let Ok(v) = HeaderValue::from_str(&format!("/login?next={form}")) {
                            r.headers_mut().insert(header::LOCATION, v);
                        }
                        r
                    }
                    _ => {
                        let resp = next.run(req).await;
                        let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
                            .await
                            .unwrap();
                        let mut v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        // A member named with the password itself.
                        v["statusMessageList"][0][pw.as_str()] = serde_json::json!(form);
                        (
                            StatusCode::OK,
                            [("content-type", "application/vnd.inin.icws+JSON")],
                            v.to_string(),
                        )
                            .into_response()
                    }
                }
            }
        },
    ))
}

/// True when `text`, or a form one decoding layer or more away, holds `pw`.
fn reveals(text: &str, pw: &str) -> bool {
    text.contains(pw) || decodings(text).iter().any(|d| d.contains(pw))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(3),
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Secrets with every special character, echoed by each real-stack
    /// encoder in bodies, headers, member names and `Location`, reach no
    /// output, readable or one decoding away.
    #[test]
    fn real_stack_encodings_reach_no_output(tail in "[ -~ö]{6,14}") {
        let pw = format!("Pw7{tail}");
        let rt = runtime();
        let url = rt.block_on(serve(echoing(pw.clone())));
        let env = [
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", refserver::DEMO_USER),
            ("ICWS_PASSWORD", pw.as_str()),
        ];
        let (code, texts) = run_with_reports(&env);
        proptest::prop_assert_eq!(code, 101, "{:?}", texts);
        for (name, text) in &texts {
            for (encoder, form) in stack_encodings(&pw) {
                proptest::prop_assert!(
                    !text.contains(&form),
                    "{} form {:?} leaked into {}:\n{}", encoder, form, name, text
                );
            }
            proptest::prop_assert!(
                !reveals(text, &pw),
                "the password, decoded, is in {}:\n{}", name, text
            );
        }
    }
}

/// Passwords that spell words the reports are written in.
const VOCABULARY: &[&str] = &[
    "true",
    "null",
    "test",
    "failure",
    "status",
    "ICWS",
    "testsuite",
    "testcase",
    "details",
    "summary",
    "passed",
    "name",
];

/// A password equal to any word of the tool's own vocabulary leaves every
/// report well-formed: the record is scrubbed as data, before rendering.
#[test]
fn vocabulary_passwords_leave_every_report_well_formed() {
    let rt = runtime();
    for pw in VOCABULARY {
        let url = rt.block_on(serve(refserver::app(Config {
            password: (*pw).into(),
            fault: Some(Fault::parse("token-not-checked").unwrap()),
            ..Config::default()
        })));
        let env = [
            ("ICWS_BASE_URL", url.as_str()),
            ("ICWS_USER", refserver::DEMO_USER),
            ("ICWS_PASSWORD", *pw),
        ];
        let (code, texts) = run_with_reports(&env);
        assert_eq!(code, 101, "{pw}: {texts:?}");
        let get = |n: &str| {
            texts
                .iter()
                .find(|(name, _)| name == n)
                .map(|(_, t)| t.clone())
                .unwrap_or_else(|| panic!("{pw}: no {n}"))
        };
        let json: serde_json::Value = serde_json::from_str(&get("json"))
            .unwrap_or_else(|e| panic!("{pw}: JSON report: {e}\n{}", get("json")));
        let cases = json["cases"].as_array().map_or(0, Vec::len);
        assert!(cases > 30, "{pw}: {cases} cases in the JSON report");
        let xml = get("junit");
        let mut reader = quick_xml::Reader::from_str(&xml);
        let mut testcases = 0;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e))
                    if e.name().as_ref() == b"testcase" =>
                {
                    testcases += 1;
                }
                Ok(_) => {}
                Err(e) => panic!("{pw}: JUnit: {e}\n{xml}"),
            }
        }
        assert_eq!(testcases, cases, "{pw}: JUnit test cases");
        let base = get("baseline");
        let parsed: toml::Table =
            toml::from_str(&base).unwrap_or_else(|e| panic!("{pw}: baseline: {e}\n{base}"));
        assert!(!parsed.is_empty(), "{pw}: {base}");
        let page = scraper::Html::parse_document(&get("html"));
        let rows = scraper::Selector::parse("details.case").unwrap();
        assert_eq!(
            page.select(&rows).count(),
            cases,
            "{pw}: HTML rows\n{}",
            get("html")
        );
        let summary = get("summary");
        let table_rows = summary.lines().filter(|l| l.starts_with("| ")).count();
        assert_eq!(table_rows, cases + 1, "{pw}: summary\n{summary}");
    }
}

/// A server whose error text holds control characters, a bidi override
/// and bare links: the annotations and the step summary show none raw, and
/// the summary, rendered as GitHub renders Markdown, has no link or tag.
#[test]
fn no_sink_lets_controls_or_links_through() {
    // Raw, in a plain-text body: excerpts are cut at 120 characters.
    let body = "http://evil.example/a www.evil.example m@evil.example <b>b</b> \
                [l](http://x.example) x\u{0}\u{1b}[31m\u{7}\u{8}\u{202e}\u{2028}\u{e0041}\u{180e}\u{3164}\u{34f}!"
        .to_owned();
    let app = refserver::app(Config::default()).layer(axum::middleware::from_fn(
        move |req: Request, next: Next| {
            let body = body.clone();
            async move {
                if !req.uri().path().ends_with("/status/status-messages") {
                    return next.run(req).await;
                }
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [("content-type", "text/plain")],
                    body,
                )
                    .into_response()
            }
        },
    ));
    let rt = runtime();
    let url = rt.block_on(serve(app));
    let env = [
        ("ICWS_BASE_URL", url.as_str()),
        ("ICWS_USER", refserver::DEMO_USER),
        ("ICWS_PASSWORD", refserver::DEMO_PASSWORD),
    ];
    let (code, texts) = run_with_reports(&env);
    assert_eq!(code, 101, "{texts:?}");
    for (name, text) in &texts {
        let raw: Vec<char> = text
            .chars()
            .filter(|c| icws_conformance::text::is_hidden(*c) && !matches!(c, '\n' | '\t' | '\r'))
            .collect();
        assert!(raw.is_empty(), "{name}: raw {raw:?}");
    }
    let summary = &texts.iter().find(|(n, _)| n == "summary").unwrap().1;
    assert!(summary.contains("evil.example"), "{summary}");
    let mut options = comrak::Options::default();
    options.extension.autolink = true;
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.render.r#unsafe = true;
    let html = comrak::markdown_to_html(summary, &options);
    for tag in ["<a ", "<img", "<b>"] {
        assert!(
            !html.contains(tag),
            "{tag} in the rendered summary:\n{html}"
        );
    }
}

/// A password after `--password` that starts with `-` reads as flags to
/// the command-line parser; its error shows no piece of it.
#[test]
fn a_dashed_password_is_not_quoted_by_the_command_line_error() {
    for args in [
        vec!["--password", "-S3cretZZ"],
        vec!["--password", "--S3cretZZ"],
        vec!["--csrf-token", "-S3cretZZ", "--session-id", "1"],
    ] {
        let (code, out, err) = run(&args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        let all = format!("{out}{err}");
        assert!(
            !all.contains("-S") && !all.contains("S3cret"),
            "{args:?}: {all}"
        );
        assert!(all.contains("=VALUE"), "{args:?}: {all}");
    }
}
