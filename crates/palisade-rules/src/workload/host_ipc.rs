//! ## What it does
//!
//! Finds pods that share the node's IPC namespace (`spec.hostIPC: true`).
//!
//! ## Why is this bad?
//!
//! A pod in the host IPC namespace can read and write the System V shared memory segments,
//! semaphores and message queues of every process on the node, including those of other
//! containers that use `/dev/shm` to pass data. An attacker in such a pod can read data it was
//! never meant to see or corrupt the state of other workloads. No ordinary application needs it.
//! This is the Pod Security Standards Baseline control "Host Namespaces".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: cache
//! spec:
//!   template:
//!     spec:
//!       hostIPC: true
//!       containers:
//!         - name: cache
//!           image: example/cache:1.0
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!     spec:
//!       # hostIPC left unset (false); containers of one pod already share an IPC namespace
//!       containers:
//!         - name: cache
//!           image: example/cache:1.0
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Host Namespaces
//! - CIS Kubernetes Benchmark 5.2.4: Minimize the admission of containers wishing to share the host IPC namespace
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "host-ipc",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:host-namespaces",
            "cis-k8s:5.2.4",
            "nsa-cisa:pod-security",
            "mitre:T1611",
        ],
        summary: "Pod shares the node's IPC namespace (hostIPC: true)",
        fix: "Remove `hostIPC: true`; the containers of one pod already share an IPC namespace.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.spec.get("hostIPC").and_then(|node| node.as_bool()) == Some(true) {
        out.report(
            &pod.spec_path.key("hostIPC"),
            "pod shares the node's IPC namespace (hostIPC: true), which the Baseline control \"Host Namespaces\" forbids: it can read and write the shared memory of every process on the node",
        );
    }
}
