//! ## What it does
//!
//! Finds subjects that may approve CertificateSigningRequests, which takes both `update` or
//! `patch` on `certificatesigningrequests/approval` and `approve` on `signers` for a client signer
//! (`kubernetes.io/kube-apiserver-client`, `kubernetes.io/kube-apiserver-client-kubelet`,
//! `kubernetes.io/legacy-unknown`), granted by one role (a role with only one of the two is not
//! reported). Both are cluster-scoped: only a ClusterRoleBinding grants them.
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
//! A client certificate from the cluster's CA authenticates whatever name and groups it carries.
//! A subject that can create a CSR and approve it issues itself a certificate in the group
//! `system:masters`, which bypasses RBAC and cannot be revoked short of rotating the CA. It is
//! the quietest way to keep cluster-admin after the initial access is gone.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRole
//! metadata:
//!   name: app-manager
//! rules:
//!   - apiGroups: ["certificates.k8s.io"]
//!     resources: ["certificatesigningrequests/approval"]
//!     verbs: ["update"]
//!   - apiGroups: ["certificates.k8s.io"]
//!     resources: ["signers"]
//!     verbs: ["approve"]
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
//!   - apiGroups: ["certificates.k8s.io"]
//!     resources: ["certificatesigningrequests"]
//!     verbs: ["get", "list"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.11
//! - MITRE ATT&CK T1649 Steal or Forge Authentication Certificates
//! - Kubernetes documentation: reference/access-authn-authz/certificate-signing-requests/#authorization

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-csr-approval",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "cis-k8s:5.1.11",
            "mitre:T1649",
            "k8s-docs:reference/access-authn-authz/certificate-signing-requests/#authorization",
        ],
        summary: "A binding lets a subject approve certificate signing requests",
        fix: "Leave CSR approval to the controller manager and to a dedicated approver (kubelet serving certificates); nobody else needs `update` on `certificatesigningrequests/approval` or `approve` on signers.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[
        Access {
            verbs: &["update", "patch"],
            groups: &["certificates.k8s.io"],
            resources: &["certificatesigningrequests/approval"],
        },
        Access {
            verbs: &["approve"],
            groups: &["certificates.k8s.io"],
            resources: &["signers"],
        },
    ],
    names: Names::Listed(&[
        "kubernetes.io/kube-apiserver-client",
        "kubernetes.io/kube-apiserver-client-kubelet",
        "kubernetes.io/legacy-unknown",
    ]),
    namespaces: None,
    all_of: true,
    gains: "approve certificate requests and so issue client certificates for any user or group, system:masters included",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
