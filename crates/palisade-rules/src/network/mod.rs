//! Network: how workloads are exposed and (later) NetworkPolicy coverage.

mod common;
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
pub mod netpol;
