//! Checkov (`tests/kubernetes/checks/test_*.py`): the runner scans one `example_<X>/` folder
//! with one check and the test asserts the passed/failed counts over the folder. Verdicts per
//! object or file come from:
//!
//! - the resource IDs (`Kind.namespace.name`) the test lists as passed or failed, where it
//!   lists them: a verdict per object;
//! - otherwise the `-PASSED`/`-FAILED` label in each file's name: a verdict per file (it fails
//!   when any object in it fails). Where the test asserts the labels this is upstream's own
//!   assertion; elsewhere it is the fixtures' naming convention, which the counts support.
//!
//! Files without a label (or labelled `UNKNOWN`) and checks run under a condition (an
//! environment variable) are not compared. palisade loads the whole folder, as Checkov does.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::{Case, PeerData, Selector, parse_json};

#[derive(Deserialize)]
struct Expected {
    checks: Vec<Check>,
    files: BTreeMap<String, File>,
}

#[derive(Deserialize)]
struct Check {
    check_id: String,
    folder: String,
    expected_summary: Summary,
    #[serde(default)]
    expected_resources: Resources,
    filename_label_asserted: bool,
    condition: Option<String>,
}

#[derive(Deserialize)]
struct Summary {
    passed: usize,
    failed: usize,
}

#[derive(Deserialize, Default)]
struct Resources {
    #[serde(default)]
    passed: Vec<String>,
    #[serde(default)]
    failed: Vec<String>,
}

#[derive(Deserialize)]
struct File {
    filename_label: Option<String>,
    objects: Vec<String>,
}

/// `Kind.namespace.name` (namespace `-` or `default` when unset) to its parts.
fn parse_resource_id(id: &str) -> Option<(&str, &str, &str)> {
    let (kind, rest) = id.split_once('.')?;
    let (namespace, name) = rest.split_once('.')?;
    (!kind.is_empty() && !name.is_empty()).then_some((kind, namespace, name))
}

fn same_resource(listed: &str, in_file: &str) -> bool {
    let normal = |ns: &str| {
        if ns == "-" {
            "default".to_string()
        } else {
            ns.to_string()
        }
    };
    match (parse_resource_id(listed), parse_resource_id(in_file)) {
        (Some((k1, n1, name1)), Some((k2, n2, name2))) => {
            k1 == k2 && name1 == name2 && normal(n1) == normal(n2)
        }
        _ => false,
    }
}

