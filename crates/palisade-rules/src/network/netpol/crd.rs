//! Calico and Cilium policies: which pods they select and for which direction, so that they
//! count for coverage. Their reachability is not computed (their rules have orders, deny
//! actions, entities, FQDNs and L7 parts that Kubernetes NetworkPolicy does not have).

use palisade_model::{Inventory, Node, Object, Pointer};

use super::calico_selector::{self, Expr};
use super::labels::{Labels, Requirement, Selector};
use super::model::{Cluster, NamespaceId, WorkloadId, field, namespace_of};

/// The kinds palisade reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrdKind {
    /// `projectcalico.org/v3` or `crd.projectcalico.org/v1` NetworkPolicy (namespaced).
    CalicoNetworkPolicy,
    /// `projectcalico.org/v3` or `crd.projectcalico.org/v1` GlobalNetworkPolicy.
    CalicoGlobalNetworkPolicy,
    /// `cilium.io/v2` CiliumNetworkPolicy (namespaced).
    CiliumNetworkPolicy,
    /// `cilium.io/v2` CiliumClusterwideNetworkPolicy.
    CiliumClusterwideNetworkPolicy,
}

impl CrdKind {
    fn of(object: &Object) -> Option<CrdKind> {
        let group = object.group();
        let calico = matches!(group, "projectcalico.org" | "crd.projectcalico.org");
        match object.kind.as_str() {
            "NetworkPolicy" if calico => Some(CrdKind::CalicoNetworkPolicy),
            "GlobalNetworkPolicy" if calico => Some(CrdKind::CalicoGlobalNetworkPolicy),
            "CiliumNetworkPolicy" if group == "cilium.io" => Some(CrdKind::CiliumNetworkPolicy),
            "CiliumClusterwideNetworkPolicy" if group == "cilium.io" => {
                Some(CrdKind::CiliumClusterwideNetworkPolicy)
            }
            _ => None,
        }
    }

    fn namespaced(self) -> bool {
        matches!(
            self,
            CrdKind::CalicoNetworkPolicy | CrdKind::CiliumNetworkPolicy
        )
    }
}

/// A Calico or Cilium policy, as far as coverage goes.
#[derive(Debug)]
pub struct CrdPolicy<'i> {
    pub object: &'i Object,
    pub kind: CrdKind,
    /// The workloads it selects for ingress, and for egress (hostNetwork ones excluded).
    pub ingress: Vec<WorkloadId>,
    pub egress: Vec<WorkloadId>,
    /// The namespaces all of whose pods, present and future, it isolates for ingress, and for
    /// egress: a namespace-wide default for that direction.
    pub whole_namespaces_ingress: Vec<NamespaceId>,
    pub whole_namespaces_egress: Vec<NamespaceId>,
}

/// How a policy picks pods: evaluated against a pod's labels and namespace.
enum PodPicker {
    Calico {
        selector: Expr,
        namespaces: Option<Expr>,
        service_accounts: Option<Expr>,
    },
    Cilium(Selector),
}

/// Labels Calico gives every workload endpoint besides the pod's own.
const CALICO_NAMESPACE: &str = "projectcalico.org/namespace";
const CALICO_ORCHESTRATOR: &str = "projectcalico.org/orchestrator";
const CALICO_SERVICE_ACCOUNT: &str = "projectcalico.org/serviceaccount";
const CALICO_NAME: &str = "projectcalico.org/name";
const CALICO_NAMESPACE_LABEL_PREFIX: &str = "pcns.";

/// Labels Cilium gives every endpoint besides the pod's own.
const CILIUM_NAMESPACE: &str = "io.kubernetes.pod.namespace";
const CILIUM_NAMESPACE_LABEL_PREFIX: &str = "io.cilium.k8s.namespace.labels.";
const CILIUM_SERVICE_ACCOUNT: &str = "io.cilium.k8s.policy.serviceaccount";

pub(crate) fn add_crd_policies<'i>(cluster: &mut Cluster<'i>, inventory: &'i Inventory) {
    for kind in [
        "NetworkPolicy",
        "GlobalNetworkPolicy",
        "CiliumNetworkPolicy",
        "CiliumClusterwideNetworkPolicy",
    ] {
        for object in inventory.of_kind(kind) {
            if let Some(crd_kind) = CrdKind::of(object) {
                add(cluster, object, crd_kind);
            }
        }
    }
}

