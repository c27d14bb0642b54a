//! ## What it does
//!
//! Finds containers and init containers without an ephemeral-storage limit
//! (`resources.limits.ephemeral-storage`), or with a limit of `0` or `""`, which means none.
//!
//! Ephemeral containers are skipped (they cannot have resources). The container is not reported
//! when a `LimitRange` in the same namespace gives it one at admission: a `type: Container` item
//! whose `default` sets `ephemeral-storage`. Pod-level `spec.resources` does not count: the API
//! server accepts only CPU and memory there.
//!
//! ## Why is this bad?
//!
//! A container's writable layer, its logs and its `emptyDir` volumes without a `sizeLimit` all
//! live on the node's disk. Without a limit, a container that writes without bound (a log
//! storm, a runaway cache, or an attacker: an end user uploading huge files, an internal
//! attacker filling `/tmp` on purpose) fills that disk. The kubelet then hits its disk-pressure
//! threshold, taints the node and evicts pods by priority, neighbours included, and images and
//! node services may fail to write. With a limit, the kubelet evicts the one pod that went over
//! it, and the scheduler can place pods by their disk needs.
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
//!             limits:
//!               memory: 256Mi
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!           resources:
//!             requests:
//!               ephemeral-storage: 1Gi
//!             limits:
//!               memory: 256Mi
//!               ephemeral-storage: 2Gi
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/configuration/manage-resources-containers/#local-ephemeral-storage; concepts/policy/limit-range/
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening, "Resource policies"
//! - MITRE ATT&CK T1499 Endpoint Denial of Service

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::resources::{Amount, gaps};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-ephemeral-storage-limit",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/configuration/manage-resources-containers/#local-ephemeral-storage",
            "k8s-docs:concepts/policy/limit-range/",
            "nsa-cisa:resource-policies",
            "mitre:T1499",
        ],
        summary: "Container has no ephemeral-storage limit",
        fix: "Set `resources.limits.ephemeral-storage` on every container (or a LimitRange `default` for the namespace), and a `sizeLimit` on `emptyDir` volumes.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for gap in gaps(context, "ephemeral-storage", Amount::Limit) {
        let what = match &gap.zero {
            Some(value) => format!(
                "sets an ephemeral-storage limit of {value} (resources.limits.ephemeral-storage), which is no limit at all"
            ),
            None => {
                "has no ephemeral-storage limit (resources.limits.ephemeral-storage)".to_string()
            }
        };
        out.report(
            &gap.path,
            format_args!(
                "{} {what}: it can fill the node's disk with logs, its writable layer and emptyDir volumes, and get its neighbours evicted",
                gap.container.describe()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::paths;

    const POD: &str = "
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec:
  resources: {limits: {ephemeral-storage: 1Gi, memory: 1Gi}}
  initContainers: [{name: i, image: x, resources: {limits: {ephemeral-storage: 1Gi}}}]
  containers:
    - {name: a, image: x, resources: {requests: {ephemeral-storage: 1Gi}}}
    - {name: b, image: x, resources: {limits: {ephemeral-storage: '0'}}}
    - {name: c, image: x, resources: {limits: {ephemeral-storage: 500Mi}}}
  ephemeralContainers: [{name: e, image: x}]
";

    #[test]
    fn pod_level_resources_do_not_count() {
        assert_eq!(
            paths(&RULE, POD),
            vec![
                "/spec/containers/0/resources/limits/ephemeral-storage",
                "/spec/containers/1/resources/limits/ephemeral-storage",
            ]
        );
    }

    #[test]
    fn a_limit_range_default_fills_absent_limits_only() {
        let range = "apiVersion: v1\nkind: LimitRange\nmetadata: {name: r, namespace: shop}\nspec:\n  limits: [{type: Container, default: {ephemeral-storage: 2Gi}}]\n---";
        assert_eq!(
            paths(&RULE, &format!("{range}{POD}")),
            vec!["/spec/containers/1/resources/limits/ephemeral-storage"]
        );
        let memory_only = range.replace("ephemeral-storage: 2Gi", "memory: 1Gi");
        assert_eq!(paths(&RULE, &format!("{memory_only}{POD}")).len(), 2);
    }
}
