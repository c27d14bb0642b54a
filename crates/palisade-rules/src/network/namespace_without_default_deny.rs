//! ## What it does
//!
//! Finds namespaces without a default-deny NetworkPolicy for ingress or for egress, when every
//! workload of the namespace is nevertheless isolated by policies of its own for that
//! direction (or the namespace, a Namespace object of the input, has no workloads yet).
//!
//! A default deny for a direction is a policy that selects every pod of the namespace,
//! present and future (`podSelector: {}`), and isolates that direction (`policyTypes` lists
//! it; `Ingress` is implied when `policyTypes` is omitted). Whatever else that policy allows,
//! it makes the namespace an allow-list. A Calico policy (`selector: all()`, or a
//! GlobalNetworkPolicy whose selectors pick the whole namespace) or a Cilium policy
//! (`endpointSelector: {}`, or a cluster-wide one selecting the namespace) that isolates the
//! direction counts too. The namespaces `kube-public` and `kube-node-lease`, which run no pods,
//! are not judged.
//!
//! How this rule relates to the per-workload ones: a namespace whose workloads are not all
//! isolated is not reported here, because `missing-ingress-policy`,
//! `exposed-workload-without-ingress-policy` and `missing-egress-policy` already report each
//! unprotected workload (and their fix is the same default deny). This rule reports what those
//! cannot see: a namespace that is covered today only workload by workload, so that the next
//! workload, or a relabelled one, is open.
//!
//! ## Why is this bad?
//!
//! Without a default deny, isolation depends on someone writing a policy for every new
//! workload and keeping selectors in step with labels. A workload deployed later, a canary
//! with other labels, a debugging pod: each is reachable from every pod of the cluster, and can
//! reach everything, from the moment it starts. A default deny per namespace turns a forgotten
//! policy into a visible outage instead of a silent hole.
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
//! # beside it
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: default-deny
//!   namespace: shop
//! spec:
//!   podSelector: {}
//!   policyTypes: [Ingress, Egress]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.3.2: Ensure that all Namespaces have Network Policies defined
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening ("default deny")
//! - Microsoft Threat Matrix for Kubernetes MS-TA9034 Cluster internal networking
//! - Kubernetes documentation: concepts/services-networking/network-policies/#default-policies

