//! Network: how workloads are exposed and (later) NetworkPolicy coverage.
