//! ## What it does
//!
//! Reports a successful `create` or `update` of a binding that hands out administrator
//! rights, naming who wrote it, the role and the subjects who receive it:
//!
//! - a ClusterRoleBinding to `cluster-admin`, `admin` or `edit` (critical): across the
//!   cluster, `admin` and `edit` read every Secret and run pods in `kube-system`, which is
//!   cluster-admin in a few steps;
//! - a RoleBinding to `cluster-admin` (high: every right in the namespace, including RBAC), or
//!   to `cluster-admin`, `admin` or `edit` in a system namespace (critical: the controllers'
//!   service accounts live there).
//!
//! A binding's `roleRef` cannot change after creation, so a `patch` (a fragment, not judged)
//! can only change its subjects; an `update` is judged in full. The API server's own
//! reconciliation of the default bindings (`system:apiserver`) is left out. The request object
//! must be in the log (audit level `Request` or above for bindings).
//!
//! ## Why is this bad?
//!
//! `cluster-admin` is every right on every object: whoever holds it reads every Secret, runs
//! anything on any node and can erase their tracks. Binding it is the usual last step of a
//! takeover and the usual way to keep access (MITRE ATT&CK T1098 Account Manipulation,
//! T1078.001 Default Accounts; Microsoft MS-TA9019 Cluster-admin binding).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"clusterrolebindings","name":"backdoor",
//!   "apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"kind":"ClusterRoleBinding","metadata":{"name":"backdoor"},
//!   "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},
//!   "subjects":[{"kind":"User","name":"mallory","apiGroup":"rbac.authorization.k8s.io"}]}}
//! ```
//!
//! Use instead: bind a role with the few rights the subject needs, in the namespace it needs
//! them, and keep `cluster-admin` to break-glass accounts:
//!
//! ```yaml
//! kind: RoleBinding
//! metadata: {name: deployers, namespace: shop}
//! roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deployer}
//! subjects: [{kind: Group, name: shop-deployers, apiGroup: rbac.authorization.k8s.io}]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.1: Ensure that the cluster-admin role is only used where required
//! - MITRE ATT&CK T1098 Account Manipulation
//! - Microsoft Threat Matrix for Kubernetes MS-TA9019: Cluster-admin binding
//! - Falco k8saudit rule "Attach to cluster-admin Role"; Panther
//!   `Kubernetes.ClusterRoleBinding.Privileged`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{
    RBAC_GROUP, SYSTEM_NAMESPACES, api_group, described_object, is_rbac_upkeep, listing, verb_done,
    was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "cluster-admin-granted",
        severity: Severity::Critical,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "cis-k8s:5.1.1",
            "mitre:T1098",
            "ms-threat:MS-TA9019",
            "k8s-docs:reference/access-authn-authz/rbac/#user-facing-roles",
        ],
        summary: "Someone bound cluster-admin (or admin or edit cluster-wide) to a user, group or service account",
        fix: "Find out who wrote the binding and why; delete it unless it is an approved break-glass grant, and bind a least-privilege role instead.",
    },
    why: "cluster-admin (and admin or edit across the cluster) reads every Secret and runs anything anywhere: it is the cluster (MITRE T1098)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// How many subjects a message lists.
const MAX_SUBJECTS: usize = 3;

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let cluster_wide = match event.resource() {
        "clusterrolebindings" => true,
        "rolebindings" => false,
        _ => return,
    };
    if api_group(event) != RBAC_GROUP
        || !matches!(event.verb.as_str(), "create" | "update")
        || !event.subresource().is_empty()
        || !was_carried_out(event)
        || is_rbac_upkeep(event)
    {
        return;
    }
    let Some(binding) = event
        .request_object
        .as_ref()
        .and_then(|body| body.value().ok())
    else {
        return;
    };
    let role = binding.pointer("/roleRef/name").and_then(Value::as_str);
    let role_kind = binding.pointer("/roleRef/kind").and_then(Value::as_str);
    let (Some(role), Some("ClusterRole")) = (role, role_kind) else {
        return;
    };
    let in_system_namespace = SYSTEM_NAMESPACES.contains(&event.namespace());
    let severity = match (role, cluster_wide) {
        ("cluster-admin" | "admin" | "edit", true) => Severity::Critical,
        ("cluster-admin" | "admin" | "edit", false) if in_system_namespace => Severity::Critical,
        ("cluster-admin", false) => Severity::High,
        _ => return,
    };
    let scope = if cluster_wide {
        "across the cluster".to_string()
    } else {
        format!("in namespace {}", event.namespace())
    };
    let subjects: Vec<String> = binding
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(describe_subject)
        .collect();
    let to = if subjects.is_empty() {
        " (no subjects yet)".to_string()
    } else {
        format!(" to {}", listing(&subjects, MAX_SUBJECTS))
    };
    let alert = out.report(
        "/requestObject/roleRef/name",
        format!(
            "{} {} {}: grants ClusterRole {role} {scope}{to}",
            who(event),
            verb_done(&event.verb),
            described_object(event)
        ),
    );
    alert.severity = severity;
}

/// `User alice`, `ServiceAccount ci/deployer`, `Group system:authenticated (every
/// authenticated user)`.
fn describe_subject(subject: &Value) -> String {
    let text = |key: &str| subject.get(key).and_then(Value::as_str).unwrap_or("");
    let (kind, name) = (text("kind"), text("name"));
    let everyone = match name {
        "system:authenticated" => " (every authenticated user)",
        "system:unauthenticated" | "system:anonymous" => " (anyone, without credentials)",
        "system:serviceaccounts" => " (every service account)",
        _ => "",
    };
    if kind == "ServiceAccount" {
        format!("ServiceAccount {}/{name}", text("namespace"))
    } else {
        format!("{kind} {name}{everyone}")
    }
}
