//! What the risky-permission rules share: a [`RiskSpec`] says which requests make up the right
//! (`get`/`list`/`watch` on `secrets`, `create` on `pods/exec`, ...), how bad it is and what an
//! attacker gains; [`report`] finds who holds it.
//!
//! Where a finding goes (the same for every risky-permission rule):
//! - on each **binding** that grants the right (path `/roleRef`), naming its subjects and the
//!   role rule lines (`file:line`) that allow it: the grant is what exposes the cluster, and a
//!   suppression annotation on a binding accepts exactly that grant;
//! - on the **rule line** of a Role or ClusterRole (path `/rules/N`) that allows the right but
//!   that no binding of the input grants it through (unbound, or bound only by RoleBindings
//!   where the right is cluster-scoped): whoever it is bound to later gets it.
//!
//! Severity: the rule's own severity for a grant cluster-wide or in a privileged namespace
//! (`kube-system`, where the controllers' powerful ServiceAccounts live); one level lower for a
//! grant in another namespace and for a rule line no binding grants.
//! Shipped roles and bindings (see [`super`]) are not reported. Nor is a grant of every right
//! (`cluster-admin`, or a role with a rule of `*` verbs on `*` resources in `*` groups): it
//! would otherwise be reported by every risky-permission rule at once; it is reported once, by
//! `rbac-cluster-admin-to-individual` (on the binding) and `rbac-wildcard` (on the rule line).

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use palisade_model::{Pointer, Severity};

use crate::access::rbac::policy::{PolicyRule, is_namespaced};
use crate::access::rbac::{BindingId, Rbac, RoleId, RoleKind, RuleRef, Scope, Subject};
use crate::access::rbac_cluster_admin_to_individual::{admin_equivalence, grants_everything};
use crate::rule::{Emitter, InventoryContext};

/// Namespaces whose ServiceAccounts and Secrets are the cluster's own (controllers, CNI, ...).
pub(crate) const PRIVILEGED_NAMESPACES: &[&str] = &["kube-system"];

/// Verbs × API groups × resources (`resource` or `resource/subresource`).
pub(crate) struct Access {
    pub verbs: &'static [&'static str],
    pub groups: &'static [&'static str],
    pub resources: &'static [&'static str],
}

/// How `resourceNames` on a rule counts.
pub(crate) enum Names {
    /// Only a rule without `resourceNames` grants the right (one named Secret is not all).
    AnyObject,
    /// A rule grants it when it names one of these objects, or none.
    Listed(&'static [&'static str]),
    /// `resourceNames` narrows the right but does not defuse it (impersonating one chosen
    /// user is still impersonation).
    Irrelevant,
}

/// A risky permission.
pub(crate) struct RiskSpec {
    pub accesses: &'static [Access],
    pub names: Names,
    /// Only grants in these namespaces (or cluster-wide) count; `None`: any namespace.
    pub namespaces: Option<&'static [&'static str]>,
    /// The right needs every [`Access`] of the list, from one role (approving a CSR takes the
    /// `approval` subresource and the signer); otherwise any one of them is the right.
    pub all_of: bool,
    /// What the holder can do: completes "... so they can <gains>".
    pub gains: &'static str,
}

/// One request of a spec.
struct Atom {
    /// Which entry of [`RiskSpec::accesses`] it comes from.
    access: usize,
    verb: &'static str,
    group: &'static str,
    resource: &'static str,
    subresource: Option<&'static str>,
    namespaced: bool,
}

fn atoms(spec: &RiskSpec) -> Vec<Atom> {
    let mut atoms = Vec::new();
    for (index, access) in spec.accesses.iter().enumerate() {
        for &group in access.groups {
            for &resource in access.resources {
                let (resource, subresource) = match resource.split_once('/') {
                    Some((resource, sub)) => (resource, Some(sub)),
                    None => (resource, None),
                };
                for &verb in access.verbs {
                    atoms.push(Atom {
                        access: index,
                        verb,
                        group,
                        resource,
                        subresource,
                        namespaced: is_namespaced(group, resource, subresource),
                    });
                }
            }
        }
    }
    atoms
}

