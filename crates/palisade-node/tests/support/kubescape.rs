//! kubescape's CIS rule cases (`node-configs/kubescape-cis`): each case's inputs become a node,
//! the benchmark judges it, and the status of the CIS check the rule's control maps to is
//! compared with kubescape's expected verdict (an alert means fail).
//!
//! Inputs are host-sensor objects, read by [`palisade_node::hostsensor`], and control-plane
//! static Pods, written into a scratch node's `/etc/kubernetes/manifests` and read by
//! [`palisade_node::rootfs::read_node`] as `palisade node --root` would. The inputs of a case
//! make one node when they describe different components (etcd-unique-ca: an API server and
//! an etcd Pod); when two inputs describe the same component they are variants that kubescape
//! judges one by one (`group.json` and `user.json`), so each is a node of its own and the case
//! fails when any of them fails.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use palisade_model::Node;
use palisade_node::hostsensor::{HostSensorReader, is_host_sensor_object, read_host_sensor};
use palisade_node::rootfs::read_node;
use palisade_node::{CheckResult, Component, NodeState, Status};
use serde::Deserialize;
use tempfile::TempDir;

use super::{
    Agreement, LayeredFiles, by_id, evaluate_caught, parse, read_corpus_file, status_name,
};

pub const SOURCE: &str = "kubescape-cis";

/// The CIS benchmark versions the corpus maps controls to, the one palisade checks first.
const CIS_VERSIONS: [&str; 2] = ["cis-v1.12.0", "cis-v1.10.0"];

