//! ## What it does
//!
//! Reports a successful `create` or `update` of a Role or ClusterRole whose rules grant a
//! permission that leads to other accounts' rights, naming who wrote it and each such grant:
//!
//! - reading Secrets (`get`, `list`, `watch`; a rule limited to named Secrets is left out), or
//!   writing them (a service-account token Secret mints a token for any account of the
//!   namespace);
//! - running commands in pods (`pods/exec`, `pods/attach`, with `create`, or `get`, which API
//!   servers have accepted for websocket connections), adding ephemeral containers;
//! - the kubelet API through `nodes/proxy` (any verb: `get` suffices to run commands in every
//!   pod of the node);
//! - minting tokens (`serviceaccounts/token` `create`);
//! - `escalate` and `bind` on roles, `impersonate` on users, groups, service accounts or uids;
//! - approving certificate signing requests (`certificatesigningrequests/approval`, signers'
//!   `approve`);
//! - changing admission control (webhook configurations, validating and mutating admission
//!   policies and their bindings);
//! - creating PersistentVolumes (a hostPath volume on any node).
//!
//! A grant counts when its resource or its verb is named explicitly (a rule of `*` on `*` is
//! `wildcard-role-created`'s). A `patch` is a fragment and is not judged. The API server's and
//! the aggregation controller's upkeep of the default roles is left out.
//!
//! Falco's "ClusterRole With Write Privileges Created" reports every role with any write verb,
//! most roles there are; palisade reports the writes that lead to more rights (Secrets,
//! admission control, PersistentVolumes) here, and every new role in the change log
//! `object-changed` when that is turned on.
//!
//! ## Why is this bad?
//!
//! Each of these grants is a known path from the role to more rights: the tokens in Secrets,
//! the service account of every pod one can exec into or of every node one can proxy to, a
//! certificate or token for any name, a binding of any role, the power to rewrite every object
//! admitted to the cluster (MITRE ATT&CK T1098 Account Manipulation, T1078 Valid Accounts).
//! Kubernetes' "RBAC good practices" lists them as privilege escalation risks.
//!
//! ## Example
//!
//! An event that alerts:
//!
//! ```json
//! {"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Request","stage":"ResponseComplete",
//!  "verb":"create","user":{"username":"alice"},"sourceIPs":["203.0.113.7"],
//!  "objectRef":{"resource":"clusterroles","name":"debugger",
//!   "apiGroup":"rbac.authorization.k8s.io","apiVersion":"v1"},
//!  "responseStatus":{"code":201},
//!  "requestObject":{"kind":"ClusterRole","metadata":{"name":"debugger"},
//!   "rules":[{"apiGroups":[""],"resources":["pods/exec"],"verbs":["create"]}]}}
//! ```
//!
//! Use instead: grant these to a few named identities, for the time they need them, in one
//! namespace:
//!
//! ```yaml
//! kind: Role
//! metadata: {name: read-app-config, namespace: shop}
//! rules:
//!   - apiGroups: [""]
//!     resources: ["secrets"]
//!     resourceNames: ["shop-config"]
//!     verbs: ["get"]
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: Role Based Access Control Good Practices, privilege escalation risks
//! - CIS Kubernetes Benchmark 5.1.2 (access to Secrets), 5.1.8 (bind, impersonate, escalate)
//! - MITRE ATT&CK T1098 Account Manipulation
//! - Falco k8saudit rules "ClusterRole With Pod Exec Created", "ClusterRole With Write
//!   Privileges Created"; Panther `Kubernetes.Role.PodExec`, `Kubernetes.Role.NodeProxyPermissions`,
//!   `Kubernetes.Role.WritePermissions`

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::detect::{AlertEmitter, AuditCheck, AuditRule, EventContext};
use crate::rules::common::{
    PolicyRule, RBAC_GROUP, api_group, described_object, is_rbac_upkeep, role_rules, verb_done,
    was_carried_out, who,
};

