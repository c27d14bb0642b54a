//! ## What it does
//!
//! Reports a successful `update`, `patch` or `delete` of a Role, ClusterRole, RoleBinding or
//! ClusterRoleBinding whose name starts with `system:` (Kubernetes' own) or `eks:` (Amazon
//! EKS's), by someone who is not part of the control plane (the `system:` components, the
//! service accounts of `kube-system`, the managed platforms' `eks:*`, `aksService` and
//! `masterclient`). As in Falco, `system:coredns` and `system:managed-certificate-controller`,
//! which add-on managers rewrite, are left out.
//!
//! ## Why is this bad?
//!
//! The control plane's components and nodes run with these roles. Adding a rule to
//! `system:node` or a subject to `system:kube-controller-manager`'s binding hands out their
//! rights under a name nobody audits; deleting or shrinking one breaks the component or removes
//! a guard. Only when it restarts does the API server put back the default rules and subjects
//! of roles marked `rbac.authorization.kubernetes.io/autoupdate`, and it keeps whatever was
//! added to them (MITRE ATT&CK T1098 Account Manipulation, T1484 Domain or Tenant Policy
//! Modification).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseComplete",
//!  "verb":"patch","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"clusterroles","name":"system:node",
//!   "apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
//!  "responseStatus":{"code":200}}
//! ```
//!
//! Use instead: leave the system roles alone and grant extra rights through roles and bindings
//! of your own, with names of your own:
//!
//! ```yaml
//! kind: ClusterRole
//! metadata: {name: node-extras}
//! rules:
//!   - apiGroups: [""]
//!     resources: ["nodes/status"]
//!     verbs: ["patch"]
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: RBAC, Default roles and role bindings, Auto-reconciliation
//! - MITRE ATT&CK T1098 Account Manipulation, T1484 Domain or Tenant Policy Modification
//! - Falco k8saudit rule "System ClusterRole Modified/Deleted"; Panther
//!   `Kubernetes.SystemRole.Modified`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{
    RBAC_GROUP, api_group, by_control_plane, verb_done, was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "system-role-modified",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "k8s-docs:reference/access-authn-authz/rbac/#default-roles-and-role-bindings",
            "mitre:T1098",
            "mitre:T1484",
        ],
        summary: "Someone other than the control plane changed or deleted a system role or binding",
        fix: "Find out who changed it and why; restore the default (restarting the API server reconciles the defaults it knows) and grant extra rights through roles of your own.",
    },
    why: "the control plane and nodes run with the system roles: changing them hands out or removes those rights under names nobody reviews (MITRE T1098)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// System roles that add-on managers rewrite as a matter of course (Falco's list).
const REWRITTEN_BY_ADD_ONS: &[&str] = &["system:coredns", "system:managed-certificate-controller"];

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let what = match event.resource() {
        "clusterroles" => "ClusterRole",
        "roles" => "Role",
        "clusterrolebindings" => "ClusterRoleBinding",
        "rolebindings" => "RoleBinding",
        _ => return,
    };
    let name = event.name();
    if !(name.starts_with("system:") || name.starts_with("eks:"))
        || api_group(event) != RBAC_GROUP
        || !matches!(event.verb.as_str(), "update" | "patch" | "delete")
        || !event.subresource().is_empty()
        || REWRITTEN_BY_ADD_ONS.contains(&name)
        || !was_carried_out(event)
        || by_control_plane(event)
    {
        return;
    }
    out.report(
        "/objectRef/name",
        format!(
            "{} {} system {what} {}",
            who(event),
            verb_done(&event.verb),
            event.resource_path()
        ),
    );
}
