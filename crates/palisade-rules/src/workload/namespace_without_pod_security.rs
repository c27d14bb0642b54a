//! ## What it does
//!
//! Finds namespaces where Pod Security Admission enforces nothing:
//!
//! - a Namespace object without the label `pod-security.kubernetes.io/enforce` (the finding is
//!   at `/metadata/labels`, or `/metadata` when it has no labels), or with it set to
//!   `privileged`, or to a value that is not a level (`baseline`, `restricted`, `privileged`);
//!   the message says when only `warn` or `audit` is set, which report but do not block;
//! - a namespace that runs workloads but has no Namespace object in the input, when the input
//!   does define Namespaces (it manages them, and this one was forgotten): low, on the first
//!   workload's `metadata.namespace`. When the input defines no Namespace at all, they are
//!   managed elsewhere and palisade cannot see their labels, so nothing is reported.
//!
//! `kube-system`, `kube-public` and `kube-node-lease` are left out: the control plane and the
//! cluster's add-ons (CNI, kube-proxy, storage drivers) run privileged pods there by design.
//!
//! ## Why is this bad?
//!
//! Pod Security Admission is the cluster's built-in gate against privileged pods, host
//! namespaces, hostPath volumes and added capabilities, and it is configured per namespace by
//! these labels. Without `enforce`, pods are admitted at the cluster's default level, which is
//! `privileged` unless the API server's admission configuration says otherwise. Then anyone
//! allowed to create a pod in the namespace (an internal attacker with a developer's rights, a
//! compromised CI pipeline or operator) can start a privileged pod and take over the node, and
//! the per-workload checks of a scan protect only the manifests that were scanned.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Namespace
//! metadata:
//!   name: shop
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
//!     pod-security.kubernetes.io/enforce-version: latest
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.2.1: Ensure that the cluster has at least one active policy control mechanism in place
//! - Pod Security Standards; Kubernetes documentation: concepts/security/pod-security-admission/
//! - Kubernetes documentation: tasks/configure-pod-container/enforce-standards-namespace-labels/
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host

use palisade_model::{Layer, Node, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, InventoryContext, Rule};
use crate::workload::namespaces::{
    SYSTEM_NAMESPACES, describe_workloads, namespace_object, workloads_by_namespace,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "namespace-without-pod-security",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.2.1",
            "pss:overview",
            "k8s-docs:concepts/security/pod-security-admission/",
            "k8s-docs:tasks/configure-pod-container/enforce-standards-namespace-labels/",
            "nsa-cisa:pod-security",
            "mitre:T1611",
        ],
        summary: "A namespace's Pod Security Admission level is absent or `privileged`",
        fix: "Label every application namespace `pod-security.kubernetes.io/enforce: restricted` (or `baseline` where restricted cannot work yet), and keep `privileged` for the system namespaces.",
    },
    check: Check::Inventory(check),
};

const PREFIX: &str = "pod-security.kubernetes.io/";
const LEVELS: &[&str] = &["privileged", "baseline", "restricted"];

fn check(context: &InventoryContext, out: &mut Emitter) {
    let inventory = context.inventory;
    let namespaces: Vec<&Object> = inventory
        .of_kind("Namespace")
        .filter(|object| object.group().is_empty())
        .collect();
    for namespace in &namespaces {
        if !SYSTEM_NAMESPACES.contains(&namespace.name.as_str()) {
            check_namespace(context, out, namespace);
        }
    }
    if namespaces.is_empty() {
        return;
    }
    for (name, workloads) in workloads_by_namespace(context) {
        if namespace_object(inventory, name).is_some() {
            continue;
        }
        let Some(first) = workloads.first() else {
            continue;
        };
        out.report_on(
            inventory,
            first,
            &Pointer::root().keys(&["metadata", "namespace"]),
            format_args!(
                "namespace {name} runs {} but the input, which defines other Namespaces, has no Namespace object for it: nothing here sets its Pod Security Admission level, so its pods are admitted at the cluster default, privileged unless configured otherwise",
                describe_workloads(&workloads)
            ),
        )
        .severity = Severity::Low;
    }
}

fn check_namespace(context: &InventoryContext, out: &mut Emitter, namespace: &Object) {
    let labels = namespace.labels();
    let label = |mode: &str| -> Option<&Node> {
        labels.and_then(|labels| labels.get(&format!("{PREFIX}{mode}")))
    };
    let name = &namespace.name;
    let others: Vec<String> = ["warn", "audit"]
        .into_iter()
        .filter_map(|mode| Some(format!("{mode}={}", label(mode)?.as_str()?)))
        .collect();
    let only_reports = if others.is_empty() {
        String::new()
    } else {
        format!(
            " ({} only report violations, they do not block them)",
            others.join(", ")
        )
    };
    let labels_path = Pointer::root().keys(&["metadata", "labels"]);
    match label("enforce") {
        None => {
            out.report_on(
                context.inventory,
                namespace,
                &labels_path,
                format_args!(
                    "namespace {name} has no pod-security.kubernetes.io/enforce label{only_reports}: pods are admitted at the cluster's default level, privileged unless the admission configuration says otherwise, so anyone who can create a pod there can run it privileged and take over its node"
                ),
            );
        }
        Some(value) => {
            let level = value.as_str().unwrap_or("");
            let path = labels_path.key(&format!("{PREFIX}enforce"));
            let message = if level == "privileged" {
                format!(
                    "namespace {name} enforces the privileged Pod Security level{only_reports}: privileged pods, host namespaces and hostPath volumes are all admitted, so anyone who can create a pod there can take over its node"
                )
            } else if !LEVELS.contains(&level) {
                format!(
                    "namespace {name} sets pod-security.kubernetes.io/enforce to {}, which is not a level (privileged, baseline, restricted): the label does not give the namespace the level that was meant",
                    value.display_value()
                )
            } else {
                return;
            };
            out.report_on(context.inventory, namespace, &path, message);
        }
    }
}
