//! ## What it does
//!
//! Reports every CertificateSigningRequest created (`create` on `certificatesigningrequests`,
//! answered) by anyone but a node (`system:node:NAME` in `system:nodes`), a node joining with
//! a bootstrap token (group `system:bootstrappers`) and the control plane, when it asks for a
//! client certificate: the signer `kubernetes.io/kube-apiserver-client` or
//! `kubernetes.io/kube-apiserver-client-kubelet`, or the usage `client auth`. When the audit
//! level did not record the request body, the purpose is unknown and the request is reported
//! with that said; a request recorded as only a serving certificate is not reported.
//!
//! The approval that turns a request into a certificate is reported by
//! `certificate-signing-request-approved`.
//!
//! ## Why is this bad?
//!
//! A client certificate signed by the cluster's CA is a credential that outlives every other:
//! it is valid until it expires (a year by default), Kubernetes cannot revoke it, and its
//! subject names any user and groups the requester chose, `system:masters` included. An
//! attacker who can create CSRs and get them approved (by a careless admin, or by holding the
//! `approve` verb on the signer) keeps access after every token is rotated (MITRE ATT&CK
//! T1098.001 Account Manipulation: Additional Cloud Credentials, T1649 Steal or Forge
//! Authentication Certificates).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"dave@example.com"},"sourceIPs":["10.1.2.3"],
//!  "objectRef":{"resource":"certificatesigningrequests","apiGroup":"certificates.k8s.io","name":"dave-admin"},
//!  "requestObject":{"kind":"CertificateSigningRequest","metadata":{"name":"dave-admin"},
//!   "spec":{"signerName":"kubernetes.io/kube-apiserver-client","usages":["client auth"]}},
//!  "responseStatus":{"code":201}}
//! ```
//!
//! Use instead: authenticate people with an identity provider (OIDC) whose credentials can be
//! revoked, and keep `create` on `certificatesigningrequests` for nodes:
//!
//! ```yaml
//! rules:
//!   - apiGroups: ["certificates.k8s.io"]
//!     resources: ["certificatesigningrequests"]
//!     verbs: ["get", "list", "watch"]   # no create
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1649 Steal or Forge Authentication Certificates
//! - MITRE ATT&CK T1098.001 Account Manipulation: Additional Cloud Credentials
//! - CIS Kubernetes Benchmark 5.1.11 (minimize access to the approval sub-resource of certificatesigningrequests)
//! - Panther detection Kubernetes.ClientCertificate.Created
//! - Kubernetes documentation: Certificates and Certificate Signing Requests

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::event::{Body, Event};
use crate::rules::common::{is_control_plane, request_summary, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "client-certificate-requested",
        severity: Severity::Low,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1649",
            "mitre:T1098.001",
            "cis-k8s:5.1.11",
            "k8s-docs:reference/access-authn-authz/certificate-signing-requests/",
        ],
        summary: "Someone other than a node asked the cluster's CA for a client certificate",
        fix: "Find out who needs a client certificate and why; deny the request (kubectl certificate deny NAME) unless it is expected, and authenticate people with an identity provider instead.",
    },
    why: "a client certificate from the cluster's CA is a credential Kubernetes cannot revoke, for any user and groups the requester chose (MITRE T1649)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// The signers whose certificates authenticate to the API server.
pub(crate) const CLIENT_SIGNERS: [&str; 2] = [
    "kubernetes.io/kube-apiserver-client",
    "kubernetes.io/kube-apiserver-client-kubelet",
];

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.verb != "create" || !is_csr(event) || !event.subresource().is_empty() {
        return;
    }
    let user = &event.user;
    if !event.succeeded()
        || is_control_plane(user)
        || user.in_group("system:bootstrappers")
        || user.username.starts_with("system:bootstrap:")
    {
        return;
    }
    let named = match csr_name(event) {
        NOT_NAMED => String::new(),
        name => format!(" in CSR {name}"),
    };
    let what = match event.request_object.as_ref() {
        None => format!(
            "a certificate{named} (the audit level did not record the signer or the usages)"
        ),
        Some(body) => {
            let signer = signer(body);
            let usages: Vec<&str> = body
                .pointer("/spec/usages")
                .and_then(Value::as_array)
                .map(|usages| usages.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let client = CLIENT_SIGNERS.contains(&signer) || usages.contains(&"client auth");
            if !client {
                return;
            }
            let usages = if usages.is_empty() {
                String::new()
            } else {
                format!(", usages {}", usages.join(", "))
            };
            format!("a client certificate{named} (signer {signer}{usages})")
        }
    };
    out.report(
        "/objectRef/resource",
        format!(
            "{} requested {what}: {}",
            who(event),
            request_summary(event)
        ),
    );
}

/// A `certificatesigningrequests` request (some hand-written logs leave the API group out).
pub(crate) fn is_csr(event: &Event) -> bool {
    event.resource() == "certificatesigningrequests"
        && matches!(event.api_group(), "certificates.k8s.io" | "")
}

/// The CSR's name: from the object reference, else from the body (a create may carry it only
/// there).
pub(crate) fn csr_name<'e>(event: &'e Event) -> &'e str {
    match event.name() {
        "" => event
            .request_object
            .as_ref()
            .and_then(|body| body.pointer("/metadata/name"))
            .and_then(Value::as_str)
            .unwrap_or(NOT_NAMED),
        name => name,
    }
}

/// What [`csr_name`] and [`signer`] give when the log does not say.
pub(crate) const NOT_NAMED: &str = "(not named)";

pub(crate) fn signer<'b>(body: &'b Body) -> &'b str {
    body.pointer("/spec/signerName")
        .and_then(Value::as_str)
        .unwrap_or(NOT_NAMED)
}
