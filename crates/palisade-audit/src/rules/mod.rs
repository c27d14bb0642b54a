//! The audit rules, one file each (see `crate::registry`).

pub mod common;

pub mod admission_webhook_changed;
pub mod audit_evidence_deleted;
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
pub mod risky_role_created;
pub mod service_account_created_in_system_namespace;
pub mod system_role_modified;
pub mod wildcard_role_created;
pub mod workload_created_in_system_namespace;
