//! ## What it does
//!
//! Finds subjects that may use `nodes/proxy` (`get` is enough: the kubelet's exec endpoint
//! accepts WebSocket upgrades of a GET). `nodes` are cluster-scoped, so only a ClusterRoleBinding
//! grants it; a ClusterRole rule with it that is bound only by RoleBindings is reported as a rule
//! line no binding grants.
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
//! `nodes/proxy` forwards requests to the kubelet API of every node, which runs commands in any
//! pod on it (`/exec`, `/run`), lists every pod and reads their logs. Those requests go to the
//! kubelet, not to the API server's admission chain, and its audit log records only the proxy
//! call: an internal attacker gets code execution across the cluster that neither Pod Security
//! Admission nor audit rules see.
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
//!     resources: ["nodes/proxy"]
//!     verbs: ["get"]
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
//!     resources: ["nodes/metrics", "nodes/stats"]
//!     verbs: ["get"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.10
//! - MITRE ATT&CK T1609 Container Administration Command
//! - Kubernetes documentation: concepts/security/rbac-good-practices/#access-to-proxy-subresource-of-nodes

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-node-proxy",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "cis-k8s:5.1.10",
            "mitre:T1609",
            "k8s-docs:concepts/security/rbac-good-practices/#access-to-proxy-subresource-of-nodes",
        ],
        summary: "A binding lets a subject use the kubelet API through `nodes/proxy`",
        fix: "Remove `nodes/proxy`; monitoring agents read metrics through `nodes/metrics` and `nodes/stats`, which do not give command execution.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["get", "create", "update", "patch", "delete"],
        groups: &[""],
        resources: &["nodes/proxy"],
    }],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "reach every node's kubelet API and run commands in any pod on it, past admission control and the API server's audit log",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
