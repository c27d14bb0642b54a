//! ## What it does
//!
//! Finds pod volumes of a type outside the Restricted profile's list: only `configMap`,
//! `downwardAPI`, `emptyDir`, `projected`, `secret`, `csi`, `persistentVolumeClaim`, `ephemeral`
//! and `image` are allowed. Everything else is reported: `nfs`, `iscsi`, `gitRepo`, `rbd`,
//! `cephfs`, `glusterfs`, `flexVolume`, the in-tree cloud disks (`awsElasticBlockStore`,
//! `gcePersistentDisk`, `azureDisk`, `azureFile`, `cinder`, `vsphereVolume`, ...) and any source
//! palisade does not know.
//!
//! `hostPath` volumes are reported by `host-path-volume` (Baseline), not here. A volume with no
//! source at all is left alone: the API server gives it an `emptyDir`.
//!
//! ## Why is this bad?
//!
//! The direct volume types let a pod author name storage by address: an NFS export, an iSCSI
//! target, a Ceph pool, a cloud disk ID, a Git repository cloned by the kubelet as root (the
//! `gitRepo` type has had command-injection CVEs). An internal attacker who can create pods can
//! mount storage that belongs to another team or tenant, bypassing the PersistentVolume
//! access control that PersistentVolumeClaims and StorageClasses enforce, and several of these
//! drivers run code on the node. This is the Pod Security Standards Restricted control
//! "Volume Types".
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: reports
//! spec:
//!   containers:
//!     - name: reports
//!       image: example/reports:1.0
//!   volumes:
//!     - name: archive
//!       nfs:
//!         server: 10.0.0.12
//!         path: /exports/finance
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!   volumes:
//!     - name: archive
//!       persistentVolumeClaim:
//!         claimName: reports-archive   # bound to an NFS PersistentVolume by an administrator
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Restricted: Volume Types
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - CVE-2024-10220 (gitRepo volume arbitrary command execution)
//! - Kubernetes documentation: concepts/storage/volumes/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "restricted-volume-type",
        severity: Severity::Medium,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "pss:restricted:volume-types",
            "nsa-cisa:pod-security",
            "cve:CVE-2024-10220",
            "k8s-docs:concepts/storage/volumes/",
        ],
        summary: "Pod uses a volume type outside the Restricted profile's list",
        fix: "Use a PersistentVolumeClaim (with a PersistentVolume or StorageClass set up by an administrator), a CSI volume, or a configMap/secret/emptyDir/projected volume.",
    },
    check: Check::Object(check),
};

/// The volume sources the Restricted profile allows.
const ALLOWED: &[&str] = &[
    "configMap",
    "downwardAPI",
    "emptyDir",
    "projected",
    "secret",
    "csi",
    "persistentVolumeClaim",
    "ephemeral",
    "image",
];

/// The other volume sources of the Kubernetes API.
const KNOWN_FORBIDDEN: &[&str] = &[
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "portworxVolume",
    "photonPersistentDisk",
    "scaleIO",
    "storageos",
];

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    let volumes_path = pod.spec_path.key("volumes");
    let volumes = pod.spec.get("volumes").map(Node::items).unwrap_or(&[]);
    for (index, volume) in volumes.iter().enumerate() {
        let sources: Vec<&str> = volume
            .entries()
            .iter()
            .filter(|entry| entry.key != "name" && !entry.value.is_null())
            .map(|entry| entry.key.as_ref())
            .collect();
        // As the admission controller reads a volume: one allowed source admits it; hostPath is
        // the Baseline rule's; no source at all is defaulted to emptyDir by the API server.
        if sources
            .iter()
            .any(|source| ALLOWED.contains(source) || *source == "hostPath")
        {
            continue;
        }
        let Some(source) = sources.first() else {
            continue;
        };
        let name = volume
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("<unnamed>");
        let kind = if KNOWN_FORBIDDEN.contains(source) {
            format!("of type {source}")
        } else {
            format!("of unknown type {source:?}")
        };
        out.report(
            &volumes_path.index(index).key(source),
            format_args!(
                "volume {name:?} is {kind}, which the Restricted control \"Volume Types\" forbids (allowed: configMap, downwardAPI, emptyDir, projected, secret, csi, persistentVolumeClaim, ephemeral, image)"
            ),
        );
    }
}
