//! What the reports say: the exact position of a finding in every format, the documented JSON
//! shape and summary, and byte-identical output from run to run.

mod common;

use std::collections::BTreeSet;

use common::{PRIVILEGED_POD, Report, Workspace, position_of};
use serde_json::{Value, json};

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .map(String::as_str)
        .collect()
}

fn key_set(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

#[test]
fn json_location_is_the_offending_key() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);
    assert_eq!(position_of(PRIVILEGED_POD, "privileged: true", 0), (11, 9));

    let (_, report) = work.scan_json(&["pod.yaml"]);

    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        privileged[0]["location"],
        json!({"file": "pod.yaml", "line": 11, "column": 9})
    );
    assert_eq!(
        privileged[0]["path"],
        "/spec/containers/0/securityContext/privileged"
    );
}

#[test]
fn sarif_region_is_the_offending_key() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);

    let run = work.run(&["scan", "--no-config", "-o", "sarif", "pod.yaml"]);

    assert_eq!(run.code, 1);
    let sarif: Value = serde_json::from_str(&run.stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let privileged: Vec<&Value> = results
        .iter()
        .filter(|result| result["ruleId"] == "privileged-container")
        .collect();
    assert_eq!(privileged.len(), 1);
    let physical = &privileged[0]["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "pod.yaml");
    assert_eq!(physical["region"]["startLine"], 11);
    assert_eq!(physical["region"]["startColumn"], 9);
    assert_eq!(privileged[0]["level"], "error");
    // Every finding of the JSON report is a SARIF result at the same place.
    let (_, report) = work.scan_json(&["pod.yaml"]);
    assert_eq!(results.len(), report.findings().len());
    for (result, finding) in results.iter().zip(report.findings()) {
        assert_eq!(result["ruleId"], finding["rule"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], finding["location"]["line"]);
        assert_eq!(region["startColumn"], finding["location"]["column"]);
    }
}

#[test]
fn junit_failure_names_file_line_and_column() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);

    let run = work.run(&["scan", "--no-config", "-o", "junit", "pod.yaml"]);

    assert_eq!(run.code, 1);
    let testcase = run
        .stdout
        .split("<testcase ")
        .find(|case| case.starts_with("name=\"privileged-container Pod/prod/web\""))
        .unwrap_or_else(|| panic!("no testcase for the finding:\n{}", run.stdout));
    let failure = testcase
        .split("<failure")
        .nth(1)
        .expect("a failure element");
    let text = &failure[failure.find('>').unwrap() + 1..];
    assert!(text.starts_with("pod.yaml:11:9\n"), "{text}");
    assert!(
        text.contains("path: /spec/containers/0/securityContext/privileged"),
        "{text}"
    );
}

#[test]
fn table_shows_file_line_and_column() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD);

    let run = work.run(&["scan", "--no-config", "--color", "never", "pod.yaml"]);

    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("  critical  privileged-container  Pod prod/web  pod.yaml:11:9\n"),
        "{}",
        run.stdout
    );
}

/// As `kubectl get pods -o json` writes it, with an item that is not an object.
const KUBECTL_LIST: &str = r#"{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {
        "name": "a",
        "namespace": "default"
      },
      "spec": {
        "containers": [
          {
            "name": "c",
            "image": "busybox",
            "securityContext": {
              "privileged": true
            }
          }
        ]
      }
    },
    {
      "notAnObject": true
    }
  ],
  "metadata": {
    "resourceVersion": ""
  }
}
"#;

#[test]
fn a_json_list_is_unwrapped_with_positions_inside_the_json_file() {
    let work = Workspace::new();
    work.write("pods.json", KUBECTL_LIST);
    assert_eq!(
        position_of(KUBECTL_LIST, "\"privileged\": true", 0),
        (18, 15)
    );

    let (run, report) = work.scan_json(&["pods.json"]);

    assert_eq!(run.code, 1);
    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        privileged[0]["location"],
        json!({"file": "pods.json", "line": 18, "column": 15})
    );
    assert_eq!(
        privileged[0]["path"],
        "/spec/containers/0/securityContext/privileged"
    );
    assert_eq!(
        privileged[0]["object"],
        json!({"apiVersion": "v1", "kind": "Pod", "namespace": "default", "name": "a"})
    );
    assert_eq!(report.summary()["objects"], 1);
    assert_eq!(report.summary()["skippedDocuments"], 1);
    assert!(report.errors().is_empty());

    // The same list in SARIF and in the table.
    let sarif: Value = serde_json::from_str(
        &work
            .run(&["scan", "--no-config", "-o", "sarif", "pods.json"])
            .stdout,
    )
    .unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|result| result["ruleId"] == "privileged-container")
        .cloned()
        .unwrap();
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "pods.json");
    assert_eq!(
        physical["region"],
        json!({"startLine": 18, "startColumn": 15})
    );
    let table = work.run(&["scan", "--no-config", "--color", "never", "pods.json"]);
    assert!(
        table.stdout.contains("Pod default/a  pods.json:18:15"),
        "{}",
        table.stdout
    );
}

