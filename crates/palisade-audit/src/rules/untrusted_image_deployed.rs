//! ## What it does
//!
//! When `allowedRegistries` is configured in `.palisade.yaml`, reports every Pod or workload
//! (Deployment, DaemonSet, StatefulSet, Job, CronJob, ...) created or replaced through the API
//! with a container image from a registry the list does not allow. The request object is judged
//! by the manifest rule `untrusted-registry`, the same check `palisade scan` makes; the audit
//! log must record request bodies for pods and workloads (level `Request` or above).
//!
//! ## Why is this bad?
//!
//! An image from a registry nobody vetted runs with the pod's service account, network and
//! secrets: it is the usual way in for crypto-miners and backdoors. `palisade scan` catches it
//! in CI; this rule catches what reached the cluster without CI (`kubectl run`, a compromised
//! account, an operator that creates pods), which is what an attacker does (MITRE ATT&CK T1610
//! Deploy Container). Falco's k8saudit rules report the same ("Create Disallowed Pod").
//!
//! ## Example
//!
//! With `allowedRegistries: [registry.example.com]`, an event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create",
//!  "user":{"username":"mallory"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"pods","namespace":"default","name":"miner","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"miner"},
//!    "spec":{"containers":[{"name":"miner","image":"someuser/xmrig:latest"}]}}}
//! ```
//!
//! Use instead: images from the allowed registries only, enforced at admission too
//! (`palisade serve` runs the same rule):
//!
//! ```yaml
//! containers:
//!   - name: worker
//!     image: registry.example.com/team/worker:1.4.2
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.5.1: Configure Image Provenance
//! - MITRE ATT&CK T1610 Deploy Container
//! - Falco k8saudit rule "Create Disallowed Pod"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{described_object, judge_request_object, kind_of_resource, was_refused};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "untrusted-image-deployed",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &["cis-k8s:5.5.1", "mitre:T1610"],
        summary: "A pod or workload was created with an image from a registry allowedRegistries does not allow",
        fix: "Find out who deployed the image and what it does; remove the workload, and enforce allowedRegistries at admission (`palisade serve`).",
    },
    why: "an image from an unvetted registry runs with the pod's service account, network access and secrets: the usual way in for crypto-miners and backdoors (MITRE T1610)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

const MANIFEST_RULES: &[&str] = &["untrusted-registry"];

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if context.config.scan.allowed_registries.is_none()
        || !matches!(event.verb.as_str(), "create" | "update")
        || !event.subresource().is_empty()
        || !is_workload(event.resource())
        || was_refused(event)
    {
        return;
    }
    for finding in judge_request_object(context, MANIFEST_RULES) {
        out.report(
            format!("/requestObject{}", finding.path),
            format!(
                "{} {} {}: {}",
                event.user.username,
                past_tense(&event.verb),
                described_object(event),
                finding.message
            ),
        );
    }
}

fn is_workload(resource: &str) -> bool {
    matches!(
        kind_of_resource(resource),
        Some(
            "Pod"
                | "Deployment"
                | "StatefulSet"
                | "DaemonSet"
                | "ReplicaSet"
                | "ReplicationController"
                | "Job"
                | "CronJob"
                | "PodTemplate"
        )
    )
}

fn past_tense(verb: &str) -> &str {
    match verb {
        "create" => "created",
        "update" => "replaced",
        other => other,
    }
}
