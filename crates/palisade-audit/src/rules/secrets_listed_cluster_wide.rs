//! ## What it does
//!
//! Reports every `list` or `watch` of the Secrets of all namespaces at once
//! (`GET /api/v1/secrets`: no namespace in the object reference) by anyone but the control
//! plane (`system:kube-controller-manager`, `system:kube-scheduler`, `system:apiserver`, the
//! kubelets, the service accounts of `kube-system`) and the readers named in
//! `audit.secretReaders` (controllers such as cert-manager or an external-secrets operator
//! watch every Secret by design; name them there). It is high when the list succeeded, medium
//! when it was refused or failed (the message then says *tried*): the attempt alone shows
//! someone looking for every credential at once.
//!
//! Lists and gets inside one namespace are `unusual-secret-access`'s.
//!
//! ## Why is this bad?
//!
//! A cluster-wide list returns the contents of every Secret of every namespace in one
//! response: every database password, cloud key, TLS key and legacy service-account token of
//! the cluster, including those of `kube-system` that act as cluster-admin. It is the one
//! request that turns any foothold into the whole cluster's credentials (MITRE ATT&CK
//! T1552.007 Unsecured Credentials: Container API), and tools such as `kubectl get secrets
//! -A -o yaml` make it a one-liner.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
//!  "user":{"username":"dave@example.com"},"sourceIPs":["10.1.2.3"],
//!  "requestURI":"/api/v1/secrets?limit=500",
//!  "objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"code":200}}
//! ```
//!
//! Use instead: grant Secret reads per namespace with a Role, never `list`/`watch` on
//! `secrets` in a ClusterRole bound cluster-wide; if someone did dump them, rotate what they
//! hold.
//!
//! ```yaml
//! kind: Role
//! metadata: {namespace: prod, name: read-app-secret}
//! rules:
//!   - apiGroups: [""]
//!     resources: ["secrets"]
//!     resourceNames: ["app-config"]
//!     verbs: ["get"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1552.007 Unsecured Credentials: Container API
//! - Microsoft Threat Matrix for Kubernetes MS-TA9025: List Kubernetes secrets
//! - CIS Kubernetes Benchmark 5.1.2 (minimize access to secrets)
//! - Panther detection Kubernetes.Secrets.DumpAllNamespaces
//! - Kubernetes documentation: Good practices for Kubernetes Secrets

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{not_yet_answered, request_summary, who};
use crate::rules::unusual_secret_access::{
    is_cluster_wide_secret_read, is_secret_read, is_usual_secret_reader,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "secrets-listed-cluster-wide",
        severity: Severity::High,
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
        summary: "Someone listed, or tried to list, the Secrets of every namespace",
        fix: "Find out who listed every Secret and why; if it succeeded, rotate the credentials they hold, and replace cluster-wide Secret reads with per-namespace Roles.",
    },
    why: "a cluster-wide list returns every Secret of every namespace in one response, the whole cluster's credentials (MITRE T1552.007)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if !is_secret_read(event)
        || !is_cluster_wide_secret_read(event)
        || not_yet_answered(event)
        || is_usual_secret_reader(context.config, event)
    {
        return;
    }
    let (did, severity) = if event.succeeded() {
        ("read", Severity::High)
    } else {
        ("tried to read", Severity::Medium)
    };
    let alert = out.report(
        "/objectRef",
        format!(
            "{} {did} the Secrets of all namespaces at once: {}",
            who(event),
            request_summary(event)
        ),
    );
    alert.severity = severity;
}
