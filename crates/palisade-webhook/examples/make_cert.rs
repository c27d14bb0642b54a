//! Makes a throwaway CA and a serving certificate signed by it, for trying `palisade serve` on
//! this machine (and for bench/webhook.sh): never for a cluster, where cert-manager issues it.
//!
//! `cargo run -p palisade-webhook --example make_cert -- DIR [NAME...]` writes DIR/ca.crt,
//! DIR/tls.crt and DIR/tls.key (mode 0600), for the names given (default: localhost
//! and 127.0.0.1).

use std::path::Path;
use std::process::ExitCode;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

fn main() -> ExitCode {
    let mut arguments = std::env::args().skip(1);
    let Some(dir) = arguments.next() else {
        eprintln!("usage: make_cert DIR [NAME...]");
        return ExitCode::from(2);
    };
    let mut names: Vec<String> = arguments.collect();
    if names.is_empty() {
        names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
    }
    match make(Path::new(&dir), names) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("make_cert: {message}");
            ExitCode::FAILURE
        }
    }
}

fn make(dir: &Path, names: Vec<String>) -> Result<(), String> {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| e.to_string())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "palisade throwaway CA");
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let ca_key = KeyPair::generate().map_err(|e| e.to_string())?;
    let ca = ca_params.self_signed(&ca_key).map_err(|e| e.to_string())?;
    let issuer = Issuer::new(ca_params, ca_key);

    let common_name = names.first().cloned().unwrap_or_default();
    let mut params = CertificateParams::new(names).map_err(|e| e.to_string())?;
    params
        .distinguished_name
        .push(DnType::CommonName, common_name);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().map_err(|e| e.to_string())?;
    let cert = params.signed_by(&key, &issuer).map_err(|e| e.to_string())?;

    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write(&dir.join("ca.crt"), ca.pem().as_bytes(), 0o644)?;
    write(&dir.join("tls.crt"), cert.pem().as_bytes(), 0o644)?;
    write(&dir.join("tls.key"), key.serialize_pem().as_bytes(), 0o600)?;
    println!("{}", dir.display());
    Ok(())
}

/// Writes through a temporary file and a rename, so that a server polling the file never reads
/// half of it.
fn write(path: &Path, contents: &[u8], mode: u32) -> Result<(), String> {
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, contents).map_err(|e| format!("{}: {e}", temporary.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("{}: {e}", temporary.display()))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    std::fs::rename(&temporary, path).map_err(|e| format!("{}: {e}", path.display()))
}
