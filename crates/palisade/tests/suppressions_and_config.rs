//! Suppressions (`palisade.dev/ignore` annotations) and the configuration file
//! (`.palisade.yaml` found upwards, `--config`, `--no-config`).

mod common;

use common::{PRIVILEGED_POD, Report, Run, Workspace, privileged_pod};
use serde_json::json;

fn annotated_pod(name: &str, annotations: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations:
{annotations}spec:
  containers:
    - name: c
      image: busybox
      securityContext:
        privileged: true
"
    )
}

#[test]
fn an_annotation_with_a_reason_silences_the_rule() {
    let work = Workspace::new();
    let text = annotated_pod(
        "debugger",
        "    palisade.dev/ignore: \"privileged-container\"\n    palisade.dev/ignore-reason: \"node debugger, runs only during incidents\"\n",
    );
    work.write("pod.yaml", &text);

    let (run, report) = work.scan_json(&["pod.yaml"]);

    assert_eq!(run.code, 1, "other rules still apply");
    assert!(report.of_rule("privileged-container").is_empty());
    assert!(report.of_rule("suppression-without-reason").is_empty());
    assert_eq!(report.summary()["suppressed"], 1);
    assert!(report.errors().is_empty());
    // Only the named rule is silenced.
    assert_eq!(report.of_rule("missing-cpu-limit").len(), 1);
}

#[test]
fn an_annotation_may_list_several_rules_or_all() {
    let work = Workspace::new();
    let several = annotated_pod(
        "several",
        "    palisade.dev/ignore: \"privileged-container, missing-cpu-limit\"\n    palisade.dev/ignore-reason: \"lab cluster\"\n",
    );
    let all = annotated_pod(
        "all",
        "    palisade.dev/ignore: all\n    palisade.dev/ignore-reason: \"lab cluster\"\n",
    );
    work.write("several.yaml", &several).write("all.yaml", &all);

    let (_, several_report) = work.scan_json(&["several.yaml"]);
    assert!(several_report.of_rule("privileged-container").is_empty());
    assert!(several_report.of_rule("missing-cpu-limit").is_empty());
    assert_eq!(several_report.summary()["suppressed"], 2);
    let several_findings = several_report.findings().len();
    assert!(several_findings > 0, "the other rules still report");

    let (run, all_report) = work.scan_json(&["all.yaml"]);
    assert_eq!(run.code, 0);
    assert!(all_report.findings().is_empty());
    // `all` silences the same findings: the two named ones and every other.
    assert_eq!(all_report.summary()["suppressed"], several_findings + 2);
}

#[test]
fn an_annotation_without_a_reason_is_itself_a_finding() {
    let work = Workspace::new();
    let text = annotated_pod(
        "no-reason",
        "    palisade.dev/ignore: \"privileged-container\"\n",
    );
    work.write("pod.yaml", &text);
    let (line, column) = common::position_of(&text, "palisade.dev/ignore", 0);

    let (run, report) = work.scan_json(&["pod.yaml"]);

    assert_eq!(run.code, 1);
    // The suppression still takes effect ...
    assert!(report.of_rule("privileged-container").is_empty());
    assert_eq!(report.summary()["suppressed"], 1);
    // ... and is reported.
    let unexplained = report.of_rule("suppression-without-reason");
    assert_eq!(unexplained.len(), 1);
    assert_eq!(unexplained[0]["severity"], "low");
    assert_eq!(
        unexplained[0]["path"],
        "/metadata/annotations/palisade.dev~1ignore"
    );
    assert_eq!(
        Report::location(unexplained[0]),
        ("pod.yaml".to_string(), line, column)
    );
    assert_eq!(
        unexplained[0]["message"],
        "palisade.dev/ignore silences \"privileged-container\" without a palisade.dev/ignore-reason annotation saying why"
    );

    // An empty reason is no reason.
    let empty = annotated_pod(
        "empty-reason",
        "    palisade.dev/ignore: \"privileged-container\"\n    palisade.dev/ignore-reason: \"  \"\n",
    );
    work.write("empty.yaml", &empty);
    let (_, report) = work.scan_json(&["empty.yaml"]);
    assert_eq!(report.of_rule("suppression-without-reason").len(), 1);
}

