//! Canonical decoding: what a text a server sent *means*, whatever layers
//! of encoding its stack put on it. [`decodings`] peels the encodings real
//! server stacks produce — JSON and JavaScript escapes, CSS escapes,
//! percent-encoding (UTF-8 or Latin-1, any case, `+` for space, `%uXXXX`),
//! HTML/XML character references (numeric and named), backslash escapes,
//! RFC 6901 pointer escapes, base64 and base64url at every alignment, hex,
//! quoted-printable and UTF-16 (NULs between the characters) — breadth
//! first, up to [`MAX_DEPTH`] layers and [`MAX_FORMS`] forms, each at most
//! [`MAX_BYTES`] long. The redactor compares each form with the secrets.
//! Pure; no I/O.

use std::collections::HashSet;

/// The most layers of encoding peeled (base64 of a percent-encoded
/// JSON-escaped text is three).
pub const MAX_DEPTH: usize = 3;
/// The most forms one text yields (the text itself included).
pub const MAX_FORMS: usize = 96;
/// Texts longer than this (in bytes) are decoded in pieces of this size
/// that overlap by [`OVERLAP`], so that the work stays linear.
pub const MAX_BYTES: usize = 64 * 1024;
/// How much two pieces of a long text overlap: longer than any secret's
/// encoded form the redactor looks for in a long text.
pub const OVERLAP: usize = 16 * 1024;
/// The shortest run of base64 or hex characters worth decoding.
const MIN_RUN: usize = 6;

type Decoder = fn(&str) -> Vec<String>;

/// The decoders of escapes, each returning the forms it makes of a text
/// (none when the text holds nothing it decodes): applied to every form.
const ESCAPES: &[Decoder] = &[
    fullwidth,
    backslash_js,
    backslash_css,
    percent,
    char_refs,
    pointer,
    quoted_printable,
    without_nuls,
];

/// The decoders of runs (base64, hex, with or without separators): applied
/// to forms that are text, not to the bytes a word gives when read as base64.
const RUNS: &[Decoder] = &[base64_runs, hex_runs, base64_spaced, hex_separated];

/// The forms `text` decodes to, not counting `text` itself: breadth first,
/// each distinct, bounded as the module says.
pub fn decodings(text: &str) -> Vec<String> {
    if text.len() > MAX_BYTES {
        let mut out = Vec::new();
        let mut start = 0;
        while start < text.len() {
            let end = floor_char(text, (start + MAX_BYTES).min(text.len()));
            out.extend(decodings(&text[start..end]));
            if end == text.len() {
                break;
            }
            start = floor_char(text, end - OVERLAP);
        }
        return out;
    }
    let mut seen: HashSet<String> = HashSet::from([text.to_owned()]);
    let mut out: Vec<String> = Vec::new();
    let mut layer = vec![text.to_owned()];
    for _ in 0..MAX_DEPTH {
        let mut next = Vec::new();
        for form in &layer {
            let runs = if mostly_text(form) { RUNS } else { &[] };
            for decode in ESCAPES.iter().chain(runs) {
                for d in decode(form) {
                    if seen.len() >= MAX_FORMS {
                        return out;
                    }
                    if d.len() <= MAX_BYTES && seen.insert(d.clone()) {
                        next.push(d.clone());
                        out.push(d);
                    }
                }
            }
        }
        if next.is_empty() {
            break;
        }
        layer = next;
    }
    out
}

