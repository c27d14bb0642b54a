use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

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
/// The findings, rule crashes and number of suppressed findings of one object.
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

/// How many objects are checked at a time beside the inventory rules: small enough that the
/// objects stop soon after those rules are done, large enough that a batch is worth sharing
/// among the workers.
const OBJECTS_PER_BATCH_BESIDE_INVENTORY: usize = 128;

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
    let inventory_rules: Vec<(&Rule, InventoryCheck)> = enabled
        .iter()
        .filter_map(|rule| match rule.check {
            Check::Inventory(run) => Some((*rule, run)),
            Check::Object(_) => None,
        })
        .collect();

    // The inventory rules run beside the objects rather than after them: much of their time
    // goes into models (NetworkPolicy, RBAC) that one thread builds while the others would
    // wait. Objects are checked beside them a batch at a time until they are done (a fixed
    // share of the objects left a core idle whenever the inventory rules took longer than it,
    // or made them wait). The rest of the objects are checked a batch at a time, and each
    // batch's findings are gathered into the report's list while the next batch is checked:
    // gathered after them all, the writing of that large list was a serial tail of the scan.
    let accounts = AccountIndex::default();
    let check_objects = |objects: &[Object]| -> Vec<ObjectResult> {
        // Each object is checked, and its findings silenced or re-rated, on the worker that
        // found them, so that the findings are moved as few times as possible.
        objects
            .par_iter()
            .map_init(Vec::new, |scratch, object| {
                check_one(scratch, object, inventory, config, &accounts, &object_rules)
            })
            .collect()
    };
    let objects = inventory.objects();
    let inventory_done = AtomicBool::new(false);
    let ((mut checked, checked_beside), (from_inventory, suppressed, errors)) = rayon::join(
        || {
            let mut checked = Vec::new();
            let mut next = 0;
            while next < objects.len() && !inventory_done.load(AtomicOrdering::Acquire) {
                let end = objects.len().min(next + OBJECTS_PER_BATCH_BESIDE_INVENTORY);
                checked.append(&mut check_objects(&objects[next..end]));
                next = end;
            }
            (checked, next)
        },
        || {
            let mut from_inventory = Vec::new();
            let mut suppressed = 0;
            let mut errors = Vec::new();
            for result in check_inventory(inventory, config, &inventory_rules) {
                match result {
                    Ok((mut findings, silenced)) => {
                        from_inventory.append(&mut findings);
                        suppressed += silenced;
                    }
                    Err(error) => errors.push(error),
                }
            }
            // Stable, so that equal findings keep the order of their rules.
            from_inventory.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            inventory_done.store(true, AtomicOrdering::Release);
            (from_inventory, suppressed, errors)
        },
    );
    let (first, rest) = objects.split_at(checked_beside);
    let found_in_first: usize = checked.iter().map(|(findings, _, _)| findings.len()).sum();
    // Room for the findings still to come at the rate of the first quarter, and a little more:
    // room that is never written costs nothing, and a list that must grow is copied.
    let expected = found_in_first
        + found_in_first * rest.len() / first.len().max(1) * 9 / 8
        + from_inventory.len();
    let mut gathered = Gathered::new(from_inventory, expected);
    gathered.errors = errors;
    gathered.suppressed = suppressed;
    for batch in rest.chunks(rest.len().div_ceil(12).max(1)) {
        let previous = std::mem::take(&mut checked);
        (checked, ()) = rayon::join(|| check_objects(batch), || gathered.add(previous));
    }
    gathered.add(checked);
    let mut outcome = gathered.finish();
    outcome.errors.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
    outcome
}

