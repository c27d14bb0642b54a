//! ## What it does
//!
//! Finds pods with `hostPath` volumes, which mount a file or directory of the node into the pod.
//!
//! A hostPath is reported as high; it is critical when the path is one of the node's sensitive
//! places, lies under one, or contains one (after `.`, `..` and repeated slashes are resolved):
//!
//! | path | what it exposes |
//! | --- | --- |
//! | `/` | the whole filesystem of the node |
//! | `/etc` | node configuration, `/etc/shadow`, kubelet and control-plane credentials, CNI config |
//! | `/root`, `/home` | SSH keys and credentials of the node's users |
//! | `/proc`, `/sys` | kernel interfaces, other processes, the node's cgroups |
//! | `/dev` | the node's devices, disks included |
//! | `/boot`, `/lib/modules` | the kernel, its boot configuration and modules |
//! | `/bin`, `/sbin`, `/lib`, `/lib64`, `/usr`, `/opt/cni` | programs the node runs as root, CNI plugins |
//! | `/run`, `/var/run` | the container runtime's socket and other daemons' sockets |
//! | `/var/lib/kubelet` | every pod's secrets and service-account tokens, kubelet credentials |
//! | `/var/lib/docker`, `/var/lib/containerd`, `/var/lib/containers` | every container's filesystem |
//! | `/var/lib/etcd` | the cluster's datastore, with every Secret |
//! | `/var/log` | node and pod logs; writable, it lets a pod make the kubelet read any file through symlinks |
//!
//! so `/var` and `/var/lib` (which contain some of these) are critical too. So is any path ending
//! in `.sock` (`/var/run/docker.sock`, `/run/containerd/containerd.sock`,
//! `/var/run/crio/crio.sock`, wherever it lives), a `type: Socket` mount, a Windows named pipe
//! (`\\.\pipe\docker_engine`) and a whole Windows drive (`C:\`).
//!
//! ## Why is this bad?
//!
//! A hostPath volume breaks the wall between the container and the node. With the container
//! runtime's socket, an attacker in the pod starts a privileged container of their choice; with
//! `/var/lib/kubelet` they read the service-account tokens of every other pod on the node; with
//! `/etc` or `/root` they plant an SSH key or a cron job and own the node. A read-only mount still
//! leaks credentials and the node's secrets. This is the Pod Security Standards Baseline control
//! "HostPath Volumes"; the Restricted profile forbids every volume type but a short list.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: Pod
//! metadata:
//!   name: builder
//! spec:
//!   containers:
//!     - name: builder
//!       image: docker:27
//!       volumeMounts:
//!         - name: docker
//!           mountPath: /var/run/docker.sock
//!   volumes:
//!     - name: docker
//!       hostPath:
//!         path: /var/run/docker.sock
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   containers:
//!     - name: builder
//!       image: gcr.io/kaniko-project/executor:v1.23.2   # builds images without a daemon
//!       volumeMounts:
//!         - name: workspace
//!           mountPath: /workspace
//!   volumes:
//!     - name: workspace
//!       emptyDir: {}
//! ```
//!
//! ## References
//!
//! - Pod Security Standards, Baseline: HostPath Volumes
//! - CIS Kubernetes Benchmark 5.2.11: Minimize the admission of containers which use HostPath volumes
//! - NSA/CISA Kubernetes Hardening Guide: Pod security
//! - MITRE ATT&CK T1611 Escape to Host; Microsoft Threat Matrix MS-TA9013 Writable hostPath mount
//! - Kubernetes documentation: concepts/storage/volumes/#hostpath

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};
use crate::workload::common::field;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "host-path-volume",
        severity: Severity::High,
        layer: Layer::Workload,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "pss:baseline:hostpath-volumes",
            "cis-k8s:5.2.11",
            "nsa-cisa:pod-security",
            "mitre:T1611",
            "ms-threat:MS-TA9013",
            "k8s-docs:concepts/storage/volumes/#hostpath",
        ],
        summary: "Pod mounts a path of the node's filesystem (hostPath volume)",
        fix: "Replace the hostPath volume with an emptyDir, a ConfigMap/Secret, a PersistentVolumeClaim or a CSI volume; node agents that truly need it should run in a dedicated, exempted namespace.",
    },
    check: Check::Object(check),
};

