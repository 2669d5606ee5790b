//! Fault modes of the reference server. Each fault is one thing a server can
//! get wrong and nothing else (one wrong answer may break more than one rule:
//! a 404 on the documented path is also an undocumented status), so that the
//! harness's own tests can show that every check fails when (and only when)
//! its rule is broken. A fault is chosen per server instance, by name
//! (`--fault NAME` on `icws-refserver`).

use std::fmt;

use serde_json::{Value, json};

use super::catalogue::PROPERTIES;

/// One way to be wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A documented property (index into [`PROPERTIES`]) left out of one message.
    MissingProperty(usize),
    /// A documented property sent with the wrong JSON type.
    WrongType(usize),
    /// A documented property sent as `null`.
    NullValue(usize),
    /// The list under the documentation's heading, `statusMessages`.
    ListUnderHeadingName,
    /// The list itself as the body, without the wrapping object.
    BareArray,
    /// One list element that is a string, not an object.
    NonObjectElement,
    /// Two statusIds that differ only in letter case.
    CaseDuplicateStatusId,
    /// Two identical statusIds.
    ExactDuplicateStatusId,
    /// A systemId with a non-digit.
    NonDigitSystemId,
    /// Two messages with one systemId.
    DuplicateSystemId,
    /// An iconUri that is not a URI reference.
    BadIconUri,
    /// A 200 whose body is not JSON.
    BodyNotJson,
    /// A 200 whose JSON body is cut short.
    TruncatedBody,
    /// A 200 whose body is not valid UTF-8.
    InvalidUtf8,
    /// The JSON body declared as `text/html`.
    HtmlMediaType,
    /// A key written twice in one object of the catalogue (same value).
    DuplicateKey,
    /// 500 on a valid request.
    Status500,
    /// 410 on a valid request.
    Status410,
    /// 500 on a valid request, with a plain-text body instead of the error object.
    Status500Bare,
    /// 410 on a valid request, with an empty body.
    Status410Bare,
    /// The endpoint served at another path; the documented one answers 404.
    WrongPath,
    /// 401 without `WWW-Authenticate`.
    NoChallenge,
    /// 401 challenge with the Basic scheme.
    OtherScheme,
    /// 401 challenge without `realm`.
    NoRealm,
    /// 401 challenge without `location`.
    NoLocation,
    /// 403 where the documentation says 401.
    Forbidden403,
    /// Error bodies without `message`.
    ErrorWithoutMessage,
    /// Error bodies whose `message` is a number.
    ErrorMessageNotString,
    /// Error bodies as `text/plain` prose.
    ErrorTextPlain,
    /// The CSRF token is not checked.
    TokenNotChecked,
    /// The cookie is not checked.
    CookieNotChecked,
    /// Any session id is accepted.
    AnySessionAccepted,
    /// An ended session is still accepted.
    EndedSessionAccepted,
    /// The CSRF token is checked against every live session, not the one
    /// the path names.
    TokenOfAnySession,
    /// The session cookie is checked against every live session, not the
    /// one the path names.
    CookieOfAnySession,
    /// The session cookie named for the path's session is taken with the
    /// cookie value of any live session.
    CookieValueOfAnySession,
    /// A token is taken when it comes with its own session's cookie, whatever
    /// session the path names (whose cookie is also checked).
    TokenWithItsOwnCookie,
    /// The token and cookie must belong to one live session, but the path's
    /// session id is not looked at.
    PathIdIgnored,
    /// An ended session's token and cookie still work under another live
    /// session's id.
    EndedCredentialsAcceptedElsewhere,
    /// Feature `status` missing from the feature list.
    FeatureMissing,
    /// The status-messages response never finishes.
    NeverFinishes,
    /// The connection is dropped in the middle of the body.
    DropMidBody,
    /// A request without the token or without the cookie gets 500 (with
    /// the error object): the handler fails on the absent header.
    MissingHeader500,
    /// An empty `statusMessageList` (conforms; an interop finding).
    EmptyCatalogue,
    /// Every message carries a member the documentation does not list
    /// (tolerated; reported under `--strict`).
    UndocumentedMember,
    /// The login's 201 without the `ININ-ICWS-Session-ID` and
    /// `ININ-ICWS-CSRF-Token` headers (the ids only in the body).
    LoginWithoutHeaders,
    /// Every error body carries a member the documentation does not list
    /// (tolerated; reported under `--strict`).
    UndocumentedErrorMember,
    /// The login's `ININ-ICWS-Session-ID` and `ININ-ICWS-CSRF-Token` headers
    /// carry values other than the body's (a client reading them is lost).
    LoginHeadersDisagree,
}

