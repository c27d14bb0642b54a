//! ## What it does
//!
//! Finds long-running containers without a `readinessProbe`: regular containers, and sidecar
//! init containers (`restartPolicy: Always`). Ordinary init containers and ephemeral containers
//! are skipped (they run once), and so are pods that run to completion: Jobs, CronJobs, and any
//! pod with `restartPolicy: Never` or `OnFailure`.
//!
//! ## Why is this bad?
//!
//! Without a readiness probe a container counts as ready as soon as it has started. Services
//! send it traffic before it can serve (while it loads, migrates or warms caches) and keep
//! sending it traffic when it is overloaded or has lost a dependency, so users see errors.
//! Rolling updates count a new pod as available at once and carry on replacing healthy pods
//! with broken ones. An end user's burst of load then turns into an outage instead of being
//! shed onto the pods that can take it.
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
//!           readinessProbe:
//!             httpGet:
//!               path: /ready
//!               port: 8080
//!             periodSeconds: 5
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
        name: "missing-readiness-probe",
        severity: Severity::Info,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "k8s-docs:tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
            "cis-docker:4.6",
        ],
        summary: "Long-running container has no readiness probe",
        fix: "Add a `readinessProbe` that succeeds only when the container can serve requests.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    for container in long_running(context) {
        if container.has("readinessProbe") {
            continue;
        }
        out.report(
            &container.container.path.key("readinessProbe"),
            format_args!(
                "{} has no readinessProbe: it gets Service traffic and counts as available in rollouts as soon as it starts, before it can serve",
                container.describe()
            ),
        );
    }
}
