//! Link integrity as a browser sees it (POL-ICON-1): each link a links case
//! loaded (`run::links`) judged the way an `<img>` takes its answer — a
//! 200, an `image/…` media type, and first bytes that are an image a
//! browser decodes ([`sniff`]: PNG, GIF, JPEG, WebP, BMP, ICO/CUR, AVIF,
//! JPEG XL, SVG markup) — into at most one finding per link, at the JSON
//! pointer of the first message that names it, and one [`LinkResult`] per
//! link for the reports.
//!
//! The policy table: a failure on the target's origin fails; a host
//! elsewhere that the run cannot reach is an interop warning (a CDN outside
//! the staging network), while any answer it does give is judged like the
//! target's; bytes of another image type than the one declared are an
//! interop warning (browsers sniff images and show them). A link that needs
//! the CSRF header fails like any refused link: an `<img>` cannot send one.
//! What the bytes looked like is quoted (bounded) from the target's own
//! answers and only classified for other hosts' (what a CI machine's
//! network answers is not the server's to print). Pure.

use crate::finding::{Finding, Place, SHOWN_CHARS, shorten};
use crate::run::links::{Fetched, LinkOutcome, LinkRun, MAX_REDIRECTS, NotSent};
use crate::run::target::display_url;

use super::bound::Bounded;

/// The rule every finding here names.
pub const RULE: &str = "POL-ICON-1";

/// An image format a browser decodes in an `<img>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// `\x89PNG\r\n\x1a\n` (APNG too).
    Png,
    /// `GIF87a` / `GIF89a`.
    Gif,
    /// `\xFF\xD8\xFF`.
    Jpeg,
    /// `RIFF….WEBP`.
    WebP,
    /// `BM`.
    Bmp,
    /// `\0\0\1\0` (an icon) or `\0\0\2\0` (a cursor).
    Ico,
    /// An ISO-BMFF `ftyp` box with an AVIF brand.
    Avif,
    /// A JPEG XL code stream or container.
    Jxl,
    /// SVG markup: an `<svg` element after an optional BOM, white space,
    /// XML declaration, comments and doctype.
    Svg,
}

impl ImageKind {
    /// The format's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Png => "PNG",
            ImageKind::Gif => "GIF",
            ImageKind::Jpeg => "JPEG",
            ImageKind::WebP => "WebP",
            ImageKind::Bmp => "BMP",
            ImageKind::Ico => "ICO",
            ImageKind::Avif => "AVIF",
            ImageKind::Jxl => "JPEG XL",
            ImageKind::Svg => "SVG",
        }
    }
}

/// What a `Content-Type` declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    /// An image type whose bytes this check knows.
    Image(ImageKind),
    /// Another `image/…` type.
    OtherImage,
    /// Not an image type (or none at all).
    NotImage,
}

/// The image type a `Content-Type` value declares (its essence, compared
/// case-insensitively; parameters ignored).
pub fn declared(media_type: Option<&str>) -> Declared {
    let Some(value) = media_type else {
        return Declared::NotImage;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some(sub) = essence.strip_prefix("image/") else {
        return Declared::NotImage;
    };
    Declared::Image(match sub {
        "png" | "apng" | "x-png" => ImageKind::Png,
        "gif" => ImageKind::Gif,
        "jpeg" | "jpg" | "pjpeg" => ImageKind::Jpeg,
        "webp" => ImageKind::WebP,
        "bmp" | "x-bmp" | "x-ms-bmp" => ImageKind::Bmp,
        "x-icon" | "vnd.microsoft.icon" | "ico" | "icon" | "x-ico" => ImageKind::Ico,
        "avif" => ImageKind::Avif,
        "jxl" => ImageKind::Jxl,
        "svg+xml" => ImageKind::Svg,
        "" => return Declared::NotImage,
        _ => return Declared::OtherImage,
    })
}

/// The image format `bytes` (a body's beginning) are, if any. `cut`: more
/// bytes followed; an SVG prolog (declaration, comments) longer than what
/// was read counts as SVG.
pub fn sniff(bytes: &[u8], cut: bool) -> Option<ImageKind> {
    let starts = |sig: &[u8]| bytes.starts_with(sig);
    if starts(b"\x89PNG\r\n\x1a\n") {
        return Some(ImageKind::Png);
    }
    if starts(b"GIF87a") || starts(b"GIF89a") {
        return Some(ImageKind::Gif);
    }
    if starts(b"\xFF\xD8\xFF") {
        return Some(ImageKind::Jpeg);
    }
    if starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        return Some(ImageKind::WebP);
    }
    if starts(b"\0\0\x01\0") || starts(b"\0\0\x02\0") {
        return Some(ImageKind::Ico);
    }
    if starts(b"\xFF\x0A") || starts(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some(ImageKind::Jxl);
    }
    if bytes.get(4..8) == Some(b"ftyp") && avif_brand(bytes) {
        return Some(ImageKind::Avif);
    }
    if starts(b"BM") && bytes.len() >= 14 {
        return Some(ImageKind::Bmp);
    }
    match svg_markup(bytes) {
        Some(true) => Some(ImageKind::Svg),
        None if cut => Some(ImageKind::Svg),
        _ => None,
    }
}

