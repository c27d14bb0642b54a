//! The cluster as NetworkPolicy sees it: namespaces with their labels, workloads with their pod
//! labels and container ports, and the policies, parsed once and indexed by namespace and label.

use std::collections::HashMap;

use palisade_model::{Inventory, Node, Object, Pointer};

use super::crd::{self, CrdPolicy};
use super::ipblock::{IpBlock, IpRange, parse_cidr};
use super::labels::{Labels, Requirement, Selector};
use super::ports::Protocol;
use crate::config::Config;
use crate::pod::{ContainerKind, PodView};

pub type NamespaceId = usize;
pub type WorkloadId = usize;
pub type PolicyId = usize;

/// The label the API server puts on every namespace (Kubernetes 1.21+), with its name.
pub const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";

/// The namespace of an object written without one: where `kubectl apply` puts it.
pub const DEFAULT_NAMESPACE: &str = "default";

/// A namespace: one of the input, or one that a workload or policy names.
#[derive(Debug)]
pub struct Namespace<'i> {
    pub name: String,
    /// Its labels, with `kubernetes.io/metadata.name` set to its name as the API server sets
    /// it (overriding whatever the manifest says).
    pub labels: Labels,
    pub object: Option<&'i Object>,
}

/// A port a container declares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub number: u16,
    pub protocol: Protocol,
}

/// Anything that runs pods: Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
/// ReplicationController, Job, CronJob and configured custom kinds (a PodTemplate runs none).
#[derive(Debug)]
pub struct Workload<'i> {
    pub object: &'i Object,
    pub namespace: NamespaceId,
    /// The labels of its pods (of the pod template for a controller).
    pub labels: Labels,
    pub ports: Vec<ContainerPort>,
    /// `hostNetwork: true` (with [`HostNetwork::Node`]): NetworkPolicy does not apply to these
    /// pods (see the module docs).
    pub host_network: bool,
    /// The ServiceAccount its pods run as (Calico and Cilium policies may select on it).
    pub service_account: String,
    /// The pod template's `metadata` (where the labels policies select on live).
    pub metadata_path: Pointer,
    /// Policies that select the pods and isolate them for ingress, and for egress.
    pub ingress_policies: Vec<PolicyId>,
    pub egress_policies: Vec<PolicyId>,
    /// Calico and Cilium policies that select the pods for ingress, and for egress
    /// (indexes into [`Cluster::crd_policies`]).
    pub crd_ingress: Vec<usize>,
    pub crd_egress: Vec<usize>,
}

impl Workload<'_> {
    /// `shop/web`, as the CLI names workloads.
    pub fn display_name(&self, cluster: &Cluster) -> String {
        format!(
            "{}/{}",
            cluster.namespaces[self.namespace].name, self.object.name
        )
    }

    pub fn ingress_covered(&self) -> bool {
        !self.ingress_policies.is_empty() || !self.crd_ingress.is_empty()
    }

    pub fn egress_covered(&self) -> bool {
        !self.egress_policies.is_empty() || !self.crd_egress.is_empty()
    }
}

/// Which pods a selector peer may pick from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NamespaceScope {
    /// No `namespaceSelector`: the policy's own namespace.
    Own,
    /// The namespaces the `namespaceSelector` selects (computed once, sorted).
    Selected(Selector, Vec<NamespaceId>),
}

/// One element of a rule's `from` or `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Peer {
    /// `podSelector` and/or `namespaceSelector` (both in one element: AND).
    Pods {
        namespaces: NamespaceScope,
        /// `None`: every pod of those namespaces.
        pods: Option<Selector>,
    },
    IpBlock(IpBlock),
    /// An element the API server would reject; it matches nothing.
    Invalid(String),
}

/// One element of a rule's `ports`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortMatch {
    /// No `port`: every port of the protocol.
    Any(Protocol),
    /// A number, or `port` to `endPort`.
    Range(Protocol, u16, u16),
    /// A named port: the destination pod's container port of that name and protocol.
    Named(Protocol, String),
    /// An element the API server would reject; it matches nothing.
    Invalid(String),
}

