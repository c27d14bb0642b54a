//! ## What it does
//!
//! Finds containers and init containers without a memory request (`resources.requests.memory`),
//! or with a request of `0` or `""`. A memory limit counts as the request, as the API server
//! copies a limit into a missing request.
//!
//! Ephemeral containers are skipped (they cannot have resources). The container is not reported
//! when something else gives it the value at admission: pod-level `spec.resources`
//! (Kubernetes 1.32+), or a `LimitRange` in the same namespace whose `type: Container` item sets
//! `defaultRequest` (or `default`, which the API server copies into it) for memory.
//!
//! ## Why is this bad?
//!
//! The scheduler places pods by their requests. A container that requests no memory is placed as
//! if it needed none, so nodes get overcommitted; when memory runs short, the kubelet evicts
//! first the pods that use more than they requested (and pods that request nothing at all
//! before anyone else). The workload is then the first to be killed and rescheduled under
//! pressure, including pressure that an attacker elsewhere on the node creates on purpose.
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
//!               cpu: 100m
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
//! - Kubernetes documentation: concepts/configuration/manage-resources-containers/; concepts/scheduling-eviction/node-pressure-eviction/
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening, "Resource policies"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::resources::{Amount, gaps};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-memory-request",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/configuration/manage-resources-containers/",
            "k8s-docs:concepts/scheduling-eviction/node-pressure-eviction/",
            "nsa-cisa:resource-policies",
        ],
        summary: "Container has no memory request",
        fix: "Set `resources.requests.memory` on every container to what it normally uses (or pod-level `spec.resources.requests.memory`, or a LimitRange `defaultRequest` for the namespace).",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for gap in gaps(context, "memory", Amount::Request) {
        let what = match &gap.zero {
            Some(value) => format!(
                "sets a memory request of {value} (resources.requests.memory), which is no request at all"
            ),
            None => "has no memory request (resources.requests.memory)".to_string(),
        };
        out.report(
            &gap.path,
            format_args!(
                "{} {what}: the scheduler places it as if it needed no memory, overcommitting the node, and under memory pressure it is evicted first",
                gap.container.describe()
            ),
        );
    }
}
