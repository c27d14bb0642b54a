//! `palisade rules` and `palisade explain RULE`.

mod common;

use std::collections::BTreeSet;

use common::{Run, palisade};
use palisade_rules::rule_docs;
use serde_json::Value;

fn run(arguments: &[&str]) -> Run {
    Run::from_output(palisade().args(arguments).output().unwrap())
}

/// Every rule in listing order: the manifest rules by layer and name, then the audit rules
/// (the runtime layer, the outermost last) by name.
fn rule_names() -> Vec<String> {
    rule_docs()
        .iter()
        .chain(palisade_audit::rule_docs().iter())
        .map(|doc| doc.meta.name.to_string())
        .collect()
}

#[test]
fn rules_table_lists_every_rule() {
    let run = run(&["rules", "--color", "never"]);

    assert_eq!(run.code, 0);
    assert_eq!(run.stderr, "");
    let names = rule_names();
    assert!(names.len() >= 26, "{names:?}");
    assert!(names.iter().any(|name| name == "privileged-container"));
    let first_column: BTreeSet<&str> = run
        .stdout
        .lines()
        .skip(1)
        .filter(|line| !line.starts_with(' '))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|word| word.contains('-'))
        .collect();
    let expected: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(first_column, expected);
    assert!(
        run.stdout.lines().next().unwrap().starts_with("NAME"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("\n{} rules.", names.len())),
        "{}",
        run.stdout
    );
    let privileged = run
        .stdout
        .lines()
        .find(|line| line.starts_with("privileged-container "))
        .unwrap();
    let columns: Vec<&str> = privileged.split_whitespace().take(3).collect();
    assert_eq!(
        columns,
        vec!["privileged-container", "critical", "workload"]
    );
}

