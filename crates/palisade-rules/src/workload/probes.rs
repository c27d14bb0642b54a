//! What the two probe rules share (this module is not a rule): which containers run long
//! enough to need probes, and whether one of them has a given probe.

use std::borrow::Cow;

use crate::pod::{ContainerKind, ContainerView};
use crate::rule::ObjectContext;
use crate::workload::common::field;

/// A container that is meant to keep running.
pub(crate) struct LongRunning<'a> {
    pub container: &'a ContainerView<'a>,
    /// An init container with `restartPolicy: Always` (a sidecar, Kubernetes 1.28+).
    pub sidecar: bool,
}

impl LongRunning<'_> {
    /// `container "web"`, `sidecar container "proxy" (init container with restartPolicy: Always)`.
    pub(crate) fn describe(&self) -> Cow<'_, str> {
        if self.sidecar {
            Cow::Owned(format!(
                "sidecar container {:?} (init container with restartPolicy: Always)",
                self.container.name
            ))
        } else {
            Cow::Borrowed(self.container.describe())
        }
    }

    /// Whether the container has `probe` (`livenessProbe`, `readinessProbe`) with something in
    /// it; `null` and `{}` (which the API server rejects for want of a handler) count as none.
    pub(crate) fn has(&self, probe: &str) -> bool {
        field(Some(self.container.node), probe).is_some_and(|node| !node.is_empty())
    }
}

/// The long-running containers of the object's pod: regular containers and sidecar init
/// containers. Nothing for pods that run to completion: Jobs, CronJobs, and any pod whose
/// `restartPolicy` is `Never` or `OnFailure`; a failed probe there only kills the run, and
/// nothing routes traffic to it.
pub(crate) fn long_running<'a>(context: &'a ObjectContext<'a>) -> Vec<LongRunning<'a>> {
    let Some(pod) = &context.pod else {
        return Vec::new();
    };
    let object = context.object;
    if matches!(object.kind.as_str(), "Job" | "CronJob") && object.group() == "batch" {
        return Vec::new();
    }
    let restart_policy = field(Some(pod.spec), "restartPolicy").and_then(|node| node.as_str());
    if matches!(restart_policy, Some("Never" | "OnFailure")) {
        return Vec::new();
    }
    pod.containers()
        .filter_map(|container| {
            let sidecar = match container.kind {
                ContainerKind::Regular => false,
                ContainerKind::Init => {
                    field(Some(container.node), "restartPolicy").and_then(|node| node.as_str())
                        == Some("Always")
                }
                ContainerKind::Ephemeral => return None,
            };
            (container.kind == ContainerKind::Regular || sidecar)
                .then_some(LongRunning { container, sidecar })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::testing::paths;
    use crate::workload::{missing_liveness_probe, missing_readiness_probe};

    fn both(yaml: &str) -> (Vec<String>, Vec<String>) {
        (
            paths(&missing_liveness_probe::RULE, yaml),
            paths(&missing_readiness_probe::RULE, yaml),
        )
    }

    fn pod(spec: &str) -> String {
        format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {spec}\n")
    }

    #[test]
    fn regular_and_sidecar_containers_only() {
        let yaml = pod("
  initContainers:
    - {name: setup, image: x}
    - {name: proxy, image: x, restartPolicy: Always}
    - {name: odd, image: x, restartPolicy: 7}
  containers:
    - {name: web, image: x}
  ephemeralContainers:
    - {name: debug, image: x}");
        let (liveness, readiness) = both(&yaml);
        assert_eq!(
            liveness,
            vec![
                "/spec/initContainers/1/livenessProbe",
                "/spec/containers/0/livenessProbe"
            ]
        );
        assert_eq!(
            readiness,
            vec![
                "/spec/initContainers/1/readinessProbe",
                "/spec/containers/0/readinessProbe"
            ]
        );
    }

    #[test]
    fn run_to_completion_pods_are_skipped() {
        let containers = "containers: [{name: c, image: x}]";
        for policy in ["Never", "OnFailure"] {
            let yaml = pod(&format!("{{restartPolicy: {policy}, {containers}}}"));
            assert_eq!(both(&yaml), (vec![], vec![]), "{policy}");
        }
        for policy in ["Always", "null", "7", "never"] {
            let yaml = pod(&format!("{{restartPolicy: {policy}, {containers}}}"));
            assert_eq!(both(&yaml).0.len(), 1, "{policy}");
        }
        let job = format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: j}}\nspec: {{template: {{spec: {{{containers}}}}}}}\n"
        );
        assert_eq!(both(&job), (vec![], vec![]));
        let cron = format!(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: j}}\nspec: {{jobTemplate: {{spec: {{template: {{spec: {{{containers}}}}}}}}}}}\n"
        );
        assert_eq!(both(&cron), (vec![], vec![]));
    }

    #[test]
    fn empty_probes_are_missing() {
        let yaml = pod("
  containers:
    - {name: a, image: x, livenessProbe: {}, readinessProbe: null}
    - {name: b, image: x, livenessProbe: {tcpSocket: {port: 80}}, readinessProbe: {exec: {command: [true]}}}");
        let (liveness, readiness) = both(&yaml);
        assert_eq!(liveness, vec!["/spec/containers/0/livenessProbe"]);
        assert_eq!(readiness, vec!["/spec/containers/0/readinessProbe"]);
    }
}
