//! The session store of the reference server, bounded: live sessions are
//! kept until they are ended (freed at once) or idle longer than the
//! configured idle time (freed at the next login or touch); at most
//! [`crate::Config::max_sessions`] are live at once. Ended sessions are
//! remembered only when a fault needs them (those that accept an ended
//! session's credentials: `ended-session-accepted`, `ended-token-accepted`,
//! …), and then at most [`ENDED_KEPT`] of them, the most recent. Also the
//! credentials a request presents (`Creds`), which the session checks
//! compare with the store.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// The most ended sessions remembered, when remembered at all.
pub const ENDED_KEPT: usize = 64;

/// One session's secrets.
#[derive(Debug, Clone)]
pub(crate) struct Rec {
    pub token: String,
    pub cookie_name: String,
    pub cookie_value: String,
    pub last_used: Instant,
}

/// The credentials a request presents: its CSRF token and its cookies
/// (name, value), as sent.
#[derive(Debug)]
pub(crate) struct Creds {
    pub token: Option<String>,
    pub cookies: Vec<(String, String)>,
}

impl Creds {
    /// True when the cookie (`name`, `value`) came with the request.
    pub fn has_cookie(&self, name: &str, value: &str) -> bool {
        self.cookies.iter().any(|(n, v)| n == name && v == value)
    }
}

/// Live sessions, and (optionally) a short record of ended ones.
#[derive(Debug, Default)]
pub(crate) struct Store {
    live: HashMap<String, Rec>,
    ended: VecDeque<(String, Rec)>,
}

impl Store {
    /// Number of live sessions (expired ones not yet swept included).
    pub fn live(&self) -> usize {
        self.live.len()
    }

    /// Number of ended sessions remembered.
    pub fn remembered(&self) -> usize {
        self.ended.len()
    }

    /// Frees every session idle longer than `idle`.
    pub fn sweep(&mut self, now: Instant, idle: Duration) {
        self.live
            .retain(|_, r| now.saturating_duration_since(r.last_used) <= idle);
    }

    pub fn insert(&mut self, sid: String, rec: Rec) {
        self.live.insert(sid, rec);
    }

    /// The live session `sid`, or `None`; an idle-expired one is freed here.
    pub fn get_live(&mut self, sid: &str, now: Instant, idle: Duration) -> Option<&mut Rec> {
        let expired = self
            .live
            .get(sid)
            .is_some_and(|r| now.saturating_duration_since(r.last_used) > idle);
        if expired {
            self.live.remove(sid);
            return None;
        }
        self.live.get_mut(sid)
    }

    /// A remembered ended session.
    pub fn get_ended(&self, sid: &str) -> Option<&Rec> {
        self.ended.iter().find(|(s, _)| s == sid).map(|(_, r)| r)
    }

    /// The remembered ended sessions, oldest first.
    pub fn ended(&self) -> impl Iterator<Item = &Rec> {
        self.ended.iter().map(|(_, r)| r)
    }

    /// A live session, not idle longer than `idle` at `now`, whose id
    /// `matches`: the one whose token is `token` when there is one, else
    /// the one with the smallest id (the same one each time).
    pub fn find_live_id(
        &self,
        matches: impl Fn(&str) -> bool,
        token: Option<&str>,
        now: Instant,
        idle: Duration,
    ) -> Option<&Rec> {
        let mut found: Vec<(&String, &Rec)> = self
            .live
            .iter()
            .filter(|(id, r)| matches(id) && now.saturating_duration_since(r.last_used) <= idle)
            .collect();
        found.sort_unstable_by(|a, b| a.0.cmp(b.0));
        found
            .iter()
            .find(|(_, r)| token == Some(r.token.as_str()))
            .or(found.first())
            .map(|(_, r)| *r)
    }

    /// Any live session whose token is `token`.
    pub fn find_by_token(&self, token: &str) -> Option<&Rec> {
        self.live.values().find(|r| r.token == token)
    }

    /// Any live session holding the cookie pair (`name`, `value`).
    pub fn find_by_cookie(&self, name: &str, value: &str) -> Option<&Rec> {
        self.live
            .values()
            .find(|r| r.cookie_name == name && r.cookie_value == value)
    }

    /// Any live session whose cookie value is `value`, whatever its name.
    pub fn find_by_cookie_value(&self, value: &str) -> Option<&Rec> {
        self.live.values().find(|r| r.cookie_value == value)
    }

    /// Any session, live or remembered ended, whose token is `token` and
    /// whose cookie is among `cookies`.
    pub fn find_by_pair(
        &self,
        token: &str,
        cookies: &[(String, String)],
        include_ended: bool,
    ) -> Option<&Rec> {
        let ended = self.ended.iter().map(|(_, r)| r).filter(|_| include_ended);
        self.live.values().chain(ended).find(|r| {
            r.token == token
                && cookies
                    .iter()
                    .any(|(n, v)| *n == r.cookie_name && *v == r.cookie_value)
        })
    }

    /// True when `creds` carry the token or the cookie value of a
    /// remembered ended session.
    pub fn replays_ended(&self, creds: &Creds) -> bool {
        self.ended.iter().any(|(_, r)| {
            creds.token.as_deref() == Some(r.token.as_str())
                || creds.cookies.iter().any(|(_, v)| *v == r.cookie_value)
        })
    }

    /// Ends every live session (remembered when `remember`).
    pub fn end_all(&mut self, remember: bool) {
        let ids: Vec<String> = self.live.keys().cloned().collect();
        for sid in ids {
            self.end(&sid, remember);
        }
    }

    /// Ends `sid`: frees it, and remembers it (bounded) when `remember`.
    pub fn end(&mut self, sid: &str, remember: bool) {
        if let Some(rec) = self.live.remove(sid) {
            if remember {
                if self.ended.len() >= ENDED_KEPT {
                    self.ended.pop_front();
                }
                self.ended.push_back((sid.to_owned(), rec));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(at: Instant) -> Rec {
        Rec {
            token: "t".into(),
            cookie_name: "c".into(),
            cookie_value: "v".into(),
            last_used: at,
        }
    }

    #[test]
    fn ended_sessions_are_freed_and_remembered_only_when_asked() {
        let now = Instant::now();
        let mut s = Store::default();
        s.insert("1".into(), rec(now));
        s.insert("2".into(), rec(now));
        s.end("1", false);
        assert_eq!((s.live(), s.remembered()), (1, 0));
        s.end("2", true);
        assert_eq!((s.live(), s.remembered()), (0, 1));
        assert!(s.get_ended("2").is_some());
        for i in 0..(ENDED_KEPT * 2) {
            s.insert(i.to_string(), rec(now));
            s.end(&i.to_string(), true);
        }
        assert_eq!(s.remembered(), ENDED_KEPT);
    }

    #[test]
    fn idle_sessions_expire() {
        let start = Instant::now();
        let idle = Duration::from_secs(10);
        let mut s = Store::default();
        s.insert("1".into(), rec(start));
        s.insert("2".into(), rec(start));
        let later = start + Duration::from_secs(11);
        assert!(s.get_live("1", later, idle).is_none());
        assert_eq!(s.live(), 1);
        s.sweep(later, idle);
        assert_eq!(s.live(), 0);
    }
}