/// An `ftyp` box whose major or a compatible brand is `avif` or `avis`.
fn avif_brand(bytes: &[u8]) -> bool {
    let size = bytes
        .get(0..4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let end = size.clamp(16, bytes.len().max(16)).min(bytes.len());
    let brands = bytes.get(8..12).into_iter().chain(
        bytes
            .get(16..end)
            .into_iter()
            .flat_map(|b| b.chunks_exact(4)),
    );
    brands.into_iter().any(|b| b == b"avif" || b == b"avis")
}

/// Whether `bytes` are SVG markup: `Some(true)` when an `<svg` element
/// comes after an optional BOM, white space, XML declaration, comments and
/// an SVG doctype; `Some(false)` when something else comes first; `None`
/// when the bytes end inside that prolog.
fn svg_markup(bytes: &[u8]) -> Option<bool> {
    let mut rest = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    loop {
        let start = rest
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        rest = &rest[start..];
        if rest.is_empty() {
            return None;
        }
        let skip_past = |from: &[u8], end: &[u8]| {
            from.windows(end.len())
                .position(|w| w == end)
                .map(|at| at + end.len())
        };
        if rest.starts_with(b"<?") {
            rest = &rest[skip_past(rest, b"?>")?..];
        } else if rest.starts_with(b"<!--") {
            rest = &rest[skip_past(rest, b"-->")?..];
        } else if rest.len() >= 9 && rest[..9].eq_ignore_ascii_case(b"<!DOCTYPE") {
            let name: Vec<u8> = rest[9..]
                .iter()
                .skip_while(|b| b.is_ascii_whitespace())
                .take(3)
                .map(u8::to_ascii_lowercase)
                .collect();
            if name.len() == 3 && name != b"svg" {
                return Some(false);
            }
            rest = &rest[skip_past(rest, b">")?..];
        } else if let Some(after) = rest
            .strip_prefix(b"<svg:svg")
            .or_else(|| rest.strip_prefix(b"<svg"))
        {
            return after
                .first()
                .map(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'));
        } else {
            return Some(false);
        }
    }
}

/// What a body's beginning looks like, in a few words: the image format
/// it is, or (`quote`: the target's own answer) its first characters with
/// white space runs as one space, bounded; otherwise only its kind (HTML
/// markup, JSON, text, binary).
pub fn looks_like(bytes: &[u8], cut: bool, quote: bool) -> String {
    if bytes.is_empty() {
        return "no bytes".into();
    }
    if let Some(kind) = sniff(bytes, cut) {
        return format!("a {} image", kind.name());
    }
    let text = std::str::from_utf8(bytes)
        .ok()
        .or_else(|| {
            // A character cut in two at the end of what was read.
            let e = std::str::from_utf8(bytes).err()?;
            (cut && e.error_len().is_none())
                .then(|| std::str::from_utf8(&bytes[..e.valid_up_to()]).ok())
                .flatten()
        })
        .filter(|t| !t.chars().any(|c| c.is_control() && !c.is_whitespace()));
    let Some(text) = text else {
        let hex: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        return if quote {
            format!("binary bytes, not an image: {}", hex.join(" "))
        } else {
            "binary bytes, not an image".into()
        };
    };
    if !quote {
        let t = text.trim_start().to_ascii_lowercase();
        let kind = if t.starts_with("<!doctype html") || t.starts_with("<html") {
            "HTML markup"
        } else if t.starts_with('<') {
            "markup"
        } else if t.starts_with('{') || t.starts_with('[') {
            "JSON"
        } else {
            "text"
        };
        return format!("{kind}, not an image");
    }
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut shown = shorten(&squeezed, 60);
    if cut && !shown.ends_with('…') {
        shown.push('…');
    }
    format!("begins with {shown}")
}

/// The state of one link after the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// It loads as an image.
    Loaded,
    /// A must finding: broken for every user.
    Broken,
    /// An interop finding only.
    Warning,
    /// Not loaded, and nothing to judge (a `data:` link).
    Skipped,
}

impl LinkState {
    /// `loaded`, `broken`, `warning`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Loaded => "loaded",
            LinkState::Broken => "broken",
            LinkState::Warning => "warning",
            LinkState::Skipped => "skipped",
        }
    }
}

