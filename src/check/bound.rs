//! Bounded findings: a hostile body with a million broken elements must not
//! yield a million findings (memory, and hundreds of megabytes of output).
//! [`Bounded`] keeps the first [`PER_REQUIREMENT`] findings of each
//! requirement and at most [`PER_CASE`] in all, counts the rest, and ends
//! with one "and N more like this" finding per requirement that was cut.
//! Pure.

use std::collections::BTreeMap;

use crate::finding::{Finding, Level, Place};

/// Findings shown per requirement in one case.
pub const PER_REQUIREMENT: usize = 20;
/// Findings shown in one case in all.
pub const PER_CASE: usize = 100;

/// A collector of findings with the limits above.
#[derive(Debug, Default)]
pub struct Bounded {
    shown: Vec<Finding>,
    per_req: BTreeMap<&'static str, usize>,
    /// Requirement → (findings not shown, the first of them's place and level).
    omitted: BTreeMap<&'static str, (usize, Place, Level)>,
    /// Summaries of what was counted but not examined one by one.
    unitemized: Vec<Finding>,
}

impl Bounded {
    /// Keeps `f`, or counts it when a limit is reached.
    pub fn push(&mut self, f: Finding) {
        let n = self.per_req.entry(f.req).or_insert(0);
        if *n < PER_REQUIREMENT && self.shown.len() < PER_CASE {
            *n += 1;
            self.shown.push(f);
        } else {
            let e = self
                .omitted
                .entry(f.req)
                .or_insert_with(|| (0, f.place.clone(), f.level));
            e.0 += 1;
        }
    }

    /// True when the case shows as many findings as it may: what comes
    /// next is only counted, so a caller may count it more cheaply.
    pub fn full(&self) -> bool {
        self.shown.len() >= PER_CASE
    }

    /// Records `n` further broken items at `place` that were counted but not
    /// examined one by one (after the collector was [`full`](Self::full)).
    pub fn unitemized(&mut self, req: &'static str, place: Place, n: usize, what: &str) {
        if n == 0 {
            return;
        }
        self.unitemized.push(Finding::must(
            req,
            place,
            format!("and {n} more {what}, counted but not examined one by one"),
            format!("at most {PER_CASE} findings are shown in a case"),
            format!("{n} more"),
        ));
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.shown.is_empty() && self.omitted.is_empty() && self.unitemized.is_empty()
    }

    /// The findings shown, then one per requirement that was cut, carrying
    /// the count.
    pub fn finish(self) -> Vec<Finding> {
        let mut out = self.shown;
        for (req, (n, place, level)) in self.omitted {
            out.push(Finding {
                req,
                level,
                place,
                message: format!("and {n} more finding(s) like this, not shown"),
                expected: format!(
                    "at most {PER_REQUIREMENT} findings of one requirement are shown ({PER_CASE} in a case)"
                ),
                actual: format!("{n} more, the first at the place above"),
            });
        }
        out.extend(self.unitemized);
        out
    }
}

impl Extend<Finding> for Bounded {
    fn extend<T: IntoIterator<Item = Finding>>(&mut self, iter: T) {
        for f in iter {
            self.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_and_counts_the_rest() {
        let mut b = Bounded::default();
        for i in 0..1000 {
            b.push(Finding::must(
                "REQ-SYS-1",
                Place::Body(format!("/x/{i}")),
                "m",
                "e",
                "a",
            ));
        }
        b.push(Finding::must("REQ-ID-1", Place::Status, "m", "e", "a"));
        let out = b.finish();
        assert_eq!(out.len(), PER_REQUIREMENT + 2);
        let last = &out[out.len() - 1];
        assert_eq!(last.req, "REQ-SYS-1");
        assert!(last.message.contains("980 more"), "{}", last.message);
        assert_eq!(last.place, Place::Body(format!("/x/{PER_REQUIREMENT}")));
    }

    #[test]
    fn a_case_shows_at_most_per_case() {
        let mut b = Bounded::default();
        let reqs = [
            "REQ-MSG-statusId",
            "REQ-MSG-messageText",
            "REQ-MSG-iconUri",
            "REQ-MSG-groupTag",
            "REQ-MSG-canHaveDate",
            "REQ-MSG-canHaveTime",
            "REQ-MSG-isAcdStatus",
        ];
        for i in 0..50 {
            for r in reqs {
                b.push(Finding::must(
                    r,
                    Place::Body(format!("/{i}")),
                    "m",
                    "e",
                    "a",
                ));
            }
        }
        let out = b.finish();
        assert_eq!(out.len(), PER_CASE + reqs.len());
    }
}
