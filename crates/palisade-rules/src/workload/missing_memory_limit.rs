//! ## What it does
//!
//! Finds containers and init containers without a memory limit (`resources.limits.memory`),
//! or with a limit of `0` or `""`, which means none.
//!
//! Ephemeral containers are skipped (they cannot have resources). The container is not reported
//! when something else gives it the value at admission: pod-level `spec.resources`
//! (Kubernetes 1.32+), or a `LimitRange` in the same namespace whose `type: Container` item sets
//! `default` for memory.
//!
//! ## Why is this bad?
//!
//! A container without a memory limit may use all the memory of its node. A leak, a traffic
//! spike or an attacker (an end user feeding the application huge inputs, an internal attacker
//! running anything in a compromised container) exhausts the node: the kernel's OOM killer then
//! kills processes of other pods, the kubelet evicts neighbours, and a node-level component may
//! die with them. A limit confines the damage to the container that misbehaves, which is
//! OOM-killed and restarted alone.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: web
//!           image: nginx:1.27
//!           resources:
//!             requests:
//!               cpu: 100m
//!               memory: 128Mi
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!           resources:
//!             requests:
//!               cpu: 100m
//!               memory: 128Mi
//!             limits:
//!               memory: 256Mi
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/configuration/manage-resources-containers/; concepts/policy/limit-range/
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening, "Resource policies"
//! - MITRE ATT&CK T1499 Endpoint Denial of Service

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::resources::{Amount, gaps};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-memory-limit",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/configuration/manage-resources-containers/",
            "k8s-docs:concepts/policy/limit-range/",
            "nsa-cisa:resource-policies",
            "mitre:T1499",
        ],
        summary: "Container has no memory limit",
        fix: "Set `resources.limits.memory` on every container (or pod-level `spec.resources.limits.memory`, or a LimitRange `default` for the namespace).",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for gap in gaps(context, "memory", Amount::Limit) {
        let what = match &gap.zero {
            Some(value) => format!(
                "sets a memory limit of {value} (resources.limits.memory), which is no limit at all"
            ),
            None => "has no memory limit (resources.limits.memory)".to_string(),
        };
        out.report(
            &gap.path,
            format_args!(
                "{} {what}: it can exhaust the node's memory and trigger OOM kills of its neighbours",
                gap.container.describe()
            ),
        );
    }
}
