//! ## What it does
//!
//! Finds containers (init, regular, ephemeral) that run with a user ID or a primary group ID
//! below 10000, taking each container's own `securityContext` and, where it says nothing, the
//! pod's:
//!
//! - `runAsUser` from 1 to 9999 (`0` is root, which `run-as-root-user` reports);
//! - `runAsGroup` from 1 to 9999 (`0` is the root group, which `root-group` reports);
//! - a value that is not an integer from 0 to 2147483647, which the API server refuses;
//! - no `runAsUser` at all, neither on the container nor on the pod, when `runAsNonRoot` is not
//!   `true` either: the image's `USER` then decides everything, and nothing in the manifest
//!   keeps it away from root or from the low IDs. With `runAsNonRoot: true` the kubelet
//!   guarantees a non-root user but not a high one; the image's `USER` is not visible in the
//!   manifest, so palisade does not guess and stays quiet.
//!
//! A pod-level value is reported once, on the pod, when at least one container inherits it; a
//! pod-level value that every container overrides does nothing and is not reported. An absent
//! `runAsGroup` is not reported: the image decides it, and `runAsUser` is the stronger signal.
//!
//! Pods in their own user namespace (`spec.hostUsers: false`) are exempt: their IDs are mapped
//! to a range of unprivileged IDs on the node. Windows pods (`spec.os.name: windows`) are
//! exempt: they do not use Linux IDs.
//!
//! ## Why is this bad?
//!
//! Without a user namespace, a container's user and group IDs are the node's. Low IDs are the
//! ones the node's own accounts and system services use (UID 1000 is the first human user on
//! most distributions; services own files under their low IDs). A process that escapes the
//! container through a runtime or kernel flaw, or that reaches node files through a volume
//! (`hostPath`, a shared NFS export), acts as that node user: it reads and writes that user's
//! files, signals its processes and inherits its group memberships. Running every workload with
//! an ID of 10000 or more, one no node account has, limits what an end user who compromised the
//! application or an internal attacker with a foothold in the pod gets after an escape.
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
//!     runAsUser: 1000
//!     runAsGroup: 1000
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
//!     runAsNonRoot: true
//!     runAsUser: 10001
//!     runAsGroup: 10001
//!   containers:
//!     - name: web
//!       image: nginxinc/nginx-unprivileged:1.27
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Non-root containers and rootless container engines"
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tasks/configure-pod-container/security-context/; concepts/workloads/pods/user-namespaces/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::identity::{Id, Settings, read_id, settings, short};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "low-user-id",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tasks/configure-pod-container/security-context/",
            "k8s-docs:concepts/workloads/pods/user-namespaces/",
        ],
        summary: "Container runs with a user or group ID below 10000, or with no runAsUser and no runAsNonRoot: true",
        fix: "Set `runAsUser` and `runAsGroup` to IDs of 10000 or more (at pod level they cover every container), with an image that works as that user; or run the pod in a user namespace (`hostUsers: false`).",
    },
    check: Check::Object(check),
};

/// IDs from here on belong to no account of a usual node.
const HIGH_ID: i64 = 10000;

/// The two fields this rule reads, with the ID the `root` account has (left to other rules).
#[derive(Clone, Copy)]
enum Field {
    User,
    Group,
}

impl Field {
    fn key(self) -> &'static str {
        match self {
            Field::User => "runAsUser",
            Field::Group => "runAsGroup",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Field::User => "user ID",
            Field::Group => "group ID",
        }
    }
}

/// What is wrong with a written ID, if anything. `inheriting` names the containers that take a
/// pod-level value (empty for a container's own).
fn problem(field: Field, node: &Node, inheriting: &str) -> Option<String> {
    let (key, noun) = (field.key(), field.noun());
    match read_id(node) {
        Id::Valid(0) => None,
        Id::Valid(id) if id < HIGH_ID => {
            let inherited = if inheriting.is_empty() {
                String::new()
            } else {
                format!(", inherited by {inheriting}")
            };
            Some(format!(
                "runs with {noun} {id} (securityContext.{key}{inherited}), below 10000, where the node's own users and services live"
            ))
        }
        Id::Valid(_) => None,
        Id::Invalid => {
            let inherited = if inheriting.is_empty() {
                String::new()
            } else {
                format!(" (inherited by {inheriting})")
            };
            Some(format!(
                "sets securityContext.{key} to {}{inherited}, which is not a {noun}: the API server accepts only integers from 0 to 2147483647",
                short(node)
            ))
        }
    }
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.in_user_namespace() || pod.is_windows() {
        return;
    }
    for field in [Field::User, Field::Group] {
        let settings = settings(pod, field.key());
        report_written(field, &settings, out);
        if let Field::User = field {
            report_unset_users(pod, &settings, out);
        }
    }
}

fn report_written(field: Field, settings: &Settings, out: &mut Emitter) {
    if let Some(pod_value) = &settings.pod
        && !settings.inheriting.is_empty()
        && let Some(what) = problem(field, pod_value.node, &settings.inheriting_names())
    {
        out.report(&pod_value.path, format_args!("pod {what}"));
    }
    for (container, written) in &settings.own {
        if let Some(what) = problem(field, written.node, "") {
            out.report(
                &written.path,
                format_args!("{} {what}", container.describe()),
            );
        }
    }
}

