//! ## What it does
//!
//! Finds subjects that may read Secrets: `get`, `list` or `watch` on `secrets` (or a wildcard
//! that covers them) through a RoleBinding or ClusterRoleBinding, and Role or ClusterRole rule
//! lines that allow it without any binding granting them yet. A rule limited by `resourceNames`
//! (named Secrets only) is not reported.
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
//! Secrets hold what the cluster trusts: ServiceAccount tokens (a legacy token Secret acts as
//! its account, and in `kube-system` those are the controllers' near-admin accounts), TLS keys,
//! registry and cloud credentials, database passwords. `list` and `watch` return every value,
//! not only the names. An internal attacker with such a binding, or an end user who takes over
//! a pod whose ServiceAccount holds it, reads them all and moves on to whatever they unlock.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: Role
//! metadata:
//!   name: app-manager
//!   namespace: shop
//! rules:
//!   - apiGroups: [""]
//!     resources: ["secrets"]
//!     verbs: ["get", "list", "watch"]
//! ---
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: RoleBinding
//! metadata:
//!   name: app-manager
//!   namespace: shop
//! subjects:
//!   - kind: Group
//!     name: developers
//! roleRef:
//!   apiGroup: rbac.authorization.k8s.io
//!   kind: Role
//!   name: app-manager
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["secrets"]
//!     resourceNames: ["web-tls"]
//!     verbs: ["get"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.2
//! - MITRE ATT&CK T1552.007 Unsecured Credentials: Container API
//! - MITRE ATT&CK T1528 Steal Application Access Token
//! - Kubernetes documentation: concepts/security/rbac-good-practices/#listing-secrets

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-secret-read",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker, ThreatActor::EndUser],
        references: &[
            "cis-k8s:5.1.2",
            "mitre:T1552.007",
            "mitre:T1528",
            "k8s-docs:concepts/security/rbac-good-practices/#listing-secrets",
        ],
        summary: "A binding lets a subject read Secrets (get, list or watch)",
        fix: "Grant `get` on the few Secrets a workload needs with `resourceNames`, never `list` or `watch`, and never cluster-wide; mount Secrets into pods instead of reading them through the API.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["get", "list", "watch"],
        groups: &[""],
        resources: &["secrets"],
    }],
    names: Names::AnyObject,
    namespaces: None,
    all_of: false,
    gains: "read the Secrets there: ServiceAccount tokens that act as those accounts, TLS keys and the credentials of registries, databases and cloud accounts (list and watch return every value)",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