fn add<'i>(cluster: &mut Cluster<'i>, object: &'i Object, kind: CrdKind) {
    let empty = Node::null();
    let spec_node = field(&object.root, "spec");
    // A Cilium policy may hold one rule in `spec` and more in `specs`.
    let mut specs: Vec<(&Node, Pointer)> = Vec::new();
    if let Some(spec) = spec_node {
        specs.push((spec, Pointer::root().key("spec")));
    }
    if matches!(
        kind,
        CrdKind::CiliumNetworkPolicy | CrdKind::CiliumClusterwideNetworkPolicy
    ) {
        for (i, spec) in field(&object.root, "specs")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            specs.push((spec, Pointer::root().key("specs").index(i)));
        }
    }
    if specs.is_empty() {
        specs.push((empty, Pointer::root().key("spec")));
    }
    let own_namespace = kind
        .namespaced()
        .then(|| cluster.namespace_named(namespace_of(object)))
        .flatten();
    let mut policy = CrdPolicy {
        object,
        kind,
        ingress: Vec::new(),
        egress: Vec::new(),
        whole_namespaces_ingress: Vec::new(),
        whole_namespaces_egress: Vec::new(),
    };
    for (spec, path) in specs {
        let Some((picker, ingress, egress)) = read_spec(cluster, object, kind, spec, &path) else {
            continue;
        };
        if !ingress && !egress {
            continue;
        }
        let candidates: Vec<WorkloadId> = (0..cluster.workloads.len())
            .filter(|&w| {
                let workload = &cluster.workloads[w];
                !workload.host_network
                    && (!kind.namespaced() || Some(workload.namespace) == own_namespace)
            })
            .collect();
        for w in candidates {
            if picks(cluster, &picker, w) {
                if ingress {
                    policy.ingress.push(w);
                }
                if egress {
                    policy.egress.push(w);
                }
            }
        }
        let namespaces: Vec<NamespaceId> = match own_namespace {
            Some(id) => vec![id],
            None if kind.namespaced() => Vec::new(),
            None => (0..cluster.namespaces.len()).collect(),
        };
        for namespace in namespaces {
            if picks_whole_namespace(cluster, &picker, namespace) {
                if ingress {
                    policy.whole_namespaces_ingress.push(namespace);
                }
                if egress {
                    policy.whole_namespaces_egress.push(namespace);
                }
            }
        }
    }
    for list in [
        &mut policy.ingress,
        &mut policy.egress,
        &mut policy.whole_namespaces_ingress,
        &mut policy.whole_namespaces_egress,
    ] {
        list.sort_unstable();
        list.dedup();
    }
    let id = cluster.crd_policies.len();
    for &w in &policy.ingress {
        cluster.workloads[w].crd_ingress.push(id);
    }
    for &w in &policy.egress {
        cluster.workloads[w].crd_egress.push(id);
    }
    cluster.crd_policies.push(policy);
}

/// The picker and the directions a spec isolates; `None` when the spec selects no pods
/// (a host policy, an invalid selector, a pre-DNAT or untracked Calico policy).
fn read_spec<'i>(
    cluster: &mut Cluster<'i>,
    object: &'i Object,
    kind: CrdKind,
    spec: &Node,
    path: &Pointer,
) -> Option<(PodPicker, bool, bool)> {
    let has_rules = |key: &str| field(spec, key).is_some_and(|n| !n.items().is_empty());
    match kind {
        CrdKind::CalicoNetworkPolicy | CrdKind::CalicoGlobalNetworkPolicy => {
            // Pre-DNAT and untracked policies apply to host endpoints only.
            if field(spec, "preDNAT").and_then(Node::as_bool) == Some(true)
                || field(spec, "doNotTrack").and_then(Node::as_bool) == Some(true)
            {
                return None;
            }
            let mut parse = |key: &str| -> Result<Option<Expr>, ()> {
                match field(spec, key).map(|n| n.as_str().unwrap_or("\u{0}")) {
                    None => Ok(None),
                    Some(text) => calico_selector::parse(text).map(Some).map_err(|message| {
                        cluster.problems.push(super::model::Problem {
                            object,
                            path: path.key(key),
                            message: format!(
                                "invalid Calico {key} ({message}); the policy selects nothing"
                            ),
                        });
                    }),
                }
            };
            let selector = parse("selector").ok()?.unwrap_or(Expr::All);
            let namespaces = match kind {
                CrdKind::CalicoGlobalNetworkPolicy => parse("namespaceSelector").ok()?,
                _ => None,
            };
            let service_accounts = parse("serviceAccountSelector").ok()?;
            // Calico's default for `types`: Ingress, unless the policy has only egress rules.
            let (ingress, egress) = match field(spec, "types") {
                Some(types) => {
                    let listed =
                        |name: &str| types.items().iter().any(|t| t.as_str() == Some(name));
                    (listed("Ingress"), listed("Egress"))
                }
                None => {
                    let (ingress_rules, egress_rules) = (has_rules("ingress"), has_rules("egress"));
                    (ingress_rules || !egress_rules, egress_rules)
                }
            };
            Some((
                PodPicker::Calico {
                    selector,
                    namespaces,
                    service_accounts,
                },
                ingress,
                egress,
            ))
        }
        CrdKind::CiliumNetworkPolicy | CrdKind::CiliumClusterwideNetworkPolicy => {
            let selector_node = field(spec, "endpointSelector")?;
            let selector = match Selector::parse(selector_node) {
                Ok(selector) => cilium_selector(selector),
                Err(message) => {
                    cluster.problems.push(super::model::Problem {
                        object,
                        path: path.key("endpointSelector"),
                        message: format!(
                            "invalid endpointSelector ({message}); the policy selects nothing"
                        ),
                    });
                    return None;
                }
            };
            let default_deny = |direction: &str| {
                field(spec, "enableDefaultDeny")
                    .and_then(|n| field(n, direction))
                    .and_then(Node::as_bool)
                    != Some(false)
            };
            let ingress =
                (has_rules("ingress") || has_rules("ingressDeny")) && default_deny("ingress");
            let egress = (has_rules("egress") || has_rules("egressDeny")) && default_deny("egress");
            Some((PodPicker::Cilium(selector), ingress, egress))
        }
    }
}

