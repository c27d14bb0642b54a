//! ## What it does
//!
//! Finds pods that share the node's process ID namespace (`spec.hostPID: true`).
//!
//! ## Why is this bad?
//!
//! A pod in the host PID namespace sees every process of the node, with its command line and
//! environment (where secrets often sit), and can signal them. Together with a capability such as
//! `SYS_PTRACE`, or when running as root, it can attach to processes of other containers and of
//! the node itself and read their memory, or enter the host's namespaces through
//! `/proc/1/root` and `nsenter`: a short path from a container to root on the node. This is the
//! Pod Security Standards Baseline control "Host Namespaces".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: debug
//! spec:
//!   hostPID: true
//!   containers:
//!     - name: debug
//!       image: busybox:1.36
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   # hostPID left unset (false); to see the processes of the pod's own containers:
//!   shareProcessNamespace: true
//!   containers:
//!     - name: debug
//!       image: busybox:1.36
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Host Namespaces
//! - CIS Kubernetes Benchmark 5.2.3: Minimize the admission of containers wishing to share the host process ID namespace
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host, T1055 Process Injection

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "host-pid",
        severity: Severity::Critical,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:host-namespaces",
            "cis-k8s:5.2.3",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "mitre:T1055",
        ],
        summary: "Pod shares the node's process namespace (hostPID: true)",
        fix: "Remove `hostPID: true`; use `shareProcessNamespace: true` if the containers of the pod need to see each other's processes.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.spec.get("hostPID").and_then(|node| node.as_bool()) == Some(true) {
        out.report(
            &pod.spec_path.key("hostPID"),
            "pod shares the node's process namespace (hostPID: true), which the Baseline control \"Host Namespaces\" forbids: it sees every process of the node and can signal or trace them",
        );
    }
}
