//! # icws-conformance
//!
//! A conformance test kit for servers implementing the ICWS endpoint
//! `GET /icws/{sessionId}/status/status-messages`. The pipeline, one stage per module:
//!
//! 1. **load** — [`case`] reads `cases/**/*.toml`, [`schema`] compiles `schemas/*.json`;
//! 2. **prepare** — [`runner::prepare`] reaches the target ([`client`]) and opens the run's session ([`session`]);
//! 3. **run** — [`runner::Context::execute`] sends each case's request and returns the exchange;
//! 4. **check** — [`check`] (with [`headers`] and [`rules`]) turns an exchange into every [`finding::Finding`];
//! 5. **report** — [`report`] renders findings; libtest-mimic prints one line per case;
//!    [`runner::Context::conclude`] applies levels and the [`baseline`] and keeps a
//!    [`record`] of the run, from which [`reports`] writes JUnit, JSON and GitHub output.
//!
//! [`refserver`] is the embedded reference server (the default target, and
//! with a fault the broken server the harness's own tests must catch).

pub mod baseline;
pub mod case;
pub mod check;
pub mod cli;
pub mod client;
pub mod coverage;
pub mod finding;
pub mod headers;
pub mod record;
pub mod refserver;
pub mod report;
pub mod reports;
pub mod rules;
pub mod runner;
pub mod schema;
pub mod secret;
pub mod session;
pub mod snapshot;
pub mod spec;

/// The shipped case and schema files, embedded at build time.
pub mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
