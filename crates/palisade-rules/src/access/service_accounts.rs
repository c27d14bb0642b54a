//! What the service-account rules share (this module is not a rule): which ServiceAccount a
//! pod runs as, the ServiceAccount objects and RBAC bindings of the input that concern it.

use std::collections::HashMap;
use std::sync::OnceLock;

use palisade_model::{Inventory, Node, Object, Pointer};

use crate::pod::PodView;

/// The ServiceAccount the ServiceAccount admission plugin gives a pod that names none.
pub(crate) const DEFAULT_ACCOUNT: &str = "default";

/// The field, on a pod spec and on a ServiceAccount, that switches the token mount.
pub(crate) const AUTOMOUNT: &str = "automountServiceAccountToken";

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The value under `key` of `node`, with an explicit `null` read as absent, as Kubernetes'
/// JSON decoding reads it.
pub(crate) fn field<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.get(key).filter(|value| !value.is_null())
}

/// The ServiceAccount a pod runs as, and where its name is written.
pub(crate) struct PodAccount<'a> {
    pub name: &'a str,
    /// Whether the pod names it (`false` when `default` was filled in).
    pub named: bool,
    /// `serviceAccountName` or the deprecated `serviceAccount`, when one of them is written
    /// (possibly empty, which means `default`).
    pub written_at: Option<Pointer>,
}

impl PodAccount<'_> {
    pub(crate) fn is_default(&self) -> bool {
        self.name == DEFAULT_ACCOUNT
    }
}

/// `serviceAccountName`, else the deprecated `serviceAccount` (the API server copies it into
/// an empty `serviceAccountName`; when both are set, `serviceAccountName` wins), else
/// `default`, which the ServiceAccount admission plugin fills in.
pub(crate) fn pod_account<'a>(pod: &PodView<'a>) -> PodAccount<'a> {
    let mut written_at = None;
    for key in ["serviceAccountName", "serviceAccount"] {
        let Some(node) = field(pod.spec, key) else {
            continue;
        };
        let path = pod.spec_path.key(key);
        match node.as_str() {
            Some(name) if !name.is_empty() => {
                return PodAccount {
                    name,
                    named: true,
                    written_at: Some(path),
                };
            }
            _ => {
                written_at.get_or_insert(path);
            }
        }
    }
    PodAccount {
        name: DEFAULT_ACCOUNT,
        named: false,
        written_at,
    }
}

/// Whether two objects may share a namespace: the same namespace, or one of them without
/// `metadata.namespace`, which lands in whatever namespace it is applied to (manifests shipped
/// together usually are applied together).
pub(crate) fn may_share_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

/// The ServiceAccount object called `name` for a pod of `namespace`: one in exactly that
/// namespace, else one whose namespace may be the same (see [`may_share_namespace`]). The
/// rules use [`AccountIndex::service_account`]; this is its reference.
#[cfg(test)]
pub(crate) fn find_service_account<'i>(
    inventory: &'i Inventory,
    name: &str,
    namespace: Option<&str>,
) -> Option<&'i Object> {
    let mut candidates = inventory
        .of_kind("ServiceAccount")
        .filter(|account| account.group().is_empty() && account.name == name);
    let mut fallback = None;
    for account in candidates.by_ref() {
        if account.namespace.as_deref() == namespace {
            return Some(account);
        }
        if fallback.is_none() && may_share_namespace(account.namespace.as_deref(), namespace) {
            fallback = Some(account);
        }
    }
    fallback
}

/// A `ServiceAccount` subject of a RoleBinding or ClusterRoleBinding.
pub(crate) struct AccountSubject<'a> {
    pub index: usize,
    pub name: &'a str,
    /// The subject's `namespace`; in a RoleBinding an empty one means the binding's own
    /// namespace, as the RBAC authorizer reads it.
    pub namespace: Option<&'a str>,
}

/// Whether `object` is a RoleBinding or ClusterRoleBinding of the RBAC API group.
pub(crate) fn is_binding(object: &Object) -> bool {
    matches!(object.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
        && object.group() == RBAC_GROUP
}

/// The ServiceAccount subjects of a binding (nothing for any other object).
pub(crate) fn account_subjects(binding: &Object) -> impl Iterator<Item = AccountSubject<'_>> {
    let subjects = if is_binding(binding) {
        binding.root.get("subjects").map(Node::items).unwrap_or(&[])
    } else {
        &[]
    };
    let own_namespace = match binding.kind.as_str() {
        "RoleBinding" => binding.namespace.as_deref(),
        _ => None,
    };
    subjects
        .iter()
        .enumerate()
        .filter(|(_, subject)| subject.get("kind").and_then(Node::as_str) == Some("ServiceAccount"))
        .filter_map(move |(index, subject)| {
            let name = subject
                .get("name")
                .and_then(Node::as_str)
                .filter(|name| !name.is_empty())?;
            let namespace = subject
                .get("namespace")
                .and_then(Node::as_str)
                .filter(|namespace| !namespace.is_empty())
                .or(own_namespace);
            Some(AccountSubject {
                index,
                name,
                namespace,
            })
        })
}

