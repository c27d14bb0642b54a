//! The NetworkPolicy oracle: palisade's reachability engine against the expected connectivity
//! of netpol-analyzer's test topologies (`../shared/corpus/netpol/netpol-analyzer`).
//!
//! For every test whose input holds only standard Kubernetes kinds, palisade loads the test's
//! directory with the CLI's loader, builds its NetworkPolicy model and compares, for every
//! ordered pair of distinct workloads and for every workload and range of addresses outside
//! the cluster, each (source, destination, port, protocol) verdict with the test's expected
//! connection list (`SRC => DST : CONNS`; a pair that is not listed has no connection).
//!
//! Ports compared for a destination: every port its containers declare (with its protocol),
//! every port number a policy of the test names (and, for `port`..`endPort` ranges, both ends
//! and the ports just outside them), and the sentinels 1 and 65535; each number with TCP, UDP
//! and SCTP. For an address outside the cluster as destination there are no declared ports.
//!
//! Workloads are named as netpol-analyzer names them: a Pod with a controller owner reference
//! by its owner (`default/frontend-99684f7f8[ReplicaSet]`), any other object by itself. Address
//! ranges: the IPv4 space is cut at every boundary of the expected ranges and of the policies'
//! ipBlocks, and each piece compared with the expected range that contains it.
//!
//! `docs/netpol-oracle.md` explains every disagreement; its table is read strictly like the
//! peer mapping (an explained disagreement that no longer occurs is a problem).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use palisade_load::{Input, Limits, load_inputs};
use palisade_model::{Inventory, Node, Object};
use palisade_rules::Config;
use palisade_rules::network::netpol::eval::Endpoint;
use palisade_rules::network::netpol::ipblock::{Family, IpRange, atoms};
use palisade_rules::network::netpol::{
    Cluster, ConnSet, HostNetwork, Options, PortMatch, Protocol,
};
use serde::Serialize;
use serde_json::Value;

/// The figure the issue asks for.
pub const TARGET_PERCENT: f64 = 98.0;
pub const TARGET_COMPARED: usize = 1_000;

/// Kinds outside the standard Kubernetes API (or not NetworkPolicy) that netpol-analyzer
/// evaluates and palisade does not: a test holding one is not compared.
const NON_STANDARD: &[(&str, &str)] = &[
    (
        "AdminNetworkPolicy",
        "AdminNetworkPolicy (policy.networking.k8s.io/v1alpha1, cluster-scoped policies with priorities and deny) is not Kubernetes NetworkPolicy",
    ),
    (
        "BaselineAdminNetworkPolicy",
        "BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1) is not Kubernetes NetworkPolicy",
    ),
    (
        "UserDefinedNetwork",
        "UserDefinedNetwork (OVN-Kubernetes) isolates pods into separate networks, which NetworkPolicy does not model",
    ),
    (
        "ClusterUserDefinedNetwork",
        "ClusterUserDefinedNetwork (OVN-Kubernetes) isolates pods into separate networks, which NetworkPolicy does not model",
    ),
    (
        "NetworkAttachmentDefinition",
        "NetworkAttachmentDefinition (Multus) adds secondary networks, which NetworkPolicy does not model",
    ),
    (
        "MultiNetworkPolicy",
        "MultiNetworkPolicy (k8snetworkplumbingwg) governs secondary networks, not the pod network",
    ),
    (
        "VirtualMachine",
        "VirtualMachine (KubeVirt) is not a workload kind palisade reads",
    ),
    (
        "VirtualMachineInstance",
        "VirtualMachineInstance (KubeVirt) is not a workload kind palisade reads",
    ),
];

/// The connlist lines palisade does not compare, and why.
const INGRESS_CONTROLLER_REASON: &str = "`{ingress-controller}` lines model an ingress controller reaching workloads through Ingress or Route objects, which is not NetworkPolicy semantics";

const SENTINEL_PORTS: [u16; 2] = [1, 65535];

