//! The `webhook` section of `.palisade.yaml`: what `palisade serve` denies, what it only
//! warns about, whom it leaves alone, and which safe defaults `/mutate` fills in.
//!
//! ```yaml
//! webhook:
//!   denyAtOrAbove: high       # a finding at or above denies, below only warns (default: high;
//!                             # `none`: only the rules listed under `deny` deny)
//!   deny: [latest-image-tag]  # these rules always deny
//!   warn: [host-network]      # these rules only warn
//!   exemptNamespaces: [kube-system, "team-*"]                     # globs
//!   exemptUsers: ["system:serviceaccount:kube-system:*", "group:system:masters"]
//!   dryRun: false             # never deny: would-be denials become warnings
//!   mutate:                   # each on only when written true
//!     dropAllCapabilities: true
//!     disallowPrivilegeEscalation: true
//!     seccompRuntimeDefault: true
//!     defaultResources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}
//! ```
//! Every mistake is an error with its line and column, as in the rest of the file: a policy
//! that silently meant something else would let through what it was written to stop.

use globset::{Glob, GlobMatcher};
use palisade_model::{Node, Pos, Severity, Value};
use palisade_rules::{Config, ConfigError};

use crate::review::UserInfo;

/// What a finding does to the review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Deny,
    Warn,
}

/// How `palisade serve` judges and mutates.
#[derive(Debug, Clone)]
pub struct Policy {
    /// `None`: severity alone never denies (`denyAtOrAbove: none`).
    deny_at_or_above: Option<Severity>,
    deny: Vec<String>,
    warn: Vec<String>,
    exempt_namespaces: Vec<(String, GlobMatcher)>,
    exempt_users: Vec<(String, GlobMatcher)>,
    exempt_groups: Vec<(String, GlobMatcher)>,
    dry_run: bool,
    mutate: MutatePolicy,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            deny_at_or_above: Some(Severity::High),
            deny: Vec::new(),
            warn: Vec::new(),
            exempt_namespaces: Vec::new(),
            exempt_users: Vec::new(),
            exempt_groups: Vec::new(),
            dry_run: false,
            mutate: MutatePolicy::default(),
        }
    }
}

/// The safe defaults `/mutate` adds where they are absent. All off unless written true.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MutatePolicy {
    pub drop_all_capabilities: bool,
    pub disallow_privilege_escalation: bool,
    pub seccomp_runtime_default: bool,
    pub default_resources: DefaultResources,
}

impl MutatePolicy {
    /// Whether `/mutate` has anything to do.
    pub fn is_empty(&self) -> bool {
        !self.drop_all_capabilities
            && !self.disallow_privilege_escalation
            && !self.seccomp_runtime_default
            && self.default_resources.is_empty()
    }
}

/// `defaultResources`: per resource name (cpu, memory, ephemeral-storage), a quantity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DefaultResources {
    pub requests: Vec<(String, Quantity)>,
    pub limits: Vec<(String, Quantity)>,
}

impl DefaultResources {
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.limits.is_empty()
    }
}

/// The resources a default may be given for. Extended resources (GPUs) and huge pages are left
/// out on purpose: a default for them would schedule pods onto special nodes.
const DEFAULTABLE_RESOURCES: &[&str] = &["cpu", "memory", "ephemeral-storage"];

/// A Kubernetes resource quantity (`100m`, `128Mi`, `1.5`, `2e3`), as written and as a number
/// for comparisons.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    pub text: String,
    pub value: f64,
}

