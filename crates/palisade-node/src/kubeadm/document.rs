//! The documents of a kubeadm configuration: which kinds and API versions are read, and typed
//! access to their fields with positions for errors and evidence.

use palisade_model::{Node, Pos, Value};

use super::{KUBEADM_CONFIGURATION, KUBEADM_DEFAULT, KubeadmError};
use crate::state::Source;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Init,
    Cluster,
    Join,
    Kubelet,
    Proxy,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Init => "InitConfiguration",
            Kind::Cluster => "ClusterConfiguration",
            Kind::Join => "JoinConfiguration",
            Kind::Kubelet => "KubeletConfiguration",
            Kind::Proxy => "KubeProxyConfiguration",
        }
    }
}

/// kubeadm's API versions; `v1beta4` (kubeadm 1.31) turned `extraArgs` from a map into a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum KubeadmVersion {
    V1Beta1,
    V1Beta2,
    V1Beta3,
    V1Beta4,
}

impl KubeadmVersion {
    fn parse(version: &str) -> Option<KubeadmVersion> {
        match version {
            "v1beta1" => Some(KubeadmVersion::V1Beta1),
            "v1beta2" => Some(KubeadmVersion::V1Beta2),
            "v1beta3" => Some(KubeadmVersion::V1Beta3),
            "v1beta4" => Some(KubeadmVersion::V1Beta4),
            _ => None,
        }
    }

    pub fn args_are_lists(self) -> bool {
        self >= KubeadmVersion::V1Beta4
    }

    pub fn name(self) -> &'static str {
        match self {
            KubeadmVersion::V1Beta1 => "v1beta1",
            KubeadmVersion::V1Beta2 => "v1beta2",
            KubeadmVersion::V1Beta3 => "v1beta3",
            KubeadmVersion::V1Beta4 => "v1beta4",
        }
    }
}

/// One document of the configuration.
#[derive(Clone, Debug)]
pub(crate) struct Doc {
    pub file: String,
    pub node: Node,
    pub kind: Kind,
    /// For kubeadm's own kinds.
    pub version: Option<KubeadmVersion>,
}

/// The documents kubeadm reads, at most one of each kind.
#[derive(Default)]
pub(crate) struct Config {
    pub init: Option<Doc>,
    pub cluster: Option<Doc>,
    pub join: Option<Doc>,
    pub kubelet: Option<Doc>,
    pub proxy: Option<Doc>,
}

impl Config {
    /// Adds the documents of one file. `single_file`: the file was named on its own, so every
    /// document must be a configuration document; in a bundle, files without any are the files
    /// the flags name and are left alone.
    pub fn add_file(
        &mut self,
        file: &str,
        documents: Vec<Node>,
        single_file: bool,
    ) -> Result<(), KubeadmError> {
        for doc in classify(file, documents, single_file)? {
            let slot = match doc.kind {
                Kind::Init => &mut self.init,
                Kind::Cluster => &mut self.cluster,
                Kind::Join => &mut self.join,
                Kind::Kubelet => &mut self.kubelet,
                Kind::Proxy => &mut self.proxy,
            };
            if let Some(first) = slot {
                return Err(KubeadmError::at(
                    &doc.file,
                    doc.node.pos,
                    format!(
                        "a second {} (the first is in {} at line {}); kubeadm reads one",
                        doc.kind.name(),
                        first.file,
                        first.node.pos.line
                    ),
                ));
            }
            *slot = Some(doc);
        }
        Ok(())
    }

    pub fn has_kubeadm_document(&self) -> bool {
        self.init.is_some() || self.cluster.is_some() || self.join.is_some()
    }
}

