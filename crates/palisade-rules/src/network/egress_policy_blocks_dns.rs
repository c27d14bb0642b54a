//! ## What it does
//!
//! Finds workloads whose egress NetworkPolicies allow no DNS: their egress is isolated, and no
//! egress rule allows UDP port 53, or TCP port 53, to the cluster DNS or to an address outside
//! the cluster.
//!
//! The cluster DNS is every workload of the input labelled `k8s-app: kube-dns` (CoreDNS and
//! kube-dns both carry that label), or, when the input has none, the standard one: pods
//! labelled `k8s-app: kube-dns` in namespace `kube-system`, listening on ports `dns` (53/UDP)
//! and `dns-tcp` (53/TCP). A rule allows DNS when its peers match those pods (or it has no
//! peers) and its ports include the DNS pods' port of the protocol (or it has none). That port
//! is the pods' own (their container port named `dns…`, or 53): policies see traffic after the
//! Service has translated port 53 to the pod's port. A rule to any `ipBlock` that allows port
//! 53 counts as well: NodeLocal DNSCache listens on a link-local address and some pods use
//! resolvers outside the cluster.
//!
//! Only Kubernetes NetworkPolicies are judged: a workload that a Calico or Cilium policy also
//! selects for egress is skipped, since such a policy may allow DNS (Cilium's DNS proxy rules,
//! Calico policies ordered before the Kubernetes ones).
//!
//! ## Why is this bad?
//!
//! A default deny for egress that forgets DNS breaks every name lookup: the application fails
//! in confusing ways (timeouts, not refusals), and the quick repair under pressure is to allow
//! all egress again, which removes the protection the policy was written for. Allowing UDP
//! alone is the common half-fix: answers larger than 512 bytes, and resolvers that use TCP,
//! still fail.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: default-deny-egress
//!   namespace: shop
//! spec:
//!   podSelector: {}
//!   policyTypes: [Egress]
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! # beside it
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: allow-dns
//!   namespace: shop
//! spec:
//!   podSelector: {}
//!   policyTypes: [Egress]
//!   egress:
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
//! - Kubernetes documentation: tasks/administer-cluster/dns-custom-nameservers/
//! - Kubernetes documentation: concepts/services-networking/network-policies/#default-deny-all-egress-traffic

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::network::coverage::{labels_path, pods_described, policies_described};
use crate::network::netpol::Protocol;
use crate::network::netpol::eval::PodLike;
use crate::network::netpol::labels::Labels;
use crate::network::netpol::model::{ContainerPort, NAMESPACE_NAME_LABEL};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "egress-policy-blocks-dns",
        severity: Severity::Low,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:tasks/administer-cluster/dns-custom-nameservers/",
            "k8s-docs:concepts/services-networking/network-policies/#default-deny-all-egress-traffic",
        ],
        summary: "Egress is isolated and no rule allows DNS (UDP and TCP port 53)",
        fix: "Add an egress rule to the cluster DNS (`namespaceSelector` kubernetes.io/metadata.name: kube-system with `podSelector` k8s-app: kube-dns) on port 53 for both UDP and TCP.",
    },
    check: Check::Inventory(check),
};

const DNS_LABEL: (&str, &str) = ("k8s-app", "kube-dns");
const DNS_NAMESPACE: &str = "kube-system";

fn check(context: &InventoryContext, out: &mut Emitter) {
    let cluster = context.network();
    // The DNS servers: those of the input, else the standard kube-dns.
    let real: Vec<usize> = (0..cluster.workloads.len())
        .filter(|&id| cluster.workloads[id].labels.get(DNS_LABEL.0) == Some(DNS_LABEL.1))
        .collect();
    let standard_labels = Labels::from_pairs([DNS_LABEL]);
    let standard_namespace = match cluster.namespace_named(DNS_NAMESPACE) {
        Some(id) => cluster.namespaces[id].labels.clone(),
        None => Labels::from_pairs([(NAMESPACE_NAME_LABEL, DNS_NAMESPACE)]),
    };
    let standard_ports = [
        ContainerPort {
            name: Some("dns".into()),
            number: 53,
            protocol: Protocol::Udp,
        },
        ContainerPort {
            name: Some("dns-tcp".into()),
            number: 53,
            protocol: Protocol::Tcp,
        },
    ];
    let servers: Vec<PodLike> = if real.is_empty() {
        vec![PodLike {
            namespace: DNS_NAMESPACE,
            namespace_labels: &standard_namespace,
            labels: &standard_labels,
            ports: &standard_ports,
        }]
    } else {
        real.iter()
            .map(|&id| {
                let w = &cluster.workloads[id];
                let ns = &cluster.namespaces[w.namespace];
                PodLike {
                    namespace: &ns.name,
                    namespace_labels: &ns.labels,
                    labels: &w.labels,
                    ports: &w.ports,
                }
            })
            .collect()
    };
    for (id, workload) in cluster.workloads.iter().enumerate() {
        if workload.host_network
            || workload.egress_policies.is_empty()
            || !workload.crd_egress.is_empty()
            || real.contains(&id)
        {
            continue;
        }
        let allows = |protocol: Protocol| {
            servers.iter().any(|server| {
                dns_ports(server, protocol).into_iter().any(|port| {
                    !cluster
                        .egress_rules_to(id, server, protocol, port)
                        .is_empty()
                })
            }) || !cluster
                .egress_rules_to_addresses(id, protocol, 53)
                .is_empty()
        };
        let (udp, tcp) = (allows(Protocol::Udp), allows(Protocol::Tcp));
        let missing = match (udp, tcp) {
            (true, true) => continue,
            (false, false) => "neither UDP nor TCP port 53",
            (true, false) => {
                "UDP port 53 but not TCP port 53 (answers over 512 bytes, and resolvers that use TCP, fail)"
            }
            (false, true) => "TCP port 53 but not UDP port 53, which most lookups use",
        };
        out.report_on(
            context.inventory,
            workload.object,
            &labels_path(workload),
            format_args!(
                "the egress of the {} is isolated by {}, whose egress rules allow {missing} to the cluster DNS ({DNS_NAMESPACE} pods labelled k8s-app=kube-dns, or those of the input) or to any ipBlock: name lookups fail",
                pods_described(cluster, workload),
                policies_described(cluster, &workload.egress_policies)
            ),
        );
    }
}

