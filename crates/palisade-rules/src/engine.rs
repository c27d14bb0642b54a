use std::panic::{AssertUnwindSafe, catch_unwind};

use palisade_model::{Finding, InputError, Inventory, Node, Object};
use rayon::prelude::*;

use crate::access::service_accounts::AccountIndex;
use crate::config::Config;
use crate::pod::PodView;
use crate::registry::{all_rules, find_rule};
use crate::rule::{Check, Emitter, InventoryContext, ObjectContext, Rule};

/// The annotation that silences rules on one object: `"rule-a,rule-b"` or `"all"`.
pub const IGNORE_ANNOTATION: &str = "palisade.dev/ignore";
/// The annotation that says why; a suppression without it is itself reported.
pub const IGNORE_REASON_ANNOTATION: &str = "palisade.dev/ignore-reason";
/// The rule that reports a suppression without a reason.
pub const SUPPRESSION_WITHOUT_REASON: &str = "suppression-without-reason";

type ObjectCheck = fn(&ObjectContext, &mut Emitter);
type InventoryCheck = fn(&InventoryContext, &mut Emitter);
/// Findings (with the index of their object) and rule crashes of one object.
type ObjectResult = (Vec<Finding>, Vec<InputError>, usize);

/// The result of checking an inventory.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Sorted by [`Finding::sort_key`].
    pub findings: Vec<Finding>,
    /// Findings silenced by an annotation or an exemption in the configuration.
    pub suppressed: usize,
    /// Problems that must fail the run: unknown rule names in suppressions, a rule that crashed.
    pub errors: Vec<InputError>,
}

/// What an object's `palisade.dev/ignore` annotation silences.
enum Ignored {
    Nothing,
    All,
    Rules(Vec<String>),
}

fn ignored_rules(object: &Object, errors: &mut Vec<InputError>) -> Ignored {
    let Some(annotations) = object.annotations() else {
        return Ignored::Nothing;
    };
    let Some(entry) = annotations.entry(IGNORE_ANNOTATION) else {
        return Ignored::Nothing;
    };
    let Some(text) = entry.value.as_str() else {
        errors.push(error_at(
            object,
            &entry.value,
            "the palisade.dev/ignore annotation must be a string of rule names".into(),
        ));
        return Ignored::Nothing;
    };
    let mut rules = Vec::new();
    for name in text
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        if name == "all" || name == "*" {
            return Ignored::All;
        }
        if find_rule(name).is_some() {
            rules.push(name.to_string());
        } else {
            errors.push(error_at(
                object,
                &entry.value,
                format!(
                    "{} suppresses unknown rule {name:?} on {} (run `palisade rules` for the list)",
                    IGNORE_ANNOTATION,
                    object.reference()
                ),
            ));
        }
    }
    Ignored::Rules(rules)
}

fn error_at(object: &Object, node: &Node, message: String) -> InputError {
    let file = object
        .source
        .as_ref()
        .map(|s| s.file.to_string())
        .unwrap_or_else(|| object.reference().to_string());
    let known = node.pos.is_known();
    InputError {
        file,
        line: known.then_some(node.pos.line),
        column: known.then_some(node.pos.column),
        message,
    }
}

fn run_guarded(rule: &Rule, object: Option<&Object>, run: impl FnOnce()) -> Result<(), InputError> {
    catch_unwind(AssertUnwindSafe(run)).map_err(|_| InputError {
        file: object
            .and_then(|o| o.source.as_ref())
            .map(|s| s.file.to_string())
            .unwrap_or_default(),
        line: None,
        column: None,
        message: format!(
            "internal error: rule {} crashed{}; please report this with the input",
            rule.meta.name,
            object
                .map(|o| format!(" on {}", o.reference()))
                .unwrap_or_default()
        ),
    })
}

