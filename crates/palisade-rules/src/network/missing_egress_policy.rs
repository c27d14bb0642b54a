//! ## What it does
//!
//! Finds workloads whose pods no NetworkPolicy selects for egress: their outgoing connections
//! are not restricted.
//!
//! A pod is isolated for egress only when a NetworkPolicy that selects it has `Egress` among its
//! `policyTypes`, which the API server adds on its own only when the policy has `egress` rules.
//! So a pod selected only by ingress policies (`policyTypes` omitted, no `egress:`) still has
//! open egress, which is the most common gap. Calico and Cilium policies that select the pods
//! for egress count too. Every workload kind is checked; `hostNetwork` pods are not (their
//! traffic is the node's, which NetworkPolicy does not filter).
//!
//! When the namespace has no default-deny policy for egress, every unprotected workload of it
//! is reported here; `namespace-without-default-deny` reports a namespace only when all its
//! workloads are protected one by one.
//!
//! ## Why is this bad?
//!
//! Egress control is what limits an attacker after the first foothold. A compromised pod with
//! open egress scans and attacks every other pod and Service of the cluster, reaches the cloud
//! instance metadata endpoint (169.254.169.254) for node credentials, talks to the API server
//! and the kubelets, downloads tools and sends data out to the internet. Ingress policies alone
//! protect the pod from others, not others (or the data) from the pod.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: web
//!   namespace: shop
//! spec:
//!   podSelector:
//!     matchLabels:
//!       app: web
//!   ingress:
//!     - ports:
//!         - port: 8080
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   podSelector:
//!     matchLabels:
//!       app: web
//!   policyTypes: [Ingress, Egress]
//!   ingress:
//!     - ports:
//!         - port: 8080
//!   egress:
//!     - to:
//!         - podSelector:
//!             matchLabels:
//!               app: api
//!       ports:
//!         - port: 8443
//!     - to:
//!         - namespaceSelector:
//!             matchLabels:
//!               kubernetes.io/metadata.name: kube-system
//!           podSelector:
//!             matchLabels:
//!               k8s-app: kube-dns
//!       ports:
//!         - port: 53
//!           protocol: UDP
//!         - port: 53
//!           protocol: TCP
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.3.2: Ensure that all Namespaces have Network Policies defined
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - Microsoft Threat Matrix for Kubernetes MS-TA9033 Instance Metadata API, MS-TA9034 Cluster internal networking
//! - MITRE ATT&CK T1041 Exfiltration Over C2 Channel, T1552.005 Cloud Instance Metadata API, T1210 Exploitation of Remote Services
//! - Kubernetes documentation: concepts/services-networking/network-policies/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::network::coverage::{labels_path, pods_described, policies_described};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-egress-policy",
        severity: Severity::Medium,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.3.2",
            "nsa-cisa:network-separation",
            "ms-threat:MS-TA9033",
            "ms-threat:MS-TA9034",
            "mitre:T1041",
            "mitre:T1552.005",
            "mitre:T1210",
            "k8s-docs:concepts/services-networking/network-policies/",
        ],
        summary: "No NetworkPolicy selects the workload's pods for egress",
        fix: "Add `Egress` to the `policyTypes` of a policy that selects the pods (a namespace default deny: `podSelector: {}`, `policyTypes: [Ingress, Egress]`), with egress rules for what they need, DNS included.",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let cluster = context.network();
    for workload in &cluster.workloads {
        if workload.host_network || workload.egress_covered() {
            continue;
        }
        let ingress_only = if workload.ingress_policies.is_empty() {
            String::new()
        } else {
            format!(
                " ({} selects them for ingress only, which leaves egress open)",
                policies_described(cluster, &workload.ingress_policies)
            )
        };
        out.report_on(
            context.inventory,
            workload.object,
            &labels_path(workload),
            format_args!(
                "no NetworkPolicy selects the {} for egress{ingress_only}: a compromised pod can connect anywhere, to every pod, the cloud metadata endpoint and the internet",
                pods_described(cluster, workload)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    const WEB: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\n---\n";
    const HERE: &str = "/metadata/labels";

    fn policy(spec: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: shop}}\nspec: {spec}\n---\n"
        )
    }

    #[test]
    fn a_pod_selected_only_for_ingress_still_has_open_egress() {
        let ingress_only = format!("{WEB}{}", policy("{podSelector: {}, ingress: [{}]}"));
        assert_eq!(paths(&RULE, &ingress_only), vec![HERE]);
        assert!(findings(&RULE, &ingress_only)[0].message.contains(
            "(NetworkPolicy shop/p selects them for ingress only, which leaves egress open)"
        ));
        // An empty egress list adds no Egress type.
        assert_eq!(
            paths(
                &RULE,
                &format!("{WEB}{}", policy("{podSelector: {}, egress: []}"))
            ),
            vec![HERE]
        );
        // Egress rules do.
        assert!(
            paths(
                &RULE,
                &format!("{WEB}{}", policy("{podSelector: {}, egress: [{}]}"))
            )
            .is_empty()
        );
        assert!(
            paths(
                &RULE,
                &format!(
                    "{WEB}{}",
                    policy("{podSelector: {}, policyTypes: [Egress]}")
                )
            )
            .is_empty()
        );
    }

    #[test]
    fn calico_types_default_from_the_rules() {
        let calico = |spec: &str| {
            format!(
                "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {{name: c, namespace: shop}}\nspec: {spec}\n"
            )
        };
        assert!(
            paths(
                &RULE,
                &format!("{WEB}{}", calico("{egress: [{action: Allow}]}"))
            )
            .is_empty()
        );
        assert_eq!(
            paths(
                &RULE,
                &format!("{WEB}{}", calico("{ingress: [{action: Allow}]}"))
            ),
            vec![HERE]
        );
        assert!(paths(&RULE, &format!("{WEB}{}", calico("{types: [Egress]}"))).is_empty());
        let global = "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec: {selector: \"projectcalico.org/namespace == 'shop'\", types: [Egress]}\n";
        assert!(paths(&RULE, &format!("{WEB}{global}")).is_empty());
        let other = global.replace("'shop'", "'other'");
        assert_eq!(paths(&RULE, &format!("{WEB}{other}")), vec![HERE]);
    }
}
