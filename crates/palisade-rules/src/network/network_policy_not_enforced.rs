//! ## What it does
//!
//! Finds inputs that hold NetworkPolicies (Kubernetes, Calico or Cilium ones) while the only
//! network plugins installed by the input do not enforce them: Flannel on its own, Weave Net
//! without its `weave-npc` container, kube-router with `--run-firewall=false`, or the AWS VPC
//! CNI without its network policy agent switched on.
//!
//! Plugins are recognised from their DaemonSets (by name and image: `calico-node`, `canal`,
//! `cilium`, `kube-flannel-ds`, `weave-net`, `antrea-agent`, `kube-router`, `aws-node`,
//! `anetd`, `kube-network-policies`, `azure-npm`) and their ConfigMaps and configuration
//! resources (`calico-config`, `cilium-config`, `kube-flannel-cfg`, `antrea-config`,
//! `amazon-vpc-cni`, Tigera's `Installation`, `FelixConfiguration`). Flannel next to a policy
//! engine (Calico as Canal, kube-router, kube-network-policies) is fine. When the input shows no
//! plugin at all, nothing is said: the plugin may be installed by other means.
//!
//! ## Why is this bad?
//!
//! NetworkPolicy objects are only requests: the network plugin enforces them, and a plugin
//! without a policy engine accepts them silently and ignores them. The cluster looks
//! segmented (policies are written, reviewed, pass every coverage check) while every pod can
//! reach every other and the internet. CIS 5.3.1 asks for a plugin that supports NetworkPolicy.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: DaemonSet
//! metadata:
//!   name: kube-flannel-ds
//!   namespace: kube-flannel
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: kube-flannel
//!           image: docker.io/flannel/flannel:v0.25.1
//! ---
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: default-deny
//!   namespace: shop
//! spec:
//!   podSelector: {}
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! # a plugin that enforces NetworkPolicy (Calico, Cilium, Antrea), or Flannel for the network
//! # with a policy engine beside it: Canal, kube-router in firewall-only mode,
//! # kube-network-policies
//! apiVersion: apps/v1
//! kind: DaemonSet
//! metadata:
//!   name: kube-network-policies
//!   namespace: kube-system
//! spec:
//!   template:
//!     spec:
//!       hostNetwork: true
//!       containers:
//!         - name: kube-network-policies
//!           image: registry.k8s.io/networking/kube-network-policies:v0.4.0
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.3.1: Ensure that the CNI in use supports NetworkPolicies
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - Kubernetes documentation: concepts/services-networking/network-policies/#prerequisites

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::common::listing;
use crate::network::netpol::cni::{Enforcement, detect};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "network-policy-not-enforced",
        severity: Severity::High,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.3.1",
            "nsa-cisa:network-separation",
            "k8s-docs:concepts/services-networking/network-policies/#prerequisites",
        ],
        summary: "NetworkPolicies exist but the network plugin does not enforce them",
        fix: "Install a network plugin that enforces NetworkPolicy (Calico, Cilium, Antrea), or add a policy engine next to Flannel (Canal, kube-router, kube-network-policies).",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let detected = detect(context.inventory, context.config);
    if detected.is_empty()
        || detected
            .iter()
            .any(|cni| cni.enforcement == Enforcement::Yes)
    {
        return;
    }
    let cluster = context.network();
    let policies = cluster.policies.len() + cluster.crd_policies.len();
    if policies == 0 {
        return;
    }
    let first = &detected[0];
    let Some(object) = context.inventory.get(first.object) else {
        return;
    };
    let plugins: Vec<String> = detected.iter().map(|c| c.cni.name().to_string()).collect();
    let why: Vec<String> = detected
        .iter()
        .filter_map(|c| match &c.enforcement {
            Enforcement::No(why) => Some((*why).to_string()),
            Enforcement::Yes => None,
        })
        .collect();
    out.report_on(
        context.inventory,
        object,
        &Pointer::root().keys(&["metadata", "name"]),
        format_args!(
            "the input's network plugin ({}) does not enforce NetworkPolicy: {}; the {policies} {} of the input {} no effect, and every pod can reach every other pod and the internet",
            listing(&plugins),
            why.join("; "),
            if policies == 1 { "policy" } else { "policies" },
            if policies == 1 { "has" } else { "have" }
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    fn daemon_set(name: &str, containers: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}, namespace: kube-system}}\nspec:\n  template:\n    spec: {{containers: {containers}}}\n---\n"
        )
    }

    const FLANNEL: &str = "[{name: kube-flannel, image: 'docker.io/flannel/flannel:v0.25.1'}]";
    const POLICY: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: shop}\nspec: {podSelector: {}}\n---\n";

    #[test]
    fn flannel_alone_with_policies() {
        let flannel = daemon_set("kube-flannel-ds", FLANNEL);
        assert_eq!(
            paths(&RULE, &format!("{flannel}{POLICY}")),
            vec!["/metadata/name"]
        );
        assert!(findings(&RULE, &format!("{flannel}{POLICY}"))[0]
            .message
            .starts_with("the input's network plugin (Flannel) does not enforce NetworkPolicy: Flannel only connects pods and has no NetworkPolicy engine; the 1 policy of the input has no effect"));
        // No policy, or no plugin in the input: nothing to say.
        assert!(paths(&RULE, &flannel).is_empty());
        assert!(paths(&RULE, POLICY).is_empty());
        // A renamed DaemonSet is recognised by its image.
        let renamed = daemon_set(
            "network",
            "[{name: f, image: 'quay.io/coreos/flannel:v0.11.0-amd64'}]",
        );
        assert_eq!(paths(&RULE, &format!("{renamed}{POLICY}")).len(), 1);
    }

    #[test]
    fn a_policy_engine_next_to_flannel_enforces() {
        let flannel = daemon_set("kube-flannel-ds", FLANNEL);
        for engine in [
            daemon_set(
                "calico-node",
                "[{name: calico-node, image: 'docker.io/calico/node:v3.27.0'}]",
            ),
            daemon_set(
                "kube-router",
                "[{name: kube-router, image: 'docker.io/cloudnativelabs/kube-router:v2.1', args: ['--run-router=false', '--run-firewall=true']}]",
            ),
            daemon_set(
                "kube-network-policies",
                "[{name: p, image: 'registry.k8s.io/networking/kube-network-policies:v0.4.0'}]",
            ),
        ] {
            assert!(
                paths(&RULE, &format!("{flannel}{engine}{POLICY}")).is_empty(),
                "{engine}"
            );
        }
        // Canal: Calico's policy engine and Flannel in one DaemonSet.
        let canal = daemon_set(
            "canal",
            "[{name: calico-node, image: 'calico/node:v3.27.0'}, {name: kube-flannel, image: 'flannel/flannel:v0.25.1'}]",
        );
        assert!(paths(&RULE, &format!("{canal}{POLICY}")).is_empty());
    }

    #[test]
    fn plugins_that_enforce_only_when_switched_on() {
        let weave = daemon_set(
            "weave-net",
            "[{name: weave, image: 'weaveworks/weave-kube:2.8.1'}]",
        );
        assert_eq!(paths(&RULE, &format!("{weave}{POLICY}")).len(), 1);
        let weave_npc = daemon_set(
            "weave-net",
            "[{name: weave, image: 'weaveworks/weave-kube:2.8.1'}, {name: weave-npc, image: 'weaveworks/weave-npc:2.8.1'}]",
        );
        assert!(paths(&RULE, &format!("{weave_npc}{POLICY}")).is_empty());
        let aws = daemon_set(
            "aws-node",
            "[{name: aws-node, image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.18.0'}, {name: aws-network-policy-agent, image: x, args: ['--enable-network-policy=false']}]",
        );
        assert_eq!(paths(&RULE, &format!("{aws}{POLICY}")).len(), 1);
        let aws_on = aws.replace(
            "--enable-network-policy=false",
            "--enable-network-policy=true",
        );
        assert!(paths(&RULE, &format!("{aws_on}{POLICY}")).is_empty());
        let router_off = daemon_set(
            "kube-router",
            "[{name: kube-router, image: 'cloudnativelabs/kube-router', args: ['--run-firewall=false']}]",
        );
        assert_eq!(paths(&RULE, &format!("{router_off}{POLICY}")).len(), 1);
    }
}