/// Containers without any `runAsUser` run as their image's `USER`; without `runAsNonRoot: true`
/// nothing keeps that from being root or a low ID.
fn report_unset_users(pod: &crate::pod::PodView, users: &Settings, out: &mut Emitter) {
    if users.unset.is_empty() {
        return;
    }
    let non_root = settings(pod, "runAsNonRoot");
    let pod_non_root = non_root.pod.as_ref().and_then(|w| w.node.as_bool());
    for container in &users.unset {
        let own_non_root = non_root
            .own
            .iter()
            .find(|(other, _)| other.path == container.path)
            .map(|(_, written)| written.node.as_bool());
        let effective = match own_non_root {
            Some(value) => value,
            None => pod_non_root,
        };
        if effective == Some(true) {
            continue;
        }
        out.report(
            &container.security_context_path(&["runAsUser"]),
            format_args!(
                "{} sets no runAsUser, nor does the pod, and runAsNonRoot is not true: it runs as whatever user its image names, root or a low ID shared with the node's own users",
                container.describe()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    fn pod(pod_level: &str, a: &str, b: &str, extra: &str) -> String {
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
      securityContext: {{{a}}}
    - name: b
      image: x
      securityContext: {{{b}}}
"#
        )
    }

    const POD_USER: &str = "/spec/securityContext/runAsUser";
    const POD_GROUP: &str = "/spec/securityContext/runAsGroup";
    const A_USER: &str = "/spec/containers/0/securityContext/runAsUser";
    const B_USER: &str = "/spec/containers/1/securityContext/runAsUser";
    const A_GROUP: &str = "/spec/containers/0/securityContext/runAsGroup";

    #[test]
    fn user_and_group_matrix() {
        // (pod level, container a, container b, expected finding paths)
        let cases: &[(&str, &str, &str, &[&str])] = &[
            ("runAsUser: 10000", "", "", &[]),
            ("runAsUser: 9999", "", "", &[POD_USER]),
            ("runAsUser: 1", "", "", &[POD_USER]),
            // Root is run-as-root-user's job.
            ("runAsUser: 0", "", "", &[]),
            ("", "runAsUser: 0", "runAsUser: 0", &[]),
            // Every container overrides the pod: its value does nothing.
            (
                "runAsUser: 180",
                "runAsUser: 12000",
                "runAsUser: 12000",
                &[],
            ),
            ("runAsUser: 180", "runAsUser: 12000", "", &[POD_USER]),
            ("runAsUser: 11000", "runAsUser: 1000", "", &[A_USER]),
            ("", "runAsUser: 10001", "runAsUser: 10001", &[]),
            // Absent: only when runAsNonRoot is not true either.
            ("", "", "", &[A_USER, B_USER]),
            ("runAsNonRoot: true", "", "", &[]),
            ("runAsNonRoot: true", "runAsNonRoot: false", "", &[A_USER]),
            ("runAsNonRoot: false", "runAsNonRoot: true", "", &[B_USER]),
            ("runAsNonRoot: null", "runAsUser: 20000", "", &[B_USER]),
            // Invalid values.
            ("runAsUser: username", "", "", &[POD_USER]),
            ("", "runAsUser: -1", "runAsUser: 10001", &[A_USER]),
            ("", "runAsUser: '20000'", "runAsUser: 10001", &[A_USER]),
            // Groups.
            ("runAsUser: 20000, runAsGroup: 999", "", "", &[POD_GROUP]),
            ("runAsUser: 20000, runAsGroup: 0", "", "", &[]),
            ("runAsUser: 20000", "runAsGroup: 12", "", &[A_GROUP]),
            ("runAsUser: 20000, runAsGroup: 99999", "", "", &[]),
            ("runAsUser: 20000, runAsGroup: null", "", "", &[]),
        ];
        for (pod_level, a, b, expected) in cases {
            let got = paths(&RULE, &pod(pod_level, a, b, ""));
            assert_eq!(&got, expected, "pod {{{pod_level}}} a {{{a}}} b {{{b}}}");
        }
    }

    #[test]
    fn user_namespaces_and_windows_are_exempt() {
        let low = "runAsUser: 1000, runAsGroup: 1000";
        assert!(paths(&RULE, &pod(low, "", "", "hostUsers: false")).is_empty());
        assert!(paths(&RULE, &pod("", "", "", "hostUsers: false")).is_empty());
        assert!(paths(&RULE, &pod(low, "", "", "os: {name: windows}")).is_empty());
        assert_eq!(
            paths(&RULE, &pod(low, "", "", "hostUsers: true")),
            vec![POD_USER, POD_GROUP]
        );
    }

    #[test]
    fn odd_shapes_do_not_panic() {
        for spec in [
            "securityContext: 'runAsUser:65534 fsGroup:65534'\n  containers: [{name: a, image: x}]",
            "securityContext: [1]\n  containers: [{name: a, image: x, securityContext: 7}]",
            "containers: null",
            "containers: [null, 3, {name: a, securityContext: {runAsUser: {x: 1}}}]",
            "initContainers: [{name: i, securityContext: {runAsUser: 99999999999999999999}}]",
        ] {
            let yaml =
                format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  {spec}\n");
            let _ = findings(&RULE, &yaml);
        }
        // A securityContext that is not a mapping sets nothing.
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: 'runAsUser:65534'\n  containers: [{name: a, image: x}]\n";
        assert_eq!(paths(&RULE, yaml), vec![A_USER]);
    }

    #[test]
    fn pod_finding_names_the_inheriting_containers() {
        let found = findings(&RULE, &pod("runAsUser: 1000", "runAsUser: 20000", "", ""));
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .message
                .contains("user ID 1000 (securityContext.runAsUser, inherited by \"b\")"),
            "{}",
            found[0].message
        );
    }
}
