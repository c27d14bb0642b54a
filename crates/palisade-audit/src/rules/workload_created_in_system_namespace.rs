//! ## What it does
//!
//! Reports a Pod or workload (Deployment, DaemonSet, StatefulSet, ReplicaSet,
//! ReplicationController, Job, CronJob, PodTemplate) successfully created in a system namespace
//! (`kube-system`, `kube-public`, `kube-node-lease`) by someone who is not part of the control
//! plane, naming who, which object and, when the request object is in the log, its images.
//!
//! The control plane is: the `system:` users of the API server, controller manager, scheduler
//! and kubelets (not `system:anonymous`, not OpenShift's `system:admin`), the service accounts
//! of `kube-system` (the controllers, which make the Pods of the system's own workloads), and
//! the managed platforms' components (`eks:*`, `aksService`, `masterclient`). Evictions and
//! other subresources are not creations; server-side dry runs create nothing.
//!
//! Falco's "Pod Created in Kube Namespace" judges Pods by their image against a list of the
//! system's images, so it also reports the Pods the ReplicaSet controller makes for a workload
//! created earlier. palisade judges who created the object instead: it reports the Deployment
//! (or the Pod) a person created, with that person's name, once, not each Pod a controller
//! makes for it.
//!
//! ## Why is this bad?
//!
//! `kube-system` is where the control plane's own workloads and their powerful service
//! accounts live. A workload an attacker places there blends in with them, is exempted from
//! most Pod Security and policy engines, and can mount the service accounts of the
//! controllers (MITRE ATT&CK T1610 Deploy Container, T1036.005 Masquerading: Match Legitimate
//! Name or Location; Microsoft MS-TA9023 Pod or container name similarity).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"daemonsets","namespace":"kube-system","name":"kube-proxy-2",
//!   "apiGroup":"apps","apiVersion":"v1"},
//!  "responseStatus":{"code":201}}
//! ```
//!
//! Use instead: run add-ons in namespaces of their own, and let nobody but cluster
//! administrators write to `kube-system`:
//!
//! ```yaml
//! apiVersion: v1
//! kind: Namespace
//! metadata:
//!   name: monitoring
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1610 Deploy Container, T1036.005 Match Legitimate Name or Location
//! - Microsoft Threat Matrix for Kubernetes MS-TA9023: Pod or container name similarity
//! - Falco k8saudit rule "Pod Created in Kube Namespace"; Panther `Kubernetes.Pod.SystemNamespace`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::event::Event;
use crate::rules::common::{
    SYSTEM_NAMESPACES, by_control_plane, described_object, was_carried_out, who, workload_kind,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "workload-created-in-system-namespace",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &["mitre:T1610", "mitre:T1036.005", "ms-threat:MS-TA9023"],
        summary: "Someone other than the control plane created a pod or workload in a system namespace",
        fix: "Find out who created it and why; move add-ons to namespaces of their own and keep write access to kube-system for cluster administrators.",
    },
    why: "a workload in kube-system hides among the control plane's own, is exempt from most policies and can use the controllers' service accounts (MITRE T1610)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// How many images a message lists.
const MAX_IMAGES: usize = 3;

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.verb != "create"
        || !event.subresource().is_empty()
        || !SYSTEM_NAMESPACES.contains(&event.namespace())
    {
        return;
    }
    let Some(kind) = workload_kind(event) else {
        return;
    };
    if !was_carried_out(event) || by_control_plane(event) {
        return;
    }
    let images = images(event, kind);
    let images = match images.len() {
        0 => String::new(),
        1 => format!(" (image {})", images[0]),
        n if n <= MAX_IMAGES => format!(" (images {})", images.join(", ")),
        n => format!(
            " (images {} and {} more)",
            images[..MAX_IMAGES].join(", "),
            n - MAX_IMAGES
        ),
    };
    out.report(
        "/objectRef/namespace",
        format!(
            "{} created {kind} {} in the system namespace {}{images}",
            who(event),
            described_object(event),
            event.namespace()
        ),
    );
}

/// The images of the pod spec in the request object, if it is in the log.
fn images(event: &Event, kind: &str) -> Vec<String> {
    let spec = match kind {
        "Pod" => "/spec",
        "CronJob" => "/spec/jobTemplate/spec/template/spec",
        "PodTemplate" => "/template/spec",
        _ => "/spec/template/spec",
    };
    let Some(spec) = event
        .request_object
        .as_ref()
        .and_then(|body| body.pointer(spec))
    else {
        return Vec::new();
    };
    let mut images: Vec<String> = Vec::new();
    for list in ["initContainers", "containers"] {
        let containers = spec.get(list).and_then(Value::as_array);
        for container in containers.into_iter().flatten() {
            if let Some(image) = container.get("image").and_then(Value::as_str)
                && !images.iter().any(|known| known == image)
            {
                images.push(image.to_string());
            }
        }
    }
    images
}
