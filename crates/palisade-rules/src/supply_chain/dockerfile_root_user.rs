//! ## What it does
//!
//! Finds Dockerfiles whose final stage runs as root: its last `USER` is `root`, `0`,
//! `root:<group>`, `0:<gid>` (or `ContainerAdministrator` on Windows), or it sets no `USER` at
//! all and does not inherit one from an earlier stage it is built `FROM`.
//!
//! The final stage is the image that ships; `USER` in builder stages does not matter. A stage
//! without `USER` that starts from an image of a registry runs as that image's user, which is
//! root for most images; the exception palisade knows is a `nonroot` tag (the distroless
//! images' `:nonroot` and `:debug-nonroot`), which sets an unprivileged user. `USER` values
//! with a variable palisade cannot resolve from the Dockerfile's own `ARG`/`ENV` defaults are
//! not reported.
//!
//! ## Why is this bad?
//!
//! A process running as root in the container is root on the node's kernel, only fenced in by
//! namespaces, capabilities and seccomp. An end user who finds a bug in the application (a
//! remote code execution, a path traversal that writes files) gets root inside the container:
//! they can read and change every file of the image, install tools, and need only one kernel or
//! runtime flaw, or one mistake in the pod's security context (a hostPath mount, an added
//! capability), to escape to the node. An internal attacker with `kubectl exec` gets the same.
//! Kubernetes can force a user (`runAsUser`, `runAsNonRoot`), but an image built to run as
//! root often breaks when forced, so teams turn the protection off: the fix belongs in the image.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM node:22-alpine
//! WORKDIR /app
//! COPY . .
//! CMD ["node", "server.js"]
//! ```
//!
//! Use instead:
//!
//! ```dockerfile
//! FROM node:22-alpine
//! WORKDIR /app
//! COPY --chown=node:node . .
//! USER node
//! CMD ["node", "server.js"]
//! ```
//!
//! ## References
//!
//! - CIS Docker Benchmark 4.1: Ensure that a user for the container has been created
//! - Dockerfile reference: `USER` (docs.docker.com/reference/dockerfile/#user)
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Non-root containers"
//! - MITRE ATT&CK T1611 Escape to Host

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::dockerfile::{Base, Dockerfile, Instruction, expand};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "dockerfile-root-user",
        severity: Severity::Medium,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-docker:4.1",
            "docker-docs:reference/dockerfile/#user",
            "nsa-cisa:pod-security",
            "mitre:T1611",
        ],
        summary: "Dockerfile's final stage runs as root",
        fix: "Create an unprivileged user in the image and end the final stage with `USER <name or uid>` (a numeric UID such as 10001 lets Kubernetes verify runAsNonRoot).",
    },
    check: Check::Object(check),
};

/// Windows containers' administrator account.
const WINDOWS_ADMINISTRATOR: &str = "ContainerAdministrator";

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root"
        || (!name.is_empty()
            && name.bytes().all(|b| b.is_ascii_digit())
            && name.bytes().all(|b| b == b'0'))
        || name.eq_ignore_ascii_case(WINDOWS_ADMINISTRATOR)
}

