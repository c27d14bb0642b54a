//! What the two port rules share (this module is not a rule): the container ports every
//! container of a pod declares.

use palisade_model::{Node, Pointer};

use crate::pod::{ContainerView, PodView};
use crate::workload::common::field;

/// One entry of a container's `ports` with a numeric `containerPort`.
pub(crate) struct DeclaredPort<'p, 'a> {
    pub container: &'p ContainerView<'a>,
    pub number: i64,
    /// `protocol` as written; Kubernetes defaults it to `TCP`.
    pub protocol: Option<&'a str>,
    /// Where the entry is in the container's `ports`.
    index: usize,
}

impl DeclaredPort<'_, '_> {
    /// The path of `containerPort`: made when a finding needs it, for the port rules look at
    /// every port and most find nothing.
    pub(crate) fn path(&self) -> Pointer {
        self.container
            .path
            .key("ports")
            .index(self.index)
            .key("containerPort")
    }

    /// `80/TCP`, with the protocol Kubernetes defaults to when none is written.
    pub(crate) fn describe(&self) -> String {
        format!("{}/{}", self.number, self.protocol.unwrap_or("TCP"))
    }
}

/// The numeric container ports of every container (init, regular, ephemeral). Entries whose
/// `containerPort` is absent or not an integer are left to the API server's validation.
pub(crate) fn declared_ports<'p, 'a>(pod: &'p PodView<'a>) -> Vec<DeclaredPort<'p, 'a>> {
    let mut ports = Vec::new();
    for container in pod.containers() {
        let entries = container.node.get("ports").map(Node::items).unwrap_or(&[]);
        for (index, entry) in entries.iter().enumerate() {
            let Some(number) = field(Some(entry), "containerPort").and_then(Node::as_i64) else {
                continue;
            };
            ports.push(DeclaredPort {
                container,
                number,
                protocol: field(Some(entry), "protocol").and_then(Node::as_str),
                index,
            });
        }
    }
    ports
}
