//! What the namespace rules share (this module is not a rule): which namespaces of the input
//! run workloads, and the objects that configure a namespace.
//!
//! Only workloads that write `metadata.namespace` count: one without it lands wherever it is
//! applied, which the input does not say (`default-namespace` reports those). The namespaces
//! Kubernetes keeps for itself (`kube-system`, `kube-public`, `kube-node-lease`) are left out:
//! their pods are the control plane's and the cluster add-ons', which a quota or a Pod Security
//! level there would stop from running.

use std::collections::BTreeMap;

use palisade_model::{Inventory, Object, Pointer};

use crate::access::rbac::risk::listing;
use crate::rule::InventoryContext;

/// Namespaces left to the cluster itself.
pub(crate) const SYSTEM_NAMESPACES: &[&str] = &["kube-system", "kube-public", "kube-node-lease"];

/// The workloads of each namespace (by name; workloads in input order).
pub(crate) fn workloads_by_namespace<'a>(
    context: &InventoryContext<'a>,
) -> BTreeMap<&'a str, Vec<&'a Object>> {
    let mut namespaces: BTreeMap<&'a str, Vec<&'a Object>> = BTreeMap::new();
    for object in context.inventory.objects() {
        let Some(namespace) = object.namespace.as_deref() else {
            continue;
        };
        if SYSTEM_NAMESPACES.contains(&namespace) || !context.is_workload(object) {
            continue;
        }
        namespaces.entry(namespace).or_default().push(object);
    }
    namespaces
}

/// Whether the input has an object of the core group `kind` in `namespace`.
pub(crate) fn has_core_object(inventory: &Inventory, kind: &str, namespace: &str) -> bool {
    inventory
        .of_kind_in(kind, Some(namespace))
        .any(|object| object.group().is_empty())
}

/// The Namespace object named `name`, when the input has it.
pub(crate) fn namespace_object<'a>(inventory: &'a Inventory, name: &str) -> Option<&'a Object> {
    inventory
        .of_kind("Namespace")
        .filter(|object| object.group().is_empty())
        .find(|object| object.name == name)
}

/// Where a namespace finding goes: the Namespace object's name when the input has it, else the
/// `metadata.namespace` of the namespace's first workload.
pub(crate) fn report_target<'a>(
    inventory: &'a Inventory,
    namespace: &str,
    workloads: &[&'a Object],
) -> Option<(&'a Object, Pointer)> {
    match namespace_object(inventory, namespace) {
        Some(object) => Some((object, Pointer::root().keys(&["metadata", "name"]))),
        None => workloads
            .first()
            .map(|object| (*object, Pointer::root().keys(&["metadata", "namespace"]))),
    }
}

/// `3 workloads (Deployment shop/web, Pod shop/debug and 1 more)`.
pub(crate) fn describe_workloads(workloads: &[&Object]) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<String> = workloads
        .iter()
        .take(SHOWN)
        .map(|object| object.reference().to_string())
        .collect();
    if workloads.len() > SHOWN {
        names.push(format!("{} more", workloads.len() - SHOWN));
    }
    let count = match workloads.len() {
        1 => "1 workload".to_string(),
        n => format!("{n} workloads"),
    };
    format!("{count} ({})", listing(&names))
}
