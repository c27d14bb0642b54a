//! `docs/audit-peer-mapping.md`: which palisade audit rules answer each Falco and Panther
//! detection, how Falco's test-local rule files translate into palisade configuration, what each
//! Falco test without an alert is about, and the disagreements we stand by.

use std::collections::BTreeMap;

/// The palisade side of one peer rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Covered {
    /// Any alert of these palisade rules on an event counts as the peer's alert.
    By(Vec<String>),
    /// palisade has no equivalent; the reason is shown with each disagreement.
    Not(String),
}

/// One instruction that turns a Falco rule file into palisade configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// Nothing to configure (the file adds nothing palisade needs).
    Nothing,
    Enable(String),
    Disable(String),
    /// `audit.allowedUsers`, appended.
    AllowedUsers(Vec<String>),
    /// `audit.allowedNamespaces`, appended.
    AllowedNamespaces(Vec<String>),
    /// `allowedRegistries` of the scan configuration, appended.
    AllowedRegistries(Vec<String>),
    /// A scan exemption: object names (globs) exempt from these manifest rules.
    ExemptNames {
        names: Vec<String>,
        rules: Vec<String>,
    },
    /// palisade cannot express it; the reason.
    Inexpressible(String),
}

#[derive(Clone, Debug, Default)]
pub struct AuditMapping {
    /// Falco rule name → palisade rules.
    pub falco_rules: BTreeMap<String, Covered>,
    /// Falco test (without an alert) → the Falco rule it tests.
    pub falco_quiet_tests: BTreeMap<String, Vec<String>>,
    /// Falco rule file (the text before `:` in expected.json) → palisade settings.
    pub falco_rule_files: BTreeMap<String, Vec<Setting>>,
    /// Panther RuleID → palisade rules.
    pub panther_rules: BTreeMap<String, Covered>,
    /// (source, case) → why we believe the peer is wrong.
    pub peer_wrong: BTreeMap<(String, String), String>,
}

/// The cells of the table rows under each `## ` heading, keyed by the heading.
fn tables(text: &str) -> BTreeMap<String, Vec<(usize, Vec<String>)>> {
    let mut out: BTreeMap<String, Vec<(usize, Vec<String>)>> = BTreeMap::new();
    let mut section = String::new();
    let mut header_seen = false;
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(title) = line.strip_prefix("## ") {
            section = title.trim().to_string();
            header_seen = false;
            continue;
        }
        if !line.starts_with('|') {
            header_seen = false;
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|cell| cell.trim().trim_matches('`').trim().to_string())
            .collect();
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':'))
        {
            continue;
        }
        if !header_seen {
            header_seen = true;
            continue;
        }
        out.entry(section.clone())
            .or_default()
            .push((index + 1, cells));
    }
    out
}

