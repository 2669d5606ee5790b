//! Conformant profiles of the reference server: the twin of [`crate::Fault`].
//! A fault breaks one documented rule; a profile makes the server a
//! *different but conformant* deployment, the way real deployments differ in
//! ways the documentation allows (a load balancer's cookie, a gateway's path
//! prefix, another framing, a 401 where a 400 was also allowed…). Profiles
//! combine: any set of them, all at once included, is still a conformant
//! server, and faults still apply on top. Where two profiles pull in
//! opposite directions (framing by close / chunked), the server alternates
//! between them, one connection each, as a pool of differently configured
//! nodes would.

use std::fmt;

/// One way to be different and still conformant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Profile {
    /// A missing `ININ-ICWS-CSRF-Token` is answered 401 (with the ICWS
    /// challenge and the error body) instead of 400.
    MissingToken401,
    /// A missing session cookie is answered 400 instead of 401: with the
    /// default, every missing header is then a 400.
    MissingCookie400,
    /// The login's session id and token only in the 201's
    /// `ININ-ICWS-Session-ID` and `ININ-ICWS-CSRF-Token` headers.
    IdsInHeadersOnly,
    /// A load balancer's affinity cookie set at login beside
    /// `icws_<sessionId>`; a session request without it reaches another
    /// node, which does not know the session (401).
    AffinityCookie,
    /// An idle keep-alive connection is closed silently after a short idle
    /// time; the client learns it when it next uses the connection.
    IdleClose,
    /// Response bodies framed by closing the connection (no
    /// `Content-Length`, no chunking, `Connection: close`).
    CloseDelimited,
    /// Response bodies sent chunked, in several chunks.
    Chunked,
    /// Response bodies gzip-encoded when the request accepts gzip.
    Gzip,
    /// `DELETE /icws/{id}/connection` answers 200 (with a body, then
    /// without, alternately) instead of 204.
    Delete200,
    /// Tokens and cookie values holding `+`, `/` and `=`.
    Base64Tokens,
    /// Session ids with letters, not only digits.
    LetterSessionIds,
    /// Everything served under a gateway's path prefix, [`PATH_PREFIX`].
    PathPrefix,
    /// A hardened server: a wrong or missing token for a session ends that
    /// session.
    CsrfEndsSession,
    /// A hardened server: an ended session's token or cookie coming back
    /// (a sign the credentials were stolen) ends every session of the user.
    EndsAllOnReplay,
    /// The session cookie carries `Secure` even over plain http.
    SecureOverHttp,
    /// The catalogue holds the login password's text: in a `messageText`,
    /// and as a `systemId` when the password is digits.
    PasswordInCatalogue,
    /// Every response takes [`SLOW_DELAY_MS`] ms: slower than a second, well
    /// inside a 30 s timeout.
    Slow,
    /// A 401 carries several challenges: a gateway's `Basic` challenge in a
    /// header of its own (written loosely, as some gateways do), and the
    /// ICWS challenge followed by a `Negotiate` challenge in another.
    SeveralChallenges,
    /// Feature `status` is listed only in the login's `?include=features`;
    /// `GET /icws/connection/features` lists other features.
    FeaturesAtLoginOnly,
    /// The login ignores `?include=features` (as servers before that
    /// parameter do); `GET /icws/connection/features` lists every feature.
    /// Combined with [`Profile::FeaturesAtLoginOnly`], whose only list is
    /// the login's, the login still lists them.
    NoLoginFeatures,
    /// The ICWS media type spelled the other ways that still mean UTF-8
    /// JSON, response by response: a quoted upper-case charset, the `utf8`
    /// label with a capitalised parameter name, no charset at all.
    CharsetSpellings,
    /// A gateway limits how fast logins come: a login attempt after
    /// [`LOGINS_PER_WINDOW`] let through within [`LOGIN_WINDOW`] is
    /// answered `429 Too Many Requests` with `Retry-After: 1` and an ICWS
    /// error body (`error.request.tooManyRequests`).
    RateLimitedLogins,
    /// CORS (with `--cors`) as a gateway answers it: a preflight gets 200
    /// with fixed lists in their own letter case (every header an ICWS
    /// client sends, the vendor's correlation header among them), and the
    /// exposed headers are listed in lower case.
    CorsListed,
    /// The catalogue's icon paths answer `302 Found` to the image on
    /// another path (`Location: <name>.png`, a relative reference); both
    /// hops need the session cookie.
    RedirectedIcons,
    /// Status icons are SVG (`image/svg+xml`, an XML declaration and a
    /// comment before the `<svg>` element).
    SvgIcons,
    /// The catalogue's iconUris are absolute (`http://host:port/icws/…`,
    /// the origin the catalogue request was sent to).
    AbsoluteIconUris,
}

