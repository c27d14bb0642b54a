//! kube-score (`score/**/*_test.go`): each test scores one fixture and asserts the grade of one
//! check. CRITICAL and WARNING mean the check fires; OK (and ALMOST_OK) that it does not. The
//! upstream helper asserts the grade of the first scored object that has the check, so the
//! verdict is about the first object of the check's target kind in the fixture. Tests that
//! assert a skipped check, a comment text, line numbers or object counts are not compared.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::{Case, PeerData, Selector, parse_json};

#[derive(Deserialize)]
struct Expected {
    tests: Vec<Test>,
    fixture_objects: BTreeMap<String, Vec<String>>,
    checks: Vec<CheckInfo>,
}

#[derive(Deserialize)]
struct CheckInfo {
    check_id: String,
    target: String,
}

#[derive(Deserialize)]
struct Test {
    test_func: String,
    fixtures: Vec<String>,
    check_id: Option<String>,
    helper: String,
    expected_grade: Option<String>,
    #[serde(default)]
    expected_skipped: Option<bool>,
    #[serde(default)]
    run_config: Option<BTreeMap<String, Value>>,
}

/// The kinds kube-score scores as pods (its "PodSpecer" objects).
const POD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

fn targets(target: &str, kind: &str) -> bool {
    match target {
        "all" => true,
        "Pod" => POD_KINDS.contains(&kind),
        other => other == kind,
    }
}

/// Whether a grade means the check fires; `None` for a skipped check.
fn grade_fires(grade: &str) -> Result<Option<bool>, String> {
    let name = grade.split_whitespace().next().unwrap_or("");
    match name {
        "CRITICAL" | "WARNING" => Ok(Some(true)),
        "OK" | "ALMOST_OK" => Ok(Some(false)),
        "0" => Ok(None),
        _ => Err(format!("unknown grade {grade:?}")),
    }
}

/// The palisade rules a kube-score run setting switches off; `Err` for a setting that changes
/// a graded check and has no palisade equivalent.
fn disabled_rules(config: &BTreeMap<String, Value>) -> Result<Vec<String>, String> {
    let mut disabled = Vec::new();
    for (key, value) in config {
        match key.as_str() {
            // The Kubernetes version only changes the stable-version check; optional checks and
            // annotations that switch checks on do not change a grade (palisade runs every rule).
            "KubernetesVersion"
            | "EnabledOptionalTests"
            | "UseOptionalChecksAnnotation"
            | "UseIgnoreChecksAnnotation" => {}
            "IgnoreContainerCpuLimitRequirement" if value == &Value::Bool(true) => {
                disabled.push("missing-cpu-limit".to_string());
            }
            "IgnoreContainerMemoryLimitRequirement" if value == &Value::Bool(true) => {
                disabled.push("missing-memory-limit".to_string());
            }
            "IgnoreContainerCpuLimitRequirement" | "IgnoreContainerMemoryLimitRequirement" => {}
            other => return Err(format!("run setting {other} has no palisade equivalent")),
        }
    }
    Ok(disabled)
}

