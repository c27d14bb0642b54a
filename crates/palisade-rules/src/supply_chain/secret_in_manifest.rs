//! ## What it does
//!
//! Finds Secret objects committed to the manifests with their values: a non-empty `data` or
//! `stringData`. The finding names the keys, never the values.
//!
//! Keys whose values are not secret are left out: public certificates and public keys (`ca.crt`,
//! `tls.crt`), and configuration files (`grafana.ini`, `alertmanager.yaml`) in which no credential
//! is found (no private key, token, password line, or URL with a password). Values that are only
//! a placeholder for a templating step (`${DB_PASSWORD}`, `{{ .Values.password }}`) are left out
//! too. Secrets of type `kubernetes.io/service-account-token` are left to
//! long-lived-service-account-token.
//!
//! It also reads the `kubectl.kubernetes.io/last-applied-configuration` annotation of every object:
//! `kubectl apply` copies the whole applied object into it, so a Secret exported from a cluster
//! (`kubectl get secret -o yaml`) carries its values a second time there, including values that
//! were applied once and have been changed since.
//!
//! ## Why is this bad?
//!
//! Secret `data` is base64, an encoding, not encryption: everyone who can read the repository,
//! its forks, its CI logs or a backup of it reads the secret, and Git keeps it in history after it
//! is rotated. The internal attacker who gets read access to a repository (a leaked token, a
//! contractor account) collects database passwords, TLS private keys and API tokens without ever
//! touching the cluster. Secrets belong in an external secret store (Vault, a cloud secret manager
//! with the External Secrets Operator or the Secrets Store CSI driver) or are committed encrypted
//! (Sealed Secrets, SOPS).
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Secret
//! metadata:
//!   name: db
//! type: Opaque
//! data:
//!   password: ...            # base64 of the real password
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: external-secrets.io/v1
//! kind: ExternalSecret
//! metadata:
//!   name: db
//! spec:
//!   secretStoreRef:
//!     name: vault
//!     kind: ClusterSecretStore
//!   target:
//!     name: db
//!   data:
//!     - secretKey: password
//!       remoteRef:
//!         key: apps/db
//!         property: password
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.4.2: Consider external secret storage
//! - Kubernetes documentation: concepts/configuration/secret/; concepts/security/secrets-good-practices/
//! - MITRE ATT&CK T1552.001 Unsecured Credentials: Credentials In Files
//! - Microsoft Threat Matrix for Kubernetes MS-TA9027 Application credentials in configuration files

use palisade_model::{Layer, Node, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::credentials::{
    decode_base64, is_config_file_name, is_public_material, is_reference, scan,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "secret-in-manifest",
        severity: Severity::Medium,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.4.2",
            "k8s-docs:concepts/configuration/secret/",
            "k8s-docs:concepts/security/secrets-good-practices/",
            "mitre:T1552.001",
            "ms-threat:MS-TA9027",
        ],
        summary: "Secret object with its values committed to the manifests",
        fix: "Keep secret values out of the repository: create the Secret from an external secret store (External Secrets Operator, Secrets Store CSI driver) or commit it encrypted (Sealed Secrets, SOPS); rotate the values that were committed.",
    },
    check: Check::Object(check),
};

const SERVICE_ACCOUNT_TOKEN: &str = "kubernetes.io/service-account-token";
const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// Larger annotations are not parsed: the API server refuses annotations over 256 KiB in total.
const MAX_ANNOTATION_BYTES: usize = 1 << 20;

/// How many key names one message lists.
const MAX_LISTED_KEYS: usize = 10;

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if is_secret(object.group(), &object.kind)
        && secret_type(&object.root) != Some(SERVICE_ACCOUNT_TOKEN)
    {
        for (field, encoded) in [("data", true), ("stringData", false)] {
            let keys = secret_keys(object.root.get(field), encoded);
            if !keys.is_empty() {
                out.report(
                    &Pointer::root().key(field),
                    format_args!(
                        "Secret {:?} commits {} to the manifests in `{field}`",
                        object.name,
                        list_keys(&keys)
                    ),
                );
            }
        }
    }
    check_last_applied(object, out);
}

fn is_secret(group: &str, kind: &str) -> bool {
    group.is_empty() && kind == "Secret"
}

fn secret_type(root: &Node) -> Option<&str> {
    root.get("type").and_then(Node::as_str).map(str::trim)
}