#[derive(Clone, Debug, Serialize)]
pub struct Disagreement {
    pub test: String,
    pub source: String,
    pub destination: String,
    pub protocol: &'static str,
    pub port: u16,
    pub expected: bool,
    pub palisade: bool,
    /// Whether either end is (or, outside the cluster, faces) a workload with
    /// `hostNetwork: true`.
    pub host_network: bool,
    /// The explanation from docs/netpol-oracle.md.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct TestResult {
    pub test: String,
    pub compared: usize,
    pub agreed: usize,
    /// Of which: between two workloads.
    pub workload_pairs: usize,
    /// Of which: between a workload and a range of outside addresses.
    pub external: usize,
    /// Expected lines not compared, by reason.
    pub not_compared: BTreeMap<String, usize>,
    pub disagreements: Vec<Disagreement>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SkippedTest {
    pub test: String,
    pub reason: String,
}

/// The same comparison with palisade's default treatment of hostNetwork pods (their traffic is
/// the node's; NetworkPolicy does not apply), which netpol-analyzer does not share.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DefaultModeFigure {
    pub compared: usize,
    pub agreed: usize,
    /// Disagreements where neither end is a hostNetwork workload: there must be none.
    pub without_host_network: Vec<Disagreement>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct NetpolReport {
    /// With hostNetwork pods modelled as netpol-analyzer models them (as pod-network pods).
    pub compared: usize,
    pub agreed: usize,
    pub default_mode: DefaultModeFigure,
    pub tests: Vec<TestResult>,
    pub skipped: Vec<SkippedTest>,
    /// Explanations that match nothing, unreadable tests: a report with problems fails.
    pub problems: Vec<String>,
}

impl NetpolReport {
    pub fn percent(&self) -> f64 {
        if self.compared == 0 {
            0.0
        } else {
            self.agreed as f64 * 100.0 / self.compared as f64
        }
    }

    pub fn disagreements(&self) -> impl Iterator<Item = &Disagreement> {
        self.tests.iter().flat_map(|t| t.disagreements.iter())
    }
}

/// The explanation table of docs/netpol-oracle.md.
pub fn default_explanations() -> PathBuf {
    crate::workspace_root().join("docs/netpol-oracle.md")
}

/// One row of the explanation table: disagreements of `test` whose source and destination
/// contain the given texts (`*` for any) are explained by `reason`.
#[derive(Clone, Debug)]
pub struct Explanation {
    pub test: String,
    pub source: String,
    pub destination: String,
    pub reason: String,
}

impl Explanation {
    fn covers(&self, d: &Disagreement) -> bool {
        let matches = |pattern: &str, text: &str| pattern == "*" || text.contains(pattern);
        matches(&self.test, &d.test)
            && matches(&self.source, &d.source)
            && matches(&self.destination, &d.destination)
    }
}

/// Reads the rows of the table under `## Explained disagreements`:
/// `| test | source | destination | reason |`.
pub fn read_explanations(text: &str) -> Result<Vec<Explanation>, String> {
    let mut rows = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            inside = line.trim() == "## Explained disagreements";
            continue;
        }
        if !inside || !line.trim_start().starts_with('|') {
            continue;
        }
        let cells: Vec<String> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().trim_matches('`').to_string())
            .collect();
        if cells.len() != 4 {
            return Err(format!(
                "a row of the explanation table needs 4 cells: {line}"
            ));
        }
        if cells[0] == "test" || cells[0].starts_with("---") {
            continue;
        }
        rows.push(Explanation {
            test: cells[0].clone(),
            source: cells[1].clone(),
            destination: cells[2].clone(),
            reason: cells[3].clone(),
        });
    }
    Ok(rows)
}

/// An endpoint as a connlist line names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Name {
    Workload(String),
    External(IpRange),
    IngressController,
}

fn parse_name(text: &str) -> Option<Name> {
    let text = text.trim();
    if text == "{ingress-controller}" {
        return Some(Name::IngressController);
    }
    if let Some(range) = text.strip_suffix("[External]") {
        let (start, end) = range.split_once('-')?;
        let start: std::net::Ipv4Addr = start.parse().ok()?;
        let end: std::net::Ipv4Addr = end.parse().ok()?;
        return Some(Name::External(IpRange {
            family: Family::V4,
            start: u128::from(u32::from(start)),
            end: u128::from(u32::from(end)),
        }));
    }
    Some(Name::Workload(text.to_string()))
}