impl Quantity {
    /// Parses the Kubernetes quantity syntax: a non-negative decimal number followed by a
    /// binary suffix (Ki..Ei), a decimal suffix (n, u, m, k, M..E) or an exponent (e3, E-2).
    pub fn parse(text: &str) -> Option<Quantity> {
        let body = text.strip_prefix('+').unwrap_or(text);
        let number_end = body
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(body.len());
        let (number, suffix) = body.split_at(number_end);
        if number.is_empty() || number == "." || number.matches('.').count() > 1 {
            return None;
        }
        let mantissa: f64 = number.parse().ok()?;
        let multiplier = match suffix {
            "" => 1.0,
            "n" => 1e-9,
            "u" => 1e-6,
            "m" => 1e-3,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "P" => 1e15,
            "E" => 1e18,
            "Ki" => 1024.0,
            "Mi" => 1024f64.powi(2),
            "Gi" => 1024f64.powi(3),
            "Ti" => 1024f64.powi(4),
            "Pi" => 1024f64.powi(5),
            "Ei" => 1024f64.powi(6),
            exponent => {
                let digits = exponent.strip_prefix(['e', 'E'])?;
                let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
                if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let power: i32 = digits.parse().ok()?;
                10f64.powi(power)
            }
        };
        let value = mantissa * multiplier;
        value.is_finite().then(|| Quantity {
            text: text.to_string(),
            value,
        })
    }
}

impl Policy {
    /// The webhook policy of a configuration (its `webhook` section; the defaults when there is
    /// none). `file` names the file in errors.
    pub fn from_config(config: &Config, file: &str) -> Result<Policy, ConfigError> {
        let mut policy = Policy::default();
        let Some(section) = config.webhook.as_ref() else {
            return Ok(policy);
        };
        let error = |pos: Pos, message: String| ConfigError {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            message,
        };
        if section.is_null() {
            return Ok(policy);
        }
        if !section.is_map() {
            return Err(error(section.pos, "webhook must be a mapping".into()));
        }
        for entry in section.entries() {
            let value = &entry.value;
            match entry.key.as_ref() {
                "denyAtOrAbove" => {
                    let text = string(value, "webhook.denyAtOrAbove", &error)?;
                    policy.deny_at_or_above = if text.eq_ignore_ascii_case("none") {
                        None
                    } else {
                        Some(
                            text.parse()
                                .map_err(|e: String| error(value.pos, format!("{e}, or none")))?,
                        )
                    };
                }
                "deny" => policy.deny = rule_names(value, "webhook.deny", &error)?,
                "warn" => policy.warn = rule_names(value, "webhook.warn", &error)?,
                "exemptNamespaces" => {
                    policy.exempt_namespaces = strings(value, "webhook.exemptNamespaces", &error)?
                        .into_iter()
                        .map(|(text, pos)| glob(&text, pos, &error).map(|g| (text, g)))
                        .collect::<Result<_, _>>()?;
                }
                "exemptUsers" => {
                    for (text, pos) in strings(value, "webhook.exemptUsers", &error)? {
                        let (list, pattern) = match text.strip_prefix("group:") {
                            Some(group) => (&mut policy.exempt_groups, group),
                            None => (&mut policy.exempt_users, text.as_str()),
                        };
                        if pattern.is_empty() {
                            return Err(error(pos, format!("{text:?} names no user or group")));
                        }
                        let matcher = glob(pattern, pos, &error)?;
                        list.push((text.clone(), matcher));
                    }
                }
                "dryRun" => {
                    policy.dry_run = value.as_bool().ok_or_else(|| {
                        error(value.pos, "webhook.dryRun must be true or false".into())
                    })?
                }
                "mutate" => policy.mutate = parse_mutate(value, &error)?,
                other => {
                    return Err(error(
                        entry.key_pos,
                        format!(
                            "unknown key {other:?} in webhook: expected denyAtOrAbove, deny, warn, exemptNamespaces, exemptUsers, dryRun or mutate"
                        ),
                    ));
                }
            }
        }
        if let Some(both) = policy.deny.iter().find(|rule| policy.warn.contains(rule)) {
            let pos = section
                .get("warn")
                .and_then(|warn| warn.items().iter().find(|item| item.as_str() == Some(both)))
                .map(|item| item.pos)
                .unwrap_or(section.pos);
            return Err(error(
                pos,
                format!("rule {both:?} is listed under both webhook.deny and webhook.warn"),
            ));
        }
        Ok(policy)
    }

