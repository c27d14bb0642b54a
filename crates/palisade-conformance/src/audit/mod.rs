//! The audit conformance harness: palisade's audit rules against the labelled events of Falco's
//! k8saudit test suite and Panther's Kubernetes detections (`../shared/corpus/audit-logs`),
//! through `docs/audit-peer-mapping.md`.
//!
//! Falco: each test replays one event file with some rule files; palisade replays the same file
//! with the configuration those rule files translate to, and agrees when, for every Falco rule
//! the test is about, the number of events on which a mapped palisade rule alerts equals the
//! number of Falco alerts (0 for a test without an alert). Panther: each labelled event agrees
//! when a mapped palisade rule alerts exactly when Panther's detection does. Every labelled case
//! is compared; cases palisade does not cover count as disagreements, with the reason.

pub mod mapping;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use globset::Glob;
use palisade_audit::{AuditConfig, Detector, EventReader, Limits, Principals};
use palisade_rules::config::{AllowedRegistry, Exemption};
use serde::Serialize;
use serde_json::Value;

pub use mapping::{AuditMapping, Covered, Setting};

/// The sources compared, in report order.
pub const SOURCES: [&str; 2] = ["falco", "panther"];

/// The mapping table in the repository.
pub fn default_mapping() -> PathBuf {
    crate::workspace_root().join("docs/audit-peer-mapping.md")
}

/// One labelled case and palisade's verdict on it.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    pub source: &'static str,
    /// The Falco test name, or `file:line` of a Panther event.
    pub case: String,
    pub expected: String,
    pub palisade: String,
    pub agreed: bool,
    /// Why palisade differs, when the mapping says (not covered, or the peer is wrong).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct AuditReport {
    pub cases: Vec<CaseResult>,
    /// Rows missing from or wrong in the mapping, unknown rule names, unreadable files. A
    /// report with problems fails the script and the test.
    pub problems: Vec<String>,
}

impl AuditReport {
    /// `(agreed, compared)` of one source.
    pub fn score(&self, source: &str) -> (usize, usize) {
        let cases = self.cases.iter().filter(|c| c.source == source);
        let compared = cases.clone().count();
        (cases.filter(|c| c.agreed).count(), compared)
    }
}

/// Why a run could not start.
#[derive(Debug)]
pub enum AuditSetupError {
    CorpusAbsent(PathBuf),
    Unreadable(String),
}

impl std::fmt::Display for AuditSetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditSetupError::CorpusAbsent(path) => write!(
                f,
                "the shared corpus is absent: no {} (set PALISADE_CORPUS or pass --corpus)",
                path.join("audit-logs").display()
            ),
            AuditSetupError::Unreadable(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for AuditSetupError {}

fn read_json(path: &Path) -> Result<Value, AuditSetupError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| AuditSetupError::Unreadable(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| AuditSetupError::Unreadable(format!("{}: {e}", path.display())))
}

/// Reads the corpus and the mapping, and compares every labelled case.
pub fn run(corpus: &Path, mapping_file: &Path) -> Result<AuditReport, AuditSetupError> {
    let logs = corpus.join("audit-logs");
    if !logs.is_dir() {
        return Err(AuditSetupError::CorpusAbsent(corpus.to_path_buf()));
    }
    let text = std::fs::read_to_string(mapping_file).map_err(|e| {
        AuditSetupError::Unreadable(format!("cannot read {}: {e}", mapping_file.display()))
    })?;
    let mut report = AuditReport::default();
    let mapping = match mapping::parse(&text) {
        Ok(mapping) => mapping,
        Err(errors) => {
            report.problems.extend(
                errors
                    .into_iter()
                    .map(|e| format!("{}: {e}", mapping_file.display())),
            );
            return Ok(report);
        }
    };
    check_rule_names(&mapping, &mut report.problems);
    let mut used_wrong = BTreeSet::new();
    falco(
        &logs.join("falco-k8s-audit"),
        &mapping,
        &mut report,
        &mut used_wrong,
    )?;
    panther(
        &logs.join("panther-k8s-rules"),
        &mapping,
        &mut report,
        &mut used_wrong,
    )?;
    for key in mapping.peer_wrong.keys() {
        if !used_wrong.contains(key) {
            report.problems.push(format!(
                "`{PEER_WRONG}` lists {} {} but that case agrees or does not exist",
                key.0, key.1
            ));
        }
    }
    Ok(report)
}