#[derive(Deserialize)]
struct Expected {
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    rule: String,
    controls: Vec<Control>,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Control {
    id: String,
    cis: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct Case {
    case: String,
    inputs: Vec<String>,
    expected_alert_count: usize,
    #[serde(default)]
    expected_alert_messages: Vec<String>,
}

/// What the corpus holds, for the test to check that every case was read.
pub struct Counts {
    pub rules: usize,
    pub cases: usize,
    pub passing_cases: usize,
    pub failing_cases: usize,
    /// One per (case, CIS id), and one per case whose rule has no CIS id: each is either
    /// compared or listed as not compared.
    pub comparisons: usize,
}

/// Compares every case of the corpus folder.
pub fn compare(corpus: &Path) -> (Agreement, Counts) {
    let folder = corpus.join("node-configs/kubescape-cis");
    let mut agreement = Agreement::new(SOURCE);
    let mut counts = Counts {
        rules: 0,
        cases: 0,
        passing_cases: 0,
        failing_cases: 0,
        comparisons: 0,
    };
    let expected: Expected = match read_corpus_file(&folder.join("expected.json"))
        .and_then(|text| serde_json::from_str(&text).map_err(|error| error.to_string()))
    {
        Ok(expected) => expected,
        Err(error) => {
            agreement.errors.push(format!("expected.json: {error}"));
            return (agreement, counts);
        }
    };
    counts.rules = expected.rules.len();
    for rule in &expected.rules {
        let (ids, why_none) = cis_ids(rule);
        for case in &rule.cases {
            counts.cases += 1;
            if case.expected_alert_count == 0 {
                counts.passing_cases += 1;
            } else {
                counts.failing_cases += 1;
            }
            counts.comparisons += ids.len().max(1);
            compare_case(&folder, rule, case, &ids, &why_none, &mut agreement);
        }
    }
    agreement.notes.push(format!(
        "{} rules, {} cases ({} expected to pass, {} to fail); one comparison per case and CIS id of the rule's controls (cis-v1.12.0, else cis-v1.10.0; sections 1 to 4); kubescape's verdict is fail when it expects an alert",
        counts.rules, counts.cases, counts.passing_cases, counts.failing_cases
    ));
    (agreement, counts)
}

/// The CIS ids in sections 1 to 4 the rule's controls map to; when there are none, why.
fn cis_ids(rule: &Rule) -> (Vec<String>, String) {
    let mut ids = Vec::new();
    let mut elsewhere = Vec::new();
    for control in &rule.controls {
        let id = control.cis.as_ref().and_then(|cis| {
            CIS_VERSIONS
                .iter()
                .find_map(|version| cis.get(*version).cloned())
        });
        match id {
            Some(id) if in_node_sections(&id) => {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            Some(id) => elsewhere.push(format!("{} is CIS {id}", control.id)),
            None => elsewhere.push(format!("{} has no CIS section", control.id)),
        }
    }
    let why_none = if rule.controls.is_empty() {
        "the rule belongs to no kubescape control, so it maps to no CIS id".to_string()
    } else {
        format!(
            "the rule maps to no CIS id in sections 1 to 4 ({})",
            elsewhere.join(", ")
        )
    };
    (ids, why_none)
}

/// Sections 1 to 4 of the benchmark are the node's; section 5 is about cluster objects.
fn in_node_sections(id: &str) -> bool {
    matches!(id.split('.').next(), Some("1" | "2" | "3" | "4"))
}

/// One input file, and what it describes.
struct Input {
    /// The path below `node-configs/`, as results name it.
    name: String,
    text: String,
    kind: InputKind,
}

enum InputKind {
    /// Host-sensor objects, with the components they describe.
    Sensor(BTreeSet<Component>),
    /// A static Pod, with its component when it names one.
    Manifest(Option<Component>),
    /// Anything else: the kinds found.
    Other(String),
}

fn compare_case(
    folder: &Path,
    rule: &Rule,
    case: &Case,
    ids: &[String],
    why_none: &str,
    agreement: &mut Agreement,
) {
    let subject = format!("{}/{}", rule.rule, case.case);
    if ids.is_empty() {
        agreement
            .not_compared
            .push(format!("{subject}: {why_none}"));
        return;
    }
    if case.inputs.is_empty() {
        for id in ids {
            agreement.not_compared.push(format!(
                "{subject} [{id}]: the case has no input files (upstream keeps only its expected output)"
            ));
        }
        return;
    }
    let mut inputs = Vec::new();
    for input in &case.inputs {
        let path = folder.join(&rule.rule).join(input);
        let name = format!("{SOURCE}/{}/{input}", rule.rule);
        match read_corpus_file(&path) {
            Ok(text) => {
                let kind = classify(&name, &text);
                inputs.push(Input { name, text, kind });
            }
            Err(error) => agreement.errors.push(format!("{subject}: {error}")),
        }
    }
    let others: Vec<String> = inputs
        .iter()
        .filter_map(|input| match &input.kind {
            InputKind::Other(kinds) => Some(format!("{} ({kinds})", input.name)),
            _ => None,
        })
        .collect();
    let usable: Vec<&Input> = inputs
        .iter()
        .filter(|input| !matches!(input.kind, InputKind::Other(_)))
        .collect();
    if usable.is_empty() {
        for id in ids {
            agreement.not_compared.push(format!(
                "{subject} [{id}]: no input is a host-sensor object or a static Pod: {}",
                others.join(", ")
            ));
        }
        return;
    }

    let groups: Vec<Vec<&Input>> = if describes_one_component_twice(&usable) {
        usable.iter().map(|input| vec![*input]).collect()
    } else {
        vec![usable]
    };
    let mut results = Vec::new();
    for group in &groups {
        let node = match build_node(group) {
            Ok(node) => node,
            Err(error) => {
                agreement.errors.push(format!("{subject}: {error}"));
                return;
            }
        };
        match evaluate_caught(&node.state) {
            Ok(found) => results.push(by_id(found)),
            Err(panic) => {
                agreement
                    .errors
                    .push(format!("{subject}: the benchmark panicked: {panic}"));
                return;
            }
        }
    }

    let theirs = if case.expected_alert_count > 0 {
        Status::Fail
    } else {
        Status::Pass
    };
    let why = match case.expected_alert_messages.first() {
        Some(message) => format!(
            "{} alert(s): {}",
            case.expected_alert_count,
            shorten(message, 160)
        ),
        None if case.expected_alert_count > 0 => format!("{} alert(s)", case.expected_alert_count),
        None => "no alert".to_string(),
    };
    for id in ids {
        let subject = format!("{subject} [{id}]");
        match combine(&results, id) {
            None => agreement.not_compared.push(format!(
                "{subject}: palisade gave no result for {id} (kubescape: {})",
                status_name(theirs)
            )),
            Some(ours) if matches!(ours.status, Status::Warn | Status::Manual) => {
                agreement.not_compared.push(format!(
                    "{subject}: palisade {} ({}); kubescape {}",
                    status_name(ours.status),
                    ours.reason,
                    status_name(theirs)
                ))
            }
            Some(ours) => agreement.compare(&subject, ours, theirs, &why),
        }
    }
}

/// The verdict of a case judged as several nodes: any failure fails it; otherwise a pass where
/// a node had the component (the others warn that it is missing).
fn combine<'a>(results: &'a [BTreeMap<String, CheckResult>], id: &str) -> Option<&'a CheckResult> {
    let found: Vec<&CheckResult> = results.iter().filter_map(|by_id| by_id.get(id)).collect();
    [Status::Fail, Status::Pass, Status::Warn, Status::Manual]
        .into_iter()
        .find_map(|status| found.iter().copied().find(|result| result.status == status))
}

fn describes_one_component_twice(inputs: &[&Input]) -> bool {
    let mut seen = BTreeSet::new();
    for input in inputs {
        let components: Vec<Component> = match &input.kind {
            InputKind::Sensor(components) => components.iter().copied().collect(),
            InputKind::Manifest(component) => component.iter().copied().collect(),
            InputKind::Other(_) => Vec::new(),
        };
        for component in components {
            if !seen.insert(component) {
                return true;
            }
        }
    }
    false
}

fn classify(name: &str, text: &str) -> InputKind {
    let documents = match parse(name, text) {
        Ok(documents) => documents,
        Err(error) => return InputKind::Other(format!("does not parse: {error}")),
    };
    let objects: Vec<&Node> = documents
        .iter()
        .flat_map(|document| {
            if document.is_seq() {
                document.items().iter().collect::<Vec<_>>()
            } else {
                vec![document]
            }
        })
        .collect();
    if !objects.is_empty() && objects.iter().all(|object| is_host_sensor_object(object)) {
        let components = match read_host_sensor(name, text, parse) {
            Ok(state) => state.components.keys().copied().collect(),
            Err(error) => return InputKind::Other(format!("host sensor: {error}")),
        };
        return InputKind::Sensor(components);
    }
    if let Some(pod) = objects
        .iter()
        .find(|object| object.get("kind").and_then(Node::as_str) == Some("Pod"))
    {
        return InputKind::Manifest(pod_component(pod));
    }
    let kinds: Vec<&str> = objects
        .iter()
        .map(|object| {
            object
                .get("kind")
                .and_then(Node::as_str)
                .unwrap_or("no kind")
        })
        .collect();
    InputKind::Other(kinds.join(", "))
}

/// The component a static Pod runs: its `component` label, its command, or its name.
fn pod_component(pod: &Node) -> Option<Component> {
    let label = pod
        .get_path(&["metadata", "labels", "component"])
        .and_then(Node::as_str);
    let command = pod
        .get_path(&["spec", "containers"])
        .and_then(|containers| containers.at(0))
        .and_then(|container| container.get("command"))
        .and_then(|command| command.at(0))
        .and_then(Node::as_str)
        .map(|command| command.rsplit('/').next().unwrap_or(command));
    let name = pod.get_path(&["metadata", "name"]).and_then(Node::as_str);
    let exact = |word: &str| {
        Component::ALL
            .into_iter()
            .find(|component| component.binary() == word)
    };
    label
        .and_then(exact)
        .or_else(|| command.and_then(exact))
        .or_else(|| {
            let name = name?;
            // Longest binary first: `kube-apiserver-x` must not read as a shorter name.
            let mut components = Component::ALL;
            components.sort_by_key(|component| std::cmp::Reverse(component.binary().len()));
            components.into_iter().find(|component| {
                name == component.binary() || name.starts_with(&format!("{}-", component.binary()))
            })
        })
}

/// A node and the scratch root its files are read from while it is judged.
struct BuiltNode {
    state: NodeState,
    _root: Option<TempDir>,
}

fn build_node(inputs: &[&Input]) -> Result<BuiltNode, String> {
    let mut sensor = HostSensorReader::new(parse);
    let mut sensor_objects = 0;
    let mut manifests = Vec::new();
    for input in inputs {
        match &input.kind {
            InputKind::Sensor(_) => {
                sensor_objects += sensor
                    .add_text(&input.name, &input.text)
                    .map_err(|error| error.to_string())?;
            }
            InputKind::Manifest(component) => manifests.push((input, *component)),
            InputKind::Other(_) => {}
        }
    }
    let root = if manifests.is_empty() {
        None
    } else {
        let root = tempfile::tempdir().map_err(|error| format!("scratch node: {error}"))?;
        let dir = root.path().join("etc/kubernetes/manifests");
        std::fs::create_dir_all(&dir).map_err(|error| format!("scratch node: {error}"))?;
        for (input, component) in &manifests {
            // kubeadm's file names, which kube-bench's defaults and the checks expect.
            let file_name = match component {
                Some(component) => format!("{}.yaml", component.binary()),
                None => Path::new(&input.name)
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "pod.yaml".to_string()),
            };
            write_private(&dir.join(file_name), &input.text)?;
        }
        Some(root)
    };
    let from_root = root.as_ref().map(|root| read_node(root.path(), parse));
    let from_sensor = (sensor_objects > 0).then(|| sensor.finish());
    let state = match (from_root, from_sensor) {
        (Some(state), None) | (None, Some(state)) => state,
        (Some(root_state), Some(sensor_state)) => merge(root_state, sensor_state),
        (None, None) => return Err("no input gave a node".to_string()),
    };
    Ok(BuiltNode { state, _root: root })
}

/// Static Pods as kubeadm writes them: owned by the user, mode 0600.
fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
        .map_err(|error| format!("{}: {error}", path.display()))
}

/// One node from a filesystem copy (static Pods) and a host sensor's report of other
/// components; the sensor's files answer first, as they are the ones it reported.
fn merge(root: NodeState, sensor: NodeState) -> NodeState {
    let mut components = root.components;
    components.extend(sensor.components);
    let mut unreadable = root.unreadable;
    unreadable.extend(sensor.unreadable);
    NodeState {
        components,
        files: Box::new(LayeredFiles(vec![sensor.files, root.files])),
        unreadable,
        origin: format!("{} + {}", root.origin, sensor.origin),
        parse: root.parse,
    }
}

fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(limit).collect();
        short.push('…');
        short
    }
}
