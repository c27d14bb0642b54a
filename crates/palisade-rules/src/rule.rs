use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use palisade_model::{
    Finding, Inventory, Location, Node, Object, Pointer, Pos, RuleMeta, Severity,
};

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
    /// The last path located in `object` (by [`Emitter::report`]), and the steps of the walk
    /// down it: where each token that was found ends in the path, the position a finding there
    /// points at, and the node. A path that starts the same way resumes the walk where they
    /// part: the findings on one object share most of their paths.
    trail_path: String,
    trail: Vec<(usize, Pos, &'a Node)>,
    /// Where messages given as `format_args!` are written before they are shared.
    message_buffer: String,
}

/// The message of a finding: a `String`, a `&str`, or `format_args!(...)`, which is written
/// into a buffer the emitter keeps instead of a new `String` each time.
pub trait Message {
    fn into_shared(self, buffer: &mut String) -> Arc<str>;
}

impl Message for String {
    fn into_shared(self, _: &mut String) -> Arc<str> {
        shared_text(&self)
    }
}

impl Message for &str {
    fn into_shared(self, _: &mut String) -> Arc<str> {
        shared_text(self)
    }
}

impl Message for &String {
    fn into_shared(self, _: &mut String) -> Arc<str> {
        shared_text(self)
    }
}

impl Message for Cow<'_, str> {
    fn into_shared(self, _: &mut String) -> Arc<str> {
        shared_text(&self)
    }
}

impl Message for std::fmt::Arguments<'_> {
    fn into_shared(self, buffer: &mut String) -> Arc<str> {
        if let Some(text) = self.as_str() {
            return shared_text(text);
        }
        buffer.clear();
        // Writing into a String cannot fail.
        let _ = std::fmt::Write::write_fmt(buffer, self);
        shared_text(buffer)
    }
}

/// How many texts [`shared_text`] remembers per thread, about 2 MB of messages.
const REMEMBERED_TEXTS: usize = 8192;

type SharedTexts = std::collections::HashSet<Arc<str>, foldhash::fast::RandomState>;

thread_local! {
    static SHARED_TEXTS: std::cell::RefCell<SharedTexts> =
        std::cell::RefCell::new(SharedTexts::default());
}

/// The one copy of `text` among the findings this thread has made lately. A finding lives until
/// the report is written, and the findings of a large scan repeat their paths and many of
/// their messages (the same containers in many workloads): one copy each, instead of one per
/// finding, left a large scan less memory to touch, which on a virtual machine costs more than
/// the hashing. The copies are forgotten past a bound, so a long-running server keeps few.
fn shared_text(text: &str) -> Arc<str> {
    SHARED_TEXTS.with_borrow_mut(|texts| {
        if let Some(shared) = texts.get(text) {
            return shared.clone();
        }
        if texts.len() >= REMEMBERED_TEXTS {
            texts.clear();
        }
        let shared: Arc<str> = Arc::from(text);
        texts.insert(shared.clone());
        shared
    })
}

