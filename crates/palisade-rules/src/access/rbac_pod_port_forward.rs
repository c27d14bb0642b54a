//! ## What it does
//!
//! Finds subjects that may open network connections into pods through the API server:
//! `create` or `get` on `pods/portforward`, and any verb on the `proxy` subresources of pods and
//! services.
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
//! Port-forwarding and the API server's proxy carry traffic from the attacker's machine
//! straight to a pod's ports, past NetworkPolicies, Ingress authentication and any firewall
//! between them: databases, admin consoles and metrics endpoints that were meant to be reachable
//! only from inside the namespace are open to whoever holds the right.
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
//!     resources: ["pods/portforward"]
//!     verbs: ["create"]
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
//!     resources: ["pods"]
//!     verbs: ["get", "list"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1090 Proxy
//! - Kubernetes documentation: concepts/security/rbac-good-practices/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-pod-port-forward",
        severity: Severity::Medium,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1090",
            "k8s-docs:concepts/security/rbac-good-practices/",
        ],
        summary: "A binding lets a subject port-forward or proxy to pods and services",
        fix: "Grant `pods/portforward` and the `proxy` subresources only to break-glass roles; reach applications through their Services and Ingresses, where NetworkPolicy and authentication apply.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[
        Access {
            verbs: &["create", "get"],
            groups: &[""],
            resources: &["pods/portforward"],
        },
        Access {
            verbs: &["get", "create", "update", "patch", "delete"],
            groups: &[""],
            resources: &["pods/proxy", "services/proxy"],
        },
    ],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "connect to the pods there from outside the cluster, past NetworkPolicies and Ingress authentication",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
