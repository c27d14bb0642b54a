//! ## What it does
//!
//! Finds subjects that may `delete` or `deletecollection` Events (of the core group or
//! `events.k8s.io`).
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
//! Events record what happened to pods and nodes: failed mounts, image pulls, evictions,
//! restarts. An internal attacker who can delete them removes the traces of a failed exploit or
//! a pod that was started and stopped before anyone looked.
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
//!     resources: ["events"]
//!     verbs: ["get", "list", "delete"]
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
//!     resources: ["events"]
//!     verbs: ["get", "list"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1070 Indicator Removal
//! - Kubernetes documentation: reference/kubernetes-api/cluster-resources/event-v1/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-event-deletion",
        severity: Severity::Low,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1070",
            "k8s-docs:reference/kubernetes-api/cluster-resources/event-v1/",
        ],
        summary: "A binding lets a subject delete Events",
        fix: "Leave Events to their garbage collection (`--event-ttl`); no person or application needs `delete` on them. Ship Events and audit logs to storage outside the cluster.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["delete", "deletecollection"],
        groups: &["", "events.k8s.io"],
        resources: &["events"],
    }],
    names: Names::AnyObject,
    namespaces: None,
    all_of: false,
    gains: "delete the Events that record what happened to pods and nodes, covering their tracks",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
