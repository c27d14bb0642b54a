//! ## What it does
//!
//! Reports a ServiceAccount successfully created in a system namespace (`kube-system`,
//! `kube-public`, `kube-node-lease`) by someone who is not part of the control plane (the
//! `system:` components, the service accounts of `kube-system`, the managed platforms'
//! `eks:*`, `aksService` and `masterclient`), naming who and which account. Tokens requested
//! for an existing account (`serviceaccounts/token`) are not creations of an account.
//!
//! Falco's "Service Account Created in Kube Namespace" leaves out a list of the controllers'
//! account names instead; the controller manager creates those accounts itself, as a
//! `system:` user, so palisade leaves them out by who created them.
//!
//! ## Why is this bad?
//!
//! An account in `kube-system` looks like one of the control plane's own, and bindings that
//! grant to "every service account of kube-system" (`system:serviceaccounts:kube-system`) or
//! exemptions for the namespace then cover it. An attacker creates one to persist with a name
//! that blends in (MITRE ATT&CK T1136 Create Account, T1036.005 Match Legitimate Name or
//! Location).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"serviceaccounts","namespace":"kube-system",
//!   "name":"node-controller-2","apiVersion":"v1"},
//!  "responseStatus":{"code":201}}
//! ```
//!
//! Use instead: create add-ons' service accounts in the add-on's own namespace:
//!
//! ```yaml
//! apiVersion: v1
//! kind: ServiceAccount
//! metadata:
//!   name: exporter
//!   namespace: monitoring
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1136 Create Account, T1036.005 Match Legitimate Name or Location
//! - Falco k8saudit rule "Service Account Created in Kube Namespace"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{
    SYSTEM_NAMESPACES, api_group, by_control_plane, described_object, was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "service-account-created-in-system-namespace",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &["mitre:T1136", "mitre:T1036.005"],
        summary: "Someone other than the control plane created a service account in a system namespace",
        fix: "Find out who created the account and why; delete it unless an add-on needs it there, and keep write access to kube-system for cluster administrators.",
    },
    why: "an account in kube-system passes for one of the control plane's and is covered by grants and exemptions for the namespace (MITRE T1136)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.verb != "create"
        || event.resource() != "serviceaccounts"
        || !event.subresource().is_empty()
        || !api_group(event).is_empty()
        || !SYSTEM_NAMESPACES.contains(&event.namespace())
        || !was_carried_out(event)
        || by_control_plane(event)
    {
        return;
    }
    out.report(
        "/objectRef/namespace",
        format!(
            "{} created ServiceAccount {} in the system namespace {}",
            who(event),
            described_object(event),
            event.namespace()
        ),
    );
}
