//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose effective image pull policy can run a
//! stale or unverified copy of the image:
//!
//! - `imagePullPolicy: Never`;
//! - `imagePullPolicy: IfNotPresent`, written or defaulted, for an image that is not pinned by
//!   digest. Kubernetes defaults an absent policy to `Always` when the tag is `latest` or
//!   missing, and to `IfNotPresent` otherwise, so `image: nginx:1.27` without a policy is
//!   reported and `image: nginx` is not (that one is `latest-image-tag`'s).
//!
//! A digest-pinned image with `IfNotPresent` is accepted: the node's copy is the content the
//! digest names, or the pull fails.
//!
//! Severity is low: exploiting it needs a foothold on the node or on the registry, and
//! `image-without-digest` already reports the mutable reference itself.
//!
//! ## Why is this bad?
//!
//! With `IfNotPresent`, a node that already holds an image with that name runs it without
//! asking the registry what the tag points to now. Nodes drift apart (one runs yesterday's
//! build, another today's), a fixed image never reaches nodes that cached the vulnerable one,
//! and an attacker with access to a node's container runtime (a privileged attacker, or an
//! internal attacker who escaped a container) can plant an image under the expected name and
//! tag and wait for the next pod. With `Never` the node's copy is all there is. Neither policy
//! makes the kubelet check the pod's pull credentials either, so a pod may run a private image
//! that was pulled for another tenant (MS-TA9037); the `AlwaysPullImages` admission plugin
//! closes that gap cluster-wide.
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
//!           image: registry.example.com/team/api:2.4.1
//!           imagePullPolicy: IfNotPresent
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       containers:
//!         - name: api
//!           image: registry.example.com/team/api:2.4.1@sha256:<digest>
//!           imagePullPolicy: IfNotPresent   # safe: the digest fixes the content
//! ```
//!
//! or keep the tag and set `imagePullPolicy: Always`.
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/containers/images/ (image pull policy and its defaults)
//! - CIS Kubernetes Benchmark 1.2.11: Ensure that the admission control plugin AlwaysPullImages is set
//! - Microsoft Threat Matrix for Kubernetes MS-TA9037 Images from a private registry
//! - MITRE ATT&CK T1525 Implant Internal Image

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::supply_chain::images::container_images;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "unsafe-image-pull-policy",
        severity: Severity::Low,
        layer: Layer::SupplyChain,
        threat_actors: &[
            ThreatActor::PrivilegedAttacker,
            ThreatActor::InternalAttacker,
        ],
        references: &[
            "k8s-docs:concepts/containers/images/#image-pull-policy",
            "cis-k8s:1.2.11",
            "ms-threat:MS-TA9037",
            "mitre:T1525",
        ],
        summary: "Image pull policy can run a stale or planted copy of the image (Never, or IfNotPresent without a digest)",
        fix: "Pin the image by digest (then IfNotPresent is safe), or set `imagePullPolicy: Always`; keep `Never` for nodes whose images you provision yourself.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for image in container_images(context) {
        let container = image.container.describe();
        let shown = image.text.unwrap_or("<no image>");
        let policy_path = image.container.path.key("imagePullPolicy");
        let written = image
            .container
            .node
            .get("imagePullPolicy")
            .filter(|policy| !policy.is_null());
        let pinned = image.reference.as_ref().map(|r| r.is_pinned());
        match written.map(Node::as_str) {
            Some(Some("Never")) => {
                out.report(
                    &policy_path,
                    format_args!(
                        "{container} sets imagePullPolicy: Never, so it runs whatever copy of {shown:?} is already on the node: the kubelet never fetches it from the registry nor checks that the pod may pull it"
                    ),
                );
            }
            Some(Some("IfNotPresent")) if pinned == Some(false) => {
                out.report(
                    &policy_path,
                    format_args!(
                        "{container} sets imagePullPolicy: IfNotPresent for {shown:?}, which is not pinned by digest: a node that already holds a copy runs it, stale or planted, without asking the registry what the tag points to now"
                    ),
                );
            }
            // Always, a digest-pinned IfNotPresent, or a value the API server rejects anyway.
            Some(_) => {}
            None => {
                let Some(reference) = &image.reference else {
                    continue;
                };
                let Some(tag) = reference.effective_tag() else {
                    continue;
                };
                if tag == "latest" || reference.is_pinned() {
                    continue;
                }
                out.report(
                    &image.container.path,
                    format_args!(
                        "{container} has no imagePullPolicy, so Kubernetes sets IfNotPresent for the tag {tag:?} of {shown:?}: a node that already holds a copy runs it, stale or planted, without asking the registry what the tag points to now"
                    ),
                );
            }
        }
    }
}