/// One link as the reports show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkResult {
    /// The pointer of the first message that names it.
    pub pointer: String,
    /// How many messages name it.
    pub uses: usize,
    /// The link, resolved (without user info).
    pub url: String,
    /// Where its redirects ended, when it was redirected.
    pub final_url: Option<String>,
    /// Redirects followed.
    pub redirects: usize,
    /// On the target's origin (cookies sent as the jar applies them).
    pub same_origin: bool,
    /// The final answer's status, when one came.
    pub status: Option<u16>,
    /// Its `Content-Type`.
    pub media_type: Option<String>,
    /// What its bytes looked like ([`looks_like`]).
    pub bytes: String,
    /// Loaded, broken, warning or skipped.
    pub state: LinkState,
    /// What is wrong, when something is (the finding's message).
    pub problem: Option<String>,
    /// Wall time, all hops.
    pub elapsed_ms: u64,
}

/// What the check of a links case's links came to.
#[derive(Debug, Default)]
pub struct Judged {
    /// The findings, bounded per requirement.
    pub findings: Vec<Finding>,
    /// One result per loaded link, in catalogue order.
    pub results: Vec<LinkResult>,
    /// Notes: links not loaded (over `--max-links`, no URI reference,
    /// `data:`), an empty list.
    pub notes: Vec<String>,
}

/// Every link of `run` judged.
pub fn check(run: &LinkRun) -> Judged {
    let mut out = Bounded::default();
    let mut results = Vec::with_capacity(run.fetched.len());
    let mut data_links = 0;
    for f in &run.fetched {
        let (problem, interop) = match judge(f) {
            Verdict::Loaded => (None, false),
            Verdict::Data => {
                data_links += 1;
                (None, false)
            }
            Verdict::Problem {
                message,
                expected,
                interop,
            } => (Some((message, expected)), interop),
        };
        let state = match (&problem, interop, &f.outcome) {
            (None, _, LinkOutcome::NotSent(_)) => LinkState::Skipped,
            (None, ..) => LinkState::Loaded,
            (Some(_), true, _) => LinkState::Warning,
            (Some(_), false, _) => LinkState::Broken,
        };
        if let Some((message, expected)) = &problem {
            let shared = match f.link.uses {
                1 => String::new(),
                n => format!(" ({n} messages name this link; the first is here)"),
            };
            let finding = Finding::must(
                RULE,
                Place::Body(f.link.pointer.clone()),
                format!("{message}{shared}"),
                expected.clone(),
                actual(f),
            );
            out.push(if interop { finding.interop() } else { finding });
        }
        results.push(result(f, state, problem.map(|(m, _)| m)));
    }
    Judged {
        findings: out.finish(),
        results,
        notes: notes(run, data_links),
    }
}