/// What a document is, from its `apiVersion` and `kind`; `Ok(None)` for documents kubeadm
/// ignores (other API groups, kubeadm's Reset- and UpgradeConfiguration).
fn identify(
    file: &str,
    doc: &Node,
) -> Result<Option<(Kind, Option<KubeadmVersion>)>, KubeadmError> {
    let (Some(api_version), Some(kind)) = (
        doc.get("apiVersion").and_then(Node::as_str),
        doc.get("kind").and_then(Node::as_str),
    ) else {
        return Ok(None);
    };
    let api_pos = doc.get("apiVersion").map_or(doc.pos, |node| node.pos);
    let kind_pos = doc.get("kind").map_or(doc.pos, |node| node.pos);
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    match group {
        "kubeadm.k8s.io" => {
            let Some(parsed) = KubeadmVersion::parse(version) else {
                return Err(KubeadmError::at(
                    file,
                    api_pos,
                    format!(
                        "unknown apiVersion {api_version}: palisade reads kubeadm.k8s.io/v1beta1 \
                         to v1beta4"
                    ),
                ));
            };
            let kind = match kind {
                "InitConfiguration" => Kind::Init,
                "ClusterConfiguration" => Kind::Cluster,
                "JoinConfiguration" => Kind::Join,
                "ResetConfiguration" | "UpgradeConfiguration" => return Ok(None),
                other => {
                    return Err(KubeadmError::at(
                        file,
                        kind_pos,
                        format!("unknown kind {other} in {api_version}"),
                    ));
                }
            };
            Ok(Some((kind, Some(parsed))))
        }
        "kubelet.config.k8s.io" if kind == "KubeletConfiguration" => {
            if version != "v1beta1" {
                return Err(KubeadmError::at(
                    file,
                    api_pos,
                    format!(
                        "unknown apiVersion {api_version} for KubeletConfiguration: the kubelet \
                         reads kubelet.config.k8s.io/v1beta1"
                    ),
                ));
            }
            Ok(Some((Kind::Kubelet, None)))
        }
        "kubeproxy.config.k8s.io" if kind == "KubeProxyConfiguration" => {
            if version != "v1alpha1" {
                return Err(KubeadmError::at(
                    file,
                    api_pos,
                    format!(
                        "unknown apiVersion {api_version} for KubeProxyConfiguration: kube-proxy \
                         reads kubeproxy.config.k8s.io/v1alpha1"
                    ),
                ));
            }
            Ok(Some((Kind::Proxy, None)))
        }
        _ => Ok(None),
    }
}

pub(crate) fn classify(
    file: &str,
    documents: Vec<Node>,
    single_file: bool,
) -> Result<Vec<Doc>, KubeadmError> {
    let mut identified = Vec::with_capacity(documents.len());
    let mut any_known = false;
    for doc in documents {
        let found = identify(file, &doc)?;
        any_known |= found.is_some();
        identified.push((doc, found));
    }
    if !any_known && !single_file {
        return Ok(Vec::new());
    }
    let mut docs = Vec::new();
    for (doc, found) in identified {
        if doc.is_null() {
            continue;
        }
        if !doc.is_map() {
            return Err(KubeadmError::at(
                file,
                doc.pos,
                format!(
                    "a configuration document must be a mapping with apiVersion and kind, not a \
                     {}",
                    doc.type_name()
                ),
            ));
        }
        for key in ["apiVersion", "kind"] {
            match doc.get(key) {
                Some(value) if value.as_str().is_some_and(|text| !text.is_empty()) => {}
                Some(value) => {
                    return Err(KubeadmError::at(
                        file,
                        value.pos,
                        format!(
                            "{key} must be a non-empty string, not a {}",
                            value.type_name()
                        ),
                    ));
                }
                None => {
                    return Err(KubeadmError::at(
                        file,
                        doc.pos,
                        "a configuration document needs apiVersion and kind",
                    ));
                }
            }
        }
        if let Some((kind, version)) = found {
            docs.push(Doc {
                file: file.to_string(),
                node: doc,
                kind,
                version,
            });
        }
    }
    Ok(docs)
}

/// A value with where it came from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Setting {
    pub value: String,
    pub source: Source,
}

impl Setting {
    pub fn default(value: impl Into<String>) -> Setting {
        Setting {
            value: value.into(),
            source: Source::new(KUBEADM_DEFAULT),
        }
    }

    /// Another value computed from this one, with the same origin.
    pub fn derive(&self, value: impl Into<String>) -> Setting {
        Setting {
            value: value.into(),
            source: self.source.clone(),
        }
    }
}

