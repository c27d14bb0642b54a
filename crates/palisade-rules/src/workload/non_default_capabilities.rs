//! ## What it does
//!
//! Finds containers (init, regular and ephemeral) whose `securityContext.capabilities.add` lists
//! a Linux capability outside the runtime's default set: `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`,
//! `FOWNER`, `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`, `SETPCAP`,
//! `SETUID`, `SYS_CHROOT`. Names are compared exactly, as Pod Security Admission compares them:
//! `NET_RAW`, `SYS_ADMIN`, `ALL`, but also `CAP_CHOWN` or `chown`, are outside the set.
//!
//! `ALL` and the capabilities that lead straight to the node (`SYS_ADMIN`, `SYS_MODULE`,
//! `SYS_PTRACE`, `SYS_RAWIO`, `DAC_READ_SEARCH`, `BPF`, `SYS_BOOT`, `PERFMON`, with or without the `CAP_`
//! prefix) are reported as critical; the others as high.
//!
//! ## Why is this bad?
//!
//! Capabilities split root's power into pieces, and some pieces are almost all of it.
//! `SYS_ADMIN` allows mounting filesystems and many kernel interfaces (the classic cgroup
//! `release_agent` escape), `SYS_MODULE` loads kernel code, `SYS_PTRACE` attaches to other
//! processes, `DAC_READ_SEARCH` reads any file of the node through `open_by_handle_at`
//! (the "shocker" escape), `NET_RAW` forges packets for ARP and DNS spoofing of neighbouring pods,
//! `NET_ADMIN` reconfigures the pod's network. Whoever gets code execution in the container
//! (an end user through an application bug, an internal attacker with `kubectl exec`) gets these
//! powers. This is the Pod Security Standards Baseline control "Capabilities".
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
//!           add: ["NET_ADMIN", "SYS_ADMIN"]
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
//! - Pod Security Standards, Baseline: Capabilities
//! - CIS Kubernetes Benchmark 5.2.8: Minimize the admission of containers with the NET_RAW capability
//! - CIS Kubernetes Benchmark 5.2.9: Minimize the admission of containers with capabilities assigned
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host, T1068 Exploitation for Privilege Escalation

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{DEFAULT_CAPABILITIES, added_capabilities, capability_name};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "non-default-capabilities",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:capabilities",
            "cis-k8s:5.2.8",
            "cis-k8s:5.2.9",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "mitre:T1068",
        ],
        summary: "Container adds a Linux capability outside the runtime's default set",
        fix: "Remove the capability from `capabilities.add`; drop ALL and add back only default capabilities the container needs (ideally only NET_BIND_SERVICE).",
    },
    check: Check::Object(check),
};

/// Capabilities that give a container a direct way to the node: reported as critical.
const CRITICAL: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "DAC_READ_SEARCH",
    "BPF",
    "SYS_BOOT",
    "PERFMON",
];

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in pod.containers() {
        for (_, item, path) in added_capabilities(container) {
            let name = capability_name(item);
            if DEFAULT_CAPABILITIES.contains(&name.as_str()) {
                continue;
            }
            let finding = out.report(
                &path,
                format_args!(
                    "{} adds capability {name:?}, outside the default set allowed by the Baseline control \"Capabilities\"",
                    container.describe()
                ),
            );
            let upper = name.to_ascii_uppercase();
            let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
            if CRITICAL.contains(&bare) {
                finding.severity = Severity::Critical;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    #[test]
    fn default_set_passes_and_escape_capabilities_are_critical() {
        let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: a
      image: x
      securityContext:
        capabilities:
          add: [CHOWN, NET_BIND_SERVICE, NET_RAW, cap_sys_admin, chown, ALL]
"#;
        let found = findings(&RULE, yaml);
        let got: Vec<(String, Severity)> = found
            .iter()
            .map(|f| {
                (
                    f.path.rsplit('/').next().unwrap_or("").to_string(),
                    f.severity,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("2".to_string(), Severity::High),
                ("3".to_string(), Severity::Critical),
                ("4".to_string(), Severity::High),
                ("5".to_string(), Severity::Critical),
            ]
        );
    }
}
