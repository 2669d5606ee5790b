//! The header rules a schema cannot state: the JSON media type class of a
//! `Content-Type` (POL-MEDIA-1) and the ICWS `WWW-Authenticate` challenge of a
//! 401 (REQ-401-2). Parsing is lenient where real servers are (ICWS separates
//! challenge parameters with spaces, not commas) and strict where clients are.

use crate::finding::{Finding, Place, SHOWN_CHARS, shorten};

/// A parsed media type: lower-cased type, subtype and parameter names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// e.g. `application`.
    pub kind: String,
    /// e.g. `vnd.inin.icws+json`.
    pub subtype: String,
    /// Parameters, names lower-cased, values as sent (unquoted).
    pub params: Vec<(String, String)>,
}

impl MediaType {
    /// Parses `type/subtype; name=value; …`. Returns `None` when there is no
    /// `type/subtype` at all.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.split(';');
        let essence = parts.next()?.trim();
        let (kind, subtype) = essence.split_once('/')?;
        let (kind, subtype) = (kind.trim(), subtype.trim());
        let token_ok = |s: &str| !s.is_empty() && s.chars().all(is_tchar);
        if !token_ok(kind) || !token_ok(subtype) {
            return None;
        }
        let params = parts
            .filter_map(|p| {
                let (name, value) = p.split_once('=')?;
                let value = value.trim().trim_matches('"');
                Some((name.trim().to_ascii_lowercase(), value.to_owned()))
            })
            .collect();
        Some(Self {
            kind: kind.to_ascii_lowercase(),
            subtype: subtype.to_ascii_lowercase(),
            params,
        })
    }

    /// `application/json` or any `application/…+json`.
    pub fn is_json(&self) -> bool {
        self.kind == "application" && (self.subtype == "json" || self.subtype.ends_with("+json"))
    }

    /// The ICWS vendor type every real client parses.
    pub fn is_icws_vnd(&self) -> bool {
        self.kind == "application" && self.subtype == "vnd.inin.icws+json"
    }
}

/// The vendor media type, as real servers spell it.
pub const ICWS_MEDIA_TYPE: &str = "application/vnd.inin.icws+JSON; charset=utf-8";

/// Checks that `content_type` declares a JSON body (`must`) and the ICWS
/// vendor type (`interop`). `None` means the header is absent.
pub fn check_json_media_type(content_type: Option<&str>) -> Vec<Finding> {
    let place = || Place::Header("Content-Type".into());
    let expected =
        "application/json or application/…+json (real clients need application/vnd.inin.icws+json)";
    let Some(text) = content_type else {
        return vec![Finding::must(
            "POL-MEDIA-1",
            place(),
            "the JSON body has no Content-Type",
            expected,
            "(absent)",
        )];
    };
    match MediaType::parse(text) {
        Some(mt) if mt.is_json() && !declares_utf8(&mt) => vec![Finding::must(
            "POL-MEDIA-1",
            place(),
            "JSON declared in a charset other than UTF-8: a client that decodes by the declared \
             charset garbles every non-ASCII character (RFC 8259 §8.1: JSON exchanged between \
             systems is UTF-8)",
            "no charset parameter, or charset=utf-8",
            shorten(text, SHOWN_CHARS),
        )],
        Some(mt) if mt.is_icws_vnd() => Vec::new(),
        Some(mt) if mt.is_json() => vec![
            Finding::must(
                "POL-MEDIA-1",
                place(),
                "JSON, but not the ICWS media type the vendor's client library parses",
                "application/vnd.inin.icws+json",
                shorten(text, SHOWN_CHARS),
            )
            .interop(),
        ],
        _ => vec![Finding::must(
            "POL-MEDIA-1",
            place(),
            "the body is not declared as JSON",
            expected,
            shorten(text, SHOWN_CHARS),
        )],
    }
}

