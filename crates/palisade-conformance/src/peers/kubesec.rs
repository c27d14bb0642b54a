//! kubesec: the rule unit tests (`rules-inline/<Rule>/*.yaml`, from `pkg/rules/*_test.go`) give
//! the predicate result of one rule on one manifest; the rule "fires" when it is above zero.
//! Rules with positive points fire when a hardening is present, so the mapping marks them
//! `inverse:`. The bats tests over `asset/` assert the sign of the total score (a sum of the
//! points of every rule) or CLI behaviour, not one check's verdict: they are not compared.

use serde::Deserialize;

use super::{Case, PeerData, parse_json};

#[derive(Deserialize)]
struct Expected {
    rules: Vec<Rule>,
    rule_unit_fixtures: Vec<UnitFixture>,
    bats_tests: Vec<BatsTest>,
}

#[derive(Deserialize)]
struct Rule {
    id: String,
}

#[derive(Deserialize)]
struct UnitFixture {
    file: String,
    rule_id: String,
    rule_matches: bool,
}

#[derive(Deserialize)]
struct BatsTest {
    test: String,
    fixtures: Vec<String>,
    asserts: Vec<String>,
}

pub fn read(text: &str) -> Result<PeerData, String> {
    let expected: Expected = parse_json(text)?;
    let mut data = PeerData::default();
    data.checks
        .extend(expected.rules.iter().map(|r| r.id.clone()));
    for unit in expected.rule_unit_fixtures {
        data.checks.insert(unit.rule_id.clone());
        data.cases.push(Case {
            run: unit.rule_id.clone(),
            check: unit.rule_id,
            fixture: unit.file.clone(),
            object: None,
            load: unit.file,
            fires: unit.rule_matches,
            also_reported: Vec::new(),
            disabled_rules: Vec::new(),
            basis: "predicate result of the rule unit test (pkg/rules/*_test.go)",
        });
    }
    for bats in expected.bats_tests {
        data.exclude(
            None,
            &bats.fixtures.join(", "),
            None,
            format!(
                "bats test {:?} asserts {}: the total score or CLI behaviour, not one check's verdict",
                bats.test,
                bats.asserts.join("; ")
            ),
        );
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_unit_cases_and_bats_exclusions() {
        let data = read(
            r#"{"rules": [{"id": "HostIPC", "points": -9}, {"id": "HostUsers", "points": 1}],
                "rule_unit_fixtures": [
                  {"file": "rules-inline/HostIPC/Test_HostIPC.yaml", "rule_id": "HostIPC", "predicate": "HostIPC", "expected_predicate_result": 1, "rule_matches": true},
                  {"file": "rules-inline/HostIPC/Test_HostIPC_Missing.yaml", "rule_id": "HostIPC", "expected_predicate_result": 0, "rule_matches": false}],
                "bats_tests": [{"test": "fails with CAP_SYS_ADMIN", "fixtures": ["asset/a.yml"], "asserts": ["score < 0"]}]}"#,
        )
        .unwrap();
        assert_eq!(data.checks.len(), 2);
        assert_eq!(data.cases.len(), 2);
        assert!(data.cases[0].fires && !data.cases[1].fires);
        assert_eq!(data.excluded.len(), 1);
        assert!(data.excluded[0].reason.contains("score < 0"));
    }
}
