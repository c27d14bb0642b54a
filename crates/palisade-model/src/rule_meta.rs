use serde::Serialize;

use crate::severity::{Layer, Severity};

/// Whom a weakness helps, in the talk's three-actor model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreatActor {
    /// Someone using the application from outside, who may find a way in through it.
    EndUser,
    /// Someone with a foothold inside: a compromised pod, a developer with namespace rights.
    InternalAttacker,
    /// Someone who already holds node or admin rights and wants to keep or widen them.
    PrivilegedAttacker,
}

impl ThreatActor {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreatActor::EndUser => "end-user",
            ThreatActor::InternalAttacker => "internal-attacker",
            ThreatActor::PrivilegedAttacker => "privileged-attacker",
        }
    }
}

/// The data part of a rule: what every front end and renderer needs to know about it.
#[derive(Clone, Debug, Serialize)]
pub struct RuleMeta {
    /// Stable kebab-case name that says what is wrong.
    pub name: &'static str,
    pub severity: Severity,
    pub layer: Layer,
    pub threat_actors: &'static [ThreatActor],
    /// References as `scheme:id`: `pss:baseline:privileged-containers`, `cis-k8s:5.2.2`,
    /// `nsa-cisa:pod-security`, `mitre:T1611`, `ms-threat:MS-TA9018`, `k8s-docs:<path>`,
    /// `cis-docker:4.1`, `docker-docs:<path>`.
    pub references: &'static [&'static str],
    /// One line: what the rule finds.
    pub summary: &'static str,
    /// The generic fix, used when a finding gives none of its own.
    pub fix: &'static str,
}

/// What a rule looks at, which says where it can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RuleScope {
    /// One object at a time: `palisade scan`, and the admission webhook.
    Object,
    /// The whole input together (a missing NetworkPolicy, an RBAC binding and its role): a scan
    /// of files or of a live cluster; the webhook runs those that can judge one object alone.
    Inventory,
    /// Kubernetes audit events: `palisade audit`.
    AuditEvent,
}

impl RuleScope {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleScope::Object => "object",
            RuleScope::Inventory => "inventory",
            RuleScope::AuditEvent => "audit-event",
        }
    }
}

/// A rule's metadata together with its documentation (the doc comment of its file).
#[derive(Clone, Debug, Serialize)]
pub struct RuleDoc {
    #[serde(flatten)]
    pub meta: RuleMeta,
    pub scope: RuleScope,
    /// Markdown: What it does, Why is this bad?, Example, References.
    pub documentation: String,
}

/// A web address for a reference, where one exists.
pub fn reference_url(reference: &str) -> Option<String> {
    let (scheme, id) = reference.split_once(':')?;
    match scheme {
        "pss" => {
            Some("https://kubernetes.io/docs/concepts/security/pod-security-standards/".to_string())
        }
        "mitre" => {
            let path = id.replace('.', "/");
            Some(format!("https://attack.mitre.org/techniques/{path}/"))
        }
        "k8s-docs" => Some(format!("https://kubernetes.io/docs/{id}")),
        "cis-k8s" => Some("https://www.cisecurity.org/benchmark/kubernetes".to_string()),
        "cis-docker" => Some("https://www.cisecurity.org/benchmark/docker".to_string()),
        "docker-docs" => Some(format!("https://docs.docker.com/{id}")),
        "cve" => Some(format!("https://nvd.nist.gov/vuln/detail/{id}")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_urls() {
        assert_eq!(
            reference_url("mitre:T1552.007").as_deref(),
            Some("https://attack.mitre.org/techniques/T1552/007/")
        );
        assert!(reference_url("pss:baseline:privileged-containers").is_some());
        assert!(reference_url("no-scheme").is_none());
        assert_eq!(
            reference_url("cis-docker:4.1").as_deref(),
            Some("https://www.cisecurity.org/benchmark/docker")
        );
        assert_eq!(
            reference_url("docker-docs:reference/dockerfile/#user").as_deref(),
            Some("https://docs.docker.com/reference/dockerfile/#user")
        );
    }
}
