//! The reader over minikube's kubeadm golden configurations (`../shared/corpus/node-configs/
//! minikube-kubeadm-golden`, v1beta1, v1beta3 and v1beta4) and over bundles written to temporary
//! directories.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use palisade_load::parse_documents;

use super::*;
use crate::state::{Component, NodeState};

fn golden_dir() -> Option<PathBuf> {
    let corpus = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let dir = corpus.join("node-configs/minikube-kubeadm-golden");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: {} is absent", dir.display());
        None
    }
}

fn golden_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for version in ["v1.16", "v1.24", "v1.36"] {
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir.join(version))
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
            .collect();
        found.sort();
        files.extend(found);
    }
    files
}

fn read(path: &Path) -> NodeState {
    read_kubeadm_config(path, parse_documents)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn read_text(dir: &Path, name: &str, text: &str) -> Result<NodeState, KubeadmError> {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    read_kubeadm_config(&path, parse_documents)
}

fn flag<'a>(state: &'a NodeState, component: Component, name: &str) -> &'a FlagValue {
    state.components[&component]
        .flags
        .get(name)
        .unwrap_or_else(|| panic!("{component} has no --{name}"))
}

use crate::state::FlagValue;

fn error_of(result: Result<NodeState, KubeadmError>, what: &str) -> KubeadmError {
    match result {
        Ok(_) => panic!("{what}: read without an error"),
        Err(error) => error,
    }
}

#[test]
fn every_golden_file_reads_as_a_control_plane_node() {
    let Some(dir) = golden_dir() else { return };
    let files = golden_files(&dir);
    assert_eq!(files.len(), 28, "the NOTES.md list");
    for path in files {
        let state = read(&path);
        for component in Component::ALL {
            assert!(
                state.components.contains_key(&component),
                "{}: no {component}",
                path.display()
            );
        }
        let certs = "/var/lib/minikube/certs";
        let ca = flag(&state, Component::ApiServer, "client-ca-file");
        assert_eq!(ca.value, format!("{certs}/ca.crt"), "{}", path.display());
        assert_eq!(ca.source.kind, KUBEADM_CONFIGURATION);
        assert_eq!(
            flag(&state, Component::Etcd, "data-dir").value,
            "/var/lib/minikube/etcd"
        );
        assert_eq!(
            flag(&state, Component::ApiServer, "authorization-mode").value,
            "Node,RBAC"
        );
        assert_eq!(
            flag(&state, Component::ControllerManager, "leader-elect").value,
            "false"
        );
        assert_eq!(flag(&state, Component::Kubelet, "node-ip").value, "1.1.1.1");
        let modes = [
            ("/etc/kubernetes/manifests/kube-apiserver.yaml", 0o600),
            ("/etc/kubernetes/manifests/etcd.yaml", 0o600),
            ("/etc/kubernetes/admin.conf", 0o600),
            ("/var/lib/minikube/etcd", 0o700),
            ("/var/lib/minikube/certs/ca.crt", 0o644),
            ("/var/lib/minikube/certs/etcd/peer.key", 0o600),
            ("/var/lib/kubelet/config.yaml", 0o644),
        ];
        for (file, mode) in modes {
            let facts = state.files.stat(file).unwrap().unwrap();
            assert_eq!(facts.mode, mode, "{}: {file}", path.display());
            assert_eq!(facts.user.as_deref(), Some("root"));
        }
        // The kubelet's config: the minimal document, with what kubeadm adds.
        let kubelet = state.components[&Component::Kubelet]
            .config
            .as_ref()
            .unwrap();
        let client_ca = kubelet
            .root
            .get_path(&["authentication", "x509", "clientCAFile"])
            .unwrap();
        assert!(client_ca.pos.is_known(), "given in the document");
        let anonymous = kubelet
            .root
            .get_path(&["authentication", "anonymous", "enabled"])
            .unwrap();
        assert_eq!(anonymous.as_bool(), Some(false));
        assert!(!anonymous.pos.is_known(), "set by kubeadm");
        let proxy = state.components[&Component::Proxy].config.as_ref().unwrap();
        assert_eq!(
            proxy
                .root
                .get("metricsBindAddress")
                .and_then(|n| n.as_str()),
            Some("0.0.0.0:10249")
        );
    }
}

