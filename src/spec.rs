//! The requirement ids the harness knows: every `REQ-…` of
//! `status-messages.md`, plus the few facts from the session document and the
//! harness's own policies that cases also check. Cases, schemas (`x-req`) and
//! findings name a rule by one of these ids; the loader refuses any other.

/// Where a requirement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A numbered requirement of the endpoint's documentation.
    Documentation,
    /// A fact about sessions and features (`icws-session.md`).
    Session,
    /// A point the documentation leaves open, settled by harness policy.
    Policy,
}

/// One requirement: its id, where it comes from and what it says.
#[derive(Debug, Clone, Copy)]
pub struct Requirement {
    /// The id cases and findings use, e.g. `REQ-401-2`.
    pub id: &'static str,
    /// Where it comes from.
    pub source: Source,
    /// One line saying what it requires.
    pub title: &'static str,
}

const fn doc(id: &'static str, title: &'static str) -> Requirement {
    Requirement {
        id,
        source: Source::Documentation,
        title,
    }
}

/// Every requirement, in the order of the specification.
pub const REQUIREMENTS: &[Requirement] = &[
    doc(
        "REQ-REQ-1",
        "GET /icws/{sessionId}/status/status-messages, relative to the base URL",
    ),
    doc(
        "REQ-REQ-2",
        "the {sessionId} path template names an established session",
    ),
    doc("REQ-REQ-3", "header ININ-ICWS-CSRF-Token is required"),
    doc(
        "REQ-REQ-4",
        "header Cookie (the session cookie) is required",
    ),
    doc(
        "REQ-200-1",
        "200 body is an object whose statusMessageList is an array of status messages",
    ),
    doc("REQ-MSG-statusId", "statusId: String, required"),
    doc("REQ-MSG-messageText", "messageText: String, required"),
    doc(
        "REQ-MSG-iconUri",
        "iconUri: Uri (a URI reference), required",
    ),
    doc("REQ-MSG-groupTag", "groupTag: String, required"),
    doc("REQ-MSG-canHaveDate", "canHaveDate: Boolean, required"),
    doc("REQ-MSG-canHaveTime", "canHaveTime: Boolean, required"),
    doc(
        "REQ-MSG-isDoNotDisturbStatus",
        "isDoNotDisturbStatus: Boolean, required",
    ),
    doc(
        "REQ-MSG-isSelectableStatus",
        "isSelectableStatus: Boolean, required",
    ),
    doc(
        "REQ-MSG-isPersistentStatus",
        "isPersistentStatus: Boolean, required",
    ),
    doc(
        "REQ-MSG-isForwardStatus",
        "isForwardStatus: Boolean, required",
    ),
    doc(
        "REQ-MSG-isAfterCallWorkStatus",
        "isAfterCallWorkStatus: Boolean, required",
    ),
    doc("REQ-MSG-isAcdStatus", "isAcdStatus: Boolean, required"),
    doc(
        "REQ-MSG-isAllowFollowUpStatus",
        "isAllowFollowUpStatus: Boolean, required",
    ),
    doc("REQ-MSG-systemId", "systemId: String, required"),
    doc(
        "REQ-ID-1",
        "statusIds are unique under case-insensitive comparison",
    ),
    doc(
        "REQ-ID-2",
        "a statusId named by a check matches case-insensitively",
    ),
    doc(
        "REQ-SYS-1",
        "systemId is a string of decimal digits, unique across the catalogue",
    ),
    doc(
        "REQ-ERR-1",
        "an error body is an object with a String message and an optional String errorId",
    ),
    doc(
        "REQ-400-1",
        "400: malformed request or a required header missing or invalid",
    ),
    doc(
        "REQ-401-1",
        "401: the session token is missing, invalid or expired",
    ),
    doc(
        "REQ-401-2",
        "a 401 carries WWW-Authenticate: ICWS realm=\"ICWS\" location=\"…\"",
    ),
    doc("REQ-410-1", "410: the resource was removed; error body"),
    doc("REQ-500-1", "500: unexpected error; error body"),
    doc(
        "REQ-STATUS-1",
        "no status code other than 200, 400, 401, 410 and 500",
    ),
    Requirement {
        id: "SES-FEAT-1",
        source: Source::Session,
        title: "GET /icws/connection/features lists feature status at version 1 or later",
    },
    Requirement {
        id: "POL-MEDIA-1",
        source: Source::Policy,
        title: "a JSON body is declared as JSON (application/json or application/…+json) \
                in UTF-8 (no charset, or a UTF-8 one); real clients need \
                application/vnd.inin.icws+json",
    },
    Requirement {
        id: "POL-JSON-1",
        source: Source::Policy,
        title: "a JSON object names each member once (RFC 8259 §4: parsers disagree on \
                which of two values counts); an interop warning",
    },
    Requirement {
        id: "POL-EMPTY-1",
        source: Source::Policy,
        title: "the catalogue lists at least one status (an empty statusMessageList \
                conforms, but an agent could set no status); an interop warning",
    },
    Requirement {
        id: "POL-LOGIN-1",
        source: Source::Policy,
        title: "the login's 201 carries the ININ-ICWS-Session-ID and ININ-ICWS-CSRF-Token \
                headers (the vendor's JavaScript client reads them only there, and cannot \
                continue without them); failing by default",
    },
    Requirement {
        id: "POL-BROWSER-1",
        source: Source::Policy,
        title: "a browser page on the --origin may send the vendor client's requests: each \
                CORS preflight answers 2xx, echoes the origin, allows credentials and every \
                request header the client asks for (opt-in: --origin)",
    },
    Requirement {
        id: "POL-BROWSER-2",
        source: Source::Policy,
        title: "answers to a browser page on the --origin echo the origin and allow \
                credentials, and the login's 201 exposes ININ-ICWS-Session-ID and \
                ININ-ICWS-CSRF-Token to the page (opt-in: --origin)",
    },
    Requirement {
        id: "POL-ICON-1",
        source: Source::Policy,
        title: "every distinct iconUri of the catalogue loads as an image the way a browser's \
                <img> loads it: GET with the session's cookies (same origin) and no CSRF \
                header, redirects followed, 200 with an image/… media type whose bytes are \
                that image (opt-out: --no-links)",
    },
    Requirement {
        id: "POL-EXTRA-1",
        source: Source::Policy,
        title: "members the documentation does not list are tolerated, and reported under \
                --strict (known vendor extensions such as __type as notes)",
    },
];

