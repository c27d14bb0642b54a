//! ## What it does
//!
//! Finds subjects that may run code of their choosing in the cluster: `create` on `pods`;
//! `create`, `update` or `patch` on Deployments, DaemonSets, StatefulSets, ReplicaSets,
//! ReplicationControllers, Jobs and CronJobs; `update` or `patch` on `pods` (a running pod's
//! image) or `pods/ephemeralcontainers` (a debug container in any pod).
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
//! Whoever can create a pod in a namespace can run it as any ServiceAccount of that namespace
//! and read its token, mount any Secret, ConfigMap or PersistentVolumeClaim there, and, unless
//! Pod Security Admission stops it, start a privileged or hostPath pod that escapes to the node.
//! The right to create workloads therefore includes every right of every ServiceAccount in the
//! namespace; in `kube-system`, or cluster-wide, that is the cluster. Changing an existing
//! workload's image or adding an ephemeral container gives code execution inside pods that
//! already hold powerful tokens.
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
//!   - apiGroups: ["apps"]
//!     resources: ["deployments"]
//!     verbs: ["create", "update", "patch"]
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
//!   - apiGroups: ["apps"]
//!     resources: ["deployments"]
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.4
//! - MITRE ATT&CK T1610 Deploy Container
//! - Kubernetes documentation: concepts/security/rbac-good-practices/#workload-creation

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-workload-creation",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker, ThreatActor::EndUser],
        references: &[
            "cis-k8s:5.1.4",
            "mitre:T1610",
            "k8s-docs:concepts/security/rbac-good-practices/#workload-creation",
        ],
        summary: "A binding lets a subject create or change pods or workload controllers",
        fix: "Let people and CI deploy through a reviewed pipeline or GitOps controller; grant workload creation only in namespaces whose ServiceAccounts hold no more than the deployer should, and enforce Pod Security Admission there.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[
        Access {
            verbs: &["create"],
            groups: &[""],
            resources: &["pods"],
        },
        Access {
            verbs: &["update", "patch"],
            groups: &[""],
            resources: &["pods", "pods/ephemeralcontainers"],
        },
        Access {
            verbs: &["create", "update", "patch"],
            groups: &[""],
            resources: &["replicationcontrollers"],
        },
        Access {
            verbs: &["create", "update", "patch"],
            groups: &["apps"],
            resources: &["deployments", "daemonsets", "statefulsets", "replicasets"],
        },
        Access {
            verbs: &["create", "update", "patch"],
            groups: &["extensions"],
            resources: &["deployments", "daemonsets", "replicasets"],
        },
        Access {
            verbs: &["create", "update", "patch"],
            groups: &["batch"],
            resources: &["jobs", "cronjobs"],
        },
    ],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "run pods of their choosing there, as any ServiceAccount of the namespace (stealing its token and rights), with any Secret or volume mounted, and privileged or on the host network unless Pod Security Admission stops them",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
