//! TLS through the binary, against the reference server behind a real TLS
//! listener with a certificate from a throw-away CA: verification on by
//! default, `--ca-cert` to trust a private CA, `--insecure` to skip it (with
//! a warning), and `--client-cert`/`--client-key` for mutual TLS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use crate::common::{login_env, pairs, run, runtime};
use icws_refserver::{self as refserver, Config};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use tokio_rustls::rustls::{self, RootCertStore, pki_types};

struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
    server: (rcgen::Certificate, KeyPair),
    client: (rcgen::Certificate, KeyPair),
}

fn leaf(
    ca: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params.extended_key_usages = vec![usage];
    (params.signed_by(&key, ca).unwrap(), key)
}

fn pki() -> Pki {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "icws-conformance test CA");
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let server = leaf(
        &ca,
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let client = leaf(&ca, &["agent1"], ExtendedKeyUsagePurpose::ClientAuth);
    Pki { ca, server, client }
}

/// Serves the reference server over TLS; with `client_ca`, only to clients
/// presenting a certificate from that CA.
async fn serve_tls(pki: &Pki, require_client_cert: bool) -> String {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap();
    let builder = if require_client_cert {
        let mut roots = RootCertStore::empty();
        roots.add(pki.ca.der().clone()).unwrap();
        let verifier =
            rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .unwrap();
        builder.with_client_cert_verifier(verifier)
    } else {
        builder.with_no_client_auth()
    };
    let key = pki_types::PrivatePkcs8KeyDer::from(pki.server.1.serialize_der());
    let config = builder
        .with_single_cert(vec![pki.server.0.der().clone()], key.into())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = refserver::app(Config::default());
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let app = app.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let svc = hyper_util::service::TowerToHyperService::new(app);
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), svc)
                        .await;
                }
            });
        }
    });
    format!("https://127.0.0.1:{}", addr.port())
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn certificates_are_verified_and_a_private_ca_can_be_trusted() {
    let rt = runtime();
    let pki = pki();
    let url = rt.block_on(serve_tls(&pki, false));
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca.pem());
    let env = login_env(&url);
    let (code, out, err) = run(&[], &pairs(&env));
    assert_eq!(code, 2, "an unknown CA must be refused: {out}\n{err}");
    assert!(err.contains("invalid peer certificate"), "{err}");
    assert!(err.contains("trust it with --ca-cert FILE"), "{err}");
    let (code, out, err) = run(&["--ca-cert", &ca], &pairs(&env));
    assert_eq!(code, 0, "{out}\n{err}");
    let mut by_env = env.clone();
    by_env.push(("ICWS_CA_CERT", ca.clone()));
    assert_eq!(run(&[], &pairs(&by_env)).0, 0);
    let (code, out, err) = run(&["--insecure"], &pairs(&env));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("NOT verified"), "{err}");
}

#[test]
fn mutual_tls_sends_the_client_certificate() {
    let rt = runtime();
    let pki = pki();
    let url = rt.block_on(serve_tls(&pki, true));
    let dir = tempfile::tempdir().unwrap();
    let ca = write(dir.path(), "ca.pem", &pki.ca.pem());
    let cert = write(dir.path(), "client.pem", &pki.client.0.pem());
    let key = write(dir.path(), "client.key", &pki.client.1.serialize_pem());
    let env = login_env(&url);
    let (code, out, err) = run(&["--ca-cert", &ca], &pairs(&env));
    assert_eq!(code, 2, "no client certificate, no entry: {out}\n{err}");
    let (code, out, err) = run(
        &[
            "--ca-cert",
            &ca,
            "--client-cert",
            &cert,
            "--client-key",
            &key,
        ],
        &pairs(&env),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    let mut by_env = env.clone();
    by_env.extend([
        ("ICWS_CA_CERT", ca.clone()),
        ("ICWS_CLIENT_CERT", cert.clone()),
        ("ICWS_CLIENT_KEY", key.clone()),
    ]);
    assert_eq!(run(&[], &pairs(&by_env)).0, 0);
}
