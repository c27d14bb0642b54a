//! ## What it does
//!
//! Finds RoleBindings and ClusterRoleBindings whose subjects include "everyone": the user
//! `system:anonymous` or the group `system:unauthenticated` (anyone who can reach the API
//! server, without credentials), the group `system:authenticated` (every user and every
//! ServiceAccount token of the cluster), `system:serviceaccounts` (every ServiceAccount, so
//! every pod) or `system:serviceaccounts:NS` (every ServiceAccount of a namespace, its
//! `default` one included). The finding is on the subject (`/subjects/N`).
//!
//! Grants that give only discovery are not reported: the `get` of the API server's
//! discovery, health, version and OpenID endpoints (the `system:discovery`,
//! `system:public-info-viewer` and `system:service-account-issuer-discovery` roles), the
//! self-review APIs (`system:basic-user`: `create` on `selfsubjectaccessreviews`,
//! `selfsubjectrulesreviews`, `selfsubjectreviews`), and kubeadm's `get` of the `cluster-info`
//! ConfigMap in `kube-public`. This applies to shipped bindings too: Kubernetes' own
//! bindings of those roles pass, the same bindings to a role with more rights do not.
//!
//! Severity: high for anonymous access, critical when the role also grants a risky right
//! (reading Secrets, creating workloads, exec, escalate or bind, impersonation, `nodes/proxy`,
//! minting tokens, approving CSRs, changing admission webhooks or `kube-system` ConfigMaps);
//! for all authenticated users or all ServiceAccounts, medium, high with a risky right; for
//! the ServiceAccounts of one namespace, low, medium with a risky right. A grant that only
//! reads named objects other than Secrets (`get` of one ConfigMap of public settings, as
//! Tekton and Kubeflow publish them) is one level lower.
//!
//! ## Why is this bad?
//!
//! These groups are not a list of people: `system:unauthenticated` is the internet, if the API
//! server is reachable from it (with anonymous authentication on, the default), and
//! `system:authenticated` is every identity the cluster knows, including every pod's
//! ServiceAccount token and, on some managed clusters, any account of the cloud provider. A
//! right given to them is given to an end user who compromises any pod, and to any internal
//! attacker, with no audit trail pointing to a person.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRoleBinding
//! metadata:
//!   name: read-everything
//! subjects:
//!   - kind: Group
//!     name: system:authenticated
//!     apiGroup: rbac.authorization.k8s.io
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: ClusterRole
//!   name: view
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! subjects:
//!   - kind: Group
//!     name: platform-readers
//!     apiGroup: rbac.authorization.k8s.io
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.2 and 5.1.4 (checked as `system:authenticated`); 1.2.1 (anonymous authentication)
//! - NSA/CISA Kubernetes Hardening Guide: Authentication and authorization ("anonymous requests")
//! - Kubernetes documentation: concepts/security/rbac-good-practices/ ("Hardening")
//! - Kubernetes documentation: reference/access-authn-authz/authentication/#anonymous-requests
//! - MITRE ATT&CK T1078.001 Valid Accounts: Default Accounts

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::policy::PolicyRule;
use crate::access::rbac::risk::{RiskSpec, grants, listing, lower};
use crate::access::rbac::subject::Everyone;
use crate::access::rbac::{Rbac, RoleId, RoleKind, Scope};
use crate::access::{
    rbac_csr_approval, rbac_escalate_or_bind, rbac_impersonation, rbac_kube_system_configmap_write,
    rbac_node_proxy, rbac_pod_exec, rbac_secret_read, rbac_token_creation,
    rbac_webhook_configuration, rbac_workload_creation,
};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-binding-to-everyone",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.1.2",
            "cis-k8s:5.1.4",
            "nsa-cisa:authentication-authorization",
            "k8s-docs:concepts/security/rbac-good-practices/",
            "k8s-docs:reference/access-authn-authz/authentication/#anonymous-requests",
            "mitre:T1078.001",
        ],
        summary: "A binding gives rights to system:anonymous, system:unauthenticated, system:authenticated or all ServiceAccounts",
        fix: "Bind roles to named groups or ServiceAccounts; leave \"everyone\" groups with Kubernetes' discovery roles only, and turn anonymous authentication off where nothing needs it.",
    },
    check: Check::Inventory(check),
};

