//! The `audit` section of `.palisade.yaml`, and the flags of `palisade audit` that add to it.
//!
//! ```yaml
//! audit:
//!   clusterCIDRs: [10.244.0.0/16, 10.96.0.0/12, 192.168.1.0/24]  # pod, service and node networks
//!   secretReaders:                  # who normally reads Secrets (besides the control plane)
//!     - system:serviceaccount:cert-manager:*   # user names, globs
//!     - group:secret-admins                    # or groups
//!   allowedUsers: [alice, group:system:masters]  # when set, any other user is reported
//!   allowedNamespaces: [kube-*, default, team-*]  # when set, creating any other is reported
//!   failures: {threshold: 5, windowSeconds: 60}  # repeated 401/403 from one source
//!   rules:
//!     user-impersonation: off
//!     exec-into-pod: {severity: high}
//! ```
//! Every mistake is an error with its line and column, as in the rest of the file.

use std::collections::HashMap;
use std::net::IpAddr;

use globset::{Glob, GlobMatcher};
use ipnet::IpNet;
use palisade_model::{Node, Pos, Severity, Value};
use palisade_rules::config::{ErrorAt, rule_setting};
use palisade_rules::{Config, ConfigError};

use crate::event::UserInfo;
use crate::registry::find_rule;

/// How `palisade audit` judges events.
#[derive(Debug, Clone)]
pub struct AuditConfig {
    /// The pod, service and node networks: a service-account token used from anywhere else
    /// left the cluster. Empty when not configured: then only public addresses count as
    /// outside (see the rule `service-account-token-outside-cluster`).
    pub cluster_networks: Vec<IpNet>,
    /// Who normally reads Secrets, besides the control plane's own components.
    pub secret_readers: Principals,
    /// When set, every request by a user not in it is reported.
    pub allowed_users: Option<Principals>,
    /// Repeated 401/403 answers from one source: this many within the window raise an alert.
    pub failure_threshold: u32,
    pub failure_window_seconds: u64,
    pub rules: HashMap<String, AuditRuleSetting>,
    /// When set, creating a namespace whose name is not in it is reported (globs).
    pub allowed_namespaces: Option<Vec<GlobMatcher>>,
    /// The scan configuration: request objects are judged with the same rules, exemptions
    /// and custom pod-spec paths as `palisade scan`.
    pub scan: Config,
}

impl Default for AuditConfig {
    fn default() -> Self {
        AuditConfig {
            cluster_networks: Vec::new(),
            secret_readers: Principals::default(),
            allowed_users: None,
            failure_threshold: 5,
            failure_window_seconds: 60,
            rules: HashMap::new(),
            allowed_namespaces: None,
            scan: Config::default(),
        }
    }
}

/// An audit rule's setting: the same shape as a manifest rule's.
pub type AuditRuleSetting = palisade_rules::RuleSetting;

/// A list of users and groups: `NAME-GLOB` matches a user name, `group:NAME-GLOB` a group.
#[derive(Debug, Default, Clone)]
pub struct Principals {
    users: Vec<GlobMatcher>,
    groups: Vec<GlobMatcher>,
    written: Vec<String>,
}

impl Principals {
    /// Parses `NAME-GLOB` and `group:NAME-GLOB` entries.
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Principals, String> {
        let mut principals = Principals::default();
        for entry in entries {
            principals.push(entry)?;
        }
        Ok(principals)
    }

    fn push(&mut self, entry: &str) -> Result<(), String> {
        let (list, pattern) = match entry.strip_prefix("group:") {
            Some(group) => (&mut self.groups, group),
            None => (&mut self.users, entry),
        };
        if pattern.is_empty() {
            return Err(format!("{entry:?} names no user or group"));
        }
        let glob = Glob::new(pattern).map_err(|e| format!("{entry:?} is not a valid glob: {e}"))?;
        list.push(glob.compile_matcher());
        self.written.push(entry.to_string());
        Ok(())
    }

