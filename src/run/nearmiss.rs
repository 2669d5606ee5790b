//! Near misses of a credential: the session's real id, token or cookie
//! value changed as a case's [`Change`] says, at run time (the values are
//! secrets; only the change is ever named). Every change keeps the value's
//! alphabet, so that only an exact comparison tells the values apart: a
//! value of hex digits (and `-`) stays hex in its letter case, digits stay
//! digits, letters stay letters of their case, and anything else (`+`, `/`,
//! `=`, `|`, …) stays where it is.

use crate::load::case::Change;

/// The value `change` makes of `real`; `None` when it makes the same value
/// (flipping the case of a value without letters, or of a GUID-like hex
/// value, whose letter case carries no meaning), so that the request would
/// be the session's own.
pub fn changed(real: &str, change: Change) -> Option<String> {
    let hex = is_hex(real);
    if change == Change::FlipCase && hex {
        return None;
    }
    let out = match change {
        Change::Empty => String::new(),
        Change::Garbage => real.chars().map(|c| other(c, hex)).collect(),
        Change::LastChar => {
            let mut chars: Vec<char> = real.chars().collect();
            match chars.last_mut() {
                Some(last) => *last = other_or_a(*last, hex),
                None => chars.push('A'),
            }
            chars.into_iter().collect()
        }
        Change::DropLast => {
            let mut chars: Vec<char> = real.chars().collect();
            chars.pop();
            chars.into_iter().collect()
        }
        Change::Append => {
            let extra = real.chars().last().map_or('A', |c| other_or_a(c, hex));
            format!("{real}{extra}")
        }
        Change::FlipCase => real
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect(),
        Change::FirstHalf => {
            let keep = real.chars().count().div_ceil(2);
            real.chars()
                .enumerate()
                .map(|(i, c)| if i < keep { c } else { other(c, hex) })
                .collect()
        }
        Change::Prepend => {
            let digits = !real.is_empty() && real.chars().all(|c| c.is_ascii_digit());
            let extra = match real.chars().next() {
                _ if digits || hex => '0',
                Some(first) => other_or_a(first, hex),
                None => 'A',
            };
            format!("{extra}{real}")
        }
        Change::LastHalf => {
            let n = real.chars().count();
            let changed_before = n - n.div_ceil(2);
            real.chars()
                .enumerate()
                .map(|(i, c)| if i < changed_before { other(c, hex) } else { c })
                .collect()
        }
    };
    // Shortening a one-character value is the `empty` change's request.
    let pruned = change == Change::DropLast && out.is_empty();
    (out != real && !pruned).then_some(out)
}

/// For a cookie value: the credential (up to the first `|`) and the rest
/// (`|languageId=en-us` on real servers, a preference the change leaves
/// alone).
pub fn credential_part(value: &str) -> (&str, &str) {
    match value.find('|') {
        Some(at) => value.split_at(at),
        None => (value, ""),
    }
}

/// True for a GUID-like value: hex digits and `-` only, with at least one
/// hex letter (digits alone stay digits). Its letter case carries no
/// meaning (a server may compare it as a GUID), so flipping it is no change.
pub fn is_hex(value: &str) -> bool {
    value.chars().any(|c| c.is_ascii_alphabetic())
        && value.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Another character of `c`'s alphabet (`c` itself when it has none).
fn other(c: char, hex: bool) -> char {
    let shift = |c: char, base: u8, n: u8, by: u8| char::from(base + ((c as u8 - base + by) % n));
    match c {
        _ if hex && c.is_ascii_hexdigit() => {
            let v = c.to_digit(16).unwrap_or(0);
            let d = char::from_digit((v + 8) % 16, 16).unwrap_or('0');
            if c.is_ascii_uppercase() {
                d.to_ascii_uppercase()
            } else {
                d
            }
        }
        '0'..='9' => shift(c, b'0', 10, 5),
        'a'..='z' => shift(c, b'a', 26, 13),
        'A'..='Z' => shift(c, b'A', 26, 13),
        _ => c,
    }
}

/// Another character of `c`'s alphabet, or `A` for one that has none.
fn other_or_a(c: char, hex: bool) -> char {
    match other(c, hex) {
        same if same == c => {
            if c == 'A' {
                'B'
            } else {
                'A'
            }
        }
        d => d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Change; 9] = [
        Change::Empty,
        Change::Garbage,
        Change::LastChar,
        Change::DropLast,
        Change::Append,
        Change::FlipCase,
        Change::FirstHalf,
        Change::Prepend,
        Change::LastHalf,
    ];

    #[test]
    fn every_change_of_a_token_is_another_value_in_its_alphabet() {
        let token = "YWdlbnQxCmljd3MtY29uZm9ybWFuY2UKICAgICAg+/=";
        for c in ALL {
            let v = changed(token, c).unwrap_or_else(|| panic!("{c:?} made no change"));
            assert_ne!(v, token);
            assert!(
                v.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "+/=".contains(ch)),
                "{c:?}: {v}"
            );
        }
        let garbage = changed(token, Change::Garbage).unwrap_or_default();
        assert_eq!(garbage.len(), token.len());
        for (a, b) in token.chars().zip(garbage.chars()) {
            assert!(a != b || !a.is_ascii_alphanumeric(), "{a} kept");
        }
        let half = changed(token, Change::FirstHalf).unwrap_or_default();
        assert_eq!(
            &half[..token.len().div_ceil(2)],
            &token[..token.len().div_ceil(2)]
        );
        assert_ne!(
            &half[token.len().div_ceil(2)..],
            &token[token.len().div_ceil(2)..]
        );
        let tail = changed(token, Change::LastHalf).unwrap_or_default();
        let kept = token.len() - token.len().div_ceil(2);
        assert_eq!(&tail[kept..], &token[kept..]);
        assert_ne!(&tail[..kept], &token[..kept]);
        assert_eq!(changed("abc", Change::DropLast).as_deref(), Some("ab"));
        assert_eq!(changed("xyz", Change::Prepend).as_deref(), Some("kxyz"));
        assert_eq!(changed("abc", Change::Prepend).as_deref(), Some("0abc"));
        // A leading zero: the same number to a server that parses the id.
        assert_eq!(changed("301", Change::Prepend).as_deref(), Some("0301"));
        assert!(
            changed("abc", Change::Append).is_some_and(|v| v.starts_with("abc") && v.len() == 4)
        );
    }

    #[test]
    fn ids_stay_digits_and_guids_stay_hex() {
        for c in ALL {
            if let Some(v) = changed("30000123", c) {
                assert!(v.chars().all(|ch| ch.is_ascii_digit()), "{c:?}: {v}");
            }
        }
        assert_eq!(changed("30000123", Change::FlipCase), None);
        let guid = "0f3e9a7c-1b2d-4c5e-8f90-a1b2c3d4e5f6";
        for c in ALL {
            if let Some(v) = changed(guid, c) {
                assert!(
                    v.chars().all(|ch| ch.is_ascii_hexdigit() || ch == '-'),
                    "{c:?}: {v}"
                );
            }
        }
        assert!(is_hex(guid) && !is_hex("30000123x") && !is_hex("-"));
    }

    #[test]
    fn a_cookie_is_changed_before_its_preferences() {
        assert_eq!(
            credential_part("abc|languageId=en-us"),
            ("abc", "|languageId=en-us")
        );
        assert_eq!(credential_part("abc"), ("abc", ""));
    }
}
