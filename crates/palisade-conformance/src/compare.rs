//! Runs palisade on each labelled fixture and compares its verdict with the peer's, through
//! the mapping table.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use palisade_load::{Input, Limits, load_inputs};
use palisade_model::Inventory;
use palisade_rules::config::{PodSpecPath, RuleSetting};
use palisade_rules::{Config, check};
use serde::Serialize;

use crate::mapping::{Accepted, ExcludedRow, Mapping, RuleExpr, Target, Verdict};
use crate::peers::{Case, PeerData, kubeaudit};

/// One compared verdict.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub peer: String,
    /// The peer checks this verdict stands for (several when they map to the same rules).
    pub checks: Vec<String>,
    pub fixture: String,
    pub object: Option<String>,
    /// The palisade rules, as the mapping writes them.
    pub rules: String,
    pub peer_verdict: Verdict,
    pub palisade_verdict: Verdict,
    /// The mapped rules that fired on the fixture or object.
    pub fired: Vec<String>,
    pub basis: String,
}

impl Comparison {
    pub fn agrees(&self) -> bool {
        self.peer_verdict == self.palisade_verdict
    }

    /// `fixture` or `fixture#Kind/name`, as the mapping's accepted-disagreement rows name it.
    pub fn target(&self) -> String {
        match &self.object {
            Some(object) => format!("{}#{object}", self.fixture),
            None => self.fixture.clone(),
        }
    }
}

/// A disagreement the mapping accepts because we believe the peer is wrong.
#[derive(Clone, Debug, Serialize)]
pub struct AcceptedComparison {
    #[serde(flatten)]
    pub comparison: Comparison,
    pub why: String,
}

/// A labelled case that was not compared.
#[derive(Clone, Debug, Serialize)]
pub struct NotCompared {
    pub peer: String,
    pub check: Option<String>,
    pub fixture: String,
    pub object: Option<String>,
    pub category: Category,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// The mapping says no palisade rule makes the check.
    NotCovered,
    /// The mapping names a rule this build does not have.
    UnknownRule,
    /// The peer's labels give no pass/fail verdict for the case.
    NoVerdict,
    /// The mapping excludes the case by hand (its derived label is not what the peer asserts).
    ExcludedByHand,
    /// The palisade rule asks for more than the peer's check (a `broader:` row), and the case
    /// is one the peer passes and palisade fails: outside the peer's question.
    Broader,
}

impl Category {
    pub fn describe(self) -> &'static str {
        match self {
            Category::NotCovered => "check not covered by a palisade rule",
            Category::UnknownRule => "mapped to a rule not in this build",
            Category::NoVerdict => "the peer's label gives no pass/fail verdict",
            Category::ExcludedByHand => "excluded by hand in the mapping",
            Category::Broader => {
                "the peer passes, palisade's broader rule fails (a `broader:` row)"
            }
        }
    }
}

/// Figures for one peer.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PeerSummary {
    pub peer: String,
    pub agreed: usize,
    pub compared: usize,
    pub accepted: usize,
    pub not_compared: usize,
}

impl PeerSummary {
    pub fn percent(&self) -> f64 {
        percent(self.agreed, self.compared)
    }
}

pub fn percent(agreed: usize, compared: usize) -> f64 {
    if compared == 0 {
        0.0
    } else {
        agreed as f64 * 100.0 / compared as f64
    }
}

/// A case whose object palisade did not load from the fixture.
#[derive(Clone, Debug, Serialize)]
pub struct Missing {
    pub peer: String,
    pub fixture: String,
    pub object: Option<String>,
}

/// Problems of the mapping against the peers' files.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MappingProblems {
    /// Checks in an `expected.json` without a row.
    pub unmapped_checks: Vec<(String, String)>,
    /// Rows naming a check no `expected.json` has.
    pub unknown_checks: Vec<(String, String, usize)>,
    /// Rows whose rules differ where they must agree (a kubeaudit `*Allowed` row and its base).
    pub inconsistent_rows: Vec<String>,
    /// Rule names the registry does not know, with the lines that use them.
    pub unknown_rules: BTreeMap<String, Vec<usize>>,
    /// Accepted disagreements that match no current disagreement (or other verdicts).
    pub stale_accepted: Vec<Accepted>,
    /// Rows excluding a case that matches no compared case.
    pub stale_excluded: Vec<ExcludedRow>,
}

