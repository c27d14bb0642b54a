//! ## What it does
//!
//! Finds workloads whose pods get their ServiceAccount's API token mounted (at
//! `/var/run/secrets/kubernetes.io/serviceaccount/token`, in every container) although nothing
//! in the input says the workload talks to the Kubernetes API.
//!
//! The token is mounted unless `automountServiceAccountToken: false` is set. The pod's own
//! setting wins when it is written (`true` on the pod overrides `false` on the ServiceAccount,
//! and `false` on the pod overrides `true`); when the pod does not write it, the setting of its
//! ServiceAccount counts (the one named by `serviceAccountName`, or the deprecated
//! `serviceAccount`, or `default`, in the pod's namespace), if that ServiceAccount is part of
//! the input. Without either, Kubernetes mounts the token.
//!
//! No finding is made when a RoleBinding or ClusterRoleBinding of the input names the pod's
//! ServiceAccount as a subject: the workload was given rights, so it evidently uses its token.
//! Bindings to groups such as `system:serviceaccounts` do not count, since they say nothing
//! about this workload. An object without `metadata.namespace` may match a ServiceAccount or
//! binding subject of any namespace, since it lands in whatever namespace it is applied to.
//!
//! ## Why is this bad?
//!
//! The token is a credential for the API server. An end user who finds a remote code
//! execution, file read or server-side request forgery bug in the application, or an internal
//! attacker with `kubectl exec`, reads the token from the file system and calls the API as the
//! ServiceAccount: to discover the cluster, and with whatever rights that ServiceAccount has
//! (today or after someone grants it more, and the `default` ServiceAccount is shared by every
//! pod of the namespace that names none), to read Secrets, create pods or move laterally. A
//! workload that never calls the API should not carry a credential for it.
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
//!     spec:
//!       automountServiceAccountToken: false
//!       containers:
//!         - name: web
//!           image: nginx:1.27
//! ```
//!
//! Or set `automountServiceAccountToken: false` on the ServiceAccount, so that each pod that
//! needs the token opts in.
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.6: Ensure that Service Account Tokens are only mounted where necessary
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Protecting Pod service account tokens"
//! - MITRE ATT&CK T1528 Steal Application Access Token; Microsoft Threat Matrix MS-TA9016 Container service account
//! - Kubernetes documentation: tasks/configure-pod-container/configure-service-account/ ("Opt out of API credential automounting")

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::access::service_accounts::{AUTOMOUNT, field, pod_account};
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "automounted-service-account-token",
        severity: Severity::Medium,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.1.6",
            "nsa-cisa:pod-security",
            "mitre:T1528",
            "ms-threat:MS-TA9016",
            "k8s-docs:tasks/configure-pod-container/configure-service-account/",
        ],
        summary: "Pod gets its ServiceAccount token mounted although nothing shows it uses the API",
        fix: "Set `automountServiceAccountToken: false` on the pod spec (or on its ServiceAccount); workloads that call the API get a dedicated ServiceAccount bound to the rights they need.",
    },
    check: Check::Object(check),
};

