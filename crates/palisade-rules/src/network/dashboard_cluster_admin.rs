//! ## What it does
//!
//! Finds bindings that give the Kubernetes Dashboard's ServiceAccount the `cluster-admin`
//! ClusterRole. The dashboard's workloads are found in the input (any workload kind whose pod
//! runs a dashboard image, see `insecure-dashboard`), with their namespace and
//! `serviceAccountName` (`default` for either when unset). A ClusterRoleBinding or RoleBinding
//! whose `roleRef` is the ClusterRole `cluster-admin` is reported at each subject that names
//! that ServiceAccount: the ServiceAccount itself (in a RoleBinding, a subject without a
//! namespace means the binding's namespace), the user `system:serviceaccount:<ns>:<name>`, or
//! the groups that contain it (`system:serviceaccounts`, `system:serviceaccounts:<ns>`,
//! `system:authenticated`).
//!
//! A ClusterRoleBinding makes the dashboard administrator of the whole cluster (critical). A
//! RoleBinding limits `cluster-admin` to the binding's namespace, which is still every object and
//! Secret there (reported as high).
//!
//! ## Why is this bad?
//!
//! Tutorials often bind the dashboard's ServiceAccount to `cluster-admin` so that "everything
//! works". Every way into the dashboard then ends as cluster administrator: a skipped login
//! (`--enable-skip-login` makes the dashboard act as its ServiceAccount), an exposed Service, a
//! stolen session, a vulnerability of the dashboard, or an internal attacker who reads the
//! ServiceAccount token from the dashboard's pod. Tesla's cluster in 2018 is the classic case: its
//! dashboard needed no password, so whatever the dashboard could reach (a pod holding cloud
//! credentials, the right to start containers) the attackers could use, and they mined
//! cryptocurrency on it. The wider the dashboard's rights, the bigger that prize.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRoleBinding
//! metadata:
//!   name: kubernetes-dashboard
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: ClusterRole
//!   name: cluster-admin
//! subjects:
//!   - kind: ServiceAccount
//!     name: kubernetes-dashboard
//!     namespace: kubernetes-dashboard
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: ClusterRole
//!   name: kubernetes-dashboard   # only the metrics the dashboard itself needs
//! ```
//!
//! and let each person log in with their own token, whose RBAC rights the dashboard uses.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.1: Ensure that the cluster-admin role is only used where required
//! - Kubernetes documentation: reference/access-authn-authz/rbac/#user-facing-roles
//! - Microsoft Threat Matrix for Kubernetes MS-TA9005 Exposed sensitive interfaces
//! - MITRE ATT&CK T1078 Valid Accounts; T1496 Resource Hijacking

use palisade_model::{Layer, Node, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::common::listing;
use crate::network::dashboard::{dashboard_containers, runs_dashboard, service_account_of};
use crate::pod::PodView;
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "dashboard-cluster-admin",
        severity: Severity::Critical,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.1.1",
            "k8s-docs:reference/access-authn-authz/rbac/#user-facing-roles",
            "ms-threat:MS-TA9005",
            "mitre:T1078",
            "mitre:T1496",
        ],
        summary: "Kubernetes Dashboard's ServiceAccount is bound to cluster-admin",
        fix: "Bind the dashboard's ServiceAccount only to the minimal role its manifests ship (kubernetes-dashboard), and have users log in with their own tokens.",
    },
    check: Check::Inventory(check),
};

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// A workload that runs the dashboard, and the ServiceAccount it runs as.
struct Dashboard<'a> {
    workload: &'a Object,
    namespace: &'a str,
    service_account: &'a str,
}

