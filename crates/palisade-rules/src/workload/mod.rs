//! Workload rules: Pod Security Standards (Baseline and Restricted), resources, hygiene,
//! suppressions.

mod common;
mod identity;
mod namespaces;
mod ports;
mod probes;
mod resources;

// Pod Security Standards, Baseline.
pub mod apparmor_unconfined;
pub mod host_ipc;
pub mod host_network;
pub mod host_path_volume;
pub mod host_pid;
pub mod host_port;
pub mod non_default_capabilities;
pub mod privileged_container;
pub mod probe_or_lifecycle_host;
pub mod seccomp_unconfined;
pub mod selinux_custom_options;
pub mod unmasked_proc_mount;
pub mod unsafe_sysctls;
pub mod windows_host_process;

// Pod Security Standards, Restricted.
pub mod added_capabilities;
pub mod capabilities_not_dropped;
pub mod missing_run_as_non_root;
pub mod missing_seccomp_profile;
pub mod privilege_escalation_allowed;
pub mod restricted_volume_type;
pub mod run_as_root_user;

// Resources.
pub mod missing_cpu_limit;
pub mod missing_cpu_request;
pub mod missing_memory_limit;
pub mod missing_memory_request;

// Hygiene.
pub mod default_namespace;
pub mod missing_liveness_probe;
pub mod missing_readiness_probe;
pub mod writable_root_filesystem;

// Gaps against peer scanners.
pub mod low_user_id;
pub mod missing_ephemeral_storage_limit;
pub mod privileged_port;
pub mod root_group;
pub mod ssh_port;
pub mod workload_in_kube_system;

pub mod suppression_without_reason;

// Namespaces: quotas, limits and Pod Security Admission levels (issue 7).
pub mod namespace_without_limit_range;
pub mod namespace_without_pod_security;
pub mod namespace_without_resource_quota;