pub fn read(text: &str) -> Result<PeerData, String> {
    let expected: Expected = parse_json(text)?;
    let mut data = PeerData::default();
    let target_of: BTreeMap<&str, &str> = expected
        .checks
        .iter()
        .map(|c| (c.check_id.as_str(), c.target.as_str()))
        .collect();
    data.checks
        .extend(expected.checks.iter().map(|c| c.check_id.clone()));
    for test in &expected.tests {
        let fixture_names = test.fixtures.join(", ");
        let fixture_path = |name: &str| format!("testdata/{name}");
        let Some(check) = &test.check_id else {
            data.exclude(
                None,
                &fixture_path(&fixture_names),
                None,
                format!(
                    "{} asserts parsing, line numbers or object counts, not a check's grade",
                    test.test_func
                ),
            );
            continue;
        };
        data.checks.insert(check.clone());
        let [fixture] = test.fixtures.as_slice() else {
            data.exclude(
                Some(check),
                &fixture_path(&fixture_names),
                None,
                "a test over several fixtures",
            );
            continue;
        };
        let fixture = fixture_path(fixture);
        let fires = match (&test.expected_grade, test.expected_skipped) {
            (Some(grade), _) if test.helper.starts_with("testExpectedScore") => {
                match grade_fires(grade).map_err(|e| format!("{}: {e}", test.test_func))? {
                    Some(fires) => fires,
                    None => {
                        data.exclude(Some(check), &fixture, None, "kube-score skips the check");
                        continue;
                    }
                }
            }
            (_, Some(true)) => {
                data.exclude(Some(check), &fixture, None, "kube-score skips the check");
                continue;
            }
            _ => {
                data.exclude(
                    Some(check),
                    &fixture,
                    None,
                    format!(
                        "{} ({}) asserts that the check ran, was not skipped, or a comment; no grade",
                        test.test_func, test.helper
                    ),
                );
                continue;
            }
        };
        let disabled = match test.run_config.as_ref().map(disabled_rules).transpose() {
            Ok(disabled) => disabled.unwrap_or_default(),
            Err(reason) => {
                data.exclude(Some(check), &fixture, None, reason);
                continue;
            }
        };
        let target = target_of.get(check.as_str()).copied().unwrap_or("all");
        let objects = expected
            .fixture_objects
            .get(&test.fixtures[0])
            .map(Vec::as_slice)
            .unwrap_or_default();
        let first = objects.iter().find_map(|object| {
            let (kind, name) = object.split_once('/')?;
            targets(target, kind).then_some((kind, name))
        });
        let Some((kind, name)) = first else {
            data.exclude(
                Some(check),
                &fixture,
                None,
                format!("no object of the check's target kind ({target}) in the fixture"),
            );
            continue;
        };
        let name = (name != "None").then_some(name);
        data.cases.push(Case {
            check: check.clone(),
            fixture: fixture.clone(),
            object: Some(Selector::new(kind, name)),
            load: fixture,
            fires,
            also_reported: Vec::new(),
            disabled_rules: disabled,
            basis: "grade asserted by the upstream unit test (first scored object)",
            run: check.clone(),
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "tests": [
        {"test_func": "A", "fixtures": ["pod.yaml"], "check": "Container Image Tag", "check_id": "container-image-tag", "helper": "testExpectedScore", "expected_grade": "CRITICAL (1)", "run_config": {"KubernetesVersion": "1.18"}},
        {"test_func": "B", "fixtures": ["pod.yaml"], "check_id": "container-resources", "helper": "testExpectedScoreWithConfig", "expected_grade": "OK (10)", "run_config": {"IgnoreContainerCpuLimitRequirement": true}},
        {"test_func": "C", "fixtures": ["pod.yaml"], "check_id": "container-image-tag", "helper": "wasSkipped", "expected_skipped": true},
        {"test_func": "D", "fixtures": ["list.yaml"], "check": null, "helper": "testScore", "note": "n"},
        {"test_func": "E", "fixtures": ["svc.yaml"], "check_id": "container-image-tag", "helper": "testExpectedScore", "expected_grade": "OK (10)"},
        {"test_func": "F", "fixtures": ["pod.yaml"], "check_id": "stable-version", "helper": "testExpectedScore", "expected_grade": "0 (no grade: check skipped, per upstream comment)"},
        {"test_func": "G", "fixtures": ["pod.yaml"], "check_id": "container-image-tag", "helper": "testExpectedScoreWithConfig", "expected_grade": "WARNING (5)", "run_config": {"SomethingNew": 1}}
      ],
      "fixture_objects": {"pod.yaml": ["Service/s", "Deployment/app", "Pod/p"], "svc.yaml": ["Service/s"]},
      "checks": [{"check_id": "container-image-tag", "target": "Pod", "enabled": "default"},
                 {"check_id": "container-resources", "target": "Pod", "enabled": "default"},
                 {"check_id": "stable-version", "target": "all", "enabled": "default"}]
    }"#;

    #[test]
    fn grades_targets_configs_and_exclusions() {
        let data = read(SAMPLE).unwrap();
        assert_eq!(data.cases.len(), 2, "{:#?}", data.cases);
        let first = &data.cases[0];
        assert!(first.fires);
        assert_eq!(first.fixture, "testdata/pod.yaml");
        assert_eq!(first.object, Some(Selector::new("Deployment", Some("app"))));
        let second = &data.cases[1];
        assert!(!second.fires);
        assert_eq!(second.disabled_rules, ["missing-cpu-limit"]);
        let reasons: Vec<&str> = data.excluded.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(reasons.len(), 5, "{reasons:#?}");
        assert!(reasons[0].contains("skips"));
        assert!(reasons[1].contains("not a check's grade"));
        assert!(reasons[2].contains("no object of the check's target kind"));
        assert!(reasons[3].contains("skips"));
        assert!(reasons[4].contains("SomethingNew"));
    }

    #[test]
    fn unknown_grade_is_an_error() {
        let text = SAMPLE.replace("CRITICAL (1)", "EXCELLENT (11)");
        assert!(read(&text).unwrap_err().contains("EXCELLENT"));
    }
}
