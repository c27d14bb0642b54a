//! ## What it does
//!
//! Finds container ports with a non-zero `hostPort`, in containers, init containers and
//! ephemeral containers.
//!
//! ## Why is this bad?
//!
//! A host port binds the container to a port on every address of the node it lands on. The
//! workload becomes reachable from wherever the node is, around Services, Ingress and
//! NetworkPolicy, which end users can then reach directly; and a pod that an internal attacker
//! schedules can take over a port that a node service or another workload expects, to intercept
//! its traffic. It also pins the pod to nodes where the port is free. This is the Pod Security
//! Standards Baseline control "Host Ports" (Pod Security Admission allows no host port at all).
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
//!       ports:
//!         - containerPort: 8080
//!           hostPort: 80
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       ports:
//!         - containerPort: 8080   # and a Service (ClusterIP, NodePort or LoadBalancer) in front
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: Host Ports
//! - CIS Kubernetes Benchmark 5.2.12: Minimize the admission of containers which use HostPorts
//! - NSA/CISA Kubernetes Hardening Guide: Pod security; Network separation and hardening
//! - Kubernetes documentation: concepts/configuration/overview/#services

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "host-port",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:host-ports",
            "cis-k8s:5.2.12",
            "nsa-cisa:pod-security",
            "k8s-docs:concepts/configuration/overview/#services",
        ],
        summary: "Container binds a port of the node (hostPort)",
        fix: "Remove `hostPort` and put a Service (ClusterIP, NodePort or LoadBalancer) or an Ingress in front of the pod.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in pod.containers() {
        let ports = container.node.get("ports").map(Node::items).unwrap_or(&[]);
        for (index, port) in ports.iter().enumerate() {
            let Some(host_port) = field(Some(port), "hostPort") else {
                continue;
            };
            if host_port.as_i64() == Some(0) {
                continue;
            }
            let container_port = field(Some(port), "containerPort")
                .map(|p| format!(" for container port {}", p.display_value()))
                .unwrap_or_default();
            out.report(
                &container.path.key("ports").index(index).key("hostPort"),
                format_args!(
                    "{} binds host port {}{container_port} on the node, which the Baseline control \"Host Ports\" forbids",
                    container.describe(),
                    host_port.display_value()
                ),
            );
        }
    }
}