/// The last-applied-configuration annotation of any object, when it embeds a Secret with values.
fn check_last_applied(object: &Object, out: &mut Emitter) {
    let Some(text) = object.annotation(LAST_APPLIED) else {
        return;
    };
    if text.len() > MAX_ANNOTATION_BYTES || !text.contains("Secret") {
        return;
    }
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    let applied = Node::from_json(&json);
    let kind = applied.get("kind").and_then(Node::as_str).unwrap_or("");
    let group = applied
        .get("apiVersion")
        .and_then(Node::as_str)
        .and_then(|version| version.rsplit_once('/'))
        .map_or("", |(group, _)| group);
    if !is_secret(group, kind) || secret_type(&applied) == Some(SERVICE_ACCOUNT_TOKEN) {
        return;
    }
    let mut keys = secret_keys(applied.get("data"), true);
    for key in secret_keys(applied.get("stringData"), false) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        return;
    }
    let name = applied
        .get_path(&["metadata", "name"])
        .and_then(Node::as_str)
        .unwrap_or(&object.name);
    out.report(
        &Pointer::root().keys(&["metadata", "annotations", LAST_APPLIED]),
        format_args!(
            "the {LAST_APPLIED} annotation embeds {} of Secret {name:?} (kubectl apply copies the whole object into it)",
            list_keys(&keys)
        ),
    );
}

/// The keys of a Secret's `data` (base64, `encoded`) or `stringData` whose values are secret.
fn secret_keys(field: Option<&Node>, encoded: bool) -> Vec<String> {
    let Some(field) = field else {
        return Vec::new();
    };
    field
        .entries()
        .iter()
        .filter(|entry| is_secret_value(&entry.key, &entry.value, encoded))
        .map(|entry| entry.key.to_string())
        .collect()
}

/// Whether one value of a Secret is a secret, judged as described in the rule's documentation.
fn is_secret_value(key: &str, value: &Node, encoded: bool) -> bool {
    let text = match &value.value {
        palisade_model::Value::Str(text) => text.as_str(),
        palisade_model::Value::Null => return false,
        // A number or a list where a string belongs: the API rejects it, but it was written here.
        _ => return !value.is_empty(),
    };
    if text.trim().is_empty() {
        return false;
    }
    let decoded: String = if encoded {
        match decode_base64(text) {
            Some(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                // Binary content (a keystore): assume it is secret.
                Err(_) => return true,
            },
            // Not base64: the API rejects it, but what is written is probably the secret itself.
            None => text.to_string(),
        }
    } else {
        text.to_string()
    };
    if decoded.trim().is_empty() || is_reference(&decoded) || is_public_material(&decoded) {
        return false;
    }
    if is_config_file_name(key) {
        return !scan(&decoded).is_empty();
    }
    true
}

/// `the values of keys "a", "b" and "c"`, or of the first ones and how many more.
fn list_keys(keys: &[String]) -> String {
    let noun = if keys.len() == 1 {
        "the value of key"
    } else {
        "the values of keys"
    };
    let mut shown: Vec<String> = keys
        .iter()
        .take(MAX_LISTED_KEYS)
        .map(|key| format!("{key:?}"))
        .collect();
    if keys.len() > MAX_LISTED_KEYS {
        shown.push(format!("{} more", keys.len() - MAX_LISTED_KEYS));
    }
    let list = match shown.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    };
    format!("{noun} {list}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(text: &str) -> Node {
        Node::from_json(&serde_json::Value::String(text.to_string()))
    }

    #[test]
    fn which_values_are_secret() {
        assert!(is_secret_value("password", &string("aHVudGVyMg=="), true));
        assert!(is_secret_value("password", &string("hunter2"), false));
        assert!(is_secret_value("key", &string("not base64 at all!"), true));
        assert!(!is_secret_value("password", &string(""), true));
        assert!(!is_secret_value(
            "password",
            &string("${DB_PASSWORD}"),
            false
        ));
        // "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
        let certificate =
            "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";
        assert!(!is_secret_value("ca.crt", &string(certificate), true));
        assert!(!is_secret_value(
            "grafana.ini",
            &string("[date_formats]\ndefault_timezone = UTC\n"),
            false
        ));
        assert!(is_secret_value(
            "grafana.ini",
            &string("[security]\nadmin_password = hunter2\n"),
            false
        ));
        // binary (not UTF-8) content
        assert!(is_secret_value("keystore.p12", &string("/w=="), true));
        assert!(!is_secret_value("password", Node::null(), true));
    }

    #[test]
    fn key_lists() {
        let keys = |n: usize| (0..n).map(|i| format!("k{i}")).collect::<Vec<_>>();
        assert_eq!(list_keys(&keys(1)), "the value of key \"k0\"");
        assert_eq!(
            list_keys(&keys(3)),
            "the values of keys \"k0\", \"k1\" and \"k2\""
        );
        assert!(list_keys(&keys(25)).ends_with("and 15 more"));
    }
}
