//! ## What it does
//!
//! Finds subjects that may `create`, `update`, `patch` or `delete` ConfigMaps in `kube-system`:
//! through a RoleBinding there, or a ClusterRoleBinding (which covers every namespace). A rule
//! limited by `resourceNames` counts when it names `aws-auth` or `coredns`. Writing ConfigMaps in
//! other namespaces is ordinary application work and not reported.
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
//! Two ConfigMaps in `kube-system` hold the cluster's trust: on EKS, `aws-auth` maps IAM roles
//! to Kubernetes users and groups, so writing it makes any AWS identity `system:masters`; the
//! `coredns` ConfigMap is the cluster's DNS configuration, so writing it redirects every
//! service name to an address of the attacker's choice. The others configure kube-proxy and the
//! control plane.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: Role
//! metadata:
//!   name: app-manager
//!   namespace: kube-system
//! rules:
//!   - apiGroups: [""]
//!     resources: ["configmaps"]
//!     verbs: ["get", "update", "patch"]
//! ---
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: RoleBinding
//! metadata:
//!   name: app-manager
//!   namespace: kube-system
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
//!     resources: ["configmaps"]
//!     resourceNames: ["my-operator-lock"]
//!     verbs: ["get", "update"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1098 Account Manipulation
//! - MITRE ATT&CK T1584.002 Compromise Infrastructure: DNS Server
//! - Kubernetes documentation: tasks/administer-cluster/dns-custom-nameservers/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-kube-system-configmap-write",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1098",
            "mitre:T1584.002",
            "k8s-docs:tasks/administer-cluster/dns-custom-nameservers/",
        ],
        summary: "A binding lets a subject change ConfigMaps in `kube-system` (aws-auth, coredns)",
        fix: "Nobody but cluster administrators writes ConfigMaps in `kube-system`; a controller that must write one gets `resourceNames` naming it (and not `aws-auth` or `coredns`).",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["create", "update", "patch", "delete"],
        groups: &[""],
        resources: &["configmaps"],
    }],
    names: Names::Listed(&["aws-auth", "coredns"]),
    namespaces: Some(&["kube-system"]),
    all_of: false,
    gains: "rewrite aws-auth (on EKS, map any AWS identity to system:masters) or the coredns configuration (redirect service names)",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
