//! ## What it does
//!
//! Finds ConfigMap values (`data`, and `binaryData` once decoded) that hold credentials:
//!
//! - a key whose name says it is a secret (`db_password`, `AWS_SECRET_ACCESS_KEY`, `apiKey`,
//!   `AZURE_BATCH_KEY`) with a literal value;
//! - a PEM private key (`-----BEGIN ... PRIVATE KEY-----`);
//! - a token recognised by its prefix: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
//!   `github_pat_`), GitLab (`glpat-`), Slack (`xoxb-` and the other `xox?-` tokens, incoming
//!   webhook URLs), Stripe live keys (`sk_live_`, `rk_live_`), Google API keys (`AIza`), npm
//!   (`npm_`), SendGrid (`SG.`), Docker Hub, Vault, Shopify, OpenAI and Anthropic keys, Azure
//!   storage account keys, JSON Web Tokens, and AWS access key ids (`AKIA`, `ASIA`) together with
//!   a secret access key;
//! - inside embedded configuration files (keys such as `app.ini`, `config.yaml`,
//!   `application.properties`): lines that give a secret-like setting a literal value
//!   (`password: x`, `db.password=x`, `"token": "x"`, `<password>x</password>`), and URLs with an
//!   embedded password (`postgres://app:x@db/app`).
//!
//! Values that only point at a secret are not reported: empty values, switches (`true`, `1`),
//! placeholders and references (`${DB_PASSWORD}`, `{{ .Values.token }}`, `<your-password>`,
//! `$(VAR)`, `env:...`), file paths, masked values (`****`), commented-out lines, and public
//! certificates and keys. Findings name the key (and the line and setting inside an embedded
//! file), never the value.
//!
//! ## Why is this bad?
//!
//! ConfigMaps are not meant for secrets: they are readable by far more subjects than Secrets
//! (monitoring agents, CI service accounts and the built-in `view` role may read ConfigMaps but
//! not Secrets), `kubectl describe` prints them, encryption at rest is usually configured for
//! Secrets only, and they live in plain text in the repository. An internal attacker with read-only access to a namespace, or to the manifests,
//! collects the credential and uses it against the database, cloud account or SaaS it opens.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: ConfigMap
//! metadata:
//!   name: app
//! data:
//!   LOG_LEVEL: info
//!   DB_PASSWORD: "..."            # the password itself
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: v1
//! kind: ConfigMap
//! metadata:
//!   name: app
//! data:
//!   LOG_LEVEL: info
//! ---
//! # DB_PASSWORD comes from a Secret created by the secret store, referenced with
//! # envFrom.secretRef or valueFrom.secretKeyRef.
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/configuration/configmap/ ("ConfigMap does not provide
//!   secrecy or encryption"); concepts/security/secrets-good-practices/
//! - MITRE ATT&CK T1552.001 Unsecured Credentials: Credentials In Files; T1552.007 Container API
//! - Microsoft Threat Matrix for Kubernetes MS-TA9027 Application credentials in configuration files

use palisade_model::{Layer, Node, Pointer, RuleMeta, Severity, ThreatActor, Value};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::secret_names::is_secret_name;
use crate::supply_chain::credentials::{
    Detection, decode_base64, is_config_file_name, is_literal_secret, scan,
};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "credential-in-configmap",
        severity: Severity::High,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/configuration/configmap/",
            "k8s-docs:concepts/security/secrets-good-practices/",
            "mitre:T1552.001",
            "mitre:T1552.007",
            "ms-threat:MS-TA9027",
        ],
        summary: "ConfigMap value holds a credential",
        fix: "Move the credential into a Secret (or an external secret store) and reference it from the workload; keep only non-secret settings in the ConfigMap, and rotate the exposed credential.",
    },
    check: Check::Object(check),
};

/// How many credentials one message lists for one key.
const MAX_LISTED: usize = 3;

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if !object.group().is_empty() || object.kind != "ConfigMap" {
        return;
    }
    for (field, encoded) in [("data", false), ("binaryData", true)] {
        let Some(values) = object.root.get(field) else {
            continue;
        };
        for entry in values.entries() {
            let Some(text) = value_text(&entry.value, encoded) else {
                continue;
            };
            let found = credentials(&entry.key, &text);
            if found.is_empty() {
                continue;
            }
            out.report(
                &Pointer::root().key(field).key(&entry.key),
                format_args!(
                    "ConfigMap {:?} key {:?} holds {}; ConfigMaps are not secret",
                    object.name,
                    entry.key.as_ref(),
                    describe(&found, &text)
                ),
            );
        }
    }
}

