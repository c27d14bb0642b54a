//! What the four resource rules share (this module is not a rule): whether a container's CPU or
//! memory limit or request is missing once everything that fills it in at admission is counted.

use palisade_model::{Node, Pointer, Value};

use crate::pod::{ContainerKind, ContainerView};
use crate::rule::ObjectContext;
use crate::workload::common::field;

/// Which side of `resources` a rule asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Amount {
    Limit,
    Request,
}

impl Amount {
    fn key(self) -> &'static str {
        match self {
            Amount::Limit => "limits",
            Amount::Request => "requests",
        }
    }
}

/// A container without the amount it should have.
pub(crate) struct Gap<'a> {
    pub container: &'a ContainerView<'a>,
    /// `.../resources/limits/memory`, which may not exist.
    pub path: Pointer,
    /// The value written when it is a zero or empty quantity (which means "none").
    pub zero: Option<String>,
}

/// `0`, `""`, `"0"`, `"0Mi"`, `"0.0"`, `null`: a quantity that sets nothing. A string that is not
/// a number at all is left to the API server's validation (it is not counted as missing).
pub(crate) fn is_zero_quantity(node: &Node) -> bool {
    match &node.value {
        Value::Null => true,
        Value::Int(number) => *number == 0,
        Value::Float(number) => *number == 0.0,
        Value::Str(text) => {
            let text = text.trim();
            if text.is_empty() {
                return true;
            }
            let number = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            number.parse::<f64>().is_ok_and(|number| number == 0.0)
        }
        _ => false,
    }
}

/// How much of `resource` an owner (a container, or a pod spec for pod-level resources) ends up
/// with on the `amount` side, as written.
enum Written {
    Set,
    /// Present with a zero or empty quantity: kept as written, no default fills it.
    Zero(String),
    Absent,
}

fn written(owner: &Node, resource: &str, amount: Amount) -> Written {
    let value = |side: &str| field(field(field(Some(owner), "resources"), side), resource);
    let read = |node: &Node| {
        if is_zero_quantity(node) {
            Written::Zero(node.display_value())
        } else {
            Written::Set
        }
    };
    match (amount, value(amount.key())) {
        (_, Some(node)) => read(node),
        // The API server copies a limit into a missing request.
        (Amount::Request, None) => match value("limits") {
            Some(node) if !is_zero_quantity(node) => Written::Set,
            _ => Written::Absent,
        },
        (Amount::Limit, None) => Written::Absent,
    }
}

/// Whether a `LimitRange` of the object's namespace gives containers a default for `resource`.
/// For requests, `default` counts too: the API server copies it into `defaultRequest` when that
/// is absent.
fn limit_range_default(context: &ObjectContext, resource: &str, amount: Amount) -> bool {
    let keys: &[&str] = match amount {
        Amount::Limit => &["default"],
        Amount::Request => &["defaultRequest", "default"],
    };
    context
        .inventory
        .of_kind_in("LimitRange", context.object.namespace.as_deref())
        .filter(|range| range.group().is_empty())
        .flat_map(|range| {
            range
                .root
                .get_path(&["spec", "limits"])
                .map(Node::items)
                .unwrap_or(&[])
        })
        .filter(|item| item.get("type").and_then(Node::as_str) == Some("Container"))
        .any(|item| {
            keys.iter().any(|key| {
                field(field(Some(item), key), resource)
                    .is_some_and(|value| !is_zero_quantity(value))
            })
        })
}

/// Whether pod-level `spec.resources` may set `resource`: the API server accepts only CPU,
/// memory and huge pages there (`ephemeral-storage` is per container only).
fn supported_at_pod_level(resource: &str) -> bool {
    matches!(resource, "cpu" | "memory") || resource.starts_with("hugepages-")
}

