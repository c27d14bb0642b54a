//! ## What it does
//!
//! Finds `ENV` and `ARG` instructions (also as `ONBUILD` triggers) that declare a variable
//! whose name says it holds a secret (`DB_PASSWORD`, `API_KEY`, `GITHUB_TOKEN`, ... but not
//! `PASSWORD_FILE` or `TOKEN_TTL`):
//!
//! - `ENV` with a value, literal or copied from a build argument (`ENV TOKEN=$TOKEN`): high.
//! - `ARG` with a literal default value: high.
//! - `ARG` without a default (or with one taken from another variable): medium. No secret is
//!   written in the Dockerfile, but the secret-like name says one is meant to be passed with
//!   `--build-arg`, which leaks it too (see below). This is what Docker's own build check
//!   `SecretsUsedInArgOrEnv` reports as well.
//!
//! An `ENV` that sets the variable to the empty string is not reported. The value is never
//! printed; findings name the variable.
//!
//! ## Why is this bad?
//!
//! `ENV` values are stored in the image configuration: anyone who can pull the image (every
//! node, every developer, anyone who gets read access to the registry, the whole internet for a
//! public image) reads them with `docker inspect`, and every container of the image has them in
//! its environment, where a compromised process or an internal attacker with `kubectl exec` or
//! access to `/proc` finds them. A literal default of an `ARG` is committed to source control
//! with the Dockerfile. Values passed with `--build-arg` are recorded in the image history and
//! the build's provenance attestations. Rotating a secret that leaked this way means rebuilding
//! and re-pulling every image that holds it.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM python:3.12-slim
//! ARG PIP_INDEX_TOKEN=3f9c2a...
//! ENV DATABASE_PASSWORD=postgres
//! RUN pip install --index-url https://token:${PIP_INDEX_TOKEN}@pypi.example.com/simple app
//! ```
//!
//! Use instead:
//!
//! ```dockerfile
//! FROM python:3.12-slim
//! # docker build --secret id=pip_token,env=PIP_INDEX_TOKEN .
//! RUN --mount=type=secret,id=pip_token \
//!     pip install --index-url "https://token:$(cat /run/secrets/pip_token)@pypi.example.com/simple" app
//! # the database password comes at run time from a Kubernetes Secret (secretKeyRef)
//! ```
//!
//! ## References
//!
//! - CIS Docker Benchmark 4.10: Ensure secrets are not stored in Dockerfiles
//! - Docker documentation: build secrets (docs.docker.com/build/building/secrets/); build check
//!   SecretsUsedInArgOrEnv
//! - MITRE ATT&CK T1552.001 Unsecured Credentials: Credentials In Files

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::secret_names::is_secret_name;
use crate::supply_chain::dockerfile::Dockerfile;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "dockerfile-secret-in-env",
        severity: Severity::High,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-docker:4.10",
            "docker-docs:build/building/secrets/",
            "docker-docs:reference/build-checks/secrets-used-in-arg-or-env/",
            "mitre:T1552.001",
        ],
        summary: "Dockerfile puts a secret in an ENV or ARG",
        fix: "Pass build-time secrets with a secret mount (`RUN --mount=type=secret,id=...`, `docker build --secret`) and run-time secrets from a Kubernetes Secret; remove the ENV/ARG and rotate the secret if it was committed or pushed.",
    },
    check: Check::Object(check),
};

