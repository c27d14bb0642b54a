//! The RBAC model of an inventory: its Roles and ClusterRoles (aggregation resolved), its
//! RoleBindings and ClusterRoleBindings resolved to those roles, and indexes that answer "who
//! gets this rule line" and "what does this binding give" without comparing every binding with
//! every role. It is built once per inventory ([`crate::InventoryContext::rbac`]) and shared by
//! the RBAC rules, `palisade who-can` and `palisade access`.
//!
//! # How the input is read
//! - A RoleBinding grants its role's rules in its own namespace, and only on namespaced
//!   resources: a cluster-scoped resource (`nodes/proxy`, `persistentvolumes`,
//!   `clusterroles`, `certificatesigningrequests/approval`, ...) in a Role, or in a ClusterRole
//!   bound by a RoleBinding, grants nothing. A ClusterRoleBinding grants everywhere, and is
//!   the only way to grant non-resource URLs.
//! - `roleRef` of kind `Role` is looked up in the binding's namespace; a ClusterRoleBinding
//!   naming a Role is invalid (the API server rejects it) and grants nothing.
//! - A ClusterRole with an `aggregationRule` has the rules of every ClusterRole whose labels
//!   one of its `clusterRoleSelectors` matches, transitively (`admin` aggregates `edit`, which
//!   aggregates `view`). Its own `rules` field, which the controller overwrites and a cluster
//!   dump carries as a copy, counts only for rules found in none of the aggregated roles, so
//!   that findings point at the rule line where a right is written.
//! - The built-in ClusterRoles of [`builtin`] stand in for `cluster-admin`, `admin`, `edit`,
//!   `view` and the discovery roles when the input lacks them.
//! - An object without `metadata.namespace` lands in whatever namespace it is applied to: a
//!   RoleBinding without one matches a Role of that name in any namespace, preferring one
//!   without a namespace either.
//!
//! # What Kubernetes ships
//! A role or binding is *shipped* (part of the cluster, not of what its operators wrote) when
//! it carries the label `kubernetes.io/bootstrapping: rbac-defaults`, which the API server
//! puts on every object of its bootstrap policy, or when its name starts with `system:`
//! (reserved for Kubernetes components), `kubeadm:` (the objects `kubeadm init` creates),
//! `gce:`, `gke:` or `eks:` (the objects GKE and EKS create and reconcile). The ClusterRoles
//! `cluster-admin`, `admin`, `edit` and `view` are shipped whatever their labels: the API
//! server reconciles them at start-up.
//! The RBAC rules do not report a shipped role's rules for themselves, nor the grants of
//! shipped bindings, so that a dump of a healthy cluster does not flood the report with the
//! controllers' own rights; a binding the operators wrote to a shipped role (`cluster-admin`
//! to a user) is judged like any other.

pub(crate) mod builtin;
pub mod policy;
pub mod query;
pub(crate) mod risk;
pub mod subject;

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use palisade_model::{Node, Object};

use crate::access::rbac::builtin::BUILTIN_ROLES;
use crate::access::rbac::policy::{PolicyRule, Request};
pub use crate::access::rbac::subject::{Principal, Subject, SubjectKind};

pub(crate) const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const BOOTSTRAPPING_LABEL: &str = "kubernetes.io/bootstrapping";
const BOOTSTRAPPING_VALUE: &str = "rbac-defaults";

pub type RoleId = usize;
pub type BindingId = usize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoleKind {
    Role,
    ClusterRole,
}

impl RoleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        }
    }
}

/// A Role or ClusterRole, from the input or built in.
pub struct Role<'a> {
    pub kind: RoleKind,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    /// `None` for a built-in role the input does not contain.
    pub object: Option<&'a Object>,
    /// Shipped by Kubernetes or kubeadm (see the module documentation).
    pub shipped: bool,
    /// The role's own `rules`, one per item (an item that is not a mapping grants nothing), so
    /// that index `i` is the rule at `/rules/i`.
    pub rules: Vec<PolicyRule<'a>>,
    /// A later object of the same kind, namespace and name, which replaces this one when the
    /// input is applied (bindings resolve to it).
    pub shadowed_by: Option<RoleId>,
    labels: Vec<(&'a str, &'a str)>,
    aggregation: Option<Vec<Selector<'a>>>,
}