/// The labels the WHATWG Encoding Standard maps to UTF-8 (what browsers
/// and most HTTP clients accept), compared ASCII case-insensitively.
const UTF8_LABELS: &[&str] = &[
    "unicode-1-1-utf-8",
    "unicode11utf8",
    "unicode20utf8",
    "utf-8",
    "utf8",
    "x-unicode20utf8",
];

/// True when `mt` has no `charset` parameter (JSON is UTF-8) or every one
/// it has names UTF-8.
fn declares_utf8(mt: &MediaType) -> bool {
    mt.params
        .iter()
        .filter(|(name, _)| name == "charset")
        .all(|(_, v)| UTF8_LABELS.iter().any(|l| l.eq_ignore_ascii_case(v.trim())))
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The auth scheme as sent (compare case-insensitively).
    pub scheme: String,
    /// Parameters: names as sent, values unquoted and unescaped.
    pub params: Vec<(String, String)>,
    /// A token68 in place of parameters, if any.
    pub token68: Option<String>,
}

impl Challenge {
    /// The value of parameter `name`, compared case-insensitively.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Quoted(String),
    Eq,
    Comma,
}

fn tokenize(text: &str) -> Result<Vec<Tok>, String> {
    let mut toks = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some(&(at, c)) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            ',' => {
                chars.next();
                toks.push(Tok::Comma);
            }
            '=' => {
                chars.next();
                toks.push(Tok::Eq);
            }
            '"' => {
                chars.next();
                let mut value = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some((_, escaped)) => value.push(escaped),
                            None => break,
                        },
                        '"' => {
                            closed = true;
                            break;
                        }
                        other => value.push(other),
                    }
                }
                if !closed {
                    return Err(format!("unterminated quoted string at byte {at}"));
                }
                toks.push(Tok::Quoted(value));
            }
            c if is_tchar(c) || c == '/' => {
                let mut word = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if is_tchar(c) || c == '/' {
                        word.push(c);
                        chars.next();
                    } else {
                        break;
                    }
                }
                toks.push(Tok::Word(word));
            }
            other => return Err(format!("unexpected character {other:?} at byte {at}")),
        }
    }
    Ok(toks)
}

/// Parses one `WWW-Authenticate` header value into its challenges (RFC 9110
/// §11.6.1, also accepting spaces between parameters as ICWS sends them).
pub fn parse_challenges(text: &str) -> Result<Vec<Challenge>, String> {
    let toks = tokenize(text)?;
    let mut out: Vec<Challenge> = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Comma => i += 1,
            Tok::Word(scheme) => {
                let mut ch = Challenge {
                    scheme: scheme.clone(),
                    params: Vec::new(),
                    token68: None,
                };
                i += 1;
                loop {
                    while toks.get(i) == Some(&Tok::Comma) {
                        i += 1;
                    }
                    let (Some(Tok::Word(name)), next) = (toks.get(i), toks.get(i + 1)) else {
                        break;
                    };
                    if next != Some(&Tok::Eq) {
                        break; // a new challenge starts here
                    }
                    match toks.get(i + 2) {
                        Some(Tok::Word(v)) | Some(Tok::Quoted(v))
                            if toks.get(i + 3) != Some(&Tok::Eq) =>
                        {
                            ch.params.push((name.clone(), v.clone()));
                            i += 3;
                        }
                        Some(Tok::Eq) | Some(Tok::Comma) | None => {
                            // token68 ending in one or more '='
                            let mut t = name.clone();
                            i += 1;
                            while toks.get(i) == Some(&Tok::Eq) {
                                t.push('=');
                                i += 1;
                            }
                            ch.token68 = Some(t);
                        }
                        _ => return Err(format!("parameter {name:?} has no usable value")),
                    }
                }
                out.push(ch);
            }
            Tok::Quoted(_) | Tok::Eq => {
                return Err("expected an auth scheme, found a parameter value".into());
            }
        }
    }
    Ok(out)
}

/// The challenge REQ-401-2 asks for, for messages.
pub const ICWS_CHALLENGE: &str =
    "ICWS realm=\"ICWS\" location=\"<URL of the connection resource>\"";

