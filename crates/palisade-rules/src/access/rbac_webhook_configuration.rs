//! ## What it does
//!
//! Finds subjects that may `create`, `update`, `patch` or `delete` MutatingWebhookConfigurations,
//! ValidatingWebhookConfigurations, ValidatingAdmissionPolicies or their bindings. They are
//! cluster-scoped: only a ClusterRoleBinding grants them.
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
//! Admission control is where the cluster enforces its policy. Deleting or narrowing a validating
//! webhook or policy switches that enforcement off (Gatekeeper, Kyverno, image signature checks);
//! registering a mutating webhook sends every admitted object, Secrets included, to a server of
//! the attacker's choice, which can rewrite pods to run privileged or with an extra container.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: rbac.authorization.k8s.io/v1
//! kind: ClusterRole
//! metadata:
//!   name: app-manager
//! rules:
//!   - apiGroups: ["admissionregistration.k8s.io"]
//!     resources: ["mutatingwebhookconfigurations"]
//!     verbs: ["create", "update", "patch"]
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
//!   - apiGroups: ["admissionregistration.k8s.io"]
//!     resources: ["mutatingwebhookconfigurations"]
//!     resourceNames: ["my-operator-webhook"]
//!     verbs: ["get", "update"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.12
//! - MITRE ATT&CK T1562.001 Impair Defenses: Disable or Modify Tools
//! - Kubernetes documentation: concepts/security/rbac-good-practices/#control-admission-webhooks

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::access::rbac::risk::{Access, Names, RiskSpec, report};
use crate::rule::{Check, Emitter, InventoryContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "rbac-webhook-configuration",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "cis-k8s:5.1.12",
            "mitre:T1562.001",
            "k8s-docs:concepts/security/rbac-good-practices/#control-admission-webhooks",
        ],
        summary: "A binding lets a subject change admission webhook or policy configurations",
        fix: "Only the controller that owns a webhook configuration may change it, with `resourceNames` naming it; people change them through reviewed manifests.",
    },
    check: Check::Inventory(check),
};

pub(crate) static SPEC: RiskSpec = RiskSpec {
    accesses: &[Access {
        verbs: &["create", "update", "patch", "delete"],
        groups: &["admissionregistration.k8s.io"],
        resources: &[
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
        ],
    }],
    names: Names::AnyObject,
    namespaces: None,
    all_of: false,
    gains: "switch off admission policy or intercept and rewrite every object the API server admits, Secrets and pods included",
};

fn check(context: &InventoryContext, out: &mut Emitter) {
    report(context, out, &SPEC);
}