/// `All Connections`, or `SCTP 1-9002,9004-65535,TCP 80,UDP 53`.
fn parse_conns(text: &str) -> Option<ConnSet> {
    let text = text.trim();
    if text == "All Connections" {
        return Some(ConnSet::all());
    }
    let mut conns = ConnSet::none();
    let mut protocol = None;
    for part in text.split(',') {
        let part = part.trim();
        let ports = match part.split_once(' ') {
            Some((name, ports)) => {
                protocol = Some(Protocol::parse(name)?);
                ports
            }
            None => part,
        };
        let protocol = protocol?;
        let (start, end) = match ports.split_once('-') {
            Some((s, e)) => (s.parse().ok()?, e.parse().ok()?),
            None => {
                let port = ports.parse().ok()?;
                (port, port)
            }
        };
        conns.add(protocol, start, end);
    }
    Some(conns)
}

/// The netpol-analyzer name of a workload object: `ns/name[Kind]`, by its controller owner
/// for a Pod.
fn analyzer_name(object: &Object) -> String {
    let namespace = object.namespace.as_deref().unwrap_or("default");
    if object.kind == "Pod" {
        let owner = object
            .metadata()
            .and_then(|m| m.get("ownerReferences"))
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .find(|r| r.get("controller").and_then(Node::as_bool) == Some(true));
        if let Some(owner) = owner {
            let kind = owner.get("kind").and_then(Node::as_str).unwrap_or("");
            let name = owner.get("name").and_then(Node::as_str).unwrap_or("");
            if kind != "Node" && !name.is_empty() {
                let kind = if kind.is_empty() { "Pod" } else { kind };
                return format!("{namespace}/{name}[{kind}]");
            }
        }
    }
    format!("{namespace}/{}[{}]", object.name, object.kind)
}

/// Runs the comparison over the corpus.
pub fn run(corpus: &Path, explanations: &Path) -> Result<NetpolReport, String> {
    let root = corpus.join("netpol/netpol-analyzer");
    let manifest = std::fs::read_to_string(root.join("expected.json"))
        .map_err(|e| format!("cannot read {}: {e}", root.join("expected.json").display()))?;
    let manifest: Value =
        serde_json::from_str(&manifest).map_err(|e| format!("expected.json: {e}"))?;
    let explanation_text = std::fs::read_to_string(explanations)
        .map_err(|e| format!("cannot read {}: {e}", explanations.display()))?;
    let explanations = read_explanations(&explanation_text)?;
    let mut report = NetpolReport::default();
    let tests = manifest
        .get("tests")
        .and_then(Value::as_array)
        .ok_or("expected.json has no tests")?;
    for test in tests {
        let name = test
            .get("test")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        let kinds: Vec<&str> = test
            .get("kinds")
            .and_then(Value::as_object)
            .map(|k| k.keys().map(String::as_str).collect())
            .unwrap_or_default();
        if let Some((kind, reason)) = NON_STANDARD.iter().find(|(k, _)| kinds.contains(k)) {
            report.skipped.push(SkippedTest {
                test: name,
                reason: format!("holds {kind}: {reason}"),
            });
            continue;
        }
        let input = root.join(test.get("input_dir").and_then(Value::as_str).unwrap_or(""));
        let expected = root.join(
            test.get("expected_output")
                .and_then(Value::as_str)
                .unwrap_or(""),
        );
        match compare_test(&name, &input, &expected, HostNetwork::Pod) {
            Ok(result) => report.tests.push(result),
            Err(message) => report.problems.push(format!("{name}: {message}")),
        }
        if let Ok(result) = compare_test(&name, &input, &expected, HostNetwork::Node) {
            let figure = &mut report.default_mode;
            figure.compared += result.compared;
            figure.agreed += result.agreed;
            figure
                .without_host_network
                .extend(result.disagreements.into_iter().filter(|d| !d.host_network));
        }
    }
    let mut used = vec![false; explanations.len()];
    for result in &mut report.tests {
        for d in &mut result.disagreements {
            if let Some(i) = explanations.iter().position(|e| e.covers(d)) {
                d.reason = Some(explanations[i].reason.clone());
                used[i] = true;
            }
        }
        report.compared += result.compared;
        report.agreed += result.agreed;
    }
    for (explanation, used) in explanations.iter().zip(used) {
        if !used {
            report.problems.push(format!(
                "docs/netpol-oracle.md explains a disagreement that no longer occurs: {} {} => {}",
                explanation.test, explanation.source, explanation.destination
            ));
        }
    }
    Ok(report)
}