/// The rights that make a grant to everyone dangerous.
fn risky_specs() -> [&'static RiskSpec; 10] {
    [
        &rbac_secret_read::SPEC,
        &rbac_workload_creation::SPEC,
        &rbac_pod_exec::SPEC,
        &rbac_escalate_or_bind::SPEC,
        &rbac_impersonation::SPEC,
        &rbac_node_proxy::SPEC,
        &rbac_token_creation::SPEC,
        &rbac_csr_approval::SPEC,
        &rbac_webhook_configuration::SPEC,
        &rbac_kube_system_configmap_write::SPEC,
    ]
}

const DISCOVERY_URLS: &[&str] = &[
    "/api",
    "/api/*",
    "/apis",
    "/apis/*",
    "/healthz",
    "/livez",
    "/readyz",
    "/version",
    "/version/",
    "/openapi",
    "/openapi/*",
    "/.well-known/openid-configuration",
    "/.well-known/openid-configuration/",
    "/openid/v1/jwks",
    "/openid/v1/jwks/",
];

const SELF_REVIEWS: &[&str] = &[
    "selfsubjectaccessreviews",
    "selfsubjectrulesreviews",
    "selfsubjectreviews",
];

/// Whether a rule, granted with `scope` by a role of `kind`, gives only discovery.
fn is_discovery_only(rule: &PolicyRule, scope: Scope, kind: RoleKind) -> bool {
    if rule.verbs.is_empty() {
        return true;
    }
    let cluster = scope == Scope::Cluster && kind == RoleKind::ClusterRole;
    let urls_harmless = !cluster
        || rule.non_resource_urls.is_empty()
        || (rule.verbs.iter().all(|v| *v == "get" || *v == "head")
            && rule
                .non_resource_urls
                .iter()
                .all(|url| DISCOVERY_URLS.contains(url)));
    let resources_harmless = rule.resources.is_empty()
        || (rule.verbs == ["create"]
            && rule
                .api_groups
                .iter()
                .all(|g| *g == "authorization.k8s.io" || *g == "authentication.k8s.io")
            && rule.resources.iter().all(|r| SELF_REVIEWS.contains(r)))
        || (rule.verbs == ["get"]
            && rule.api_groups == [""]
            && rule.resources == ["configmaps"]
            && rule.resource_names == ["cluster-info"]
            && scope == Scope::Namespace(Some("kube-public")));
    urls_harmless && resources_harmless
}

fn discovery_only(rbac: &Rbac, role: RoleId, scope: Scope) -> bool {
    rbac.effective_rules_of(role)
        .iter()
        .all(|rule| is_discovery_only(rbac.rule(*rule), scope, rbac.roles[rule.role].kind))
}

/// Whether every right beyond discovery is a read of named objects other than Secrets (a
/// ConfigMap of public settings, say): published on purpose, and one level less severe.
fn named_reads_only(rbac: &Rbac, role: RoleId, scope: Scope) -> bool {
    rbac.effective_rules_of(role).iter().all(|rule| {
        let kind = rbac.roles[rule.role].kind;
        let rule = rbac.rule(*rule);
        is_discovery_only(rule, scope, kind)
            || (rule.non_resource_urls.is_empty()
                && !rule.resource_names.is_empty()
                && rule
                    .verbs
                    .iter()
                    .all(|v| matches!(*v, "get" | "list" | "watch"))
                && rule.resources.iter().all(|r| *r != "secrets" && *r != "*"))
    })
}

fn check(context: &InventoryContext, out: &mut Emitter) {
    let rbac = context.rbac();
    let base = out.severity();
    for (id, binding) in rbac.bindings.iter().enumerate() {
        let Ok(role) = binding.role else { continue };
        let everyone: Vec<_> = binding
            .subjects
            .iter()
            .filter_map(|subject| Some((subject, subject.everyone()?)))
            .collect();
        if everyone.is_empty() || discovery_only(rbac, role, binding.scope) {
            continue;
        }
        let risky: Vec<&str> = risky_specs()
            .iter()
            .zip(RISK_NAMES)
            .filter(|(spec, _)| grants(rbac, role, binding.scope, spec))
            .map(|(_, name)| name)
            .collect();
        let rights = summarize(rbac, role);
        let published = named_reads_only(rbac, role, binding.scope);
        for (subject, who) in everyone {
            let (whom, severity) = match who {
                Everyone::Anonymous | Everyone::Unauthenticated => (
                    "anyone who can reach the API server, without credentials",
                    base,
                ),
                Everyone::Authenticated => (
                    "every user and every ServiceAccount token of the cluster",
                    lower(base),
                ),
                Everyone::AllServiceAccounts => (
                    "every ServiceAccount of the cluster, so every pod",
                    lower(base),
                ),
                Everyone::NamespaceServiceAccounts => (
                    "every ServiceAccount of that namespace, its default one included, so every pod there",
                    lower(lower(base)),
                ),
            };
            let mut message = format!(
                "{} gives {} {} to {subject}, that is {whom}: {rights}",
                rbac.describe_binding(id),
                rbac.describe_role(role),
                binding.scope.describe(),
            );
            let severity = if published {
                message.push_str(" (reads of named objects only, as published settings are)");
                lower(severity)
            } else if risky.is_empty() {
                severity
            } else {
                message.push_str(&format!(
                    "; among them the rights to {}",
                    listing(&risky.iter().map(|r| r.to_string()).collect::<Vec<_>>())
                ));
                raise(severity)
            };
            out.report_on(
                context.inventory,
                binding.object,
                &Pointer::root().key("subjects").index(subject.index),
                message,
            )
            .severity = severity;
        }
    }
}

