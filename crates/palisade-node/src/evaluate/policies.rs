//! The checks that read a file the API server is pointed at: the EncryptionConfiguration
//! (1.2.28) and the audit Policy (3.2.2).

use palisade_model::{Node, Pos};

use super::{Found, Judge, Outcome};
use crate::checks::Setting;
use crate::result::Evidence;
use crate::state::Source;

/// The file a setting names, read and parsed.
enum Named {
    /// The setting is not given: there is no file.
    Unset(Found),
    Read {
        path: String,
        root: Node,
        flag: Evidence,
    },
}

fn read_named(judge: &Judge, setting: &Setting) -> Result<Named, Outcome> {
    let found = judge.lookup(setting)?;
    let Some(path) = found.explicit_value().map(str::to_string) else {
        return Ok(Named::Unset(found));
    };
    let flag = found.evidence.clone();
    let bytes = match judge.state.files.read(&path) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return Err(
                Outcome::warn(format!("{path}, named by {}, not found", found.name)).with(flag),
            );
        }
        Err(error) => {
            return Err(Outcome::warn(format!("could not read {path}: {error}")).with(flag));
        }
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(Outcome::warn(format!("{path} is not UTF-8 text")).with(flag));
    };
    match (judge.state.parse)(&path, &text).map(|documents| documents.into_iter().next()) {
        Ok(Some(root)) => Ok(Named::Read { path, root, flag }),
        Ok(None) => Err(Outcome::warn(format!("{path} is empty")).with(flag)),
        Err(error) => Err(Outcome::warn(format!("could not parse {error}")).with(flag)),
    }
}

fn source_at(kind: &str, path: &str, pos: Pos) -> Option<Source> {
    let source = Source::new(kind).in_file(path);
    Some(if pos.is_known() {
        source.at(pos.line, pos.column)
    } else {
        source
    })
}

