//! ## What it does
//!
//! Reports a DaemonSet successfully created, and a CronJob created, updated or patched, by
//! someone who is not part of the control plane (the `system:` components, the service
//! accounts of `kube-system`, the managed platforms' `eks:*`, `aksService` and
//! `masterclient`), naming who, the object and, for a CronJob whose request object is in the
//! log, its schedule.
//!
//! ## Why is this bad?
//!
//! Both keep code running after the intruder has gone: a DaemonSet puts a pod on every node,
//! present and future, and restarts it when it dies; a CronJob starts a fresh pod on a
//! schedule, long after the session that created it, and changing the image or command of an
//! existing CronJob is quieter still (MITRE ATT&CK T1053.007 Container Orchestration Job,
//! T1610 Deploy Container; Microsoft MS-TA9014 Kubernetes CronJob). Most clusters create
//! them rarely, so each new one is worth a look.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"cronjobs","namespace":"default","name":"cleanup",
//!   "apiGroup":"batch","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"kind":"CronJob","metadata":{"name":"cleanup"},
//!   "spec":{"schedule":"*/5 * * * *","jobTemplate":{"spec":{"template":{"spec":{
//!    "containers":[{"name":"c","image":"busybox"}],"restartPolicy":"Never"}}}}}}}
//! ```
//!
//! Use instead: deploy DaemonSets and CronJobs through the reviewed pipeline only, and keep
//! `create` and `patch` on them out of everyday roles:
//!
//! ```yaml
//! rules:
//!   - apiGroups: ["apps", "batch"]
//!     resources: ["daemonsets", "cronjobs"]
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1053.007 Container Orchestration Job, T1610 Deploy Container
//! - Microsoft Threat Matrix for Kubernetes MS-TA9014: Kubernetes CronJob
//! - Panther `Kubernetes.CronJob.CreatedOrModified`, `Kubernetes.DaemonSet.Created`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{
    api_group, by_control_plane, described_object, verb_done, was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "persistent-workload-created",
        severity: Severity::Low,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &["mitre:T1053.007", "mitre:T1610", "ms-threat:MS-TA9014"],
        summary: "Someone created a DaemonSet, or created or changed a CronJob: code that keeps running",
        fix: "Check that the DaemonSet or CronJob was planned, who wrote it and what its pods run; delete it if nobody can vouch for it.",
    },
    why: "a DaemonSet runs on every node and a CronJob starts pods on a schedule: both keep an intruder's code running after they leave (MITRE T1053.007)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let verb = event.verb.as_str();
    let kind = match (event.resource(), api_group(event), verb) {
        ("daemonsets", "apps" | "extensions", "create") => "DaemonSet",
        ("cronjobs", "batch", "create" | "update" | "patch") => "CronJob",
        _ => return,
    };
    if !event.subresource().is_empty() || !was_carried_out(event) || by_control_plane(event) {
        return;
    }
    let effect = match kind {
        "DaemonSet" => ": it runs a pod on every node".to_string(),
        _ => match event
            .request_object
            .as_ref()
            .and_then(|body| body.pointer("/spec/schedule"))
            .and_then(Value::as_str)
        {
            Some(schedule) => format!(": it starts pods on the schedule \"{schedule}\""),
            None => ": it starts pods on a schedule".to_string(),
        },
    };
    out.report(
        "/objectRef",
        format!(
            "{} {} {kind} {}{effect}",
            who(event),
            verb_done(verb),
            described_object(event)
        ),
    );
}