pub static RULE: AuditRule = AuditRule {
    meta: RuleMeta {
        name: "risky-role-created",
        severity: Severity::High,
        layer: Layer::Runtime,
        threat_actors: &[
            ThreatActor::InternalAttacker,
            ThreatActor::PrivilegedAttacker,
        ],
        references: &[
            "k8s-docs:concepts/security/rbac-good-practices/#privilege-escalation-risks",
            "cis-k8s:5.1.2",
            "cis-k8s:5.1.8",
            "mitre:T1098",
        ],
        summary: "Someone created or replaced a Role or ClusterRole that grants a path to other accounts' rights",
        fix: "Find out who wrote the role and why; remove the risky grants, or limit them to named resources, one namespace and the few subjects that need them.",
    },
    why: "reading Secrets, exec into pods, nodes/proxy, token creation, escalate, bind, impersonate, CSR approval and admission control each lead to other accounts' rights (MITRE T1098)",
    enabled_by_default: true,
    check: AuditCheck::Event(check),
};

/// A grant that leads to more rights: API groups, resources and verbs, any of each.
struct Risk {
    groups: &'static [&'static str],
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
    what: &'static str,
    /// Whether a rule limited to named objects (`resourceNames`) still grants it.
    even_named: bool,
}

const ALL_WRITES: &[&str] = &["create", "update", "patch", "delete", "deletecollection"];

const RISKS: &[Risk] = &[
    Risk {
        groups: &[""],
        resources: &["secrets"],
        verbs: &["get", "list", "watch"],
        what: "read access to Secrets",
        even_named: false,
    },
    Risk {
        groups: &[""],
        resources: &["secrets"],
        verbs: &["create", "update", "patch"],
        what: "write access to Secrets (a token Secret mints a token for any service account of its namespace)",
        even_named: true,
    },
    Risk {
        groups: &[""],
        resources: &["pods/exec", "pods/attach"],
        verbs: &["create", "get"],
        what: "commands in pods (pods/exec, pods/attach)",
        even_named: true,
    },
    Risk {
        groups: &[""],
        resources: &["pods/ephemeralcontainers"],
        verbs: &["update", "patch"],
        what: "new containers in running pods (pods/ephemeralcontainers)",
        even_named: true,
    },
    Risk {
        groups: &[""],
        resources: &["nodes/proxy"],
        verbs: &["get", "create", "update", "patch", "delete"],
        what: "the kubelet API (nodes/proxy), and with it commands in every pod of the node",
        even_named: true,
    },
    Risk {
        groups: &[""],
        resources: &["serviceaccounts/token"],
        verbs: &["create"],
        what: "tokens for service accounts (serviceaccounts/token)",
        even_named: true,
    },
    Risk {
        groups: &[RBAC_GROUP],
        resources: &["roles", "clusterroles"],
        verbs: &["escalate"],
        what: "roles with rights the writer lacks (escalate)",
        even_named: true,
    },
    Risk {
        groups: &[RBAC_GROUP],
        resources: &["roles", "clusterroles"],
        verbs: &["bind"],
        what: "bindings of roles with rights the binder lacks (bind)",
        even_named: true,
    },
    Risk {
        groups: &["", "authentication.k8s.io"],
        resources: &["users", "groups", "serviceaccounts", "uids"],
        verbs: &["impersonate"],
        what: "the identity of other users, groups or service accounts (impersonate)",
        even_named: true,
    },
    Risk {
        groups: &["certificates.k8s.io"],
        resources: &["certificatesigningrequests/approval"],
        verbs: &["update", "patch"],
        what: "approval of certificate signing requests (certificatesigningrequests/approval)",
        even_named: true,
    },
    Risk {
        groups: &["certificates.k8s.io"],
        resources: &["signers"],
        verbs: &["approve"],
        what: "approval of certificates for signers (signers, approve)",
        even_named: true,
    },
    Risk {
        groups: &["admissionregistration.k8s.io"],
        resources: &[
            "mutatingwebhookconfigurations",
            "validatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
            "mutatingadmissionpolicies",
            "mutatingadmissionpolicybindings",
        ],
        verbs: ALL_WRITES,
        what: "changes to admission control (webhook configurations, admission policies)",
        even_named: true,
    },
    Risk {
        groups: &[""],
        resources: &["persistentvolumes"],
        verbs: &["create"],
        what: "new PersistentVolumes (hostPath volumes on any node)",
        even_named: true,
    },
];