impl Doc {
    pub fn source_at(&self, pos: Pos) -> Source {
        let source = Source::new(KUBEADM_CONFIGURATION).in_file(&self.file);
        if pos.is_known() {
            source.at(pos.line, pos.column)
        } else {
            source
        }
    }

    pub fn error(&self, pos: Pos, message: impl Into<String>) -> KubeadmError {
        KubeadmError::at(&self.file, pos, message)
    }

    pub fn describe(&self, path: &[&str]) -> String {
        let mut text = String::from(self.kind.name());
        for key in path {
            text.push('.');
            text.push_str(key);
        }
        text
    }

    /// The node at `path`, `None` when a key is absent or null; every step before the last must
    /// be a mapping.
    pub fn node(&self, path: &[&str]) -> Result<Option<&Node>, KubeadmError> {
        let mut node = &self.node;
        for (depth, key) in path.iter().enumerate() {
            if node.is_null() {
                return Ok(None);
            }
            if !node.is_map() {
                return Err(self.error(
                    node.pos,
                    format!(
                        "{} must be a mapping, not a {}",
                        self.describe(&path[..depth]),
                        node.type_name()
                    ),
                ));
            }
            match node.get(key) {
                Some(next) => node = next,
                None => return Ok(None),
            }
        }
        Ok((!node.is_null()).then_some(node))
    }

    pub fn string(&self, path: &[&str]) -> Result<Option<Setting>, KubeadmError> {
        let Some(node) = self.node(path)? else {
            return Ok(None);
        };
        match node.as_str() {
            Some(text) => Ok(Some(Setting {
                value: text.to_string(),
                source: self.source_at(node.pos),
            })),
            None => Err(self.error(
                node.pos,
                format!(
                    "{} must be a string, not a {}",
                    self.describe(path),
                    node.type_name()
                ),
            )),
        }
    }

    /// A string that kubeadm treats as unset when empty.
    pub fn non_empty_string(&self, path: &[&str]) -> Result<Option<Setting>, KubeadmError> {
        Ok(self
            .string(path)?
            .filter(|setting| !setting.value.is_empty()))
    }

    pub fn integer(&self, path: &[&str]) -> Result<Option<Setting>, KubeadmError> {
        let Some(node) = self.node(path)? else {
            return Ok(None);
        };
        match (&node.value, node.as_i64()) {
            (Value::Int(_) | Value::Float(_), Some(number)) => Ok(Some(Setting {
                value: number.to_string(),
                source: self.source_at(node.pos),
            })),
            _ => Err(self.error(
                node.pos,
                format!(
                    "{} must be an integer, not a {}",
                    self.describe(path),
                    node.type_name()
                ),
            )),
        }
    }

    pub fn boolean(&self, path: &[&str]) -> Result<Option<bool>, KubeadmError> {
        let Some(node) = self.node(path)? else {
            return Ok(None);
        };
        match node.as_bool() {
            Some(flag) => Ok(Some(flag)),
            None => Err(self.error(
                node.pos,
                format!(
                    "{} must be a boolean, not a {}",
                    self.describe(path),
                    node.type_name()
                ),
            )),
        }
    }

    /// A list of strings (`etcd.external.endpoints`, `skipPhases`).
    pub fn strings(&self, path: &[&str]) -> Result<Vec<Setting>, KubeadmError> {
        let Some(node) = self.node(path)? else {
            return Ok(Vec::new());
        };
        if !node.is_seq() {
            return Err(self.error(
                node.pos,
                format!(
                    "{} must be a list, not a {}",
                    self.describe(path),
                    node.type_name()
                ),
            ));
        }
        node.items()
            .iter()
            .map(|item| match item.as_str() {
                Some(text) => Ok(Setting {
                    value: text.to_string(),
                    source: self.source_at(item.pos),
                }),
                None => Err(self.error(
                    item.pos,
                    format!(
                        "{} must hold strings, not a {}",
                        self.describe(path),
                        item.type_name()
                    ),
                )),
            })
            .collect()
    }
}
