//! NetworkPolicy analysis: a model of the cluster as NetworkPolicy sees it, and a reachability
//! engine with the exact Kubernetes semantics (this module is not a rule; the coverage rules,
//! `palisade netpol check` and `palisade netpol matrix` use it).
//!
//! # What it models
//!
//! - **Workloads**: every object with a pod spec (Pod, Deployment, StatefulSet, DaemonSet,
//!   ReplicaSet, ReplicationController, Job, CronJob, kinds configured under `podSpecPaths`);
//!   a PodTemplate runs no pods and is left out. A workload's labels are its pods' labels (the
//!   pod template's for a controller); its ports are the `containerPort`s of its containers and
//!   sidecar init containers (`restartPolicy: Always`), with their names and protocols. An
//!   object without `metadata.namespace` is in `default`, where `kubectl apply` puts it.
//! - **Namespaces**: those of the input with their labels, and the ones a workload or policy
//!   names without a Namespace object. Each carries `kubernetes.io/metadata.name: <name>`, which
//!   the API server sets (and overrides) on every namespace since Kubernetes 1.21; a namespace
//!   absent from the input has only that label.
//! - **NetworkPolicies** (`networking.k8s.io/v1`, and the old `extensions/v1beta1`): Calico and
//!   Cilium policies are read for coverage only ([`crd`]).
//!
//! # Semantics
//!
//! - `policyTypes` omitted means `[Ingress]`, plus `Egress` when the policy has egress rules (an
//!   empty `egress: []` adds nothing), as the API server defaults it. A policy isolates the pods
//!   it selects for the directions of its types only; rules of a direction it does not list are
//!   ignored.
//! - A pod is isolated for a direction only when some policy that selects it has that type;
//!   then exactly the union of those policies' rules of that direction is allowed. Policies
//!   only add: there is no order and no deny.
//! - `spec.podSelector: {}` (or absent) selects every pod of the policy's namespace. Policies
//!   select only pods of their own namespace.
//! - Rules: `from`/`to` absent or empty matches every peer, in the cluster or outside; `ports`
//!   absent or empty matches every port and protocol; `ingress: [{}]` allows everything, while
//!   `ingress:` absent or `[]` with the Ingress type allows nothing.
//! - Peers: `podSelector` alone selects pods of the policy's own namespace; `namespaceSelector`
//!   alone every pod of the namespaces it selects (`{}`: all namespaces); both in **one** peer
//!   the pods matching the pod selector in the selected namespaces (AND); two peers are ORed.
//!   `matchExpressions` `NotIn` and `DoesNotExist` match pods without the label.
//! - Ports: `protocol` defaults to TCP (UDP, SCTP); no `port` means every port of the protocol;
//!   `endPort` makes a range; a named port matches the **destination** pod's container port of
//!   that name and the rule's protocol (for an egress rule too), so one rule may mean different
//!   numbers for different pods, and nothing for a pod without such a port or for an address
//!   outside the cluster.
//! - Services: policies see the pod and its container port after a Service has translated
//!   the Service's address and port, so ports are always the pod's (`targetPort`), and a rule
//!   naming the Service port does not match; a Service's ClusterIP in an ipBlock is judged like
//!   any other address (whether it matches is up to the plugin).
//! - A connection is allowed only if the source's egress **and** the destination's ingress
//!   allow it; replies of an allowed connection are not judged (connections are stateful).
//! - `ipBlock` (a CIDR minus its `except` CIDRs) matches addresses outside the cluster. Pod
//!   addresses are not in manifests, so in palisade's model an ipBlock never matches a pod,
//!   even when its CIDR covers the pod network: as in netpol-analyzer, and as Kubernetes
//!   intends (ipBlock is meant for cluster-external addresses; what a plugin does with pod
//!   addresses in an ipBlock is implementation-defined). Traffic to and from the outside is
//!   judged per address range, the ranges being cut at every ipBlock boundary.
//! - `hostNetwork` pods are not subject to NetworkPolicy (the common case the Kubernetes
//!   documentation describes): no policy isolates them, and their traffic carries the node's
//!   address, which no pod or namespace selector matches and whose value the manifests do not
//!   give, so only a rule without peers admits it into an isolated pod. Plugins that can tell
//!   hostNetwork pods' traffic apart treat them like other pods; [`HostNetwork::Pod`] (the CLI's
//!   `--host-network pod`) models that, as netpol-analyzer does.
//! - What the API server would reject (an invalid selector, an unknown protocol, `endPort`
//!   with a named port or below `port`, an `except` outside its CIDR, a peer with both ipBlock
//!   and selectors, or none of them) is reported as a [`model::Problem`] and matches nothing.

pub mod calico_selector;
pub mod cni;
pub mod crd;
pub mod eval;
pub mod ipblock;
pub mod labels;
pub mod model;
pub mod ports;

pub use eval::{Endpoint, RuleRef, Side, SideStatus, Verdict};
pub use model::{
    Cluster, Direction, HostNetwork, Namespace, Options, Peer, Policy, PolicyRule, PortMatch,
    Workload, is_network_policy,
};
pub use ports::{ConnSet, Protocol};

#[cfg(test)]
mod tests;
