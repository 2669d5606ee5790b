//! The harness's own integration tests, one binary (one link instead of
//! fifteen): each module is what used to be its own test target, named as
//! before (`cargo test --test integration secrets::` runs one). The suite
//! itself (`tests/suite.rs`), the fault-mode proofs (`tests/faults.rs`) and
//! the conformant profiles (`tests/profiles.rs`) stay apart: they are
//! libtest-mimic harnesses of their own.

#[path = "../common/mod.rs"]
mod common;

mod case_schema;
mod cli;
mod docs;
mod exchanges;
mod fuzz;
mod gate;
mod hostile;
mod html;
mod layout;
mod links;
mod loader;
mod mock_browser;
mod mock_catalogue;
mod reports;
mod schemas;
mod secrets;
mod snapshots;
mod tls;
mod transport;
