//! ## What it does
//!
//! Finds `securityContext.seLinuxOptions`, at pod level or on any container (init, regular,
//! ephemeral), that choose their own SELinux identity:
//!
//! - a `type` other than `container_t`, `container_init_t`, `container_kvm_t` and
//!   `container_engine_t` (or empty);
//! - any `user` or `role`.
//!
//! `level` (the MCS categories that keep containers apart) may be set freely.
//!
//! ## Why is this bad?
//!
//! On SELinux nodes the container types are what keeps a container's processes away from the
//! node's files and from other containers. A pod that picks its own type can run as `spc_t`
//! ("super privileged container"), `unconfined_t` or the type of a node daemon and so leave the
//! confinement entirely; a custom user or role changes what the process may become. An internal
//! attacker who can create such a pod walks around the node's mandatory access control. This is
//! the Pod Security Standards Baseline control "SELinux".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: agent
//! spec:
//!   securityContext:
//!     seLinuxOptions:
//!       type: spc_t
//!   containers:
//!     - name: agent
//!       image: example/agent:1.0
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   securityContext:
//!     seLinuxOptions:
//!       level: "s0:c123,c456"   # only the MCS level; the runtime keeps container_t
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: SELinux (`container_engine_t` allowed since v1.31)
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Hardening container environments"
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tasks/configure-pod-container/security-context/#assign-selinux-labels-to-a-container

use palisade_model::{Layer, Node, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{container_field, field, pod_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "selinux-custom-options",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:selinux",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tasks/configure-pod-container/security-context/#assign-selinux-labels-to-a-container",
        ],
        summary: "Pod or container sets a custom SELinux type, user or role",
        fix: "Remove `seLinuxOptions.type` (or use container_t), `user` and `role`; set only `level` if the workload needs specific MCS categories.",
    },
    check: Check::Object(check),
};

/// The SELinux types Pod Security Admission allows (latest policy version).
const ALLOWED_TYPES: &[&str] = &[
    "",
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn check_options(who: &str, options: &Node, path: Pointer, out: &mut Emitter) {
    if let Some(kind) = field(Some(options), "type")
        && !kind
            .as_str()
            .is_some_and(|kind| ALLOWED_TYPES.contains(&kind))
    {
        out.report(
            &path.key("type"),
            format_args!(
                "{who} sets seLinuxOptions.type to {}, outside the types allowed by the Baseline control \"SELinux\" (container_t, container_init_t, container_kvm_t, container_engine_t)",
                kind.display_value()
            ),
        );
    }
    for key in ["user", "role"] {
        if let Some(value) = field(Some(options), key)
            && !value.is_empty()
        {
            out.report(
                &path.key(key),
                format_args!(
                    "{who} sets seLinuxOptions.{key} to {}, which the Baseline control \"SELinux\" forbids",
                    value.display_value()
                ),
            );
        }
    }
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if let Some(options) = pod_field(pod, &["seLinuxOptions"]) {
        check_options(
            "pod",
            options,
            pod.security_context_path(&["seLinuxOptions"]),
            out,
        );
    }
    for container in pod.containers() {
        if let Some(options) = container_field(container, &["seLinuxOptions"]) {
            check_options(
                container.describe(),
                options,
                container.security_context_path(&["seLinuxOptions"]),
                out,
            );
        }
    }
}
