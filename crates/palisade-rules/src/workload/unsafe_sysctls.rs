//! ## What it does
//!
//! Finds pods whose `spec.securityContext.sysctls` set a kernel parameter outside the safe set
//! of Pod Security Admission (all policy versions up to v1.37):
//!
//! `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`,
//! `net.ipv4.ping_group_range`, `net.ipv4.ip_unprivileged_port_start`,
//! `net.ipv4.ip_local_reserved_ports` (v1.27), `net.ipv4.tcp_keepalive_time`,
//! `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes`
//! (v1.29), `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem` (v1.32), `net.ipv4.tcp_slow_start_after_idle`,
//! `net.ipv4.tcp_notsent_lowat` (v1.37).
//!
//! Names are compared exactly, as the admission controller compares them.
//!
//! ## Why is this bad?
//!
//! The safe sysctls are namespaced: they change only the pod's own network or IPC namespace.
//! Other sysctls either reach the whole node (memory, scheduler and filesystem limits shared by
//! every pod) or have not been vetted for isolation. A pod that sets them can weaken the node's
//! protections or starve its neighbours, and the kubelet only admits them when an administrator
//! allows them with `--allowed-unsafe-sysctls`. This is the Pod Security Standards Baseline
//! control "Sysctls".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: db
//! spec:
//!   securityContext:
//!     sysctls:
//!       - name: kernel.msgmax
//!         value: "65536"
//!   containers:
//!     - name: db
//!       image: postgres:17
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   securityContext:
//!     sysctls:
//!       - name: net.ipv4.ip_local_port_range
//!         value: "32768 60999"
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Sysctls
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tasks/administer-cluster/sysctl-cluster/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::pod_field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "unsafe-sysctls",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:sysctls",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tasks/administer-cluster/sysctl-cluster/",
        ],
        summary: "Pod sets a sysctl outside the safe, namespaced set",
        fix: "Remove the sysctl, or tune it on the node (for node-wide parameters) instead of from the pod.",
    },
    check: Check::Object(check),
};

/// The safe sysctls of every policy version up to v1.37.
const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    let Some(sysctls) = pod_field(pod, &["sysctls"]) else {
        return;
    };
    let path = pod.security_context_path(&["sysctls"]);
    for (index, sysctl) in sysctls.items().iter().enumerate() {
        let name = sysctl.get("name").and_then(Node::as_str).unwrap_or("");
        if SAFE_SYSCTLS.contains(&name) {
            continue;
        }
        out.report(
            &path.index(index).key("name"),
            format_args!(
                "pod sets sysctl {name:?}, outside the safe set allowed by the Baseline control \"Sysctls\""
            ),
        );
    }
}
