//! `palisade node`: the CIS Kubernetes Benchmark (sections 1 to 4, as kube-bench checks
//! kubeadm-built nodes) over a node's static pod manifests, processes, kubelet configuration and
//! file modes, over a copy of a node's filesystem (`--root`), or over a kubeadm configuration
//! before the cluster exists; and a hardened kubeadm bundle that passes it.
//!
//! Every check is a row of data in [`checks`]; [`evaluate`] judges a [`NodeState`] with them.

pub mod checks;
pub mod evaluate;
pub mod generate;
pub mod hostsensor;
pub mod kubeadm;
pub mod result;
pub mod rootfs;
pub mod state;

pub use result::{CheckResult, CheckType, Evidence, Status};
pub use state::{
    Component, ComponentState, ConfigFile, FileFacts, FlagValue, NodeFiles, NodeState,
    ParseDocuments, Source, Unreadable,
};
