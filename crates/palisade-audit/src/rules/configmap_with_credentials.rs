//! ## What it does
//!
//! Judges every ConfigMap that a successful `create` or `update` wrote with the manifest rule
//! `credential-in-configmap` of `palisade scan`, and alerts on each key that holds a
//! credential (a private key, a cloud access key, a token, a literal password…), quoting the
//! manifest rule's message: which key, what kind of credential, on which line of the value.
//! It never repeats the value.
//!
//! The request object must be in the log: audit level `Request` or above for ConfigMaps, a
//! level at which the log itself holds the credential (Falco's audit policy logs ConfigMaps at
//! `RequestResponse` for this rule). A `patch` is a fragment and is not judged. An update does
//! not repeat the alert already raised for the same key of the same ConfigMap in the same log.
//!
//! ## Why is this bad?
//!
//! ConfigMaps are not secret: RBAC roles such as `view` read them, they are printed by
//! `kubectl describe`, copied into Git and into logs, and are not encrypted at rest. A
//! credential in one is readable by far more people and workloads than a Secret would be
//! (MITRE ATT&CK T1552.007 Container API, T1552.001 Credentials in Files).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"configmaps","namespace":"prod","name":"app","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"app"},
//!   "data":{"app.ini":"[db]\nuser = app\npassword = hunter2\n"}}}
//! ```
//!
//! Use instead: keep the credential in a Secret (or an external secret store), reference it
//! from the workload, and rotate the exposed one:
//!
//! ```yaml
//! env:
//!   - name: DB_PASSWORD
//!     valueFrom: {secretKeyRef: {name: app-db, key: password}}
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: Good practices for Kubernetes Secrets
//! - MITRE ATT&CK T1552.007 Container API, T1552.001 Credentials in Files
//! - Falco k8saudit rule "Create/Modify Configmap With Private Credentials"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AuditCheck, AuditRule};
use crate::event::Event;
use crate::rules::common::api_group;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "configmap-with-credentials",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:concepts/security/secrets-good-practices/",
            "mitre:T1552.007",
            "mitre:T1552.001",
        ],
        summary: "Someone wrote a credential into a ConfigMap",
        fix: "Move the credential into a Secret or an external secret store, rotate it (the ConfigMap and this audit log hold it), and find out who wrote it there.",
    },
    why: "ConfigMaps are readable by far more users and workloads than Secrets, and are not encrypted at rest: the credential is exposed (MITRE T1552)",
    enabled_by_default: true,
    check: AuditCheck::Manifest {
        rules: &["credential-in-configmap"],
        applies_to: is_configmap,
    },
};

fn is_configmap(event: &Event) -> bool {
    event.resource() == "configmaps" && api_group(event).is_empty()
}