/// What a link came to.
enum Verdict {
    Loaded,
    /// A `data:` link: the image is in the link, nothing was loaded.
    Data,
    Problem {
        message: String,
        expected: String,
        interop: bool,
    },
}

const LOADS: &str = "200 with an image/… media type and the bytes of that image";

fn must(message: impl Into<String>, expected: impl Into<String>) -> Verdict {
    Verdict::Problem {
        message: message.into(),
        expected: expected.into(),
        interop: false,
    }
}

/// One link's verdict: the first thing wrong with it, if anything.
fn judge(f: &Fetched) -> Verdict {
    let got = match &f.outcome {
        LinkOutcome::NotSent(NotSent::Scheme(s)) if s == "data" => return Verdict::Data,
        LinkOutcome::NotSent(NotSent::Scheme(s)) => {
            return must(
                format!(
                    "the icon link is a {s}: URL: a browser's <img> on an http(s) page loads \
                     http, https and data: links only"
                ),
                "an http or https link (or data:)",
            );
        }
        LinkOutcome::NotSent(NotSent::UserInfo) => {
            return must(
                "the icon link carries a user name or password: browsers refuse to load a \
                 subresource whose URL holds credentials",
                "a link without user info",
            );
        }
        LinkOutcome::NotSent(NotSent::BadLocation(to)) => {
            return must(
                format!(
                    "the icon link redirects to a Location that is no URI reference: {}",
                    shorten(to, SHOWN_CHARS)
                ),
                "a redirect to a URI reference, or the image itself",
            );
        }
        LinkOutcome::NotSent(NotSent::TooManyRedirects) => {
            return must(
                format!("the icon link redirects more than {MAX_REDIRECTS} times"),
                format!("the image within {MAX_REDIRECTS} redirects"),
            );
        }
        LinkOutcome::Transport(_) if !f.same_origin => {
            return Verdict::Problem {
                message: "the run cannot reach this icon's host (another origin than the \
                          target's: a CDN outside the network the run is in?); a browser \
                          elsewhere may"
                    .into(),
                expected: "a complete answer".into(),
                interop: true,
            };
        }
        LinkOutcome::Transport(_) => {
            return must("the icon link got no complete answer", "a complete answer");
        }
        LinkOutcome::Got(got) => got,
    };
    if got.status != 200 {
        let cookies = f.hops.last().is_some_and(|h| h.cookies);
        let why = match got.status {
            401 | 403 if f.same_origin && cookies => {
                ": refused with the cookies the session's jar applies to it, which is all an \
                 <img> sends (never the ININ-ICWS-CSRF-Token header)"
            }
            401 | 403 if f.same_origin => {
                ": refused, and the session's jar applies no cookie to this URL (a cookie \
                 Path that does not cover it?); an <img> sends no other credentials"
            }
            401 | 403 => ": an <img> sends no credentials to another origin",
            404 | 410 => ": there is no icon there",
            _ => "",
        };
        return must(
            format!("the icon does not load: {}{why}", got.status),
            LOADS,
        );
    }
    let declared = declared(got.media_type.as_deref());
    let bytes = sniff(&got.head, got.cut);
    match (declared, bytes) {
        (Declared::NotImage, _) => must(
            format!(
                "the icon link answers {}, not an image type",
                got.media_type
                    .as_deref()
                    .map_or("without a Content-Type".into(), |m| shorten(m, SHOWN_CHARS))
            ),
            "Content-Type: image/…",
        ),
        (_, None) if got.head.is_empty() => must("the icon's body is empty", LOADS),
        (_, None) => must(
            format!(
                "the icon is declared {}, but its bytes are not an image",
                got.media_type.as_deref().unwrap_or_default()
            ),
            "the bytes of an image (PNG, GIF, JPEG, WebP, BMP, ICO, AVIF, JPEG XL or SVG)",
        ),
        (Declared::Image(d), Some(k)) if d != k => Verdict::Problem {
            message: format!(
                "the icon is declared {} but is a {} image: browsers look at the bytes and \
                 show it, a client that trusts the type does not",
                got.media_type.as_deref().unwrap_or_default(),
                k.name()
            ),
            expected: format!("Content-Type: the type of a {} image", k.name()),
            interop: true,
        },
        _ => Verdict::Loaded,
    }
}

