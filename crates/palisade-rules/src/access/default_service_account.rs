//! ## What it does
//!
//! Finds uses of a namespace's `default` ServiceAccount, the identity every pod gets when it
//! names none:
//!
//! - a workload that runs as it: `serviceAccountName` (and the deprecated `serviceAccount`)
//!   absent, empty or `default`. The finding is raised to medium when a RoleBinding or
//!   ClusterRoleBinding of the input grants that `default` ServiceAccount rights;
//! - a RoleBinding or ClusterRoleBinding that grants rights to a `default` ServiceAccount
//!   (medium);
//! - a `default` ServiceAccount in the input that does not set
//!   `automountServiceAccountToken: false` (CIS 5.1.5 asks every `default` ServiceAccount to).
//!
//! Workloads are reported whether or not their token is mounted (the identity is still shared,
//! and a pod can still mount a projected token of it); whether the token is mounted is the
//! question of `automounted-service-account-token`.
//!
//! ## Why is this bad?
//!
//! The `default` ServiceAccount is shared by every pod of the namespace that does not choose
//! its own, including pods created later by anyone allowed to create pods there. Rights granted
//! to it for one application go to all of them: an end user who compromises any of those pods,
//! or an internal attacker who may only create pods, inherits them through the mounted token.
//! A shared identity also makes audit logs useless for telling workloads apart and makes it
//! impossible to grant least privilege per workload.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//!   namespace: shop
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: web
//!           image: nginx:1.27
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: v1
//! kind: ServiceAccount
//! metadata:
//!   name: web
//!   namespace: shop
//! automountServiceAccountToken: false
//! ---
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//!   namespace: shop
//! spec:
//!   template:
//!     spec:
//!       serviceAccountName: web
//!       containers:
//!         - name: web
//!           image: nginx:1.27
//! ```
//!
//! and give the `default` ServiceAccount `automountServiceAccountToken: false` and no bindings.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.5: Ensure that default service accounts are not actively used
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Protecting Pod service account tokens"
//! - Microsoft Threat Matrix MS-TA9016 Container service account
//! - Kubernetes documentation: concepts/security/service-accounts/ ("Default service accounts")

use palisade_model::{Layer, Node, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::access::service_accounts::{
    AUTOMOUNT, DEFAULT_ACCOUNT, account_subjects, describe, field, pod_account,
};
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "default-service-account",
        severity: Severity::Low,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.1.5",
            "nsa-cisa:pod-security",
            "ms-threat:MS-TA9016",
            "k8s-docs:concepts/security/service-accounts/",
        ],
        summary: "Workload runs as, or RBAC grants rights to, a namespace's shared `default` ServiceAccount",
        fix: "Give each workload its own ServiceAccount (`serviceAccountName`), bind rights only to it, and set `automountServiceAccountToken: false` on the `default` ServiceAccount.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if let Some(pod) = &context.pod {
        let account = pod_account(pod);
        if !account.is_default() {
            return;
        }
        let how = if account.named {
            "names the ServiceAccount \"default\""
        } else {
            "names no ServiceAccount"
        };
        let path = account
            .written_at
            .unwrap_or_else(|| pod.spec_path.key("serviceAccountName"));
        let namespace = object.namespace.as_deref();
        match context
            .accounts
            .first_binding_of(context.inventory, DEFAULT_ACCOUNT, namespace)
        {
            Some(binding) => {
                out.report(
                    &path,
                    format_args!(
                        "the pod {how}, so it runs as the namespace's shared \"default\" ServiceAccount, to which {} grants rights: every pod of the namespace that names no ServiceAccount holds them",
                        describe(binding)
                    ),
                )
                .severity = Severity::Medium;
            }
            None => {
                out.report(
                    &path,
                    format_args!(
                        "the pod {how}, so it runs as the namespace's shared \"default\" ServiceAccount, an identity (and any rights later granted to it) shared with every pod of the namespace that names none"
                    ),
                );
            }
        }
        return;
    }
    if object.kind == "ServiceAccount" && object.group().is_empty() {
        check_service_account(object, out);
    } else {
        check_binding(object, out);
    }
}

fn check_service_account(account: &Object, out: &mut Emitter) {
    if account.name != DEFAULT_ACCOUNT {
        return;
    }
    let setting = field(&account.root, AUTOMOUNT);
    if setting.and_then(Node::as_bool) == Some(false) {
        return;
    }
    let written = match setting.and_then(Node::as_bool) {
        Some(true) => "sets automountServiceAccountToken: true",
        _ => "does not set automountServiceAccountToken: false",
    };
    out.report(
        &Pointer::root().key(AUTOMOUNT),
        format_args!(
            "the namespace's \"default\" ServiceAccount {written}, so its token is mounted into every pod of the namespace that names no ServiceAccount and does not opt out"
        ),
    );
}

