//! ## What it does
//!
//! Finds containers and init containers without a CPU limit (`resources.limits.cpu`), or with
//! a limit of `0` or `""`, which means none.
//!
//! Ephemeral containers are skipped (they cannot have resources). The container is not reported
//! when something else gives it the value at admission: pod-level `spec.resources`
//! (Kubernetes 1.32+), or a `LimitRange` in the same namespace whose `type: Container` item sets
//! `default` for cpu.
//!
//! ## Why is this bad?
//!
//! A container without a CPU limit may take every idle CPU cycle of its node. A busy or runaway
//! container becomes a noisy neighbour that slows every other pod whose requests do not protect
//! it, and a hijacked one (an end user exploiting the application, an internal attacker) can
//! mine cryptocurrency with the whole node, unnoticed until the bill comes. A limit caps the
//! container at what it was sized for.
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
//!             limits:
//!               cpu: 500m
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/configuration/manage-resources-containers/; concepts/policy/limit-range/
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening, "Resource policies"
//! - MITRE ATT&CK T1496 Resource Hijacking

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::resources::{Amount, gaps};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-cpu-limit",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/configuration/manage-resources-containers/",
            "k8s-docs:concepts/policy/limit-range/",
            "nsa-cisa:resource-policies",
            "mitre:T1496",
        ],
        summary: "Container has no CPU limit",
        fix: "Set `resources.limits.cpu` on every container (or pod-level `spec.resources.limits.cpu`, or a LimitRange `default` for the namespace).",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for gap in gaps(context, "cpu", Amount::Limit) {
        let what = match &gap.zero {
            Some(value) => format!(
                "sets a CPU limit of {value} (resources.limits.cpu), which is no limit at all"
            ),
            None => "has no CPU limit (resources.limits.cpu)".to_string(),
        };
        out.report(
            &gap.path,
            format_args!(
                "{} {what}: it can take all the idle CPU of its node, a noisy neighbour for the other pods and a free cryptominer if it is hijacked",
                gap.container.describe()
            ),
        );
    }
}