const ARG_FIX: &str = "Pass the secret with a secret mount (`RUN --mount=type=secret,id=...` and `docker build --secret`) instead of a build argument, and remove the ARG.";

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(dockerfile) = Dockerfile::of(context.object) else {
        return;
    };
    for instruction in dockerfile.instructions() {
        for (node, pointer) in instruction.with_trigger() {
            let keyword = node.get("instruction").and_then(Node::as_str).unwrap_or("");
            if keyword != "ENV" && keyword != "ARG" {
                continue;
            }
            let variables = node.get("variables").map(Node::items).unwrap_or(&[]);
            for (index, variable) in variables.iter().enumerate() {
                let Some(name) = variable.get("name").and_then(Node::as_str) else {
                    continue;
                };
                if !is_secret_name(name) {
                    continue;
                }
                let value = variable.get("value").and_then(Node::as_str);
                let expands = variable.get("expands").and_then(Node::as_bool) == Some(true);
                let path = pointer.key("variables").index(index).key("name");
                let onbuild = if pointer.as_str().ends_with("/trigger") {
                    "ONBUILD "
                } else {
                    ""
                };
                match (keyword, value) {
                    ("ENV", None | Some("")) => {}
                    ("ENV", Some(_)) if expands => {
                        out.report(
                            &path,
                            format_args!(
                                "{onbuild}ENV {name} copies a variable's value into the image's environment, where anyone who can pull the image reads it (docker inspect)"
                            ),
                        );
                    }
                    ("ENV", Some(_)) => {
                        out.report(
                            &path,
                            format_args!(
                                "{onbuild}ENV {name} sets a literal value in the Dockerfile: it is committed with it and stored in the image configuration, where anyone who can pull the image reads it"
                            ),
                        );
                    }
                    (_, Some(value)) if !value.is_empty() && !expands => {
                        out.report(
                            &path,
                            format_args!(
                                "{onbuild}ARG {name} has a literal default value in the Dockerfile: it is committed with it and recorded in the image history"
                            ),
                        )
                        .fix = ARG_FIX.into();
                    }
                    _ => {
                        let finding = out.report(
                            &path,
                            format_args!(
                                "{onbuild}ARG {name} declares a build argument with a secret-like name: a value passed with --build-arg is recorded in the image history and build provenance"
                            ),
                        );
                        finding.severity = Severity::Medium;
                        finding.fix = ARG_FIX.into();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supply_chain::dockerfile::testing::findings;

    fn summary(dockerfile: &str) -> Vec<(String, Severity)> {
        findings(&RULE, dockerfile)
            .into_iter()
            .map(|f| (f.path.to_string(), f.severity))
            .collect()
    }

    #[test]
    fn env_and_arg() {
        let text = "ARG NPM_TOKEN\n\
                    FROM node:22\n\
                    ARG API_KEY=abc123 DEBUG=1\n\
                    ENV DB_PASSWORD=hunter2 DB_PASSWORD_FILE=/run/secrets/db\n\
                    ENV GITHUB_TOKEN $NPM_TOKEN\n\
                    ENV JWT_SECRET=\"\"\n\
                    ONBUILD ENV STRIPE_API_KEY=sk_live_x\n\
                    ARG SIGNING_KEY=${DEFAULT_KEY}\n";
        assert_eq!(
            summary(text),
            [
                (
                    "/instructions/0/variables/0/name".to_string(),
                    Severity::Medium
                ),
                (
                    "/instructions/2/variables/0/name".to_string(),
                    Severity::High
                ),
                (
                    "/instructions/3/variables/0/name".to_string(),
                    Severity::High
                ),
                (
                    "/instructions/4/variables/0/name".to_string(),
                    Severity::High
                ),
                (
                    "/instructions/6/trigger/variables/0/name".to_string(),
                    Severity::High
                ),
                (
                    "/instructions/7/variables/0/name".to_string(),
                    Severity::Medium
                ),
            ]
        );
    }

    #[test]
    fn values_are_never_printed() {
        let text = "FROM a\nARG API_KEY=abc123\nENV DB_PASSWORD=hunter2\nENV TOKEN 'x y z'\n";
        for finding in findings(&RULE, text) {
            for secret in ["abc123", "hunter2", "x y z"] {
                assert!(!finding.message.contains(secret), "{}", finding.message);
                assert!(!finding.fix.contains(secret));
                assert!(!finding.path.contains(secret));
            }
        }
    }
}
