//! The serving certificate: read from PEM files with errors that name the file and the reason,
//! and reloaded when the files change (cert-manager renews it well before it expires).

use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject, SectionKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;

use crate::admission::Admission;

/// Why a certificate and key cannot be served. The message never quotes the key file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsError {
    /// The file at fault (both, for a key that does not belong to the certificate).
    pub file: PathBuf,
    pub reason: String,
}

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.reason)
    }
}

impl std::error::Error for TlsError {}

/// The certificate and key files, as configured.
#[derive(Debug, Clone)]
pub(crate) struct CertificateFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// A loaded pair: the rustls configuration and what identifies the files' contents.
pub(crate) struct Loaded {
    pub config: ServerConfig,
    pub contents: ContentsHash,
    /// SHA-256 of the end-entity certificate, for the logs ("which certificate is served?").
    pub fingerprint: String,
}

/// A hash of both files' bytes, or of the error reading them: the reloader acts only when it
/// changes. Contents, not modification times, because a Secret volume swaps a `..data`
/// symlink and keeps the old times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ContentsHash(u64);

fn hash_of(parts: &[&[u8]]) -> ContentsHash {
    let mut hasher = DefaultHasher::new();
    for part in parts {
        part.hash(&mut hasher);
    }
    ContentsHash(hasher.finish())
}

/// The ring provider, named explicitly: the process must not depend on which provider some
/// dependency's features happened to make the default.
pub(crate) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

impl CertificateFiles {
    /// Reads and checks both files. The error names the file and says why.
    pub fn load(&self) -> Result<Loaded, TlsError> {
        let (cert_pem, key_pem) = self.read()?;
        let contents = hash_of(&[&cert_pem, &key_pem]);
        let (config, fingerprint) = self.server_config(&cert_pem, &key_pem)?;
        Ok(Loaded {
            config,
            contents,
            fingerprint,
        })
    }

    fn read(&self) -> Result<(Vec<u8>, Vec<u8>), TlsError> {
        let read = |file: &Path| {
            std::fs::read(file).map_err(|error| TlsError {
                file: file.to_path_buf(),
                reason: format!("cannot read the file: {error}"),
            })
        };
        Ok((read(&self.cert)?, read(&self.key)?))
    }

    fn server_config(
        &self,
        cert_pem: &[u8],
        key_pem: &[u8],
    ) -> Result<(ServerConfig, String), TlsError> {
        let chain = certificates(&self.cert, cert_pem)?;
        let key = private_key(&self.key, key_pem)?;
        let provider = provider();
        let signing_key = provider
            .key_provider
            .load_private_key(key)
            .map_err(|error| TlsError {
                file: self.key.clone(),
                reason: format!("the private key cannot be used: {error}"),
            })?;
        let certified = CertifiedKey::new(chain, signing_key);
        match certified.keys_match() {
            Ok(()) | Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => {}
            Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
                return Err(TlsError {
                    file: self.key.clone(),
                    reason: format!(
                        "this private key does not belong to the certificate in {} (a new \
                         certificate with the old key, or the other way round?)",
                        self.cert.display()
                    ),
                });
            }
            Err(error) => {
                return Err(TlsError {
                    file: self.cert.clone(),
                    reason: format!("the certificate is not a valid X.509 certificate: {error}"),
                });
            }
        }
        let fingerprint = certified
            .end_entity_cert()
            .map(|cert| sha256_hex(cert.as_ref()))
            .unwrap_or_default();
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| TlsError {
                file: self.cert.clone(),
                reason: format!("no TLS version to offer: {error}"),
            })?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(SingleCertificate(Arc::new(certified))));
        // HTTP/2 first: the API server's client speaks it and then keeps one connection.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok((config, fingerprint))
    }
}

/// Serves the one certificate whatever name the client asks for (the API server asks for the
/// Service's DNS name; tests and probes for an address).
#[derive(Debug)]
struct SingleCertificate(Arc<CertifiedKey>);

impl rustls::server::ResolvesServerCert for SingleCertificate {
    fn resolve(&self, _hello: rustls::server::ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(Arc::clone(&self.0))
    }
}

