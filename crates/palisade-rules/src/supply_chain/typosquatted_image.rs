//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose image name imitates a popular image, a
//! well-known publisher or a well-known registry:
//!
//! - a near miss of a Docker Hub official image: a transposition (`ngnix`), a doubled, dropped,
//!   added or changed letter (`nginnx`, `ngnx`, `mysql8`; not for names of four letters or
//!   fewer, where one letter reaches too many innocent words), two edits of a long name
//!   (`elastisearh`), or look-alike characters (`ng1nx`, `rn` for `m`, a Cyrillic `х`);
//! - an official image's name under somebody else's Docker Hub namespace
//!   (`vibersastra/ubuntu`, `docker.io/someuser/golang`), or a popular non-library image's name
//!   under another namespace (`someuser/grafana`);
//! - a namespace that imitates `library` or a well-known publisher (`libary/nginx`,
//!   `bitnarni/redis`);
//! - a registry host that imitates docker.io, ghcr.io, quay.io, registry.k8s.io, gcr.io,
//!   k8s.gcr.io, mcr.microsoft.com or public.ecr.aws (`dockerr.io`, `docker.lo`, `qauy.io`,
//!   `ghcr.co`).
//!
//! The official images themselves are never reported, under any spelling (`nginx`,
//! `library/nginx`, `docker.io/library/nginx:1.27`, `index.docker.io/library/nginx@sha256:...`),
//! nor is the exact name of another official image (`redis` is not a typo of `redmine`).
//! Publishers that legitimately reuse official names (`bitnami/redis`, `ubuntu/nginx`,
//! `arm64v8/alpine`, `grafana/grafana`) are on an allow-list, and a project's own namespace
//! holding its own name (`emqx/emqx`) is accepted. A repository in someone's own namespace is
//! only reported for a telling resemblance (look-alike characters, a transposition, a doubled
//! letter), since `someuser/redis6` or `someuser/nodes` are ordinary names of one's own. The reference names are Docker
//! Hub's official images (tiers by popularity, deprecated names such as `centos` included) and a
//! few popular images outside `library/`.
//!
//! ## Why is this bad?
//!
//! Typosquatting is how malicious images reach clusters: an attacker publishes an image whose
//! name is one slip away from a popular one and waits for a manifest with the slip. Sysdig's
//! 2022 analysis of 250,000 public Docker Hub images found 1,652 malicious ones, many hidden
//! behind names of popular projects; `vibersastra/ubuntu` and `vibersastra/golang`, both
//! carrying the XMRig miner, were pulled about 17,000 times. The image runs with the pod's
//! service account, network and secrets, so its author becomes an internal attacker the moment
//! the pod starts.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: web
//!           image: ngnix:1.27
//!         - name: tools
//!           image: vibersastra/ubuntu:22.04
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       containers:
//!         - name: web
//!           image: nginx:1.27
//!         - name: tools
//!           image: ubuntu:22.04
//! ```
//!
//! ## References
//!
//! - Sysdig Threat Research, "Analysis on Docker Hub malicious images" (2022)
//! - CIS Docker Benchmark 4.2: Ensure that containers use only trusted base images
//! - Microsoft Threat Matrix for Kubernetes MS-TA9002 Compromised image in registry
//! - MITRE ATT&CK T1204.003 User Execution: Malicious Image; T1195.002 Compromise Software Supply Chain

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::images::container_images;
use crate::supply_chain::typosquat::impersonation;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "typosquatted-image",
        severity: Severity::High,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-docker:4.2",
            "ms-threat:MS-TA9002",
            "mitre:T1204.003",
            "mitre:T1195.002",
        ],
        summary: "Container image name imitates a popular image, publisher or registry",
        fix: "Correct the image to the genuine one (`nginx:1.27`, `docker.io/library/ubuntu`) and pin it by digest; if the image really is yours, exempt it in .palisade.yaml with a reason.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for image in container_images(context) {
        let (Some(text), Some(reference)) = (image.text, &image.reference) else {
            continue;
        };
        let Some(found) = impersonation(reference) else {
            continue;
        };
        out.report(
            &image.path(),
            format_args!(
                "{} uses image {text:?}, a possible typosquat: {}",
                image.container.describe(),
                found.explanation
            ),
        );
    }
}