fn check(context: &InventoryContext, out: &mut Emitter) {
    let dashboards = dashboards(context);
    if dashboards.is_empty() {
        return;
    }
    let inventory = context.inventory;
    let bindings = inventory
        .of_kind("ClusterRoleBinding")
        .chain(inventory.of_kind("RoleBinding"))
        .filter(|binding| binding.group() == RBAC_GROUP && binds_cluster_admin(binding));
    for binding in bindings {
        let scope = (binding.kind == "RoleBinding")
            .then(|| binding.namespace.as_deref().unwrap_or("default"));
        let subjects_path = Pointer::root().key("subjects");
        let subjects = binding.root.get("subjects").map(Node::items).unwrap_or(&[]);
        for (index, subject) in subjects.iter().enumerate() {
            let matched: Vec<&Dashboard> = dashboards
                .iter()
                .filter(|dashboard| names_service_account(subject, dashboard, scope))
                .collect();
            let Some(first) = matched.first() else {
                continue;
            };
            let workloads: Vec<String> = matched
                .iter()
                .map(|dashboard| dashboard.workload.reference().to_string())
                .collect();
            let account = format!(
                "ServiceAccount {}/{}",
                first.namespace, first.service_account
            );
            let through = match subject_kind(subject) {
                Some("ServiceAccount") => account,
                _ => format!(
                    "{} {:?}, which includes {account}",
                    subject_kind(subject).unwrap_or("subject"),
                    subject_name(subject).unwrap_or("")
                ),
            };
            let message = match scope {
                None => format!(
                    "ClusterRoleBinding gives cluster-admin to {through}, as which {} runs the Kubernetes Dashboard: whoever gets into the dashboard (a skipped login, a stolen session, a dashboard bug, its pod's token) controls the whole cluster",
                    listing(&workloads)
                ),
                Some(namespace) => format!(
                    "RoleBinding gives cluster-admin over namespace {namespace} to {through}, as which {} runs the Kubernetes Dashboard: whoever gets into the dashboard controls every object and Secret of that namespace",
                    listing(&workloads)
                ),
            };
            let finding = out.report_on(inventory, binding, &subjects_path.index(index), message);
            if scope.is_some() {
                finding.severity = Severity::High;
            }
        }
    }
}

/// Every workload of the input that runs the dashboard.
fn dashboards<'a>(context: &InventoryContext<'a>) -> Vec<Dashboard<'a>> {
    context
        .inventory
        .objects()
        .iter()
        .filter_map(|object| {
            // Most workloads run no dashboard: their images are looked at before their views
            // are built.
            if !runs_dashboard(PodView::spec_of(object, context.config)?) {
                return None;
            }
            let pod = context.pod_of(object)?;
            dashboard_containers(&pod).next()?;
            let (namespace, service_account) = service_account_of(object, &pod);
            Some(Dashboard {
                workload: object,
                namespace,
                service_account,
            })
        })
        .collect()
}

/// `roleRef` names the ClusterRole `cluster-admin`.
fn binds_cluster_admin(binding: &Object) -> bool {
    let Some(role) = binding.root.get("roleRef") else {
        return false;
    };
    let text = |key| role.get(key).and_then(Node::as_str);
    text("kind") == Some("ClusterRole")
        && text("name") == Some("cluster-admin")
        && text("apiGroup").is_none_or(|group| group == RBAC_GROUP)
}

fn subject_kind(subject: &Node) -> Option<&str> {
    subject.get("kind").and_then(Node::as_str)
}

fn subject_name(subject: &Node) -> Option<&str> {
    subject.get("name").and_then(Node::as_str)
}

