//! One case file's text → a validated [`Case`] named `<area>/<name>`: the
//! case format (serde, unknown keys refused) and every check a file must
//! pass before anything is sent. Knows nothing of HTTP and does no I/O;
//! every problem is a [`LoadError`] naming `file:line:col`, and all of a
//! file's problems are returned together.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::error::LoadError;
use super::schema::Schemas;
use crate::finding::Level;
use crate::spec;
use crate::text::did_you_mean;

/// A case's `[snapshot]` table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotSpec {
    /// JSON pointers whose values vary per run; `*` matches any one segment
    /// (`/statusMessageList/*/messageText`).
    pub redact: Vec<String>,
}

/// Which request a case makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    /// `GET /icws/{sessionId}/status/status-messages`.
    StatusMessages,
    /// `GET /icws/connection/features` (no session).
    Features,
    /// `POST /icws/connection?include=features`: a login of the case's own
    /// with the run's credentials (ended afterwards); the check sees its
    /// answer.
    Login,
}

/// A request as a browser page makes it (`request.browser`, opt-in with
/// the run's `--origin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Browser {
    /// The CORS preflight of the request (`OPTIONS`, no credentials).
    Preflight,
    /// The request itself, with `Origin` and the vendor client's
    /// correlation header.
    Request,
}

/// The links of the answer a case loads after its request
/// (`request.links`), as a browser does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Links {
    /// Every distinct `iconUri` of the 200 catalogue, loaded as a browser's
    /// `<img>` loads it (POL-ICON-1).
    Icons,
}

/// Which session the request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionUse {
    /// The run's session (opened with the credentials, or the one given).
    Valid,
    /// A session opened for this case alone (needs credentials).
    Fresh,
    /// A fresh session, ended with `DELETE /icws/{id}/connection` before the request.
    Ended,
    /// A session id no server issued, with the token and cookie of a
    /// session opened for the case.
    Unknown,
    /// Neither token nor cookie, under the id of a live session opened for
    /// the case (the features endpoint: no session at all).
    None,
    /// Two sessions opened for the case: the path names the second; a
    /// header set to `other-session` carries the first one's value
    /// (session isolation: another session's credentials must not work).
    Pair,
}

impl SessionUse {
    /// True when the case must open a session of its own (needs credentials).
    pub fn needs_login(self) -> bool {
        matches!(
            self,
            SessionUse::Fresh | SessionUse::Ended | SessionUse::Pair
        )
    }
}

/// What to do with one session header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HeaderUse {
    /// Send the session's value.
    #[default]
    Send,
    /// Leave the header out.
    Omit,
    /// Send a well-formed value that belongs to no session.
    Wrong,
    /// Send the value of the other session (`session = "pair"` only). For
    /// the cookie: the other session's cookie under its own name and its
    /// value under the path session's cookie name.
    OtherSession,
    /// Cookie only: both sessions' cookies (`session = "pair"` only).
    BothSessions,
    /// The session's own value, changed as [`Change`] says (a near miss):
    /// `{ change = "last-char" }`. For the cookie, the value of the
    /// `icws_<id>` cookie up to its first `|` (what follows, such as
    /// `languageId=en-us`, is a preference, not the credential).
    Change(Change),
}

/// How a credential's real value is changed into a near miss. Every
/// change keeps the value's alphabet (digits stay digits, hex stays hex,
/// other letters stay letters; `-`, `+`, `/`, `=` and the like stay where
/// they are), so only the comparison can tell the values apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// The empty value (the header or cookie present, with nothing in it).
    Empty,
    /// Every letter and digit changed: same length, same alphabet.
    Garbage,
    /// The last character changed.
    LastChar,
    /// The last character removed (a shorter value that is a prefix).
    DropLast,
    /// One character appended (a longer value with the real one as prefix).
    Append,
    /// Every letter's case flipped (nothing to flip: the very same request,
    /// so the case is ignored saying so).
    FlipCase,
    /// The first half (rounded up) kept, every letter and digit after it
    /// changed.
    FirstHalf,
    /// One character put before the value (a longer value that ends with
    /// the real one; `0` before digits or hex, which a server that reads
    /// the value as a number takes for the same).
    Prepend,
    /// The last half (rounded up) kept, every letter and digit before it
    /// changed.
    LastHalf,
}

