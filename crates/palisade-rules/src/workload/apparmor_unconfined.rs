//! ## What it does
//!
//! Finds pods and containers that switch AppArmor confinement off or choose a profile that Pod
//! Security does not allow:
//!
//! - `securityContext.appArmorProfile.type` at pod level or on any container (init, regular,
//!   ephemeral) set to anything but `RuntimeDefault` or `Localhost` (that is, `Unconfined`);
//! - the older annotation `container.apparmor.security.beta.kubernetes.io/<container>` on the pod
//!   (template) with a value other than `runtime/default`, `localhost/<profile>` or empty (that is,
//!   `unconfined`).
//!
//! ## Why is this bad?
//!
//! AppArmor is one of the layers that stop a process that broke into a container from reaching
//! the node: the runtime's default profile denies writes to `/proc` and `/sys` files, mounting
//! filesystems and other moves that container escapes rely on. An unconfined container loses
//! that layer, so a kernel or runtime bug that the profile would have blocked becomes an escape
//! for an end user who gets code execution in the application. This is the Pod Security
//! Standards Baseline control "AppArmor".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web
//!   annotations:
//!     container.apparmor.security.beta.kubernetes.io/web: unconfined
//! spec:
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web
//! spec:
//!   securityContext:
//!     appArmorProfile:
//!       type: RuntimeDefault
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: AppArmor
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Hardening container environments"
//! - MITRE ATT&CK T1611 Escape to Host
//! - Kubernetes documentation: tutorials/security/apparmor/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::{container_field, field, is_confining_profile_type, pod_field};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "apparmor-unconfined",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:apparmor",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "k8s-docs:tutorials/security/apparmor/",
        ],
        summary: "Pod or container runs without AppArmor confinement",
        fix: "Set `securityContext.appArmorProfile.type: RuntimeDefault` (or `Localhost` with a profile) and remove `Unconfined` profiles and `unconfined` annotations.",
    },
    check: Check::Object(check),
};

const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

/// What is wrong with a present `appArmorProfile`, or `None` when it confines.
fn profile_problem(profile: &Node) -> Option<String> {
    let kind = field(Some(profile), "type");
    if is_confining_profile_type(kind) {
        return None;
    }
    Some(match kind {
        Some(kind) if kind.as_str() == Some("Unconfined") => {
            "appArmorProfile.type to \"Unconfined\" (no AppArmor confinement)".to_string()
        }
        Some(kind) => format!(
            "appArmorProfile.type to {} (neither RuntimeDefault nor Localhost)",
            kind.display_value()
        ),
        None => {
            "appArmorProfile without a type (it must be RuntimeDefault or Localhost)".to_string()
        }
    })
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    if let Some(annotations) = pod.metadata.and_then(|m| m.get("annotations")) {
        let annotations_path = pod.metadata_path.key("annotations");
        for entry in annotations.entries() {
            let Some(container) = entry.key.strip_prefix(ANNOTATION_PREFIX) else {
                continue;
            };
            let Some(value) = entry.value.as_str() else {
                continue;
            };
            if value.is_empty() || value == "runtime/default" || value.starts_with("localhost/") {
                continue;
            }
            // A repeated key: only the last one counts, as the API reads it.
            if annotations
                .entry(&entry.key)
                .is_some_and(|last| !std::ptr::eq(last, entry))
            {
                continue;
            }
            out.report(
                &annotations_path.key(&entry.key),
                format_args!(
                    "annotation {} gives container {container:?} the AppArmor profile {value:?}, which the Baseline control \"AppArmor\" forbids (allowed: runtime/default, localhost/<profile>)",
                    entry.key
                ),
            );
        }
    }
    if let Some(profile) = pod_field(pod, &["appArmorProfile"])
        && let Some(problem) = profile_problem(profile)
    {
        let path = pod.security_context_path(&["appArmorProfile"]);
        let path = if field(Some(profile), "type").is_some() {
            path.key("type")
        } else {
            path
        };
        out.report(
            &path,
            format_args!("pod sets securityContext.{problem}, which the Baseline control \"AppArmor\" forbids"),
        );
    }
    for container in pod.containers() {
        let Some(profile) = container_field(container, &["appArmorProfile"]) else {
            continue;
        };
        let Some(problem) = profile_problem(profile) else {
            continue;
        };
        let path = container.security_context_path(&["appArmorProfile"]);
        let path = if field(Some(profile), "type").is_some() {
            path.key("type")
        } else {
            path
        };
        out.report(
            &path,
            format_args!(
                "{} sets securityContext.{problem}, which the Baseline control \"AppArmor\" forbids",
                container.describe()
            ),
        );
    }
}
