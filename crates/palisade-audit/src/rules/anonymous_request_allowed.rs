//! ## What it does
//!
//! Reports every request without credentials (user `system:anonymous`, or any user in group
//! `system:unauthenticated`) that the API server authorized, except the endpoints every
//! cluster opens to everyone through the default `system:public-info-viewer` binding: the
//! health checks `/healthz`, `/livez`, `/readyz` (and their sub-paths such as
//! `/readyz/etcd`) and `/version`. A write (create, update, patch, delete) is critical.
//!
//! Requests are not excused by their source address or user agent: a load balancer's health
//! checker and `kube-probe` call the health endpoints, which are already excused, and a user
//! agent is whatever the client writes.
//!
//! ## Why is this bad?
//!
//! Anything the anonymous user may do, anyone who can reach the API server may do, without
//! leaving a name behind: with anonymous authentication on (the default) and a binding that
//! grants `system:anonymous` or `system:unauthenticated` more than the public information,
//! the cluster is open to the network (MITRE ATT&CK T1190 Exploit Public-Facing Application,
//! T1078.001 Valid Accounts: Default Accounts). Internet-wide scans look for exactly this, and
//! a binding of `cluster-admin` to `system:anonymous` has been behind real cluster takeovers.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"list",
//!  "user":{"username":"system:anonymous","groups":["system:unauthenticated"]},
//!  "sourceIPs":["198.51.100.23"],"requestURI":"/api/v1/secrets",
//!  "objectRef":{"resource":"secrets","apiVersion":"v1"},"responseStatus":{"code":200},
//!  "annotations":{"authorization.k8s.io/decision":"allow",
//!   "authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"oops\" of ClusterRole \"view\" to User \"system:anonymous\""}}
//! ```
//!
//! Use instead: remove the bindings that name `system:anonymous` or `system:unauthenticated`
//! (the `authorization.k8s.io/reason` annotation names the one that allowed the request), and
//! turn anonymous authentication off where nothing needs it:
//!
//! ```shell
//! kubectl get clusterrolebindings,rolebindings -A -o wide | grep -E 'system:(anonymous|unauthenticated)'
//! kube-apiserver --anonymous-auth=false ...
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1190 Exploit Public-Facing Application
//! - MITRE ATT&CK T1078.001 Valid Accounts: Default Accounts
//! - Microsoft Threat Matrix for Kubernetes MS-TA9005: Exposed sensitive interfaces
//! - CIS Kubernetes Benchmark 1.2.1 (--anonymous-auth is set to false)
//! - Falco k8saudit rule "Anonymous Request Allowed"
//! - Panther detection Kubernetes.API.AnonymousAccess
//! - Kubernetes documentation: Authenticating (anonymous requests)

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::request_summary;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "anonymous-request-allowed",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "mitre:T1190",
            "mitre:T1078.001",
            "ms-threat:MS-TA9005",
            "cis-k8s:1.2.1",
            "k8s-docs:reference/access-authn-authz/authentication/#anonymous-requests",
        ],
        summary: "A request without credentials was allowed",
        fix: "Remove the bindings that grant system:anonymous or system:unauthenticated more than the health and version endpoints (the authorization reason names the binding), and run the API server with --anonymous-auth=false where possible.",
    },
    why: "what an anonymous request may do, anyone who reaches the API server may do without a name (MITRE T1190)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if !event.is_anonymous() || event.allowed() != Some(true) {
        return;
    }
    if event.object_ref.is_none() && is_public_info(&event.request_uri) {
        return;
    }
    let write = matches!(
        event.verb.as_str(),
        "create" | "update" | "patch" | "delete" | "deletecollection"
    );
    let user = match event.user.username.as_str() {
        "" => "a client",
        name => name,
    };
    let alert = out.report(
        "/user/username",
        format!(
            "{user} sent a request without credentials that was authorized: {}",
            request_summary(event)
        ),
    );
    if write {
        alert.severity = Severity::Critical;
    }
}

/// The non-resource paths the default `system:public-info-viewer` ClusterRole opens to
/// everyone: health checks (with their per-check sub-paths) and the version.
fn is_public_info(uri: &str) -> bool {
    let path = uri.split_once('?').map_or(uri, |(path, _)| path);
    // A path that climbs or hides characters is not a health check, whatever it starts with.
    if path.contains("..") || path.contains('%') {
        return false;
    }
    let health = ["/healthz", "/livez", "/readyz"].iter().any(|endpoint| {
        path.strip_prefix(endpoint)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    });
    health || path == "/version" || path == "/version/"
}

#[cfg(test)]
mod tests {
    use super::is_public_info;

    #[test]
    fn public_info_paths() {
        for open in [
            "/healthz",
            "/healthz?verbose",
            "/livez/ping",
            "/readyz/etcd",
            "/version",
            "/version/",
        ] {
            assert!(is_public_info(open), "{open}");
        }
        for closed in [
            "/healthzz",
            "/healthz-admin",
            "/api",
            "/apis",
            "/metrics",
            "/version/../api/v1/secrets",
            "/healthz/../api/v1/secrets",
            "/readyz/%2e%2e/api",
            "/versions",
            "/debug/pprof",
            "",
        ] {
            assert!(!is_public_info(closed), "{closed}");
        }
    }
}