/// True when at least nine in ten characters are neither control
/// characters (white space and NUL, which UTF-16 puts between ASCII
/// characters, aside) nor replacement characters: text, not the bytes a
/// word gives when read as base64 or hex.
fn mostly_text(s: &str) -> bool {
    let (mut all, mut odd) = (0usize, 0usize);
    for c in s.chars() {
        all += 1;
        if (c.is_control() && !c.is_whitespace() && c != '\0') || c == '\u{fffd}' {
            odd += 1;
        }
    }
    odd * 10 <= all
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Bytes as text: UTF-8 where it is, each other byte as its Latin-1 character.
fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn hex_value(b: u8) -> Option<u32> {
    char::from(b).to_digit(16)
}

/// Up to `max` hex digits at the start of `s`, and their value.
fn hex_prefix(s: &[u8], max: usize) -> (usize, u32) {
    let mut n = 0;
    let mut v: u32 = 0;
    while n < max && n < s.len() {
        match hex_value(s[n]) {
            Some(d) => {
                v = v.saturating_mul(16).saturating_add(d);
                n += 1;
            }
            None => break,
        }
    }
    (n, v)
}

/// JSON, JavaScript, Python and Rust backslash escapes: `\uXXXX` (pairs
/// joined), `\u{…}`, `\xHH`, `\n`, `\'`, `\"`, `\\`, `\/`, and a backslash
/// before any other character stands for that character.
fn backslash_js(text: &str) -> Vec<String> {
    if !text.contains('\\') {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut units: Vec<u16> = Vec::new();
    let flush = |units: &mut Vec<u16>, out: &mut String| {
        out.extend(char::decode_utf16(units.drain(..)).map(|r| r.unwrap_or('\u{fffd}')));
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let c = b[i + 1];
            if c == b'u' && b.get(i + 2) == Some(&b'{') {
                let (n, v) = hex_prefix(&b[i + 3..], 6);
                if n > 0 && b.get(i + 3 + n) == Some(&b'}') {
                    flush(&mut units, &mut out);
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    i += 4 + n;
                    continue;
                }
            }
            if c == b'u' {
                let (n, v) = hex_prefix(&b[i + 2..], 4);
                if n == 4 {
                    units.push(v as u16);
                    i += 6;
                    continue;
                }
            }
            flush(&mut units, &mut out);
            if c == b'x' {
                let (n, v) = hex_prefix(&b[i + 2..], 2);
                if n == 2 {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    i += 4;
                    continue;
                }
            }
            if c == b'U' {
                let (n, v) = hex_prefix(&b[i + 2..], 8);
                if n == 8 {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    i += 10;
                    continue;
                }
            }
            // Octal, as C, Python and PHP write a byte (`\123`).
            let octal = b[i + 1..]
                .iter()
                .take(3)
                .take_while(|d| (b'0'..=b'7').contains(d))
                .count();
            if octal > 1 || (octal == 1 && c != b'0') {
                let v = b[i + 1..i + 1 + octal]
                    .iter()
                    .fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                i += 1 + octal;
                continue;
            }
            let ch = match c {
                b'n' => Some('\n'),
                b'r' => Some('\r'),
                b't' => Some('\t'),
                b'b' => Some('\u{8}'),
                b'f' => Some('\u{c}'),
                b'v' => Some('\u{b}'),
                b'0' => Some('\0'),
                _ => None,
            };
            if let Some(ch) = ch {
                out.push(ch);
                i += 2;
                continue;
            }
            // Any other character after a backslash stands for itself.
            i += 1;
            let rest = &text[i..];
            if let Some(ch) = rest.chars().next() {
                out.push(ch);
                i += ch.len_utf8();
            }
            continue;
        }
        flush(&mut units, &mut out);
        let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    flush(&mut units, &mut out);
    vec![out]
}

/// CSS escapes: `\` and one to six hex digits (and one white space after
/// them), or `\` before any other character.
fn backslash_css(text: &str) -> Vec<String> {
    if !text.contains('\\') {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let (n, v) = hex_prefix(&b[i + 1..], 6);
            if n > 0 {
                out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                i += 1 + n;
                if matches!(b.get(i), Some(b' ' | b'\t' | b'\n')) {
                    i += 1;
                }
                continue;
            }
            i += 1;
        }
        let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    vec![out]
}

/// Percent-decoding in any letter case: the bytes as UTF-8 (Latin-1 where
/// they are not), with `+` kept and as a space; `%uXXXX` too.
fn percent(text: &str) -> Vec<String> {
    if !text.contains('%') {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if matches!(b.get(i + 1), Some(b'u' | b'U')) {
                let (n, v) = hex_prefix(&b[i + 2..], 4);
                if n == 4 {
                    let mut buf = [0u8; 4];
                    let ch = char::from_u32(v).unwrap_or('\u{fffd}');
                    bytes.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                    i += 6;
                    continue;
                }
            }
            let (n, v) = hex_prefix(&b[i + 1..], 2);
            if n == 2 {
                bytes.push(v as u8);
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    let kept = text_of(&bytes);
    let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
    let mut out = vec![kept.replace('+', " "), kept];
    if latin1 != out[1] {
        out.push(latin1);
    }
    out
}

/// The HTML 4 names of U+00A0 to U+00FF, in order.
const LATIN1_NAMES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// The HTML5 names of ASCII characters an encoder may spell by name.
const ASCII_NAMES: &[(&str, char)] = &[
    ("quot", '"'),
    ("QUOT", '"'),
    ("amp", '&'),
    ("AMP", '&'),
    ("apos", '\''),
    ("lt", '<'),
    ("LT", '<'),
    ("gt", '>'),
    ("GT", '>'),
    ("excl", '!'),
    ("num", '#'),
    ("dollar", '$'),
    ("percnt", '%'),
    ("lpar", '('),
    ("rpar", ')'),
    ("ast", '*'),
    ("midast", '*'),
    ("plus", '+'),
    ("comma", ','),
    ("period", '.'),
    ("sol", '/'),
    ("colon", ':'),
    ("semi", ';'),
    ("equals", '='),
    ("quest", '?'),
    ("commat", '@'),
    ("lsqb", '['),
    ("lbrack", '['),
    ("bsol", '\\'),
    ("rsqb", ']'),
    ("rbrack", ']'),
    ("Hat", '^'),
    ("lowbar", '_'),
    ("UnderBar", '_'),
    ("grave", '`'),
    ("DiacriticalGrave", '`'),
    ("lcub", '{'),
    ("lbrace", '{'),
    ("verbar", '|'),
    ("vert", '|'),
    ("VerticalLine", '|'),
    ("rcub", '}'),
    ("rbrace", '}'),
    ("tilde", '~'),
    ("DiacriticalTilde", '~'),
    ("Tab", '\t'),
    ("NewLine", '\n'),
    ("euro", '€'),
];

/// A name browsers also read without its `;`: the Latin-1 ones and
/// `amp`, `lt`, `gt`, `quot` (either case).
fn legacy_entity(name: &str) -> Option<char> {
    match name {
        "amp" | "AMP" => Some('&'),
        "lt" | "LT" => Some('<'),
        "gt" | "GT" => Some('>'),
        "quot" | "QUOT" => Some('"'),
        _ => LATIN1_NAMES
            .iter()
            .position(|n| *n == name)
            .and_then(|at| char::from_u32(0xa0 + at as u32)),
    }
}

fn named_entity(name: &str) -> Option<char> {
    if let Some(&(_, c)) = ASCII_NAMES.iter().find(|(n, _)| *n == name) {
        return Some(c);
    }
    let at = LATIN1_NAMES.iter().position(|n| *n == name)?;
    char::from_u32(0xa0 + at as u32)
}

/// HTML and XML character references: `&#NNN;`, `&#xHH;` (the `;` may be
/// missing, as browsers allow) and the named ones of ASCII and Latin-1.
fn char_refs(text: &str) -> Vec<String> {
    if !text.contains('&') {
        return Vec::new();
    }
    let strict = char_refs_as(text, false);
    // `&#83 &#51 ` read with each space ending the reference before it.
    let lenient = char_refs_as(text, true);
    if lenient == strict {
        vec![strict]
    } else {
        vec![strict, lenient]
    }
}

/// [`char_refs`]' work; with `eat_space`, a space after a numeric
/// reference without `;` ends it.
fn char_refs_as(text: &str, eat_space: bool) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'&' {
            if b.get(i + 1) == Some(&b'#') {
                let hex = matches!(b.get(i + 2), Some(b'x' | b'X'));
                let start = i + 2 + usize::from(hex);
                let (n, v) = if hex {
                    hex_prefix(&b[start..], 8)
                } else {
                    let n = b[start..]
                        .iter()
                        .take(10)
                        .take_while(|c| c.is_ascii_digit())
                        .count();
                    let v = text[start..start + n].parse::<u32>().unwrap_or(0xfffd);
                    (n, v)
                };
                if n > 0 {
                    out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                    let end = b.get(start + n);
                    let ends = end == Some(&b';') || (eat_space && end == Some(&b' '));
                    i = start + n + usize::from(ends);
                    continue;
                }
            } else {
                let n = b[i + 1..]
                    .iter()
                    .take(32)
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                if n > 0 && b.get(i + 1 + n) == Some(&b';') {
                    if let Some(c) = named_entity(&text[i + 1..i + 1 + n]) {
                        out.push(c);
                        i += n + 2;
                        continue;
                    }
                }
                // The legacy names browsers read without `;` (`&ouml`, `&amp`):
                // the longest that begins here.
                if let Some((len, c)) = (2..=n.min(6))
                    .rev()
                    .find_map(|k| legacy_entity(&text[i + 1..i + 1 + k]).map(|c| (k, c)))
                {
                    out.push(c);
                    i += len + 1;
                    continue;
                }
            }
        }
        let ch = text[i..].chars().next().unwrap_or('\u{fffd}');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// RFC 6901 reference tokens: `~1` is `/`, `~0` is `~`.
fn pointer(text: &str) -> Vec<String> {
    if !text.contains('~') {
        return Vec::new();
    }
    vec![text.replace("~1", "/").replace("~0", "~")]
}

fn b64_value(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}

/// Decodes base64 or base64url leniently: no padding needed, a trailing
/// partial group gives what bytes it can.
fn b64_decode(run: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(run.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &c in run {
        let Some(v) = b64_value(c) else { break };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// The runs of `text` whose bytes `is_in` accepts, at least `min` long.
fn runs(text: &str, is_in: impl Fn(u8) -> bool, min: usize) -> Vec<&[u8]> {
    text.as_bytes()
        .split(|&b| !is_in(b))
        .filter(|r| r.len() >= min)
        .collect()
}

/// Every run of base64 or base64url characters, decoded from each of its
/// first four characters (a text cut out of a longer base64 text starts at
/// any alignment), one form per alignment.
fn base64_runs(text: &str) -> Vec<String> {
    let found = runs(text, |b| b64_value(b).is_some(), MIN_RUN);
    if found.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for skip in 0..4 {
        let pieces = found
            .iter()
            .filter(|run| run.len() > skip)
            .map(|run| text_of(&b64_decode(&run[skip..])));
        out.extend(text_and_bytes(pieces));
    }
    out
}

/// Decoded pieces as at most two forms: those that are text joined (to be
/// decoded further), and the others joined (only compared).
fn text_and_bytes(pieces: impl Iterator<Item = String>) -> Vec<String> {
    let (text, bytes): (Vec<String>, Vec<String>) = pieces.partition(|p| mostly_text(p));
    [text, bytes]
        .into_iter()
        .map(|p| p.join("\n"))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Base64 written in groups with white space between them (`UzNj cjN0`).
fn base64_spaced(text: &str) -> Vec<String> {
    if !text.contains(char::is_whitespace) {
        return Vec::new();
    }
    let compact: String = text.split_whitespace().collect();
    base64_runs(&compact)
}

/// Hex written with separators or prefixes (`53:33:63`, `0x530x33`).
fn hex_separated(text: &str) -> Vec<String> {
    if !(text.contains(':') || text.contains("0x") || text.contains("0X") || text.contains(' ')) {
        return Vec::new();
    }
    let compact: String = text
        .replace("0x", "")
        .replace("0X", "")
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | ',' | '-'))
        .collect();
    hex_runs(&compact)
}

/// Every run of hex digits, decoded from its first and its second digit.
fn hex_runs(text: &str) -> Vec<String> {
    let found = runs(text, |b| b.is_ascii_hexdigit(), MIN_RUN);
    if found.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for skip in 0..2 {
        let pieces = found.iter().map(|run| {
            let run = run.get(skip..).unwrap_or_default();
            let bytes: Vec<u8> = run
                .chunks_exact(2)
                .map(|p| (hex_value(p[0]).unwrap_or(0) * 16 + hex_value(p[1]).unwrap_or(0)) as u8)
                .collect();
            text_of(&bytes)
        });
        out.extend(text_and_bytes(pieces));
    }
    out
}

/// Quoted-printable: `=HH` (any case) and soft line breaks (`=` at a line's end).
fn quoted_printable(text: &str) -> Vec<String> {
    if !text.contains('=') {
        return Vec::new();
    }
    let b = text.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' {
            let (n, v) = hex_prefix(&b[i + 1..], 2);
            if n == 2 {
                bytes.push(v as u8);
                i += 3;
                continue;
            }
            if b.get(i + 1) == Some(&b'\n') {
                i += 2;
                continue;
            }
            if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') {
                i += 3;
                continue;
            }
        }
        bytes.push(b[i]);
        i += 1;
    }
    vec![text_of(&bytes)]
}

/// Fullwidth ASCII (U+FF01 to U+FF5E, as East Asian input methods write
/// it) read as ASCII.
fn fullwidth(text: &str) -> Vec<String> {
    let wide = |c: char| ('\u{ff01}'..='\u{ff5e}').contains(&c);
    if !text.chars().any(wide) {
        return Vec::new();
    }
    vec![
        text.chars()
            .map(|c| {
                if wide(c) {
                    char::from_u32(u32::from(c) - 0xfee0).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect(),
    ]
}

/// UTF-16 read as bytes: the NULs between the characters removed.
fn without_nuls(text: &str) -> Vec<String> {
    if !text.contains('\0') {
        return Vec::new();
    }
    vec![text.replace('\0', "")]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reveals(text: &str, secret: &str) -> bool {
        decodings(text).iter().any(|f| f.contains(secret))
    }

    #[test]
    fn each_encoding_is_peeled() {
        let pw = "S3cr3t'+`~/ö!";
        for spelt in [
            r"S3cr3t\u0027\u002B\u0060~/\u00f6!",
            r"S3cr3t\u0027\u002b\u0060~\/\u00F6!",
            r"S3cr3t\'+`~/\xf6!",
            r"S3cr3t\27 +\60 ~/\f6 !",
            "S3cr3t%27%2B%60%7E%2F%C3%B6!",
            "S3cr3t%27%2b%60%7e/%f6!",
            "S3cr3t&#x27;&#43;&#96;&tilde;&#x2F;&ouml;&excl;",
            "S3cr3t&#39;+&grave;~/&#246;!",
            "S3cr3t'+`~0~1ö!",
            "S3cr3t=27+`~/=C3=B6!",
        ] {
            assert!(reveals(spelt, pw), "{spelt}");
        }
        // UTF-16 read as bytes.
        let utf16: String = pw.chars().flat_map(|c| [c, '\0']).collect();
        assert!(reveals(&utf16, pw));
    }

    #[test]
    fn base64_at_every_alignment_and_hex() {
        use base64::Engine as _;
        let pw = "S3cr3t/Pw!";
        for prefix in ["user:", "user:x", "user:xy"] {
            let plain = format!("{prefix}{pw} and more");
            let std = base64::engine::general_purpose::STANDARD.encode(&plain);
            let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&plain);
            // Cut out of a longer text at any character before the secret.
            for cut in 0..4 {
                assert!(reveals(&format!("x={}", &std[cut..]), pw), "{prefix}:{cut}");
                assert!(
                    reveals(&format!("x={}.", &url[cut..]), pw),
                    "{prefix}:{cut}"
                );
            }
            let hex: String = plain.bytes().map(|b| format!("{b:02X}")).collect();
            assert!(reveals(&format!("0{hex}"), pw), "{prefix}");
            assert!(reveals(&hex.to_lowercase(), pw), "{prefix}");
        }
    }

    /// The forms an attack on the gate found leaking, each inside a
    /// sentence whose words also read as base64.
    #[test]
    fn forms_an_attack_found_inside_sentences() {
        let pw = "S3cr3t!xY";
        for spelt in [
            // base64 of percent-encoded, three layers of base64, UTF-16 in base64.
            "UzNjcjN0JTIxeFk=",
            "JTIyUzNjcjN0JTIxeFklMjI=",
            "VlhwT2FtTnFUakJKV0doYQ==",
            "UwAzAGMAcgAzAHQAIQB4AFkA",
            // Hex of UTF-16, with separators, with prefixes.
            "53003300630072003300740021007800590000",
            "53:33:63:72:33:74:21:78:59",
            "0x530x330x630x720x330x740x210x780x59",
            // Base64 in groups.
            "UzNj cjN0 IXhZ",
            // References without `;`, octal and \U escapes.
            "&#83 &#51 &#99 &#114 &#51 &#116 &#33 &#120 &#89 ",
            "\\123\\063\\143\\162\\063\\164\\041\\170\\131",
            "\\U00000053\\U00000033\\U00000063r3t!xY",
        ] {
            let line = format!(
                "invalid JSON: expected value at line 1 column 1 (30 bytes: you sent {spelt} here)"
            );
            assert!(reveals(&line, pw), "{spelt}");
        }
        assert!(reveals("w&oumlrd", "wörd"));
        assert!(reveals("ｓ３ｃｒ３ｔ！ｘｙ", "s3cr3t!xy"));
        assert!(reveals("a&ampb&lt", "a&b<"));
    }

    #[test]
    fn layers_nest_and_work_is_bounded() {
        use base64::Engine as _;
        let inner = "S3cr3t%2FPw%21";
        let b64 = base64::engine::general_purpose::STANDARD.encode(inner);
        assert!(reveals(&format!("{{\"v\":\"{b64}\"}}"), "S3cr3t/Pw!"));
        let long = "%41\\u0042&#67;".repeat(20_000);
        let forms = decodings(&long);
        assert!(forms.len() < MAX_FORMS * (long.len() / (MAX_BYTES - OVERLAP) + 2));
        assert!(decodings("plain words").len() < 8);
        // UTF-16 inside base64.
        let utf16: Vec<u8> = "S3cr3t!".bytes().flat_map(|b| [b, 0]).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(utf16);
        assert!(decodings(&b64).iter().any(|d| d.contains("S3cr3t!")));
        // Words read as base64 give bytes that are compared, not decoded again.
        let line = "error[REQ-401-1]: SECURITY: the server accepted a session cookie \
                    that differs from the session's own in its second half";
        assert!(decodings(line).len() < 24, "{}", decodings(line).len());
    }
}
