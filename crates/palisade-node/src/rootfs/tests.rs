//! `read_node` over real files: a kubeadm v1.32 control plane node (the manifests carry the
//! exact flags of kind's kubeadm-built v1.32.13 control plane, from the corpus), with real
//! modes, owners, a fake `/proc`, and hostile inputs.

use std::fs;
use std::os::unix::fs::{PermissionsExt, chown, symlink};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::read_node;
use crate::state::{Component, FlagValue, NodeState, Source};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/kubeadm-v1.32");
const APISERVER: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";
const DROP_IN: &str = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf";
const FLAGS_ENV: &str = "/var/lib/kubelet/kubeadm-flags.env";

fn running_as_root() -> bool {
    // The owner of a file just created is the effective user.
    let probe = match tempfile::NamedTempFile::new() {
        Ok(probe) => probe,
        Err(_) => return false,
    };
    std::os::unix::fs::MetadataExt::uid(&fs::metadata(probe.path()).expect("probe metadata")) == 0
}

/// A node's filesystem in a temporary directory.
struct Tree {
    dir: TempDir,
}

impl Tree {
    fn empty() -> Tree {
        Tree {
            dir: TempDir::new().expect("temporary directory"),
        }
    }

    /// The kubeadm control plane node, with the modes kubeadm and the packages give its files.
    fn kubeadm() -> Tree {
        let tree = Tree::empty();
        copy_dir(Path::new(FIXTURE), tree.root());
        for manifest in [
            "kube-apiserver",
            "kube-controller-manager",
            "kube-scheduler",
            "etcd",
        ] {
            tree.chmod(&format!("/etc/kubernetes/manifests/{manifest}.yaml"), 0o600);
        }
        tree.chmod(DROP_IN, 0o644);
        tree.write(
            "/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\netcd:x:996:994:etcd user:/var/lib/etcd:/sbin/nologin\n",
        );
        tree.write("/etc/group", "root:x:0:\ndaemon:x:1:\netcd:x:994:\n");
        for (path, mode) in [
            ("/etc/kubernetes/admin.conf", 0o600),
            ("/etc/kubernetes/super-admin.conf", 0o600),
            ("/etc/kubernetes/controller-manager.conf", 0o600),
            ("/etc/kubernetes/scheduler.conf", 0o600),
            ("/etc/kubernetes/kubelet.conf", 0o600),
            ("/etc/kubernetes/pki/ca.crt", 0o644),
            ("/etc/kubernetes/pki/ca.key", 0o600),
            ("/etc/kubernetes/pki/apiserver.crt", 0o644),
            ("/etc/kubernetes/pki/apiserver.key", 0o600),
            ("/etc/kubernetes/pki/etcd/ca.crt", 0o644),
            ("/etc/kubernetes/pki/etcd/ca.key", 0o600),
        ] {
            tree.write(path, "not a real credential\n");
            tree.chmod(path, mode);
        }
        tree.mkdir("/var/lib/etcd/member");
        tree.chmod("/var/lib/etcd", 0o700);
        tree
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn host(&self, path: &str) -> PathBuf {
        self.root().join(path.trim_start_matches('/'))
    }

    fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let host = self.host(path);
        if let Some(parent) = host.parent() {
            fs::create_dir_all(parent).expect("parent directories");
        }
        fs::write(host, content).expect("file written");
    }

    fn mkdir(&self, path: &str) {
        fs::create_dir_all(self.host(path)).expect("directory");
    }

    fn chmod(&self, path: &str, mode: u32) {
        fs::set_permissions(self.host(path), fs::Permissions::from_mode(mode)).expect("chmod");
    }

    fn symlink(&self, link: &str, target: &str) {
        let host = self.host(link);
        if let Some(parent) = host.parent() {
            fs::create_dir_all(parent).expect("parent directories");
        }
        symlink(target, host).expect("symlink");
    }

    /// A process: its command line as the kernel shows it (NUL after every argument).
    fn process(&self, pid: u32, argv: &[&str]) {
        let mut bytes = Vec::new();
        for arg in argv {
            bytes.extend_from_slice(arg.as_bytes());
            bytes.push(0);
        }
        self.write(&format!("/proc/{pid}/cmdline"), bytes);
    }