fn list(cell: &str) -> Vec<String> {
    cell.split(',')
        .map(|s| s.trim().trim_matches('`').trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn covered(cell: &str) -> Covered {
    match cell.strip_prefix("not covered:") {
        Some(reason) => Covered::Not(reason.trim().to_string()),
        None => Covered::By(list(cell)),
    }
}

fn setting(cell: &str) -> Result<Setting, String> {
    let cell = cell.trim();
    let (word, rest) = cell.split_once(' ').unwrap_or((cell, ""));
    let rest = rest.trim();
    Ok(match word {
        "nothing" => Setting::Nothing,
        "enable" => Setting::Enable(rest.to_string()),
        "disable" => Setting::Disable(rest.to_string()),
        "allowed-users" => Setting::AllowedUsers(list(rest)),
        "allowed-registries" => Setting::AllowedRegistries(list(rest)),
        "allowed-namespaces" => Setting::AllowedNamespaces(list(rest)),
        "exempt-names" => {
            let (names, rules) = rest
                .split_once(" from ")
                .ok_or_else(|| format!("{cell:?}: expected `exempt-names GLOBS from RULES`"))?;
            Setting::ExemptNames {
                names: list(names),
                rules: list(rules),
            }
        }
        "inexpressible:" => Setting::Inexpressible(rest.to_string()),
        _ => {
            return Err(format!(
                "{cell:?}: a setting is `nothing`, `enable RULE`, `disable RULE`, `allowed-users A, B`, `allowed-namespaces A, B`, `allowed-registries R`, `exempt-names GLOBS from RULES` or `inexpressible: REASON`"
            ));
        }
    })
}

pub const FALCO_RULES: &str = "Falco rules";
pub const FALCO_QUIET_TESTS: &str = "Falco tests without an alert";
pub const FALCO_RULE_FILES: &str = "Falco rule files";
pub const PANTHER_RULES: &str = "Panther rules";
pub const PEER_WRONG: &str = "Where we believe the peer is wrong";

/// Parses the mapping; every malformed row is an error with its line.
pub fn parse(text: &str) -> Result<AuditMapping, Vec<String>> {
    let mut mapping = AuditMapping::default();
    let mut errors = Vec::new();
    let tables = tables(text);
    for required in [
        FALCO_RULES,
        FALCO_QUIET_TESTS,
        FALCO_RULE_FILES,
        PANTHER_RULES,
    ] {
        if !tables.contains_key(required) {
            errors.push(format!("no table under `## {required}`"));
        }
    }
    for (section, rows) in &tables {
        for (line, cells) in rows {
            let cell = |i: usize| cells.get(i).map(String::as_str).unwrap_or("");
            if cell(0).is_empty() {
                errors.push(format!("line {line}: empty first cell"));
                continue;
            }
            match section.as_str() {
                FALCO_RULES => {
                    mapping
                        .falco_rules
                        .insert(cell(0).to_string(), covered(cell(1)));
                }
                PANTHER_RULES => {
                    mapping
                        .panther_rules
                        .insert(cell(0).to_string(), covered(cell(1)));
                }
                FALCO_QUIET_TESTS => {
                    mapping
                        .falco_quiet_tests
                        .insert(cell(0).to_string(), list(cell(1)));
                }
                FALCO_RULE_FILES => {
                    let mut settings = Vec::new();
                    for part in cell(1).split(';').filter(|p| !p.trim().is_empty()) {
                        match setting(part) {
                            Ok(s) => settings.push(s),
                            Err(e) => errors.push(format!("line {line}: {e}")),
                        }
                    }
                    mapping
                        .falco_rule_files
                        .insert(cell(0).to_string(), settings);
                }
                PEER_WRONG => {
                    mapping.peer_wrong.insert(
                        (cell(0).to_string(), cell(1).to_string()),
                        cell(2).to_string(),
                    );
                }
                _ => {}
            }
        }
    }
    if errors.is_empty() {
        Ok(mapping)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_table() {
        let text = "\
## Falco rules
| Falco rule | palisade rule(s) | note |
| --- | --- | --- |
| Create Privileged Pod | `privileged-pod-created` | |
| json_pointer_example | not covered: custom rule | |

## Falco tests without an alert
| test | about |
| --- | --- |
| create_unprivileged_pod | Create Privileged Pod |

## Falco rule files
| file | settings |
| --- | --- |
| allow_user_some-user.yaml | allowed-users some-user |
| trust_nginx_container.yaml | exempt-names nginx* from privileged-container, host-network; enable x |

## Panther rules
| id | rules | note |
| --- | --- | --- |
| Kubernetes.Pod.Exec | exec-into-pod | |

## Where we believe the peer is wrong
| source | case | reason |
| --- | --- | --- |
| panther | a.jsonl:2 | because |
";
        let mapping = parse(text).unwrap();
        assert_eq!(
            mapping.falco_rules["Create Privileged Pod"],
            Covered::By(vec!["privileged-pod-created".into()])
        );
        assert!(matches!(
            mapping.falco_rules["json_pointer_example"],
            Covered::Not(_)
        ));
        assert_eq!(
            mapping.falco_rule_files["trust_nginx_container.yaml"],
            vec![
                Setting::ExemptNames {
                    names: vec!["nginx*".into()],
                    rules: vec!["privileged-container".into(), "host-network".into()]
                },
                Setting::Enable("x".into())
            ]
        );
        assert_eq!(mapping.peer_wrong.len(), 1);
        assert!(parse("## Falco rules\n| a | b |\n|---|---|\n| x | y |\n").is_err());
        let broken = text.replace("allowed-users some-user", "frobnicate");
        assert!(parse(&broken).is_err());
    }
}
