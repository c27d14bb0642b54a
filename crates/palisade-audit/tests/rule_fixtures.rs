//! Every audit rule has two fixtures in `tests/fixtures/`: `<rule>.alert.jsonl`, whose every
//! event must raise that rule, and `<rule>.quiet.jsonl`, whose events must not (near misses:
//! the same request refused, by the control plane itself, on another resource...). The alerts
//! of the first are snapshotted (`tests/snapshots/`), with their positions and messages.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use palisade_audit::{AuditConfig, Detector, EventReader, Limits, all_rules};
use palisade_model::Alert;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixtures are judged with a configuration that names the cluster networks, as a real
/// deployment would, plus the `audit` section of `<rule>.palisade.yaml` when the rule has one
/// (the readers, users or thresholds its fixtures assume). Files with `.default.` in the name
/// run with the defaults: no cluster networks, no rule configuration.
fn config_for(file: &Path) -> AuditConfig {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name.contains(".default.") {
        return AuditConfig::default();
    }
    let rule = name.split('.').next().unwrap_or_default();
    let sidecar = fixtures().join(format!("{rule}.palisade.yaml"));
    let mut config = match fs::read_to_string(&sidecar) {
        Ok(text) => {
            let shown = sidecar.display().to_string();
            let documents = palisade_load::parse_documents(&shown, &text)
                .unwrap_or_else(|e| panic!("{shown}: {e}"));
            let scan = palisade_rules::Config::from_node(&documents[0], &shown)
                .unwrap_or_else(|e| panic!("{e}"));
            AuditConfig::from_config(scan, &shown).unwrap_or_else(|e| panic!("{e}"))
        }
        Err(_) => AuditConfig::default(),
    };
    if config.cluster_networks.is_empty() {
        for network in ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] {
            config.add_cluster_network(network).unwrap();
        }
    }
    config
}

/// Every alert of every event of the file, with one alert list per event.
fn judge(file: &Path) -> Vec<Vec<Alert>> {
    let mut detector = Detector::new(config_for(file));
    let mut per_event = Vec::new();
    for record in EventReader::open(file, Limits::default()) {
        let record = record.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let mut alerts = Vec::new();
        detector.observe(&record, &mut alerts).unwrap();
        per_event.push(alerts);
    }
    assert!(!per_event.is_empty(), "{}: no events", file.display());
    per_event
}

fn fixture_files(rule: &str, kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixtures())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(&format!("{rule}.")) && name.ends_with(&format!(".{kind}.jsonl"))
                || name == format!("{rule}.{kind}.jsonl")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_rule_alerts_on_its_alert_fixture_and_only_there() {
    let mut missing = Vec::new();
    for registered in all_rules() {
        let rule = registered.rule.meta.name;
        let alert_files = fixture_files(rule, "alert");
        let quiet_files = fixture_files(rule, "quiet");
        if alert_files.is_empty() || quiet_files.is_empty() {
            missing.push(rule);
            continue;
        }
        for file in &alert_files {
            let per_event = judge(file);
            let mut snapshot = Vec::new();
            for (index, alerts) in per_event.iter().enumerate() {
                let own: Vec<&Alert> = alerts.iter().filter(|a| a.rule == rule).collect();
                assert!(
                    !own.is_empty(),
                    "{rule}: event {} of {} raised no alert (got {:?})",
                    index + 1,
                    file.display(),
                    alerts.iter().map(|a| &a.rule).collect::<Vec<_>>()
                );
                snapshot.extend(own.into_iter().cloned());
            }
            let name = file
                .file_name()
                .unwrap()
                .to_string_lossy()
                .replace(".jsonl", "");
            insta::with_settings!({snapshot_suffix => name, prepend_module_to_snapshot => false}, {
                insta::assert_json_snapshot!("alerts", snapshot, {
                    ".*.location.file" => "[fixture]",
                });
            });
        }
        for file in &quiet_files {
            for (index, alerts) in judge(file).iter().enumerate() {
                assert!(
                    alerts.iter().all(|a| a.rule != rule),
                    "{rule}: event {} of {} should not alert: {:?}",
                    index + 1,
                    file.display(),
                    alerts
                        .iter()
                        .filter(|a| a.rule == rule)
                        .map(|a| &a.message)
                        .collect::<Vec<_>>()
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "audit rules without an alert and a quiet fixture: {missing:?}"
    );
}

#[test]
fn every_fixture_belongs_to_a_rule() {
    let rules: BTreeSet<&str> = all_rules().iter().map(|r| r.rule.meta.name).collect();
    for entry in fs::read_dir(fixtures()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let rule = name.split('.').next().unwrap();
        assert!(rules.contains(rule), "fixture {name} names no audit rule");
        assert!(
            name.ends_with(".jsonl") || name == format!("{rule}.palisade.yaml"),
            "{name} is neither a fixture (.jsonl) nor a rule's configuration ({rule}.palisade.yaml)"
        );
    }
}