/// The requests and what came back, for a finding's `actual`:
/// `GET <url> → 302 → GET <url> → 200, image/png, a PNG image`.
fn actual(f: &Fetched) -> String {
    if f.hops.is_empty() {
        return format!("not sent: {}", display_url(f.link.url.as_str()));
    }
    let mut parts = Vec::new();
    for hop in &f.hops {
        parts.push(format!("GET {}", display_url(hop.url.as_str())));
        if let Some(s) = hop.status {
            parts.push(s.to_string());
        }
    }
    let mut out = parts.join(" → ");
    match &f.outcome {
        LinkOutcome::Got(got) => {
            if let Some(m) = &got.media_type {
                out.push_str(&format!(", {}", shorten(m, SHOWN_CHARS)));
            }
            out.push_str(&format!(
                ", {}",
                looks_like(&got.head, got.cut, f.same_origin)
            ));
        }
        LinkOutcome::Transport(why) => out.push_str(&format!(" → {why}")),
        LinkOutcome::NotSent(_) => {}
    }
    out
}

fn result(f: &Fetched, state: LinkState, problem: Option<String>) -> LinkResult {
    let last = f.hops.last();
    let got = match &f.outcome {
        LinkOutcome::Got(g) => Some(g),
        _ => None,
    };
    LinkResult {
        pointer: f.link.pointer.clone(),
        uses: f.link.uses,
        url: display_url(f.link.url.as_str()),
        final_url: last
            .filter(|_| f.hops.len() > 1)
            .map(|h| display_url(h.url.as_str())),
        redirects: f.hops.len().saturating_sub(1),
        same_origin: f.same_origin,
        status: last.and_then(|h| h.status),
        media_type: got.and_then(|g| g.media_type.clone()),
        bytes: match (&f.outcome, got) {
            (_, Some(g)) => looks_like(&g.head, g.cut, f.same_origin),
            (LinkOutcome::Transport(why), _) => format!("no answer: {why}"),
            _ => "not loaded".into(),
        },
        state,
        problem,
        elapsed_ms: u64::try_from(f.elapsed.as_millis()).unwrap_or(u64::MAX),
    }
}

