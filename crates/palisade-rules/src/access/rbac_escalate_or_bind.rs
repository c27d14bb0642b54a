//! ## What it does
//!
//! Finds subjects that may use the `escalate` verb (write a Role or ClusterRole with rights they
//! do not hold) or the `bind` verb (bind a role whose rights they do not hold) on `roles` or
//! `clusterroles`, including through `*`.
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
//! RBAC stops a user from granting rights they do not have; `escalate` and `bind` switch that
//! check off. With `bind` on ClusterRoles and the right to create a binding, the subject binds
//! `cluster-admin` to itself; with `escalate` it adds `*` on `*` to a role it already holds. An
//! internal attacker who gets such a subject's credentials owns the cluster (in a namespace,
//! everything in it).
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRole
//! metadata:
//!   name: app-manager
//! rules:
//!   - apiGroups: ["rbac.authorization.k8s.io"]
//!     resources: ["clusterroles"]
//!     verbs: ["bind", "escalate"]
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
//!   - apiGroups: ["rbac.authorization.k8s.io"]
//!     resources: ["clusterroles"]
//!     resourceNames: ["view"]
//!     verbs: ["bind"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.8
//! - MITRE ATT&CK T1098 Account Manipulation
//! - Kubernetes documentation: reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-escalate-or-bind",
        severity: Severity::Critical,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "cis-k8s:5.1.8",
            "mitre:T1098",
            "k8s-docs:reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping",
        ],
        summary: "A binding lets a subject use the `escalate` or `bind` verbs on roles",
        fix: "Remove `escalate` and `bind`; people who manage RBAC do it through a reviewed pipeline, and a controller that must bind roles gets `bind` with `resourceNames` listing exactly those roles.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["escalate", "bind"],
        groups: &["rbac.authorization.k8s.io"],
        resources: &["roles", "clusterroles"],
    }],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "grant themselves or anyone any right, up to cluster-admin, by writing or binding roles whose rights they do not hold",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
