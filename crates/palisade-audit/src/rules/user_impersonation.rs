//! ## What it does
//!
//! Reports every request made by impersonation (`kubectl --as`, `--as-group`, the
//! `Impersonate-User` and `Impersonate-Group` headers): the event names who authenticated and
//! whom they acted as (`impersonatedUser`). Its severity follows whom:
//!
//! - critical when the impersonated groups include `system:masters` (cluster-admin that no
//!   RBAC rule can take away);
//! - high when the impersonated user is a Kubernetes system identity (`system:admin`,
//!   `system:kube-controller-manager`, a node `system:node:NAME`, a service account of
//!   `kube-system`), or the groups include `system:nodes`;
//! - medium otherwise (an ordinary user, or a service account of another namespace, as GitOps
//!   controllers impersonate tenants' service accounts).
//!
//! The API server records `impersonatedUser` only once it has allowed the impersonation, so
//! each event is an impersonation that happened; the message adds whether the impersonated
//! identity was then allowed the request. The control plane itself does not impersonate, so
//! nothing is excused: turn the rule down for a known impersonating proxy with
//! `audit.rules: {user-impersonation: {severity: low}}`.
//!
//! ## Why is this bad?
//!
//! The `impersonate` verb lets its holder act with anyone's rights: impersonating
//! `system:masters` or a controller is a privilege escalation to cluster-admin in one header
//! (MITRE ATT&CK T1134 Access Token Manipulation, T1078 Valid Accounts). Logs and alerts that
//! only look at the effective user are then fooled about who acted. Legitimate use (an admin
//! checking what a user can do, a proxy acting for its users) is rare enough to review.
//!
//! ## Example
//!
//! An event that alerts (critical):
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
//!  "user":{"username":"alice","groups":["developers","system:authenticated"]},
//!  "impersonatedUser":{"username":"ops","groups":["system:masters","system:authenticated"]},
//!  "sourceIPs":["10.1.2.3"],"objectRef":{"resource":"secrets","namespace":"prod"},
//!  "responseStatus":{"code":200}}
//! ```
//!
//! Use instead: grant `impersonate` only on the users, groups and service accounts that a
//! role really needs to act as, never on `groups` as a whole:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["users"]
//!     verbs: ["impersonate"]
//!     resourceNames: ["support-readonly"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1134 Access Token Manipulation
//! - MITRE ATT&CK T1078 Valid Accounts
//! - CIS Kubernetes Benchmark 5.1.8 (limit use of the bind, impersonate and escalate permissions)
//! - Kubernetes documentation: User impersonation

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::event::UserInfo;
use crate::rules::common::request_summary;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "user-impersonation",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1134",
            "mitre:T1078",
            "cis-k8s:5.1.8",
            "k8s-docs:reference/access-authn-authz/authentication/#user-impersonation",
        ],
        summary: "Someone acted as another user, group or service account",
        fix: "Check who impersonated whom and why; grant the impersonate verb only on the named users, groups and service accounts a role needs, never on system:masters.",
    },
    why: "impersonation acts with another identity's rights, up to cluster-admin through the system:masters group, and hides who really acted (MITRE T1134)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let Some(target) = &event.impersonated_user else {
        return;
    };
    let actor = match event.user.username.as_str() {
        "" => "(no user)",
        name => name,
    };
    let groups: Vec<&str> = target
        .groups
        .iter()
        .map(|group| group.as_str())
        .filter(|group| *group != "system:authenticated")
        .collect();
    let with_groups = if groups.is_empty() {
        String::new()
    } else {
        format!(" (groups {})", groups.join(", "))
    };
    let target_name = match target.username.as_str() {
        "" => "(no user)",
        name => name,
    };
    let alert = out.report(
        "/impersonatedUser",
        format!(
            "{actor} acted as {target_name}{with_groups}: {}",
            request_summary(event)
        ),
    );
    alert.severity = severity(target);
}

fn severity(target: &UserInfo) -> Severity {
    if target.in_group("system:masters") {
        Severity::Critical
    } else if target.username.starts_with("system:") && !is_ordinary_service_account(target)
        || target.in_group("system:nodes")
    {
        Severity::High
    } else {
        Severity::Medium
    }
}

/// A service account outside `kube-system`: what GitOps controllers impersonate to apply a
/// tenant's objects with the tenant's rights. The controllers of `kube-system` are not
/// ordinary: several can grant themselves anything.
fn is_ordinary_service_account(user: &UserInfo) -> bool {
    user.service_account()
        .is_some_and(|(namespace, _)| namespace != "kube-system")
}
