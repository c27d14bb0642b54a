//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose `securityContext.capabilities.add` lists
//! a capability other than `NET_BIND_SERVICE`, the only one the Restricted profile allows to add
//! back. Pods with `spec.os.name: windows` are exempt (v1.25+).
//!
//! Only capabilities of the runtime's default set (`AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`,
//! `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `SETFCAP`, `SETGID`, `SETPCAP`, `SETUID`, `SYS_CHROOT`)
//! are reported here: the others (`NET_RAW`, `SYS_ADMIN`, `ALL`...) already break the Baseline
//! profile and are reported, at a higher severity, by `non-default-capabilities`.
//!
//! ## Why is this bad?
//!
//! The Restricted profile expects containers to drop every capability and to add back at most
//! `NET_BIND_SERVICE`. Each default capability added back is a tool for an attacker who gets code
//! execution in the container: `DAC_OVERRIDE` reads and writes files regardless of permissions,
//! `SETUID`/`SETGID` switch to any user, `CHOWN`/`FOWNER` take over files, `MKNOD` creates device
//! nodes. This is the Pod Security Standards Restricted control "Capabilities".
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
//!         capabilities:
//!           drop: ["ALL"]
//!           add: ["CHOWN", "SETUID", "SETGID", "NET_BIND_SERVICE"]
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       image: nginxinc/nginx-unprivileged:1.27   # needs no capability to switch users
//!       securityContext:
//!         capabilities:
//!           drop: ["ALL"]
//!           add: ["NET_BIND_SERVICE"]
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Restricted: Capabilities (v1.22+; Windows pods exempt from v1.25)
//! - CIS Kubernetes Benchmark 5.2.9: Minimize the admission of containers with capabilities assigned
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1068 Exploitation for Privilege Escalation

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{DEFAULT_CAPABILITIES, added_capabilities, capability_name};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "added-capabilities",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "pss:restricted:capabilities",
            "cis-k8s:5.2.9",
            "nsa-cisa:pod-security",
            "mitre:T1068",
        ],
        summary: "Container adds back a capability other than NET_BIND_SERVICE",
        fix: "Remove the capability from `capabilities.add` (keep only NET_BIND_SERVICE) and make the image work without it.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.is_windows() {
        return;
    }
    for container in pod.containers() {
        for (_, item, path) in added_capabilities(container) {
            let name = capability_name(item);
            if name == "NET_BIND_SERVICE" || !DEFAULT_CAPABILITIES.contains(&name.as_str()) {
                continue;
            }
            out.report(
                &path,
                format_args!(
                    "{} adds capability {name:?}; the Restricted control \"Capabilities\" allows adding only NET_BIND_SERVICE",
                    container.describe()
                ),
            );
        }
    }
}