/// Whether a binding subject covers the dashboard's ServiceAccount, as the RBAC authorizer
/// matches subjects. `binding_namespace` is the namespace of a RoleBinding, which a
/// ServiceAccount subject without a namespace belongs to.
fn names_service_account(
    subject: &Node,
    dashboard: &Dashboard,
    binding_namespace: Option<&str>,
) -> bool {
    let Some(name) = subject_name(subject) else {
        return false;
    };
    match subject_kind(subject) {
        Some("ServiceAccount") => {
            let namespace = subject
                .get("namespace")
                .and_then(Node::as_str)
                .filter(|namespace| !namespace.is_empty())
                .or(binding_namespace);
            name == dashboard.service_account && namespace == Some(dashboard.namespace)
        }
        Some("User") => {
            name.strip_prefix("system:serviceaccount:")
                .and_then(|rest| rest.split_once(':'))
                == Some((dashboard.namespace, dashboard.service_account))
        }
        Some("Group") => {
            name == "system:serviceaccounts"
                || name == "system:authenticated"
                || name.strip_prefix("system:serviceaccounts:") == Some(dashboard.namespace)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    const DASHBOARD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kubernetes-dashboard\n  namespace: kubernetes-dashboard\nspec:\n  template:\n    spec:\n      serviceAccountName: kubernetes-dashboard\n      containers:\n        - name: kubernetes-dashboard\n          image: kubernetesui/dashboard:v2.7.0\n";

    fn binding(kind: &str, namespace: Option<&str>, role: &str, subject: &str) -> String {
        let namespace = namespace
            .map(|ns| format!("  namespace: {ns}\n"))
            .unwrap_or_default();
        format!(
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata:\n  name: b\n{namespace}roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {role}\nsubjects:\n  - {subject}\n"
        )
    }

    fn verdict(extra: &str) -> Vec<(Severity, String)> {
        findings(&RULE, &format!("{DASHBOARD}{extra}"))
            .into_iter()
            .map(|f| (f.severity, f.path.to_string()))
            .collect()
    }

    #[test]
    fn subjects_that_reach_the_service_account() {
        for subject in [
            "{kind: ServiceAccount, name: kubernetes-dashboard, namespace: kubernetes-dashboard}",
            "{kind: User, apiGroup: rbac.authorization.k8s.io, name: \"system:serviceaccount:kubernetes-dashboard:kubernetes-dashboard\"}",
            "{kind: Group, apiGroup: rbac.authorization.k8s.io, name: \"system:serviceaccounts\"}",
            "{kind: Group, apiGroup: rbac.authorization.k8s.io, name: \"system:serviceaccounts:kubernetes-dashboard\"}",
            "{kind: Group, apiGroup: rbac.authorization.k8s.io, name: \"system:authenticated\"}",
        ] {
            assert_eq!(
                verdict(&binding(
                    "ClusterRoleBinding",
                    None,
                    "cluster-admin",
                    subject
                )),
                [(Severity::Critical, "/subjects/0".to_string())],
                "{subject}"
            );
        }
        for subject in [
            "{kind: ServiceAccount, name: kubernetes-dashboard, namespace: default}",
            "{kind: ServiceAccount, name: kubernetes-dashboard}",
            "{kind: ServiceAccount, name: default, namespace: kubernetes-dashboard}",
            "{kind: User, name: \"system:serviceaccount:kubernetes-dashboard:other\"}",
            "{kind: Group, name: \"system:serviceaccounts:default\"}",
            "{kind: Group, name: \"system:masters\"}",
            "{kind: ServiceAccount, name: null, namespace: kubernetes-dashboard}",
            "null",
        ] {
            assert!(
                verdict(&binding(
                    "ClusterRoleBinding",
                    None,
                    "cluster-admin",
                    subject
                ))
                .is_empty(),
                "{subject}"
            );
        }
    }

    #[test]
    fn role_bindings_and_other_roles() {
        // A RoleBinding's subject without a namespace is in the binding's namespace.
        assert_eq!(
            verdict(&binding(
                "RoleBinding",
                Some("kubernetes-dashboard"),
                "cluster-admin",
                "{kind: ServiceAccount, name: kubernetes-dashboard}"
            )),
            [(Severity::High, "/subjects/0".to_string())]
        );
        assert!(
            verdict(&binding(
                "ClusterRoleBinding",
                None,
                "kubernetes-dashboard",
                "{kind: ServiceAccount, name: kubernetes-dashboard, namespace: kubernetes-dashboard}"
            ))
            .is_empty()
        );
        // Without a dashboard in the input there is nothing to say.
        let alone = binding(
            "ClusterRoleBinding",
            None,
            "cluster-admin",
            "{kind: ServiceAccount, name: kubernetes-dashboard, namespace: kubernetes-dashboard}",
        );
        assert!(findings(&RULE, &alone).is_empty());
    }

    #[test]
    fn odd_bindings_do_not_panic() {
        for tail in [
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef: null\nsubjects: 3\n",
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef: {kind: ClusterRole, name: cluster-admin}\nsubjects: [null, 1, {kind: 3}]\n",
            "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: b\nroleRef: {kind: ClusterRole, name: cluster-admin, apiGroup: example.com}\nsubjects: [{kind: ServiceAccount, name: kubernetes-dashboard, namespace: kubernetes-dashboard}]\n",
        ] {
            assert!(verdict(tail).is_empty(), "{tail}");
        }
    }
}
