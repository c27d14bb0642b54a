//! ## What it does
//!
//! Finds application objects in the `default` namespace: every workload (Pod, Deployment,
//! StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, PodTemplate and
//! configured custom kinds), and the objects that travel with workloads and carry their
//! configuration, credentials, rights or exposure: Service, ConfigMap, Secret, ServiceAccount,
//! Role, RoleBinding and Ingress (the kinds of Checkov's CKV_K8S_21).
//!
//! The objects Kubernetes itself keeps in `default` are not reported: the `kubernetes`
//! Service, the `default` ServiceAccount with its legacy token Secrets, and the
//! `kube-root-ca.crt` ConfigMap.
//!
//! `metadata.namespace: default` written out is reported at low severity. An object without
//! `metadata.namespace` is reported at info severity: it lands in the namespace of whoever
//! applies it (`kubectl -n`, the context's namespace, Helm's `--namespace`, kustomize's
//! `namespace:`), which is `default` unless one of them says otherwise. Charts and kustomize
//! bases often leave it out on purpose, hence the lower severity; Checkov counts such objects
//! as being in `default` too.
//!
//! ## Why is this bad?
//!
//! Namespaces are where Kubernetes draws its security boundaries: RBAC Roles and
//! RoleBindings, NetworkPolicies, ResourceQuotas, LimitRanges and Pod Security Admission
//! levels all apply per namespace. `default` is where everything lands that was not placed on
//! purpose, so it collects unrelated applications, test pods and one-off debugging objects
//! under one set of rules, usually without Pod Security labels, NetworkPolicies or quotas.
//! An internal attacker with rights in `default` (often handed out freely, because it is "just
//! the default") reaches every application kept there, and a compromised pod there shares a
//! network segment and a `default` ServiceAccount with all of them.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//!   namespace: default
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: v1
//! kind: Namespace
//! metadata:
//!   name: shop
//!   labels:
//!     pod-security.kubernetes.io/enforce: restricted
//! ---
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//!   namespace: shop
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.6.4: The default namespace should not be used (5.7.4 in older versions)
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening, "Namespaces"
//! - Kubernetes documentation: concepts/overview/working-with-objects/namespaces/

use palisade_model::{Layer, Node, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "default-namespace",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.6.4",
            "nsa-cisa:namespaces",
            "k8s-docs:concepts/overview/working-with-objects/namespaces/",
        ],
        summary: "Workload (or its Service, ConfigMap, Secret, ServiceAccount, RBAC or Ingress) is in the `default` namespace",
        fix: "Put the application in a namespace of its own (`metadata.namespace`), with its own RBAC, NetworkPolicies and Pod Security labels.",
    },
    check: Check::Object(check),
};

const DEFAULT_NAMESPACE: &str = "default";

/// The kinds reported besides anything with a pod spec, with the API groups they belong to.
/// The built-in workload kinds are listed too, for the odd one without a pod template.
const APPLICATION_KINDS: &[(&[&str], &str)] = &[
    (&[""], "Pod"),
    (&["apps", "extensions"], "Deployment"),
    (&["apps"], "StatefulSet"),
    (&["apps", "extensions"], "DaemonSet"),
    (&["apps", "extensions"], "ReplicaSet"),
    (&[""], "ReplicationController"),
    (&["batch"], "Job"),
    (&["batch"], "CronJob"),
    (&[""], "PodTemplate"),
    (&[""], "Service"),
    (&[""], "ConfigMap"),
    (&[""], "Secret"),
    (&[""], "ServiceAccount"),
    (&["rbac.authorization.k8s.io"], "Role"),
    (&["rbac.authorization.k8s.io"], "RoleBinding"),
    (&["networking.k8s.io", "extensions"], "Ingress"),
];

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if context.pod.is_none() && !is_application_kind(object) {
        return;
    }
    if kept_by_kubernetes(object) {
        return;
    }
    let path = Pointer::root().keys(&["metadata", "namespace"]);
    match object.namespace.as_deref() {
        Some(DEFAULT_NAMESPACE) => {
            out.report(
                &path,
                format_args!(
                    "{} is placed in the \"default\" namespace, which shares its RBAC, NetworkPolicies and Pod Security level with everything else nobody placed on purpose",
                    object.kind
                ),
            );
        }
        Some(_) => {}
        None => {
            out.report(
                &path,
                format_args!(
                    "{} has no metadata.namespace, so it lands in the namespace it is applied to: \"default\" unless kubectl -n, the context, Helm or kustomize chooses another",
                    object.kind
                ),
            )
            .severity = Severity::Info;
        }
    }
}