/// Why the token ends up mounted, for the message.
enum Reason {
    PodTrue { overrides_account: bool },
    AccountTrue,
    Unset { account_in_input: bool },
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    let account = pod_account(pod);
    let namespace = context.object.namespace.as_deref();
    let written = field(pod.spec, AUTOMOUNT);
    // A value that is not a boolean is rejected by the API server; it decides nothing here.
    let pod_setting = written.and_then(Node::as_bool);
    if pod_setting == Some(false) {
        return;
    }
    let service_account =
        context
            .accounts
            .service_account(context.inventory, account.name, namespace);
    let account_setting = service_account
        .and_then(|object| field(&object.root, AUTOMOUNT))
        .and_then(Node::as_bool);
    let reason = match (pod_setting, account_setting) {
        (Some(_), setting) => Reason::PodTrue {
            overrides_account: setting == Some(false),
        },
        (None, Some(false)) => return,
        (None, Some(true)) => Reason::AccountTrue,
        (None, None) => Reason::Unset {
            account_in_input: service_account.is_some(),
        },
    };
    if context
        .accounts
        .first_binding_of(context.inventory, account.name, namespace)
        .is_some()
    {
        return;
    }
    let name = account.name;
    let its_token = "its API token".to_string();
    let named_token = format!("the API token of ServiceAccount {name:?}");
    let (why, token) = match reason {
        Reason::PodTrue {
            overrides_account: true,
        } => (
            format!(
                "the pod sets automountServiceAccountToken: true, overriding false on its ServiceAccount {name:?}"
            ),
            its_token,
        ),
        Reason::PodTrue {
            overrides_account: false,
        } => (
            "the pod sets automountServiceAccountToken: true".to_string(),
            named_token,
        ),
        Reason::AccountTrue => (
            format!(
                "the pod does not set automountServiceAccountToken and its ServiceAccount {name:?} sets it to true"
            ),
            its_token,
        ),
        Reason::Unset {
            account_in_input: true,
        } => (
            format!(
                "neither the pod nor its ServiceAccount {name:?} sets automountServiceAccountToken: false"
            ),
            its_token,
        ),
        Reason::Unset {
            account_in_input: false,
        } => (
            "the pod does not set automountServiceAccountToken: false".to_string(),
            named_token,
        ),
    };
    out.report(
        &pod.spec_path.key(AUTOMOUNT),
        format_args!(
            "{why}, so {token} is mounted into every container, although no RoleBinding or ClusterRoleBinding in the input gives that ServiceAccount any rights"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn paths(yaml: &str) -> Vec<String> {
        crate::testing::paths(&RULE, yaml)
    }

    /// A pod; `more_metadata` follows `name: p` (", namespace: shop").
    fn pod(more_metadata: &str, spec: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{more_metadata}}}\nspec: {spec}\n---\n"
        )
    }

    const ACCOUNT_FALSE: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: shop}\nautomountServiceAccountToken: false\n---\n";
    const ACCOUNT_TRUE: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: shop}\nautomountServiceAccountToken: true\n---\n";
    const HERE: &str = "/spec/automountServiceAccountToken";

    #[test]
    fn the_pod_setting_wins_when_written() {
        let in_shop = |spec: &str| pod(", namespace: shop", spec);
        let app = "serviceAccountName: app, containers: [{name: c, image: x}]";
        assert_eq!(paths(&in_shop(&format!("{{{app}}}"))), vec![HERE]);
        assert!(
            paths(&format!(
                "{ACCOUNT_FALSE}{}",
                in_shop(&format!("{{{app}}}"))
            ))
            .is_empty()
        );
        assert_eq!(
            paths(&format!(
                "{ACCOUNT_FALSE}{}",
                in_shop(&format!("{{{app}, automountServiceAccountToken: true}}"))
            )),
            vec![HERE]
        );
        assert!(
            paths(&format!(
                "{ACCOUNT_TRUE}{}",
                in_shop(&format!("{{{app}, automountServiceAccountToken: false}}"))
            ))
            .is_empty()
        );
        assert_eq!(
            paths(&format!("{ACCOUNT_TRUE}{}", in_shop(&format!("{{{app}}}")))),
            vec![HERE]
        );
        // Null is unset; a string is not a boolean, so the ServiceAccount decides.
        assert!(
            paths(&format!(
                "{ACCOUNT_FALSE}{}",
                in_shop(&format!("{{{app}, automountServiceAccountToken: null}}"))
            ))
            .is_empty()
        );
        assert_eq!(
            paths(&in_shop(&format!(
                "{{{app}, automountServiceAccountToken: 'false'}}"
            ))),
            vec![HERE]
        );
    }

    #[test]
    fn the_service_account_must_match_name_and_namespace() {
        let in_ns = |namespace: &str, name: &str| {
            pod(
                &format!(", namespace: {namespace}"),
                &format!("{{serviceAccountName: {name}, containers: []}}"),
            )
        };
        assert_eq!(
            paths(&format!("{ACCOUNT_FALSE}{}", in_ns("other", "app"))),
            vec![HERE]
        );
        assert_eq!(
            paths(&format!("{ACCOUNT_FALSE}{}", in_ns("shop", "web"))),
            vec![HERE]
        );
        // Without a namespace, the pod may be applied next to the ServiceAccount.
        assert!(
            paths(&format!(
                "{ACCOUNT_FALSE}{}",
                pod("", "{serviceAccountName: app, containers: []}")
            ))
            .is_empty()
        );
    }

    #[test]
    fn a_bound_service_account_uses_its_token() {
        let binding = |kind: &str, subject: &str| {
            format!(
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: {kind}\nmetadata: {{name: b, namespace: shop}}\nsubjects: [{subject}]\nroleRef: {{kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}}\n---\n"
            )
        };
        let workload = pod(
            ", namespace: shop",
            "{serviceAccountName: app, containers: []}",
        );
        for bound in [
            binding("RoleBinding", "{kind: ServiceAccount, name: app}"),
            binding(
                "RoleBinding",
                "{kind: ServiceAccount, name: app, namespace: shop}",
            ),
            binding(
                "ClusterRoleBinding",
                "{kind: ServiceAccount, name: app, namespace: shop}",
            ),
        ] {
            assert!(paths(&format!("{bound}{workload}")).is_empty(), "{bound}");
        }
        for unbound in [
            binding(
                "RoleBinding",
                "{kind: ServiceAccount, name: app, namespace: other}",
            ),
            binding("RoleBinding", "{kind: User, name: app}"),
            binding(
                "RoleBinding",
                "{kind: Group, name: 'system:serviceaccounts:shop'}",
            ),
            binding(
                "ClusterRoleBinding",
                "{kind: ServiceAccount, name: web, namespace: shop}",
            ),
        ] {
            assert_eq!(
                paths(&format!("{unbound}{workload}")),
                vec![HERE],
                "{unbound}"
            );
        }
    }

    #[test]
    fn messages_say_why_the_token_is_mounted() {
        let message = |yaml: &str| findings(&RULE, yaml)[0].message.clone();
        let in_shop = |spec: &str| pod(", namespace: shop", spec);
        assert!(
            message(&format!(
                "{ACCOUNT_FALSE}{}",
                in_shop("{serviceAccountName: app, automountServiceAccountToken: true}")
            ))
            .starts_with(
                "the pod sets automountServiceAccountToken: true, overriding false on its ServiceAccount \"app\", so its API token is mounted"
            )
        );
        assert!(
            message(&in_shop("{containers: []}"))
                .starts_with("the pod does not set automountServiceAccountToken: false, so the API token of ServiceAccount \"default\" is mounted")
        );
    }

    #[test]
    fn odd_pod_specs_do_not_crash() {
        for spec in ["{}", "{containers: null}", "{serviceAccountName: {a: b}}"] {
            assert_eq!(paths(&pod("", spec)), vec![HERE], "{spec}");
        }
        assert!(paths("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: [1]\n").is_empty());
    }
}
