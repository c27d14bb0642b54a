//! ## What it does
//!
//! Finds containers and init containers whose root filesystem is writable: their
//! `securityContext.readOnlyRootFilesystem` is absent or not `true` (there is no pod-level
//! setting; Kubernetes defaults to writable).
//!
//! Ephemeral containers are skipped: they are debugging sessions added to a running pod,
//! which usually need to write. Windows pods (`spec.os.name: windows`) are skipped too:
//! Kubernetes forbids the field for them.
//!
//! ## Why is this bad?
//!
//! An attacker who gets code execution in a container with a writable root filesystem (an end
//! user through an application bug, an internal attacker through `kubectl exec`) can download
//! tools and exploits into it, replace the application's binaries, scripts or configuration
//! to persist until the container is recreated, or plant a web shell the application then
//! serves. A read-only root filesystem makes the image immutable at run time: whatever the
//! application needs to write goes to explicitly mounted volumes (an `emptyDir` for `/tmp`),
//! which are few, known and easier to watch.
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
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//!       securityContext:
//!         readOnlyRootFilesystem: true
//!       volumeMounts:
//!         - name: cache
//!           mountPath: /var/cache/nginx
//!   volumes:
//!     - name: cache
//!       emptyDir: {}
//! ```
//!
//! ## References
//!
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Immutable container file systems"
//! - CIS Docker Benchmark v1.6.0 5.13 (5.12 in v1.2.0): Ensure that the container's root filesystem is mounted as read only
//! - Kubernetes documentation: tasks/configure-pod-container/security-context/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::pod::ContainerKind;
use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::container_field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "writable-root-filesystem",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "nsa-cisa:pod-security",
            "cis-docker:5.13",
            "k8s-docs:tasks/configure-pod-container/security-context/",
        ],
        summary: "Container's root filesystem is writable (readOnlyRootFilesystem is not true)",
        fix: "Set `securityContext.readOnlyRootFilesystem: true` on the container and mount an `emptyDir` where it must write.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if pod.is_windows() {
        return;
    }
    for container in pod
        .containers()
        .filter(|c| c.kind != ContainerKind::Ephemeral)
    {
        let setting = container_field(container, &["readOnlyRootFilesystem"]);
        let what = match setting.map(|node| (node, node.as_bool())) {
            Some((_, Some(true))) => continue,
            Some((_, Some(false))) => "sets readOnlyRootFilesystem: false".to_string(),
            Some((node, None)) => format!(
                "sets readOnlyRootFilesystem to {} (a {}, not the boolean true)",
                short(node),
                node.type_name()
            ),
            None => "does not set securityContext.readOnlyRootFilesystem: true".to_string(),
        };
        out.report(
            &container.security_context_path(&["readOnlyRootFilesystem"]),
            format_args!(
                "{} {what}, so its root filesystem is writable: code running in it can drop tools or change the application's files",
                container.describe()
            ),
        );
    }
}

/// A written value for a message, cut so that a huge value does not flood the report.
fn short(node: &Node) -> String {
    const LIMIT: usize = 40;
    let text = node.display_value();
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    fn pod(spec: &str) -> String {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {spec}\n")
    }

    #[test]
    fn every_container_but_ephemeral_ones() {
        let yaml = pod("
  initContainers: [{name: i, image: x}]
  containers:
    - {name: a, image: x, securityContext: {readOnlyRootFilesystem: true}}
    - {name: b, image: x, securityContext: {readOnlyRootFilesystem: false}}
    - {name: c, image: x, securityContext: {readOnlyRootFilesystem: null}}
    - {name: d, image: x, securityContext: {}}
  ephemeralContainers: [{name: e, image: x}]
  securityContext: {readOnlyRootFilesystem: true}");
        assert_eq!(
            paths(&RULE, &yaml),
            vec![
                "/spec/initContainers/0/securityContext/readOnlyRootFilesystem",
                "/spec/containers/1/securityContext/readOnlyRootFilesystem",
                "/spec/containers/2/securityContext/readOnlyRootFilesystem",
                "/spec/containers/3/securityContext/readOnlyRootFilesystem",
            ]
        );
    }

    #[test]
    fn windows_pods_cannot_set_it() {
        let yaml = pod("{os: {name: windows}, containers: [{name: a, image: x}]}");
        assert!(paths(&RULE, &yaml).is_empty());
        let yaml = pod("{os: {name: linux}, containers: [{name: a, image: x}]}");
        assert_eq!(paths(&RULE, &yaml).len(), 1);
    }

    #[test]
    fn wrong_types_are_named_and_cut() {
        let long = "x".repeat(10_000);
        let yaml = pod(&format!(
            "{{containers: [{{name: a, securityContext: {{readOnlyRootFilesystem: \"{long}\"}}}}, {{name: b, securityContext: {{readOnlyRootFilesystem: 'true'}}}}, {{name: c, securityContext: 7}}]}}"
        ));
        let found = findings(&RULE, &yaml);
        assert_eq!(found.len(), 3);
        assert!(
            found[0]
                .message
                .contains("(a string, not the boolean true)")
        );
        assert!(found[0].message.len() < 400, "{}", found[0].message);
        assert!(found[1].message.contains("to \"true\" (a string"));
        assert!(found[2].message.contains("does not set"));
    }

    #[test]
    fn short_cuts_on_character_boundaries() {
        use palisade_model::{Pos, Value};
        let node = Node::new(Pos::UNKNOWN, Value::Str("é".repeat(100)));
        assert_eq!(short(&node).chars().count(), 41);
        let node = Node::new(Pos::UNKNOWN, Value::Str("short".into()));
        assert_eq!(short(&node), "\"short\"");
    }
}