/// Runs the inventory rules side by side (the models they share are built once, by the first
/// that asks) and gathers their results in rule order, so that the outcome is the same on
/// every run.
fn check_inventory(
    inventory: &Inventory,
    config: &Config,
    inventory_rules: &[(&Rule, InventoryCheck)],
) -> Vec<Result<(Vec<Finding>, usize), InputError>> {
    let inventory_context = InventoryContext::new(inventory, config);
    inventory_rules
        .par_iter()
        .map(|(rule, run)| {
            let mut emitter = Emitter::new(&rule.meta, None);
            run_guarded(rule, None, || run(&inventory_context, &mut emitter))?;
            let mut kept = Vec::with_capacity(emitter.findings.len());
            let mut suppressed = 0;
            // A rule's findings on one object come one after the other: its annotation is read
            // once for them.
            let mut ignored_by: Option<(usize, Ignored)> = None;
            for (mut finding, index) in emitter.findings.into_iter().zip(emitter.objects) {
                let object = inventory.get(index);
                let ignored = match &ignored_by {
                    Some((of, ignored)) if *of == index => ignored,
                    _ => {
                        let ignored = match object {
                            Some(object) => ignored_rules(object, &mut Vec::new()),
                            None => Ignored::Nothing,
                        };
                        &ignored_by.insert((index, ignored)).1
                    }
                };
                if settle(&mut finding, object, ignored, config) {
                    kept.push(finding);
                } else {
                    suppressed += 1;
                }
            }
            Ok((kept, suppressed))
        })
        .collect()
}

/// The findings of every rule, gathered object by object into [`Finding::sort_key`] order:
/// the same list as a stable sort of the object rules' findings (object by object) followed by
/// the inventory rules' (given sorted). Objects come in file order and their findings lie
/// within them, so the object rules' findings are nearly always in order already: then the
/// inventory rules' are merged among them as they come, with no sort and no second copy.
struct Gathered {
    all: Vec<Finding>,
    from_inventory: std::iter::Peekable<std::vec::IntoIter<Finding>>,
    /// Where in `all` the last object rule's finding is, to tell whether the next object's
    /// findings come after it.
    last_from_objects: Option<usize>,
    in_order: bool,
    errors: Vec<InputError>,
    suppressed: usize,
}

impl Gathered {
    fn new(from_inventory: Vec<Finding>, expected: usize) -> Self {
        Gathered {
            all: Vec::with_capacity(expected),
            from_inventory: from_inventory.into_iter().peekable(),
            last_from_objects: None,
            in_order: true,
            errors: Vec::new(),
            suppressed: 0,
        }
    }

    /// Adds the results of the next objects, in order.
    fn add(&mut self, results: Vec<ObjectResult>) {
        for (findings, mut errors, suppressed) in results {
            self.errors.append(&mut errors);
            self.suppressed += suppressed;
            let Some(first) = findings.first() else {
                continue;
            };
            if let Some(last) = self.last_from_objects {
                self.in_order &= self.all[last].sort_key() <= first.sort_key();
            }
            if !self.in_order {
                self.all.extend(findings);
                continue;
            }
            // The object's findings move in blocks, between the inventory findings that fall
            // among them (found by binary search); on a tie the object rule's finding goes
            // first, as in a stable sort.
            let mut findings = findings.into_iter();
            while findings.len() > 0 {
                let rest = findings.as_slice();
                let before = match self.from_inventory.peek() {
                    None => rest.len(),
                    Some(next) if rest[rest.len() - 1].sort_key() <= next.sort_key() => rest.len(),
                    Some(next) => {
                        rest.partition_point(|finding| finding.sort_key() <= next.sort_key())
                    }
                };
                if before > 0 {
                    self.all.extend(findings.by_ref().take(before));
                    self.last_from_objects = Some(self.all.len() - 1);
                }
                if findings.len() > 0 {
                    self.all.extend(self.from_inventory.next());
                }
            }
        }
    }

