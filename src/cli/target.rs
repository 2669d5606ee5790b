//! The target, decided once at the edge: no `--base-url` becomes the
//! embedded reference server on `127.0.0.1:0` with its demo login and its
//! built-in snapshots; a given URL becomes a [`Target`]. Every credential is
//! registered with the run's redactor the moment it is known.

use icws_refserver::{self as refserver, Running};

use super::settings::Settings;
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
            let config = refserver::Config::default();
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
        redactor.add(c.password.expose());
    }
    // A proxy URL, or a base URL with user info, may carry a password.
    let proxy = settings.transport.proxy.as_ref().map(Secret::expose);
    for url in proxy.into_iter().chain([base_url.as_str()]) {
        if let Ok(u) = url::Url::parse(url) {
            if let Some(pw) = u.password() {
                redactor.add(pw);
            }
        }
    }
    if let Some(p) = proxy {
        redactor.add(p);
    }
    let target = Target::with(&base_url, &settings.transport).map_err(|e| e.to_string())?;
    Ok(Resolved {
        target,
        credentials,
        given,
        server,
    })
}
