//! What stands between a client and a login, in front of the reference
//! server's own checks: a gateway that limits how fast logins come
//! ([`Profile::RateLimitedLogins`], conformant: wait and retry), and
//! [`LoginGate`], an environment in which no login gets through (a gateway
//! that stays busy, a server down for maintenance, the standby node of a
//! switchover pair). A gate is neither a profile nor a fault: the harness
//! cannot test the server behind it and must give up clearly, saying why.
//! Both answer with an ICWS error body; only `POST /icws/connection` is
//! gated, the feature listing and session requests are not.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::Inner;
use crate::profile::{self, Profile};

/// A gate in front of every login ([`crate::Config::login_gate`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginGate {
    /// Every login answered `429 Too Many Requests` with this
    /// `Retry-After` value, verbatim (seconds or an HTTP date), and an
    /// ICWS error body `error.request.tooManyRequests`: a gateway that
    /// stays busy however long the client waits.
    Busy {
        /// The `Retry-After` value sent.
        retry_after: String,
    },
    /// Every login answered `503 Service Unavailable`,
    /// `error.server.unavailable`, with `Retry-After` when given: a server
    /// down for maintenance.
    Unavailable {
        /// The `Retry-After` value sent, if any.
        retry_after: Option<String>,
    },
    /// Every login answered `503`, `error.server.notAcceptingConnections`
    /// with `alternateHostList` naming these hosts (possibly none): the
    /// node of a switchover pair that is not primary.
    Switchover {
        /// The hosts the body names, in order.
        hosts: Vec<String>,
    },
}

/// The forms [`LoginGate::parse`] reads, for error messages and `--help`.
pub const LOGIN_GATE_FORMS: &str =
    "busy:RETRY_AFTER, unavailable, unavailable:RETRY_AFTER, switchover, switchover:HOST[,HOST...]";

impl LoginGate {
    /// Reads `busy:RETRY_AFTER`, `unavailable[:RETRY_AFTER]` or
    /// `switchover[:HOST[,HOST…]]` (`switchover` alone: an empty host
    /// list). `RETRY_AFTER` is what RFC 9110 §10.2.3 allows: a number of
    /// seconds or an HTTP date. The error says what is wrong and the forms.
    pub fn parse(text: &str) -> Result<LoginGate, String> {
        let (kind, rest) = match text.split_once(':') {
            Some((kind, rest)) => (kind, Some(rest)),
            None => (text, None),
        };
        match (kind, rest) {
            ("busy", Some(value)) => Ok(LoginGate::Busy {
                retry_after: retry_after(value)?,
            }),
            ("busy", None) => Err(format!(
                "login gate {text:?}: busy needs the Retry-After value to send, e.g. busy:3600 (forms: {LOGIN_GATE_FORMS})"
            )),
            ("unavailable", value) => Ok(LoginGate::Unavailable {
                retry_after: value.map(retry_after).transpose()?,
            }),
            ("switchover", None) => Ok(LoginGate::Switchover { hosts: Vec::new() }),
            ("switchover", Some(list)) => {
                let hosts = list
                    .split(',')
                    .map(|h| {
                        let ok = !h.is_empty()
                            && h.chars().all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
                        if ok {
                            Ok(h.to_owned())
                        } else {
                            Err(format!(
                                "login gate {text:?}: {h:?} is not a host name (switchover:HOST[,HOST...], e.g. switchover:ccs2.example.com,ccs3.example.com:8019; switchover alone for an empty list)"
                            ))
                        }
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(LoginGate::Switchover { hosts })
            }
            _ => Err(format!(
                "unknown login gate {text:?}; the forms are {LOGIN_GATE_FORMS}"
            )),
        }
    }
}

/// `value` when it is a `Retry-After` value: delay-seconds (digits) or an
/// HTTP date.
fn retry_after(value: &str) -> Result<String, String> {
    let seconds = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    if seconds || httpdate::parse_http_date(value).is_ok() {
        Ok(value.to_owned())
    } else {
        Err(format!(
            "{value:?} is not a Retry-After value: a number of seconds (e.g. 3600) or an HTTP date (e.g. \"Wed, 21 Oct 2026 07:28:00 GMT\")"
        ))
    }
}

impl fmt::Display for LoginGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginGate::Busy { retry_after } => write!(f, "busy:{retry_after}"),
            LoginGate::Unavailable { retry_after: None } => f.write_str("unavailable"),
            LoginGate::Unavailable {
                retry_after: Some(r),
            } => write!(f, "unavailable:{r}"),
            LoginGate::Switchover { hosts } if hosts.is_empty() => f.write_str("switchover"),
            LoginGate::Switchover { hosts } => write!(f, "switchover:{}", hosts.join(",")),
        }
    }
}

/// The logins let through lately, for [`Profile::RateLimitedLogins`].
#[derive(Debug, Default)]
pub(crate) struct RateWindow {
    admitted: Mutex<VecDeque<Instant>>,
}

