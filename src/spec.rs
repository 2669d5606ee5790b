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
        title: "a JSON body is declared as JSON (application/json or application/…+json); \
                real clients need application/vnd.inin.icws+json",
    },
    Requirement {
        id: "POL-JSON-1",
        source: Source::Policy,
        title: "a JSON object names each member once (RFC 8259 §4: parsers disagree on \
                which of two values counts); an interop warning",
    },
];

/// The status codes the documentation gives for this resource (REQ-STATUS-1).
pub const DOCUMENTED_STATUSES: &[u16] = &[200, 400, 401, 410, 500];

/// Looks up a requirement by id (exact, case-sensitive: ids are identifiers).
pub fn find(id: &str) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| r.id == id)
}
