//! ## What it does
//!
//! Judges every Service that a successful `create` or `update` wrote with the manifest rule
//! `node-port-service` of `palisade scan`, and alerts on a Service of type `NodePort`, quoting
//! the manifest rule's message (with the ports) and naming who wrote it.
//!
//! The request object must be in the log (audit level `Request` or above for Services). A
//! `patch` (which is how `kubectl apply` changes a Service's type) is a fragment and is not
//! judged. An update does not repeat the alert already raised for the same Service in the
//! same log. A `palisade.dev/ignore` annotation in the request does not silence the alert; the
//! exemptions of `.palisade.yaml` do.
//!
//! ## Why is this bad?
//!
//! A NodePort opens the Service on every address of every node, past the Ingress, its TLS and
//! its authentication, and usually past the firewall rules written for the load balancer. An
//! attacker inside uses one to expose a backdoor or an internal database to the outside (MITRE
//! ATT&CK T1133 External Remote Services, T1190).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"services","namespace":"prod","name":"db","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"apiVersion":"v1","kind":"Service","metadata":{"name":"db"},
//!   "spec":{"type":"NodePort","selector":{"app":"db"},"ports":[{"port":5432}]}}}
//! ```
//!
//! Use instead: a `ClusterIP` Service behind an Ingress with TLS, or a LoadBalancer limited by
//! `loadBalancerSourceRanges`:
//!
//! ```yaml
//! spec:
//!   type: ClusterIP
//!   selector: {app: db}
//!   ports: [{port: 5432}]
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: Service type NodePort
//! - MITRE ATT&CK T1133 External Remote Services
//! - Falco k8saudit rule "Create NodePort Service"; Panther `Kubernetes.Service.NodePort.Deployed`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AuditCheck, AuditRule};
use crate::event::Event;
use crate::rules::common::api_group;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "node-port-service-created",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/services-networking/service/#type-nodeport",
            "mitre:T1133",
            "mitre:T1190",
        ],
        summary: "Someone created or replaced a Service of type NodePort, open on every node",
        fix: "Find out who exposed the Service and why; change it to ClusterIP behind an Ingress, or a LoadBalancer with source ranges, and firewall the node port range.",
    },
    why: "a NodePort opens the Service on every node's addresses, around the Ingress, its TLS and the load balancer's firewall (MITRE T1133)",
    enabled_by_default: true,
    check: AuditCheck::Manifest {
        rules: &["node-port-service"],
        applies_to: is_service,
    },
};

fn is_service(event: &Event) -> bool {
    event.resource() == "services" && api_group(event).is_empty()
}