impl RateWindow {
    /// True when a login at `now` may go on: fewer than
    /// [`profile::LOGINS_PER_WINDOW`] were let through within
    /// [`profile::LOGIN_WINDOW`] before it. Only logins let through count,
    /// so a client that waits the `Retry-After` it was given gets through.
    fn admit(&self, now: Instant) -> bool {
        let mut admitted = match self.admitted.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        while admitted
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= profile::LOGIN_WINDOW)
        {
            admitted.pop_front();
        }
        if admitted.len() >= profile::LOGINS_PER_WINDOW {
            return false;
        }
        admitted.push_back(now);
        true
    }
}

/// The answer of the gate in front of a login, if it stops it: the
/// configured [`LoginGate`], then the rate limit of
/// [`Profile::RateLimitedLogins`].
pub(crate) fn refusal(state: &Inner) -> Option<Response> {
    if let Some(gate) = &state.config.login_gate {
        return Some(match gate {
            LoginGate::Busy { retry_after } => too_many(state, retry_after),
            LoginGate::Unavailable { retry_after } => {
                let resp = crate::error(
                    state,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "error.server.unavailable",
                    "The server is unavailable.",
                );
                match retry_after {
                    Some(r) => with_retry_after(resp, r),
                    None => resp,
                }
            }
            LoginGate::Switchover { hosts } => crate::error_with(
                state,
                StatusCode::SERVICE_UNAVAILABLE,
                "error.server.notAcceptingConnections",
                "This server is not accepting connections.",
                &[("alternateHostList", json!(hosts))],
            ),
        });
    }
    let limited =
        state.has(Profile::RateLimitedLogins) && !state.login_window.admit(Instant::now());
    limited.then(|| too_many(state, &profile::LOGIN_WINDOW.as_secs().to_string()))
}

/// A 429 with the ICWS error body and `Retry-After: retry_after`.
fn too_many(state: &Inner, retry_after: &str) -> Response {
    let resp = crate::error(
        state,
        StatusCode::TOO_MANY_REQUESTS,
        "error.request.tooManyRequests",
        "Too many login requests: try again later.",
    );
    with_retry_after(resp, retry_after)
}

fn with_retry_after(mut resp: Response, value: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn gates_parse_and_print_back() {
        for (text, gate) in [
            (
                "busy:1",
                LoginGate::Busy {
                    retry_after: "1".into(),
                },
            ),
            (
                "busy:Wed, 21 Oct 2026 07:28:00 GMT",
                LoginGate::Busy {
                    retry_after: "Wed, 21 Oct 2026 07:28:00 GMT".into(),
                },
            ),
            ("unavailable", LoginGate::Unavailable { retry_after: None }),
            (
                "unavailable:3600",
                LoginGate::Unavailable {
                    retry_after: Some("3600".into()),
                },
            ),
            ("switchover", LoginGate::Switchover { hosts: Vec::new() }),
            (
                "switchover:ccs2.example.com,ccs3:8019",
                LoginGate::Switchover {
                    hosts: vec!["ccs2.example.com".into(), "ccs3:8019".into()],
                },
            ),
        ] {
            assert_eq!(LoginGate::parse(text), Ok(gate.clone()), "{text}");
            assert_eq!(gate.to_string(), text);
        }
    }

    #[test]
    fn bad_gates_are_refused_saying_why() {
        for (text, says) in [
            ("busy", "busy needs the Retry-After value"),
            ("busy:", "is not a Retry-After value"),
            ("busy:soon", "is not a Retry-After value"),
            ("busy:-1", "is not a Retry-After value"),
            ("unavailable:1.5", "is not a Retry-After value"),
            ("switchover:", "is not a host name"),
            ("switchover:a,,b", "is not a host name"),
            ("switchover:a b", "is not a host name"),
            ("closed", "unknown login gate"),
            ("Busy:1", "unknown login gate"),
        ] {
            let err = LoginGate::parse(text).err().unwrap_or_default();
            assert!(err.contains(says), "{text}: {err}");
        }
        let err = LoginGate::parse("closed").err().unwrap_or_default();
        assert!(err.contains(LOGIN_GATE_FORMS), "{err}");
    }

    #[test]
    fn the_window_lets_two_logins_a_second_through() {
        let w = RateWindow::default();
        let t0 = Instant::now();
        assert!(w.admit(t0));
        assert!(w.admit(t0 + Duration::from_millis(100)));
        assert!(!w.admit(t0 + Duration::from_millis(200)));
        assert!(!w.admit(t0 + Duration::from_millis(900)));
        // The first has left the window; the refused ones never entered it.
        assert!(w.admit(t0 + Duration::from_millis(1000)));
        assert!(!w.admit(t0 + Duration::from_millis(1050)));
        assert!(w.admit(t0 + Duration::from_millis(1100)));
    }
}
