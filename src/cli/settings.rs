//! Parsed flags and environment → [`Settings`], or the one-line reason the
//! flags do not go together. Pure: it prints nothing (warnings are returned
//! for the edge to print) and reads no file; the environment variables that
//! are not flags (`CI`, `TF_BUILD`, `INSTA_UPDATE`) come in as [`Environment`].
//! Also the clap value parsers of `--timeout` and `--max-body`.

use std::path::PathBuf;
use std::time::Duration;

use super::Cli;
use crate::gate::snapshot::{self, WriteMode};
use crate::run::execute::GivenSession;
use crate::run::session::Credentials;
use crate::run::target::Transport;
use crate::secret::Secret;

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The target; `None` starts the embedded reference server.
    pub base_url: Option<String>,
    /// User name and password, for the run session and the cases that need their own.
    pub credentials: Option<Credentials>,
    /// A session the user already has.
    pub given_session: Option<GivenSession>,
    /// `Accept-Language` of the login.
    pub accept_language: String,
    /// Timeouts, limits, retries, TLS and proxy.
    pub transport: Transport,
    /// `--strict`: interop findings fail the run.
    pub strict: bool,
    /// The baseline file, if any (the edge reads it).
    pub baseline: Option<PathBuf>,
    /// `--strict-baseline`: a baseline entry that passes fails the run.
    pub strict_baseline: bool,
    /// Catalogue snapshots, when on (`--snapshots`, `--target-name`, or the embedded server).
    pub snapshots: Option<SnapshotSettings>,
    /// Extra case folders.
    pub extra_cases: Vec<PathBuf>,
}

/// Where catalogue snapshots are kept and how they may change.
#[derive(Debug, Clone)]
pub struct SnapshotSettings {
    /// The folder holding one sub-folder per target (default `snapshots`).
    pub dir: PathBuf,
    /// The target's name; absent: `reference` for the embedded server, else
    /// derived from the host.
    pub target_name: Option<String>,
    /// When files may be written.
    pub mode: WriteMode,
}

/// The environment variables that are not flags but change the run.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `CI` or `TF_BUILD` set and not `false`/`0`/empty (as insta decides it).
    pub ci: bool,
    /// `INSTA_UPDATE`, if set.
    pub insta_update: Option<String>,
}

impl Environment {
    /// Reads the variables.
    pub fn read() -> Self {
        let ci = ["CI", "TF_BUILD"].iter().any(|v| {
            std::env::var(v).ok().is_some_and(|x| {
                !matches!(x.trim().to_ascii_lowercase().as_str(), "" | "0" | "false")
            })
        });
        Self {
            ci,
            insta_update: std::env::var("INSTA_UPDATE").ok(),
        }
    }
}