/// One ingress or egress rule.
#[derive(Clone, Debug)]
pub struct PolicyRule {
    /// Its index in `spec.ingress` or `spec.egress`.
    pub index: usize,
    /// `None` when `from`/`to` is absent or empty: every peer, in the cluster or not.
    pub peers: Option<Vec<Peer>>,
    /// `None` when `ports` is absent or empty: every port and protocol.
    pub ports: Option<Vec<PortMatch>>,
}

/// A Kubernetes NetworkPolicy (`networking.k8s.io/v1`).
#[derive(Debug)]
pub struct Policy<'i> {
    pub object: &'i Object,
    pub namespace: NamespaceId,
    /// `spec.podSelector`; `None` when it is invalid (it then selects nothing).
    pub pod_selector: Option<Selector>,
    /// Whether the policy isolates the pods it selects for ingress, and for egress
    /// (`policyTypes`, or its default: Ingress, plus Egress when there are egress rules).
    pub ingress_type: bool,
    pub egress_type: bool,
    /// Whether `policyTypes` is written (else the types are the default).
    pub types_written: bool,
    pub ingress: Vec<PolicyRule>,
    pub egress: Vec<PolicyRule>,
    /// The workloads it selects (not counting hostNetwork ones, which it cannot isolate).
    pub selected: Vec<WorkloadId>,
}

impl Policy<'_> {
    /// `shop/default-deny`, for messages.
    pub fn display_name(&self) -> String {
        format!(
            "{}/{}",
            self.object
                .namespace
                .as_deref()
                .unwrap_or(DEFAULT_NAMESPACE),
            self.object.name
        )
    }

    /// The rules of one direction, when the policy isolates that direction.
    pub fn rules(&self, direction: Direction) -> &[PolicyRule] {
        match direction {
            Direction::Ingress if self.ingress_type => &self.ingress,
            Direction::Egress if self.egress_type => &self.egress,
            _ => &[],
        }
    }

    pub fn isolates(&self, direction: Direction) -> bool {
        match direction {
            Direction::Ingress => self.ingress_type,
            Direction::Egress => self.egress_type,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }

    /// `spec.ingress` or `spec.egress`.
    pub fn field(self) -> &'static str {
        self.as_str()
    }

    /// `from` or `to`.
    pub fn peers_field(self) -> &'static str {
        match self {
            Direction::Ingress => "from",
            Direction::Egress => "to",
        }
    }
}

/// A problem in a policy that the API server would reject; palisade reads the rest and lets
/// the broken part match nothing.
#[derive(Clone, Debug)]
pub struct Problem<'i> {
    pub object: &'i Object,
    pub path: Pointer,
    pub message: String,
}

/// Pods of one namespace by label, so that a selector is answered from the workloads that can
/// match it rather than from all of them.
#[derive(Debug, Default)]
struct NamespaceIndex {
    workloads: Vec<WorkloadId>,
    by_label: HashMap<String, HashMap<String, Vec<WorkloadId>>>,
}

/// How to treat pods with `hostNetwork: true`, which Kubernetes leaves to the network plugin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum HostNetwork {
    /// The common case the Kubernetes documentation describes: their traffic is the node's,
    /// no policy isolates them and no pod or namespace selector matches them.
    #[default]
    Node,
    /// Like any other pod (plugins that tell their traffic apart; netpol-analyzer's model).
    Pod,
}

/// Choices the analysis leaves to the caller.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub host_network: HostNetwork,
}

