//! ## What it does
//!
//! Judges every Pod and every workload (Deployment, DaemonSet, StatefulSet, ReplicaSet,
//! ReplicationController, Job, CronJob, PodTemplate) that a successful `create` or `update`
//! wrote, with the same manifest rules as `palisade scan`: `privileged-container`,
//! `windows-host-process` and `non-default-capabilities`. It alerts once per finding, quoting
//! the manifest rule and its message, and names who wrote the object. The alert has the
//! finding's severity: critical for privileged and HostProcess containers and for the
//! capabilities that open a way to the node (`SYS_ADMIN`, `SYS_MODULE`, `SYS_PTRACE`, `BPF`…),
//! high for the other capabilities outside Pod Security `baseline`'s set (`NET_ADMIN`,
//! `NET_RAW`…).
//!
//! Containers that merely run as root (`runAsUser: 0`, `runAsNonRoot: false`, which Panther's
//! `Kubernetes.Pod.Privileged.Created` also reports) are not privileged: root in a container
//! without these is confined by its namespaces and capabilities. That is Pod Security
//! `restricted`'s concern, and `palisade scan`'s rules `run-as-root-user` and
//! `missing-run-as-non-root`, not an alert about a pod that owns its node.
//!
//! The request object must be in the log (audit level `Request` or `RequestResponse` for the
//! resource). A `patch` carries a fragment, not the object, and is not judged; the ReplicaSet
//! and Pods that the controllers then make from the patched template are. Objects the control
//! plane derives from an owner already reported in the same log (the Pods of a privileged
//! Deployment) do not repeat its alerts, and an object updated again does not repeat its own.
//! Kubelets' mirror pods of static pods are left to `palisade node`. A `palisade.dev/ignore`
//! annotation in the request does not silence the alert (the requester wrote it); the
//! exemptions of `.palisade.yaml` do.
//!
//! ## Why is this bad?
//!
//! A privileged container, a Windows HostProcess container, or one that adds a capability
//! such as `SYS_ADMIN` or `SYS_MODULE`, is root on the node: it can mount the node's disks,
//! load kernel modules and read every other pod's secrets (MITRE ATT&CK T1610 Deploy
//! Container, T1611 Escape to Host). Creating one is how a user who may only create pods
//! becomes cluster administrator. Pod Security admission at `baseline` refuses such pods; this
//! alert says that one got through, and who sent it.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"pods","namespace":"prod","name":"debug","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"debug"},
//!   "spec":{"containers":[{"name":"shell","image":"busybox",
//!    "securityContext":{"privileged":true}}]}}}
//! ```
//!
//! Use instead: enforce Pod Security `baseline` (or `restricted`) on every namespace that does
//! not run node agents, and give containers only the capabilities they need:
//!
//! ```yaml
//! apiVersion: v1
//! kind: Namespace
//! metadata:
//!   name: prod
//!   labels:
//!     pod-security.kubernetes.io/enforce: baseline
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Privileged Containers, Capabilities, HostProcess
//! - MITRE ATT&CK T1610 Deploy Container, T1611 Escape to Host
//! - Microsoft Threat Matrix for Kubernetes MS-TA9018: Privileged container
//! - Falco k8saudit rule "Create Privileged Pod"; Panther `Kubernetes.Pod.Privileged.Created`,
//!   `Kubernetes.Pod.Dangerous.Capabilities`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AuditCheck, AuditRule};
use crate::rules::common::is_workload;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "privileged-pod-created",
        severity: Severity::Critical,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "pss:baseline:privileged-containers",
            "pss:baseline:capabilities",
            "mitre:T1610",
            "mitre:T1611",
            "ms-threat:MS-TA9018",
        ],
        summary: "Someone created or replaced a pod or workload whose containers are privileged or add capabilities beyond Pod Security baseline",
        fix: "Find out who wrote the workload and why; delete it unless it is a vetted node agent, and enforce Pod Security `baseline` on the namespace.",
    },
    why: "a privileged container, or one with SYS_ADMIN-like capabilities, is root on its node and a step from cluster admin (MITRE T1611)",
    enabled_by_default: true,
    check: AuditCheck::Manifest {
        rules: MANIFEST_RULES,
        applies_to: is_workload,
    },
};

