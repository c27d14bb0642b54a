//! ## What it does
//!
//! Finds `FROM` instructions, in every stage, whose image is not pinned by digest
//! (`image@sha256:...`). `FROM scratch`, stages built from an earlier stage by name, and image
//! references with a `$VARIABLE` that the Dockerfile's `ARG` defaults do not resolve are not
//! reported; `FROM ${BASE}` with `ARG BASE=node:22` before the first `FROM` is read as
//! `FROM node:22`.
//!
//! Builder stages count: what they compile or download ends up in the final image.
//!
//! ## Why is this bad?
//!
//! A tag is a pointer that the image's publisher, anyone who takes over their account or
//! registry, or a mirror on the way can move at any time. The same Dockerfile then builds a
//! different image from one day to the next: an upstream compromise (a backdoored base image
//! pushed under a trusted tag) flows into your image and from there into the cluster, and a
//! rebuild to fix one problem silently brings in other changes. A digest names exactly the
//! content that was reviewed and scanned; tools such as Renovate or Dependabot keep digests up
//! to date, so pinning does not mean falling behind on security fixes.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM python:3.12-slim
//! ```
//!
//! Use instead:
//!
//! ```dockerfile
//! FROM python:3.12-slim@sha256:<digest of the reviewed image>
//! ```
//!
//! (`docker buildx imagetools inspect python:3.12-slim` prints the digest.)
//!
//! ## References
//!
//! - CIS Docker Benchmark 4.2: Ensure that containers use only trusted base images
//! - Dockerfile reference: `FROM` (docs.docker.com/reference/dockerfile/#from)
//! - MITRE ATT&CK T1195.002 Compromise Software Supply Chain; T1525 Implant Internal Image

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::dockerfile::Dockerfile;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "dockerfile-unpinned-base-image",
        severity: Severity::Low,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-docker:4.2",
            "docker-docs:reference/dockerfile/#from",
            "mitre:T1195.002",
            "mitre:T1525",
        ],
        summary: "Dockerfile's base image is not pinned by digest",
        fix: "Pin the base image by digest (`FROM image:tag@sha256:<digest>`) and let a bot such as Renovate or Dependabot update the digest.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(dockerfile) = Dockerfile::of(context.object) else {
        return;
    };
    for (stage, shown, _) in dockerfile.undigested_bases() {
        out.report(
            &stage.from.pointer().key("image"),
            format_args!(
                "base image {shown} is not pinned by digest: its publisher, or whoever takes over the tag, can change what this Dockerfile builds"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supply_chain::dockerfile::testing::{findings, paths};

    #[test]
    fn stages_scratch_and_variables() {
        let text = "ARG BASE=node:22\n\
                    ARG REGISTRY\n\
                    FROM ${BASE} AS build\n\
                    FROM build AS test\n\
                    FROM ${REGISTRY}/app:1\n\
                    FROM scratch\n\
                    FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
                    FROM --platform=$BUILDPLATFORM golang:1.23\n";
        assert_eq!(
            paths(&RULE, text),
            ["/instructions/2/image", "/instructions/7/image"]
        );
        let message = &findings(&RULE, text)[0].message;
        assert!(
            message.contains("${BASE} (node:22 with the ARG defaults)"),
            "{message}"
        );
    }

    #[test]
    fn a_later_stage_name_is_an_image() {
        // `FROM app` before any stage named app pulls the image `app`.
        assert_eq!(
            paths(&RULE, "FROM app\nFROM alpine AS app\n"),
            ["/instructions/0/image", "/instructions/1/image"]
        );
    }
}
