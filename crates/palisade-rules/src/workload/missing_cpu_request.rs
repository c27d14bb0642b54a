//! ## What it does
//!
//! Finds containers and init containers without a CPU request (`resources.requests.cpu`), or
//! with a request of `0` or `""`. A CPU limit counts as the request, as the API server copies a
//! limit into a missing request.
//!
//! Ephemeral containers are skipped (they cannot have resources). The container is not reported
//! when something else gives it the value at admission: pod-level `spec.resources`
//! (Kubernetes 1.32+), or a `LimitRange` in the same namespace whose `type: Container` item sets
//! `defaultRequest` (or `default`, which the API server copies into it) for cpu.
//!
//! ## Why is this bad?
//!
//! The scheduler places pods by their requests, and the kernel shares CPU under contention in
//! proportion to them. A container that requests no CPU is placed as if it needed none, so nodes
//! get overcommitted, and when the node is busy it gets only a token share of the CPU: the
//! workload slows to a crawl next to a noisy (or malicious) neighbour. A pod with no requests at
//! all is also the first to be evicted when the node runs short.
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
//!           image: nginx:1.27
//!           resources:
//!             requests:
//!               memory: 128Mi
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!           resources:
//!             requests:
//!               cpu: 100m
//!               memory: 128Mi
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/configuration/manage-resources-containers/; concepts/policy/limit-range/
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening, "Resource policies"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::resources::{Amount, gaps};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-cpu-request",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/configuration/manage-resources-containers/",
            "k8s-docs:concepts/policy/limit-range/",
            "nsa-cisa:resource-policies",
        ],
        summary: "Container has no CPU request",
        fix: "Set `resources.requests.cpu` on every container to what it normally uses (or pod-level `spec.resources.requests.cpu`, or a LimitRange `defaultRequest` for the namespace).",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for gap in gaps(context, "cpu", Amount::Request) {
        let what = match &gap.zero {
            Some(value) => format!(
                "sets a CPU request of {value} (resources.requests.cpu), which is no request at all"
            ),
            None => "has no CPU request (resources.requests.cpu)".to_string(),
        };
        out.report(
            &gap.path,
            format_args!(
                "{} {what}: the scheduler places it as if it needed no CPU, overcommitting the node, and under contention it gets only a token share",
                gap.container.describe()
            ),
        );
    }
}
