//! A kubeadm configuration (InitConfiguration, ClusterConfiguration, KubeletConfiguration;
//! kubeadm API v1beta3 and v1beta4) read as the node kubeadm would build from it: the static
//! pod manifests' flags, the kubelet's configuration, and the files with the modes kubeadm
//! writes.

use std::path::Path;

use crate::state::{NodeState, ParseDocuments};

/// A configuration that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct KubeadmError {
    pub message: String,
}

/// Reads a kubeadm configuration file, or every `.yaml` file of a directory (a bundle).
pub fn read_kubeadm_config(path: &Path, _parse: ParseDocuments) -> Result<NodeState, KubeadmError> {
    Err(KubeadmError {
        message: format!(
            "{}: kubeadm configurations are not read yet",
            path.display()
        ),
    })
}
