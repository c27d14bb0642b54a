//! The questions `palisade who-can` and `palisade access` ask of the RBAC model, with answers
//! as plain data (owned strings) that the CLI renders as a table or JSON.

use serde_json::{Value, json};

use crate::access::rbac::policy::{
    PolicyRule, Request, ResourceRequest, canonical_resource, group_of,
};
use crate::access::rbac::subject::MASTERS;
use crate::access::rbac::{BindingId, Principal, Rbac, RoleKind, RuleRef, Scope, at};

/// An object named in an answer, with where it is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Place {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// `file:line`; `None` for a built-in role.
    pub location: Option<String>,
}

impl Place {
    pub fn describe(&self) -> String {
        let name = match &self.namespace {
            Some(namespace) => format!("{namespace}/{}", self.name),
            None => self.name.clone(),
        };
        format!("{} {name}", self.kind)
    }

    fn to_json(&self) -> Value {
        json!({
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "location": self.location,
        })
    }
}

/// A rule line of a role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleLine {
    pub role: Place,
    pub builtin: bool,
    pub index: usize,
    pub location: Option<String>,
    pub verbs: Vec<String>,
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
}

impl RuleLine {
    fn to_json(&self) -> Value {
        json!({
            "role": self.role.to_json(),
            "builtin": self.builtin,
            "index": self.index,
            "location": self.location,
            "verbs": self.verbs,
            "apiGroups": self.api_groups,
            "resources": self.resources,
            "resourceNames": self.resource_names,
            "nonResourceURLs": self.non_resource_urls,
        })
    }

    /// `get,list secrets [db]` style summary for tables.
    pub fn summary(&self) -> String {
        let rule = PolicyRule {
            verbs: self.verbs.iter().map(String::as_str).collect(),
            api_groups: self.api_groups.iter().map(String::as_str).collect(),
            resources: self.resources.iter().map(String::as_str).collect(),
            resource_names: self.resource_names.iter().map(String::as_str).collect(),
            non_resource_urls: self.non_resource_urls.iter().map(String::as_str).collect(),
        };
        rule.summary()
    }
}

fn place_of_binding(rbac: &Rbac, binding: BindingId) -> Place {
    let binding = &rbac.bindings[binding];
    let object = binding.object;
    Place {
        kind: object.kind.clone(),
        namespace: if binding.is_cluster_binding() {
            None
        } else {
            object.namespace.clone()
        },
        name: object.name.clone(),
        location: at(object, ""),
    }
}