/// Every certificate of the file, leaf first. A file without one is an error that says what the
/// file holds instead (a key, when the two paths were swapped).
fn certificates(file: &Path, text: &[u8]) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let sections = sections(file, text)?;
    let chain: Vec<CertificateDer<'static>> = sections
        .iter()
        .filter(|(kind, _)| *kind == SectionKind::Certificate)
        .map(|(_, der)| CertificateDer::from(der.clone()))
        .collect();
    if chain.is_empty() {
        let holds_key = sections.iter().any(|(kind, _)| is_private_key(*kind));
        return Err(TlsError {
            file: file.to_path_buf(),
            reason: if holds_key {
                "no certificate in the file, only a private key (are --tls-cert and --tls-key \
                 swapped?)"
                    .to_string()
            } else {
                "no PEM certificate (-----BEGIN CERTIFICATE-----) in the file".to_string()
            },
        });
    }
    Ok(chain)
}

/// The one private key of the file (PKCS#8, PKCS#1 RSA or SEC1 EC).
fn private_key(file: &Path, text: &[u8]) -> Result<PrivateKeyDer<'static>, TlsError> {
    let sections = sections(file, text)?;
    let mut keys = sections
        .into_iter()
        .filter(|(kind, _)| is_private_key(*kind));
    let Some((kind, der)) = keys.next() else {
        return Err(TlsError {
            file: file.to_path_buf(),
            reason: "no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC \
                     PRIVATE KEY) in the file"
                .to_string(),
        });
    };
    if keys.next().is_some() {
        return Err(TlsError {
            file: file.to_path_buf(),
            reason: "more than one private key in the file; which one to use is ambiguous"
                .to_string(),
        });
    }
    PrivateKeyDer::from_pem(kind, der).ok_or_else(|| TlsError {
        file: file.to_path_buf(),
        reason: "the private key's PEM section is of an unknown type".to_string(),
    })
}

fn is_private_key(kind: SectionKind) -> bool {
    matches!(
        kind,
        SectionKind::PrivateKey | SectionKind::RsaPrivateKey | SectionKind::EcPrivateKey
    )
}

/// All PEM sections of a file. Errors describe the damage without quoting the file: it may be
/// the private key.
fn sections(file: &Path, text: &[u8]) -> Result<Vec<(SectionKind, Vec<u8>)>, TlsError> {
    let damaged = |reason: String| TlsError {
        file: file.to_path_buf(),
        reason,
    };
    if text.iter().all(u8::is_ascii_whitespace) {
        return Err(damaged("the file is empty".to_string()));
    }
    <(SectionKind, Vec<u8>)>::pem_slice_iter(text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| {
            damaged(match error {
                pem::Error::MissingSectionEnd { end_marker } => format!(
                    "invalid PEM: a section does not end (no \"{}\" line; is the file truncated?)",
                    String::from_utf8_lossy(&end_marker)
                ),
                pem::Error::IllegalSectionStart { .. } => {
                    "invalid PEM: a malformed -----BEGIN line".to_string()
                }
                pem::Error::Base64Decode(_) => {
                    "invalid PEM: the base64 between the BEGIN and END lines is damaged".to_string()
                }
                pem::Error::SectionTooLarge => "invalid PEM: a section is too large".to_string(),
                other => format!("invalid PEM: {other}"),
            })
        })
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest
        .as_ref()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Polls the files every `interval` and swaps the served certificate when their contents
/// changed and the new pair is good. New connections get the new certificate; open ones keep
/// theirs. A broken pair is logged and counted once and the old certificate stays.
pub(crate) async fn reload_when_changed(
    files: CertificateFiles,
    served: RustlsConfig,
    admission: Arc<Admission>,
    interval: Duration,
    mut seen: ContentsHash,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await; // the first tick is immediate: the files were just read
    loop {
        ticker.tick().await;
        let reader = files.clone();
        let Ok(read) = tokio::task::spawn_blocking(move || reader.read()).await else {
            continue;
        };
        let now = match &read {
            Ok((cert, key)) => hash_of(&[cert, key]),
            Err(error) => hash_of(&[error.to_string().as_bytes()]),
        };
        if now == seen {
            continue;
        }
        seen = now;
        let loaded = read.and_then(|(cert, key)| files.server_config(&cert, &key));
        match loaded {
            Ok((config, fingerprint)) => {
                served.reload_from_config(Arc::new(config));
                admission.metrics().record_tls_reload(true);
                tracing::info!(
                    cert = %files.cert.display(),
                    sha256 = %fingerprint,
                    "serving the new certificate to new connections"
                );
            }
            Err(error) => {
                admission.metrics().record_tls_reload(false);
                tracing::warn!(
                    error = %error,
                    "the certificate files changed but cannot be served; keeping the previous \
                     certificate until they change again"
                );
            }
        }
    }
}
