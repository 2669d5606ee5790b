//! CORS as a browser judges it, for the `browser` cases (opt-in with the
//! run's `--origin`): the Fetch standard's CORS check of an answer to a
//! page on that origin that sends credentials — `Access-Control-Allow-Origin`
//! exactly the origin (`*` does not do with credentials) and
//! `Access-Control-Allow-Credentials` exactly `true` — and for a preflight
//! (POL-BROWSER-1) that every header the vendor's client asks for is
//! allowed, for the login's 201 (POL-BROWSER-2) that the session headers
//! are exposed to the page. Names compare case-insensitively, as Fetch
//! does; `*` in a list counts for nothing, as with credentials it does not.

use crate::finding::{Finding, Place, SHOWN_CHARS, shorten};
use crate::load::case::{Browser, Case, Endpoint};
use crate::run::client::Response;
use crate::run::execute::preflight_of;

/// The login headers a page must be able to read.
const EXPOSED: [&str; 2] = ["ININ-ICWS-Session-ID", "ININ-ICWS-CSRF-Token"];

/// The CORS findings of a browser case's answer (with an expected status).
pub fn check(case: &Case, resp: &Response, origin: &str) -> Vec<Finding> {
    let Some(browser) = case.browser else {
        return Vec::new();
    };
    let req = case.subject();
    let mut out = Vec::new();
    let finding = |name: &str, message: String, expected: String, actual: String| {
        Finding::must(req, Place::Header(name.into()), message, expected, actual)
    };
    let shown = |values: &[String]| {
        if values.is_empty() {
            "(absent)".to_owned()
        } else {
            shorten(&values.join(" | "), SHOWN_CHARS)
        }
    };
    let acao = resp.header_values("access-control-allow-origin");
    let ok_origin = matches!(acao.as_slice(), [one] if one.trim() == origin);
    if !ok_origin {
        let why = match acao.as_slice() {
            [] => "absent: the browser keeps the answer from the page".to_owned(),
            [one] if one.trim() == "*" => {
                "`*`: a browser refuses it for a request with credentials (the session cookie)"
                    .to_owned()
            }
            [_] => "names another origin than the page's: the browser keeps the answer from it"
                .to_owned(),
            _ => "more than one value: the browser refuses the answer".to_owned(),
        };
        out.push(finding(
            "access-control-allow-origin",
            format!("Access-Control-Allow-Origin {why}"),
            format!("exactly {origin}"),
            shown(&acao),
        ));
    }
    let acac = resp.header_values("access-control-allow-credentials");
    if !matches!(acac.as_slice(), [one] if one.trim() == "true") {
        out.push(finding(
            "access-control-allow-credentials",
            "Access-Control-Allow-Credentials is not `true`: the browser keeps the answer from a \
             page that sends the session cookie"
                .into(),
            "true".into(),
            shown(&acac),
        ));
    }
    match browser {
        Browser::Preflight => {
            let values = resp.header_values("access-control-allow-headers");
            if let Some(bad) = unparsed(&values) {
                out.push(finding(
                    "access-control-allow-headers",
                    format!(
                        "Access-Control-Allow-Headers does not parse ({bad:?} is not a header \
                         name): the browser fails the preflight"
                    ),
                    "a comma-separated list of header names".into(),
                    shown(&values),
                ));
            }
            let allowed = names(&values);
            let (_, _, asked) = preflight_of(case.endpoint, "");
            let missing: Vec<&str> = asked
                .split(',')
                .filter(|a| !allowed.iter().any(|n| n.eq_ignore_ascii_case(a)))
                .collect();
            if !missing.is_empty() {
                out.push(finding(
                    "access-control-allow-headers",
                    format!(
                        "the preflight does not allow {}: the browser stops before sending the \
                         vendor client's request",
                        missing.join(", ")
                    ),
                    format!("every asked header: {asked}"),
                    shown(&resp.header_values("access-control-allow-headers")),
                ));
            }
        }
        Browser::Request if case.endpoint == Endpoint::Login && resp.status == 201 => {
            let values = resp.header_values("access-control-expose-headers");
            if let Some(bad) = unparsed(&values) {
                out.push(finding(
                    "access-control-expose-headers",
                    format!(
                        "Access-Control-Expose-Headers does not parse ({bad:?} is not a header \
                         name): the browser exposes none of it"
                    ),
                    "a comma-separated list of header names".into(),
                    shown(&values),
                ));
            }
            let exposed = names(&values);
            let missing: Vec<&str> = EXPOSED
                .into_iter()
                .filter(|e| !exposed.iter().any(|n| n.eq_ignore_ascii_case(e)))
                .collect();
            if !missing.is_empty() {
                out.push(finding(
                    "access-control-expose-headers",
                    format!(
                        "the login does not expose {} to the page: the vendor's client reads the \
                         session id and token only there, so it cannot continue",
                        missing.join(" and ")
                    ),
                    format!("lists {}", EXPOSED.join(", ")),
                    shown(&values),
                ));
            }
        }
        Browser::Request => {}
    }
    out
}

/// The first item of a comma-separated list that is not a header name
/// (an RFC 9110 token, or `*`): Fetch's parse of the list fails on it.
/// Empty items are allowed (`a, , b`), as Fetch's list parsing skips them.
fn unparsed(values: &[String]) -> Option<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .find(|n| {
            !n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        })
        .map(|n| shorten(n, 40))
}

/// The names of a comma-separated header list, over every value, trimmed;
/// `*` left out (with credentials it is a name like any other, which no
/// request header has).
fn names(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty() && n != "*")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_skip_the_wildcard_and_blanks() {
        let v = vec![" Content-Type ,*, ".to_owned(), "x-a".to_owned()];
        assert_eq!(names(&v), ["Content-Type", "x-a"]);
        assert_eq!(unparsed(&v), None);
        assert_eq!(
            unparsed(&["content-type, bad header".to_owned()]).as_deref(),
            Some("bad header")
        );
    }
}