impl Change {
    /// In words, for findings: "… that differs from the session's own {words}".
    pub fn words(self) -> &'static str {
        match self {
            Change::Empty => "in being empty",
            Change::Garbage => "in every letter and digit (same length and alphabet)",
            Change::LastChar => "in its last character",
            Change::DropLast => "in lacking its last character",
            Change::Append => "by one character appended",
            Change::FlipCase => "in the letter case of its letters",
            Change::FirstHalf => "in its second half",
            Change::Prepend => "by one character put before it",
            Change::LastHalf => "in its first half",
        }
    }
}

/// What goes into the path's `{sessionId}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdUse {
    /// The id of the session whose credentials are sent (the default).
    #[default]
    Send,
    /// `session = "pair"` only: the other session's id (with the path
    /// session's own token and cookie).
    OtherSession,
    /// The session's id changed as [`Change`] says (not `empty`: an empty
    /// segment is another path).
    Change(Change),
}

/// The state of the other session of a `session = "pair"` case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OtherSession {
    /// Live while the request is made.
    #[default]
    Live,
    /// Ended (`DELETE /icws/{id}/connection`) before the request.
    Ended,
}

/// The media type class a body must declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MediaClass {
    /// `application/json` or `application/…+json` (vnd.inin.icws+json preferred).
    Json,
}

/// The `WWW-Authenticate` rule a 401 must meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChallengeRule {
    /// `ICWS realm="ICWS" location="…"` (REQ-401-2), checked when the status is 401.
    Icws,
}

/// A TOML table, and only a table. serde's derived structs also take an
/// array of their fields in order (`request = ["status-messages", "valid"]`,
/// `snapshot = []`): no one writes that on purpose, and the case schema
/// (`schemas/case/case.schema.json`) refuses it, so the loader does too.
#[derive(Default)]
struct Table<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OnlyTables<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for OnlyTables<T> {
            type Value = Table<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Table<T>, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Table)
            }
        }
        d.deserialize_map(OnlyTables(std::marker::PhantomData))
    }
}

impl<T> std::ops::Deref for Table<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCase {
    description: String,
    reqs: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    level: Level,
    request: Table<RawRequest>,
    expect: Table<RawExpect>,
    snapshot: Option<Spanned<Table<RawSnapshot>>>,
    #[serde(default)]
    variant: Vec<Table<RawVariant>>,
}

