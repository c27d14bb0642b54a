//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose image comes from a registry that the
//! `allowedRegistries` list of `.palisade.yaml` does not allow. The image's name is normalised
//! first (`nginx` is `docker.io/library/nginx`), then matched against each entry: a registry
//! host (`registry.example.com`), a host with a path prefix (`docker.io/library`), or a glob
//! (`ghcr.io/example-org/*`).
//!
//! The rule is silent until `allowedRegistries` is configured; an empty list allows nothing.
//! Values that are not image references, such as an unrendered Helm template, are skipped.
//!
//! ## Why is this bad?
//!
//! Every image is code that runs in the cluster with the pod's service account, network access
//! and mounted secrets. An image from a registry nobody vetted (a personal Docker Hub account, a
//! look-alike host, a registry outside the organisation's scanning and signing pipeline) is
//! the usual way in for crypto-miners and backdoors: Sysdig found 1,652 malicious images among
//! 250,000 unverified public Docker Hub images in 2022. Once it runs, its author is an internal
//! attacker. Restricting images to trusted registries is CIS Kubernetes 5.5.1 (image
//! provenance) and CIS Docker 4.2 (trusted base images); this rule checks it before admission.
//!
//! ## Example
//!
//! With `.palisade.yaml`:
//!
//! ```yaml
//! allowedRegistries:
//!   - registry.example.com
//!   - docker.io/library
//! ```
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: worker
//! spec:
//!   containers:
//!     - name: worker
//!       image: someuser/worker:1.0      # docker.io/someuser/worker
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!   containers:
//!     - name: worker
//!       image: registry.example.com/team/worker:1.0
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.5.1: Configure Image Provenance using ImagePolicyWebhook admission controller
//! - CIS Docker Benchmark 4.2: Ensure that containers use only trusted base images
//! - NSA/CISA Kubernetes Hardening Guide: Kubernetes Pod security, "Building secure container images"
//! - Microsoft Threat Matrix for Kubernetes MS-TA9002 Compromised image in registry
//! - MITRE ATT&CK T1204.003 User Execution: Malicious Image; T1195.002 Compromise Software Supply Chain

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::images::container_images;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "untrusted-registry",
        severity: Severity::High,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cis-k8s:5.5.1",
            "cis-docker:4.2",
            "nsa-cisa:pod-security",
            "ms-threat:MS-TA9002",
            "mitre:T1204.003",
            "mitre:T1195.002",
        ],
        summary: "Container image comes from a registry that allowedRegistries does not allow",
        fix: "Use an image from an allowed registry (mirror the image there after vetting it), or add its registry to `allowedRegistries` in .palisade.yaml.",
    },
    check: Check::Object(check),
};

/// How many allowed patterns a message lists before it abbreviates.
const PATTERNS_SHOWN: usize = 5;

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(allowed) = &context.config.allowed_registries else {
        return;
    };
    for image in container_images(context) {
        let (Some(text), Some(reference)) = (image.text, &image.reference) else {
            continue;
        };
        let name = reference.name();
        if allowed.iter().any(|registry| registry.allows(&name)) {
            continue;
        }
        let allowed_list = if allowed.is_empty() {
            "allowedRegistries is empty, so no registry is allowed".to_string()
        } else {
            let mut shown: Vec<&str> = allowed
                .iter()
                .take(PATTERNS_SHOWN)
                .map(|registry| registry.pattern.as_str())
                .collect();
            let more = allowed.len().saturating_sub(PATTERNS_SHOWN);
            let more_text = format!("and {more} more");
            if more > 0 {
                shown.push(&more_text);
            }
            format!(
                "no allowedRegistries entry allows it ({})",
                shown.join(", ")
            )
        };
        out.report(
            &image.path(),
            format_args!(
                "{} uses image {text:?}, which comes from {name}: {allowed_list}",
                image.container.describe()
            ),
        );
    }
}
