//! Stage 5, **report**: the [`record`] of a run and every rendering of it —
//! console [`text`], [`junit`], [`json`], [`html`], [`github`] annotations
//! and step summary, the [`coverage`] matrix. Each reads only the record (or,
//! for the matrix, the cases and the fault list; the HTML page, the record
//! and the matrix's rows) and returns text; the edge scrubs secrets and
//! writes it, so no report can bypass the redactor.

pub mod coverage;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod record;
pub mod text;

use std::time::Duration;

/// Milliseconds with three decimals, as every report gives durations.
fn millis(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}
