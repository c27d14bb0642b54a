//! Judges a [`NodeState`] with the rows of [`crate::checks::CHECKS`].
//!
//! Semantics, in the order they apply:
//! - A check whose component is not on the node is `warn` ("kube-apiserver not found on this
//!   node"): it was not judged, and a worker node reports its control-plane checks that way. A
//!   caller that wants kube-bench's behaviour (skip the targets whose components do not run)
//!   filters on [`component_found`].
//! - A setting is read flag > config file > environment > default (see [`crate::checks`]); a
//!   setting that would come from a config file the reader could not read is `warn`.
//! - A file that should exist and does not is `warn` ("not found"), one that cannot be read is
//!   `warn`; neither ever passes. Only the checks worded "if the file exists" (kube-proxy's
//!   kubeconfig, the kubelet's config file, `super-admin.conf`) pass on a missing file.
//! - Manual checks are judged like automated ones when the node shows the answer; where a
//!   person must weigh the evidence ([`Test::Judge`]) they are `warn`, and where nothing on the
//!   node can show it ([`Test::Manual`]) they are `manual`.

mod policies;
#[cfg(test)]
mod tests;

use std::net::IpAddr;

use palisade_model::{Node, Value};

use crate::checks::{CHECKS, Check, Expect, Files, Select, Setting, Test};
use crate::result::{CheckResult, Evidence, Status};
use crate::state::{Component, ComponentState, FileFacts, NodeState, Source};

/// The result of every check, in CIS order.
pub fn evaluate(state: &NodeState) -> Vec<CheckResult> {
    CHECKS
        .iter()
        .map(|check| evaluate_check(state, check))
        .collect()
}

/// Whether the reader found the component on the node.
pub fn component_found(state: &NodeState, component: Component) -> bool {
    state.components.contains_key(&component)
}

/// The result of one check.
pub fn evaluate_check(state: &NodeState, check: &Check) -> CheckResult {
    let outcome = match state.components.get(&check.component) {
        Some(component_state) => Judge {
            state,
            component: check.component,
            found: component_state,
        }
        .run(&check.test),
        None => Outcome::new(Status::Warn, absent_reason(state, check.component)),
    };
    CheckResult {
        id: check.id.to_string(),
        title: check.title.to_string(),
        status: outcome.status,
        check_type: check.check_type,
        component: check.component.binary().to_string(),
        reason: outcome.reason,
        evidence: outcome.evidence,
        remediation: check.remediation.to_string(),
    }
}

fn absent_reason(state: &NodeState, component: Component) -> String {
    let binary = component.binary();
    let mut reason = format!("{binary} not found on this node");
    let related: Vec<String> = state
        .unreadable
        .iter()
        .filter(|unreadable| unreadable.path.contains(binary) || unreadable.path == "/proc")
        .take(3)
        .map(|unreadable| format!("{}: {}", unreadable.path, unreadable.reason))
        .collect();
    if !related.is_empty() {
        reason.push_str(&format!(" (could not read {})", related.join("; ")));
    }
    reason
}

/// A test's verdict, before it becomes a [`CheckResult`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub status: Status,
    pub reason: String,
    pub evidence: Vec<Evidence>,
}

impl Outcome {
    pub fn new(status: Status, reason: impl Into<String>) -> Outcome {
        Outcome {
            status,
            reason: reason.into(),
            evidence: Vec::new(),
        }
    }

    pub fn pass(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Pass, reason)
    }

    pub fn fail(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Fail, reason)
    }

    pub fn warn(reason: impl Into<String>) -> Outcome {
        Outcome::new(Status::Warn, reason)
    }

    pub fn with(mut self, evidence: Evidence) -> Outcome {
        self.add(evidence);
        self
    }

    pub fn with_all(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Outcome {
        for item in evidence {
            self.add(item);
        }
        self
    }

    fn add(&mut self, evidence: Evidence) {
        if !self.evidence.contains(&evidence) {
            self.evidence.push(evidence);
        }
    }
}

