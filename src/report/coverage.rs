//! The coverage matrix: for each requirement, the cases that check it and
//! the reference server's fault modes that break it (each proven, by the
//! self-proof tests, to make one of those cases fail). `--coverage` prints it.
//! The fault list is handed in by the edge: this module does not know the
//! reference server.

use std::fmt::Write as _;

use crate::load::case::Case;
use crate::spec::{REQUIREMENTS, Requirement};

/// A fault mode by name, with the requirement ids it breaks.
pub type FaultClaim = (String, Vec<&'static str>);

/// One requirement's row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The requirement.
    pub req: &'static Requirement,
    /// Cases listing it in `reqs`.
    pub cases: Vec<String>,
    /// Faults that break it.
    pub faults: Vec<String>,
}

impl Row {
    /// True when no case checks it or no fault proves the check.
    pub fn is_gap(&self) -> bool {
        self.cases.is_empty() || self.faults.is_empty()
    }
}

/// The matrix over every known requirement, in specification order.
pub fn matrix(cases: &[Case], faults: &[FaultClaim]) -> Vec<Row> {
    REQUIREMENTS
        .iter()
        .map(|req| Row {
            req,
            cases: cases
                .iter()
                .filter(|c| c.reqs.contains(&req.id))
                .map(|c| c.name.clone())
                .collect(),
            faults: faults
                .iter()
                .filter(|(_, breaks)| breaks.contains(&req.id))
                .map(|(name, _)| name.clone())
                .collect(),
        })
        .collect()
}

/// The matrix as a Markdown table.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| requirement | cases that check it | faults that prove it |\n|---|---|---|\n",
    );
    let list = |items: &[String]| {
        if items.is_empty() {
            "**none**".to_owned()
        } else {
            items
                .iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    for row in rows {
        let _ = writeln!(
            out,
            "| `{}` {} | {} | {} |",
            row.req.id,
            row.req.title,
            list(&row.cases),
            list(&row.faults)
        );
    }
    out
}
