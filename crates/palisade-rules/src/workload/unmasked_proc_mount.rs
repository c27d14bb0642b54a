//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) with `securityContext.procMount` set to
//! anything but `Default`, typically `Unmasked`.
//!
//! Since policy version v1.35 the Baseline profile allows any `procMount` in a pod that runs in
//! its own user namespace (`spec.hostUsers: false`), but the Restricted profile still forbids it
//! there: such a container is reported at medium severity instead of high.
//!
//! ## Why is this bad?
//!
//! The container runtime masks and makes read-only the parts of `/proc` that expose the node's
//! kernel: `/proc/kcore`, `/proc/sysrq-trigger`, `/proc/sys`, timer and keyring information.
//! `Unmasked` removes that protection, handing a process that broke into the container a direct
//! view of kernel memory and controls that container escapes use. In a user-namespaced pod the
//! damage is contained by the namespace, which is why Baseline relaxes it there. This is the
//! Pod Security Standards control "/proc Mount Type".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: builder
//! spec:
//!   containers:
//!     - name: builder
//!       image: example/buildkit:1.0
//!       securityContext:
//!         procMount: Unmasked
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   hostUsers: false          # nested container builds: run the pod in a user namespace
//!   containers:
//!     - name: builder
//!       image: example/buildkit:1.0
//!       # procMount left unset (Default)
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: /proc Mount Type (relaxed for `hostUsers: false` from v1.35; still forbidden by Restricted)
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tasks/configure-pod-container/user-namespaces/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::container_field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "unmasked-proc-mount",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:proc-mount-type",
            "pss:restricted:proc-mount-type",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tasks/configure-pod-container/user-namespaces/",
        ],
        summary: "Container mounts /proc without the runtime's masks (procMount other than Default)",
        fix: "Remove `procMount` (or set it to Default); if nested containers need an unmasked /proc, run the pod in a user namespace with `hostUsers: false`.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    let user_namespace = pod.in_user_namespace();
    for container in pod.containers() {
        let Some(proc_mount) = container_field(container, &["procMount"]) else {
            continue;
        };
        if proc_mount.as_str() == Some("Default") {
            continue;
        }
        let path = container.security_context_path(&["procMount"]);
        let value = proc_mount.display_value();
        if user_namespace {
            let finding = out.report(
                &path,
                format_args!(
                    "{} sets procMount to {value}: the pod's user namespace (hostUsers: false) satisfies the Baseline control \"/proc Mount Type\", but the Restricted profile still requires Default",
                    container.describe()
                ),
            );
            finding.severity = Severity::Medium;
        } else {
            out.report(
                &path,
                format_args!(
                    "{} sets procMount to {value}, which the Baseline control \"/proc Mount Type\" forbids (only Default is allowed outside a user namespace)",
                    container.describe()
                ),
            );
        }
    }
}
