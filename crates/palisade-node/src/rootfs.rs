//! Reads a node: its static pod manifests, its processes' command lines, the kubelet's flags
//! (systemd unit and drop-ins, `kubeadm-flags.env`) and config file, and the modes of the files
//! the checks name, under a root directory (`/` for the node palisade runs on).
//!
//! Where a component both runs and has a manifest, the running process is the truth (it is
//! what runs; a manifest edited since the pod started says what will run next) and the
//! manifest is where to fix it: the flags are the process's, each with the manifest's
//! file:line:column as its source when the manifest writes the same value, else the process
//! as its source. A flag only in the manifest is not in effect and is left out. The kubelet
//! is read the same way, its unit files and environment files standing in for the manifest.
//! When several processes run one component, the lowest pid gives the flags and all are
//! listed in `found_by`; likewise the first manifest (in directory and name order).
//!
//! Every path in the state is the path inside the node (`/etc/kubernetes/...`), never with
//! the root directory in front.

mod flags;
mod fs;
mod manifests;
mod procfs;
mod systemd;

use std::collections::BTreeMap;
use std::path::Path;

use palisade_model::Node;

use self::flags::parse_flags;
use self::fs::{Names, NodeRoot, ReadError, RootFiles};
use self::manifests::StaticPod;
use self::procfs::Process;
use crate::state::{
    Component, ComponentState, ConfigFile, FlagValue, NodeState, ParseDocuments, Source, Unreadable,
};

/// kubeadm's `staticPodPath`.
const KUBEADM_MANIFESTS: &str = "/etc/kubernetes/manifests";
/// kubeadm's kubelet `--config`, read when nothing says how the kubelet is started.
const KUBEADM_KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";

/// Reads the node whose filesystem is at `root`.
pub fn read_node(root: &Path, parse: ParseDocuments) -> NodeState {
    let node = NodeRoot::new(root);
    let mut unreadable = Vec::new();
    unreadable.extend(check_root(root));
    let names = Names::read(&node, &mut unreadable);
    let processes = procfs::read_processes(&node, &mut unreadable);
    let mut components = BTreeMap::new();

    // The kubelet first: its configuration may move the static pod directory.
    let kubelet = read_kubelet(&node, &processes, parse, &mut unreadable);
    let dirs = static_pod_dirs(kubelet.as_ref());
    let pods = manifests::read_static_pods(&node, &dirs, parse, &mut unreadable);
    if let Some(kubelet) = kubelet {
        components.insert(Component::Kubelet, kubelet);
    }

    for component in [
        Component::ApiServer,
        Component::ControllerManager,
        Component::Scheduler,
        Component::Etcd,
        Component::Proxy,
    ] {
        let written: Vec<&StaticPod> = pods
            .iter()
            .filter(|pod| pod.component == component)
            .collect();
        let running: Vec<&Process> = processes
            .iter()
            .filter(|process| process.component == component)
            .collect();
        if written.is_empty() && running.is_empty() {
            continue;
        }
        let mut state = ComponentState::default();
        state
            .found_by
            .extend(written.iter().map(|pod| pod.found.clone()));
        state
            .found_by
            .extend(running.iter().map(|process| process.found.clone()));
        let written_flags = written
            .first()
            .map(|pod| parse_flags(&pod.words))
            .unwrap_or_default();
        let written_env = written
            .first()
            .map(|pod| pod.env.clone())
            .unwrap_or_default();
        match running.first() {
            Some(process) => {
                state.flags = prefer_written(parse_flags(&process.words), &written_flags);
                state.env = match &process.env {
                    Some(env) => prefer_written(env.clone(), &written_env),
                    None => written_env,
                };
            }
            None => {
                state.flags = written_flags;
                state.env = written_env;
            }
        }
        if component == Component::Proxy
            && let Some(config) = state.flags.get("config").cloned()
        {
            let pid = running.first().map(|process| process.pid);
            state.config = read_config(&node, &config, pid, component, parse, &mut unreadable);
        }
        components.insert(component, state);
    }

    let origin = if node.is_live() {
        "node /".to_string()
    } else {
        format!("node --root {}", root.display())
    };
    NodeState {
        components,
        files: Box::new(RootFiles::new(node, names)),
        unreadable,
        origin,
        parse,
    }
}

/// A root that is no directory reads as an empty node; that is said, not taken for a node
/// without Kubernetes.
fn check_root(root: &Path) -> Option<Unreadable> {
    let reason = match std::fs::metadata(root) {
        Ok(meta) if meta.is_dir() => return None,
        Ok(_) => format!("the root {} is not a directory", root.display()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            format!("the root directory {} does not exist", root.display())
        }
        Err(error) => format!(
            "the root directory {}: {}",
            root.display(),
            fs::describe(&error)
        ),
    };
    Some(Unreadable {
        path: "/".to_string(),
        reason,
    })
}

/// The running values, each with the written source where the written value is the same.
fn prefer_written(
    running: BTreeMap<String, FlagValue>,
    written: &BTreeMap<String, FlagValue>,
) -> BTreeMap<String, FlagValue> {
    running
        .into_iter()
        .map(|(name, value)| match written.get(&name) {
            Some(on_disk) if on_disk.value == value.value => (name, on_disk.clone()),
            _ => (name, value),
        })
        .collect()
}

