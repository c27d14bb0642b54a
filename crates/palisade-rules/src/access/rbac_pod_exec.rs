//! ## What it does
//!
//! Finds subjects that may open a shell in running containers: `create` (or `get`, which the
//! API server accepted for WebSocket connections before Kubernetes 1.31) on `pods/exec` or
//! `pods/attach`.
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
//! `kubectl exec` runs any command in any container of the namespace, with the container's
//! identity: its ServiceAccount token, its mounted Secrets, its network position, its
//! privileges. An internal attacker uses it to take over the most powerful pod around (a
//! controller in `kube-system`, a CI runner, a database) without creating anything that
//! admission control would judge.
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
//!     resources: ["pods", "pods/exec"]
//!     verbs: ["get", "create"]
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
//!     resources: ["pods", "pods/log"]
//!     verbs: ["get"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1609 Container Administration Command
//! - Kubernetes documentation: concepts/security/rbac-good-practices/
//! - Kubernetes documentation: reference/access-authn-authz/authorization/#determine-the-request-verb

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-pod-exec",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1609",
            "k8s-docs:concepts/security/rbac-good-practices/",
            "k8s-docs:reference/access-authn-authz/authorization/#determine-the-request-verb",
        ],
        summary: "A binding lets a subject exec into or attach to pods",
        fix: "Keep `pods/exec` and `pods/attach` for break-glass roles bound to an admin group, with audit logging; debug with logs and metrics instead.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["create", "get"],
        groups: &[""],
        resources: &["pods/exec", "pods/attach"],
    }],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "run commands inside the running containers there, with their ServiceAccount tokens, mounted Secrets and privileges",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