/// Where the final stage's user comes from.
enum UserSource<'a> {
    /// A USER instruction, in the final stage or a stage it builds on.
    Instruction(Instruction<'a>, usize),
    /// No USER anywhere on the chain of stages; the chain ends at this base.
    None(Base),
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(dockerfile) = Dockerfile::of(context.object) else {
        return;
    };
    let stages = dockerfile.stages();
    let Some(last) = stages.len().checked_sub(1) else {
        return;
    };
    let globals = dockerfile.global_args();
    let mut stage_index = last;
    // Each step goes to an earlier stage, so the walk ends.
    let source = loop {
        let Some(stage) = stages.get(stage_index) else {
            return;
        };
        if let Some(user) = stage.last("USER") {
            break UserSource::Instruction(user, stage_index);
        }
        match dockerfile.base(&stages, stage_index, &globals) {
            Base::Stage(earlier) if earlier < stage_index => stage_index = earlier,
            base => break UserSource::None(base),
        }
    };
    let Some(final_stage) = stages.get(last) else {
        return;
    };
    match source {
        UserSource::Instruction(user, index) => {
            let Some(stage) = stages.get(index) else {
                return;
            };
            let scope = dockerfile.scope(stage, user.index, &globals);
            let Some(value) = expand(user.arguments().trim(), &scope) else {
                return;
            };
            if !is_root(&value) {
                return;
            }
            let inherited = if index == last {
                String::new()
            } else {
                format!(
                    " (inherited from stage {:?})",
                    stage.name().unwrap_or_default()
                )
            };
            out.report(
                &user.pointer().key("arguments"),
                format_args!(
                    "the final stage runs as root: its last USER is {value:?}{inherited}, so every process of the container runs as root"
                ),
            );
        }
        UserSource::None(base) => {
            let from = match &base {
                Base::Image { image, .. }
                    if image
                        .tag
                        .as_deref()
                        .is_some_and(|tag| tag.contains("nonroot")) =>
                {
                    return;
                }
                Base::Image { resolved, .. } => resolved.clone(),
                Base::Scratch => "scratch".to_string(),
                Base::Stage(_) | Base::Unknown => {
                    final_stage.image().unwrap_or("its base image").to_string()
                }
            };
            out.report(
                &final_stage.from.pointer(),
                format_args!(
                    "the final stage (FROM {from}) sets no USER, so the container runs as the base image's user, which is root unless that image says otherwise"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supply_chain::dockerfile::testing::paths;

    #[test]
    fn root_spellings() {
        for user in [
            "root",
            "0",
            "00",
            "root:root",
            "0:0",
            "root:staff",
            "containeradministrator",
        ] {
            assert!(is_root(user), "{user}");
        }
        for user in [
            "app",
            "10001",
            "10001:0",
            "rooter",
            "",
            ":0",
            "ContainerUser",
            "1000:root",
        ] {
            assert!(!is_root(user), "{user}");
        }
    }

    #[test]
    fn final_stage_only_and_inheritance() {
        let rule = &RULE;
        assert_eq!(
            paths(rule, "FROM alpine:3.20\nRUN true\n"),
            ["/instructions/0"]
        );
        assert_eq!(
            paths(rule, "FROM alpine:3.20\nUSER app\nUSER root\n"),
            ["/instructions/2/arguments"]
        );
        assert!(paths(rule, "FROM alpine:3.20\nUSER root\nRUN x\nUSER 10001\n").is_empty());
        // A builder stage's user does not matter; the final stage's does.
        assert_eq!(
            paths(
                rule,
                "FROM golang:1.23 AS build\nUSER 1000\nFROM alpine:3.20\nCOPY --from=build /a /a\n"
            ),
            ["/instructions/2"]
        );
        // A stage built FROM an earlier stage inherits its USER.
        assert!(
            paths(
                rule,
                "FROM alpine:3.20 AS base\nUSER 10001\nFROM base\nCMD [\"x\"]\n"
            )
            .is_empty()
        );
        assert_eq!(
            paths(rule, "FROM alpine:3.20 AS Base\nUSER root\nFROM base\n"),
            ["/instructions/1/arguments"]
        );
        assert!(paths(rule, "FROM gcr.io/distroless/static-debian12:nonroot\n").is_empty());
        assert_eq!(
            paths(rule, "FROM scratch\nCOPY app /app\n"),
            ["/instructions/0"]
        );
        // Variables: resolved from the Dockerfile's defaults, or left alone.
        assert_eq!(
            paths(rule, "FROM alpine\nARG RUN_AS=root\nUSER ${RUN_AS}\n"),
            ["/instructions/2/arguments"]
        );
        assert!(paths(rule, "FROM alpine\nARG RUN_AS\nUSER ${RUN_AS}\n").is_empty());
        assert!(paths(rule, "FROM alpine\nENV APP_UID=10001\nUSER $APP_UID\n").is_empty());
    }
}
