//! ## What it does
//!
//! Finds workloads that a Service exposes while no NetworkPolicy selects their pods for
//! ingress. The finding is high when the Service is reachable from outside the cluster (type
//! `LoadBalancer` or `NodePort`, `externalIPs`, or an Ingress of the input routing to it), and
//! medium for a ClusterIP Service.
//!
//! A Service exposes the pods its `selector` matches in its namespace (a Service without a
//! selector, or an ExternalName Service, exposes none). Coverage is judged as by
//! `missing-ingress-policy` (Kubernetes, Calico and Cilium policies count; `hostNetwork` pods
//! are not checked), which reports the unprotected workloads that no Service exposes: each
//! workload is reported by one of the two rules.
//!
//! ## Why is this bad?
//!
//! A Service is how clients find a workload: a stable name in cluster DNS and, for a
//! LoadBalancer or NodePort, an address outside the cluster. With no ingress policy nothing
//! narrows who may use it: every pod of every namespace, and for an external Service the
//! internet, reaches every port of the pods, including the ports the Service does not publish
//! (metrics, debug and admin listeners), because NetworkPolicy is the only thing that filters
//! traffic to a pod. An attacker who compromises any pod moves laterally to it; an end user
//! reaches it around the Ingress.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata:
//!   name: api
//!   namespace: shop
//! spec:
//!   type: LoadBalancer
//!   selector:
//!     app: api
//!   ports:
//!     - port: 443
//!       targetPort: 8443
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! # beside it
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: api
//!   namespace: shop
//! spec:
//!   podSelector:
//!     matchLabels:
//!       app: api
//!   ingress:
//!     - ports:
//!         - port: 8443   # the targetPort: policies see the pod's port, not the Service's
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.3.2: Ensure that all Namespaces have Network Policies defined
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - Microsoft Threat Matrix for Kubernetes MS-TA9004 Application vulnerability, MS-TA9034 Cluster internal networking
//! - MITRE ATT&CK T1190 Exploit Public-Facing Application, T1210 Exploitation of Remote Services
//! - Kubernetes documentation: concepts/services-networking/network-policies/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::network::common::listing;
use crate::network::coverage::{exposures, labels_path, pods_described};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "exposed-workload-without-ingress-policy",
        severity: Severity::Medium,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.3.2",
            "nsa-cisa:network-separation",
            "ms-threat:MS-TA9004",
            "ms-threat:MS-TA9034",
            "mitre:T1190",
            "mitre:T1210",
            "k8s-docs:concepts/services-networking/network-policies/",
        ],
        summary: "A Service exposes the workload and no NetworkPolicy restricts who connects to it",
        fix: "Add a NetworkPolicy that selects the workload's pods and allows only the sources that need it, on the Service's target ports.",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let cluster = context.network();
    let exposed = exposures(cluster, context.inventory);
    for (id, workload) in cluster.workloads.iter().enumerate() {
        let services = &exposed[id];
        if workload.host_network || workload.ingress_covered() || services.is_empty() {
            continue;
        }
        let external = services.iter().any(|s| s.external);
        let names: Vec<String> = services.iter().map(|s| s.described.clone()).collect();
        let reach = if external {
            "from outside the cluster and from every pod"
        } else {
            "from every pod of every namespace"
        };
        let finding = out.report_on(
            context.inventory,
            workload.object,
            &labels_path(workload),
            format_args!(
                "{} exposes the {}, and no NetworkPolicy selects them for ingress: they accept connections {reach} on every port they listen on, not only the Service's",
                listing(&names),
                pods_described(cluster, workload)
            ),
        );
        if external {
            finding.severity = Severity::High;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    const API: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: api, tier: back}}\n    spec: {containers: [{name: c, image: x}]}\n---\n";

    fn service(spec: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata: {{name: api, namespace: shop}}\nspec: {spec}\n---\n"
        )
    }

    fn severities(yaml: &str) -> Vec<Severity> {
        findings(&RULE, yaml).iter().map(|f| f.severity).collect()
    }

    #[test]
    fn severity_follows_how_far_the_service_reaches() {
        assert_eq!(
            severities(&format!("{API}{}", service("{selector: {app: api}}"))),
            [Severity::Medium]
        );
        assert_eq!(
            severities(&format!(
                "{API}{}",
                service("{type: LoadBalancer, selector: {app: api}}")
            )),
            [Severity::High]
        );
        assert_eq!(
            severities(&format!(
                "{API}{}",
                service("{selector: {app: api}, externalIPs: [203.0.113.1]}")
            )),
            [Severity::High]
        );
        let ingress = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec: {rules: [{http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}]}}]}\n";
        assert_eq!(
            severities(&format!(
                "{API}{}{ingress}",
                service("{selector: {app: api}}")
            )),
            [Severity::High]
        );
        let message = &findings(
            &RULE,
            &format!("{API}{}{ingress}", service("{selector: {app: api}}")),
        )[0]
        .message;
        assert!(message.starts_with("Service api (ClusterIP, behind Ingress shop/web) exposes the pods labelled app=api,tier=back in namespace shop"), "{message}");
    }

    #[test]
    fn only_selected_pods_of_the_namespace_without_ingress_policy() {
        for spec in [
            "{selector: {app: other}}",
            "{}",
            "{type: ExternalName, externalName: example.com}",
            "{selector: {app: api, tier: front}}",
        ] {
            assert!(
                severities(&format!("{API}{}", service(spec))).is_empty(),
                "{spec}"
            );
        }
        let other_namespace =
            service("{selector: {app: api}}").replace("namespace: shop", "namespace: other");
        assert!(severities(&format!("{API}{other_namespace}")).is_empty());
        let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {podSelector: {matchLabels: {app: api}}}\n";
        assert!(
            severities(&format!(
                "{API}{}{policy}",
                service("{type: NodePort, selector: {app: api}}")
            ))
            .is_empty()
        );
    }
}
