//! The generated bundle, written to a directory as the CLI writes it and read back as a kubeadm
//! configuration, holds what each benchmark check looks at. The checks themselves are judged by
//! `evaluate`; here each CIS id's flag, field or file mode is asserted directly.

use std::os::unix::fs::PermissionsExt;

use palisade_load::parse_documents;
use palisade_model::Node;

use super::*;
use crate::kubeadm::{KUBEADM_CONFIGURATION, read_kubeadm_config};
use crate::state::{Component, FileFacts, NodeState};

// The strong cipher lists of CIS 1.2.29 and 4.2.12, as the benchmark table holds them.
use crate::checks::{
    APISERVER_STRONG_CIPHERS as API_SERVER_STRONG_CIPHERS, KUBELET_STRONG_CIPHERS,
};

const KEY: [u8; 32] = [7; 32];

/// The bundle in a directory, every file 0600 as the CLI writes it.
fn written_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in with_encryption_key(kubeadm_bundle(), &KEY) {
        let path = dir.path().join(&name);
        std::fs::write(&path, content).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    dir
}

struct Bench {
    state: NodeState,
}

impl Bench {
    fn flag(&self, component: Component, name: &str) -> Option<&str> {
        self.state.components[&component]
            .flags
            .get(name)
            .map(|flag| flag.value.as_str())
    }

    fn has(&self, id: &str, component: Component, name: &str) {
        let flag = self.state.components[&component].flags.get(name);
        assert!(flag.is_some(), "CIS {id}: {component} --{name} missing");
    }

    fn is(&self, id: &str, component: Component, name: &str, value: &str) {
        assert_eq!(
            self.flag(component, name),
            Some(value),
            "CIS {id}: {component} --{name}"
        );
    }

    fn list(&self, component: Component, name: &str) -> Vec<&str> {
        self.flag(component, name)
            .map(|value| value.split(',').collect())
            .unwrap_or_default()
    }

    fn kubelet(&self, path: &[&str]) -> &Node {
        let config = self.state.components[&Component::Kubelet]
            .config
            .as_ref()
            .unwrap();
        config
            .root
            .get_path(path)
            .unwrap_or_else(|| panic!("kubelet config has no {}", path.join(".")))
    }

    fn stat(&self, path: &str) -> FileFacts {
        self.state
            .files
            .stat(path)
            .unwrap_or_else(|error| panic!("{path}: {error}"))
            .unwrap_or_else(|| panic!("{path} is not planned"))
    }

    fn mode_at_most(&self, id: &str, path: &str, mode: u32) {
        let facts = self.stat(path);
        assert_eq!(
            facts.mode & !mode,
            0,
            "CIS {id}: {path} is {:o}",
            facts.mode
        );
    }

    fn owned_by(&self, id: &str, path: &str, user: &str, group: &str) {
        let facts = self.stat(path);
        assert_eq!(
            (facts.user.as_deref(), facts.group.as_deref()),
            (Some(user), Some(group)),
            "CIS {id}: {path}"
        );
    }

    fn read(&self, path: &str) -> String {
        let bytes = self
            .state
            .files
            .read(path)
            .unwrap_or_else(|error| panic!("{path}: {error}"))
            .unwrap_or_else(|| panic!("{path} is not readable"));
        String::from_utf8(bytes).unwrap()
    }
}

fn bench() -> (tempfile::TempDir, Bench) {
    let dir = written_bundle();
    let state = read_kubeadm_config(dir.path(), parse_documents)
        .unwrap_or_else(|error| panic!("the bundle does not read: {error}"));
    (dir, Bench { state })
}

