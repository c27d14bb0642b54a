use std::borrow::Cow;
use std::sync::OnceLock;

use palisade_model::{Finding, Inventory, Object, Pointer, RuleMeta, Severity};

use crate::access::rbac::Rbac;
use crate::access::service_accounts::AccountIndex;
use crate::config::Config;
use crate::network::netpol::Cluster;
use crate::pod::PodView;

/// A rule: its metadata and the function that checks.
pub struct Rule {
    pub meta: RuleMeta,
    pub check: Check,
}

/// The two kinds of rule.
pub enum Check {
    /// Sees one object at a time (with its pod spec, when it has one). Runs in parallel.
    Object(fn(&ObjectContext, &mut Emitter)),
    /// Sees the whole inventory: coverage, graphs, per-namespace questions.
    Inventory(fn(&InventoryContext, &mut Emitter)),
}

/// What an object rule sees.
pub struct ObjectContext<'a> {
    pub object: &'a Object,
    /// The pod spec of a workload (Pod, Deployment, ..., CronJob, PodTemplate, configured CRDs).
    pub pod: Option<PodView<'a>>,
    pub inventory: &'a Inventory,
    pub config: &'a Config,
    /// ServiceAccounts and their bindings by name, shared by all objects of one check.
    pub(crate) accounts: &'a AccountIndex,
}

/// What an inventory rule sees.
pub struct InventoryContext<'a> {
    pub inventory: &'a Inventory,
    pub config: &'a Config,
    /// The RBAC model, built by the first rule that asks and shared by the others.
    rbac: OnceLock<Rbac<'a>>,
    /// The NetworkPolicy model, built by the first rule that asks and shared by the others.
    network: OnceLock<Cluster<'a>>,
}

impl<'a> InventoryContext<'a> {
    pub fn new(inventory: &'a Inventory, config: &'a Config) -> Self {
        InventoryContext {
            inventory,
            config,
            rbac: OnceLock::new(),
            network: OnceLock::new(),
        }
    }

    /// The cluster as NetworkPolicy sees it (built once, then shared).
    pub fn network(&self) -> &Cluster<'a> {
        self.network
            .get_or_init(|| Cluster::build(self.inventory, self.config))
    }

    /// The inventory's Roles, ClusterRoles and bindings, resolved and indexed (built once).
    pub fn rbac(&self) -> &Rbac<'a> {
        self.rbac.get_or_init(|| Rbac::build(self.inventory))
    }

    /// The pod spec of `object`, when it is a workload.
    pub fn pod_of<'o>(&self, object: &'o Object) -> Option<PodView<'o>> {
        PodView::of(object, self.config)
    }

    /// Whether `object` is a workload (has a pod spec), without building its [`PodView`].
    pub fn is_workload(&self, object: &Object) -> bool {
        PodView::spec_of(object, self.config).is_some()
    }
}

/// Collects the findings of a rule. An object rule's emitter serves every rule run on that
/// object in turn (the engine sets the rule), so that its findings land in one list.
pub struct Emitter<'a> {
    meta: &'a RuleMeta,
    object: Option<&'a Object>,
    pub(crate) findings: Vec<Finding>,
    /// The inventory index of each finding's object, beside `findings`: filled by
    /// [`Emitter::report_on`] only (an object rule's findings are all on its one object).
    pub(crate) objects: Vec<usize>,
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(meta: &'a RuleMeta, object: Option<&'a Object>) -> Self {
        Emitter {
            meta,
            object,
            findings: Vec::new(),
            objects: Vec::new(),
        }
    }

    /// Makes the next findings those of `meta`.
    pub(crate) fn set_rule(&mut self, meta: &'a RuleMeta) {
        self.meta = meta;
    }

    /// The severity of the rule being run, before any override of the configuration.
    pub fn severity(&self) -> Severity {
        self.meta.severity
    }

    /// Reports a problem at `path` of the object being checked, with the rule's own severity
    /// and fix. Returns the finding so a rule can give a more specific fix or severity.
    ///
    /// # Panics
    /// When called from an inventory rule, which has no current object: use [`Emitter::report_on`].
    pub fn report(&mut self, path: &Pointer, message: impl Into<String>) -> &mut Finding {
        let object = self
            .object
            .expect("Emitter::report needs an object rule; inventory rules use report_on");
        self.push(object, path, message.into())
    }

    /// Reports a problem on any object of the inventory (inventory rules).
    pub fn report_on(
        &mut self,
        inventory: &Inventory,
        object: &Object,
        path: &Pointer,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.objects.push(index_in(inventory, object));
        self.push(object, path, message.into())
    }

    fn push(&mut self, object: &Object, path: &Pointer, message: String) -> &mut Finding {
        // A finding lives until the report is written, and `format!` leaves up to twice the
        // room a message needs: kept at its exact size, a large scan touches fewer pages.
        // (Shrinking in place would not do: the allocator keeps a block that shrinks by less
        // than half.)
        let message = if message.capacity() > message.len() {
            String::from(message.as_str())
        } else {
            message
        };
        let finding = Finding {
            rule: Cow::Borrowed(self.meta.name),
            severity: self.meta.severity,
            layer: self.meta.layer,
            object: object.shared_reference(),
            path: path.as_str().to_string(),
            location: object.location(path.as_str()),
            message,
            fix: Cow::Borrowed(self.meta.fix),
        };
        self.findings.push(finding);
        self.findings.last_mut().expect("just pushed")
    }
}

/// The index of `object` in the inventory's storage, found from its address so that inventory
/// rules with many findings stay linear.
fn index_in(inventory: &Inventory, object: &Object) -> usize {
    let objects = inventory.objects();
    let size = std::mem::size_of::<Object>().max(1);
    let base = objects.as_ptr() as usize;
    let address = object as *const Object as usize;
    match address.checked_sub(base) {
        Some(offset) if offset / size < objects.len() && offset % size == 0 => offset / size,
        _ => usize::MAX,
    }
}
