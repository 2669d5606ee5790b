//! The literal matcher the redactor searches with: a set of patterns that
//! grows during the run (each login brings tokens and cookies) and finds
//! them leftmost-longest. Patterns shorter than [`LONG_FORM`] bytes go into
//! one Aho-Corasick automaton, rebuilt when one is added (rare: passwords
//! and short values, at the start of the run); longer ones into an index on
//! their first [`LONG_FORM`] bytes, which takes a new pattern without any
//! rebuild, so ninety 4 KB cookies at each login cost their own size and no
//! more. Searches are bounded: one whose verification work passes
//! [`VERIFY_FACTOR`] times the text's length reports failure (the caller
//! withholds the text).

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

/// Patterns at least this long (in bytes) go into the index.
pub const LONG_FORM: usize = 16;
/// The most bytes compared while verifying index candidates, per byte of text.
pub const VERIFY_FACTOR: usize = 64;

/// A growing set of patterns.
#[derive(Default)]
pub struct Finder {
    short: Vec<String>,
    automaton: Option<AhoCorasick>,
    stale: bool,
    broken: bool,
    long: Vec<String>,
    index: HashMap<[u8; LONG_FORM], Vec<usize>>,
    known: HashSet<String>,
}

/// Why a search found nothing it can vouch for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsearchable;

impl Finder {
    /// Adds a pattern (empty and known ones are ignored). True when it was new.
    pub fn add(&mut self, pattern: &str) -> bool {
        if pattern.is_empty() || self.known.contains(pattern) {
            return false;
        }
        self.known.insert(pattern.to_owned());
        if pattern.len() >= LONG_FORM {
            let mut key = [0u8; LONG_FORM];
            key.copy_from_slice(&pattern.as_bytes()[..LONG_FORM]);
            self.index.entry(key).or_default().push(self.long.len());
            self.long.push(pattern.to_owned());
        } else {
            self.short.push(pattern.to_owned());
            self.stale = true;
        }
        true
    }

    /// Every pattern, for the cut of shortened values.
    pub fn patterns(&self) -> impl Iterator<Item = &String> + Clone {
        self.short.iter().chain(self.long.iter())
    }

    /// True when a rebuild is due before the next search.
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// Builds the automaton over the short patterns, if they changed.
    pub fn build(&mut self) {
        if !self.stale {
            return;
        }
        self.stale = false;
        if self.short.is_empty() {
            self.automaton = None;
            return;
        }
        // A contiguous NFA builds several times faster than the DFA the
        // crate would choose for a few patterns; should that fail, the
        // crate's own choice; failing both, nothing is shown (`broken`).
        let build = |kind| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .kind(kind)
                .build(&self.short)
        };
        match build(Some(AhoCorasickKind::ContiguousNFA)).or_else(|_| build(None)) {
            Ok(m) => {
                self.automaton = Some(m);
                self.broken = false;
            }
            Err(_) => self.broken = true,
        }
    }

    /// The spans of `text` the patterns cover, merged where they touch or
    /// overlap, in order. Call [`Finder::build`] first.
    pub fn spans(&self, text: &str) -> Result<Vec<(usize, usize)>, Unsearchable> {
        if self.broken || self.stale {
            return Err(Unsearchable);
        }
        let mut spans = self.long_spans(text.as_bytes())?;
        if let Some(ac) = &self.automaton {
            spans.extend(ac.find_iter(text).map(|m| (m.start(), m.end())));
        }
        spans.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(spans.len());
        for (s, e) in spans {
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        Ok(merged)
    }

    /// True when some pattern occurs in `text`.
    pub fn found_in(&self, text: &str) -> Result<bool, Unsearchable> {
        if self.broken || self.stale {
            return Err(Unsearchable);
        }
        if let Some(ac) = &self.automaton {
            if ac.is_match(text) {
                return Ok(true);
            }
        }
        Ok(!self.long_spans(text.as_bytes())?.is_empty())
    }

    fn long_spans(&self, text: &[u8]) -> Result<Vec<(usize, usize)>, Unsearchable> {
        let mut out = Vec::new();
        if self.index.is_empty() || text.len() < LONG_FORM {
            return Ok(out);
        }
        let mut budget = VERIFY_FACTOR.saturating_mul(text.len()).max(1 << 20);
        let mut i = 0;
        while i + LONG_FORM <= text.len() {
            let mut key = [0u8; LONG_FORM];
            key.copy_from_slice(&text[i..i + LONG_FORM]);
            let mut best = 0;
            if let Some(candidates) = self.index.get(&key) {
                for &c in candidates {
                    let p = self.long[c].as_bytes();
                    // What the comparison costs: the bytes it reads.
                    let same = p.iter().zip(&text[i..]).take_while(|(a, b)| a == b).count();
                    budget = budget.checked_sub(same + 1).ok_or(Unsearchable)?;
                    if same == p.len() && p.len() > best {
                        best = p.len();
                    }
                }
            }
            if best > 0 {
                out.push((i, i + best));
                i += best;
            } else {
                i += 1;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_patterns_merge_into_spans() {
        let mut f = Finder::default();
        f.add("abcd");
        f.add("0123456789abcdefXYZ");
        f.build();
        let text = "x abcd y 0123456789abcdefXYZ z";
        let spans = f.spans(text).unwrap_or_default();
        assert_eq!(spans, vec![(2, 6), (9, 28)]);
        // A short pattern overlapping a long one's start: one span.
        let mut f = Finder::default();
        f.add("zz01");
        f.add("0123456789abcdefXYZ");
        f.build();
        assert_eq!(
            f.spans("azz0123456789abcdefXYZ").unwrap_or_default(),
            vec![(1, 22)]
        );
        assert!(!f.found_in("nothing here at all").unwrap_or(true));
    }

    #[test]
    fn adding_a_long_pattern_needs_no_rebuild() {
        let mut f = Finder::default();
        f.add("short");
        f.build();
        assert!(f.add(&"c".repeat(4096)));
        assert!(!f.stale());
        assert!(
            f.found_in(&format!("a{}b", "c".repeat(4096)))
                .unwrap_or(false)
        );
    }

    #[test]
    fn a_search_past_its_bound_fails_closed() {
        let mut f = Finder::default();
        for n in 0..200 {
            f.add(&format!("{}{n:04}", "c".repeat(4000)));
        }
        f.build();
        let text = "c".repeat(40_000);
        assert_eq!(f.spans(&text), Err(Unsearchable));
    }
}