#[test]
fn the_bundle_holds_what_every_automated_check_looks_at() {
    let (_dir, bench) = bench();
    assert!(
        bench.state.unreadable.is_empty(),
        "{:?}",
        bench.state.unreadable
    );
    use Component::*;

    // 1.1: control plane files.
    for (ids, manifest) in [
        ("1.1.1/1.1.2", "kube-apiserver"),
        ("1.1.3/1.1.4", "kube-controller-manager"),
        ("1.1.5/1.1.6", "kube-scheduler"),
        ("1.1.7/1.1.8", "etcd"),
    ] {
        let path = format!("/etc/kubernetes/manifests/{manifest}.yaml");
        bench.mode_at_most(ids, &path, 0o600);
        bench.owned_by(ids, &path, "root", "root");
    }
    let data_dir = bench.flag(Etcd, "data-dir").unwrap();
    bench.mode_at_most("1.1.11", data_dir, 0o700);
    bench.owned_by("1.1.12", data_dir, "etcd", "etcd");
    for (ids, file) in [
        ("1.1.13/1.1.14", "admin.conf"),
        ("1.1.13/1.1.14", "super-admin.conf"),
        ("1.1.15/1.1.16", "scheduler.conf"),
        ("1.1.17/1.1.18", "controller-manager.conf"),
    ] {
        let path = format!("/etc/kubernetes/{file}");
        bench.mode_at_most(ids, &path, 0o600);
        bench.owned_by(ids, &path, "root", "root");
    }
    let pki = bench
        .state
        .files
        .walk("/etc/kubernetes/pki")
        .unwrap()
        .unwrap();
    assert!(pki.len() > 20);
    for facts in &pki {
        assert_eq!(
            facts.user.as_deref(),
            Some("root"),
            "CIS 1.1.19: {}",
            facts.path
        );
        if facts.path.ends_with(".crt") {
            assert_eq!(facts.mode & !0o644, 0, "CIS 1.1.20: {}", facts.path);
        }
        if facts.path.ends_with(".key") {
            assert_eq!(facts.mode & !0o600, 0, "CIS 1.1.21: {}", facts.path);
        }
    }

    // 1.2: API server.
    let plugins = bench.list(ApiServer, "enable-admission-plugins");
    assert!(plugins.contains(&"DenyServiceExternalIPs"), "CIS 1.2.3");
    bench.has("1.2.4", ApiServer, "kubelet-client-certificate");
    bench.has("1.2.4", ApiServer, "kubelet-client-key");
    bench.has("1.2.5", ApiServer, "kubelet-certificate-authority");
    let authorization = bench.list(ApiServer, "authorization-mode");
    assert!(!authorization.contains(&"AlwaysAllow"), "CIS 1.2.6");
    assert!(authorization.contains(&"Node"), "CIS 1.2.7");
    assert!(authorization.contains(&"RBAC"), "CIS 1.2.8");
    assert!(plugins.contains(&"EventRateLimit"), "CIS 1.2.9");
    let admission_file = bench
        .flag(ApiServer, "admission-control-config-file")
        .unwrap();
    assert!(
        bench.read(admission_file).contains("name: EventRateLimit"),
        "CIS 1.2.9"
    );
    assert!(!plugins.contains(&"AlwaysAdmit"), "CIS 1.2.10");
    assert!(plugins.contains(&"AlwaysPullImages"), "CIS 1.2.11");
    assert_eq!(
        bench.flag(ApiServer, "disable-admission-plugins"),
        None,
        "CIS 1.2.12/1.2.13"
    );
    assert!(plugins.contains(&"NodeRestriction"), "CIS 1.2.14");
    bench.is("1.2.15", ApiServer, "profiling", "false");
    bench.is(
        "1.2.16",
        ApiServer,
        "audit-log-path",
        "/var/log/kubernetes/audit/audit.log",
    );
    bench.is("1.2.17", ApiServer, "audit-log-maxage", "30");
    bench.is("1.2.18", ApiServer, "audit-log-maxbackup", "10");
    bench.is("1.2.19", ApiServer, "audit-log-maxsize", "100");
    assert_eq!(bench.flag(ApiServer, "token-auth-file"), None, "CIS 1.2.2");
    assert!(
        bench
            .flag(ApiServer, "service-account-lookup")
            .is_none_or(|v| v == "true"),
        "CIS 1.2.21"
    );
    bench.has("1.2.22", ApiServer, "service-account-key-file");
    bench.has("1.2.23", ApiServer, "etcd-certfile");
    bench.has("1.2.23", ApiServer, "etcd-keyfile");
    bench.has("1.2.24", ApiServer, "tls-cert-file");
    bench.has("1.2.24", ApiServer, "tls-private-key-file");
    bench.has("1.2.25", ApiServer, "client-ca-file");
    bench.has("1.2.26", ApiServer, "etcd-cafile");
    let encryption_file = bench.flag(ApiServer, "encryption-provider-config").unwrap();
    let encryption = bench.read(encryption_file);
    let providers = encryption.split("providers:").nth(1).unwrap();
    let first = providers
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("- "))
        .unwrap();
    assert_eq!(first, "- secretbox:", "CIS 1.2.28");
    assert!(encryption.contains(&base64(&KEY)), "the key is in");
    for cipher in bench.list(ApiServer, "tls-cipher-suites") {
        assert!(
            API_SERVER_STRONG_CIPHERS.contains(&cipher),
            "CIS 1.2.29: {cipher}"
        );
    }
    bench.is(
        "1.2.30",
        ApiServer,
        "service-account-extend-token-expiration",
        "false",
    );

    // 1.3: controller manager; 1.4: scheduler.
    bench.has("1.3.1", ControllerManager, "terminated-pod-gc-threshold");
    bench.is("1.3.2", ControllerManager, "profiling", "false");
    bench.is(
        "1.3.3",
        ControllerManager,
        "use-service-account-credentials",
        "true",
    );
    bench.has(
        "1.3.4",
        ControllerManager,
        "service-account-private-key-file",
    );
    bench.has("1.3.5", ControllerManager, "root-ca-file");
    assert!(
        !bench
            .list(ControllerManager, "feature-gates")
            .contains(&"RotateKubeletServerCertificate=false"),
        "CIS 1.3.6"
    );
    bench.is("1.3.7", ControllerManager, "bind-address", "127.0.0.1");
    bench.is("1.4.1", Scheduler, "profiling", "false");
    bench.is("1.4.2", Scheduler, "bind-address", "127.0.0.1");

    // 2: etcd.
    bench.has("2.1", Etcd, "cert-file");
    bench.has("2.1", Etcd, "key-file");
    bench.is("2.2", Etcd, "client-cert-auth", "true");
    assert!(
        bench.flag(Etcd, "auto-tls").is_none_or(|v| v == "false"),
        "CIS 2.3"
    );
    bench.has("2.4", Etcd, "peer-cert-file");
    bench.has("2.4", Etcd, "peer-key-file");
    bench.is("2.5", Etcd, "peer-client-cert-auth", "true");
    assert!(
        bench
            .flag(Etcd, "peer-auto-tls")
            .is_none_or(|v| v == "false"),
        "CIS 2.6"
    );
    assert_ne!(
        bench.flag(Etcd, "trusted-ca-file"),
        bench.flag(ApiServer, "client-ca-file"),
        "CIS 2.7"
    );

    // 3.2: logging.
    let policy_file = bench.flag(ApiServer, "audit-policy-file").unwrap();
    assert!(
        bench.read(policy_file).contains("kind: Policy"),
        "CIS 3.2.1"
    );

    // 4.1: worker node files.
    for unit in [
        "/usr/lib/systemd/system/kubelet.service",
        "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    ] {
        bench.mode_at_most("4.1.1", unit, 0o600);
        bench.owned_by("4.1.2", unit, "root", "root");
    }
    let kubeconfig = bench.flag(Kubelet, "kubeconfig").unwrap();
    bench.mode_at_most("4.1.5", kubeconfig, 0o600);
    bench.owned_by("4.1.6", kubeconfig, "root", "root");
    let client_ca = bench.kubelet(&["authentication", "x509", "clientCAFile"]);
    let client_ca = client_ca.as_str().unwrap();
    bench.mode_at_most("4.1.7", client_ca, 0o644);
    bench.owned_by("4.1.8", client_ca, "root", "root");
    let config = bench.flag(Kubelet, "config").unwrap();
    bench.mode_at_most("4.1.9", config, 0o600);
    bench.owned_by("4.1.10", config, "root", "root");

    // 4.2: kubelet, from its config file (kubeadm passes no such flags).
    let field = |path: &[&str]| bench.kubelet(path).clone();
    assert_eq!(
        field(&["authentication", "anonymous", "enabled"]).as_bool(),
        Some(false),
        "4.2.1"
    );
    assert_eq!(
        field(&["authorization", "mode"]).as_str(),
        Some("Webhook"),
        "CIS 4.2.2"
    );
    assert!(
        field(&["authentication", "x509", "clientCAFile"])
            .as_str()
            .is_some(),
        "4.2.3"
    );
    assert_eq!(field(&["readOnlyPort"]).as_i64(), Some(0), "CIS 4.2.4");
    assert_eq!(
        field(&["streamingConnectionIdleTimeout"]).as_str(),
        Some("5m0s"),
        "4.2.5"
    );
    assert_eq!(
        field(&["makeIPTablesUtilChains"]).as_bool(),
        Some(true),
        "CIS 4.2.6"
    );
    assert!(
        field(&["eventRecordQPS"])
            .as_i64()
            .is_some_and(|qps| qps > 0),
        "CIS 4.2.8"
    );
    assert_eq!(
        field(&["rotateCertificates"]).as_bool(),
        Some(true),
        "CIS 4.2.10"
    );
    assert_eq!(
        field(&["serverTLSBootstrap"]).as_bool(),
        Some(true),
        "CIS 4.2.11"
    );
    let ciphers = field(&["tlsCipherSuites"]);
    assert!(!ciphers.items().is_empty(), "CIS 4.2.12");
    for cipher in ciphers.items() {
        let cipher = cipher.as_str().unwrap();
        assert!(
            KUBELET_STRONG_CIPHERS.contains(&cipher),
            "CIS 4.2.12: {cipher}"
        );
    }
    assert!(
        field(&["podPidsLimit"])
            .as_i64()
            .is_some_and(|pids| pids > 0),
        "4.2.13"
    );
    assert_eq!(
        field(&["seccompDefault"]).as_bool(),
        Some(true),
        "CIS 4.2.14"
    );
    assert_eq!(field(&["protectKernelDefaults"]).as_bool(), Some(true));
    for flag in [
        "anonymous-auth",
        "authorization-mode",
        "read-only-port",
        "hostname-override",
    ] {
        assert_eq!(
            bench.flag(Kubelet, flag),
            None,
            "no kubelet --{flag} overrides the file"
        );
    }

    // 4.3: kube-proxy.
    let proxy = bench.state.components[&Proxy].config.as_ref().unwrap();
    let metrics = proxy.root.get("metricsBindAddress").and_then(Node::as_str);
    assert!(
        metrics.is_some_and(|m| m.starts_with("127.0.0.1:")),
        "CIS 4.3.1"
    );
}