#[test]
fn golden_flags_carry_the_position_of_the_setting() {
    let Some(dir) = golden_dir() else { return };
    // v1beta3: a map; the source is the key.
    let state = read(&dir.join("v1.24/options.yaml"));
    let plugins = flag(&state, Component::ApiServer, "enable-admission-plugins");
    assert!(plugins.value.starts_with("NamespaceLifecycle,"));
    assert_eq!(
        (plugins.source.line, plugins.source.column),
        (Some(25), Some(5))
    );
    assert!(
        plugins
            .source
            .file
            .as_deref()
            .unwrap()
            .ends_with("v1.24/options.yaml")
    );
    let burst = flag(&state, Component::ControllerManager, "kube-api-burst");
    assert_eq!((burst.value.as_str(), burst.source.line), ("32", Some(30)));
    let refresh = flag(&state, Component::Etcd, "proxy-refresh-interval");
    assert_eq!(
        (refresh.value.as_str(), refresh.source.line),
        ("70000", Some(43))
    );
    let data_dir = flag(&state, Component::Etcd, "data-dir");
    assert_eq!(
        (data_dir.source.line, data_dir.source.column),
        (Some(41), Some(14))
    );
    let secure_port = flag(&state, Component::ApiServer, "secure-port");
    assert_eq!(
        (secure_port.value.as_str(), secure_port.source.line),
        ("8443", Some(5))
    );
    let profiling = state.components[&Component::ApiServer]
        .flags
        .get("profiling");
    assert!(profiling.is_none(), "kubeadm does not set --profiling");
    let node_restriction = read(&dir.join("v1.24/default.yaml"));
    let default_plugins = flag(
        &node_restriction,
        Component::ApiServer,
        "enable-admission-plugins",
    );
    assert_eq!(default_plugins.source.kind, KUBEADM_CONFIGURATION);
    let bind = flag(&node_restriction, Component::Scheduler, "bind-address");
    assert_eq!(
        (bind.value.as_str(), bind.source.kind.as_str()),
        ("127.0.0.1", KUBEADM_DEFAULT)
    );

    // v1beta4: a list; the source is the entry.
    let state = read(&dir.join("v1.36/options.yaml"));
    let plugins = flag(&state, Component::ApiServer, "enable-admission-plugins");
    assert_eq!(plugins.source.line, Some(26));
    let gates = flag(&state, Component::Scheduler, "feature-gates");
    assert_eq!(gates.value, "ExtendWebSocketsToKubelet=false");
    assert_eq!(gates.source.line, Some(44));
    let node_ip = flag(&state, Component::Kubelet, "node-ip");
    assert_eq!(node_ip.source.line, Some(17));
    let metrics = flag(
        &read(&dir.join("v1.36/etcd-extra-args.yaml")),
        Component::Etcd,
        "listen-metrics-urls",
    )
    .clone();
    assert_eq!(metrics.value, "http://0.0.0.0:2381");

    // v1beta1 (Kubernetes 1.16): maps, and no super-admin.conf before 1.29.
    let old = read(&dir.join("v1.16/options.yaml"));
    assert_eq!(
        flag(&old, Component::Etcd, "listen-metrics-urls").value,
        "http://127.0.0.1:2381,http://1.1.1.1:2381"
    );
    assert_eq!(
        old.files.stat("/etc/kubernetes/super-admin.conf").unwrap(),
        None
    );
    assert!(
        state
            .files
            .stat("/etc/kubernetes/super-admin.conf")
            .unwrap()
            .is_some()
    );
}

