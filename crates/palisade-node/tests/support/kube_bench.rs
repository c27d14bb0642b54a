//! kube-bench's expected results for a default kind v1.21 cluster (`node-configs/kube-bench`,
//! benchmark cis-1.20) against palisade's verdicts on the node a default kubeadm v1.21
//! configuration builds. cis-1.20 numbers its checks differently from cis-1.12, which palisade
//! checks: [`CIS_1_20_TO_1_12`] maps every cis-1.20 id by title.

use std::collections::BTreeMap;
use std::path::Path;

use palisade_model::Node;
use palisade_node::kubeadm::read_kubeadm_config;
use palisade_node::{CheckResult, Status};
use serde::Deserialize;

use super::{Agreement, by_id, describe, evaluate_caught, parse, read_corpus_file, status_name};

pub const SOURCE: &str = "kube-bench";

/// A kubeadm configuration with nothing but the version kind v0.11.1 (kindest/node:v1.21.1)
/// deploys: every flag and file is kubeadm's default. kind adds settings of its own (disk
/// eviction thresholds, the host-path provisioner) that no check in sections 1 to 4 reads.
/// kind v0.11.1 wrote kubeadm API v1beta2; v1beta3 has the same fields for this content and
/// is the oldest version palisade reads.
pub const KUBEADM_V1_21_CONFIG: &str = "\
apiVersion: kubeadm.k8s.io/v1beta3
kind: InitConfiguration
---
apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
kubernetesVersion: v1.21.1
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
";