/// One `[[variant]]`: a case of its own, named `<file's name>/<name>`, with
/// the file's request and expectations except what it sets.
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVariant {
    name: Spanned<String>,
    session: Option<Spanned<SessionUse>>,
    csrf_token: Option<Spanned<HeaderUse>>,
    cookie: Option<Spanned<HeaderUse>>,
    session_id: Option<Spanned<IdUse>>,
    other_session: Option<Spanned<OtherSession>>,
    status: Option<Spanned<Vec<Spanned<u16>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSnapshot {
    #[serde(default)]
    redact: Vec<Spanned<String>>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRequest {
    endpoint: Endpoint,
    browser: Option<Browser>,
    links: Option<Spanned<Links>>,
    session: Spanned<SessionUse>,
    csrf_token: Option<Spanned<HeaderUse>>,
    cookie: Option<Spanned<HeaderUse>>,
    session_id: Option<Spanned<IdUse>>,
    other_session: Option<Spanned<OtherSession>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawExpect {
    status: Spanned<Vec<Spanned<u16>>>,
    schema: Option<Spanned<String>>,
    media_type: Option<MediaClass>,
    www_authenticate: Option<ChallengeRule>,
    #[serde(default)]
    headers: Vec<Table<RawHeader>>,
    #[serde(default)]
    rules: Table<RawRules>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHeader {
    name: Spanned<String>,
    #[serde(default = "yes")]
    present: bool,
    matches: Option<Spanned<String>>,
    req: Spanned<String>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRules {
    #[serde(default)]
    unique_status_ids: bool,
    #[serde(default)]
    unique_system_ids: bool,
    #[serde(default)]
    status_ids_present: Vec<String>,
    feature: Option<Table<RawFeature>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFeature {
    id: String,
    min_version: u64,
}

/// A header expectation.
#[derive(Debug, Clone)]
pub struct HeaderExpect {
    /// Header name (compared case-insensitively).
    pub name: reqwest::header::HeaderName,
    /// Must be present (true) or absent (false).
    pub present: bool,
    /// A regular expression every value must match.
    pub matches: Option<regex::Regex>,
    /// The rule it checks.
    pub req: &'static str,
}

/// The rules of a 200 catalogue or feature list (`[expect.rules]`): the
/// case format of each rule `check::rules::apply` runs. A new rule is a
/// field here, its raw form in `RawRules`, and its key in
/// `schemas/case/case.schema.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rules {
    /// REQ-ID-1.
    pub unique_status_ids: bool,
    /// REQ-SYS-1.
    pub unique_system_ids: bool,
    /// REQ-ID-2: statusIds that must be present (any letter case).
    pub status_ids_present: Vec<String>,
    /// SES-FEAT-1: (feature id, minimum version).
    pub feature: Option<(String, u64)>,
}

impl Rules {
    /// True when the case asks for any rule (so the body must be JSON).
    pub fn any(&self) -> bool {
        *self != Rules::default()
    }
}

/// What a response must look like.
#[derive(Debug, Clone)]
pub struct Expect {
    /// Allowed status codes.
    pub status: Vec<u16>,
    /// The schema the body must meet (when the status is allowed).
    pub schema: Option<String>,
    /// The media type class of the body.
    pub media_type: Option<MediaClass>,
    /// The challenge a 401 must carry.
    pub www_authenticate: Option<ChallengeRule>,
    /// Header expectations.
    pub headers: Vec<HeaderExpect>,
    /// Catalogue rules.
    pub rules: Rules,
}

/// A validated case.
#[derive(Debug, Clone)]
pub struct Case {
    /// `<area>/<name>`: the path without `.toml`; the trial's name.
    pub name: String,
    /// The file it came from, as shown in errors and reports: a `--cases`
    /// file's path, or a shipped case's path from the crate root, marked
    /// ` (built in)` when the working folder does not hold that very file.
    pub file: String,
    /// What it checks, in a sentence.
    pub description: String,
    /// The requirement ids it checks: documentation (the console's header,
    /// `--explain`'s "cases that list it"); findings never take their rule
    /// from here (see [`Case::subject`]).
    pub reqs: Vec<&'static str>,
    /// Tags (`auth`, `schema`, `rules`, …), for `--tag` / `--skip-tag`.
    pub tags: Vec<String>,
    /// `must` (the default) or `interop`: every finding of an `interop` case
    /// is a warning unless the run is `--strict`.
    pub level: Level,
    /// The request.
    pub endpoint: Endpoint,
    /// As a browser page on the run's `--origin` makes it (opt-in).
    pub browser: Option<Browser>,
    /// The links of the answer loaded after the request (on by default;
    /// `--no-links` skips them).
    pub links: Option<Links>,
    /// The session it uses.
    pub session: SessionUse,
    /// The CSRF token header.
    pub csrf_token: HeaderUse,
    /// The Cookie header.
    pub cookie: HeaderUse,
    /// The path's session id.
    pub session_id: IdUse,
    /// With `session = "pair"`: whether the other session is live or ended.
    pub other_session: OtherSession,
    /// The expectations.
    pub expect: Expect,
    /// Compare the normalized 200 body with a stored snapshot (when the run
    /// has snapshots on).
    pub snapshot: Option<SnapshotSpec>,
}

/// Collects a file's problems, each at a byte span of its text.
struct Problems<'a> {
    file: &'a str,
    text: &'a str,
    errors: Vec<LoadError>,
}

impl Problems<'_> {
    fn at(&mut self, span: Range<usize>, message: String) {
        self.errors
            .push(LoadError::at(self.file, self.text, span.start, message));
    }
}

impl Case {
    /// The requirement the case's request puts to the test, read from what
    /// it sends (never from `reqs`): a wrong status, a failed transport or a
    /// failed session step names it. A missing token or cookie puts the
    /// header's requirement to the test (REQ-REQ-3, REQ-REQ-4), a token of no
    /// session or an ended session REQ-401-1, an id no server issued or a
    /// whole other session's credentials under B's id REQ-REQ-2, a valid
    /// request the catalogue (REQ-200-1).
    pub fn subject(&self) -> &'static str {
        if self.links == Some(Links::Icons) {
            return "POL-ICON-1";
        }
        match self.browser {
            Some(Browser::Preflight) => return "POL-BROWSER-1",
            Some(Browser::Request) => return "POL-BROWSER-2",
            None => {}
        }
        match self.endpoint {
            Endpoint::Features => return "SES-FEAT-1",
            Endpoint::Login => return "POL-LOGIN-1",
            Endpoint::StatusMessages => {}
        }
        let foreign = |h: HeaderUse| matches!(h, HeaderUse::OtherSession | HeaderUse::BothSessions);
        match self.session {
            SessionUse::None => return "REQ-REQ-3",
            SessionUse::Unknown => return "REQ-REQ-2",
            SessionUse::Ended => return "REQ-401-1",
            _ if self.session_id != IdUse::Send => return "REQ-REQ-2",
            SessionUse::Pair if self.other_session == OtherSession::Ended => return "REQ-401-1",
            SessionUse::Pair
                if self.csrf_token == HeaderUse::OtherSession
                    && self.cookie == HeaderUse::OtherSession =>
            {
                return "REQ-REQ-2";
            }
            _ => {}
        }
        match (self.csrf_token, self.cookie) {
            (HeaderUse::Omit | HeaderUse::Change(_), _) => "REQ-REQ-3",
            (t, _) if foreign(t) => "REQ-REQ-3",
            (HeaderUse::Wrong, _) => "REQ-401-1",
            (_, HeaderUse::Omit | HeaderUse::Wrong | HeaderUse::Change(_)) => "REQ-REQ-4",
            (_, c) if foreign(c) => "REQ-REQ-4",
            _ => "REQ-200-1",
        }
    }

    /// True when the request leaves out a header the documentation requires
    /// (the token or the cookie), which REQ-400-1 names.
    pub fn omits_a_header(&self) -> bool {
        self.endpoint == Endpoint::StatusMessages
            && (self.session == SessionUse::None
                || self.csrf_token == HeaderUse::Omit
                || self.cookie == HeaderUse::Omit)
    }

    /// For a `session = "pair"` case: which credentials of the other session
    /// (A) it sends under the second session's (B's) id, in words, without
    /// any value. `None` for other cases.
    pub fn foreign_credentials(&self) -> Option<String> {
        if self.session != SessionUse::Pair {
            return None;
        }
        let of = match self.other_session {
            OtherSession::Live => "another live session (A)",
            OtherSession::Ended => "a session that was ended (A)",
        };
        let own = |h: HeaderUse, what: &str| match h {
            HeaderUse::Send => format!("session B's own {what}"),
            HeaderUse::Wrong => format!("a {what} of no session"),
            HeaderUse::Omit => format!("no {what}"),
            HeaderUse::Change(c) => format!("a {what} that differs from B's own {}", c.words()),
            HeaderUse::OtherSession | HeaderUse::BothSessions => String::new(),
        };
        let cookie_of_a = match self.cookie {
            HeaderUse::OtherSession => Some(format!(
                "the session cookie of {of} (under its own name and under B's)"
            )),
            HeaderUse::BothSessions => {
                Some(format!("the session cookie of {of} sent beside B's own"))
            }
            _ => None,
        };
        Some(
            match (self.csrf_token == HeaderUse::OtherSession, cookie_of_a) {
                (true, Some(c)) => format!("the CSRF token of {of} and {c}"),
                (true, None) => format!(
                    "the CSRF token of {of}, with {}",
                    own(self.cookie, "cookie")
                ),
                (false, Some(c)) => format!("{c}, with {}", own(self.csrf_token, "token")),
                (false, None) => return None,
            },
        )
    }

    /// What the server did wrong when it accepts this case's request, in
    /// words and without any value: another session's credentials, or a
    /// credential that is nearly the session's own. `None` for a case whose
    /// request carries no such credential.
    pub fn accepted_in_words(&self) -> Option<String> {
        if self.session == SessionUse::Pair && self.session_id == IdUse::OtherSession {
            let of = match self.other_session {
                OtherSession::Live => "another live session (A)",
                OtherSession::Ended => "a session that was ended (A)",
            };
            return Some(format!(
                "the server accepted session B's own token and cookie under the id of {of}; \
                 a request reached a session its credentials do not belong to"
            ));
        }
        if let Some(what) = self.foreign_credentials() {
            return Some(format!(
                "the server accepted {what} under session B's id; one user could act with \
                 another user's session"
            ));
        }
        let changed = |what: &str, c: Change| {
            format!("{what} that differs from the session's own {}", c.words())
        };
        let mut parts = Vec::new();
        if let IdUse::Change(c) = self.session_id {
            parts.push(changed("a session id", c));
        }
        if let HeaderUse::Change(c) = self.csrf_token {
            parts.push(changed("a CSRF token", c));
        }
        if let HeaderUse::Change(c) = self.cookie {
            parts.push(changed("a session cookie", c));
        }
        (!parts.is_empty()).then(|| {
            format!(
                "the server accepted {}, everything else exactly the session's own; a \
                 credential that is nearly right must be refused like a wrong one",
                parts.join(" and ")
            )
        })
    }

    /// True when the case's request is not exactly its session's own
    /// credentials (a wrong, missing or foreign token or cookie, or another
    /// session id): a hardened server may end the live sessions such a
    /// request involves, so the run holds them alone for it and checks
    /// them after.
    pub fn harms_session(&self) -> bool {
        self.endpoint == Endpoint::StatusMessages
            && match self.session {
                SessionUse::Unknown | SessionUse::None | SessionUse::Pair | SessionUse::Ended => {
                    true
                }
                SessionUse::Valid | SessionUse::Fresh => {
                    self.csrf_token != HeaderUse::Send
                        || self.cookie != HeaderUse::Send
                        || self.session_id != IdUse::Send
                }
            }
    }
}

/// Parses and validates one case file. `file` is how errors name it; `name`
/// is the case's name. A file with `[[variant]]`s gives its first variant
/// (see [`parse_cases`]).
pub fn parse_case(
    file: &str,
    name: &str,
    text: &str,
    schemas: &Schemas,
) -> Result<Case, Vec<LoadError>> {
    let mut cases = parse_cases(file, name, text, schemas)?;
    if cases.is_empty() {
        return Err(vec![LoadError::at(file, text, 0, "no case".to_owned())]);
    }
    Ok(cases.swap_remove(0))
}

/// Parses and validates one case file: one case, or one per `[[variant]]`
/// (named `<name>/<variant>`).
pub fn parse_cases(
    file: &str,
    name: &str,
    text: &str,
    schemas: &Schemas,
) -> Result<Vec<Case>, Vec<LoadError>> {
    let raw: RawCase = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        vec![LoadError::at(
            file,
            text,
            offset,
            with_suggestion(e.message().trim()),
        )]
    })?;
    let (request, expect) = (raw.request.0, raw.expect.0);
    let mut p = Problems {
        file,
        text,
        errors: Vec::new(),
    };
    let reqs = requirement_ids(&raw.reqs, &mut p);
    status_codes(&expect.status, &mut p);
    if let Some(schema) = &expect.schema {
        if schemas.get(schema.get_ref()).is_none() {
            let known: Vec<&str> = schemas.names().collect();
            p.at(
                schema.span(),
                format!(
                    "`expect.schema`: unknown schema {:?} (known: {})",
                    schema.get_ref(),
                    known.join(", ")
                ),
            );
        }
    }
    let headers = header_expectations(expect.headers, &mut p);
    let snapshot = raw
        .snapshot
        .as_ref()
        .map(|snap| snapshot_spec(snap, expect.schema.is_some(), &mut p));
    let base = Case {
        name: name.to_owned(),
        file: file.to_owned(),
        description: raw.description,
        reqs,
        level: raw.level,
        tags: raw.tags,
        endpoint: request.endpoint,
        browser: request.browser,
        links: request.links.as_ref().map(|l| *l.get_ref()),
        session: SessionUse::Valid,
        csrf_token: HeaderUse::Send,
        cookie: HeaderUse::Send,
        session_id: IdUse::Send,
        other_session: OtherSession::Live,
        expect: Expect {
            status: Vec::new(),
            schema: expect.schema.map(Spanned::into_inner),
            media_type: expect.media_type,
            www_authenticate: expect.www_authenticate,
            headers,
            rules: Rules {
                unique_status_ids: expect.rules.0.unique_status_ids,
                unique_system_ids: expect.rules.0.unique_system_ids,
                status_ids_present: expect.rules.0.status_ids_present,
                feature: expect.rules.0.feature.map(|f| (f.0.id, f.0.min_version)),
            },
        },
        snapshot,
    };
    // The file's own request is checked as it stands (the schema judges
    // it so too), and is the case unless variants make the cases.
    let mut cases = vec![one_request(&base, &request, &expect.status, &mut p)];
    if !raw.variant.is_empty() {
        cases.clear();
    }
    let mut names: Vec<&str> = Vec::new();
    for Table(v) in &raw.variant {
        let vname = v.name.get_ref();
        let well_formed = !vname.is_empty()
            && vname
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !well_formed {
            p.at(
                v.name.span(),
                format!("`variant.name` {vname:?}: use lower-case letters, digits and `-`"),
            );
        } else if names.contains(&vname.as_str()) {
            p.at(
                v.name.span(),
                format!("`variant.name` {vname:?} is used twice"),
            );
        }
        names.push(vname);
        let merged = RawRequest {
            endpoint: request.endpoint,
            browser: request.browser,
            links: request.links.clone(),
            session: v.session.clone().unwrap_or_else(|| request.session.clone()),
            csrf_token: v.csrf_token.clone().or_else(|| request.csrf_token.clone()),
            cookie: v.cookie.clone().or_else(|| request.cookie.clone()),
            session_id: v.session_id.clone().or_else(|| request.session_id.clone()),
            other_session: v
                .other_session
                .clone()
                .or_else(|| request.other_session.clone()),
        };
        let status = v.status.as_ref().unwrap_or(&expect.status);
        if v.status.is_some() {
            status_codes(status, &mut p);
        }
        let mut case = one_request(&base, &merged, status, &mut p);
        case.name = format!("{name}/{vname}");
        cases.push(case);
    }
    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    Ok(cases)
}