/// The manifest rules that find root on the node.
const MANIFEST_RULES: &[&str] = &[
    "privileged-container",
    "windows-host-process",
    "non-default-capabilities",
];

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use serde_json::{Value, json};

    use crate::{AuditConfig, Detector, EventReader, Limits};

    const RS_CONTROLLER: &str = "system:serviceaccount:kube-system:replicaset-controller";
    const DEPLOYMENT_CONTROLLER: &str = "system:serviceaccount:kube-system:deployment-controller";

    /// Every request has an auditID of its own (the detector drops repeats of one).
    static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

    fn event(verb: &str, user: &str, resource: &str, name: &str, object: Option<Value>) -> String {
        let group = if resource == "pods" { "" } else { "apps" };
        let mut event = json!({
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "Request",
            "auditID": format!("{verb}-{resource}-{name}-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)),
            "stage": "ResponseComplete",
            "verb": verb, "user": {"username": user},
            "objectRef": {"resource": resource, "namespace": "shop", "name": name,
                          "apiGroup": group, "apiVersion": "v1"},
            "responseStatus": {"code": if verb == "create" { 201 } else { 200 }},
        });
        if let Some(object) = object {
            event["requestObject"] = object;
        }
        event.to_string()
    }

    fn pod_spec(containers: &[&str]) -> Value {
        let containers: Vec<Value> = containers
            .iter()
            .map(
                |name| json!({"name": name, "image": "x", "securityContext": {"privileged": true}}),
            )
            .collect();
        json!({"containers": containers})
    }

    fn object(kind: &str, name: &str, owner: Option<(&str, &str)>, containers: &[&str]) -> Value {
        let spec = if kind == "Pod" {
            pod_spec(containers)
        } else {
            json!({"selector": {}, "template": {"spec": pod_spec(containers)}})
        };
        let mut object = json!({"kind": kind, "apiVersion": if kind == "Pod" { "v1" } else { "apps/v1" },
                                "metadata": {"name": name}, "spec": spec});
        if let Some((kind, name)) = owner {
            object["metadata"]["ownerReferences"] = json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": "u", "controller": true}]);
        }
        object
    }

    /// The messages of this rule, per event, judged as one stream.
    fn judge(events: &[String]) -> Vec<Vec<String>> {
        let text = events.join("\n");
        let mut detector = Detector::new(AuditConfig::default());
        EventReader::new("test", Cursor::new(text.into_bytes()), Limits::default())
            .map(|record| {
                let record = record.unwrap_or_else(|e| panic!("{e}"));
                let mut alerts = Vec::new();
                detector
                    .observe(&record, &mut alerts)
                    .unwrap_or_else(|e| panic!("{e}"));
                alerts
                    .into_iter()
                    .filter(|a| a.rule == "privileged-pod-created")
                    .map(|a| a.message)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn one_alert_for_a_workload_and_what_the_controllers_make_of_it() {
        let deployment = |containers: &[&str]| object("Deployment", "web", None, containers);
        let replica_set = |name: &str, containers: &[&str]| {
            object("ReplicaSet", name, Some(("Deployment", "web")), containers)
        };
        let pod = |name: &str, owner: &str, containers: &[&str]| {
            object("Pod", name, Some(("ReplicaSet", owner)), containers)
        };
        let counts: Vec<usize> = judge(&[
            event(
                "create",
                "alice",
                "deployments",
                "web",
                Some(deployment(&["web"])),
            ),
            event(
                "create",
                DEPLOYMENT_CONTROLLER,
                "replicasets",
                "web-1",
                Some(replica_set("web-1", &["web"])),
            ),
            event(
                "create",
                RS_CONTROLLER,
                "pods",
                "web-1-a",
                Some(pod("web-1-a", "web-1", &["web"])),
            ),
            event(
                "create",
                RS_CONTROLLER,
                "pods",
                "web-1-b",
                Some(pod("web-1-b", "web-1", &["web"])),
            ),
            // An operator rewriting the same Deployment.
            event(
                "update",
                "system:serviceaccount:ops:operator",
                "deployments",
                "web",
                Some(deployment(&["web"])),
            ),
            // The template was patched (not judged): the new ReplicaSet shows what is new.
            event(
                "create",
                DEPLOYMENT_CONTROLLER,
                "replicasets",
                "web-2",
                Some(replica_set("web-2", &["web", "sidecar"])),
            ),
            event(
                "create",
                RS_CONTROLLER,
                "pods",
                "web-2-a",
                Some(pod("web-2-a", "web-2", &["web", "sidecar"])),
            ),
            // A person who claims an owner is judged in full.
            event(
                "create",
                "mallory",
                "pods",
                "web-1-z",
                Some(pod("web-1-z", "web-1", &["web"])),
            ),
            // A controller's object whose owner this stream never saw.
            event(
                "create",
                RS_CONTROLLER,
                "pods",
                "api-1-a",
                Some(pod("api-1-a", "api-1", &["api"])),
            ),
            // Made safe, then privileged again: that is news.
            event(
                "update",
                "alice",
                "deployments",
                "web",
                Some(deployment(&[])),
            ),
            event(
                "update",
                "bob",
                "deployments",
                "web",
                Some(deployment(&["web"])),
            ),
            // Deleted and created again: a new object.
            event("delete", "alice", "deployments", "web", None),
            event(
                "create",
                "alice",
                "deployments",
                "web",
                Some(deployment(&["web"])),
            ),
        ])
        .iter()
        .map(Vec::len)
        .collect();
        assert_eq!(counts, [1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 1, 0, 1]);
    }

    #[test]
    fn the_alert_says_what_a_controller_made_an_object_for() {
        let messages = judge(&[event(
            "create",
            RS_CONTROLLER,
            "pods",
            "api-1-a",
            Some(object(
                "Pod",
                "api-1-a",
                Some(("ReplicaSet", "api-1")),
                &["api"],
            )),
        )]);
        assert_eq!(
            messages,
            [[format!(
                "{RS_CONTROLLER} created namespaces/shop/pods/api-1-a (for ReplicaSet api-1): container \"api\" runs privileged (securityContext.privileged: true), which the Baseline control \"Privileged Containers\" forbids (manifest rule privileged-container)"
            )]]
        );
    }
}