impl MappingProblems {
    /// Problems that make the mapping unusable (exit code 2).
    pub fn is_broken(&self) -> bool {
        !self.unmapped_checks.is_empty()
            || !self.unknown_checks.is_empty()
            || !self.inconsistent_rows.is_empty()
    }
}

/// Everything one run found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub peers: Vec<PeerSummary>,
    pub comparisons: Vec<Comparison>,
    /// Disagreements the mapping accepts, with its reason.
    pub accepted: Vec<AcceptedComparison>,
    pub not_compared: Vec<NotCompared>,
    pub missing_objects: Vec<Missing>,
    /// Inputs palisade could not read (file: message).
    pub load_errors: Vec<String>,
    pub problems: MappingProblems,
    pub agreed: usize,
    pub compared: usize,
}

/// The agreement the issue asks for.
pub const TARGET_PERCENT: f64 = 95.0;
pub const TARGET_COMPARED: usize = 300;

impl Report {
    pub fn percent(&self) -> f64 {
        percent(self.agreed, self.compared)
    }

    pub fn meets_target(&self) -> bool {
        self.compared >= TARGET_COMPARED && self.percent() >= TARGET_PERCENT
    }

    pub fn disagreements(&self) -> impl Iterator<Item = &Comparison> {
        self.comparisons.iter().filter(|c| !c.agrees())
    }
}

/// The configuration palisade runs with: the defaults, plus the pod template of OpenShift's
/// `DeploymentConfig` (which kube-linter and Checkov treat as a workload), exactly as a user
/// would configure it under `podSpecPaths`.
pub fn base_config() -> Config {
    let mut config = Config::default();
    config.pod_spec_paths.push(PodSpecPath {
        api_version: None,
        kind: "DeploymentConfig".into(),
        path: vec!["spec".into(), "template".into()],
    });
    config
}

/// An object palisade loaded, with the rules that fired on it.
struct Judged {
    file: PathBuf,
    kind: String,
    namespace: Option<String>,
    name: String,
    fired: BTreeSet<String>,
}

#[derive(Default)]
struct Judge {
    cache: HashMap<(PathBuf, Vec<String>), Vec<Judged>>,
    load_errors: BTreeSet<String>,
}

impl Judge {
    fn judge(&mut self, path: &Path, disabled: &[String]) -> &[Judged] {
        let key = (path.to_path_buf(), disabled.to_vec());
        if !self.cache.contains_key(&key) {
            let loaded = load_inputs(
                &[Input::Path(path.to_path_buf())],
                &mut std::io::empty(),
                &Limits::default(),
            );
            for error in &loaded.errors {
                self.load_errors.insert(error.to_string());
            }
            let mut config = base_config();
            for rule in disabled {
                config.rules.insert(
                    rule.clone(),
                    RuleSetting {
                        enabled: Some(false),
                        severity: None,
                    },
                );
            }
            let inventory = Inventory::from_objects(loaded.objects);
            let outcome = check(&inventory, &config);
            for error in &outcome.errors {
                self.load_errors.insert(error.to_string());
            }
            let mut judged: Vec<Judged> = inventory
                .objects()
                .iter()
                .map(|object| Judged {
                    file: PathBuf::from(
                        object
                            .source
                            .as_ref()
                            .map(|s| s.file.to_string())
                            .unwrap_or_default(),
                    ),
                    kind: object.kind.clone(),
                    namespace: object.namespace.clone(),
                    name: object.name.clone(),
                    fired: BTreeSet::new(),
                })
                .collect();
            for finding in &outcome.findings {
                let file = finding.location.as_ref().map(|l| PathBuf::from(&*l.file));
                for object in judged.iter_mut().filter(|o| {
                    o.kind == finding.object.kind
                        && o.name == finding.object.name
                        && o.namespace == finding.object.namespace
                        && file.as_ref().is_none_or(|f| *f == o.file)
                }) {
                    object.fired.insert(finding.rule.to_string());
                }
            }
            self.cache.insert(key.clone(), judged);
        }
        &self.cache[&key]
    }
}

/// Whether palisade fails an object set for an expression: any object on which any rule (or,
/// with `all of:`, every rule) fired. Returns the verdict and the mapped rules that fired.
fn palisade_fails<'a>(
    objects: impl Iterator<Item = &'a Judged>,
    expr: &RuleExpr,
) -> (bool, Vec<String>) {
    let mut fails = false;
    let mut fired = BTreeSet::new();
    for object in objects {
        let hits: Vec<&String> = expr
            .rules
            .iter()
            .filter(|rule| object.fired.contains(*rule))
            .collect();
        fired.extend(hits.iter().map(|r| r.to_string()));
        if (expr.all && hits.len() == expr.rules.len()) || (!expr.all && !hits.is_empty()) {
            fails = true;
        }
    }
    (fails, fired.into_iter().collect())
}

