//! ## What it does
//!
//! Reports every `kubectl exec` and `kubectl attach` into a pod that the API server let
//! through (the `exec` and `attach` subresources of `pods`), naming who did it, from where,
//! into which pod and container, and the program started.
//!
//! ## Why is this bad?
//!
//! An interactive shell in a running container bypasses everything the image and the
//! deployment pipeline guarantee: whoever holds it can read the container's secrets and its
//! service-account token, change the running application, and move on from there (MITRE
//! ATT&CK T1609 Container Administration Command). In production it should be rare, and each
//! time someone should be able to say why. Attackers with stolen credentials use exec first.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","stage":"ResponseStarted","verb":"create",
//!  "user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"pods","subresource":"exec","namespace":"prod","name":"web-1"},
//!  "requestURI":"/api/v1/namespaces/prod/pods/web-1/exec?command=sh&container=web&stdin=true&tty=true",
//!  "responseStatus":{"code":101}}
//! ```
//!
//! Use instead: debug with ephemeral containers (`kubectl debug`) under a role granted for the
//! incident only, and take `pods/exec` and `pods/attach` out of everyday roles:
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["pods", "pods/log"]   # no pods/exec, no pods/attach
//!     verbs: ["get", "list", "watch"]
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1609 Container Administration Command
//! - Microsoft Threat Matrix for Kubernetes MS-TA9006: Exec into container
//! - Falco k8saudit rule "Attach/Exec Pod"
//! - Kubernetes documentation: Auditing

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{query_values, was_refused};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "exec-into-pod",
        severity: Severity::Medium,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "mitre:T1609",
            "ms-threat:MS-TA9006",
            "k8s-docs:tasks/debug/debug-cluster/audit/",
        ],
        summary: "Someone ran a command in, or attached to, a running container",
        fix: "Find out who ran what and why; take pods/exec and pods/attach out of everyday roles and debug with `kubectl debug` under a temporary role.",
    },
    why: "a shell in a running container reads its secrets and service-account token and changes the application outside any review (MITRE T1609)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if event.resource() != "pods" || was_refused(event) {
        return;
    }
    let action = match event.subresource() {
        "exec" => "ran a command in",
        "attach" => "attached to",
        _ => return,
    };
    let user = &event.user.username;
    let pod = format!("{}/{}", event.namespace(), event.name());
    let container = query_values(&event.request_uri, "container")
        .next()
        .map(|c| format!(" (container {c})"))
        .unwrap_or_default();
    let program = query_values(&event.request_uri, "command")
        .next()
        .map(|program| format!(": {program}"))
        .unwrap_or_default();
    out.report(
        "/objectRef/subresource",
        format!("{user} {action} pod {pod}{container}{program}"),
    );
}