/// Requirements that bind the harness's own comparisons (a catalogue can
/// make a finding name one, but cannot break the comparison), so no fault
/// mode can prove them. Each names the harness's unit tests that do (`module::tests::name`, checked to
/// exist by `tests/faults.rs`).
pub const HARNESS_PROVEN: &[(&str, &[&str])] = &[(
    "REQ-ID-2",
    &[
        "check::rules::tests::expected_ids_match_case_insensitively",
        "check::snapshot::tests::letter_case_only_changes_are_notes",
    ],
)];

/// The harness's unit tests that prove a requirement no fault mode can prove
/// ([`HARNESS_PROVEN`]), if it is one.
pub fn harness_proven(id: &str) -> Option<&'static [&'static str]> {
    HARNESS_PROVEN
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, tests)| *tests)
}

/// How the harness settles the points the documentation leaves open, by
/// requirement (the short form of [`OPEN_POINTS`]).
pub const POLICIES: &[(&str, &str)] = &[
    (
        "REQ-REQ-2",
        "another live session's id with this session's token and cookie, an unknown id and an ended session are refused like a wrong token (401); cases that could end a session run on sessions of their own",
    ),
    (
        "REQ-REQ-3",
        "the token is that of the session in the path: another live or ended session's token must be refused (401)",
    ),
    (
        "REQ-REQ-4",
        "every cookie the login sets is sent back as a browser would (a Secure cookie over plain http too); the session cookie is that of the session in the path: a wrong or foreign one may be answered 400 or 401",
    ),
    (
        "REQ-200-1",
        "the documentation's heading statusMessages is the type name; the list property is statusMessageList, and a body with statusMessages fails with a finding that says why; extra members such as __type are tolerated",
    ),
    (
        "REQ-MSG-iconUri",
        "Uri is read as a URI reference (RFC 3986: absolute or relative)",
    ),
    (
        "REQ-ID-1",
        "statusIds compare with Unicode simple case folding; their casing is kept as configured (Do Not disturb is real)",
    ),
    (
        "REQ-ID-2",
        "wherever a check names a statusId (an expected id, a snapshot key) it matches case-insensitively; a letter-case-only change in a snapshot is a note",
    ),
    (
        "REQ-ERR-1",
        "extra members (errorCode, alternateHostList, …) are tolerated",
    ),
    (
        "REQ-400-1",
        "a missing required header may be answered 400 or 401; the answer must then have that status's documented shape",
    ),
    (
        "REQ-401-1",
        "a missing header may be answered 400 or 401; a wrong token, an unknown or ended session, another session's credentials: 401",
    ),
    (
        "REQ-401-2",
        "scheme, parameter names and the realm compare case-insensitively; parameters may be separated by spaces or commas, in any order; several challenges are fine, and an extra one that does not parse is an interop warning when a valid ICWS challenge is there",
    ),
    (
        "SES-FEAT-1",
        "either documented place counts: GET /icws/connection/features or the login's ?include=features",
    ),
    (
        "POL-MEDIA-1",
        "application/json and any application/…+json pass; a JSON type other than application/vnd.inin.icws+json is an interop warning (failing under --strict); a charset parameter must name UTF-8 (any label the WHATWG Encoding Standard maps to UTF-8, any letter case, quoted or not), else it fails: RFC 8259 §8.1 makes JSON between systems UTF-8, and a client that decodes by the declared charset garbles every accent",
    ),
    (
        "POL-JSON-1",
        "an interop warning (failing under --strict): a member name repeated in one object",
    ),
    (
        "POL-EMPTY-1",
        "an empty statusMessageList conforms to the documentation; an interop warning (failing under --strict): an agent could set no status",
    ),
    (
        "POL-LOGIN-1",
        "checked by case connection/login on a login of its own: a 201 without either header, or with an empty one, fails (the vendor's JavaScript client cannot continue); a value other than the body's is an interop warning (failing under --strict); the harness itself reads the body's sessionId and csrfToken first and falls back to the headers",
    ),
    (
        "POL-BROWSER-1",
        "opt-in with --origin URL (ICWS_ORIGIN): cases browser/*-preflight send the preflights the vendor's JavaScript client makes in a browser (Origin, Access-Control-Request-Method, Access-Control-Request-Headers: content-type,x-icws-devtools-correlationid, plus inin-icws-csrf-token for session calls) and judge the answer as the Fetch standard's CORS check does: a 2xx status, Access-Control-Allow-Origin exactly the origin (`*` does not do with credentials), Access-Control-Allow-Credentials exactly `true`, every asked header in Access-Control-Allow-Headers (any letter case; `*` does not do with credentials). Without --origin the cases are ignored with the reason",
    ),
    (
        "POL-BROWSER-2",
        "opt-in with --origin: cases browser/login (a login of its own, with Origin and the correlation header, ended after: one more login, only when asked for) and browser/catalog (the run's session) check Access-Control-Allow-Origin and Access-Control-Allow-Credentials on the answer, and on the login's 201 that Access-Control-Expose-Headers names ININ-ICWS-Session-ID and ININ-ICWS-CSRF-Token (the page cannot read them otherwise, and the vendor's client reads them only there)",
    ),
    (
        "POL-ICON-1",
        "case status-messages/icons reads the catalogue on the run's session and loads each distinct iconUri (resolved against the catalogue's URL, RFC 3986 §5) as a browser's <img> does: GET, Accept: image/*, on the target's origin with the cookies the session's jar applies to that URL and never the ININ-ICWS-CSRF-Token header, elsewhere without credentials; up to 5 redirects, credentials decided again for each hop. It must answer 200 with an image/… media type whose first bytes are an image (PNG, GIF, JPEG, WebP, BMP, ICO, AVIF, JPEG XL, SVG markup); bytes of another image type than the one declared are an interop warning (browsers sniff images). Failures on the target's origin fail; a host elsewhere the run cannot reach (a CDN outside staging) is an interop warning; a link that loads only with the CSRF header fails, because an <img>, the way a web client shows an icon, cannot send a header. A catalogue that is not a usable 200 list is status-messages/catalog's to report: the case is then ignored. Bounded: --max-links distinct links (default 10000, a note says checked N of M), --link-concurrency at once (default 8), the first 1 KiB of each body; --no-links (ICWS_NO_LINKS) skips the check",
    ),
    (
        "POL-EXTRA-1",
        "tolerated by default; under --strict every member the schemas do not list fails as an interop finding, except the known vendor extensions (__type anywhere; errorCode and alternateHostList in error bodies), which are named in a note",
    ),
];

