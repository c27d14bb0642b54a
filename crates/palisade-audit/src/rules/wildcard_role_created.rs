//! ## What it does
//!
//! Reports a successful `create` or `update` of a Role or ClusterRole with a wildcard in its
//! rules: `*` among the verbs, or among the resources (`*`, `pods/*`, `*/scale`), naming who
//! wrote it and which rules grant what. A wildcard among the API groups is named when the rule
//! has one of the others.
//!
//! A `patch` is a fragment and is not judged; an `update` is. The API server's reconciliation
//! of its default roles (`cluster-admin` is `*` on `*`) and the aggregation controller's
//! filling of aggregated roles are left out. The request object must be in the log (audit
//! level `Request` or above for roles).
//!
//! ## Why is this bad?
//!
//! A wildcard grants every verb or resource there is and every one added later: `escalate`,
//! `bind` and `impersonate`, Secrets, `pods/exec`, the resources of CRDs installed next year.
//! `*` on `*` is cluster-admin under another name, a favourite of attackers who want admin
//! rights that do not show up in a search for `cluster-admin` (MITRE ATT&CK T1098 Account
//! Manipulation).
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"clusterroles","name":"ops",
//!   "apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"kind":"ClusterRole","metadata":{"name":"ops"},
//!   "rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}}
//! ```
//!
//! Use instead: name the verbs and resources:
//!
//! ```yaml
//! rules:
//!   - apiGroups: ["apps"]
//!     resources: ["deployments"]
//!     verbs: ["get", "list", "watch", "update", "patch"]
//! ```
//!
//! ## References
//!
//! - CIS Kubernetes Benchmark 5.1.3: Minimize wildcard use in Roles and ClusterRoles
//! - MITRE ATT&CK T1098 Account Manipulation
//! - Falco k8saudit rule "ClusterRole With Wildcard Created"; Panther `Kubernetes.Role.Wildcard`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{
    PolicyRule, RBAC_GROUP, api_group, described_object, is_rbac_upkeep, role_rules, verb_done,
    was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "wildcard-role-created",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &["cis-k8s:5.1.3", "mitre:T1098"],
        summary: "Someone created or replaced a Role or ClusterRole that grants wildcard verbs or resources",
        fix: "Find out who wrote the role and why; replace the wildcards with the verbs and resources the subjects need.",
    },
    why: "a wildcard grants every verb and resource, including escalate, impersonate, Secrets and those added later: often cluster-admin under another name (MITRE T1098)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// How many rules a message describes.
const MAX_RULES: usize = 2;

fn check(context: &EventContext, out: &mut AlertEmitter) {
    let event = context.event;
    if !matches!(event.resource(), "roles" | "clusterroles")
        || api_group(event) != RBAC_GROUP
        || !matches!(event.verb.as_str(), "create" | "update")
        || !event.subresource().is_empty()
        || !was_carried_out(event)
        || is_rbac_upkeep(event)
    {
        return;
    }
    let rules = role_rules(event);
    let wild: Vec<&PolicyRule> = rules.iter().filter(|rule| has_wildcard(rule)).collect();
    let Some(first) = wild.first() else {
        return;
    };
    let mut described: Vec<String> = wild
        .iter()
        .take(MAX_RULES)
        .map(|rule| describe(rule))
        .collect();
    if wild.len() > MAX_RULES {
        described.push(match wild.len() - MAX_RULES {
            1 => "and 1 more rule".to_string(),
            more => format!("and {more} more rules"),
        });
    }
    out.report(
        format!("/requestObject/rules/{}", first.index),
        format!(
            "{} {} {} with wildcards: {}",
            who(event),
            verb_done(&event.verb),
            described_object(event),
            described.join("; ")
        ),
    );
}

fn is_wild(item: &str) -> bool {
    item.contains('*')
}

fn has_wildcard(rule: &PolicyRule) -> bool {
    rule.verbs.contains(&"*") || rule.resources.iter().any(|r| is_wild(r))
}

/// `rule 1 grants verbs [*] on resources [pods] in API groups [""]`.
fn describe(rule: &PolicyRule) -> String {
    let list = |items: &[&str]| {
        let quoted: Vec<String> = items
            .iter()
            .map(|item| {
                if item.is_empty() {
                    "\"\"".to_string()
                } else {
                    item.to_string()
                }
            })
            .collect();
        format!("[{}]", quoted.join(", "))
    };
    format!(
        "rule {} grants verbs {} on resources {} in API groups {}",
        rule.index + 1,
        list(&rule.verbs),
        list(&rule.resources),
        list(&rule.api_groups)
    )
}