#[test]
fn an_unknown_rule_in_the_annotation_exits_2_naming_it() {
    let work = Workspace::new();
    let text = annotated_pod(
        "typo",
        "    palisade.dev/ignore: \"privileged-containers\"\n    palisade.dev/ignore-reason: \"typo\"\n",
    );
    work.write("pod.yaml", &text);
    let (line, column) = common::position_of(&text, "\"privileged-containers\"", 0);

    let (run, report) = work.scan_json(&["pod.yaml"]);

    assert_eq!(run.code, 2);
    assert_eq!(report.errors().len(), 1);
    let error = &report.errors()[0];
    assert_eq!(error["file"], "pod.yaml");
    assert_eq!(
        (error["line"].as_u64(), error["column"].as_u64()),
        (Some(line), Some(column))
    );
    assert_eq!(
        error["message"],
        "palisade.dev/ignore suppresses unknown rule \"privileged-containers\" on Pod/typo (run `palisade rules` for the list)"
    );
    assert!(
        run.stderr
            .contains("unknown rule \"privileged-containers\""),
        "{}",
        run.stderr
    );
    // Nothing was silenced by the misspelt name.
    assert_eq!(report.of_rule("privileged-container").len(), 1);
}

const RULES_CONFIG: &str = "\
rules:
  missing-cpu-limit: off
  privileged-container: {severity: low}
";

fn scan_in(work: &Workspace, directory: &str, arguments: &[&str]) -> Run {
    Run::from_output(
        work.command()
            .current_dir(work.join(directory))
            .args(arguments)
            .output()
            .unwrap(),
    )
}

#[test]
fn the_configuration_is_found_in_a_parent_directory() {
    let work = Workspace::new();
    work.write(".palisade.yaml", RULES_CONFIG)
        .write("a/b/c/pod.yaml", PRIVILEGED_POD);

    let configured = scan_in(&work, "a/b/c", &["scan", "-o", "json", "pod.yaml"]);
    let bare = scan_in(
        &work,
        "a/b/c",
        &["scan", "--no-config", "-o", "json", "pod.yaml"],
    );

    let configured = configured.json();
    let bare = bare.json();
    assert_eq!(bare.of_rule("missing-cpu-limit").len(), 1);
    assert_eq!(
        bare.of_rule("privileged-container")[0]["severity"],
        "critical"
    );
    assert!(
        configured.of_rule("missing-cpu-limit").is_empty(),
        "turned off"
    );
    assert_eq!(
        configured.of_rule("privileged-container")[0]["severity"],
        "low"
    );
    assert_eq!(configured.summary()["bySeverity"]["critical"], 0);
    // The privileged-container finding moved from critical to low.
    assert_eq!(
        configured.summary()["bySeverity"]["low"],
        bare.summary()["bySeverity"]["low"].as_u64().unwrap() + 1
    );
    // Turning a rule off is not suppressing findings.
    assert_eq!(configured.summary()["suppressed"], 0);
    // Everything else is the same.
    let without = |report: &Report| -> Vec<String> {
        report
            .rules()
            .into_iter()
            .filter(|rule| rule != "missing-cpu-limit")
            .collect()
    };
    assert_eq!(without(&configured), without(&bare));
}

#[test]
fn the_nearest_configuration_wins_and_yml_is_found_too() {
    let work = Workspace::new();
    work.write(".palisade.yaml", "rules:\n  missing-cpu-limit: off\n")
        .write("a/.palisade.yml", "rules:\n  missing-memory-limit: off\n")
        .write("a/b/pod.yaml", PRIVILEGED_POD);

    let run = scan_in(&work, "a/b", &["scan", "-o", "json", "pod.yaml"]);

    let report = run.json();
    assert!(report.of_rule("missing-memory-limit").is_empty());
    assert_eq!(report.of_rule("missing-cpu-limit").len(), 1);
}

#[test]
fn a_severity_override_counts_for_fail_on() {
    let work = Workspace::new();
    work.write(
        ".palisade.yaml",
        "rules:\n  privileged-container: {severity: low}\n  missing-cpu-limit: {enabled: false}\n",
    )
    .write("pod.yaml", PRIVILEGED_POD);

    assert_eq!(work.run(&["scan", "--fail-on", "high", "pod.yaml"]).code, 0);
    assert_eq!(
        work.run(&["scan", "--no-config", "--fail-on", "high", "pod.yaml"])
            .code,
        1
    );
}