impl Role<'_> {
    pub fn is_aggregated(&self) -> bool {
        self.aggregation.is_some()
    }
}

/// One rule line: rule `index` of role `role`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleRef {
    pub role: RoleId,
    pub index: usize,
}

/// Where a binding's rights apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope<'a> {
    /// A ClusterRoleBinding: every namespace, cluster-scoped resources, non-resource URLs.
    Cluster,
    /// A RoleBinding (or a Role's own reach): namespaced resources of one namespace (`None`:
    /// the namespace the object will be applied to).
    Namespace(Option<&'a str>),
}

impl Scope<'_> {
    /// `cluster-wide` / `in namespace shop`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Cluster => "cluster-wide".to_string(),
            Scope::Namespace(Some(namespace)) => format!("in namespace {namespace}"),
            Scope::Namespace(None) => "in the namespace it is applied to".to_string(),
        }
    }

    /// Whether a request is in effect under this scope (for a request about `namespace`,
    /// `None` meaning any).
    pub fn covers(&self, request: &Request, namespace: Option<&str>) -> bool {
        match (self, request) {
            (Scope::Cluster, _) => true,
            (Scope::Namespace(_), Request::NonResource { .. }) => false,
            (Scope::Namespace(own), Request::Resource(resource)) => {
                resource.is_namespaced()
                    && match (own, namespace) {
                        (Some(own), Some(asked)) => *own == asked,
                        _ => true,
                    }
            }
        }
    }
}

/// What `roleRef` says, and what it resolves to.
pub struct RoleRefInfo<'a> {
    pub kind: Option<&'a str>,
    pub name: Option<&'a str>,
}

/// Why a binding's `roleRef` resolves to no role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unresolved {
    /// The role is not in the input (and not one palisade knows as built in).
    Missing,
    /// The roleRef cannot be valid: no name, an unknown kind, or a ClusterRoleBinding naming a
    /// Role.
    Invalid,
}

/// A RoleBinding or ClusterRoleBinding.
pub struct Binding<'a> {
    pub object: &'a Object,
    pub scope: Scope<'a>,
    pub role_ref: RoleRefInfo<'a>,
    pub role: Result<RoleId, Unresolved>,
    pub subjects: Vec<Subject<'a>>,
    pub shipped: bool,
}

impl Binding<'_> {
    pub fn is_cluster_binding(&self) -> bool {
        self.scope == Scope::Cluster
    }
}

/// A `clusterRoleSelectors` item.
struct Selector<'a> {
    match_labels: Vec<(&'a str, &'a str)>,
    expressions: Vec<Expression<'a>>,
    /// An item that is not a mapping, or an expression that cannot be read: selects nothing.
    broken: bool,
}

struct Expression<'a> {
    key: &'a str,
    operator: &'a str,
    values: Vec<&'a str>,
}

impl Selector<'_> {
    fn matches(&self, labels: &[(&str, &str)]) -> bool {
        let value_of = |key: &str| {
            labels
                .iter()
                .rev()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| *v)
        };
        !self.broken
            && self
                .match_labels
                .iter()
                .all(|(key, value)| value_of(key) == Some(*value))
            && self.expressions.iter().all(|e| {
                let value = value_of(e.key);
                match e.operator {
                    "In" => value.is_some_and(|v| e.values.contains(&v)),
                    "NotIn" => value.is_none_or(|v| !e.values.contains(&v)),
                    "Exists" => value.is_some(),
                    "DoesNotExist" => value.is_none(),
                    _ => false,
                }
            })
    }
}

/// The RBAC objects of an inventory, resolved and indexed.
pub struct Rbac<'a> {
    pub roles: Vec<Role<'a>>,
    pub bindings: Vec<Binding<'a>>,
    /// Per role: its rules after aggregation.
    effective: Vec<Vec<RuleRef>>,
    /// Per role: the aggregated ClusterRoles whose rules include some of this role's.
    included_in: Vec<Vec<RoleId>>,
    /// Per role: the bindings whose roleRef resolves to it.
    bindings_of: Vec<Vec<BindingId>>,
    /// Whether the input carries Kubernetes' own ClusterRoles, as a dump of a cluster does.
    pub is_cluster_dump: bool,
}

