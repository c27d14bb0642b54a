//! ## What it does
//!
//! Finds workloads (every kind with a pod spec) placed in the `kube-system` namespace that do
//! not look like a control-plane component or a cluster add-on. A workload counts as one when
//! any of these holds:
//!
//! - its pod asks for `priorityClassName: system-cluster-critical` or `system-node-critical`,
//!   the classes Kubernetes keeps for components the cluster cannot run without (CNI, DNS,
//!   storage drivers, autoscalers); before 1.17 only `kube-system` could use them, and
//!   clusters may still limit them to it with a ResourceQuota admission configuration;
//! - it (or its pod template) is labelled as an add-on or control-plane part:
//!   `addonmanager.kubernetes.io/mode`, `kubernetes.io/cluster-service: "true"` or
//!   `tier: control-plane`;
//! - its name, or its `k8s-app`, `app.kubernetes.io/name`, `app`, `component` or `name` label
//!   (on the object or the pod template), is a well-known component, or starts with one
//!   followed by `-`: the control plane (`etcd`, `kube-apiserver`, `kube-controller-manager`,
//!   `kube-scheduler`, `cloud-controller-manager`, `kube-proxy`, `konnectivity-agent`), DNS
//!   (`coredns`, `kube-dns`, `node-local-dns`, ...), networking (`calico`, `canal`, `cilium`,
//!   `hubble`, `flannel`, `kube-flannel`, `weave-net`, `aws-node`, `kube-router`, `antrea`,
//!   `multus`, `ip-masq-agent`, ...), storage drivers (`ebs-csi`, `efs-csi`, `csi`, ...) and
//!   cluster services (`metrics-server`, `cluster-autoscaler`, `vpa`, `kube-state-metrics`,
//!   `node-problem-detector`, `nvidia-device-plugin`, `descheduler`, ...). The full list is
//!   `ADD_ONS` in the source.
//!
//! Anything else in `kube-system` is reported. An add-on palisade does not know is reported
//! too: exempt it in `.palisade.yaml` (`exemptions` with `namespaces: [kube-system]` and its
//! name) with the reason.
//!
//! ## Why is this bad?
//!
//! `kube-system` holds the cluster's most privileged service accounts (the controllers',
//! the CNI's, the cloud provider's) and their Secrets, and policy engines and Pod Security
//! configurations commonly exempt it. Whoever deploys an application there must be allowed to
//! create pods in `kube-system`, and anyone who can create a pod in a namespace can run it as
//! any service account of that namespace: the application's maintainers, and an internal
//! attacker who takes over their credentials or pipeline, are then one pod away from the
//! controllers' rights. A compromised application there (through an end user) shares the
//! namespace's Secrets, RBAC grants and missing policies. Attackers also hide pods among the
//! system ones. Applications belong in namespaces of their own.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: shop-frontend
//!   namespace: kube-system
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: v1
//! kind: Namespace
//! metadata:
//!   name: shop
//!   labels:
//!     pod-security.kubernetes.io/enforce: restricted
//! ---
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: shop-frontend
//!   namespace: shop
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.6.1: Create administrative boundaries between resources using namespaces
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening, "Namespaces"
//! - Microsoft Threat Matrix for Kubernetes MS-TA9023 Pod / container name similarity; MITRE ATT&CK T1036.005 Masquerading: Match Legitimate Name or Location
//! - Kubernetes documentation: concepts/security/rbac-good-practices/ ("Workload creation"); concepts/policy/resource-quotas/ ("Limit Priority Class consumption by default")

use palisade_model::{Layer, Node, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::pod::PodView;
use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "workload-in-kube-system",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.6.1",
            "nsa-cisa:namespaces",
            "ms-threat:MS-TA9023",
            "mitre:T1036.005",
            "k8s-docs:concepts/security/rbac-good-practices/",
            "k8s-docs:concepts/policy/resource-quotas/",
        ],
        summary: "Application workload runs in the kube-system namespace",
        fix: "Move the workload to a namespace of its own; if it is a cluster add-on palisade does not know, exempt it in `.palisade.yaml` with the reason.",
    },
    check: Check::Object(check),
};

const KUBE_SYSTEM: &str = "kube-system";

/// Control-plane components and cluster add-ons that belong in `kube-system`. An identifier
/// matches an entry when it is the entry or starts with the entry followed by `-`.
const ADD_ONS: &[&str] = &[
    // Control plane (static pods and their helpers).
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "cloud-controller-manager",
    "kube-proxy",
    "konnectivity-agent",
    "konnectivity-server",
    "kube-addon-manager",
    // DNS.
    "coredns",
    "kube-dns",
    "kube-dns-autoscaler",
    "node-local-dns",
    "nodelocaldns",
    "dns-autoscaler",
    // Networking.
    "calico",
    "calicoctl",
    "canal",
    "cilium",
    "hubble",
    "flannel",
    "kube-flannel",
    "weave-net",
    "aws-node",
    "cni-metrics-helper",
    "kube-router",
    "antrea",
    "multus",
    "ip-masq-agent",
    "kube-ovn",
    "kube-vip",
    "istio-cni",
    // Storage drivers.
    "csi",
    "ebs-csi",
    "efs-csi",
    "fsx-csi",
    "gce-pd-csi",
    "azuredisk-csi",
    "azurefile-csi",
    // Cluster services.
    "metrics-server",
    "cluster-autoscaler",
    "cluster-proportional-autoscaler",
    "vpa",
    "vertical-pod-autoscaler",
    "kube-state-metrics",
    "node-problem-detector",
    "nvidia-device-plugin",
    "descheduler",
    "aws-load-balancer-controller",
    "cloud-node-manager",
];