    /// Whether the user, or one of its groups, is in the list.
    pub fn contains(&self, user: &UserInfo) -> bool {
        self.users
            .iter()
            .any(|glob| glob.is_match(user.username.as_str()))
            || user
                .groups
                .iter()
                .any(|group| self.groups.iter().any(|glob| glob.is_match(group.as_str())))
    }

    pub fn is_empty(&self) -> bool {
        self.written.is_empty()
    }

    /// The entries as written.
    pub fn entries(&self) -> &[String] {
        &self.written
    }
}

impl AuditConfig {
    /// The audit configuration of a `.palisade.yaml` (its `audit` section; the defaults when
    /// there is none). `file` names the file in errors.
    pub fn from_config(scan: Config, file: &str) -> Result<AuditConfig, ConfigError> {
        let mut config = AuditConfig {
            scan,
            ..AuditConfig::default()
        };
        let Some(section) = config.scan.audit.clone() else {
            return Ok(config);
        };
        let error = |pos: Pos, message: String| ConfigError {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            message,
        };
        if section.is_null() {
            return Ok(config);
        }
        if !section.is_map() {
            return Err(error(section.pos, "audit must be a mapping".into()));
        }
        for entry in section.entries() {
            let value = &entry.value;
            match entry.key.as_ref() {
                "clusterCIDRs" => {
                    for item in list(value, "audit.clusterCIDRs", &error)? {
                        let text = string(item, "a cluster CIDR", &error)?;
                        config
                            .cluster_networks
                            .push(parse_network(text).map_err(|e| error(item.pos, e))?);
                    }
                }
                "secretReaders" => {
                    config.secret_readers = principals(value, "audit.secretReaders", &error)?
                }
                "allowedUsers" => {
                    config.allowed_users = Some(principals(value, "audit.allowedUsers", &error)?)
                }
                "failures" => {
                    if !value.is_map() {
                        return Err(error(value.pos, "audit.failures must be a mapping".into()));
                    }
                    for field in value.entries() {
                        let number = field.value.as_i64().filter(|n| *n > 0).ok_or_else(|| {
                            error(field.value.pos, "must be a positive whole number".into())
                        })?;
                        match field.key.as_ref() {
                            "threshold" => {
                                config.failure_threshold = u32::try_from(number).unwrap_or(u32::MAX)
                            }
                            "windowSeconds" => {
                                config.failure_window_seconds = number.unsigned_abs()
                            }
                            other => {
                                return Err(error(
                                    field.key_pos,
                                    format!(
                                        "unknown key {other:?} in audit.failures: expected threshold or windowSeconds"
                                    ),
                                ));
                            }
                        }
                    }
                }
                "rules" => config.rules = rule_settings(value, &error)?,
                "allowedNamespaces" => {
                    let mut globs = Vec::new();
                    for item in list(value, "audit.allowedNamespaces", &error)? {
                        let text = string(item, "a namespace name", &error)?;
                        let glob = Glob::new(text).map_err(|e| {
                            error(item.pos, format!("{text:?} is not a valid glob: {e}"))
                        })?;
                        globs.push(glob.compile_matcher());
                    }
                    config.allowed_namespaces = Some(globs);
                }
                other => {
                    return Err(error(
                        entry.key_pos,
                        format!(
                            "unknown key {other:?} in audit: expected clusterCIDRs, secretReaders, allowedUsers, allowedNamespaces, failures or rules"
                        ),
                    ));
                }
            }
        }
        Ok(config)
    }

    /// Adds a `--cluster-cidr` value.
    pub fn add_cluster_network(&mut self, text: &str) -> Result<(), String> {
        self.cluster_networks.push(parse_network(text)?);
        Ok(())
    }

    /// Whether an address is inside the configured pod, service or node networks.
    pub fn in_cluster_networks(&self, address: IpAddr) -> bool {
        self.cluster_networks
            .iter()
            .any(|network| network.contains(&address))
    }

    /// Whether a rule runs: as configured, else its default.
    pub fn is_enabled(&self, rule: &str, by_default: bool) -> bool {
        self.rules
            .get(rule)
            .and_then(|setting| setting.enabled)
            .unwrap_or(by_default)
    }

