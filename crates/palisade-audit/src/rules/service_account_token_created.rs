//! ## What it does
//!
//! Reports the minting of service-account tokens by anyone but the control plane:
//!
//! - a `TokenRequest` (`create` on `serviceaccounts/token`, what `kubectl create token` does)
//!   that succeeded, by anyone but the kubelets (which request the tokens of their pods'
//!   projected volumes) and the controller manager, the scheduler, the API server and the
//!   service accounts of `kube-system`. The message gives the lifetime asked for when the
//!   audit level recorded the request body;
//! - the creation of a Secret of type `kubernetes.io/service-account-token` (with `create`, or
//!   with a server-side apply `patch` answered 201 Created), a legacy token that never expires
//!   and that the token controller fills in, when the audit level recorded the request body
//!   (at level `Metadata` the type of a Secret is not in the log).
//!
//! Tokens for service accounts of `kube-system` are high: several of them can grant
//! themselves anything. Neither the token nor the Secret's data is ever read: the response
//! of a TokenRequest holds the token, and the rule does not look at responses.
//!
//! ## Why is this bad?
//!
//! A token minted by hand is a credential that lives outside the cluster's control: it is
//! copied into a CI system, a laptop or an attacker's toolkit, and it acts as the service
//! account until it expires — a legacy token Secret, never. Creating one for a powerful
//! service account is a classic way to keep access after the first foothold (MITRE ATT&CK
//! T1098.001 Account Manipulation: Additional Cloud Credentials, T1528 Steal Application
//! Access Token).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"dave@example.com"},"sourceIPs":["10.1.2.3"],
//!  "objectRef":{"resource":"serviceaccounts","subresource":"token","namespace":"kube-system","name":"clusterrole-aggregation-controller"},
//!  "requestObject":{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","spec":{"expirationSeconds":31536000}},
//!  "responseStatus":{"code":201}}
//! ```
//!
//! Use instead: let pods get their tokens from projected volumes (the kubelet requests and
//! rotates them); give people and outside systems their own identities; take `create` on
//! `serviceaccounts/token` and on `secrets` out of everyday roles:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["serviceaccounts"]   # no serviceaccounts/token
//!     verbs: ["get", "list"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1098.001 Account Manipulation: Additional Cloud Credentials
//! - MITRE ATT&CK T1528 Steal Application Access Token
//! - CIS Kubernetes Benchmark 5.1.13 (minimize access to the service account token creation)
//! - Panther detection Kubernetes.ServiceAccount.TokenCreated
//! - Kubernetes documentation: Managing Service Accounts (TokenRequest API, legacy tokens)

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{is_control_plane, request_summary, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "service-account-token-created",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1098.001",
            "mitre:T1528",
            "cis-k8s:5.1.13",
            "k8s-docs:reference/access-authn-authz/service-accounts-admin/",
        ],
        summary: "Someone minted a token for a service account",
        fix: "Find out who needs the token and why; delete a legacy token Secret (revoking its token), give outside systems their own identity, and take create on serviceaccounts/token and secrets out of everyday roles.",
    },
    why: "a hand-made service-account token is a credential outside the cluster's control that acts as the service account until it expires, a legacy one never (MITRE T1098.001)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

const TOKEN_SECRET_TYPE: &str = "kubernetes.io/service-account-token";

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if !event.api_group().is_empty() || !event.succeeded() {
        return;
    }
    match (event.resource(), event.subresource(), event.verb.as_str()) {
        ("serviceaccounts", "token", "create") => {}
        // Server-side apply creates with a patch; 201 tells a creation from an update.
        ("secrets", "", "create") => {}
        ("secrets", "", "patch") if event.response_code() == Some(201) => {}
        _ => return,
    }
    if is_control_plane(&event.user) {
        return;
    }
    let body = event.request_object.as_ref();
    let severity = if event.namespace() == "kube-system" {
        Severity::High
    } else {
        Severity::Medium
    };
    let message = if event.resource() == "serviceaccounts" {
        let lifetime = body
            .and_then(|body| body.pointer("/spec/expirationSeconds"))
            .and_then(Value::as_u64)
            .map(|seconds| format!(" valid for {}", duration(seconds)))
            .unwrap_or_default();
        format!(
            "{} created a token for service account {}/{}{lifetime}: {}",
            who(event),
            event.namespace(),
            event.name(),
            request_summary(event)
        )
    } else {
        let Some(body) = body else { return };
        if body.pointer("/type").and_then(Value::as_str) != Some(TOKEN_SECRET_TYPE) {
            return;
        }
        let account = body
            .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
            .and_then(Value::as_str)
            .unwrap_or("(not named)");
        let secret = match event.name() {
            "" => body
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or("(not named)"),
            name => name,
        };
        format!(
            "{} created Secret {}/{secret} of type {TOKEN_SECRET_TYPE}, a token that never expires, for service account {}/{account}: {}",
            who(event),
            event.namespace(),
            event.namespace(),
            request_summary(event)
        )
    };
    let path = if event.resource() == "serviceaccounts" {
        "/objectRef/subresource"
    } else {
        "/requestObject/type"
    };
    out.report(path, message).severity = severity;
}

/// `3600` → `1h`, `31536000` → `8760h`, `90` → `90s`.
fn duration(seconds: u64) -> String {
    if seconds >= 3600 && seconds.is_multiple_of(3600) {
        format!("{}h", seconds / 3600)
    } else if seconds >= 60 && seconds.is_multiple_of(60) {
        format!("{}m", seconds / 60)
    } else {
        format!("{seconds}s")
    }
}

#[cfg(test)]
mod tests {
    use super::duration;

    #[test]
    fn durations() {
        assert_eq!(duration(3600), "1h");
        assert_eq!(duration(31_536_000), "8760h");
        assert_eq!(duration(600), "10m");
        assert_eq!(duration(90), "90s");
        assert_eq!(duration(0), "0s");
    }
}