    /// Turns dry-run mode on or off (`palisade serve --dry-run` adds to the file's setting).
    pub fn dry_run(&mut self, on: bool) {
        self.dry_run = on;
    }

    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    pub fn deny_at_or_above(&self) -> Option<Severity> {
        self.deny_at_or_above
    }

    pub fn mutate(&self) -> &MutatePolicy {
        &self.mutate
    }

    /// What a finding of `rule` at `severity` does, before dry-run mode softens it: the rule's
    /// own list first, then the severity threshold.
    pub fn action(&self, rule: &str, severity: Severity) -> Action {
        if self.deny.iter().any(|name| name == rule) {
            Action::Deny
        } else if self.warn.iter().any(|name| name == rule) {
            Action::Warn
        } else if self
            .deny_at_or_above
            .is_some_and(|threshold| severity >= threshold)
        {
            Action::Deny
        } else {
            Action::Warn
        }
    }

    /// Why a review is exempt, if it is: the exemption entry that matched, for the log line.
    pub fn exemption(&self, namespace: Option<&str>, user: &UserInfo) -> Option<String> {
        if let Some(namespace) = namespace.filter(|ns| !ns.is_empty())
            && let Some((written, _)) = self
                .exempt_namespaces
                .iter()
                .find(|(_, glob)| glob.is_match(namespace))
        {
            return Some(format!("exemptNamespaces {written:?}"));
        }
        if let Some((written, _)) = self
            .exempt_users
            .iter()
            .find(|(_, glob)| glob.is_match(&user.username))
        {
            return Some(format!("exemptUsers {written:?}"));
        }
        user.groups().iter().find_map(|group| {
            self.exempt_groups
                .iter()
                .find(|(_, glob)| glob.is_match(group))
                .map(|(written, _)| format!("exemptUsers {written:?}"))
        })
    }
}

type ErrorAt<'e> = dyn Fn(Pos, String) -> ConfigError + 'e;

fn string<'n>(node: &'n Node, what: &str, error: &ErrorAt) -> Result<&'n str, ConfigError> {
    node.as_str().ok_or_else(|| {
        error(
            node.pos,
            format!("{what} must be a string, found a {}", node.type_name()),
        )
    })
}

/// A list of strings, or one string standing for a list of one.
fn strings(node: &Node, what: &str, error: &ErrorAt) -> Result<Vec<(String, Pos)>, ConfigError> {
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Str(text) => Ok(vec![(text.clone(), node.pos)]),
        Value::Seq(items) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(|text| (text.to_string(), item.pos))
                    .ok_or_else(|| {
                        error(
                            item.pos,
                            format!(
                                "each entry of {what} must be a string, found a {}",
                                item.type_name()
                            ),
                        )
                    })
            })
            .collect(),
        _ => Err(error(
            node.pos,
            format!("{what} must be a list, found a {}", node.type_name()),
        )),
    }
}

fn rule_names(node: &Node, what: &str, error: &ErrorAt) -> Result<Vec<String>, ConfigError> {
    strings(node, what, error)?
        .into_iter()
        .map(|(name, pos)| {
            if palisade_rules::find_rule(&name).is_some() {
                Ok(name)
            } else {
                Err(error(
                    pos,
                    format!("unknown rule {name:?} in {what} (run `palisade rules` for the list)"),
                ))
            }
        })
        .collect()
}

fn glob(pattern: &str, pos: Pos, error: &ErrorAt) -> Result<GlobMatcher, ConfigError> {
    Glob::new(pattern)
        .map(|glob| glob.compile_matcher())
        .map_err(|e| error(pos, format!("{pattern:?} is not a valid glob: {e}")))
}

