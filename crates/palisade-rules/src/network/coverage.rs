//! What the NetworkPolicy coverage rules share (this module is not a rule): the workloads a
//! Service exposes, and how findings name policies and pods.

use palisade_model::{Inventory, Node, Object, Pointer};

use crate::network::common::{is_service, listing};
use crate::network::netpol::labels::{Labels, Requirement, Selector};
use crate::network::netpol::model::{Cluster, PolicyId, Workload, WorkloadId, field, namespace_of};

/// The path of a workload's pod labels, where policies select it.
pub(crate) fn labels_path(workload: &Workload) -> Pointer {
    workload.metadata_path.key("labels")
}

/// `app=web` in namespace `shop`, for messages.
pub(crate) fn pods_described(cluster: &Cluster, workload: &Workload) -> String {
    let labels = if workload.labels.is_empty() {
        "pods without labels".to_string()
    } else {
        format!("pods labelled {}", workload.labels.describe())
    };
    format!(
        "{labels} in namespace {}",
        cluster.namespaces[workload.namespace].name
    )
}

/// `NetworkPolicy shop/a, shop/b`, listed with a bound.
pub(crate) fn policies_described(cluster: &Cluster, ids: &[PolicyId]) -> String {
    let names: Vec<String> = ids
        .iter()
        .map(|&id| cluster.policies[id].display_name())
        .collect();
    let noun = if names.len() == 1 {
        "NetworkPolicy"
    } else {
        "NetworkPolicies"
    };
    format!("{noun} {}", listing(&names))
}

/// How a Service exposes a workload.
pub(crate) struct Exposure {
    /// Reachable from outside the cluster: a LoadBalancer or NodePort Service, external IPs,
    /// or an Ingress routing to it.
    pub external: bool,
    /// `Service web (LoadBalancer)`, `Service api (behind Ingress shop/api)`.
    pub described: String,
}

/// The Service's selector, read as the endpoints controller reads it (equality on every
/// label); `None` for a Service without one, which selects no pods.
fn service_selector(service: &Object) -> Option<Selector> {
    let selector = field(&service.root, "spec").and_then(|spec| field(spec, "selector"))?;
    let labels = Labels::from_node(Some(selector));
    if labels.is_empty() {
        return None;
    }
    Some(Selector {
        requirements: labels
            .iter()
            .map(|(k, v)| Requirement::In(k.to_string(), vec![v.to_string()]))
            .collect(),
    })
}

/// The Services that Ingresses of the input route to: (namespace, Service name) → Ingress.
fn ingress_backends(inventory: &Inventory) -> Vec<(String, String, String)> {
    let mut backends = Vec::new();
    for ingress in inventory
        .of_kind("Ingress")
        .filter(|o| matches!(o.group(), "networking.k8s.io" | "extensions"))
    {
        let namespace = namespace_of(ingress).to_string();
        let name = format!("{namespace}/{}", ingress.name);
        let spec = field(&ingress.root, "spec").unwrap_or(Node::null());
        let mut backend_nodes: Vec<&Node> = Vec::new();
        if let Some(default) = field(spec, "defaultBackend").or_else(|| field(spec, "backend")) {
            backend_nodes.push(default);
        }
        for rule in field(spec, "rules").map(Node::items).unwrap_or(&[]) {
            let paths = field(rule, "http")
                .and_then(|http| field(http, "paths"))
                .map(Node::items)
                .unwrap_or(&[]);
            backend_nodes.extend(paths.iter().filter_map(|path| field(path, "backend")));
        }
        let services = backend_nodes.into_iter().filter_map(|node| {
            field(node, "service")
                .and_then(|s| field(s, "name"))
                .or_else(|| field(node, "serviceName"))
                .and_then(Node::as_str)
        });
        for service in services {
            backends.push((namespace.clone(), service.to_string(), name.clone()));
        }
    }
    backends
}

/// For each workload (by id), the Services that select its pods.
pub(crate) fn exposures(cluster: &Cluster, inventory: &Inventory) -> Vec<Vec<Exposure>> {
    let mut out: Vec<Vec<Exposure>> = (0..cluster.workloads.len()).map(|_| Vec::new()).collect();
    let backends = ingress_backends(inventory);
    for service in inventory.of_kind("Service").filter(|o| is_service(o)) {
        let Some(selector) = service_selector(service) else {
            continue;
        };
        let Some(namespace) = cluster.namespace_named(namespace_of(service)) else {
            continue;
        };
        let spec = field(&service.root, "spec").unwrap_or(Node::null());
        let kind = field(spec, "type")
            .and_then(Node::as_str)
            .unwrap_or("ClusterIP");
        let external_ips = field(spec, "externalIPs").is_some_and(|ips| !ips.items().is_empty());
        let ingress = backends
            .iter()
            .find(|(ns, name, _)| ns == namespace_of(service) && *name == service.name)
            .map(|(_, _, ingress)| ingress.clone());
        let mut how = vec![kind.to_string()];
        if external_ips {
            how.push("externalIPs".into());
        }
        if let Some(ingress) = &ingress {
            how.push(format!("behind Ingress {ingress}"));
        }
        let external =
            matches!(kind, "LoadBalancer" | "NodePort") || external_ips || ingress.is_some();
        let ids: Vec<WorkloadId> = cluster.select_in(namespace, &selector);
        for id in ids {
            out[id].push(Exposure {
                external,
                described: format!("Service {} ({})", service.name, how.join(", ")),
            });
        }
    }
    out
}