/// Runs every enabled rule over the inventory and applies severity overrides, annotations
/// and exemptions. Object rules run in parallel; the result is the same on every run.
pub fn check(inventory: &Inventory, config: &Config) -> Outcome {
    let enabled: Vec<&'static Rule> = all_rules()
        .iter()
        .map(|registered| registered.rule)
        .filter(|rule| config.is_enabled(rule.meta.name))
        .collect();
    let object_rules: Vec<(&Rule, ObjectCheck)> = enabled
        .iter()
        .filter_map(|rule| match rule.check {
            Check::Object(run) => Some((*rule, run)),
            Check::Inventory(_) => None,
        })
        .collect();

    // Each object is checked, and its findings silenced or re-rated, on the worker that
    // found them, so that the findings are moved as few times as possible.
    let accounts = AccountIndex::default();
    let per_object: Vec<ObjectResult> = inventory
        .objects()
        .par_iter()
        .enumerate()
        .map(|(index, object)| {
            check_one(index, object, inventory, config, &accounts, &object_rules)
        })
        .collect();

    let mut outcome = Outcome::default();
    let total: usize = per_object
        .iter()
        .map(|(findings, _, _)| findings.len())
        .sum();
    outcome.findings.reserve(total);
    for (mut findings, mut errors, suppressed) in per_object {
        outcome.findings.append(&mut findings);
        outcome.errors.append(&mut errors);
        outcome.suppressed += suppressed;
    }
    let inventory_context = InventoryContext::new(inventory, config);
    let inventory_rules: Vec<(&Rule, InventoryCheck)> = enabled
        .iter()
        .filter_map(|rule| match rule.check {
            Check::Inventory(run) => Some((*rule, run)),
            Check::Object(_) => None,
        })
        .collect();
    // Inventory rules do not depend on each other: they run side by side (the RBAC model they
    // share is built once, by the first that asks), and their results are gathered in rule
    // order, so the outcome is the same on every run.
    let per_rule: Vec<Result<(Vec<Finding>, usize), InputError>> = inventory_rules
        .par_iter()
        .map(|(rule, run)| run_inventory_rule(rule, *run, &inventory_context))
        .collect();
    for result in per_rule {
        match result {
            Ok((mut findings, suppressed)) => {
                outcome.findings.append(&mut findings);
                outcome.suppressed += suppressed;
            }
            Err(error) => outcome.errors.push(error),
        }
    }
    outcome.findings = sorted(std::mem::take(&mut outcome.findings));
    outcome.errors.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    outcome
}

/// Runs one inventory rule and settles its findings (annotations, exemptions, overrides):
/// the findings kept and how many were suppressed.
fn run_inventory_rule(
    rule: &Rule,
    run: InventoryCheck,
    context: &InventoryContext,
) -> Result<(Vec<Finding>, usize), InputError> {
    let mut emitter = Emitter::new(&rule.meta, None, usize::MAX);
    run_guarded(rule, None, || run(context, &mut emitter))?;
    let mut kept = Vec::with_capacity(emitter.findings.len());
    let mut suppressed = 0;
    for (index, finding) in emitter.findings {
        let object = context.inventory.get(index);
        let ignored = match object {
            Some(object) => ignored_rules(object, &mut Vec::new()),
            None => Ignored::Nothing,
        };
        match settle(finding, object, &ignored, context.config) {
            Some(finding) => kept.push(finding),
            None => suppressed += 1,
        }
    }
    Ok((kept, suppressed))
}

/// Kinds that inventory rules judge on their own: a Role's wildcards, a binding's subjects,
/// a Namespace's Pod Security labels, a NetworkPolicy's rules.
const JUDGED_ALONE_BY_INVENTORY_RULES: &[&str] = &[
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "Namespace",
    "NetworkPolicy",
    "GlobalNetworkPolicy",
    "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
];

/// Judges one object the way a scan would (the same annotations, exemptions and severity
/// overrides as [`check`]): what the admission webhook needs. `selected` narrows the rules
/// further (by name), on top of the configuration. Besides the object rules, the inventory
/// rules run that can judge the object alone (a Role's wildcards, a binding to
/// `system:anonymous` or of `cluster-admin` to a user, a Namespace without Pod Security, a
/// policy that allows everything); those that would conclude from the absence of the rest of
/// the cluster ([`crate::absence`]: "no NetworkPolicy selects this pod", "the bound role does
/// not exist") do not: one object is no cluster.
pub fn check_object(object: &Object, config: &Config, selected: impl Fn(&str) -> bool) -> Outcome {
    let inventory = Inventory::from_objects([object.clone()]);
    let mut outcome = check_each_object(&inventory, config, &selected);
    if !JUDGED_ALONE_BY_INVENTORY_RULES.contains(&object.kind.as_str()) {
        return outcome;
    }
    let context = InventoryContext::new(&inventory, config);
    for registered in all_rules() {
        let rule = registered.rule;
        let Check::Inventory(run) = rule.check else {
            continue;
        };
        if !config.is_enabled(rule.meta.name)
            || !selected(rule.meta.name)
            || crate::absence::rests_on_absence(rule.meta.name)
        {
            continue;
        }
        match run_inventory_rule(rule, run, &context) {
            Ok((mut findings, suppressed)) => {
                outcome.findings.append(&mut findings);
                outcome.suppressed += suppressed;
            }
            Err(error) => outcome.errors.push(error),
        }
    }
    outcome.findings = sorted(std::mem::take(&mut outcome.findings));
    outcome
}

