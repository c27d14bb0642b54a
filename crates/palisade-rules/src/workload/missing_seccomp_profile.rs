//! ## What it does
//!
//! Checks that every container (init, regular and ephemeral) runs with a seccomp profile, as the
//! Restricted profile requires: `seccompProfile.type` must be `RuntimeDefault` or `Localhost`,
//! either in the pod's `securityContext` (which covers every container) or on each container.
//! Pods with `spec.os.name: windows` are exempt (v1.25+), as Windows has no seccomp.
//!
//! A profile that is set to `Unconfined` (or any other wrong type), at pod or container level, is
//! reported by `seccomp-unconfined` instead, and the containers that inherit a wrong pod-level
//! profile are covered by that finding; this rule reports only profiles that are missing.
//!
//! ## Why is this bad?
//!
//! Unless the kubelet runs with `--seccomp-default`, which is off by default, a container
//! without a seccomp profile runs `Unconfined`: every system call of the kernel is open to it,
//! including the rarely needed ones (`unshare`, `keyctl`, `bpf`, `userfaultfd`, `mount`...) that
//! kernel exploits and container escapes use. The runtime's default profile blocks them at almost
//! no cost. This is the Pod Security Standards Restricted control "Seccomp".
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
//! spec:
//!   securityContext:
//!     seccompProfile:
//!       type: RuntimeDefault   # covers every container
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Restricted: Seccomp (v1.19+; Windows pods exempt from v1.25)
//! - CIS Kubernetes Benchmark 5.6.2: Ensure that the seccomp profile is set to docker/default in your pod definitions
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Hardening container environments"
//! - MITRE ATT&CK T1068 Exploitation for Privilege Escalation, T1611 Escape to Host
//! - Kubernetes documentation: tutorials/security/seccomp/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{container_field, pod_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-seccomp-profile",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "pss:restricted:seccomp",
            "cis-k8s:5.6.2",
            "nsa-cisa:pod-security",
            "mitre:T1068",
            "mitre:T1611",
            "k8s-docs:tutorials/security/seccomp/",
        ],
        summary: "Container runs without a seccomp profile (no RuntimeDefault or Localhost)",
        fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` at pod level (it covers every container), or `Localhost` with a profile.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.is_windows() {
        return;
    }
    // A pod-level profile covers the containers that set none: a valid one satisfies them, a
    // wrong one is reported (once) by seccomp-unconfined.
    if pod_field(pod, &["seccompProfile"]).is_some() {
        return;
    }
    for container in pod.containers() {
        if container_field(container, &["seccompProfile"]).is_some() {
            continue;
        }
        out.report(
            &container.security_context_path(&["seccompProfile"]),
            format_args!(
                "{} has no securityContext.seccompProfile and the pod sets none either, so it runs without a seccomp filter; the Restricted control \"Seccomp\" requires type RuntimeDefault or Localhost",
                container.describe()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::paths;

    fn pod(pod_level: &str, container: &str, extra: &str) -> String {
        format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  {extra}
  securityContext: {{{pod_level}}}
  containers:
    - name: a
      image: x
      securityContext: {{{container}}}
"#
        )
    }

    const A: &str = "/spec/containers/0/securityContext/seccompProfile";

    #[test]
    fn seccomp_matrix() {
        let cases: &[(&str, &str, &str, &[&str])] = &[
            ("", "", "", &[A]),
            ("seccompProfile: {type: RuntimeDefault}", "", "", &[]),
            (
                "seccompProfile: {type: Localhost, localhostProfile: p.json}",
                "",
                "",
                &[],
            ),
            ("", "seccompProfile: {type: RuntimeDefault}", "", &[]),
            ("seccompProfile: null", "", "", &[A]),
            // Wrong values belong to seccomp-unconfined, and cover inheriting containers.
            ("seccompProfile: {type: Unconfined}", "", "", &[]),
            ("", "seccompProfile: {type: Unconfined}", "", &[]),
            ("", "", "os: {name: windows}", &[]),
            ("", "", "os: {name: linux}", &[A]),
        ];
        for (pod_level, container, extra, expected) in cases {
            let got = paths(&RULE, &pod(pod_level, container, extra));
            assert_eq!(
                &got, expected,
                "pod {{{pod_level}}} container {{{container}}} {extra}"
            );
        }
    }
}