/// The first RoleBinding or ClusterRoleBinding of the input that names the ServiceAccount
/// `name` of `namespace` as a subject (the rules use [`AccountIndex::first_binding_of`]; this
/// is its reference).
#[cfg(test)]
pub(crate) fn first_binding_of<'i>(
    inventory: &'i Inventory,
    name: &str,
    namespace: Option<&str>,
) -> Option<&'i Object> {
    ["RoleBinding", "ClusterRoleBinding"]
        .into_iter()
        .flat_map(|kind| inventory.of_kind(kind))
        .find(|binding| {
            account_subjects(binding).any(|subject| {
                subject.name == name && may_share_namespace(subject.namespace, namespace)
            })
        })
}

/// The ServiceAccounts and the ServiceAccount subjects of bindings of one inventory, by name,
/// built on first use and shared by the object rules of one check: looking them up per pod
/// would compare every pod with every binding.
#[derive(Default)]
pub struct AccountIndex {
    built: OnceLock<Indexes>,
}

#[derive(Default)]
struct Indexes {
    /// ServiceAccount name → inventory indexes of the ServiceAccount objects, in input order.
    accounts: HashMap<String, Vec<usize>>,
    /// ServiceAccount name → (subject namespace, inventory index of the binding): RoleBindings
    /// first, then ClusterRoleBindings, each in input order, as [`first_binding_of`] finds them.
    bindings: HashMap<String, Vec<(Option<String>, usize)>>,
}

impl AccountIndex {
    fn get(&self, inventory: &Inventory) -> &Indexes {
        self.built.get_or_init(|| {
            let mut indexes = Indexes::default();
            let objects = inventory.objects();
            for (index, object) in objects.iter().enumerate() {
                if object.kind == "ServiceAccount" && object.group().is_empty() {
                    indexes
                        .accounts
                        .entry(object.name.clone())
                        .or_default()
                        .push(index);
                }
            }
            for kind in ["RoleBinding", "ClusterRoleBinding"] {
                for (index, binding) in objects.iter().enumerate() {
                    if binding.kind != kind {
                        continue;
                    }
                    for subject in account_subjects(binding) {
                        let list = indexes
                            .bindings
                            .entry(subject.name.to_string())
                            .or_default();
                        // One entry per binding and namespace is enough to find the first.
                        let namespace = subject.namespace.map(str::to_string);
                        if !list.iter().any(|(n, i)| *i == index && *n == namespace) {
                            list.push((namespace, index));
                        }
                    }
                }
            }
            indexes
        })
    }

    /// [`find_service_account`], through the index.
    pub(crate) fn service_account<'i>(
        &self,
        inventory: &'i Inventory,
        name: &str,
        namespace: Option<&str>,
    ) -> Option<&'i Object> {
        let candidates = self.get(inventory).accounts.get(name)?;
        let mut fallback = None;
        for account in candidates.iter().filter_map(|&i| inventory.get(i)) {
            if account.namespace.as_deref() == namespace {
                return Some(account);
            }
            if fallback.is_none() && may_share_namespace(account.namespace.as_deref(), namespace) {
                fallback = Some(account);
            }
        }
        fallback
    }

    /// [`first_binding_of`], through the index.
    pub(crate) fn first_binding_of<'i>(
        &self,
        inventory: &'i Inventory,
        name: &str,
        namespace: Option<&str>,
    ) -> Option<&'i Object> {
        self.get(inventory)
            .bindings
            .get(name)?
            .iter()
            .find(|(subject_namespace, _)| {
                may_share_namespace(subject_namespace.as_deref(), namespace)
            })
            .and_then(|(_, index)| inventory.get(*index))
    }
}

/// `RoleBinding "read-pods"`, for messages.
pub(crate) fn describe(object: &Object) -> String {
    format!("{} {:?}", object.kind, object.name)
}

#[cfg(test)]
mod tests {
    use palisade_model::Inventory;

    use super::*;
    use crate::config::Config;

    fn inventory(yaml: &str) -> Inventory {
        let loaded = palisade_load::load_str("test.yaml", yaml);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        Inventory::from_objects(loaded.objects)
    }

    fn account_of(spec: &str) -> (String, Option<String>) {
        let yaml = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {spec}\n");
        let inventory = inventory(&yaml);
        let object = &inventory.objects()[0];
        let pod = PodView::of(object, &Config::default()).expect("a pod");
        let account = pod_account(&pod);
        (
            account.name.to_string(),
            account.written_at.map(Pointer::into_string),
        )
    }

