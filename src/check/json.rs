//! The body, parsed once: JSON with the pointers of repeated member names
//! noted in the same pass ([`parse_json_noting_repeats`]), errors worded with
//! where and what ([`parse_json`]), and the excerpt messages quote
//! ([`body_excerpt`]). Every step of the check reads the one parsed value.

use std::borrow::Cow;
use std::cell::RefCell;

use serde::de::{DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use crate::finding::shorten;

/// The most repeated names reported for one body.
const MAX_DUPLICATES: usize = 100;

/// Where a value is: a linked list up to the root, read only on a find.
#[derive(Clone, Copy)]
enum Seg<'k> {
    Root,
    Key(&'k str),
    Index(usize),
}
struct Path<'p> {
    up: Option<&'p Path<'p>>,
    seg: Seg<'p>,
}
impl Path<'_> {
    fn pointer(&self) -> String {
        let mut segs = Vec::new();
        let mut at = Some(self);
        while let Some(p) = at {
            segs.push(p.seg);
            at = p.up;
        }
        segs.iter()
            .rev()
            .map(|s| match s {
                Seg::Root => String::new(),
                Seg::Key(k) => format!("/{}", crate::finding::pointer_token(k)),
                Seg::Index(i) => format!("/{i}"),
            })
            .collect()
    }
}

struct Key;
impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}
impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

struct Build<'a, 'p> {
    path: &'p Path<'p>,
    found: &'a RefCell<Vec<String>>,
}
impl<'de> DeserializeSeed<'de> for Build<'_, '_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}
impl<'de> Visitor<'de> for Build<'_, '_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key_seed(Key)? {
            let here = Path {
                up: Some(self.path),
                seg: Seg::Key(&key),
            };
            if out.contains_key(key.as_ref()) && self.found.borrow().len() < MAX_DUPLICATES {
                self.found.borrow_mut().push(here.pointer());
            }
            let value = map.next_value_seed(Build {
                path: &here,
                found: self.found,
            })?;
            out.insert(key.into_owned(), value);
        }
        Ok(Value::Object(out))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let here = Path {
                up: Some(self.path),
                seg: Seg::Index(out.len()),
            };
            match seq.next_element_seed(Build {
                path: &here,
                found: self.found,
            })? {
                Some(v) => out.push(v),
                None => return Ok(Value::Array(out)),
            }
        }
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
}

/// [`parse_json`], in the same single pass also noting the JSON pointer of
/// every member whose name repeats an earlier one in its object (the value
/// keeps the last, as `serde_json` does; parsers disagree on which counts).
pub fn parse_json_noting_repeats(body: &[u8]) -> Result<(Value, Vec<String>), String> {
    let found = RefCell::new(Vec::new());
    let root = Path {
        up: None,
        seg: Seg::Root,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let built = Build {
        path: &root,
        found: &found,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v));
    match built {
        Ok(v) => Ok((v, found.into_inner())),
        // The plain parser words the error (and finds the same one).
        Err(_) => parse_json(body).map(|v| (v, Vec::new())),
    }
}

/// JSON pointers of the members whose name repeats an earlier one in the
/// same object (see [`parse_json_noting_repeats`]).
pub fn duplicate_keys(body: &[u8]) -> Vec<String> {
    parse_json_noting_repeats(body).map_or_else(|_| Vec::new(), |(_, d)| d)
}

/// Parses a body as JSON; the error says where and what.
pub fn parse_json(body: &[u8]) -> Result<Value, String> {
    if body.is_empty() {
        return Err("an empty body".into());
    }
    if let Err(e) = std::str::from_utf8(body) {
        return Err(format!("invalid UTF-8 at byte {}", e.valid_up_to()));
    }
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Eof => "truncated JSON",
            _ => "invalid JSON",
        };
        format!("{what}: {e} ({} bytes: {})", body.len(), body_excerpt(body))
    })
}

/// The start of a body, as text, for messages: leading whitespace skipped,
/// at most 80 characters, `…` where it was cut. Characters are kept as sent
/// (never squeezed: the output gate must see a secret whole to hide it, and
/// renders control characters escaped).
pub fn body_excerpt(body: &[u8]) -> String {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let rest = &body[start..];
    let head = &rest[..rest.len().min(400)];
    let text = String::from_utf8_lossy(head);
    let mut out = shorten(&text, 80);
    if head.len() < rest.len() && !out.ends_with('…') {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_found_with_their_pointers() {
        let body = br#"{"a":1,"l":[{"x":1,"x":2},{"y/z":[],"y/z":{}}],"a":3}"#;
        assert_eq!(duplicate_keys(body), ["/l/0/x", "/l/1/y~1z", "/a"]);
        assert!(duplicate_keys(br#"{"a":{"a":1},"b":[1,2]}"#).is_empty());
        assert!(duplicate_keys(b"not json").is_empty());
    }
}
