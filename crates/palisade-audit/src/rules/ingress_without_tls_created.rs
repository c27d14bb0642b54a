//! ## What it does
//!
//! Judges every Ingress that a successful `create` or `update` wrote with the manifest rule
//! `ingress-without-tls` of `palisade scan`, and alerts when the Ingress serves a host over
//! plain HTTP (no `spec.tls`, or no TLS entry for one of its hosts, unless the controller's
//! annotations terminate TLS), quoting the manifest rule's message and naming who wrote it.
//!
//! The request object must be in the log (audit level `Request` or above for Ingresses). A
//! `patch` is a fragment and is not judged. An update does not repeat the alert already raised
//! for the same Ingress in the same log. A `palisade.dev/ignore` annotation in the request does
//! not silence the alert; the exemptions of `.palisade.yaml` do.
//!
//! ## Why is this bad?
//!
//! Without TLS, whatever the Ingress routes (logins, session cookies, API tokens) crosses the
//! network in clear text, readable and changeable by anyone on the path (MITRE ATT&CK T1040
//! Network Sniffing, T1557 Adversary-in-the-Middle).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"ingresses","namespace":"prod","name":"api",
//!   "apiGroup":"networking.k8s.io","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"apiVersion":"networking.k8s.io/v1","kind":"Ingress",
//!   "metadata":{"name":"api"},"spec":{"rules":[{"host":"api.example.com"}]}}}
//! ```
//!
//! Use instead: a TLS entry for every host, with a certificate Secret (cert-manager issues and
//! renews it):
//!
//! ```yaml
//! spec:
//!   tls:
//!     - hosts: [api.example.com]
//!       secretName: api-example-com-tls
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: Ingress TLS
//! - MITRE ATT&CK T1040 Network Sniffing, T1557 Adversary-in-the-Middle
//! - Falco k8saudit rule "Ingress Object without TLS Certificate Created"; Panther
//!   `Kubernetes.Ingress.NoTLS`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AuditCheck, AuditRule};
use crate::event::Event;
use crate::rules::common::api_group;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "ingress-without-tls-created",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "k8s-docs:concepts/services-networking/ingress/#tls",
            "mitre:T1040",
            "mitre:T1557",
        ],
        summary: "Someone created or replaced an Ingress that serves a host over plain HTTP",
        fix: "Add `spec.tls` with every host of the Ingress and a certificate Secret, or terminate TLS in the controller and say so in its annotations.",
    },
    why: "without TLS, the logins, cookies and tokens the Ingress routes cross the network in clear text (MITRE T1040, T1557)",
    enabled_by_default: true,
    check: AuditCheck::Manifest {
        rules: &["ingress-without-tls"],
        applies_to: is_ingress,
    },
};

fn is_ingress(event: &Event) -> bool {
    event.resource() == "ingresses"
        && matches!(api_group(event), "networking.k8s.io" | "extensions")
}
