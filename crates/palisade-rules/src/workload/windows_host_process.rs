//! ## What it does
//!
//! Finds Windows HostProcess pods and containers: `securityContext.windowsOptions.hostProcess:
//! true` at pod level or on any container (init, regular, ephemeral).
//!
//! ## Why is this bad?
//!
//! A HostProcess container is not isolated at all: it runs as a process of the Windows node,
//! with the node's network, filesystem and (usually) a SYSTEM or administrator account. It is the
//! Windows counterpart of a privileged container with every host namespace. Whoever gets code
//! execution in it (an end user through the application, an internal attacker through
//! `kubectl exec`) controls the node and every pod on it. This is the Pod Security Standards
//! Baseline control "HostProcess".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: agent
//! spec:
//!   os:
//!     name: windows
//!   hostNetwork: true
//!   securityContext:
//!     windowsOptions:
//!       hostProcess: true
//!       runAsUserName: "NT AUTHORITY\\SYSTEM"
//!   containers:
//!     - name: agent
//!       image: example/agent:1.0
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   os:
//!     name: windows
//!   securityContext:
//!     windowsOptions:
//!       runAsUserName: "ContainerUser"
//!   containers:
//!     - name: agent
//!       image: example/agent:1.0
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: HostProcess
//! - CIS Kubernetes Benchmark 5.2.10: Minimize the admission of Windows HostProcess containers
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tasks/configure-pod-container/create-hostprocess-pod/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{container_field, pod_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "windows-host-process",
        severity: Severity::Critical,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:hostprocess",
            "cis-k8s:5.2.10",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tasks/configure-pod-container/create-hostprocess-pod/",
        ],
        summary: "Pod or container runs as a Windows HostProcess, directly on the node",
        fix: "Remove `windowsOptions.hostProcess: true`; only node agents in a dedicated, exempted namespace should run as HostProcess.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod_field(pod, &["windowsOptions", "hostProcess"]).and_then(|n| n.as_bool()) == Some(true) {
        out.report(
            &pod.security_context_path(&["windowsOptions", "hostProcess"]),
            "pod runs as a Windows HostProcess (windowsOptions.hostProcess: true), directly on the node, which the Baseline control \"HostProcess\" forbids",
        );
    }
    for container in pod.containers() {
        if container_field(container, &["windowsOptions", "hostProcess"]).and_then(|n| n.as_bool())
            == Some(true)
        {
            out.report(
                &container.security_context_path(&["windowsOptions", "hostProcess"]),
                format_args!(
                    "{} runs as a Windows HostProcess (windowsOptions.hostProcess: true), directly on the node, which the Baseline control \"HostProcess\" forbids",
                    container.describe()
                ),
            );
        }
    }
}