/// Every cis-1.20 check id, the cis-1.12 check with the same subject (`None`: cis-1.12 has
/// none), and what changed between the two titles.
pub const CIS_1_20_TO_1_12: &[(&str, Option<&str>, &str)] = &[
    ("1.1.1", Some("1.1.1"), "mode 644 became 600"),
    ("1.1.2", Some("1.1.2"), "same title"),
    ("1.1.3", Some("1.1.3"), "mode 644 became 600"),
    ("1.1.4", Some("1.1.4"), "same title"),
    ("1.1.5", Some("1.1.5"), "mode 644 became 600"),
    ("1.1.6", Some("1.1.6"), "same title"),
    ("1.1.7", Some("1.1.7"), "mode 644 became 600"),
    ("1.1.8", Some("1.1.8"), "same title"),
    ("1.1.9", Some("1.1.9"), "mode 644 became 600"),
    ("1.1.10", Some("1.1.10"), "same title"),
    ("1.1.11", Some("1.1.11"), "same title"),
    ("1.1.12", Some("1.1.12"), "same title"),
    (
        "1.1.13",
        Some("1.1.13"),
        "admin.conf became the default administrative credential files (also super-admin.conf), mode 644 became 600",
    ),
    (
        "1.1.14",
        Some("1.1.14"),
        "admin.conf became the default administrative credential files (also super-admin.conf)",
    ),
    ("1.1.15", Some("1.1.15"), "mode 644 became 600"),
    ("1.1.16", Some("1.1.16"), "same title"),
    ("1.1.17", Some("1.1.17"), "mode 644 became 600"),
    ("1.1.18", Some("1.1.18"), "same title"),
    ("1.1.19", Some("1.1.19"), "same title"),
    ("1.1.20", Some("1.1.20"), "same title"),
    ("1.1.21", Some("1.1.21"), "same title"),
    ("1.2.1", Some("1.2.1"), "same title"),
    ("1.2.2", Some("1.2.2"), "same title"),
    (
        "1.2.3",
        None,
        "--kubelet-https is not in cis-1.12; cis-1.12 1.2.3 is DenyServiceExternalIPs",
    ),
    ("1.2.4", Some("1.2.4"), "same title"),
    ("1.2.5", Some("1.2.5"), "same title"),
    ("1.2.6", Some("1.2.6"), "same title"),
    ("1.2.7", Some("1.2.7"), "same title"),
    ("1.2.8", Some("1.2.8"), "same title"),
    ("1.2.9", Some("1.2.9"), "same title"),
    ("1.2.10", Some("1.2.10"), "same title"),
    ("1.2.11", Some("1.2.11"), "same title"),
    (
        "1.2.12",
        None,
        "SecurityContextDeny left the benchmark in cis-1.9",
    ),
    ("1.2.13", Some("1.2.12"), "ServiceAccount admission plugin"),
    (
        "1.2.14",
        Some("1.2.13"),
        "NamespaceLifecycle admission plugin",
    ),
    (
        "1.2.15",
        None,
        "PodSecurityPolicy (removed from Kubernetes in 1.25) is not in cis-1.12",
    ),
    ("1.2.16", Some("1.2.14"), "NodeRestriction admission plugin"),
    ("1.2.17", None, "--insecure-bind-address is not in cis-1.12"),
    ("1.2.18", None, "--insecure-port is not in cis-1.12"),
    (
        "1.2.19",
        None,
        "--secure-port not set to 0 is not in cis-1.12",
    ),
    ("1.2.20", Some("1.2.15"), "--profiling"),
    ("1.2.21", Some("1.2.16"), "--audit-log-path"),
    ("1.2.22", Some("1.2.17"), "--audit-log-maxage"),
    ("1.2.23", Some("1.2.18"), "--audit-log-maxbackup"),
    ("1.2.24", Some("1.2.19"), "--audit-log-maxsize"),
    ("1.2.25", Some("1.2.20"), "--request-timeout"),
    ("1.2.26", Some("1.2.21"), "--service-account-lookup"),
    ("1.2.27", Some("1.2.22"), "--service-account-key-file"),
    (
        "1.2.28",
        Some("1.2.23"),
        "--etcd-certfile and --etcd-keyfile",
    ),
    (
        "1.2.29",
        Some("1.2.24"),
        "--tls-cert-file and --tls-private-key-file",
    ),
    ("1.2.30", Some("1.2.25"), "--client-ca-file"),
    ("1.2.31", Some("1.2.26"), "--etcd-cafile"),
    ("1.2.32", Some("1.2.27"), "--encryption-provider-config"),
    ("1.2.33", Some("1.2.28"), "encryption providers"),
    ("1.2.34", Some("1.2.29"), "strong cryptographic ciphers"),
    ("1.3.1", Some("1.3.1"), "same title"),
    ("1.3.2", Some("1.3.2"), "same title"),
    ("1.3.3", Some("1.3.3"), "same title"),
    ("1.3.4", Some("1.3.4"), "same title"),
    ("1.3.5", Some("1.3.5"), "same title"),
    ("1.3.6", Some("1.3.6"), "same title"),
    ("1.3.7", Some("1.3.7"), "same title"),
    ("1.4.1", Some("1.4.1"), "same title"),
    ("1.4.2", Some("1.4.2"), "same title"),
    ("2.1", Some("2.1"), "same title"),
    ("2.2", Some("2.2"), "same title"),
    ("2.3", Some("2.3"), "same title"),
    ("2.4", Some("2.4"), "same title"),
    ("2.5", Some("2.5"), "same title"),
    ("2.6", Some("2.6"), "same title"),
    ("2.7", Some("2.7"), "same title"),
    ("3.1.1", Some("3.1.1"), "same title"),
    ("3.2.1", Some("3.2.1"), "same title"),
    ("3.2.2", Some("3.2.2"), "same title"),
    ("4.1.1", Some("4.1.1"), "mode 644 became 600"),
    ("4.1.2", Some("4.1.2"), "same title"),
    ("4.1.3", Some("4.1.3"), "mode 644 became 600"),
    ("4.1.4", Some("4.1.4"), "same title"),
    ("4.1.5", Some("4.1.5"), "mode 644 became 600"),
    ("4.1.6", Some("4.1.6"), "same title"),
    ("4.1.7", Some("4.1.7"), "same title"),
    ("4.1.8", Some("4.1.8"), "same title"),
    ("4.1.9", Some("4.1.9"), "mode 644 became 600"),
    (
        "4.1.10",
        Some("4.1.10"),
        "same subject (kubelet config file ownership)",
    ),
    ("4.2.1", Some("4.2.1"), "same title"),
    ("4.2.2", Some("4.2.2"), "same title"),
    ("4.2.3", Some("4.2.3"), "same title"),
    (
        "4.2.4",
        Some("4.2.4"),
        "cis-1.12: verify that, if defined, it is 0",
    ),
    ("4.2.5", Some("4.2.5"), "same title"),
    (
        "4.2.6",
        None,
        "--protect-kernel-defaults is not in cis-1.12; cis-1.12 4.2.6 is --make-iptables-util-chains",
    ),
    ("4.2.7", Some("4.2.6"), "--make-iptables-util-chains"),
    ("4.2.8", Some("4.2.7"), "--hostname-override"),
    ("4.2.9", Some("4.2.8"), "--event-qps became eventRecordQPS"),
    (
        "4.2.10",
        Some("4.2.9"),
        "--tls-cert-file and --tls-private-key-file",
    ),
    ("4.2.11", Some("4.2.10"), "--rotate-certificates"),
    ("4.2.12", Some("4.2.11"), "RotateKubeletServerCertificate"),
    ("4.2.13", Some("4.2.12"), "strong cryptographic ciphers"),
    ("5.1.1", Some("5.1.1"), "same title"),
    ("5.1.2", Some("5.1.2"), "same title"),
    ("5.1.3", Some("5.1.3"), "same title"),
    ("5.1.4", Some("5.1.4"), "same title"),
    ("5.1.5", Some("5.1.5"), "same title"),
    ("5.1.6", Some("5.1.6"), "same title"),
    ("5.1.7", Some("5.1.7"), "same title"),
    ("5.1.8", Some("5.1.8"), "same title"),
    (
        "5.2.1",
        Some("5.2.2"),
        "privileged containers (Pod Security Standards)",
    ),
    ("5.2.2", Some("5.2.3"), "host PID namespace"),
    ("5.2.3", Some("5.2.4"), "host IPC namespace"),
    ("5.2.4", Some("5.2.5"), "host network namespace"),
    ("5.2.5", Some("5.2.6"), "allowPrivilegeEscalation"),
    ("5.2.6", Some("5.2.7"), "root containers"),
    ("5.2.7", Some("5.2.8"), "NET_RAW capability"),
    (
        "5.2.8",
        None,
        "added capabilities left the benchmark in cis-1.12",
    ),
    ("5.2.9", Some("5.2.9"), "capabilities assigned"),
    ("5.3.1", Some("5.3.1"), "same title"),
    ("5.3.2", Some("5.3.2"), "same title"),
    ("5.4.1", Some("5.4.1"), "same title"),
    ("5.4.2", Some("5.4.2"), "same title"),
    ("5.5.1", Some("5.5.1"), "same title"),
    (
        "5.7.1",
        Some("5.6.1"),
        "general policies moved from 5.7 to 5.6",
    ),
    (
        "5.7.2",
        Some("5.6.2"),
        "general policies moved from 5.7 to 5.6",
    ),
    (
        "5.7.3",
        Some("5.6.3"),
        "general policies moved from 5.7 to 5.6",
    ),
    (
        "5.7.4",
        Some("5.6.4"),
        "general policies moved from 5.7 to 5.6",
    ),
];

