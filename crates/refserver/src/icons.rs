//! The status icons the catalogue's `iconUri`s point at, served as a real
//! Interaction Center serves them: at
//! `{prefix}/icws/{sessionId}/status/status-message-icons/{statusId}`, small
//! real images (a 16×16 PNG, or an SVG under [`Profile::SvgIcons`]), for a
//! request that carries the session cookie of the session in the path — a
//! browser's `<img>` sends cookies and never the CSRF token, so the token
//! is not asked for (a given catalogue's icon paths may name a session of
//! the server it was copied from, which no cookie here belongs to: those
//! are served to anyone).
//! [`base`] is where the catalogue's icon paths start
//! (the gateway's prefix, and under [`Profile::AbsoluteIconUris`] the
//! origin the catalogue request was sent to); under
//! [`Profile::RedirectedIcons`] each icon path answers `302 Found` to the
//! image at `<statusId>.png`. A fault bends the credential check or the
//! answer through its hooks (`icon_credentials`, `icon_reply`).

use std::time::Instant;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::profile::{self, Profile};
use crate::{AppState, Inner};

/// The resource segment of the icon paths, after `/status/`.
pub const ICONS_RESOURCE: &str = "status-message-icons";

/// A 16×16 PNG (a green disc on a transparent ground), 131 bytes.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x10, 0x08, 0x03, 0x00, 0x00, 0x00, 0x28, 0x2d, 0x0f,
    0x53, 0x00, 0x00, 0x00, 0x06, 0x50, 0x4c, 0x54, 0x45, 0x00, 0x00, 0x00, 0x2e, 0xa0, 0x43, 0xd6,
    0x66, 0x7e, 0xe6, 0x00, 0x00, 0x00, 0x01, 0x74, 0x52, 0x4e, 0x53, 0x00, 0x40, 0xe6, 0xd8, 0x66,
    0x00, 0x00, 0x00, 0x2b, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0xc0, 0x0a, 0x18, 0xc1,
    0x00, 0x9d, 0x8f, 0x10, 0x61, 0x64, 0x44, 0x15, 0x61, 0x64, 0x44, 0x15, 0x61, 0x64, 0x44, 0x13,
    0xa1, 0x89, 0x00, 0x86, 0xb5, 0x98, 0x0e, 0xc3, 0x74, 0x3a, 0xa6, 0xe7, 0x90, 0x01, 0x00, 0x53,
    0xf0, 0x00, 0x9d, 0x2e, 0xfc, 0xf0, 0xa2, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

/// The same disc as SVG, with what often comes before the element: an XML
/// declaration and a comment.
pub const SVG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<!-- status icon, icws-refserver -->\n\
<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"16\" height=\"16\" viewBox=\"0 0 16 16\">\
<circle cx=\"8\" cy=\"8\" r=\"7\" fill=\"#2ea043\"/></svg>\n";

/// Where the catalogue's icon paths start for a request with `headers`:
/// the path prefix, after the request's origin under
/// [`Profile::AbsoluteIconUris`].
pub(crate) fn base(state: &Inner, headers: &HeaderMap) -> String {
    let prefix = state.config.prefix();
    if state.has(Profile::AbsoluteIconUris) {
        format!("{}{prefix}", crate::request_origin(state, headers))
    } else {
        prefix.to_owned()
    }
}

/// The image's file extension and media type.
fn format(state: &Inner) -> (&'static str, &'static str) {
    if state.has(Profile::SvgIcons) {
        ("svg", "image/svg+xml")
    } else {
        ("png", "image/png")
    }
}

/// `GET …/status/status-message-icons/{name}`: the image, for a request
/// with the path session's cookie (and, under
/// [`Profile::AffinityCookie`], the load balancer's).
pub(crate) async fn icon(
    State(state): State<AppState>,
    Path((sid, name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let creds = crate::credentials(&headers);
    let now = Instant::now();
    let idle = state.config.session_idle;
    let allowed = {
        let mut store = state.sessions();
        match state.hooks.icon_credentials {
            Some(check) => check(&mut store, &creds, &sid, now, idle),
            None => match store.get_live(&sid, now, idle) {
                Some(rec) => creds.has_cookie(&rec.cookie_name, &rec.cookie_value),
                // A given catalogue's icon paths may name sessions of the
                // server it was copied from (no browser sends a cookie
                // there): served as that server's public images would be.
                None => state.config.catalogue.is_some(),
            },
        }
    };
    // Without the load balancer's cookie the request reaches a node that
    // does not know the session.
    let affinity = !state.has(Profile::AffinityCookie)
        || creds.has_cookie(profile::AFFINITY_COOKIE, &state.affinity);
    if !allowed || !affinity {
        return crate::error(
            &state,
            StatusCode::UNAUTHORIZED,
            "error.request.accessDenied",
            "The session is not valid or has expired.",
        );
    }
    let (ext, media_type) = format(&state);
    let status_id = name.strip_suffix(&format!(".{ext}"));
    if state.has(Profile::RedirectedIcons) && status_id.is_none() {
        // A relative reference: the last segment replaced.
        let to = format!("{}.{ext}", encode_segment(&name));
        let mut r = StatusCode::FOUND.into_response();
        if let Ok(v) = HeaderValue::from_str(&to) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        return r;
    }
    let status_id = status_id.unwrap_or(&name);
    if let Some(reply) = state.hooks.icon_reply.and_then(|f| f(status_id)) {
        return reply;
    }
    let body = if state.has(Profile::SvgIcons) {
        SVG.as_bytes().to_vec()
    } else {
        PNG.to_vec()
    };
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    r
}

/// Percent-encodes a path segment as the catalogue does.
fn encode_segment(text: &str) -> String {
    crate::catalogue::encode_segment(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_png_is_a_png() {
        assert!(PNG.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(PNG.ends_with(b"IEND\xae\x42\x60\x82"));
        assert!(SVG.contains("<svg "));
    }
}
