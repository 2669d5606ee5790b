//! # icws-conformance
//!
//! A conformance test kit for servers implementing the ICWS endpoint
//! `GET /icws/{sessionId}/status/status-messages`. The tree is the pipeline,
//! one folder per stage; data flows one way through it:
//!
//! 1. **load** — [`load`]: case files ([`load::case`]) and JSON Schemas
//!    ([`load::schema`]), validated before anything is sent;
//! 2. **run** — [`run`]: the target, decided once ([`run::target`]), requests
//!    and exchanges ([`run::client`]), ICWS sessions ([`run::session`]), and
//!    one case's request(s) ([`run::execute`]); running never judges;
//! 3. **check** — [`check`]: an exchange × a case's expectations → every
//!    [`finding::Finding`] (schemas, headers, catalogue rules); pure;
//! 4. **gate** — [`gate`]: findings → a verdict (levels, `--strict`, the
//!    [`gate::baseline`]) and catalogue snapshots ([`gate::snapshot`],
//!    a pure decision); pure;
//! 5. **report** — [`report`]: the [`report::record`] of a run and every
//!    rendering of it ([`report::text`] for the console, [`report::junit`],
//!    [`report::json`], the [`report::html`] page, [`report::github`], the
//!    [`report::coverage`] matrix); each reads only the record.
//!
//! [`pipeline`] moves one case through run → check → gate. [`cli`] is the
//! edge: flags and environment, the embedded server, reading and writing
//! files, printing, exit codes. Shared vocabulary: [`spec`] (requirement
//! ids), [`finding`], [`secret`] (secrets and the redactor), [`text`].
//!
//! The reference server is its own crate, `icws-refserver` (in
//! `crates/refserver/`), which depends on no module here: the oracle shares no
//! code with what it judges.

pub mod check;
pub mod cli;
pub mod finding;
pub mod gate;
pub mod load;
pub mod pipeline;
pub mod report;
pub mod run;
pub mod secret;
pub mod spec;
pub mod text;

/// The shipped case and schema files, embedded at build time.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
