//! The near-miss credential faults: a server whose token, cookie or
//! session-id check is nearly right. For each fault, against a server with
//! it: the exact credentials pass, the near miss the fault lets through
//! passes, and plainly wrong credentials are still refused the normal way
//! (401, or 400 for an absent token); against a conformant server the
//! same near miss is refused, so it is a miss. Three sessions of one user
//! are logged in for each run: the one the requests are for, another live
//! one, and an ended one.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use common::{Login, client, login, logout, runtime, start};
use icws_refserver::{self as refserver, Config, Fault, Profile};
use reqwest::StatusCode;

mod common;

/// One session's credentials.
#[derive(Debug, Clone)]
struct S {
    id: String,
    token: String,
    /// The session cookie's name, `icws_<id>`.
    name: String,
    /// The session cookie's value.
    value: String,
}

impl S {
    fn of(l: &Login) -> S {
        let (name, value) = l.cookie.split_once('=').unwrap();
        assert_eq!(name, format!("icws_{}", l.id));
        S {
            id: l.id.clone(),
            token: l.token.clone(),
            name: name.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// The session requests are for (`s`), another live one (`o`), and an
/// ended one (`e`).
struct Three {
    s: S,
    o: S,
    e: S,
}

/// A status-messages request: the path's id, the token (`None`: no
/// header), the cookie (`None`: no `Cookie` header).
#[derive(Debug, Clone)]
struct Req {
    id: String,
    token: Option<String>,
    cookie: Option<(String, String)>,
}

impl Req {
    /// The exact credentials of `s`.
    fn of(s: &S) -> Req {
        Req {
            id: s.id.clone(),
            token: Some(s.token.clone()),
            cookie: Some((s.name.clone(), s.value.clone())),
        }
    }
    fn token(mut self, t: impl Into<String>) -> Req {
        self.token = Some(t.into());
        self
    }
    fn value(mut self, v: impl Into<String>) -> Req {
        if let Some((_, value)) = &mut self.cookie {
            *value = v.into();
        }
        self
    }
    fn id(mut self, id: impl Into<String>) -> Req {
        self.id = id.into();
        self
    }
}

async fn send(c: &reqwest::Client, base: &str, r: &Req) -> StatusCode {
    let mut req = c.get(format!("{base}/icws/{}/status/status-messages", r.id));
    if let Some(t) = &r.token {
        req = req.header(refserver::CSRF_HEADER, t);
    }
    if let Some((n, v)) = &r.cookie {
        req = req.header("Cookie", format!("{n}={v}"));
    }
    req.send().await.unwrap().status()
}

/// Every letter's case swapped.
fn swapcase(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_uppercase() {
                c.to_ascii_lowercase()
            } else {
                c.to_ascii_uppercase()
            }
        })
        .collect()
}

/// All but the last character.
fn cut(s: &str) -> String {
    s[..s.len() - 1].to_owned()
}

/// Near misses the fault lets through.
type Accepted = fn(&Three) -> Vec<Req>;
/// Wrong credentials still refused, with the status.
type Refused = fn(&Three) -> Vec<(Req, StatusCode)>;

const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;

/// Logs in three sessions on a server (`fault`, `profiles`) and ends one.
async fn three(c: &reqwest::Client, base: &str) -> Three {
    let s = login(c, base).await.unwrap();
    let o = login(c, base).await.unwrap();
    let e = login(c, base).await.unwrap();
    assert!(logout(c, base, &e).await.is_success());
    Three {
        s: S::of(&s),
        o: S::of(&o),
        e: S::of(&e),
    }
}

/// The proof for one near-miss fault (see the module's doc).
fn check(fault: Fault, profiles: &[Profile], accepted: Accepted, refused: Refused) {
    let rt = runtime();
    let c = client();
    let profiles: BTreeSet<Profile> = profiles.iter().copied().collect();
    let faulty = start(
        &rt,
        Config {
            fault: Some(fault),
            profiles: profiles.clone(),
            ..Config::default()
        },
    );
    let conformant = start(
        &rt,
        Config {
            profiles,
            ..Config::default()
        },
    );
    rt.block_on(async {
        let base = faulty.base_url();
        let t = three(&c, &base).await;
        assert_eq!(
            send(&c, &base, &Req::of(&t.s)).await,
            StatusCode::OK,
            "{fault}: exact"
        );
        for r in accepted(&t) {
            assert_eq!(send(&c, &base, &r).await, StatusCode::OK, "{fault}: {r:?}");
        }
        for (r, status) in refused(&t) {
            assert_eq!(send(&c, &base, &r).await, status, "{fault}: {r:?}");
        }
        // The ended session itself stays ended.
        assert_eq!(
            send(&c, &base, &Req::of(&t.e)).await,
            UNAUTHORIZED,
            "{fault}: ended"
        );
        assert_eq!(
            send(&c, &base, &Req::of(&t.s)).await,
            StatusCode::OK,
            "{fault}: exact"
        );

        let base = conformant.base_url();
        let t = three(&c, &base).await;
        for r in accepted(&t) {
            assert_eq!(send(&c, &base, &r).await, UNAUTHORIZED, "conformant: {r:?}");
        }
        assert_eq!(send(&c, &base, &Req::of(&t.s)).await, StatusCode::OK);
    });
}

#[test]
fn token_prefix_compared() {
    check(
        Fault::TokenPrefixCompared,
        &[],
        |t| {
            // Another session's token shares far more than 16 characters.
            let mut mixed = t.s.token[..16].to_owned();
            mixed.push_str(&"x".repeat(t.s.token.len() - 16));
            vec![
                Req::of(&t.s).token(t.o.token.clone()),
                Req::of(&t.s).token(mixed),
            ]
        },
        |t| {
            vec![
                (Req::of(&t.s).token("wrong-token"), UNAUTHORIZED),
                (Req::of(&t.s).token(&t.s.token[..15]), UNAUTHORIZED),
                (Req::of(&t.s).token(swapcase(&t.s.token)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn token_case_insensitive() {
    check(
        Fault::TokenCaseInsensitive,
        &[],
        |t| vec![Req::of(&t.s).token(swapcase(&t.s.token))],
        |t| {
            vec![
                (Req::of(&t.s).token(t.o.token.clone()), UNAUTHORIZED),
                (Req::of(&t.s).token(swapcase(&t.o.token)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn token_prefix_accepted() {
    check(
        Fault::TokenPrefixAccepted,
        &[],
        |t| {
            vec![
                Req::of(&t.s).token(cut(&t.s.token)),
                Req::of(&t.s).token(&t.s.token[..1]),
            ]
        },
        |t| {
            vec![
                (Req::of(&t.s).token(""), UNAUTHORIZED),
                (Req::of(&t.s).token(cut(&t.o.token)), UNAUTHORIZED),
                (Req::of(&t.s).token(format!("{}A", t.s.token)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn token_extension_accepted() {
    check(
        Fault::TokenExtensionAccepted,
        &[],
        |t| vec![Req::of(&t.s).token(format!("{}A", t.s.token))],
        |t| {
            vec![
                (Req::of(&t.s).token(format!("{}A", t.o.token)), UNAUTHORIZED),
                (Req::of(&t.s).token(cut(&t.s.token)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn token_length_compared() {
    check(
        Fault::TokenLengthCompared,
        &[],
        |t| {
            vec![
                Req::of(&t.s).token(t.o.token.clone()),
                Req::of(&t.s).token("x".repeat(t.s.token.len())),
            ]
        },
        |t| {
            vec![
                (Req::of(&t.s).token(format!("{}A", t.s.token)), UNAUTHORIZED),
                (Req::of(&t.s).token(cut(&t.s.token)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn empty_token_accepted() {
    check(
        Fault::EmptyTokenAccepted,
        &[],
        |t| vec![Req::of(&t.s).token("")],
        |t| {
            let mut absent = Req::of(&t.s);
            absent.token = None;
            vec![
                (absent, StatusCode::BAD_REQUEST),
                (Req::of(&t.s).token(t.o.token.clone()), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn ended_token_accepted() {
    check(
        Fault::EndedTokenAccepted,
        &[],
        |t| vec![Req::of(&t.s).token(t.e.token.clone())],
        |t| {
            vec![
                (Req::of(&t.s).token(t.o.token.clone()), UNAUTHORIZED),
                // Under the ended session's id: it is ended.
                (Req::of(&t.e).token(t.s.token.clone()), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn cookie_prefix_compared() {
    check(
        Fault::CookiePrefixCompared,
        &[],
        |t| {
            let mixed = format!("{}{}", &t.s.value[..16], &t.o.value[16..]);
            vec![Req::of(&t.s).value(mixed)]
        },
        |t| {
            vec![
                (Req::of(&t.s).value(t.o.value.clone()), UNAUTHORIZED),
                (Req::of(&t.s).value(&t.s.value[..15]), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn cookie_case_insensitive() {
    check(
        Fault::CookieCaseInsensitive,
        &[],
        |t| {
            let swapped = swapcase(&t.s.value);
            assert_ne!(swapped, t.s.value, "a GUID of digits only");
            vec![Req::of(&t.s).value(swapped)]
        },
        |t| {
            vec![
                (Req::of(&t.s).value(t.o.value.clone()), UNAUTHORIZED),
                (Req::of(&t.s).value(swapcase(&t.o.value)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn cookie_prefix_accepted() {
    check(
        Fault::CookiePrefixAccepted,
        &[],
        |t| vec![Req::of(&t.s).value(cut(&t.s.value))],
        |t| {
            vec![
                (Req::of(&t.s).value(""), UNAUTHORIZED),
                (Req::of(&t.s).value(cut(&t.o.value)), UNAUTHORIZED),
                (Req::of(&t.s).value(format!("{}0", t.s.value)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn cookie_extension_accepted() {
    check(
        Fault::CookieExtensionAccepted,
        &[],
        |t| vec![Req::of(&t.s).value(format!("{}0", t.s.value))],
        |t| {
            vec![
                (Req::of(&t.s).value(format!("{}0", t.o.value)), UNAUTHORIZED),
                (Req::of(&t.s).value(cut(&t.s.value)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn cookie_length_compared() {
    check(
        Fault::CookieLengthCompared,
        &[],
        |t| vec![Req::of(&t.s).value(t.o.value.clone())],
        |t| {
            vec![
                (Req::of(&t.s).value(format!("{}0", t.s.value)), UNAUTHORIZED),
                (Req::of(&t.s).value(cut(&t.s.value)), UNAUTHORIZED),
                // The right value under another session's name.
                (
                    Req {
                        cookie: Some((t.o.name.clone(), t.s.value.clone())),
                        ..Req::of(&t.s)
                    },
                    UNAUTHORIZED,
                ),
            ]
        },
    );
}

#[test]
fn empty_cookie_accepted() {
    check(
        Fault::EmptyCookieAccepted,
        &[],
        |t| vec![Req::of(&t.s).value("")],
        |t| {
            let mut none = Req::of(&t.s);
            none.cookie = None;
            vec![
                (none, UNAUTHORIZED),
                (Req::of(&t.s).value(t.o.value.clone()), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn ended_cookie_accepted() {
    check(
        Fault::EndedCookieAccepted,
        &[],
        |t| vec![Req::of(&t.s).value(t.e.value.clone())],
        |t| {
            vec![
                (Req::of(&t.s).value(t.o.value.clone()), UNAUTHORIZED),
                // The ended session's whole cookie, by its own name.
                (
                    Req {
                        cookie: Some((t.e.name.clone(), t.e.value.clone())),
                        ..Req::of(&t.s)
                    },
                    UNAUTHORIZED,
                ),
            ]
        },
    );
}

#[test]
fn session_id_prefix_accepted() {
    check(
        Fault::SessionIdPrefixAccepted,
        &[],
        |t| vec![Req::of(&t.s).id(cut(&t.s.id))],
        |t| {
            vec![
                (Req::of(&t.s).id("1"), UNAUTHORIZED),
                (Req::of(&t.s).id(format!("{}0", t.s.id)), UNAUTHORIZED),
                // A beginning of another session's id is that session.
                (Req::of(&t.s).id(cut(&t.o.id)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn session_id_extension_accepted() {
    check(
        Fault::SessionIdExtensionAccepted,
        &[],
        |t| {
            vec![
                Req::of(&t.s).id(format!("{}7", t.s.id)),
                Req::of(&t.s).id(format!("{}x", t.s.id)),
            ]
        },
        |t| {
            vec![
                (Req::of(&t.s).id(format!("9{}", t.s.id)), UNAUTHORIZED),
                (Req::of(&t.s).id(cut(&t.s.id)), UNAUTHORIZED),
                (Req::of(&t.s).id(format!("{}7", t.o.id)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn session_id_case_insensitive() {
    check(
        Fault::SessionIdCaseInsensitive,
        &[Profile::LetterSessionIds],
        |t| vec![Req::of(&t.s).id(swapcase(&t.s.id))],
        |t| {
            vec![
                (Req::of(&t.s).id(format!("x{}", t.s.id)), UNAUTHORIZED),
                (Req::of(&t.s).id(swapcase(&t.o.id)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn session_id_prefix_compared() {
    check(
        Fault::SessionIdPrefixCompared,
        &[],
        |t| {
            let half = t.s.id.len().div_ceil(2);
            let rest = "9".repeat(t.s.id.len() - half);
            vec![
                Req::of(&t.s).id(format!("{}{rest}", &t.s.id[..half])),
                Req::of(&t.s).id(&t.s.id[..half]),
            ]
        },
        |t| {
            let half = t.s.id.len().div_ceil(2);
            vec![
                (Req::of(&t.s).id("7".repeat(t.s.id.len())), UNAUTHORIZED),
                (Req::of(&t.s).id(&t.s.id[..half - 1]), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn token_suffix_compared() {
    check(
        Fault::TokenSuffixCompared,
        &[],
        |t| {
            let n = t.s.token.len();
            let mixed = format!("{}{}", "x".repeat(n - 16), &t.s.token[n - 16..]);
            // A real token ends in the client's address: another session's
            // token from the same client shares its last 16 characters.
            vec![
                Req::of(&t.s).token(format!("Q{}", t.s.token)),
                Req::of(&t.s).token(mixed),
                Req::of(&t.s).token(t.o.token.clone()),
            ]
        },
        |t| {
            let n = t.s.token.len();
            vec![
                (Req::of(&t.s).token("wrong-token"), UNAUTHORIZED),
                (Req::of(&t.s).token(&t.s.token[1..n - 1]), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn cookie_suffix_compared() {
    check(
        Fault::CookieSuffixCompared,
        &[],
        |t| {
            let n = t.s.value.len();
            let mixed = format!("{}{}", &t.o.value[..n - 16], &t.s.value[n - 16..]);
            vec![
                Req::of(&t.s).value(mixed),
                Req::of(&t.s).value(format!("0{}", t.s.value)),
            ]
        },
        |t| {
            let n = t.s.value.len();
            vec![
                (Req::of(&t.s).value(t.o.value.clone()), UNAUTHORIZED),
                (Req::of(&t.s).value(&t.s.value[..n - 1]), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn session_id_as_number() {
    check(
        Fault::SessionIdAsNumber,
        &[],
        |t| {
            vec![
                Req::of(&t.s).id(format!("0{}", t.s.id)),
                Req::of(&t.s).id(format!("000{}", t.s.id)),
            ]
        },
        |t| {
            vec![
                (Req::of(&t.s).id(format!("1{}", t.s.id)), UNAUTHORIZED),
                (Req::of(&t.s).id(format!("0{}x", t.s.id)), UNAUTHORIZED),
                (Req::of(&t.s).id(format!("0{}", t.o.id)), UNAUTHORIZED),
            ]
        },
    );
}

#[test]
fn every_near_miss_fault_is_listed_and_claims_its_credential() {
    let claims = [
        ("token-prefix-compared", "REQ-REQ-3"),
        ("token-suffix-compared", "REQ-REQ-3"),
        ("token-case-insensitive", "REQ-REQ-3"),
        ("token-prefix-accepted", "REQ-REQ-3"),
        ("token-extension-accepted", "REQ-REQ-3"),
        ("token-length-compared", "REQ-REQ-3"),
        ("empty-token-accepted", "REQ-REQ-3"),
        // An ended session's credential is an expired one (REQ-401-1).
        ("ended-token-accepted", "REQ-401-1"),
        ("cookie-prefix-compared", "REQ-REQ-4"),
        ("cookie-suffix-compared", "REQ-REQ-4"),
        ("cookie-case-insensitive", "REQ-REQ-4"),
        ("cookie-prefix-accepted", "REQ-REQ-4"),
        ("cookie-extension-accepted", "REQ-REQ-4"),
        ("cookie-length-compared", "REQ-REQ-4"),
        ("empty-cookie-accepted", "REQ-REQ-4"),
        ("ended-cookie-accepted", "REQ-401-1"),
        ("session-id-prefix-accepted", "REQ-REQ-2"),
        ("session-id-extension-accepted", "REQ-REQ-2"),
        ("session-id-case-insensitive", "REQ-REQ-2"),
        ("session-id-prefix-compared", "REQ-REQ-2"),
        ("session-id-as-number", "REQ-REQ-2"),
    ];
    let all = Fault::all();
    for (name, req) in claims {
        let f = Fault::parse(name).unwrap();
        assert!(all.contains(&f), "{name}");
        // Its credential's rule first; a fault that also takes an ended
        // session's value claims REQ-401-1 besides.
        let claims = f.claims();
        assert_eq!(claims.first(), Some(&(req, "status".to_owned())), "{name}");
        assert!(
            claims
                .iter()
                .skip(1)
                .all(|c| *c == ("REQ-401-1", "status".to_owned())),
            "{name}: {claims:?}"
        );
        assert!(!f.changes_catalogue(), "{name}");
    }
    assert!(
        Fault::SessionIdCaseInsensitive
            .about()
            .contains("letter-session-ids")
    );
}