/// The case `base` with `request`'s session and credentials and `status`,
/// their combination checked.
fn one_request(
    base: &Case,
    request: &RawRequest,
    status: &Spanned<Vec<Spanned<u16>>>,
    p: &mut Problems,
) -> Case {
    if matches!(request.endpoint, Endpoint::Features | Endpoint::Login)
        && *request.session.get_ref() != SessionUse::None
    {
        p.at(
            request.session.span(),
            format!(
                "`request.session`: the {} endpoint takes no session; use \"none\"",
                if request.endpoint == Endpoint::Login {
                    "login"
                } else {
                    "features"
                }
            ),
        );
    }
    session_combination(request, status, p);
    changes(request, status, p);
    if request.browser.is_some() {
        let plain = [&request.csrf_token, &request.cookie]
            .into_iter()
            .flatten()
            .all(|h| *h.get_ref() == HeaderUse::Send)
            && request
                .session_id
                .as_ref()
                .is_none_or(|i| *i.get_ref() == IdUse::Send)
            && matches!(
                request.session.get_ref(),
                SessionUse::Valid | SessionUse::None
            );
        if !plain {
            p.at(
                request.session.span(),
                "`request.browser`: a browser case uses the run's session (\"valid\", or \
                 \"none\" for login and features) with its own credentials"
                    .into(),
            );
        }
    }
    if let Some(links) = &request.links {
        let plain = [&request.csrf_token, &request.cookie]
            .into_iter()
            .flatten()
            .all(|h| *h.get_ref() == HeaderUse::Send)
            && request
                .session_id
                .as_ref()
                .is_none_or(|i| *i.get_ref() == IdUse::Send)
            && *request.session.get_ref() == SessionUse::Valid
            && request.browser.is_none();
        if !plain {
            p.at(
                links.span(),
                "`request.links`: a links case reads the catalogue on the run's session \
                 (session = \"valid\") with its own credentials, not as a browser case"
                    .into(),
            );
        }
    }
    let inner =
        |h: &Option<Spanned<HeaderUse>>| h.as_ref().map(|h| *h.get_ref()).unwrap_or_default();
    Case {
        session: *request.session.get_ref(),
        csrf_token: inner(&request.csrf_token),
        cookie: inner(&request.cookie),
        session_id: request
            .session_id
            .as_ref()
            .map(|i| *i.get_ref())
            .unwrap_or_default(),
        other_session: request
            .other_session
            .as_ref()
            .map(|o| *o.get_ref())
            .unwrap_or_default(),
        expect: Expect {
            status: status.get_ref().iter().map(|s| *s.get_ref()).collect(),
            ..base.expect.clone()
        },
        ..base.clone()
    }
}

