//! What a node looks like to the benchmark: each component's effective flags (with where each
//! value came from), its config file, and the files the checks look at. Three readers build
//! it: a node's filesystem (`rootfs`), a kubeadm configuration before the cluster exists
//! (`kubeadm`), and tests; the checks (`evaluate`) only ever see this.

use std::collections::BTreeMap;
use std::fmt;

use palisade_model::Node;
pub use palisade_model::benchmark::Source;
use serde::Serialize;

/// The Kubernetes components the benchmark judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Component {
    ApiServer,
    ControllerManager,
    Scheduler,
    Etcd,
    Kubelet,
    Proxy,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Etcd,
        Component::Kubelet,
        Component::Proxy,
    ];

    /// The binary name, as a process's command line starts.
    pub fn binary(self) -> &'static str {
        match self {
            Component::ApiServer => "kube-apiserver",
            Component::ControllerManager => "kube-controller-manager",
            Component::Scheduler => "kube-scheduler",
            Component::Etcd => "etcd",
            Component::Kubelet => "kubelet",
            Component::Proxy => "kube-proxy",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.binary())
    }
}

/// One command-line flag's effective value (`--flag` alone is `"true"`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FlagValue {
    pub value: String,
    pub source: Source,
}

/// A component's config file (the kubelet's `--config`, kube-proxy's), parsed with positions.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfigFile {
    pub path: String,
    pub root: Node,
}

/// What is known about one component on the node.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ComponentState {
    /// How the component was found (a manifest, a process, a kubeadm configuration).
    pub found_by: Vec<Source>,
    /// Effective flags by name without dashes (`anonymous-auth`); where a flag is given more
    /// than once the last one wins, as in Go's flag package.
    pub flags: BTreeMap<String, FlagValue>,
    /// Environment variables of the process or container (etcd reads `ETCD_*`).
    pub env: BTreeMap<String, FlagValue>,
    pub config: Option<ConfigFile>,
}

/// A file's owner, group and mode, as `stat` gives them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileFacts {
    /// The path inside the node (`/etc/kubernetes/admin.conf`, also under `--root`).
    pub path: String,
    /// Permission bits (`0o600`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Names from the node's `/etc/passwd` and `/etc/group`, when they resolve.
    pub user: Option<String>,
    pub group: Option<String>,
    pub is_dir: bool,
}

/// Something the reader could not read; never counted as a pass.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unreadable {
    pub path: String,
    pub reason: String,
}

/// The node's files, as the checks query them. A reader answers for paths inside the node.
pub trait NodeFiles {
    /// `Ok(None)` when the path does not exist; `Err` when it exists but cannot be read.
    fn stat(&self, path: &str) -> Result<Option<FileFacts>, String>;
    /// Every entry below a directory (recursively), the directory itself first; `Ok(None)` when
    /// the directory does not exist.
    fn walk(&self, dir: &str) -> Result<Option<Vec<FileFacts>>, String>;
    /// A file's bytes (for example the encryption provider configuration), bounded in size.
    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String>;
}

/// Everything the checks see.
pub struct NodeState {
    pub components: BTreeMap<Component, ComponentState>,
    pub files: Box<dyn NodeFiles + Send + Sync>,
    /// What the reader could not read (a manifest that does not parse, /proc not readable...).
    pub unreadable: Vec<Unreadable>,
    /// Where the state came from, for the report: `node /`, `node --root DIR`, `kubeadm
    /// configuration FILE`.
    pub origin: String,
    /// The parser the reader was given, for the files checks read (the encryption provider
    /// configuration, the audit policy).
    pub parse: ParseDocuments,
}

/// A file system with no files: for states built in tests or from configuration alone.
pub struct NoFiles;

impl NodeFiles for NoFiles {
    fn stat(&self, _path: &str) -> Result<Option<FileFacts>, String> {
        Ok(None)
    }

    fn walk(&self, _dir: &str) -> Result<Option<Vec<FileFacts>>, String> {
        Ok(None)
    }

    fn read(&self, _path: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(None)
    }
}

/// Parses YAML or JSON text into documents with positions. The CLI passes
/// `palisade_load::parse_documents`, so that this crate depends on the model only.
pub type ParseDocuments =
    fn(file: &str, text: &str) -> Result<Vec<Node>, palisade_model::InputError>;