    pub fn severity_override(&self, rule: &str) -> Option<Severity> {
        self.rules.get(rule).and_then(|setting| setting.severity)
    }
}

/// A CIDR (`10.244.0.0/16`) or a single address (`192.168.1.10`, as a /32 or /128).
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    if let Ok(network) = text.parse::<IpNet>() {
        return Ok(network.trunc());
    }
    text.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
        format!("{text:?} is not a network in CIDR notation (such as 10.244.0.0/16) or an address")
    })
}

fn list<'n>(node: &'n Node, what: &str, error: &ErrorAt) -> Result<&'n [Node], ConfigError> {
    match &node.value {
        Value::Seq(items) => Ok(items),
        Value::Null => Ok(&[]),
        _ => Err(error(
            node.pos,
            format!("{what} must be a list, found a {}", node.type_name()),
        )),
    }
}

fn string<'n>(node: &'n Node, what: &str, error: &ErrorAt) -> Result<&'n str, ConfigError> {
    node.as_str().ok_or_else(|| {
        error(
            node.pos,
            format!("{what} must be a string, found a {}", node.type_name()),
        )
    })
}

fn principals(node: &Node, what: &str, error: &ErrorAt) -> Result<Principals, ConfigError> {
    let mut principals = Principals::default();
    for item in list(node, what, error)? {
        let text = string(item, "a user or group:NAME", error)?;
        principals.push(text).map_err(|e| error(item.pos, e))?;
    }
    Ok(principals)
}

fn rule_settings(
    node: &Node,
    error: &ErrorAt,
) -> Result<HashMap<String, AuditRuleSetting>, ConfigError> {
    let mut rules = HashMap::new();
    if node.is_null() {
        return Ok(rules);
    }
    if !node.is_map() {
        return Err(error(
            node.pos,
            "audit.rules must be a mapping of audit rule name to setting".into(),
        ));
    }
    for entry in node.entries() {
        if find_rule(&entry.key).is_none() {
            return Err(error(
                entry.key_pos,
                format!(
                    "unknown audit rule {:?} (run `palisade rules` for the list)",
                    entry.key
                ),
            ));
        }
        let setting = rule_setting(
            &entry.value,
            error,
            "a rule setting is on, off, true, false or {enabled, severity}",
        )?;
        rules.insert(entry.key.to_string(), setting);
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, groups: &[&str]) -> UserInfo<'static> {
        UserInfo {
            username: crate::Text::from(name),
            groups: groups.iter().map(|g| (*g).into()).collect(),
            ..UserInfo::default()
        }
    }

    #[test]
    fn principals_match_user_globs_and_groups() {
        let principals = Principals::new([
            "system:serviceaccount:cert-manager:*",
            "group:secret-admins",
        ])
        .unwrap();
        assert!(principals.contains(&user("system:serviceaccount:cert-manager:cm", &[])));
        assert!(!principals.contains(&user("system:serviceaccount:default:cm", &[])));
        assert!(principals.contains(&user("bob", &["dev", "secret-admins"])));
        assert!(!principals.contains(&user("bob", &["dev"])));
        assert!(Principals::new(["group:"]).is_err());
    }

    #[test]
    fn networks_accept_cidrs_and_single_addresses() {
        let mut config = AuditConfig::default();
        config.add_cluster_network("10.244.0.0/16").unwrap();
        config.add_cluster_network("192.168.1.10").unwrap();
        config.add_cluster_network("fd00::/8").unwrap();
        assert!(config.in_cluster_networks("10.244.3.4".parse().unwrap()));
        assert!(config.in_cluster_networks("192.168.1.10".parse().unwrap()));
        assert!(!config.in_cluster_networks("192.168.1.11".parse().unwrap()));
        assert!(config.in_cluster_networks("fd12::1".parse().unwrap()));
        assert!(config.add_cluster_network("10.0.0.0/33").is_err());
        assert!(config.add_cluster_network("pods").is_err());
    }
}
