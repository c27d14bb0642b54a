//! `docs/peer-mapping.md`, the one source of truth for which peer check corresponds to which
//! palisade rules, and for the disagreements we accept because we believe the peer is wrong.
//!
//! The file is markdown for people; this module reads it strictly, so that a typo is an error
//! and never a silently skipped row:
//!
//! - A `## <peer>` heading (the peer's folder name in `peer-fixtures/`, e.g. `## kube-linter`)
//!   opens that peer's section. Every table in it has exactly the columns
//!   `| peer check | palisade rule(s) | note |`.
//! - The rule cell is `not covered: <reason>`, or a comma-separated list of rule names, with an
//!   optional `all of:` prefix (palisade fails only when every listed rule fires; without it, any
//!   listed rule failing is a failure), an optional `inverse:` prefix before that (the peer
//!   check fires when a hardening is *present*, so the peer's "fires" is our "pass"), and an
//!   optional `broader:` prefix first (the palisade rule asks for more than the peer's check, so
//!   a peer "pass" where palisade fails is outside the peer's question and is not compared;
//!   every peer "fail" still is).
//! - The `## Where we believe the peer is wrong` section holds one table with the columns
//!   `| peer | fixture | check | peer | palisade | why |`: the fixture (with `#Kind/name` when the
//!   verdict is per object), the peer check, both verdicts (`pass` or `fail`) and the reason.
//! - The `## Cases excluded by hand` section holds one table `| peer | fixture | check | why |`:
//!   cases whose label, as the harness derives it, is not what the peer asserts.
//! - Tables under any other heading are documentation and are not read.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// The peers whose fixtures the harness reads, by folder name under `peer-fixtures/`.
pub const PEERS: &[&str] = &[
    "kube-linter",
    "polaris",
    "kubeaudit",
    "kubesec",
    "checkov",
    "kube-score",
];

const MAPPING_COLUMNS: &[&str] = &["peer check", "palisade rule(s)", "note"];
const WRONG_COLUMNS: &[&str] = &["peer", "fixture", "check", "peer", "palisade", "why"];
const WRONG_HEADING: &str = "where we believe the peer is wrong";
const EXCLUDED_COLUMNS: &[&str] = &["peer", "fixture", "check", "why"];
const EXCLUDED_HEADING: &str = "cases excluded by hand";

/// What palisade does with a peer check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Target {
    /// No palisade rule makes this check; the reason is shown in the report.
    NotCovered {
        reason: String,
    },
    Rules(RuleExpr),
}

/// The palisade rules that together make a peer check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleExpr {
    /// The palisade rules ask for more than the peer's check: only the cases the peer fails,
    /// and those both pass, are comparable.
    pub broader: bool,
    /// The peer check fires when a hardening is present: its "fires" is our "pass".
    pub inverse: bool,
    /// Palisade fails only when every rule fires (on the same object); otherwise when any does.
    pub all: bool,
    pub rules: Vec<String>,
}

impl RuleExpr {
    /// Whether "this expression fails" follows from "`self` fails" (used where a peer reports
    /// one name instead of several narrower ones, as kubeaudit's `LimitsNotSet` stands for
    /// `LimitsCPUNotSet` and `LimitsMemoryNotSet`).
    pub fn implies(&self, other: &RuleExpr) -> bool {
        if self.inverse || other.inverse {
            return self == other;
        }
        let contains = |set: &[String], rule: &String| set.contains(rule);
        match (self.all, other.all) {
            // Every rule of self fails, so any rule of other that is among them fails.
            (true, false) => other.rules.iter().any(|r| contains(&self.rules, r)),
            (true, true) => other.rules.iter().all(|r| contains(&self.rules, r)),
            // One unknown rule of self fails: only certain when all of them are in other.
            (false, false) => self.rules.iter().all(|r| contains(&other.rules, r)),
            (false, true) => self.rules.len() == 1 && other.rules == self.rules,
        }
    }
}

