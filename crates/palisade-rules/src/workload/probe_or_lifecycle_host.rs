//! ## What it does
//!
//! Finds probes (`livenessProbe`, `readinessProbe`, `startupProbe`) and lifecycle hooks
//! (`lifecycle.postStart`, `lifecycle.preStop`) whose `httpGet` or `tcpSocket` action sets a
//! `host`, in init, regular and ephemeral containers. Only an empty or absent `host` (which means
//! the pod's own IP) is allowed; `localhost` and `127.0.0.1` are reported too, because the kubelet
//! resolves them on the node.
//!
//! ## Why is this bad?
//!
//! Probes and HTTP/TCP hooks are not run by the container: the kubelet runs them, from the node's
//! network. A `host` makes the kubelet connect wherever the pod's author says: to the node's own
//! loopback services, to the cloud metadata endpoint, to internal addresses the pod itself cannot
//! reach. An internal attacker who can create pods gets a blind server-side request forgery
//! through the kubelet, and can map the node's network from probe results and pod restarts. This
//! is the Pod Security Standards Baseline control "Host Probes / Lifecycle Hooks" (v1.34+).
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: web
//! spec:
//!   containers:
//!     - name: web
//!       image: nginx:1.27
//!       livenessProbe:
//!         httpGet:
//!           host: 169.254.169.254
//!           path: /latest/meta-data/
//!           port: 80
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       livenessProbe:
//!         httpGet:          # no host: the kubelet probes the pod's own IP
//!           path: /healthz
//!           port: 8080
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Host Probes / Lifecycle Hooks (v1.34+)
//! - KEP-4940: block the host field in probes and lifecycle handlers (kubernetes/kubernetes#125271)
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1090 Proxy, T1046 Network Service Discovery

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "probe-or-lifecycle-host",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:host-probes-lifecycle-hooks",
            "kep:4940",
            "nsa-cisa:pod-security",
            "mitre:T1090",
            "mitre:T1046",
        ],
        summary: "A probe or lifecycle hook makes the kubelet connect to another host",
        fix: "Remove `host` from the probe or hook (the kubelet then connects to the pod's IP); use an exec action to check something else from inside the container.",
    },
    check: Check::Object(check),
};

/// The handlers that can carry a host, as (path under the container, what messages call it).
const HANDLERS: &[(&[&str], &str)] = &[
    (&["livenessProbe"], "livenessProbe"),
    (&["readinessProbe"], "readinessProbe"),
    (&["startupProbe"], "startupProbe"),
    (&["lifecycle", "postStart"], "lifecycle.postStart"),
    (&["lifecycle", "preStop"], "lifecycle.preStop"),
];

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in pod.containers() {
        for (keys, label) in HANDLERS {
            let mut handler = Some(container.node);
            for key in *keys {
                handler = field(handler, key);
            }
            for action in ["httpGet", "tcpSocket"] {
                let Some(host) = field(field(handler, action), "host") else {
                    continue;
                };
                if host.as_str() == Some("") {
                    continue;
                }
                out.report(
                    &container.path.keys(keys).key(action).key("host"),
                    format_args!(
                        "{} has a {label}.{action} with host {}: the kubelet connects to that host from the node, which the Baseline control \"Host Probes / Lifecycle Hooks\" forbids",
                        container.describe(),
                        host.display_value()
                    ),
                );
            }
        }
    }
}
