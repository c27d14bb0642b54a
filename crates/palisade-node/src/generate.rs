//! `palisade generate kubeadm`: a hardened kubeadm bundle that passes every automated check.
//!
//! The bundle's files are kept as real files in `templates/kubeadm/` (so they read, and diff, as
//! what they are); this module hands them out and puts a fresh encryption key in. The CLI writes
//! them: every file 0600, since [`SECRET_FILES`] hold a key.

use std::io::Read;

const KUBEADM_CONFIG: &str = include_str!("../templates/kubeadm/kubeadm-config.yaml");
const AUDIT_POLICY: &str = include_str!("../templates/kubeadm/audit-policy.yaml");
const ADMISSION_CONFIGURATION: &str =
    include_str!("../templates/kubeadm/admission-configuration.yaml");
const ENCRYPTION_CONFIGURATION: &str =
    include_str!("../templates/kubeadm/encryption-configuration.yaml");
const PREPARE_NODE: &str = include_str!("../templates/kubeadm/prepare-node.sh");
const README: &str = include_str!("../templates/kubeadm/README.md");

/// The file that holds the encryption key.
pub const ENCRYPTION_CONFIGURATION_FILE: &str = "encryption-configuration.yaml";

/// Files of the bundle that hold secrets: write them readable by their owner alone, keep them
/// out of version control, never print them.
pub const SECRET_FILES: &[&str] = &[ENCRYPTION_CONFIGURATION_FILE];

/// Stands for the key in [`kubeadm_bundle`]'s encryption configuration. Not base64, so an API
/// server given the unfilled file refuses to start instead of encrypting with a known key.
pub const ENCRYPTION_KEY_PLACEHOLDER: &str = "REPLACE-ME-WITH-32-RANDOM-BYTES-BASE64";

/// Whether a bundle file holds a secret.
pub fn is_secret(name: &str) -> bool {
    SECRET_FILES.contains(&name)
}

/// The files of the bundle: (file name, content), the encryption key still a placeholder
/// ([`ENCRYPTION_KEY_PLACEHOLDER`]); [`with_encryption_key`] fills it.
pub fn kubeadm_bundle() -> Vec<(String, String)> {
    [
        ("kubeadm-config.yaml", KUBEADM_CONFIG),
        ("audit-policy.yaml", AUDIT_POLICY),
        ("admission-configuration.yaml", ADMISSION_CONFIGURATION),
        (ENCRYPTION_CONFIGURATION_FILE, ENCRYPTION_CONFIGURATION),
        (crate::kubeadm::PREPARE_SCRIPT, PREPARE_NODE),
        ("README.md", README),
    ]
    .into_iter()
    .map(|(name, content)| (name.to_string(), content.to_string()))
    .collect()
}

/// The bundle with `key` (32 bytes for `secretbox`) in its encryption configuration.
pub fn with_encryption_key(bundle: Vec<(String, String)>, key: &[u8; 32]) -> Vec<(String, String)> {
    let encoded = base64(key);
    bundle
        .into_iter()
        .map(|(name, content)| {
            let content = if name == ENCRYPTION_CONFIGURATION_FILE {
                content.replace(ENCRYPTION_KEY_PLACEHOLDER, &encoded)
            } else {
                content
            };
            (name, content)
        })
        .collect()
}

/// 32 bytes from the operating system's random source (`/dev/urandom`, which never blocks once
/// the system has booted and is what the kernel's `getrandom` reads too).
pub fn random_encryption_key() -> std::io::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut key)?;
    Ok(key)
}

/// The bundle `palisade generate kubeadm` writes: [`kubeadm_bundle`] with a fresh random key.
pub fn kubeadm_bundle_with_random_key() -> std::io::Result<Vec<(String, String)>> {
    Ok(with_encryption_key(
        kubeadm_bundle(),
        &random_encryption_key()?,
    ))
}

/// Standard base64 with padding, as Kubernetes reads `secret:` values.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests;
