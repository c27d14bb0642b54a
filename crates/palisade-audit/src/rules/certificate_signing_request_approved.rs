//! ## What it does
//!
//! Reports every approval of a CertificateSigningRequest (`update` or `patch` of the
//! `certificatesigningrequests/approval` subresource, answered, what `kubectl certificate
//! approve` does) by anyone but the control plane (the controller manager approves the
//! kubelets' own client certificates). It is high when the approved request is for a client
//! certificate of the API server (signer `kubernetes.io/kube-apiserver-client` or
//! `…-client-kubelet`), medium otherwise. When the audit level recorded the request body, a
//! denial is not reported; when it did not, the message says that the log does not tell an
//! approval from a denial.
//!
//! ## Why is this bad?
//!
//! Approving a CSR has the cluster's CA sign it: for a client signer, the requester now holds
//! a certificate that authenticates as whatever user and groups its subject names
//! (`system:masters` included), valid for up to a year, that Kubernetes cannot revoke. Holding
//! `update` on `certificatesigningrequests/approval` and `approve` on a signer is therefore a
//! path to cluster-admin, and an approval nobody expected is how it is used (MITRE ATT&CK
//! T1649 Steal or Forge Authentication Certificates).
//!
//! ## Example
//!
//! An event that alerts (high):
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"update","user":{"username":"dave@example.com"},"sourceIPs":["10.1.2.3"],
//!  "objectRef":{"resource":"certificatesigningrequests","apiGroup":"certificates.k8s.io","name":"dave-admin","subresource":"approval"},
//!  "requestObject":{"kind":"CertificateSigningRequest","metadata":{"name":"dave-admin"},
//!   "spec":{"signerName":"kubernetes.io/kube-apiserver-client","usages":["client auth"]},
//!   "status":{"conditions":[{"type":"Approved","status":"True","reason":"KubectlApprove"}]}},
//!  "responseStatus":{"code":200}}
//! ```
//!
//! Use instead: before approving, decode the request and check its subject
//! (`kubectl get csr NAME -o jsonpath='{.spec.request}' | base64 -d | openssl req -noout
//! -subject`); keep the approval rights with a few administrators:
//!
//! ```yaml
//! rules:   # only for the approvers' role, and only for the signer they handle
//!   - apiGroups: ["certificates.k8s.io"]
//!     resources: ["signers"]
//!     resourceNames: ["example.com/internal-serving"]
//!     verbs: ["approve"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1649 Steal or Forge Authentication Certificates
//! - CIS Kubernetes Benchmark 5.1.11 (minimize access to the approval sub-resource of certificatesigningrequests)
//! - Kubernetes documentation: Certificates and Certificate Signing Requests (approval or rejection)

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::event::Body;
use crate::rules::client_certificate_requested::{
    CLIENT_SIGNERS, NOT_NAMED, csr_name, is_csr, signer,
};
use crate::rules::common::{is_control_plane, request_summary, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "certificate-signing-request-approved",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1649",
            "cis-k8s:5.1.11",
            "k8s-docs:reference/access-authn-authz/certificate-signing-requests/",
        ],
        summary: "Someone approved a certificate signing request by hand",
        fix: "Check the approved request's subject and who asked for it; if unexpected, rotate the CA or block the certificate's user and groups, and keep approve rights with a few administrators.",
    },
    why: "an approved client CSR gives its requester a certificate for any identity it named, system:masters included, that Kubernetes cannot revoke (MITRE T1649)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// What the recorded body says the update did to the request.
enum Decision {
    Approved,
    Denied,
    Unrecorded,
}

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if !matches!(event.verb.as_str(), "update" | "patch")
        || event.subresource() != "approval"
        || !is_csr(event)
        || !event.succeeded()
        || is_control_plane(&event.user)
    {
        return;
    }
    let body = event.request_object.as_ref();
    let decision = body.map_or(Decision::Unrecorded, decision);
    let signer = body.map(signer).filter(|s| *s != NOT_NAMED);
    let (did, note, severity) = match decision {
        Decision::Denied => return,
        Decision::Approved if signer.is_some_and(|s| CLIENT_SIGNERS.contains(&s)) => {
            ("approved", "", Severity::High)
        }
        Decision::Approved => ("approved", "", Severity::Medium),
        Decision::Unrecorded => (
            "approved or denied",
            " (the audit level did not record which)",
            Severity::Medium,
        ),
    };
    let signer = signer
        .map(|signer| format!(" for signer {signer}"))
        .unwrap_or_default();
    let alert = out.report(
        "/objectRef/subresource",
        format!(
            "{} {did} certificate signing request {}{signer}{note}: {}",
            who(event),
            csr_name(event),
            request_summary(event)
        ),
    );
    alert.severity = severity;
}

/// Approved when a condition of type `Approved` is not `False`; denied when only a `Denied`
/// or `Failed` one is there.
fn decision(body: &Body) -> Decision {
    let Some(conditions) = body.pointer("/status/conditions").and_then(Value::as_array) else {
        return Decision::Unrecorded;
    };
    let of_type = |wanted: &str| {
        conditions.iter().any(|condition| {
            condition.get("type").and_then(Value::as_str) == Some(wanted)
                && condition.get("status").and_then(Value::as_str) != Some("False")
        })
    };
    if of_type("Approved") {
        Decision::Approved
    } else if of_type("Denied") || of_type("Failed") {
        Decision::Denied
    } else {
        Decision::Unrecorded
    }
}
