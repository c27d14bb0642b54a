//! ## What it does
//!
//! Finds long-running containers without a `livenessProbe`: regular containers, and sidecar
//! init containers (`restartPolicy: Always`). Ordinary init containers and ephemeral containers
//! are skipped (they run once), and so are pods that run to completion: Jobs, CronJobs, and any
//! pod with `restartPolicy: Never` or `OnFailure`.
//!
//! ## Why is this bad?
//!
//! Without a liveness probe the kubelet restarts a container only when its main process
//! exits. A process that deadlocks, exhausts a thread pool or hangs on a dependency keeps
//! running and keeps failing requests until a person notices. An end user who finds a request
//! that wedges the application (a slow-loris connection, a pathological input) can take it down
//! for good instead of for one restart. A liveness probe lets Kubernetes heal such failures on
//! its own.
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
//!           image: example/web:1.4
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!       containers:
//!         - name: web
//!           image: example/web:1.4
//!           livenessProbe:
//!             httpGet:
//!               path: /healthz
//!               port: 8080
//!             periodSeconds: 10
//!             failureThreshold: 3
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
//! - CIS Docker Benchmark v1.6.0 4.6: Ensure that HEALTHCHECK instructions have been added to container images (the kubelet ignores HEALTHCHECK; probes are the Kubernetes equivalent)

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::probes::long_running;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "missing-liveness-probe",
        severity: Severity::Info,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "k8s-docs:tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
            "cis-docker:4.6",
        ],
        summary: "Long-running container has no liveness probe",
        fix: "Add a `livenessProbe` (httpGet, tcpSocket, grpc or exec) that fails when the container is stuck.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for container in long_running(context) {
        if container.has("livenessProbe") {
            continue;
        }
        out.report(
            &container.container.path.key("livenessProbe"),
            format_args!(
                "{} has no livenessProbe: if it hangs without exiting, the kubelet never restarts it",
                container.describe()
            ),
        );
    }
}
