//! ## What it does
//!
//! Finds subjects that may mint a ServiceAccount's credentials: `create` on
//! `serviceaccounts/token` (the TokenRequest API), or `create`, `update` or `patch` on `secrets`
//! (a Secret of type `kubernetes.io/service-account-token` annotated with an account's name is
//! filled with a long-lived token for it by the token controller).
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
//! A token is the ServiceAccount: whoever can mint one for any account of a namespace holds the
//! rights of the most powerful of them. In `kube-system` those are the controllers' accounts,
//! several of which are admin-equivalent, and a token requested with a long expiry outlives the
//! attacker's access.
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
//!     resources: ["serviceaccounts/token"]
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
//!     resources: ["serviceaccounts"]
//!     verbs: ["get", "list"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.13
//! - MITRE ATT&CK T1528 Steal Application Access Token
//! - Kubernetes documentation: concepts/security/rbac-good-practices/#token-request

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-token-creation",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.1.13",
            "mitre:T1528",
            "k8s-docs:concepts/security/rbac-good-practices/#token-request",
        ],
        summary: "A binding lets a subject mint ServiceAccount tokens",
        fix: "Remove `create` on `serviceaccounts/token` and on `secrets` from people and workloads that do not issue tokens; pods get their tokens through projected volumes, which need neither.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[
        Access {
            verbs: &["create"],
            groups: &[""],
            resources: &["serviceaccounts/token"],
        },
        Access {
            verbs: &["create", "update", "patch"],
            groups: &[""],
            resources: &["secrets"],
        },
    ],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "mint tokens for the ServiceAccounts there and act with the rights of the most powerful of them",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