    fn read(&self) -> NodeState {
        read_node(self.root(), palisade_load::parse_documents)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("directory");
    for entry in fs::read_dir(from).expect("fixture directory") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("fixture copied");
        }
    }
}

fn manifest(file: &str, line: u32, column: u32) -> Source {
    Source::new("static pod manifest")
        .in_file(file)
        .at(line, column)
}

fn flag<'a>(state: &'a NodeState, component: Component, name: &str) -> &'a FlagValue {
    match state
        .components
        .get(&component)
        .and_then(|c| c.flags.get(name))
    {
        Some(value) => value,
        None => panic!("{component} has no --{name}"),
    }
}

fn reasons(state: &NodeState) -> Vec<String> {
    state
        .unreadable
        .iter()
        .map(|entry| format!("{}: {}", entry.path, entry.reason))
        .collect()
}

#[test]
fn a_kubeadm_control_plane_reads_with_file_line_and_column() {
    let tree = Tree::kubeadm();
    let state = tree.read();
    assert_eq!(reasons(&state), Vec::<String>::new());
    assert_eq!(
        state.components.keys().copied().collect::<Vec<_>>(),
        vec![
            Component::ApiServer,
            Component::ControllerManager,
            Component::Scheduler,
            Component::Etcd,
            Component::Kubelet,
        ],
        "kube-proxy runs as a DaemonSet on kubeadm nodes: nothing on disk"
    );
    assert_eq!(
        state.origin,
        format!("node --root {}", tree.root().display())
    );

    let apiserver = &state.components[&Component::ApiServer];
    assert_eq!(apiserver.found_by, vec![manifest(APISERVER, 15, 7)]);
    assert_eq!(apiserver.flags.len(), 28);
    assert_eq!(
        flag(&state, Component::ApiServer, "authorization-mode"),
        &FlagValue {
            value: "Node,RBAC".to_string(),
            source: manifest(APISERVER, 18, 7),
        }
    );
    assert_eq!(
        flag(&state, Component::ApiServer, "enable-admission-plugins").value,
        "NodeRestriction"
    );
    // `--runtime-config=` is there with an empty value, not absent.
    assert_eq!(
        flag(&state, Component::ApiServer, "runtime-config"),
        &FlagValue {
            value: String::new(),
            source: manifest(APISERVER, 43, 7),
        }
    );
    assert!(!apiserver.flags.contains_key("anonymous-auth"));

    let etcd_manifest = "/etc/kubernetes/manifests/etcd.yaml";
    assert_eq!(
        flag(&state, Component::Etcd, "data-dir"),
        &FlagValue {
            value: "/var/lib/etcd".to_string(),
            source: manifest(etcd_manifest, 19, 7),
        }
    );
    assert_eq!(
        flag(&state, Component::Etcd, "client-cert-auth").value,
        "true"
    );
    assert_eq!(
        flag(
            &state,
            Component::ControllerManager,
            "use-service-account-credentials"
        )
        .source,
        manifest(
            "/etc/kubernetes/manifests/kube-controller-manager.yaml",
            30,
            7
        )
    );
    assert_eq!(
        flag(&state, Component::Scheduler, "bind-address").value,
        "127.0.0.1"
    );

    // The kubelet: 10-kubeadm.conf's variables and kubeadm-flags.env, at the flag's column.
    let kubelet = &state.components[&Component::Kubelet];
    assert_eq!(
        kubelet.found_by,
        vec![
            Source::new("systemd unit").in_file("/usr/lib/systemd/system/kubelet.service"),
            Source::new("systemd drop-in").in_file(DROP_IN),
            Source::new("kubeadm-flags.env").in_file(FLAGS_ENV),
            Source::new("kubelet environment file").in_file("/etc/sysconfig/kubelet"),
        ]
    );
    assert_eq!(
        flag(&state, Component::Kubelet, "kubeconfig"),
        &FlagValue {
            value: "/etc/kubernetes/kubelet.conf".to_string(),
            source: Source::new("systemd drop-in").in_file(DROP_IN).at(3, 100),
        }
    );
    assert_eq!(
        flag(&state, Component::Kubelet, "container-runtime-endpoint"),
        &FlagValue {
            value: "unix:///var/run/containerd/containerd.sock".to_string(),
            source: Source::new("kubeadm-flags.env")
                .in_file(FLAGS_ENV)
                .at(1, 23),
        }
    );
    assert_eq!(
        flag(&state, Component::Kubelet, "config").source,
        Source::new("systemd drop-in").in_file(DROP_IN).at(4, 34)
    );
    assert_eq!(kubelet.flags.len(), 5);
    let config = kubelet.config.as_ref().expect("the kubelet config file");
    assert_eq!(config.path, "/var/lib/kubelet/config.yaml");
    let static_pod_path = config.root.entry("staticPodPath").expect("staticPodPath");
    assert_eq!(
        (static_pod_path.key_pos.line, static_pod_path.key_pos.column),
        (18, 1)
    );
    assert_eq!(
        static_pod_path.value.as_str(),
        Some("/etc/kubernetes/manifests")
    );
}

