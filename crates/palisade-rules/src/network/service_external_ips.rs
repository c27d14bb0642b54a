//! ## What it does
//!
//! Finds Services that set `spec.externalIPs` (a non-empty list), whatever their type.
//!
//! ## Why is this bad?
//!
//! kube-proxy sends every packet for an external IP and port of a Service to that Service's
//! pods, on every node, and Kubernetes does not check who owns the address. Whoever can create
//! or edit a Service (an internal attacker with ordinary namespace rights, a compromised CI
//! account) can therefore name any address, such as a database, a cloud metadata endpoint, a
//! public DNS resolver or another tenant's service, and intercept the cluster's traffic to it:
//! a man in the middle for every pod and node of the cluster. This is CVE-2020-8554, a design
//! flaw with no patch; the mitigation is to forbid `externalIPs` (the `DenyServiceExternalIPs`
//! admission plugin, or a policy that allows only known addresses) and to keep them out of
//! manifests.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata:
//!   name: web
//! spec:
//!   selector:
//!     app: web
//!   ports:
//!     - port: 80
//!   externalIPs:
//!     - 203.0.113.10
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   type: LoadBalancer   # the provider assigns and owns the address
//!   loadBalancerSourceRanges:
//!     - 198.51.100.0/24
//!   selector:
//!     app: web
//!   ports:
//!     - port: 80
//! ```
//!
//! ## References
//!
//! - CVE-2020-8554: Man in the middle using LoadBalancer or ExternalIPs
//! - CIS Kubernetes Benchmark 1.2.3: Ensure that the --DenyServiceExternalIPs is set
//! - Kubernetes documentation: concepts/services-networking/service/#external-ips
//! - MITRE ATT&CK T1557 Adversary-in-the-Middle

use palisade_model::{Layer, Node, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::common::{is_service, listing};
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "service-external-ips",
        severity: Severity::High,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cve:CVE-2020-8554",
            "cis-k8s:1.2.3",
            "k8s-docs:concepts/services-networking/service/#external-ips",
            "mitre:T1557",
        ],
        summary: "Service sets externalIPs, which lets it capture traffic to any address (CVE-2020-8554)",
        fix: "Remove `spec.externalIPs`; use a LoadBalancer or an Ingress, and enable the DenyServiceExternalIPs admission plugin (or a policy that allows only known addresses).",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if !is_service(object) {
        return;
    }
    let Some(external_ips) = object.root.get_path(&["spec", "externalIPs"]) else {
        return;
    };
    let addresses: Vec<String> = external_ips
        .items()
        .iter()
        .map(|item| {
            item.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| item.display_value())
        })
        .collect();
    if addresses.is_empty() {
        return;
    }
    let listed = listing(&addresses);
    let ports = service_port_list(object.root.get("spec"));
    out.report(
        &Pointer::root().keys(&["spec", "externalIPs"]),
        format_args!(
            "Service claims the external IPs {listed}{ports}: kube-proxy on every node sends the cluster's traffic for them to this Service's pods, whoever owns the addresses (CVE-2020-8554)"
        ),
    );
}

/// ` on port 80/TCP, port 443/TCP`, or nothing when the Service lists no port.
fn service_port_list(spec: Option<&Node>) -> String {
    let ports = spec
        .map(|spec| crate::network::common::service_ports(spec, false))
        .unwrap_or_default();
    if ports.is_empty() {
        String::new()
    } else {
        format!(" on {ports}")
    }
}
