//! Stage **report**: every rendering of the [`crate::record`] of a run —
//! console [`text`], [`junit`], [`json`], [`html`], [`har`], [`github`]
//! annotations and step summary — and the [`coverage`] matrix of the fault sweep. Each
//! is a pure function of what it is handed and returns text; the edge's
//! `Output` hides secrets and writes it, so no report can bypass the
//! redactor.

pub mod coverage;
pub mod github;
pub mod har;
pub mod html;
pub mod json;
pub mod junit;
pub mod text;

use std::time::Duration;

/// Milliseconds with three decimals, as every report gives durations.
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
