//! Reachability: may a connection from one endpoint to another, on a port and protocol, be
//! made, and which policies decide it.

use std::net::IpAddr;

use super::ipblock::IpRange;
use super::labels::Labels;
use super::model::{
    Cluster, ContainerPort, Direction, NamespaceScope, Peer, PolicyId, PolicyRule, PortMatch,
    WorkloadId,
};
use super::ports::{ConnSet, Protocol};

/// One end of a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Workload(WorkloadId),
    /// Addresses outside the cluster (one address, or a range no ipBlock boundary cuts).
    External(IpRange),
}

impl Endpoint {
    pub fn address(address: IpAddr) -> Endpoint {
        Endpoint::External(IpRange::single(address))
    }
}

/// The connections a rule's `ports` allow to a destination with the `declared` container
/// ports (`None` outside the cluster, where named ports mean nothing).
fn rule_connections(rule: &PolicyRule, declared: Option<&[ContainerPort]>) -> ConnSet {
    let Some(ports) = &rule.ports else {
        return ConnSet::all();
    };
    let mut conns = ConnSet::none();
    for port in ports {
        match port {
            PortMatch::Any(protocol) => conns.add_all(*protocol),
            PortMatch::Range(protocol, start, end) => conns.add(*protocol, *start, *end),
            PortMatch::Named(protocol, name) => {
                for container_port in declared.unwrap_or(&[]) {
                    if container_port.protocol == *protocol
                        && container_port.name.as_deref() == Some(name.as_str())
                    {
                        conns.add(*protocol, container_port.number, container_port.number);
                    }
                }
            }
            PortMatch::Invalid(_) => {}
        }
    }
    conns
}

fn port_allows(
    rule: &PolicyRule,
    declared: Option<&[ContainerPort]>,
    protocol: Protocol,
    port: u16,
) -> bool {
    rule_connections(rule, declared).contains(protocol, port)
}

/// A rule of a policy: `ingress[1]` of `shop/web`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleRef {
    pub policy: PolicyId,
    pub direction: Direction,
    /// The rule's index in `spec.ingress` or `spec.egress`.
    pub rule: usize,
}

/// How NetworkPolicy treats one end of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SideStatus {
    /// No policy isolates the pod for this direction: everything is allowed.
    NotIsolated,
    /// The policies listed in [`Side::isolating`] isolate it: only what their rules allow.
    Isolated,
    /// An address outside the cluster: NetworkPolicy only governs the pod at the other end.
    External,
    /// A hostNetwork pod: NetworkPolicy does not apply to it.
    HostNetwork,
}

/// What one end's policies say about a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    pub status: SideStatus,
    /// The policies that select the pod and isolate it for this direction.
    pub isolating: Vec<PolicyId>,
    /// The rules that allow the connection.
    pub allowing: Vec<RuleRef>,
    pub allowed: bool,
}

/// The answer for one connection: allowed only if the source's egress and the destination's
/// ingress both allow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    /// The source's egress.
    pub egress: Side,
    /// The destination's ingress.
    pub ingress: Side,
}

/// A pod described by its namespace, labels and ports, which need not be in the input (the
/// cluster DNS, when the input does not hold it).
pub struct PodLike<'a> {
    pub namespace: &'a str,
    pub namespace_labels: &'a Labels,
    pub labels: &'a Labels,
    pub ports: &'a [ContainerPort],
}

