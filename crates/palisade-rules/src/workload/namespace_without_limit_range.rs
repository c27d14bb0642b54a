//! ## What it does
//!
//! Finds namespaces that run workloads but have no LimitRange in the input. A namespace "runs
//! workloads" when a workload of the input (any pod-bearing kind) names it in
//! `metadata.namespace`; `kube-system`, `kube-public` and `kube-node-lease` are left to the
//! cluster. The finding is on the Namespace object (`/metadata/name`) when the input has it,
//! else on the namespace's first workload (`/metadata/namespace`).
//!
//! Any LimitRange in the namespace counts. The per-container rules (`missing-memory-limit`,
//! `missing-cpu-limit`, ...) judge each container; this rule asks for the namespace's safety
//! net, which also covers pods created later by hand, by operators or by an attacker.
//!
//! ## Why is this bad?
//!
//! A LimitRange gives containers that set no requests or limits a default, and caps what one
//! container may ask for. Without it, such a container has no memory limit and can take a
//! node's whole memory or CPU, evicting its neighbours; and with a ResourceQuota on CPU or
//! memory but no LimitRange, pods without requests are rejected outright. An internal attacker
//! who can create pods there, or a compromised workload that allocates without bound, degrades
//! every other workload on the node.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//!   namespace: shop
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: web
//!           image: nginx:1.27
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: v1
//! kind: LimitRange
//! metadata:
//!   name: defaults
//!   namespace: shop
//! spec:
//!   limits:
//!     - type: Container
//!       defaultRequest: {cpu: 100m, memory: 128Mi}
//!       default: {memory: 256Mi}
//!       max: {memory: 2Gi}
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Resource policies"
//! - Kubernetes documentation: concepts/policy/limit-range/
//! - Kubernetes documentation: concepts/configuration/manage-resources-containers/
//! - MITRE ATT&CK T1499 Endpoint Denial of Service

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, InventoryContext, Rule};
use crate::workload::namespaces::{
    describe_workloads, has_core_object, report_target, workloads_by_namespace,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "namespace-without-limit-range",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker, ThreatActor::EndUser],
        references: &[
            "nsa-cisa:pod-security",
            "k8s-docs:concepts/policy/limit-range/",
            "k8s-docs:concepts/configuration/manage-resources-containers/",
            "mitre:T1499",
        ],
        summary: "A namespace runs workloads but has no LimitRange",
        fix: "Add a LimitRange to every application namespace with default requests and limits for containers and a maximum per container.",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let inventory = context.inventory;
    for (namespace, workloads) in workloads_by_namespace(context) {
        if has_core_object(inventory, "LimitRange", namespace) {
            continue;
        }
        let Some((object, path)) = report_target(inventory, namespace, &workloads) else {
            continue;
        };
        out.report_on(
            inventory,
            object,
            &path,
            format_args!(
                "namespace {namespace} runs {} but the input has no LimitRange in it: containers that set no requests or limits get none, so one of them can take a node's whole memory or CPU and evict its neighbours",
                describe_workloads(&workloads)
            ),
        );
    }
}
