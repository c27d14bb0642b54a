//! ## What it does
//!
//! Finds `cluster-admin`, or a role equivalent to it, bound to a User or a ServiceAccount
//! instead of a Group. A role is admin-equivalent when one of its rules (after aggregation)
//! allows `*` verbs, or all of `get`, `list`, `watch`, `create`, `update`, `patch` and
//! `delete`, on `*` resources in `*` API groups without `resourceNames`. A binding to
//! `cluster-admin` always counts, whether or not the input holds the role, and whatever rules
//! the input's copy lists: the API server restores them at start-up (unless the role is
//! annotated `rbac.authorization.kubernetes.io/autoupdate: "false"`). The finding is on the
//! subject (`/subjects/N`) of the binding.
//!
//! A ClusterRoleBinding makes the subject an administrator of the whole cluster (high); a
//! RoleBinding makes it the administrator of one namespace (medium; high in `kube-system`,
//! whose ServiceAccounts and Secrets are the cluster's). Bindings Kubernetes ships (the label
//! `kubernetes.io/bootstrapping: rbac-defaults`, or a name starting with `system:`,
//! `kubeadm:`, `gce:`, `gke:` or `eks:`) are not reported. A user named `system:serviceaccount:NS:NAME` is a
//! ServiceAccount and is reported as one.
//!
//! ## Why is this bad?
//!
//! Administrative rights belong to a role held through a group, even when the group has one
//! member: membership is managed (and revoked, and audited) in one place, the identity
//! provider, and the grant survives people changing jobs without editing RBAC. A user bound
//! directly keeps the rights until someone remembers that binding; a ServiceAccount bound to
//! cluster-admin puts an all-powerful token in every pod that runs as it, where an end user
//! who finds a remote code execution bug, or an internal attacker with `exec`, picks it up.
//! No single identity should hold every right.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRoleBinding
//! metadata:
//!   name: alice-admin
//! subjects:
//!   - kind: User
//!     name: alice@example.com
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: ClusterRole
//!   name: cluster-admin
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! subjects:
//!   - kind: Group
//!     name: cluster-admins
//!     apiGroup: rbac.authorization.k8s.io
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.1: Ensure that the cluster-admin role is only used where required
//! - NSA/CISA Kubernetes Hardening Guide: Authentication and authorization
//! - Kubernetes documentation: concepts/security/rbac-good-practices/ ("Least privilege")
//! - MITRE ATT&CK T1078 Valid Accounts

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::policy::PolicyRule;
use crate::access::rbac::risk::severity_for;
use crate::access::rbac::{Rbac, RoleId, RoleKind, RuleRef, SubjectKind};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-cluster-admin-to-individual",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::EndUser,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "cis-k8s:5.1.1",
            "nsa-cisa:authentication-authorization",
            "k8s-docs:concepts/security/rbac-good-practices/",
            "mitre:T1078",
        ],
        summary: "`cluster-admin` (or an equivalent role) is bound to a User or ServiceAccount, not a Group",
        fix: "Bind administrative roles to a Group (an admin group even for one admin) managed in the identity provider; give ServiceAccounts roles listing what their workload needs.",
    },
    check: Check::Inventory(check),
};

/// The verbs that, on every resource, amount to everything that matters: reading every Secret
/// and creating pods as any ServiceAccount take over the cluster without `escalate` or `bind`.
const ALL_CRUD: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];

const AUTOUPDATE: &str = "rbac.authorization.kubernetes.io/autoupdate";

/// Why the role is equivalent to cluster-admin: `Some("")` for `cluster-admin` itself, `Some(
/// " (admin-equivalent: ...)")` for a role with a rule granting every verb on everything.
pub(crate) fn admin_equivalence(rbac: &Rbac, role: RoleId) -> Option<String> {
    let definition = &rbac.roles[role];
    // The API server restores cluster-admin's rules at start-up unless told not to, so the
    // name decides, not what the input's copy says.
    if definition.kind == RoleKind::ClusterRole
        && definition.name == "cluster-admin"
        && definition
            .object
            .and_then(|object| object.annotation(AUTOUPDATE))
            != Some("false")
    {
        return Some(String::new());
    }
    let rule = admin_rule(rbac, role)?;
    Some(format!(
        " (admin-equivalent: {} allows every verb on every resource)",
        rbac.describe_rule(rule)
    ))
}

/// Whether one rule grants every right that matters on everything.
pub(crate) fn grants_everything(rule: &PolicyRule) -> bool {
    (rule.verbs.contains(&"*") || ALL_CRUD.iter().all(|verb| rule.verbs.contains(verb)))
        && rule.api_groups.contains(&"*")
        && rule.resources.contains(&"*")
        && rule.resource_names.is_empty()
}

/// The first rule line of the role that grants everything.
fn admin_rule(rbac: &Rbac, role: RoleId) -> Option<RuleRef> {
    rbac.effective_rules_of(role)
        .iter()
        .copied()
        .find(|rule| grants_everything(rbac.rule(*rule)))
}

fn check(context: &InventoryContext, out: &mut Emitter) {
    let rbac = context.rbac();
    let base = out.severity();
    for (id, binding) in rbac.bindings.iter().enumerate() {
        if binding.shipped {
            continue;
        }
        let Ok(role) = binding.role else { continue };
        let Some(equivalent) = admin_equivalence(rbac, role) else {
            continue;
        };
        let reach = if binding.is_cluster_binding() {
            "the whole cluster".to_string()
        } else {
            format!("everything {}", binding.scope.describe())
        };
        for subject in binding.subjects.iter().filter(|s| s.is_individual()) {
            let holder = match (subject.kind, subject.service_account()) {
                (_, Some(_)) => "its token, which every pod running as it carries, controls",
                (SubjectKind::User, None) => "one person's credentials control",
                _ => "that one identity controls",
            };
            let message = format!(
                "{} binds {}{equivalent} directly to {subject} rather than to a group: {holder} {reach}, and the grant is invisible to whoever manages group membership",
                rbac.describe_binding(id),
                rbac.describe_role(role),
            );
            out.report_on(
                context.inventory,
                binding.object,
                &Pointer::root().key("subjects").index(subject.index),
                message,
            )
            .severity = severity_for(base, binding.scope);
        }
    }
}
