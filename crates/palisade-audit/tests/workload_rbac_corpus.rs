//! The workload, RBAC and change rules against the labelled events of the shared corpus:
//! Falco's k8saudit test suite and Panther's Kubernetes detections. Each peer rule of that
//! scope maps to one palisade rule; where palisade decides differently on purpose, the case is
//! listed with the reason, and the test fails if the difference goes away (so the list stays
//! true) or if any other case disagrees.
//!
//! The corpus lives outside the repository (`PALISADE_CORPUS` overrides where); without it
//! these tests say so and pass.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use palisade_audit::config::AuditRuleSetting;
use palisade_audit::{AuditConfig, Detector, EventReader, Limits};
use palisade_model::{Alert, Severity};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let corpus = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let path = corpus.join("audit-logs");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: the shared corpus's audit logs are absent (looked for {}); set PALISADE_CORPUS to run these tests",
            path.display()
        );
        None
    }
}

/// Falco rule → the palisade rule that covers it.
const FALCO: &[(&str, &str)] = &[
    ("Create Privileged Pod", "privileged-pod-created"),
    ("Create Sensitive Mount Pod", "host-path-pod-created"),
    ("Create HostNetwork Pod", "host-namespace-pod-created"),
    ("Create NodePort Service", "node-port-service-created"),
    (
        "Create/Modify Configmap With Private Credentials",
        "configmap-with-credentials",
    ),
    ("Attach/Exec Pod", "exec-into-pod"),
    ("Create Disallowed Namespace", "object-changed"),
    (
        "Pod Created in Kube Namespace",
        "workload-created-in-system-namespace",
    ),
    (
        "Service Account Created in Kube Namespace",
        "service-account-created-in-system-namespace",
    ),
    (
        "System ClusterRole Modified/Deleted",
        "system-role-modified",
    ),
    ("Attach to cluster-admin Role", "cluster-admin-granted"),
    ("ClusterRole With Wildcard Created", "wildcard-role-created"),
    (
        "ClusterRole With Write Privileges Created",
        "object-changed",
    ),
    ("ClusterRole With Pod Exec Created", "risky-role-created"),
    ("K8s Deployment Created", "object-changed"),
    ("K8s Deployment Deleted", "object-changed"),
    ("K8s Service Created", "object-changed"),
    ("K8s Service Deleted", "object-changed"),
    ("K8s ConfigMap Created", "object-changed"),
    ("K8s ConfigMap Deleted", "object-changed"),
    ("K8s Namespace Created", "object-changed"),
    ("K8s Namespace Deleted", "object-changed"),
    ("K8s Serviceaccount Created", "object-changed"),
    ("K8s Serviceaccount Deleted", "object-changed"),
    ("K8s Role/Clusterrole Created", "object-changed"),
    ("K8s Role/Clusterrole Deleted", "object-changed"),
    ("K8s Role/Clusterrolebinding Created", "object-changed"),
    ("K8s Role/Clusterrolebinding Deleted", "object-changed"),
    ("K8s Secret Created", "object-changed"),
    ("K8s Secret Deleted", "object-changed"),
];

/// Panther RuleID → the palisade rule that covers it.
const PANTHER: &[(&str, &str)] = &[
    (
        "Kubernetes.AdmissionController.Created",
        "admission-webhook-changed",
    ),
    (
        "Kubernetes.ClusterRoleBinding.Privileged",
        "cluster-admin-granted",
    ),
    (
        "Kubernetes.CronJob.CreatedOrModified",
        "persistent-workload-created",
    ),
    (
        "Kubernetes.DaemonSet.Created",
        "persistent-workload-created",
    ),
    ("Kubernetes.Pod.Exec", "exec-into-pod"),
    ("Kubernetes.Kubectl.CP.Operation", "exec-into-pod"),
    ("Kubernetes.Pod.StealServiceAccountToken", "exec-into-pod"),
    ("Kubernetes.Ingress.NoTLS", "ingress-without-tls-created"),
    (
        "Kubernetes.Pod.SystemNamespace",
        "workload-created-in-system-namespace",
    ),
    (
        "Kubernetes.Pod.Dangerous.Capabilities",
        "privileged-pod-created",
    ),
    (
        "Kubernetes.Pod.Privileged.Created",
        "privileged-pod-created",
    ),
    ("Kubernetes.Pod.Host.IPC", "host-namespace-pod-created"),
    ("Kubernetes.Pod.Host.Network", "host-namespace-pod-created"),
    ("Kubernetes.Pod.Host.PID", "host-namespace-pod-created"),
    ("Kubernetes.Pod.HostPath.Volume", "host-path-pod-created"),
    ("Kubernetes.Role.NodeProxyPermissions", "risky-role-created"),
    ("Kubernetes.Role.PodExec", "risky-role-created"),
    ("Kubernetes.Role.WritePermissions", "risky-role-created"),
    ("Kubernetes.Role.Wildcard", "wildcard-role-created"),
    (
        "Kubernetes.Service.NodePort.Deployed",
        "node-port-service-created",
    ),
    ("Kubernetes.SystemRole.Modified", "system-role-modified"),
];

