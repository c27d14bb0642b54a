//! ## What it does
//!
//! Judges every Pod and every workload (Deployment, DaemonSet, StatefulSet, ReplicaSet,
//! ReplicationController, Job, CronJob, PodTemplate) that a successful `create` or `update`
//! wrote, with the same manifest rules as `palisade scan`: `host-network`, `host-pid` and
//! `host-ipc`. It alerts once per finding, quoting the manifest rule and its message, and names
//! who wrote the object; the alert has the finding's severity (`hostPID` is critical).
//!
//! The request object must be in the log (audit level `Request` or above for the resource). A
//! `patch` is a fragment and is not judged; the objects controllers make from the patched
//! template are. Objects the control plane derives from an owner already reported in the same
//! log do not repeat its alerts, and kubelets' mirror pods are left to `palisade node`. A
//! `palisade.dev/ignore` annotation in the request does not silence the alert; the exemptions
//! of `.palisade.yaml` do.
//!
//! ## Why is this bad?
//!
//! A pod in the node's network namespace sniffs the node's traffic and reaches what listens on
//! its loopback (the kubelet's read-only port, cloud metadata proxies), around every
//! NetworkPolicy; in its process namespace it sees, signals and traces every process of the
//! node; in its IPC namespace it reads other processes' shared memory (MITRE ATT&CK T1611
//! Escape to Host, T1040 Network Sniffing). Only node agents need them.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"pods","namespace":"prod","name":"debug","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debug"},
//!   "spec":{"hostPID":true,"containers":[{"name":"shell","image":"busybox"}]}}}
//! ```
//!
//! Use instead: enforce Pod Security `baseline` on namespaces that run no node agents, and run
//! node agents in a namespace of their own, exempted in `.palisade.yaml` with a reason:
//!
//! ```yaml
//! exemptions:
//!   - rules: [host-network]
//!     namespaces: [cilium]
//!     reason: the CNI agent configures the node's network
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Host Namespaces
//! - MITRE ATT&CK T1611 Escape to Host, T1040 Network Sniffing
//! - Falco k8saudit rules "Create HostNetwork Pod", "Create HostPid Pod", "Create HostIPC Pod";
//!   Panther `Kubernetes.Pod.Host.Network`, `Kubernetes.Pod.Host.PID`, `Kubernetes.Pod.Host.IPC`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AuditCheck, AuditRule};
use crate::rules::common::is_workload;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "host-namespace-pod-created",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &["pss:baseline:host-namespaces", "mitre:T1611", "mitre:T1040"],
        summary: "Someone created or replaced a pod or workload that shares the node's network, process or IPC namespace",
        fix: "Find out who wrote the workload and why; remove hostNetwork, hostPID and hostIPC unless it is a vetted node agent, and enforce Pod Security `baseline` on the namespace.",
    },
    why: "a pod in the node's namespaces sees the node's traffic, processes or shared memory, outside the isolation of containers and NetworkPolicy (MITRE T1611)",
    enabled_by_default: true,
    check: AuditCheck::Manifest {
        rules: MANIFEST_RULES,
        applies_to: is_workload,
    },
};

const MANIFEST_RULES: &[&str] = &["host-network", "host-pid", "host-ipc"];
