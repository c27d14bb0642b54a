//! kube-linter (`e2etests/bats-tests.sh`): each test runs one check (or a config) on a fixture
//! and asserts the exact number of reports and the `Kind: message` of each, in order. Reports
//! name the kind, rarely the object, so a verdict per object is derived:
//!
//! - an object a report names fires;
//! - an object of a kind without any report stays quiet when the test spells out every report;
//! - among objects of a reported kind, the fixtures name the negative cases `dont-fire*`: when
//!   the objects of that kind not so named are at least one and at most the number of reports
//!   of the kind, they fire and the `dont-fire*` ones stay quiet;
//! - otherwise the verdict is about the kind as a whole (`Kind/*`: some object of it fires).
//!
//! Objects whose verdict the test leaves open (it does not spell out every report) are not
//! compared.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{Case, PeerData, Selector, parse_json};

#[derive(Deserialize)]
struct Expected {
    tests: Vec<Test>,
    built_in_checks: Vec<BuiltIn>,
}

#[derive(Deserialize)]
struct BuiltIn {
    check: String,
}

#[derive(Deserialize)]
struct Test {
    test: String,
    fixture: String,
    checks: Vec<String>,
    expected_report_count: Option<usize>,
    assertions_complete: bool,
    expected_reports: Vec<Report>,
    #[serde(default)]
    expected_failing_object_names: Vec<FailingName>,
    objects_in_fixture: Vec<FixtureObject>,
}

#[derive(Deserialize)]
struct Report {
    report_index: usize,
    kind_and_message: String,
}

#[derive(Deserialize)]
struct FailingName {
    report_index: usize,
    name: String,
}

#[derive(Deserialize)]
struct FixtureObject {
    kind: String,
    name: Option<String>,
}

/// `Deployment: message` or `Job bad-job: message` (a leading `~` marks a glob in the bats
/// test) to the kind and, where given, the object name.
fn reported_object(kind_and_message: &str) -> (String, Option<String>) {
    let prefix = kind_and_message
        .split_once(':')
        .map_or(kind_and_message, |(prefix, _)| prefix);
    let mut words = prefix.trim().trim_start_matches('~').split_whitespace();
    let kind = words.next().unwrap_or("").to_string();
    (kind, words.next().map(str::to_string))
}

/// The check a test is about: its one `--include` check, or the test's name for config tests.
fn check_of(test: &Test) -> String {
    test.checks
        .first()
        .cloned()
        .unwrap_or_else(|| test.test.clone())
}

pub fn read(text: &str) -> Result<PeerData, String> {
    let expected: Expected = parse_json(text)?;
    let mut data = PeerData::default();
    data.checks
        .extend(expected.built_in_checks.iter().map(|c| c.check.clone()));
    for test in &expected.tests {
        read_test(test, &mut data);
    }
    Ok(data)
}

