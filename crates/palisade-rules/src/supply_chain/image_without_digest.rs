//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose image is not pinned by digest
//! (`image: name@sha256:...` or `name:tag@sha256:...`). Values that are not image references,
//! such as an unrendered Helm template or `$(IMAGE)`, are skipped.
//!
//! ## Why is this bad?
//!
//! A tag, even a version tag such as `1.27.3`, is a name the registry lets its owner move. A
//! digest is the hash of the image's content: the runtime refuses anything else. Without it, an
//! internal attacker with push rights to the repository, a compromised CI pipeline or a
//! compromised upstream publisher can replace the image behind the tag, and every node that pulls
//! afterwards runs the replacement. Pinning by digest also makes what runs reproducible and
//! reviewable. Kubernetes equivalent of the CIS Docker Benchmark's "content trust"
//! recommendation.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web
//! spec:
//!   containers:
//!     - name: web
//!       image: nginx:1.27.3
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!   containers:
//!     - name: web
//!       # the tag stays for readers; the runtime pulls the digest (`crane digest nginx:1.27.3`)
//!       image: nginx:1.27.3@sha256:<digest>
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/containers/images/ (image names, tags and digests)
//! - CIS Docker Benchmark 4.5: Ensure Content trust for Docker is Enabled
//! - Microsoft Threat Matrix for Kubernetes MS-TA9002 Compromised image in registry
//! - MITRE ATT&CK T1525 Implant Internal Image; T1195.002 Compromise Software Supply Chain

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::images::container_images;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "image-without-digest",
        severity: Severity::Low,
        layer: Layer::SupplyChain,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "k8s-docs:concepts/containers/images/",
            "cis-docker:4.5",
            "ms-threat:MS-TA9002",
            "mitre:T1525",
            "mitre:T1195.002",
        ],
        summary: "Container image is not pinned by digest",
        fix: "Pin the image by digest: `name:tag@sha256:<digest>` (tools such as `crane digest` or `docker buildx imagetools inspect` print it).",
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
        let tag = reference.effective_tag().unwrap_or("latest");
        out.report(
            &image.path(),
            format_args!(
                "{} uses image {text:?}, which is not pinned by digest: whoever can push to {} can change what runs under the tag {tag:?}",
                image.container.describe(),
                reference.name()
            ),
        );
    }
}
