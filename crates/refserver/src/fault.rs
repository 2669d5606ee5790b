//! Fault modes of the reference server. Each fault is one thing a server can
//! get wrong and nothing else (one wrong answer may break more than one rule:
//! a 404 on the documented path is also an undocumented status), so that the
//! harness's own tests can show that every check fails when (and only when)
//! its rule is broken. A fault is chosen per server instance, by name
//! (`--fault NAME` on `icws-refserver`).
//!
//! Each fault is one row of a table, as each profile is in
//! [`crate::profile`]: its name, what it does, what it claims to break,
//! whether it changes the catalogue, and its `Hooks`, the functions
//! through which it bends the server (the session checks, error responses
//! and challenges, the login's headers, the feature lists, the path, the
//! catalogue's content, shape and bytes). The hooks live here, below the
//! table; the request handlers call the hooks of the fault in effect and
//! have no branch of their own per fault.
//!
//! The near misses (`token-prefix-compared`, `empty-cookie-accepted`,
//! `session-id-extension-accepted`, …) are credential checks that are
//! nearly right: each lets through one kind of almost-right token, cookie
//! value or session id, and answers the exact credentials and every other
//! wrong one as the conformant server does.

use std::fmt;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::catalogue::{self, PROPERTIES};
use crate::sessions::{Creds, Rec, Store};
use crate::{ICWS_MEDIA_TYPE, Inner};

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
    /// The catalogue (UTF-8 bytes) declared `charset=iso-8859-1`.
    CharsetLatin1,
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
    /// Error objects (UTF-8 bytes) declared `charset=windows-1252`.
    ErrorCharsetWindows1252,
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
    /// `GET /icws/connection/features` answers `featureInfoList: null`
    /// (the login's `?include=features` still lists every feature).
    FeatureListNull,
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
    /// CORS preflights allow only a fixed list of request headers, not
    /// `X-ICWS-DevTools-CorrelationId` the vendor's client asks for.
    CorsFixedHeaders,
    /// CORS answers without `Access-Control-Allow-Credentials: true`.
    CorsNoCredentials,
    /// CORS answers expose `Location` only, not the session headers.
    CorsSessionHeadersHidden,
    /// CORS answers allow any origin (`*`), which a request with
    /// credentials may not use.
    CorsWildcardOrigin,
    /// Every error body carries a member the documentation does not list
    /// (tolerated; reported under `--strict`).
    UndocumentedErrorMember,
    /// The login's `ININ-ICWS-Session-ID` and `ININ-ICWS-CSRF-Token` headers
    /// carry values other than the body's (a client reading them is lost).
    LoginHeadersDisagree,
    // Near misses: a credential check that is nearly right.
    /// The CSRF token compared on its first [`COMPARED_PREFIX`] characters only.
    TokenPrefixCompared,
    /// The CSRF token compared on its last [`COMPARED_PREFIX`] characters only.
    TokenSuffixCompared,
    /// The CSRF token compared ignoring ASCII letter case.
    TokenCaseInsensitive,
    /// A non-empty beginning of the session's CSRF token is accepted.
    TokenPrefixAccepted,
    /// A CSRF token that starts with the session's own is accepted.
    TokenExtensionAccepted,
    /// Any CSRF token as long as the session's own is accepted.
    TokenLengthCompared,
    /// An empty `ININ-ICWS-CSRF-Token` skips the token check (an absent
    /// one is still refused).
    EmptyTokenAccepted,
    /// An ended session's CSRF token is accepted for a live session, with
    /// that session's own id and cookie.
    EndedTokenAccepted,
    /// The session cookie's value compared on its first [`COMPARED_PREFIX`]
    /// characters only.
    CookiePrefixCompared,
    /// The session cookie's value compared on its last [`COMPARED_PREFIX`]
    /// characters only.
    CookieSuffixCompared,
    /// The session cookie's value compared ignoring ASCII letter case.
    CookieCaseInsensitive,
    /// A non-empty beginning of the session cookie's value is accepted.
    CookiePrefixAccepted,
    /// A session cookie value that starts with the session's own is accepted.
    CookieExtensionAccepted,
    /// Any session cookie value as long as the session's own is accepted.
    CookieLengthCompared,
    /// The session cookie present with an empty value skips the cookie
    /// check (no cookie at all is still refused).
    EmptyCookieAccepted,
    /// An ended session's cookie value is accepted under a live session's
    /// cookie name, with that session's token.
    EndedCookieAccepted,
    /// A path session id that is a non-empty beginning of a live session's
    /// id is taken as that session.
    SessionIdPrefixAccepted,
    /// A path session id that starts with a live session's id is taken as
    /// that session.
    SessionIdExtensionAccepted,
    /// The path session id looked up ignoring letter case.
    SessionIdCaseInsensitive,
    /// A path session id equal to a live session's id in its first half
    /// (rounded up) is taken as that session.
    SessionIdPrefixCompared,
    /// The path session id read as a number: an id of digits is taken as
    /// the live session whose id is the same number (`0301…` as `301…`).
    SessionIdAsNumber,
    // Status icons (the iconUris of the catalogue).
    /// The icon of one status ([`BROKEN_ICON`]) answers 404.
    IconMissing,
    /// Every icon answers 200 `text/html`: a sign-in page.
    IconsAsHtml,
    /// The icon of one status ([`NOT_PNG_ICON`]) is declared `image/png`,
    /// but its bytes are an HTML page.
    IconPngNotPng,
    /// The icons answer 401 without the `ININ-ICWS-CSRF-Token` header,
    /// which a browser's `<img>` cannot send.
    IconsNeedToken,
    /// The icons load only with the session cookie of a live session other
    /// than the one in the path.
    IconsForAnotherSession,
}

/// The statusId whose icon [`Fault::IconMissing`] answers 404: the eighth
/// message of the built-in catalogue.
pub const BROKEN_ICON: &str = "At Break";
/// The statusId whose icon [`Fault::IconPngNotPng`] sends as HTML declared
/// `image/png`: the eleventh message of the built-in catalogue.
pub const NOT_PNG_ICON: &str = "Gone Home";

/// How many characters [`Fault::TokenPrefixCompared`] and
/// [`Fault::CookiePrefixCompared`] compare (and their `…SuffixCompared`
/// twins, from the end).
pub const COMPARED_PREFIX: usize = 16;

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

/// Where the claims and names of a per-property fault put the property.
const PROPERTY: &str = "{property}";

/// One fault mode: a row of [`TABLE`], the way [`crate::profile`] has one
/// row per profile. What the fault is called and does, what it claims to
/// break, and the hooks through which it bends the server.
pub(crate) struct Row {
    kind: Kind,
    /// Its name (`{property}`: the property, in a family).
    name: &'static str,
    /// What the server does wrong (`{property}` as in `name`).
    about: &'static str,
    /// (requirement id, place) pairs, see [`Fault::claims`]; in a family
    /// `{property}` in either stands for the property (`REQ-MSG-{property}`:
    /// the property's requirement, from [`MSG_REQS`]).
    claims: &'static [(&'static str, &'static str)],
    /// See [`Fault::changes_catalogue`].
    changes_catalogue: bool,
    hooks: Hooks,
}

