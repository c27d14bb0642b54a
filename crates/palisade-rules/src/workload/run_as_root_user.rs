//! ## What it does
//!
//! Finds `securityContext.runAsUser: 0` (root), at pod level or on any container (init, regular,
//! ephemeral). Pods that run in their own user namespace (`spec.hostUsers: false`) are exempt
//! (policy v1.35+): UID 0 in the pod is an unprivileged user on the node.
//!
//! The pod-level setting is reported even when every container overrides it, as Pod Security
//! Admission does: a container added later would inherit it.
//!
//! ## Why is this bad?
//!
//! `runAsUser: 0` asks for root explicitly, overriding a non-root user that the image may
//! declare. Root in a container is root on the node's kernel, limited only by capabilities,
//! seccomp and the other layers; an attacker who gets code execution through the application
//! starts with the highest privileges in the container, and any flaw of the isolation (a
//! writable hostPath, a runtime bug) becomes root on the node. It also contradicts
//! `runAsNonRoot: true`, so the kubelet will refuse to start the container. This is the Pod
//! Security Standards Restricted control "Running as Non-root user".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web
//! spec:
//!   securityContext:
//!     runAsUser: 0
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   securityContext:
//!     runAsNonRoot: true
//!     runAsUser: 10001
//!   containers:
//!     - name: web
//!       image: nginxinc/nginx-unprivileged:1.27
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Restricted: Running as Non-root user (v1.23+; user-namespace relaxation from v1.35)
//! - CIS Kubernetes Benchmark 5.2.7: Minimize the admission of root containers
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Non-root containers and rootless container engines"
//! - MITRE ATT&CK T1611 Escape to Host

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{container_field, pod_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "run-as-root-user",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "pss:restricted:running-as-non-root-user",
            "cis-k8s:5.2.7",
            "nsa-cisa:pod-security",
            "mitre:T1611",
        ],
        summary: "Pod or container asks to run as root (runAsUser: 0)",
        fix: "Set `runAsUser` to a non-zero UID (and `runAsNonRoot: true`), using an image that works as that user.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.in_user_namespace() {
        return;
    }
    if pod_field(pod, &["runAsUser"]).and_then(|n| n.as_i64()) == Some(0) {
        out.report(
            &pod.security_context_path(&["runAsUser"]),
            "pod sets securityContext.runAsUser: 0 (root), which the Restricted control \"Running as Non-root user\" forbids",
        );
    }
    for container in pod.containers() {
        if container_field(container, &["runAsUser"]).and_then(|n| n.as_i64()) == Some(0) {
            out.report(
                &container.security_context_path(&["runAsUser"]),
                format_args!(
                    "{} sets securityContext.runAsUser: 0 (root), which the Restricted control \"Running as Non-root user\" forbids",
                    container.describe()
                ),
            );
        }
    }
}