/// How many grants a message lists.
const MAX_GRANTS: usize = 4;

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
    let mut first = None;
    let mut grants: Vec<String> = Vec::new();
    for rule in role_rules(event) {
        for risk in RISKS.iter().filter(|risk| grants_risk(&rule, risk)) {
            first.get_or_insert(rule.index);
            let what = if rule.resource_names.is_empty() {
                risk.what.to_string()
            } else {
                format!("{}, only {}", risk.what, rule.resource_names.join(", "))
            };
            if !grants.contains(&what) {
                grants.push(what);
            }
        }
    }
    let Some(first) = first else {
        return;
    };
    if grants.len() > MAX_GRANTS {
        let more = grants.len() - MAX_GRANTS;
        grants.truncate(MAX_GRANTS);
        grants.push(format!("and {more} more"));
    }
    out.report(
        format!("/requestObject/rules/{first}"),
        format!(
            "{} {} {}, which grants {}",
            who(event),
            verb_done(&event.verb),
            described_object(event),
            grants.join("; ")
        ),
    );
}

/// The rule grants the risk, with its resource or its verb named explicitly.
fn grants_risk(rule: &PolicyRule, risk: &Risk) -> bool {
    // Reading named Secrets is how a workload reads its own credentials, not bulk access.
    if !risk.even_named && !rule.resource_names.is_empty() {
        return false;
    }
    let group = rule
        .api_groups
        .iter()
        .any(|g| *g == "*" || risk.groups.contains(g));
    let resource_named = rule.resources.iter().any(|r| risk.resources.contains(r));
    let resource = resource_named
        || rule
            .resources
            .iter()
            .any(|r| risk.resources.iter().any(|wanted| covers(r, wanted)));
    let verb_named = rule.verbs.iter().any(|v| risk.verbs.contains(v));
    let verb = verb_named || rule.verbs.contains(&"*");
    group && resource && verb && (resource_named || verb_named)
}

/// A resource pattern of a rule covers a resource: `*`, `pods/*`, `*/exec`.
fn covers(pattern: &str, resource: &str) -> bool {
    pattern == "*"
        || pattern
            .strip_suffix("/*")
            .is_some_and(|parent| resource.split_once('/').is_some_and(|(p, _)| p == parent))
        || pattern
            .strip_prefix("*/")
            .is_some_and(|sub| resource.split_once('/').is_some_and(|(_, s)| s == sub))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule<'a>(groups: &[&'a str], resources: &[&'a str], verbs: &[&'a str]) -> PolicyRule<'a> {
        PolicyRule {
            index: 0,
            api_groups: groups.to_vec(),
            resources: resources.to_vec(),
            verbs: verbs.to_vec(),
            resource_names: Vec::new(),
        }
    }

    fn risks(rule: &PolicyRule) -> Vec<&'static str> {
        RISKS
            .iter()
            .filter(|risk| grants_risk(rule, risk))
            .map(|risk| risk.what)
            .collect()
    }

    #[test]
    fn explicit_grants_count_and_full_wildcards_are_left_to_the_wildcard_rule() {
        assert_eq!(
            risks(&rule(&[""], &["pods/exec"], &["get"])),
            [RISKS[2].what]
        );
        assert_eq!(risks(&rule(&[""], &["pods/*"], &["create"])).len(), 1);
        assert_eq!(risks(&rule(&["*"], &["secrets"], &["*"])).len(), 2);
        assert_eq!(
            risks(&rule(&["rbac.authorization.k8s.io"], &["*"], &["bind"])),
            [RISKS[7].what]
        );
        assert!(risks(&rule(&["*"], &["*"], &["*"])).is_empty());
        // The wrong group grants nothing: secrets of a CRD group are not Secrets.
        assert!(risks(&rule(&["example.com"], &["secrets"], &["get"])).is_empty());
        assert!(risks(&rule(&[""], &["pods"], &["get", "list"])).is_empty());
        let mut named = rule(&[""], &["secrets"], &["get"]);
        named.resource_names = vec!["app-config"];
        assert!(risks(&named).is_empty());
    }

    #[test]
    fn resource_patterns() {
        assert!(covers("*", "secrets"));
        assert!(covers("pods/*", "pods/exec"));
        assert!(covers("*/exec", "pods/exec"));
        assert!(!covers("pods/*", "pods"));
        assert!(!covers("pods/*", "nodes/proxy"));
        assert!(!covers("secrets", "secrets"));
    }
}
