//! ## What it does
//!
//! Finds Dockerfiles whose final stage has no `HEALTHCHECK`, or whose last `HEALTHCHECK` is
//! `HEALTHCHECK NONE` (which switches off one the base image has). A stage built `FROM` an
//! earlier stage inherits that stage's `HEALTHCHECK`. A base image from a registry may define
//! one that palisade cannot see; most do not.
//!
//! ## Why is this bad?
//!
//! Without a health check, a container whose process is alive but stuck (a deadlock, an
//! exhausted connection pool, a dependency it never reconnects to) looks healthy: it keeps
//! receiving traffic and is never restarted. An end user who can trigger such a state (a request
//! that wedges a worker) has a cheap denial of service. CIS Docker Benchmark 4.6 asks for a
//! `HEALTHCHECK` in every image. Note that Kubernetes ignores `HEALTHCHECK`: there, the same
//! check belongs in the pod's `livenessProbe` and `readinessProbe`, and this finding is a
//! reminder to write them; Docker, Compose and Swarm do use it.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM nginx:1.27-alpine
//! COPY site/ /usr/share/nginx/html/
//! ```
//!
//! Use instead:
//!
//! ```dockerfile
//! FROM nginx:1.27-alpine
//! COPY site/ /usr/share/nginx/html/
//! HEALTHCHECK --interval=30s --timeout=3s CMD wget -q --spider http://localhost/ || exit 1
//! ```
//!
//! ## References
//!
//! - CIS Docker Benchmark 4.6: Ensure that HEALTHCHECK instructions have been added to container images
//! - Dockerfile reference: `HEALTHCHECK` (docs.docker.com/reference/dockerfile/#healthcheck)
//! - Kubernetes documentation: tasks/configure-pod-container/configure-liveness-readiness-startup-probes/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::dockerfile::{Base, Dockerfile};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "dockerfile-missing-healthcheck",
        severity: Severity::Low,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "cis-docker:4.6",
            "docker-docs:reference/dockerfile/#healthcheck",
            "k8s-docs:tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
        ],
        summary: "Dockerfile's final stage has no HEALTHCHECK",
        fix: "Add `HEALTHCHECK CMD <command that fails when the service is unhealthy>` to the final stage; on Kubernetes, write the same check as liveness and readiness probes.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(dockerfile) = Dockerfile::of(context.object) else {
        return;
    };
    let stages = dockerfile.stages();
    let Some(last) = stages.len().checked_sub(1) else {
        return;
    };
    let globals = dockerfile.global_args();
    let mut index = last;
    // Each step goes to an earlier stage, so the walk ends.
    let healthcheck = loop {
        let Some(stage) = stages.get(index) else {
            return;
        };
        if let Some(healthcheck) = stage.last("HEALTHCHECK") {
            break Some(healthcheck);
        }
        match dockerfile.base(&stages, index, &globals) {
            Base::Stage(earlier) if earlier < index => index = earlier,
            _ => break None,
        }
    };
    match healthcheck {
        Some(healthcheck) => {
            let disabled = healthcheck
                .arguments()
                .split_whitespace()
                .next()
                .is_some_and(|word| word.eq_ignore_ascii_case("NONE"));
            if disabled {
                out.report(
                    &healthcheck.pointer(),
                    "the final stage's HEALTHCHECK is NONE, which switches the health check off: a stuck container looks healthy",
                );
            }
        }
        None => {
            let Some(final_stage) = stages.get(last) else {
                return;
            };
            out.report(
                &final_stage.from.pointer(),
                format_args!(
                    "the final stage (FROM {}) has no HEALTHCHECK: a stuck container looks healthy and is never restarted",
                    final_stage.image().unwrap_or("?")
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
    fn final_stage_and_inheritance() {
        let rule = &RULE;
        assert_eq!(paths(rule, "FROM nginx:1.27\n"), ["/instructions/0"]);
        assert!(
            paths(
                rule,
                "FROM nginx:1.27\nHEALTHCHECK CMD curl -f http://localhost/\n"
            )
            .is_empty()
        );
        assert_eq!(
            paths(
                rule,
                "FROM nginx:1.27\nHEALTHCHECK CMD true\nHEALTHCHECK none\n"
            ),
            ["/instructions/2"]
        );
        assert_eq!(
            paths(rule, "FROM a:1 AS build\nHEALTHCHECK CMD true\nFROM b:1\n"),
            ["/instructions/2"]
        );
        assert!(
            paths(
                rule,
                "FROM a:1 AS base\nHEALTHCHECK --interval=5s CMD [\"true\"]\nFROM base\n"
            )
            .is_empty()
        );
    }
}
