//! The audit rules, one file each (see `crate::registry`).

pub mod common;

pub mod anonymous_request_allowed;
pub mod certificate_signing_request_approved;
pub mod client_certificate_requested;
pub mod exec_into_pod;
pub mod repeated_access_denied;
pub mod secrets_listed_cluster_wide;
pub mod service_account_token_created;
pub mod service_account_token_outside_cluster;
pub mod unexpected_namespace_created;
pub mod unexpected_user;
pub mod untrusted_image_deployed;
pub mod unusual_secret_access;
pub mod user_impersonation;
