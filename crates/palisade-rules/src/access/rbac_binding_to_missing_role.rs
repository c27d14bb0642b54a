//! ## What it does
//!
//! Finds RoleBindings and ClusterRoleBindings whose `roleRef` names a role that does not exist,
//! and bindings whose `roleRef` cannot be valid (no name, a kind other than Role or
//! ClusterRole, or a ClusterRoleBinding naming a Role, which the API server rejects). The
//! finding is at `roleRef`.
//!
//! Whether a role "does not exist" can only be told from what the input holds, so:
//!
//! - a ClusterRole whose name Kubernetes reserves (`cluster-admin`, `admin`, `edit`, `view`,
//!   `system:*`) is never missing: every cluster has those;
//! - the finding is **low** when the input evidently holds the roles the binding could refer
//!   to: it is a dump of a cluster (it contains ClusterRoles labelled
//!   `kubernetes.io/bootstrapping: rbac-defaults`), or, for a Role, the input has other Roles
//!   in the binding's namespace;
//! - otherwise it is **info**: the role may come from another manifest (a chart that binds a
//!   ClusterRole installed by an operator), and the finding says so.
//!
//! ## Why is this bad?
//!
//! A binding to a missing role grants nothing today, so it is either a mistake (a typo, or a
//! role renamed or deleted while its binding stayed) that leaves someone without the rights
//! they were meant to have, or a grant waiting to happen: whoever can create a Role in that
//! namespace (or a ClusterRole) decides what the binding's subjects get, and a role created
//! later under that name, for another purpose, silently goes to them too. Stale bindings also
//! hide who was meant to have access, which is what RBAC reviews need to see.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: RoleBinding
//! metadata:
//!   name: read-pods
//!   namespace: shop
//! subjects:
//!   - kind: Group
//!     name: developers
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: Role
//!   name: pod-reder
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: Role
//!   name: pod-reader
//! ```
//!
//! and delete bindings whose role is gone.
//!
//! ## References
//!
//! - Kubernetes documentation: reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding
//! - Kubernetes documentation: concepts/security/rbac-good-practices/ ("Periodic review")
//! - MITRE ATT&CK T1098 Account Manipulation

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::builtin::is_reserved_role_name;
use crate::access::rbac::risk::describe_subjects;
use crate::access::rbac::{Binding, Rbac, RoleKind, Scope, Unresolved};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-binding-to-missing-role",
        severity: Severity::Low,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:reference/access-authn-authz/rbac/#rolebinding-and-clusterrolebinding",
            "k8s-docs:concepts/security/rbac-good-practices/",
            "mitre:T1098",
        ],
        summary: "A binding refers to a Role or ClusterRole that does not exist, or cannot exist",
        fix: "Correct `roleRef` to the role that was meant, or delete the binding if its role is gone.",
    },
    check: Check::Inventory(check),
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    let rbac = context.rbac();
    for binding in &rbac.bindings {
        let Err(problem) = binding.role else { continue };
        let path = Pointer::root().key("roleRef");
        let subjects = if binding.subjects.is_empty() {
            "nobody".to_string()
        } else {
            describe_subjects(&binding.subjects)
        };
        match problem {
            Unresolved::Invalid => {
                let why = match (binding.role_ref.kind, binding.role_ref.name) {
                    (_, None) => "roleRef has no name".to_string(),
                    (Some("Role"), Some(name)) => format!(
                        "a ClusterRoleBinding cannot refer to a Role (here {name:?}); the API server rejects it"
                    ),
                    (kind, Some(name)) => format!(
                        "roleRef's kind {:?} (name {name:?}) is neither Role nor ClusterRole",
                        kind.unwrap_or("")
                    ),
                };
                out.report_on(
                    context.inventory,
                    binding.object,
                    &path,
                    format_args!("{why}, so the binding grants {subjects} nothing"),
                );
            }
            Unresolved::Missing => report_missing(context, out, rbac, binding, &path, &subjects),
        }
    }
}

fn report_missing(
    context: &InventoryContext,
    out: &mut Emitter,
    rbac: &Rbac,
    binding: &Binding,
    path: &Pointer,
    subjects: &str,
) {
    let Some(name) = binding.role_ref.name else {
        return;
    };
    let kind = if binding.role_ref.kind == Some("Role") {
        RoleKind::Role
    } else {
        RoleKind::ClusterRole
    };
    if kind == RoleKind::ClusterRole && is_reserved_role_name(name) {
        return;
    }
    let namespace = match binding.scope {
        Scope::Namespace(namespace) => namespace,
        Scope::Cluster => None,
    };
    let neighbours = kind == RoleKind::Role
        && rbac.roles.iter().any(|role| {
            role.kind == RoleKind::Role && role.object.is_some() && role.namespace == namespace
        });
    let confident = rbac.is_cluster_dump || neighbours;
    let role = match (kind, namespace) {
        (RoleKind::Role, Some(namespace)) => format!("Role {namespace}/{name}"),
        (kind, _) => format!("{} {name}", kind.as_str()),
    };
    let message = if confident {
        format!(
            "roleRef names {role}, which is not in the input: the binding grants {subjects} nothing today, and whoever creates a {} of that name decides what they get",
            kind.as_str()
        )
    } else {
        format!(
            "roleRef names {role}, which is not in the input (if another manifest creates it, this is expected): without it the binding grants {subjects} nothing, and whoever creates a {} of that name decides what they get",
            kind.as_str()
        )
    };
    let finding = out.report_on(context.inventory, binding.object, path, message);
    if !confident {
        finding.severity = Severity::Info;
    }
}
