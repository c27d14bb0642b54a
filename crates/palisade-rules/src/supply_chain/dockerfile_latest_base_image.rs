//! ## What it does
//!
//! Finds `FROM` instructions, in every stage, whose image has the tag `latest` or no tag at all
//! (which means `latest`), and no digest. `FROM scratch`, stages built from an earlier stage by
//! name, and image references with a `$VARIABLE` that the Dockerfile's `ARG` defaults do not
//! resolve are not reported. An image pinned by digest passes whatever its tag says: the digest
//! decides what is pulled.
//!
//! ## Why is this bad?
//!
//! `latest` is whatever the publisher pushed last: a new major version, a different
//! distribution, or (after an account or registry compromise) a backdoored image. Two builds of
//! the same commit produce different images, a rebuild for a one-line fix can bring in a
//! breaking upgrade, and nobody can say which base an image in production was built from, or
//! whether it has a known vulnerability. A mutable, unversioned base is how an upstream
//! compromise reaches the cluster without anyone changing a line.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM nginx
//! ```
//!
//! Use instead:
//!
//! ```dockerfile
//! FROM nginx:1.27.3-alpine
//! ```
//!
//! or, better, pinned by digest as `dockerfile-unpinned-base-image` asks.
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
        name: "dockerfile-latest-base-image",
        severity: Severity::Medium,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-docker:4.2",
            "docker-docs:reference/dockerfile/#from",
            "mitre:T1195.002",
            "mitre:T1525",
        ],
        summary: "Dockerfile's base image uses the latest tag or no tag",
        fix: "Name a specific version of the base image (`FROM nginx:1.27.3-alpine`), ideally pinned by digest.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(dockerfile) = Dockerfile::of(context.object) else {
        return;
    };
    for (stage, shown, image) in dockerfile.undigested_bases() {
        let problem = match image.tag.as_deref() {
            None => "has no tag, so it is whatever was pushed last as \"latest\"",
            Some("latest") => "uses the \"latest\" tag, whatever was pushed last",
            Some(_) => continue,
        };
        out.report(
            &stage.from.pointer().key("image"),
            format_args!(
                "base image {shown} {problem}: builds are not reproducible and an upstream change or compromise flows straight in"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supply_chain::dockerfile::testing::paths;

    #[test]
    fn latest_and_missing_tags() {
        let text = "ARG TAG=latest\n\
                    FROM nginx AS a\n\
                    FROM nginx:latest\n\
                    FROM nginx:${TAG}\n\
                    FROM nginx:1.27\n\
                    FROM nginx:latest@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
                    FROM a\n\
                    FROM scratch\n\
                    FROM localhost:5000/app\n\
                    FROM ${UNKNOWN}\n";
        assert_eq!(
            paths(&RULE, text),
            [
                "/instructions/1/image",
                "/instructions/2/image",
                "/instructions/3/image",
                "/instructions/8/image",
            ]
        );
    }
}
