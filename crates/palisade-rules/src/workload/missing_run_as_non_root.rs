//! ## What it does
//!
//! Checks that every container (init, regular and ephemeral) must run as a non-root user, with
//! the exact rules of Pod Security Admission:
//!
//! - `runAsNonRoot: true` in the pod's `securityContext` covers every container that does not set
//!   it itself;
//! - `runAsNonRoot: false` anywhere (pod or container) fails, even when the other level says
//!   `true`; when it is the pod that says `false`, one finding on the pod covers the containers
//!   that inherit it;
//! - a container that does not set it, in a pod that does not either, fails;
//! - pods that run in their own user namespace (`spec.hostUsers: false`) are exempt (policy
//!   v1.35+): root in the container is not root on the node.
//!
//! `runAsUser` does not count: the admission controller asks for `runAsNonRoot: true` whatever
//! the user ID (an explicit `runAsUser: 0` is reported by `run-as-root-user`).
//!
//! ## Why is this bad?
//!
//! Without `runAsNonRoot: true`, the container runs as whatever user its image says, and most
//! images say root. Root in a container is root on the node's kernel, limited only by
//! capabilities, seccomp and the other layers: an attacker who gets code execution through the
//! application can write everywhere in the container, use the capabilities the runtime grants
//! and exploit any weakness of the isolation with the highest privileges. With
//! `runAsNonRoot: true` the kubelet refuses to start a container whose image would run as UID 0.
//! This is the Pod Security Standards Restricted control "Running as Non-root".
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
//!     runAsNonRoot: true      # covers every container
//!     runAsUser: 101
//!   containers:
//!     - name: web
//!       image: nginxinc/nginx-unprivileged:1.27
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Restricted: Running as Non-root (user-namespace relaxation from v1.35)
//! - CIS Kubernetes Benchmark 5.2.7: Minimize the admission of root containers
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Non-root containers and rootless container engines"
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tasks/configure-pod-container/security-context/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{container_field, pod_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-run-as-non-root",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "pss:restricted:running-as-non-root",
            "cis-k8s:5.2.7",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tasks/configure-pod-container/security-context/",
        ],
        summary: "Container may run as root: runAsNonRoot is not true",
        fix: "Set `securityContext.runAsNonRoot: true` at pod level (it covers every container), remove `runAsNonRoot: false`, and use an image that runs as a non-root user.",
    },
    check: Check::Object(check),
};

fn is_true(node: &Node) -> bool {
    node.as_bool() == Some(true)
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.in_user_namespace() {
        return;
    }
    let pod_setting = pod_field(pod, &["runAsNonRoot"]);
    let pod_true = pod_setting.is_some_and(is_true);
    let pod_not_true = pod_setting.filter(|node| !is_true(node));

    if let Some(value) = pod_not_true {
        let inheriting: Vec<String> = pod
            .containers()
            .filter(|container| container_field(container, &["runAsNonRoot"]).is_none())
            .map(|container| format!("{:?}", container.name))
            .collect();
        let inherit = if inheriting.is_empty() {
            String::new()
        } else {
            format!(" (inherited by {})", inheriting.join(", "))
        };
        out.report(
            &pod.security_context_path(&["runAsNonRoot"]),
            format_args!(
                "pod sets securityContext.runAsNonRoot to {}{inherit}, which the Restricted control \"Running as Non-root\" forbids: it must be true",
                value.display_value()
            ),
        );
    }

    for container in pod.containers() {
        let path = container.security_context_path(&["runAsNonRoot"]);
        match container_field(container, &["runAsNonRoot"]) {
            Some(value) if is_true(value) => {}
            Some(value) => {
                out.report(
                    &path,
                    format_args!(
                        "{} sets securityContext.runAsNonRoot to {}, which the Restricted control \"Running as Non-root\" forbids: it must be true",
                        container.describe(),
                        value.display_value()
                    ),
                );
            }
            // Covered by the pod's `true`, or by the finding on the pod's `false`.
            None if pod_true || pod_not_true.is_some() => {}
            None => {
                out.report(
                    &path,
                    format_args!(
                        "{} does not set securityContext.runAsNonRoot: true and neither does the pod, so it runs as root if its image says so; the Restricted control \"Running as Non-root\" requires it",
                        container.describe()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::paths;

    fn pod(pod_level: &str, container_a: &str, extra: &str) -> String {
        format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  {extra}
  securityContext: {{{pod_level}}}
  initContainers:
    - name: init
      image: x
      securityContext: {{runAsNonRoot: true}}
  containers:
    - name: a
      image: x
      securityContext: {{{container_a}}}
"#
        )
    }

    const POD: &str = "/spec/securityContext/runAsNonRoot";
    const A: &str = "/spec/containers/0/securityContext/runAsNonRoot";

    #[test]
    fn run_as_non_root_matrix() {
        // (pod level, container level, expected finding paths)
        let cases: &[(&str, &str, &[&str])] = &[
            ("runAsNonRoot: true", "", &[]),
            ("runAsNonRoot: true", "runAsNonRoot: true", &[]),
            ("runAsNonRoot: true", "runAsNonRoot: false", &[A]),
            ("runAsNonRoot: true", "runAsNonRoot: null", &[]),
            ("", "", &[A]),
            ("", "runAsNonRoot: true", &[]),
            ("", "runAsNonRoot: false", &[A]),
            ("runAsNonRoot: null", "", &[A]),
            ("runAsNonRoot: false", "", &[POD]),
            ("runAsNonRoot: false", "runAsNonRoot: true", &[POD]),
            ("runAsNonRoot: false", "runAsNonRoot: false", &[POD, A]),
            ("runAsNonRoot: no", "runAsNonRoot: yes", &[POD]),
            ("runAsUser: 1000", "runAsUser: 1000", &[A]),
        ];
        for (pod_level, container, expected) in cases {
            let got = paths(&RULE, &pod(pod_level, container, ""));
            assert_eq!(
                &got, expected,
                "pod {{{pod_level}}} container {{{container}}}"
            );
        }
    }

    #[test]
    fn user_namespace_and_windows() {
        assert!(paths(&RULE, &pod("runAsNonRoot: false", "", "hostUsers: false")).is_empty());
        // hostUsers: true is the default: no relaxation.
        assert_eq!(paths(&RULE, &pod("", "", "hostUsers: true")), vec![A]);
        // Windows pods are not exempt from this control.
        assert_eq!(paths(&RULE, &pod("", "", "os: {name: windows}")), vec![A]);
    }

    #[test]
    fn pod_finding_names_the_inheriting_containers() {
        let found = crate::testing::findings(&RULE, &pod("runAsNonRoot: false", "", ""));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("(inherited by \"a\")"),
            "{}",
            found[0].message
        );
    }
}
