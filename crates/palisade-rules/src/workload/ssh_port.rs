//! ## What it does
//!
//! Finds containers (init, regular, ephemeral) that declare container port 22 over TCP (the
//! protocol Kubernetes assumes when none is written), the SSH port.
//!
//! Only the declared `containerPort` is read: an SSH server on another port, or one that is not
//! declared, cannot be seen in a manifest.
//!
//! ## Why is this bad?
//!
//! Port 22 means an SSH server runs in the container. It is a second way in, beside the
//! application, that `kubectl exec` RBAC, the API server's audit log and admission control do
//! not see: whoever has a valid key or password, or guesses a weak one, gets a shell in the
//! pod with its service account token and network position. Keys and passwords baked into
//! images or mounted for it are one more credential to steal, and an SSH daemon usually needs
//! root. Containers are debugged with `kubectl exec` or `kubectl debug` instead, which are
//! authorised per user and audited.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: app
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: app
//!           image: example/app:1.0
//!           ports:
//!             - containerPort: 8080
//!             - containerPort: 22
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       containers:
//!         - name: app
//!           image: example/app:1.0   # without sshd; debug with kubectl exec / kubectl debug
//!           ports:
//!             - containerPort: 8080
//! ```
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 5.7 (5.6 in v1.2.0): Ensure sshd is not run within containers
//! - Microsoft Threat Matrix for Kubernetes MS-TA9010 SSH server running inside container
//! - MITRE ATT&CK T1021.004 Remote Services: SSH
//! - Kubernetes documentation: tasks/debug/debug-application/debug-running-pod/

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::ports::declared_ports;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "ssh-port",
        severity: Severity::Low,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "cis-docker:5.7",
            "ms-threat:MS-TA9010",
            "mitre:T1021.004",
            "k8s-docs:tasks/debug/debug-application/debug-running-pod/",
        ],
        summary: "Container exposes the SSH port (22/TCP)",
        fix: "Remove the SSH server from the image and the port 22 entry; use `kubectl exec` or `kubectl debug`, which RBAC controls and the audit log records.",
    },
    check: Check::Object(check),
};

const SSH: i64 = 22;

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for port in declared_ports(pod) {
        if port.number != SSH || !matches!(port.protocol, None | Some("TCP")) {
            continue;
        }
        out.report(
            &port.path(),
            format_args!(
                "{} exposes port {}, the SSH port: an SSH server in a container is a way in that RBAC and the audit log do not see",
                port.container.describe(),
                port.describe()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::paths;

    #[test]
    fn port_22_over_tcp_only() {
        let yaml = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      initContainers: [{name: i, ports: [{containerPort: 22}]}]
      containers:
        - name: a
          ports:
            - {containerPort: 22, protocol: TCP}
            - {containerPort: 22, protocol: UDP}
            - {containerPort: 2222, name: ssh}
            - {containerPort: 8022}
            - {containerPort: '22'}
            - {containerPort: 22, protocol: null}
";
        assert_eq!(
            paths(&RULE, yaml),
            vec![
                "/spec/template/spec/initContainers/0/ports/0/containerPort",
                "/spec/template/spec/containers/0/ports/0/containerPort",
                "/spec/template/spec/containers/0/ports/5/containerPort",
            ]
        );
    }
}
