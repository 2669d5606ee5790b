//! Small text helpers every stage shares: a did-you-mean for names a user
//! mistyped (whole names, or a part of one for a substring filter), an error with its causes in one line, and [`inert`], which makes
//! text a server controls safe to print on one line. Pure; no I/O.

/// `, did you mean "X"?` when a candidate is close to `word`, else empty.
pub fn did_you_mean<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let best = candidates
        .map(|c| {
            (
                edit_distance(&word.to_ascii_lowercase(), &c.to_ascii_lowercase()),
                c,
            )
        })
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, c)) if d <= 3.max(word.len() / 4) => format!(", did you mean {c:?}?"),
        _ => String::new(),
    }
}

/// How many names [`did_you_mean_any`] shows before "and N more".
const SHOWN_NAMES: usize = 3;

/// `, did you mean "A", "B" or "C" (and 4 more)?` naming every candidate
/// closest to `word` (shortest first), or empty when none is close. With
/// `part`, `word` is taken as a part of a name (a substring filter): a
/// candidate is as close as the nearest stretch of it. A swap of two
/// neighbouring letters counts as one edit.
pub fn did_you_mean_any<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
    part: bool,
) -> String {
    let word_lower = word.to_ascii_lowercase();
    let most = if part {
        (word.chars().count() / 4).max(1)
    } else {
        3.max(word.chars().count() / 4)
    };
    let scored: Vec<(usize, &str)> = candidates
        .map(|c| {
            let c_lower = c.to_ascii_lowercase();
            let d = if part {
                part_distance(&word_lower, &c_lower)
            } else {
                edit_distance(&word_lower, &c_lower)
            };
            (d, c)
        })
        .filter(|(d, _)| *d <= most)
        .collect();
    let Some(best) = scored.iter().map(|(d, _)| *d).min() else {
        return String::new();
    };
    let mut names: Vec<&str> = scored
        .into_iter()
        .filter(|(d, _)| *d == best)
        .map(|(_, c)| c)
        .collect();
    names.sort_by_key(|n| (n.len(), *n));
    names.dedup();
    let more = names.len().saturating_sub(SHOWN_NAMES);
    let quoted: Vec<String> = names
        .iter()
        .take(SHOWN_NAMES)
        .map(|n| format!("{n:?}"))
        .collect();
    let list = match quoted.as_slice() {
        [] => return String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    if more > 0 {
        format!(", did you mean {list} (and {more} more)?")
    } else {
        format!(", did you mean {list}?")
    }
}

/// The fewest edits (insert, delete, replace, swap two neighbours) that
/// turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    distance(a, b, false)
}

/// The fewest edits that turn `part` into some stretch of `whole` (what a
/// substring filter needs to match it).
fn part_distance(part: &str, whole: &str) -> usize {
    distance(part, whole, true)
}

/// Optimal string alignment distance from `a` to `b`; with `within`, to
/// the closest stretch of `b` (a stretch may start and end anywhere).
fn distance(a: &str, b: &str, within: bool) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // rows[i][j]: edits from a[..i] to b[..j] (to a stretch ending at j).
    let mut rows: Vec<Vec<usize>> = Vec::with_capacity(a.len() + 1);
    rows.push(if within {
        vec![0; b.len() + 1]
    } else {
        (0..=b.len()).collect()
    });
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j - 1] + cost)
                .min(rows[i - 1][j] + 1)
                .min(row[j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            row[j] = d;
        }
        rows.push(row);
    }
    let last = &rows[a.len()];
    if within {
        last.iter().copied().min().unwrap_or(a.len())
    } else {
        last[b.len()]
    }
}

/// An error and its causes, `a: b: c`, without the repetition reqwest's
/// `Display` hides them behind.
pub fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

/// The runner's legacy log command (`##[error]…`), which GitHub Actions
/// honours in the middle of a line too: [`inert`] writes it `##\[`.
const LEGACY_COMMAND: &str = "##[";