/// `{ change = … }` and `session-id`: a request with a changed credential
/// must be refused; `session-id` goes with status-messages, its
/// `other-session` with a pair, and is never empty.
fn changes(r: &RawRequest, status: &Spanned<Vec<Spanned<u16>>>, p: &mut Problems) {
    let mut changed = [&r.csrf_token, &r.cookie]
        .into_iter()
        .flatten()
        .any(|h| matches!(h.get_ref(), HeaderUse::Change(_)));
    if let Some(id) = &r.session_id {
        match id.get_ref() {
            IdUse::Send => {}
            IdUse::OtherSession => {
                changed = true;
                if *r.session.get_ref() != SessionUse::Pair {
                    p.at(
                        id.span(),
                        "`request.session-id` = \"other-session\" needs `session = \"pair\"`"
                            .into(),
                    );
                }
            }
            IdUse::Change(c) => {
                changed = true;
                if *c == Change::Empty {
                    p.at(
                        id.span(),
                        "`request.session-id`: an empty session id is another path (`/icws//status/…`), not a session id".into(),
                    );
                }
            }
        }
        if r.endpoint != Endpoint::StatusMessages {
            p.at(
                id.span(),
                "`request.session-id` goes only with `endpoint = \"status-messages\"`".into(),
            );
        }
    }
    if changed {
        for s in status.get_ref() {
            if (200..300).contains(s.get_ref()) {
                p.at(
                    s.span(),
                    format!(
                        "`expect.status`: {} would let a server accept a credential that is not the session's own: this request must be refused",
                        s.get_ref()
                    ),
                );
            }
        }
    }
}

