//! ## What it does
//!
//! Reports every `kubectl port-forward` to a pod that the API server let through (the
//! `portforward` subresource of `pods`), naming who opened it, to which pod, and the ports
//! when the request URI lists them.
//!
//! ## Why is this bad?
//!
//! A port-forward tunnels from the user's machine, through the API server and the kubelet,
//! straight into the pod's network namespace: past Services, Ingresses, NetworkPolicies and
//! any authentication in front of them. It reaches a database or an admin port that was never
//! meant to leave the cluster, and is a quiet way to move data out (MITRE ATT&CK T1572
//! Protocol Tunneling). It is a debugging tool; in production each use should have a reason.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","stage":"ResponseStarted",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"pods","namespace":"prod","name":"db-0","subresource":"portforward"},
//!  "requestURI":"/api/v1/namespaces/prod/pods/db-0/portforward?ports=5432",
//!  "responseStatus":{"code":101}}
//! ```
//!
//! Use instead: reach services through their Service and Ingress, with their own
//! authentication, and take `pods/portforward` out of everyday roles:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["pods", "pods/log"]   # no pods/portforward
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1572 Protocol Tunneling
//! - Kubernetes documentation: Use Port Forwarding to Access Applications in a Cluster
//! - Falco k8saudit rule "port-forward"

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{query_values, was_refused, who};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "port-forward-to-pod",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1572",
            "k8s-docs:tasks/access-application-cluster/port-forward-access-application-cluster/",
        ],
        summary: "Someone tunnelled into a pod's network with port-forward",
        fix: "Find out who opened the tunnel and why; take pods/portforward out of everyday roles.",
    },
    why: "a port-forward reaches the pod's ports past Services, Ingresses, NetworkPolicies and their authentication (MITRE T1572)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.subresource() != "portforward" || event.resource() != "pods" || was_refused(event) {
        return;
    }
    // Ports are numbers: anything else in the parameter is not repeated.
    let ports: Vec<String> = query_values(&event.request_uri, "ports")
        .flat_map(|value| {
            value
                .split(',')
                .map(|port| port.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    let which = match ports.as_slice() {
        [] => String::new(),
        [port] => format!(" (port {port})"),
        many => format!(" (ports {})", many.join(", ")),
    };
    out.report(
        "/objectRef/subresource",
        format!(
            "{} forwarded a port to pod {}/{}{which}",
            who(event),
            event.namespace(),
            event.name()
        ),
    );
}
