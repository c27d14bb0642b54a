//! ## What it does
//!
//! Finds container ports (`ports[].containerPort`) from 1 to 1023, the privileged ports, in
//! containers, init containers and ephemeral containers, whatever their protocol.
//!
//! A port is not reported when the pod lowers the bound with the namespaced sysctl
//! `net.ipv4.ip_unprivileged_port_start` (in `securityContext.sysctls`) to the port or below:
//! then any user may bind it. Host ports are `host-port`'s job.
//!
//! ## Why is this bad?
//!
//! On Linux only root, or a process with the `NET_BIND_SERVICE` capability, may bind a port
//! below 1024 (unless the runtime lowers `net.ipv4.ip_unprivileged_port_start` in the pod's
//! network namespace, as some container runtimes do). A container that listens on one is
//! therefore usually run as root or given an extra capability just for that, and whoever
//! compromises it (an end user through the application) gets those privileges too. Nothing
//! requires a low port inside a pod: a Service maps any `port` to any `targetPort`, so the
//! application can listen on 8080 and still be reached on 80. The finding is informational:
//! the port number alone grants nothing, but it points at a container that probably runs with
//! more privilege than it needs.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: web
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: web
//!           image: nginx:1.27
//!           ports:
//!             - containerPort: 80
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       containers:
//!         - name: web
//!           image: nginxinc/nginx-unprivileged:1.27   # listens on 8080
//!           ports:
//!             - containerPort: 8080
//! ---
//! apiVersion: v1
//! kind: Service
//! metadata:
//!   name: web
//! spec:
//!   selector: {app: web}
//!   ports:
//!     - port: 80
//!       targetPort: 8080
//! ```
//!
//! ## References
//!
//! - CIS Docker Benchmark v1.6.0 5.8 (5.7 in v1.2.0): Ensure privileged ports are not mapped within containers
//! - NSA/CISA Kubernetes Hardening Guide: Pod security, "Non-root containers and rootless container engines"
//! - Kubernetes documentation: tasks/administer-cluster/sysctl-cluster/ (`net.ipv4.ip_unprivileged_port_start` is a safe sysctl)

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::pod::PodView;
use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::pod_field;
use crate::workload::ports::declared_ports;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "privileged-port",
        severity: Severity::Info,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "cis-docker:5.8",
            "nsa-cisa:pod-security",
            "k8s-docs:tasks/administer-cluster/sysctl-cluster/",
        ],
        summary: "Container listens on a privileged port (below 1024)",
        fix: "Make the application listen on a port from 1024 up and let the Service map the public port to it (`port: 80`, `targetPort: 8080`).",
    },
    check: Check::Object(check),
};

/// The first port an unprivileged process may bind, by default.
const FIRST_UNPRIVILEGED: i64 = 1024;

const SYSCTL: &str = "net.ipv4.ip_unprivileged_port_start";

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    let first_unprivileged = unprivileged_port_start(pod).unwrap_or(FIRST_UNPRIVILEGED);
    for port in declared_ports(pod) {
        if !(1..FIRST_UNPRIVILEGED).contains(&port.number) || port.number >= first_unprivileged {
            continue;
        }
        out.report(
            &port.path(),
            format_args!(
                "{} listens on port {}, below 1024: binding it takes root or the NET_BIND_SERVICE capability",
                port.container.describe(),
                port.describe()
            ),
        );
    }
}

/// The value the pod gives `net.ipv4.ip_unprivileged_port_start` (also written with slashes),
/// when it is a number.
fn unprivileged_port_start(pod: &PodView) -> Option<i64> {
    pod_field(pod, &["sysctls"])
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter(|sysctl| {
            sysctl
                .get("name")
                .and_then(Node::as_str)
                .is_some_and(|name| name.replace('/', ".") == SYSCTL)
        })
        .filter_map(|sysctl| {
            let value = sysctl.get("value")?;
            value
                .as_str()
                .and_then(|text| text.trim().parse::<i64>().ok())
                .or_else(|| value.as_i64())
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{findings, paths};

    fn pod(spec: &str) -> String {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n{spec}\n")
    }

    #[test]
    fn ports_below_1024_of_every_container() {
        let yaml = pod(
            "  initContainers: [{name: i, ports: [{containerPort: 53, protocol: UDP}]}]
  containers:
    - name: a
      ports:
        - containerPort: 80
        - containerPort: 8080
        - containerPort: 1023
        - containerPort: 1024
        - containerPort: 0
        - containerPort: '80'
        - {name: no-number}
        - null
    - {name: b, ports: 443}",
        );
        assert_eq!(
            paths(&RULE, &yaml),
            vec![
                "/spec/initContainers/0/ports/0/containerPort",
                "/spec/containers/0/ports/0/containerPort",
                "/spec/containers/0/ports/2/containerPort",
            ]
        );
        let messages: Vec<String> = findings(&RULE, &yaml)
            .into_iter()
            .map(|f| f.message.to_string())
            .collect();
        assert!(messages[0].contains("port 53/UDP"), "{messages:?}");
    }

    #[test]
    fn the_pod_may_lower_the_privileged_range() {
        let ports = "  containers: [{name: a, ports: [{containerPort: 80}, {containerPort: 22}]}]";
        let with = |sysctls: &str| {
            pod(&format!(
                "  securityContext: {{sysctls: {sysctls}}}\n{ports}"
            ))
        };
        assert!(
            paths(
                &RULE,
                &with("[{name: net.ipv4.ip_unprivileged_port_start, value: '0'}]")
            )
            .is_empty()
        );
        assert!(
            paths(
                &RULE,
                &with("[{name: net/ipv4/ip_unprivileged_port_start, value: '22'}]")
            )
            .is_empty()
        );
        assert_eq!(
            paths(
                &RULE,
                &with("[{name: net.ipv4.ip_unprivileged_port_start, value: '80'}]")
            ),
            vec!["/spec/containers/0/ports/1/containerPort"]
        );
        assert_eq!(
            paths(
                &RULE,
                &with("[{name: net.ipv4.ip_unprivileged_port_start, value: lots}]")
            )
            .len(),
            2
        );
        assert_eq!(
            paths(&RULE, &with("[{name: kernel.shm_rmid_forced, value: '0'}]")).len(),
            2
        );
        assert_eq!(paths(&RULE, &with("'garbage'")).len(), 2);
    }
}
