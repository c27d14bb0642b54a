//! ## What it does
//!
//! Finds a `securityContext.seccompProfile`, at pod level or on any container (init, regular,
//! ephemeral), whose `type` is `Unconfined`, or anything else that is neither `RuntimeDefault`
//! nor `Localhost` (a misspelt or missing type), as the Baseline check of Pod Security Admission
//! reads it.
//!
//! A pod or container that sets no seccomp profile at all is reported by
//! `missing-seccomp-profile` (Restricted profile), not here.
//!
//! ## Why is this bad?
//!
//! Seccomp filters the system calls a container may make. The runtime's default profile blocks
//! several dozen that containers do not need and that kernel exploits and escapes rely on
//! (`unshare`, `keyctl`, `bpf`, `userfaultfd`, `mount`...). `Unconfined` removes the filter: the
//! whole kernel attack surface is open to whoever gets code execution in the container, and a
//! kernel bug becomes a way to the node. This is the Pod Security Standards Baseline control
//! "Seccomp".
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
//!     seccompProfile:
//!       type: Unconfined
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
//!     seccompProfile:
//!       type: RuntimeDefault
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Seccomp
//! - CIS Kubernetes Benchmark 5.6.2: Ensure that the seccomp profile is set to docker/default in your pod definitions
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Hardening container environments"
//! - MITRE ATT&CK T1068 Exploitation for Privilege Escalation, T1611 Escape to Host
//! - Kubernetes documentation: tutorials/security/seccomp/

use palisade_model::{Layer, Node, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{container_field, field, is_confining_profile_type, pod_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "seccomp-unconfined",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:seccomp",
            "cis-k8s:5.6.2",
            "nsa-cisa:pod-security",
            "mitre:T1068",
            "mitre:T1611",
            "k8s-docs:tutorials/security/seccomp/",
        ],
        summary: "Pod or container switches the seccomp filter off (seccompProfile.type Unconfined)",
        fix: "Set `seccompProfile.type: RuntimeDefault` (or `Localhost` with a profile that allows what the workload needs).",
    },
    check: Check::Object(check),
};

fn check_profile(who: &str, profile: &Node, path: Pointer, out: &mut Emitter) {
    let kind = field(Some(profile), "type");
    if is_confining_profile_type(kind) {
        return;
    }
    match kind {
        Some(kind) if kind.as_str() == Some("Unconfined") => {
            out.report(
                &path.key("type"),
                format_args!(
                    "{who} sets securityContext.seccompProfile.type to \"Unconfined\", switching the seccomp filter off, which the Baseline control \"Seccomp\" forbids"
                ),
            );
        }
        Some(kind) => {
            out.report(
                &path.key("type"),
                format_args!(
                    "{who} sets securityContext.seccompProfile.type to {}; the Baseline control \"Seccomp\" allows only RuntimeDefault or Localhost",
                    kind.display_value()
                ),
            );
        }
        None => {
            out.report(
                &path,
                format_args!(
                    "{who} sets securityContext.seccompProfile without a type; the Baseline control \"Seccomp\" allows only RuntimeDefault or Localhost"
                ),
            );
        }
    }
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if let Some(profile) = pod_field(pod, &["seccompProfile"]) {
        check_profile(
            "pod",
            profile,
            pod.security_context_path(&["seccompProfile"]),
            out,
        );
    }
    for container in pod.containers() {
        if let Some(profile) = container_field(container, &["seccompProfile"]) {
            check_profile(
                container.describe(),
                profile,
                container.security_context_path(&["seccompProfile"]),
                out,
            );
        }
    }
}
