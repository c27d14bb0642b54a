//! ## What it does
//!
//! Reports a successful `create`, `update`, `patch`, `delete` or `deletecollection` of
//! admission control: MutatingWebhookConfigurations, ValidatingWebhookConfigurations,
//! ValidatingAdmissionPolicies, MutatingAdmissionPolicies and their bindings, by someone who is
//! not part of the control plane. It names who did it, the object and, when the request object
//! is in the log, the webhooks it registers and where they send requests (the service, or the
//! URL's scheme and host).
//!
//! A `patch` that only replaces webhooks' `clientConfig.caBundle` (what cert-manager's CA
//! injector and webhook servers do when their certificate is renewed) is left out when the
//! patch is in the log. Every other change alerts: at audit level `Metadata` the patch cannot be
//! told apart.
//!
//! ## Why is this bad?
//!
//! Every object written to the cluster passes through admission. A mutating webhook an
//! attacker registers sees every matching object, Secrets included, and can rewrite it: add a
//! privileged sidecar to every new pod, swap images (MITRE ATT&CK T1546 Event Triggered
//! Execution, Microsoft MS-TA9015 Malicious admission controller). Deleting or loosening a
//! validating webhook or policy switches off the checks (Pod Security, image signatures) that
//! stand between a user and a privileged pod (MITRE T1562.001 Impair Defenses).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"mutatingwebhookconfigurations","name":"injector",
//!   "apiGroup":"admissionregistration.k8s.io","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"kind":"MutatingWebhookConfiguration","metadata":{"name":"injector"},
//!   "webhooks":[{"name":"inject.example.com",
//!    "clientConfig":{"url":"https://hooks.example.com/mutate"}}]}}
//! ```
//!
//! Use instead: let only the cluster's administrators and the admission controllers' own
//! installers write admission configuration, and review every change:
//!
//! ```yaml
//! rules:   # no admissionregistration.k8s.io writes in everyday roles
//!   - apiGroups: ["admissionregistration.k8s.io"]
//!     resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: Dynamic Admission Control; Validating Admission Policy
//! - MITRE ATT&CK T1546 Event Triggered Execution, T1562.001 Impair Defenses
//! - Microsoft Threat Matrix for Kubernetes MS-TA9015: Malicious admission controller
//! - Panther `Kubernetes.AdmissionController.Created`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};
use serde_json::Value;

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::event::Event;
use crate::rules::common::{
    api_group, by_control_plane, described_object, listing, verb_done, was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "admission-webhook-changed",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[ThreatActor::PrivilegedAttacker],
        references: &[
            "k8s-docs:reference/access-authn-authz/extensible-admission-controllers/",
            "mitre:T1546",
            "mitre:T1562.001",
            "ms-threat:MS-TA9015",
        ],
        summary: "Someone created, changed or deleted an admission webhook or admission policy",
        fix: "Find out who changed admission control and why; check where its webhooks send requests, and restore the validating webhooks and policies that were removed.",
    },
    why: "admission webhooks see and may rewrite every object written to the cluster, and validating ones are the guard against privileged pods (MITRE T1546, T1562.001)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// How many webhooks a message lists.
const MAX_WEBHOOKS: usize = 3;

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    let effect = match event.resource() {
        "mutatingwebhookconfigurations" => {
            "its webhooks receive, and may rewrite, every object they match"
        }
        "validatingwebhookconfigurations" => {
            "its webhooks receive, and may refuse, every object they match"
        }
        "validatingadmissionpolicies" | "validatingadmissionpolicybindings" => {
            "it changes which requests admission policy refuses"
        }
        "mutatingadmissionpolicies" | "mutatingadmissionpolicybindings" => {
            "it changes how admission policy rewrites objects"
        }
        _ => return,
    };
    let verb = event.verb.as_str();
    if api_group(event) != "admissionregistration.k8s.io"
        || !matches!(
            verb,
            "create" | "update" | "patch" | "delete" | "deletecollection"
        )
        || !event.subresource().is_empty()
        || !was_carried_out(event)
        || by_control_plane(event)
        || only_renews_ca_bundle(event)
    {
        return;
    }
    let effect = match verb {
        "delete" => "the admission checks it held no longer run",
        "deletecollection" => "the admission checks they held no longer run",
        _ => effect,
    };
    let webhooks = webhooks(event);
    let webhooks = if webhooks.is_empty() {
        String::new()
    } else {
        format!(" (webhooks: {})", listing(&webhooks, MAX_WEBHOOKS))
    };
    out.report(
        "/objectRef/resource",
        format!(
            "{} {} {}: {effect}{webhooks}",
            who(event),
            verb_done(verb),
            described_object(event)
        ),
    );
}