use mapping::PEER_WRONG;

fn check_rule_names(mapping: &AuditMapping, problems: &mut Vec<String>) {
    let covered = mapping
        .falco_rules
        .iter()
        .chain(&mapping.panther_rules)
        .filter_map(|(peer, covered)| match covered {
            Covered::By(rules) => Some((peer, rules)),
            Covered::Not(_) => None,
        });
    for (peer, rules) in covered {
        if rules.is_empty() {
            problems.push(format!(
                "{peer}: no palisade rule and no `not covered:` reason"
            ));
        }
        for rule in rules {
            if palisade_audit::find_rule(rule).is_none() {
                problems.push(format!("{peer}: {rule} is not a palisade audit rule"));
            }
        }
    }
    for settings in mapping.falco_rule_files.values() {
        for setting in settings {
            match setting {
                Setting::Enable(rule) | Setting::Disable(rule)
                    if palisade_audit::find_rule(rule).is_none() =>
                {
                    problems.push(format!("rule files: {rule} is not a palisade audit rule"));
                }
                Setting::ExemptNames { rules, .. } => {
                    for rule in rules {
                        if palisade_rules::find_rule(rule).is_none() {
                            problems.push(format!("rule files: {rule} is not a manifest rule"));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// The configuration a Falco test's rule files translate to; `Err` with the reason when one
/// of them cannot be expressed.
fn falco_config(
    rule_files: &[String],
    mapping: &AuditMapping,
    problems: &mut Vec<String>,
) -> Result<AuditConfig, String> {
    let mut config = AuditConfig::default();
    let mut allowed_users: Vec<String> = Vec::new();
    for entry in rule_files {
        // The longest mapped name that starts the entry (`allow_nginx_container.yaml: ...`).
        let Some((_, settings)) = mapping
            .falco_rule_files
            .iter()
            .filter(|(name, _)| entry.starts_with(name.as_str()))
            .max_by_key(|(name, _)| name.len())
        else {
            problems.push(format!(
                "`{}` has no row for Falco rule file {entry:?}",
                mapping::FALCO_RULE_FILES
            ));
            continue;
        };
        for setting in settings {
            match setting {
                Setting::Nothing => {}
                Setting::Enable(rule) => {
                    config.rules.entry(rule.clone()).or_default().enabled = Some(true)
                }
                Setting::Disable(rule) => {
                    config.rules.entry(rule.clone()).or_default().enabled = Some(false)
                }
                Setting::AllowedUsers(users) => allowed_users.extend(users.iter().cloned()),
                Setting::AllowedNamespaces(names) => {
                    let allowed = config.allowed_namespaces.get_or_insert_with(Vec::new);
                    for name in names {
                        match Glob::new(name) {
                            Ok(glob) => allowed.push(glob.compile_matcher()),
                            Err(e) => problems.push(format!("rule files: {name:?}: {e}")),
                        }
                    }
                }
                Setting::AllowedRegistries(registries) => {
                    let allowed = config.scan.allowed_registries.get_or_insert_with(Vec::new);
                    for registry in registries {
                        match AllowedRegistry::new(registry) {
                            Ok(registry) => allowed.push(registry),
                            Err(e) => problems.push(format!("rule files: {e}")),
                        }
                    }
                }
                Setting::ExemptNames { names, rules } => {
                    let names = names
                        .iter()
                        .filter_map(|n| Glob::new(n).ok().map(|g| g.compile_matcher()))
                        .collect();
                    config.scan.exemptions.push(Exemption {
                        rules: Some(rules.clone()),
                        namespaces: Vec::new(),
                        names,
                        kinds: Vec::new(),
                        reason: format!("translated from Falco rule file {entry:?}"),
                    });
                }
                Setting::Inexpressible(reason) => return Err(reason.clone()),
            }
        }
    }
    if !allowed_users.is_empty() {
        config.allowed_users = Some(
            Principals::new(allowed_users.iter().map(String::as_str))
                .map_err(|e| format!("allowed users: {e}"))?,
        );
    }
    Ok(config)
}

/// Per event of the file (in order), the names of the rules that alerted; and whether any
/// event could not be read.
fn judge(file: &Path, config: AuditConfig) -> (Vec<BTreeSet<String>>, usize) {
    let mut detector = Detector::new(config);
    let mut per_event = Vec::new();
    let mut errors = 0;
    for record in EventReader::open(file, Limits::default()) {
        match record {
            Ok(record) => {
                let mut alerts = Vec::new();
                if detector.observe(&record, &mut alerts).is_err() {
                    errors += 1;
                }
                per_event.push(alerts.iter().map(|a| a.rule.to_string()).collect());
            }
            Err(_) => errors += 1,
        }
    }
    (per_event, errors)
}

fn falco(
    dir: &Path,
    mapping: &AuditMapping,
    report: &mut AuditReport,
    used_wrong: &mut BTreeSet<(String, String)>,
) -> Result<(), AuditSetupError> {
    let expected = read_json(&dir.join("expected.json"))?;
    let tests = expected["tests"].as_array().cloned().unwrap_or_default();
    for test in tests {
        let name = test["test"].as_str().unwrap_or_default().to_string();
        let file = test["event_file"].as_str().unwrap_or_default();
        let detect = test["detect"].as_bool().unwrap_or(false);
        let counts: BTreeMap<String, u64> = test["detect_counts"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                    .collect()
            })
            .unwrap_or_default();
        let rule_files: Vec<String> = test["rules"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let wants_error = test["stderr_contains"].is_string();
        // The Falco rules the test is about, with the number of alerts expected of each.
        let about: Vec<(String, u64)> = if detect {
            counts.into_iter().collect()
        } else {
            match mapping.falco_quiet_tests.get(&name) {
                Some(rules) => rules.iter().map(|r| (r.clone(), 0)).collect(),
                None => {
                    report.problems.push(format!(
                        "`{}` has no row for Falco test {name}",
                        mapping::FALCO_QUIET_TESTS
                    ));
                    continue;
                }
            }
        };
        let mut reasons = Vec::new();
        let config = match falco_config(&rule_files, mapping, &mut report.problems) {
            Ok(config) => Some(config),
            Err(reason) => {
                reasons.push(reason);
                None
            }
        };
        let (per_event, errors) = match config {
            Some(config) => judge(&dir.join(file), config),
            None => (Vec::new(), 0),
        };
        let mut expected_text = Vec::new();
        let mut palisade_text = Vec::new();
        let mut agreed = true;
        for (falco_rule, want) in &about {
            let got = match mapping.falco_rules.get(falco_rule) {
                Some(Covered::By(rules)) => {
                    let got = per_event
                        .iter()
                        .filter(|fired| rules.iter().any(|r| fired.contains(r)))
                        .count() as u64;
                    palisade_text.push(format!("{}: {got}", rules.join("|")));
                    got
                }
                Some(Covered::Not(reason)) => {
                    reasons.push(format!("{falco_rule}: not covered: {reason}"));
                    palisade_text.push("no rule: 0".to_string());
                    0
                }
                None => {
                    report.problems.push(format!(
                        "`{}` has no row for Falco rule {falco_rule:?} (test {name})",
                        mapping::FALCO_RULES
                    ));
                    continue;
                }
            };
            expected_text.push(format!("{falco_rule}: {want}"));
            agreed &= got == *want;
        }
        if wants_error {
            expected_text.push("an input error".into());
            palisade_text.push(format!("{errors} input error(s)"));
            agreed &= errors > 0;
        }
        let key = ("falco".to_string(), name.clone());
        if !agreed && let Some(reason) = mapping.peer_wrong.get(&key) {
            used_wrong.insert(key);
            reasons.push(format!("we believe Falco is wrong: {reason}"));
        }
        report.cases.push(CaseResult {
            source: "falco",
            case: name,
            expected: expected_text.join(", "),
            palisade: palisade_text.join(", "),
            agreed,
            reason: (!agreed && !reasons.is_empty()).then(|| reasons.join("; ")),
        });
    }
    Ok(())
}

fn panther(
    dir: &Path,
    mapping: &AuditMapping,
    report: &mut AuditReport,
    used_wrong: &mut BTreeSet<(String, String)>,
) -> Result<(), AuditSetupError> {
    let expected = read_json(&dir.join("expected.json"))?;
    let events = expected["events"].as_array().cloned().unwrap_or_default();
    let mut judged: BTreeMap<String, BTreeMap<u64, BTreeSet<String>>> = BTreeMap::new();
    for event in events {
        let file = event["file"].as_str().unwrap_or_default().to_string();
        let line = event["line"].as_u64().unwrap_or(0);
        let rule_id = event["rule_id"].as_str().unwrap_or_default().to_string();
        let want = event["expected_alert"].as_bool().unwrap_or(false);
        let per_line = judged.entry(file.clone()).or_insert_with(|| {
            // Panther's events are judged as they come, without cluster networks: the
            // defaults a new user runs with.
            let mut detector = Detector::new(AuditConfig::default());
            let mut out = BTreeMap::new();
            for record in EventReader::open(&dir.join(&file), Limits::default()).flatten() {
                let mut alerts = Vec::new();
                let _ = detector.observe(&record, &mut alerts);
                out.insert(
                    u64::from(record.location.line),
                    alerts.iter().map(|a| a.rule.to_string()).collect(),
                );
            }
            out
        });
        let fired = per_line.get(&line).cloned().unwrap_or_default();
        let case = format!("{file}:{line}");
        let mut reasons = Vec::new();
        let got = match mapping.panther_rules.get(&rule_id) {
            Some(Covered::By(rules)) => rules.iter().any(|r| fired.contains(r)),
            Some(Covered::Not(reason)) => {
                reasons.push(format!("not covered: {reason}"));
                false
            }
            None => {
                report.problems.push(format!(
                    "`{}` has no row for Panther rule {rule_id}",
                    mapping::PANTHER_RULES
                ));
                continue;
            }
        };
        let agreed = got == want;
        let key = ("panther".to_string(), case.clone());
        if !agreed && let Some(reason) = mapping.peer_wrong.get(&key) {
            used_wrong.insert(key);
            reasons.push(format!("we believe Panther is wrong: {reason}"));
        }
        let verdict = |alert: bool| if alert { "alert" } else { "no alert" };
        report.cases.push(CaseResult {
            source: "panther",
            case,
            expected: format!("{rule_id}: {}", verdict(want)),
            palisade: format!(
                "{} ({})",
                verdict(got),
                if fired.is_empty() {
                    "no alert at all".to_string()
                } else {
                    fired.iter().cloned().collect::<Vec<_>>().join(", ")
                }
            ),
            agreed,
            reason: (!agreed && !reasons.is_empty()).then(|| reasons.join("; ")),
        });
    }
    Ok(())
}

/// The text report: one score line per source, then every disagreement with its reason.
pub fn render_text(report: &AuditReport, verbose: bool) -> String {
    let mut out = String::new();
    for source in SOURCES {
        let (agreed, compared) = report.score(source);
        out.push_str(&format!(
            "audit-conformance {source}: {agreed}/{compared}\n"
        ));
    }
    let disagreements: Vec<&CaseResult> = report.cases.iter().filter(|c| !c.agreed).collect();
    if !disagreements.is_empty() {
        out.push_str("\ndisagreements:\n");
        for case in disagreements {
            out.push_str(&format!(
                "  {} {}: expected {}; palisade {}\n",
                case.source, case.case, case.expected, case.palisade
            ));
            if let Some(reason) = &case.reason {
                out.push_str(&format!("      why: {reason}\n"));
            }
        }
    }
    if verbose {
        out.push_str("\nagreements:\n");
        for case in report.cases.iter().filter(|c| c.agreed) {
            out.push_str(&format!(
                "  {} {}: expected {}; palisade {}\n",
                case.source, case.case, case.expected, case.palisade
            ));
        }
    }
    if !report.problems.is_empty() {
        out.push_str("\nproblems with the mapping:\n");
        for problem in &report.problems {
            out.push_str(&format!("  {problem}\n"));
        }
    }
    out
}