/// Falco cases palisade decides differently on purpose: (event file, palisade rule, why).
const FALCO_DIFFERENCES: &[(&str, &str, &str)] = &[
    (
        "create_pod_kube_system_namespace.json",
        "workload-created-in-system-namespace",
        "the pod was made by the ReplicaSet controller (control plane) for a workload created earlier: palisade reports the workload a person created, once, not each pod",
    ),
    (
        "create_pod_kube_public_namespace.json",
        "workload-created-in-system-namespace",
        "as above: made by the ReplicaSet controller",
    ),
];

/// Panther cases palisade decides differently on purpose: (file, line, why).
const PANTHER_DIFFERENCES: &[(&str, usize, &str)] = &[
    (
        "Kubernetes.Pod.Privileged.Created.jsonl",
        2,
        "runAsNonRoot: false is root inside the container, not on the node: the Restricted profile's concern (palisade scan: missing-run-as-non-root), not a privileged pod",
    ),
    (
        "Kubernetes.Pod.Privileged.Created.jsonl",
        3,
        "runAsUser: 0 likewise (palisade scan: run-as-root-user)",
    ),
];

/// Every rule of this scope, with the change log turned on.
fn config(change_log: bool) -> AuditConfig {
    let mut config = AuditConfig::default();
    config.rules.insert(
        "object-changed".to_string(),
        AuditRuleSetting {
            enabled: Some(change_log),
            severity: None,
        },
    );
    config
}

fn scope() -> Vec<&'static str> {
    let mut rules: Vec<&str> = FALCO.iter().chain(PANTHER).map(|(_, rule)| *rule).collect();
    rules.sort();
    rules.dedup();
    rules
}