/// How bad a status is, for combining: all-of takes the worst, any-of the best.
fn badness(status: Status) -> u8 {
    match status {
        Status::Pass => 0,
        Status::Manual => 1,
        Status::Warn => 2,
        Status::Fail => 3,
    }
}

/// Combines outcomes: the status is the worst (`all`) or the best (`!all`) of them, the reason
/// is the reasons that decided it, and the evidence is everyone's.
fn combine(outcomes: Vec<Outcome>, all: bool) -> Outcome {
    let status = if all {
        outcomes
            .iter()
            .map(|o| o.status)
            .max_by_key(|s| badness(*s))
    } else {
        outcomes
            .iter()
            .map(|o| o.status)
            .min_by_key(|s| badness(*s))
    }
    .unwrap_or(Status::Pass);
    let deciding: Vec<&str> = outcomes
        .iter()
        .filter(|outcome| outcome.status == status)
        .map(|outcome| outcome.reason.as_str())
        .collect();
    // All-of names every part that failed; any-of needs only one reason (its first
    // alternative is the usual way to comply).
    let reason = if all {
        deciding.join("; ")
    } else {
        deciding.first().copied().unwrap_or_default().to_string()
    };
    let mut combined = Outcome::new(status, reason);
    for outcome in outcomes {
        combined = combined.with_all(outcome.evidence);
    }
    combined
}

/// A setting as the component sees it.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    /// `--anonymous-auth`, `authentication.anonymous.enabled`, `ETCD_CLIENT_CERT_AUTH`.
    name: String,
    /// The value; `None` when unset with no default.
    value: Option<String>,
    /// Set on the node (flag, config, environment), not a default.
    explicit: bool,
    evidence: Evidence,
}

impl Found {
    /// `--anonymous-auth is false`, `--profiling is not set (default true)`.
    fn describe(&self) -> String {
        match (&self.value, self.explicit) {
            (Some(value), true) if value.is_empty() => format!("{} is empty", self.name),
            (Some(value), true) => format!("{} is {value}", self.name),
            (Some(value), false) => format!("{} is not set (default {value})", self.name),
            (None, _) => format!("{} is not set", self.name),
        }
    }

    fn explicit_value(&self) -> Option<&str> {
        match &self.value {
            Some(value) if self.explicit && !value.is_empty() => Some(value),
            _ => None,
        }
    }
}

struct Judge<'a> {
    state: &'a NodeState,
    component: Component,
    found: &'a ComponentState,
}

