//! The audit rules, one file each (see `crate::registry`).

pub mod common;

pub mod admission_webhook_changed;
pub mod anonymous_request_allowed;
pub mod audit_evidence_deleted;
pub mod certificate_signing_request_approved;
pub mod client_certificate_requested;
pub mod cluster_admin_granted;
pub mod configmap_with_credentials;
pub mod ephemeral_container_added;
pub mod exec_into_pod;
pub mod host_namespace_pod_created;
pub mod host_path_pod_created;
pub mod ingress_without_tls_created;
pub mod node_port_service_created;
pub mod object_changed;
pub mod persistent_workload_created;
pub mod port_forward_to_pod;
pub mod privileged_pod_created;
pub mod repeated_access_denied;
pub mod risky_role_created;
pub mod secrets_listed_cluster_wide;
pub mod service_account_created_in_system_namespace;
pub mod service_account_token_created;
pub mod service_account_token_outside_cluster;
pub mod system_role_modified;
pub mod unexpected_namespace_created;
pub mod unexpected_user;
pub mod untrusted_image_deployed;
pub mod unusual_secret_access;
pub mod user_impersonation;
pub mod wildcard_role_created;
pub mod workload_created_in_system_namespace;