/// A row's fault, or its family of faults.
enum Kind {
    /// One fault.
    One(Fault),
    /// One fault per documented property (index into [`PROPERTIES`]).
    PerProperty(fn(usize) -> Fault),
}

/// A hook that may answer a request before the session checks.
pub(crate) type AuthFirst = fn(&Inner, &Creds) -> Option<Response>;
/// A hook that checks credentials in the store for the path's session id
/// (at `Instant`, sessions idle longer than `Duration` expired).
pub(crate) type CredentialsCheck = fn(&mut Store, &Creds, &str, Instant, Duration) -> bool;
/// A hook that finds the session to check credentials against, by path id
/// (at `Instant`, sessions idle longer than `Duration` expired).
pub(crate) type Fallback = fn(&Store, &Creds, &str, Instant, Duration) -> Option<Rec>;
/// A hook that gives the login's (token, session id) header values.
pub(crate) type LoginHeaders = fn(&str, &str) -> Option<(String, String)>;
/// A hook that may answer an authorized icon request instead of the image,
/// given the icon's name (the statusId: the path segment, decoded, without
/// an image extension).
pub(crate) type IconReply = fn(&str) -> Option<Response>;

/// The places a fault bends the server's handlers. `None` (or `false`) is
/// the conformant behaviour; the handlers call the hooks of the fault in
/// effect and have no branch of their own per fault.
#[derive(Clone, Copy)]
pub(crate) struct Hooks {
    // The session checks (`authorize`).
    /// Answers a request before any check (`Some`: the response).
    pub auth_first: Option<AuthFirst>,
    /// The CSRF token is not checked at all (missing or wrong).
    pub auth_skips_token: bool,
    /// The session cookies are not checked at all (missing or wrong).
    pub auth_skips_cookie: bool,
    /// Replaces the check of the credentials against the path's session
    /// (after the missing-header checks): `true` accepts the request.
    pub auth_credentials: Option<CredentialsCheck>,
    /// The session the credentials are checked against when the path's
    /// session is not live (default: none, 401).
    pub auth_fallback: Option<Fallback>,
    /// Whether the token is taken for session `Rec` (default: it is its own).
    pub auth_token: Option<fn(&Store, &Creds, &Rec) -> bool>,
    /// Whether the cookies are taken for session `Rec` (default: its own
    /// cookie, name and value, is among them).
    pub auth_cookie: Option<fn(&Store, &Creds, &Rec) -> bool>,
    /// Ended sessions are remembered (boundedly) for the hooks above.
    pub remembers_ended: bool,
    // Error responses (`error_with`, `challenges`).
    /// Alters an error response's status.
    pub error_status: Option<fn(StatusCode) -> StatusCode>,
    /// Alters the error object.
    pub error_body: Option<fn(&mut Value)>,
    /// Writes the error response instead of the error object (status, message).
    pub error_reply: Option<fn(StatusCode, &str) -> Response>,
    /// The ICWS challenge of a 401 from its `location` (default: realm and
    /// location); `None`: no `WWW-Authenticate` at all.
    pub challenge: Option<fn(&str) -> Option<String>>,
    // The login and the feature lists.
    /// The login's (`ININ-ICWS-CSRF-Token`, `ININ-ICWS-Session-ID`) header
    /// values from (session id, token) (default: those; `None`: no headers).
    pub login_headers: Option<LoginHeaders>,
    /// Alters a `featureInfoList` (the login's and the listing's).
    pub features: Option<fn(&mut Value)>,
    /// Alters the body of `GET /icws/connection/features` only.
    pub features_listing: Option<fn(&mut Value)>,
    // status-messages.
    /// The resource name the catalogue is served at (default: `status-messages`).
    pub resource: Option<&'static str>,
    /// Answers an authorized status-messages request instead of the catalogue.
    pub instead_of_catalogue: Option<fn(&Inner) -> Response>,
    /// Alters the catalogue's message list (the fault itself passed in).
    pub catalogue_list: Option<fn(Fault, &mut Vec<Value>)>,
    /// Replaces the catalogue body's shape.
    pub catalogue_shape: Option<fn(Value) -> Value>,
    /// Writes the 200 from the catalogue's JSON text, other than as it is.
    pub catalogue_reply: Option<fn(String) -> Response>,
    // CORS (`--cors`).
    /// Alters the `Access-Control-*` headers of an answer to an allowed
    /// origin (`true`: a preflight's).
    pub cors: Option<fn(&mut axum::http::HeaderMap, bool)>,
    // Status icons (`icons`).
    /// Replaces the icon requests' credential check (default: the path
    /// session's own cookie): `true` lets the request through.
    pub icon_credentials: Option<CredentialsCheck>,
    /// Answers an authorized icon request instead of the image.
    pub icon_reply: Option<IconReply>,
}

impl Hooks {
    /// No hook: the conformant server.
    pub const NONE: Hooks = Hooks {
        auth_first: None,
        auth_skips_token: false,
        auth_skips_cookie: false,
        auth_credentials: None,
        auth_fallback: None,
        auth_token: None,
        auth_cookie: None,
        remembers_ended: false,
        error_status: None,
        error_body: None,
        error_reply: None,
        challenge: None,
        login_headers: None,
        features: None,
        features_listing: None,
        resource: None,
        instead_of_catalogue: None,
        catalogue_list: None,
        catalogue_shape: None,
        catalogue_reply: None,
        cors: None,
        icon_credentials: None,
        icon_reply: None,
    };
}

/// The hooks of no fault.
pub(crate) static NO_HOOKS: Hooks = Hooks::NONE;

const NONE: Hooks = Hooks::NONE;

/// The row of a fault missing from [`TABLE`] (none is; a test checks it).
static UNKNOWN: Row = Row {
    kind: Kind::PerProperty(Fault::MissingProperty),
    name: "?",
    about: "",
    claims: &[],
    changes_catalogue: false,
    hooks: NONE,
};

