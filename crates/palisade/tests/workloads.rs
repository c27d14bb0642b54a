//! Pod specs in every workload kind, and scalars read as kubectl reads them (YAML 1.1).

mod common;

use common::{Report, Workspace, position_of};
use serde_json::Value;

const EVERY_KIND: &str = include_str!("fixtures/every_workload_kind.yaml");

#[test]
fn one_privileged_finding_per_container_in_every_workload_kind() {
    let work = Workspace::new();
    work.write("workloads.yaml", EVERY_KIND);

    let (run, report) = work.scan_json(&["workloads.yaml"]);

    assert_eq!(run.code, 1);
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(report.summary()["objects"], 9);
    let found: Vec<(String, String, String)> = report
        .of_rule("privileged-container")
        .into_iter()
        .map(|finding| {
            (
                finding["object"]["kind"].as_str().unwrap().to_string(),
                finding["object"]["name"].as_str().unwrap().to_string(),
                finding["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected = [
        (
            "Pod",
            "pod",
            "/spec/initContainers/0/securityContext/privileged",
        ),
        (
            "Pod",
            "pod",
            "/spec/containers/0/securityContext/privileged",
        ),
        (
            "Pod",
            "pod",
            "/spec/ephemeralContainers/0/securityContext/privileged",
        ),
        (
            "Deployment",
            "deploy",
            "/spec/template/spec/containers/0/securityContext/privileged",
        ),
        (
            "StatefulSet",
            "sts",
            "/spec/template/spec/containers/0/securityContext/privileged",
        ),
        (
            "DaemonSet",
            "ds",
            "/spec/template/spec/containers/0/securityContext/privileged",
        ),
        (
            "ReplicaSet",
            "rs",
            "/spec/template/spec/containers/0/securityContext/privileged",
        ),
        (
            "ReplicationController",
            "rc",
            "/spec/template/spec/containers/0/securityContext/privileged",
        ),
        (
            "Job",
            "job",
            "/spec/template/spec/initContainers/0/securityContext/privileged",
        ),
        (
            "Job",
            "job",
            "/spec/template/spec/containers/0/securityContext/privileged",
        ),
        (
            "CronJob",
            "cron",
            "/spec/jobTemplate/spec/template/spec/containers/0/securityContext/privileged",
        ),
        (
            "PodTemplate",
            "tmpl",
            "/template/spec/containers/0/securityContext/privileged",
        ),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(kind, name, path)| (kind.to_string(), name.to_string(), path.to_string()))
        .collect();
    assert_eq!(found, expected);

    // Each points at its own `privileged: true`, in file order.
    let locations: Vec<(String, u64, u64)> = report
        .of_rule("privileged-container")
        .into_iter()
        .map(Report::location)
        .collect();
    let expected_locations: Vec<(String, u64, u64)> = (0..expected.len())
        .map(|occurrence| {
            let (line, column) = position_of(EVERY_KIND, "privileged: true", occurrence);
            ("workloads.yaml".to_string(), line, column)
        })
        .collect();
    assert_eq!(locations, expected_locations);
    assert_eq!(
        locations[10],
        ("workloads.yaml".to_string(), 132, 17),
        "the CronJob's container"
    );

    // The messages say which kind of container.
    let messages: Vec<&str> = report
        .of_rule("privileged-container")
        .into_iter()
        .map(|finding| finding["message"].as_str().unwrap())
        .collect();
    assert!(
        messages[0].starts_with("init container \"init\" runs privileged"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].starts_with("container \"main\" runs privileged"),
        "{}",
        messages[1]
    );
    assert!(
        messages[2].starts_with("ephemeral container \"debug\" runs privileged"),
        "{}",
        messages[2]
    );
}

#[test]
fn a_kind_from_another_api_group_is_not_read_as_a_built_in_workload() {
    // Volcano's Job has a pod template too, but not where batch/v1 has it.
    let volcano = "\
apiVersion: batch.volcano.sh/v1alpha1
kind: Job
metadata:
  name: training
spec:
  template:
    spec:
      containers:
        - name: main
          image: busybox
          securityContext:
            privileged: true
";
    let work = Workspace::new();
    work.write("volcano.yaml", volcano);

    let (run, report) = work.scan_json(&["volcano.yaml"]);

    assert_eq!(run.code, 0, "{:#?}", report.findings());
    assert_eq!(report.summary()["objects"], 1);
}

fn pod_with(host_network: &str, privileged: &str, name: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: {name}
spec:
  hostNetwork: {host_network}
  containers:
    - name: c
      image: busybox
      securityContext:
        privileged: {privileged}
"
    )
}

fn rules_found(report: &Report, name: &str) -> Vec<String> {
    report
        .findings()
        .iter()
        .filter(|finding| finding["object"]["name"] == name)
        .filter(|finding| {
            finding["rule"] == "privileged-container" || finding["rule"] == "host-network"
        })
        .map(|finding| finding["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn yaml_1_1_booleans_are_read_as_kubectl_reads_them() {
    let work = Workspace::new();
    let text = [
        pod_with("on", "yes", "words"),
        pod_with("On", "Y", "capitalised"),
        pod_with("true", "TRUE", "plain"),
    ]
    .join("---\n");
    work.write("pods.yaml", &text);

    let (_, report) = work.scan_json(&["pods.yaml"]);

    for name in ["words", "capitalised", "plain"] {
        assert_eq!(
            rules_found(&report, name),
            vec!["host-network", "privileged-container"],
            "{name}"
        );
    }
    let host_network = report.of_rule("host-network");
    assert_eq!(host_network[0]["path"], "/spec/hostNetwork");
    assert_eq!(
        Report::location(host_network[0]),
        ("pods.yaml".into(), 6, 3)
    );
    let privileged = report.of_rule("privileged-container");
    assert_eq!(Report::location(privileged[0]), ("pods.yaml".into(), 11, 9));
}

#[test]
fn quoted_true_is_a_string_not_a_boolean() {
    // The API server would refuse `privileged: "true"` (a string where a boolean belongs); Pod
    // Security Admission only ever sees a boolean `true` as privileged. A string is not true.
    let work = Workspace::new();
    let text = [
        pod_with("\"true\"", "\"true\"", "double-quoted"),
        pod_with("'yes'", "'on'", "single-quoted"),
        pod_with("off", "no", "false-words"),
    ]
    .join("---\n");
    work.write("pods.yaml", &text);

    let (_, report) = work.scan_json(&["pods.yaml"]);

    for name in ["double-quoted", "single-quoted", "false-words"] {
        assert_eq!(rules_found(&report, name), Vec::<String>::new(), "{name}");
    }
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(report.summary()["objects"], 3);
}

#[test]
fn json_booleans_are_read_as_they_are() {
    let work = Workspace::new();
    let text = r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "real"},
 "spec": {"hostNetwork": true, "containers": [{"name": "c", "securityContext": {"privileged": true}}]}}
{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "string"},
 "spec": {"hostNetwork": "true", "containers": [{"name": "c", "securityContext": {"privileged": "true"}}]}}
"#;
    work.write("pods.json", text);
    assert_eq!(position_of(text, "\"privileged\"", 0), (2, 81));

    let (_, report) = work.scan_json(&["pods.json"]);

    assert_eq!(
        rules_found(&report, "real"),
        vec!["host-network", "privileged-container"]
    );
    assert_eq!(rules_found(&report, "string"), Vec::<String>::new());
    let privileged = report.of_rule("privileged-container");
    assert_eq!(Report::location(privileged[0]), ("pods.json".into(), 2, 81));
    assert_eq!(privileged[0]["object"]["name"], Value::from("real"));
}

#[test]
fn aliases_and_merge_keys_inside_a_document_are_followed() {
    let text = "\
apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  initContainers:
    - &ctr
      name: c
      securityContext:
        privileged: true
  containers:
    - *ctr
    - <<: *ctr
      name: d
";
    let work = Workspace::new();
    work.write("pod.yaml", text);

    let (run, report) = work.scan_json(&["pod.yaml"]);

    assert_eq!(run.code, 1);
    let privileged = report.of_rule("privileged-container");
    let paths: Vec<&str> = privileged
        .iter()
        .map(|finding| finding["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        // At the same position, findings are in path order.
        vec![
            "/spec/containers/0/securityContext/privileged",
            "/spec/containers/1/securityContext/privileged",
            "/spec/initContainers/0/securityContext/privileged",
        ]
    );
    // The aliased text is where the anchor defines it.
    for finding in privileged {
        assert_eq!(Report::location(finding), ("pod.yaml".to_string(), 10, 9));
    }
}

#[test]

fn an_alias_to_an_anchor_of_another_document_is_an_error() {
    let text = "\
x-security: &sc
  privileged: true
---
apiVersion: v1
kind: Pod
metadata:
  name: a
spec:
  containers:
    - name: c
      securityContext: *sc
";
    let work = Workspace::new();
    work.write("pod.yaml", text);
    assert_eq!(position_of(text, "*sc", 0), (11, 24));

    let (run, report) = work.scan_json(&["pod.yaml"]);

    assert_eq!(run.code, 2, "{:#?}", report.findings());
    assert_eq!(report.error_files(), vec!["pod.yaml"]);
    let error = &report.errors()[0];
    assert_eq!(error["line"], 11, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("unknown anchor"),
        "{error}"
    );
    assert!(report.of_rule("privileged-container").is_empty());
}