#[test]
fn the_bundle_evidence_points_into_its_configuration() {
    let (dir, bench) = bench();
    let flag = &bench.state.components[&Component::ApiServer].flags["profiling"];
    assert_eq!(flag.source.kind, KUBEADM_CONFIGURATION);
    let config = dir.path().join("kubeadm-config.yaml");
    assert_eq!(
        flag.source.file.as_deref(),
        Some(config.display().to_string().as_str())
    );
    let line = flag.source.line.unwrap() as usize;
    let text = std::fs::read_to_string(&config).unwrap();
    assert_eq!(
        text.lines().nth(line - 1).unwrap().trim(),
        "- name: profiling"
    );
    let kubelet = bench.state.components[&Component::Kubelet]
        .config
        .as_ref()
        .unwrap();
    let read_only = kubelet.root.get("readOnlyPort").unwrap();
    assert_eq!(
        text.lines().nth(read_only.pos.line as usize - 1).unwrap(),
        "readOnlyPort: 0"
    );
}

/// The audit level a request gets: the first matching rule's, as the API server picks it.
fn audit_level(policy: &Node, user: &str, verb: &str, group: &str, resource: &str) -> String {
    let strings = |node: Option<&Node>| -> Option<Vec<String>> {
        node.map(|list| {
            list.items()
                .iter()
                .filter_map(|i| i.as_str().map(String::from))
                .collect()
        })
    };
    for rule in policy.get("rules").unwrap().items() {
        if rule.get("nonResourceURLs").is_some() {
            continue;
        }
        if strings(rule.get("users")).is_some_and(|users| !users.iter().any(|u| u == user)) {
            continue;
        }
        if rule.get("userGroups").is_some() {
            continue;
        }
        if strings(rule.get("verbs")).is_some_and(|verbs| !verbs.iter().any(|v| v == verb)) {
            continue;
        }
        if rule.get("namespaces").is_some() {
            continue;
        }
        if let Some(resources) = rule.get("resources") {
            let matches = resources.items().iter().any(|entry| {
                entry.get("group").and_then(Node::as_str).unwrap_or("") == group
                    && strings(entry.get("resources"))
                        .is_none_or(|names| names.iter().any(|n| n == resource))
            });
            if !matches {
                continue;
            }
        }
        return rule
            .get("level")
            .and_then(Node::as_str)
            .unwrap()
            .to_string();
    }
    String::from("None")
}

