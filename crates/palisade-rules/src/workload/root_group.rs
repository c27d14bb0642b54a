//! ## What it does
//!
//! Finds pods whose processes get the root group (GID 0):
//!
//! - `runAsGroup: 0` on a container (init, regular, ephemeral), or on the pod when at least one
//!   container inherits it;
//! - pod-level `fsGroup: 0`, which Kubernetes adds to the groups of every process of the pod
//!   and gives the files of the pod's volumes;
//! - `0` among the pod-level `supplementalGroups`, which every process of the pod gets as an
//!   extra group.
//!
//! Pods in their own user namespace (`spec.hostUsers: false`) are exempt: GID 0 in the pod is
//! an unprivileged group on the node. Windows pods (`spec.os.name: windows`) are exempt: they do
//! not use Linux groups. An absent `runAsGroup` is not reported: the image decides it.
//!
//! ## Why is this bad?
//!
//! Group 0 is root's group. Without a user namespace it is the node's root group too: a
//! process of the pod may read and often write every file whose group is root and whose group
//! permission bits allow it, in the image (many images make their files group-0 writable),
//! on shared volumes and, after a container escape or through a `hostPath` volume, on the node
//! (configuration, keys and sockets that are group-readable by root). A non-root user with
//! group 0 is therefore much closer to root than its user ID suggests. An end user who
//! compromised the application or an internal attacker with a foothold in the pod inherits
//! this access.
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
//!     runAsUser: 10001
//!     runAsGroup: 0
//!     fsGroup: 0
//!   containers:
//!     - name: web
//!       image: nginxinc/nginx-unprivileged:1.27
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   securityContext:
//!     runAsUser: 10001
//!     runAsGroup: 10001
//!     fsGroup: 10001
//!   containers:
//!     - name: web
//!       image: nginxinc/nginx-unprivileged:1.27
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Non-root containers and rootless container engines"
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tasks/configure-pod-container/security-context/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::pod_field;
use crate::workload::identity::{Id, read_id, settings};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "root-group",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tasks/configure-pod-container/security-context/",
        ],
        summary: "Pod or container runs with the root group (runAsGroup, fsGroup or supplementalGroups 0)",
        fix: "Set `runAsGroup` and `fsGroup` to a non-zero group (10000 or more) and remove 0 from `supplementalGroups`.",
    },
    check: Check::Object(check),
};

const CONSEQUENCE: &str = "so its processes can use every file the node's root group may";

fn is_root(node: &Node) -> bool {
    read_id(node) == Id::Valid(0)
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.in_user_namespace() || pod.is_windows() {
        return;
    }
    let groups = settings(pod, "runAsGroup");
    if let Some(pod_value) = &groups.pod
        && !groups.inheriting.is_empty()
        && is_root(pod_value.node)
    {
        out.report(
            &pod_value.path,
            format_args!(
                "pod sets securityContext.runAsGroup: 0, the root group, as the primary group of {}, {CONSEQUENCE}",
                groups.inheriting_names()
            ),
        );
    }
    for (container, written) in &groups.own {
        if is_root(written.node) {
            out.report(
                &written.path,
                format_args!(
                    "{} sets securityContext.runAsGroup: 0, the root group, as its primary group, {CONSEQUENCE}",
                    container.describe()
                ),
            );
        }
    }
    if pod_field(pod, &["fsGroup"]).is_some_and(is_root) {
        out.report(
            &pod.security_context_path(&["fsGroup"]),
            format_args!(
                "pod sets securityContext.fsGroup: 0, which adds the root group to every process of the pod and gives it the pod's volumes, {CONSEQUENCE}"
            ),
        );
    }
    let supplemental = pod_field(pod, &["supplementalGroups"])
        .map(Node::items)
        .unwrap_or(&[]);
    for (index, group) in supplemental.iter().enumerate() {
        if is_root(group) {
            out.report(
                &pod.security_context_path(&["supplementalGroups"])
                    .index(index),
                format_args!(
                    "pod lists group 0, the root group, in securityContext.supplementalGroups, which every process of the pod gets, {CONSEQUENCE}"
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    fn pod(pod_level: &str, a: &str, extra: &str) -> String {
        format!(
            r#"
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  {extra}
  securityContext: {{{pod_level}}}
  initContainers:
    - name: i
      image: x
      securityContext: {{runAsGroup: 10001}}
  containers:
    - name: a
      image: x
      securityContext: {{{a}}}
"#
        )
    }

    #[test]
    fn root_group_matrix() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("", "", &[]),
            ("runAsGroup: 0", "", &["/spec/securityContext/runAsGroup"]),
            // Every container overrides the pod-level group.
            ("runAsGroup: 0", "runAsGroup: 10001", &[]),
            (
                "runAsGroup: 10001",
                "runAsGroup: 0",
                &["/spec/containers/0/securityContext/runAsGroup"],
            ),
            ("fsGroup: 0", "", &["/spec/securityContext/fsGroup"]),
            ("fsGroup: 2000", "", &[]),
            (
                "supplementalGroups: [10001, 0, 0.0]",
                "",
                &[
                    "/spec/securityContext/supplementalGroups/1",
                    "/spec/securityContext/supplementalGroups/2",
                ],
            ),
            ("supplementalGroups: 0", "", &[]),
            ("supplementalGroups: ['0', null, 10001]", "", &[]),
            ("runAsGroup: '0', fsGroup: false", "runAsGroup: null", &[]),
            // Low but not root: low-user-id's job.
            ("runAsGroup: 1, fsGroup: 1", "", &[]),
        ];
        for (pod_level, a, expected) in cases {
            assert_eq!(
                &paths(&RULE, &pod(pod_level, a, "")),
                expected,
                "pod {{{pod_level}}} a {{{a}}}"
            );
        }
    }

    #[test]
    fn user_namespaces_and_windows_are_exempt() {
        let root = "runAsGroup: 0, fsGroup: 0, supplementalGroups: [0]";
        assert!(paths(&RULE, &pod(root, "", "hostUsers: false")).is_empty());
        assert!(paths(&RULE, &pod(root, "", "os: {name: windows}")).is_empty());
        assert_eq!(paths(&RULE, &pod(root, "", "hostUsers: true")).len(), 3);
    }

    #[test]
    fn pod_finding_names_the_inheriting_containers() {
        let found = findings(&RULE, &pod("runAsGroup: 0", "", ""));
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("primary group of \"a\","),
            "{}",
            found[0].message
        );
    }
}