impl Cluster<'_> {
    /// The egress rules of `workload`'s isolating policies that allow a connection to `pod`
    /// on `port`/`protocol` (named ports resolved against `pod`'s ports). Empty when its egress
    /// is not isolated: ask [`Workload::egress_policies`](super::model::Workload) first.
    pub fn egress_rules_to(
        &self,
        workload: WorkloadId,
        pod: &PodLike,
        protocol: Protocol,
        port: u16,
    ) -> Vec<RuleRef> {
        let mut allowing = Vec::new();
        for &id in &self.workloads[workload].egress_policies {
            let policy = &self.policies[id];
            let own_namespace = self.namespaces[policy.namespace].name.as_str();
            for rule in policy.rules(Direction::Egress) {
                let peer_matches = match &rule.peers {
                    None => true,
                    Some(peers) => peers.iter().any(|peer| match peer {
                        Peer::Pods { namespaces, pods } => {
                            let in_namespace = match namespaces {
                                NamespaceScope::Own => own_namespace == pod.namespace,
                                NamespaceScope::Selected(selector, _) => {
                                    selector.matches(pod.namespace_labels)
                                }
                            };
                            in_namespace && pods.as_ref().is_none_or(|s| s.matches(pod.labels))
                        }
                        Peer::IpBlock(_) | Peer::Invalid(_) => false,
                    }),
                };
                if peer_matches && port_allows(rule, Some(pod.ports), protocol, port) {
                    allowing.push(RuleRef {
                        policy: id,
                        direction: Direction::Egress,
                        rule: rule.index,
                    });
                }
            }
        }
        allowing
    }

    /// The egress rules of `workload`'s isolating policies that allow `port`/`protocol` to some
    /// ipBlock (an address outside the cluster: a node-local DNS cache, an upstream resolver).
    pub fn egress_rules_to_addresses(
        &self,
        workload: WorkloadId,
        protocol: Protocol,
        port: u16,
    ) -> Vec<RuleRef> {
        let mut allowing = Vec::new();
        for &id in &self.workloads[workload].egress_policies {
            let policy = &self.policies[id];
            for rule in policy.rules(Direction::Egress) {
                let to_addresses = rule
                    .peers
                    .as_ref()
                    .is_some_and(|peers| peers.iter().any(|peer| matches!(peer, Peer::IpBlock(_))));
                if to_addresses && port_allows(rule, None, protocol, port) {
                    allowing.push(RuleRef {
                        policy: id,
                        direction: Direction::Egress,
                        rule: rule.index,
                    });
                }
            }
        }
        allowing
    }

    /// Whether a peer of `policy`'s rule matches `endpoint`.
    fn peer_matches(&self, policy_namespace: usize, peer: &Peer, endpoint: &Endpoint) -> bool {
        match (peer, endpoint) {
            (Peer::Pods { namespaces, pods }, Endpoint::Workload(id)) => {
                let workload = &self.workloads[*id];
                // A hostNetwork pod's traffic carries the node's address: no selector sees it.
                if workload.host_network {
                    return false;
                }
                let in_namespace = match namespaces {
                    NamespaceScope::Own => workload.namespace == policy_namespace,
                    NamespaceScope::Selected(_, ids) => {
                        ids.binary_search(&workload.namespace).is_ok()
                    }
                };
                in_namespace && pods.as_ref().is_none_or(|s| s.matches(&workload.labels))
            }
            (Peer::IpBlock(block), Endpoint::External(range)) => block.contains_range(range),
            // Pod addresses are not in manifests: an ipBlock matches no pod in palisade's model,
            // as in netpol-analyzer's (see the module documentation).
            (Peer::IpBlock(_), Endpoint::Workload(_))
            | (Peer::Pods { .. }, Endpoint::External(_))
            | (Peer::Invalid(_), _) => false,
        }
    }

    /// Whether a rule's `from`/`to` matches `endpoint` (a rule without peers matches all).
    pub fn rule_matches_peer(
        &self,
        policy_namespace: usize,
        rule: &PolicyRule,
        endpoint: &Endpoint,
    ) -> bool {
        match &rule.peers {
            None => true,
            Some(peers) => peers
                .iter()
                .any(|peer| self.peer_matches(policy_namespace, peer, endpoint)),
        }
    }

    /// The connections a rule's `ports` allow to `destination`, with named ports resolved
    /// against the destination's container ports of the same protocol.
    pub fn rule_connections(&self, rule: &PolicyRule, destination: &Endpoint) -> ConnSet {
        let declared = match destination {
            Endpoint::Workload(id) => Some(self.workloads[*id].ports.as_slice()),
            Endpoint::External(_) => None,
        };
        rule_connections(rule, declared)
    }

    /// The status of one end for a direction, and the policies that isolate it.
    fn side_status(&self, endpoint: &Endpoint, direction: Direction) -> (SideStatus, &[PolicyId]) {
        match endpoint {
            Endpoint::External(_) => (SideStatus::External, &[]),
            Endpoint::Workload(id) => {
                let workload = &self.workloads[*id];
                if workload.host_network {
                    return (SideStatus::HostNetwork, &[]);
                }
                let isolating = match direction {
                    Direction::Ingress => &workload.ingress_policies,
                    Direction::Egress => &workload.egress_policies,
                };
                if isolating.is_empty() {
                    (SideStatus::NotIsolated, &[])
                } else {
                    (SideStatus::Isolated, isolating)
                }
            }
        }
    }

    /// What `subject`'s policies of `direction` allow with `peer` (the other end), when the
    /// connection goes to `destination`.
    fn side_connections(
        &self,
        subject: &Endpoint,
        peer: &Endpoint,
        destination: &Endpoint,
        direction: Direction,
    ) -> ConnSet {
        let (status, isolating) = self.side_status(subject, direction);
        if status != SideStatus::Isolated {
            return ConnSet::all();
        }
        let mut conns = ConnSet::none();
        for &id in isolating {
            let policy = &self.policies[id];
            for rule in policy.rules(direction) {
                if self.rule_matches_peer(policy.namespace, rule, peer) {
                    conns.union(&self.rule_connections(rule, destination));
                    if conns.is_all() {
                        return conns;
                    }
                }
            }
        }
        conns
    }

    /// Every connection `source` may open to `destination`: what the source's egress allows
    /// intersected with what the destination's ingress allows.
    pub fn connections(&self, source: &Endpoint, destination: &Endpoint) -> ConnSet {
        let egress = self.side_connections(source, destination, destination, Direction::Egress);
        if egress.is_empty() {
            return egress;
        }
        let ingress = self.side_connections(destination, source, destination, Direction::Ingress);
        egress.intersection(&ingress)
    }

    /// The connections `workload`'s egress policies allow to `destination` (all when its
    /// egress is not isolated), ignoring the destination's ingress.
    pub fn egress_connections(&self, workload: WorkloadId, destination: &Endpoint) -> ConnSet {
        let source = Endpoint::Workload(workload);
        self.side_connections(&source, destination, destination, Direction::Egress)
    }

    fn side(
        &self,
        subject: &Endpoint,
        peer: &Endpoint,
        destination: &Endpoint,
        direction: Direction,
        protocol: Protocol,
        port: u16,
    ) -> Side {
        let (status, isolating) = self.side_status(subject, direction);
        let mut allowing = Vec::new();
        if status == SideStatus::Isolated {
            for &id in isolating {
                let policy = &self.policies[id];
                for rule in policy.rules(direction) {
                    if self.rule_matches_peer(policy.namespace, rule, peer)
                        && self
                            .rule_connections(rule, destination)
                            .contains(protocol, port)
                    {
                        allowing.push(RuleRef {
                            policy: id,
                            direction,
                            rule: rule.index,
                        });
                    }
                }
            }
        }
        let allowed = status != SideStatus::Isolated || !allowing.is_empty();
        Side {
            status,
            isolating: isolating.to_vec(),
            allowing,
            allowed,
        }
    }

    /// The verdict on one connection, with the policies and rules that decide it.
    pub fn check(
        &self,
        source: &Endpoint,
        destination: &Endpoint,
        protocol: Protocol,
        port: u16,
    ) -> Verdict {
        let egress = self.side(
            source,
            destination,
            destination,
            Direction::Egress,
            protocol,
            port,
        );
        let ingress = self.side(
            destination,
            source,
            destination,
            Direction::Ingress,
            protocol,
            port,
        );
        Verdict {
            allowed: egress.allowed && ingress.allowed,
            egress,
            ingress,
        }
    }

    /// The external address ranges that no ipBlock boundary of any policy cuts (IPv4 always,
    /// IPv6 when a policy names IPv6 blocks), for matrices over addresses outside the cluster.
    pub fn external_atoms(&self) -> Vec<IpRange> {
        let blocks: Vec<&super::ipblock::IpBlock> = self
            .policies
            .iter()
            .flat_map(|p| p.ingress.iter().chain(p.egress.iter()))
            .flat_map(|rule| rule.peers.iter().flatten())
            .filter_map(|peer| match peer {
                Peer::IpBlock(block) => Some(block),
                _ => None,
            })
            .collect();
        let mut families = vec![super::ipblock::Family::V4];
        if blocks
            .iter()
            .any(|b| b.range.family == super::ipblock::Family::V6)
        {
            families.push(super::ipblock::Family::V6);
        }
        super::ipblock::atoms(&families, blocks.iter().flat_map(|b| b.cut_points()))
    }
}