#[test]
fn file_modes_owners_and_names_come_from_the_node() {
    let tree = Tree::kubeadm();
    let as_root = running_as_root();
    if as_root {
        chown(tree.host("/var/lib/etcd"), Some(996), Some(994)).expect("chown etcd");
        for path in [APISERVER, "/etc/kubernetes/pki/ca.key"] {
            chown(tree.host(path), Some(0), Some(0)).expect("chown root");
        }
    }
    let state = tree.read();
    let files = &state.files;

    let apiserver = files.stat(APISERVER).expect("stat").expect("exists");
    assert_eq!(apiserver.path, APISERVER);
    assert_eq!(apiserver.mode, 0o600);
    assert!(!apiserver.is_dir);
    let etcd = files.stat("/var/lib/etcd").expect("stat").expect("exists");
    assert_eq!(etcd.mode, 0o700);
    assert!(etcd.is_dir);
    if as_root {
        assert_eq!((etcd.uid, etcd.gid), (996, 994));
        assert_eq!(
            (etcd.user.as_deref(), etcd.group.as_deref()),
            (Some("etcd"), Some("etcd"))
        );
        assert_eq!(
            (apiserver.user.as_deref(), apiserver.group.as_deref()),
            (Some("root"), Some("root"))
        );
    }
    assert_eq!(files.stat("/etc/kubernetes/missing.conf"), Ok(None));
    // A path through a regular file does not exist either (ENOTDIR).
    assert_eq!(files.stat("/etc/kubernetes/admin.conf/x"), Ok(None));

    let walked = files
        .walk("/etc/kubernetes/pki/")
        .expect("walk")
        .expect("exists");
    let listing: Vec<(String, u32, bool)> = walked
        .iter()
        .map(|facts| (facts.path.clone(), facts.mode, facts.is_dir))
        .collect();
    assert_eq!(
        listing,
        vec![
            ("/etc/kubernetes/pki".to_string(), 0o755, true),
            (
                "/etc/kubernetes/pki/apiserver.crt".to_string(),
                0o644,
                false
            ),
            (
                "/etc/kubernetes/pki/apiserver.key".to_string(),
                0o600,
                false
            ),
            ("/etc/kubernetes/pki/ca.crt".to_string(), 0o644, false),
            ("/etc/kubernetes/pki/ca.key".to_string(), 0o600, false),
            ("/etc/kubernetes/pki/etcd".to_string(), 0o755, true),
            ("/etc/kubernetes/pki/etcd/ca.crt".to_string(), 0o644, false),
            ("/etc/kubernetes/pki/etcd/ca.key".to_string(), 0o600, false),
        ]
    );
    assert_eq!(files.walk("/etc/cni/net.d"), Ok(None));

    assert_eq!(
        files.read("/etc/kubernetes/admin.conf"),
        Ok(Some(b"not a real credential\n".to_vec()))
    );
    assert_eq!(files.read("/etc/kubernetes/none"), Ok(None));
    assert_eq!(
        files.read("/etc/kubernetes/pki"),
        Err("not a regular file".to_string())
    );
}