fn parse_mutate(node: &Node, error: &ErrorAt) -> Result<MutatePolicy, ConfigError> {
    let mut mutate = MutatePolicy::default();
    if node.is_null() {
        return Ok(mutate);
    }
    if !node.is_map() {
        return Err(error(node.pos, "webhook.mutate must be a mapping".into()));
    }
    for entry in node.entries() {
        let value = &entry.value;
        let flag = || {
            value.as_bool().ok_or_else(|| {
                error(
                    value.pos,
                    format!("webhook.mutate.{} must be true or false", entry.key),
                )
            })
        };
        match entry.key.as_ref() {
            "dropAllCapabilities" => mutate.drop_all_capabilities = flag()?,
            "disallowPrivilegeEscalation" => mutate.disallow_privilege_escalation = flag()?,
            "seccompRuntimeDefault" => mutate.seccomp_runtime_default = flag()?,
            "defaultResources" => mutate.default_resources = parse_default_resources(value, error)?,
            other => {
                return Err(error(
                    entry.key_pos,
                    format!(
                        "unknown key {other:?} in webhook.mutate: expected dropAllCapabilities, disallowPrivilegeEscalation, seccompRuntimeDefault or defaultResources"
                    ),
                ));
            }
        }
    }
    Ok(mutate)
}

