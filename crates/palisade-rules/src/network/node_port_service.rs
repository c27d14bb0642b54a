//! ## What it does
//!
//! Finds Services of `type: NodePort`.
//!
//! Services of `type: LoadBalancer` also get node ports (unless
//! `allocateLoadBalancerNodePorts: false`); they are reported by `load-balancer-service`, not
//! here.
//!
//! ## Why is this bad?
//!
//! A NodePort Service opens its port (30000-32767 by default) on every node of the cluster, on
//! every address of the node, whichever node the pods run on. Whoever can reach any node (an end
//! user on the same network, the internet when the nodes have public addresses) reaches the
//! workload directly, around the Ingress controller, its TLS, its authentication and its logs.
//! NodePorts are easy to forget in firewall rules, and every node added to the cluster opens
//! them again.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Service
//! metadata:
//!   name: web
//! spec:
//!   type: NodePort
//!   selector:
//!     app: web
//!   ports:
//!     - port: 80
//!       targetPort: 8080
//!       nodePort: 30080
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   type: ClusterIP   # and an Ingress (with TLS) in front, or a LoadBalancer with source ranges
//!   selector:
//!     app: web
//!   ports:
//!     - port: 80
//!       targetPort: 8080
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/services-networking/service/#type-nodeport
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - MITRE ATT&CK T1190 Exploit Public-Facing Application

use palisade_model::{Layer, Node, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::common::{is_service, service_ports};
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "node-port-service",
        severity: Severity::Medium,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "k8s-docs:concepts/services-networking/service/#type-nodeport",
            "nsa-cisa:network-separation",
            "mitre:T1190",
        ],
        summary: "Service of type NodePort opens its port on every node",
        fix: "Use `type: ClusterIP` behind an Ingress, or a LoadBalancer restricted with `loadBalancerSourceRanges`; if a NodePort is really needed, firewall the node port range.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if !is_service(object) {
        return;
    }
    let Some(spec) = object.root.get("spec") else {
        return;
    };
    if spec.get("type").and_then(Node::as_str) != Some("NodePort") {
        return;
    }
    let ports = service_ports(spec, true);
    let which = if ports.is_empty() {
        String::new()
    } else {
        format!(" ({ports})")
    };
    out.report(
        &Pointer::root().keys(&["spec", "type"]),
        format_args!(
            "Service of type NodePort opens its ports on every address of every node{which}, around the Ingress and its TLS"
        ),
    );
}
