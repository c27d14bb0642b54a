//! ## What it does
//!
//! Reports, for each network plugin the input installs whose encryption palisade can read,
//! when traffic between pods on different nodes is not encrypted:
//!
//! - Cilium: `enable-wireguard` or `enable-ipsec` set to `"true"` in ConfigMap `cilium-config`
//!   (or the agent's `--enable-wireguard` / `--enable-ipsec` flags);
//! - Calico and Canal: `wireguardEnabled: true` (or `wireguardEnabledV6`) in the
//!   FelixConfiguration `default`, or `FELIX_WIREGUARDENABLED=true` on the calico-node
//!   container; for Canal, a `wireguard` or `ipsec` Flannel backend also counts;
//! - Flannel: the backend type in `net-conf.json` of `kube-flannel-cfg` (`wireguard` or `ipsec`);
//! - Weave Net: a `WEAVE_PASSWORD` variable on the `weave-net` DaemonSet;
//! - Antrea: `trafficEncryptionMode: wireGuard` or `ipsec` in `antrea-agent.conf`.
//!
//! All of them encrypt nothing by default, so a plugin whose switch is not in the input is
//! reported as unencrypted (the message says what was read). Plugins whose encryption is set
//! elsewhere (kube-router, the AWS VPC CNI, managed offerings) are not judged.
//!
//! ## Why is this bad?
//!
//! Pod-to-pod traffic usually carries no TLS of its own: database connections, internal APIs,
//! service tokens. Between nodes it crosses the data centre or cloud network in clear, where a
//! compromised node, a privileged pod on the host network, a misconfigured switch or the
//! provider can read and alter it. The plugins' transparent encryption (WireGuard, IPsec)
//! closes that without touching the applications. Same-node traffic stays unencrypted in all of
//! them.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: ConfigMap
//! metadata:
//!   name: cilium-config
//!   namespace: kube-system
//! data:
//!   enable-wireguard: "false"
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! data:
//!   enable-wireguard: "true"
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening (encrypt traffic in the cluster)
//! - MITRE ATT&CK T1040 Network Sniffing, T1557 Adversary-in-the-Middle
//! - Cilium documentation: Transparent Encryption (WireGuard, IPsec); Calico documentation: Encrypt in-cluster pod traffic