/// Runs the object rules on every object of `inventory` on its own, as [`check_object`] does
/// for one (no inventory rules): for a caller that already holds the objects in an inventory
/// and would rather not copy them.
pub fn check_each_object(
    inventory: &Inventory,
    config: &Config,
    selected: impl Fn(&str) -> bool,
) -> Outcome {
    let object_rules: Vec<(&Rule, ObjectCheck)> = all_rules()
        .iter()
        .map(|registered| registered.rule)
        .filter(|rule| config.is_enabled(rule.meta.name) && selected(rule.meta.name))
        .filter_map(|rule| match rule.check {
            Check::Object(run) => Some((rule, run)),
            Check::Inventory(_) => None,
        })
        .collect();
    // One object or a handful: the service-account index of the whole-inventory scan (which
    // rules use to see what a pod's account may do) stays empty.
    let accounts = AccountIndex::default();
    let mut outcome = Outcome::default();
    for (index, object) in inventory.objects().iter().enumerate() {
        let (mut findings, mut errors, suppressed) =
            check_one(index, object, inventory, config, &accounts, &object_rules);
        outcome.findings.append(&mut findings);
        outcome.errors.append(&mut errors);
        outcome.suppressed += suppressed;
    }
    outcome
}

/// Checks one object of the inventory with the given object rules.
fn check_one(
    index: usize,
    object: &Object,
    inventory: &Inventory,
    config: &Config,
    accounts: &AccountIndex,
    object_rules: &[(&Rule, ObjectCheck)],
) -> ObjectResult {
    let context = ObjectContext {
        object,
        pod: PodView::of(object, config),
        inventory,
        config,
        accounts,
    };
    let mut errors = Vec::new();
    let ignored = ignored_rules(object, &mut errors);
    let mut findings = Vec::new();
    let mut suppressed = 0;
    for (rule, run) in object_rules {
        let mut emitter = Emitter::new(&rule.meta, Some(object), index);
        match run_guarded(rule, Some(object), || run(&context, &mut emitter)) {
            Ok(()) => {
                for (_, finding) in emitter.findings {
                    match settle(finding, Some(object), &ignored, config) {
                        Some(finding) => findings.push(finding),
                        None => suppressed += 1,
                    }
                }
            }
            Err(error) => errors.push(error),
        }
    }
    // Sorted here, on the worker, while small: objects come in file order and their
    // findings lie within them, so the whole list is then usually sorted already.
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    (findings, errors, suppressed)
}

/// Applies annotations, exemptions and severity overrides to one finding: `None` when it is
/// suppressed.
fn settle(
    mut finding: Finding,
    object: Option<&Object>,
    ignored: &Ignored,
    config: &Config,
) -> Option<Finding> {
    let silenced_by_annotation = finding.rule != SUPPRESSION_WITHOUT_REASON
        && match ignored {
            Ignored::All => true,
            Ignored::Rules(rules) => rules.iter().any(|rule| *rule == finding.rule),
            Ignored::Nothing => false,
        };
    let exempt = object.is_some_and(|object| config.exemption_for(&finding.rule, object).is_some());
    if silenced_by_annotation || exempt {
        return None;
    }
    if let Some(severity) = config.severity_override(&finding.rule) {
        finding.severity = severity;
    }
    Some(finding)
}

/// Sorts by [`Finding::sort_key`], comparing through indices and then permuting in place, so
/// that each (large) finding is moved once and no second copy of the list is made.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    if findings.is_sorted_by(|a, b| a.sort_key() <= b.sort_key()) {
        return findings;
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.par_sort_by(|&a, &b| findings[a].sort_key().cmp(&findings[b].sort_key()));
    // Position k must receive the finding now at order[k]; follow each cycle once.
    for start in 0..order.len() {
        let mut current = start;
        while order[current] != start {
            let next = order[current];
            findings.swap(current, next);
            order[current] = current;
            current = next;
        }
        order[current] = current;
    }
    findings
}