/// Cilium label keys may carry a source (`k8s:app`, `any:app`); pod labels come from `k8s`.
fn cilium_selector(selector: Selector) -> Selector {
    let strip = |key: &str| -> String {
        key.strip_prefix("k8s:")
            .or_else(|| key.strip_prefix("any:"))
            .unwrap_or(key)
            .to_string()
    };
    Selector {
        requirements: selector
            .requirements
            .into_iter()
            .map(|r| match r {
                Requirement::In(k, v) => Requirement::In(strip(&k), v),
                Requirement::NotIn(k, v) => Requirement::NotIn(strip(&k), v),
                Requirement::Exists(k) => Requirement::Exists(strip(&k)),
                Requirement::DoesNotExist(k) => Requirement::DoesNotExist(strip(&k)),
            })
            .collect(),
    }
}

/// The labels a policy engine sees on a pod of `namespace` with `pod_labels`.
fn endpoint_labels(
    cluster: &Cluster,
    picker: &PodPicker,
    namespace: NamespaceId,
    pod_labels: &Labels,
    account: &str,
) -> Labels {
    let mut labels = pod_labels.clone();
    let ns = &cluster.namespaces[namespace];
    match picker {
        PodPicker::Calico { .. } => {
            labels.insert(CALICO_NAMESPACE.into(), ns.name.clone());
            labels.insert(CALICO_ORCHESTRATOR.into(), "k8s".into());
            labels.insert(CALICO_SERVICE_ACCOUNT.into(), account.into());
            for (key, value) in ns.labels.iter() {
                labels.insert(
                    format!("{CALICO_NAMESPACE_LABEL_PREFIX}{key}"),
                    value.into(),
                );
            }
        }
        PodPicker::Cilium(_) => {
            labels.insert(CILIUM_NAMESPACE.into(), ns.name.clone());
            labels.insert(CILIUM_SERVICE_ACCOUNT.into(), account.into());
            for (key, value) in ns.labels.iter() {
                labels.insert(
                    format!("{CILIUM_NAMESPACE_LABEL_PREFIX}{key}"),
                    value.into(),
                );
            }
        }
    }
    labels
}

fn picks_labels(
    cluster: &Cluster,
    picker: &PodPicker,
    namespace: NamespaceId,
    labels: &Labels,
    account: &str,
) -> bool {
    match picker {
        PodPicker::Calico {
            selector,
            namespaces,
            service_accounts,
        } => {
            let lookup = |key: &str| labels.get(key);
            let ns = &cluster.namespaces[namespace];
            let namespace_lookup = |key: &str| {
                if key == CALICO_NAME {
                    Some(ns.name.as_str())
                } else {
                    ns.labels.get(key)
                }
            };
            let account_lookup = |key: &str| (key == CALICO_NAME).then_some(account);
            selector.matches(&lookup)
                && namespaces
                    .as_ref()
                    .is_none_or(|e| e.matches(&namespace_lookup))
                && service_accounts
                    .as_ref()
                    .is_none_or(|e| e.matches(&account_lookup))
        }
        PodPicker::Cilium(selector) => selector.matches(labels),
    }
}

fn picks(cluster: &Cluster, picker: &PodPicker, workload: WorkloadId) -> bool {
    let w = &cluster.workloads[workload];
    let account = w.service_account.as_str();
    let labels = endpoint_labels(cluster, picker, w.namespace, &w.labels, account);
    picks_labels(cluster, picker, w.namespace, &labels, account)
}

/// Whether the picker selects every pod of the namespace whatever its labels: it reads no
/// pod label (only the namespace's) and selects a pod without labels there.
fn picks_whole_namespace(cluster: &Cluster, picker: &PodPicker, namespace: NamespaceId) -> bool {
    let namespace_key = |key: &str| match picker {
        PodPicker::Calico { .. } => {
            key == CALICO_NAMESPACE
                || key == CALICO_ORCHESTRATOR
                || key.starts_with(CALICO_NAMESPACE_LABEL_PREFIX)
        }
        PodPicker::Cilium(_) => {
            key == CILIUM_NAMESPACE || key.starts_with(CILIUM_NAMESPACE_LABEL_PREFIX)
        }
    };
    let reads_pod_labels = match picker {
        PodPicker::Calico {
            selector,
            service_accounts,
            ..
        } => {
            selector.keys().into_iter().any(|k| !namespace_key(k))
                || service_accounts.as_ref().is_some_and(|e| *e != Expr::All)
        }
        PodPicker::Cilium(selector) => selector
            .requirements
            .iter()
            .any(|r| !namespace_key(r.key())),
    };
    if reads_pod_labels {
        return false;
    }
    let labels = endpoint_labels(cluster, picker, namespace, &Labels::default(), "default");
    picks_labels(cluster, picker, namespace, &labels, "default")
}
