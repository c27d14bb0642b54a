//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) that run with
//! `securityContext.privileged: true`.
//!
//! ## Why is this bad?
//!
//! A privileged container gets every capability and every device of the node, and
//! seccomp/AppArmor confinement is switched off. Anyone who gets code execution in it (an end
//! user through an application bug, an internal attacker through `kubectl exec`) can mount the
//! node's disk, load kernel modules or join the host's namespaces: it is one step from a
//! container to root on the node, and from there to every pod on it. This is the Pod Security
//! Standards Baseline control "Privileged Containers".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web
//! spec:
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//!       securityContext:
//!         privileged: true
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       securityContext:
//!         privileged: false
//!         capabilities:
//!           add: ["NET_ADMIN"]   # only the one capability the workload really needs
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Privileged Containers
//! - CIS Kubernetes Benchmark 5.2.2: Minimize the admission of privileged containers
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Block privileged containers"
//! - MITRE ATT&CK T1611 Escape to Host; Microsoft Threat Matrix MS-TA9018 Privileged container

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "privileged-container",
        severity: Severity::Critical,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:privileged-containers",
            "cis-k8s:5.2.2",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "ms-threat:MS-TA9018",
        ],
        summary: "Container runs privileged, with every capability and device of the node",
        fix: "Remove `privileged: true` (or set it to false) and add only the capabilities the container needs.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in pod.containers() {
        let privileged = container
            .security_context()
            .and_then(|sc| sc.get("privileged"))
            .and_then(|node| node.as_bool());
        if privileged == Some(true) {
            out.report(
                &container.security_context_path(&["privileged"]),
                format_args!(
                    "{} runs privileged (securityContext.privileged: true), which the Baseline control \"Privileged Containers\" forbids",
                    container.describe()
                ),
            );
        }
    }
}