/// Checks the `WWW-Authenticate` values of a 401 (all headers of that name)
/// for an `ICWS` challenge with `realm="ICWS"` and a non-empty `location`.
pub fn check_icws_challenge(values: &[String]) -> Vec<Finding> {
    let place = || Place::Header("WWW-Authenticate".into());
    if values.is_empty() {
        return vec![Finding::must(
            "REQ-401-2",
            place(),
            "a 401 without the WWW-Authenticate challenge",
            ICWS_CHALLENGE,
            "(absent)",
        )];
    }
    let shown = shorten(&values.join(" | "), SHOWN_CHARS);
    let mut challenges = Vec::new();
    let mut unparsable = Vec::new();
    for value in values {
        match parse_challenges(value) {
            Ok(mut c) => challenges.append(&mut c),
            Err(why) => unparsable.push((why, value)),
        }
    }
    let icws = challenges
        .iter()
        .find(|c| c.scheme.eq_ignore_ascii_case("ICWS"));
    let Some(icws) = icws else {
        if let Some((why, _)) = unparsable.first() {
            return vec![Finding::must(
                "REQ-401-2",
                place(),
                format!("WWW-Authenticate cannot be parsed: {why}"),
                ICWS_CHALLENGE,
                shown,
            )];
        }
        return vec![Finding::must(
            "REQ-401-2",
            place(),
            "no challenge uses the ICWS scheme",
            ICWS_CHALLENGE,
            shown,
        )];
    };
    // Another challenge a client cannot read does not hide a valid ICWS one
    // (several are allowed); it is worth a note, not a failure.
    let mut out: Vec<Finding> = unparsable
        .iter()
        .map(|(why, value)| {
            Finding::must(
                "REQ-401-2",
                place(),
                format!("another WWW-Authenticate value cannot be parsed: {why}"),
                "challenges a client can parse (RFC 9110 §11.6.1)",
                shorten(value, SHOWN_CHARS),
            )
            .interop()
        })
        .collect();
    match icws.param("realm") {
        Some(r) if r.eq_ignore_ascii_case("ICWS") => {}
        Some(r) => out.push(Finding::must(
            "REQ-401-2",
            place(),
            "the ICWS challenge names another realm",
            "realm=\"ICWS\"",
            format!("realm=\"{}\"", shorten(r, SHOWN_CHARS)),
        )),
        None => out.push(Finding::must(
            "REQ-401-2",
            place(),
            "the ICWS challenge has no realm parameter",
            "realm=\"ICWS\"",
            shown.clone(),
        )),
    }
    match icws.param("location") {
        Some(l)
            if !l.trim().is_empty() && !l.chars().any(|c| c.is_whitespace() || c.is_control()) => {}
        Some(l) => out.push(Finding::must(
            "REQ-401-2",
            place(),
            "the ICWS challenge's location is not a URL",
            "location=\"<URL at which to authenticate>\"",
            format!("location=\"{}\"", shorten(l, SHOWN_CHARS)),
        )),
        None => out.push(Finding::must(
            "REQ-401-2",
            place(),
            "the ICWS challenge has no location parameter",
            "location=\"<URL at which to authenticate>\"",
            shown,
        )),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Vec<String> {
        vec![s.to_owned()]
    }

    #[test]
    fn documented_example_passes() {
        assert!(
            check_icws_challenge(&v(r#"ICWS realm="ICWS" location="/ICWS/connection""#)).is_empty()
        );
    }

    #[test]
    fn names_and_order_are_free() {
        assert!(
            check_icws_challenge(&v(r#"icws LOCATION="/icws/connection", Realm=icws"#)).is_empty()
        );
    }

    #[test]
    fn several_challenges_and_headers() {
        let c =
            parse_challenges(r#"Basic realm="x", Bearer abc==, ICWS realm="ICWS" location="/c""#)
                .unwrap_or_default();
        assert_eq!(c.len(), 3);
        assert_eq!(c[1].token68.as_deref(), Some("abc=="));
        assert_eq!(c[2].param("location"), Some("/c"));
        let two = vec![
            r#"Basic realm="x""#.to_owned(),
            r#"ICWS realm="ICWS" location="/c""#.to_owned(),
        ];
        assert!(check_icws_challenge(&two).is_empty());
    }

    #[test]
    fn an_unparsable_extra_challenge_is_only_a_note() {
        let values = vec![
            r#"Basic realm="unterminated"#.to_owned(),
            r#"ICWS realm="ICWS" location="/icws/connection""#.to_owned(),
        ];
        let f = check_icws_challenge(&values);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].level, crate::finding::Level::Interop);
    }

    #[test]
    fn quoted_strings_unescape() {
        let c = parse_challenges(r#"ICWS realm="I\"CWS, x" location="/a b""#).unwrap_or_default();
        assert_eq!(c[0].param("realm"), Some("I\"CWS, x"));
    }

    #[test]
    fn each_broken_challenge_fails() {
        let cases: &[(&[&str], &str)] = &[
            (&[], "absent"),
            (
                &[r#"Basic realm="ICWS""#],
                "no challenge uses the ICWS scheme",
            ),
            (&[r#"ICWS location="/c""#], "no realm"),
            (&[r#"ICWS realm="Other" location="/c""#], "another realm"),
            (&[r#"ICWS realm="ICWS""#], "no location"),
            (&[r#"ICWS realm="ICWS" location="""#], "not a URL"),
            (&[r#"ICWS realm="ICWS" location="/c"#], "cannot be parsed"),
        ];
        for (values, needle) in cases {
            let values: Vec<String> = values.iter().map(|s| (*s).to_owned()).collect();
            let f = check_icws_challenge(&values);
            assert_eq!(f.len(), 1, "{values:?}: {f:?}");
            assert_eq!(f[0].req, "REQ-401-2");
            let text = format!("{} {}", f[0].message, f[0].actual);
            assert!(text.contains(needle), "{values:?}: {text}");
        }
    }

    #[test]
    fn media_types() {
        assert!(check_json_media_type(Some(ICWS_MEDIA_TYPE)).is_empty());
        assert!(check_json_media_type(Some("Application/VND.inin.icws+json")).is_empty());
        let plain = check_json_media_type(Some("application/json; charset=utf-8"));
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].level, crate::finding::Level::Interop);
        for bad in [
            Some("text/html"),
            Some("text/plain; charset=utf-8"),
            Some("garbage"),
            None,
        ] {
            let f = check_json_media_type(bad);
            assert_eq!(f.len(), 1, "{bad:?}");
            assert_eq!(f[0].level, crate::finding::Level::Must, "{bad:?}");
        }
    }

    #[test]
    fn charsets_other_than_utf8_fail_and_its_spellings_pass() {
        for ok in [
            "application/vnd.inin.icws+json;charset=\"UTF-8\"",
            "application/vnd.inin.icws+JSON; Charset=utf8",
            "application/vnd.inin.icws+json; charset = UTF-8 ",
            "application/vnd.inin.icws+json; charset=unicode-1-1-utf-8",
        ] {
            assert!(check_json_media_type(Some(ok)).is_empty(), "{ok}");
        }
        for bad in [
            "application/vnd.inin.icws+json; charset=iso-8859-1",
            "application/vnd.inin.icws+json; charset=windows-1252",
            "application/json; charset=utf-16",
            "application/vnd.inin.icws+json; charset=utf-8; charset=latin1",
            "application/vnd.inin.icws+json; charset=",
        ] {
            let f = check_json_media_type(Some(bad));
            assert_eq!(f.len(), 1, "{bad}: {f:?}");
            assert_eq!(f[0].level, crate::finding::Level::Must, "{bad}");
            assert!(f[0].message.contains("UTF-8"), "{bad}: {}", f[0].message);
        }
    }
}