pub fn read(text: &str) -> Result<PeerData, String> {
    let expected: Expected = parse_json(text)?;
    let mut data = PeerData::default();
    for check in &expected.checks {
        data.checks.insert(check.check_id.clone());
        let folder = check.folder.as_str();
        let prefix = format!("{folder}/");
        let files: Vec<(&String, &File)> = expected
            .files
            .iter()
            .filter(|(path, _)| path.starts_with(&prefix))
            .collect();
        if let Some(condition) = &check.condition {
            data.exclude(
                Some(&check.check_id),
                folder,
                None,
                format!("the test runs with {condition}; palisade has no equivalent setting"),
            );
            continue;
        }
        let case =
            |fixture: &str, object: Option<Selector>, fires: bool, basis: &'static str| Case {
                check: check.check_id.clone(),
                fixture: fixture.to_string(),
                object,
                load: folder.to_string(),
                fires,
                also_reported: Vec::new(),
                disabled_rules: Vec::new(),
                basis,
                run: check.check_id.clone(),
            };
        let resources = &check.expected_resources;
        if !resources.passed.is_empty() || !resources.failed.is_empty() {
            let listed = resources
                .passed
                .iter()
                .map(|id| (id, false))
                .chain(resources.failed.iter().map(|id| (id, true)));
            for (id, fires) in listed {
                let Some((kind, namespace, name)) = parse_resource_id(id) else {
                    return Err(format!("{}: bad resource ID {id:?}", check.check_id));
                };
                let holders: Vec<&String> = files
                    .iter()
                    .filter(|(_, file)| file.objects.iter().any(|o| same_resource(id, o)))
                    .map(|(path, _)| *path)
                    .collect();
                // An ID in several files (Checkov keeps one of them) is judged over the folder.
                let fixture = match holders.as_slice() {
                    [one] => one.as_str(),
                    _ => folder,
                };
                let selector = Selector {
                    kind: kind.to_string(),
                    name: Some(name.to_string()),
                    namespace: Some(namespace.to_string()),
                };
                data.cases.push(case(
                    fixture,
                    Some(selector),
                    fires,
                    "resource ID asserted by the upstream test",
                ));
            }
            continue;
        }
        // A folder of one file: the asserted counts give the file's verdict exactly.
        if let [(path, _)] = files.as_slice() {
            let summary = &check.expected_summary;
            if summary.failed > 0 || summary.passed > 0 {
                data.cases.push(case(
                    path,
                    None,
                    summary.failed > 0,
                    "the test's passed/failed counts (the folder has one file)",
                ));
                continue;
            }
        }
        let basis = if check.filename_label_asserted {
            "file name label, asserted by the upstream test"
        } else {
            "file name label (a naming convention; the test asserts the folder's counts)"
        };
        for (path, file) in files {
            match file.filename_label.as_deref() {
                Some("FAILED") => data.cases.push(case(path, None, true, basis)),
                Some("PASSED") => data.cases.push(case(path, None, false, basis)),
                label => data.exclude(
                    Some(&check.check_id),
                    path,
                    None,
                    format!(
                        "the file name carries no PASSED/FAILED label ({}), and the test lists no resource IDs",
                        label.unwrap_or("none")
                    ),
                ),
            }
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{"how_to_read": "", "checks": [
        {"check_id": "CKV_K8S_16", "check_name": "n", "supported_kinds": null, "check_module": "m", "folder": "example_Priv",
         "expected_summary": {"passed": 1, "failed": 1}, "expected_resources": {}, "filename_label_asserted": false, "upstream_test": "t", "condition": null},
        {"check_id": "CKV_K8S_25", "check_name": "n", "supported_kinds": null, "check_module": "m", "folder": "example_Caps",
         "expected_summary": {"passed": 1, "failed": 1}, "expected_resources": {"passed": ["CronJob.default.hello"], "failed": ["StatefulSet.db.cassandra"]},
         "filename_label_asserted": false, "upstream_test": "t", "condition": null},
        {"check_id": "CKV_K8S_21", "check_name": "n", "supported_kinds": null, "check_module": "m", "folder": "example_Priv",
         "expected_summary": {"passed": 2, "failed": 0}, "expected_resources": {}, "filename_label_asserted": false, "upstream_test": "t",
         "condition": "environment variable HELM_NAMESPACE=x is set"},
        {"check_id": "CKV_K8S_11", "check_name": "n", "supported_kinds": null, "check_module": "m", "folder": "example_Suppressed",
         "expected_summary": {"passed": 0, "failed": 1, "skipped": 9}, "expected_resources": {}, "filename_label_asserted": false, "upstream_test": "t", "condition": null}],
      "files": {
        "example_Priv/a-FAILED.yaml": {"filename_label": "FAILED", "objects": ["Pod.-.a"], "used_by_checks": ["CKV_K8S_16"]},
        "example_Priv/b-PASSED.yaml": {"filename_label": "PASSED", "objects": ["Pod.-.b"], "used_by_checks": ["CKV_K8S_16"]},
        "example_Priv/c.yaml": {"filename_label": null, "objects": ["Pod.-.c"], "used_by_checks": ["CKV_K8S_16"]},
        "example_Caps/cronjob-PASSED.yaml": {"filename_label": "PASSED", "objects": ["CronJob.-.hello"], "used_by_checks": ["CKV_K8S_25"]},
        "example_Caps/cronjob-UNKNOWN.yaml": {"filename_label": "UNKNOWN", "objects": ["CronJob.-.hello"], "used_by_checks": ["CKV_K8S_25"]},
        "example_Caps/sts-FAILED.yaml": {"filename_label": "FAILED", "objects": ["StatefulSet.db.cassandra"], "used_by_checks": ["CKV_K8S_25"]},
        "example_Suppressed/suppress-checks-PASSED.yaml": {"filename_label": "PASSED", "objects": ["Pod.-.a", "Pod.-.b"], "used_by_checks": ["CKV_K8S_11"]}}}"#;

    #[test]
    fn labels_resource_ids_and_conditions() {
        let data = read(SAMPLE).unwrap();
        let cases: Vec<(String, Option<String>, bool, String)> = data
            .cases
            .iter()
            .map(|c| {
                (
                    c.fixture.clone(),
                    c.object.as_ref().map(ToString::to_string),
                    c.fires,
                    c.load.clone(),
                )
            })
            .collect();
        assert_eq!(
            cases,
            [
                (
                    "example_Priv/a-FAILED.yaml".into(),
                    None,
                    true,
                    "example_Priv".into()
                ),
                (
                    "example_Priv/b-PASSED.yaml".into(),
                    None,
                    false,
                    "example_Priv".into()
                ),
                (
                    "example_Caps".into(),
                    Some("CronJob/default/hello".into()),
                    false,
                    "example_Caps".into()
                ),
                (
                    "example_Caps/sts-FAILED.yaml".into(),
                    Some("StatefulSet/db/cassandra".into()),
                    true,
                    "example_Caps".into()
                ),
                (
                    "example_Suppressed/suppress-checks-PASSED.yaml".into(),
                    None,
                    true,
                    "example_Suppressed".into()
                ),
            ]
        );
        let reasons: Vec<&str> = data.excluded.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(reasons.len(), 2, "{reasons:#?}");
        assert!(reasons[0].contains("no PASSED/FAILED label"));
        assert!(reasons[1].contains("HELM_NAMESPACE"));
    }

    #[test]
    fn resource_ids() {
        assert_eq!(
            parse_resource_id("Pod.kube-system.etcd.v3"),
            Some(("Pod", "kube-system", "etcd.v3"))
        );
        assert_eq!(parse_resource_id("Pod.x"), None);
        assert!(same_resource("Pod.default.a", "Pod.-.a"));
        assert!(!same_resource("Pod.prod.a", "Pod.-.a"));
    }
}
