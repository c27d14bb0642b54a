//! ## What it does
//!
//! Finds container environment variables (init, regular and ephemeral containers) that hold a
//! secret written out in the manifest:
//!
//! - a variable whose name says it is a secret (`DB_PASSWORD`, `githubToken`, `API_KEY`,
//!   `AWS_SECRET_ACCESS_KEY`, `SECRET_*`) with a non-empty literal `value`;
//! - any variable whose value is recognisably a credential whatever its name: a PEM private key,
//!   a token with a well-known prefix (GitHub `ghp_`, GitLab `glpat-`, Slack `xoxb-`, Stripe
//!   `sk_live_`, ...), a URL with an embedded password.
//!
//! `valueFrom` (`secretKeyRef` and the like) is the fix, not a finding; `envFrom` is not
//! reported either, since the values it brings in are not in the manifest. A value that only
//! points at the secret is not reported: a file path (`GOOGLE_APPLICATION_CREDENTIALS:
//! /var/secrets/key.json`), a variable reference (`$(DB_PASSWORD)`), an unrendered template, or
//! a switch (`MYSQL_ALLOW_EMPTY_PASSWORD: "yes"`; default-credentials judges that one). Names
//! that are about a secret rather than the secret (`POSTGRES_PASSWORD_FILE`, `TOKEN_TTL`,
//! `SECRET_NAME`) are not secret-like.
//!
//! Findings name the variable and the container, never the value.
//!
//! ## Why is this bad?
//!
//! A literal value is part of the object: everyone who can read the manifest repository, the CI
//! logs, or the workload through the API (`get deployments` is granted far more widely than
//! `get secrets`) reads the secret, and it stays in the Git history after it is rotated. It is
//! also visible in `kubectl describe pod` output and in the last-applied-configuration
//! annotation. An internal attacker with read-only access to workloads collects database
//! passwords and API tokens this way and moves laterally with them. A Secret referenced with
//! `secretKeyRef` keeps the value out of the workload object, under separate RBAC, and can be
//! encrypted at rest and supplied by an external secret store.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: api
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: api
//!           image: example/api:1.4
//!           env:
//!             - name: DB_PASSWORD
//!               value: "..."        # the password itself
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!           env:
//!             - name: DB_PASSWORD
//!               valueFrom:
//!                 secretKeyRef:
//!                   name: api-db
//!                   key: password
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/configuration/secret/; concepts/security/secrets-good-practices/
//! - CIS Kubernetes Benchmark 5.4.1: Prefer using Secrets as files over Secrets as environment variables
//! - MITRE ATT&CK T1552.001 Unsecured Credentials: Credentials In Files; T1552.007 Container API
//! - Microsoft Threat Matrix for Kubernetes MS-TA9027 Application credentials in configuration files

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor, Value};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::secret_names::is_secret_name;
use crate::supply_chain::credentials::{is_literal_secret, scan};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "secret-in-env-var",
        severity: Severity::High,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/configuration/secret/",
            "k8s-docs:concepts/security/secrets-good-practices/",
            "cis-k8s:5.4.1",
            "mitre:T1552.001",
            "mitre:T1552.007",
            "ms-threat:MS-TA9027",
        ],
        summary: "Container environment variable holds a secret written out in the manifest",
        fix: "Move the value into a Secret (or an external secret store) and reference it with `valueFrom.secretKeyRef`, or mount it as a file; then rotate the exposed secret.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in pod.containers() {
        let env_path = container.path.key("env");
        let Some(env) = container.node.get("env") else {
            continue;
        };
        for (index, variable) in env.items().iter().enumerate() {
            let Some(name) = variable.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some(value) = variable.get("value").and_then(literal_text) else {
                continue;
            };
            let path = env_path.index(index).key("value");
            if let Some(what) = problem(name, &value) {
                out.report(
                    &path,
                    format_args!(
                        "{}: environment variable {name:?} holds {what} written out in the manifest; anyone who can read the workload or its source can read it",
                        container.describe()
                    ),
                );
            }
        }
    }
}

/// The text of a scalar `value` (numbers too: `PASSWORD: 123456` is a secret written out,
/// even though the API would want a string).
fn literal_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(text) => Some(text.clone()),
        Value::Int(number) => Some(number.to_string()),
        Value::Float(number) => Some(number.to_string()),
        _ => None,
    }
}

/// What is wrong with a variable, described without its value.
fn problem(name: &str, value: &str) -> Option<String> {
    if let Some(detection) = scan(value).into_iter().next() {
        return Some(detection.what);
    }
    if is_secret_name(name) && is_literal_secret(value) {
        return Some("a literal value under a secret-like name".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names_with_literals() {
        assert!(problem("DB_PASSWORD", "hunter2").is_some());
        assert!(problem("SECRET_BLAH", "secretsquirrels").is_some());
        assert!(problem("apiKey", "12345").is_some());
        assert!(problem("BLAH", "secretsquirrels").is_none());
        assert!(problem("DB_PASSWORD", "").is_none());
        assert!(problem("DB_PASSWORD", "$(OTHER)").is_none());
        assert!(problem("MYSQL_ALLOW_EMPTY_PASSWORD", "yes").is_none());
        assert!(
            problem(
                "GOOGLE_APPLICATION_CREDENTIALS",
                "/var/secrets/google/key.json"
            )
            .is_none()
        );
        assert!(problem("POSTGRES_PASSWORD_FILE", "/run/secrets/pg").is_none());
    }

    #[test]
    fn credential_values_under_any_name() {
        let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n-----END OPENSSH PRIVATE KEY-----";
        assert_eq!(
            problem("the_good_stuff", key).as_deref(),
            Some("a PEM private key")
        );
        assert_eq!(
            problem("DATABASE_URL", "postgres://app:pw123@db/app").as_deref(),
            Some("a URL with an embedded password")
        );
        assert!(problem("DATABASE_URL", "postgres://app@db/app").is_none());
    }

    #[test]
    fn hostile_values() {
        assert!(problem("PASSWORD", &"x".repeat(1_000_000)).is_some());
        assert!(problem(&"N".repeat(100_000), "value").is_none());
        assert!(problem("ПАРОЛЬ", "значение").is_none());
        assert!(problem("password", "пароль").is_some());
    }
}