/// One peer's cases, mapped, before palisade runs.
struct Unit {
    checks: Vec<String>,
    case: Case,
    expr: RuleExpr,
}

/// Compares every case of the given peers. `known_rule` says whether a rule name exists in
/// this build (the registry); rows naming other rules are skipped and listed.
pub fn compare(
    peer_fixtures: &Path,
    peers: &[(String, PeerData)],
    mapping: &Mapping,
    known_rule: impl Fn(&str) -> bool,
) -> Report {
    let mut report = Report::default();
    let mut judge = Judge::default();
    let mut excluded_used: Vec<usize> = Vec::new();
    report.problems.unknown_rules = mapping.unknown_rules(&known_rule);
    for (peer, data) in peers {
        let empty = BTreeMap::new();
        let rows = mapping.peers.get(peer).unwrap_or(&empty);
        check_coverage(peer, data, rows, &mut report.problems);
        let mut summary = PeerSummary {
            peer: peer.clone(),
            ..PeerSummary::default()
        };
        let not_compared = |check: Option<&str>,
                            case_fixture: &str,
                            object: Option<String>,
                            category: Category,
                            reason: String| NotCompared {
            peer: peer.clone(),
            check: check.map(str::to_string),
            fixture: case_fixture.to_string(),
            object,
            category,
            reason,
        };
        for excluded in &data.excluded {
            // A check the mapping does not cover is not compared for that reason first.
            let not_covered =
                excluded
                    .check
                    .as_ref()
                    .and_then(|check| match &rows.get(check)?.target {
                        Target::NotCovered { reason } => Some(reason.clone()),
                        Target::Rules(_) => None,
                    });
            let (category, reason) = match not_covered {
                Some(reason) => (Category::NotCovered, reason),
                None => (Category::NoVerdict, excluded.reason.clone()),
            };
            report.not_compared.push(not_compared(
                excluded.check.as_deref(),
                &excluded.fixture,
                excluded.object.clone(),
                category,
                reason,
            ));
        }
        let expr_of = |check: &str| -> Option<&RuleExpr> {
            match &rows.get(check)?.target {
                Target::Rules(expr) => Some(expr),
                Target::NotCovered { .. } => None,
            }
        };
        // Map the cases; merge those that end up with the same rules on the same object.
        let mut units: Vec<Unit> = Vec::new();
        type Key = (String, String, Option<String>, String, Vec<String>, bool);
        let mut index: HashMap<Key, usize> = HashMap::new();
        for case in &data.cases {
            let object = case.object.as_ref().map(ToString::to_string);
            let Some(row) = rows.get(&case.check) else {
                report.not_compared.push(not_compared(
                    Some(&case.check),
                    &case.fixture,
                    object,
                    Category::NotCovered,
                    "no row in the mapping".into(),
                ));
                continue;
            };
            let expr = match &row.target {
                Target::NotCovered { reason } => {
                    report.not_compared.push(not_compared(
                        Some(&case.check),
                        &case.fixture,
                        object,
                        Category::NotCovered,
                        reason.clone(),
                    ));
                    continue;
                }
                Target::Rules(expr) => expr,
            };
            let unknown: Vec<&String> = expr.rules.iter().filter(|r| !known_rule(r)).collect();
            if !unknown.is_empty() {
                report.not_compared.push(not_compared(
                    Some(&case.check),
                    &case.fixture,
                    object,
                    Category::UnknownRule,
                    format!(
                        "mapped to {} (not in this build)",
                        unknown
                            .iter()
                            .map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                continue;
            }
            let mut case = case.clone();
            // A broader name the peer reported stands for this one (kubeaudit's LimitsNotSet
            // for LimitsCPUNotSet).
            if !case.fires {
                case.fires = case
                    .also_reported
                    .iter()
                    .filter_map(|name| expr_of(name))
                    .any(|reported| reported.implies(expr));
            }
            let key = (
                case.run.clone(),
                case.fixture.clone(),
                object,
                expr.to_string(),
                case.disabled_rules.clone(),
                case.fires,
            );
            match index.get(&key) {
                Some(&at) => {
                    if !units[at].checks.contains(&case.check) {
                        units[at].checks.push(case.check.clone());
                    }
                }
                None => {
                    index.insert(key, units.len());
                    units.push(Unit {
                        checks: vec![case.check.clone()],
                        case,
                        expr: expr.clone(),
                    });
                }
            }
        }
        for unit in units {
            let case = &unit.case;
            let target = match &case.object {
                Some(object) => format!("{}#{object}", case.fixture),
                None => case.fixture.clone(),
            };
            if let Some(row) = mapping
                .excluded
                .iter()
                .find(|e| e.peer == *peer && e.fixture == target && unit.checks.contains(&e.check))
            {
                excluded_used.push(row.line);
                report.not_compared.push(not_compared(
                    Some(&unit.checks.join(",")),
                    &case.fixture,
                    case.object.as_ref().map(ToString::to_string),
                    Category::ExcludedByHand,
                    row.why.clone(),
                ));
                continue;
            }
            let load = peer_fixtures.join(peer).join(&case.load);
            let fixture_file = peer_fixtures.join(peer).join(&case.fixture);
            let restrict_to_file = case.fixture != case.load;
            let judged = judge.judge(&load, &case.disabled_rules);
            let in_scope: Vec<&Judged> = judged
                .iter()
                .filter(|o| !restrict_to_file || o.file == fixture_file)
                .filter(|o| {
                    case.object.as_ref().is_none_or(|selector| {
                        selector.matches(&o.kind, o.namespace.as_deref(), &o.name)
                    })
                })
                .collect();
            if in_scope.is_empty() {
                report.missing_objects.push(Missing {
                    peer: peer.clone(),
                    fixture: case.fixture.clone(),
                    object: case.object.as_ref().map(ToString::to_string),
                });
            }
            let (fails, fired) = palisade_fails(in_scope.into_iter(), &unit.expr);
            let peer_fails = case.fires != unit.expr.inverse;
            if unit.expr.broader && fails && !peer_fails {
                report.not_compared.push(not_compared(
                    Some(&unit.checks.join(",")),
                    &case.fixture,
                    case.object.as_ref().map(ToString::to_string),
                    Category::Broader,
                    format!("palisade fails it through {}", fired.join(", ")),
                ));
                continue;
            }
            let comparison = Comparison {
                peer: peer.clone(),
                checks: unit.checks,
                fixture: case.fixture.clone(),
                object: case.object.as_ref().map(ToString::to_string),
                rules: unit.expr.to_string(),
                peer_verdict: Verdict::from_fails(peer_fails),
                palisade_verdict: Verdict::from_fails(fails),
                fired,
                basis: case.basis.to_string(),
            };
            let accepted = mapping.accepted.iter().find(|a| {
                a.peer == *peer
                    && a.fixture == comparison.target()
                    && comparison.checks.contains(&a.check)
            });
            match accepted {
                Some(row)
                    if !comparison.agrees()
                        && row.peer_verdict == comparison.peer_verdict
                        && row.palisade_verdict == comparison.palisade_verdict =>
                {
                    // Still a disagreement: counted as compared and not agreed, and shown apart
                    // with the reason we believe the peer is wrong.
                    summary.compared += 1;
                    summary.accepted += 1;
                    report.accepted.push(AcceptedComparison {
                        comparison,
                        why: row.why.clone(),
                    });
                }
                _ => {
                    summary.compared += 1;
                    if comparison.agrees() {
                        summary.agreed += 1;
                    }
                    report.comparisons.push(comparison);
                }
            }
        }
        summary.not_compared = report
            .not_compared
            .iter()
            .filter(|n| n.peer == *peer)
            .count();
        report.agreed += summary.agreed;
        report.compared += summary.compared;
        report.peers.push(summary);
    }
    let compared_peers: BTreeSet<&str> = peers.iter().map(|(p, _)| p.as_str()).collect();
    for row in &mapping.accepted {
        if !compared_peers.contains(row.peer.as_str()) {
            continue;
        }
        let used = report.accepted.iter().any(|a| {
            let c = &a.comparison;
            c.peer == row.peer && c.target() == row.fixture && c.checks.contains(&row.check)
        });
        if !used {
            report.problems.stale_accepted.push(row.clone());
        }
    }
    for row in &mapping.excluded {
        if compared_peers.contains(row.peer.as_str()) && !excluded_used.contains(&row.line) {
            report.problems.stale_excluded.push(row.clone());
        }
    }
    report.load_errors = judge.load_errors.into_iter().collect();
    report
}

fn check_coverage(
    peer: &str,
    data: &PeerData,
    rows: &BTreeMap<String, crate::mapping::Row>,
    problems: &mut MappingProblems,
) {
    for check in &data.checks {
        if !rows.contains_key(check) {
            problems
                .unmapped_checks
                .push((peer.to_string(), check.clone()));
        }
    }
    for row in rows.values() {
        if !data.checks.contains(&row.check) {
            problems
                .unknown_checks
                .push((peer.to_string(), row.check.clone(), row.line));
        }
    }
    if peer == "kubeaudit" {
        for row in rows.values() {
            let base = kubeaudit::base_name(&row.check);
            if base == row.check {
                continue;
            }
            if let Some(base_row) = rows.get(base)
                && base_row.target != row.target
            {
                problems.inconsistent_rows.push(format!(
                    "kubeaudit {} (line {}) must map like {} (line {}): an override variant \
                     counts as its base result",
                    row.check, row.line, base, base_row.line
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mapping::parse;
    use crate::peers::{Selector, read_peer};

    const HOST_IPC: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostIPC: true\n  containers:\n  - name: c\n    image: nginx\n";
    const PLAIN: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    image: nginx\n";
    const DEPLOYMENT_CONFIG: &str = "apiVersion: apps.openshift.io/v1\nkind: DeploymentConfig\nmetadata:\n  name: dc\nspec:\n  template:\n    spec:\n      hostIPC: true\n      containers:\n      - name: c\n";

    fn corpus() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let checks = dir.path().join("polaris/checks/hostIPCSet");
        std::fs::create_dir_all(&checks).unwrap();
        std::fs::write(checks.join("failure.yaml"), HOST_IPC).unwrap();
        std::fs::write(checks.join("success.yaml"), PLAIN).unwrap();
        std::fs::write(checks.join("failure.dc.yaml"), DEPLOYMENT_CONFIG).unwrap();
        std::fs::write(checks.join("success.wrong.yaml"), HOST_IPC).unwrap();
        dir
    }

    const POLARIS: &str = r#"{"checks": [{"check_id": "hostIPCSet"}, {"check_id": "hostPIDSet"}, {"check_id": "nakedPod"}],
      "files": [
        {"file": "checks/hostIPCSet/failure.yaml", "check": "hostIPCSet", "expected": "failure"},
        {"file": "checks/hostIPCSet/success.yaml", "check": "hostIPCSet", "expected": "success"},
        {"file": "checks/hostIPCSet/failure.dc.yaml", "check": "hostIPCSet", "expected": "failure"},
        {"file": "checks/hostIPCSet/success.wrong.yaml", "check": "hostIPCSet", "expected": "success"},
        {"file": "checks/hostIPCSet/failure.yaml", "check": "nakedPod", "expected": "failure"},
        {"file": "checks/hostIPCSet/mutated.yaml", "check": "hostIPCSet"}]}"#;

    fn mapping(rows: &str, accepted: &str) -> Mapping {
        parse(&format!(
            "## polaris\n\n| peer check | palisade rule(s) | note |\n|---|---|---|\n{rows}\n\
             ## Where we believe the peer is wrong\n\n| peer | fixture | check | peer | palisade | why |\n|---|---|---|---|---|---|\n{accepted}"
        ))
        .unwrap()
    }

    fn known(rule: &str) -> bool {
        palisade_rules::find_rule(rule).is_some()
    }

    #[test]
    fn a_broader_rule_is_not_compared_where_only_the_peer_passes() {
        let dir = corpus();
        let data = read_peer("polaris", POLARIS).unwrap();
        let mapping = mapping(
            "| hostIPCSet | broader: host-ipc | |\n| nakedPod | not covered: custom | |\n| hostProcess | windows-host-process | |\n",
            "",
        );
        let report = compare(
            dir.path(),
            &[("polaris".to_string(), data)],
            &mapping,
            known,
        );
        // success.wrong.yaml: the peer passes, palisade fails: outside the peer's question.
        let broader: Vec<&str> = report
            .not_compared
            .iter()
            .filter(|n| n.category == Category::Broader)
            .map(|n| n.fixture.as_str())
            .collect();
        assert_eq!(broader, ["checks/hostIPCSet/success.wrong.yaml"]);
        // The peer's failures and the passes both agree on are still compared.
        assert_eq!((report.agreed, report.compared), (3, 3));
    }

    #[test]
    fn compares_verdicts_accepts_listed_disagreements_and_reports_problems() {
        let dir = corpus();
        let data = read_peer("polaris", POLARIS).unwrap();
        let mapping = mapping(
            "| hostIPCSet | host-ipc | |\n| nakedPod | not covered: custom | |\n| hostProcess | windows-host-process | |\n",
            "| polaris | checks/hostIPCSet/success.wrong.yaml | hostIPCSet | pass | fail | the label is wrong on purpose |\n\
             | polaris | checks/hostIPCSet/success.yaml | hostIPCSet | pass | fail | stale |\n",
        );
        let report = compare(
            dir.path(),
            &[("polaris".to_string(), data)],
            &mapping,
            known,
        );
        let verdicts: Vec<(&str, Verdict, Verdict)> = report
            .comparisons
            .iter()
            .map(|c| (c.fixture.as_str(), c.peer_verdict, c.palisade_verdict))
            .collect();
        assert_eq!(
            verdicts,
            [
                (
                    "checks/hostIPCSet/failure.yaml",
                    Verdict::Fail,
                    Verdict::Fail
                ),
                (
                    "checks/hostIPCSet/success.yaml",
                    Verdict::Pass,
                    Verdict::Pass
                ),
                // DeploymentConfig is read through the podSpecPaths setting of base_config().
                (
                    "checks/hostIPCSet/failure.dc.yaml",
                    Verdict::Fail,
                    Verdict::Fail
                ),
            ]
        );
        // The accepted disagreement is still a disagreement: compared, not agreed.
        assert_eq!((report.agreed, report.compared), (3, 4));
        assert_eq!(report.accepted.len(), 1);
        assert_eq!(report.accepted[0].why, "the label is wrong on purpose");
        assert_eq!(report.problems.stale_accepted.len(), 1);
        assert_eq!(report.problems.stale_accepted[0].why, "stale");
        assert_eq!(
            report.problems.unmapped_checks,
            [("polaris".to_string(), "hostPIDSet".to_string())]
        );
        assert_eq!(report.problems.unknown_checks.len(), 1);
        assert!(report.problems.is_broken());
        let categories: Vec<Category> = report.not_compared.iter().map(|n| n.category).collect();
        assert_eq!(categories, [Category::NoVerdict, Category::NotCovered]);
    }

    #[test]
    fn unknown_rules_are_skipped_and_listed() {
        let dir = corpus();
        let data = read_peer("polaris", POLARIS).unwrap();
        let mapping = mapping(
            "| hostIPCSet | host-ipc, no-such-rule | |\n| nakedPod | not covered: custom | |\n| hostPIDSet | host-pid | |\n",
            "",
        );
        let report = compare(
            dir.path(),
            &[("polaris".to_string(), data)],
            &mapping,
            known,
        );
        assert_eq!(report.compared, 0);
        assert_eq!(
            report.problems.unknown_rules.keys().collect::<Vec<_>>(),
            ["no-such-rule"]
        );
        assert!(
            report
                .not_compared
                .iter()
                .filter(|n| n.category == Category::UnknownRule)
                .count()
                == 4
        );
    }

    #[test]
    fn objects_all_of_and_inverse() {
        let judged = |kind: &str, name: &str, fired: &[&str]| Judged {
            file: PathBuf::from("f.yaml"),
            kind: kind.into(),
            namespace: None,
            name: name.into(),
            fired: fired.iter().map(|r| r.to_string()).collect(),
        };
        let objects = [
            judged("Pod", "a", &["missing-cpu-limit"]),
            judged("Pod", "b", &["missing-memory-limit"]),
        ];
        let expr = |cell: &str| match crate::mapping::parse_target(cell).unwrap() {
            Target::Rules(expr) => expr,
            Target::NotCovered { .. } => unreachable!(),
        };
        // Every rule must fire on the same object.
        let both = expr("all of: missing-cpu-limit, missing-memory-limit");
        assert!(!palisade_fails(objects.iter(), &both).0);
        let either = expr("missing-cpu-limit, missing-memory-limit");
        let (fails, fired) = palisade_fails(objects.iter(), &either);
        assert!(fails);
        assert_eq!(fired, ["missing-cpu-limit", "missing-memory-limit"]);
        let selector = Selector::new("Pod", Some("b"));
        let only_b = objects
            .iter()
            .filter(|o| selector.matches(&o.kind, o.namespace.as_deref(), &o.name));
        assert!(!palisade_fails(only_b, &expr("missing-cpu-limit")).0);
    }
}
