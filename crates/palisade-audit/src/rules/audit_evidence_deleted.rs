//! ## What it does
//!
//! Reports a successful `delete` or `deletecollection` of Kubernetes Events (`events` of the
//! core group and of `events.k8s.io`) by someone who is not part of the control plane, naming
//! who, in which namespace, and whether one event or all of them went.
//!
//! The control plane deletes Events as a matter of course (the namespace controller when it
//! deletes a namespace; expiry needs no request at all), so its deletions are left out. The
//! audit log itself and the audit policy live on the control plane's disks, outside the API;
//! a webhook that receives the log (this one, Falco) runs as an ordinary workload, whose
//! deletion the workload and RBAC rules see like any other.
//!
//! ## Why is this bad?
//!
//! Events are the cluster's own record of what happened to its objects: pods scheduled,
//! images pulled, containers killed, failed mounts, evictions. Nobody needs to delete them:
//! they expire after an hour. An attacker deletes them to hide a pod that was started and
//! removed, an image pulled from an unknown registry, or a crash their exploit caused (MITRE
//! ATT&CK T1070 Indicator Removal; Microsoft MS-TA9022 Delete Kubernetes events).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseComplete",
//!  "verb":"deletecollection","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"events","namespace":"prod","apiVersion":"v1"},
//!  "responseStatus":{"code":200}}
//! ```
//!
//! Use instead: let Events expire, and keep `delete` and `deletecollection` on `events` out of
//! every role:
//!
//! ```yaml
//! rules:
//!   - apiGroups: ["", "events.k8s.io"]
//!     resources: ["events"]
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1070 Indicator Removal
//! - Microsoft Threat Matrix for Kubernetes MS-TA9022: Delete Kubernetes events
//! - Kubernetes documentation: Event (the `--event-ttl` of the API server)

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{api_group, by_control_plane, was_carried_out, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "audit-evidence-deleted",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1070",
            "ms-threat:MS-TA9022",
            "k8s-docs:reference/kubernetes-api/cluster-resources/event-v1/",
        ],
        summary: "Someone deleted Kubernetes Events, the cluster's record of what happened",
        fix: "Find out who deleted the events and why, look in the audit log for what they covered, and take delete and deletecollection on events out of their roles.",
    },
    why: "Events expire on their own; deleting them hides pods, image pulls and failures an attacker caused (MITRE T1070)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let verb = event.verb.as_str();
    if event.resource() != "events"
        || !matches!(verb, "delete" | "deletecollection")
        || !matches!(api_group(event), "" | "events.k8s.io")
        || !event.subresource().is_empty()
        || !was_carried_out(event)
        || by_control_plane(event)
    {
        return;
    }
    let namespace = match event.namespace() {
        "" => "every namespace".to_string(),
        namespace => format!("namespace {namespace}"),
    };
    let what = if verb == "deletecollection" || event.name().is_empty() {
        format!("deleted the events of {namespace}")
    } else {
        format!("deleted event {} of {namespace}", event.name())
    };
    out.report(
        "/objectRef/resource",
        format!("{} {what} ({verb} {})", who(event), event.resource_path()),
    );
}