fn check_binding(binding: &Object, out: &mut Emitter) {
    let role = binding
        .root
        .get("roleRef")
        .map(|role_ref| {
            let text = |key: &str| role_ref.get(key).and_then(Node::as_str).unwrap_or("");
            format!("{} {:?}", text("kind"), text("name"))
        })
        .unwrap_or_else(|| "its role".to_string());
    for subject in account_subjects(binding).filter(|s| s.name == DEFAULT_ACCOUNT) {
        let whose = match subject.namespace {
            Some(namespace) => format!("of namespace {namespace:?}"),
            None => "of its namespace".to_string(),
        };
        out.report(
            &Pointer::root().key("subjects").index(subject.index),
            format_args!(
                "{} grants {role} to the \"default\" ServiceAccount {whose}: every pod there that names no ServiceAccount holds those rights",
                describe(binding)
            ),
        )
        .severity = Severity::Medium;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn reported(yaml: &str) -> Vec<(String, Severity)> {
        findings(&RULE, yaml)
            .into_iter()
            .map(|f| (f.path.to_string(), f.severity))
            .collect()
    }

    fn pod(spec: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: shop}}\nspec: {spec}\n---\n"
        )
    }

    #[test]
    fn workloads_on_the_default_account() {
        let low = |path: &str| vec![(path.to_string(), Severity::Low)];
        assert_eq!(
            reported(&pod("{containers: []}")),
            low("/spec/serviceAccountName")
        );
        assert_eq!(
            reported(&pod("{serviceAccountName: ''}")),
            low("/spec/serviceAccountName")
        );
        assert_eq!(
            reported(&pod("{serviceAccountName: default}")),
            low("/spec/serviceAccountName")
        );
        assert_eq!(
            reported(&pod("{serviceAccount: default}")),
            low("/spec/serviceAccount")
        );
        assert!(reported(&pod("{serviceAccountName: web}")).is_empty());
        assert!(reported(&pod("{serviceAccount: web}")).is_empty());
        assert!(reported(&pod("{serviceAccountName: default-web}")).is_empty());
        assert!(reported(&pod("{serviceAccountName: Default}")).is_empty());
    }

    #[test]
    fn a_bound_default_account_raises_the_workload_finding() {
        let binding = |namespace: &str| {
            format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: b, namespace: {namespace}}}\nsubjects: [{{kind: ServiceAccount, name: default}}]\nroleRef: {{kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}}\n---\n"
            )
        };
        let workload = pod("{containers: []}");
        assert_eq!(
            reported(&format!("{}{workload}", binding("shop"))),
            vec![
                ("/subjects/0".to_string(), Severity::Medium),
                ("/spec/serviceAccountName".to_string(), Severity::Medium),
            ]
        );
        assert_eq!(
            reported(&format!("{}{workload}", binding("other"))),
            vec![
                ("/subjects/0".to_string(), Severity::Medium),
                ("/spec/serviceAccountName".to_string(), Severity::Low),
            ]
        );
    }

    #[test]
    fn bindings_to_default_accounts() {
        let yaml = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everyone}
subjects:
  - {kind: ServiceAccount, name: web, namespace: shop}
  - {kind: ServiceAccount, name: default, namespace: shop}
  - {kind: User, name: default}
  - {kind: Group, name: 'system:serviceaccounts'}
roleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: example.com/v1
kind: RoleBinding
metadata: {name: not-rbac, namespace: shop}
subjects: [{kind: ServiceAccount, name: default}]
";
        let found = findings(&RULE, yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(&*found[0].path, "/subjects/1");
        assert_eq!(
            &*found[0].message,
            "ClusterRoleBinding \"everyone\" grants ClusterRole \"cluster-admin\" to the \"default\" ServiceAccount of namespace \"shop\": every pod there that names no ServiceAccount holds those rights"
        );
    }

    #[test]
    fn default_service_accounts_must_opt_out_of_automounting() {
        let account = |name: &str, extra: &str| {
            format!(
                "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {name}, namespace: shop}}\n{extra}\n"
            )
        };
        let here = vec![("/automountServiceAccountToken".to_string(), Severity::Low)];
        assert_eq!(reported(&account("default", "")), here);
        assert_eq!(
            reported(&account("default", "automountServiceAccountToken: true")),
            here
        );
        assert_eq!(
            reported(&account("default", "automountServiceAccountToken: 'false'")),
            here
        );
        assert!(reported(&account("default", "automountServiceAccountToken: false")).is_empty());
        assert!(reported(&account("web", "")).is_empty());
    }
}