impl fmt::Display for RuleExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.broader {
            f.write_str("broader: ")?;
        }
        if self.inverse {
            f.write_str("inverse: ")?;
        }
        if self.all {
            f.write_str("all of: ")?;
        }
        f.write_str(&self.rules.join(", "))
    }
}

/// One row of a peer's table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub check: String,
    pub target: Target,
    pub note: String,
    /// 1-based line in the mapping file.
    pub line: usize,
}

/// A pass/fail verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
}

impl Verdict {
    pub fn from_fails(fails: bool) -> Verdict {
        if fails { Verdict::Fail } else { Verdict::Pass }
    }

    fn parse(text: &str) -> Option<Verdict> {
        match text {
            "pass" => Some(Verdict::Pass),
            "fail" => Some(Verdict::Fail),
            _ => None,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
        })
    }
}

/// A disagreement we accept because we believe the peer is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub peer: String,
    /// The fixture, with `#Kind/name` when the verdict is per object.
    pub fixture: String,
    pub check: String,
    pub peer_verdict: Verdict,
    pub palisade_verdict: Verdict,
    pub why: String,
    pub line: usize,
}

/// A case left out of the comparison by hand, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExcludedRow {
    pub peer: String,
    /// The fixture, with `#Kind/name` when the verdict is per object.
    pub fixture: String,
    pub check: String,
    pub why: String,
    pub line: usize,
}

/// The whole mapping file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Mapping {
    /// Peer name to its rows, keyed by peer check.
    pub peers: BTreeMap<String, BTreeMap<String, Row>>,
    pub accepted: Vec<Accepted>,
    pub excluded: Vec<ExcludedRow>,
}

/// A mistake in the mapping file, with its line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MappingError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

enum Section {
    Other,
    Peer(String),
    Wrong,
    Excluded,
}

/// Splits a markdown table row into its trimmed cells; `\|` is a literal bar.
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim();
    let inner = inner.strip_prefix('|').unwrap_or(inner);
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    let mut cells = Vec::new();
    let mut current = String::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                current.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut current).trim().to_string()),
            _ => current.push(c),
        }
    }
    cells.push(current.trim().to_string());
    cells
}

fn is_separator(cells: &[String]) -> bool {
    cells.iter().all(|cell| {
        let cell = cell.trim();
        !cell.is_empty() && cell.chars().all(|c| matches!(c, '-' | ':' | ' '))
    })
}

/// Removes one pair of surrounding backticks.
/// The peer, fixture and check that name one case in the two case lists.
fn case_of(row: &[String]) -> Result<(String, String, String), String> {
    let peer = unquote(&row[0]).to_string();
    if !PEERS.contains(&peer.as_str()) {
        return Err(format!(
            "unknown peer {peer:?} (expected one of {})",
            PEERS.join(", ")
        ));
    }
    let fixture = unquote(&row[1]).to_string();
    let check = unquote(&row[2]).to_string();
    if fixture.is_empty() || check.is_empty() {
        return Err("malformed row: empty fixture or check".into());
    }
    Ok((peer, fixture, check))
}

fn unquote(text: &str) -> &str {
    let text = text.trim();
    text.strip_prefix('`')
        .and_then(|t| t.strip_suffix('`'))
        .unwrap_or(text)
        .trim()
}