/// A v1beta3 document rewritten as v1beta4: every `extraArgs` map entry becomes a `{name, value}`
/// list entry.
fn as_v1beta4(text: &str) -> String {
    let mut out = String::new();
    let mut args_indent: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim();
        if let Some(outer) = args_indent {
            if indent > outer && !trimmed.is_empty() {
                let (key, value) = trimmed.split_once(": ").unwrap();
                let value = if value.starts_with('"') {
                    value.to_string()
                } else {
                    format!("\"{value}\"")
                };
                let pad = " ".repeat(indent);
                out.push_str(&format!("{pad}- name: \"{key}\"\n{pad}  value: {value}\n"));
                continue;
            }
            args_indent = None;
        }
        if trimmed == "extraArgs:" || trimmed == "kubeletExtraArgs:" {
            args_indent = Some(indent);
        }
        out.push_str(&line.replace("kubeadm.k8s.io/v1beta3", "kubeadm.k8s.io/v1beta4"));
        out.push('\n');
    }
    out
}

#[test]
fn extra_args_as_a_map_and_as_a_list_give_the_same_flags() {
    let Some(dir) = golden_dir() else { return };
    let temp = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for path in golden_files(&dir) {
        if !path.to_string_lossy().contains("v1.24") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let converted = as_v1beta4(&text);
        assert!(converted.contains("- name: "), "{}", path.display());
        let map_form = read(&path);
        let list_form = read_text(temp.path(), "converted.yaml", &converted).unwrap();
        for component in Component::ALL {
            let values = |state: &NodeState| -> Vec<(String, String)> {
                state.components[&component]
                    .flags
                    .iter()
                    .map(|(name, flag)| (name.clone(), flag.value.clone()))
                    .collect()
            };
            assert_eq!(
                values(&map_form),
                values(&list_form),
                "{}: {component}",
                path.display()
            );
        }
        compared += 1;
    }
    assert_eq!(compared, 9);
}

#[test]
fn a_name_repeated_in_a_v1beta4_list() {
    let temp = tempfile::tempdir().unwrap();
    let state = read_text(
        temp.path(),
        "kubeadm.yaml",
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n\
         \x20   - name: enable-admission-plugins\n      value: NodeRestriction\n\
         \x20   - name: enable-admission-plugins\n      value: EventRateLimit\n\
         \x20   - name: profiling\n      value: \"true\"\n\
         \x20   - name: profiling\n      value: \"false\"\n",
    )
    .unwrap();
    assert_eq!(
        flag(&state, Component::ApiServer, "enable-admission-plugins").value,
        "EventRateLimit,NodeRestriction"
    );
    // Sorted by value, "true" is the last --profiling kubeadm writes.
    let profiling = flag(&state, Component::ApiServer, "profiling");
    assert_eq!(
        (profiling.value.as_str(), profiling.source.line),
        ("true", Some(9))
    );
}