impl Judge<'_> {
    fn run(&self, test: &Test) -> Outcome {
        match test {
            Test::Value { setting, expect } => self.value(setting, *expect),
            Test::All(tests) => combine(tests.iter().map(|t| self.run(t)).collect(), true),
            Test::Any(tests) => combine(tests.iter().map(|t| self.run(t)).collect(), false),
            Test::Judge { test, note } => {
                let inner = self.run(test);
                match inner.status {
                    Status::Pass => Outcome {
                        status: Status::Warn,
                        reason: format!("{}; {note}", inner.reason),
                        evidence: inner.evidence,
                    },
                    _ => inner,
                }
            }
            Test::FileMode { files, max } => self.files(files, &FileTest::Mode(*max)),
            Test::FileOwner { files, user, group } => {
                self.files(files, &FileTest::Owner { user, group })
            }
            Test::EncryptionProviders { config, allowed } => {
                policies::encryption_providers(self, config, allowed)
            }
            Test::AuditPolicyCoverage { policy } => policies::audit_policy(self, policy),
            Test::DistinctCa {
                setting,
                other,
                other_setting,
            } => self.distinct_ca(setting, *other, other_setting),
            Test::Manual { note } => Outcome::new(
                Status::Manual,
                format!("cannot be checked on the node: {note}"),
            ),
        }
    }

    /// Reads a setting: flag > config file > environment > default. `Err` is an outcome that
    /// says why it cannot be known (the config file that would hold it was not readable).
    fn lookup(&self, setting: &Setting) -> Result<Found, Outcome> {
        self.lookup_all(setting)
            .map(|mut found| found.swap_remove(0))
    }

    /// Every place the setting is given, in precedence order, ending with the default.
    fn lookup_all(&self, setting: &Setting) -> Result<Vec<Found>, Outcome> {
        lookup_all(self.state, self.component, self.found, setting)
    }

    fn value(&self, setting: &Setting, expect: Expect) -> Outcome {
        if let Expect::GateNotDisabled {
            gate,
            enabled_by_default,
        } = expect
        {
            return self.feature_gate(setting, gate, enabled_by_default);
        }
        let found = match self.lookup(setting) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        judge_value(&found, expect).with(found.evidence.clone())
    }

    /// Feature gates merge: a gate named on the command line wins over the config file's
    /// `featureGates`, a gate named nowhere keeps its default.
    fn feature_gate(&self, setting: &Setting, gate: &str, enabled_by_default: bool) -> Outcome {
        let all = match self.lookup_all(setting) {
            Ok(all) => all,
            Err(outcome) => return outcome,
        };
        for found in all.iter().filter(|found| found.explicit) {
            let Some(list) = &found.value else { continue };
            let setting_of_gate = list.split(',').find_map(|item| {
                let (name, value) = item.split_once('=')?;
                (name.trim() == gate).then(|| value.trim().to_string())
            });
            if let Some(value) = setting_of_gate {
                let outcome = match parse_go_bool(&value) {
                    Some(true) => Outcome::pass(format!("{gate} is enabled by {}", found.name)),
                    Some(false) => Outcome::fail(format!(
                        "{gate} is turned off by {} ({gate}={value})",
                        found.name
                    )),
                    None => {
                        Outcome::warn(format!("{gate}={value} in {} is not a boolean", found.name))
                    }
                };
                return outcome.with(self.gate_evidence(setting, found, gate, &value));
            }
        }
        let evidence = all.into_iter().map(|found| found.evidence);
        let state = if enabled_by_default { "on" } else { "off" };
        let reason = format!("{gate} is not set, and is {state} by default");
        if enabled_by_default {
            Outcome::pass(reason).with_all(evidence)
        } else {
            Outcome::fail(reason).with_all(evidence)
        }
    }

    /// Points at the gate itself when it came from the config file's `featureGates` map.
    fn gate_evidence(&self, setting: &Setting, found: &Found, gate: &str, value: &str) -> Evidence {
        let (Some(path), Some(config)) = (setting.config, &self.found.config) else {
            return found.evidence.clone();
        };
        if found.name != path {
            return found.evidence.clone();
        }
        let pointer = format!("/{}/{gate}", path.replace('.', "/"));
        let pos = config.root.locate(&pointer);
        let mut source =
            Source::new(format!("{} config file", self.component)).in_file(config.path.clone());
        if pos.is_known() {
            source = source.at(pos.line, pos.column);
        }
        Evidence {
            found: format!("{path}.{gate}: {value}"),
            source: Some(source),
        }
    }

    fn files(&self, files: &Files, test: &FileTest) -> Outcome {
        if let Files::Tree { dirs, select } = files {
            return self.tree(dirs, *select, test);
        }
        let targets = match self.targets(files) {
            Ok(targets) => targets,
            Err(outcome) => return outcome,
        };
        let outcomes = targets
            .into_iter()
            .map(|target| {
                let outcome = match self.state.files.stat(&target.path) {
                    Ok(Some(facts)) => test.judge(&facts),
                    Ok(None) if target.required => {
                        Outcome::warn(format!("{} not found", target.path))
                    }
                    Ok(None) => Outcome::pass(format!(
                        "{} does not exist, so there is nothing to restrict",
                        target.path
                    )),
                    Err(error) => Outcome::warn(format!("could not read {}: {error}", target.path)),
                };
                match target.via {
                    Some(via) => Outcome {
                        evidence: std::iter::once(via).chain(outcome.evidence).collect(),
                        ..outcome
                    },
                    None => outcome,
                }
            })
            .collect();
        combine(outcomes, true)
    }

    /// The files a non-tree file test looks at.
    fn targets(&self, files: &Files) -> Result<Vec<Target>, Outcome> {
        Ok(match files {
            Files::Path(path) => vec![Target::required(path)],
            Files::IfExists(path) => vec![Target::optional(path)],
            Files::Manifest(default) => {
                let manifest = self.found.found_by.iter().find_map(|source| {
                    source
                        .file
                        .as_ref()
                        .filter(|_| source.kind.contains("manifest"))
                });
                match manifest {
                    Some(path) => vec![Target::required(path)],
                    None => vec![Target::required(default)],
                }
            }
            Files::NamedBy {
                setting,
                fallback,
                if_exists,
            } => {
                let found = self.lookup(setting)?;
                let (path, via) = match found.explicit_value() {
                    Some(path) => (path.to_string(), Some(found.evidence.clone())),
                    None => (fallback.to_string(), None),
                };
                vec![Target {
                    path,
                    required: !if_exists,
                    via,
                }]
            }
            Files::KubeletService(candidates) => {
                let mut paths: Vec<String> = candidates.iter().map(|p| p.to_string()).collect();
                let sources = self
                    .found
                    .found_by
                    .iter()
                    .chain(self.found.flags.values().map(|flag| &flag.source));
                for source in sources {
                    if let Some(file) = &source.file
                        && file.contains("kubelet.service")
                        && !paths.contains(file)
                    {
                        paths.push(file.clone());
                    }
                }
                // The candidates that exist (or cannot be checked) are the service files.
                let present: Vec<Target> = paths
                    .iter()
                    .filter(|path| !matches!(self.state.files.stat(path), Ok(None)))
                    .map(|path| Target::required(path))
                    .collect();
                if present.is_empty() {
                    return Err(Outcome::warn(format!(
                        "no kubelet service file found (looked for {})",
                        paths.join(", ")
                    )));
                }
                present
            }
            Files::Tree { .. } => Vec::new(),
        })
    }

    fn tree(&self, dirs: &[&str], select: Select, test: &FileTest) -> Outcome {
        let mut entries: Vec<FileFacts> = Vec::new();
        let mut problems: Vec<Outcome> = Vec::new();
        let mut existing: Vec<&str> = Vec::new();
        for dir in dirs {
            match self.state.files.walk(dir) {
                Ok(Some(found)) => {
                    existing.push(dir);
                    entries.extend(found);
                }
                Ok(None) => {}
                Err(error) => {
                    problems.push(Outcome::warn(format!("could not read {dir}: {error}")))
                }
            }
        }
        if existing.is_empty() && problems.is_empty() {
            return Outcome::warn(format!("{} not found", dirs.join(" and ")));
        }
        let what = match select {
            Select::Everything => "entries",
            Select::Files => "files",
            Select::Suffix(_) => "matching files",
        };
        let selected: Vec<&FileFacts> = entries
            .iter()
            .filter(|facts| match select {
                Select::Everything => true,
                Select::Files => !facts.is_dir,
                Select::Suffix(suffix) => !facts.is_dir && facts.path.ends_with(suffix),
            })
            .collect();
        let under = existing.join(", ");
        if selected.is_empty() {
            let wanted = match select {
                Select::Suffix(suffix) => format!("no *{suffix} files"),
                _ => format!("no {what}"),
            };
            problems.push(Outcome::warn(format!("{wanted} under {under}")));
            return combine(problems, true);
        }
        let judged: Vec<Outcome> = selected.iter().map(|facts| test.judge(facts)).collect();
        let failing: Vec<&Outcome> = judged.iter().filter(|o| o.status == Status::Fail).collect();
        let warning: Vec<&Outcome> = judged.iter().filter(|o| o.status == Status::Warn).collect();
        const SHOWN: usize = 20;
        let mut summary = if !failing.is_empty() {
            let mut reason = format!(
                "{} of {} {what} under {under} {}: ",
                failing.len(),
                selected.len(),
                test.violation()
            );
            reason.push_str(
                &failing
                    .iter()
                    .take(3)
                    .map(|outcome| outcome.reason.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            if failing.len() > 3 {
                reason.push_str("; ...");
            }
            let mut outcome = Outcome::fail(reason);
            for shown in failing.iter().take(SHOWN) {
                outcome = outcome.with_all(shown.evidence.clone());
            }
            outcome
        } else if !warning.is_empty() {
            let mut outcome = Outcome::warn(
                warning
                    .iter()
                    .take(3)
                    .map(|outcome| outcome.reason.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            for shown in warning.iter().take(SHOWN) {
                outcome = outcome.with_all(shown.evidence.clone());
            }
            outcome
        } else {
            let mut outcome = Outcome::pass(format!(
                "all {} {what} under {under} {}",
                selected.len(),
                test.compliance()
            ));
            for shown in judged.iter().take(SHOWN) {
                outcome = outcome.with_all(shown.evidence.clone());
            }
            outcome
        };
        let hidden = judged.len().saturating_sub(SHOWN);
        if hidden > 0 && summary.status == Status::Pass {
            summary = summary.with(Evidence {
                found: format!("... and {hidden} more {what}"),
                source: None,
            });
        }
        problems.push(summary);
        combine(problems, true)
    }

    fn distinct_ca(&self, setting: &Setting, other: Component, other_setting: &Setting) -> Outcome {
        let found = match self.lookup(setting) {
            Ok(found) => found,
            Err(outcome) => return outcome,
        };
        let Some(path) = found.explicit_value() else {
            return Outcome::fail(format!(
                "{}; {} accepts client certificates from no dedicated CA",
                found.describe(),
                self.component
            ))
            .with(found.evidence.clone());
        };
        let Some(other_state) = self.state.components.get(&other) else {
            return Outcome::warn(format!(
                "{} is {path}; {other} is not on this node to compare its CA with",
                found.name
            ))
            .with(found.evidence.clone());
        };
        let other_found = match lookup_all(self.state, other, other_state, other_setting) {
            Ok(mut all) => all.swap_remove(0),
            Err(outcome) => return outcome,
        };
        let evidence = [found.evidence.clone(), other_found.evidence.clone()];
        let Some(other_path) = other_found.explicit_value() else {
            return Outcome::pass(format!(
                "{} is {path}, and {other} {} is not set",
                found.name, other_found.name
            ))
            .with_all(evidence);
        };
        if path == other_path {
            return Outcome::fail(format!(
                "{} {} and {other} {} are the same file ({path})",
                self.component, found.name, other_found.name
            ))
            .with_all(evidence);
        }
        let read = |file: &str| self.state.files.read(file);
        match (read(path), read(other_path)) {
            (Ok(Some(mine)), Ok(Some(theirs))) => {
                let mine = certificates(&mine);
                let theirs = certificates(&theirs);
                if mine.iter().any(|cert| theirs.contains(cert)) {
                    Outcome::fail(format!(
                        "{path} and {other_path} contain the same CA certificate: certificates \
                         the {other} CA signs are trusted by {}",
                        self.component
                    ))
                    .with_all(evidence)
                } else {
                    Outcome::pass(format!(
                        "{} trusts {path}, which shares no certificate with {other}'s {other_path}",
                        self.component
                    ))
                    .with_all(evidence)
                }
            }
            (Err(error), _) => {
                Outcome::warn(format!("could not read {path}: {error}")).with_all(evidence)
            }
            (_, Err(error)) => {
                Outcome::warn(format!("could not read {other_path}: {error}")).with_all(evidence)
            }
            _ => Outcome::pass(format!(
                "{} trusts {path} and {other} {other_path} (different files; contents not \
                 available to compare)",
                self.component
            ))
            .with_all(evidence),
        }
    }
}

/// The PEM blocks of a certificate bundle, whitespace removed, for comparing bundles.
fn certificates(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("-----BEGIN") {
            current = Some(String::new());
        } else if line.starts_with("-----END") {
            if let Some(block) = current.take()
                && !block.is_empty()
            {
                blocks.push(block);
            }
        } else if let Some(block) = current.as_mut() {
            block.push_str(line);
        }
    }
    if blocks.is_empty() {
        let whole: String = text.split_whitespace().collect();
        if !whole.is_empty() {
            blocks.push(whole);
        }
    }
    blocks
}

fn lookup_all(
    state: &NodeState,
    component: Component,
    found: &ComponentState,
    setting: &Setting,
) -> Result<Vec<Found>, Outcome> {
    let flag_name = format!("--{}", setting.flag);
    let mut all = Vec::new();
    if let Some(flag) = found.flags.get(setting.flag) {
        all.push(Found {
            name: flag_name.clone(),
            value: Some(flag.value.clone()),
            explicit: true,
            evidence: Evidence {
                found: format!("{flag_name}={}", flag.value),
                source: Some(flag.source.clone()),
            },
        });
    }
    let uses_config = found.config.is_some() || found.flags.contains_key("config");
    if let Some(path) = setting.config {
        match &found.config {
            Some(config) => {
                let keys: Vec<&str> = path.split('.').collect();
                if let Some(node) = config.root.get_path(&keys)
                    && let Some(value) = config_value(node)
                {
                    let mut source = Source::new(format!("{component} config file"))
                        .in_file(config.path.clone());
                    let pos = config.root.locate(&format!("/{}", keys.join("/")));
                    if pos.is_known() {
                        source = source.at(pos.line, pos.column);
                    }
                    all.push(Found {
                        name: path.to_string(),
                        value: Some(value.clone()),
                        explicit: true,
                        evidence: Evidence {
                            found: format!("{path}: {value}"),
                            source: Some(source),
                        },
                    });
                }
            }
            None if all.is_empty() => {
                if let Some(config_flag) = found.flags.get("config") {
                    let file = &config_flag.value;
                    let why = state
                        .unreadable
                        .iter()
                        .find(|unreadable| unreadable.path == *file)
                        .map(|unreadable| format!(": {}", unreadable.reason))
                        .unwrap_or_default();
                    return Err(Outcome::warn(format!(
                        "{flag_name} is not set and {component}'s config file {file} (which \
                         would hold {path}) could not be read{why}"
                    ))
                    .with(Evidence {
                        found: format!("--config={file}"),
                        source: Some(config_flag.source.clone()),
                    }));
                }
            }
            None => {}
        }
    }
    if let Some(variable) = setting.env
        && let Some(env) = found.env.get(variable)
    {
        all.push(Found {
            name: variable.to_string(),
            value: Some(env.value.clone()),
            explicit: true,
            evidence: Evidence {
                found: format!("{variable}={}", env.value),
                source: Some(env.source.clone()),
            },
        });
    }
    let default = match (uses_config, setting.config_default) {
        (true, Some(config_default)) => Some(config_default),
        _ => setting.default,
    };
    let mut unset = flag_name.clone();
    if let (Some(path), Some(config)) = (setting.config, &found.config) {
        unset.push_str(&format!(" and {path} in {}", config.path));
    }
    if let Some(variable) = setting.env {
        unset.push_str(&format!(" and {variable}"));
    }
    let shown = match default {
        Some(value) => format!("{unset} not set; default {value}"),
        None => format!("{unset} not set"),
    };
    all.push(Found {
        name: flag_name,
        value: default.map(str::to_string),
        explicit: false,
        evidence: Evidence {
            found: shown,
            source: Some(Source::new("default")),
        },
    });
    Ok(all)
}

/// A config file value as the flag would spell it: lists comma-joined, maps as `k=v` pairs
/// (feature gates). `None` for null and Go zero values, which the component defaults.
fn config_value(node: &Node) -> Option<String> {
    match &node.value {
        Value::Null => None,
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Int(number) => Some(number.to_string()),
        Value::Float(number) => Some(number.to_string()),
        Value::Str(text) if text.is_empty() => None,
        Value::Str(text) => Some(text.clone()),
        Value::Seq(items) => {
            let items: Vec<String> = items.iter().filter_map(config_value).collect();
            (!items.is_empty()).then(|| items.join(","))
        }
        Value::Map(entries) => {
            let pairs: Vec<String> = entries
                .iter()
                .filter_map(|entry| {
                    config_value(&entry.value).map(|value| format!("{}={value}", entry.key))
                })
                .collect();
            (!pairs.is_empty()).then(|| pairs.join(","))
        }
    }
}

fn plain(text: &str) -> String {
    text.replace('`', "")
}

/// Judges one value against its expectation.
fn judge_value(found: &Found, expect: Expect) -> Outcome {
    let described = found.describe();
    let expected = plain(&expect.describe());
    let fail = || Outcome::fail(format!("{described}; expected {expected}"));
    let pass = || Outcome::pass(described.clone());
    let value = found.value.as_deref();
    match expect {
        Expect::Set => match found.explicit_value() {
            Some(_) => pass(),
            None => Outcome::fail(format!("{described}; it must be set")),
        },
        Expect::Unset => match found.explicit_value() {
            None => pass(),
            Some(_) => Outcome::fail(format!("{described}; it must not be set")),
        },
        Expect::True | Expect::False => {
            let want = expect == Expect::True;
            match value.map(parse_go_bool) {
                Some(Some(actual)) if actual == want => pass(),
                Some(Some(_)) | None => fail(),
                Some(None) => Outcome::warn(format!("{described}, which is not a boolean")),
            }
        }
        Expect::Number(_) | Expect::AtLeast(_) => {
            let Some(text) = value else { return fail() };
            match text.trim().parse::<i64>() {
                Ok(actual) => {
                    let good = match expect {
                        Expect::Number(want) => actual == want,
                        Expect::AtLeast(least) => actual >= least,
                        _ => false,
                    };
                    if good { pass() } else { fail() }
                }
                Err(_) => Outcome::warn(format!("{described}, which is not an integer")),
            }
        }
        Expect::NonZeroDuration => {
            let Some(text) = value else { return fail() };
            match parse_go_duration(text) {
                Some(nanos) if nanos > 0 => pass(),
                Some(_) => fail(),
                None => Outcome::warn(format!("{described}, which is not a duration")),
            }
        }
        Expect::ListHas(item) => {
            if list(value).any(|element| element == item) {
                pass()
            } else {
                fail()
            }
        }
        Expect::ListLacks(item) => {
            if list(value).any(|element| element == item) {
                fail()
            } else {
                pass()
            }
        }
        Expect::OnlyFrom(allowed) => {
            let elements: Vec<&str> = list(value).collect();
            if elements.is_empty() {
                return Outcome::fail(format!(
                    "{described}; the built-in defaults include weak cipher suites"
                ));
            }
            let weak: Vec<&str> = elements
                .iter()
                .copied()
                .filter(|element| !allowed.contains(element))
                .collect();
            if weak.is_empty() {
                Outcome::pass(format!("{} lists only strong cipher suites", found.name))
            } else {
                Outcome::fail(format!(
                    "{} includes suites outside the strong list: {}",
                    found.name,
                    weak.join(", ")
                ))
            }
        }
        Expect::Loopback => match value {
            Some(address) if is_loopback(address) => pass(),
            _ => fail(),
        },
        Expect::GateNotDisabled { .. } | Expect::Anything => pass(),
    }
}

/// The elements of a comma-separated list, trimmed, without empty ones.
fn list(value: Option<&str>) -> impl Iterator<Item = &str> {
    value
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|element| !element.is_empty())
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Go's `time.ParseDuration`, in nanoseconds (`0` alone is allowed without a unit).
fn parse_go_duration(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, mut rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_end].parse().ok()?;
        rest = &rest[number_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += number * scale;
    }
    let nanos = total as i128;
    Some(if negative { -nanos } else { nanos })
}

/// Whether an address (`127.0.0.1`, `127.0.0.1:10249`, `[::1]:10249`, `localhost`) is on the
/// loopback interface.
fn is_loopback(address: &str) -> bool {
    let address = address.trim();
    let host = if let Some(rest) = address.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else if address.matches(':').count() == 1 {
        address.split(':').next().unwrap_or_default()
    } else {
        address
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// One file a file test looks at.
struct Target {
    path: String,
    /// A missing file is `warn` when required, a pass otherwise ("if the file exists").
    required: bool,
    /// How the path was found (the flag that names it).
    via: Option<Evidence>,
}

impl Target {
    fn required(path: &str) -> Target {
        Target {
            path: path.to_string(),
            required: true,
            via: None,
        }
    }

    fn optional(path: &str) -> Target {
        Target {
            path: path.to_string(),
            required: false,
            via: None,
        }
    }
}

enum FileTest<'a> {
    Mode(u32),
    Owner { user: &'a str, group: &'a str },
}

impl FileTest<'_> {
    fn violation(&self) -> String {
        match self {
            FileTest::Mode(max) => format!("are more permissive than {max:04o}"),
            FileTest::Owner { user, group } => format!("are not owned by {user}:{group}"),
        }
    }

    fn compliance(&self) -> String {
        match self {
            FileTest::Mode(max) => format!("are {max:04o} or more restrictive"),
            FileTest::Owner { user, group } => format!("are owned by {user}:{group}"),
        }
    }

    fn judge(&self, facts: &FileFacts) -> Outcome {
        let source = Some(Source::new("file").in_file(facts.path.clone()));
        match self {
            FileTest::Mode(max) => {
                let mode = facts.mode & 0o7777;
                let evidence = Evidence {
                    found: format!("mode {mode:04o} of {}", facts.path),
                    source,
                };
                if mode & !max == 0 {
                    Outcome::pass(format!(
                        "mode {mode:04o} of {} is {max:04o} or more restrictive",
                        facts.path
                    ))
                } else {
                    Outcome::fail(format!(
                        "mode {mode:04o} of {} is more permissive than {max:04o}",
                        facts.path
                    ))
                }
                .with(evidence)
            }
            FileTest::Owner { user, group } => {
                let user_name = facts.user.clone().unwrap_or_else(|| facts.uid.to_string());
                let group_name = facts.group.clone().unwrap_or_else(|| facts.gid.to_string());
                let evidence = Evidence {
                    found: format!(
                        "owner {user_name}:{group_name} (uid {}, gid {}) of {}",
                        facts.uid, facts.gid, facts.path
                    ),
                    source,
                };
                let verdicts = [
                    owner_matches(user, facts.user.as_deref(), facts.uid),
                    owner_matches(group, facts.group.as_deref(), facts.gid),
                ];
                let outcome = if verdicts.contains(&Some(false)) {
                    Outcome::fail(format!(
                        "{} is owned by {user_name}:{group_name} (uid {}, gid {}), not \
                         {user}:{group}{}",
                        facts.path,
                        facts.uid,
                        facts.gid,
                        // A name can be reused for another id; root is uid and gid 0.
                        if *user == "root" || *group == "root" {
                            " (root is uid 0 and gid 0)"
                        } else {
                            ""
                        }
                    ))
                } else if verdicts.contains(&None) {
                    Outcome::warn(format!(
                        "{} is owned by uid {} gid {}, which have no names on the node to \
                         compare with {user}:{group}",
                        facts.path, facts.uid, facts.gid
                    ))
                } else {
                    Outcome::pass(format!("{} is owned by {user}:{group}", facts.path))
                };
                outcome.with(evidence)
            }
        }
    }
}

/// Whether a file's owner (or group) is `expected`; `None` when the id has no name to compare.
/// `root` is id 0 whatever the names say.
fn owner_matches(expected: &str, name: Option<&str>, id: u32) -> Option<bool> {
    if expected == "root" {
        return Some(id == 0);
    }
    match name {
        Some(name) => Some(name == expected),
        None if id == 0 => Some(false),
        None => None,
    }
}