fn text<'a>(node: Option<&'a Node>, key: &str) -> Option<&'a str> {
    node.and_then(|node| node.get(key)).and_then(Node::as_str)
}

fn label_pairs(object: &Object) -> Vec<(&str, &str)> {
    object
        .labels()
        .map(Node::entries)
        .unwrap_or(&[])
        .iter()
        .filter_map(|entry| Some((entry.key.as_ref(), entry.value.as_str()?)))
        .collect()
}

/// Name prefixes of objects that Kubernetes (`system:`), kubeadm (`kubeadm:`) and the managed
/// offerings of Google (`gce:`, `gke:`) and Amazon (`eks:`) create and keep reconciled.
const SHIPPED_PREFIXES: &[&str] = &["system:", "kubeadm:", "gce:", "gke:", "eks:"];

/// Roles of the bootstrap policy without a prefix. The API server reconciles them at start-up,
/// so a role of one of these names is Kubernetes' own whatever the input says of it.
const BOOTSTRAP_ROLE_NAMES: &[&str] = &["cluster-admin", "admin", "edit", "view"];

fn is_shipped(name: &str, labels: &[(&str, &str)]) -> bool {
    SHIPPED_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || labels
            .iter()
            .any(|(k, v)| *k == BOOTSTRAPPING_LABEL && *v == BOOTSTRAPPING_VALUE)
}

fn is_shipped_role(kind: RoleKind, name: &str, labels: &[(&str, &str)]) -> bool {
    is_shipped(name, labels)
        || (kind == RoleKind::ClusterRole && BOOTSTRAP_ROLE_NAMES.contains(&name))
}

fn is_rbac(object: &Object) -> bool {
    object.group() == RBAC_GROUP
}

fn selectors(object: &Object) -> Option<Vec<Selector<'_>>> {
    let rule = object
        .root
        .get("aggregationRule")
        .filter(|n| !n.is_null())?;
    let items = rule
        .get("clusterRoleSelectors")
        .map(Node::items)
        .unwrap_or(&[]);
    Some(
        items
            .iter()
            .map(|item| {
                if !item.is_map() {
                    return Selector {
                        match_labels: vec![],
                        expressions: vec![],
                        broken: true,
                    };
                }
                let mut broken = false;
                let match_labels = item
                    .get("matchLabels")
                    .map(Node::entries)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|entry| {
                        let value = entry.value.as_str();
                        broken |= value.is_none();
                        Some((entry.key.as_ref(), value?))
                    })
                    .collect();
                let expressions = item
                    .get("matchExpressions")
                    .map(Node::items)
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|e| {
                        let key = e.get("key").and_then(Node::as_str);
                        let operator = e.get("operator").and_then(Node::as_str);
                        broken |= key.is_none() || operator.is_none();
                        Some(Expression {
                            key: key?,
                            operator: operator?,
                            values: e
                                .get("values")
                                .map(Node::items)
                                .unwrap_or(&[])
                                .iter()
                                .filter_map(Node::as_str)
                                .collect(),
                        })
                    })
                    .collect();
                Selector {
                    match_labels,
                    expressions,
                    broken,
                }
            })
            .collect(),
    )
}

fn role_from_object(object: &Object, kind: RoleKind) -> Role<'_> {
    let labels = label_pairs(object);
    let rules = object
        .root
        .get("rules")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .map(PolicyRule::from_node)
        .collect();
    Role {
        kind,
        namespace: match kind {
            RoleKind::Role => object.namespace.as_deref(),
            RoleKind::ClusterRole => None,
        },
        name: &object.name,
        object: Some(object),
        shipped: is_shipped_role(kind, &object.name, &labels),
        rules,
        shadowed_by: None,
        aggregation: match kind {
            RoleKind::ClusterRole => selectors(object),
            RoleKind::Role => None,
        },
        labels,
    }
}