/// The labels whose value names the component.
const NAME_LABELS: &[&str] = &[
    "k8s-app",
    "app.kubernetes.io/name",
    "app",
    "component",
    "name",
];

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    let object = context.object;
    if object.namespace.as_deref() != Some(KUBE_SYSTEM) || is_add_on(object, pod) {
        return;
    }
    out.report(
        &Pointer::root().keys(&["metadata", "namespace"]),
        format_args!(
            "{} {:?} runs in kube-system but is not a control-plane component or add-on palisade knows: whoever deploys it can run pods as kube-system's privileged service accounts",
            object.kind, object.name
        ),
    );
}

fn is_add_on(object: &Object, pod: &PodView) -> bool {
    if let Some(priority) = field(Some(pod.spec), "priorityClassName").and_then(Node::as_str)
        && matches!(priority, "system-cluster-critical" | "system-node-critical")
    {
        return true;
    }
    let label_sets = [
        object.labels(),
        pod.metadata.and_then(|metadata| metadata.get("labels")),
    ];
    let label = |key: &str| {
        label_sets
            .iter()
            .filter_map(|labels| labels.and_then(|labels| labels.get(key)))
            .filter_map(Node::as_str)
            .collect::<Vec<_>>()
    };
    if !label("addonmanager.kubernetes.io/mode").is_empty()
        || label("kubernetes.io/cluster-service").contains(&"true")
        || label("tier").contains(&"control-plane")
    {
        return true;
    }
    std::iter::once(object.name.as_str())
        .chain(NAME_LABELS.iter().flat_map(|key| label(key)))
        .any(is_known_component)
}

fn is_known_component(identifier: &str) -> bool {
    let identifier = identifier.to_ascii_lowercase();
    ADD_ONS.iter().any(|add_on| {
        identifier
            .strip_prefix(add_on)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::paths;

    fn deployment(name: &str, namespace: &str, labels: &str, pod_spec: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}, labels: {{{labels}}}}}\nspec:\n  template:\n    spec: {{containers: [{{name: c, image: x}}]{pod_spec}}}\n"
        )
    }

    #[test]
    fn known_components() {
        for name in [
            "coredns",
            "kube-proxy",
            "etcd-master-1",
            "kube-apiserver-node1",
            "calico-node",
            "calicoctl",
            "cilium-operator",
            "metrics-server",
            "kube-state-metrics-shard",
            "vpa-recommender",
            "CoreDNS",
        ] {
            assert!(is_known_component(name), "{name}");
        }
        for name in [
            "",
            "shop",
            "etcdbackup",
            "my-coredns",
            "kube-",
            "csidriver",
            "ciliumx",
            "é",
            &"x".repeat(10_000),
        ] {
            assert!(!is_known_component(name), "{name}");
        }
    }

    #[test]
    fn only_unknown_workloads_in_kube_system() {
        let reported = |yaml: &str| paths(&RULE, yaml);
        assert_eq!(
            reported(&deployment("shop", "kube-system", "", "")),
            vec!["/metadata/namespace"]
        );
        assert!(reported(&deployment("shop", "shop", "", "")).is_empty());
        assert!(reported(&deployment("coredns", "kube-system", "", "")).is_empty());
        assert!(reported(&deployment("x", "kube-system", "k8s-app: kube-dns", "")).is_empty());
        assert!(
            reported(&deployment(
                "x",
                "kube-system",
                "",
                ", priorityClassName: system-node-critical"
            ))
            .is_empty()
        );
        assert_eq!(
            reported(&deployment(
                "x",
                "kube-system",
                "",
                ", priorityClassName: high-priority"
            ))
            .len(),
            1
        );
        assert!(
            reported(&deployment(
                "registry",
                "kube-system",
                "kubernetes.io/cluster-service: 'true'",
                ""
            ))
            .is_empty()
        );
        assert_eq!(
            reported(&deployment(
                "registry",
                "kube-system",
                "kubernetes.io/cluster-service: 'false', tier: backend, app: 7",
                ""
            ))
            .len(),
            1
        );
        // The pod template's labels count too.
        let yaml = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: kube-system}\nspec:\n  template:\n    metadata: {labels: {app.kubernetes.io/name: cilium}}\n    spec: {containers: [{name: c, image: x}]}\n";
        assert!(reported(yaml).is_empty());
        // Not a workload.
        let config =
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shop, namespace: kube-system}\n";
        assert!(reported(config).is_empty());
    }
}
