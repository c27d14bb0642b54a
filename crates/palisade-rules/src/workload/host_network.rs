//! ## What it does
//!
//! Finds pods that share the node's network namespace (`spec.hostNetwork: true`).
//!
//! ## Why is this bad?
//!
//! A pod on the host network sees every interface of the node. It can sniff the node's traffic
//! (including other pods' unencrypted traffic), reach services that listen only on the node's
//! loopback (the kubelet's read-only port, a local etcd, cloud metadata proxies), bind ports on
//! the node's addresses, and it is outside the reach of NetworkPolicy. An end user who gets code
//! execution in the application, or an internal attacker who can create such a pod, starts on the
//! node's network instead of a sandboxed one. This is the Pod Security Standards Baseline control
//! "Host Namespaces".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web
//! spec:
//!   hostNetwork: true
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   # hostNetwork left unset (false); expose the port through a Service instead
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//!       ports:
//!         - containerPort: 8080
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Host Namespaces
//! - CIS Kubernetes Benchmark 5.2.5: Minimize the admission of containers wishing to share the host network namespace
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1040 Network Sniffing, T1611 Escape to Host

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "host-network",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:host-namespaces",
            "cis-k8s:5.2.5",
            "nsa-cisa:pod-security",
            "mitre:T1040",
            "mitre:T1611",
        ],
        summary: "Pod shares the node's network namespace (hostNetwork: true)",
        fix: "Remove `hostNetwork: true` and expose the workload through a Service; only node agents (CNI, kube-proxy) should need the host network.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.spec.get("hostNetwork").and_then(|node| node.as_bool()) == Some(true) {
        out.report(
            &pod.spec_path.key("hostNetwork"),
            "pod shares the node's network namespace (hostNetwork: true), which the Baseline control \"Host Namespaces\" forbids: it can sniff the node's traffic, reach services bound to the node's loopback and is not isolated by NetworkPolicy",
        );
    }
}
