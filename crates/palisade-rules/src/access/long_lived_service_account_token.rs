//! ## What it does
//!
//! Finds Secrets of type `kubernetes.io/service-account-token`. For such a Secret, the token
//! controller writes a token of the ServiceAccount named in its
//! `kubernetes.io/service-account.name` annotation, and that token never expires.
//!
//! Secrets that the legacy token cleaner has already invalidated (label
//! `kubernetes.io/legacy-token-invalid-since`) are not reported: their token is no longer
//! accepted. The ServiceAccount's `secrets:` list is not checked separately: a listed Secret
//! that is part of the input is reported itself, and one that is not cannot be judged.
//!
//! ## Why is this bad?
//!
//! Since Kubernetes 1.22 pods get bound tokens through the TokenRequest API: they expire, the
//! kubelet rotates them, and they stop working when the pod is deleted. Since 1.24 no
//! Secret-based token is generated any more unless someone creates one like this. A Secret-based
//! token is valid until the Secret is deleted, is stored in etcd, and can be read by anyone
//! who may `get` Secrets in the namespace, through backups, or from a leaked manifest or
//! dump. An internal attacker who reads it acts as the ServiceAccount from anywhere, long after
//! the pod or person that used it is gone; a privileged attacker creates one to keep access
//! after their original foothold is removed.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Secret
//! metadata:
//!   name: ci-token
//!   namespace: ci
//!   annotations:
//!     kubernetes.io/service-account.name: deployer
//! type: kubernetes.io/service-account-token
//! ```
//!
//! Use instead: no Secret; request a short-lived token when it is needed
//! (`kubectl create token deployer --namespace ci --duration 1h`, or the TokenRequest API),
//! or let pods use their automatically mounted, bound token:
//!
//! ```yaml
//! apiVersion: v1
//! kind: ServiceAccount
//! metadata:
//!   name: deployer
//!   namespace: ci
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: reference/access-authn-authz/service-accounts-admin/ (bound tokens, "Legacy ServiceAccount token cleaner")
//! - Kubernetes documentation: concepts/security/service-accounts/
//! - MITRE ATT&CK T1528 Steal Application Access Token; T1550.001 Use Alternate Authentication Material: Application Access Token

use palisade_model::{Layer, Node, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "long-lived-service-account-token",
        severity: Severity::Medium,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "k8s-docs:reference/access-authn-authz/service-accounts-admin/",
            "k8s-docs:concepts/security/service-accounts/",
            "mitre:T1528",
            "mitre:T1550.001",
        ],
        summary: "Secret of type kubernetes.io/service-account-token holds a non-expiring ServiceAccount token",
        fix: "Delete the Secret and request short-lived tokens instead (`kubectl create token`, the TokenRequest API, or the pod's bound token).",
    },
    check: Check::Object(check),
};

const TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
const ACCOUNT_ANNOTATION: &str = "kubernetes.io/service-account.name";
const INVALIDATED_LABEL: &str = "kubernetes.io/legacy-token-invalid-since";

fn check(context: &ObjectContext, out: &mut Emitter) {
    let secret = context.object;
    if secret.kind != "Secret" || !secret.group().is_empty() {
        return;
    }
    if secret.root.get("type").and_then(Node::as_str) != Some(TOKEN_TYPE) {
        return;
    }
    if secret
        .labels()
        .is_some_and(|labels| labels.get(INVALIDATED_LABEL).is_some())
    {
        return;
    }
    let name = &secret.name;
    let message = match secret
        .annotation(ACCOUNT_ANNOTATION)
        .filter(|account| !account.is_empty())
    {
        Some(account) => format!(
            "Secret {name:?} has type {TOKEN_TYPE}: it holds a token of ServiceAccount {account:?} that never expires; whoever can read the Secret can act as that ServiceAccount until the Secret is deleted"
        ),
        None => format!(
            "Secret {name:?} has type {TOKEN_TYPE} but names no ServiceAccount in the {ACCOUNT_ANNOTATION} annotation, which the API server requires; with one, it would hold a token that never expires"
        ),
    };
    out.report(&Pointer::root().key("type"), message);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn secret(metadata: &str, rest: &str) -> String {
        format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: s, {metadata}}}\n{rest}\n")
    }

    #[test]
    fn token_secrets_are_reported_by_type() {
        let yaml = secret(
            "annotations: {kubernetes.io/service-account.name: deployer}",
            "type: kubernetes.io/service-account-token\ndata: {token: c2VjcmV0LXRva2VuLXZhbHVl}",
        );
        let found = findings(&RULE, &yaml);
        assert_eq!(found.len(), 1);
        assert_eq!(&*found[0].path, "/type");
        assert!(found[0].message.contains("ServiceAccount \"deployer\""));
        // The token itself (base64 or decoded) never appears.
        assert!(!found[0].message.contains("c2VjcmV0"));
        assert!(!found[0].message.contains("secret-token-value"));
    }

    #[test]
    fn near_misses_pass() {
        for yaml in [
            secret("namespace: ci", "type: Opaque"),
            secret("namespace: ci", "type: kubernetes.io/Service-Account-Token"),
            secret("namespace: ci", "type: [kubernetes.io/service-account-token]"),
            secret("namespace: ci", ""),
            secret(
                "labels: {kubernetes.io/legacy-token-invalid-since: 2024-01-01}",
                "type: kubernetes.io/service-account-token",
            ),
            "apiVersion: example.com/v1\nkind: Secret\nmetadata: {name: s}\ntype: kubernetes.io/service-account-token\n".to_string(),
        ] {
            assert!(findings(&RULE, &yaml).is_empty(), "{yaml}");
        }
    }

    #[test]
    fn a_missing_or_odd_annotation_is_said() {
        for metadata in [
            "namespace: ci",
            "annotations: {kubernetes.io/service-account.name: ''}",
            "annotations: {kubernetes.io/service-account.name: 5}",
            "annotations: [x]",
        ] {
            let found = findings(
                &RULE,
                &secret(metadata, "type: kubernetes.io/service-account-token"),
            );
            assert_eq!(found.len(), 1, "{metadata}");
            assert!(
                found[0].message.contains("names no ServiceAccount"),
                "{metadata}"
            );
        }
        let odd = "ünï\u{202e}cødé".repeat(1000);
        let found = findings(
            &RULE,
            &secret(
                &format!("annotations: {{kubernetes.io/service-account.name: \"{odd}\"}}"),
                "type: kubernetes.io/service-account-token",
            ),
        );
        assert_eq!(found.len(), 1);
    }
}
