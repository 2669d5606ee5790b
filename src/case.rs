//! Case files: `cases/<area>/<name>.toml` → a validated [`Case`] named
//! `<area>/<name>`. Loading knows nothing of HTTP. Every problem becomes a
//! [`LoadError`] naming `file:line:col`; all files are read and all errors
//! collected before the run is refused, so a user fixes them in one pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::finding::Level;
use crate::schema::Schemas;
use crate::snapshot::SnapshotSpec;
use crate::spec;

/// A case file that could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{col}: {message}")]
pub struct LoadError {
    /// The file, as the user named it (shipped ones as `cases/…`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong, with the field's name.
    pub message: String,
    /// The source line, for a compiler-style excerpt (empty when unknown).
    pub source_line: String,
}

impl LoadError {
    /// An error at byte `offset` of `text` (line and column are computed).
    pub fn at(file: &str, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let offset = offset.min(text.len());
        let before = text.get(..offset).unwrap_or(text);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = text
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        let source_line = text[line_start..]
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned();
        Self {
            file: file.to_owned(),
            line,
            col,
            message: message.into(),
            source_line,
        }
    }

    /// Renders the error like a compiler: message, location, source line, caret.
    pub fn render(&self) -> String {
        let mut out = format!(
            "error: {}\n  --> {}:{}:{}\n",
            self.message, self.file, self.line, self.col
        );
        if !self.source_line.is_empty() {
            let gutter = self.line.to_string().len();
            let pad = " ".repeat(gutter);
            let caret_pad: String = self
                .source_line
                .chars()
                .take(self.col.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{pad} |\n{} | {}\n{pad} | {caret_pad}^\n",
                self.line, self.source_line
            ));
        }
        out
    }
}

/// Which request a case makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    /// `GET /icws/{sessionId}/status/status-messages`.
    StatusMessages,
    /// `GET /icws/connection/features` (no session).
    Features,
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
    /// A session id no server issued, with the run session's token and cookie.
    Unknown,
    /// No session at all: no token, no cookie (a made-up id in the path).
    None,
}