#[test]
fn the_running_process_is_the_truth_and_the_manifest_the_evidence() {
    let tree = Tree::kubeadm();
    let manifest_text = fs::read_to_string(tree.host(APISERVER)).expect("manifest");
    let mut argv: Vec<String> = manifest_text
        .lines()
        .filter_map(|line| line.strip_prefix("    - "))
        .take_while(|word| word.starts_with('-') || *word == "kube-apiserver")
        .map(str::to_string)
        .collect();
    argv[0] = "/usr/local/bin/kube-apiserver".to_string();
    // Someone turned anonymous authentication on by hand; the manifest still has the old flags.
    argv.push("--anonymous-auth=true".to_string());
    argv.retain(|word| word != "--enable-bootstrap-token-auth=true");
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    tree.process(812, &argv);
    tree.process(
        9001,
        &[
            "/usr/bin/kubelet",
            "--config=/var/lib/kubelet/config.yaml",
            "--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock",
            "--read-only-port=10255",
        ],
    );
    tree.process(1, &["/sbin/init"]);
    tree.write(
        "/proc/self/cmdline",
        b"kube-apiserver\0--anonymous-auth=false\0",
    );
    tree.write("/proc/uptime", "1.0 1.0\n");
    tree.mkdir("/proc/77");
    tree.write("/proc/78/cmdline", b"\xff\xfe\x00\x01garbage\x00");
    tree.process(4000, &["etcdctl", "get", "/"]);

    let state = tree.read();
    assert_eq!(reasons(&state), Vec::<String>::new());
    let apiserver = &state.components[&Component::ApiServer];
    assert_eq!(
        apiserver.found_by,
        vec![
            manifest(APISERVER, 15, 7),
            Source::new("process 812").in_file("/proc/812/cmdline"),
        ]
    );
    assert_eq!(
        flag(&state, Component::ApiServer, "anonymous-auth"),
        &FlagValue {
            value: "true".to_string(),
            source: Source::new("process 812").in_file("/proc/812/cmdline"),
        }
    );
    assert_eq!(
        flag(&state, Component::ApiServer, "authorization-mode").source,
        manifest(APISERVER, 18, 7)
    );
    assert!(!apiserver.flags.contains_key("enable-bootstrap-token-auth"));
    // /proc/self, /proc/uptime, a process without a command line, undecodable bytes and
    // etcdctl are none of the components.
    assert_eq!(
        state.components[&Component::Etcd].found_by,
        vec![manifest("/etc/kubernetes/manifests/etcd.yaml", 15, 7)]
    );

    // The kubelet process wins over its unit files; same values keep the files as evidence.
    assert_eq!(
        flag(&state, Component::Kubelet, "read-only-port"),
        &FlagValue {
            value: "10255".to_string(),
            source: Source::new("process 9001").in_file("/proc/9001/cmdline"),
        }
    );
    assert_eq!(
        flag(&state, Component::Kubelet, "container-runtime-endpoint").source,
        Source::new("kubeadm-flags.env")
            .in_file(FLAGS_ENV)
            .at(1, 23)
    );
    assert!(
        !state.components[&Component::Kubelet]
            .flags
            .contains_key("kubeconfig")
    );
}

