//! # icws-conformance
//!
//! A conformance test kit for servers implementing the ICWS endpoint
//! `GET /icws/{sessionId}/status/status-messages`. The tree is the pipeline,
//! one folder per stage; data flows one way through it, and
//! `tests/integration/layout.rs` holds every import to that order:
//!
//! 1. **load** — [`load`]: case files ([`load::case`]) and JSON Schemas
//!    ([`load::schema`]), validated before anything is sent;
//! 2. **run** — [`run`]: the target, decided once ([`run::target`]), requests
//!    and exchanges ([`run::client`]), ICWS sessions ([`run::session`]), and
//!    one case's request(s) ([`run::execute`]); running never judges;
//! 3. **check** — [`check`]: an exchange × a case's expectations, with a
//!    [`check::CheckContext`] → every [`finding::Finding`] (schemas,
//!    headers, catalogue rules, undocumented members, the catalogue
//!    [`check::snapshot`] comparison); the only place findings are made;
//! 4. the **[`record`]** of a case and of a run: data, below both the gate
//!    that builds it and the reports that read it;
//! 5. **gate** — [`gate`]: findings → a verdict (levels, `--strict`, the
//!    [`gate::baseline`]); pure;
//! 6. [`pipeline`]: one case through run → check → gate to its record;
//! 7. **report** — [`report`]: every rendering of the record ([`report::text`]
//!    for the console, [`report::junit`], [`report::json`], the
//!    [`report::html`] page, [`report::github`], the [`report::coverage`]
//!    matrix); each reads only the record;
//! 8. **cli** — [`cli`]: the edge. Flags → settings ([`cli::args`]), the
//!    embedded server, the trials, and [`cli::output::Output`], the one way
//!    text leaves the process (it owns the redactor).
//!
//! Shared vocabulary, below every stage: [`spec`] (requirement ids and the
//! rule texts several stages share), [`finding`], [`secret`] (secrets and
//! the redactor), [`text`].
//! [`docs`] renders the book's reference pages from the code (above the
//! edge: it reads the flags and runs the fault sweep).
//!
//! The reference server is its own crate, `icws-refserver` (in
//! `crates/refserver/`), which depends on no module here: the oracle shares
//! no code with what it judges.

pub mod check;
pub mod cli;
pub mod docs;
pub mod finding;
pub mod gate;
pub mod load;
pub mod pipeline;
pub mod record;
pub mod report;
pub mod run;
pub mod secret;
pub mod spec;
pub mod text;

/// The shipped case and schema files, embedded at build time.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