impl<'a> Emitter<'a> {
    pub(crate) fn new(meta: &'a RuleMeta, object: Option<&'a Object>) -> Self {
        Emitter {
            meta,
            object,
            findings: Vec::new(),
            objects: Vec::new(),
            trail_path: String::new(),
            trail: Vec::new(),
            message_buffer: String::new(),
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
    pub fn report(&mut self, path: &Pointer, message: impl Message) -> &mut Finding {
        let object = self
            .object
            .expect("Emitter::report needs an object rule; inventory rules use report_on");
        let location = self.locate(object, path.as_str());
        let message = message.into_shared(&mut self.message_buffer);
        self.push(object, path, location, message)
    }

    /// What [`Object::location`] says of `path` in `object`, the object of an object rule,
    /// walking down from where the last path located parts from it.
    fn locate(&mut self, object: &'a Object, path: &str) -> Option<Location> {
        let source = object.source.as_ref()?;
        if !path.starts_with('/') {
            return object.location(path);
        }
        // The steps whose tokens the two paths share: the deepest step that ends at the end of
        // a token of `path` too, with the same text before it (and so do all above it).
        let kept = (1..=self.trail.len())
            .rev()
            .find(|&steps| {
                let end = self.trail[steps - 1].0;
                path.as_bytes().get(end).is_none_or(|&byte| byte == b'/')
                    && path.as_bytes().get(..end) == self.trail_path.as_bytes().get(..end)
            })
            .unwrap_or(0);
        self.trail.truncate(kept);
        let (mut at, mut best, mut node) = match self.trail.last() {
            Some(&(end, pos, node)) => (end, pos, node),
            None => (0, object.root.pos, &object.root),
        };
        // `at` is where a token ends: at a '/' that starts the next, or at the end.
        while at < path.len() {
            let start = at + 1;
            let end = path.as_bytes()[start..]
                .iter()
                .position(|&byte| byte == b'/')
                .map_or(path.len(), |length| start + length);
            let Some((pos, child)) = node.locate_step(&path[start..end]) else {
                break;
            };
            self.trail.push((end, pos, child));
            (at, best, node) = (end, pos, child);
        }
        self.trail_path.clear();
        self.trail_path.push_str(path);
        best.is_known().then(|| Location {
            file: source.file.clone(),
            line: best.line,
            column: best.column,
        })
    }

    /// Reports a problem on any object of the inventory (inventory rules).
    pub fn report_on(
        &mut self,
        inventory: &Inventory,
        object: &Object,
        path: &Pointer,
        message: impl Message,
    ) -> &mut Finding {
        self.objects.push(index_in(inventory, object));
        let location = object.location(path.as_str());
        let message = message.into_shared(&mut self.message_buffer);
        self.push(object, path, location, message)
    }

    fn push(
        &mut self,
        object: &Object,
        path: &Pointer,
        location: Option<Location>,
        message: Arc<str>,
    ) -> &mut Finding {
        let finding = Finding {
            rule: Cow::Borrowed(self.meta.name),
            severity: self.meta.severity,
            layer: self.meta.layer,
            object: object.shared_reference(),
            path: shared_text(path.as_str()),
            location,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_share_one_copy_and_the_copies_kept_are_bounded() {
        let first = shared_text("container \"app\" has no CPU limit");
        let again = shared_text(&String::from("container \"app\" has no CPU limit"));
        assert!(Arc::ptr_eq(&first, &again));
        let other = shared_text("container \"web\" has no CPU limit");
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(&*other, "container \"web\" has no CPU limit");
        // Many more different texts than are remembered: each still reads as itself, and what
        // the thread keeps stays within the bound.
        for index in 0..3 * REMEMBERED_TEXTS {
            let text = format!("message {index}");
            assert_eq!(&*shared_text(&text), text);
            assert!(SHARED_TEXTS.with_borrow(|texts| texts.len()) <= REMEMBERED_TEXTS);
        }
        // A text forgotten is made again, equal.
        assert_eq!(&*shared_text("container \"app\" has no CPU limit"), &*first);
    }

    #[test]
    fn every_kind_of_message_reads_as_its_text() {
        let mut buffer = String::from("left over from before");
        let name = "web";
        let port = 22;
        let formatted = format!("container {name:?} listens on port {port}");
        let texts: [Arc<str>; 6] = [
            format_args!("container {name:?} listens on port {port}").into_shared(&mut buffer),
            format_args!("a static message").into_shared(&mut buffer),
            formatted.clone().into_shared(&mut buffer),
            (&formatted).into_shared(&mut buffer),
            formatted.as_str().into_shared(&mut buffer),
            Cow::<str>::Owned(formatted.clone()).into_shared(&mut buffer),
        ];
        assert_eq!(&*texts[0], formatted);
        assert_eq!(&*texts[1], "a static message");
        for text in &texts[2..] {
            assert_eq!(&**text, formatted);
        }
    }

    #[test]
    fn locating_from_the_last_path_agrees_with_the_object() {
        let loaded = palisade_load::load_str(
            "a.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      image: x\n      resources: {limits: {cpu: 1}}\n    - name: b\n      a/b: {c~d: 1}\n",
        );
        let object = &loaded.objects[0];
        let meta = &crate::registry::all_rules()[0].rule.meta;
        let mut emitter = Emitter::new(meta, Some(object));
        let paths = [
            "/spec/containers/0/resources/limits/cpu",
            "/spec/containers/0/resources/limits/memory",
            "/spec/containers/0/resources/limits/cpux",
            "/spec/containers/0/resources/limits/cpu/x",
            "/spec/containers/0/image",
            "/spec/containers/0",
            "/spec/containers/01",
            "/spec/containers/1/a~1b/c~0d",
            "/spec/containers/1/a~1b",
            "/spec/containers/10",
            "/spec/containers/1/name",
            "/spec",
            "/spe",
            "",
            "/",
            "//",
            "spec",
            "/metadata/name",
        ];
        for path in paths.iter().chain(paths.iter().rev()).chain(&paths) {
            assert_eq!(
                emitter.locate(object, path),
                object.location(path),
                "{path}"
            );
        }
    }
}