#[derive(Deserialize)]
struct Expected {
    checks: Vec<ExpectedCheck>,
}

#[derive(Deserialize)]
struct ExpectedCheck {
    id: String,
    status: String,
    title: String,
}

/// What the corpus holds, for the test to check that every row was read.
#[derive(Default)]
pub struct Counts {
    pub rows: usize,
    pub by_status: BTreeMap<String, usize>,
    /// cis-1.20 ids of the corpus missing from [`CIS_1_20_TO_1_12`], and table ids the corpus
    /// does not have.
    pub unmapped: Vec<String>,
    /// cis-1.12 ids of the table that `cfg/cis-1.12` does not define.
    pub unknown_targets: Vec<String>,
}

pub fn compare(corpus: &Path) -> (Agreement, Counts) {
    let folder = corpus.join("node-configs/kube-bench");
    let mut agreement = Agreement::new(SOURCE);
    let mut counts = Counts::default();
    let expected: Expected = match read_corpus_file(&folder.join("expected.json"))
        .and_then(|text| serde_json::from_str(&text).map_err(|error| error.to_string()))
    {
        Ok(expected) => expected,
        Err(error) => {
            agreement.errors.push(format!("expected.json: {error}"));
            return (agreement, counts);
        }
    };
    check_table(&folder, &expected, &mut counts, &mut agreement);

    let ours = match palisade_results() {
        Ok(results) => Some(results),
        Err(error) => {
            agreement.notes.push(format!(
                "palisade could not build the kubeadm v1.21 node, so nothing is compared: {error}"
            ));
            None
        }
    };
    counts.rows = expected.checks.len();
    for check in &expected.checks {
        *counts.by_status.entry(check.status.clone()).or_default() += 1;
        compare_row(check, ours.as_ref(), &mut agreement);
    }
    agreement.notes.push(format!(
        "{} cis-1.20 rows ({}); kube-bench FAIL and PASS are compared with palisade's fail and pass on the cis-1.12 check of the same subject; palisade judged a kubeadm v1.21.1 configuration with every default",
        counts.rows,
        counts
            .by_status
            .iter()
            .map(|(status, count)| format!("{count} {status}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    (agreement, counts)
}

/// The benchmark's results on the node the default kubeadm v1.21 configuration builds.
fn palisade_results() -> Result<BTreeMap<String, CheckResult>, String> {
    let dir = tempfile::tempdir().map_err(|error| format!("scratch directory: {error}"))?;
    let path = dir.path().join("kubeadm-v1.21.yaml");
    std::fs::write(&path, KUBEADM_V1_21_CONFIG)
        .map_err(|error| format!("{}: {error}", path.display()))?;
    let state = read_kubeadm_config(&path, parse).map_err(|error| error.to_string())?;
    let results =
        evaluate_caught(&state).map_err(|panic| format!("the benchmark panicked: {panic}"))?;
    Ok(by_id(results))
}

fn compare_row(
    check: &ExpectedCheck,
    ours: Option<&BTreeMap<String, CheckResult>>,
    agreement: &mut Agreement,
) {
    let Some((_, target, change)) = CIS_1_20_TO_1_12
        .iter()
        .find(|(from, _, _)| *from == check.id)
    else {
        // Counted in `Counts::unmapped`, which fails the test.
        return;
    };
    let subject = match target {
        Some(target) => format!("cis-1.20 {} = cis-1.12 {target}", check.id),
        None => format!("cis-1.20 {}", check.id),
    };
    let Some(target) = target else {
        agreement.not_compared.push(format!(
            "{subject} ({}): no cis-1.12 counterpart: {change}",
            check.title
        ));
        return;
    };
    if target.starts_with("5.") {
        agreement.not_compared.push(format!(
            "{subject}: section 5 (policies on cluster objects) is not judged by palisade node; kube-bench {}",
            check.status
        ));
        return;
    }
    let Some(ours) = ours else {
        agreement.not_compared.push(format!(
            "{subject}: palisade has no results; kube-bench {}",
            check.status
        ));
        return;
    };
    let result = ours.get(*target);
    let said = result.map_or_else(|| "no result".to_string(), describe);
    if target.starts_with("1.1.") || target.starts_with("4.1.") {
        agreement.not_compared.push(format!(
            "{subject}: file permissions and ownership need the kind node's files, which the corpus does not hold; kube-bench {}, palisade on kubeadm's modes {said}",
            check.status
        ));
        return;
    }
    let theirs = match check.status.as_str() {
        "PASS" => Status::Pass,
        "FAIL" => Status::Fail,
        other => {
            agreement.not_compared.push(format!(
                "{subject}: kube-bench {other} (a manual check it does not decide); palisade {said}"
            ));
            return;
        }
    };
    match result {
        None => agreement.not_compared.push(format!(
            "{subject}: palisade gave no result for {target}; kube-bench {}",
            check.status
        )),
        Some(result) if matches!(result.status, Status::Warn | Status::Manual) => {
            agreement.not_compared.push(format!(
                "{subject}: palisade {said}; kube-bench {}",
                status_name(theirs).to_uppercase()
            ))
        }
        Some(result) => {
            let why = if *change == "same title" {
                check.title.clone()
            } else {
                format!("{}; {change}", check.title)
            };
            agreement.compare(&subject, result, theirs, &why)
        }
    }
}

/// The table covers every cis-1.20 id of the corpus, and names only checks cis-1.12 defines.
fn check_table(folder: &Path, expected: &Expected, counts: &mut Counts, agreement: &mut Agreement) {
    for check in &expected.checks {
        if !CIS_1_20_TO_1_12
            .iter()
            .any(|(from, _, _)| *from == check.id)
        {
            counts
                .unmapped
                .push(format!("{} is not in CIS_1_20_TO_1_12", check.id));
        }
    }
    for (from, _, _) in CIS_1_20_TO_1_12 {
        if !expected.checks.iter().any(|check| check.id == *from) {
            counts
                .unmapped
                .push(format!("{from} of CIS_1_20_TO_1_12 is not a cis-1.20 row"));
        }
    }
    let defined = match cis_1_12_ids(&folder.join("cfg/cis-1.12")) {
        Ok(defined) => defined,
        Err(error) => {
            agreement.errors.push(error);
            return;
        }
    };
    for (_, target, _) in CIS_1_20_TO_1_12 {
        if let Some(target) = target.filter(|target| !defined.contains_key(*target)) {
            counts.unknown_targets.push(target.to_string());
        }
    }
}

/// Check ids and titles of kube-bench's cis-1.12 definition files.
fn cis_1_12_ids(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut ids = BTreeMap::new();
    for file in [
        "master.yaml",
        "etcd.yaml",
        "controlplane.yaml",
        "node.yaml",
        "policies.yaml",
    ] {
        let path = dir.join(file);
        let text = read_corpus_file(&path)?;
        let documents =
            parse(&path.display().to_string(), &text).map_err(|error| error.to_string())?;
        for document in &documents {
            for group in document.get("groups").map(Node::items).unwrap_or(&[]) {
                for check in group.get("checks").map(Node::items).unwrap_or(&[]) {
                    // etcd's ids (`2.1`) are YAML numbers; none of them ends in a zero.
                    let id = check.get("id").and_then(|id| match id.as_str() {
                        Some(id) => Some(id.to_string()),
                        None => id.as_f64().map(|id| id.to_string()),
                    });
                    if let Some(id) = id {
                        let title = check.get("text").and_then(Node::as_str).unwrap_or_default();
                        ids.insert(id, title.to_string());
                    }
                }
            }
        }
    }
    Ok(ids)
}