#[test]
fn a_yaml_list_from_kubectl_is_unwrapped_too() {
    let list = "\
apiVersion: v1
kind: PodList
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: a
  spec:
    hostPID: true
    containers:
    - name: c
      image: busybox
metadata:
  resourceVersion: \"\"
";
    let work = Workspace::new();
    work.write("pods.yaml", list);

    let (_, report) = work.scan_json(&["pods.yaml"]);

    let host_pid = report.of_rule("host-pid");
    assert_eq!(host_pid.len(), 1);
    assert_eq!(
        host_pid[0]["location"],
        json!({"file": "pods.yaml", "line": 9, "column": 5})
    );
    assert_eq!(host_pid[0]["path"], "/spec/hostPID");
    assert_eq!(host_pid[0]["object"]["namespace"], Value::Null);
}

#[test]
fn json_report_has_the_documented_shape() {
    let work = Workspace::new();
    let manifests = format!(
        "# a comment-only document is not counted\n---\n{PRIVILEGED_POD}---\n# a values file is skipped\nreplicaCount: 3\nimage: nginx\n---\n"
    );
    work.write("manifests.yaml", &manifests)
        .write("bad.yaml", "a: [\n");

    let (run, report) = work.scan_json(&["manifests.yaml", "bad.yaml"]);

    assert_eq!(run.code, 2);
    let top = &report.value;
    assert_eq!(
        keys(top),
        key_set(&["version", "tool", "findings", "errors", "summary"])
    );
    assert_eq!(top["version"], 1);
    assert_eq!(
        top["tool"],
        json!({"name": "palisade", "version": env!("CARGO_PKG_VERSION")})
    );

    for finding in report.findings() {
        assert_eq!(
            keys(finding),
            key_set(&[
                "rule", "severity", "layer", "object", "path", "location", "message", "fix"
            ])
        );
        assert_eq!(
            keys(&finding["object"]),
            key_set(&["apiVersion", "kind", "namespace", "name"])
        );
        assert_eq!(
            keys(&finding["location"]),
            key_set(&["file", "line", "column"])
        );
        assert!(finding["path"].as_str().unwrap().starts_with('/'));
        assert!(!finding["message"].as_str().unwrap().is_empty());
        assert!(!finding["fix"].as_str().unwrap().is_empty());
    }
    let (line, column) = position_of(&manifests, "privileged: true", 0);
    let privileged = report.of_rule("privileged-container");
    assert_eq!(
        *privileged[0],
        json!({
            "rule": "privileged-container",
            "severity": "critical",
            "layer": "workload",
            "object": {"apiVersion": "v1", "kind": "Pod", "namespace": "prod", "name": "web"},
            "path": "/spec/containers/0/securityContext/privileged",
            "location": {"file": "manifests.yaml", "line": line, "column": column},
            "message": "container \"web\" runs privileged (securityContext.privileged: true), which the Baseline control \"Privileged Containers\" forbids",
            "fix": "Remove `privileged: true` (or set it to false) and add only the capabilities the container needs."
        })
    );

    assert_eq!(report.errors().len(), 1);
    let error = &report.errors()[0];
    assert_eq!(keys(error), key_set(&["file", "line", "column", "message"]));
    assert_eq!(error["file"], "bad.yaml");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(2), Some(1))
    );

    let summary = report.summary();
    assert_eq!(
        keys(summary),
        key_set(&[
            "files",
            "objects",
            "skippedDocuments",
            "findings",
            "bySeverity",
            "suppressed",
            "errors"
        ])
    );
    assert_eq!(summary["files"], 2);
    assert_eq!(summary["objects"], 1);
    assert_eq!(summary["skippedDocuments"], 1);
    assert_eq!(summary["findings"], report.findings().len());
    assert_eq!(summary["suppressed"], 0);
    assert_eq!(summary["errors"], 1);
    assert_eq!(summary["bySeverity"]["critical"], 1, "the privileged pod");
    let mut counted = json!({"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0});
    for finding in report.findings() {
        let severity = finding["severity"].as_str().unwrap();
        counted[severity] = json!(counted[severity].as_u64().unwrap() + 1);
    }
    assert_eq!(summary["bySeverity"], counted);
}

#[test]
fn a_document_without_api_version_or_kind_is_skipped_not_an_error() {
    let work = Workspace::new();
    work.write(
        "values.yaml",
        "replicaCount: 3\nimage:\n  repository: nginx\n",
    )
    .write(
        "fragment.yaml",
        "kind: Pod\nmetadata:\n  name: no-api-version\n",
    )
    .write("deploy.yaml", common::HARDENED_DEPLOYMENT);

    let (run, report) = work.scan_json(&["values.yaml", "fragment.yaml", "deploy.yaml"]);

    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(report.errors().is_empty(), "{:?}", report.errors());
    assert_eq!(report.summary()["files"], 3);
    // The Deployment and its two NetworkPolicies.
    assert_eq!(report.summary()["objects"], 3);
    assert_eq!(report.summary()["skippedDocuments"], 2);
    assert_eq!(report.summary()["errors"], 0);
}

#[test]
fn an_error_without_a_position_has_null_line_and_column() {
    let work = Workspace::new();
    work.write("binary.yaml", b"\x7fELF\x02\x01\x01\x00\x00\x00");

    let (run, report) = work.scan_json(&["binary.yaml"]);

    assert_eq!(run.code, 2);
    assert_eq!(
        report.errors()[0],
        json!({
            "file": "binary.yaml",
            "line": null,
            "column": null,
            "message": "binary file (NUL byte at offset 7), not YAML or JSON"
        })
    );
}

/// Many objects of every workload kind in several files, so that the parallel rule engine and
/// the parallel loader have something to reorder.
fn many_manifests(work: &Workspace) {
    let every_kind = include_str!("fixtures/every_workload_kind.yaml");
    for index in 0..25 {
        work.write(&format!("manifests/part-{index:02}.yaml"), every_kind);
        work.write(
            &format!("manifests/extra/pod-{index:02}.yaml"),
            common::privileged_pod(&format!("pod-{index}"), &format!("ns-{}", index % 4)),
        );
    }
}

#[test]
fn the_same_scan_twice_gives_byte_identical_output() {
    let work = Workspace::new();
    many_manifests(&work);
    work.write("bad.yaml", "a: [\n");

    for format in ["json", "sarif", "junit", "table"] {
        let run = || {
            work.run_with_stdin(
                &[
                    "scan",
                    "--no-config",
                    "--color",
                    "never",
                    "-o",
                    format,
                    "manifests",
                    "bad.yaml",
                    "-",
                ],
                PRIVILEGED_POD,
            )
        };
        let first = run();
        assert_eq!(first.code, 2);
        for _ in 0..2 {
            let again = run();
            assert_eq!(again.code, 2);
            assert!(
                again.stdout == first.stdout,
                "{format} output differs between runs"
            );
        }
        if format == "json" {
            let report = first.json();
            assert_eq!(report.summary()["files"], 52);
            assert!(report.findings().len() > 1000);
            // Sorted by file, then position.
            let locations: Vec<(String, u64, u64)> =
                report.findings().iter().map(Report::location).collect();
            let mut sorted = locations.clone();
            sorted.sort();
            assert_eq!(locations, sorted);
        }
    }
}

#[test]
fn a_json_list_on_stdin_has_positions_in_dash() {
    let work = Workspace::new();

    let run = work.run_with_stdin(&["scan", "--no-config", "-o", "json", "-"], KUBECTL_LIST);

    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = run.json();
    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        privileged[0]["location"],
        json!({"file": "-", "line": 18, "column": 15})
    );
    assert_eq!(report.summary()["skippedDocuments"], 1);
}

#[test]
fn absolute_paths_are_reported_as_given() {
    let work = Workspace::new();
    work.write("dir/pod.yaml", PRIVILEGED_POD);
    let absolute = work.join("dir");
    let absolute = absolute.to_str().unwrap();

    let (_, report) = work.scan_json(&[absolute]);

    let privileged = report.of_rule("privileged-container");
    assert_eq!(
        Report::location(privileged[0]),
        (format!("{absolute}/pod.yaml"), 11, 9)
    );
}
