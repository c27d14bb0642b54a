//! Network: how workloads are exposed and (later) NetworkPolicy coverage.

// Ingress controllers.
pub mod ingress_nginx_snippet;