#[test]
fn kubelet_flags_follow_systemd_precedence() {
    let tree = Tree::kubeadm();
    // The extra-args file comes last on ExecStart=, so it wins over kubeadm-flags.env.
    tree.write(
        "/etc/sysconfig/kubelet",
        "KUBELET_EXTRA_ARGS=\"--container-runtime-endpoint=unix:///run/crio/crio.sock --anonymous-auth false\"\n",
    );
    // A drop-in under /etc sorts after 10-kubeadm.conf and replaces the --config variable.
    tree.write(
        "/etc/systemd/system/kubelet.service.d/20-hardening.conf",
        "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/etc/kubernetes/kubelet/config.yaml\"\n",
    );
    tree.write(
        "/etc/kubernetes/kubelet/config.yaml",
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\nstaticPodPath: /etc/kubelet.d/\n",
    );
    tree.write(
        "/etc/kubelet.d/kube-proxy.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-proxy\nspec:\n  containers:\n  - name: kube-proxy\n    image: registry.k8s.io/kube-proxy:v1.32.13\n    args:\n    - --hostname-override=$(NODE_NAME)\n    - --metrics-bind-address=0.0.0.0:10249\n    env:\n    - name: NODE_NAME\n      value: worker-1\n",
    );
    let state = tree.read();
    assert_eq!(reasons(&state), Vec::<String>::new());
    let extra = Source::new("kubelet environment file").in_file("/etc/sysconfig/kubelet");
    assert_eq!(
        flag(&state, Component::Kubelet, "container-runtime-endpoint"),
        &FlagValue {
            value: "unix:///run/crio/crio.sock".to_string(),
            source: extra.clone().at(1, 21),
        }
    );
    // pflag: a bare boolean is true and "false" is left over as a positional argument.
    assert_eq!(
        flag(&state, Component::Kubelet, "anonymous-auth").value,
        "true"
    );
    let drop_in = "/etc/systemd/system/kubelet.service.d/20-hardening.conf";
    assert_eq!(
        flag(&state, Component::Kubelet, "config"),
        &FlagValue {
            value: "/etc/kubernetes/kubelet/config.yaml".to_string(),
            source: Source::new("systemd drop-in").in_file(drop_in).at(2, 34),
        }
    );
    let kubelet = &state.components[&Component::Kubelet];
    assert_eq!(
        kubelet.config.as_ref().map(|config| config.path.as_str()),
        Some("/etc/kubernetes/kubelet/config.yaml")
    );
    // The config's staticPodPath is read too: an args-only pod named by its image.
    let proxy = &state.components[&Component::Proxy];
    assert_eq!(
        proxy.found_by,
        vec![manifest("/etc/kubelet.d/kube-proxy.yaml", 7, 5)]
    );
    assert_eq!(
        flag(&state, Component::Proxy, "hostname-override"),
        &FlagValue {
            value: "worker-1".to_string(),
            source: manifest("/etc/kubelet.d/kube-proxy.yaml", 10, 7),
        }
    );
    assert_eq!(proxy.env["NODE_NAME"].value, "worker-1");
    assert_eq!(
        proxy.env["NODE_NAME"].source,
        manifest("/etc/kubelet.d/kube-proxy.yaml", 14, 14)
    );
    // The kubeadm manifests are still read.
    assert!(state.components.contains_key(&Component::ApiServer));
}

#[test]
fn a_drop_in_in_etc_hides_the_same_name_below_it() {
    let tree = Tree::kubeadm();
    tree.write(
        "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
        "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet \\\n  --config=/var/lib/kubelet/config.yaml \\\n  --rotate-certificates\n",
    );
    let state = tree.read();
    let kubelet = &state.components[&Component::Kubelet];
    let names: Vec<&str> = kubelet.flags.keys().map(String::as_str).collect();
    assert_eq!(names, vec!["config", "rotate-certificates"]);
    assert_eq!(
        flag(&state, Component::Kubelet, "rotate-certificates"),
        &FlagValue {
            value: "true".to_string(),
            source: Source::new("systemd drop-in")
                .in_file("/etc/systemd/system/kubelet.service.d/10-kubeadm.conf")
                .at(5, 3),
        }
    );
}

#[test]
fn without_a_unit_the_kubeadm_environment_files_still_give_the_flags() {
    let tree = Tree::empty();
    tree.write(
        FLAGS_ENV,
        "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --pod-infra-container-image=registry.k8s.io/pause:3.10\"\n",
    );
    tree.write(
        "/etc/default/kubelet",
        "KUBELET_EXTRA_ARGS=--node-ip=10.0.0.5\n",
    );
    tree.write(
        "/var/lib/kubelet/config.yaml",
        "kind: KubeletConfiguration\nreadOnlyPort: 0\n",
    );
    let state = tree.read();
    let kubelet = &state.components[&Component::Kubelet];
    assert_eq!(kubelet.flags.len(), 3);
    assert_eq!(
        flag(&state, Component::Kubelet, "node-ip").source,
        Source::new("kubelet environment file")
            .in_file("/etc/default/kubelet")
            .at(1, 20)
    );
    assert_eq!(
        kubelet.config.as_ref().map(|config| config.path.as_str()),
        Some("/var/lib/kubelet/config.yaml")
    );
    assert_eq!(
        state.origin,
        format!("node --root {}", tree.root().display())
    );
}

