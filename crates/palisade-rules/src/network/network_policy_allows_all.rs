//! ## What it does
//!
//! Finds NetworkPolicy rules that allow everything: every peer on every port. A rule allows
//! every peer when it has no `from` (ingress) or `to` (egress), or an empty one, as in
//! `ingress: [{}]`; when one of its peers is `ipBlock: {cidr: 0.0.0.0/0}` (or `::/0`) without
//! `except`, every IP address; or when one of its peers is `namespaceSelector: {}` without a
//! narrower `podSelector`, every pod of every namespace. It allows every port when it has no
//! `ports`, or ports that leave out no port of TCP, UDP and SCTP.
//!
//! Only rules of a direction the policy isolates are read (an `ingress` rule of a policy whose
//! `policyTypes` is `[Egress]` is ignored by Kubernetes, and here). A rule that allows every
//! peer on some ports only, as a public web server's `ports: [{port: 8443}]`, is not reported.
//!
//! ## Why is this bad?
//!
//! NetworkPolicies only add: one rule that allows everything undoes every other policy that
//! selects the same pods, default deny included. The pods look protected (a policy selects
//! them, coverage checks pass) while any pod of the cluster, and for an address-wide rule the
//! internet, reaches every port they listen on; for egress, a compromised pod can again connect
//! anywhere, to the metadata endpoint and out of the cluster. Such rules are often added to
//! "make it work" and forgotten.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: allow-all
//!   namespace: shop
//! spec:
//!   podSelector: {}
//!   ingress:
//!     - {}
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! # name the sources and the ports
//! spec:
//!   podSelector:
//!     matchLabels:
//!       app: web
//!   ingress:
//!     - from:
//!         - namespaceSelector:
//!             matchLabels:
//!               kubernetes.io/metadata.name: ingress-nginx
//!       ports:
//!         - port: 8080
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - Microsoft Threat Matrix for Kubernetes MS-TA9034 Cluster internal networking
//! - MITRE ATT&CK T1210 Exploitation of Remote Services
//! - Kubernetes documentation: concepts/services-networking/network-policies/#allow-all-ingress-traffic

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::netpol::ipblock::{Family, IpRange};
use crate::network::netpol::model::NamespaceScope;
use crate::network::netpol::{Cluster, Direction, Endpoint, Peer, Policy, PolicyRule};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "network-policy-allows-all",
        severity: Severity::Medium,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "nsa-cisa:network-separation",
            "ms-threat:MS-TA9034",
            "mitre:T1210",
            "k8s-docs:concepts/services-networking/network-policies/#allow-all-ingress-traffic",
        ],
        summary: "A NetworkPolicy rule allows every peer on every port",
        fix: "Replace the rule with rules that name the peers (pod and namespace selectors, narrow ipBlocks) and the ports the pods need; delete it if a default deny was meant.",
    },
    check: Check::Inventory(check),
};

/// What "every peer" a rule allows.
enum Everyone {
    /// No `from`/`to`: in the cluster and outside.
    Anyone,
    /// An ipBlock of a whole address family.
    EveryAddress(String),
    /// `namespaceSelector: {}` without a narrower pod selector.
    EveryPod,
}

fn everyone(rule: &PolicyRule) -> Option<(Everyone, Option<usize>)> {
    let Some(peers) = &rule.peers else {
        return Some((Everyone::Anyone, None));
    };
    peers.iter().enumerate().find_map(|(i, peer)| match peer {
        Peer::IpBlock(block) if block.is_everything() => {
            Some((Everyone::EveryAddress(block.cidr.to_string()), Some(i)))
        }
        Peer::Pods {
            namespaces: NamespaceScope::Selected(selector, _),
            pods,
        } if selector.is_everything() && pods.as_ref().is_none_or(|p| p.is_everything()) => {
            Some((Everyone::EveryPod, Some(i)))
        }
        _ => None,
    })
}

