//! ## What it does
//!
//! Finds subjects that may `update` or `patch` `services/status`, `pods/status` or
//! `nodes/status`.
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
//! Status is what the rest of the cluster trusts to be true. Setting a Service's
//! `status.loadBalancer.ingress` IP makes kube-proxy send the cluster's traffic for that IP to the
//! Service (CVE-2020-8554, a man-in-the-middle that no patch fixes); rewriting a pod's status
//! changes which Services and NetworkPolicies select it; changing a node's status labels and
//! conditions attracts or repels pods.
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
//!     resources: ["services/status"]
//!     verbs: ["patch"]
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
//!     resources: ["services"]
//!     verbs: ["get", "list"]
//! ```
//!
//! ## References
//!
//! - CVE-2020-8554
//! - MITRE ATT&CK T1557 Adversary-in-the-Middle
//! - Kubernetes documentation: concepts/security/rbac-good-practices/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-status-modification",
        severity: Severity::Medium,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cve:CVE-2020-8554",
            "mitre:T1557",
            "k8s-docs:concepts/security/rbac-good-practices/",
        ],
        summary: "A binding lets a subject rewrite the status of nodes, pods or services",
        fix: "Status belongs to the controllers and kubelets that report it; remove `update` and `patch` on `nodes/status`, `pods/status` and `services/status` from everyone else.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["update", "patch"],
        groups: &[""],
        resources: &["services/status", "pods/status", "nodes/status"],
    }],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "rewrite what the cluster believes about Services, pods or nodes: a Service's load-balancer IP intercepts traffic (CVE-2020-8554), and pod or node status steers selectors and scheduling",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