/// Whether a rule could allow any atom at all: most rules of a role name other resources or
/// verbs, and are dismissed here without building a request per atom.
fn may_concern(atoms: &[Atom], rule: &PolicyRule) -> bool {
    let verbs = rule
        .verbs
        .iter()
        .any(|verb| *verb == "*" || atoms.iter().any(|atom| atom.verb == *verb));
    verbs
        && rule.resources.iter().any(|resource| {
            let base = resource.split('/').next().unwrap_or(resource);
            base == "*" || atoms.iter().any(|atom| atom.resource == base)
        })
}

/// The atoms (indexes) a rule allows, under a cluster-wide (`cluster`) or namespaced grant.
fn allowed(spec: &RiskSpec, atoms: &[Atom], rule: &PolicyRule, cluster: bool) -> Vec<usize> {
    if rule.resources.is_empty() || rule.verbs.is_empty() || !may_concern(atoms, rule) {
        return Vec::new();
    }
    atoms
        .iter()
        .enumerate()
        .filter(|(_, atom)| cluster || atom.namespaced)
        .filter(|(_, atom)| {
            let matches_without_names = rule.verb_matches(atom.verb)
                && rule.group_matches(Some(atom.group))
                && rule.resource_matches(atom.resource, atom.subresource);
            matches_without_names
                && match spec.names {
                    Names::AnyObject => rule.resource_names.is_empty(),
                    Names::Listed(names) => {
                        rule.resource_names.is_empty()
                            || names.iter().any(|name| rule.resource_names.contains(name))
                    }
                    Names::Irrelevant => true,
                }
        })
        .map(|(index, _)| index)
        .collect()
}

/// `get, list, watch secrets; create pods/exec`, in the spec's order.
fn describe_atoms(atoms: &[Atom], chosen: &[usize]) -> String {
    let mut groups: Vec<(String, Vec<&str>)> = Vec::new();
    for &index in chosen {
        let atom = &atoms[index];
        let mut resource = atom.resource.to_string();
        if !atom.group.is_empty() {
            resource = format!("{resource}.{}", atom.group);
        }
        if let Some(sub) = atom.subresource {
            resource = format!("{resource}/{sub}");
        }
        match groups.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, verbs)) => {
                if !verbs.contains(&atom.verb) {
                    verbs.push(atom.verb);
                }
            }
            None => groups.push((resource, vec![atom.verb])),
        }
    }
    // Resources granted with the same verbs read better together.
    let mut merged: Vec<(Vec<&str>, Vec<String>)> = Vec::new();
    for (resource, verbs) in groups {
        match merged.iter_mut().find(|(v, _)| *v == verbs) {
            Some((_, resources)) => resources.push(resource),
            None => merged.push((verbs, vec![resource])),
        }
    }
    merged
        .iter()
        .map(|(verbs, resources)| format!("{} {}", verbs.join(", "), resources.join(", ")))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `User jane, Group devs and 3 more`.
