//! ## What it does
//!
//! Finds namespaces that run workloads but have no ResourceQuota in the input. A namespace
//! "runs workloads" when a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
//! ReplicationController, Job, CronJob or PodTemplate (or a configured custom workload kind)
//! of the input names it in `metadata.namespace`; `kube-system`, `kube-public` and
//! `kube-node-lease` are left to the cluster. The finding is on the Namespace object
//! (`/metadata/name`) when the input has it, else on the namespace's first workload
//! (`/metadata/namespace`).
//!
//! Any ResourceQuota in the namespace counts, whatever it limits.
//!
//! ## Why is this bad?
//!
//! Without a quota nothing caps what the namespace may claim: CPU and memory requests, storage,
//! the number of pods, Services, Secrets or ConfigMaps. A runaway deployment, a CrashLoop that
//! spawns Jobs, or an internal attacker with the right to create pods there (a compromised CI
//! token, a tenant) can exhaust the nodes' capacity, the cluster's load-balancer and storage
//! budgets, or etcd itself with objects, and take down every other tenant: denial of service by
//! resource exhaustion.
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
//! kind: ResourceQuota
//! metadata:
//!   name: shop-quota
//!   namespace: shop
//! spec:
//!   hard:
//!     requests.cpu: "8"
//!     requests.memory: 16Gi
//!     limits.memory: 32Gi
//!     pods: "50"
//!     services.loadbalancers: "0"
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Resource policies"
//! - CIS Kubernetes Benchmark 5.7 (General policies: namespaces as administrative boundaries)
//! - Kubernetes documentation: concepts/policy/resource-quotas/
//! - Kubernetes documentation: concepts/security/rbac-good-practices/ ("Denial of service risks")
//! - MITRE ATT&CK T1499 Endpoint Denial of Service

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, InventoryContext, Rule};
use crate::workload::namespaces::{
    describe_workloads, has_core_object, report_target, workloads_by_namespace,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "namespace-without-resource-quota",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker, ThreatActor::EndUser],
        references: &[
            "nsa-cisa:pod-security",
            "cis-k8s:5.7",
            "k8s-docs:concepts/policy/resource-quotas/",
            "k8s-docs:concepts/security/rbac-good-practices/",
            "mitre:T1499",
        ],
        summary: "A namespace runs workloads but has no ResourceQuota",
        fix: "Add a ResourceQuota to every application namespace, capping CPU and memory requests and limits, storage, and object counts (pods, services.loadbalancers, secrets).",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let inventory = context.inventory;
    for (namespace, workloads) in workloads_by_namespace(context) {
        if has_core_object(inventory, "ResourceQuota", namespace) {
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
                "namespace {namespace} runs {} but the input has no ResourceQuota in it: nothing caps the CPU, memory, storage or number of objects they, or anyone who can create pods there, may claim, so one runaway or hostile workload can starve the rest of the cluster",
                describe_workloads(&workloads)
            ),
        );
    }
}
