//! Every rule has a failing and a passing fixture under `tests/fixtures/<rule>/`:
//! `fail.yaml` must produce at least one finding of the rule (the findings, with their
//! positions, are snapshotted), `pass.yaml` must produce none. A rule about Dockerfiles has
//! `fail.Dockerfile` and `pass.Dockerfile` instead (or as well), loaded by the same loader as
//! the CLI. A `config.yaml` beside them, when present, is used as `.palisade.yaml`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use palisade_model::{Finding, Inventory};
use palisade_rules::{Config, all_rules, check};

fn fixture_dir(rule: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rule)
}

fn run(dir: &Path, file: &str) -> (Vec<Finding>, Vec<String>) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let display = format!("{}/{}", dir.file_name().unwrap().to_string_lossy(), file);
    let loaded = palisade_load::load_str(&display, &text);
    let mut errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    let config = match std::fs::read_to_string(dir.join("config.yaml")) {
        Ok(config_text) => {
            let documents = palisade_load::parse_documents("config.yaml", &config_text)
                .expect("fixture config parses");
            Config::from_node(&documents[0], "config.yaml").expect("fixture config is valid")
        }
        Err(_) => Config::default(),
    };
    let inventory = Inventory::from_objects(loaded.objects);
    let outcome = check(&inventory, &config);
    errors.extend(outcome.errors.iter().map(ToString::to_string));
    (outcome.findings, errors)
}

/// The fixture files of one kind (`fail` or `pass`) that exist in `dir`.
fn fixtures(dir: &Path, kind: &str) -> Vec<String> {
    ["yaml", "Dockerfile"]
        .iter()
        .map(|extension| format!("{kind}.{extension}"))
        .filter(|file| dir.join(file).exists())
        .collect()
}

#[test]
fn every_rule_fails_its_failing_fixture_and_passes_its_passing_one() {
    let mut problems = Vec::new();
    for registered in all_rules() {
        let name = registered.rule.meta.name;
        let dir = fixture_dir(name);
        let (failing, passing) = (fixtures(&dir, "fail"), fixtures(&dir, "pass"));
        if failing.is_empty() || passing.is_empty() {
            problems.push(format!(
                "{name}: missing tests/fixtures/{name}/fail.yaml or pass.yaml (fail.Dockerfile or pass.Dockerfile for a Dockerfile rule)"
            ));
            continue;
        }
        let mut snapshot = String::new();
        for file in &failing {
            let (findings, errors) = run(&dir, file);
            assert!(errors.is_empty(), "{name}/{file}: {errors:?}");
            let own: Vec<&Finding> = findings.iter().filter(|f| f.rule == name).collect();
            if own.is_empty() {
                problems.push(format!("{name}: {file} produced no finding of the rule"));
            }
            for finding in &own {
                let location = finding
                    .location
                    .as_ref()
                    .map(|l| format!("{}:{}:{}", l.file, l.line, l.column))
                    .unwrap_or_else(|| "-".into());
                writeln!(
                    snapshot,
                    "{location} [{}] {} {}\n    {}",
                    finding.severity, finding.object, finding.path, finding.message
                )
                .unwrap();
            }
        }
        insta::assert_snapshot!(name, snapshot);

        for file in &passing {
            let (findings, errors) = run(&dir, file);
            assert!(errors.is_empty(), "{name}/{file}: {errors:?}");
            let leftover: Vec<String> = findings
                .iter()
                .filter(|f| f.rule == name)
                .map(|f| format!("{} {}", f.path, f.message))
                .collect();
            if !leftover.is_empty() {
                problems.push(format!("{name}: {file} still fails: {leftover:?}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