/// The path prefix of [`Profile::PathPrefix`].
pub const PATH_PREFIX: &str = "/gw/cic";
/// The idle time after which [`Profile::IdleClose`] drops a connection.
pub const IDLE_CLOSE_MS: u64 = 150;
/// The delay of every response under [`Profile::Slow`].
pub const SLOW_DELAY_MS: u64 = 1100;
/// The most logins [`Profile::RateLimitedLogins`] lets through within
/// [`LOGIN_WINDOW`].
pub const LOGINS_PER_WINDOW: usize = 2;
/// The window of [`Profile::RateLimitedLogins`], and its `Retry-After`.
pub const LOGIN_WINDOW: std::time::Duration = std::time::Duration::from_secs(1);
/// The affinity cookie's name under [`Profile::AffinityCookie`].
pub const AFFINITY_COOKIE: &str = "BIGipServerpool_icws";

/// (profile, name, how it differs, the open point of the documentation it exercises)
const TABLE: &[(Profile, &str, &str, &str)] = &[
    (
        Profile::MissingToken401,
        "missing-token-401",
        "a missing ININ-ICWS-CSRF-Token is answered 401 with the ICWS challenge and the error body (default: 400)",
        "a missing required header matches both REQ-400-1 and REQ-401-1",
    ),
    (
        Profile::MissingCookie400,
        "missing-cookie-400",
        "a missing session cookie is answered 400 with the error body (default: 401), so every missing header is a 400",
        "a missing required header matches both REQ-400-1 and REQ-401-1",
    ),
    (
        Profile::IdsInHeadersOnly,
        "ids-in-headers-only",
        "the login's 201 carries the session id and token only in ININ-ICWS-Session-ID and ININ-ICWS-CSRF-Token, not in the body",
        "where a client takes the session id and token from (the vendor's client reads only the headers)",
    ),
    (
        Profile::AffinityCookie,
        "affinity-cookie",
        "login also sets a load balancer's cookie (BIGipServerpool_icws=…; Path=/); a session request without it is answered 401, as another node does not know the session",
        "a load balancer's own cookies beside icws_<sessionId>: return every cookie as a browser would",
    ),
    (
        Profile::IdleClose,
        "idle-close",
        "a keep-alive connection idle for 150 ms is closed silently: the next GET or DELETE on it gets the connection closed before any response byte (POST is spared)",
        "idle keep-alive connections closed without notice (RFC 9112 §9.3): retry an idempotent request once on a fresh connection",
    ),
    (
        Profile::CloseDelimited,
        "close-delimited",
        "response bodies framed by closing the connection: no Content-Length, no chunking, Connection: close (with chunked on too: every other connection)",
        "HTTP/1.1 message framing is the transport's choice, not the documentation's",
    ),
    (
        Profile::Chunked,
        "chunked",
        "response bodies sent with Transfer-Encoding: chunked, in several chunks",
        "HTTP/1.1 message framing is the transport's choice, not the documentation's",
    ),
    (
        Profile::Gzip,
        "gzip",
        "response bodies gzip-encoded (Content-Encoding: gzip) when the request's Accept-Encoding allows gzip",
        "content codings a deployment (or its gateway) applies",
    ),
    (
        Profile::Delete200,
        "delete-200",
        "DELETE /icws/{id}/connection answers 200, with a JSON body and without one, alternately (default: 204)",
        "disconnect success is a 2xx: 200 or 204 is unconfirmed",
    ),
    (
        Profile::Base64Tokens,
        "base64-tokens",
        "CSRF tokens and cookie values hold +, / and =",
        "the token and cookie are opaque",
    ),
    (
        Profile::LetterSessionIds,
        "letter-session-ids",
        "session ids hold letters and digits (real servers send digits)",
        "session ids with letters",
    ),
    (
        Profile::PathPrefix,
        "path-prefix",
        "everything is served under /gw/cic (/gw/cic/icws/…); the root answers 404",
        "a base URL may carry a path prefix of its own (REQ-REQ-1)",
    ),
    (
        Profile::CsrfEndsSession,
        "csrf-ends-session",
        "a hardened server: a wrong or missing ININ-ICWS-CSRF-Token for a live session ends that session",
        "a session ended by the server after a CSRF failure: cases must not share sessions they can harm",
    ),
    (
        Profile::EndsAllOnReplay,
        "ends-all-on-replay",
        "a hardened server: a request carrying an ended session's token or cookie ends every live session of the user (stolen credentials are revoked as a family)",
        "a server may end sessions after a refused request, other sessions than the one it names included: a refused request proves nothing until the sessions are known live",
    ),
    (
        Profile::SecureOverHttp,
        "secure-cookie-over-http",
        "the session cookie carries Secure over plain http too (default: only over TLS)",
        "a test tool sends the cookie whatever its Secure attribute says",
    ),
    (
        Profile::PasswordInCatalogue,
        "password-in-catalogue",
        "the catalogue holds the password's text in a messageText, and as a systemId when the password is digits",
        "secrets are scrubbed from output, not from what checks see",
    ),
    (
        Profile::Slow,
        "slow",
        "every response takes 1.1 s (slower than a second, well inside a 30 s timeout)",
        "no response time is documented",
    ),
    (
        Profile::SeveralChallenges,
        "several-challenges",
        "a 401 carries WWW-Authenticate: Basic realm=https://gw.example/cic (loosely written, as some gateways do) and, in another header, the ICWS challenge followed by Negotiate",
        "REQ-401-2 asks for the ICWS challenge, not for it alone",
    ),
    (
        Profile::FeaturesAtLoginOnly,
        "features-at-login-only",
        "feature status is listed only by the login's ?include=features; GET /icws/connection/features lists other features",
        "the feature list is documented in two places; either conforms to SES-FEAT-1",
    ),
    (
        Profile::NoLoginFeatures,
        "no-login-features",
        "the login ignores ?include=features; GET /icws/connection/features lists every feature",
        "the feature list is documented in two places; either conforms to SES-FEAT-1",
    ),
    (
        Profile::CharsetSpellings,
        "charset-spellings",
        "JSON responses declare their media type as application/vnd.inin.icws+json;charset=\"UTF-8\", application/vnd.inin.icws+JSON; Charset=utf8, or with no charset, in turn",
        "media type names and parameters compare case-insensitively, and JSON is UTF-8 (RFC 8259 §8.1) whether or not a charset says so",
    ),
    (
        Profile::RateLimitedLogins,
        "rate-limited-logins",
        "more than 2 login attempts within one second: the third is answered 429 Too Many Requests with Retry-After: 1 and an ICWS error body (error.request.tooManyRequests); refused attempts do not count, so a client that waits a second gets through",
        "a gateway limits how fast a user logs in; RFC 6585 §4 / RFC 9110 §10.2.3 Retry-After",
    ),
    (
        Profile::CorsListed,
        "cors-listed",
        "with --cors: a preflight is answered 200 (not 204) with fixed lists, Access-Control-Allow-Headers: accept-language, CONTENT-TYPE, Inin-Icws-Csrf-Token, X-ICWS-DevTools-CorrelationId, X-Requested-With and methods GET, POST, DELETE, OPTIONS; exposed headers in lower case",
        "a preflight's status only needs to be 2xx, and header names compare case-insensitively (Fetch, CORS protocol)",
    ),
    (
        Profile::RedirectedIcons,
        "redirected-icons",
        "each iconUri answers 302 Found with Location: <name>.png (a relative reference), where the image is; both hops need the session cookie, neither the token",
        "an iconUri is a URI reference; a browser's <img> follows redirects and sends the cookies that apply to each hop",
    ),
    (
        Profile::SvgIcons,
        "svg-icons",
        "status icons are SVG: image/svg+xml, an XML declaration and a comment before the <svg> element",
        "the documentation does not say which image format an icon is in",
    ),
    (
        Profile::AbsoluteIconUris,
        "absolute-icon-uris",
        "the catalogue's iconUris are absolute: http://host:port/icws/…, the origin the catalogue request was sent to (from its Host)",
        "iconUri is a URI reference: absolute or relative (RFC 3986)",
    ),
];

