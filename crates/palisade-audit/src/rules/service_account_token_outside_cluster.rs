//! ## What it does
//!
//! Reports every request authenticated as a service account
//! (`system:serviceaccount:NAMESPACE:NAME`) that came from an address outside the cluster:
//! an address not in the pod, service and node networks given by `--cluster-cidr` or
//! `audit.clusterCIDRs` in `.palisade.yaml`. Every address of `sourceIPs` is judged: the
//! first is the client as proxies (and `X-Forwarded-For`, which the client can write) report
//! it, the last is the address that connected. Loopback is always inside (only the API
//! server's own host connects from it).
//!
//! When no cluster networks are configured, only **public** addresses count as outside:
//! private (10/8, 172.16/12, 192.168/16), carrier-grade NAT (100.64/10), loopback,
//! link-local and IPv6 unique-local (fc00::/7) addresses are then taken to be inside, and the
//! message says that the networks were not configured. Configure them to judge private
//! addresses too (an office VPN in 10/8 is not the cluster).
//!
//! Refused requests are reported as well, and the message says whether the request was
//! allowed: a stolen token tried from outside is worth knowing about even when its rights
//! did not reach what the attacker wanted. A request is judged once answered: its
//! `RequestReceived` stage, which has no outcome yet, is left to the later stages.
//!
//! ## Why is this bad?
//!
//! A service account's token belongs to the pods that run as it; they run inside the cluster.
//! The same token used from anywhere else was taken out of the cluster: read from a pod
//! (`/var/run/secrets/kubernetes.io/serviceaccount/token`), from a legacy token Secret, from
//! a CI system or a leaked kubeconfig, and is now used by whoever holds it, with all the
//! service account's rights and under its name (MITRE ATT&CK T1528 Steal Application Access
//! Token, T1078.004 Valid Accounts: Cloud Accounts). Controllers' service accounts in
//! `kube-system` often amount to cluster-admin.
//!
//! ## Example
//!
//! An event that alerts (with `--cluster-cidr 10.0.0.0/8`):
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
//!  "user":{"username":"system:serviceaccount:ci:deployer","groups":["system:serviceaccounts"]},
//!  "sourceIPs":["198.51.100.23"],
//!  "objectRef":{"resource":"secrets","namespace":"prod","apiVersion":"v1"},
//!  "responseStatus":{"code":200}}
//! ```
//!
//! Use instead: give what runs outside the cluster its own identity (an OIDC user, a cloud
//! IAM role mapped to a group), and keep service-account tokens inside: short-lived projected
//! tokens, no legacy token Secrets, and `automountServiceAccountToken: false` where a pod
//! does not call the API. Revoke a leaked token by deleting its Secret, or the pod it is
//! bound to, or by recreating the service account:
//!
//! ```shell
//! kubectl -n ci delete serviceaccount deployer && kubectl -n ci create serviceaccount deployer
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1528 Steal Application Access Token
//! - MITRE ATT&CK T1078.004 Valid Accounts: Cloud Accounts
//! - Microsoft Threat Matrix for Kubernetes MS-TA9016: Access container service account
//! - Panther detection Kubernetes.System.Principal.PublicIP
//! - Kubernetes documentation: Managing Service Accounts (bound service account tokens)

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{is_outside_cluster, not_yet_answered, outcome, sources};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "service-account-token-outside-cluster",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1528",
            "mitre:T1078.004",
            "ms-threat:MS-TA9016",
            "k8s-docs:reference/access-authn-authz/service-accounts-admin/",
        ],
        summary: "A service account's token was used from outside the cluster",
        fix: "Find where the token leaked from and revoke it (delete its Secret, the pod it is bound to, or recreate the service account); give what runs outside the cluster its own identity.",
    },
    why: "a service account's token used from outside the cluster was taken out of it, and whoever holds it has the service account's rights under its name (MITRE T1528)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.is_service_account().is_none() || not_yet_answered(event) {
        return;
    }
    let outside: Vec<(usize, &str)> = event
        .source_ips
        .iter()
        .enumerate()
        .filter(|(_, text)| {
            text.trim()
                .parse()
                .is_ok_and(|address| is_outside_cluster(context.config, address))
        })
        .map(|(index, text)| (index, text.as_str()))
        .collect();
    let Some(&(index, first_outside)) = outside.first() else {
        return;
    };
    let networks = if context.config.cluster_networks.is_empty() {
        "a public address (no cluster networks are configured, so private addresses are not judged)"
    } else {
        "outside the cluster networks"
    };
    let place = if event.source_ips.len() == 1 {
        format!("from {first_outside}, {networks}")
    } else {
        let addresses: Vec<&str> = outside.iter().map(|(_, ip)| *ip).collect();
        let verb = if addresses.len() == 1 { "is" } else { "are" };
        format!(
            "from {}, and {} {verb} {networks}",
            sources(event),
            addresses.join(" and ")
        )
    };
    out.report(
        format!("/sourceIPs/{index}"),
        format!(
            "{}'s token was used {place}: {} {}, {}",
            event.user.username,
            event.verb,
            event.resource_path(),
            outcome(event)
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::config::AuditConfig;
    use crate::rules::common::{is_internal_address, is_outside_cluster};

    #[test]
    fn internal_addresses() {
        for internal in [
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "127.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "::",
            "fd00::1",
            "fc12::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal_address(internal.parse().unwrap()), "{internal}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "172.15.255.255",
            "100.63.255.255",
            "100.128.0.0",
            "192.169.0.1",
            "203.0.113.7",
            "2001:db8::1",
            "2a00:1450::1",
            "::ffff:8.8.8.8",
        ] {
            assert!(!is_internal_address(public.parse().unwrap()), "{public}");
        }
    }

    #[test]
    fn outside_is_judged_by_the_networks_when_configured() {
        let defaults = AuditConfig::default();
        let mut configured = AuditConfig::default();
        configured.add_cluster_network("10.244.0.0/16").unwrap();
        let outside =
            |config: &AuditConfig, ip: &str| is_outside_cluster(config, ip.parse().unwrap());
        assert!(!outside(&defaults, "10.9.9.9"));
        assert!(outside(&defaults, "8.8.8.8"));
        assert!(
            outside(&configured, "10.9.9.9"),
            "private, but not the cluster's"
        );
        assert!(!outside(&configured, "10.244.1.1"));
        assert!(
            !outside(&configured, "::ffff:10.244.1.1"),
            "mapped IPv4 is judged as IPv4"
        );
        assert!(
            !outside(&configured, "127.0.0.1"),
            "loopback is the API server's own host"
        );
        assert!(!outside(&configured, "::1"));
    }
}