/// The alerts of every event of a file, judged in one stream.
fn judge_file(path: &Path, config: AuditConfig) -> Vec<Alert> {
    let mut detector = Detector::new(config);
    let mut alerts = Vec::new();
    for record in EventReader::open(path, Limits::default()).flatten() {
        detector
            .observe(&record, &mut alerts)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    alerts
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn falco_cases_of_the_workload_rbac_and_change_rules() {
    let Some(root) = corpus() else { return };
    let folder = root.join("falco-k8s-audit");
    let expected = read_json(&folder.join("expected.json"));
    let falco: BTreeMap<&str, &str> = FALCO.iter().copied().collect();
    let scope = scope();
    let mut disagreements = Vec::new();
    let mut differences_seen = Vec::new();
    let mut compared = 0;
    for test in expected["tests"].as_array().into_iter().flatten() {
        let files: Vec<&str> = test["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        // Tests that add allow-lists or older rule sets to Falco's defaults have no palisade
        // counterpart but the configuration's exemptions; the activity switch does.
        let change_log = !files.iter().any(|f| f.starts_with("disallow_kactivity"));
        let extra = files.iter().any(|f| {
            !f.starts_with("falco default syscall rules")
                && !f.starts_with("k8saudit plugin default rules")
                && !f.starts_with("disallow_kactivity")
        });
        let event_file = test["event_file"].as_str().unwrap_or("");
        if extra || test["stderr_contains"].is_string() {
            continue;
        }
        let counts: BTreeMap<&str, u64> = test["detect_counts"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(rule, count)| (rule.as_str(), count.as_u64().unwrap_or(0)))
            .collect();
        // A case of this scope: one of its expected rules maps here, or it expects nothing.
        if !counts.is_empty() && !counts.keys().any(|rule| falco.contains_key(rule)) {
            continue;
        }
        let alerts = judge_file(&folder.join(event_file), config(change_log));
        let mut got: BTreeMap<String, u64> = BTreeMap::new();
        for alert in alerts.iter().filter(|a| scope.contains(&a.rule.as_ref())) {
            *got.entry(alert.rule.to_string()).or_default() += 1;
        }
        let mut want: BTreeMap<String, u64> = BTreeMap::new();
        for (rule, count) in &counts {
            if let Some(ours) = falco.get(rule) {
                *want.entry(ours.to_string()).or_default() += count;
            }
        }
        compared += 1;
        // Falco's counts name the rule a test is about (other rules may fire too); a test
        // that expects no alert expects none of this scope's.
        let detect = test["detect"].as_bool() == Some(true);
        let rules: Vec<&String> = if detect {
            want.keys().collect()
        } else {
            got.keys().collect()
        };
        for rule in rules {
            let (w, g) = (want.get(rule).copied(), got.get(rule).copied());
            if w == g {
                continue;
            }
            let known = FALCO_DIFFERENCES
                .iter()
                .any(|(file, ours, _)| *file == event_file && ours == rule);
            if known {
                differences_seen.push((event_file.to_string(), rule.clone()));
            } else {
                disagreements.push(format!(
                    "{event_file} ({}): {rule} expected {w:?}, got {g:?}: {:?}",
                    test["test"],
                    alerts.iter().map(|a| &a.message).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "disagreements:\n{}",
        disagreements.join("\n")
    );
    for (file, rule, _) in FALCO_DIFFERENCES {
        assert!(
            differences_seen.contains(&(file.to_string(), rule.to_string())),
            "{file}: {rule} now agrees with Falco; remove it from FALCO_DIFFERENCES"
        );
    }
    assert!(compared >= 40, "only {compared} Falco cases compared");
}

#[test]
fn panther_cases_of_the_workload_rbac_and_change_rules() {
    let Some(root) = corpus() else { return };
    let folder = root.join("panther-k8s-rules");
    let expected = read_json(&folder.join("expected.json"));
    let panther: BTreeMap<&str, &str> = PANTHER.iter().copied().collect();
    let mut disagreements = Vec::new();
    let mut compared = 0;
    for case in expected["events"].as_array().into_iter().flatten() {
        let Some(ours) = case["rule_id"].as_str().and_then(|id| panther.get(id)) else {
            continue;
        };
        let file = case["file"].as_str().unwrap_or("");
        let line = case["line"].as_u64().unwrap_or(0) as usize;
        let want = case["expected_alert"].as_bool() == Some(true);
        // Panther's events are independent unit tests (some share an auditID): one detector
        // each.
        let text = std::fs::read_to_string(folder.join(file)).unwrap_or_default();
        let Some(event) = text.lines().nth(line.saturating_sub(1)) else {
            panic!("{file}:{line} is missing");
        };
        let scratch = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(scratch.path(), event).unwrap_or_else(|e| panic!("{e}"));
        let alerts = judge_file(scratch.path(), config(false));
        let own: Vec<&Alert> = alerts.iter().filter(|a| a.rule == *ours).collect();
        let got = !own.is_empty();
        compared += 1;
        let known = PANTHER_DIFFERENCES
            .iter()
            .any(|(f, l, _)| *f == file && *l == line);
        if got != want && !known {
            disagreements.push(format!(
                "{file}:{line} ({}): {ours} expected {want}, got {:?}",
                case["test_name"],
                alerts
                    .iter()
                    .map(|a| (&a.rule, &a.message))
                    .collect::<Vec<_>>()
            ));
        }
        if known {
            assert_ne!(
                got, want,
                "{file}:{line} now agrees: remove it from PANTHER_DIFFERENCES"
            );
        }
        // Credential theft and kubectl cp are raised above an ordinary exec.
        if want
            && matches!(
                case["rule_id"].as_str(),
                Some("Kubernetes.Kubectl.CP.Operation" | "Kubernetes.Pod.StealServiceAccountToken")
            )
        {
            assert!(
                own.iter().all(|a| a.severity == Severity::High),
                "{file}:{line}: {own:?}"
            );
        }
    }
    assert!(
        disagreements.is_empty(),
        "disagreements:\n{}",
        disagreements.join("\n")
    );
    assert!(compared >= 25, "only {compared} Panther cases compared");
}