/// The ports a DNS server's pods answer on for a protocol: policies see the pod's port after
/// the Service has translated 53 to it, so a CoreDNS listening on 5353 needs 5353 allowed.
/// Its container ports named `dns…` or numbered 53, else 53.
fn dns_ports(server: &PodLike, protocol: Protocol) -> Vec<u16> {
    let ports: Vec<u16> = server
        .ports
        .iter()
        .filter(|p| p.protocol == protocol)
        .filter(|p| p.number == 53 || p.name.as_deref().is_some_and(|n| n.starts_with("dns")))
        .map(|p| p.number)
        .collect();
    if ports.is_empty() { vec![53] } else { ports }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    const APP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: a}}\n    spec: {containers: [{name: c, image: x}]}\n---\n";
    const HERE: &str = "/spec/template/metadata/labels";

    fn policy(name: &str, spec: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\nspec: {spec}\n---\n"
        )
    }

    const DENY: &str = "{podSelector: {}, policyTypes: [Egress]}";
    const TO_DNS: &str = "[{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]";

    fn with_rule(rule: &str) -> String {
        format!(
            "{APP}{}{}",
            policy("deny", DENY),
            policy(
                "dns",
                &format!("{{podSelector: {{}}, policyTypes: [Egress], egress: [{rule}]}}")
            )
        )
    }

    #[test]
    fn lock_downs_without_dns() {
        assert_eq!(
            paths(&RULE, &format!("{APP}{}", policy("deny", DENY))),
            vec![HERE]
        );
        // Egress not isolated: nothing to judge.
        assert!(paths(&RULE, APP).is_empty());
        assert!(
            paths(
                &RULE,
                &format!("{APP}{}", policy("deny", "{podSelector: {}}"))
            )
            .is_empty()
        );
        let udp_only = with_rule(&format!(
            "{{to: {TO_DNS}, ports: [{{port: 53, protocol: UDP}}]}}"
        ));
        let message = &findings(&RULE, &udp_only)[0].message;
        assert!(
            message.contains("allow UDP port 53 but not TCP port 53"),
            "{message}"
        );
        assert!(message.starts_with("the egress of the pods labelled app=a in namespace shop is isolated by NetworkPolicies shop/deny, shop/dns, whose"), "{message}");
    }

    #[test]
    fn rules_that_allow_dns() {
        for rule in [
            format!("{{to: {TO_DNS}, ports: [{{port: 53, protocol: UDP}}, {{port: 53}}]}}"),
            format!("{{to: {TO_DNS}}}"),
            "{ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}".to_string(),
            "{to: [{namespaceSelector: {}}], ports: [{port: dns, protocol: UDP}, {port: dns-tcp}]}".to_string(),
            "{to: [{ipBlock: {cidr: 169.254.20.10/32}}], ports: [{port: 53, protocol: UDP}, {port: 53}]}".to_string(),
        ] {
            assert!(paths(&RULE, &with_rule(&rule)).is_empty(), "{rule}");
        }
        for rule in [
            // kube-dns is not in the policy's own namespace.
            "{to: [{podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{port: 53, protocol: UDP}, {port: 53}]}".to_string(),
            format!("{{to: {TO_DNS}, ports: [{{port: 5353, protocol: UDP}}, {{port: 53, protocol: SCTP}}]}}"),
        ] {
            assert_eq!(paths(&RULE, &with_rule(&rule)), vec![HERE], "{rule}");
        }
    }

    #[test]
    fn the_input_s_own_dns_is_used() {
        let coredns = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: coredns, namespace: dns}\nspec:\n  template:\n    metadata: {labels: {k8s-app: kube-dns}}\n    spec: {containers: [{name: c, image: x, ports: [{name: dns, containerPort: 5353, protocol: UDP}, {name: dns-tcp, containerPort: 5353}]}]}\n---\n";
        // Policies see the pod's port: 5353, where the Service sends what clients send to 53.
        for allowed in [
            "{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dns}}}], ports: [{port: 5353, protocol: UDP}, {port: 5353}]}",
            "{to: [{namespaceSelector: {}}], ports: [{port: dns, protocol: UDP}, {port: dns-tcp}]}",
        ] {
            assert!(
                paths(&RULE, &format!("{coredns}{}", with_rule(allowed))).is_empty(),
                "{allowed}"
            );
        }
        let service_port = "{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dns}}}], ports: [{port: 53, protocol: UDP}, {port: 53}]}";
        assert_eq!(
            paths(&RULE, &format!("{coredns}{}", with_rule(service_port))),
            vec![HERE]
        );
        // The standard kube-dns in kube-system is not assumed when the input has its own.
        assert_eq!(
            paths(
                &RULE,
                &format!("{coredns}{}", with_rule(&format!("{{to: {TO_DNS}}}")))
            ),
            vec![HERE]
        );
        // A Calico policy might allow DNS: not judged.
        let calico = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: shop}\nspec: {types: [Egress]}\n";
        assert!(paths(&RULE, &format!("{APP}{}{calico}", policy("deny", DENY))).is_empty());
    }
}
