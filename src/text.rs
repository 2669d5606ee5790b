//! Small text helpers every stage shares: a did-you-mean for names a user
//! mistyped, and an error with its causes in one line. Pure; no I/O.

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

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_names() {
        assert_eq!(
            did_you_mean("csrf-tokn", ["csrf-token", "cookie"].into_iter()),
            ", did you mean \"csrf-token\"?"
        );
        assert_eq!(did_you_mean("zzzzzz", ["cookie"].into_iter()), "");
    }
}