/// Everything NetworkPolicy analysis needs, built once from an inventory.
#[derive(Debug)]
pub struct Cluster<'i> {
    pub namespaces: Vec<Namespace<'i>>,
    pub workloads: Vec<Workload<'i>>,
    pub policies: Vec<Policy<'i>>,
    /// Calico and Cilium policies, which count for coverage only.
    pub crd_policies: Vec<CrdPolicy<'i>>,
    pub problems: Vec<Problem<'i>>,
    namespace_ids: HashMap<String, NamespaceId>,
    index: Vec<NamespaceIndex>,
}

/// Whether an object is a Kubernetes NetworkPolicy (not Calico's kind of the same name).
pub fn is_network_policy(object: &Object) -> bool {
    object.kind == "NetworkPolicy" && matches!(object.group(), "networking.k8s.io" | "extensions")
}

/// The namespace an object lands in.
pub fn namespace_of(object: &Object) -> &str {
    object.namespace.as_deref().unwrap_or(DEFAULT_NAMESPACE)
}

/// The value under `key`, with an explicit `null` read as absent (Go's JSON decoding).
pub(crate) fn field<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    node.get(key).filter(|value| !value.is_null())
}

impl<'i> Cluster<'i> {
    pub fn build(inventory: &'i Inventory, config: &Config) -> Cluster<'i> {
        Cluster::build_with(inventory, config, Options::default())
    }

    pub fn build_with(inventory: &'i Inventory, config: &Config, options: Options) -> Cluster<'i> {
        let mut cluster = Cluster {
            namespaces: Vec::new(),
            workloads: Vec::new(),
            policies: Vec::new(),
            crd_policies: Vec::new(),
            problems: Vec::new(),
            namespace_ids: HashMap::new(),
            index: Vec::new(),
        };
        for object in inventory.of_kind("Namespace") {
            if object.group().is_empty() && !object.name.is_empty() {
                let id = cluster.namespace_id(&object.name);
                let mut labels = Labels::from_node(object.labels());
                labels.insert(NAMESPACE_NAME_LABEL.into(), object.name.clone());
                let namespace = &mut cluster.namespaces[id];
                namespace.labels = labels;
                namespace.object = Some(object);
            }
        }
        for object in inventory.objects() {
            if object.kind == "PodTemplate" || object.is_dockerfile() {
                continue;
            }
            if let Some(pod) = PodView::of(object, config) {
                cluster.add_workload(object, &pod, options.host_network);
            }
        }
        let policy_objects: Vec<&Object> = inventory
            .of_kind("NetworkPolicy")
            .filter(|object| is_network_policy(object))
            .collect();
        // Namespaces first: a namespaceSelector is resolved against all of them.
        for object in &policy_objects {
            cluster.namespace_id(namespace_of(object));
        }
        cluster.index_workloads();
        for object in policy_objects {
            cluster.add_policy(object);
        }
        cluster.select();
        crd::add_crd_policies(&mut cluster, inventory);
        cluster
    }

    pub fn namespace_named(&self, name: &str) -> Option<NamespaceId> {
        self.namespace_ids.get(name).copied()
    }

    fn namespace_id(&mut self, name: &str) -> NamespaceId {
        if let Some(&id) = self.namespace_ids.get(name) {
            return id;
        }
        let id = self.namespaces.len();
        self.namespaces.push(Namespace {
            name: name.to_string(),
            labels: Labels::from_pairs([(NAMESPACE_NAME_LABEL, name)]),
            object: None,
        });
        self.namespace_ids.insert(name.to_string(), id);
        id
    }

    fn add_workload(&mut self, object: &'i Object, pod: &PodView<'i>, mode: HostNetwork) {
        let namespace = self.namespace_id(namespace_of(object));
        let labels = Labels::from_node(pod.metadata.and_then(|m| m.get("labels")));
        let host_network = mode == HostNetwork::Node
            && field(pod.spec, "hostNetwork").and_then(Node::as_bool) == Some(true);
        let mut ports = Vec::new();
        for container in pod.containers() {
            let sidecar = container.kind == ContainerKind::Init
                && field(container.node, "restartPolicy").and_then(Node::as_str) == Some("Always");
            if container.kind != ContainerKind::Regular && !sidecar {
                continue;
            }
            for entry in container.node.get("ports").map(Node::items).unwrap_or(&[]) {
                let Some(number) = field(entry, "containerPort")
                    .and_then(Node::as_i64)
                    .and_then(|n| u16::try_from(n).ok())
                    .filter(|n| *n > 0)
                else {
                    continue;
                };
                let protocol = match field(entry, "protocol") {
                    None => Protocol::Tcp,
                    Some(node) => match node.as_str().and_then(Protocol::parse) {
                        Some(protocol) => protocol,
                        None => continue,
                    },
                };
                let name = field(entry, "name")
                    .and_then(Node::as_str)
                    .filter(|name| !name.is_empty())
                    .map(str::to_string);
                ports.push(ContainerPort {
                    name,
                    number,
                    protocol,
                });
            }
        }
        let service_account = ["serviceAccountName", "serviceAccount"]
            .into_iter()
            .filter_map(|key| field(pod.spec, key).and_then(Node::as_str))
            .find(|name| !name.is_empty())
            .unwrap_or("default")
            .to_string();
        self.workloads.push(Workload {
            object,
            namespace,
            labels,
            ports,
            host_network,
            service_account,
            metadata_path: pod.metadata_path.clone(),
            ingress_policies: Vec::new(),
            egress_policies: Vec::new(),
            crd_ingress: Vec::new(),
            crd_egress: Vec::new(),
        });
    }

    fn index_workloads(&mut self) {
        self.index = (0..self.namespaces.len())
            .map(|_| NamespaceIndex::default())
            .collect();
        for (id, workload) in self.workloads.iter().enumerate() {
            let index = &mut self.index[workload.namespace];
            index.workloads.push(id);
            for (key, value) in workload.labels.iter() {
                index
                    .by_label
                    .entry(key.to_string())
                    .or_default()
                    .entry(value.to_string())
                    .or_default()
                    .push(id);
            }
        }
    }

    /// The workloads of a namespace whose pod labels the selector matches (hostNetwork ones
    /// included), in input order.
    pub fn select_in(&self, namespace: NamespaceId, selector: &Selector) -> Vec<WorkloadId> {
        let Some(index) = self.index.get(namespace) else {
            return Vec::new();
        };
        // Start from the smallest list a requirement narrows the namespace to.
        let mut candidates: Option<Vec<WorkloadId>> = None;
        for requirement in &selector.requirements {
            let narrowed: Option<Vec<WorkloadId>> = match requirement {
                Requirement::In(key, values) => {
                    let by_value = index.by_label.get(key);
                    let mut ids: Vec<WorkloadId> = values
                        .iter()
                        .filter_map(|value| by_value.and_then(|m| m.get(value)))
                        .flatten()
                        .copied()
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    Some(ids)
                }
                Requirement::Exists(key) => {
                    let mut ids: Vec<WorkloadId> = index
                        .by_label
                        .get(key)
                        .map(|m| m.values().flatten().copied().collect())
                        .unwrap_or_default();
                    ids.sort_unstable();
                    Some(ids)
                }
                Requirement::NotIn(..) | Requirement::DoesNotExist(_) => None,
            };
            if let Some(narrowed) = narrowed
                && candidates.as_ref().is_none_or(|c| narrowed.len() < c.len())
            {
                candidates = Some(narrowed);
            }
        }
        let candidates = candidates.unwrap_or_else(|| index.workloads.clone());
        candidates
            .into_iter()
            .filter(|&id| selector.matches(&self.workloads[id].labels))
            .collect()
    }

    /// The namespaces whose labels the selector matches.
    pub fn select_namespaces(&self, selector: &Selector) -> Vec<NamespaceId> {
        (0..self.namespaces.len())
            .filter(|&id| selector.matches(&self.namespaces[id].labels))
            .collect()
    }

    fn problem(&mut self, object: &'i Object, path: Pointer, message: impl Into<String>) {
        self.problems.push(Problem {
            object,
            path,
            message: message.into(),
        });
    }

    fn add_policy(&mut self, object: &'i Object) {
        let namespace = self.namespace_id(namespace_of(object));
        let spec_path = Pointer::root().key("spec");
        let empty = Node::null();
        let spec = field(&object.root, "spec").unwrap_or(empty);
        // podSelector is not a pointer in the API: absent reads as `{}`, every pod.
        let pod_selector = match field(spec, "podSelector") {
            None => Some(Selector::everything()),
            Some(node) => match Selector::parse(node) {
                Ok(selector) => Some(selector),
                Err(message) => {
                    self.problem(
                        object,
                        spec_path.key("podSelector"),
                        format!("invalid podSelector ({message}); the policy selects nothing"),
                    );
                    None
                }
            },
        };
        let ingress = self.parse_rules(object, spec, namespace, Direction::Ingress);
        let egress = self.parse_rules(object, spec, namespace, Direction::Egress);
        let types = field(spec, "policyTypes");
        let written: Vec<&str> = types
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::as_str)
            .collect();
        if let Some(types) = types
            && (!types.is_seq()
                || types
                    .items()
                    .iter()
                    .any(|t| !matches!(t.as_str(), Some("Ingress" | "Egress"))))
        {
            self.problem(
                object,
                spec_path.key("policyTypes"),
                "policyTypes may only list Ingress and Egress",
            );
        }
        let types_written = !written.is_empty();
        let (ingress_type, egress_type) = if types_written {
            (written.contains(&"Ingress"), written.contains(&"Egress"))
        } else {
            // The API server's default: Ingress, and Egress when the policy has egress rules.
            let has_egress_rules = field(spec, "egress").is_some_and(|n| !n.items().is_empty());
            (true, has_egress_rules)
        };
        self.policies.push(Policy {
            object,
            namespace,
            pod_selector,
            ingress_type,
            egress_type,
            types_written,
            ingress,
            egress,
            selected: Vec::new(),
        });
    }

    fn parse_rules(
        &mut self,
        object: &'i Object,
        spec: &'i Node,
        namespace: NamespaceId,
        direction: Direction,
    ) -> Vec<PolicyRule> {
        let path = Pointer::root().key("spec").key(direction.field());
        let Some(list) = field(spec, direction.field()) else {
            return Vec::new();
        };
        if !list.is_seq() {
            self.problem(
                object,
                path,
                format!("spec.{} must be a list of rules", direction.field()),
            );
            return Vec::new();
        }
        let mut rules = Vec::new();
        for (index, rule) in list.items().iter().enumerate() {
            let rule_path = path.index(index);
            let peers = match field(rule, direction.peers_field()) {
                Some(node) if node.is_seq() && !node.items().is_empty() => Some(
                    node.items()
                        .iter()
                        .enumerate()
                        .map(|(i, peer)| {
                            let peer_path = rule_path.key(direction.peers_field()).index(i);
                            self.parse_peer(object, peer, &peer_path, namespace)
                        })
                        .collect(),
                ),
                Some(node) if !node.is_seq() => {
                    self.problem(
                        object,
                        rule_path.key(direction.peers_field()),
                        format!("{} must be a list of peers", direction.peers_field()),
                    );
                    Some(Vec::new())
                }
                _ => None,
            };
            let ports = match field(rule, "ports") {
                Some(node) if node.is_seq() && !node.items().is_empty() => Some(
                    node.items()
                        .iter()
                        .enumerate()
                        .map(|(i, port)| {
                            let port_path = rule_path.key("ports").index(i);
                            self.parse_port(object, port, &port_path)
                        })
                        .collect(),
                ),
                Some(node) if !node.is_seq() => {
                    self.problem(object, rule_path.key("ports"), "ports must be a list");
                    Some(Vec::new())
                }
                _ => None,
            };
            rules.push(PolicyRule {
                index,
                peers,
                ports,
            });
        }
        rules
    }

    fn parse_peer(
        &mut self,
        object: &'i Object,
        node: &Node,
        path: &Pointer,
        _namespace: NamespaceId,
    ) -> Peer {
        let invalid = |cluster: &mut Cluster<'i>, at: Pointer, message: String| {
            cluster.problem(object, at, format!("{message}; this peer matches nothing"));
            Peer::Invalid(message)
        };
        if !node.is_map() {
            return invalid(self, path.clone(), "a peer must be a mapping".into());
        }
        let pod_selector = field(node, "podSelector");
        let namespace_selector = field(node, "namespaceSelector");
        let ip_block = field(node, "ipBlock");
        if let Some(block) = ip_block {
            if pod_selector.is_some() || namespace_selector.is_some() {
                return invalid(
                    self,
                    path.clone(),
                    "ipBlock cannot be combined with podSelector or namespaceSelector in one peer"
                        .into(),
                );
            }
            return match parse_ip_block(block) {
                Ok(block) => Peer::IpBlock(block),
                Err(message) => invalid(self, path.key("ipBlock"), message),
            };
        }
        if pod_selector.is_none() && namespace_selector.is_none() {
            return invalid(
                self,
                path.clone(),
                "a peer needs podSelector, namespaceSelector or ipBlock".into(),
            );
        }
        let pods = match pod_selector.map(Selector::parse) {
            None => None,
            Some(Ok(selector)) => Some(selector),
            Some(Err(message)) => {
                return invalid(
                    self,
                    path.key("podSelector"),
                    format!("invalid podSelector ({message})"),
                );
            }
        };
        let namespaces = match namespace_selector.map(Selector::parse) {
            None => NamespaceScope::Own,
            Some(Ok(selector)) => {
                let ids = self.select_namespaces(&selector);
                NamespaceScope::Selected(selector, ids)
            }
            Some(Err(message)) => {
                return invalid(
                    self,
                    path.key("namespaceSelector"),
                    format!("invalid namespaceSelector ({message})"),
                );
            }
        };
        Peer::Pods { namespaces, pods }
    }