/// `other-session` values, `session = "pair"` and `other-session = …` go
/// together: each needs the others.
fn session_combination(r: &RawRequest, status: &Spanned<Vec<Spanned<u16>>>, p: &mut Problems) {
    // Credentials of another, an ended or no issued session must never work.
    if matches!(
        r.session.get_ref(),
        SessionUse::Pair | SessionUse::Ended | SessionUse::Unknown
    ) {
        for s in status.get_ref() {
            if (200..300).contains(s.get_ref()) {
                p.at(
                    s.span(),
                    format!(
                        "`expect.status`: {} would let a server accept credentials that are not the session's: this request must be refused",
                        s.get_ref()
                    ),
                );
            }
        }
    }
    let pair = *r.session.get_ref() == SessionUse::Pair;
    let mut uses_other = false;
    for (key, h) in [("csrf-token", &r.csrf_token), ("cookie", &r.cookie)] {
        let Some(h) = h else { continue };
        let value = match h.get_ref() {
            HeaderUse::OtherSession => "other-session",
            HeaderUse::BothSessions => "both-sessions",
            _ => continue,
        };
        uses_other = true;
        if key == "csrf-token" && value == "both-sessions" {
            p.at(
                h.span(),
                "`request.csrf-token` = \"both-sessions\": a request carries one token; \"both-sessions\" is for `cookie`".into(),
            );
        }
        if !pair {
            p.at(
                h.span(),
                format!("`request.{key}` = \"{value}\" needs `session = \"pair\"` (two sessions opened for the case)"),
            );
        }
    }
    if r.session_id
        .as_ref()
        .is_some_and(|i| *i.get_ref() == IdUse::OtherSession)
    {
        uses_other = true;
    }
    if pair && !uses_other {
        p.at(
            r.session.span(),
            "`request.session` = \"pair\": set `csrf-token`, `cookie` or `session-id` to \"other-session\"; otherwise the second session is never used".into(),
        );
    }
    if let (Some(o), false) = (&r.other_session, pair) {
        p.at(
            o.span(),
            "`request.other-session` only goes with `session = \"pair\"`".into(),
        );
    }
}