#[test]
fn rules_json_describes_every_rule() {
    let run = run(&["rules", "-o", "json"]);

    assert_eq!(run.code, 0);
    let rules: Value = serde_json::from_str(&run.stdout).expect("rules -o json is JSON");
    let rules = rules.as_array().expect("an array of rules");
    let severities = ["info", "low", "medium", "high", "critical"];
    let layers = [
        "host",
        "control-plane",
        "access",
        "network",
        "workload",
        "supply-chain",
        "runtime",
    ];
    for rule in rules {
        let name = rule["name"]
            .as_str()
            .unwrap_or_else(|| panic!("name: {rule}"));
        assert!(
            severities.contains(&rule["severity"].as_str().unwrap_or_default()),
            "{name}: severity {}",
            rule["severity"]
        );
        assert!(
            layers.contains(&rule["layer"].as_str().unwrap_or_default()),
            "{name}: layer {}",
            rule["layer"]
        );
        let references = rule["references"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: references"));
        assert!(!references.is_empty(), "{name}: no references");
        for reference in references {
            assert!(
                reference["id"].as_str().is_some_and(|id| !id.is_empty()),
                "{name}: reference {reference}"
            );
        }
        assert!(
            rule["summary"]
                .as_str()
                .is_some_and(|summary| !summary.is_empty()),
            "{name}: summary"
        );
    }
    let names: Vec<String> = rules
        .iter()
        .map(|rule| rule["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, rule_names());
    // What each rule looks at: one object, the whole input, or audit events.
    let scope = |name: &str| {
        rules
            .iter()
            .find(|rule| rule["name"] == name)
            .map(|rule| rule["scope"].as_str().unwrap_or_default().to_string())
            .unwrap_or_else(|| panic!("no rule {name}"))
    };
    assert_eq!(scope("privileged-container"), "object");
    assert_eq!(scope("missing-egress-policy"), "inventory");
    assert_eq!(scope("rbac-wildcard"), "inventory");
    assert_eq!(scope("exec-into-pod"), "audit-event");
    for rule in rules {
        assert!(
            ["object", "inventory", "audit-event"]
                .contains(&rule["scope"].as_str().unwrap_or_default()),
            "{}: scope {}",
            rule["name"],
            rule["scope"]
        );
    }
    let privileged = rules
        .iter()
        .find(|rule| rule["name"] == "privileged-container")
        .unwrap();
    assert_eq!(privileged["severity"], "critical");
    assert_eq!(privileged["layer"], "workload");
    assert!(
        privileged["references"]
            .as_array()
            .unwrap()
            .iter()
            .any(|reference| reference["id"] == "cis-k8s:5.2.2")
    );
}

#[test]
fn explain_shows_the_four_parts_of_a_rule() {
    let run = run(&["explain", "privileged-container", "--color", "never"]);

    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .starts_with("privileged-container (critical, workload layer)"),
        "{}",
        run.stdout
    );
    let mut last = 0;
    for section in ["What it does", "Why is this bad?", "Example", "References"] {
        let at = run.stdout[last..]
            .find(section)
            .unwrap_or_else(|| panic!("no {section:?} after byte {last}:\n{}", run.stdout))
            + last;
        last = at;
    }
    assert!(run.stdout.contains("privileged: true"), "the example");
    assert!(run.stdout.contains("Use instead:"), "the fixed example");
    assert!(run.stdout.contains("CIS Kubernetes Benchmark 5.2.2"));
}

#[test]
fn explain_an_unknown_rule_exits_2() {
    let unknown = run(&["explain", "no-such-rule"]);
    assert_eq!(unknown.code, 2);
    assert_eq!(unknown.stdout, "");
    assert_eq!(
        unknown.stderr,
        "palisade: unknown rule \"no-such-rule\"; `palisade rules` lists them\n"
    );

    let close = run(&["explain", "privileged"]);
    assert_eq!(close.code, 2);
    assert!(
        close
            .stderr
            .contains("did you mean `privileged-container`?"),
        "{}",
        close.stderr
    );

    let missing = run(&["explain"]);
    assert_eq!(missing.code, 2);
}

#[test]
fn every_rule_listed_can_be_explained() {
    for name in rule_names() {
        let explained = run(&["explain", &name, "--color", "never"]);
        assert_eq!(explained.code, 0, "{name}: {}", explained.stderr);
        assert!(
            explained.stdout.starts_with(&format!("{name} (")),
            "{name}: {}",
            explained.stdout
        );
        for section in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "## References",
        ] {
            assert!(explained.stdout.contains(section), "{name}: no {section:?}");
        }
    }
}

#[test]
fn audit_rules_are_listed_and_explained_like_the_others() {
    let listing = run(&["rules", "--color", "never"]);
    assert_eq!(listing.code, 0);
    let exec = listing
        .stdout
        .lines()
        .find(|line| line.starts_with("exec-into-pod "))
        .unwrap_or_else(|| panic!("exec-into-pod is not listed:\n{}", listing.stdout));
    let columns: Vec<&str> = exec.split_whitespace().take(3).collect();
    assert_eq!(columns, ["exec-into-pod", "medium", "runtime"]);

    let explained = run(&["explain", "exec-into-pod", "--color", "never"]);
    assert_eq!(explained.code, 0, "{}", explained.stderr);
    assert!(
        explained
            .stdout
            .starts_with("exec-into-pod (medium, runtime layer)"),
        "{}",
        explained.stdout
    );
    // What makes it an audit rule, where it is configured, and its example event as JSON.
    assert!(
        explained.stdout.contains("`palisade audit` applies it"),
        "{}",
        explained.stdout
    );
    assert!(
        explained
            .stdout
            .contains("audit: {rules: {exec-into-pod: off}}")
    );
    assert!(explained.stdout.contains("```json\n{\"kind\":\"Event\""));
    assert!(explained.stdout.contains("Use instead:"));

    let close = run(&["explain", "exec-into"]);
    assert_eq!(close.code, 2);
    assert!(
        close.stderr.contains("did you mean `exec-into-pod`?"),
        "{}",
        close.stderr
    );
}