    /// Every finding in order, with the errors and the count of suppressed findings.
    fn finish(mut self) -> Outcome {
        self.all.extend(self.from_inventory);
        // Out of order, some inventory findings may already stand among the object rules'
        // findings: a stable sort still gives the list it would give from the two lists one
        // after the other, for an object rule's finding never equals an inventory rule's
        // (their rules differ).
        let findings = if self.in_order {
            self.all
        } else {
            sorted(self.all)
        };
        Outcome {
            findings,
            suppressed: self.suppressed,
            errors: self.errors,
        }
    }
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
/// further (by name), on top of the configuration. See [`check_alone`].
pub fn check_object(object: &Object, config: &Config, selected: impl Fn(&str) -> bool) -> Outcome {
    check_alone(&Inventory::from_objects([object.clone()]), config, selected)
}

/// Judges each object of `inventory` as if it were alone, as [`check_object`] does for one:
/// besides the object rules, the inventory rules run that can judge an object alone (a Role's
/// wildcards, a binding to `system:anonymous` or of `cluster-admin` to a user, a Namespace
/// without Pod Security, a policy that allows everything); those that would conclude from the
/// absence of the rest of the cluster ([`crate::absence`]: "no NetworkPolicy selects this pod",
/// "the bound role does not exist") do not: one object is no cluster.
pub fn check_alone(
    inventory: &Inventory,
    config: &Config,
    selected: impl Fn(&str) -> bool,
) -> Outcome {
    let mut outcome = check_each_object(inventory, config, &selected);
    let judged_alone = inventory
        .objects()
        .iter()
        .any(|object| JUDGED_ALONE_BY_INVENTORY_RULES.contains(&object.kind.as_str()));
    if !judged_alone {
        return outcome;
    }
    let inventory_rules: Vec<(&Rule, InventoryCheck)> = all_rules()
        .iter()
        .map(|registered| registered.rule)
        .filter(|rule| {
            config.is_enabled(rule.meta.name)
                && selected(rule.meta.name)
                && !crate::absence::rests_on_absence(rule.meta.name)
        })
        .filter_map(|rule| match rule.check {
            Check::Inventory(run) => Some((rule, run)),
            Check::Object(_) => None,
        })
        .collect();
    for result in check_inventory(inventory, config, &inventory_rules) {
        match result {
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
    check_each_object_with(inventory, config, &ObjectRules::select(config, selected))
}

/// The enabled object rules a caller selected, chosen once for a caller that checks many
/// inventories with the same selection ([`check_each_object_with`]): the audit judges each
/// request object on its own, and going through the whole list of rules for each one was a
/// tenth of judging it.
#[derive(Clone)]
pub struct ObjectRules(Vec<(&'static Rule, ObjectCheck)>);

impl ObjectRules {
    /// The object rules that `config` enables and `selected` accepts, in registration order.
    pub fn select(config: &Config, selected: impl Fn(&str) -> bool) -> ObjectRules {
        ObjectRules(
            all_rules()
                .iter()
                .map(|registered| registered.rule)
                .filter(|rule| config.is_enabled(rule.meta.name) && selected(rule.meta.name))
                .filter_map(|rule| match rule.check {
                    Check::Object(run) => Some((rule, run)),
                    Check::Inventory(_) => None,
                })
                .collect(),
        )
    }

    /// The names of the rules, in the order they run.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(rule, _)| rule.meta.name)
    }
}

impl std::fmt::Debug for ObjectRules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

/// [`check_each_object`] with rules selected beforehand; `config` must be the one they were
/// selected with.
pub fn check_each_object_with(
    inventory: &Inventory,
    config: &Config,
    object_rules: &ObjectRules,
) -> Outcome {
    // One object or a handful: the service-account index of the whole-inventory scan (which
    // rules use to see what a pod's account may do) stays empty.
    let accounts = AccountIndex::default();
    let mut outcome = Outcome::default();
    let mut scratch = Vec::new();
    for object in inventory.objects() {
        let (mut findings, mut errors, suppressed) = check_one(
            &mut scratch,
            object,
            inventory,
            config,
            &accounts,
            &object_rules.0,
        );
        outcome.findings.append(&mut findings);
        outcome.errors.append(&mut errors);
        outcome.suppressed += suppressed;
    }
    outcome
}

/// Checks one object of the inventory with the given object rules. `scratch` is an empty list
/// the findings are gathered in (its room is kept from one object to the next; what is
/// returned is a list of the exact size).
fn check_one(
    scratch: &mut Vec<Finding>,
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
    let Some(((first, _), _)) = object_rules.split_first() else {
        return (Vec::new(), errors, 0);
    };
    // One emitter for all the rules: their findings go straight into the object's list.
    let mut emitter = Emitter::new(&first.meta, Some(object));
    emitter.findings = std::mem::take(scratch);
    let mut suppressed = 0;
    for (rule, run) in object_rules {
        emitter.set_rule(&rule.meta);
        let start = emitter.findings.len();
        match run_guarded(rule, Some(object), || run(&context, &mut emitter)) {
            Ok(()) => {
                // Settled in place: the kept findings move down, in order, over the
                // suppressed ones.
                let mut kept = start;
                for at in start..emitter.findings.len() {
                    if settle(&mut emitter.findings[at], Some(object), &ignored, config) {
                        emitter.findings.swap(kept, at);
                        kept += 1;
                    } else {
                        suppressed += 1;
                    }
                }
                emitter.findings.truncate(kept);
            }
            Err(error) => {
                // What a crashed rule reported before it crashed is not reported.
                emitter.findings.truncate(start);
                errors.push(error);
            }
        }
    }
    // Sorted here, on the worker, while small: objects come in file order and their
    // findings lie within them, so the whole list is then usually sorted already.
    sort_findings_of_one_object(&mut emitter.findings);
    let findings = emitter.findings.drain(..).collect();
    *scratch = emitter.findings;
    (findings, errors, suppressed)
}

/// Applies annotations, exemptions and severity overrides to one finding: `false` when it is
/// suppressed.
fn settle(
    finding: &mut Finding,
    object: Option<&Object>,
    ignored: &Ignored,
    config: &Config,
) -> bool {
    let silenced_by_annotation = finding.rule != SUPPRESSION_WITHOUT_REASON
        && match ignored {
            Ignored::All => true,
            Ignored::Rules(rules) => rules.iter().any(|rule| *rule == finding.rule),
            Ignored::Nothing => false,
        };
    let exempt = object.is_some_and(|object| config.exemption_for(&finding.rule, object).is_some());
    if silenced_by_annotation || exempt {
        return false;
    }
    if let Some(severity) = config.severity_override(&finding.rule) {
        finding.severity = severity;
    }
    true
}

/// Sorts the findings of one object by [`Finding::sort_key`]. They share their file (the same
/// `Arc`) and object, so their order is that of their line and column, and only findings at
/// the same position need the rest of the key: the positions are sorted beside indices, and
/// the (large) findings moved once.
fn sort_findings_of_one_object(findings: &mut [Finding]) {
    fn file(finding: &Finding) -> Option<&Arc<str>> {
        finding.location.as_ref().map(|location| &location.file)
    }
    let shared_file_and_object = findings.first().is_some_and(|first| {
        file(first).is_some_and(|first_file| {
            findings.iter().all(|finding| {
                Arc::ptr_eq(&finding.object, &first.object)
                    && file(finding).is_some_and(|file| Arc::ptr_eq(file, first_file))
            })
        })
    });
    if !shared_file_and_object {
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        return;
    }
    let position = |finding: &Finding| {
        finding
            .location
            .as_ref()
            .map_or(0, |l| (u64::from(l.line) << 32) | u64::from(l.column))
    };
    let mut order: Vec<(u64, usize)> = findings
        .iter()
        .enumerate()
        .map(|(index, finding)| (position(finding), index))
        .collect();
    if order.is_sorted_by(|a, b| a.0 < b.0) {
        return;
    }
    // At one position the rest of the key is the rule, the path and the message (the file,
    // line, column and object are the same); the index last keeps the sort stable.
    order.sort_unstable_by(|&(a_position, a), &(b_position, b)| {
        a_position.cmp(&b_position).then_with(|| {
            let (first, second) = (&findings[a], &findings[b]);
            (&first.rule, &first.path, &first.message)
                .cmp(&(&second.rule, &second.path, &second.message))
                .then(a.cmp(&b))
        })
    });
    let mut order: Vec<usize> = order.into_iter().map(|(_, index)| index).collect();
    permute(findings, &mut order);
}

/// Sorts by [`Finding::sort_key`], comparing through indices and then permuting in place, so
/// that each (large) finding is moved once and no second copy of the list is made.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    if findings.is_sorted_by(|a, b| a.sort_key() <= b.sort_key()) {
        return findings;
    }
    let mut order: Vec<usize> = (0..findings.len()).collect();
    order.par_sort_by(|&a, &b| findings[a].sort_key().cmp(&findings[b].sort_key()));
    permute(&mut findings, &mut order);
    findings
}

/// Puts at position k the finding now at `order[k]`, by swaps, each (large) finding moved
/// once; `order` is left as the identity.
fn permute(findings: &mut [Finding], order: &mut [usize]) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx}]
";

    fn inventory(files: &[&str]) -> Inventory {
        Inventory::from_objects(files.iter().flat_map(|file| {
            let loaded = palisade_load::load_str(file, DEPLOYMENT);
            assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
            loaded.objects
        }))
    }

    #[test]
    fn object_and_inventory_findings_come_in_sort_key_order() {
        // The loader orders files by path ("a" before "a.b.yaml"), the report by text ('.'
        // before '/'): the second inventory's objects are out of order and must be sorted.
        for files in [
            &["dir/a.yaml", "dir/b.yaml"][..],
            &["dir/a/b.yaml", "dir/a.b.yaml"][..],
        ] {
            let outcome = check(&inventory(files), &Config::default());
            let findings = &outcome.findings;
            assert!(
                findings.is_sorted_by(|a, b| a.sort_key() <= b.sort_key()),
                "{files:?}"
            );
            for file in files {
                let of = |rule: &str| {
                    findings.iter().any(|finding| {
                        finding.rule == rule
                            && finding.location.as_ref().is_some_and(|l| &*l.file == *file)
                    })
                };
                // One of the object rules and one of the inventory rules.
                assert!(of("missing-seccomp-profile"), "{file}");
                assert!(of("missing-egress-policy"), "{file}");
            }
        }
    }

    /// However many objects are checked beside the inventory rules (all of them with one
    /// thread, a share that depends on timing with more), the outcome is the same.
    #[test]
    fn the_outcome_is_the_same_whatever_share_of_objects_runs_beside_the_inventory_rules() {
        // Enough objects for several batches beside the inventory rules and after them, with
        // files out of the report's order among them.
        let names: Vec<String> = (0..3 * OBJECTS_PER_BATCH_BESIDE_INVENTORY)
            .map(|i| match i % 3 {
                0 => format!("dir/{i:04}.yaml"),
                1 => format!("dir/{i:04}/b.yaml"),
                _ => format!("dir/{i:04}.b.yaml"),
            })
            .collect();
        let files: Vec<&str> = names.iter().map(String::as_str).collect();
        let inventory = inventory(&files);
        let with_threads = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| check(&inventory, &Config::default()))
        };
        let alone = with_threads(1);
        assert!(
            alone
                .findings
                .is_sorted_by(|a, b| a.sort_key() <= b.sort_key())
        );
        assert!(alone.findings.len() > files.len());
        for threads in [2, 3, 4] {
            for _ in 0..3 {
                let outcome = with_threads(threads);
                assert_eq!(outcome.findings, alone.findings, "{threads} threads");
                assert_eq!(outcome.suppressed, alone.suppressed);
                assert_eq!(outcome.errors, alone.errors);
            }
        }
    }

    #[test]
    fn one_objects_findings_sort_as_a_stable_sort_by_sort_key() {
        // Many findings on few positions, with rules, paths and messages that tie in every
        // combination, and exact duplicates told apart by their severity: the result must be
        // the stable sort's, duplicates in their first order.
        let object = inventory(&["dir/a.yaml"]).objects()[0].shared_reference();
        let file: Arc<str> = Arc::from("dir/a.yaml");
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        for _ in 0..200 {
            let findings: Vec<Finding> = (0..1 + next(40))
                .map(|_| Finding {
                    rule: ["b-rule", "a-rule", "c-rule"][next(3) as usize].into(),
                    severity: palisade_model::Severity::ALL[next(5) as usize],
                    layer: palisade_model::Layer::Workload,
                    object: object.clone(),
                    path: ["/spec/b", "/spec/a"][next(2) as usize].into(),
                    location: Some(palisade_model::Location {
                        file: file.clone(),
                        line: 1 + next(3) as u32,
                        column: 1 + next(2) as u32,
                    }),
                    message: ["y", "x"][next(2) as usize].into(),
                    fix: "".into(),
                })
                .collect();
            let mut expected = findings.clone();
            expected.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            let mut sorted = findings;
            sort_findings_of_one_object(&mut sorted);
            assert_eq!(sorted, expected);
        }
    }
}