/// `reqs`: not empty, every id known.
fn requirement_ids(raw: &Spanned<Vec<Spanned<String>>>, p: &mut Problems) -> Vec<&'static str> {
    if raw.get_ref().is_empty() {
        p.at(
            raw.span(),
            "`reqs` is empty: name the requirement ids this case checks".into(),
        );
    }
    let mut reqs = Vec::new();
    for r in raw.get_ref() {
        match spec::find(r.get_ref()) {
            Some(req) => reqs.push(req.id),
            None => p.at(
                r.span(),
                format!(
                    "`reqs`: unknown requirement id {:?}{}",
                    r.get_ref(),
                    did_you_mean(r.get_ref(), spec::REQUIREMENTS.iter().map(|q| q.id))
                ),
            ),
        }
    }
    reqs
}

/// `expect.status`: not empty, every code an HTTP status.
fn status_codes(raw: &Spanned<Vec<Spanned<u16>>>, p: &mut Problems) -> Vec<u16> {
    if raw.get_ref().is_empty() {
        p.at(
            raw.span(),
            "`expect.status` is empty: list the allowed status codes".into(),
        );
    }
    for s in raw.get_ref() {
        if !(100..=599).contains(s.get_ref()) {
            p.at(
                s.span(),
                format!(
                    "`expect.status`: {} is not an HTTP status code",
                    s.get_ref()
                ),
            );
        }
    }
    raw.get_ref().iter().map(|s| *s.get_ref()).collect()
}

