//! What the user and group rules share (this module is not a rule): which value of a
//! `securityContext` identity field (`runAsUser`, `runAsGroup`, `runAsNonRoot`) each container
//! ends up with, its own or the pod's, and how to read it as a Linux ID.

use palisade_model::{Node, Pointer};

use crate::pod::{ContainerView, PodView};
use crate::workload::common::{container_field, pod_field};

/// The largest user or group ID the API server accepts (`runAsUser`, `runAsGroup`, `fsGroup`,
/// `supplementalGroups` are validated between 0 and 2147483647).
pub(crate) const MAX_ID: i64 = i32::MAX as i64;

/// A value written in a `securityContext`, with its path.
pub(crate) struct Written<'a> {
    pub node: &'a Node,
    pub path: Pointer,
}

/// How the containers of a pod get one `securityContext` field.
pub(crate) struct Settings<'a> {
    /// The pod-level value, if written.
    pub pod: Option<Written<'a>>,
    /// The names of the containers that do not write the field and so take the pod's value.
    pub inheriting: Vec<&'a str>,
    /// The containers that write the field themselves.
    pub own: Vec<(&'a ContainerView<'a>, Written<'a>)>,
    /// The containers for which neither they nor the pod write it.
    pub unset: Vec<&'a ContainerView<'a>>,
}

impl Settings<'_> {
    /// `"a", "b"`: the containers that take the pod-level value, for messages.
    pub(crate) fn inheriting_names(&self) -> String {
        let names: Vec<String> = self
            .inheriting
            .iter()
            .map(|name| format!("{name:?}"))
            .collect();
        names.join(", ")
    }
}

/// The field `key` of the pod's and every container's `securityContext` (`null` counts as
/// absent, as Kubernetes reads it).
pub(crate) fn settings<'a>(pod: &'a PodView<'a>, key: &str) -> Settings<'a> {
    let pod_value = pod_field(pod, &[key]).map(|node| Written {
        node,
        path: pod.security_context_path(&[key]),
    });
    let mut settings = Settings {
        inheriting: Vec::new(),
        own: Vec::new(),
        unset: Vec::new(),
        pod: None,
    };
    for container in pod.containers() {
        match container_field(container, &[key]) {
            Some(node) => {
                let path = container.security_context_path(&[key]);
                settings.own.push((container, Written { node, path }));
            }
            None if pod_value.is_some() => settings.inheriting.push(container.name),
            None => settings.unset.push(container),
        }
    }
    settings.pod = pod_value;
    settings
}

/// A user or group ID as written.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Id {
    Valid(i64),
    /// Not an integer from 0 to [`MAX_ID`]: the API server refuses it.
    Invalid,
}

pub(crate) fn read_id(node: &Node) -> Id {
    match node.as_i64() {
        Some(id) if (0..=MAX_ID).contains(&id) => Id::Valid(id),
        _ => Id::Invalid,
    }
}

/// A written value for a message, cut so that a huge value does not flood the report.
pub(crate) fn short(node: &Node) -> String {
    const LIMIT: usize = 40;
    let text = node.display_value();
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use palisade_model::{Pos, Value};

    use super::*;

    fn node(value: Value) -> Node {
        Node::new(Pos::UNKNOWN, value)
    }

    #[test]
    fn ids_are_integers_the_api_server_accepts() {
        assert_eq!(read_id(&node(Value::Int(0))), Id::Valid(0));
        assert_eq!(read_id(&node(Value::Int(10000))), Id::Valid(10000));
        assert_eq!(read_id(&node(Value::Float(1000.0))), Id::Valid(1000));
        assert_eq!(read_id(&node(Value::Int(MAX_ID))), Id::Valid(MAX_ID));
        for invalid in [
            Value::Int(-1),
            Value::Int(MAX_ID + 1),
            Value::Int(i64::MIN),
            Value::Float(1000.5),
            Value::Str("1000".into()),
            Value::Str("username".into()),
            Value::Str(String::new()),
            Value::Bool(true),
            Value::Seq(Box::new([])),
        ] {
            assert_eq!(read_id(&node(invalid.clone())), Id::Invalid, "{invalid:?}");
        }
    }

    #[test]
    fn short_cuts_long_values_on_a_character_boundary() {
        let long = "é".repeat(100);
        let text = short(&node(Value::Str(long)));
        assert_eq!(text.chars().count(), 41);
        assert!(text.ends_with('…'));
        assert_eq!(short(&node(Value::Str("abc".into()))), "\"abc\"");
    }
}