    fn parse_port(&mut self, object: &'i Object, node: &Node, path: &Pointer) -> PortMatch {
        let mut invalid = |message: String| {
            self.problem(
                object,
                path.clone(),
                format!("{message}; this port matches nothing"),
            );
            PortMatch::Invalid(message)
        };
        if !node.is_map() {
            return invalid("a port must be a mapping".into());
        }
        let protocol = match field(node, "protocol") {
            None => Protocol::Tcp,
            Some(value) => match value.as_str().and_then(Protocol::parse) {
                Some(protocol) => protocol,
                None => {
                    return invalid(format!("protocol {value} is not TCP, UDP or SCTP"));
                }
            },
        };
        let end_port = field(node, "endPort");
        let Some(port) = field(node, "port") else {
            if end_port.is_some() {
                return invalid("endPort needs a numeric port".into());
            }
            return PortMatch::Any(protocol);
        };
        if let Some(name) = port.as_str() {
            if end_port.is_some() {
                return invalid("endPort cannot be used with a named port".into());
            }
            // A quoted number is a port name to the API server (intstr), and an invalid one.
            if !valid_port_name(name) {
                return invalid(format!(
                    "port {name:?} is not a valid port name (up to 15 lower-case letters, digits and single hyphens, with at least one letter); a number must be written unquoted"
                ));
            }
            return PortMatch::Named(protocol, name.to_string());
        }
        match port.as_i64() {
            Some(number) => numeric_port(number, end_port, protocol).unwrap_or_else(invalid),
            None => invalid(format!("port {port} is neither a number nor a name")),
        }
    }

