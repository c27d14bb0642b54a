//! ## What it does
//!
//! Judges every Pod and every workload (Deployment, DaemonSet, StatefulSet, ReplicaSet,
//! ReplicationController, Job, CronJob, PodTemplate) that a successful `create` or `update`
//! wrote, with the manifest rule `host-path-volume` of `palisade scan`: any `hostPath` volume.
//! The alert quotes the manifest rule and its message and has the finding's severity:
//! critical for the node's sensitive places (`/`, `/etc`, `/var/lib/kubelet`, the container
//! runtime's socket…), high for any other path.
//!
//! The request object must be in the log (audit level `Request` or above for the resource). A
//! `patch` is a fragment and is not judged; the objects controllers make from the patched
//! template are. Objects the control plane derives from an owner already reported in the same
//! log do not repeat its alerts, and kubelets' mirror pods are left to `palisade node`. A
//! `palisade.dev/ignore` annotation in the request does not silence the alert; the exemptions
//! of `.palisade.yaml` do.
//!
//! Falco's "Create Sensitive Mount Pod" reports only a list of sensitive paths. palisade
//! reports every hostPath, as Pod Security `baseline` forbids every hostPath: a path that looks
//! harmless is still the node's filesystem, writable unless `readOnly`, shared with every pod
//! on the node that mounts it, and a way out through symbolic links (CVE-2021-25741,
//! CVE-2017-1002101). The severity keeps the two apart.
//!
//! ## Why is this bad?
//!
//! A hostPath volume puts the node's filesystem in the container: with `/` or `/etc` it
//! rewrites the node's configuration, with `/var/lib/kubelet` it reads every pod's secrets and
//! tokens, with the runtime's socket it starts privileged containers (MITRE ATT&CK T1611
//! Escape to Host, Microsoft MS-TA9013 Writable hostPath mount).
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
//!     "volumeMounts":[{"name":"host","mountPath":"/host"}]}],
//!    "volumes":[{"name":"host","hostPath":{"path":"/"}}]}}}
//! ```
//!
//! Use instead: an `emptyDir`, a ConfigMap or Secret, a PersistentVolumeClaim or a CSI volume;
//! enforce Pod Security `baseline` on the namespace:
//!
//! ```yaml
//! volumes:
//!   - name: scratch
//!     emptyDir: {}
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: HostPath Volumes
//! - MITRE ATT&CK T1611 Escape to Host
//! - Microsoft Threat Matrix for Kubernetes MS-TA9013: Writable hostPath mount
//! - Falco k8saudit rule "Create Sensitive Mount Pod"; Panther `Kubernetes.Pod.HostPath.Volume`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AuditCheck, AuditRule};
use crate::rules::common::is_workload;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "host-path-pod-created",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "pss:baseline:hostpath-volumes",
            "mitre:T1611",
            "ms-threat:MS-TA9013",
        ],
        summary: "Someone created or replaced a pod or workload that mounts a path of the node (hostPath volume)",
        fix: "Find out who wrote the workload and why; replace the hostPath volume unless it is a vetted node agent, and enforce Pod Security `baseline` on the namespace.",
    },
    why: "a hostPath volume puts the node's filesystem in the container: its configuration, the kubelet's credentials and other pods' secrets (MITRE T1611)",
    enabled_by_default: true,
    check: AuditCheck::Manifest {
        rules: MANIFEST_RULES,
        applies_to: is_workload,
    },
};

const MANIFEST_RULES: &[&str] = &["host-path-volume"];