/// The run's notes: links not loaded, and why.
fn notes(run: &LinkRun, data_links: usize) -> Vec<String> {
    let plan = &run.plan;
    let mut out = Vec::new();
    if plan.links.len() > run.fetched.len() {
        out.push(format!(
            "checked {} of {} distinct icon links (--max-links {}); the others were not loaded",
            run.fetched.len(),
            plan.links.len(),
            run.max_links
        ));
    }
    let (shown, n) = &plan.unresolved;
    if *n > 0 {
        out.push(format!(
            "{n} iconUri(s) are no URI reference and were not loaded \
             (status-messages/catalog judges them): {}{}",
            shown.join(", "),
            if *n > shown.len() { ", …" } else { "" }
        ));
    }
    if data_links > 0 {
        out.push(format!(
            "{data_links} data: icon link(s) not loaded: the image is in the link"
        ));
    }
    if plan.links.is_empty() && plan.unresolved.1 == 0 {
        out.push(format!(
            "the catalogue's {} message(s) name no icon link to load",
            plan.messages
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::time::Duration;

    use super::*;
    use crate::run::links::{Got, Hop, Link, LinkPlan};

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn each_format_is_known_by_its_first_bytes() {
        let cases: &[(&[u8], Option<ImageKind>)] = &[
            (PNG, Some(ImageKind::Png)),
            (b"GIF89a\x10\0", Some(ImageKind::Gif)),
            (b"GIF87a", Some(ImageKind::Gif)),
            (b"\xFF\xD8\xFF\xE0\0\x10JFIF", Some(ImageKind::Jpeg)),
            (b"RIFF\x24\0\0\0WEBPVP8 ", Some(ImageKind::WebP)),
            (b"RIFF\x24\0\0\0WAVEfmt ", None),
            (b"BM\x36\0\0\0\0\0\0\0\x36\0\0\0", Some(ImageKind::Bmp)),
            (b"\0\0\x01\0\x01\0\x10\x10", Some(ImageKind::Ico)),
            (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1", Some(ImageKind::Avif)),
            (b"\0\0\0\x1cftypmif1\0\0\0\0mif1avif", Some(ImageKind::Avif)),
            (b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom", None),
            (b"\xFF\x0A\xFA", Some(ImageKind::Jxl)),
            (b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", Some(ImageKind::Svg)),
            (
                b"\xEF\xBB\xBF <?xml version=\"1.0\"?>\n<!-- a -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg>",
                Some(ImageKind::Svg),
            ),
            (b"<svg:svg xmlns:svg=\"x\">", Some(ImageKind::Svg)),
            (b"<!DOCTYPE html>\n<html>", None),
            (b"<?xml version=\"1.0\"?><html>", None),
            (b"<svgfoo>", None),
            (b"{\"errorId\":\"x\"}", None),
            (b"BM", None),
            (b"", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                sniff(bytes, false),
                *want,
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
        }
        // A prolog longer than what was read: SVG only when more followed.
        assert_eq!(
            sniff(b"<?xml version=\"1.0\"?><!-- a long", true),
            Some(ImageKind::Svg)
        );
        assert_eq!(sniff(b"<?xml version=\"1.0\"?><!-- a long", false), None);
    }

    #[test]
    fn media_types_compare_by_their_essence() {
        assert_eq!(declared(Some("image/PNG")), Declared::Image(ImageKind::Png));
        assert_eq!(
            declared(Some(" image/svg+xml ; charset=utf-8")),
            Declared::Image(ImageKind::Svg)
        );
        assert_eq!(
            declared(Some("image/vnd.microsoft.icon")),
            Declared::Image(ImageKind::Ico)
        );
        assert_eq!(declared(Some("image/heic")), Declared::OtherImage);
        assert_eq!(declared(Some("text/html")), Declared::NotImage);
        assert_eq!(declared(Some("image/")), Declared::NotImage);
        assert_eq!(declared(None), Declared::NotImage);
    }

    #[test]
    fn bytes_are_quoted_from_the_target_and_only_classified_from_elsewhere() {
        let html = b"<!DOCTYPE html>\n<html>\n  <head><title>Sign in</title>";
        assert_eq!(
            looks_like(html, true, true),
            "begins with <!DOCTYPE html> <html> <head><title>Sign in</title>…"
        );
        assert_eq!(looks_like(html, true, false), "HTML markup, not an image");
        assert_eq!(looks_like(PNG, false, true), "a PNG image");
        assert_eq!(
            looks_like(b"\0\x01\x02\x03", false, true),
            "binary bytes, not an image: 00 01 02 03"
        );
        assert_eq!(looks_like(b"", false, true), "no bytes");
        let long = "x".repeat(200);
        assert!(looks_like(long.as_bytes(), false, true).chars().count() < 80);
    }

    fn fetched(url: &str, same_origin: bool, outcome: LinkOutcome) -> Fetched {
        let url = url::Url::parse(url).unwrap();
        Fetched {
            link: Link {
                url: url.clone(),
                pointer: "/statusMessageList/7/iconUri".into(),
                uses: 2,
            },
            hops: vec![Hop {
                url,
                same_origin,
                cookies: same_origin,
                status: match &outcome {
                    LinkOutcome::Got(g) => Some(g.status),
                    _ => None,
                },
                location: None,
            }],
            outcome,
            same_origin,
            elapsed: Duration::from_millis(3),
        }
    }

    fn got(status: u16, media_type: &str, head: &[u8]) -> LinkOutcome {
        LinkOutcome::Got(Got {
            status,
            media_type: Some(media_type.into()),
            head: head.to_vec(),
            cut: false,
        })
    }

    fn run(fetched: Vec<Fetched>) -> LinkRun {
        LinkRun {
            plan: LinkPlan {
                links: fetched.iter().map(|f| f.link.clone()).collect(),
                messages: fetched.len(),
                ..LinkPlan::default()
            },
            fetched,
            max_links: 10,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn the_policy_table() {
        let target = "http://127.0.0.1:8018/icws/1/status/status-message-icons/A";
        let cdn = "https://cdn.example/a.png";
        let cases: Vec<(Fetched, Option<(bool, &str)>)> = vec![
            (fetched(target, true, got(200, "image/png", PNG)), None),
            (
                fetched(target, true, got(404, "application/json", b"{}")),
                Some((false, "there is no icon there")),
            ),
            (
                fetched(target, true, got(401, "application/json", b"{}")),
                Some((false, "all an <img> sends (never the ININ-ICWS-CSRF-Token")),
            ),
            (
                fetched(target, true, got(200, "text/html", b"<!DOCTYPE html>")),
                Some((false, "not an image type")),
            ),
            (
                fetched(target, true, got(200, "image/png", b"<!DOCTYPE html>")),
                Some((false, "its bytes are not an image")),
            ),
            (
                fetched(target, true, got(200, "image/png", b"")),
                Some((false, "empty")),
            ),
            (
                fetched(target, true, got(200, "image/png", b"GIF89a")),
                Some((true, "is a GIF image")),
            ),
            (fetched(target, true, got(200, "image/heic", PNG)), None),
            (
                fetched(target, true, LinkOutcome::Transport("refused".into())),
                Some((false, "no complete answer")),
            ),
            (
                fetched(cdn, false, LinkOutcome::Transport("dns".into())),
                Some((true, "cannot reach")),
            ),
            (
                fetched(cdn, false, got(404, "text/html", b"<html>")),
                Some((false, "does not load: 404")),
            ),
            (
                fetched(
                    "ftp://cdn.example/a.png",
                    false,
                    LinkOutcome::NotSent(NotSent::Scheme("ftp".into())),
                ),
                Some((false, "ftp: URL")),
            ),
            (
                fetched(
                    "data:image/png;base64,AAAA",
                    false,
                    LinkOutcome::NotSent(NotSent::Scheme("data".into())),
                ),
                None,
            ),
        ];
        for (f, want) in cases {
            let j = check(&run(vec![f.clone()]));
            match want {
                None => assert!(j.findings.is_empty(), "{f:?}: {:?}", j.findings),
                Some((interop, says)) => {
                    assert_eq!(j.findings.len(), 1, "{f:?}");
                    let finding = &j.findings[0];
                    assert_eq!(finding.req, RULE);
                    assert_eq!(
                        finding.place,
                        Place::Body("/statusMessageList/7/iconUri".into())
                    );
                    assert!(finding.message.contains(says), "{}", finding.message);
                    assert!(finding.message.contains("2 messages name this link"));
                    assert_eq!(
                        finding.level == crate::finding::Level::Interop,
                        interop,
                        "{}",
                        finding.message
                    );
                    let state = j.results[0].state;
                    assert_eq!(
                        state,
                        if interop {
                            LinkState::Warning
                        } else {
                            LinkState::Broken
                        }
                    );
                }
            }
        }
    }

    #[test]
    fn links_over_the_bound_and_unresolvable_ones_are_noted() {
        let f = fetched("http://127.0.0.1:1/a", true, got(200, "image/png", PNG));
        let mut r = run(vec![f.clone()]);
        r.plan.links.push(f.link.clone());
        r.plan.unresolved = (vec!["/statusMessageList/4/iconUri".into()], 1);
        let notes = check(&r).notes;
        assert!(
            notes[0].starts_with("checked 1 of 2 distinct icon links"),
            "{notes:?}"
        );
        assert!(
            notes[1].contains("/statusMessageList/4/iconUri"),
            "{notes:?}"
        );
    }
}
