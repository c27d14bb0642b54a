//! ## What it does
//!
//! A change log, off by default: reports every successful creation and deletion of
//! Deployments, Services, ConfigMaps, Namespaces, ServiceAccounts, Roles, ClusterRoles,
//! RoleBindings, ClusterRoleBindings and Secrets, naming who did it and the object. As in
//! Falco's activity rules, Secrets count only outside `kube-system` and when a person (a user
//! not named `system:…`) made the change, and Namespaces' deletions only when a person did.
//! Turn it on with `audit: {rules: {object-changed: on}}` in `.palisade.yaml`.
//!
//! With it, palisade does what Falco's INFO rules "K8s Deployment Created", "… Deleted" and
//! their siblings for the other kinds do. (Falco's "Create Disallowed Namespace", a Namespace
//! whose name is not on a list, is `unexpected-namespace-created`.)
//!
//! ## Why is this bad?
//!
//! None of these changes is an attack on its own; together they are the record an incident
//! responder reads to learn what an intruder set up and removed: the ServiceAccount and
//! ClusterRoleBinding they made for themselves, the Secret they planted, the Namespace they
//! worked in and deleted (MITRE ATT&CK T1098 Account Manipulation, T1136 Create Account,
//! T1070 Indicator Removal). The security rules (cluster-admin-granted, risky-role-created…)
//! say which changes are dangerous; this one says what changed.
//!
//! ## Example
//!
//! An event that alerts (with the rule turned on):
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseComplete",
//!  "verb":"delete","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"namespaces","namespace":"scratch","name":"scratch","apiVersion":"v1"},
//!  "responseStatus":{"code":200}}
//! ```
//!
//! Use instead: nothing to fix; review the change log against the changes that were planned
//! (a GitOps repository, change tickets), and keep it off where a SIEM already keeps the raw
//! audit log:
//!
//! ```yaml
//! audit:
//!   rules:
//!     object-changed: on
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: Auditing
//! - MITRE ATT&CK T1098 Account Manipulation, T1136 Create Account, T1070 Indicator Removal
//! - Falco k8saudit rules "K8s Deployment/Service/ConfigMap/Namespace/Serviceaccount/Role/
//!   Clusterrole/Rolebinding/Clusterrolebinding/Secret Created/Deleted"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{
    RBAC_GROUP, api_group, described_object, verb_done, was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "object-changed",
        severity: Severity::Info,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "k8s-docs:tasks/debug/debug-cluster/audit/",
            "mitre:T1098",
            "mitre:T1136",
            "mitre:T1070",
        ],
        summary: "Change log: a Deployment, Service, ConfigMap, Namespace, ServiceAccount, RBAC object or Secret was created or deleted",
        fix: "Nothing to fix on its own: check the change against what was planned.",
    },
    why: "the record of what was set up and removed, which incident response reads to learn what an intruder did (MITRE T1098, T1136, T1070)",
    enabled_by_default: false,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let verb = event.verb.as_str();
    if !matches!(verb, "create" | "delete") || !event.subresource().is_empty() {
        return;
    }
    let group = api_group(event);
    let kind = match event.resource() {
        "deployments" if matches!(group, "apps" | "extensions") => "Deployment",
        "services" if group.is_empty() => "Service",
        "configmaps" if group.is_empty() => "ConfigMap",
        "namespaces" if group.is_empty() => "Namespace",
        "serviceaccounts" if group.is_empty() => "ServiceAccount",
        "secrets" if group.is_empty() => "Secret",
        "roles" if group == RBAC_GROUP => "Role",
        "clusterroles" if group == RBAC_GROUP => "ClusterRole",
        "rolebindings" if group == RBAC_GROUP => "RoleBinding",
        "clusterrolebindings" if group == RBAC_GROUP => "ClusterRoleBinding",
        _ => return,
    };
    let by_person = !event.user.username.starts_with("system:");
    let counted = match (kind, verb) {
        ("Secret", _) => event.namespace() != "kube-system" && by_person,
        ("Namespace", "delete") => by_person,
        _ => true,
    };
    if !counted || !was_carried_out(event) {
        return;
    }
    out.report(
        "/objectRef",
        format!(
            "{} {} {kind} {}",
            who(event),
            verb_done(verb),
            described_object(event)
        ),
    );
}