/// The requirement of each documented message property, in [`PROPERTIES`] order.
pub const MSG_REQS: [&str; 14] = [
    "REQ-MSG-statusId",
    "REQ-MSG-messageText",
    "REQ-MSG-iconUri",
    "REQ-MSG-groupTag",
    "REQ-MSG-canHaveDate",
    "REQ-MSG-canHaveTime",
    "REQ-MSG-isDoNotDisturbStatus",
    "REQ-MSG-isSelectableStatus",
    "REQ-MSG-isPersistentStatus",
    "REQ-MSG-isForwardStatus",
    "REQ-MSG-isAfterCallWorkStatus",
    "REQ-MSG-isAcdStatus",
    "REQ-MSG-isAllowFollowUpStatus",
    "REQ-MSG-systemId",
];

const SIMPLE: &[(Fault, &str)] = &[
    (Fault::ListUnderHeadingName, "list-under-heading-name"),
    (Fault::BareArray, "bare-array"),
    (Fault::NonObjectElement, "non-object-element"),
    (Fault::CaseDuplicateStatusId, "case-duplicate-status-id"),
    (Fault::ExactDuplicateStatusId, "exact-duplicate-status-id"),
    (Fault::NonDigitSystemId, "non-digit-system-id"),
    (Fault::DuplicateSystemId, "duplicate-system-id"),
    (Fault::BadIconUri, "bad-icon-uri"),
    (Fault::BodyNotJson, "body-not-json"),
    (Fault::TruncatedBody, "truncated-body"),
    (Fault::InvalidUtf8, "invalid-utf8"),
    (Fault::HtmlMediaType, "html-media-type"),
    (Fault::DuplicateKey, "duplicate-key"),
    (Fault::Status500, "status-500"),
    (Fault::Status410, "status-410"),
    (Fault::Status500Bare, "status-500-bare"),
    (Fault::Status410Bare, "status-410-bare"),
    (Fault::WrongPath, "wrong-path"),
    (Fault::NoChallenge, "no-challenge"),
    (Fault::OtherScheme, "other-scheme"),
    (Fault::NoRealm, "no-realm"),
    (Fault::NoLocation, "no-location"),
    (Fault::Forbidden403, "forbidden-403"),
    (Fault::ErrorWithoutMessage, "error-without-message"),
    (Fault::ErrorMessageNotString, "error-message-not-string"),
    (Fault::ErrorTextPlain, "error-text-plain"),
    (Fault::TokenNotChecked, "token-not-checked"),
    (Fault::CookieNotChecked, "cookie-not-checked"),
    (Fault::AnySessionAccepted, "any-session-accepted"),
    (Fault::EndedSessionAccepted, "ended-session-accepted"),
    (Fault::TokenOfAnySession, "token-of-any-session"),
    (Fault::CookieOfAnySession, "cookie-of-any-session"),
    (
        Fault::CookieValueOfAnySession,
        "cookie-value-of-any-session",
    ),
    (Fault::TokenWithItsOwnCookie, "token-with-its-own-cookie"),
    (Fault::PathIdIgnored, "path-id-ignored"),
    (
        Fault::EndedCredentialsAcceptedElsewhere,
        "ended-credentials-accepted-elsewhere",
    ),
    (Fault::FeatureMissing, "feature-missing"),
    (Fault::NeverFinishes, "never-finishes"),
    (Fault::DropMidBody, "drop-mid-body"),
    (Fault::MissingHeader500, "missing-header-500"),
    (Fault::EmptyCatalogue, "empty-list"),
    (Fault::UndocumentedMember, "undocumented-member"),
    (Fault::LoginWithoutHeaders, "login-without-headers"),
    (Fault::UndocumentedErrorMember, "undocumented-error-member"),
    (Fault::LoginHeadersDisagree, "login-headers-disagree"),
];

impl Fault {
    /// Every fault, in a stable order.
    pub fn all() -> Vec<Fault> {
        let mut out = Vec::new();
        for i in 0..PROPERTIES.len() {
            out.extend([
                Fault::MissingProperty(i),
                Fault::WrongType(i),
                Fault::NullValue(i),
            ]);
        }
        out.extend(SIMPLE.iter().map(|(f, _)| *f));
        out
    }

    /// The fault's name, e.g. `missing-canHaveDate`, `bare-array`.
    pub fn name(&self) -> String {
        match self {
            Fault::MissingProperty(i) => format!("missing-{}", PROPERTIES[*i]),
            Fault::WrongType(i) => format!("wrong-type-{}", PROPERTIES[*i]),
            Fault::NullValue(i) => format!("null-{}", PROPERTIES[*i]),
            other => SIMPLE
                .iter()
                .find(|(f, _)| f == other)
                .map_or("?", |(_, n)| n)
                .to_owned(),
        }
    }