fn parse_default_resources(node: &Node, error: &ErrorAt) -> Result<DefaultResources, ConfigError> {
    let mut resources = DefaultResources::default();
    if node.is_null() {
        return Ok(resources);
    }
    if !node.is_map() {
        return Err(error(
            node.pos,
            "webhook.mutate.defaultResources must be a mapping with requests and limits".into(),
        ));
    }
    // Positions of the requests, to point at the one a limit contradicts.
    let mut request_positions = Vec::new();
    for entry in node.entries() {
        let (list, positions) = match entry.key.as_ref() {
            "requests" => (&mut resources.requests, Some(&mut request_positions)),
            "limits" => (&mut resources.limits, None),
            other => {
                return Err(error(
                    entry.key_pos,
                    format!(
                        "unknown key {other:?} in webhook.mutate.defaultResources: expected requests or limits"
                    ),
                ));
            }
        };
        let section = &entry.value;
        if section.is_null() {
            continue;
        }
        if !section.is_map() {
            return Err(error(
                section.pos,
                format!(
                    "webhook.mutate.defaultResources.{} must be a mapping of resource to quantity",
                    entry.key
                ),
            ));
        }
        let mut positions = positions;
        for resource in section.entries() {
            if !DEFAULTABLE_RESOURCES.contains(&resource.key.as_ref()) {
                return Err(error(
                    resource.key_pos,
                    format!(
                        "webhook.mutate.defaultResources.{} cannot default {:?}: expected cpu, memory or ephemeral-storage",
                        entry.key, resource.key
                    ),
                ));
            }
            let text = match &resource.value.value {
                Value::Str(text) => text.clone(),
                Value::Int(number) => number.to_string(),
                Value::Float(number) => number.to_string(),
                _ => String::new(),
            };
            let quantity = Quantity::parse(&text).ok_or_else(|| {
                error(
                    resource.value.pos,
                    format!(
                        "{}: {:?} is not a Kubernetes quantity (such as 100m, 0.5, 128Mi or 1G)",
                        resource.key, text
                    ),
                )
            })?;
            list.push((resource.key.to_string(), quantity));
            if let Some(positions) = positions.as_deref_mut() {
                positions.push((resource.key.to_string(), resource.value.pos));
            }
        }
    }
    for (name, request) in &resources.requests {
        let limit = resources.limits.iter().find(|(limit, _)| limit == name);
        if let Some((_, limit)) = limit
            && request.value > limit.value
        {
            let pos = request_positions
                .iter()
                .find(|(resource, _)| resource == name)
                .map(|(_, pos)| *pos)
                .unwrap_or(node.pos);
            return Err(error(
                pos,
                format!(
                    "the default {name} request {} is above the default {name} limit {}: the API server would reject every pod given both",
                    request.text, limit.text
                ),
            ));
        }
    }
    Ok(resources)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(yaml: &str) -> Result<Policy, ConfigError> {
        let documents = palisade_load::parse_documents(".palisade.yaml", yaml)
            .unwrap_or_else(|e| panic!("test YAML does not parse: {e}"));
        let config = Config::from_node(&documents[0], ".palisade.yaml")?;
        Policy::from_config(&config, ".palisade.yaml")
    }

    fn error(yaml: &str) -> ConfigError {
        match policy(yaml) {
            Ok(_) => panic!("expected an error for:\n{yaml}"),
            Err(error) => error,
        }
    }

    fn user(name: &str, groups: &[&str]) -> UserInfo {
        UserInfo {
            username: name.to_string(),
            groups: Some(groups.iter().map(|g| g.to_string()).collect()),
        }
    }

    #[test]
    fn the_brief_example_parses() {
        let policy = policy(
            "webhook:\n  denyAtOrAbove: high\n  deny: [latest-image-tag]\n  warn: [host-network]\n  exemptNamespaces: [kube-system, \"team-*\"]\n  exemptUsers: [\"system:serviceaccount:kube-system:*\", \"group:system:masters\"]\n  dryRun: false\n  mutate:\n    dropAllCapabilities: true\n    disallowPrivilegeEscalation: true\n    seccompRuntimeDefault: true\n    defaultResources: {requests: {cpu: 100m, memory: 128Mi}, limits: {memory: 256Mi}}\n",
        )
        .unwrap();
        assert_eq!(policy.deny_at_or_above(), Some(Severity::High));
        assert_eq!(
            policy.action("latest-image-tag", Severity::Low),
            Action::Deny
        );
        assert_eq!(
            policy.action("host-network", Severity::Critical),
            Action::Warn
        );
        assert_eq!(
            policy.action("privileged-container", Severity::High),
            Action::Deny
        );
        assert_eq!(
            policy.action("privileged-container", Severity::Medium),
            Action::Warn
        );
        assert!(!policy.is_dry_run());
        let mutate = policy.mutate();
        assert!(mutate.drop_all_capabilities && mutate.disallow_privilege_escalation);
        assert!(mutate.seccomp_runtime_default);
        let requests: Vec<_> = mutate
            .default_resources
            .requests
            .iter()
            .map(|(name, q)| (name.as_str(), q.text.as_str()))
            .collect();
        assert_eq!(requests, [("cpu", "100m"), ("memory", "128Mi")]);
        assert_eq!(
            mutate.default_resources.limits[0].1.value,
            256.0 * 1024.0 * 1024.0
        );

        assert!(
            policy
                .exemption(Some("kube-system"), &user("alice", &[]))
                .is_some()
        );
        assert!(
            policy
                .exemption(Some("team-a"), &user("alice", &[]))
                .is_some()
        );
        assert!(
            policy
                .exemption(Some("shop"), &user("alice", &[]))
                .is_none()
        );
        let controller = user(
            "system:serviceaccount:kube-system:replicaset-controller",
            &[],
        );
        assert!(policy.exemption(Some("shop"), &controller).is_some());
        assert!(
            policy
                .exemption(Some("shop"), &user("bob", &["system:masters"]))
                .is_some()
        );
        assert!(
            policy
                .exemption(Some("shop"), &user("bob", &["dev"]))
                .is_none()
        );
        // A user named like the group is not in the group.
        assert!(
            policy
                .exemption(Some("shop"), &user("system:masters", &[]))
                .is_none()
        );
    }

    #[test]
    fn no_section_means_the_defaults() {
        let policy = policy("rules: {}\n").unwrap();
        assert_eq!(policy.deny_at_or_above(), Some(Severity::High));
        assert!(policy.mutate().is_empty());
        assert!(!policy.is_dry_run());
        assert!(
            policy
                .exemption(Some("kube-system"), &user("x", &[]))
                .is_none()
        );
    }

    #[test]
    fn mutations_are_off_unless_written_true() {
        let policy = policy("webhook:\n  mutate:\n    dropAllCapabilities: false\n").unwrap();
        assert!(policy.mutate().is_empty());
    }

    #[test]
    fn deny_at_or_above_none_leaves_denial_to_the_deny_list() {
        let policy = policy("webhook:\n  denyAtOrAbove: none\n  deny: host-pid\n").unwrap();
        assert_eq!(
            policy.action("privileged-container", Severity::Critical),
            Action::Warn
        );
        assert_eq!(policy.action("host-pid", Severity::Info), Action::Deny);
    }

    #[test]
    fn the_command_line_turns_dry_run_on() {
        let mut policy = policy("webhook: {dryRun: false}\n").unwrap();
        policy.dry_run(true);
        assert!(policy.is_dry_run());
    }

    #[test]
    fn errors_name_line_and_column() {
        let cases: &[(&str, u32, u32, &str)] = &[
            (
                "webhook:\n  deny: [latest-image-tag, no-such-rule]\n",
                2,
                28,
                "unknown rule \"no-such-rule\"",
            ),
            (
                "webhook:\n  warn:\n    - host-netwrok\n",
                3,
                7,
                "unknown rule \"host-netwrok\"",
            ),
            (
                "webhook:\n  denyAtOrAbove: severe\n",
                2,
                18,
                "unknown severity",
            ),
            (
                "webhook:\n  dryRun: maybe\n",
                2,
                11,
                "dryRun must be true or false",
            ),
            (
                "webhook:\n  denyAbove: high\n",
                2,
                3,
                "unknown key \"denyAbove\"",
            ),
            ("webhook: [deny]\n", 1, 10, "webhook must be a mapping"),
            (
                "webhook:\n  exemptNamespaces: {a: b}\n",
                2,
                21,
                "must be a list",
            ),
            (
                "webhook:\n  exemptUsers: [\"group:\"]\n",
                2,
                17,
                "names no user or group",
            ),
            (
                "webhook:\n  exemptNamespaces: [\"team-[\"]\n",
                2,
                22,
                "not a valid glob",
            ),
            (
                "webhook:\n  mutate:\n    dropAll: true\n",
                3,
                5,
                "unknown key \"dropAll\"",
            ),
            (
                "webhook:\n  mutate:\n    seccompRuntimeDefault: yes please\n",
                3,
                28,
                "must be true or false",
            ),
            (
                "webhook:\n  mutate:\n    defaultResources: {requests: {cpu: lots}}\n",
                3,
                40,
                "not a Kubernetes quantity",
            ),
            (
                "webhook:\n  mutate:\n    defaultResources: {requests: {gpu: 1}}\n",
                3,
                35,
                "cannot default \"gpu\"",
            ),
            (
                "webhook:\n  mutate:\n    defaultResources: {request: {cpu: 1}}\n",
                3,
                24,
                "unknown key \"request\"",
            ),
            (
                "webhook:\n  mutate:\n    defaultResources:\n      requests: {memory: 1Gi}\n      limits: {memory: 256Mi}\n",
                4,
                26,
                "above the default memory limit",
            ),
            (
                "webhook:\n  deny: [host-network]\n  warn: [privileged-container, host-network]\n",
                3,
                32,
                "both webhook.deny and webhook.warn",
            ),
        ];
        for (yaml, line, column, message) in cases {
            let error = error(yaml);
            assert_eq!(error.file, ".palisade.yaml");
            assert!(
                error.message.contains(message),
                "{yaml}: expected {message:?} in {error}"
            );
            assert_eq!(
                (error.line, error.column),
                (*line, *column),
                "{yaml}: wrong position for {error}"
            );
        }
    }

    #[test]
    fn quantities_parse_like_kubernetes() {
        let value = |text: &str| Quantity::parse(text).map(|q| q.value);
        assert_eq!(value("100m"), Some(0.1));
        assert_eq!(value("1"), Some(1.0));
        assert_eq!(value("+1.5"), Some(1.5));
        assert_eq!(value(".5"), Some(0.5));
        assert_eq!(value("128Mi"), Some(134_217_728.0));
        assert_eq!(value("1G"), Some(1e9));
        assert_eq!(value("1k"), Some(1e3));
        assert_eq!(value("2e3"), Some(2000.0));
        assert_eq!(value("5E-1"), Some(0.5));
        for invalid in [
            "", ".", "m", "1K", "1mi", "1..2", "-1", "1e", "1e+", "1 Gi", "lots", "1e999",
        ] {
            assert_eq!(value(invalid), None, "{invalid:?} should not parse");
        }
    }
}
