//! ## What it does
//!
//! Finds subjects that may `create` PersistentVolumes. They are cluster-scoped: only a
//! ClusterRoleBinding grants the right.
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
//! A PersistentVolume can be of type `hostPath` (or a `local` volume, or an NFS export of the
//! attacker's choice). Pod Security Admission judges the pod, not the volume behind its claim,
//! so a subject that creates a hostPath PersistentVolume and a claim bound to it mounts a node's
//! file system (`/`, `/etc/kubernetes`, the kubelet's credentials) into an otherwise harmless pod.
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
//!     resources: ["persistentvolumes"]
//!     verbs: ["create"]
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
//!     resources: ["persistentvolumeclaims"]
//!     verbs: ["create"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.9
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: concepts/security/rbac-good-practices/#persistent-volume-creation

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-persistent-volume-creation",
        severity: Severity::Medium,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.1.9",
            "mitre:T1611",
            "k8s-docs:concepts/security/rbac-good-practices/#persistent-volume-creation",
        ],
        summary: "A binding lets a subject create PersistentVolumes",
        fix: "Let a storage provisioner create PersistentVolumes from StorageClasses; people and applications create PersistentVolumeClaims only.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["create"],
        groups: &[""],
        resources: &["persistentvolumes"],
    }],
    names: Names::AnyObject,
    namespaces: None,
    all_of: false,
    gains: "create hostPath PersistentVolumes and mount a node's file system into a pod, which Pod Security Admission does not see",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
