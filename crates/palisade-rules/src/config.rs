//! `.palisade.yaml`: which rules run, at which severity, which objects are exempt and why,
//! and where custom kinds keep their pod spec.
//!
//! ```yaml
//! rules:
//!   missing-cpu-limit: off            # or {enabled: false}
//!   host-path-volume: {severity: critical}
//! exemptions:
//!   - rules: [host-network, host-path-volume]   # or "*"
//!     namespaces: [kube-system]                 # globs
//!     names: ["calico-*"]                       # globs
//!     kinds: [DaemonSet]
//!     reason: CNI agents need the host network
//! podSpecPaths:
//!   - kind: Rollout
//!     apiVersion: argoproj.io/v1alpha1          # optional
//!     path: spec.template                       # a pod template or a pod spec
//! allowedRegistries:                            # images from anywhere else are reported
//!   - registry.example.com                      # a registry host (any image on it)
//!   - docker.io/library                         # or a registry and path prefix
//!   - ghcr.io/example-org/*                     # globs allowed
//! ```
//! The file is read with the same loader as manifests; every mistake in it is an error with
//! its line and column, never silently ignored.

use std::collections::HashMap;

use globset::{Glob, GlobMatcher};
use palisade_model::{Node, Object, Pos, Severity, Value};

use crate::registry::find_rule;

/// A mistake in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

#[derive(Debug, Default, Clone)]
pub struct RuleSetting {
    pub enabled: Option<bool>,
    pub severity: Option<Severity>,
}

#[derive(Debug, Clone)]
pub struct Exemption {
    /// `None` means every rule.
    pub rules: Option<Vec<String>>,
    pub namespaces: Vec<GlobMatcher>,
    pub names: Vec<GlobMatcher>,
    pub kinds: Vec<String>,
    pub reason: String,
}

/// One `allowedRegistries` entry: a registry host, optionally with a path prefix, as a glob.
#[derive(Debug, Clone)]
pub struct AllowedRegistry {
    /// As written in the configuration, for messages.
    pub pattern: String,
    matcher: GlobMatcher,
}