    #[test]
    fn pod_account_follows_the_api_server() {
        let at = |key: &str| Some(format!("/spec/{key}"));
        assert_eq!(account_of("{containers: []}"), ("default".into(), None));
        assert_eq!(
            account_of("{serviceAccountName: app}"),
            ("app".into(), at("serviceAccountName"))
        );
        assert_eq!(
            account_of("{serviceAccount: old}"),
            ("old".into(), at("serviceAccount"))
        );
        // serviceAccountName wins over the deprecated field; an empty one gives way to it.
        assert_eq!(
            account_of("{serviceAccountName: new, serviceAccount: old}"),
            ("new".into(), at("serviceAccountName"))
        );
        assert_eq!(
            account_of("{serviceAccountName: '', serviceAccount: old}"),
            ("old".into(), at("serviceAccount"))
        );
        assert_eq!(
            account_of("{serviceAccountName: ''}"),
            ("default".into(), at("serviceAccountName"))
        );
        // Null is absent; a wrong type names no account.
        assert_eq!(
            account_of("{serviceAccountName: null}"),
            ("default".into(), None)
        );
        assert_eq!(
            account_of("{serviceAccountName: 42}"),
            ("default".into(), at("serviceAccountName"))
        );
        assert_eq!(
            account_of("{serviceAccountName: [a]}"),
            ("default".into(), at("serviceAccountName"))
        );
        assert_eq!(
            account_of("{serviceAccountName: ünïcødé}"),
            ("ünïcødé".into(), at("serviceAccountName"))
        );
        let long = "a".repeat(100_000);
        assert_eq!(
            account_of(&format!("{{serviceAccountName: {long}}}")).0,
            long
        );
    }

    #[test]
    fn namespaces_may_match_when_one_is_unknown() {
        assert!(may_share_namespace(Some("a"), Some("a")));
        assert!(!may_share_namespace(Some("a"), Some("b")));
        assert!(may_share_namespace(None, Some("b")));
        assert!(may_share_namespace(Some("a"), None));
        assert!(may_share_namespace(None, None));
    }

    #[test]
    fn service_account_lookup_prefers_the_exact_namespace() {
        let inventory = inventory(
            "
apiVersion: v1
kind: ServiceAccount
metadata: {name: app}
automountServiceAccountToken: true
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app, namespace: shop}
automountServiceAccountToken: false
---
apiVersion: example.com/v1
kind: ServiceAccount
metadata: {name: other, namespace: shop}
",
        );
        let found = |name: &str, namespace: Option<&str>| {
            find_service_account(&inventory, name, namespace)
                .map(|account| account.namespace.clone())
        };
        assert_eq!(found("app", Some("shop")), Some(Some("shop".into())));
        assert_eq!(found("app", Some("elsewhere")), Some(None));
        assert_eq!(found("app", None), Some(None));
        assert_eq!(found("other", Some("shop")), None, "not the core group");
        assert_eq!(found("missing", Some("shop")), None);
        let index = AccountIndex::default();
        for (name, namespace) in [
            ("app", Some("shop")),
            ("app", Some("elsewhere")),
            ("app", None),
            ("other", Some("shop")),
            ("missing", None),
        ] {
            assert_eq!(
                index
                    .service_account(&inventory, name, namespace)
                    .map(|a| a.namespace.clone()),
                found(name, namespace),
                "{name} {namespace:?}"
            );
        }
    }

    #[test]
    fn binding_subjects_default_to_the_role_binding_namespace() {
        let inventory = inventory(
            "
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: local, namespace: shop}
subjects:
  - {kind: ServiceAccount, name: app}
  - {kind: User, name: app}
  - {kind: ServiceAccount, name: ''}
  - not-a-subject
  - {kind: ServiceAccount, name: 7}
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: global}
subjects: {kind: ServiceAccount, name: wrong-shape, namespace: shop}
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: agent}
subjects: [{kind: ServiceAccount, name: agent, namespace: ops}]
roleRef: {kind: ClusterRole, name: view, apiGroup: rbac.authorization.k8s.io}
",
        );
        let local = &inventory.objects()[0];
        let subjects: Vec<(usize, &str, Option<&str>)> = account_subjects(local)
            .map(|s| (s.index, s.name, s.namespace))
            .collect();
        assert_eq!(subjects, vec![(0, "app", Some("shop"))]);
        assert_eq!(account_subjects(&inventory.objects()[1]).count(), 0);

        let bound = |name: &str, namespace: Option<&str>| {
            first_binding_of(&inventory, name, namespace).map(|b| b.name.clone())
        };
        assert_eq!(bound("app", Some("shop")), Some("local".into()));
        assert_eq!(bound("app", Some("other")), None);
        assert_eq!(bound("app", None), Some("local".into()));
        assert_eq!(bound("agent", Some("ops")), Some("agent".into()));
        assert_eq!(bound("agent", Some("shop")), None);
        assert_eq!(bound("wrong-shape", Some("shop")), None);
        let index = AccountIndex::default();
        for (name, namespace) in [
            ("app", Some("shop")),
            ("app", Some("other")),
            ("app", None),
            ("agent", Some("ops")),
            ("agent", Some("shop")),
            ("wrong-shape", Some("shop")),
        ] {
            assert_eq!(
                index
                    .first_binding_of(&inventory, name, namespace)
                    .map(|b| b.name.clone()),
                bound(name, namespace),
                "{name} {namespace:?}"
            );
        }
    }
}
