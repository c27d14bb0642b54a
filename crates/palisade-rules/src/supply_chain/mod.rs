//! Supply chain: images, registries, credentials and secrets in manifests, Dockerfiles.

// Images.
mod images;
mod popular_images;
mod typosquat;

pub mod image_without_digest;
pub mod latest_image_tag;
pub mod typosquatted_image;
pub mod unsafe_image_pull_policy;
pub mod untrusted_registry;

// Secrets and credentials.
pub mod credential_in_configmap;
mod credentials;
pub mod default_credentials;
pub mod secret_in_env_var;
pub mod secret_in_manifest;

// Risky components.
pub mod git_sync_injection;

mod dockerfile;

// Dockerfiles (CIS Docker Benchmark section 4).
pub mod dockerfile_latest_base_image;
pub mod dockerfile_missing_healthcheck;
pub mod dockerfile_remote_add;
pub mod dockerfile_root_user;
pub mod dockerfile_secret_in_env;
pub mod dockerfile_unpinned_base_image;
