//! ## What it does
//!
//! Reports every `get`, `list` and `watch` of Secrets by a principal that does not normally
//! read them. Normal readers are the control plane (`system:kube-controller-manager`,
//! `system:kube-scheduler`, `system:apiserver`, the kubelets — `system:node:NAME` in group
//! `system:nodes` — and the service accounts of `kube-system`) and whoever
//! `audit.secretReaders` in `.palisade.yaml` names (user globs and `group:NAME`), such as
//! cert-manager or an external-secrets operator. Everyone else is reported, refused attempts
//! too (the message then says the principal *tried*): the attempt shows intent, and a
//! request for a Secret that does not exist (404) is as telling as one that was refused.
//!
//! A list or watch across all namespaces is reported by `secrets-listed-cluster-wide`
//! instead, at a higher severity. The principal judged is the one that authenticated; an
//! impersonated identity is named in the message (and reported by `user-impersonation`).
//!
//! ## Why is this bad?
//!
//! Secrets hold what lets one move on: database passwords, cloud keys, registry credentials,
//! TLS keys, and legacy service-account tokens that act as their service account (MITRE
//! ATT&CK T1552.007 Unsecured Credentials: Container API). `list` and `watch` return every
//! Secret's contents, not only their names. People and applications that do not normally
//! read Secrets doing so is how credential theft looks in the audit log.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"get",
//!  "user":{"username":"dave@example.com","groups":["developers"]},"sourceIPs":["10.1.2.3"],
//!  "objectRef":{"resource":"secrets","namespace":"prod","name":"db-credentials","apiVersion":"v1"},
//!  "responseStatus":{"code":200}}
//! ```
//!
//! Use instead: keep `get`/`list`/`watch` on `secrets` out of people's everyday roles, mount
//! what an application needs into its pods rather than letting it read the API, and name the
//! controllers that must read Secrets:
//!
//! ```yaml
//! audit:
//!   secretReaders:
//!     - system:serviceaccount:cert-manager:cert-manager
//!     - group:secret-admins
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1552.007 Unsecured Credentials: Container API
//! - Microsoft Threat Matrix for Kubernetes MS-TA9025: List Kubernetes secrets
//! - CIS Kubernetes Benchmark 5.1.2 (minimize access to secrets)
//! - Falco k8saudit rules "K8s Secret Get Successfully" and "K8s Secret Get Unsuccessfully Tried"
//! - Panther detections Kubernetes.BulkSecretAccess and Kubernetes.Secret.AccessDenied
//! - Kubernetes documentation: Good practices for Kubernetes Secrets

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::config::AuditConfig;
use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::event::Event;
use crate::rules::common::{is_control_plane, not_yet_answered, request_summary, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "unusual-secret-access",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1552.007",
            "ms-threat:MS-TA9025",
            "cis-k8s:5.1.2",
            "k8s-docs:concepts/security/secrets-good-practices/",
        ],
        summary: "Someone who does not normally read Secrets read, or tried to read, them",
        fix: "Find out why this principal reads Secrets; take get/list/watch on secrets out of its roles, or add it to audit.secretReaders if it is a controller that must read them.",
    },
    why: "Secrets hold passwords, keys and tokens; a principal that does not normally read them doing so is how credential theft looks (MITRE T1552.007)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if !is_secret_read(event)
        || is_cluster_wide_secret_read(event)
        || not_yet_answered(event)
        || is_usual_secret_reader(context.config, event)
    {
        return;
    }
    let did = if event.succeeded() {
        "read"
    } else {
        "tried to read"
    };
    // A node's name without the nodes group is not a kubelet; say so, or the alert reads as
    // a mistake.
    let hint = if event.user.username.starts_with("system:node:") {
        " (a node's name, but not in group system:nodes)"
    } else {
        ""
    };
    out.report(
        "/objectRef/resource",
        format!(
            "{} {did} Secrets but is not a usual Secret reader{hint}: {}",
            who(event),
            request_summary(event)
        ),
    );
}

/// A `get`, `list` or `watch` of Secrets.
pub(crate) fn is_secret_read(event: &Event) -> bool {
    event.resource() == "secrets"
        && event.api_group().is_empty()
        && matches!(event.verb.as_str(), "get" | "list" | "watch")
}

/// A list or watch of the Secrets of every namespace (`/api/v1/secrets`).
pub(crate) fn is_cluster_wide_secret_read(event: &Event) -> bool {
    matches!(event.verb.as_str(), "list" | "watch")
        && event.namespace().is_empty()
        // A log that lost the namespace of the object reference still has it in the path.
        && !event
            .request_uri
            .split_once('?')
            .map_or(event.request_uri.as_str(), |(path, _)| path)
            .contains("/namespaces/")
}

/// The control plane and the configured `audit.secretReaders`.
pub(crate) fn is_usual_secret_reader(config: &AuditConfig, event: &Event) -> bool {
    is_control_plane(&event.user) || config.secret_readers.contains(&event.user)
}
