use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::finding::Location;
use crate::node::Node;

/// Where an object came from: the file (`-` for stdin), the document in a multi-document stream
/// (0-based) and, for an item of a `List`, its index.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceRef {
    pub file: Arc<str>,
    pub document: u32,
    pub item: Option<u32>,
}

/// One Kubernetes object: its identity and its parsed tree.
#[derive(Clone, Debug)]
pub struct Object {
    pub source: Option<SourceRef>,
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub root: Node,
    /// The identity findings share, made on first use.
    shared: OnceLock<Arc<ObjectRef>>,
}

/// The identity of an object as findings report it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{}/{}/{}", self.kind, namespace, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

/// The `apiVersion` of objects palisade makes from inputs that are not Kubernetes objects.
pub const PALISADE_API_VERSION: &str = "palisade.dev/v1";
/// The kind of the object a Dockerfile (or Containerfile) is loaded as; its tree is
/// `{instructions: [...]}`.
pub const DOCKERFILE_KIND: &str = "Dockerfile";

impl Object {
    /// An object with its identity given rather than read from the tree: for inputs that are
    /// not Kubernetes objects, such as a Dockerfile.
    pub fn new(
        source: Option<SourceRef>,
        api_version: impl Into<String>,
        kind: impl Into<String>,
        namespace: Option<String>,
        name: impl Into<String>,
        root: Node,
    ) -> Object {
        Object {
            source,
            api_version: api_version.into(),
            kind: kind.into(),
            namespace,
            name: name.into(),
            root,
            shared: OnceLock::new(),
        }
    }

    /// Whether this is a Dockerfile as palisade-load makes it (`palisade.dev/v1`, `Dockerfile`).
    pub fn is_dockerfile(&self) -> bool {
        self.kind == DOCKERFILE_KIND && self.api_version == PALISADE_API_VERSION
    }

    /// Reads identity from the tree. `None` when `apiVersion` or `kind` is missing: such a
    /// document is not a Kubernetes object (a Helm values file, a Kustomization fragment, a
    /// test tool's output) and is skipped, not reported.
    pub fn from_node(root: Node, source: Option<SourceRef>) -> Option<Object> {
        let api_version = root.get("apiVersion")?.as_str()?.to_string();
        let kind = root.get("kind")?.as_str()?.to_string();
        if api_version.is_empty() || kind.is_empty() {
            return None;
        }
        let metadata = root.get("metadata");
        let text = |key: &str| {
            metadata
                .and_then(|m| m.get(key))
                .and_then(Node::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        let namespace = text("namespace");
        let name = text("name")
            .or_else(|| text("generateName"))
            .unwrap_or_default();
        Some(Object {
            source,
            api_version,
            kind,
            namespace,
            name,
            root,
            shared: OnceLock::new(),
        })
    }

    pub fn reference(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.clone(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// The identity as findings hold it: one allocation per object, however many findings.
    pub fn shared_reference(&self) -> Arc<ObjectRef> {
        self.shared
            .get_or_init(|| Arc::new(self.reference()))
            .clone()
    }

    /// The API group: `apps` for `apps/v1`, `""` for the core group `v1`.
    pub fn group(&self) -> &str {
        self.api_version
            .rsplit_once('/')
            .map(|(group, _)| group)
            .unwrap_or("")
    }

    pub fn metadata(&self) -> Option<&Node> {
        self.root.get("metadata")
    }

    pub fn labels(&self) -> Option<&Node> {
        self.metadata().and_then(|m| m.get("labels"))
    }

    pub fn annotations(&self) -> Option<&Node> {
        self.metadata().and_then(|m| m.get("annotations"))
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations()
            .and_then(|a| a.get(key))
            .and_then(Node::as_str)
    }

    /// The file position of the field at `pointer`, or of its deepest existing parent.
    /// `None` for objects that did not come from a file.
    pub fn location(&self, pointer: &str) -> Option<Location> {
        let source = self.source.as_ref()?;
        let pos = self.root.locate(pointer);
        pos.is_known().then(|| Location {
            file: source.file.clone(),
            line: pos.line,
            column: pos.column,
        })
    }
}