fn builtin_role(role: &'static builtin::BuiltinRole) -> Role<'static> {
    let mut labels: Vec<(&str, &str)> = vec![(BOOTSTRAPPING_LABEL, BOOTSTRAPPING_VALUE)];
    labels.extend_from_slice(role.labels);
    Role {
        kind: RoleKind::ClusterRole,
        namespace: None,
        name: role.name,
        object: None,
        shipped: true,
        shadowed_by: None,
        rules: role
            .rules
            .iter()
            .map(|rule| PolicyRule {
                verbs: rule.verbs.to_vec(),
                api_groups: rule.groups.to_vec(),
                resources: rule.resources.to_vec(),
                resource_names: rule.names.to_vec(),
                non_resource_urls: rule.urls.to_vec(),
            })
            .collect(),
        aggregation: (!role.aggregates.is_empty()).then(|| {
            role.aggregates
                .iter()
                .map(|key| Selector {
                    match_labels: vec![(*key, "true")],
                    expressions: vec![],
                    broken: false,
                })
                .collect()
        }),
        labels,
    }
}

impl<'a> Rbac<'a> {
    /// Reads and resolves the RBAC objects of `inventory` (of the `rbac.authorization.k8s.io`
    /// group; objects of other groups that reuse the kind names are not RBAC).
    pub fn build(inventory: &'a palisade_model::Inventory) -> Rbac<'a> {
        let mut roles: Vec<Role<'a>> = Vec::new();
        for object in inventory.of_kind("ClusterRole").filter(|o| is_rbac(o)) {
            roles.push(role_from_object(object, RoleKind::ClusterRole));
        }
        for object in inventory.of_kind("Role").filter(|o| is_rbac(o)) {
            roles.push(role_from_object(object, RoleKind::Role));
        }
        let is_cluster_dump = roles.iter().any(|role| {
            role.kind == RoleKind::ClusterRole
                && role
                    .labels
                    .iter()
                    .any(|(k, v)| *k == BOOTSTRAPPING_LABEL && *v == BOOTSTRAPPING_VALUE)
        });

        let mut index: HashMap<(RoleKind, Option<&'a str>, &'a str), RoleId> = HashMap::new();
        let mut by_name: HashMap<(RoleKind, &'a str), Vec<RoleId>> = HashMap::new();
        for (id, role) in roles.iter().enumerate() {
            // The last object of a name wins, as the last `kubectl apply` would.
            index.insert((role.kind, role.namespace, role.name), id);
            by_name.entry((role.kind, role.name)).or_default().push(id);
        }
        for (id, role) in roles.iter_mut().enumerate() {
            let winner = index
                .get(&(role.kind, role.namespace, role.name))
                .copied()
                .unwrap_or(id);
            role.shadowed_by = (winner != id).then_some(winner);
        }
        for builtin in BUILTIN_ROLES {
            if let Entry::Vacant(slot) = index.entry((RoleKind::ClusterRole, None, builtin.name)) {
                let id = roles.len();
                roles.push(builtin_role(builtin));
                slot.insert(id);
                by_name
                    .entry((RoleKind::ClusterRole, builtin.name))
                    .or_default()
                    .push(id);
            }
        }

        let mut bindings = Vec::new();
        for (kind, cluster) in [("ClusterRoleBinding", true), ("RoleBinding", false)] {
            for object in inventory.of_kind(kind).filter(|o| is_rbac(o)) {
                bindings.push(read_binding(object, cluster, &index, &by_name));
            }
        }

        let mut rbac = Rbac {
            bindings_of: vec![Vec::new(); roles.len()],
            effective: Vec::new(),
            included_in: vec![Vec::new(); roles.len()],
            roles,
            bindings,
            is_cluster_dump,
        };
        for (id, binding) in rbac.bindings.iter().enumerate() {
            if let Ok(role) = binding.role {
                rbac.bindings_of[role].push(id);
            }
        }
        rbac.resolve_aggregation();
        rbac
    }

    fn resolve_aggregation(&mut self) {
        // ClusterRoles by label, so that a selector looks only at the roles with its first label.
        let mut by_label: HashMap<(&'a str, &'a str), Vec<RoleId>> = HashMap::new();
        let cluster_roles: Vec<RoleId> = (0..self.roles.len())
            .filter(|&id| self.roles[id].kind == RoleKind::ClusterRole)
            .collect();
        for &id in &cluster_roles {
            for &(key, value) in &self.roles[id].labels {
                by_label.entry((key, value)).or_default().push(id);
            }
        }
        let mut selected: Vec<Vec<RoleId>> = vec![Vec::new(); self.roles.len()];
        for (id, role) in self.roles.iter().enumerate() {
            let Some(selectors) = &role.aggregation else {
                continue;
            };
            let mut chosen = Vec::new();
            for selector in selectors.iter().filter(|s| !s.broken) {
                let candidates: &[RoleId] = match selector.match_labels.first() {
                    Some(pair) => by_label.get(pair).map(Vec::as_slice).unwrap_or(&[]),
                    None => &cluster_roles,
                };
                chosen.extend(
                    candidates.iter().copied().filter(|&other| {
                        other != id && selector.matches(&self.roles[other].labels)
                    }),
                );
            }
            chosen.sort_unstable();
            chosen.dedup();
            selected[id] = chosen;
        }

        #[derive(Clone, Copy, PartialEq)]
        enum State {
            New,
            Visiting,
            Done,
        }
        let mut state = vec![State::New; self.roles.len()];
        let mut effective: Vec<Vec<RuleRef>> = vec![Vec::new(); self.roles.len()];
        // Depth-first without recursion: aggregation chains come from the input.
        for start in 0..self.roles.len() {
            if state[start] != State::New {
                continue;
            }
            let mut stack = vec![(start, false)];
            while let Some((id, expanded)) = stack.pop() {
                if expanded {
                    effective[id] = self.effective_rules(id, &selected[id], &effective);
                    state[id] = State::Done;
                    continue;
                }
                if state[id] != State::New {
                    continue;
                }
                state[id] = State::Visiting;
                stack.push((id, true));
                for &other in &selected[id] {
                    // A role still being visited is part of a cycle: it contributes what it
                    // has so far (its own rules come in when it finishes).
                    if state[other] == State::New {
                        stack.push((other, false));
                    }
                }
            }
        }
        for (id, rules) in effective.iter().enumerate() {
            for rule in rules.iter().filter(|rule| rule.role != id) {
                let list = &mut self.included_in[rule.role];
                if list.last() != Some(&id) {
                    list.push(id);
                }
            }
        }
        for list in &mut self.included_in {
            list.sort_unstable();
            list.dedup();
        }
        self.effective = effective;
    }

    fn effective_rules(
        &self,
        id: RoleId,
        selected: &[RoleId],
        done: &[Vec<RuleRef>],
    ) -> Vec<RuleRef> {
        let role = &self.roles[id];
        let own = (0..role.rules.len()).map(|index| RuleRef { role: id, index });
        if role.aggregation.is_none() {
            return own.collect();
        }
        let mut rules: Vec<RuleRef> = selected
            .iter()
            .flat_map(|&other| {
                if done[other].is_empty() && !self.roles[other].is_aggregated() {
                    // Not visited yet (a cycle): its own rules at least.
                    (0..self.roles[other].rules.len())
                        .map(|index| RuleRef { role: other, index })
                        .collect::<Vec<_>>()
                } else {
                    done[other].clone()
                }
            })
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let copied = |rule: &PolicyRule| rules.iter().any(|r| self.rule(*r) == rule);
        let own_extra: Vec<RuleRef> = own.filter(|r| !copied(self.rule(*r))).collect();
        rules.extend(own_extra);
        rules
    }

    pub fn rule(&self, rule: RuleRef) -> &PolicyRule<'a> {
        &self.roles[rule.role].rules[rule.index]
    }

    /// The rules a role grants, after aggregation.
    pub fn effective_rules_of(&self, role: RoleId) -> &[RuleRef] {
        &self.effective[role]
    }

    /// The bindings whose roleRef resolves to `role`.
    pub fn bindings_of(&self, role: RoleId) -> &[BindingId] {
        &self.bindings_of[role]
    }

    /// The bindings that grant the rules of `role`: its own bindings, and those of the
    /// aggregated ClusterRoles that include it.
    pub fn bindings_granting(&self, role: RoleId) -> Vec<BindingId> {
        let mut all: Vec<BindingId> = self.bindings_of[role].clone();
        for &aggregator in &self.included_in[role] {
            all.extend_from_slice(&self.bindings_of[aggregator]);
        }
        all.sort_unstable();
        all.dedup();
        all
    }

    /// The aggregated ClusterRoles that include rules of `role`.
    pub fn aggregated_into(&self, role: RoleId) -> &[RoleId] {
        &self.included_in[role]
    }

    /// `ClusterRole edit (built in)`, `Role shop/reader`.
    pub fn describe_role(&self, role: RoleId) -> String {
        let role = &self.roles[role];
        let name = match role.namespace {
            Some(namespace) => format!("{namespace}/{}", role.name),
            None => role.name.to_string(),
        };
        match role.object {
            Some(_) => format!("{} {name}", role.kind.as_str()),
            None => format!("{} {name} (built in)", role.kind.as_str()),
        }
    }

    /// `rule 2 of ClusterRole reader (rbac.yaml:14)`.
    pub fn describe_rule(&self, rule: RuleRef) -> String {
        let role = &self.roles[rule.role];
        let at = role
            .object
            .and_then(|object| at(object, &format!("/rules/{}", rule.index)))
            .map(|at| format!(" ({at})"))
            .unwrap_or_default();
        format!(
            "rule {} of {}{at}",
            rule.index,
            self.describe_role(rule.role)
        )
    }

    /// `ClusterRoleBinding ops (rbac.yaml:3)`, `RoleBinding shop/dev (rbac.yaml:40)`.
    pub fn describe_binding(&self, binding: BindingId) -> String {
        let binding = &self.bindings[binding];
        let object = binding.object;
        let name = match &object.namespace {
            Some(namespace) if !binding.is_cluster_binding() => {
                format!("{namespace}/{}", object.name)
            }
            _ => object.name.clone(),
        };
        let at = at(object, "")
            .map(|at| format!(" ({at})"))
            .unwrap_or_default();
        format!("{} {name}{at}", object.kind)
    }
}

/// `file:line` of a field of an object read from a file.
pub fn at(object: &Object, pointer: &str) -> Option<String> {
    object
        .location(pointer)
        .map(|location| format!("{}:{}", location.file, location.line))
}

fn read_binding<'a>(
    object: &'a Object,
    cluster: bool,
    index: &HashMap<(RoleKind, Option<&'a str>, &'a str), RoleId>,
    by_name: &HashMap<(RoleKind, &'a str), Vec<RoleId>>,
) -> Binding<'a> {
    let role_ref = object.root.get("roleRef");
    let role_ref = RoleRefInfo {
        kind: text(role_ref, "kind"),
        name: text(role_ref, "name").filter(|name| !name.is_empty()),
    };
    let namespace = object.namespace.as_deref();
    let scope = if cluster {
        Scope::Cluster
    } else {
        Scope::Namespace(namespace)
    };
    let lookup = |kind: RoleKind, name: &'a str| -> Result<RoleId, Unresolved> {
        match kind {
            RoleKind::ClusterRole => index
                .get(&(kind, None, name))
                .copied()
                .ok_or(Unresolved::Missing),
            RoleKind::Role => {
                if let Some(&id) = index.get(&(kind, namespace, name)) {
                    return Ok(id);
                }
                let candidates = by_name.get(&(kind, name)).map(Vec::as_slice).unwrap_or(&[]);
                // Where either side has no namespace, they may land in the same one.
                if namespace.is_none() {
                    candidates.first().copied().ok_or(Unresolved::Missing)
                } else {
                    candidates
                        .iter()
                        .copied()
                        .find(|&id| index.get(&(kind, None, name)) == Some(&id))
                        .ok_or(Unresolved::Missing)
                }
            }
        }
    };
    let role = match (role_ref.kind, role_ref.name) {
        (Some("ClusterRole"), Some(name)) => lookup(RoleKind::ClusterRole, name),
        (Some("Role"), Some(name)) if !cluster => lookup(RoleKind::Role, name),
        _ => Err(Unresolved::Invalid),
    };
    let labels = label_pairs(object);
    Binding {
        object,
        scope,
        role_ref,
        role,
        subjects: subject::read_subjects(object, if cluster { None } else { namespace }),
        shipped: is_shipped(&object.name, &labels),
    }
}

#[cfg(test)]
mod tests;
