//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose `securityContext.capabilities.drop` does
//! not contain `ALL`. The name is compared exactly, as Pod Security Admission compares it: a
//! lower-case `all` does not count. Pods with `spec.os.name: windows` are exempt (v1.25+), as
//! Windows has no Linux capabilities.
//!
//! ## Why is this bad?
//!
//! A container that drops nothing keeps the runtime's default capabilities: `CHOWN`,
//! `DAC_OVERRIDE`, `FOWNER`, `SETUID`, `SETGID`, `MKNOD`, `NET_BIND_SERVICE`, `KILL` and more
//! (containerd and older Docker also grant `NET_RAW`). Few applications need any of them, but an
//! attacker who gets code execution in the container does: to read files regardless of their
//! permissions, to change user, to forge packets against neighbouring pods. Dropping `ALL` and
//! adding back only `NET_BIND_SERVICE` where needed removes these tools. This is the Pod
//! Security Standards Restricted control "Capabilities".
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
//!           drop: ["NET_RAW"]
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       securityContext:
//!         capabilities:
//!           drop: ["ALL"]
//!           add: ["NET_BIND_SERVICE"]   # only if it must bind a port below 1024
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Restricted: Capabilities (v1.22+; Windows pods exempt from v1.25)
//! - CIS Kubernetes Benchmark 5.2.9: Minimize the admission of containers with capabilities assigned
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1068 Exploitation for Privilege Escalation

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{capability_name, container_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "capabilities-not-dropped",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "pss:restricted:capabilities",
            "cis-k8s:5.2.9",
            "nsa-cisa:pod-security",
            "mitre:T1068",
        ],
        summary: "Container does not drop ALL capabilities",
        fix: "Set `securityContext.capabilities.drop: [\"ALL\"]` on every container and add back only NET_BIND_SERVICE where needed.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.is_windows() {
        return;
    }
    for container in pod.containers() {
        let drop = container_field(container, &["capabilities", "drop"]);
        let names: Vec<String> = drop
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .map(capability_name)
            .collect();
        if names.iter().any(|name| name == "ALL") {
            continue;
        }
        let problem = if names.iter().any(|name| name.eq_ignore_ascii_case("ALL")) {
            "drops \"all\" in lower case, which Pod Security Admission does not read as \"ALL\""
                .to_string()
        } else if names.is_empty() {
            "does not drop any capability (securityContext.capabilities.drop)".to_string()
        } else {
            let listed: Vec<String> = names.iter().map(|name| format!("{name:?}")).collect();
            format!("drops only {}, not \"ALL\"", listed.join(", "))
        };
        out.report(
            &container.security_context_path(&["capabilities", "drop"]),
            format_args!(
                "{} {problem}; the Restricted control \"Capabilities\" requires dropping \"ALL\"",
                container.describe()
            ),
        );
    }
}
