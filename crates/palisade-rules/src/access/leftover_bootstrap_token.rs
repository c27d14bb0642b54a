//! ## What it does
//!
//! Finds bootstrap token Secrets (`type: bootstrap.kubernetes.io/token`) in `kube-system` (or
//! without a namespace, since they work only there), which `kubeadm init` and `kubeadm token
//! create` leave behind for nodes to join. The finding is at `type`; its message names the
//! Secret, whether the token authenticates (`usage-bootstrap-authentication`), which extra
//! groups it carries, and whether it has an `expiration`. The token itself is never printed.
//!
//! A token without an expiration that authenticates is high; one that expires, or that is only
//! for signing the `cluster-info` ConfigMap, is medium.
//!
//! ## Why is this bad?
//!
//! A bootstrap token is a bearer credential for the API server: it authenticates as
//! `system:bootstrap:<id>` in the group `system:bootstrappers` (plus any `auth-extra-groups`),
//! which kubeadm lets create CertificateSigningRequests that are approved automatically. With
//! it an attacker who reads it from a manifest, a backup or a CI log joins a node of their own
//! to the cluster, receives node credentials, and from there reads the Secrets of the pods
//! scheduled to it. Installation guides say to remove it once the nodes have joined; a token
//! that does not expire stays valid until someone does.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Secret
//! metadata:
//!   name: bootstrap-token-07401b
//!   namespace: kube-system
//! type: bootstrap.kubernetes.io/token
//! stringData:
//!   token-id: 07401b
//!   token-secret: f395accd246ae52d
//!   usage-bootstrap-authentication: "true"
//!   auth-extra-groups: system:bootstrappers:kubeadm:default-node-token
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! # after the nodes have joined: kubeadm token delete 07401b
//! # and create short-lived tokens when a node must join: kubeadm token create --ttl 1h
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: reference/access-authn-authz/bootstrap-tokens/
//! - Kubernetes documentation: reference/setup-tools/kubeadm/kubeadm-token/
//! - MITRE ATT&CK T1552.007 Unsecured Credentials: Container API; T1078 Valid Accounts

use palisade_model::{Layer, Node, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "leftover-bootstrap-token",
        severity: Severity::High,
        layer: Layer::Access,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "k8s-docs:reference/access-authn-authz/bootstrap-tokens/",
            "k8s-docs:reference/setup-tools/kubeadm/kubeadm-token/",
            "mitre:T1552.007",
            "mitre:T1078",
        ],
        summary: "A bootstrap token Secret is still in kube-system after installation",
        fix: "Delete bootstrap tokens once the nodes have joined (`kubeadm token delete ID`); create short-lived ones (`kubeadm token create --ttl 1h`) when a node must join.",
    },
    check: Check::Object(check),
};

const TOKEN_TYPE: &str = "bootstrap.kubernetes.io/token";

/// A field of the Secret's `stringData` (which wins) or base64 `data`, decoded; `None` when
/// absent or unreadable.
fn field(secret: &Node, key: &str) -> Option<String> {
    if let Some(text) = secret
        .get("stringData")
        .and_then(|data| data.get(key))
        .and_then(Node::as_str)
    {
        return Some(text.to_string());
    }
    let encoded = secret.get("data")?.get(key)?.as_str()?;
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// An RFC 3339 timestamp (`2030-01-01T00:00:00Z`), and nothing that could be a token.
fn is_timestamp(text: &str) -> bool {
    let bytes = text.as_bytes();
    text.len() <= 35
        && bytes.len() >= 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || "-:+.TZ".contains(c))
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if object.kind != "Secret" || !object.group().is_empty() {
        return;
    }
    if object.root.get("type").and_then(Node::as_str) != Some(TOKEN_TYPE) {
        return;
    }
    if object
        .namespace
        .as_deref()
        .is_some_and(|namespace| namespace != "kube-system")
    {
        return;
    }
    let root = &object.root;
    let authenticates = field(root, "usage-bootstrap-authentication").as_deref() == Some("true");
    // Expiration and groups are not secret; they are shown only in a shape that cannot carry
    // the token (a timestamp, group names).
    let expiration = field(root, "expiration").filter(|text| is_timestamp(text));
    let groups: Vec<String> = field(root, "auth-extra-groups")
        .map(|text| {
            text.split(',')
                .map(str::trim)
                .filter(|group| group.starts_with("system:bootstrappers"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let usage = if authenticates {
        let extra = if groups.is_empty() {
            String::new()
        } else {
            format!(" and {}", groups.join(", "))
        };
        format!(
            "it authenticates to the API server as a member of system:bootstrappers{extra}, enough to join a node of one's own to the cluster and receive node credentials"
        )
    } else {
        "it is not marked for authentication (usage-bootstrap-authentication is not \"true\"), but it signs the cluster-info ConfigMap that joining nodes trust".to_string()
    };
    let lifetime = match &expiration {
        Some(when) => format!("it expires at {when}"),
        None => "it has no expiration, so it stays valid until deleted".to_string(),
    };
    let finding = out.report(
        &Pointer::root().key("type"),
        format_args!(
            "bootstrap token Secret {:?} is still in kube-system: {usage}; {lifetime}. Remove it once the nodes have joined",
            object.name
        ),
    );
    if !authenticates || expiration.is_some() {
        finding.severity = Severity::Medium;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn secret(namespace: &str, data: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: bootstrap-token-abcdef{namespace}}}\ntype: bootstrap.kubernetes.io/token\n{data}\n"
        )
    }

    #[test]
    fn severity_follows_usage_and_expiration() {
        let found = |yaml: &str| {
            findings(&RULE, yaml)
                .into_iter()
                .map(|f| (f.severity, f.message))
                .collect::<Vec<_>>()
        };
        let forever = found(&secret(
            ", namespace: kube-system",
            "stringData: {token-id: abcdef, token-secret: 0123456789abcdef, usage-bootstrap-authentication: 'true'}",
        ));
        assert_eq!(forever.len(), 1);
        assert_eq!(forever[0].0, Severity::High);
        assert!(!forever[0].1.contains("0123456789abcdef"));
        // base64: "true" and an expiration.
        let expiring = found(&secret(
            "",
            "data: {usage-bootstrap-authentication: dHJ1ZQ==, expiration: MjAzMC0wMS0wMVQwMDowMDowMFo=}",
        ));
        assert_eq!(expiring[0].0, Severity::Medium);
        assert!(
            expiring[0].1.contains("2030-01-01T00:00:00Z"),
            "{}",
            expiring[0].1
        );
        assert!(found(&secret(", namespace: default", "stringData: {}")).is_empty());
        assert!(found(&secret(", namespace: kube-system", "stringData: [1]")).len() == 1);
    }

    #[test]
    fn the_token_secret_never_appears() {
        let yaml = secret(
            ", namespace: kube-system",
            "stringData: {token-secret: s3cr3tvalue12345, expiration: s3cr3tvalue12345, auth-extra-groups: 's3cr3tvalue12345,system:bootstrappers:x'}",
        );
        for finding in findings(&RULE, &yaml) {
            assert!(!finding.message.contains("s3cr3t"), "{}", finding.message);
        }
    }
}
