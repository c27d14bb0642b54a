//! Access: service accounts, their tokens, and RBAC (the model in [`rbac`], the rules beside it).

pub mod rbac;
pub(crate) mod service_accounts;

// Service accounts.
pub mod automounted_service_account_token;
pub mod default_service_account;
pub mod long_lived_service_account_token;

// RBAC: the whole-cluster analysis (issue 7).
pub mod leftover_bootstrap_token;
pub mod rbac_binding_to_everyone;
pub mod rbac_binding_to_missing_role;
pub mod rbac_cluster_admin_to_individual;
pub mod rbac_csr_approval;
pub mod rbac_escalate_or_bind;
pub mod rbac_event_deletion;
pub mod rbac_impersonation;
pub mod rbac_kube_system_configmap_write;
pub mod rbac_namespace_modification;
pub mod rbac_node_proxy;
pub mod rbac_persistent_volume_creation;
pub mod rbac_pod_exec;
pub mod rbac_pod_port_forward;
pub mod rbac_secret_read;
pub mod rbac_status_modification;
pub mod rbac_token_creation;
pub mod rbac_webhook_configuration;
pub mod rbac_wildcard;
pub mod rbac_workload_creation;