/// 1.2.28: the provider Kubernetes uses to write Secrets is the first one of the first
/// `resources` entry that names them (`secrets`, or the wildcards `*.` and `*.*`).
pub(super) fn encryption_providers(judge: &Judge, setting: &Setting, allowed: &[&str]) -> Outcome {
    let (path, root, flag) = match read_named(judge, setting) {
        Ok(Named::Read { path, root, flag }) => (path, root, flag),
        Ok(Named::Unset(found)) => {
            return Outcome::fail(format!(
                "{}; Secrets are stored in etcd unencrypted",
                found.describe()
            ))
            .with(found.evidence);
        }
        Err(outcome) => return outcome,
    };
    let covering = root
        .get("resources")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .find(|entry| {
            entry
                .get("resources")
                .map(Node::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .any(|name| matches!(name, "secrets" | "*." | "*.*"))
        });
    let Some(entry) = covering else {
        return Outcome::fail(format!(
            "no resources entry of {path} names secrets, so Secrets are stored unencrypted"
        ))
        .with(flag);
    };
    let Some(first) = entry
        .get("providers")
        .map(Node::items)
        .unwrap_or_default()
        .first()
    else {
        return Outcome::fail(format!(
            "the entry for secrets in {path} lists no providers"
        ))
        .with(flag);
    };
    let Some(provider) = first.entries().first() else {
        return Outcome::warn(format!(
            "the first provider for secrets in {path} is not a mapping such as `aescbc: ...`"
        ))
        .with(flag);
    };
    let name = provider.key.as_ref();
    let evidence = Evidence {
        found: format!("first provider for secrets: {name}"),
        source: source_at("encryption configuration", &path, provider.key_pos),
    };
    let outcome = if allowed.contains(&name) {
        Outcome::pass(format!(
            "the first provider for secrets in {path} is {name}"
        ))
    } else if name == "identity" {
        Outcome::fail(format!(
            "the first provider for secrets in {path} is identity, so Secrets are written unencrypted"
        ))
    } else {
        Outcome::fail(format!(
            "the first provider for secrets in {path} is {name}; expected one of {}",
            allowed.join(", ")
        ))
    };
    outcome.with(flag).with(evidence)
}

/// Audit levels, in the order of how much they record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    None,
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        Some(match text {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// A request the audit policy is asked about.
#[derive(Clone, Debug)]
struct Request {
    user: String,
    groups: Vec<String>,
    verb: String,
    group: String,
    resource: String,
    subresource: String,
    namespace: String,
    name: String,
}

/// What CIS asks the policy to log.
struct Probe {
    what: &'static str,
    verbs: &'static [&'static str],
    group: &'static str,
    resource: &'static str,
    subresource: &'static str,
    /// At `Metadata` exactly (their bodies hold secrets); otherwise at `Metadata` or more.
    metadata_only: bool,
}

const READ_WRITE: &[&str] = &[
    "get", "list", "watch", "create", "update", "patch", "delete",
];
const CHANGES: &[&str] = &["create", "update", "patch", "delete"];
const CONNECT: &[&str] = &["create", "get"];

const PROBES: &[Probe] = &[
    Probe {
        what: "Secrets",
        verbs: READ_WRITE,
        group: "",
        resource: "secrets",
        subresource: "",
        metadata_only: true,
    },
    Probe {
        what: "ConfigMaps",
        verbs: READ_WRITE,
        group: "",
        resource: "configmaps",
        subresource: "",
        metadata_only: true,
    },
    Probe {
        what: "TokenReviews",
        verbs: &["create"],
        group: "authentication.k8s.io",
        resource: "tokenreviews",
        subresource: "",
        metadata_only: true,
    },
    Probe {
        what: "pods/exec",
        verbs: CONNECT,
        group: "",
        resource: "pods",
        subresource: "exec",
        metadata_only: false,
    },
    Probe {
        what: "pods/attach",
        verbs: CONNECT,
        group: "",
        resource: "pods",
        subresource: "attach",
        metadata_only: false,
    },
    Probe {
        what: "pods/portforward",
        verbs: CONNECT,
        group: "",
        resource: "pods",
        subresource: "portforward",
        metadata_only: false,
    },
    Probe {
        what: "pods/proxy",
        verbs: CONNECT,
        group: "",
        resource: "pods",
        subresource: "proxy",
        metadata_only: false,
    },
    Probe {
        what: "services/proxy",
        verbs: CONNECT,
        group: "",
        resource: "services",
        subresource: "proxy",
        metadata_only: false,
    },
    Probe {
        what: "Pod changes",
        verbs: CHANGES,
        group: "",
        resource: "pods",
        subresource: "",
        metadata_only: false,
    },
    Probe {
        what: "Deployment changes",
        verbs: CHANGES,
        group: "apps",
        resource: "deployments",
        subresource: "",
        metadata_only: false,
    },
];

fn strings(node: Option<&Node>) -> Vec<&str> {
    node.map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter_map(Node::as_str)
        .collect()
}

/// Whether an audit policy rule applies to a request, as the API server's policy checker
/// decides (`k8s.io/apiserver/pkg/audit/policy`).
fn rule_matches(rule: &Node, request: &Request) -> bool {
    let users = strings(rule.get("users"));
    if !users.is_empty() && !users.contains(&request.user.as_str()) {
        return false;
    }
    let groups = strings(rule.get("userGroups"));
    if !groups.is_empty() && !request.groups.iter().any(|g| groups.contains(&g.as_str())) {
        return false;
    }
    let verbs = strings(rule.get("verbs"));
    if !verbs.is_empty() && !verbs.contains(&request.verb.as_str()) {
        return false;
    }
    let namespaces = strings(rule.get("namespaces"));
    let resources = rule.get("resources").map(Node::items).unwrap_or_default();
    if !namespaces.is_empty() || !resources.is_empty() {
        if !namespaces.is_empty() && !namespaces.contains(&request.namespace.as_str()) {
            return false;
        }
        if resources.is_empty() {
            return true;
        }
        let combined = if request.subresource.is_empty() {
            request.resource.clone()
        } else {
            format!("{}/{}", request.resource, request.subresource)
        };
        return resources.iter().any(|group_resources| {
            let group = group_resources
                .get("group")
                .and_then(Node::as_str)
                .unwrap_or("");
            if group != request.group {
                return false;
            }
            let names = strings(group_resources.get("resources"));
            if names.is_empty() {
                return true;
            }
            let resource_names = strings(group_resources.get("resourceNames"));
            if !resource_names.is_empty() && !resource_names.contains(&request.name.as_str()) {
                return false;
            }
            names.iter().any(|name| {
                *name == combined
                    || *name == "*"
                    || (!request.subresource.is_empty()
                        && name.strip_prefix("*/") == Some(request.subresource.as_str()))
                    || name.strip_suffix("/*") == Some(request.resource.as_str())
            })
        });
    }
    // A rule about non-resource URLs only never applies to a resource request.
    rule.get("nonResourceURLs")
        .map(Node::items)
        .unwrap_or_default()
        .is_empty()
}

/// The level of the first rule that applies, and that rule's index.
fn level_for(rules: &[(Level, &Node)], request: &Request) -> (Level, Option<usize>) {
    rules
        .iter()
        .enumerate()
        .find(|(_, (_, rule))| rule_matches(rule, request))
        .map_or((Level::None, None), |(index, (level, _))| {
            (*level, Some(index))
        })
}

/// 3.2.2: asks the policy about the requests CIS names, as the API server would match them
/// (first matching rule wins). A body-recording rule reachable only for some users,
/// namespaces or names still counts against Secrets, ConfigMaps and TokenReviews.
pub(super) fn audit_policy(judge: &Judge, setting: &Setting) -> Outcome {
    let (path, root, flag) = match read_named(judge, setting) {
        Ok(Named::Read { path, root, flag }) => (path, root, flag),
        Ok(Named::Unset(found)) => {
            return Outcome::fail(format!("{}; nothing is audited", found.describe()))
                .with(found.evidence);
        }
        Err(outcome) => return outcome,
    };
    if let Some(kind) = root.get("kind").and_then(Node::as_str)
        && kind != "Policy"
    {
        return Outcome::warn(format!("{path} is a {kind}, not an audit Policy")).with(flag);
    }
    let mut rules: Vec<(Level, &Node)> = Vec::new();
    for (index, rule) in root
        .get("rules")
        .map(Node::items)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        match rule
            .get("level")
            .and_then(Node::as_str)
            .and_then(Level::parse)
        {
            Some(level) => rules.push((level, rule)),
            None => {
                return Outcome::warn(format!("rule {} of {path} has no valid level", index + 1))
                    .with(flag);
            }
        }
    }
    if rules.is_empty() {
        return Outcome::fail(format!("{path} has no rules, so nothing is audited")).with(flag);
    }
    let generic = Request {
        user: "palisade:probe".to_string(),
        groups: vec!["system:authenticated".to_string()],
        verb: String::new(),
        group: String::new(),
        resource: String::new(),
        subresource: String::new(),
        namespace: "palisade-probe".to_string(),
        name: "palisade-probe".to_string(),
    };
    let mut problems: Vec<(String, Option<usize>)> = Vec::new();
    let mut note = |problem: String, rule: Option<usize>| {
        if !problems.iter().any(|(known, _)| *known == problem) {
            problems.push((problem, rule));
        }
    };
    let rule_name = |index: Option<usize>| match index {
        Some(index) => format!("rule {}", index + 1),
        None => "no rule".to_string(),
    };
    for probe in PROBES {
        let base = Request {
            group: probe.group.to_string(),
            resource: probe.resource.to_string(),
            subresource: probe.subresource.to_string(),
            ..generic.clone()
        };
        // Verbs that meet the same fate are reported together: "Secrets (get, list) ...".
        let mut fates: Vec<(Level, Option<usize>, Vec<&str>)> = Vec::new();
        for verb in probe.verbs {
            let request = Request {
                verb: verb.to_string(),
                ..base.clone()
            };
            let (level, index) = level_for(&rules, &request);
            let bad = level == Level::None || (probe.metadata_only && level > Level::Metadata);
            if !bad {
                continue;
            }
            match fates
                .iter_mut()
                .find(|(known, known_index, _)| *known == level && *known_index == index)
            {
                Some((_, _, verbs)) => verbs.push(verb),
                None => fates.push((level, index, vec![verb])),
            }
        }
        let reported: Vec<Option<usize>> = fates.iter().map(|(_, index, _)| *index).collect();
        for (level, index, verbs) in fates {
            let verbs = verbs.join(", ");
            let problem = if level == Level::None {
                format!(
                    "{} ({verbs}) are not logged ({} applies)",
                    probe.what,
                    rule_name(index)
                )
            } else {
                format!(
                    "{} ({verbs}) are logged at {} by {}, which records their contents",
                    probe.what,
                    level.name(),
                    rule_name(index)
                )
            };
            note(problem, index);
        }
        if !probe.metadata_only {
            continue;
        }
        // A rule that records bodies for some users, namespaces or names only.
        for (rule_index, (level, rule)) in rules.iter().enumerate() {
            if *level <= Level::Metadata || reported.contains(&Some(rule_index)) {
                continue;
            }
            let mut request = base.clone();
            let rule_verbs = strings(rule.get("verbs"));
            request.verb = probe
                .verbs
                .iter()
                .find(|verb| rule_verbs.is_empty() || rule_verbs.contains(verb))
                .or(rule_verbs.first())
                .unwrap_or(&"get")
                .to_string();
            if let Some(user) = strings(rule.get("users")).first() {
                request.user = user.to_string();
            }
            if let Some(group) = strings(rule.get("userGroups")).first() {
                request.groups.push(group.to_string());
            }
            if let Some(namespace) = strings(rule.get("namespaces")).first() {
                request.namespace = namespace.to_string();
            }
            for group_resources in rule.get("resources").map(Node::items).unwrap_or_default() {
                if let Some(name) = strings(group_resources.get("resourceNames")).first() {
                    request.name = name.to_string();
                }
            }
            let (level, index) = level_for(&rules, &request);
            if level > Level::Metadata && index == Some(rule_index) {
                let mut whom = Vec::new();
                if request.user != generic.user {
                    whom.push(format!("user {}", request.user));
                }
                if request.namespace != generic.namespace {
                    whom.push(format!("namespace {}", request.namespace));
                }
                if request.name != generic.name {
                    whom.push(format!("name {}", request.name));
                }
                let whom = if whom.is_empty() {
                    String::new()
                } else {
                    format!(", {}", whom.join(", "))
                };
                note(
                    format!(
                        "{} ({}{whom}) are logged at {} by {}, which records their contents",
                        probe.what,
                        request.verb,
                        level.name(),
                        rule_name(index)
                    ),
                    index,
                );
            }
        }
    }
    if problems.is_empty() {
        return Outcome::pass(format!(
            "{path} logs Secrets, ConfigMaps and TokenReviews at Metadata, and pod exec, attach, \
             port-forward and proxy, Service proxy, Pod and Deployment changes at Metadata or more"
        ))
        .with(flag);
    }
    let mut reason = problems
        .iter()
        .take(3)
        .map(|(problem, _)| problem.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    if problems.len() > 3 {
        reason.push_str(&format!("; and {} more", problems.len() - 3));
    }
    let mut outcome = Outcome::fail(format!("in {path}: {reason}")).with(flag);
    for (problem, index) in problems {
        let pos = index
            .and_then(|i| rules.get(i))
            .map_or(Pos::UNKNOWN, |(_, rule)| rule.pos);
        outcome = outcome.with(Evidence {
            found: problem,
            source: source_at("audit policy", &path, pos),
        });
    }
    outcome
}