/// Every port number a policy of the cluster names, with the ports just outside its ranges.
fn policy_ports(cluster: &Cluster) -> BTreeSet<u16> {
    let mut ports = BTreeSet::new();
    for policy in &cluster.policies {
        for rule in policy.ingress.iter().chain(policy.egress.iter()) {
            for port in rule.ports.iter().flatten() {
                if let PortMatch::Range(_, start, end) = port {
                    for p in [
                        Some(*start),
                        Some(*end),
                        start.checked_sub(1),
                        end.checked_add(1),
                    ]
                    .into_iter()
                    .flatten()
                    .filter(|p| *p > 0)
                    {
                        ports.insert(p);
                    }
                }
            }
        }
    }
    ports.extend(SENTINEL_PORTS);
    ports
}

struct Comparer<'a> {
    result: TestResult,
    base_ports: &'a BTreeSet<u16>,
    on_host_network: &'a BTreeSet<&'a str>,
}

impl Comparer<'_> {
    /// Compares one (source, destination) pair on every port of `extra` and the base ports.
    fn compare(
        &mut self,
        source: &str,
        destination: &str,
        expected: &ConnSet,
        palisade: &ConnSet,
        extra: &BTreeSet<u16>,
        external: bool,
    ) {
        for &port in self.base_ports.union(extra) {
            for protocol in Protocol::ALL {
                let (e, p) = (
                    expected.contains(protocol, port),
                    palisade.contains(protocol, port),
                );
                self.result.compared += 1;
                if external {
                    self.result.external += 1;
                } else {
                    self.result.workload_pairs += 1;
                }
                if e == p {
                    self.result.agreed += 1;
                } else {
                    self.result.disagreements.push(Disagreement {
                        test: self.result.test.clone(),
                        source: source.to_string(),
                        destination: destination.to_string(),
                        protocol: protocol.as_str(),
                        port,
                        expected: e,
                        palisade: p,
                        host_network: self.on_host_network.contains(source)
                            || self.on_host_network.contains(destination),
                        reason: None,
                    });
                }
            }
        }
    }
}

