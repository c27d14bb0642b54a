//! Helpers shared by the workload rules (this module is not a rule).

use palisade_model::{Node, Pointer};

use crate::pod::{ContainerView, PodView};

/// The value under `key` of `node`, with an explicit `null` read as absent, as Kubernetes'
/// JSON decoding reads it (a null pointer field is an unset field).
pub(crate) fn field<'a>(node: Option<&'a Node>, key: &str) -> Option<&'a Node> {
    node?.get(key).filter(|value| !value.is_null())
}

/// A field under the container's `securityContext` (`null` counts as absent).
pub(crate) fn container_field<'a>(
    container: &ContainerView<'a>,
    keys: &[&str],
) -> Option<&'a Node> {
    let mut node = field(Some(container.node), "securityContext")?;
    for key in keys {
        node = field(Some(node), key)?;
    }
    Some(node)
}

/// A field under the pod-level `securityContext` (`null` counts as absent).
pub(crate) fn pod_field<'a>(pod: &PodView<'a>, keys: &[&str]) -> Option<&'a Node> {
    let mut node = field(Some(pod.spec), "securityContext")?;
    for key in keys {
        node = field(Some(node), key)?;
    }
    Some(node)
}

/// The capabilities a container runtime grants by default, which the Baseline control
/// "Capabilities" allows a container to add (case-sensitive, as Pod Security Admission compares).
pub(crate) const DEFAULT_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// The seccomp and AppArmor profile types that keep a confinement in place.
pub(crate) fn is_confining_profile_type(node: Option<&Node>) -> bool {
    matches!(
        node.and_then(Node::as_str),
        Some("RuntimeDefault" | "Localhost")
    )
}

/// Each entry of `containers.*.securityContext.capabilities.add`, with its path.
pub(crate) fn added_capabilities<'a>(
    container: &ContainerView<'a>,
) -> impl Iterator<Item = (usize, &'a Node, Pointer)> + use<'a> {
    let items = container_field(container, &["capabilities", "add"])
        .map(Node::items)
        .unwrap_or(&[]);
    // Most containers add none: their path is not worth making.
    let path = if items.is_empty() {
        Pointer::root()
    } else {
        container.security_context_path(&["capabilities", "add"])
    };
    items
        .iter()
        .enumerate()
        .map(move |(index, item)| (index, item, path.index(index)))
}

/// The text of a capability name, or how a non-string entry prints.
pub(crate) fn capability_name(node: &Node) -> String {
    node.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| node.display_value())
}