/// Builds the settings from the flags and the process environment.
pub fn settings(cli: &Cli) -> Result<(Settings, Vec<String>), String> {
    settings_in(cli, &Environment::read())
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Builds the settings, or says which flags do not go together; also the
/// warnings the edge prints.
pub fn settings_in(cli: &Cli, env: &Environment) -> Result<(Settings, Vec<String>), String> {
    let mut warnings = Vec::new();
    let credentials = match (nonempty(&cli.user), nonempty(&cli.password)) {
        (Some(user), Some(password)) => Some(Credentials {
            user,
            password: Secret::new(password),
        }),
        (None, None) => None,
        (Some(_), None) => {
            return Err("--user / ICWS_USER is set but --password / ICWS_PASSWORD is not".into());
        }
        (None, Some(_)) => {
            return Err("--password / ICWS_PASSWORD is set but --user / ICWS_USER is not".into());
        }
    };
    let given = [
        nonempty(&cli.session_id),
        nonempty(&cli.csrf_token),
        nonempty(&cli.cookie),
    ];
    let given_session = match given {
        [Some(id), Some(token), Some(cookie)] => {
            if let Some(why) = crate::run::session::unsendable_id(&id) {
                return Err(format!("--session-id / ICWS_SESSION_ID: {why}"));
            }
            for (flag, value) in [
                ("--csrf-token / ICWS_CSRF_TOKEN", &token),
                ("--cookie / ICWS_COOKIE", &cookie),
            ] {
                if reqwest::header::HeaderValue::from_str(value).is_err() {
                    return Err(format!(
                        "{flag}: cannot be sent as a header value (control characters)"
                    ));
                }
            }
            Some(GivenSession {
                id,
                token: Secret::new(token),
                cookie: Secret::new(cookie),
            })
        }
        [None, None, None] => None,
        _ => {
            return Err(
                "an existing session needs all three: --session-id, --csrf-token and --cookie \
                        (ICWS_SESSION_ID, ICWS_CSRF_TOKEN, ICWS_COOKIE)"
                    .into(),
            );
        }
    };
    let base_url = nonempty(&cli.base_url);
    if base_url.is_none() && (credentials.is_some() || given_session.is_some()) {
        warnings.push(
            "note: no --base-url / ICWS_BASE_URL: running against the embedded reference server; the given login or session is not used".into(),
        );
    }
    if cli.strict_baseline && cli.baseline.is_none() {
        return Err("--strict-baseline needs --baseline FILE".into());
    }
    let snapshots = snapshot_settings(cli, env, base_url.is_none())?;
    if cli.insecure {
        warnings.push(
            "warning: --insecure: the server's TLS certificate is NOT verified; anyone on the \
             path can impersonate it and read the password and session. Use --ca-cert instead."
                .into(),
        );
    }
    let settings = Settings {
        base_url,
        credentials,
        given_session,
        accept_language: cli.accept_language.clone(),
        transport: Transport {
            timeout: cli.timeout,
            max_body: cli.max_body,
            retries: cli.retries,
            insecure: cli.insecure,
            ca_cert: cli.ca_cert.clone(),
            client_cert: cli.client_cert.clone(),
            client_key: cli.client_key.clone(),
            proxy: nonempty(&cli.proxy).map(Secret::new),
            direct: false,
        },
        strict: cli.strict,
        baseline: cli.baseline.clone(),
        strict_baseline: cli.strict_baseline,
        snapshots,
        extra_cases: cli.cases.clone(),
    };
    Ok((settings, warnings))
}

/// Snapshots are on for the embedded server, or with `--snapshots` or
/// `--target-name`; `--accept-snapshots` needs them on and no CI.
fn snapshot_settings(
    cli: &Cli,
    env: &Environment,
    embedded: bool,
) -> Result<Option<SnapshotSettings>, String> {
    let target_name = nonempty(&cli.target_name);
    if let Some(name) = &target_name {
        if !snapshot::valid_target_name(name) {
            return Err(format!(
                "--target-name / ICWS_TARGET_NAME {name:?}: use letters, digits, `.`, `-` and `_` (it names a folder)"
            ));
        }
    }
    let dir = cli.snapshots.clone().filter(|d| !d.as_os_str().is_empty());
    let on = embedded || dir.is_some() || target_name.is_some();
    if cli.accept_snapshots {
        if !on {
            return Err(
                "--accept-snapshots needs snapshots on: --snapshots DIR or --target-name NAME"
                    .into(),
            );
        }
        if env.ci {
            return Err(
                "--accept-snapshots is refused under CI: accept snapshots locally and commit them"
                    .into(),
            );
        }
    }
    if !on {
        return Ok(None);
    }
    let mode = WriteMode::from_values(env.ci, env.insta_update.as_deref(), cli.accept_snapshots);
    // `--list`, `--coverage` and `--explain` write nothing: a stray INSTA_UPDATE must not
    // stop them (nextest lists through this binary).
    let mode = match mode {
        Err(_) if cli.test.list || cli.coverage || cli.explain.is_some() => WriteMode::Never,
        other => other?,
    };
    Ok(Some(SnapshotSettings {
        dir: dir.unwrap_or_else(|| PathBuf::from("snapshots")),
        target_name,
        mode,
    }))
}

/// The longest `--timeout` taken: one day.
pub const MAX_TIMEOUT_SECS: f64 = 86_400.0;
/// The shortest `--timeout` taken: a millisecond.
pub const MIN_TIMEOUT_SECS: f64 = 0.001;

/// `--timeout`: a number of seconds from a millisecond to a day. (clap
/// names the flag; the message names the variable too.)
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && (MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(t))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| {
            format!(
                "not a positive number of seconds from {MIN_TIMEOUT_SECS} to {MAX_TIMEOUT_SECS} (flag or ICWS_TIMEOUT)"
            )
        })
}

/// `--max-body`: a size (see [`parse_size`]).
pub fn parse_max_body(text: &str) -> Result<usize, String> {
    parse_size(text).ok_or_else(|| {
        "is not a size: a number of bytes, or with KiB, MiB or GiB (flag or ICWS_MAX_BODY)"
            .to_owned()
    })
}

/// A switch from the environment: `1`, `true`, `yes`, `on` (any case) are
/// on; `0`, `false`, `no`, `off` and empty are off; anything else is an error
/// (a typo must not turn `--strict` on or off silently).
pub fn parse_switch(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "" | "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected 1/true/yes/on or 0/false/no/off".to_owned()),
    }
}

/// `16MiB`, `512KiB`, `1GiB`, `1000000` (bytes), `10MB`, `10kB` → bytes.
pub fn parse_size(text: &str) -> Option<usize> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: usize = digits.parse().ok()?;
    let factor: usize = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "kb" => 1000,
        "m" | "mib" => 1 << 20,
        "mb" => 1_000_000,
        "g" | "gib" => 1 << 30,
        "gb" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(factor).filter(|n| *n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_timeouts() {
        assert_eq!(parse_size("16MiB"), Some(16 << 20));
        assert_eq!(parse_size("10kB"), Some(10_000));
        assert_eq!(parse_size("0"), None);
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_switch("Yes"), Ok(true));
        assert_eq!(parse_switch(""), Ok(false));
        assert!(parse_switch("maybe").is_err());
        assert_eq!(parse_timeout("0.5"), Ok(Duration::from_millis(500)));
        for bad in ["0", "-1", "soon", "1e20", "inf", "NaN", "0.0000000001"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }
}