impl SessionUse {
    /// True when the case must open a session of its own (needs credentials).
    pub fn needs_login(self) -> bool {
        matches!(self, SessionUse::Fresh | SessionUse::Ended)
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCase {
    description: String,
    reqs: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    level: Level,
    request: RawRequest,
    expect: RawExpect,
    snapshot: Option<Spanned<RawSnapshot>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSnapshot {
    #[serde(default)]
    redact: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRequest {
    endpoint: Endpoint,
    session: Spanned<SessionUse>,
    #[serde(default)]
    csrf_token: HeaderUse,
    #[serde(default)]
    cookie: HeaderUse,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawExpect {
    status: Spanned<Vec<Spanned<u16>>>,
    schema: Option<Spanned<String>>,
    media_type: Option<MediaClass>,
    www_authenticate: Option<ChallengeRule>,
    #[serde(default)]
    headers: Vec<RawHeader>,
    #[serde(default)]
    rules: RawRules,
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
    feature: Option<RawFeature>,
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

/// The rules of a 200 catalogue or feature list.
#[derive(Debug, Clone, Default)]
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
    /// The file it came from, as shown in errors.
    pub file: String,
    /// What it checks, in a sentence.
    pub description: String,
    /// The requirement ids it checks; the first is the one a wrong status breaks.
    pub reqs: Vec<&'static str>,
    /// Tags (`auth`, `schema`, `rules`, …), for `--tag` / `--skip-tag`.
    pub tags: Vec<String>,
    /// `must` (the default) or `interop`: every finding of an `interop` case
    /// is a warning unless the run is `--strict`.
    pub level: Level,
    /// The request.
    pub endpoint: Endpoint,
    /// The session it uses.
    pub session: SessionUse,
    /// The CSRF token header.
    pub csrf_token: HeaderUse,
    /// The Cookie header.
    pub cookie: HeaderUse,
    /// The expectations.
    pub expect: Expect,
    /// Compare the normalized 200 body with a stored snapshot (when the run
    /// has snapshots on).
    pub snapshot: Option<SnapshotSpec>,
}

/// Parses and validates one case file. `file` is how errors name it; `name`
/// is the case's name.
pub fn parse_case(
    file: &str,
    name: &str,
    text: &str,
    schemas: &Schemas,
) -> Result<Case, Vec<LoadError>> {
    let raw: RawCase = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        vec![LoadError::at(
            file,
            text,
            offset,
            with_suggestion(e.message().trim()),
        )]
    })?;
    let mut errors = Vec::new();
    let mut err = |span: std::ops::Range<usize>, msg: String| {
        errors.push(LoadError::at(file, text, span.start, msg))
    };

    let mut reqs = Vec::new();
    if raw.reqs.get_ref().is_empty() {
        err(
            raw.reqs.span(),
            "`reqs` is empty: name the requirement ids this case checks".into(),
        );
    }
    for r in raw.reqs.get_ref() {
        match spec::find(r.get_ref()) {
            Some(req) => reqs.push(req.id),
            None => err(
                r.span(),
                format!(
                    "`reqs`: unknown requirement id {:?}{}",
                    r.get_ref(),
                    did_you_mean(r.get_ref(), spec::REQUIREMENTS.iter().map(|q| q.id))
                ),
            ),
        }
    }
    let status: Vec<u16> = raw
        .expect
        .status
        .get_ref()
        .iter()
        .map(|s| *s.get_ref())
        .collect();
    if status.is_empty() {
        err(
            raw.expect.status.span(),
            "`expect.status` is empty: list the allowed status codes".into(),
        );
    }
    for s in raw.expect.status.get_ref() {
        if !(100..=599).contains(s.get_ref()) {
            err(
                s.span(),
                format!(
                    "`expect.status`: {} is not an HTTP status code",
                    s.get_ref()
                ),
            );
        }
    }
    if let Some(schema) = &raw.expect.schema {
        if schemas.get(schema.get_ref()).is_none() {
            let known: Vec<&str> = schemas.names().collect();
            err(
                schema.span(),
                format!(
                    "`expect.schema`: unknown schema {:?} (known: {})",
                    schema.get_ref(),
                    known.join(", ")
                ),
            );
        }
    }
    if raw.request.endpoint == Endpoint::Features
        && *raw.request.session.get_ref() != SessionUse::None
    {
        err(
            raw.request.session.span(),
            "`request.session`: the features endpoint takes no session; use \"none\"".into(),
        );
    }
    let mut headers = Vec::new();
    for h in raw.expect.headers {
        let name = match reqwest::header::HeaderName::from_bytes(h.name.get_ref().as_bytes()) {
            Ok(n) => Some(n),
            Err(_) => {
                err(
                    h.name.span(),
                    format!(
                        "`expect.headers.name`: {:?} is not a header name",
                        h.name.get_ref()
                    ),
                );
                None
            }
        };
        let matches = match &h.matches {
            Some(m) => match regex::Regex::new(m.get_ref()) {
                Ok(re) => Some(re),
                Err(e) => {
                    err(
                        m.span(),
                        format!("`expect.headers.matches`: not a regular expression: {e}"),
                    );
                    None
                }
            },
            None => None,
        };
        let req = match spec::find(h.req.get_ref()) {
            Some(r) => r.id,
            None => {
                err(
                    h.req.span(),
                    format!(
                        "`expect.headers.req`: unknown requirement id {:?}",
                        h.req.get_ref()
                    ),
                );
                ""
            }
        };
        if let Some(name) = name {
            headers.push(HeaderExpect {
                name,
                present: h.present,
                matches,
                req,
            });
        }
    }
    let mut snapshot = None;
    if let Some(snap) = &raw.snapshot {
        if raw.expect.schema.is_none() {
            err(
                snap.span(),
                "`snapshot` needs `expect.schema`: a JSON body to compare".into(),
            );
        }
        let mut redact = Vec::new();
        for r in &snap.get_ref().redact {
            if r.get_ref().starts_with('/') {
                redact.push(r.get_ref().clone());
            } else {
                err(
                    r.span(),
                    format!(
                        "`snapshot.redact`: {:?} is not a JSON pointer (it starts with `/`; `*` matches any one segment)",
                        r.get_ref()
                    ),
                );
            }
        }
        snapshot = Some(SnapshotSpec { redact });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Case {
        name: name.to_owned(),
        file: file.to_owned(),
        description: raw.description,
        reqs,
        level: raw.level,
        tags: raw.tags,
        endpoint: raw.request.endpoint,
        session: raw.request.session.into_inner(),
        csrf_token: raw.request.csrf_token,
        cookie: raw.request.cookie,
        expect: Expect {
            status,
            schema: raw.expect.schema.map(Spanned::into_inner),
            media_type: raw.expect.media_type,
            www_authenticate: raw.expect.www_authenticate,
            headers,
            rules: Rules {
                unique_status_ids: raw.expect.rules.unique_status_ids,
                unique_system_ids: raw.expect.rules.unique_system_ids,
                status_ids_present: raw.expect.rules.status_ids_present,
                feature: raw.expect.rules.feature.map(|f| (f.id, f.min_version)),
            },
        },
        snapshot,
    })
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

/// `, did you mean "X"?` when a candidate is close to `word`, else empty.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let best = candidates
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, c)) if d <= 3.max(word.len() / 4) => format!(", did you mean {c:?}?"),
        _ => String::new(),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The shipped cases (embedded) followed by the `*.toml` files below each
/// extra folder. Names must be unique; a folder without any case is an error.
pub fn load_all(extra_dirs: &[PathBuf], schemas: &Schemas) -> Result<Vec<Case>, Vec<LoadError>> {
    let mut sources: Vec<(String, String, Result<String, LoadError>)> = crate::embedded::CASES
        .iter()
        .map(|(path, text)| {
            let name = path
                .trim_start_matches("cases/")
                .trim_end_matches(".toml")
                .to_owned();
            ((*path).to_owned(), name, Ok((*text).to_owned()))
        })
        .collect();
    let mut errors = Vec::new();
    for dir in extra_dirs {
        match read_dir_cases(dir) {
            Ok(files) if files.is_empty() => errors.push(LoadError {
                file: dir.display().to_string(),
                line: 1,
                col: 1,
                message: "no case files (*.toml) in this folder".into(),
                source_line: String::new(),
            }),
            Ok(files) => sources.extend(files),
            Err(e) => errors.push(e),
        }
    }
    let mut cases: BTreeMap<String, Case> = BTreeMap::new();
    for (file, name, text) in sources {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        match parse_case(&file, &name, &text, schemas) {
            Ok(case) => {
                if let Some(first) = cases.get(&name) {
                    errors.push(LoadError {
                        file,
                        line: 1,
                        col: 1,
                        message: format!("duplicate case name {name:?} (also {})", first.file),
                        source_line: String::new(),
                    });
                } else {
                    cases.insert(name, case);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(cases.into_values().collect())
    } else {
        Err(errors)
    }
}

type Source = (String, String, Result<String, LoadError>);

fn read_dir_cases(dir: &Path) -> Result<Vec<Source>, LoadError> {
    let io_err = |path: &Path, e: std::io::Error| LoadError {
        file: path.display().to_string(),
        line: 1,
        col: 1,
        message: format!("cannot read: {e}"),
        source_line: String::new(),
    };
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| io_err(&d, e))?;
        for entry in entries {
            let path = entry.map_err(|e| io_err(&d, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files
        .into_iter()
        .map(|path| {
            let file = path.display().to_string();
            let rel = path.strip_prefix(dir).unwrap_or(&path).with_extension("");
            let name = rel.to_string_lossy().replace('\\', "/");
            let text = match std::fs::read(&path) {
                Err(e) => Err(io_err(&path, e)),
                Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
                    let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                    let good = String::from_utf8_lossy(good).into_owned();
                    let mut err =
                        LoadError::at(&file, &good, good.len(), "the file is not valid UTF-8");
                    err.source_line.clear();
                    err
                }),
            };
            (file, name, text)
        })
        .collect())
}