/// The containers and init containers (ephemeral containers cannot have resources) that lack
/// `resource` on the `amount` side once everything that fills it in is counted:
/// - the container's own value (for a request, its limit too: the API server copies a limit
///   into a missing request);
/// - pod-level `spec.resources` (Kubernetes 1.32+), read the same way, for the resources it
///   may set (CPU and memory);
/// - for a container that does not write the value at all, a `LimitRange` default of type
///   `Container` in the object's namespace (the LimitRanger fills only absent values, so an
///   explicit zero stays zero).
pub(crate) fn gaps<'a>(
    context: &'a ObjectContext<'a>,
    resource: &str,
    amount: Amount,
) -> Vec<Gap<'a>> {
    let Some(pod) = &context.pod else {
        return Vec::new();
    };
    if supported_at_pod_level(resource)
        && matches!(written(pod.spec, resource, amount), Written::Set)
    {
        return Vec::new();
    }
    let mut defaulted = None;
    let mut gaps = Vec::new();
    for container in pod
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
    {
        let zero = match written(container.node, resource, amount) {
            Written::Set => continue,
            Written::Zero(value) => Some(value),
            Written::Absent => {
                if *defaulted.get_or_insert_with(|| limit_range_default(context, resource, amount))
                {
                    continue;
                }
                None
            }
        };
        let path = container.path.keys(&["resources", amount.key(), resource]);
        gaps.push(Gap {
            container,
            path,
            zero,
        });
    }
    gaps
}

#[cfg(test)]
mod tests {
    use palisade_model::Pos;

    use super::*;

    fn memory_limit_gaps(yaml: &str) -> Vec<String> {
        crate::testing::paths(&crate::workload::missing_memory_limit::RULE, yaml)
    }

    const POD: &str = "
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  containers: [{name: a, image: x}]
";

    #[test]
    fn limit_range_must_be_core_same_namespace_container_default() {
        let missing = vec!["/spec/containers/0/resources/limits/memory".to_string()];
        assert_eq!(memory_limit_gaps(POD), missing);
        let range = |api: &str, namespace: &str, kind: &str, key: &str| {
            format!(
                "apiVersion: {api}\nkind: LimitRange\nmetadata: {{name: r, namespace: {namespace}}}\nspec:\n  limits: [{{type: {kind}, {key}: {{memory: 1Gi}}}}]\n---{POD}"
            )
        };
        assert!(memory_limit_gaps(&range("v1", "shop", "Container", "default")).is_empty());
        assert_eq!(
            memory_limit_gaps(&range("v1", "other", "Container", "default")),
            missing
        );
        assert_eq!(
            memory_limit_gaps(&range("v1", "shop", "Pod", "default")),
            missing
        );
        assert_eq!(
            memory_limit_gaps(&range("v1", "shop", "Container", "max")),
            missing
        );
        assert_eq!(
            memory_limit_gaps(&range("example.com/v1", "shop", "Container", "default")),
            missing
        );
    }

    #[test]
    fn pod_level_resources_are_cpu_memory_and_huge_pages() {
        for resource in ["cpu", "memory", "hugepages-2Mi"] {
            assert!(supported_at_pod_level(resource), "{resource}");
        }
        for resource in ["ephemeral-storage", "nvidia.com/gpu", "", "CPU"] {
            assert!(!supported_at_pod_level(resource), "{resource}");
        }
    }

    #[test]
    fn zero_quantities() {
        let node = |value: Value| Node::new(Pos::UNKNOWN, value);
        for zero in [
            Value::Int(0),
            Value::Float(0.0),
            Value::Str("".into()),
            Value::Str("0".into()),
            Value::Str("0Mi".into()),
            Value::Str(" 0.0 ".into()),
            Value::Str("0m".into()),
        ] {
            assert!(is_zero_quantity(&node(zero.clone())), "{zero:?}");
        }
        for set in [
            Value::Int(1),
            Value::Str("100m".into()),
            Value::Str("1Gi".into()),
            Value::Str("0.5".into()),
            Value::Str("1e3".into()),
            Value::Str("lots".into()),
        ] {
            assert!(!is_zero_quantity(&node(set.clone())), "{set:?}");
        }
    }
}