    /// The requirement ids this fault claims to break (those of
    /// [`Fault::claims`], each once).
    pub fn breaks(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for (req, _) in self.claims() {
            if !out.contains(&req) {
                out.push(req);
            }
        }
        out
    }

    /// What this fault claims to break: each requirement id with the place
    /// a finding naming it must point at (the beginning of the place as the
    /// harness prints it, compared ignoring letter case: `status`,
    /// `header www-authenticate`, `body /statusMessageList/3/groupTag`). A
    /// claim is only a claim: the self-proof tests check that a finding of
    /// the suite's run under this fault names each requirement at its place,
    /// and the coverage matrix is computed from those findings, not from
    /// this list.
    pub fn claims(&self) -> Vec<(&'static str, String)> {
        use Fault::*;
        let at = |req: &'static str, place: &str| (req, place.to_owned());
        let message = |i: usize| format!("body /statusMessageList/3/{}", PROPERTIES[i]);
        match self {
            MissingProperty(i) | WrongType(i) | NullValue(i) => vec![(MSG_REQS[*i], message(*i))],
            ListUnderHeadingName => vec![at("REQ-200-1", "body /statusMessageList")],
            BareArray => vec![at("REQ-200-1", "body")],
            NonObjectElement => vec![at("REQ-200-1", "body /statusMessageList/2")],
            CaseDuplicateStatusId | ExactDuplicateStatusId => {
                vec![at("REQ-ID-1", "body /statusMessageList/21/statusId")]
            }
            NonDigitSystemId => vec![at("REQ-SYS-1", "body /statusMessageList/5/systemId")],
            DuplicateSystemId => vec![at("REQ-SYS-1", "body /statusMessageList/6/systemId")],
            BadIconUri => vec![at("REQ-MSG-iconUri", "body /statusMessageList/4/iconUri")],
            BodyNotJson | TruncatedBody | InvalidUtf8 => vec![at("REQ-200-1", "body")],
            HtmlMediaType | ErrorTextPlain => vec![at("POL-MEDIA-1", "header content-type")],
            DuplicateKey => vec![at("POL-JSON-1", "body /statusMessageList/0/canHaveDate")],
            Status500 | Status410 => vec![at("REQ-200-1", "status")],
            Status500Bare => vec![at("REQ-200-1", "status"), at("REQ-500-1", "body")],
            Status410Bare => vec![at("REQ-200-1", "status"), at("REQ-410-1", "body")],
            WrongPath => vec![at("REQ-REQ-1", "status"), at("REQ-STATUS-1", "status")],
            MissingHeader500 => vec![at("REQ-400-1", "status")],
            EmptyCatalogue => vec![at("POL-EMPTY-1", "body /statusMessageList")],
            UndocumentedMember => {
                vec![at("POL-EXTRA-1", "body /statusMessageList/0/displayColour")]
            }
            UndocumentedErrorMember => vec![at("POL-EXTRA-1", "body /stackTrace")],
            LoginWithoutHeaders | LoginHeadersDisagree => vec![
                at("POL-LOGIN-1", "header inin-icws-session-id"),
                at("POL-LOGIN-1", "header inin-icws-csrf-token"),
            ],
            NoChallenge | OtherScheme | NoRealm | NoLocation => {
                vec![at("REQ-401-2", "header www-authenticate")]
            }
            Forbidden403 => vec![at("REQ-401-1", "status"), at("REQ-STATUS-1", "status")],
            ErrorWithoutMessage | ErrorMessageNotString => vec![at("REQ-ERR-1", "body /message")],
            TokenNotChecked => vec![at("REQ-REQ-3", "status"), at("REQ-401-1", "status")],
            CookieNotChecked | CookieOfAnySession | CookieValueOfAnySession => {
                vec![at("REQ-REQ-4", "status")]
            }
            AnySessionAccepted => vec![at("REQ-REQ-2", "status")],
            EndedSessionAccepted => vec![at("REQ-401-1", "status")],
            TokenOfAnySession | TokenWithItsOwnCookie => vec![at("REQ-REQ-3", "status")],
            // The path's session is not the one the token must belong to.
            PathIdIgnored => vec![at("REQ-REQ-2", "status"), at("REQ-REQ-3", "status")],
            EndedCredentialsAcceptedElsewhere => vec![
                at("REQ-401-1", "status"),
                at("REQ-REQ-2", "status"),
                at("REQ-REQ-3", "status"),
            ],
            FeatureMissing => vec![at("SES-FEAT-1", "body /featureInfoList")],
            NeverFinishes | DropMidBody => vec![at("REQ-200-1", "transport")],
        }
    }