#[test]
fn etcd_environment_and_a_kube_proxy_config_are_read_from_the_process() {
    let tree = Tree::empty();
    tree.process(300, &["etcd", "--data-dir=/var/lib/etcd", "--name", "cp-1"]);
    tree.write(
        "/proc/300/environ",
        b"PATH=/usr/bin\0ETCD_CLIENT_CERT_AUTH=true\0ETCD_AUTO_TLS=false\0BROKEN\0",
    );
    tree.process(
        301,
        &[
            "/usr/local/bin/kube-proxy",
            "--config=/var/lib/kube-proxy/config.conf",
        ],
    );
    tree.write(
        "/var/lib/kube-proxy/config.conf",
        "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 127.0.0.1:10249\n",
    );
    tree.process(302, &["kube-proxy", "--config=/missing/config.conf"]);
    let state = tree.read();
    let etcd = &state.components[&Component::Etcd];
    assert_eq!(flag(&state, Component::Etcd, "name").value, "cp-1");
    assert_eq!(
        etcd.env["ETCD_CLIENT_CERT_AUTH"],
        FlagValue {
            value: "true".to_string(),
            source: Source::new("process 300").in_file("/proc/300/environ"),
        }
    );
    assert!(!etcd.env.contains_key("BROKEN"));
    let proxy = &state.components[&Component::Proxy];
    assert_eq!(
        proxy.found_by.len(),
        2,
        "both kube-proxy processes are listed"
    );
    let config = proxy.config.as_ref().expect("kube-proxy config");
    assert_eq!(config.path, "/var/lib/kube-proxy/config.conf");
    assert_eq!(
        config
            .root
            .get("metricsBindAddress")
            .and_then(|node| node.as_str()),
        Some("127.0.0.1:10249")
    );
    // No kubelet anywhere: none reported.
    assert!(!state.components.contains_key(&Component::Kubelet));
}

#[test]
fn a_missing_config_file_is_said() {
    let tree = Tree::empty();
    tree.process(
        302,
        &["kube-proxy", "--config=/var/lib/kube-proxy/config.conf"],
    );
    let state = tree.read();
    assert_eq!(
        reasons(&state),
        vec![
            "/var/lib/kube-proxy/config.conf: the kube-proxy config file named by --config (process 302 /proc/302/cmdline) is not on the node"
                .to_string()
        ]
    );
    assert!(state.components[&Component::Proxy].config.is_none());
}