impl Profile {
    /// Every profile, in a stable order.
    pub fn all() -> Vec<Profile> {
        TABLE.iter().map(|(p, ..)| *p).collect()
    }

    fn row(&self) -> (&'static str, &'static str, &'static str) {
        TABLE
            .iter()
            .find(|(p, ..)| p == self)
            .map_or(("?", "", ""), |(_, n, a, e)| (*n, *a, *e))
    }

    /// The profile's name, e.g. `affinity-cookie`.
    pub fn name(&self) -> &'static str {
        self.row().0
    }

    /// How the server differs from the default under this profile.
    pub fn about(&self) -> &'static str {
        self.row().1
    }

    /// The point the documentation leaves open that the profile exercises.
    pub fn exercises(&self) -> &'static str {
        self.row().2
    }

    /// Parses a profile name; the error lists the names.
    pub fn parse(name: &str) -> Result<Profile, String> {
        TABLE
            .iter()
            .find(|(_, n, ..)| *n == name)
            .map(|(p, ..)| *p)
            .ok_or_else(|| {
                let names: Vec<&str> = TABLE.iter().map(|(_, n, ..)| *n).collect();
                format!(
                    "unknown profile {name:?}; known profiles: {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let all = Profile::all();
        let mut names: Vec<&str> = all.iter().map(Profile::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), all.len());
        for p in all {
            assert_eq!(Profile::parse(p.name()), Ok(p));
            assert!(!p.about().is_empty() && !p.exercises().is_empty(), "{p}");
        }
        let err = Profile::parse("nope").err().unwrap_or_default();
        assert!(err.contains("affinity-cookie"), "{err}");
    }
}