use std::borrow::Cow;

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::network::netpol::cni::{Encryption, detect};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "pod-traffic-not-encrypted",
        severity: Severity::Low,
        layer: Layer::Network,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &["nsa-cisa:network-separation", "mitre:T1040", "mitre:T1557"],
        summary: "The network plugin does not encrypt traffic between pods on different nodes",
        fix: "Switch on the network plugin's transparent encryption (WireGuard with Cilium or Calico, an encrypting Flannel backend, Antrea's trafficEncryptionMode).",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    for cni in detect(context.inventory, context.config) {
        let Encryption::Off {
            looked_at,
            object,
            fix,
        } = cni.encryption
        else {
            continue;
        };
        let Some(target) = context.inventory.get(object.index) else {
            continue;
        };
        let finding = out.report_on(
            context.inventory,
            target,
            &object.path,
            format_args!(
                "{} does not encrypt traffic between pods on different nodes ({looked_at}): whoever reads the node network sees pod traffic in clear",
                cni.cni.name()
            ),
        );
        finding.fix = Cow::Borrowed(fix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    fn config_map(name: &str, data: &str) -> String {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: kube-system}}\ndata: {data}\n---\n"
        )
    }

    fn daemon_set(name: &str, containers: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {{name: {name}, namespace: kube-system}}\nspec:\n  template:\n    spec: {{containers: {containers}}}\n---\n"
        )
    }

    #[test]
    fn cilium() {
        let agent = daemon_set(
            "cilium",
            "[{name: cilium-agent, image: 'quay.io/cilium/cilium:v1.15.0'}]",
        );
        assert_eq!(
            paths(
                &RULE,
                &format!(
                    "{agent}{}",
                    config_map("cilium-config", "{enable-wireguard: 'false'}")
                )
            ),
            vec!["/data"]
        );
        assert!(
            paths(
                &RULE,
                &format!(
                    "{agent}{}",
                    config_map("cilium-config", "{enable-wireguard: 'true'}")
                )
            )
            .is_empty()
        );
        assert!(
            paths(
                &RULE,
                &format!(
                    "{agent}{}",
                    config_map("cilium-config", "{enable-ipsec: 'true'}")
                )
            )
            .is_empty()
        );
        // Only the DaemonSet: Cilium's default is no encryption.
        assert_eq!(paths(&RULE, &agent), vec!["/metadata/name"]);
        let flag = daemon_set(
            "cilium",
            "[{name: cilium-agent, image: 'quay.io/cilium/cilium:v1.15.0', args: ['--enable-wireguard=true']}]",
        );
        assert!(paths(&RULE, &flag).is_empty());
    }

    #[test]
    fn calico() {
        let node = daemon_set(
            "calico-node",
            "[{name: calico-node, image: 'docker.io/calico/node:v3.27.0'}]",
        );
        let felix = |spec: &str| {
            format!(
                "apiVersion: crd.projectcalico.org/v1\nkind: FelixConfiguration\nmetadata: {{name: default}}\nspec: {spec}\n"
            )
        };
        assert_eq!(
            paths(
                &RULE,
                &format!("{node}{}", felix("{logSeverityScreen: Info}"))
            ),
            vec!["/spec/wireguardEnabled"]
        );
        assert!(
            paths(
                &RULE,
                &format!("{node}{}", felix("{wireguardEnabled: true}"))
            )
            .is_empty()
        );
        let env = daemon_set(
            "calico-node",
            "[{name: calico-node, image: 'calico/node:v3.27.0', env: [{name: FELIX_WIREGUARDENABLED, value: 'true'}]}]",
        );
        assert!(paths(&RULE, &env).is_empty());
        let message = &findings(&RULE, &node)[0];
        assert!(
            message.message.starts_with("Calico does not encrypt"),
            "{}",
            message.message
        );
        assert!(message.fix.contains("wireguardEnabled: true"));
    }

    #[test]
    fn flannel_weave_antrea() {
        let flannel = daemon_set(
            "kube-flannel-ds",
            "[{name: f, image: 'flannel/flannel:v0.25.1'}]",
        );
        let cfg = |backend: &str| {
            config_map(
                "kube-flannel-cfg",
                &format!(
                    "{{net-conf.json: '{{\"Network\": \"10.244.0.0/16\", \"Backend\": {{\"Type\": \"{backend}\"}}}}'}}"
                ),
            )
        };
        assert_eq!(
            paths(&RULE, &format!("{flannel}{}", cfg("vxlan"))),
            vec!["/data/net-conf.json"]
        );
        assert!(paths(&RULE, &format!("{flannel}{}", cfg("wireguard"))).is_empty());
        // Without its ConfigMap Flannel's backend is unknown: nothing is said.
        assert!(paths(&RULE, &flannel).is_empty());
        let weave = daemon_set(
            "weave-net",
            "[{name: weave, image: 'weaveworks/weave-kube:2.8.1'}]",
        );
        assert_eq!(paths(&RULE, &weave), vec!["/spec/template/spec/containers"]);
        let weave_password = daemon_set(
            "weave-net",
            "[{name: weave, image: 'weaveworks/weave-kube:2.8.1', env: [{name: WEAVE_PASSWORD, valueFrom: {secretKeyRef: {name: weave-passwd, key: weave-passwd}}}]}]",
        );
        assert!(paths(&RULE, &weave_password).is_empty());
        let antrea = |conf: &str| {
            format!(
                "{}{}",
                daemon_set(
                    "antrea-agent",
                    "[{name: antrea-agent, image: 'antrea/antrea-agent-ubuntu:v2.0.0'}]"
                ),
                config_map(
                    "antrea-config",
                    &format!("{{antrea-agent.conf: \"{conf}\"}}")
                )
            )
        };
        assert_eq!(paths(&RULE, &antrea("featureGates: {}")).len(), 1);
        assert!(paths(&RULE, &antrea("trafficEncryptionMode: wireGuard")).is_empty());
    }
}