fn is_application_kind(object: &Object) -> bool {
    let group = object.group();
    APPLICATION_KINDS
        .iter()
        .any(|(groups, kind)| *kind == object.kind && groups.contains(&group))
}

/// Objects every cluster has in `default`, which nobody can move.
fn kept_by_kubernetes(object: &Object) -> bool {
    match object.kind.as_str() {
        "Service" => object.name == "kubernetes",
        "ServiceAccount" => object.name == "default",
        "ConfigMap" => object.name == "kube-root-ca.crt",
        // The token controller of Kubernetes before 1.24 made one for the default account.
        "Secret" => {
            object.root.get("type").and_then(Node::as_str)
                == Some("kubernetes.io/service-account-token")
                && object.annotation("kubernetes.io/service-account.name") == Some("default")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn reported(yaml: &str) -> Vec<(String, Severity)> {
        findings(&RULE, yaml)
            .into_iter()
            .map(|f| (f.object.to_string(), f.severity))
            .collect()
    }

    fn object(api: &str, kind: &str, name: &str, namespace: Option<&str>) -> String {
        let namespace = namespace
            .map(|ns| format!(", namespace: {ns}"))
            .unwrap_or_default();
        format!("apiVersion: {api}\nkind: {kind}\nmetadata: {{name: {name}{namespace}}}\n---\n")
    }

    #[test]
    fn explicit_default_is_low_and_absent_is_info() {
        let pod = "spec: {containers: [{name: c, image: x}]}\n";
        let yaml = format!(
            "{}{pod}---\n{}{pod}---\n{}{pod}",
            object("v1", "Pod", "a", Some("default")).trim_end_matches("---\n"),
            object("v1", "Pod", "b", None).trim_end_matches("---\n"),
            object("v1", "Pod", "c", Some("shop")).trim_end_matches("---\n"),
        );
        assert_eq!(
            reported(&yaml),
            vec![
                ("Pod/default/a".to_string(), Severity::Low),
                ("Pod/b".to_string(), Severity::Info)
            ]
        );
        // An empty namespace is no namespace.
        let empty = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: e, namespace: ''}\n";
        assert_eq!(
            reported(empty),
            vec![("ConfigMap/e".to_string(), Severity::Info)]
        );
    }

    #[test]
    fn only_application_kinds_in_their_api_groups() {
        for (api, kind) in [
            ("v1", "Service"),
            ("v1", "ConfigMap"),
            ("v1", "Secret"),
            ("v1", "ServiceAccount"),
            ("rbac.authorization.k8s.io/v1", "Role"),
            ("rbac.authorization.k8s.io/v1", "RoleBinding"),
            ("networking.k8s.io/v1", "Ingress"),
            ("extensions/v1beta1", "Ingress"),
            ("apps/v1", "Deployment"),
            ("batch/v1", "CronJob"),
        ] {
            assert_eq!(
                reported(&object(api, kind, "x", Some("default"))).len(),
                1,
                "{kind}"
            );
        }
        for (api, kind) in [
            ("v1", "Namespace"),
            ("rbac.authorization.k8s.io/v1", "ClusterRole"),
            ("networking.k8s.io/v1", "NetworkPolicy"),
            ("v1", "LimitRange"),
            ("example.com/v1", "Service"),
            ("example.com/v1", "Pod"),
        ] {
            assert!(
                reported(&object(api, kind, "x", Some("default"))).is_empty(),
                "{api} {kind}"
            );
        }
    }

    #[test]
    fn objects_kubernetes_keeps_in_default_pass() {
        for yaml in [
            object("v1", "Service", "kubernetes", Some("default")),
            object("v1", "Service", "kubernetes", None),
            object("v1", "ServiceAccount", "default", Some("default")),
            object("v1", "ConfigMap", "kube-root-ca.crt", Some("default")),
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: default-token-abcde\n  namespace: default\n  annotations: {kubernetes.io/service-account.name: default}\ntype: kubernetes.io/service-account-token\n".to_string(),
        ] {
            assert!(reported(&yaml).is_empty(), "{yaml}");
        }
        assert_eq!(
            reported(&object(
                "v1",
                "Service",
                "kubernetes-dashboard",
                Some("default")
            ))
            .len(),
            1
        );
    }
}