/// The points the documentation leaves open and how the harness settles
/// each, in the words of the generated requirements page
/// (`docs/src/reference/requirements.md`): the open point,
/// then the policy (Markdown). The short form by requirement is [`POLICIES`].
pub const OPEN_POINTS: &[(&str, &str)] = &[
    (
        "a *missing* `ININ-ICWS-CSRF-Token` or `Cookie`",
        "400 or 401 both pass; the answer must then have that status's documented shape (error body; a 401 carries the challenge)",
    ),
    (
        "a wrong token, an unknown session id, an ended session",
        "401 (REQ-401-1)",
    ),
    (
        "a cookie of the right name with a wrong value",
        "400 (invalid header) or 401",
    ),
    (
        "`statusMessages` in the documentation",
        "the type name; the list property is `statusMessageList`. A body with `statusMessages` fails, and the finding says why",
    ),
    (
        "media type",
        "`application/json` or any `application/…+json` passes; anything else fails (POL-MEDIA-1). A JSON type other than `application/vnd.inin.icws+json` is an interop **warning** (shown, not failing). A `charset` parameter must name UTF-8 (RFC 8259 §8.1), else it fails; no charset means UTF-8. Names and parameters compare case-insensitively",
    ),
    (
        "extra members",
        "tolerated by default (POL-EXTRA-1). Under `--strict` each member that the case's schema does not list fails as an interop finding with its JSON pointer, except the known vendor extensions — `__type` anywhere, `errorCode` and `alternateHostList` in error bodies (elsewhere they are undocumented members) — which are named in one note per name and case (how often, where first). Proven by faults `undocumented-member` (catalogue) and `undocumented-error-member` (error bodies), caught under `--strict` only, and `tests/integration/cli.rs` (the reference server passes `--strict` with those notes)",
    ),
    (
        "an empty `statusMessageList`",
        "conforms; an interop **warning** (POL-EMPTY-1), failing under `--strict`: an agent could set no status. Fault `empty-list`",
    ),
    (
        "the login's `ININ-ICWS-Session-ID` / `ININ-ICWS-CSRF-Token` headers",
        "the vendor's JavaScript client reads the session id and token only there: case `connection/login` makes a login of its own. A 201 without either header, or with an empty one, **fails** by default (POL-LOGIN-1), the finding saying that the vendor's client cannot continue. `status-messages.md` settles this as interop level (the page documents the body); it is a failure because the vendor's own client, the one most deployments serve, cannot make a single session request — a deployment that serves no browser client lists the case in its baseline with that reason. A value other than the body's `sessionId` / `csrfToken` is an interop **warning**, failing under `--strict` (the header may be the right one; values are not shown). A refused login of that case is \"could not run\" (exit 2), like any session a case needs. Faults `login-without-headers` (fails without `--strict`), `login-headers-disagree` (under `--strict`); profile `ids-in-headers-only` passes",
    ),
    (
        "which rule an unexpected status breaks",
        "read from what was sent and what came back, never from the case's `reqs`: a 404 or 405 for a path that names a live session says the documented path is not served (REQ-REQ-1); where only errors were due and another error came, the documented meaning of the allowed statuses (REQ-400-1 for a request without a required header, else REQ-401-1); otherwise what the request puts to the test — a missing token REQ-REQ-3, a missing or wrong cookie REQ-REQ-4, a token of no session or an ended session REQ-401-1, an unknown id or another session's whole credentials REQ-REQ-2, a valid request REQ-200-1. A status the documentation does not give (403, 404, 3xx…) is also a REQ-STATUS-1 finding of its own",
    ),
    ("`Uri`", "a URI reference (absolute or relative, RFC 3986)"),
    (
        "statusId casing",
        "kept as configured (`Do Not disturb` is real); compared case-insensitively",
    ),
    (
        "the 401 challenge",
        "`ICWS realm=\"ICWS\" location=\"…\"`; scheme, parameter names and the realm value compare case-insensitively; parameters may be separated by spaces or commas, in any order; several challenges or headers are fine. Another header that does not parse is an interop **warning** when a valid ICWS challenge is there, a failure when it is not",
    ),
    ("feature id", "compared exactly (`status`)"),
    (
        "where the feature list is",
        "either place the documentation gives: `GET /icws/connection/features` or the login's `?include=features` (every login asks for it); a feature only at login passes, with a note",
    ),
    (
        "cookies",
        "every cookie the login sets is kept and sent back as a browser would (RFC 6265: name, path, domain, expiry), so a load balancer's affinity cookie comes back; a `Secure` cookie is sent over plain http too (staging servers are often plain http behind a TLS proxy). Negative cases change or drop only `icws_<sessionId>`",
    ),
    (
        "idle connections closed by the server",
        "a request that fails on a pooled connection before any byte of an answer (closed, reset) is sent once more on a new connection, as curl and browsers do; the attempt is in the reports, and it is neither a finding nor *flaky*. A failure on that new connection is a finding",
    ),
    (
        "cases and sessions",
        "a case that could end the session it uses (a missing or wrong token or cookie, another session's id, no credentials under a live id) runs on a session of its own, opened and ended for it; only the catalogue case shares the run's session. With only a given session, such cases are ignored with the reason. So no case depends on another's side effects or on the order trials run in",
    ),
    (
        "the login's answer",
        "the session id and token are read from the body, else from the `ININ-ICWS-Session-ID` / `ININ-ICWS-CSRF-Token` headers; a token or cookie that cannot be sent as a header value, or a `.`/`..` session id (a URL resolves it away), stops the run (exit 2)",
    ),
    (
        "a session the run needs cannot be opened",
        "exit 2 (\"could not run\"), not a failure of the server",
    ),
    ("disconnect", "any 2xx (200 or 204)"),
    (
        "whether an `iconUri` must load",
        "yes, as a browser's `<img>` loads it (POL-ICON-1, case `status-messages/icons`): each distinct link once, with the session's cookies on the target's origin and never the CSRF token, redirects followed; 200, an `image/…` media type, and bytes that are an image. A link that needs the `ININ-ICWS-CSRF-Token` header **fails**: an `<img>` cannot send a header, so every agent's client shows a broken icon. A host on another origin that the run cannot reach (a CDN outside the staging network) is an interop **warning**; any answer it gives is judged like the target's. `--no-links` (`ICWS_NO_LINKS`) skips the check, saying so",
    ),
];

/// The policy that applies to a requirement, if one does.
pub fn policy(id: &str) -> Option<&'static str> {
    POLICIES.iter().find(|(i, _)| *i == id).map(|(_, p)| *p)
}

/// The id snapshot findings carry (a gate the user opted into, not a
/// documented requirement).
pub const SNAPSHOT_RULE: &str = "SNAPSHOT";

/// The status codes the documentation gives for this resource (REQ-STATUS-1).
pub const DOCUMENTED_STATUSES: &[u16] = &[200, 400, 401, 410, 500];

/// Looks up a requirement by id (exact, case-sensitive: ids are identifiers).
pub fn find(id: &str) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_names_a_known_requirement() {
        for (id, _) in POLICIES {
            assert!(find(id).is_some(), "{id}");
        }
    }
}