#[test]
fn kubeadm_defaults_without_any_setting() {
    let temp = tempfile::tempdir().unwrap();
    let state = read_text(
        temp.path(),
        "init.yaml",
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n",
    )
    .unwrap();
    let expected = [
        (Component::ApiServer, "authorization-mode", "Node,RBAC"),
        (
            Component::ApiServer,
            "enable-admission-plugins",
            "NodeRestriction",
        ),
        (
            Component::ApiServer,
            "client-ca-file",
            "/etc/kubernetes/pki/ca.crt",
        ),
        (
            Component::ApiServer,
            "kubelet-client-certificate",
            "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
        ),
        (
            Component::ApiServer,
            "kubelet-client-key",
            "/etc/kubernetes/pki/apiserver-kubelet-client.key",
        ),
        (
            Component::ApiServer,
            "etcd-cafile",
            "/etc/kubernetes/pki/etcd/ca.crt",
        ),
        (
            Component::ApiServer,
            "etcd-certfile",
            "/etc/kubernetes/pki/apiserver-etcd-client.crt",
        ),
        (
            Component::ApiServer,
            "etcd-keyfile",
            "/etc/kubernetes/pki/apiserver-etcd-client.key",
        ),
        (
            Component::ApiServer,
            "tls-cert-file",
            "/etc/kubernetes/pki/apiserver.crt",
        ),
        (
            Component::ApiServer,
            "tls-private-key-file",
            "/etc/kubernetes/pki/apiserver.key",
        ),
        (
            Component::ApiServer,
            "service-account-key-file",
            "/etc/kubernetes/pki/sa.pub",
        ),
        (
            Component::ApiServer,
            "service-account-signing-key-file",
            "/etc/kubernetes/pki/sa.key",
        ),
        (
            Component::ApiServer,
            "service-account-issuer",
            "https://kubernetes.default.svc.cluster.local",
        ),
        (Component::ApiServer, "allow-privileged", "true"),
        (Component::ApiServer, "secure-port", "6443"),
        (
            Component::ApiServer,
            "etcd-servers",
            "https://127.0.0.1:2379",
        ),
        (
            Component::ControllerManager,
            "use-service-account-credentials",
            "true",
        ),
        (
            Component::ControllerManager,
            "service-account-private-key-file",
            "/etc/kubernetes/pki/sa.key",
        ),
        (
            Component::ControllerManager,
            "root-ca-file",
            "/etc/kubernetes/pki/ca.crt",
        ),
        (Component::ControllerManager, "bind-address", "127.0.0.1"),
        (Component::ControllerManager, "cluster-name", "kubernetes"),
        (Component::Scheduler, "bind-address", "127.0.0.1"),
        (Component::Etcd, "client-cert-auth", "true"),
        (Component::Etcd, "peer-client-cert-auth", "true"),
        (
            Component::Etcd,
            "cert-file",
            "/etc/kubernetes/pki/etcd/server.crt",
        ),
        (
            Component::Etcd,
            "key-file",
            "/etc/kubernetes/pki/etcd/server.key",
        ),
        (
            Component::Etcd,
            "peer-cert-file",
            "/etc/kubernetes/pki/etcd/peer.crt",
        ),
        (
            Component::Etcd,
            "peer-key-file",
            "/etc/kubernetes/pki/etcd/peer.key",
        ),
        (
            Component::Etcd,
            "trusted-ca-file",
            "/etc/kubernetes/pki/etcd/ca.crt",
        ),
        (Component::Etcd, "data-dir", "/var/lib/etcd"),
        (Component::Kubelet, "config", "/var/lib/kubelet/config.yaml"),
        (
            Component::Kubelet,
            "kubeconfig",
            "/etc/kubernetes/kubelet.conf",
        ),
    ];
    for (component, name, value) in expected {
        let found = flag(&state, component, name);
        assert_eq!(found.value, value, "{component} --{name}");
        assert_eq!(found.source.kind, KUBEADM_DEFAULT, "{component} --{name}");
    }
    assert!(
        !state.components[&Component::ControllerManager]
            .flags
            .contains_key("cluster-cidr")
    );
    let kubelet = state.components[&Component::Kubelet]
        .config
        .as_ref()
        .unwrap();
    assert_eq!(kubelet.path, "/var/lib/kubelet/config.yaml");
    assert_eq!(
        kubelet
            .root
            .get_path(&["authorization", "mode"])
            .and_then(|n| n.as_str()),
        Some("Webhook")
    );
    assert_eq!(
        kubelet
            .root
            .get("rotateCertificates")
            .and_then(|n| n.as_bool()),
        Some(true)
    );
    let walked = state.files.walk("/etc/kubernetes/pki").unwrap().unwrap();
    assert_eq!(
        walked.len(),
        2 + 20 + 2,
        "pki and etcd dirs, 10 pairs, sa.key and sa.pub"
    );
    for facts in &walked {
        let expected = if facts.is_dir {
            0o755
        } else if facts.path.ends_with(".crt") {
            0o644
        } else {
            0o600
        };
        assert_eq!(facts.mode, expected, "{}", facts.path);
        assert_eq!((facts.uid, facts.gid), (0, 0));
    }
    assert_eq!(
        state.origin,
        format!(
            "kubeadm configuration {}",
            temp.path().join("init.yaml").display()
        )
    );
}