const RISK_NAMES: [&str; 10] = [
    "read Secrets",
    "create workloads",
    "exec into pods",
    "escalate or bind roles",
    "impersonate",
    "use nodes/proxy",
    "mint tokens",
    "approve CSRs",
    "change admission webhooks",
    "write kube-system ConfigMaps",
];

fn raise(severity: Severity) -> Severity {
    match severity {
        Severity::Info => Severity::Low,
        Severity::Low => Severity::Medium,
        Severity::Medium => Severity::High,
        Severity::High | Severity::Critical => Severity::Critical,
    }
}

/// `it allows verbs=get,list apiGroups="" resources=pods; ...` for up to two rules, each with
/// at most a few resources.
fn summarize(rbac: &Rbac, role: RoleId) -> String {
    const SHOWN: usize = 2;
    const RESOURCES: usize = 4;
    let rules = rbac.effective_rules_of(role);
    let mut parts: Vec<String> = rules
        .iter()
        .filter(|rule| !rbac.rule(**rule).verbs.is_empty())
        .take(SHOWN)
        .map(|rule| {
            let mut rule = rbac.rule(*rule).clone();
            let more = rule.resources.len().saturating_sub(RESOURCES);
            rule.resources.truncate(RESOURCES);
            let mut text = rule.summary();
            if more > 0 {
                text.push_str(&format!(" and {more} more"));
            }
            text
        })
        .collect();
    if rules.len() > SHOWN {
        parts.push(format!("{} more rules", rules.len() - SHOWN));
    }
    if parts.is_empty() {
        "no rules".to_string()
    } else {
        format!("it allows {}", parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn binding(subject: &str, role_kind: &str, role: &str) -> String {
        format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: b}}\nsubjects: [{subject}]\nroleRef: {{kind: {role_kind}, name: '{role}', apiGroup: rbac.authorization.k8s.io}}\n---\n"
        )
    }

    #[test]
    fn discovery_roles_pass_and_others_fail() {
        for role in [
            "system:discovery",
            "system:basic-user",
            "system:public-info-viewer",
        ] {
            let yaml = binding(
                "{kind: Group, name: 'system:unauthenticated'}",
                "ClusterRole",
                role,
            );
            assert!(findings(&RULE, &yaml).is_empty(), "{role}");
        }
        let view = findings(
            &RULE,
            &binding(
                "{kind: Group, name: 'system:authenticated'}",
                "ClusterRole",
                "view",
            ),
        );
        assert_eq!(view.len(), 1);
        assert_eq!(view[0].severity, Severity::Medium);
        let edit = findings(
            &RULE,
            &binding(
                "{kind: User, name: 'system:anonymous'}",
                "ClusterRole",
                "edit",
            ),
        );
        assert_eq!(edit[0].severity, Severity::Critical);
        assert!(
            edit[0].message.contains("read Secrets"),
            "{}",
            edit[0].message
        );
    }

    #[test]
    fn a_discovery_role_with_more_rights_is_judged() {
        let yaml = format!(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: 'system:discovery'}}\nrules:\n  - {{nonResourceURLs: ['*'], verbs: [get]}}\n---\n{}",
            binding(
                "{kind: Group, name: 'system:authenticated'}",
                "ClusterRole",
                "system:discovery"
            )
        );
        assert_eq!(findings(&RULE, &yaml).len(), 1);
    }
}