/// The kubelet from its unit files, its process and its config file; `None` when the node
/// shows no sign of one.
fn read_kubelet(
    node: &NodeRoot,
    processes: &[Process],
    parse: ParseDocuments,
    unreadable: &mut Vec<Unreadable>,
) -> Option<ComponentState> {
    let unit = systemd::read_kubelet_unit(node, unreadable);
    let running: Vec<&Process> = processes
        .iter()
        .filter(|process| process.component == Component::Kubelet)
        .collect();

    let mut state = ComponentState::default();
    let written = unit
        .as_ref()
        .map(|unit| parse_flags(&unit.words))
        .unwrap_or_default();
    if let Some(unit) = &unit {
        state.found_by.extend(unit.found_by.iter().cloned());
    }
    state
        .found_by
        .extend(running.iter().map(|process| process.found.clone()));
    match running.first() {
        Some(process) => {
            state.flags = prefer_written(parse_flags(&process.words), &written);
            state.env = process.env.clone().unwrap_or_default();
        }
        None => state.flags = written,
    }

    let pid = running.first().map(|process| process.pid);
    let config_path = match state.flags.get("config") {
        Some(flag) => Some(flag.clone()),
        // Without a unit or a process nothing says how the kubelet starts; kubeadm's path is
        // the best guess. With them, a kubelet without `--config` reads no file.
        None if !unit.as_ref().is_some_and(|unit| unit.from_unit_files) && running.is_empty() => {
            let exists = matches!(
                node.metadata(Path::new(KUBEADM_KUBELET_CONFIG)),
                Ok(Some(_)) | Err(_)
            );
            exists.then(|| FlagValue {
                value: KUBEADM_KUBELET_CONFIG.to_string(),
                source: Source::new("default"),
            })
        }
        None => None,
    };
    if let Some(config) = config_path {
        state.config = read_config(node, &config, pid, Component::Kubelet, parse, unreadable);
        if state.found_by.is_empty()
            && let Some(config) = &state.config
        {
            state
                .found_by
                .push(Source::new("kubelet config file").in_file(config.path.clone()));
        }
    }
    if state.found_by.is_empty() {
        return None;
    }
    Some(state)
}

/// kubeadm's manifest directory, and the kubelet's own (`--pod-manifest-path` or the config
/// file's `staticPodPath`) first when it differs.
fn static_pod_dirs(kubelet: Option<&ComponentState>) -> Vec<String> {
    let configured = kubelet.and_then(|kubelet| {
        kubelet
            .flags
            .get("pod-manifest-path")
            .map(|flag| flag.value.clone())
            .or_else(|| {
                kubelet
                    .config
                    .as_ref()
                    .and_then(|config| config.root.get("staticPodPath"))
                    .and_then(Node::as_str)
                    .map(str::to_string)
            })
    });
    let mut dirs = Vec::new();
    if let Some(dir) = configured {
        let dir = absolute(dir.trim_end_matches('/'));
        if dir != "/" && dir != KUBEADM_MANIFESTS {
            dirs.push(dir);
        }
    }
    dirs.push(KUBEADM_MANIFESTS.to_string());
    dirs
}

fn absolute(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// A component's `--config` file, parsed with positions. A file not on the node may be in
/// the process's own filesystem (kube-proxy runs in a container): on the live node it is
/// read through `/proc/<pid>/root`.
fn read_config(
    node: &NodeRoot,
    flag: &FlagValue,
    pid: Option<u32>,
    component: Component,
    parse: ParseDocuments,
    unreadable: &mut Vec<Unreadable>,
) -> Option<ConfigFile> {
    let path = absolute(&flag.value);
    let record = |unreadable: &mut Vec<Unreadable>, path: &str, reason: String| {
        unreadable.push(Unreadable {
            path: path.to_string(),
            reason,
        });
    };
    let (shown, text) = match node.read_text(Path::new(&path)) {
        Ok(text) => (path, text),
        Err(ReadError::Missing) => {
            let inside = pid.map(|pid| {
                (
                    format!("/proc/{pid}/root{path}"),
                    node.read_text_in_process_root(pid, &path),
                )
            });
            match inside {
                Some((shown, Ok(text))) => (shown, text),
                Some((shown, Err(error))) if error != ReadError::Missing => {
                    record(unreadable, &shown, error.to_string());
                    return None;
                }
                _ => {
                    record(
                        unreadable,
                        &path,
                        format!(
                            "the {component} config file named by --config ({}) is not on the node",
                            flag.source
                        ),
                    );
                    return None;
                }
            }
        }
        Err(error) => {
            record(unreadable, &path, error.to_string());
            return None;
        }
    };
    match parse(&shown, &text) {
        Ok(documents) => match documents.into_iter().find(Node::is_map) {
            Some(root) => Some(ConfigFile { path: shown, root }),
            None => {
                record(
                    unreadable,
                    &shown,
                    format!("the {component} config file holds no configuration"),
                );
                None
            }
        },
        Err(error) => {
            record(unreadable, &shown, error.to_string());
            None
        }
    }
}

#[cfg(test)]
mod tests;
