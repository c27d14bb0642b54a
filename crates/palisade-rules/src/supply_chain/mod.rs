//! Supply chain: images, registries, credentials and secrets in manifests, Dockerfiles.

mod dockerfile;

// Dockerfiles (CIS Docker Benchmark section 4).
pub mod dockerfile_latest_base_image;
pub mod dockerfile_missing_healthcheck;
pub mod dockerfile_remote_add;
pub mod dockerfile_root_user;
pub mod dockerfile_secret_in_env;
pub mod dockerfile_unpinned_base_image;
