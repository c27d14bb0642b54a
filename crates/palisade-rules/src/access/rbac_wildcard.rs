//! ## What it does
//!
//! Finds Role and ClusterRole rules with a wildcard: `*` in `verbs`, in `apiGroups`, or in
//! `resources` (`*`, or `*/subresource`, which matches that subresource of every resource).
//! The finding is at the rule line (`/rules/N`); its message names the bindings of the input
//! that grant the role (directly, or through a ClusterRole that aggregates it), with their
//! file and line, and their subjects. A rule with `*` in both `verbs` and `resources` grants
//! every operation on everything in its groups and is reported at high severity.
//!
//! The roles Kubernetes ships are not reported: a role is taken to be shipped when it carries
//! the label `kubernetes.io/bootstrapping: rbac-defaults` (which the API server puts on every
//! role of its bootstrap policy), when its name starts with `system:` (reserved for Kubernetes
//! components), `kubeadm:` (created by `kubeadm init`), `gce:`, `gke:` or `eks:` (created and
//! reconciled by GKE and EKS), and for the ClusterRoles `cluster-admin`, `admin`, `edit` and
//! `view`, which the API server reconciles at start-up whatever the input says.
//! Whoever binds such a role is still judged, by `rbac-cluster-admin-to-individual` and the
//! risky-permission rules.
//!
//! ## Why is this bad?
//!
//! A wildcard grants more than anyone wrote down: `*` verbs include `escalate`, `bind`,
//! `impersonate` and `delete`; `*` resources include Secrets, `pods/exec`, `nodes/proxy` and
//! every custom resource installed later; `*` API groups include groups that do not exist yet.
//! The role's rights grow with the cluster, without review, which is the opposite of least
//! privilege: an internal attacker, or an end user who takes over a pod whose ServiceAccount
//! holds the role, gets all of it.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: Role
//! metadata:
//!   name: deployer
//!   namespace: shop
//! rules:
//!   - apiGroups: ["*"]
//!     resources: ["*"]
//!     verbs: ["*"]
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! rules:
//!   - apiGroups: ["apps"]
//!     resources: ["deployments"]
//!     verbs: ["get", "list", "watch", "update", "patch"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.3: Minimize wildcard use in Roles and ClusterRoles
//! - NSA/CISA Kubernetes Hardening Guide: Authentication and authorization (least privilege)
//! - Kubernetes documentation: concepts/security/rbac-good-practices/ ("Least privilege")
//! - MITRE ATT&CK T1078 Valid Accounts

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{describe_subjects, listing};
use crate::access::rbac::{Rbac, RoleId, RuleRef};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-wildcard",
        severity: Severity::Medium,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker, ThreatActor::EndUser],
        references: &[
            "cis-k8s:5.1.3",
            "nsa-cisa:authentication-authorization",
            "k8s-docs:concepts/security/rbac-good-practices/",
            "mitre:T1078",
        ],
        summary: "A Role or ClusterRole rule uses `*` in verbs, resources or API groups",
        fix: "List the verbs, API groups and resources the role needs; a controller that truly needs every right gets a role reviewed as such, bound to its ServiceAccount only.",
    },
    check: Check::Inventory(check),
};

fn is_wildcard_resource(resource: &str) -> bool {
    resource == "*" || resource.starts_with("*/")
}

fn check(context: &InventoryContext, out: &mut Emitter) {
    let rbac = context.rbac();
    for (id, role) in rbac.roles.iter().enumerate() {
        let Some(object) = role.object else { continue };
        if role.shipped {
            continue;
        }
        let mut granted_by = None;
        for (index, rule) in role.rules.iter().enumerate() {
            if rule.verbs.is_empty() {
                continue;
            }
            let verbs = rule.verbs.contains(&"*");
            let groups = rule.api_groups.contains(&"*");
            let resources = rule.resources.iter().any(|r| is_wildcard_resource(r));
            if !(verbs || groups || resources) {
                continue;
            }
            let mut fields = Vec::new();
            for (wild, field) in [
                (verbs, "verbs"),
                (groups, "apiGroups"),
                (resources, "resources"),
            ] {
                if wild {
                    fields.push(field.to_string());
                }
            }
            let meaning = match (verbs, resources) {
                (true, true) if rule.resource_names.is_empty() => {
                    "every operation on every resource of its API groups, including those installed later"
                }
                (true, _) => {
                    "every verb, escalate, bind, impersonate and delete included, on its resources"
                }
                (false, true) => {
                    "its verbs on every resource of its API groups, Secrets and subresources such as pods/exec included"
                }
                (false, false) => {
                    "its verbs on these resources in every API group, present and future"
                }
            };
            let grants = granted_by
                .get_or_insert_with(|| describe_grants(rbac, role.shadowed_by.unwrap_or(id)));
            let rule_ref = RuleRef { role: id, index };
            let message = format!(
                "{} has `*` in {}: it allows {meaning}; {grants}",
                rbac.describe_rule(rule_ref),
                listing(&fields)
            );
            let finding = out.report_on(
                context.inventory,
                object,
                &Pointer::root().key("rules").index(index),
                message,
            );
            if verbs && resources && rule.resource_names.is_empty() {
                finding.severity = Severity::High;
            }
        }
    }
}

/// `granted by ClusterRoleBinding ops (rbac.yaml:3) to Group ops`, or that nothing grants it.
fn describe_grants(rbac: &Rbac, role: RoleId) -> String {
    const SHOWN: usize = 3;
    let binders = rbac.bindings_granting(role);
    if binders.is_empty() {
        return "no binding in the input grants it yet".to_string();
    }
    let mut parts: Vec<String> = binders
        .iter()
        .take(SHOWN)
        .map(|&id| {
            let binding = &rbac.bindings[id];
            let subjects = if binding.subjects.is_empty() {
                "no subject".to_string()
            } else {
                describe_subjects(&binding.subjects)
            };
            format!("{} to {subjects}", rbac.describe_binding(id))
        })
        .collect();
    if binders.len() > SHOWN {
        parts.push(format!("{} more bindings", binders.len() - SHOWN));
    }
    format!("granted by {}", listing(&parts))
}