pub(crate) fn describe_subjects(subjects: &[Subject]) -> String {
    const SHOWN: usize = 5;
    let mut names: Vec<String> = subjects
        .iter()
        .take(SHOWN)
        .map(|subject| {
            let mut text = subject.to_string();
            if subject.service_account().is_some_and(|(_, name)| name == "default") {
                text.push_str(
                    " (the namespace's default ServiceAccount, which every pod there that names none runs as)",
                );
            }
            text
        })
        .collect();
    if subjects.len() > SHOWN {
        names.push(format!("{} more", subjects.len() - SHOWN));
    }
    listing(&names)
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn listing(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `rule 0 of Role shop/reader (rbac.yaml:8)` for up to three rule lines; rules that come
/// from roles aggregated into the bound one say so.
fn describe_rules(rbac: &Rbac, bound: RoleId, rules: &[RuleRef]) -> String {
    const SHOWN: usize = 3;
    let aggregated = rules.iter().any(|rule| rule.role != bound);
    let mut names: Vec<String> = rules
        .iter()
        .take(SHOWN)
        .map(|rule| rbac.describe_rule(*rule))
        .collect();
    if rules.len() > SHOWN {
        names.push(format!("{} more rules", rules.len() - SHOWN));
    }
    if aggregated {
        format!(
            "{}, which aggregates {}",
            rbac.describe_role(bound),
            listing(&names)
        )
    } else {
        listing(&names)
    }
}

pub(crate) fn lower(severity: Severity) -> Severity {
    match severity {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        Severity::Medium => Severity::Low,
        Severity::Low | Severity::Info => Severity::Info,
    }
}

/// The rule's severity for a grant with this scope.
pub(crate) fn severity_for(base: Severity, scope: Scope) -> Severity {
    match scope {
        Scope::Cluster => base,
        Scope::Namespace(Some(namespace)) if PRIVILEGED_NAMESPACES.contains(&namespace) => base,
        Scope::Namespace(_) => lower(base),
    }
}

fn scope_counts(spec: &RiskSpec, scope: Scope) -> bool {
    match (spec.namespaces, scope) {
        (None, _) | (_, Scope::Cluster) => true,
        (Some(allowed), Scope::Namespace(Some(namespace))) => allowed.contains(&namespace),
        (Some(_), Scope::Namespace(None)) => false,
    }
}

type Matches = Vec<(RuleRef, Vec<usize>)>;

/// What a role grants of a right, worked out once per role and kind of binding.
struct Grant {
    rules: Vec<RuleRef>,
    /// `get, list secrets`.
    rights: String,
    /// `rule 0 of Role shop/reader (rbac.yaml:8)`.
    through: String,
    /// The role grants every right: reported by the admin rules, not by each right's.
    everything: bool,
}

/// Whether the rule lines matched make up the right: any of them, or for an `all_of` right,
/// together every access of the spec.
fn complete(spec: &RiskSpec, atoms: &[Atom], matches: &Matches) -> bool {
    if !spec.all_of {
        return !matches.is_empty();
    }
    (0..spec.accesses.len()).all(|access| {
        matches
            .iter()
            .any(|(_, chosen)| chosen.iter().any(|&atom| atoms[atom].access == access))
    })
}

/// Reports who holds the right `spec` describes; the emitter's rule gives the base severity.
pub(crate) fn report(context: &InventoryContext, out: &mut Emitter, spec: &RiskSpec) {
    let rbac = context.rbac();
    let atoms = atoms(spec);
    let base = out.severity();
    // Per (role, cluster-wide grant): the rule lines that allow the right, computed once
    // however many bindings share the role.
    let mut memo: HashMap<(RoleId, bool), Option<Grant>> = HashMap::new();
    let mut granted: HashSet<RuleRef> = HashSet::new();

    for (id, binding) in rbac.bindings.iter().enumerate() {
        let Ok(role) = binding.role else { continue };
        if binding.subjects.is_empty() || !scope_counts(spec, binding.scope) {
            continue;
        }
        let cluster = binding.is_cluster_binding();
        let grant = memo.entry((role, cluster)).or_insert_with(|| {
            let matches: Matches = rbac
                .effective_rules_of(role)
                .iter()
                .filter_map(|rule| {
                    let reach = cluster && rbac.roles[rule.role].kind == RoleKind::ClusterRole;
                    let chosen = allowed(spec, &atoms, rbac.rule(*rule), reach);
                    (!chosen.is_empty()).then_some((*rule, chosen))
                })
                .collect();
            if !complete(spec, &atoms, &matches) {
                return None;
            }
            let mut all: Vec<usize> = matches
                .iter()
                .flat_map(|(_, a)| a.iter().copied())
                .collect();
            all.sort_unstable();
            all.dedup();
            let rules: Vec<RuleRef> = matches.iter().map(|(rule, _)| *rule).collect();
            Some(Grant {
                rights: describe_atoms(&atoms, &all),
                through: describe_rules(rbac, role, &rules),
                everything: admin_equivalence(rbac, role).is_some(),
                rules,
            })
        });
        let Some(grant) = grant else { continue };
        granted.extend(grant.rules.iter().copied());
        if binding.shipped || grant.everything {
            continue;
        }
        let message = format!(
            "{} gives {} {} {} through {}, so they can {}",
            rbac.describe_binding(id),
            describe_subjects(&binding.subjects),
            grant.rights,
            binding.scope.describe(),
            grant.through,
            spec.gains
        );
        out.report_on(
            context.inventory,
            binding.object,
            &Pointer::root().key("roleRef"),
            message,
        )
        .severity = severity_for(base, binding.scope);
    }

    for (role_id, role) in rbac.roles.iter().enumerate() {
        let Some(object) = role.object else { continue };
        // A copy that a later object of the same name replaces is judged through that one.
        if role.shipped || role.shadowed_by.is_some() {
            continue;
        }
        if spec.namespaces.is_some_and(|allowed| {
            role.kind == RoleKind::ClusterRole
                || role
                    .namespace
                    .is_none_or(|namespace| !allowed.contains(&namespace))
        }) {
            continue;
        }
        let cluster = role.kind == RoleKind::ClusterRole;
        let binders = rbac.bindings_granting(role_id);
        let matches: Matches = role
            .rules
            .iter()
            .enumerate()
            .filter(|(_, rule)| !grants_everything(rule))
            .filter_map(|(index, rule)| {
                let chosen = allowed(spec, &atoms, rule, cluster);
                (!chosen.is_empty()).then_some((
                    RuleRef {
                        role: role_id,
                        index,
                    },
                    chosen,
                ))
            })
            .collect();
        if !complete(spec, &atoms, &matches) {
            continue;
        }
        for (rule_ref, chosen) in matches {
            let index = rule_ref.index;
            if granted.contains(&rule_ref) {
                continue;
            }
            let where_ = match role.kind {
                RoleKind::ClusterRole => "wherever it is bound".to_string(),
                RoleKind::Role => Scope::Namespace(role.namespace).describe(),
            };
            let mut message = format!(
                "{} allows {} {where_}",
                rbac.describe_rule(rule_ref),
                describe_atoms(&atoms, &chosen)
            );
            let via = describe_binders(rbac, &binders);
            if via.is_empty() {
                let _ = write!(
                    message,
                    ", and no binding in the input grants it: whoever it is bound to can {}",
                    spec.gains
                );
            } else {
                let _ = write!(
                    message,
                    "; it is bound only by {via}, which cannot grant a cluster-scoped resource, but a ClusterRoleBinding to it would let its subjects {}",
                    spec.gains
                );
            }
            out.report_on(
                context.inventory,
                object,
                &Pointer::root().key("rules").index(index),
                message,
            )
            .severity = lower(base);
        }
    }
}

fn describe_binders(rbac: &Rbac, binders: &[BindingId]) -> String {
    const SHOWN: usize = 3;
    let mut names: Vec<String> = binders
        .iter()
        .filter(|&&id| !rbac.bindings[id].subjects.is_empty())
        .take(SHOWN)
        .map(|&id| rbac.describe_binding(id))
        .collect();
    if binders.len() > SHOWN {
        names.push(format!("{} more", binders.len() - SHOWN));
    }
    listing(&names)
}

/// Whether a role's rules (after aggregation), granted with `scope`, include the right of
/// `spec` (for rules that weigh a grant, such as the one about "everyone" groups).
pub(crate) fn grants(rbac: &Rbac, role: RoleId, scope: Scope, spec: &RiskSpec) -> bool {
    let atoms = atoms(spec);
    let cluster = scope == Scope::Cluster;
    if !scope_counts(spec, scope) {
        return false;
    }
    let matches: Matches = rbac
        .effective_rules_of(role)
        .iter()
        .filter_map(|rule| {
            let reach = cluster && rbac.roles[rule.role].kind == RoleKind::ClusterRole;
            let chosen = allowed(spec, &atoms, rbac.rule(*rule), reach);
            (!chosen.is_empty()).then_some((*rule, chosen))
        })
        .collect();
    complete(spec, &atoms, &matches)
}
