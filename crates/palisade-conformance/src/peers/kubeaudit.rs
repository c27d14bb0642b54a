//! kubeaudit (`auditors/<auditor>/<auditor>_test.go`): each case runs one auditor on a fixture,
//! which must report exactly the listed result names. So for every result name that auditor
//! can report, the case says whether it fires. A name ending in `Allowed` is a finding an
//! override label (`kubeaudit.io/allow-...`) suppressed: the condition is there, and palisade,
//! which does not read kubeaudit's labels, reports it, so it counts as its base name firing.
//! Cases without a result list (`deprecatedapis` expects a severity, the AppArmor autofix cases
//! an expected profile) are not compared.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use super::{Case, PeerData, parse_json};

#[derive(Deserialize)]
struct Expected {
    cases: Vec<AuditCase>,
}

#[derive(Deserialize)]
struct AuditCase {
    auditor: String,
    fixture: String,
    expected_results: Option<Vec<String>>,
    #[serde(default)]
    other_test_params: Option<String>,
}

/// The result name an override variant stands for.
pub fn base_name(name: &str) -> &str {
    match name.strip_suffix("Allowed") {
        Some(base) if !base.is_empty() => base,
        _ => name,
    }
}

pub fn read(text: &str) -> Result<PeerData, String> {
    let expected: Expected = parse_json(text)?;
    let mut data = PeerData::default();
    // The names each auditor can report, as found in its cases.
    let mut names: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for case in &expected.cases {
        let auditor_names = names.entry(case.auditor.as_str()).or_default();
        match &case.expected_results {
            Some(results) => {
                for name in results {
                    data.checks.insert(name.clone());
                    data.checks.insert(base_name(name).to_string());
                    auditor_names.insert(base_name(name));
                }
            }
            // An auditor whose cases assert no result names still needs a mapping row.
            None if case.auditor == "deprecatedapis" => {
                data.checks.insert(case.auditor.clone());
            }
            None => {}
        }
    }
    for case in &expected.cases {
        let Some(results) = &case.expected_results else {
            data.exclude(
                Some(&case.auditor),
                &case.fixture,
                None,
                format!(
                    "the {} test asserts no result names (its parameters {} give an expected \
                     severity or autofix output)",
                    case.auditor,
                    case.other_test_params.as_deref().unwrap_or("-")
                ),
            );
            continue;
        };
        let reported: BTreeSet<&str> = results.iter().map(|n| base_name(n)).collect();
        let also_reported: Vec<String> = reported.iter().map(|n| n.to_string()).collect();
        for name in names.get(case.auditor.as_str()).into_iter().flatten() {
            data.cases.push(Case {
                check: name.to_string(),
                fixture: case.fixture.clone(),
                object: None,
                load: case.fixture.clone(),
                fires: reported.contains(name),
                also_reported: also_reported.clone(),
                disabled_rules: Vec::new(),
                basis: "exact result list of the auditor's test case",
                run: case.auditor.clone(),
            });
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_of_the_auditor_gets_a_verdict_and_allowed_counts_as_its_base() {
        let data = read(
            r#"{"source": {}, "how_to_read": "", "cases": [
                {"auditor": "privileged", "fixture": "privileged/fixtures/nil.yml", "expected_results": ["PrivilegedNil"], "other_test_params": "None"},
                {"auditor": "privileged", "fixture": "privileged/fixtures/true.yml", "expected_results": ["PrivilegedTrueAllowed"]},
                {"auditor": "privileged", "fixture": "privileged/fixtures/ok.yml", "expected_results": []},
                {"auditor": "deprecatedapis", "fixture": "deprecatedapis/fixtures/cronjob.yml", "expected_results": null, "other_test_params": "\"1.20\", \"\", kubeaudit.Info"}]}"#,
        )
        .unwrap();
        assert_eq!(
            data.checks.iter().collect::<Vec<_>>(),
            [
                "PrivilegedNil",
                "PrivilegedTrue",
                "PrivilegedTrueAllowed",
                "deprecatedapis"
            ]
        );
        let verdicts: Vec<(&str, &str, bool)> = data
            .cases
            .iter()
            .map(|c| (c.fixture.as_str(), c.check.as_str(), c.fires))
            .collect();
        assert_eq!(
            verdicts,
            [
                ("privileged/fixtures/nil.yml", "PrivilegedNil", true),
                ("privileged/fixtures/nil.yml", "PrivilegedTrue", false),
                ("privileged/fixtures/true.yml", "PrivilegedNil", false),
                ("privileged/fixtures/true.yml", "PrivilegedTrue", true),
                ("privileged/fixtures/ok.yml", "PrivilegedNil", false),
                ("privileged/fixtures/ok.yml", "PrivilegedTrue", false),
            ]
        );
        assert_eq!(data.cases[3].also_reported, ["PrivilegedTrue"]);
        assert_eq!(data.excluded.len(), 1);
        assert!(data.excluded[0].reason.contains("kubeaudit.Info"));
    }

    #[test]
    fn base_names() {
        assert_eq!(base_name("PrivilegedTrueAllowed"), "PrivilegedTrue");
        assert_eq!(base_name("Allowed"), "Allowed");
        assert_eq!(base_name("PrivilegedTrue"), "PrivilegedTrue");
    }
}
