//! The target, decided once at the edge: no `--base-url` becomes the
//! embedded reference server on `127.0.0.1:0` with its demo login and its
//! built-in snapshots; a given URL becomes a [`Target`]. Every credential is
//! registered with the run's redactor the moment it is known.

use icws_refserver::{self as refserver, Running};

use super::args::Settings;
use crate::run::execute::GivenSession;
use crate::run::session::Credentials;
use crate::run::target::Target;
use crate::secret::{Redactor, Secret};

/// The target the runner receives.
#[derive(Debug)]
pub struct Resolved {
    /// The target (base URL, client).
    pub target: Target,
    /// The login, when there is one.
    pub credentials: Option<Credentials>,
    /// The session the user gave (remote targets only).
    pub given: Option<GivenSession>,
    /// The embedded server, while it runs (`None` for a remote target).
    pub server: Option<Running>,
}

impl Resolved {
    /// True for the embedded reference server.
    pub fn embedded(&self) -> bool {
        self.server.is_some()
    }
}

/// Starts the embedded server if the settings name no target, builds the
/// target, and registers the run's secrets. Must run inside the runtime.
pub async fn resolve(settings: &Settings, redactor: &Redactor) -> Result<Resolved, String> {
    let (server, base_url, credentials, given) = match &settings.base_url {
        Some(url) => (
            None,
            url.clone(),
            settings.credentials.clone(),
            settings.given_session.clone(),
        ),
        None => {
            // A browser page's origin (`--origin`) is allowed by CORS, as
            // `icws-refserver --cors ORIGIN` allows it.
            let config = refserver::Config {
                cors_origins: settings.origin.iter().cloned().collect(),
                ..refserver::Config::default()
            };
            let creds = Credentials {
                user: config.user.clone(),
                password: Secret::new(config.password.clone()),
            };
            let running = refserver::spawn(config)
                .await
                .map_err(|e| format!("cannot start the embedded reference server: {e}"))?;
            let url = running.base_url();
            (Some(running), url, Some(creds), None)
        }
    };
    if let Some(c) = &credentials {
        redactor.add_basic(&c.user, c.password.expose());
    }
    // The proxy URL (flag or environment) and a base URL may carry user
    // info; register the password as given and percent-decoded, and the
    // pair as Basic / Proxy-Authorization sends it.
    let proxy_vars = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"]
        .iter()
        .flat_map(|v| [v.to_string(), v.to_ascii_lowercase()])
        .filter_map(|v| std::env::var(v).ok());
    let proxies: Vec<String> = settings
        .transport
        .proxy
        .iter()
        .map(|p| p.expose().to_owned())
        .chain(proxy_vars)
        .collect();
    for url in proxies.iter().chain([&base_url]) {
        register_url_secrets(url, redactor);
    }
    for p in &proxies {
        redactor.add(p);
    }
    // The embedded server is on loopback: no proxy reaches it.
    let transport = crate::run::target::Transport {
        direct: server.is_some(),
        tls_proxy: proxies
            .iter()
            .any(|p| p.trim().to_ascii_lowercase().starts_with("https://")),
        ..settings.transport.clone()
    };
    let target = Target::with(&base_url, &transport).map_err(|e| e.to_string())?;
    Ok(Resolved {
        target,
        credentials,
        given,
        server,
    })
}

/// Registers the password of a URL's user info (raw and percent-decoded)
/// and the `user:password` pair of Basic authorization.
fn register_url_secrets(url: &str, redactor: &Redactor) {
    // Without `scheme://`, proxies and browsers read `user:pw@host` as http.
    let parsed = if url.contains("://") {
        url::Url::parse(url)
    } else {
        url::Url::parse(&format!("http://{url}"))
    };
    let Ok(u) = parsed else {
        return;
    };
    let Some(pw) = u.password() else {
        return;
    };
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let (user, password) = (decode(u.username()), decode(pw));
    redactor.add(pw);
    redactor.add_basic(u.username(), pw);
    redactor.add_basic(&user, &password);
}