/// `inject.example.com → service istio-system/istiod`, `… → https://hooks.example.com`.
fn webhooks(event: &Event) -> Vec<String> {
    if !matches!(event.verb.as_str(), "create" | "update") {
        return Vec::new();
    }
    let list = event
        .request_object
        .as_ref()
        .and_then(|body| body.pointer("/webhooks"))
        .and_then(Value::as_array);
    list.into_iter()
        .flatten()
        .map(|webhook| {
            let name = webhook.get("name").and_then(Value::as_str).unwrap_or("?");
            let service = webhook.pointer("/clientConfig/service");
            let url = webhook.pointer("/clientConfig/url").and_then(Value::as_str);
            let target = match (service, url) {
                (Some(service), _) => {
                    let text = |key: &str| service.get(key).and_then(Value::as_str).unwrap_or("?");
                    format!("service {}/{}", text("namespace"), text("name"))
                }
                // The scheme and host only: a path is the server's business.
                (None, Some(url)) => url
                    .split_once("://")
                    .map(|(scheme, rest)| {
                        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                        let host = host.rsplit('@').next().unwrap_or(host);
                        format!("{scheme}://{host}")
                    })
                    .unwrap_or_else(|| "an unparsable URL".to_string()),
                (None, None) => return name.to_string(),
            };
            format!("{name} → {target}")
        })
        .collect()
}

/// A patch that only sets webhooks' `clientConfig.caBundle`: a JSON patch whose operations all
/// address one, or a merge or apply patch whose webhooks hold nothing but their name and it.
fn only_renews_ca_bundle(event: &Event) -> bool {
    if event.verb != "patch" {
        return false;
    }
    let Some(patch) = event.request_object.as_ref().and_then(|b| b.value().ok()) else {
        return false;
    };
    match patch {
        Value::Array(operations) => {
            !operations.is_empty()
                && operations.iter().all(|operation| {
                    let path = operation.get("path").and_then(Value::as_str).unwrap_or("");
                    let op = operation.get("op").and_then(Value::as_str).unwrap_or("");
                    matches!(op, "add" | "replace")
                        && path.starts_with("/webhooks/")
                        && path.ends_with("/clientConfig/caBundle")
                        && path.matches('/').count() == 4
                })
        }
        Value::Object(fields) => {
            let mut webhooks_seen = false;
            for (key, value) in fields {
                match key.as_str() {
                    "apiVersion" | "kind" | "metadata" => {}
                    "webhooks" => {
                        let Some(items) = value.as_array() else {
                            return false;
                        };
                        webhooks_seen = !items.is_empty();
                        if !items.iter().all(only_name_and_ca_bundle) {
                            return false;
                        }
                    }
                    _ => return false,
                }
            }
            webhooks_seen
        }
        _ => false,
    }
}

fn only_name_and_ca_bundle(webhook: &Value) -> bool {
    let Some(fields) = webhook.as_object() else {
        return false;
    };
    fields.iter().all(|(key, value)| match key.as_str() {
        "name" => true,
        "clientConfig" => value
            .as_object()
            .is_some_and(|config| config.keys().all(|key| key == "caBundle")),
        _ => false,
    })
}
