//! ## What it does
//!
//! Finds subjects that may use the `impersonate` verb on `users`, `groups`, `serviceaccounts`
//! or `uids` (the `Impersonate-User`, `Impersonate-Group` headers, `kubectl --as`), including
//! through `*`; `resourceNames` narrows who may be impersonated but is still reported.
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
//! Impersonation makes every request count as someone else's: impersonating the group
//! `system:masters` bypasses RBAC and admission webhooks altogether, and impersonating a
//! ServiceAccount or user borrows all of its rights. Audit logs then show the impersonated
//! identity doing the damage.
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
//!     resources: ["users", "groups"]
//!     verbs: ["impersonate"]
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
//!     resources: ["users"]
//!     resourceNames: ["report-viewer"]
//!     verbs: ["impersonate"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.8
//! - MITRE ATT&CK T1078 Valid Accounts
//! - Kubernetes documentation: reference/access-authn-authz/authentication/#user-impersonation

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-impersonation",
        severity: Severity::Critical,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "cis-k8s:5.1.8",
            "mitre:T1078",
            "k8s-docs:reference/access-authn-authz/authentication/#user-impersonation",
        ],
        summary: "A binding lets a subject impersonate users, groups, service accounts or UIDs",
        fix: "Remove `impersonate`; where a proxy must impersonate, bind it with `resourceNames` limited to the identities it serves and never to groups such as `system:masters`.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[
        Access {
            verbs: &["impersonate"],
            groups: &[""],
            resources: &["users", "groups", "serviceaccounts", "uids"],
        },
        Access {
            verbs: &["impersonate"],
            groups: &["authentication.k8s.io"],
            resources: &["uids", "userextras"],
        },
    ],
    names: Names::Irrelevant,
    namespaces: None,
    all_of: false,
    gains: "act as other identities (the group system:masters bypasses RBAC and admission entirely), with every right those identities hold",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