/// Every fault mode, in [`Fault::all`] order: the three per-property
/// families first (interleaved per property), then the others.
const TABLE: &[Row] = &[
    Row {
        kind: Kind::PerProperty(Fault::MissingProperty),
        name: "missing-{property}",
        about: "the fourth message without its {property}",
        claims: &[("REQ-MSG-{property}", "body /statusMessageList/3/{property}")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(missing_property),
            ..NONE
        },
    },
    Row {
        kind: Kind::PerProperty(Fault::WrongType),
        name: "wrong-type-{property}",
        about: "the fourth message's {property} with the wrong JSON type",
        claims: &[("REQ-MSG-{property}", "body /statusMessageList/3/{property}")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(wrong_type),
            ..NONE
        },
    },
    Row {
        kind: Kind::PerProperty(Fault::NullValue),
        name: "null-{property}",
        about: "the fourth message's {property} sent as null",
        claims: &[("REQ-MSG-{property}", "body /statusMessageList/3/{property}")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(null_value),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::ListUnderHeadingName),
        name: "list-under-heading-name",
        about: "the list under the documentation's heading, statusMessages",
        claims: &[("REQ-200-1", "body /statusMessageList")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_shape: Some(list_under_heading_name),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::BareArray),
        name: "bare-array",
        about: "the list itself as the body, without the wrapping object",
        claims: &[("REQ-200-1", "body")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_shape: Some(bare_array),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::NonObjectElement),
        name: "non-object-element",
        about: "one list element that is a string, not an object",
        claims: &[("REQ-200-1", "body /statusMessageList/2")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(non_object_element),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CaseDuplicateStatusId),
        name: "case-duplicate-status-id",
        about: "two statusIds that differ only in letter case",
        claims: &[("REQ-ID-1", "body /statusMessageList/21/statusId")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(case_duplicate_status_id),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::ExactDuplicateStatusId),
        name: "exact-duplicate-status-id",
        about: "two identical statusIds",
        claims: &[("REQ-ID-1", "body /statusMessageList/21/statusId")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(exact_duplicate_status_id),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::NonDigitSystemId),
        name: "non-digit-system-id",
        about: "a systemId with a non-digit",
        claims: &[("REQ-SYS-1", "body /statusMessageList/5/systemId")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(non_digit_system_id),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::DuplicateSystemId),
        name: "duplicate-system-id",
        about: "two messages with one systemId",
        claims: &[("REQ-SYS-1", "body /statusMessageList/6/systemId")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(duplicate_system_id),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::BadIconUri),
        name: "bad-icon-uri",
        about: "an iconUri that is not a URI reference",
        claims: &[("REQ-MSG-iconUri", "body /statusMessageList/4/iconUri")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(bad_icon_uri),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::BodyNotJson),
        name: "body-not-json",
        about: "a 200 whose body is not JSON",
        claims: &[("REQ-200-1", "body")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(body_not_json),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TruncatedBody),
        name: "truncated-body",
        about: "a 200 whose JSON body is cut short",
        claims: &[("REQ-200-1", "body")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(truncated_body),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::InvalidUtf8),
        name: "invalid-utf8",
        about: "a 200 whose body is not valid UTF-8",
        claims: &[("REQ-200-1", "body")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(invalid_utf8),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::HtmlMediaType),
        name: "html-media-type",
        about: "the JSON body declared as text/html",
        claims: &[("POL-MEDIA-1", "header content-type")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(html_media_type),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CharsetLatin1),
        name: "charset-latin1",
        about: "the catalogue's UTF-8 bytes declared charset=iso-8859-1",
        claims: &[("POL-MEDIA-1", "header content-type")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(charset_latin1),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::DuplicateKey),
        name: "duplicate-key",
        about: "a key written twice in one object of the catalogue (same value)",
        claims: &[("POL-JSON-1", "body /statusMessageList/0/canHaveDate")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(duplicate_key),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::Status500),
        name: "status-500",
        about: "500 on a valid request",
        claims: &[("REQ-200-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            instead_of_catalogue: Some(status_500),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::Status410),
        name: "status-410",
        about: "410 on a valid request",
        claims: &[("REQ-200-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            instead_of_catalogue: Some(status_410),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::Status500Bare),
        name: "status-500-bare",
        about: "500 on a valid request, with a plain-text body instead of the error object",
        claims: &[("REQ-200-1", "status"), ("REQ-500-1", "body")],
        changes_catalogue: false,
        hooks: Hooks {
            instead_of_catalogue: Some(status_500_bare),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::Status410Bare),
        name: "status-410-bare",
        about: "410 on a valid request, with an empty body",
        claims: &[("REQ-200-1", "status"), ("REQ-410-1", "body")],
        changes_catalogue: false,
        hooks: Hooks {
            instead_of_catalogue: Some(status_410_bare),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::WrongPath),
        name: "wrong-path",
        about: "the endpoint served at another path (statusmessages); the documented one answers 404",
        claims: &[("REQ-REQ-1", "status"), ("REQ-STATUS-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            resource: Some("statusmessages"),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::NoChallenge),
        name: "no-challenge",
        about: "401 without WWW-Authenticate",
        claims: &[("REQ-401-2", "header www-authenticate")],
        changes_catalogue: false,
        hooks: Hooks {
            challenge: Some(no_challenge),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::OtherScheme),
        name: "other-scheme",
        about: "401 challenge with the Basic scheme",
        claims: &[("REQ-401-2", "header www-authenticate")],
        changes_catalogue: false,
        hooks: Hooks {
            challenge: Some(other_scheme),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::NoRealm),
        name: "no-realm",
        about: "401 challenge without realm",
        claims: &[("REQ-401-2", "header www-authenticate")],
        changes_catalogue: false,
        hooks: Hooks {
            challenge: Some(no_realm),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::NoLocation),
        name: "no-location",
        about: "401 challenge without location",
        claims: &[("REQ-401-2", "header www-authenticate")],
        changes_catalogue: false,
        hooks: Hooks {
            challenge: Some(no_location),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::Forbidden403),
        name: "forbidden-403",
        about: "403 where the documentation says 401",
        claims: &[("REQ-401-1", "status"), ("REQ-STATUS-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            error_status: Some(forbidden_403),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::ErrorWithoutMessage),
        name: "error-without-message",
        about: "error bodies without message",
        claims: &[("REQ-ERR-1", "body /message")],
        changes_catalogue: false,
        hooks: Hooks {
            error_body: Some(error_without_message),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::ErrorMessageNotString),
        name: "error-message-not-string",
        about: "error bodies whose message is a number",
        claims: &[("REQ-ERR-1", "body /message")],
        changes_catalogue: false,
        hooks: Hooks {
            error_body: Some(error_message_not_string),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::ErrorTextPlain),
        name: "error-text-plain",
        about: "error bodies as text/plain prose",
        claims: &[("POL-MEDIA-1", "header content-type")],
        changes_catalogue: false,
        hooks: Hooks {
            error_reply: Some(error_text_plain),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::ErrorCharsetWindows1252),
        name: "error-charset-windows-1252",
        about: "error objects (UTF-8 bytes) declared charset=windows-1252",
        claims: &[("POL-MEDIA-1", "header content-type")],
        changes_catalogue: false,
        hooks: Hooks {
            error_reply: Some(error_charset_windows_1252),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenNotChecked),
        name: "token-not-checked",
        about: "the CSRF token is not checked",
        claims: &[("REQ-REQ-3", "status"), ("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_skips_token: true,
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookieNotChecked),
        name: "cookie-not-checked",
        about: "the cookie is not checked",
        claims: &[("REQ-REQ-4", "status"), ("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_skips_cookie: true,
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::AnySessionAccepted),
        name: "any-session-accepted",
        about: "any session id is accepted",
        claims: &[("REQ-REQ-2", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_fallback: Some(session_of_the_token),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::EndedSessionAccepted),
        name: "ended-session-accepted",
        about: "an ended session is still accepted",
        claims: &[("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_fallback: Some(ended_session),
            remembers_ended: true,
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenOfAnySession),
        name: "token-of-any-session",
        about: "the CSRF token is checked against every live session, not the one the path names",
        claims: &[("REQ-REQ-3", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_of_any_session),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookieOfAnySession),
        name: "cookie-of-any-session",
        about: "the session cookie is checked against every live session, not the one the path names",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_of_any_session),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookieValueOfAnySession),
        name: "cookie-value-of-any-session",
        about: "the session cookie named for the path's session is taken with the cookie value of any live session",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_value_of_any_session),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenWithItsOwnCookie),
        name: "token-with-its-own-cookie",
        about: "a token is taken when it comes with its own session's cookie, whatever session the path names (whose cookie is also checked)",
        claims: &[("REQ-REQ-3", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_with_its_own_cookie),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::PathIdIgnored),
        name: "path-id-ignored",
        about: "the token and cookie must belong to one live session, but the path's session id is not looked at",
        // The path's session is not the one the token must belong to.
        claims: &[("REQ-REQ-2", "status"), ("REQ-REQ-3", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_credentials: Some(pair_of_any_live_session),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::EndedCredentialsAcceptedElsewhere),
        name: "ended-credentials-accepted-elsewhere",
        about: "an ended session's token and cookie still work under another live session's id",
        claims: &[
            ("REQ-401-1", "status"),
            ("REQ-REQ-2", "status"),
            ("REQ-REQ-3", "status"),
        ],
        changes_catalogue: false,
        hooks: Hooks {
            auth_credentials: Some(pair_of_any_session_under_a_live_id),
            remembers_ended: true,
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::FeatureMissing),
        name: "feature-missing",
        about: "feature status missing from the feature list",
        claims: &[("SES-FEAT-1", "body /featureInfoList")],
        changes_catalogue: false,
        hooks: Hooks {
            features: Some(without_status_feature),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::FeatureListNull),
        name: "feature-list-null",
        about: "GET /icws/connection/features answers featureInfoList: null (the login's ?include=features still lists every feature)",
        claims: &[("SES-FEAT-1", "body /featureInfoList")],
        changes_catalogue: false,
        hooks: Hooks {
            features_listing: Some(null_feature_list),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::NeverFinishes),
        name: "never-finishes",
        about: "the status-messages response never finishes",
        claims: &[("REQ-200-1", "transport")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(never_finishes),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::DropMidBody),
        name: "drop-mid-body",
        about: "the connection is dropped in the middle of the body",
        claims: &[("REQ-200-1", "transport")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_reply: Some(drop_mid_body),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::MissingHeader500),
        name: "missing-header-500",
        about: "a request without the token or without the cookie gets 500 (with the error object): the handler fails on the absent header",
        claims: &[("REQ-400-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_first: Some(missing_header_500),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::EmptyCatalogue),
        name: "empty-list",
        about: "an empty statusMessageList (conforms; an interop finding)",
        claims: &[("POL-EMPTY-1", "body /statusMessageList")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(empty_list),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::UndocumentedMember),
        name: "undocumented-member",
        about: "every message carries a member the documentation does not list (tolerated; reported under --strict)",
        claims: &[("POL-EXTRA-1", "body /statusMessageList/0/displayColour")],
        changes_catalogue: true,
        hooks: Hooks {
            catalogue_list: Some(undocumented_member),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::LoginWithoutHeaders),
        name: "login-without-headers",
        about: "the login's 201 without the ININ-ICWS-Session-ID and ININ-ICWS-CSRF-Token headers (the ids only in the body)",
        claims: &[
            ("POL-LOGIN-1", "header inin-icws-session-id"),
            ("POL-LOGIN-1", "header inin-icws-csrf-token"),
        ],
        changes_catalogue: false,
        hooks: Hooks {
            login_headers: Some(no_login_headers),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CorsFixedHeaders),
        name: "cors-fixed-headers",
        about: "CORS preflights allow only ININ-ICWS-CSRF-Token, Content-Type and Accept-Language, not the X-ICWS-DevTools-CorrelationId the vendor's client asks for (with --cors)",
        claims: &[("POL-BROWSER-1", "header access-control-allow-headers")],
        changes_catalogue: false,
        hooks: Hooks {
            cors: Some(cors_fixed_headers),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CorsNoCredentials),
        name: "cors-no-credentials",
        about: "CORS answers without Access-Control-Allow-Credentials: true, so a browser keeps the answer from a page that sends the session cookie (with --cors)",
        claims: &[
            ("POL-BROWSER-1", "header access-control-allow-credentials"),
            ("POL-BROWSER-2", "header access-control-allow-credentials"),
        ],
        changes_catalogue: false,
        hooks: Hooks {
            cors: Some(cors_no_credentials),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CorsSessionHeadersHidden),
        name: "cors-session-headers-hidden",
        about: "CORS answers expose only Location, so a page cannot read the login's ININ-ICWS-Session-ID and ININ-ICWS-CSRF-Token (with --cors)",
        claims: &[("POL-BROWSER-2", "header access-control-expose-headers")],
        changes_catalogue: false,
        hooks: Hooks {
            cors: Some(cors_session_headers_hidden),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CorsWildcardOrigin),
        name: "cors-wildcard-origin",
        about: "CORS answers carry Access-Control-Allow-Origin: *, which a browser refuses for a request with credentials (with --cors)",
        claims: &[
            ("POL-BROWSER-1", "header access-control-allow-origin"),
            ("POL-BROWSER-2", "header access-control-allow-origin"),
        ],
        changes_catalogue: false,
        hooks: Hooks {
            cors: Some(cors_wildcard_origin),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::UndocumentedErrorMember),
        name: "undocumented-error-member",
        about: "every error body carries a member the documentation does not list (tolerated; reported under --strict)",
        claims: &[("POL-EXTRA-1", "body /stackTrace")],
        changes_catalogue: false,
        hooks: Hooks {
            error_body: Some(undocumented_error_member),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::LoginHeadersDisagree),
        name: "login-headers-disagree",
        about: "the login's ININ-ICWS-Session-ID and ININ-ICWS-CSRF-Token headers carry values other than the body's (a client reading them is lost)",
        claims: &[
            ("POL-LOGIN-1", "header inin-icws-session-id"),
            ("POL-LOGIN-1", "header inin-icws-csrf-token"),
        ],
        changes_catalogue: false,
        hooks: Hooks {
            login_headers: Some(login_headers_disagree),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenPrefixCompared),
        name: "token-prefix-compared",
        about: "the CSRF token compared on its first 16 characters only (real tokens of one user share a longer beginning, so another session's token passes)",
        claims: &[("REQ-REQ-3", "status"), ("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_prefix_compared),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenSuffixCompared),
        name: "token-suffix-compared",
        about: "the CSRF token compared on its last 16 characters only (real tokens end in the client's address, so another session's token from the same client passes)",
        claims: &[("REQ-REQ-3", "status"), ("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_suffix_compared),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenCaseInsensitive),
        name: "token-case-insensitive",
        about: "the CSRF token compared ignoring ASCII letter case",
        claims: &[("REQ-REQ-3", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_case_insensitive),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenPrefixAccepted),
        name: "token-prefix-accepted",
        about: "a non-empty CSRF token that is a beginning of the session's own is accepted (e.g. its last character cut off)",
        claims: &[("REQ-REQ-3", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_prefix_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenExtensionAccepted),
        name: "token-extension-accepted",
        about: "a CSRF token that starts with the session's own is accepted (e.g. one character appended)",
        claims: &[("REQ-REQ-3", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_extension_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::TokenLengthCompared),
        name: "token-length-compared",
        about: "any CSRF token as long as the session's own is accepted",
        claims: &[("REQ-REQ-3", "status"), ("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(token_length_compared),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::EmptyTokenAccepted),
        name: "empty-token-accepted",
        about: "an empty ININ-ICWS-CSRF-Token value skips the token check (an absent one is still refused)",
        claims: &[("REQ-REQ-3", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(empty_token_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::EndedTokenAccepted),
        name: "ended-token-accepted",
        about: "the CSRF token of an ended session is accepted for a live session, with that session's own id and cookie",
        claims: &[("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_token: Some(ended_token_accepted),
            remembers_ended: true,
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookiePrefixCompared),
        name: "cookie-prefix-compared",
        about: "the session cookie's value compared on its first 16 characters only",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_prefix_compared),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookieSuffixCompared),
        name: "cookie-suffix-compared",
        about: "the session cookie's value compared on its last 16 characters only",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_suffix_compared),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookieCaseInsensitive),
        name: "cookie-case-insensitive",
        about: "the session cookie's value compared ignoring ASCII letter case",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_case_insensitive),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookiePrefixAccepted),
        name: "cookie-prefix-accepted",
        about: "a non-empty session cookie value that is a beginning of the session's own is accepted (e.g. its last character cut off)",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_prefix_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookieExtensionAccepted),
        name: "cookie-extension-accepted",
        about: "a session cookie value that starts with the session's own is accepted (e.g. one character appended)",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_extension_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::CookieLengthCompared),
        name: "cookie-length-compared",
        about: "any session cookie value as long as the session's own is accepted",
        claims: &[("REQ-REQ-4", "status"), ("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(cookie_length_compared),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::EmptyCookieAccepted),
        name: "empty-cookie-accepted",
        about: "the session cookie sent with an empty value skips the cookie check (no cookie at all is still refused)",
        claims: &[("REQ-REQ-4", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(empty_cookie_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::EndedCookieAccepted),
        name: "ended-cookie-accepted",
        about: "an ended session's cookie value is accepted under a live session's cookie name, with that session's token",
        claims: &[("REQ-401-1", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_cookie: Some(ended_cookie_accepted),
            remembers_ended: true,
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::SessionIdPrefixAccepted),
        name: "session-id-prefix-accepted",
        about: "a path session id that is a non-empty beginning of a live session's id (e.g. its last digit cut off) is taken as that session, whose token and cookie are then checked",
        claims: &[("REQ-REQ-2", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_fallback: Some(session_id_prefix_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::SessionIdExtensionAccepted),
        name: "session-id-extension-accepted",
        about: "a path session id that starts with a live session's id (characters after it, as a parser that reads the leading digits) is taken as that session, whose token and cookie are then checked",
        claims: &[("REQ-REQ-2", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_fallback: Some(session_id_extension_accepted),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::SessionIdCaseInsensitive),
        name: "session-id-case-insensitive",
        about: "the path session id looked up ignoring letter case (only visible with profile letter-session-ids: by default ids are digits)",
        claims: &[("REQ-REQ-2", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_fallback: Some(session_id_case_insensitive),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::SessionIdPrefixCompared),
        name: "session-id-prefix-compared",
        about: "a path session id equal to a live session's id in its first half (rounded up) is taken as that session, whose token and cookie are then checked",
        claims: &[("REQ-REQ-2", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_fallback: Some(session_id_prefix_compared),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::SessionIdAsNumber),
        name: "session-id-as-number",
        about: "the path session id read as a number: digits with a leading zero (or other digits that make the same number) are taken as the live session with that number, whose token and cookie are then checked",
        claims: &[("REQ-REQ-2", "status")],
        changes_catalogue: false,
        hooks: Hooks {
            auth_fallback: Some(session_id_as_number),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::IconMissing),
        name: "icon-missing",
        about: "the icon of one status (At Break, the built-in catalogue's eighth message) answers 404",
        claims: &[("POL-ICON-1", "body /statusMessageList/7/iconUri")],
        changes_catalogue: false,
        hooks: Hooks {
            icon_reply: Some(icon_missing),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::IconsAsHtml),
        name: "icons-as-html",
        about: "every icon answers 200 text/html, a sign-in page",
        claims: &[("POL-ICON-1", "body /statusMessageList/0/iconUri")],
        changes_catalogue: false,
        hooks: Hooks {
            icon_reply: Some(icons_as_html),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::IconPngNotPng),
        name: "icon-png-not-png",
        about: "the icon of one status (Gone Home, the built-in catalogue's eleventh message) is declared image/png, but its bytes are an HTML page",
        claims: &[("POL-ICON-1", "body /statusMessageList/10/iconUri")],
        changes_catalogue: false,
        hooks: Hooks {
            icon_reply: Some(icon_png_not_png),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::IconsNeedToken),
        name: "icons-need-token",
        about: "the icons answer 401 without the ININ-ICWS-CSRF-Token header, which a browser's <img> cannot send",
        claims: &[("POL-ICON-1", "body /statusMessageList/0/iconUri")],
        changes_catalogue: false,
        hooks: Hooks {
            icon_credentials: Some(icon_with_token),
            ..NONE
        },
    },
    Row {
        kind: Kind::One(Fault::IconsForAnotherSession),
        name: "icons-for-another-session",
        about: "the icons load only with the session cookie of a live session other than the one in the path (the comparison the wrong way round)",
        claims: &[("POL-ICON-1", "body /statusMessageList/0/iconUri")],
        changes_catalogue: false,
        hooks: Hooks {
            icon_credentials: Some(icon_for_another_session),
            ..NONE
        },
    },
];

impl Fault {
    /// The conformant profiles under which the fault can show at all: a
    /// case-insensitive comparison of a GUID cookie or a digit session id
    /// is no fault (their letter case means nothing), so those two faults
    /// are proven with values that have letters of meaning.
    pub fn shows_under(&self) -> &'static [crate::Profile] {
        match self {
            Fault::CookieCaseInsensitive => &[crate::Profile::Base64Tokens],
            Fault::SessionIdCaseInsensitive => &[crate::Profile::LetterSessionIds],
            _ => &[],
        }
    }

    /// True when the fault is in the CORS answers (it shows only with
    /// `--cors`, to a client that sends `Origin`).
    pub fn concerns_cors(&self) -> bool {
        self.hooks().cors.is_some()
    }

    /// Every fault, in a stable order.
    pub fn all() -> Vec<Fault> {
        let mut out = Vec::new();
        for i in 0..PROPERTIES.len() {
            out.extend(TABLE.iter().filter_map(|r| match r.kind {
                Kind::PerProperty(make) => Some(make(i)),
                Kind::One(_) => None,
            }));
        }
        out.extend(TABLE.iter().filter_map(|r| match r.kind {
            Kind::One(f) => Some(f),
            Kind::PerProperty(_) => None,
        }));
        out
    }

    /// The fault's row, and in a family the index of its property.
    fn locate(&self) -> (&'static Row, Option<usize>) {
        for row in TABLE {
            match row.kind {
                Kind::One(f) if f == *self => return (row, None),
                Kind::PerProperty(make) => {
                    if let Some(i) = (0..PROPERTIES.len()).find(|&i| make(i) == *self) {
                        return (row, Some(i));
                    }
                }
                Kind::One(_) => {}
            }
        }
        (&UNKNOWN, None)
    }

    /// The documented property a per-property fault is about.
    fn property(&self) -> Option<&'static str> {
        self.locate().1.map(|i| PROPERTIES[i])
    }

    /// `text` with `{property}` filled in for this fault.
    fn fill(&self, text: &str) -> String {
        match self.property() {
            Some(p) => text.replace(PROPERTY, p),
            None => text.to_owned(),
        }
    }

    /// The hooks through which this fault bends the server.
    pub(crate) fn hooks(&self) -> &'static Hooks {
        &self.locate().0.hooks
    }

    /// The fault's name, e.g. `missing-canHaveDate`, `bare-array`.
    pub fn name(&self) -> String {
        self.fill(self.locate().0.name)
    }

    /// What the server gets wrong under this fault, in a few words.
    pub fn about(&self) -> String {
        self.fill(self.locate().0.about)
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
        let (row, property) = self.locate();
        row.claims
            .iter()
            .map(|(req, place)| {
                let req = match property {
                    Some(i) if req.contains(PROPERTY) => MSG_REQS[i],
                    _ => *req,
                };
                (req, self.fill(place))
            })
            .collect()
    }

    /// True when the fault changes the 200 catalogue response: its content,
    /// shape, bytes or media type. These faults are written against the
    /// built-in catalogue (they edit its fourth, sixth or seventh message,
    /// look for `Gone Home`, …): on another catalogue they might break
    /// nothing. The others (sessions, error bodies, challenges, status
    /// codes, the path, the feature list) serve any catalogue as it is.
    pub fn changes_catalogue(&self) -> bool {
        self.locate().0.changes_catalogue
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
        let list = body
            .get_mut("statusMessageList")
            .and_then(Value::as_array_mut);
        if let (Some(alter), Some(list)) = (self.hooks().catalogue_list, list) {
            alter(*self, list);
        }
    }

    /// Replaces the whole catalogue body for the faults that change its shape.
    pub fn reshape_catalogue(&self, body: Value) -> Value {
        match self.hooks().catalogue_shape {
            Some(reshape) => reshape(body),
            None => body,
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

// The hooks, in the order of the fields of `Hooks`.

fn missing_header_500(state: &Inner, creds: &Creds) -> Option<Response> {
    (creds.token.is_none() || creds.cookies.is_empty()).then(|| {
        crate::error(
            state,
            StatusCode::INTERNAL_SERVER_ERROR,
            "error.server.unexpected",
            "Object reference not set to an instance of an object.",
        )
    })
}

fn pair_of_any_live_session(
    store: &mut Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> bool {
    // Looked up all the same: an idle-expired path session is freed here.
    let _ = store.get_live(sid, now, idle);
    creds
        .token
        .as_deref()
        .is_some_and(|t| store.find_by_pair(t, &creds.cookies, false).is_some())
}

fn pair_of_any_session_under_a_live_id(
    store: &mut Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> bool {
    let path_live = store.get_live(sid, now, idle).is_some();
    let pair_ok = creds
        .token
        .as_deref()
        .is_some_and(|t| store.find_by_pair(t, &creds.cookies, true).is_some());
    pair_ok && path_live
}

fn session_of_the_token(
    store: &Store,
    creds: &Creds,
    _sid: &str,
    _now: Instant,
    _idle: Duration,
) -> Option<Rec> {
    creds
        .token
        .as_deref()
        .and_then(|t| store.find_by_token(t))
        .cloned()
}

fn ended_session(
    store: &Store,
    _creds: &Creds,
    sid: &str,
    _now: Instant,
    _idle: Duration,
) -> Option<Rec> {
    store.get_ended(sid).cloned()
}

/// The live session a near-miss path id `sid` is taken as: one whose id
/// `near` says `sid` matches (the one the request's token belongs to, when
/// several do).
fn near_miss_session(
    store: &Store,
    creds: &Creds,
    now: Instant,
    idle: Duration,
    near: impl Fn(&str) -> bool,
) -> Option<Rec> {
    store
        .find_live_id(near, creds.token.as_deref(), now, idle)
        .cloned()
}

fn session_id_prefix_accepted(
    store: &Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> Option<Rec> {
    near_miss_session(store, creds, now, idle, |id| {
        !sid.is_empty() && id.starts_with(sid)
    })
}

fn session_id_extension_accepted(
    store: &Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> Option<Rec> {
    near_miss_session(store, creds, now, idle, |id| sid.starts_with(id))
}

fn session_id_case_insensitive(
    store: &Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> Option<Rec> {
    near_miss_session(store, creds, now, idle, |id| id.eq_ignore_ascii_case(sid))
}

fn session_id_prefix_compared(
    store: &Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> Option<Rec> {
    near_miss_session(store, creds, now, idle, |id| {
        let half = id.len().div_ceil(2);
        sid.as_bytes().get(..half) == id.as_bytes().get(..half)
    })
}

fn session_id_as_number(
    store: &Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> Option<Rec> {
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.trim_start_matches('0').to_owned())
    };
    let wanted = number(sid)?;
    near_miss_session(store, creds, now, idle, |id| {
        number(id).is_some_and(|n| n == wanted)
    })
}

fn token_of_any_session(store: &Store, creds: &Creds, _rec: &Rec) -> bool {
    creds
        .token
        .as_deref()
        .is_some_and(|t| store.find_by_token(t).is_some())
}

fn token_with_its_own_cookie(store: &Store, creds: &Creds, rec: &Rec) -> bool {
    creds.token.as_deref() == Some(rec.token.as_str())
        || creds.token.as_deref().is_some_and(|t| {
            store
                .find_by_token(t)
                .is_some_and(|r| creds.has_cookie(&r.cookie_name, &r.cookie_value))
        })
}

/// True when the request's token is the session's own, or `near` says it
/// is near enough (request's token, session's token).
fn token_near(creds: &Creds, rec: &Rec, near: impl Fn(&str, &str) -> bool) -> bool {
    creds
        .token
        .as_deref()
        .is_some_and(|t| t == rec.token || near(t, &rec.token))
}

/// True when the first [`COMPARED_PREFIX`] characters of `a` and `b` are
/// the same (a string shorter than that is compared whole).
fn same_beginning(a: &str, b: &str) -> bool {
    a.chars()
        .take(COMPARED_PREFIX)
        .eq(b.chars().take(COMPARED_PREFIX))
}

/// True when the last [`COMPARED_PREFIX`] characters of `a` and `b` are
/// the same (a string shorter than that is compared whole).
fn same_end(a: &str, b: &str) -> bool {
    a.chars()
        .rev()
        .take(COMPARED_PREFIX)
        .eq(b.chars().rev().take(COMPARED_PREFIX))
}

fn token_suffix_compared(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, same_end)
}

fn token_prefix_compared(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, same_beginning)
}

fn token_case_insensitive(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, str::eq_ignore_ascii_case)
}

fn token_prefix_accepted(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, |t, own| !t.is_empty() && own.starts_with(t))
}

fn token_extension_accepted(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, |t, own| t.starts_with(own))
}

fn token_length_compared(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, |t, own| t.len() == own.len())
}

fn empty_token_accepted(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, |t, _| t.is_empty())
}

fn ended_token_accepted(store: &Store, creds: &Creds, rec: &Rec) -> bool {
    token_near(creds, rec, |t, _| store.ended().any(|r| r.token == t))
}

/// True when the request holds the session's cookie (by its name) with
/// the session's value, or a value `near` says is near enough (request's
/// value, session's value).
fn cookie_near(creds: &Creds, rec: &Rec, near: impl Fn(&str, &str) -> bool) -> bool {
    creds.cookies.iter().any(|(n, v)| {
        *n == rec.cookie_name && (*v == rec.cookie_value || near(v, &rec.cookie_value))
    })
}

fn cookie_prefix_compared(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, same_beginning)
}

fn cookie_suffix_compared(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, same_end)
}

fn cookie_case_insensitive(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, str::eq_ignore_ascii_case)
}

fn cookie_prefix_accepted(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, |v, own| !v.is_empty() && own.starts_with(v))
}

fn cookie_extension_accepted(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, |v, own| v.starts_with(own))
}

fn cookie_length_compared(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, |v, own| v.len() == own.len())
}

fn empty_cookie_accepted(_store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, |v, _| v.is_empty())
}

fn ended_cookie_accepted(store: &Store, creds: &Creds, rec: &Rec) -> bool {
    cookie_near(creds, rec, |v, _| {
        store.ended().any(|r| r.cookie_value == v)
    })
}

fn cookie_of_any_session(store: &Store, creds: &Creds, _rec: &Rec) -> bool {
    creds
        .cookies
        .iter()
        .any(|(n, v)| store.find_by_cookie(n, v).is_some())
}

fn cookie_value_of_any_session(store: &Store, creds: &Creds, rec: &Rec) -> bool {
    creds
        .cookies
        .iter()
        .any(|(n, v)| *n == rec.cookie_name && store.find_by_cookie_value(v).is_some())
}

fn forbidden_403(status: StatusCode) -> StatusCode {
    if status == StatusCode::UNAUTHORIZED {
        StatusCode::FORBIDDEN
    } else {
        status
    }
}

fn error_without_message(body: &mut Value) {
    body.as_object_mut().map(|m| m.remove("message"));
}

fn error_message_not_string(body: &mut Value) {
    body["message"] = json!(401);
}

fn undocumented_error_member(body: &mut Value) {
    body["stackTrace"] = json!("at ININ.Status.Handler.Get() in Handler.cs:line 42");
}

fn error_text_plain(status: StatusCode, message: &str) -> Response {
    let mut r = (status, message.to_owned()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

/// A well-formed error object, declared in windows-1252.
fn error_charset_windows_1252(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.inin.icws+JSON; charset=windows-1252"),
    );
    r
}

fn no_challenge(_location: &str) -> Option<String> {
    None
}

fn other_scheme(_location: &str) -> Option<String> {
    Some(r#"Basic realm="ICWS""#.to_owned())
}

fn no_realm(location: &str) -> Option<String> {
    Some(format!(r#"ICWS location="{location}""#))
}

fn no_location(_location: &str) -> Option<String> {
    Some(r#"ICWS realm="ICWS""#.to_owned())
}

fn no_login_headers(_sid: &str, _token: &str) -> Option<(String, String)> {
    None
}

fn login_headers_disagree(sid: &str, token: &str) -> Option<(String, String)> {
    Some((token.chars().rev().collect(), format!("{sid}1")))
}

fn null_feature_list(body: &mut Value) {
    body["featureInfoList"] = Value::Null;
}

fn without_status_feature(list: &mut Value) {
    catalogue::remove_feature(list, "status");
}

fn status_500(state: &Inner) -> Response {
    crate::error(
        state,
        StatusCode::INTERNAL_SERVER_ERROR,
        "error.server.unexpected",
        "An unexpected error occurred.",
    )
}

fn status_500_bare(_state: &Inner) -> Response {
    let mut r = (StatusCode::INTERNAL_SERVER_ERROR, "Internal error").into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

fn status_410(state: &Inner) -> Response {
    crate::error(
        state,
        StatusCode::GONE,
        "error.request.gone",
        "This resource has been removed.",
    )
}

fn status_410_bare(_state: &Inner) -> Response {
    StatusCode::GONE.into_response()
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn missing_property(f: Fault, list: &mut Vec<Value>) {
    if let (Some(prop), Some(m)) = (f.property(), list.get_mut(3).and_then(Value::as_object_mut)) {
        m.remove(prop);
    }
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn wrong_type(f: Fault, list: &mut Vec<Value>) {
    if let (Some(prop), Some(m)) = (f.property(), list.get_mut(3).and_then(Value::as_object_mut)) {
        let wrong = match m.get(prop) {
            Some(Value::Bool(b)) => json!(b.to_string()),
            Some(Value::String(s)) if prop == "systemId" => json!(s.parse::<u64>().unwrap_or(4)),
            _ => json!(17),
        };
        m.insert(prop.into(), wrong);
    }
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn null_value(f: Fault, list: &mut Vec<Value>) {
    if let (Some(prop), Some(m)) = (f.property(), list.get_mut(3).and_then(Value::as_object_mut)) {
        m.insert(prop.into(), Value::Null);
    }
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn non_object_element(_: Fault, list: &mut Vec<Value>) {
    if let Some(e) = list.get_mut(2) {
        *e = json!("Available, Forward");
    }
}

/// The first message again (with a new systemId), its statusId as it is
/// or in upper case.
fn duplicate_status_id(list: &mut Vec<Value>, upper: bool) {
    if let Some(mut copy) = list.first().cloned() {
        let id = copy["statusId"].as_str().unwrap_or_default();
        let id = if upper {
            id.to_uppercase()
        } else {
            id.to_owned()
        };
        copy["statusId"] = json!(id);
        copy["systemId"] = json!("9001");
        list.push(copy);
    }
}

fn case_duplicate_status_id(_: Fault, list: &mut Vec<Value>) {
    duplicate_status_id(list, true);
}

fn exact_duplicate_status_id(_: Fault, list: &mut Vec<Value>) {
    duplicate_status_id(list, false);
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn non_digit_system_id(_: Fault, list: &mut Vec<Value>) {
    if let Some(m) = list.get_mut(5) {
        m["systemId"] = json!("6a");
    }
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn duplicate_system_id(_: Fault, list: &mut Vec<Value>) {
    if let Some(m) = list.get_mut(6) {
        m["systemId"] = json!("1");
    }
}

fn empty_list(_: Fault, list: &mut Vec<Value>) {
    list.clear();
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn undocumented_member(_: Fault, list: &mut Vec<Value>) {
    for m in list.iter_mut().filter_map(Value::as_object_mut) {
        m.insert("displayColour".into(), json!("#00a000"));
    }
}

#[allow(clippy::ptr_arg)] // the hook type: some hooks push to the list
fn bad_icon_uri(_: Fault, list: &mut Vec<Value>) {
    if let Some(m) = list.get_mut(4) {
        m["iconUri"] = json!("http://[icons]/away from desk.png");
    }
}

fn list_under_heading_name(body: Value) -> Value {
    json!({ "statusMessages": body.get("statusMessageList").cloned().unwrap_or_default() })
}

fn bare_array(body: Value) -> Value {
    body.get("statusMessageList").cloned().unwrap_or_default()
}

/// A 200 with `bytes` as its body, declared as `content_type`.
fn raw(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// The first half of the catalogue's bytes.
fn first_half(text: &str) -> Bytes {
    Bytes::from(text.as_bytes()[..text.len() / 2].to_vec())
}

fn body_not_json(text: String) -> Response {
    raw(
        format!("statusMessageList: {}", &text[..60.min(text.len())]).into_bytes(),
        ICWS_MEDIA_TYPE,
    )
}

fn truncated_body(text: String) -> Response {
    raw(first_half(&text).to_vec(), ICWS_MEDIA_TYPE)
}

fn invalid_utf8(text: String) -> Response {
    let mut bytes = text.into_bytes();
    let at = bytes
        .windows(9)
        .position(|w| w == b"Gone Home")
        .map_or(bytes.len() / 2, |i| i + 5);
    bytes.insert(at, 0xff);
    raw(bytes, ICWS_MEDIA_TYPE)
}

fn html_media_type(text: String) -> Response {
    raw(text.into_bytes(), "text/html; charset=utf-8")
}

/// The catalogue as it is, declared in Latin-1: a client that decodes by
/// the declared charset garbles every accent.
fn charset_latin1(text: String) -> Response {
    raw(
        text.into_bytes(),
        "application/vnd.inin.icws+JSON; charset=iso-8859-1",
    )
}

/// The first message's first flag, written twice: a JSON text whose
/// meaning depends on which occurrence a parser keeps.
fn duplicate_key(text: String) -> Response {
    raw(
        text.replacen(
            "\"canHaveDate\":false",
            "\"canHaveDate\":false,\"canHaveDate\":false",
            1,
        )
        .into_bytes(),
        ICWS_MEDIA_TYPE,
    )
}

/// A 200 whose body is the first half of the catalogue, then `rest`.
fn half_then(
    text: &str,
    rest: impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
) -> Response {
    let half = first_half(text);
    let first = futures_util::stream::once(async move { Ok::<_, std::io::Error>(half) });
    let body = Body::from_stream(futures_util::StreamExt::chain(first, rest));
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(ICWS_MEDIA_TYPE),
    );
    r
}

fn never_finishes(text: String) -> Response {
    half_then(&text, futures_util::stream::pending())
}

fn drop_mid_body(text: String) -> Response {
    // Give the head and the first half time to reach the client.
    let broken = futures_util::stream::once(async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        Err(std::io::Error::other("dropped by fault drop-mid-body"))
    });
    half_then(&text, broken)
}

/// The path session's own token and cookie, as a session request needs
/// them ([`Fault::IconsNeedToken`]).
fn icon_with_token(
    store: &mut Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> bool {
    store.get_live(sid, now, idle).is_some_and(|rec| {
        creds.token.as_deref() == Some(rec.token.as_str())
            && creds.has_cookie(&rec.cookie_name, &rec.cookie_value)
    })
}

/// The cookie of some live session other than the path's
/// ([`Fault::IconsForAnotherSession`]).
fn icon_for_another_session(
    store: &mut Store,
    creds: &Creds,
    sid: &str,
    now: Instant,
    idle: Duration,
) -> bool {
    let own = store
        .get_live(sid, now, idle)
        .map(|r| (r.cookie_name.clone(), r.cookie_value.clone()));
    creds.cookies.iter().any(|(n, v)| {
        own.as_ref().is_none_or(|(on, ov)| on != n || ov != v)
            && store.find_by_cookie(n, v).is_some()
    })
}

fn icon_missing(name: &str) -> Option<Response> {
    (name == BROKEN_ICON).then(|| {
        let body = json!({"errorId": "error.request.notFound", "message": "No such icon."});
        let mut r = raw(body.to_string().into_bytes(), ICWS_MEDIA_TYPE);
        *r.status_mut() = StatusCode::NOT_FOUND;
        r
    })
}

/// A gateway's sign-in page, as an icon request may get it.
const SIGN_IN_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head>\n\
    <body><form method=\"post\" action=\"/login\"><input name=\"user\"></form></body></html>\n";

fn icons_as_html(_name: &str) -> Option<Response> {
    Some(raw(
        SIGN_IN_PAGE.as_bytes().to_vec(),
        "text/html; charset=utf-8",
    ))
}

fn icon_png_not_png(name: &str) -> Option<Response> {
    (name == NOT_PNG_ICON).then(|| raw(SIGN_IN_PAGE.as_bytes().to_vec(), "image/png"))
}

fn cors_fixed_headers(h: &mut axum::http::HeaderMap, preflight: bool) {
    if preflight {
        h.insert(
            axum::http::header::ACCESS_CONTROL_ALLOW_HEADERS,
            axum::http::HeaderValue::from_static(
                "ININ-ICWS-CSRF-Token, Content-Type, Accept-Language",
            ),
        );
    }
}

fn cors_no_credentials(h: &mut axum::http::HeaderMap, _: bool) {
    h.remove(axum::http::header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
}

fn cors_session_headers_hidden(h: &mut axum::http::HeaderMap, preflight: bool) {
    if !preflight {
        h.insert(
            axum::http::header::ACCESS_CONTROL_EXPOSE_HEADERS,
            axum::http::HeaderValue::from_static("Location"),
        );
    }
}

fn cors_wildcard_origin(h: &mut axum::http::HeaderMap, _: bool) {
    h.insert(
        axum::http::header::ACCESS_CONTROL_ALLOW_ORIGIN,
        axum::http::HeaderValue::from_static("*"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_has_a_row_a_unique_name_a_description_and_claims() {
        let all = Fault::all();
        assert_eq!(all.len(), 3 * PROPERTIES.len() + TABLE.len() - 3);
        let mut names: Vec<String> = all.iter().map(Fault::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for f in all {
            assert!(!std::ptr::eq(f.locate().0, &UNKNOWN), "{f:?} has no row");
            assert_eq!(Fault::parse(&f.name()), Ok(f));
            assert!(
                !f.about().is_empty() && !f.about().contains(PROPERTY),
                "{f}"
            );
            assert!(!f.claims().is_empty(), "{f}");
            for (req, place) in f.claims() {
                assert!(!req.contains(PROPERTY) && !place.contains(PROPERTY), "{f}");
            }
        }
        assert_eq!(
            Fault::WrongType(4).claims(),
            vec![(
                "REQ-MSG-canHaveDate",
                "body /statusMessageList/3/canHaveDate".to_owned()
            )]
        );
        assert_eq!(Fault::NullValue(13).name(), "null-systemId");
    }
}