/// `text` with every control character shown escaped (`\n`, `\r`, `\t`,
/// `\u{1b}`, …: C0, DEL and C1), so that text a server controls can neither
/// start a new line (a forged log line, a CI workflow command such as
/// `::error`) nor move the cursor or recolour a terminal (ANSI escapes).
pub fn inert(text: &str) -> String {
    if text.contains(LEGACY_COMMAND) {
        return inert(&text.replace(LEGACY_COMMAND, "##\\["));
    }
    if !text.chars().any(is_hidden) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    // Tag characters are kept only where they spell a flag: after U+1F3F4,
    // up to the cancel tag that ends it.
    let mut flag = false;
    for c in text.chars() {
        if is_tag(c) && flag {
            out.push(c);
            flag = c != '\u{e007f}';
            continue;
        }
        flag = c == '\u{1f3f4}';
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_hidden(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// True for a character a reader cannot see and that no script needs inside
/// ordinary text, or that changes how the text around it is shown: control
/// characters, the line and paragraph separators, bidirectional controls,
/// zero-width space, word joiner and invisible operators, byte order mark,
/// soft hyphen, the combining grapheme joiner, the Mongolian vowel
/// separator, the Hangul compatibility fillers, tag characters (which can
/// smuggle hidden ASCII; [`inert`] keeps them inside a flag) and
/// noncharacters. Two statusIds that differ only in these look identical.
/// Joiners (U+200C, U+200D), variation selectors and the conjoining Hangul
/// fillers are left alone: emoji, Persian, Indic and Hangul text needs them.
pub fn is_hidden(c: char) -> bool {
    let n = u32::from(c);
    c.is_control()
        || is_tag(c)
        || matches!(
            n,
            0x00ad
                | 0x034f
                | 0x061c
                | 0x180e
                | 0x200b
                | 0x200e
                | 0x200f
                | 0x2028
                | 0x2029
                | 0x202a..=0x202e
                | 0x2060..=0x2064
                | 0x2066..=0x2069
                | 0x3164
                | 0xfeff
                | 0xffa0
                | 0xfff9..=0xfffb
        )
        || (0xfdd0..=0xfdef).contains(&n)
        || n & 0xfffe == 0xfffe
}

/// The tag characters (U+E0000 to U+E007F): invisible, and only emoji flags
/// of subdivisions need them.
pub fn is_tag(c: char) -> bool {
    ('\u{e0000}'..='\u{e007f}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inert_escapes_every_control_character() {
        assert_eq!(inert("plain: ok …"), "plain: ok …");
        // The runner's legacy command syntax, honoured mid-line.
        assert_eq!(
            inert("boom ##[error title=x]pwned"),
            "boom ##\\[error title=x]pwned"
        );
        assert_eq!(inert(&inert("a ##[b")), inert("a ##[b"));
        assert_eq!(
            inert("a\n::error title=x::owned\r\u{1b}[31mred\u{9b}\u{7f}"),
            "a\\n::error title=x::owned\\r\\u{1b}[31mred\\u{9b}\\u{7f}"
        );
        assert!(!inert("x\ny").contains('\n'));
        // Separators, fillers and tags outside a flag.
        assert_eq!(
            inert("a\u{2028}b\u{180e}c\u{3164}d\u{34f}e\u{e0041}"),
            "a\\u{2028}b\\u{180e}c\\u{3164}d\\u{34f}e\\u{e0041}"
        );
        // Invisible characters that would make two ids look alike.
        assert_eq!(
            inert("Avai\u{200b}lable\u{61c}\u{feff}\u{ad}\u{2066}"),
            "Avai\\u{200b}lable\\u{61c}\\u{feff}\\u{ad}\\u{2066}"
        );
        // Text that needs joiners, variation selectors, tags and fillers.
        for ok in [
            "Ärger ☕ Σ",
            "👨\u{200d}👩\u{200d}👧",
            "❤\u{fe0f}",
            "می\u{200c}خواهم",
            "🏴\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}",
            "\u{1100}\u{1160}",
        ] {
            assert_eq!(inert(ok), ok);
        }
    }

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(
            did_you_mean("csrf-tokn", ["csrf-token", "cookie"].into_iter()),
            ", did you mean \"csrf-token\"?"
        );
        assert_eq!(did_you_mean("zzzzzz", ["cookie"].into_iter()), "");
    }

    #[test]
    fn a_mistyped_part_of_a_name_names_the_closest_names() {
        let names = [
            "auth/token",
            "auth/token/empty",
            "auth/missing-token",
            "auth/wrong-token",
            "session/fresh",
            "session/other-cookie",
        ];
        // A letter left out, as a part of the names: every name holding
        // "token", shortest first, three of them.
        assert_eq!(
            did_you_mean_any("tokn", names.into_iter(), true),
            ", did you mean \"auth/token\", \"auth/token/empty\" or \"auth/wrong-token\" (and 1 more)?"
        );
        // Two letters swapped count as one edit.
        assert_eq!(
            did_you_mean_any("cookei", names.into_iter(), true),
            ", did you mean \"session/other-cookie\"?"
        );
        // A Rust path separator for the folder's slash.
        assert_eq!(
            did_you_mean_any("session::fresh", names.into_iter(), false),
            ", did you mean \"session/fresh\"?"
        );
        // Nothing close: nothing suggested.
        assert_eq!(did_you_mean_any("zzzz", names.into_iter(), true), "");
        assert_eq!(did_you_mean_any("", [].into_iter(), true), "");
        assert_eq!(part_distance("oken", "auth/token"), 0);
        assert_eq!(edit_distance("ab", "ba"), 1);
    }
}