#[test]
fn the_audit_policy_logs_what_matters_at_the_right_level() {
    let policy = parse_documents("audit-policy.yaml", AUDIT_POLICY)
        .unwrap()
        .remove(0);
    let cases = [
        ("get", "", "secrets", "Metadata"),
        ("list", "", "secrets", "Metadata"),
        ("update", "", "secrets", "Metadata"),
        ("create", "", "configmaps", "Metadata"),
        ("create", "", "serviceaccounts/token", "Metadata"),
        (
            "create",
            "authentication.k8s.io",
            "tokenreviews",
            "Metadata",
        ),
        ("create", "", "pods/exec", "Request"),
        ("create", "", "pods/attach", "Request"),
        ("create", "", "pods/portforward", "Request"),
        (
            "create",
            "rbac.authorization.k8s.io",
            "clusterrolebindings",
            "RequestResponse",
        ),
        (
            "delete",
            "rbac.authorization.k8s.io",
            "roles",
            "RequestResponse",
        ),
        (
            "update",
            "certificates.k8s.io",
            "certificatesigningrequests/approval",
            "RequestResponse",
        ),
        ("create", "", "pods", "Request"),
        ("patch", "apps", "deployments", "Request"),
        ("get", "", "pods", "Metadata"),
        ("list", "apps", "deployments", "Metadata"),
        ("create", "", "events", "None"),
    ];
    for (verb, group, resource, level) in cases {
        assert_eq!(
            audit_level(&policy, "alice", verb, group, resource),
            level,
            "{verb} {group}/{resource}"
        );
    }
    assert_eq!(
        audit_level(&policy, "system:kube-proxy", "watch", "", "services"),
        "None"
    );
}