#[test]
fn hostile_manifests_are_recorded_not_fatal() {
    let tree = Tree::kubeadm();
    let dir = "/etc/kubernetes/manifests";
    tree.write(
        &format!("{dir}/broken.yaml"),
        "apiVersion: v1\nkind: Pod\nspec:\n  containers: [\n",
    );
    tree.write(
        &format!("{dir}/binary.yaml"),
        b"\x7fELF\x02\x01\x01\x00\x00\x00",
    );
    tree.write(
        &format!("{dir}/latin1.json"),
        b"{\"kind\": \"Pod\", \"x\": \"\xe9\"}",
    );
    let huge = fs::File::create(tree.host(&format!("{dir}/huge.yaml"))).expect("huge file");
    huge.set_len(100 * 1024 * 1024).expect("100 MB, sparse");
    tree.symlink(&format!("{dir}/loop-a.yaml"), "loop-b.yaml");
    tree.symlink(
        &format!("{dir}/loop-b.yaml"),
        "/etc/kubernetes/manifests/loop-a.yaml",
    );
    tree.symlink(&format!("{dir}/dangling.yaml"), "/nowhere.yaml");
    tree.mkdir(&format!("{dir}/subdir.yaml"));
    tree.write(&format!("{dir}/.hidden.yaml"), "{{ not yaml");
    tree.write(&format!("{dir}/README.md"), "{{ not yaml");
    tree.write(
        &format!("{dir}/odd.yaml"),
        "kind: Pod\nspec:\n  containers:\n  - command: 42\n  - command: [kube-scheduler, {a: b}, 10259, null]\n  - command: [etcdctl, --x]\n",
    );

    let state = tree.read();
    let reasons = reasons(&state);
    let broken = format!("{dir}/broken.yaml: {dir}/broken.yaml:");
    assert!(
        reasons.iter().any(|r| r.starts_with(&broken)),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(&format!(
            "{dir}/binary.yaml: a binary file (NUL byte at offset 7), not text"
        )),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(&format!(
            "{dir}/latin1.json: not UTF-8 text (invalid byte at offset 22)"
        )),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(&format!(
            "{dir}/huge.yaml: larger than 1048576 bytes, not read"
        )),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(&format!(
            "{dir}/loop-a.yaml: too many levels of symbolic links"
        )),
        "{reasons:#?}"
    );
    assert!(
        reasons.contains(&format!(
            "{dir}/loop-b.yaml: too many levels of symbolic links"
        )),
        "{reasons:#?}"
    );
    assert_eq!(reasons.len(), 6, "{reasons:#?}");
    // The good manifests are still read, and the odd one adds a scheduler container.
    let scheduler = &state.components[&Component::Scheduler];
    assert_eq!(scheduler.found_by.len(), 2);
    assert_eq!(
        flag(&state, Component::ApiServer, "secure-port").value,
        "6443"
    );

    let loops = state.files.stat("/etc/kubernetes/manifests/loop-a.yaml");
    assert_eq!(loops, Err("too many levels of symbolic links".to_string()));
    assert_eq!(
        state.files.stat("/etc/kubernetes/manifests/dangling.yaml"),
        Ok(None)
    );
    assert_eq!(
        state.files.read("/etc/kubernetes/manifests/huge.yaml"),
        Err("larger than 1048576 bytes, not read".to_string())
    );
}

#[test]
fn hostile_processes_are_bounded() {
    let tree = Tree::kubeadm();
    let mut long = b"kube-apiserver\0".to_vec();
    long.extend(std::iter::repeat_n(b'x', 2 * 1024 * 1024));
    tree.write("/proc/500/cmdline", &long);
    let mut long_other = b"/usr/bin/java\0".to_vec();
    long_other.extend(std::iter::repeat_n(b'y', 2 * 1024 * 1024));
    tree.write("/proc/501/cmdline", &long_other);
    tree.write("/proc/502/cmdline", b"");
    tree.process(
        503,
        &[
            "kube-scheduler",
            "--bind-address=0.0.0.0\n\t\u{7f}",
            "--=x",
            "---y",
        ],
    );
    tree.mkdir("/proc/504/cmdline");

    let state = tree.read();
    assert_eq!(
        reasons(&state),
        vec![
            "/proc/500/cmdline: the kube-apiserver command line is longer than 1048576 bytes; its flags were not read"
                .to_string(),
            "/proc/504/cmdline: not a regular file".to_string(),
        ]
    );
    assert_eq!(
        flag(&state, Component::Scheduler, "bind-address").value,
        "0.0.0.0\n\t\u{7f}"
    );
    assert_eq!(
        flag(&state, Component::ApiServer, "secure-port")
            .source
            .kind,
        "static pod manifest"
    );
}