fn compare_test(
    name: &str,
    input: &Path,
    expected: &Path,
    host_network: HostNetwork,
) -> Result<TestResult, String> {
    let text = std::fs::read_to_string(expected)
        .map_err(|e| format!("cannot read {}: {e}", expected.display()))?;
    let loaded = load_inputs(
        &[Input::Path(input.to_path_buf())],
        &mut std::io::empty(),
        &Limits::default(),
    );
    let inventory = Inventory::from_objects(loaded.objects);
    let options = Options { host_network };
    let cluster = Cluster::build_with(&inventory, &Config::default(), options);
    let mut result = TestResult {
        test: name.to_string(),
        ..TestResult::default()
    };

    // The expected connections, by (source, destination).
    let mut lines: BTreeMap<(Name, Name), ConnSet> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parsed = line.split_once(" => ").and_then(|(source, rest)| {
            let (destination, conns) = rest.split_once(" : ")?;
            Some((
                parse_name(source)?,
                parse_name(destination)?,
                parse_conns(conns)?,
            ))
        });
        let Some((source, destination, conns)) = parsed else {
            return Err(format!("cannot read the expected line {line:?}"));
        };
        if source == Name::IngressController || destination == Name::IngressController {
            *result
                .not_compared
                .entry(INGRESS_CONTROLLER_REASON.to_string())
                .or_default() += 1;
            continue;
        }
        lines
            .entry((source, destination))
            .or_default()
            .union(&conns);
    }

    // netpol-analyzer's workloads: Pods grouped under their owner; the first stands for all.
    let mut groups: BTreeMap<String, usize> = BTreeMap::new();
    for (id, workload) in cluster.workloads.iter().enumerate() {
        groups.entry(analyzer_name(workload.object)).or_insert(id);
    }
    for (source, destination) in lines.keys() {
        for n in [source, destination] {
            if let Name::Workload(w) = n
                && !groups.contains_key(w)
            {
                return Err(format!(
                    "the expected output names {w}, which palisade does not find in the input"
                ));
            }
        }
    }
    let on_host_network: BTreeSet<&str> = groups
        .keys()
        .filter(|name| {
            cluster.workloads.iter().any(|w| {
                analyzer_name(w.object) == **name
                    && palisade_rules::pod::PodView::of(w.object, &Config::default())
                        .and_then(|pod| pod.spec.get("hostNetwork").and_then(Node::as_bool))
                        == Some(true)
            })
        })
        .map(String::as_str)
        .collect();
    let base_ports = policy_ports(&cluster);
    let declared = |id: usize| -> BTreeSet<u16> {
        cluster.workloads[id]
            .ports
            .iter()
            .map(|p| p.number)
            .collect()
    };
    let mut comparer = Comparer {
        result,
        base_ports: &base_ports,
        on_host_network: &on_host_network,
    };
    let none = ConnSet::none();
    for (source_name, &source) in &groups {
        for (destination_name, &destination) in &groups {
            if source == destination {
                continue;
            }
            let key = (
                Name::Workload(source_name.clone()),
                Name::Workload(destination_name.clone()),
            );
            let expected = lines.get(&key).unwrap_or(&none);
            let palisade = cluster.connections(
                &Endpoint::Workload(source),
                &Endpoint::Workload(destination),
            );
            comparer.compare(
                source_name,
                destination_name,
                expected,
                &palisade,
                &declared(destination),
                false,
            );
        }
    }

    // Outside addresses: pieces of the IPv4 space no boundary cuts.
    let expected_cuts = lines
        .keys()
        .flat_map(|(s, d)| [s, d])
        .filter_map(|n| match n {
            Name::External(range) => Some(*range),
            _ => None,
        });
    let mut points: Vec<(Family, u128)> = Vec::new();
    for range in expected_cuts {
        points.push((Family::V4, range.start));
        if range.end < u128::from(u32::MAX) {
            points.push((Family::V4, range.end + 1));
        }
    }
    for atom in cluster.external_atoms() {
        if atom.family == Family::V4 {
            points.push((Family::V4, atom.start));
        }
    }
    let pieces = atoms(&[Family::V4], points);
    // (workload, incoming) -> the expected ranges and their connections.
    let mut by_workload: BTreeMap<(&str, bool), Vec<(IpRange, &ConnSet)>> = BTreeMap::new();
    for ((s, d), c) in &lines {
        match (s, d) {
            (Name::External(range), Name::Workload(w)) => {
                by_workload
                    .entry((w.as_str(), true))
                    .or_default()
                    .push((*range, c));
            }
            (Name::Workload(w), Name::External(range)) => {
                by_workload
                    .entry((w.as_str(), false))
                    .or_default()
                    .push((*range, c));
            }
            _ => {}
        }
    }
    let external_conns = |workload: &str, incoming: bool, piece: &IpRange| -> ConnSet {
        let mut conns = ConnSet::none();
        for (range, c) in by_workload.get(&(workload, incoming)).into_iter().flatten() {
            if range.contains_range(piece) {
                conns.union(c);
            }
        }
        conns
    };
    let empty_ports = BTreeSet::new();
    for (workload_name, &workload) in &groups {
        for piece in &pieces {
            let outside = Endpoint::External(*piece);
            let inside = Endpoint::Workload(workload);
            let label = format!("{piece}[External]");
            let incoming = cluster.connections(&outside, &inside);
            comparer.compare(
                &label,
                workload_name,
                &external_conns(workload_name, true, piece),
                &incoming,
                &declared(workload),
                true,
            );
            let outgoing = cluster.connections(&inside, &outside);
            comparer.compare(
                workload_name,
                &label,
                &external_conns(workload_name, false, piece),
                &outgoing,
                &empty_ports,
                true,
            );
        }
    }
    Ok(comparer.result)
}