#[test]
fn every_bundle_file_is_what_it_says() {
    let bundle = kubeadm_bundle();
    let names: Vec<&str> = bundle.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "kubeadm-config.yaml",
            "audit-policy.yaml",
            "admission-configuration.yaml",
            "encryption-configuration.yaml",
            "prepare-node.sh",
            "README.md"
        ]
    );
    for (name, content) in &bundle {
        if !name.ends_with(".yaml") {
            continue;
        }
        let kinds: Vec<String> = parse_documents(name, content)
            .unwrap_or_else(|error| panic!("{name}: {error}"))
            .iter()
            .map(|doc| doc.get("kind").and_then(Node::as_str).unwrap().to_string())
            .collect();
        let expected: &[&str] = match name.as_str() {
            "kubeadm-config.yaml" => &[
                "InitConfiguration",
                "ClusterConfiguration",
                "KubeletConfiguration",
                "KubeProxyConfiguration",
            ],
            "audit-policy.yaml" => &["Policy"],
            "admission-configuration.yaml" => &["AdmissionConfiguration"],
            _ => &["EncryptionConfiguration"],
        };
        assert_eq!(kinds, expected, "{name}");
    }
    // Every file the script installs is in the bundle; the README names every file.
    let script = &bundle[4].1;
    let readme = &bundle[5].1;
    for (name, _) in bundle.iter().filter(|(name, _)| name != "README.md") {
        assert!(
            readme.contains(&format!("`{name}`")),
            "README.md does not explain {name}"
        );
        if name.ends_with(".yaml") && name != "kubeadm-config.yaml" {
            assert!(script.contains(&format!(" {name} /etc/kubernetes/security/{name}")));
        }
    }
    assert!(is_secret("encryption-configuration.yaml"));
    assert!(!is_secret("kubeadm-config.yaml"));
}

#[test]
fn the_key_is_filled_in_fresh_and_never_left_as_the_placeholder() {
    let placeholder = kubeadm_bundle();
    assert!(placeholder[3].1.contains(ENCRYPTION_KEY_PLACEHOLDER));
    let first = kubeadm_bundle_with_random_key().unwrap();
    let second = kubeadm_bundle_with_random_key().unwrap();
    assert!(!first[3].1.contains(ENCRYPTION_KEY_PLACEHOLDER));
    assert_ne!(first[3].1, second[3].1, "two bundles, two keys");
    assert_eq!(first[0], second[0], "only the key differs");
    let secret_line = first[3]
        .1
        .lines()
        .find(|l| l.trim().starts_with("secret:"))
        .unwrap();
    let encoded = secret_line.trim().trim_start_matches("secret:").trim();
    assert_eq!(encoded.len(), 44, "32 bytes in base64");
}

#[test]
fn base64_is_the_standard_alphabet_with_padding() {
    let cases: [(&[u8], &str); 6] = [
        (b"", ""),
        (b"f", "Zg=="),
        (b"fo", "Zm8="),
        (b"foo", "Zm9v"),
        (b"foob", "Zm9vYg=="),
        (&[0xfb, 0xff, 0xbf], "+/+/"),
    ];
    for (bytes, encoded) in cases {
        assert_eq!(base64(bytes), encoded);
    }
}
