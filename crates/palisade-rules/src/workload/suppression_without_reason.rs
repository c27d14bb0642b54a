//! ## What it does
//!
//! Finds objects that silence palisade rules with the `palisade.dev/ignore` annotation but do
//! not say why in `palisade.dev/ignore-reason`.
//!
//! ## Why is this bad?
//!
//! A suppression is a decision to accept a risk. Without a reason, the next reviewer cannot
//! tell a considered exception (a CNI agent that needs the host network) from someone
//! switching off the scanner to get a build through. Unexplained exceptions accumulate and
//! quietly undo the policy; an internal attacker can hide a privileged workload behind one.
//! The suppression still takes effect; this finding asks for the reason.
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   name: calico-node
//!   annotations:
//!     palisade.dev/ignore: host-network
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! metadata:
//!   name: calico-node
//!   annotations:
//!     palisade.dev/ignore: host-network
//!     palisade.dev/ignore-reason: "the CNI agent programs the node's network"
//! ```
//!
//! ## References
//!
//! - palisade documentation: suppressions (`palisade.dev/ignore`, `.palisade.yaml` exemptions)
//! - NSA/CISA Kubernetes Hardening Guide: periodic review of settings

use palisade_model::{Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::engine::{IGNORE_ANNOTATION, IGNORE_REASON_ANNOTATION};
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "suppression-without-reason",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &["palisade:suppressions", "nsa-cisa:periodic-review"],
        summary: "A palisade.dev/ignore annotation without a palisade.dev/ignore-reason",
        fix: "Add the annotation palisade.dev/ignore-reason with why the rule does not apply here.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(annotations) = context.object.annotations() else {
        return;
    };
    let Some(ignore) = annotations.get(IGNORE_ANNOTATION) else {
        return;
    };
    let reason = annotations
        .get(IGNORE_REASON_ANNOTATION)
        .and_then(|node| node.as_str())
        .map(str::trim)
        .unwrap_or("");
    if reason.is_empty() {
        let rules = ignore.as_str().unwrap_or("");
        out.report(
            &Pointer::root().keys(&["metadata", "annotations", IGNORE_ANNOTATION]),
            format_args!("{IGNORE_ANNOTATION} silences {rules:?} without a {IGNORE_REASON_ANNOTATION} annotation saying why"),
        );
    }
}
