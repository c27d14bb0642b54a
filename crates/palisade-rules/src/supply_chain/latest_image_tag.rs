//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose image has neither a tag nor a digest
//! (`nginx`, which the runtime pulls as `nginx:latest`) or has the tag `latest`.
//!
//! An image pinned by digest is not reported even when it also carries `:latest`
//! (`nginx:latest@sha256:...`): the runtime pulls the digest and ignores the tag. Values that
//! are not image references, such as an unrendered Helm template or `$(IMAGE)`, are skipped.
//!
//! ## Why is this bad?
//!
//! `latest` is a pointer that moves with every push. What the container runs changes without
//! any change to the manifest: two nodes may run two different builds, a rollback brings back
//! nothing, and a review of the manifest says nothing about the code. Whoever can push to the
//! repository (an internal attacker holding CI or registry credentials, or anyone who
//! compromises an upstream publisher) gets their code into the cluster the next time a pod
//! starts, without touching anything the cluster's owners review. The Microsoft Threat Matrix
//! names `:latest` tags as an enabler of "Compromised image in registry".
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
//!           image: nginx            # or nginx:latest
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       containers:
//!         - name: web
//!           image: nginx:1.27.3     # better still, pinned: nginx:1.27.3@sha256:...
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/containers/images/ (avoid the `:latest` tag in production)
//! - Microsoft Threat Matrix for Kubernetes MS-TA9002 Compromised image in registry
//! - MITRE ATT&CK T1525 Implant Internal Image; T1195.002 Compromise Software Supply Chain

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::images::container_images;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "latest-image-tag",
        severity: Severity::Medium,
        layer: Layer::SupplyChain,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "k8s-docs:concepts/containers/images/",
            "ms-threat:MS-TA9002",
            "mitre:T1525",
            "mitre:T1195.002",
        ],
        summary: "Container image has no tag or the tag `latest`",
        fix: "Give the image a fixed version tag (`nginx:1.27.3`), or better pin it by digest (`nginx:1.27.3@sha256:...`).",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for image in container_images(context) {
        let (Some(text), Some(reference)) = (image.text, &image.reference) else {
            continue;
        };
        if reference.is_pinned() {
            continue;
        }
        let message = match reference.tag.as_deref() {
            None => format!(
                "{} uses image {text:?} without a tag or digest, so it runs whatever `latest` points to when the node pulls it",
                image.container.describe()
            ),
            Some("latest") => format!(
                "{} uses image {text:?}: `latest` moves with every push, so what runs changes without any change to this manifest",
                image.container.describe()
            ),
            Some(_) => continue,
        };
        out.report(&image.path(), message);
    }
}