fn is_rule_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Parses the rule cell of a mapping row.
pub fn parse_target(cell: &str) -> Result<Target, String> {
    let cell = cell.trim();
    if let Some(reason) = cell.strip_prefix("not covered:") {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err("`not covered:` needs a reason".into());
        }
        return Ok(Target::NotCovered {
            reason: reason.to_string(),
        });
    }
    if cell.starts_with("not covered") {
        return Err("write `not covered: <reason>`".into());
    }
    let mut rest = cell;
    let broader = match rest.strip_prefix("broader:") {
        Some(after) => {
            rest = after.trim_start();
            true
        }
        None => false,
    };
    let inverse = match rest.strip_prefix("inverse:") {
        Some(after) => {
            rest = after.trim_start();
            true
        }
        None => false,
    };
    let all = match rest.strip_prefix("all of:") {
        Some(after) => {
            rest = after.trim_start();
            true
        }
        None => false,
    };
    let mut rules = Vec::new();
    for name in rest.split(',').map(unquote) {
        if !is_rule_name(name) {
            return Err(format!(
                "{name:?} is not a rule name (expected kebab-case names separated by commas, \
                 optionally after `broader:`, `inverse:` and `all of:`, or `not covered: <reason>`)"
            ));
        }
        if rules.iter().any(|r| r == name) {
            return Err(format!("rule {name} is listed twice"));
        }
        rules.push(name.to_string());
    }
    if all && rules.len() < 2 {
        return Err("`all of:` needs at least two rules".into());
    }
    Ok(Target::Rules(RuleExpr {
        broader,
        inverse,
        all,
        rules,
    }))
}

/// Reads the mapping file. Every mistake is reported, not only the first.
pub fn parse(text: &str) -> Result<Mapping, Vec<MappingError>> {
    let mut mapping = Mapping::default();
    let mut errors = Vec::new();
    let mut section = Section::Other;
    // The header of the table being read: None outside tables, Some(false) right after the
    // header (the separator row comes next), Some(true) in the body.
    let mut in_table: Option<bool> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let trimmed = raw.trim();
        let mut error = |message: String| errors.push(MappingError { line, message });
        if let Some(heading) = trimmed.strip_prefix("## ") {
            in_table = None;
            let heading = heading.trim();
            let first = unquote(heading.split_whitespace().next().unwrap_or(""));
            let lower = heading.to_ascii_lowercase();
            section = if lower.starts_with(WRONG_HEADING) {
                Section::Wrong
            } else if lower.starts_with(EXCLUDED_HEADING) {
                Section::Excluded
            } else if let Some(peer) = PEERS.iter().find(|p| **p == first) {
                mapping.peers.entry(peer.to_string()).or_default();
                Section::Peer(peer.to_string())
            } else {
                Section::Other
            };
            continue;
        }
        if trimmed.starts_with('#') {
            // A higher or lower heading ends the section's table but not the section.
            in_table = None;
            continue;
        }
        if !trimmed.starts_with('|') {
            in_table = None;
            continue;
        }
        let expected_columns = match &section {
            Section::Other => continue,
            Section::Peer(_) => MAPPING_COLUMNS,
            Section::Wrong => WRONG_COLUMNS,
            Section::Excluded => EXCLUDED_COLUMNS,
        };
        let row = cells(trimmed);
        match in_table {
            None => {
                let header: Vec<String> = row.iter().map(|c| c.to_ascii_lowercase()).collect();
                if header != expected_columns {
                    error(format!(
                        "unknown columns {}: this section's tables have the columns | {} |",
                        row.join(" | "),
                        expected_columns.join(" | ")
                    ));
                }
                in_table = Some(false);
                continue;
            }
            Some(false) => {
                if !is_separator(&row) {
                    error("the table header must be followed by a separator row (|---|)".into());
                }
                in_table = Some(true);
                continue;
            }
            Some(true) => {}
        }
        if row.len() != expected_columns.len() {
            error(format!(
                "malformed row: {} cells, expected {} (| {} |)",
                row.len(),
                expected_columns.len(),
                expected_columns.join(" | ")
            ));
            continue;
        }
        match &section {
            Section::Other => {}
            Section::Peer(peer) => {
                let check = unquote(&row[0]).to_string();
                if check.is_empty() {
                    error("malformed row: empty peer check".into());
                    continue;
                }
                let target = match parse_target(&row[1]) {
                    Ok(target) => target,
                    Err(message) => {
                        error(format!("{check}: {message}"));
                        continue;
                    }
                };
                let rows = mapping.peers.entry(peer.clone()).or_default();
                if let Some(previous) = rows.get(&check) {
                    error(format!(
                        "{peer} check {check} is mapped twice (also on line {})",
                        previous.line
                    ));
                    continue;
                }
                rows.insert(
                    check.clone(),
                    Row {
                        check,
                        target,
                        note: row[2].clone(),
                        line,
                    },
                );
            }
            Section::Wrong => {
                let (peer, fixture, check) = match case_of(&row) {
                    Ok(case) => case,
                    Err(message) => {
                        error(message);
                        continue;
                    }
                };
                let (Some(peer_verdict), Some(palisade_verdict)) = (
                    Verdict::parse(unquote(&row[3])),
                    Verdict::parse(unquote(&row[4])),
                ) else {
                    error(format!(
                        "malformed row: the verdicts must be `pass` or `fail`, found {:?} and {:?}",
                        row[3], row[4]
                    ));
                    continue;
                };
                if peer_verdict == palisade_verdict {
                    error(
                        "malformed row: both verdicts are the same; that is no disagreement".into(),
                    );
                    continue;
                }
                if row[5].is_empty() {
                    error("malformed row: say why the peer is wrong".into());
                    continue;
                }
                if mapping
                    .accepted
                    .iter()
                    .any(|a| a.peer == peer && a.fixture == fixture && a.check == check)
                {
                    error(format!("{peer} {check} {fixture} is listed twice"));
                    continue;
                }
                mapping.accepted.push(Accepted {
                    peer,
                    fixture,
                    check,
                    peer_verdict,
                    palisade_verdict,
                    why: row[5].clone(),
                    line,
                });
            }
            Section::Excluded => {
                let (peer, fixture, check) = match case_of(&row) {
                    Ok(case) => case,
                    Err(message) => {
                        error(message);
                        continue;
                    }
                };
                if row[3].is_empty() {
                    error("malformed row: say why the case is excluded".into());
                    continue;
                }
                if mapping
                    .excluded
                    .iter()
                    .any(|e| e.peer == peer && e.fixture == fixture && e.check == check)
                {
                    error(format!("{peer} {check} {fixture} is excluded twice"));
                    continue;
                }
                mapping.excluded.push(ExcludedRow {
                    peer,
                    fixture,
                    check,
                    why: row[3].clone(),
                    line,
                });
            }
        }
    }
    if errors.is_empty() {
        Ok(mapping)
    } else {
        Err(errors)
    }
}

