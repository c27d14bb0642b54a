//! ## What it does
//!
//! When `audit.allowedUsers` is set in `.palisade.yaml`, reports every request by a user who
//! is not in it: neither one of its user names (globs) nor a member of one of its groups
//! (`group:NAME`). Kubernetes' own identities (`system:` users: service accounts, nodes,
//! components, and `system:anonymous`, which `anonymous-request-allowed` judges) are not
//! judged, as Falco's rule does not; the requests are reported whatever their outcome. Without
//! `audit.allowedUsers` the rule reports nothing.
//!
//! ## Why is this bad?
//!
//! On a cluster where only a known set of people and pipelines should act, any other name in
//! the audit log is someone who got credentials they should not have: a leaked kubeconfig, a
//! client certificate minted on the side, a forgotten identity-provider group (MITRE ATT&CK
//! T1078 Valid Accounts). The list turns "who is this?" from an investigation into an alert.
//!
//! ## Example
//!
//! With `allowedUsers: [alice, group:platform-admins]`, an event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create",
//!  "user":{"username":"mallory","groups":["system:authenticated"]},"sourceIPs":["10.1.2.3"],
//!  "objectRef":{"resource":"namespaces","name":"foo"},"responseStatus":{"code":201}}
//! ```
//!
//! Use instead: revoke the credential of a user who should not be there, or add a user who
//! should:
//!
//! ```yaml
//! audit:
//!   allowedUsers:
//!     - alice
//!     - ci@example.com
//!     - group:platform-admins
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1078 Valid Accounts
//! - Falco k8saudit rule "Disallowed K8s User"
//! - Kubernetes documentation: Authenticating

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{not_yet_answered, request_summary};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "unexpected-user",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1078",
            "k8s-docs:reference/access-authn-authz/authentication/",
        ],
        summary: "A user outside audit.allowedUsers made a request",
        fix: "Find out who the user is and where their credentials came from; revoke them, or add the user to audit.allowedUsers if they belong.",
    },
    why: "a user outside the known set acting on the cluster holds credentials they should not have (MITRE T1078)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let Some(allowed) = &context.config.allowed_users else {
        return;
    };
    let event = context.event;
    let user = &event.user;
    if user.username.is_empty()
        || user.username.starts_with("system:")
        || not_yet_answered(event)
        || allowed.contains(user)
    {
        return;
    }
    out.report(
        "/user/username",
        format!(
            "{} is not in audit.allowedUsers: {}",
            user.username,
            request_summary(event)
        ),
    );
}
