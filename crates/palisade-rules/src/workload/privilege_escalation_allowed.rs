//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) that do not set
//! `securityContext.allowPrivilegeEscalation: false` explicitly. Unset counts as allowed, because
//! that is what the kernel does. Pods with `spec.os.name: windows` are exempt, as in Pod Security
//! Admission since v1.25 (the setting has no effect on Windows).
//!
//! ## Why is this bad?
//!
//! `allowPrivilegeEscalation: false` sets the `no_new_privs` flag on the container's processes,
//! so that set-user-ID binaries (`sudo`, `su`, `passwd`, `ping` in older images), file
//! capabilities and some LSM transitions cannot give a process more privileges than its parent.
//! Without it, an attacker who gets code execution as an unprivileged user inside the container
//! (through an application bug) can become root in the container and, with root, get much closer
//! to the node. This is the Pod Security Standards Restricted control "Privilege Escalation".
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
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//!       securityContext:
//!         allowPrivilegeEscalation: false
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Restricted: Privilege Escalation (v1.8+; Windows pods exempt from v1.25)
//! - CIS Kubernetes Benchmark 5.2.6: Minimize the admission of containers with allowPrivilegeEscalation
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1548.001 Abuse Elevation Control Mechanism: Setuid and Setgid

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::container_field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "privilege-escalation-allowed",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "pss:restricted:privilege-escalation",
            "cis-k8s:5.2.6",
            "nsa-cisa:pod-security",
            "mitre:T1548.001",
        ],
        summary: "Container does not set allowPrivilegeEscalation: false",
        fix: "Set `securityContext.allowPrivilegeEscalation: false` on every container.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.is_windows() {
        return;
    }
    for container in pod.containers() {
        let setting = container_field(container, &["allowPrivilegeEscalation"]);
        let problem = match setting {
            Some(value) if value.as_bool() == Some(false) => continue,
            Some(value) if value.as_bool() == Some(true) => {
                "sets securityContext.allowPrivilegeEscalation: true".to_string()
            }
            Some(value) => format!(
                "sets securityContext.allowPrivilegeEscalation to {}, not the boolean false",
                value.display_value()
            ),
            None => {
                "does not set securityContext.allowPrivilegeEscalation: false (unset means allowed)"
                    .to_string()
            }
        };
        out.report(
            &container.security_context_path(&["allowPrivilegeEscalation"]),
            format_args!(
                "{} {problem}, so set-user-ID binaries and file capabilities can raise its privileges; the Restricted control \"Privilege Escalation\" requires false",
                container.describe()
            ),
        );
    }
}
