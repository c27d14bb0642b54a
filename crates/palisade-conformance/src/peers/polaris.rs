//! Polaris (`test/schema_test.go`): each file of `checks/<checkId>/` runs with only that check
//! enabled. A `failure*` file must give at least one danger, any other input at least one
//! success and no danger. Polaris asserts no count of failing objects, so the verdict is per
//! file: it fails when any of its objects fails. `mutated.*` files are expected outputs of the
//! mutation tests, not inputs.

use serde::Deserialize;

use super::{Case, PeerData, parse_json};

#[derive(Deserialize)]
struct Expected {
    checks: Vec<Check>,
    files: Vec<File>,
}

#[derive(Deserialize)]
struct Check {
    check_id: String,
}

#[derive(Deserialize)]
struct File {
    file: String,
    check: String,
    /// `failure` or `success`; absent for mutation outputs.
    expected: Option<String>,
}

pub fn read(text: &str) -> Result<PeerData, String> {
    let expected: Expected = parse_json(text)?;
    let mut data = PeerData::default();
    data.checks
        .extend(expected.checks.iter().map(|c| c.check_id.clone()));
    for file in expected.files {
        data.checks.insert(file.check.clone());
        let fires = match file.expected.as_deref() {
            Some("failure") => true,
            Some("success") => false,
            Some(other) => {
                return Err(format!("{}: unknown expectation {other:?}", file.file));
            }
            None => {
                data.exclude(
                    Some(&file.check),
                    &file.file,
                    None,
                    "mutation output (the expected result of a Polaris fix), not an input",
                );
                continue;
            }
        };
        data.cases.push(Case {
            run: file.check.clone(),
            check: file.check,
            fixture: file.file.clone(),
            object: None,
            load: file.file,
            fires,
            also_reported: Vec::new(),
            disabled_rules: Vec::new(),
            basis: "file name (failure/success), asserted by test/schema_test.go",
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_success_and_mutation_files() {
        let data = read(
            r#"{"source": {}, "how_to_read": "", "checks": [
                  {"check_id": "hostIPCSet", "builtin": true},
                  {"check_id": "nakedPod", "builtin": false}],
                "files": [
                  {"file": "checks/hostIPCSet/failure.yaml", "check": "hostIPCSet", "expected": "failure", "objects": ["Pod/-/nginx"]},
                  {"file": "checks/hostIPCSet/success.yaml", "check": "hostIPCSet", "expected": "success", "objects": []},
                  {"file": "checks/hostIPCSet/mutated.yaml", "check": "hostIPCSet", "role": "mutation-expected-output", "mutation_input": "checks/hostIPCSet/failure.yaml", "objects": []}]}"#,
        )
        .unwrap();
        assert_eq!(
            data.checks.iter().collect::<Vec<_>>(),
            ["hostIPCSet", "nakedPod"]
        );
        assert_eq!(data.cases.len(), 2);
        assert!(data.cases[0].fires && !data.cases[1].fires);
        assert_eq!(data.cases[0].load, "checks/hostIPCSet/failure.yaml");
        assert_eq!(data.excluded.len(), 1);
        assert!(data.excluded[0].reason.contains("mutation output"));
    }

    #[test]
    fn unknown_expectation_is_an_error() {
        let error =
            read(r#"{"checks": [], "files": [{"file": "a", "check": "x", "expected": "maybe"}]}"#)
                .unwrap_err();
        assert!(error.contains("maybe"));
    }
}
