//! ## What it does
//!
//! Reports every ephemeral container added to a running pod (the `ephemeralcontainers`
//! subresource of `pods`, written by `kubectl debug`) by a successful `create`, `update` or
//! `patch`, naming who added it, to which pod, and, when the request object is in the log, the
//! new container's name, image and target container. The alert is high instead of medium when
//! the new container is privileged (`kubectl debug --profile=sysadmin`).
//!
//! ## Why is this bad?
//!
//! An ephemeral container runs an image of the requester's choosing inside a running pod: in
//! its network namespace, with its volumes, and with `--target` in the process namespace of
//! another container, whose files and service-account token it then reads through
//! `/proc/PID/root`. It is `kubectl exec` with tools the image never had, and it changes the
//! pod without changing its workload (MITRE ATT&CK T1609 Container Administration Command,
//! T1610 Deploy Container).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"patch","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"pods","namespace":"prod","name":"web-1",
//!   "subresource":"ephemeralcontainers"},
//!  "responseStatus":{"code":200},
//!  "requestObject":{"spec":{"ephemeralContainers":[{"name":"debugger-x7k2p",
//!   "image":"busybox","targetContainerName":"web"}]}}}
//! ```
//!
//! Use instead: debug under a role granted for the incident only, and keep
//! `pods/ephemeralcontainers` out of everyday roles:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["pods", "pods/log"]   # no pods/ephemeralcontainers
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1609 Container Administration Command, T1610 Deploy Container
//! - Kubernetes documentation: Ephemeral Containers
//! - Falco k8saudit rule "EphemeralContainers Created"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{verb_done, was_carried_out, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "ephemeral-container-added",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1609",
            "mitre:T1610",
            "k8s-docs:concepts/workloads/pods/ephemeral-containers/",
        ],
        summary: "Someone added an ephemeral container (kubectl debug) to a running pod",
        fix: "Find out who debugged the pod and why; remove pods/ephemeralcontainers from everyday roles, and restart the pod to get rid of the container.",
    },
    why: "an ephemeral container runs any image inside a running pod, sharing its network, volumes and possibly another container's processes and token (MITRE T1609)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.subresource() != "ephemeralcontainers"
        || event.resource() != "pods"
        || !matches!(event.verb.as_str(), "create" | "update" | "patch")
        || !was_carried_out(event)
    {
        return;
    }
    // The container kubectl debug adds is the last of the list, in an update and in a patch.
    let added = event
        .request_object
        .as_ref()
        .and_then(|body| body.pointer("/spec/ephemeralContainers"))
        .and_then(Value::as_array)
        .and_then(|containers| containers.last().map(|last| (containers.len() - 1, last)));
    let text = |container: &Value, key: &str| {
        container
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut details = Vec::new();
    let mut privileged = false;
    let mut path = "/objectRef/subresource".to_string();
    if let Some((index, container)) = added {
        path = format!("/requestObject/spec/ephemeralContainers/{index}");
        if let Some(name) = text(container, "name") {
            details.push(format!("container {name}"));
        }
        if let Some(image) = text(container, "image") {
            details.push(format!("image {image}"));
        }
        if let Some(target) = text(container, "targetContainerName") {
            details.push(format!("sharing the processes of container {target}"));
        }
        privileged = container
            .pointer("/securityContext/privileged")
            .and_then(Value::as_bool)
            == Some(true);
        if privileged {
            details.push("privileged".to_string());
        }
    }
    let details = if details.is_empty() {
        String::new()
    } else {
        format!(" ({})", details.join(", "))
    };
    let alert = out.report(
        path,
        format!(
            "{} {} {}: added an ephemeral container to the running pod{details}",
            who(event),
            verb_done(&event.verb),
            event.resource_path()
        ),
    );
    if privileged {
        alert.severity = Severity::High;
    }
}
