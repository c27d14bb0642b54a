//! ## What it does
//!
//! Finds subjects that may `update` or `patch` `namespaces`. Namespaces are cluster-scoped, so
//! only a ClusterRoleBinding grants the right.
//!
//! The finding is on each binding that grants the right (at `roleRef`), naming its subjects and
//! the rule lines that allow it with their file and line; a Role or ClusterRole rule line that
//! allows it but that no binding of the input grants is reported at that line, one level lower.
//! A grant in one ordinary namespace is one level lower than a cluster-wide one or one in
//! `kube-system`. The roles and bindings Kubernetes ships are not reported (see
//! `rbac-wildcard`'s documentation for which they are), nor is a grant of every right
//! (`cluster-admin`, or a rule with `*` verbs on `*` resources in `*` API groups): that is
//! reported once, by `rbac-cluster-admin-to-individual` and `rbac-wildcard`, rather than by every
//! risky-permission rule.
//!
//! ## Why is this bad?
//!
//! A namespace's labels carry its security settings: the Pod Security Admission level
//! (`pod-security.kubernetes.io/enforce`), and the labels NetworkPolicies select namespaces by.
//! Whoever can relabel a namespace sets its level to `privileged` and then runs privileged pods
//! there, or makes it match another namespace's NetworkPolicy allow-list.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRole
//! metadata:
//!   name: app-manager
//! rules:
//!   - apiGroups: [""]
//!     resources: ["namespaces"]
//!     verbs: ["get", "list", "patch"]
//! ---
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRoleBinding
//! metadata:
//!   name: app-manager
//! subjects:
//!   - kind: User
//!     name: alice
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: ClusterRole
//!   name: app-manager
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["namespaces"]
//!     verbs: ["get", "list"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1562.001 Impair Defenses: Disable or Modify Tools
//! - Kubernetes documentation: concepts/security/pod-security-admission/
//! - Kubernetes documentation: concepts/security/rbac-good-practices/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-namespace-modification",
        severity: Severity::Medium,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1562.001",
            "k8s-docs:concepts/security/pod-security-admission/",
            "k8s-docs:concepts/security/rbac-good-practices/",
        ],
        summary: "A binding lets a subject change Namespace objects (their labels)",
        fix: "Only cluster administrators, through reviewed manifests, change Namespaces; tenants get no `update` or `patch` on `namespaces`.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["update", "patch"],
        groups: &[""],
        resources: &["namespaces"],
    }],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "relabel namespaces: lower their Pod Security Admission level to privileged, or match the namespace selectors of other NetworkPolicies",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