/// `expect.headers`: names are header names, `matches` are regular
/// expressions, `req` is a known id.
fn header_expectations(raw: Vec<Table<RawHeader>>, p: &mut Problems) -> Vec<HeaderExpect> {
    let mut headers = Vec::new();
    for Table(h) in raw {
        let name = reqwest::header::HeaderName::from_bytes(h.name.get_ref().as_bytes());
        if name.is_err() {
            p.at(
                h.name.span(),
                format!(
                    "`expect.headers.name`: {:?} is not a header name",
                    h.name.get_ref()
                ),
            );
        }
        let matches = h
            .matches
            .as_ref()
            .and_then(|m| match regex::Regex::new(m.get_ref()) {
                Ok(re) => Some(re),
                Err(e) => {
                    p.at(
                        m.span(),
                        format!("`expect.headers.matches`: not a regular expression: {e}"),
                    );
                    None
                }
            });
        let req = match spec::find(h.req.get_ref()) {
            Some(r) => r.id,
            None => {
                p.at(
                    h.req.span(),
                    format!(
                        "`expect.headers.req`: unknown requirement id {:?}",
                        h.req.get_ref()
                    ),
                );
                ""
            }
        };
        if let Ok(name) = name {
            headers.push(HeaderExpect {
                name,
                present: h.present,
                matches,
                req,
            });
        }
    }
    headers
}

/// `[snapshot]`: needs a JSON body to compare; `redact` holds JSON pointers.
fn snapshot_spec(
    snap: &Spanned<Table<RawSnapshot>>,
    has_schema: bool,
    p: &mut Problems,
) -> SnapshotSpec {
    if !has_schema {
        p.at(
            snap.span(),
            "`snapshot` needs `expect.schema`: a JSON body to compare".into(),
        );
    }
    let mut redact = Vec::new();
    for r in &snap.get_ref().redact {
        if r.get_ref().starts_with('/') {
            redact.push(r.get_ref().clone());
        } else {
            p.at(
                r.span(),
                format!(
                    "`snapshot.redact`: {:?} is not a JSON pointer (it starts with `/`; `*` matches any one segment)",
                    r.get_ref()
                ),
            );
        }
    }
    SnapshotSpec { redact }
}

/// Adds a did-you-mean to serde's "unknown field `x`, expected one of `a`, `b`".
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message.to_owned();
    };
    let Some((word, expected)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    format!("{message}{}", did_you_mean(word, candidates.into_iter()))
}