impl Mapping {
    /// Rule names the mapping uses that `known` does not know, with the lines that use them.
    pub fn unknown_rules(&self, known: impl Fn(&str) -> bool) -> BTreeMap<String, Vec<usize>> {
        let mut unknown: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for rows in self.peers.values() {
            for row in rows.values() {
                if let Target::Rules(expr) = &row.target {
                    for rule in expr.rules.iter().filter(|r| !known(r)) {
                        unknown.entry(rule.clone()).or_default().push(row.line);
                    }
                }
            }
        }
        for lines in unknown.values_mut() {
            lines.sort_unstable();
        }
        unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
# Peer mapping

Some prose | with a bar.

## kube-linter

| peer check | palisade rule(s) | note |
|---|---|---|
| host-ipc | host-ipc | |
| `privileged-container` | `privileged-container` | same |
| dnsconfig-options | not covered: not a security check | |

## kubesec

| Peer check | Palisade rule(s) | Note |
| :-- | :-- | :-- |
| ReadOnlyRootFilesystem | inverse: writable-root-filesystem | points when present |
| LimitsNotSet | all of: missing-cpu-limit, missing-memory-limit | |

## Cases not compared

| anything | goes | here |
|---|---|---|
| a | b | c |

## Where we believe the peer is wrong

| peer | fixture | check | peer | palisade | why |
|---|---|---|---|---|---|
| kubeaudit | nonroot/fixtures/x.yml | RunAsNonRootCSCFalse | pass | fail | runAsUser \\| 1 is not enough |

## Cases excluded by hand

| peer | fixture | check | why |
|---|---|---|---|
| checkov | example_X/a-FAILED.yaml | CKV_K8S_39 | no containers |
";

    #[test]
    fn reads_rows_targets_and_accepted_disagreements() {
        let mapping = parse(GOOD).expect("valid mapping");
        let linter = &mapping.peers["kube-linter"];
        assert_eq!(linter.len(), 3);
        assert_eq!(
            linter["privileged-container"].target,
            Target::Rules(RuleExpr {
                broader: false,
                inverse: false,
                all: false,
                rules: vec!["privileged-container".into()]
            })
        );
        assert_eq!(
            linter["dnsconfig-options"].target,
            Target::NotCovered {
                reason: "not a security check".into()
            }
        );
        let kubesec = &mapping.peers["kubesec"];
        let Target::Rules(expr) = &kubesec["ReadOnlyRootFilesystem"].target else {
            panic!("rules expected");
        };
        assert!(expr.inverse && !expr.all);
        let Target::Rules(expr) = &kubesec["LimitsNotSet"].target else {
            panic!("rules expected");
        };
        assert!(expr.all && expr.rules.len() == 2);
        assert_eq!(mapping.accepted.len(), 1);
        let accepted = &mapping.accepted[0];
        assert_eq!(accepted.peer_verdict, Verdict::Pass);
        assert_eq!(accepted.palisade_verdict, Verdict::Fail);
        assert_eq!(accepted.why, "runAsUser | 1 is not enough");
        assert_eq!(accepted.line, 30);
        assert_eq!(mapping.excluded.len(), 1);
        assert_eq!(mapping.excluded[0].check, "CKV_K8S_39");
        assert_eq!(mapping.excluded[0].why, "no containers");
    }

    #[test]
    fn malformed_excluded_rows_are_errors() {
        let text = "\
## Cases excluded by hand

| peer | fixture | check | why |
|---|---|---|---|
| polaris | a.yaml | x | |
| polaris | a.yaml | x |
| nobody | a.yaml | x | because |
| polaris | a.yaml | x | because |
| polaris | a.yaml | x | again |
";
        let errors = errors_of(text);
        assert_eq!(errors.len(), 4, "{errors:#?}");
        assert!(errors[0].contains("say why"));
        assert!(errors[1].contains("3 cells, expected 4"));
        assert!(errors[2].contains("unknown peer"));
        assert!(errors[3].contains("excluded twice"));
    }

    fn errors_of(text: &str) -> Vec<String> {
        parse(text)
            .expect_err("must be rejected")
            .into_iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn unknown_columns_are_an_error() {
        let errors =
            errors_of("## polaris\n\n| check | rule |\n|---|---|\n| hostIPCSet | host-ipc |\n");
        assert!(errors[0].contains("unknown columns"), "{errors:?}");
        let errors = errors_of(
            "## Where we believe the peer is wrong\n\n| peer | fixture | check | why |\n|---|---|---|---|\n",
        );
        assert!(errors[0].contains("unknown columns"), "{errors:?}");
    }

    #[test]
    fn malformed_rows_are_errors_with_their_line() {
        let text = "\
## polaris

| peer check | palisade rule(s) | note |
|---|---|---|
| hostIPCSet | host-ipc |
| | host-ipc | |
| hostPIDSet | not covered | |
| hostNetworkSet | not covered:   | |
| hostPathSet | Host_Path | |
| x | all of: host-ipc | |
| y | host-ipc, host-ipc | |
| hostIPCSet | host-ipc | |
| hostIPCSet | host-pid | |
";
        let errors = errors_of(text);
        let expect = [
            "line 5: malformed row: 2 cells",
            "line 6: malformed row: empty peer check",
            "line 7: hostPIDSet: write `not covered: <reason>`",
            "line 8: hostNetworkSet: `not covered:` needs a reason",
            "line 9: hostPathSet: \"Host_Path\" is not a rule name",
            "line 10: x: `all of:` needs at least two rules",
            "line 11: y: rule host-ipc is listed twice",
            "line 13: polaris check hostIPCSet is mapped twice (also on line 12)",
        ];
        assert_eq!(errors.len(), expect.len(), "{errors:#?}");
        for (error, expected) in errors.iter().zip(expect) {
            assert!(
                error.starts_with(expected),
                "{error:?} should start with {expected:?}"
            );
        }
    }

    #[test]
    fn malformed_accepted_rows_are_errors() {
        let text = "\
## Where we believe the peer is wrong

| peer | fixture | check | peer | palisade | why |
|---|---|---|---|---|---|
| trivy | a.yaml | x | pass | fail | because |
| polaris | a.yaml | x | ok | fail | because |
| polaris | a.yaml | x | fail | fail | because |
| polaris | a.yaml | x | fail | pass | |
| polaris | | x | fail | pass | because |
| polaris | a.yaml | x | fail | pass | because |
| polaris | a.yaml | x | fail | pass | again |
";
        let errors = errors_of(text);
        assert_eq!(errors.len(), 6, "{errors:#?}");
        assert!(errors[0].contains("unknown peer \"trivy\""));
        assert!(errors[1].contains("`pass` or `fail`"));
        assert!(errors[2].contains("no disagreement"));
        assert!(errors[3].contains("say why"));
        assert!(errors[4].contains("empty fixture"));
        assert!(errors[5].contains("listed twice"));
    }

    #[test]
    fn a_header_without_separator_is_an_error() {
        let errors =
            errors_of("## kubesec\n| peer check | palisade rule(s) | note |\n| a | host-ipc | |\n");
        assert!(errors[0].contains("separator row"), "{errors:?}");
    }

    #[test]
    fn hostile_cells_do_not_panic() {
        for text in [
            "## kubesec\n|",
            "## kubesec\n||||\n|-|-|-|\n||||",
            "## kubesec\n| peer check | palisade rule(s) | note |\n|---|---|---|\n| é | ünïcode | |\n",
            "## Where we believe the peer is wrong\n|\u{0}|\n",
            &format!(
                "## kubesec\n| peer check | palisade rule(s) | note |\n|---|---|---|\n| {} | a | |\n",
                "x".repeat(100_000)
            ),
        ] {
            let _ = parse(text);
        }
    }

    #[test]
    fn unknown_rules_are_listed_with_their_lines() {
        let mapping = parse(GOOD).unwrap();
        let unknown = mapping.unknown_rules(|rule| rule == "host-ipc");
        assert_eq!(
            unknown.keys().cloned().collect::<Vec<_>>(),
            [
                "missing-cpu-limit",
                "missing-memory-limit",
                "privileged-container",
                "writable-root-filesystem"
            ]
        );
        assert_eq!(unknown["privileged-container"], [10]);
    }

    #[test]
    fn implication_between_expressions() {
        let expr = |cell: &str| match parse_target(cell).unwrap() {
            Target::Rules(expr) => expr,
            Target::NotCovered { .. } => unreachable!(),
        };
        let both = expr("all of: missing-cpu-limit, missing-memory-limit");
        let cpu = expr("missing-cpu-limit");
        let either = expr("missing-cpu-limit, missing-memory-limit");
        assert!(both.implies(&cpu));
        assert!(both.implies(&either));
        assert!(!cpu.implies(&both));
        assert!(cpu.implies(&either));
        assert!(!either.implies(&cpu));
        assert!(cpu.implies(&cpu));
        assert!(!expr("inverse: missing-cpu-limit").implies(&cpu));
    }
}