#[test]
fn config_flag_names_the_file_and_wins_over_a_discovered_one() {
    let work = Workspace::new();
    work.write(".palisade.yaml", "rules:\n  missing-cpu-limit: off\n")
        .write(
            "ci/palisade.yaml",
            RULES_CONFIG.replace("missing-cpu-limit", "missing-memory-limit"),
        )
        .write("pod.yaml", PRIVILEGED_POD);

    let run = work.run(&[
        "scan",
        "--config",
        "ci/palisade.yaml",
        "-o",
        "json",
        "pod.yaml",
    ]);

    let report = run.json();
    assert_eq!(
        report.of_rule("missing-cpu-limit").len(),
        1,
        "the discovered file is not read"
    );
    assert!(report.of_rule("missing-memory-limit").is_empty());
    assert_eq!(report.of_rule("privileged-container")[0]["severity"], "low");
}

#[test]
fn no_config_does_not_read_the_discovered_file_at_all() {
    let work = Workspace::new();
    work.write(".palisade.yaml", "rules:\n  no-such-rule: off\n")
        .write("pod.yaml", PRIVILEGED_POD);

    assert_eq!(work.run(&["scan", "pod.yaml"]).code, 2);
    let run = work.run(&["scan", "--no-config", "-o", "json", "pod.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stderr, "");
}

const FOUR_PODS: [(&str, &str); 4] = [
    ("calico-node-x", "kube-system"),
    ("calico-node-y", "prod"),
    ("web", "prod"),
    ("web", "kube-public"),
];

fn privileged_objects(report: &Report) -> Vec<(String, String)> {
    report
        .of_rule("privileged-container")
        .into_iter()
        .map(|finding| {
            (
                finding["object"]["namespace"].as_str().unwrap().to_string(),
                finding["object"]["name"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn four_pods(work: &Workspace) {
    let text: Vec<String> = FOUR_PODS
        .iter()
        .map(|(name, namespace)| privileged_pod(name, namespace))
        .collect();
    work.write("pods.yaml", text.join("---\n"));
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn an_exemption_by_namespace_glob() {
    let work = Workspace::new();
    four_pods(&work);
    work.write(
        "exempt.yaml",
        "exemptions:\n  - rules: [privileged-container]\n    namespaces: [\"kube-*\"]\n    reason: system pods are reviewed by the platform team\n",
    );

    let run = work.run(&["scan", "--config", "exempt.yaml", "-o", "json", "pods.yaml"]);

    let report = run.json();
    assert_eq!(
        privileged_objects(&report),
        pairs(&[("prod", "calico-node-y"), ("prod", "web")])
    );
    assert_eq!(report.summary()["suppressed"], 2);
    // Only the named rule is exempt.
    assert_eq!(report.of_rule("missing-cpu-limit").len(), 4);
}

#[test]
fn an_exemption_by_name_glob() {
    let work = Workspace::new();
    four_pods(&work);
    work.write(
        "exempt.yaml",
        "exemptions:\n  - rules: [privileged-container]\n    names: [\"calico-*\"]\n    reason: the CNI agent programs the node's network\n",
    );

    let run = work.run(&["scan", "--config", "exempt.yaml", "-o", "json", "pods.yaml"]);

    let report = run.json();
    assert_eq!(
        privileged_objects(&report),
        pairs(&[("prod", "web"), ("kube-public", "web")])
    );
    assert_eq!(report.summary()["suppressed"], 2);
}

fn assert_config_error(config: &str, expected: &str) {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD)
        .write("config.yaml", config);

    let run = work.run(&["scan", "--config", "config.yaml", "-o", "json", "pod.yaml"]);

    assert_eq!(run.code, 2, "{config}");
    assert_eq!(run.stdout, "", "no report with a broken configuration");
    assert_eq!(
        run.stderr,
        format!("palisade: invalid configuration: {expected}\n")
    );
}

#[test]
fn an_exemption_without_a_reason_exits_2() {
    assert_config_error(
        "exemptions:\n  - rules: [privileged-container]\n    namespaces: [\"kube-*\"]\n",
        "config.yaml:2:5: an exemption needs a reason: say why these objects may break the rule",
    );
    assert_config_error(
        "exemptions:\n  - rules: [privileged-container]\n    names: [\"calico-*\"]\n    reason: \"  \"\n",
        "config.yaml:2:5: an exemption needs a reason: say why these objects may break the rule",
    );
}

#[test]
fn an_unknown_rule_in_the_configuration_exits_2() {
    assert_config_error(
        "rules:\n  missing-cpu-limit: off\n  no-such-rule: off\n",
        "config.yaml:3:3: unknown rule \"no-such-rule\" (run `palisade rules` for the list)",
    );
    assert_config_error(
        "exemptions:\n  - rules: [privileged-containers]\n    reason: typo\n",
        "config.yaml:2:13: unknown rule \"privileged-containers\" (run `palisade rules` for the list)",
    );
}

#[test]
fn a_configuration_in_two_documents_exits_2() {
    assert_config_error(
        "rules:\n  privileged-container: off\n---\nrules:\n  missing-cpu-limit: off\n",
        "config.yaml:4:1: a second YAML document; the configuration must be a single document",
    );
}

#[test]
fn comments_and_an_empty_file_are_valid_configurations() {
    let work = Workspace::new();
    work.write("pod.yaml", PRIVILEGED_POD)
        .write("empty.yaml", "")
        .write(
            "commented.yaml",
            "# palisade configuration\n---\nrules:\n  privileged-container: off\n",
        );

    let empty = work.run(&["scan", "--config", "empty.yaml", "-o", "json", "pod.yaml"]);
    assert_eq!(empty.code, 1, "{}", empty.stderr);
    let bare = work.run(&["scan", "--no-config", "-o", "json", "pod.yaml"]);
    assert_eq!(empty.json().findings(), bare.json().findings());
    let commented = work.run(&[
        "scan",
        "--config",
        "commented.yaml",
        "-o",
        "json",
        "pod.yaml",
    ]);
    assert_eq!(commented.code, 1, "{}", commented.stderr);
    assert!(commented.json().of_rule("privileged-container").is_empty());
}

const ROLLOUT: &str = "\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: canary
  namespace: prod
spec:
  replicas: 3
  strategy:
    canary:
      steps:
        - setWeight: 20
  template:
    metadata:
      labels:
        app: canary
    spec:
      containers:
        - name: app
          image: nginx:1.27
          securityContext:
            privileged: true
";

#[test]
fn a_custom_kind_is_checked_where_the_configuration_says_its_pod_template_is() {
    let work = Workspace::new();
    work.write("rollout.yaml", ROLLOUT)
        .write("config.yaml", "podSpecPaths:\n  - kind: Rollout\n    path: spec.template\n")
        .write(
            "other-group.yaml",
            "podSpecPaths:\n  - kind: Rollout\n    apiVersion: example.com/v1\n    path: spec.template\n",
        );

    let (bare_run, bare) = work.scan_json(&["rollout.yaml"]);
    assert_eq!(bare_run.code, 0);
    assert!(bare.findings().is_empty());
    assert_eq!(bare.summary()["objects"], 1);

    let run = work.run(&[
        "scan",
        "--config",
        "config.yaml",
        "-o",
        "json",
        "rollout.yaml",
    ]);
    assert_eq!(run.code, 1);
    let report = run.json();
    let privileged = report.of_rule("privileged-container");
    assert_eq!(privileged.len(), 1);
    assert_eq!(
        privileged[0]["path"],
        "/spec/template/spec/containers/0/securityContext/privileged"
    );
    assert_eq!(
        privileged[0]["object"],
        json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "namespace": "prod", "name": "canary"})
    );
    assert_eq!(
        Report::location(privileged[0]),
        ("rollout.yaml".to_string(), 21, 13)
    );

    // A path for another API group does not apply.
    let other = work.run(&[
        "scan",
        "--config",
        "other-group.yaml",
        "-o",
        "json",
        "rollout.yaml",
    ]);
    assert_eq!(other.code, 0);
    assert!(other.json().findings().is_empty());
}
