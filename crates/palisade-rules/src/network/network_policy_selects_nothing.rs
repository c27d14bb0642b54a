//! ## What it does
//!
//! Finds NetworkPolicies whose `podSelector` matches no workload of the input, in a namespace
//! where the input has workloads. A policy in a namespace without any workload in the input is
//! not judged: its pods may simply be deployed from elsewhere.
//!
//! The pod labels compared are those of each workload's pods (a controller's pod template).
//! Pods with `hostNetwork: true` do not count as selected, since a policy cannot isolate them;
//! the message says when the selector matches only such pods. A policy with `podSelector: {}`,
//! a namespace-wide default meant for future pods as well, is never reported.
//!
//! ## Why is this bad?
//!
//! A policy that selects nothing protects nothing, and it usually means a mistake: a label
//! misspelt in the selector, a workload relabelled or renamed since the policy was written, the
//! policy applied in the wrong namespace. The pods it was meant for then run without the
//! isolation their owners believe they have, open to every other pod of the cluster.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: db
//!   namespace: shop
//! spec:
//!   podSelector:
//!     matchLabels:
//!       app: postgress      # the pods are labelled app: postgres
//!   ingress:
//!     - from:
//!         - podSelector:
//!             matchLabels:
//!               app: api
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   podSelector:
//!     matchLabels:
//!       app: postgres
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - Kubernetes documentation: concepts/services-networking/network-policies/

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::common::listing;
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "network-policy-selects-nothing",
        severity: Severity::Low,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "nsa-cisa:network-separation",
            "k8s-docs:concepts/services-networking/network-policies/",
        ],
        summary: "A NetworkPolicy selects no workload of its namespace",
        fix: "Correct the `podSelector` to the labels of the pods the policy is for (or move the policy to their namespace); delete it if those pods are gone.",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let cluster = context.network();
    let mut per_namespace = vec![0usize; cluster.namespaces.len()];
    for workload in &cluster.workloads {
        per_namespace[workload.namespace] += 1;
    }
    for policy in &cluster.policies {
        let Some(selector) = &policy.pod_selector else {
            continue;
        };
        // `podSelector: {}` is the namespace's policy for every pod, including those deployed
        // later: never dangling, even when the only workloads now are on the host network.
        if selector.is_everything() {
            continue;
        }
        let present = per_namespace[policy.namespace];
        // `{}` is a namespace-wide default, written for the pods to come as much as for those
        // of the input.
        if !policy.selected.is_empty() || present == 0 || selector.is_everything() {
            continue;
        }
        let namespace = &cluster.namespaces[policy.namespace].name;
        let host_network: Vec<String> = cluster
            .select_in(policy.namespace, selector)
            .into_iter()
            .map(|id| cluster.workloads[id].object.name.clone())
            .collect();
        let message = if host_network.is_empty() {
            format!(
                "podSelector {} matches no workload of namespace {namespace} ({present} in the input): the policy protects nothing, and the pods it was written for (a misspelt or changed label?) are not isolated by it",
                selector.describe()
            )
        } else {
            format!(
                "podSelector {} matches only hostNetwork workloads ({}) in namespace {namespace}: NetworkPolicy does not apply to pods on the node's network, so the policy protects nothing",
                selector.describe(),
                listing(&host_network)
            )
        };
        out.report_on(
            context.inventory,
            policy.object,
            &Pointer::root().keys(&["spec", "podSelector"]),
            message,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    const DB: &str = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: postgres}}\n    spec: {containers: [{name: c, image: x}]}\n---\n";

    fn policy(namespace: &str, selector: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: {namespace}}}\nspec: {{podSelector: {selector}}}\n---\n"
        )
    }

    #[test]
    fn judged_only_where_the_input_has_workloads() {
        assert_eq!(
            paths(
                &RULE,
                &format!("{DB}{}", policy("shop", "{matchLabels: {app: postgress}}"))
            ),
            vec!["/spec/podSelector"]
        );
        assert!(
            paths(
                &RULE,
                &format!("{DB}{}", policy("shop", "{matchLabels: {app: postgres}}"))
            )
            .is_empty()
        );
        assert!(paths(&RULE, &format!("{DB}{}", policy("shop", "{}"))).is_empty());
        assert!(
            paths(
                &RULE,
                &format!("{DB}{}", policy("other", "{matchLabels: {app: x}}"))
            )
            .is_empty()
        );
        assert!(paths(&RULE, &policy("shop", "{matchLabels: {app: x}}")).is_empty());
        // An invalid selector is the API server's to reject, not this rule's.
        assert!(
            paths(
                &RULE,
                &format!(
                    "{DB}{}",
                    policy("shop", "{matchExpressions: [{key: a, operator: Bad}]}")
                )
            )
            .is_empty()
        );
    }

    #[test]
    fn host_network_pods_are_not_selectable() {
        let host = DB.replace("spec: {containers", "spec: {hostNetwork: true, containers");
        let found = findings(
            &RULE,
            &format!("{host}{}", policy("shop", "{matchLabels: {app: postgres}}")),
        );
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("matches only hostNetwork workloads (db)")
        );
    }
}