/// The node's sensitive places, and what a pod gets by mounting them.
const SENSITIVE: &[(&str, &str)] = &[
    (
        "/etc",
        "node configuration, /etc/shadow and the kubelet's and control plane's credentials",
    ),
    (
        "/root",
        "the SSH keys and credentials of the node's root user",
    ),
    ("/home", "the SSH keys and credentials of the node's users"),
    (
        "/proc",
        "the kernel's process interface: every process of the node",
    ),
    ("/sys", "the kernel's interfaces and the node's cgroups"),
    ("/dev", "the node's devices, its disks included"),
    ("/boot", "the node's kernel and boot configuration"),
    ("/lib/modules", "the node's kernel modules"),
    ("/bin", "programs the node runs as root"),
    ("/sbin", "programs the node runs as root"),
    ("/lib", "libraries of the programs the node runs as root"),
    ("/lib64", "libraries of the programs the node runs as root"),
    ("/usr", "programs the node runs as root"),
    (
        "/opt/cni",
        "the CNI plugins the container runtime runs as root",
    ),
    (
        "/run",
        "the container runtime's socket and other daemons' sockets",
    ),
    (
        "/var/run",
        "the container runtime's socket and other daemons' sockets",
    ),
    (
        "/var/lib/kubelet",
        "every pod's secrets and service-account tokens, and the kubelet's credentials",
    ),
    (
        "/var/lib/docker",
        "the filesystems of every container on the node",
    ),
    (
        "/var/lib/containerd",
        "the filesystems of every container on the node",
    ),
    (
        "/var/lib/containers",
        "the filesystems of every container on the node",
    ),
    (
        "/var/lib/etcd",
        "the cluster's datastore, with every Secret",
    ),
    (
        "/var/log",
        "the node's logs; writable, it lets the pod make the kubelet read any file through symlinks",
    ),
];

/// The path with `\` read as `/`, `.` and empty components dropped and `..` applied; `None` for
/// a path that is not absolute.
fn normalize(path: &str) -> Option<String> {
    let path = path.replace('\\', "/");
    if !path.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    Some(format!("/{}", parts.join("/")))
}

/// Why mounting `path` is critical, or `None` when it is merely high.
fn why_sensitive(path: &str, host_path: &Node) -> Option<String> {
    let raw = path.trim();
    let lower = raw.to_ascii_lowercase().replace('\\', "/");
    if lower.starts_with("//./pipe/") || lower.contains("/pipe/docker_engine") {
        return Some("a named pipe of the node, such as the container runtime's".into());
    }
    let bytes = lower.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        let rest = lower[2..].trim_matches('/');
        return rest
            .is_empty()
            .then(|| "a whole drive of the Windows node".to_string());
    }
    if raw.ends_with(".sock")
        || field(Some(host_path), "type").and_then(Node::as_str) == Some("Socket")
    {
        return Some("a UNIX socket of the node, such as the container runtime's: whoever talks to it starts privileged containers".into());
    }
    let normalized = normalize(raw)?;
    if normalized == "/" {
        return Some("the whole filesystem of the node".into());
    }
    for (place, what) in SENSITIVE {
        if normalized == *place || normalized.starts_with(&format!("{place}/")) {
            return Some(what.to_string());
        }
    }
    let contained: Vec<&str> = SENSITIVE
        .iter()
        .map(|(place, _)| *place)
        .filter(|place| place.starts_with(&format!("{normalized}/")))
        .collect();
    (!contained.is_empty())
        .then(|| format!("everything under it, including {}", contained.join(", ")))
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    let volumes_path = pod.spec_path.key("volumes");
    let volumes = pod.spec.get("volumes").map(Node::items).unwrap_or(&[]);
    for (index, volume) in volumes.iter().enumerate() {
        let Some(host_path) = field(Some(volume), "hostPath") else {
            continue;
        };
        let name = volume
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or("<unnamed>");
        let volume_path = volumes_path.index(index).key("hostPath");
        match field(Some(host_path), "path")
            .and_then(Node::as_str)
            .filter(|p| !p.is_empty())
        {
            Some(path) => {
                let why = why_sensitive(path, host_path);
                let finding = out.report(
                    &volume_path.key("path"),
                    format_args!(
                        "volume {name:?} mounts the node's path {path:?} (hostPath), which the Baseline control \"HostPath Volumes\" forbids{}",
                        match &why {
                            Some(why) => format!(": it exposes {why}"),
                            None => String::new(),
                        }
                    ),
                );
                if why.is_some() {
                    finding.severity = Severity::Critical;
                }
            }
            None => {
                out.report(
                    &volume_path,
                    format_args!(
                        "volume {name:?} is a hostPath volume (without a path), which the Baseline control \"HostPath Volumes\" forbids"
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use palisade_model::{Pos, Value};

    use super::*;

    fn critical(path: &str) -> bool {
        why_sensitive(path, &Node::new(Pos::UNKNOWN, Value::Map(Box::default()))).is_some()
    }

    #[test]
    fn sensitive_paths_after_normalization() {
        for path in [
            "/",
            "//",
            "/etc",
            "/etc/kubernetes/pki",
            "/var",
            "/var/lib",
            "/var/run/docker.sock",
            "/run/containerd/containerd.sock",
            "/srv/k3s/containerd.sock",
            "/var/lib/kubelet/pods",
            "/data/../etc",
            "/./proc/",
            "/var/log/pods",
            "C:\\",
            "\\\\.\\pipe\\docker_engine",
        ] {
            assert!(critical(path), "{path} should be critical");
        }
        for path in [
            "/data",
            "/mnt/disks/ssd0",
            "/var/lib/app",
            "/opt/app",
            "/tmp",
            "relative",
            "C:\\data",
        ] {
            assert!(!critical(path), "{path} should be high, not critical");
        }
    }
}