use palisade_model::{Layer, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::coverage::labels_path;
use crate::network::netpol::Direction;
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "namespace-without-default-deny",
        severity: Severity::Low,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.3.2",
            "nsa-cisa:network-separation",
            "ms-threat:MS-TA9034",
            "k8s-docs:concepts/services-networking/network-policies/#default-policies",
        ],
        summary: "A namespace has no default-deny NetworkPolicy for ingress or egress",
        fix: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress, Egress]` to the namespace; the other policies then allow what each workload needs.",
    },
    check: Check::Inventory(check),
};

/// Namespaces where no pods run, by design.
const WITHOUT_PODS: [&str; 2] = ["kube-public", "kube-node-lease"];

fn check(context: &InventoryContext, out: &mut Emitter) {
    let cluster = context.network();
    let mut workloads: Vec<Vec<usize>> = vec![Vec::new(); cluster.namespaces.len()];
    for (id, workload) in cluster.workloads.iter().enumerate() {
        workloads[workload.namespace].push(id);
    }
    for (ns, namespace) in cluster.namespaces.iter().enumerate() {
        if WITHOUT_PODS.contains(&namespace.name.as_str())
            || (namespace.object.is_none() && workloads[ns].is_empty())
        {
            continue;
        }
        let mut missing = Vec::new();
        for direction in [Direction::Ingress, Direction::Egress] {
            let default_deny = cluster.policies.iter().any(|p| {
                p.namespace == ns
                    && p.isolates(direction)
                    && p.pod_selector.as_ref().is_some_and(|s| s.is_everything())
            }) || cluster.crd_policies.iter().any(|p| match direction {
                Direction::Ingress => p.whole_namespaces_ingress.contains(&ns),
                Direction::Egress => p.whole_namespaces_egress.contains(&ns),
            });
            let all_covered = workloads[ns].iter().all(|&id| {
                let w = &cluster.workloads[id];
                w.host_network
                    || match direction {
                        Direction::Ingress => w.ingress_covered(),
                        Direction::Egress => w.egress_covered(),
                    }
            });
            if !default_deny && all_covered {
                missing.push(direction.as_str());
            }
        }
        if missing.is_empty() {
            continue;
        }
        let directions = missing.join(" and ");
        let isolatable = workloads[ns]
            .iter()
            .filter(|&&id| !cluster.workloads[id].host_network)
            .count();
        let situation = match (isolatable, workloads[ns].len()) {
            (0, 0) => "every pod deployed there".to_string(),
            (0, _) => "its workloads in the input run on the host network, which NetworkPolicy cannot isolate, and any other pod deployed there".to_string(),
            (count, _) => format!(
                "its {count} workload{} in the input {} isolated by policies of {}, but a workload added or relabelled later",
                if count == 1 { "" } else { "s" },
                if count == 1 { "is" } else { "are" },
                if count == 1 { "its own" } else { "their own" }
            ),
        };
        // Where to report: the Namespace, else one of its policies, else one of its workloads.
        let (object, path): (&Object, Pointer) = match namespace.object {
            Some(object) => (object, Pointer::root().key("metadata")),
            None => match cluster.policies.iter().find(|p| p.namespace == ns) {
                Some(policy) => (
                    policy.object,
                    Pointer::root().keys(&["spec", "podSelector"]),
                ),
                None => match workloads[ns].first() {
                    Some(&id) => (
                        cluster.workloads[id].object,
                        labels_path(&cluster.workloads[id]),
                    ),
                    None => continue,
                },
            },
        };
        out.report_on(
            context.inventory,
            object,
            &path,
            format_args!(
                "namespace {} has no default-deny NetworkPolicy for {directions} (podSelector: {{}} with those policyTypes): {situation} is open to the whole cluster until someone writes a policy for it",
                namespace.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    const NS: &str = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n";
    const WEB: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: []}\n---\n";

    fn policy(name: &str, spec: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\nspec: {spec}\n---\n"
        )
    }

    fn messages(yaml: &str) -> Vec<String> {
        findings(&RULE, yaml)
            .into_iter()
            .map(|f| f.message.to_string())
            .collect()
    }

    #[test]
    fn reported_only_where_the_workload_rules_are_silent() {
        // An unprotected workload: the workload rules speak, not this one.
        assert!(paths(&RULE, &format!("{NS}{WEB}")).is_empty());
        // Protected one by one for both directions.
        let own = policy(
            "web",
            "{podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, Egress]}",
        );
        assert_eq!(paths(&RULE, &format!("{NS}{WEB}{own}")), vec!["/metadata"]);
        assert!(messages(&format!("{NS}{WEB}{own}"))[0].contains("for ingress and egress"));
        // Ingress by a default deny, egress one by one.
        let deny_ingress = policy("deny", "{podSelector: {}}");
        let egress = policy(
            "web",
            "{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress]}",
        );
        let message = &messages(&format!("{NS}{WEB}{deny_ingress}{egress}"))[0];
        assert!(message.contains("for egress (podSelector"), "{message}");
        assert!(
            message.contains("its 1 workload in the input is isolated by policies of its own"),
            "{message}"
        );
        // Both defaults.
        let deny_all = policy("deny", "{podSelector: {}, policyTypes: [Ingress, Egress]}");
        assert!(paths(&RULE, &format!("{NS}{WEB}{deny_all}")).is_empty());
    }

    #[test]
    fn namespaces_without_workloads_and_where_findings_go() {
        assert_eq!(paths(&RULE, NS), vec!["/metadata"]);
        let host = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: shop}\nspec: {template: {spec: {hostNetwork: true, containers: []}}}\n";
        assert!(messages(&format!("{NS}{host}"))[0].contains("its workloads in the input run on the host network, which NetworkPolicy cannot isolate, and any other pod deployed there is open"));
        assert!(paths(&RULE, &NS.replace("shop", "kube-node-lease")).is_empty());
        // Without a Namespace object: on a policy of the namespace.
        let own = policy(
            "web",
            "{podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, Egress]}",
        );
        let found = findings(&RULE, &format!("{WEB}{own}"));
        assert_eq!(found.len(), 1);
        assert_eq!(
            (found[0].object.kind.as_str(), &*found[0].path),
            ("NetworkPolicy", "/spec/podSelector")
        );
        // A policy alone is not a namespace of workloads.
        assert!(paths(&RULE, &own).is_empty());
    }

    #[test]
    fn calico_and_cilium_defaults_count() {
        let own = policy(
            "web",
            "{podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress, Egress]}",
        );
        let calico = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: d, namespace: shop}\nspec: {selector: all(), types: [Ingress, Egress]}\n---\n";
        assert!(paths(&RULE, &format!("{NS}{WEB}{own}{calico}")).is_empty());
        let cilium = "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: d}\nspec: {endpointSelector: {matchLabels: {'k8s:io.kubernetes.pod.namespace': shop}}, ingress: [{}], egress: [{}]}\n---\n";
        assert!(paths(&RULE, &format!("{NS}{WEB}{own}{cilium}")).is_empty());
        let narrow = cilium.replace("{'k8s:io.kubernetes.pod.namespace': shop}", "{app: web}");
        assert_eq!(
            paths(&RULE, &format!("{NS}{WEB}{own}{narrow}")),
            vec!["/metadata"]
        );
    }
}