fn rule_line(rbac: &Rbac, rule: RuleRef, keep: impl Fn(&str) -> bool, urls: bool) -> RuleLine {
    let role = &rbac.roles[rule.role];
    let policy = rbac.rule(rule);
    RuleLine {
        role: Place {
            kind: role.kind.as_str().to_string(),
            namespace: role.namespace.map(str::to_string),
            name: role.name.to_string(),
            location: role.object.and_then(|object| at(object, "")),
        },
        builtin: role.object.is_none(),
        index: rule.index,
        location: role
            .object
            .and_then(|object| at(object, &format!("/rules/{}", rule.index))),
        verbs: policy.verbs.iter().map(|s| s.to_string()).collect(),
        api_groups: policy.api_groups.iter().map(|s| s.to_string()).collect(),
        resources: policy
            .resources
            .iter()
            .filter(|resource| keep(resource))
            .map(|s| s.to_string())
            .collect(),
        resource_names: policy
            .resource_names
            .iter()
            .map(|s| s.to_string())
            .collect(),
        non_resource_urls: if urls {
            policy
                .non_resource_urls
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn scope_json(scope: Scope) -> Value {
    match scope {
        Scope::Cluster => json!({"scope": "cluster", "namespace": null}),
        Scope::Namespace(namespace) => json!({"scope": "namespace", "namespace": namespace}),
    }
}

fn scope_text(scope: Scope) -> String {
    match scope {
        Scope::Cluster => "cluster-wide".to_string(),
        Scope::Namespace(Some(namespace)) => format!("namespace {namespace}"),
        Scope::Namespace(None) => "namespace (where applied)".to_string(),
    }
}

/// A `who-can` question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WhoCanQuestion {
    pub verb: String,
    /// A resource (`pods`, `deployments.apps`, `pods/exec`), or a non-resource URL (`/healthz`).
    pub resource: String,
    pub subresource: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
}

/// A subject that may, and through what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Holder {
    pub subject_kind: String,
    pub subject_name: String,
    pub subject_namespace: Option<String>,
    /// `cluster-wide` or `namespace shop`.
    pub scope: String,
    pub scope_json: Value,
    pub binding: Place,
    pub rules: Vec<RuleLine>,
    /// The binding is one Kubernetes or kubeadm ships.
    pub shipped: bool,
}

/// The answer to `who-can`.
#[derive(Clone, Debug)]
pub struct WhoCanAnswer {
    pub question: WhoCanQuestion,
    /// The resource as the API names it (`pods` for `pod` or `po`), or the URL.
    pub resource: String,
    /// The API group the resource was taken to be in (`None`: any group).
    pub group: Option<String>,
    pub namespaced: bool,
    pub holders: Vec<Holder>,
}

impl WhoCanAnswer {
    pub fn to_json(&self) -> Value {
        json!({
            "verb": self.question.verb,
            "resource": self.resource,
            "apiGroup": self.group,
            "subresource": self.question.subresource,
            "name": self.question.name,
            "namespace": self.question.namespace,
            "namespaced": self.namespaced,
            "alwaysAllowed": [{"kind": "Group", "name": MASTERS, "reason": "members of system:masters bypass authorization"}],
            "subjects": self.holders.iter().map(|holder| {
                let mut value = json!({
                    "kind": holder.subject_kind,
                    "name": holder.subject_name,
                    "namespace": holder.subject_namespace,
                    "binding": holder.binding.to_json(),
                    "rules": holder.rules.iter().map(RuleLine::to_json).collect::<Vec<_>>(),
                    "shipped": holder.shipped,
                });
                if let (Value::Object(map), Value::Object(scope)) = (&mut value, &holder.scope_json) {
                    map.insert("grant".to_string(), Value::Object(scope.clone()));
                }
                value
            }).collect::<Vec<_>>(),
        })
    }
}

/// Splits `deployments.apps/scale` into resource, group and subresource.
fn parse_resource(text: &str) -> (String, Option<String>, Option<String>) {
    let (base, sub) = match text.split_once('/') {
        Some((base, sub)) => (base, Some(sub.to_string())),
        None => (text, None),
    };
    match base.split_once('.') {
        Some((resource, group)) => (resource.to_string(), Some(group.to_string()), sub),
        None => (canonical_resource(base).to_string(), None, sub),
    }
}

/// Who may do what the question asks: every subject of every binding whose role has a rule
/// allowing it where the question asks (`-n NS`: that namespace; without it: anywhere).
pub fn who_can(rbac: &Rbac, question: &WhoCanQuestion) -> WhoCanAnswer {
    let verb = question.verb.as_str();
    let non_resource = question.resource.starts_with('/');
    let (resource, group, sub_in_name) = if non_resource {
        (question.resource.clone(), None, None)
    } else {
        parse_resource(&question.resource)
    };
    let subresource = question.subresource.clone().or(sub_in_name);
    let group: Option<String> = group.or_else(|| group_of(&resource).map(str::to_string));
    let request = if non_resource {
        Request::NonResource {
            verb,
            path: &question.resource,
        }
    } else {
        Request::Resource(ResourceRequest {
            verb,
            group: group.as_deref(),
            resource: &resource,
            subresource: subresource.as_deref(),
            name: question.name.as_deref(),
        })
    };
    let namespaced = match &request {
        Request::Resource(request) => request.is_namespaced(),
        Request::NonResource { .. } => false,
    };
    let mut holders = Vec::new();
    for (id, binding) in rbac.bindings.iter().enumerate() {
        let Ok(role) = binding.role else { continue };
        if !binding
            .scope
            .covers(&request, question.namespace.as_deref())
        {
            continue;
        }
        let rules: Vec<RuleLine> = rbac
            .effective_rules_of(role)
            .iter()
            .filter(|rule| rbac.rule(**rule).allows(&request))
            .map(|rule| rule_line(rbac, *rule, |_| true, true))
            .collect();
        if rules.is_empty() {
            continue;
        }
        for subject in &binding.subjects {
            holders.push(Holder {
                subject_kind: subject.kind.as_str().to_string(),
                subject_name: subject.name.to_string(),
                subject_namespace: subject.namespace.map(str::to_string),
                scope: scope_text(binding.scope),
                scope_json: scope_json(binding.scope),
                binding: place_of_binding(rbac, id),
                rules: rules.clone(),
                shipped: binding.shipped,
            });
        }
    }
    holders.sort_by(|a, b| {
        (
            &a.subject_kind,
            &a.subject_name,
            &a.subject_namespace,
            &a.scope,
        )
            .cmp(&(
                &b.subject_kind,
                &b.subject_name,
                &b.subject_namespace,
                &b.scope,
            ))
    });
    WhoCanAnswer {
        question: WhoCanQuestion {
            subresource,
            ..question.clone()
        },
        resource,
        group,
        namespaced,
        holders,
    }
}

/// One right of a subject.
#[derive(Clone, Debug)]
pub struct Right {
    pub scope: String,
    pub scope_json: Value,
    /// The binding subject that matched (the principal itself, or one of its groups).
    pub via_subject: String,
    pub binding: Place,
    pub rule: RuleLine,
    pub shipped: bool,
}

/// The answer to `access`.
#[derive(Clone, Debug)]
pub struct AccessAnswer {
    pub principal: Principal,
    pub rights: Vec<Right>,
}

impl AccessAnswer {
    pub fn is_master(&self) -> bool {
        self.principal.is_master()
    }

    pub fn to_json(&self) -> Value {
        json!({
            "subject": self.principal.display,
            "username": self.principal.username,
            "groups": self.principal.groups,
            "bypassesAuthorization": self.is_master(),
            "rights": self.rights.iter().map(|right| {
                let mut value = json!({
                    "via": right.via_subject,
                    "binding": right.binding.to_json(),
                    "rule": right.rule.to_json(),
                    "shipped": right.shipped,
                });
                if let (Value::Object(map), Value::Object(scope)) = (&mut value, &right.scope_json) {
                    map.insert("grant".to_string(), Value::Object(scope.clone()));
                }
                value
            }).collect::<Vec<_>>(),
        })
    }
}

/// Every right the principal holds: per binding that names it (or one of its groups), each
/// rule of the bound role that is in effect there. Through a RoleBinding, cluster-scoped
/// resources and non-resource URLs are left out of a rule (they are not granted); a rule left
/// with nothing is not listed.
pub fn access(rbac: &Rbac, principal: &Principal) -> AccessAnswer {
    let mut rights = Vec::new();
    for (id, binding) in rbac.bindings.iter().enumerate() {
        let Ok(role) = binding.role else { continue };
        let Some(subject) = binding
            .subjects
            .iter()
            .find(|subject| principal.matched_by(subject))
        else {
            continue;
        };
        for rule in rbac.effective_rules_of(role) {
            let cluster =
                binding.is_cluster_binding() && rbac.roles[rule.role].kind == RoleKind::ClusterRole;
            let policy = rbac.rule(*rule);
            // Through a RoleBinding only namespaced resources are granted; `*` stands for
            // those.
            let keep = |resource: &str| {
                let base = resource.split('/').next().unwrap_or(resource);
                cluster
                    || base == "*"
                    || policy.api_groups.iter().any(|group| {
                        ResourceRequest {
                            verb: "get",
                            group: (*group != "*").then_some(*group),
                            resource: base,
                            subresource: None,
                            name: None,
                        }
                        .is_namespaced()
                    })
            };
            let line = rule_line(rbac, *rule, keep, cluster);
            if line.resources.is_empty() && line.non_resource_urls.is_empty() {
                continue;
            }
            rights.push(Right {
                scope: scope_text(binding.scope),
                scope_json: scope_json(binding.scope),
                via_subject: subject.to_string(),
                binding: place_of_binding(rbac, id),
                rule: line,
                shipped: binding.shipped,
            });
        }
    }
    // Cluster-wide first, then by namespace; the input order within each.
    rights.sort_by(|a, b| {
        let key = |right: &Right| match right.scope_json.get("namespace").and_then(Value::as_str) {
            None if right.scope == "cluster-wide" => (0, String::new()),
            None => (2, String::new()),
            Some(namespace) => (1, namespace.to_string()),
        };
        key(a).cmp(&key(b))
    });
    AccessAnswer {
        principal: principal.clone(),
        rights,
    }
}