    /// True when the fault changes the 200 catalogue response: its content,
    /// shape, bytes or media type. These faults are written against the
    /// built-in catalogue (they edit its fourth, sixth or seventh message,
    /// look for `Gone Home`, …): on another catalogue they might break
    /// nothing. The others (sessions, error bodies, challenges, status
    /// codes, the path, the feature list) serve any catalogue as it is.
    pub fn changes_catalogue(&self) -> bool {
        use Fault::*;
        match self {
            MissingProperty(_) | WrongType(_) | NullValue(_) => true,
            ListUnderHeadingName | BareArray | NonObjectElement => true,
            CaseDuplicateStatusId | ExactDuplicateStatusId => true,
            NonDigitSystemId | DuplicateSystemId | BadIconUri => true,
            BodyNotJson | TruncatedBody | InvalidUtf8 | HtmlMediaType | DuplicateKey => true,
            NeverFinishes | DropMidBody | EmptyCatalogue | UndocumentedMember => true,
            MissingHeader500 | LoginWithoutHeaders | UndocumentedErrorMember => false,
            LoginHeadersDisagree => false,
            Status500 | Status410 | Status500Bare | Status410Bare | WrongPath => false,
            NoChallenge | OtherScheme | NoRealm | NoLocation | Forbidden403 => false,
            ErrorWithoutMessage | ErrorMessageNotString | ErrorTextPlain => false,
            TokenNotChecked | CookieNotChecked | AnySessionAccepted | EndedSessionAccepted => false,
            TokenOfAnySession | CookieOfAnySession | CookieValueOfAnySession => false,
            TokenWithItsOwnCookie | PathIdIgnored | EndedCredentialsAcceptedElsewhere => false,
            FeatureMissing => false,
        }
    }

    /// Parses a fault name; the error lists the names.
    pub fn parse(name: &str) -> Result<Fault, String> {
        Fault::all()
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<String> = Fault::all().iter().map(Fault::name).collect();
                format!("unknown fault {name:?}; known faults: {}", names.join(", "))
            })
    }

    /// Applies a body fault to a conformant catalogue (other faults: no change).
    pub fn mutate_catalogue(&self, body: &mut Value) {
        let Some(list) = body
            .get_mut("statusMessageList")
            .and_then(Value::as_array_mut)
        else {
            return;
        };
        match *self {
            Fault::MissingProperty(i) => {
                if let Some(m) = list.get_mut(3).and_then(Value::as_object_mut) {
                    m.remove(PROPERTIES[i]);
                }
            }
            Fault::WrongType(i) => {
                let prop = PROPERTIES[i];
                if let Some(m) = list.get_mut(3).and_then(Value::as_object_mut) {
                    let wrong = match m.get(prop) {
                        Some(Value::Bool(b)) => json!(b.to_string()),
                        Some(Value::String(s)) if prop == "systemId" => {
                            json!(s.parse::<u64>().unwrap_or(4))
                        }
                        _ => json!(17),
                    };
                    m.insert(prop.into(), wrong);
                }
            }
            Fault::NullValue(i) => {
                if let Some(m) = list.get_mut(3).and_then(Value::as_object_mut) {
                    m.insert(PROPERTIES[i].into(), Value::Null);
                }
            }
            Fault::NonObjectElement => {
                if let Some(e) = list.get_mut(2) {
                    *e = json!("Available, Forward");
                }
            }
            Fault::CaseDuplicateStatusId | Fault::ExactDuplicateStatusId => {
                if let Some(mut copy) = list.first().cloned() {
                    let id = copy["statusId"].as_str().unwrap_or_default();
                    let id = if *self == Fault::CaseDuplicateStatusId {
                        id.to_uppercase()
                    } else {
                        id.to_owned()
                    };
                    copy["statusId"] = json!(id);
                    copy["systemId"] = json!("9001");
                    list.push(copy);
                }
            }
            Fault::NonDigitSystemId => {
                if let Some(m) = list.get_mut(5) {
                    m["systemId"] = json!("6a");
                }
            }
            Fault::DuplicateSystemId => {
                if let Some(m) = list.get_mut(6) {
                    m["systemId"] = json!("1");
                }
            }
            Fault::EmptyCatalogue => list.clear(),
            Fault::UndocumentedMember => {
                for m in list.iter_mut().filter_map(Value::as_object_mut) {
                    m.insert("displayColour".into(), json!("#00a000"));
                }
            }
            Fault::BadIconUri => {
                if let Some(m) = list.get_mut(4) {
                    m["iconUri"] = json!("http://[icons]/away from desk.png");
                }
            }
            _ => {}
        }
    }

    /// Replaces the whole catalogue body for the faults that change its shape.
    pub fn reshape_catalogue(&self, body: Value) -> Value {
        match self {
            Fault::ListUnderHeadingName => {
                json!({ "statusMessages": body.get("statusMessageList").cloned().unwrap_or_default() })
            }
            Fault::BareArray => body.get("statusMessageList").cloned().unwrap_or_default(),
            _ => body,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}