fn read_test(test: &Test, data: &mut PeerData) {
    let check = check_of(test);
    data.checks.insert(check.clone());
    // Distinct objects in fixture order.
    let mut objects: Vec<(String, Option<String>)> = Vec::new();
    for object in &test.objects_in_fixture {
        let key = (object.kind.clone(), object.name.clone());
        if !objects.contains(&key) {
            objects.push(key);
        }
    }
    let mut reports: Vec<(String, Option<String>)> = test
        .expected_reports
        .iter()
        .map(|r| reported_object(&r.kind_and_message))
        .collect();
    for named in &test.expected_failing_object_names {
        let position = test
            .expected_reports
            .iter()
            .position(|r| r.report_index == named.report_index);
        match position {
            Some(at) => reports[at].1 = Some(named.name.clone()),
            None => {
                // A report whose text the test does not check: its kind is the named object's.
                let kinds: BTreeSet<&String> = objects
                    .iter()
                    .filter(|(_, name)| name.as_deref() == Some(named.name.as_str()))
                    .map(|(kind, _)| kind)
                    .collect();
                if let [kind] = kinds.into_iter().collect::<Vec<_>>().as_slice() {
                    reports.push(((*kind).clone(), Some(named.name.clone())));
                }
            }
        }
    }
    let complete =
        test.assertions_complete && test.expected_report_count == Some(test.expected_reports.len());
    let case = |object: Selector, fires: bool, basis: &'static str| Case {
        check: check.clone(),
        fixture: test.fixture.clone(),
        object: Some(object),
        load: test.fixture.clone(),
        fires,
        also_reported: Vec::new(),
        disabled_rules: Vec::new(),
        basis,
        run: check.clone(),
    };
    let mut kinds: Vec<&String> = Vec::new();
    for (kind, _) in objects.iter().chain(reports.iter()) {
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    for kind in kinds {
        let of_kind: Vec<&Option<String>> = objects
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, name)| name)
            .collect();
        let kind_reports: Vec<&Option<String>> = reports
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, name)| name)
            .collect();
        let named: BTreeSet<&str> = kind_reports.iter().filter_map(|n| n.as_deref()).collect();
        let unnamed = kind_reports.iter().filter(|n| n.is_none()).count();
        let candidates: Vec<&&Option<String>> = of_kind
            .iter()
            .filter(|name| match name.as_deref() {
                Some(name) => !named.contains(name) && !name.starts_with("dont-fire"),
                None => true,
            })
            .collect();
        let by_convention = unnamed > 0 && !candidates.is_empty() && candidates.len() <= unnamed;
        if unnamed > 0 && !by_convention {
            data.cases.push(case(
                Selector::new(kind, None),
                true,
                "a report of this kind; which object is not identifiable",
            ));
            continue;
        }
        for name in &of_kind {
            let selector = Selector::new(kind, name.as_deref());
            let display = selector.to_string();
            if name.as_deref().is_some_and(|n| named.contains(n)) {
                data.cases
                    .push(case(selector, true, "a report names the object"));
            } else if by_convention && candidates.contains(&name) {
                data.cases.push(case(
                    selector,
                    true,
                    "report count of the kind and the dont-fire naming convention",
                ));
            } else if complete {
                let basis = if kind_reports.is_empty() {
                    "no report of this kind; the test spells out every report"
                } else {
                    "report count of the kind and the dont-fire naming convention"
                };
                data.cases.push(case(selector, false, basis));
            } else {
                data.exclude(
                    Some(&check),
                    &test.fixture,
                    Some(display),
                    format!(
                        "test {} does not spell out every report, so this object's verdict is open",
                        test.test
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(tests: &str) -> String {
        format!(
            r#"{{"source": {{}}, "how_to_read": "", "built_in_checks": [{{"check": "host-ipc", "template": "host-ipc"}}], "tests": [{tests}]}}"#
        )
    }

    fn verdicts(data: &PeerData) -> Vec<(String, bool)> {
        data.cases
            .iter()
            .map(|c| (c.object.as_ref().unwrap().to_string(), c.fires))
            .collect()
    }

    #[test]
    fn complete_test_with_dont_fire_convention() {
        let data = read(&sample(
            r#"{"test": "host-ipc", "fixture": "tests/checks/host-ipc.yml", "checks": ["host-ipc"], "config": null,
                "expected_report_count": 2, "assertions_complete": true,
                "expected_reports": [
                  {"report_index": 0, "match": "exact", "kind_and_message": "Deployment: resource shares host's IPC namespace"},
                  {"report_index": 1, "match": "exact", "kind_and_message": "DeploymentConfig: resource shares host's IPC namespace"}],
                "objects_in_fixture": [{"kind": "Deployment", "name": "dont-fire"}, {"kind": "DeploymentConfig", "name": "dont-fire"},
                  {"kind": "Deployment", "name": "app"}, {"kind": "DeploymentConfig", "name": "app"}, {"kind": "Service", "name": "svc"},
                  {"kind": "Deployment", "name": "dont-fire"}]}"#,
        ))
        .unwrap();
        assert_eq!(
            verdicts(&data),
            [
                ("Deployment/dont-fire".to_string(), false),
                ("Deployment/app".to_string(), true),
                ("DeploymentConfig/dont-fire".to_string(), false),
                ("DeploymentConfig/app".to_string(), true),
                ("Service/svc".to_string(), false),
            ]
        );
        assert!(data.excluded.is_empty());
    }

    #[test]
    fn ambiguous_kind_falls_back_to_the_kind_and_incomplete_tests_leave_objects_open() {
        let data = read(&sample(
            r#"{"test": "t", "fixture": "f.yml", "checks": [], "config": "c.yaml",
                "expected_report_count": 3, "assertions_complete": false,
                "expected_reports": [{"report_index": 0, "match": "exact", "kind_and_message": "Deployment: x"}],
                "expected_failing_object_names": [{"report_index": 2, "name": "bad-sa"}],
                "objects_in_fixture": [{"kind": "Deployment", "name": "a"}, {"kind": "Deployment", "name": "b"},
                  {"kind": "ServiceAccount", "name": "bad-sa"}, {"kind": "ServiceAccount", "name": "good-sa"},
                  {"kind": "Job", "name": "j"}]}"#,
        ))
        .unwrap();
        assert!(data.checks.contains("t"));
        assert_eq!(
            verdicts(&data),
            [
                ("Deployment/*".to_string(), true),
                ("ServiceAccount/bad-sa".to_string(), true),
            ]
        );
        let open: Vec<&str> = data
            .excluded
            .iter()
            .map(|e| e.object.as_deref().unwrap())
            .collect();
        assert_eq!(open, ["ServiceAccount/good-sa", "Job/j"]);
    }

    #[test]
    fn kind_and_name_from_report_text() {
        assert_eq!(
            reported_object("Job bad-job: Standalone Job does not specify"),
            ("Job".into(), Some("bad-job".into()))
        );
        assert_eq!(
            reported_object("~DaemonSet: resource is not valid:"),
            ("DaemonSet".into(), None)
        );
        assert_eq!(reported_object(""), (String::new(), None));
    }
}