#[test]
fn a_worker_from_a_join_configuration() {
    let temp = tempfile::tempdir().unwrap();
    let state = read_text(
        temp.path(),
        "join.yaml",
        "apiVersion: kubeadm.k8s.io/v1beta3\nkind: JoinConfiguration\nnodeRegistration:\n  \
         kubeletExtraArgs:\n    read-only-port: \"10255\"\n",
    )
    .unwrap();
    let names: Vec<Component> = state.components.keys().copied().collect();
    assert_eq!(names, [Component::Kubelet]);
    assert_eq!(
        flag(&state, Component::Kubelet, "read-only-port")
            .source
            .line,
        Some(5)
    );
    assert_eq!(
        state
            .files
            .stat("/etc/kubernetes/pki/ca.crt")
            .unwrap()
            .unwrap()
            .mode,
        0o644
    );
    assert_eq!(
        state.files.stat("/etc/kubernetes/admin.conf").unwrap(),
        None
    );
}

#[test]
fn external_etcd_and_no_proxy() {
    let temp = tempfile::tempdir().unwrap();
    let state = read_text(
        temp.path(),
        "c.yaml",
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nproxy:\n  disabled: true\n\
         etcd:\n  external:\n    endpoints: [\"https://10.0.0.1:2379\", \"https://10.0.0.2:2379\"]\n\
         \x20   caFile: /etc/etcd/ca.crt\n    certFile: /etc/etcd/c.crt\n    keyFile: /etc/etcd/c.key\n",
    )
    .unwrap();
    assert!(!state.components.contains_key(&Component::Etcd));
    assert!(!state.components.contains_key(&Component::Proxy));
    assert_eq!(
        flag(&state, Component::ApiServer, "etcd-servers").value,
        "https://10.0.0.1:2379,https://10.0.0.2:2379"
    );
    assert_eq!(
        flag(&state, Component::ApiServer, "etcd-cafile")
            .source
            .line,
        Some(8)
    );
    assert_eq!(
        state
            .files
            .stat("/etc/kubernetes/manifests/etcd.yaml")
            .unwrap(),
        None
    );
}

#[test]
fn errors_say_where() {
    let temp = tempfile::tempdir().unwrap();
    /// (text, what it shows, where the error is, what it says)
    type Case = (&'static str, &'static str, Option<(u32, u32)>, &'static str);
    let cases: [Case; 8] = [
        ("a: [1, 2\n", "not YAML", Some((2, 1)), "not YAML"),
        (
            "apiVersion: v1\nkind: ConfigMap\n",
            "no kubeadm document",
            None,
            "no InitConfiguration",
        ),
        (
            "apiVersion: kubeadm.k8s.io/v1alpha3\nkind: InitConfiguration\n",
            "unknown apiVersion",
            Some((1, 13)),
            "unknown apiVersion kubeadm.k8s.io/v1alpha3",
        ),
        (
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  \
             extraArgs:\n    - name: profiling\n      value: \"false\"\n",
            "list in v1beta3",
            Some((5, 5)),
            "must be a map",
        ),
        (
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  \
             extraArgs:\n    profiling: \"false\"\n",
            "map in v1beta4",
            Some((5, 5)),
            "must be a list",
        ),
        (
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\napiServer:\n  \
             extraArgs:\n    audit-log-maxage: 30\n",
            "number value",
            Some((5, 23)),
            "must be a string (quote it)",
        ),
        (
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\netcd:\n  local:\n    \
             dataDir: [a]\n",
            "wrong type",
            Some((5, 14)),
            "etcd.local.dataDir must be a string",
        ),
        (
            "apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n---\n\
             apiVersion: kubeadm.k8s.io/v1beta3\nkind: InitConfiguration\n",
            "twice",
            Some((4, 1)),
            "a second InitConfiguration",
        ),
    ];
    for (text, what, at, message) in cases {
        let error = error_of(read_text(temp.path(), "bad.yaml", text), what);
        assert!(error.file.ends_with("bad.yaml"), "{what}: {error}");
        assert_eq!(error.line.zip(error.column), at, "{what}: {error}");
        assert!(error.message.contains(message), "{what}: {error}");
        assert!(error.to_string().starts_with(&error.file), "{what}");
    }
    let binary = error_of(read_text(temp.path(), "bin.yaml", "\0\u{1}\u{2}"), "binary");
    assert!(binary.message.contains("not YAML"), "{binary}");
    let kubelet = error_of(
        read_text(
            temp.path(),
            "k.yaml",
            "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n---\n\
             apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n\
             authentication: no\n",
        ),
        "kubelet",
    );
    assert_eq!(kubelet.line, Some(6), "{kubelet}");
}

#[test]
fn a_bundle_reads_the_files_its_flags_name() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    std::fs::write(
        dir.join("kubeadm.yaml"),
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer:\n  extraArgs:\n\
         \x20   - name: encryption-provider-config\n      value: /etc/kubernetes/enc/encryption.yaml\n\
         \x20   - name: audit-policy-file\n      value: /etc/kubernetes/audit/policy.yaml\n\
         \x20 extraVolumes:\n    - name: enc\n      hostPath: /srv/enc\n      mountPath: /etc/kubernetes/enc\n",
    )
    .unwrap();
    let encryption = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n";
    std::fs::write(dir.join("encryption.yaml"), encryption).unwrap();
    // Broken, but the API server's to read: not a reason to refuse the bundle.
    std::fs::write(dir.join("policy.yaml"), "rules: [\n").unwrap();
    std::fs::write(dir.join("notes.txt"), "not read").unwrap();
    let state = read(dir);
    let content = state
        .files
        .read("/srv/enc/encryption.yaml")
        .unwrap()
        .unwrap();
    assert_eq!(content, encryption.as_bytes());
    assert!(
        state.files.stat("/srv/enc/encryption.yaml").is_err(),
        "mode not known"
    );
    assert_eq!(
        state
            .files
            .read("/etc/kubernetes/audit/policy.yaml")
            .unwrap()
            .unwrap(),
        b"rules: [\n"
    );
    assert_eq!(
        state.files.read("/etc/kubernetes/missing.yaml").unwrap(),
        None
    );

    // A broken file no flag names is an error.
    std::fs::write(dir.join("stray.yaml"), "a: [\n").unwrap();
    let error = error_of(read_kubeadm_config(dir, parse_documents), "bundle");
    assert!(error.file.ends_with("stray.yaml"), "{error}");
    std::fs::remove_file(dir.join("stray.yaml")).unwrap();

    // A file of the bundle that cannot be read is said, not skipped.
    let locked = dir.join("locked.yaml");
    std::fs::write(&locked, "x: 1\n").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        let error = error_of(read_kubeadm_config(dir, parse_documents), "bundle");
        assert!(error.file.ends_with("locked.yaml"), "{error}");
    }
}

#[test]
fn patches_are_said_not_applied() {
    let temp = tempfile::tempdir().unwrap();
    let state = read_text(
        temp.path(),
        "init.yaml",
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\npatches:\n  directory: /etc/kubeadm/patches\n",
    )
    .unwrap();
    assert_eq!(state.unreadable.len(), 1);
    assert_eq!(state.unreadable[0].path, "/etc/kubeadm/patches");
}

#[test]
fn a_bundle_whose_configuration_is_broken_says_where() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("audit.yaml"),
        "apiVersion: audit.k8s.io/v1\nkind: Policy\n",
    )
    .unwrap();
    std::fs::write(
        temp.path().join("kubeadm.yaml"),
        "apiVersion: kubeadm.k8s.io/v1beta4\nkind: [\n",
    )
    .unwrap();
    let error = error_of(read_kubeadm_config(temp.path(), parse_documents), "broken");
    assert!(error.file.ends_with("kubeadm.yaml"), "{error}");
    assert!(error.line.is_some(), "{error}");
    std::fs::remove_file(temp.path().join("kubeadm.yaml")).unwrap();
    let error = error_of(read_kubeadm_config(temp.path(), parse_documents), "none");
    assert!(error.message.contains("no InitConfiguration"), "{error}");
}