impl AllowedRegistry {
    pub fn new(pattern: &str) -> Result<AllowedRegistry, String> {
        let trimmed = pattern.trim().trim_end_matches('/');
        if trimmed.is_empty() {
            return Err("an allowed registry must not be empty".into());
        }
        let glob = Glob::new(trimmed).map_err(|e| format!("invalid pattern {pattern:?}: {e}"))?;
        Ok(AllowedRegistry {
            pattern: trimmed.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    /// Whether the normalised image name `registry/path/repository` (no tag, no digest) comes
    /// from this registry: the pattern matches the whole name or one of its `/`-prefixes.
    pub fn allows(&self, image_name: &str) -> bool {
        let mut end = image_name.len();
        loop {
            if self.matcher.is_match(&image_name[..end]) {
                return true;
            }
            match image_name[..end].rfind('/') {
                Some(slash) => end = slash,
                None => return false,
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct PodSpecPath {
    pub api_version: Option<String>,
    pub kind: String,
    pub path: Vec<String>,
}

/// The parsed configuration. `Config::default()` is what runs when there is no file.
#[derive(Debug, Default, Clone)]
pub struct Config {
    pub rules: HashMap<String, RuleSetting>,
    pub exemptions: Vec<Exemption>,
    pub pod_spec_paths: Vec<PodSpecPath>,
    /// `allowedRegistries`: `None` when not configured (the registry rule stays silent).
    pub allowed_registries: Option<Vec<AllowedRegistry>>,
    /// The `audit` section as written: `palisade audit` reads it (palisade-audit's
    /// `AuditConfig`), the scan does not.
    pub audit: Option<Node>,
    /// The `webhook` section as written: `palisade serve` reads it (palisade-webhook's
    /// policy), the scan does not.
    pub webhook: Option<Node>,
    /// The file it came from, for messages.
    pub source: Option<String>,
}

impl Config {
    /// Reads the configuration from a parsed document. `file` names it in errors.
    pub fn from_node(root: &Node, file: &str) -> Result<Config, ConfigError> {
        let error = |pos: Pos, message: String| ConfigError {
            file: file.to_string(),
            line: pos.line,
            column: pos.column,
            message,
        };
        let mut config = Config {
            source: Some(file.to_string()),
            ..Config::default()
        };
        if root.is_null() {
            return Ok(config);
        }
        if !root.is_map() {
            return Err(error(
                root.pos,
                "the configuration must be a mapping".into(),
            ));
        }
        for entry in root.entries() {
            match entry.key.as_ref() {
                "rules" => config.rules = parse_rules(&entry.value, &error)?,
                "exemptions" => {
                    for item in expect_list(&entry.value, "exemptions", &error)? {
                        config.exemptions.push(parse_exemption(item, &error)?);
                    }
                }
                "podSpecPaths" => {
                    for item in expect_list(&entry.value, "podSpecPaths", &error)? {
                        config
                            .pod_spec_paths
                            .push(parse_pod_spec_path(item, &error)?);
                    }
                }
                "allowedRegistries" => {
                    let mut allowed = Vec::new();
                    for item in expect_list(&entry.value, "allowedRegistries", &error)? {
                        let text = expect_str(item, "an allowed registry", &error)?;
                        allowed.push(AllowedRegistry::new(text).map_err(|e| error(item.pos, e))?);
                    }
                    config.allowed_registries = Some(allowed);
                }
                "audit" => config.audit = Some(entry.value.clone()),
                "webhook" => config.webhook = Some(entry.value.clone()),
                other => {
                    return Err(error(
                        entry.key_pos,
                        format!(
                            "unknown configuration key {other:?}: expected rules, exemptions, podSpecPaths, allowedRegistries, audit or webhook"
                        ),
                    ));
                }
            }
        }
        Ok(config)
    }

    /// Whether a rule runs: on unless the configuration turns it off.
    pub fn is_enabled(&self, rule: &str) -> bool {
        self.rules
            .get(rule)
            .and_then(|setting| setting.enabled)
            .unwrap_or(true)
    }

    pub fn severity_override(&self, rule: &str) -> Option<Severity> {
        self.rules.get(rule).and_then(|setting| setting.severity)
    }

    /// The configured pod-spec path of a custom kind.
    pub fn pod_spec_path_for(&self, api_version: &str, kind: &str) -> Option<&[String]> {
        self.pod_spec_paths
            .iter()
            .find(|custom| {
                custom.kind == kind
                    && custom
                        .api_version
                        .as_deref()
                        .is_none_or(|wanted| wanted == api_version)
            })
            .map(|custom| custom.path.as_slice())
    }

    /// The first exemption that covers `rule` on `object`, if any.
    pub fn exemption_for(&self, rule: &str, object: &Object) -> Option<&Exemption> {
        self.exemptions.iter().find(|exemption| {
            let rule_matches = exemption
                .rules
                .as_ref()
                .is_none_or(|rules| rules.iter().any(|r| r == rule));
            let namespace = object.namespace.as_deref().unwrap_or("");
            rule_matches
                && (exemption.namespaces.is_empty()
                    || exemption.namespaces.iter().any(|g| g.is_match(namespace)))
                && (exemption.names.is_empty()
                    || exemption.names.iter().any(|g| g.is_match(&object.name)))
                && (exemption.kinds.is_empty() || exemption.kinds.contains(&object.kind))
        })
    }
}

/// Makes a [`ConfigError`] at a position of the file being read.
pub type ErrorAt<'e> = dyn Fn(Pos, String) -> ConfigError + 'e;

fn expect_list<'n>(node: &'n Node, what: &str, error: &ErrorAt) -> Result<&'n [Node], ConfigError> {
    match &node.value {
        Value::Seq(items) => Ok(items),
        Value::Null => Ok(&[]),
        _ => Err(error(
            node.pos,
            format!("{what} must be a list, found a {}", node.type_name()),
        )),
    }
}

fn expect_str<'n>(node: &'n Node, what: &str, error: &ErrorAt) -> Result<&'n str, ConfigError> {
    node.as_str().ok_or_else(|| {
        error(
            node.pos,
            format!("{what} must be a string, found a {}", node.type_name()),
        )
    })
}

fn known_rule(name: &str, pos: Pos, error: &ErrorAt) -> Result<String, ConfigError> {
    if find_rule(name).is_some() {
        Ok(name.to_string())
    } else {
        Err(error(
            pos,
            format!("unknown rule {name:?} (run `palisade rules` for the list)"),
        ))
    }
}

/// One rule's setting: `on`, `off`, `true`, `false` or `{enabled, severity}`; `shape_error`
/// is the message for anything else. Shared with the `audit.rules` section of palisade-audit.
pub fn rule_setting(
    value: &Node,
    error: &ErrorAt,
    shape_error: &str,
) -> Result<RuleSetting, ConfigError> {
    let mut setting = RuleSetting::default();
    match &value.value {
        Value::Bool(enabled) => setting.enabled = Some(*enabled),
        Value::Str(word) if word == "off" || word == "on" => setting.enabled = Some(word == "on"),
        Value::Map(fields) => {
            for field in fields {
                match field.key.as_ref() {
                    "enabled" => {
                        setting.enabled = Some(field.value.as_bool().ok_or_else(|| {
                            error(field.value.pos, "enabled must be true or false".into())
                        })?)
                    }
                    "severity" => {
                        let text = expect_str(&field.value, "severity", error)?;
                        setting.severity =
                            Some(text.parse().map_err(|e| error(field.value.pos, e))?);
                    }
                    other => {
                        return Err(error(
                            field.key_pos,
                            format!("unknown rule setting {other:?}: expected enabled or severity"),
                        ));
                    }
                }
            }
        }
        _ => return Err(error(value.pos, shape_error.to_string())),
    }
    Ok(setting)
}

fn parse_rules(node: &Node, error: &ErrorAt) -> Result<HashMap<String, RuleSetting>, ConfigError> {
    let mut rules = HashMap::new();
    if node.is_null() {
        return Ok(rules);
    }
    if !node.is_map() {
        return Err(error(
            node.pos,
            "rules must be a mapping of rule name to setting".into(),
        ));
    }
    for entry in node.entries() {
        let name = known_rule(&entry.key, entry.key_pos, error)?;
        let setting = rule_setting(
            &entry.value,
            error,
            &format!("the setting of {name} must be on, off, or a mapping with enabled/severity"),
        )?;
        rules.insert(name, setting);
    }
    Ok(rules)
}

fn string_list(
    node: &Node,
    what: &str,
    error: &ErrorAt,
) -> Result<Vec<(String, Pos)>, ConfigError> {
    match &node.value {
        Value::Str(text) => Ok(vec![(text.clone(), node.pos)]),
        _ => expect_list(node, what, error)?
            .iter()
            .map(|item| expect_str(item, what, error).map(|s| (s.to_string(), item.pos)))
            .collect(),
    }
}

fn globs(node: &Node, what: &str, error: &ErrorAt) -> Result<Vec<GlobMatcher>, ConfigError> {
    string_list(node, what, error)?
        .into_iter()
        .map(|(pattern, pos)| {
            Glob::new(&pattern)
                .map(|glob| glob.compile_matcher())
                .map_err(|e| error(pos, format!("invalid glob {pattern:?}: {e}")))
        })
        .collect()
}

fn parse_exemption(node: &Node, error: &ErrorAt) -> Result<Exemption, ConfigError> {
    if !node.is_map() {
        return Err(error(node.pos, "an exemption must be a mapping".into()));
    }
    let mut exemption = Exemption {
        rules: None,
        namespaces: Vec::new(),
        names: Vec::new(),
        kinds: Vec::new(),
        reason: String::new(),
    };
    for field in node.entries() {
        match field.key.as_ref() {
            "rules" => {
                let names = string_list(&field.value, "rules", error)?;
                if names.iter().any(|(name, _)| name == "*" || name == "all") {
                    exemption.rules = None;
                } else {
                    exemption.rules = Some(
                        names
                            .into_iter()
                            .map(|(name, pos)| known_rule(&name, pos, error))
                            .collect::<Result<_, _>>()?,
                    );
                }
            }
            "namespaces" => exemption.namespaces = globs(&field.value, "namespaces", error)?,
            "names" => exemption.names = globs(&field.value, "names", error)?,
            "kinds" => {
                exemption.kinds = string_list(&field.value, "kinds", error)?
                    .into_iter()
                    .map(|(kind, _)| kind)
                    .collect()
            }
            "reason" => {
                exemption.reason = expect_str(&field.value, "reason", error)?
                    .trim()
                    .to_string()
            }
            other => {
                return Err(error(
                    field.key_pos,
                    format!(
                        "unknown exemption field {other:?}: expected rules, namespaces, names, kinds or reason"
                    ),
                ));
            }
        }
    }
    if exemption.reason.is_empty() {
        return Err(error(
            node.pos,
            "an exemption needs a reason: say why these objects may break the rule".into(),
        ));
    }
    if node.get("rules").is_none() {
        return Err(error(
            node.pos,
            "an exemption needs `rules` (a list of rule names, or \"*\" for all)".into(),
        ));
    }
    Ok(exemption)
}

fn parse_pod_spec_path(node: &Node, error: &ErrorAt) -> Result<PodSpecPath, ConfigError> {
    let kind = node
        .get("kind")
        .ok_or_else(|| error(node.pos, "a podSpecPaths entry needs `kind`".into()))
        .and_then(|kind| expect_str(kind, "kind", error))?
        .to_string();
    let path_node = node.get("path").ok_or_else(|| {
        error(
            node.pos,
            "a podSpecPaths entry needs `path`, such as spec.template".into(),
        )
    })?;
    let path: Vec<String> = expect_str(path_node, "path", error)?
        .trim_start_matches('/')
        .split(['.', '/'])
        .filter(|part| !part.is_empty())
        .map(str::to_string)
        .collect();
    if path.is_empty() {
        return Err(error(path_node.pos, "path must not be empty".into()));
    }
    let api_version = match node.get("apiVersion") {
        Some(value) => Some(expect_str(value, "apiVersion", error)?.to_string()),
        None => None,
    };
    for field in node.entries() {
        if !matches!(field.key.as_ref(), "kind" | "path" | "apiVersion") {
            return Err(error(
                field.key_pos,
                format!(
                    "unknown podSpecPaths field {:?}: expected kind, apiVersion or path",
                    field.key
                ),
            ));
        }
    }
    Ok(PodSpecPath {
        api_version,
        kind,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_registries_match_a_host_or_a_path_prefix() {
        let host = AllowedRegistry::new("registry.example.com").unwrap();
        assert!(host.allows("registry.example.com/team/app"));
        assert!(!host.allows("registry.example.com.evil.io/team/app"));
        assert!(!host.allows("docker.io/library/nginx"));

        let prefix = AllowedRegistry::new("docker.io/library/").unwrap();
        assert!(prefix.allows("docker.io/library/nginx"));
        assert!(!prefix.allows("docker.io/someuser/nginx"));

        let glob = AllowedRegistry::new("ghcr.io/example-org/*").unwrap();
        assert!(glob.allows("ghcr.io/example-org/api"));
        assert!(!glob.allows("ghcr.io/other/api"));

        assert!(AllowedRegistry::new(" ").is_err());
    }

    #[test]
    fn allowed_registries_are_read_from_the_file() {
        let root = palisade_model::Node::from_json(&serde_json::json!({
            "allowedRegistries": ["registry.example.com", "docker.io/library"]
        }));
        let config = Config::from_node(&root, ".palisade.yaml").unwrap();
        let allowed = config.allowed_registries.unwrap();
        assert_eq!(allowed.len(), 2);
        assert_eq!(allowed[1].pattern, "docker.io/library");

        let root = palisade_model::Node::from_json(&serde_json::json!({"allowedRegistries": [1]}));
        let error = Config::from_node(&root, ".palisade.yaml").unwrap_err();
        assert!(error.message.contains("must be a string"), "{error}");
    }
}
