//! Supply chain: images, registries, credentials and secrets in manifests, Dockerfiles.

// Secrets and credentials.
pub mod credential_in_configmap;
mod credentials;
pub mod default_credentials;
pub mod secret_in_env_var;
pub mod secret_in_manifest;
