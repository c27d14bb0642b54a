//! Network: how workloads are exposed, NetworkPolicy coverage and reachability, and the
//! network plugin.

mod common;
mod coverage;
mod dashboard;

// Exposure.
pub mod dashboard_cluster_admin;
pub mod ingress_without_tls;
pub mod insecure_dashboard;
pub mod load_balancer_service;
pub mod node_port_service;
pub mod service_external_ips;

// Ingress controllers.
pub mod ingress_nginx_snippet;

// NetworkPolicy analysis: the engine and the coverage rules.
pub mod egress_policy_blocks_dns;
pub mod exposed_workload_without_ingress_policy;
pub mod missing_egress_policy;
pub mod missing_ingress_policy;
pub mod namespace_without_default_deny;
pub mod netpol;
pub mod network_policy_allows_all;
pub mod network_policy_not_enforced;
pub mod network_policy_selects_nothing;
pub mod pod_traffic_not_encrypted;
