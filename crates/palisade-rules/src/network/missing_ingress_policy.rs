//! ## What it does
//!
//! Finds workloads whose pods no NetworkPolicy selects for ingress, and that no Service
//! exposes (a workload behind a Service is reported by `exposed-workload-without-ingress-policy`
//! instead, so that each unprotected workload is reported once for ingress).
//!
//! A pod is isolated for ingress when some NetworkPolicy of its namespace selects it (its
//! `podSelector` matches the pod's labels) and has `Ingress` among its `policyTypes` (which it
//! has when `policyTypes` is omitted). A Calico (`projectcalico.org` NetworkPolicy or
//! GlobalNetworkPolicy) or Cilium (`CiliumNetworkPolicy`, `CiliumClusterwideNetworkPolicy`)
//! policy that selects the pods for ingress counts too. Every workload kind is checked (Pod,
//! Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob);
//! `hostNetwork` pods are not, since NetworkPolicy cannot isolate them (`host-network` reports
//! them).
//!
//! When the namespace has no default-deny policy, every unprotected workload of it is reported
//! here; `namespace-without-default-deny` reports a namespace only when all its workloads are
//! protected one by one, so that each gap is reported once.
//!
//! ## Why is this bad?
//!
//! Kubernetes networking is flat: a pod that no policy isolates accepts connections from every
//! pod of every namespace and from anything that reaches the pod network. An attacker who
//! compromises any pod (through an application bug, a poisoned image) scans the cluster and
//! connects to this workload's ports directly: databases, admin endpoints and metrics that were
//! never meant to be reachable from the rest of the cluster. Least privilege for the network
//! means a positive list of who may connect, for every pod.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: worker
//!   namespace: shop
//! spec:
//!   template:
//!     metadata:
//!       labels:
//!         app: worker
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! # a default deny for the namespace, then what the worker needs
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: default-deny
//!   namespace: shop
//! spec:
//!   podSelector: {}
//!   policyTypes: [Ingress, Egress]
//! ---
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: worker
//!   namespace: shop
//! spec:
//!   podSelector:
//!     matchLabels:
//!       app: worker
//!   ingress:
//!     - from:
//!         - podSelector:
//!             matchLabels:
//!               app: scheduler
//!       ports:
//!         - port: 9000
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.3.2: Ensure that all Namespaces have Network Policies defined
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - Microsoft Threat Matrix for Kubernetes MS-TA9031 Network mapping, MS-TA9034 Cluster internal networking
//! - MITRE ATT&CK T1046 Network Service Discovery, T1210 Exploitation of Remote Services
//! - Kubernetes documentation: concepts/services-networking/network-policies/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::network::coverage::{exposures, labels_path, pods_described};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-ingress-policy",
        severity: Severity::Medium,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.3.2",
            "nsa-cisa:network-separation",
            "ms-threat:MS-TA9031",
            "ms-threat:MS-TA9034",
            "mitre:T1046",
            "mitre:T1210",
            "k8s-docs:concepts/services-networking/network-policies/",
        ],
        summary: "No NetworkPolicy selects the workload's pods for ingress",
        fix: "Add a default-deny NetworkPolicy to the namespace (`podSelector: {}`, `policyTypes: [Ingress, Egress]`) and a policy that allows only the sources and ports this workload needs.",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let cluster = context.network();
    let exposed = exposures(cluster, context.inventory);
    for (id, workload) in cluster.workloads.iter().enumerate() {
        if workload.host_network || workload.ingress_covered() || !exposed[id].is_empty() {
            continue;
        }
        let others = if workload.egress_covered() {
            " (policies select them for egress only)"
        } else {
            ""
        };
        out.report_on(
            context.inventory,
            workload.object,
            &labels_path(workload),
            format_args!(
                "no NetworkPolicy selects the {} for ingress{others}: every pod of the cluster, a compromised one included, can connect to any port they listen on",
                pods_described(cluster, workload)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::paths;

    const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n---\n";
    const HERE: &str = "/spec/template/metadata/labels";

    fn policy(spec: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: shop}}\nspec: {spec}\n---\n"
        )
    }

    #[test]
    fn isolation_for_ingress_is_what_counts() {
        assert_eq!(paths(&RULE, WEB), vec![HERE]);
        assert!(paths(&RULE, &format!("{WEB}{}", policy("{podSelector: {}}"))).is_empty());
        // Egress only: ingress stays open.
        assert_eq!(
            paths(
                &RULE,
                &format!(
                    "{WEB}{}",
                    policy("{podSelector: {}, policyTypes: [Egress]}")
                )
            ),
            vec![HERE]
        );
        // Another namespace's policy, or one for other labels, does not count.
        assert_eq!(
            paths(
                &RULE,
                &format!("{WEB}{}", policy("{podSelector: {matchLabels: {app: db}}}"))
            ),
            vec![HERE]
        );
        let elsewhere = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: other}\nspec: {podSelector: {}}\n";
        assert_eq!(paths(&RULE, &format!("{WEB}{elsewhere}")), vec![HERE]);
    }

    #[test]
    fn calico_and_cilium_policies_count() {
        let calico = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: shop}\nspec: {selector: app == 'web'}\n";
        assert!(paths(&RULE, &format!("{WEB}{calico}")).is_empty());
        let cilium = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: shop}\nspec: {endpointSelector: {matchLabels: {app: web}}, ingress: [{}]}\n";
        assert!(paths(&RULE, &format!("{WEB}{cilium}")).is_empty());
        // A Cilium policy with only egress rules isolates nothing for ingress.
        let egress = cilium.replace("ingress", "egress");
        assert_eq!(paths(&RULE, &format!("{WEB}{egress}")), vec![HERE]);
    }

    #[test]
    fn host_network_and_exposed_workloads_are_left_to_other_rules() {
        let host = WEB.replace("spec: {containers", "spec: {hostNetwork: true, containers");
        assert!(paths(&RULE, &host).is_empty());
        let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}}\n";
        assert!(paths(&RULE, &format!("{WEB}{service}")).is_empty());
        // A PodTemplate runs nothing.
        let template = "apiVersion: v1\nkind: PodTemplate\nmetadata: {name: t}\ntemplate: {metadata: {labels: {a: b}}, spec: {containers: []}}\n";
        assert!(paths(&RULE, template).is_empty());
    }
}
