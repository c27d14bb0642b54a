//! ## What it does
//!
//! When `audit.allowedNamespaces` is configured in `.palisade.yaml`, reports every namespace
//! created whose name matches none of its globs, with who created it and from where. Silent
//! until the list is configured.
//!
//! ## Why is this bad?
//!
//! In a cluster run by a platform team, namespaces come from one pipeline with their quotas,
//! limit ranges, network policies and Pod Security labels. A namespace created by hand, outside
//! that pipeline, has none of them: it is where an internal attacker or a careless user puts
//! workloads that nothing limits, and where a compromised account hides what it deploys (MITRE
//! ATT&CK T1578 Modify Cloud Compute Infrastructure). Falco's k8saudit rules report the same
//! ("Create Disallowed Namespace").
//!
//! ## Example
//!
//! With `audit: {allowedNamespaces: [kube-*, default, "team-*"]}`, an event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseComplete","verb":"create",
//!  "user":{"username":"some-user"},"sourceIPs":["192.168.99.1"],
//!  "objectRef":{"resource":"namespaces","name":"foo","apiVersion":"v1"},
//!  "responseStatus":{"code":201}}
//! ```
//!
//! Use instead: create namespaces through the pipeline that gives them their guard rails, and
//! name them so that the list covers them:
//!
//! ```yaml
//! audit:
//!   allowedNamespaces: [kube-*, default, team-*]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1578 Modify Cloud Compute Infrastructure
//! - Falco k8saudit rule "Create Disallowed Namespace"
//! - NSA/CISA Kubernetes Hardening Guide: Namespaces

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::was_refused;

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "unexpected-namespace-created",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &["mitre:T1578", "nsa-cisa:namespaces"],
        summary: "A namespace was created whose name audit.allowedNamespaces does not allow",
        fix: "Find out who created the namespace and why; delete it or give it quotas, limits, network policies and Pod Security labels, and add its name to audit.allowedNamespaces.",
    },
    why: "a namespace made outside the pipeline has no quota, limit range, network policy or Pod Security label: workloads put there are limited by nothing",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let Some(allowed) = &context.config.allowed_namespaces else {
        return;
    };
    if event.verb != "create"
        || event.resource() != "namespaces"
        || !event.subresource().is_empty()
        || was_refused(event)
    {
        return;
    }
    // A create names the namespace in the body; the object reference has it when the log
    // recorded the response.
    let name = match event.name() {
        "" => event
            .request_object
            .as_ref()
            .and_then(|body| body.pointer("/metadata/name"))
            .and_then(|name| name.as_str())
            .unwrap_or_default(),
        name => name,
    };
    if name.is_empty() || allowed.iter().any(|glob| glob.is_match(name)) {
        return;
    }
    out.report(
        "/objectRef/name",
        format!(
            "{} created namespace {name}, which audit.allowedNamespaces does not allow",
            event.user.username
        ),
    );
}
