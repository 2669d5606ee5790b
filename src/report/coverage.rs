//! The coverage matrix, computed from findings: for each requirement, the
//! cases and the reference server's fault modes whose runs produced a
//! finding naming it. Nothing here reads a case's `reqs` or a fault's claim
//! to fill a row: a claim is only checked against the findings
//! ([`unproven_claims`]). Requirements no fault mode can prove through this
//! endpoint (`spec::HARNESS_PROVEN`) are shown as such, with the harness's
//! unit tests that prove them. The runs are made by the edge (which knows
//! the reference server); this module is pure.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::spec::{self, REQUIREMENTS, Requirement};

/// One finding of a run under a fault, as the matrix needs it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Named {
    /// The case it was found in.
    pub case: String,
    /// The requirement it names.
    pub req: &'static str,
    /// Where (`status`, `body /statusMessageList/3/groupTag`, …).
    pub place: String,
}

/// The shipped suite's run against the reference server under one fault.
#[derive(Debug, Clone)]
pub struct FaultRun {
    /// The fault's name (`icws-refserver --fault NAME`).
    pub fault: String,
    /// What the fault claims to break: requirement ids, each with the
    /// beginning of the place a finding naming it must point at.
    pub claims: Vec<(&'static str, String)>,
    /// Every finding of the run (any level) that the clean server's run does
    /// not also produce.
    pub named: Vec<Named>,
}

/// One requirement's row.
#[derive(Debug, Clone)]
pub struct Row {
    /// The requirement.
    pub req: &'static Requirement,
    /// Cases with a finding naming it in some fault's run.
    pub cases: Vec<String>,
    /// Faults whose run has a finding naming it.
    pub faults: Vec<String>,
    /// For a requirement no fault mode can prove: the unit tests that prove it.
    pub harness: Option<&'static [&'static str]>,
}

impl Row {
    /// True when nothing proves the row: no finding of any fault's run names
    /// it and no harness test stands for it.
    pub fn is_gap(&self) -> bool {
        self.harness.is_none() && (self.cases.is_empty() || self.faults.is_empty())
    }
}

/// The matrix over every known requirement, in specification order.
pub fn matrix(runs: &[FaultRun]) -> Vec<Row> {
    REQUIREMENTS
        .iter()
        .map(|req| {
            let mut cases = BTreeSet::new();
            let mut faults = Vec::new();
            for run in runs {
                let mut named_here = false;
                for n in run.named.iter().filter(|n| n.req == req.id) {
                    cases.insert(n.case.clone());
                    named_here = true;
                }
                if named_here {
                    faults.push(run.fault.clone());
                }
            }
            Row {
                req,
                cases: cases.into_iter().collect(),
                faults,
                harness: spec::harness_proven(req.id),
            }
        })
        .collect()
}

/// True when `named` bears out the claim (`req` at a place beginning with
/// `place`, letter case ignored).
pub fn bears_out(named: &Named, req: &str, place: &str) -> bool {
    named.req == req
        && named
            .place
            .to_lowercase()
            .starts_with(&place.to_lowercase())
}

/// Every (fault, requirement, place) a fault claims to break that no finding
/// of its run names at that place: a claim the run does not bear out.
pub fn unproven_claims(runs: &[FaultRun]) -> Vec<(String, &'static str, String)> {
    runs.iter()
        .flat_map(|run| {
            run.claims
                .iter()
                .filter(|(req, place)| !run.named.iter().any(|n| bears_out(n, req, place)))
                .map(|(req, place)| (run.fault.clone(), *req, place.clone()))
        })
        .collect()
}

/// What a harness-proven row says instead of cases (every rendering).
pub const NO_FAULT_PROVES: &str = "no fault mode can prove it: it binds the harness's own \
     comparisons (a finding names it only when a statusId a case expects is missing)";

/// The matrix as a Markdown table.
pub fn render(rows: &[Row]) -> String {
    let mut out = String::from(
        "| requirement | cases whose findings name it | faults whose findings name it |\n\
         |---|---|---|\n",
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
        let (cases, faults) = match row.harness {
            Some(tests) => (
                NO_FAULT_PROVES.to_owned(),
                format!(
                    "proven by the harness's unit tests {}",
                    tests
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ),
            None => (list(&row.cases), list(&row.faults)),
        };
        let _ = writeln!(
            out,
            "| `{}` {} | {cases} | {faults} |",
            row.req.id, row.req.title
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(fault: &str, claims: &[&'static str], named: &[(&str, &'static str)]) -> FaultRun {
        FaultRun {
            fault: fault.into(),
            claims: claims.iter().map(|c| (*c, "status".to_owned())).collect(),
            named: named
                .iter()
                .map(|(case, req)| Named {
                    case: (*case).into(),
                    req,
                    place: "status".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn rows_come_from_findings_not_claims() {
        let runs = [
            run("a", &["REQ-REQ-1", "REQ-200-1"], &[("x/one", "REQ-200-1")]),
            run("b", &[], &[("x/two", "REQ-200-1"), ("x/two", "REQ-SYS-1")]),
        ];
        let rows = matrix(&runs);
        let row = |id: &str| rows.iter().find(|r| r.req.id == id).cloned();
        let r200 = row("REQ-200-1").unwrap_or_else(|| panic!("row"));
        assert_eq!(r200.cases, ["x/one", "x/two"]);
        assert_eq!(r200.faults, ["a", "b"]);
        // Claimed by `a` but named by no finding: an empty row, and an
        // unproven claim.
        assert!(row("REQ-REQ-1").is_some_and(|r| r.is_gap()));
        assert_eq!(
            unproven_claims(&runs),
            [("a".to_owned(), "REQ-REQ-1", "status".to_owned())]
        );
        // The right id at another place does not bear a claim out.
        let elsewhere = [FaultRun {
            claims: vec![("REQ-200-1", "body /statusMessageList".to_owned())],
            ..run("c", &[], &[("x/one", "REQ-200-1")])
        }];
        assert_eq!(unproven_claims(&elsewhere).len(), 1);
        // Named without a claim still counts: the finding is the proof.
        assert!(row("REQ-SYS-1").is_some_and(|r| !r.is_gap()));
    }

    #[test]
    fn harness_proven_rows_are_not_gaps_and_say_so() {
        let rows = matrix(&[]);
        let id2 = rows.iter().find(|r| r.req.id == "REQ-ID-2");
        assert!(id2.is_some_and(|r| !r.is_gap() && r.harness.is_some()));
        let text = render(&rows);
        assert!(text.contains("no fault mode can prove it"), "{text}");
        assert!(text.contains("`REQ-200-1`"));
    }
}