fn check(context: &InventoryContext, out: &mut Emitter) {
    let cluster = context.network();
    // Named ports resolve to nothing outside the cluster: what is left is the numeric part.
    let outside = Endpoint::External(IpRange::everything(Family::V4));
    for policy in &cluster.policies {
        for direction in [Direction::Ingress, Direction::Egress] {
            for rule in policy.rules(direction) {
                if !cluster.rule_connections(rule, &outside).is_all() {
                    continue;
                }
                let Some((who, peer)) = everyone(rule) else {
                    continue;
                };
                report(context, out, cluster, policy, direction, rule, who, peer);
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn report(
    context: &InventoryContext,
    out: &mut Emitter,
    cluster: &Cluster,
    policy: &Policy,
    direction: Direction,
    rule: &PolicyRule,
    who: Everyone,
    peer: Option<usize>,
) {
    let rule_path = Pointer::root()
        .key("spec")
        .key(direction.field())
        .index(rule.index);
    let path = match peer {
        Some(i) => rule_path.key(direction.peers_field()).index(i),
        None => rule_path,
    };
    let source = match direction {
        Direction::Ingress => "source",
        Direction::Egress => "destination",
    };
    let everyone = match &who {
        Everyone::Anyone => format!("every {source}, in the cluster and outside it,"),
        Everyone::EveryAddress(cidr) => format!(
            "every IP address ({cidr} without except: the whole internet, and every pod where the network plugin matches pod addresses against ipBlocks)"
        ),
        Everyone::EveryPod => "every pod of every namespace (namespaceSelector: {})".to_string(),
    };
    let selected = match &policy.pod_selector {
        Some(selector) if selector.is_everything() => format!(
            "the pods of namespace {}",
            cluster.namespaces[policy.namespace].name
        ),
        Some(selector) => format!("the pods labelled {}", selector.describe()),
        None => "the pods it selects".to_string(),
    };
    let consequence = match (direction, &who) {
        (Direction::Ingress, Everyone::Anyone) => "accept connections from anyone",
        (Direction::Ingress, Everyone::EveryAddress(_)) => "accept connections from any address",
        (Direction::Ingress, Everyone::EveryPod) => {
            "accept connections from any pod of the cluster"
        }
        (Direction::Egress, Everyone::Anyone) => "can connect anywhere",
        (Direction::Egress, Everyone::EveryAddress(_)) => "can connect to any address",
        (Direction::Egress, Everyone::EveryPod) => "can connect to any pod of the cluster",
    };
    out.report_on(
        context.inventory,
        policy.object,
        &path,
        format_args!(
            "{} rule {} allows {everyone} on every port: whatever the other policies say, {selected} {consequence}",
            direction.as_str(),
            rule.index,
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    fn policy(spec: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p, namespace: shop}}\nspec: {spec}\n"
        )
    }

    #[test]
    fn rules_that_allow_everything() {
        for (spec, path) in [
            ("{podSelector: {}, ingress: [{}]}", "/spec/ingress/0"),
            (
                "{podSelector: {}, ingress: [{from: []}]}",
                "/spec/ingress/0",
            ),
            (
                "{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {a: b}}}]}, {ports: []}]}",
                "/spec/ingress/1",
            ),
            (
                "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}",
                "/spec/egress/0/to/0",
            ),
            (
                "{podSelector: {}, egress: [{to: [{podSelector: {}}, {ipBlock: {cidr: '::/0'}}]}]}",
                "/spec/egress/0/to/1",
            ),
            (
                "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}}]}]}",
                "/spec/ingress/0/from/0",
            ),
            (
                "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {}}]}]}",
                "/spec/ingress/0/from/0",
            ),
            (
                "{podSelector: {}, ingress: [{ports: [{protocol: TCP}, {protocol: UDP}, {protocol: SCTP}]}]}",
                "/spec/ingress/0",
            ),
            (
                "{podSelector: {}, ingress: [{ports: [{port: 1, endPort: 65535}, {protocol: UDP}, {protocol: SCTP}]}]}",
                "/spec/ingress/0",
            ),
        ] {
            assert_eq!(paths(&RULE, &policy(spec)), vec![path], "{spec}");
        }
    }

    #[test]
    fn narrower_rules_and_ignored_directions_pass() {
        for spec in [
            "{podSelector: {}}",
            "{podSelector: {}, ingress: []}",
            "{podSelector: {}, ingress: [{ports: [{port: 443}]}]}",
            "{podSelector: {}, ingress: [{ports: [{protocol: TCP}]}]}",
            "{podSelector: {}, ingress: [{from: [{podSelector: {}}]}]}",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {}, podSelector: {matchLabels: {app: x}}}]}]}",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: a}}}]}]}",
            "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}}]}]}",
            "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/1}}]}]}",
            // The ingress rules of an Egress-only policy are ignored.
            "{podSelector: {}, policyTypes: [Egress], ingress: [{}]}",
            // A named port is one port per pod, not every port.
            "{podSelector: {}, ingress: [{ports: [{port: http}, {protocol: UDP}, {protocol: SCTP}]}]}",
        ] {
            assert!(paths(&RULE, &policy(spec)).is_empty(), "{spec}");
        }
    }

    #[test]
    fn messages_say_what_is_allowed_to_whom() {
        let message = |spec: &str| findings(&RULE, &policy(spec))[0].message.to_string();
        assert_eq!(
            message("{podSelector: {matchLabels: {app: web}}, ingress: [{}]}"),
            "ingress rule 0 allows every source, in the cluster and outside it, on every port: whatever the other policies say, the pods labelled app=web accept connections from anyone"
        );
        assert!(
            message("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}")
                .starts_with("egress rule 0 allows every IP address (0.0.0.0/0 without except")
        );
        assert!(
            message("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}")
                .ends_with("the pods of namespace shop can connect to any address")
        );
    }
}