#[test]
fn walking_survives_symlink_loops_and_escapes() {
    let tree = Tree::kubeadm();
    tree.symlink("/etc/kubernetes/pki/etcd/parent", "..");
    tree.symlink("/etc/kubernetes/pki/self", "/etc/kubernetes/pki");
    // An absolute link points inside the node, never at the machine palisade runs on.
    tree.symlink(
        "/etc/kubernetes/pki/front-proxy-ca.crt",
        "/srv/front-proxy-ca.crt",
    );
    tree.write("/srv/front-proxy-ca.crt", "not a real certificate\n");
    tree.chmod("/srv/front-proxy-ca.crt", 0o640);
    tree.symlink("/etc/kubernetes/pki/escape", "../../../../../../../../etc");

    let state = tree.read();
    let walked = state
        .files
        .walk("/etc/kubernetes/pki")
        .expect("walk")
        .expect("exists");
    let paths: Vec<&str> = walked.iter().map(|facts| facts.path.as_str()).collect();
    assert!(paths.contains(&"/etc/kubernetes/pki/etcd/parent"));
    assert!(paths.contains(&"/etc/kubernetes/pki/self"));
    assert!(
        !paths
            .iter()
            .any(|path| path.contains("parent/") || path.contains("self/"))
    );
    let linked = walked
        .iter()
        .find(|facts| facts.path == "/etc/kubernetes/pki/front-proxy-ca.crt")
        .expect("the linked certificate");
    assert_eq!(linked.mode, 0o640, "the target's mode, not the link's 0777");
    // Linked directories are listed, not entered.
    assert_eq!(walked.len(), 12, "{paths:#?}");
    let escape = walked
        .iter()
        .find(|facts| facts.path == "/etc/kubernetes/pki/escape")
        .expect("the escaping link");
    assert!(escape.is_dir);
    // `..` stops at the node's root: the escape leads to the node's /etc, not this machine's.
    let passwd = state
        .files
        .read("/etc/kubernetes/pki/escape/passwd")
        .expect("read")
        .expect("the node's passwd");
    assert!(String::from_utf8_lossy(&passwd).contains("etcd:x:996:994"));
}

#[test]
fn unreadable_files_are_errors_unless_running_as_root() {
    let tree = Tree::kubeadm();
    tree.chmod(APISERVER, 0o000);
    tree.chmod("/etc/kubernetes/pki/etcd", 0o000);
    let state = tree.read();
    if running_as_root() {
        // root reads mode 000 files: nothing to assert about permission errors here.
        assert!(state.components.contains_key(&Component::ApiServer));
        assert!(state.files.walk("/etc/kubernetes/pki").is_ok());
        return;
    }
    assert!(
        reasons(&state).contains(&format!("{APISERVER}: permission denied")),
        "{:#?}",
        reasons(&state)
    );
    assert!(state.files.walk("/etc/kubernetes/pki").is_err());
    let facts = state.files.stat(APISERVER).expect("stat").expect("exists");
    assert_eq!(facts.mode, 0);
    assert_eq!(
        state.files.read(APISERVER),
        Err("permission denied".to_string())
    );
}

#[test]
fn an_empty_root_is_an_empty_node() {
    let tree = Tree::empty();
    let state = tree.read();
    assert!(state.components.is_empty());
    assert!(state.unreadable.is_empty());
    assert_eq!(state.files.stat("/etc/kubernetes/admin.conf"), Ok(None));
}

#[test]
fn a_fifo_in_the_manifest_directory_does_not_block() {
    let tree = Tree::kubeadm();
    let fifo = tree.host("/etc/kubernetes/manifests/pipe.yaml");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !matches!(made, Ok(status) if status.success()) {
        return;
    }
    let state = tree.read();
    assert!(state.components.contains_key(&Component::ApiServer));
    assert_eq!(
        state.files.read("/etc/kubernetes/manifests/pipe.yaml"),
        Err("not a regular file".to_string())
    );
}

#[test]
fn a_root_that_is_not_a_directory_is_said() {
    let tree = Tree::empty();
    let missing = tree.root().join("no-such-node");
    let state = read_node(&missing, palisade_load::parse_documents);
    assert!(state.components.is_empty());
    assert_eq!(
        reasons(&state),
        vec![format!(
            "/: the root directory {} does not exist",
            missing.display()
        )]
    );
}

#[test]
fn the_machine_itself_reads_without_failing() {
    // Whatever runs here (no Kubernetes, most likely), reading `/` and its /proc is bounded
    // and never fails; the paths stay the node's own.
    let state = read_node(Path::new("/"), palisade_load::parse_documents);
    assert_eq!(state.origin, "node /");
    for entry in &state.unreadable {
        assert!(entry.path.starts_with('/'), "{entry:?}");
    }
    assert!(matches!(state.files.stat("/"), Ok(Some(facts)) if facts.is_dir));
}