    /// Decides which policies select which workloads, through the label index.
    fn select(&mut self) {
        for id in 0..self.policies.len() {
            let policy = &self.policies[id];
            let Some(selector) = &policy.pod_selector else {
                continue;
            };
            let selected: Vec<WorkloadId> = self
                .select_in(policy.namespace, selector)
                .into_iter()
                .filter(|&w| !self.workloads[w].host_network)
                .collect();
            let (ingress, egress) = (policy.ingress_type, policy.egress_type);
            for &w in &selected {
                if ingress {
                    self.workloads[w].ingress_policies.push(id);
                }
                if egress {
                    self.workloads[w].egress_policies.push(id);
                }
            }
            self.policies[id].selected = selected;
        }
    }

    /// Finds a workload by `namespace/name`, `namespace/kind/name` or `name` (in `default`).
    /// An error lists the candidates when the name is ambiguous or unknown.
    pub fn find_workload(&self, text: &str) -> Result<WorkloadId, String> {
        let parts: Vec<&str> = text.split('/').collect();
        let (namespace, kind, name) = match parts.as_slice() {
            [name] => (DEFAULT_NAMESPACE, None, *name),
            [namespace, name] => (*namespace, None, *name),
            [namespace, kind, name] => (*namespace, Some(*kind), *name),
            _ => {
                return Err(format!(
                    "{text:?} is not NAMESPACE/NAME or NAMESPACE/KIND/NAME"
                ));
            }
        };
        let matches: Vec<WorkloadId> = self
            .workloads
            .iter()
            .enumerate()
            .filter(|(_, w)| {
                self.namespaces[w.namespace].name == namespace
                    && w.object.name == name
                    && kind.is_none_or(|k| w.object.kind.eq_ignore_ascii_case(k))
            })
            .map(|(id, _)| id)
            .collect();
        match matches.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!(
                "no workload {text:?} in the input (NAMESPACE/NAME of a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job or CronJob)"
            )),
            several => Err(format!(
                "{text:?} is ambiguous: {}; write NAMESPACE/KIND/NAME",
                several
                    .iter()
                    .map(|&id| {
                        let w = &self.workloads[id];
                        format!("{}/{}/{}", namespace, w.object.kind, w.object.name)
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }
}

/// The API server's `IsValidPortName` (an IANA service name): 1 to 15 characters of
/// `a-z`, `0-9` and `-`, at least one letter, no hyphen at either end or next to another.
pub(crate) fn valid_port_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 15
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

fn numeric_port(
    number: i64,
    end_port: Option<&Node>,
    protocol: Protocol,
) -> Result<PortMatch, String> {
    let start = u16::try_from(number)
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("port {number} is outside 1-65535"))?;
    let end = match end_port {
        None => start,
        Some(node) => {
            let end = node
                .as_i64()
                .and_then(|n| u16::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("endPort {node} is outside 1-65535"))?;
            if end < start {
                return Err(format!("endPort {end} is below port {start}"));
            }
            end
        }
    };
    Ok(PortMatch::Range(protocol, start, end))
}

fn parse_ip_block(node: &Node) -> Result<IpBlock, String> {
    let text = field(node, "cidr")
        .and_then(Node::as_str)
        .ok_or("ipBlock needs a cidr")?;
    let cidr = parse_cidr(text).ok_or_else(|| format!("ipBlock cidr {text:?} is not a CIDR"))?;
    let range = IpRange::of_net(&cidr);
    let mut except = Vec::new();
    for item in field(node, "except").map(Node::items).unwrap_or(&[]) {
        let text = item.as_str().unwrap_or_default();
        let net =
            parse_cidr(text).ok_or_else(|| format!("ipBlock except {text:?} is not a CIDR"))?;
        let excepted = IpRange::of_net(&net);
        if !range.contains_range(&excepted) || excepted == range {
            return Err(format!(
                "ipBlock except {text:?} must lie strictly inside cidr {:?}",
                cidr.to_string()
            ));
        }
        except.push(excepted);
    }
    Ok(IpBlock {
        cidr,
        range,
        except,
    })
}