/// The text report: the figure, per-test figures, skipped tests, disagreements.
pub fn render_text(report: &NetpolReport, verbose: bool) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "netpol-oracle: {}/{} ({:.2}%; target {TARGET_PERCENT}% over at least {TARGET_COMPARED})",
        report.agreed,
        report.compared,
        report.percent()
    );
    let figure = &report.default_mode;
    let _ = writeln!(
        out,
        "  with palisade's default for hostNetwork pods (node traffic, outside NetworkPolicy): {}/{}; {} differing verdicts involve no hostNetwork pod",
        figure.agreed,
        figure.compared,
        figure.without_host_network.len()
    );
    let (pairs, external): (usize, usize) = report
        .tests
        .iter()
        .fold((0, 0), |(p, e), t| (p + t.workload_pairs, e + t.external));
    let _ = writeln!(
        out,
        "  {} tests compared: {pairs} verdicts between workloads, {external} between a workload and outside addresses",
        report.tests.len()
    );
    for test in &report.tests {
        if verbose || !test.disagreements.is_empty() {
            let _ = writeln!(out, "  {}: {}/{}", test.test, test.agreed, test.compared);
        }
        for (reason, count) in &test.not_compared {
            if verbose {
                let _ = writeln!(out, "    {count} expected lines not compared: {reason}");
            }
        }
    }
    let _ = writeln!(out, "skipped tests ({}):", report.skipped.len());
    for skipped in &report.skipped {
        let _ = writeln!(out, "  {}: {}", skipped.test, skipped.reason);
    }
    let mut by_reason: BTreeMap<String, Vec<&Disagreement>> = BTreeMap::new();
    for d in report.disagreements() {
        by_reason
            .entry(d.reason.clone().unwrap_or_else(|| "UNEXPLAINED".into()))
            .or_default()
            .push(d);
    }
    let _ = writeln!(out, "disagreements ({}):", report.disagreements().count());
    for (reason, list) in &by_reason {
        let _ = writeln!(out, "  {} verdicts: {reason}", list.len());
        let shown = if verbose {
            list.len()
        } else {
            list.len().min(5)
        };
        for d in &list[..shown] {
            let _ = writeln!(
                out,
                "    {}: {} => {} {}/{}: expected {}, palisade {}",
                d.test,
                d.source,
                d.destination,
                d.port,
                d.protocol,
                if d.expected { "allowed" } else { "denied" },
                if d.palisade { "allowed" } else { "denied" },
            );
        }
        if shown < list.len() {
            let _ = writeln!(
                out,
                "    ... and {} more (-v lists all)",
                list.len() - shown
            );
        }
    }
    for problem in &report.problems {
        let _ = writeln!(out, "problem: {problem}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_lists_parse() {
        assert_eq!(parse_conns("All Connections"), Some(ConnSet::all()));
        let conns = parse_conns("SCTP 1-9002,9004-65535,TCP 80,UDP 53").unwrap();
        assert!(conns.contains(Protocol::Sctp, 9002) && !conns.contains(Protocol::Sctp, 9003));
        assert!(conns.contains(Protocol::Tcp, 80) && !conns.contains(Protocol::Tcp, 81));
        assert!(conns.contains(Protocol::Udp, 53));
        assert_eq!(parse_conns("TCP x"), None);
        assert_eq!(
            parse_name("0.0.0.0-9.255.255.255[External]"),
            Some(Name::External(IpRange {
                family: Family::V4,
                start: 0,
                end: 0x09ff_ffff
            }))
        );
    }

    #[test]
    fn explanations_are_read_from_their_section_only() {
        let text = "# x\n## Other\n| a | b |\n## Explained disagreements\n| test | source | destination | reason |\n|---|---|---|---|\n| t1 | `a/b` | * | because |\n";
        let rows = read_explanations(text).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].source, "a/b");
        assert!(read_explanations("## Explained disagreements\n| a | b |\n").is_err());
    }
}