/// The text of a value: `data` as written (numbers too), `binaryData` decoded when it is text.
fn value_text(value: &Node, encoded: bool) -> Option<String> {
    let text = match &value.value {
        Value::Str(text) => text.clone(),
        Value::Int(_) | Value::Float(_) => value.to_string(),
        _ => return None,
    };
    if !encoded {
        return Some(text);
    }
    let bytes = decode_base64(&text)?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The credentials of one ConfigMap entry. A configuration file (by its key's extension, or a
/// value of several lines) is judged by its content; any other value by its key's name too.
fn credentials(key: &str, text: &str) -> Vec<Detection> {
    let mut found = scan(text);
    let is_file = is_config_file_name(key) || text.trim().contains('\n');
    if !is_file && found.is_empty() && is_secret_name(key) && is_literal_secret(text) {
        found.push(Detection {
            what: "a literal value under a secret-like key name".to_string(),
            line: 1,
        });
    }
    found
}

/// `a PEM private key (line 3)`, `a GitHub token and a literal value for `password` (line 12)`.
fn describe(found: &[Detection], text: &str) -> String {
    let multi_line = text.trim_end().contains('\n');
    let mut parts: Vec<String> = found
        .iter()
        .take(MAX_LISTED)
        .map(|detection| {
            if multi_line {
                format!("{} (line {} of the value)", detection.what, detection.line)
            } else {
                detection.what.clone()
            }
        })
        .collect();
    if found.len() > MAX_LISTED {
        parts.push(format!("{} more", found.len() - MAX_LISTED));
    }
    match parts.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whats(key: &str, text: &str) -> Vec<String> {
        credentials(key, text).into_iter().map(|d| d.what).collect()
    }

    #[test]
    fn secret_like_keys() {
        assert_eq!(whats("db_password", "abc123").len(), 1);
        assert_eq!(whats("AWS_SECRET_ACCESS_KEY", "xxxxx").len(), 1);
        assert_eq!(whats("AZURE_BATCH_KEY", "xxxxx").len(), 1);
        assert_eq!(whats("OCI_CLI_KEY_CONTENT", "xxxxx").len(), 1);
        assert!(whats("db_user", "postgres").is_empty());
        assert!(whats("message", "This is a test").is_empty());
        assert!(whats("password", "").is_empty());
        assert!(whats("enable-token-auth", "true").is_empty());
        assert!(whats("token-path", "/var/run/secrets/token").is_empty());
        assert!(whats("password", "${PASSWORD}").is_empty());
    }

    #[test]
    fn files_are_judged_by_content() {
        assert!(whats("password-policy.json", "{\"minLength\": 12}").is_empty());
        assert_eq!(
            whats("app.ini", "[db]\nuser = app\npassword = hunter2\n"),
            vec!["a literal value for `password`".to_string()]
        );
        let message = describe(
            &credentials("app.ini", "[db]\nuser = app\npassword = hunter2\n"),
            "[db]\nuser = app\npassword = hunter2\n",
        );
        assert_eq!(
            message,
            "a literal value for `password` (line 3 of the value)"
        );
    }

    #[test]
    fn binary_data_is_decoded() {
        // "password = hunter2\n"
        let text = value_text(
            &Node::from_json(&serde_json::json!("cGFzc3dvcmQgPSBodW50ZXIyCg==")),
            true,
        )
        .unwrap();
        assert_eq!(whats("app.conf", &text).len(), 1);
        assert_eq!(
            value_text(&Node::from_json(&serde_json::json!("!!")), true),
            None
        );
        assert_eq!(
            value_text(&Node::from_json(&serde_json::json!({"a": 1})), false),
            None
        );
        let binary = value_text(&Node::from_json(&serde_json::json!("//79/A==")), true).unwrap();
        assert!(whats("blob", &binary).is_empty());
    }

    #[test]
    fn hostile_values() {
        assert!(whats("data", &"\u{0}".repeat(100_000)).is_empty());
        assert_eq!(whats("password", &"é".repeat(100_000)).len(), 1);
        assert!(whats(&"k".repeat(100_000), "v").is_empty());
    }
}
