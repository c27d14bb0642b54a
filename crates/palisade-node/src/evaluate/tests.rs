use std::collections::BTreeMap;

use super::*;
use crate::checks::check;
use crate::result::CheckType;
use crate::state::{ConfigFile, FlagValue, NodeFiles, Unreadable};

const APISERVER_MANIFEST: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";

/// Files of a node, as the checks query them.
#[derive(Default)]
struct FakeFiles {
    facts: BTreeMap<String, FileFacts>,
    contents: BTreeMap<String, Vec<u8>>,
    broken: BTreeMap<String, String>,
}

impl NodeFiles for FakeFiles {
    fn stat(&self, path: &str) -> Result<Option<FileFacts>, String> {
        if let Some(error) = self.broken.get(path) {
            return Err(error.clone());
        }
        Ok(self.facts.get(path).cloned())
    }

    fn walk(&self, dir: &str) -> Result<Option<Vec<FileFacts>>, String> {
        if let Some(error) = self.broken.get(dir) {
            return Err(error.clone());
        }
        match self.facts.get(dir) {
            Some(facts) if facts.is_dir => {
                let prefix = format!("{dir}/");
                let mut entries = vec![facts.clone()];
                entries.extend(
                    self.facts
                        .values()
                        .filter(|facts| facts.path.starts_with(&prefix))
                        .cloned(),
                );
                Ok(Some(entries))
            }
            _ => Ok(None),
        }
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        if let Some(error) = self.broken.get(path) {
            return Err(error.clone());
        }
        Ok(self.contents.get(path).cloned())
    }
}

/// A node built by hand.
#[derive(Default)]
struct TestNode {
    components: BTreeMap<Component, ComponentState>,
    files: FakeFiles,
    unreadable: Vec<Unreadable>,
}

fn manifest_of(component: Component) -> String {
    match component {
        Component::Etcd => "/etc/kubernetes/manifests/etcd.yaml".to_string(),
        other => format!("/etc/kubernetes/manifests/{}.yaml", other.binary()),
    }
}

impl TestNode {
    fn new() -> TestNode {
        TestNode::default()
    }

    /// The component, found in its static pod manifest (the kubelet and kube-proxy as processes).
    fn with(mut self, component: Component) -> TestNode {
        let source = match component {
            Component::Kubelet | Component::Proxy => Source::new("process 1234"),
            other => Source::new("static pod manifest").in_file(manifest_of(other)),
        };
        self.components
            .entry(component)
            .or_default()
            .found_by
            .push(source);
        self
    }

    fn flag(mut self, component: Component, name: &str, value: &str) -> TestNode {
        let line = 10
            + u32::try_from(self.components.get(&component).map_or(0, |c| c.flags.len()))
                .unwrap_or(0);
        let source = match component {
            Component::Kubelet => Source::new("systemd drop-in")
                .in_file("/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf")
                .at(line, 5),
            Component::Proxy => Source::new("process 4321"),
            other => Source::new("static pod manifest")
                .in_file(manifest_of(other))
                .at(line, 7),
        };
        let state = self.components.entry(component).or_default();
        if state.found_by.is_empty() {
            state.found_by.push(source.clone());
        }
        state.flags.insert(
            name.to_string(),
            FlagValue {
                value: value.to_string(),
                source,
            },
        );
        self
    }

    fn env(mut self, component: Component, name: &str, value: &str) -> TestNode {
        self.components.entry(component).or_default().env.insert(
            name.to_string(),
            FlagValue {
                value: value.to_string(),
                source: Source::new("process 99 environment"),
            },
        );
        self
    }

    fn config(mut self, component: Component, path: &str, yaml: &str) -> TestNode {
        let root = palisade_load::parse_documents(path, yaml)
            .unwrap()
            .remove(0);
        self.components.entry(component).or_default().config = Some(ConfigFile {
            path: path.to_string(),
            root,
        });
        self
    }

    fn file(self, path: &str, mode: u32) -> TestNode {
        self.owned(path, mode, 0, 0, Some("root"), Some("root"))
    }

    fn owned(
        mut self,
        path: &str,
        mode: u32,
        uid: u32,
        gid: u32,
        user: Option<&str>,
        group: Option<&str>,
    ) -> TestNode {
        self.files.facts.insert(
            path.to_string(),
            FileFacts {
                path: path.to_string(),
                mode,
                uid,
                gid,
                user: user.map(str::to_string),
                group: group.map(str::to_string),
                is_dir: false,
            },
        );
        self
    }

    fn dir(mut self, path: &str, mode: u32) -> TestNode {
        self = self.file(path, mode);
        if let Some(facts) = self.files.facts.get_mut(path) {
            facts.is_dir = true;
        }
        self
    }

    fn content(mut self, path: &str, text: &str) -> TestNode {
        self.files
            .contents
            .insert(path.to_string(), text.as_bytes().to_vec());
        self
    }

    fn broken(mut self, path: &str, error: &str) -> TestNode {
        self.files
            .broken
            .insert(path.to_string(), error.to_string());
        self
    }

    fn build(self) -> NodeState {
        NodeState {
            components: self.components,
            files: Box::new(self.files),
            unreadable: self.unreadable,
            origin: "test node".to_string(),
            parse: palisade_load::parse_documents,
        }
    }

    fn check(self, id: &str) -> CheckResult {
        let state = self.build();
        evaluate_check(&state, check(id).unwrap())
    }
}

fn status(node: TestNode, id: &str) -> Status {
    node.check(id).status
}

fn apiserver() -> TestNode {
    TestNode::new().with(Component::ApiServer)
}

fn kubelet() -> TestNode {
    TestNode::new().with(Component::Kubelet)
}

const KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";

fn kubelet_with_config(yaml: &str) -> TestNode {
    kubelet()
        .flag(Component::Kubelet, "config", KUBELET_CONFIG)
        .config(Component::Kubelet, KUBELET_CONFIG, yaml)
}

// The table.

/// Sections 1 to 4 of cis-1.12, from ../shared/reference/cis-kubernetes-checks.md.
const CIS_1_12_SECTIONS_1_TO_4: &[&str] = &[
    "1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.9", "1.1.10",
    "1.1.11", "1.1.12", "1.1.13", "1.1.14", "1.1.15", "1.1.16", "1.1.17", "1.1.18", "1.1.19",
    "1.1.20", "1.1.21", "1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.5", "1.2.6", "1.2.7", "1.2.8",
    "1.2.9", "1.2.10", "1.2.11", "1.2.12", "1.2.13", "1.2.14", "1.2.15", "1.2.16", "1.2.17",
    "1.2.18", "1.2.19", "1.2.20", "1.2.21", "1.2.22", "1.2.23", "1.2.24", "1.2.25", "1.2.26",
    "1.2.27", "1.2.28", "1.2.29", "1.2.30", "1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.3.6",
    "1.3.7", "1.4.1", "1.4.2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "3.1.1", "3.1.2",
    "3.1.3", "3.2.1", "3.2.2", "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.1.6", "4.1.7",
    "4.1.8", "4.1.9", "4.1.10", "4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.5", "4.2.6", "4.2.7",
    "4.2.8", "4.2.9", "4.2.10", "4.2.11", "4.2.12", "4.2.13", "4.2.14", "4.3.1",
];

/// The checks CIS marks Manual (the rest are Automated), per the reference's Type column.
const CIS_1_12_MANUAL: &[&str] = &[
    "1.1.9", "1.1.10", "1.1.20", "1.1.21", "1.2.1", "1.2.3", "1.2.9", "1.2.11", "1.2.20", "1.2.27",
    "1.2.28", "1.2.29", "1.3.1", "2.7", "3.1.1", "3.1.2", "3.1.3", "3.2.1", "3.2.2", "4.1.3",
    "4.1.4", "4.1.7", "4.1.8", "4.2.4", "4.2.5", "4.2.7", "4.2.8", "4.2.9", "4.2.11", "4.2.12",
    "4.2.13", "4.2.14",
];

#[test]
fn the_table_holds_every_check_of_sections_1_to_4_in_cis_order() {
    let ids: Vec<&str> = CHECKS.iter().map(|check| check.id).collect();
    assert_eq!(ids, CIS_1_12_SECTIONS_1_TO_4);
}

#[test]
fn check_types_are_as_cis_designates_them() {
    for check in CHECKS {
        let expected = if CIS_1_12_MANUAL.contains(&check.id) {
            CheckType::Manual
        } else {
            CheckType::Automated
        };
        assert_eq!(check.check_type, expected, "{}", check.id);
    }
    // 65 automated in sections 1 to 4 per the reference's counts (17+22+6+2+6+0+6+5+1).
    let automated = CHECKS
        .iter()
        .filter(|check| check.check_type == CheckType::Automated)
        .count();
    assert_eq!(automated, 65);
}

#[test]
fn every_row_has_a_title_a_remediation_and_a_description() {
    for check in CHECKS {
        assert!(!check.title.is_empty(), "{}", check.id);
        assert!(check.remediation.len() > 20, "{}", check.id);
        assert!(!check.title.contains("(Automated)") && !check.title.contains("(Manual)"));
        let description = check.test.describe();
        assert!(!description.checked.is_empty(), "{}", check.id);
    }
}

#[test]
fn evaluate_answers_every_check_in_table_order() {
    let results = evaluate(&TestNode::new().build());
    let ids: Vec<&str> = results.iter().map(|result| result.id.as_str()).collect();
    assert_eq!(ids, CIS_1_12_SECTIONS_1_TO_4);
    assert!(results.iter().all(|result| !result.remediation.is_empty()));
}

// Components.

#[test]
fn checks_of_a_component_not_on_the_node_are_warn_and_say_so() {
    let state = kubelet().build();
    for result in evaluate(&state) {
        if result.component == "kube-apiserver" {
            assert_eq!(result.status, Status::Warn, "{}", result.id);
            assert_eq!(result.reason, "kube-apiserver not found on this node");
        }
    }
    let result = evaluate_check(&state, check("1.1.1").unwrap());
    assert_eq!(result.component, "kube-apiserver");
    assert!(result.evidence.is_empty());
}

#[test]
fn an_unreadable_manifest_is_named_when_its_component_is_missing() {
    let mut node = TestNode::new();
    node.unreadable.push(Unreadable {
        path: APISERVER_MANIFEST.to_string(),
        reason: "line 3: mapping values are not allowed here".to_string(),
    });
    let result = node.check("1.2.15");
    assert_eq!(result.status, Status::Warn);
    assert!(
        result
            .reason
            .starts_with("kube-apiserver not found on this node (could not read")
    );
    assert!(result.reason.contains("line 3"));
}

// Settings.

#[test]
fn an_absent_flag_takes_the_kubernetes_default() {
    let result = apiserver().check("1.2.15");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.reason,
        "--profiling is not set (default true); expected false"
    );
    assert_eq!(
        result.evidence[0].found,
        "--profiling not set; default true"
    );
    // A compliant default passes without the flag.
    assert_eq!(status(apiserver(), "1.2.21"), Status::Pass);
    assert_eq!(status(apiserver(), "1.2.10"), Status::Pass);
    assert_eq!(status(apiserver(), "1.2.12"), Status::Pass);
}

#[test]
fn a_flag_shows_its_value_and_where_it_was_set() {
    let result = apiserver()
        .flag(Component::ApiServer, "profiling", "false")
        .check("1.2.15");
    assert_eq!(result.status, Status::Pass);
    assert_eq!(result.reason, "--profiling is false");
    let evidence = &result.evidence[0];
    assert_eq!(evidence.found, "--profiling=false");
    let source = evidence.source.as_ref().unwrap();
    assert_eq!(source.file.as_deref(), Some(APISERVER_MANIFEST));
    assert_eq!((source.line, source.column), (Some(10), Some(7)));
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["type"], "automated");
    assert_eq!(json["status"], "pass");
    assert_eq!(json["evidence"][0]["source"]["line"], 10);
}

#[test]
fn booleans_read_as_go_reads_them() {
    // `--anonymous-auth` alone is "true" (the reader's job); Go also takes 1, t, True, FALSE...
    for (value, expected) in [
        ("true", Status::Fail),
        ("True", Status::Fail),
        ("1", Status::Fail),
        ("false", Status::Pass),
        ("False", Status::Pass),
        ("0", Status::Pass),
        ("f", Status::Pass),
        ("no", Status::Warn),
    ] {
        let node = apiserver().flag(Component::ApiServer, "anonymous-auth", value);
        assert_eq!(status(node, "1.2.1"), expected, "{value}");
    }
}

#[test]
fn set_and_unset_ignore_empty_values() {
    assert_eq!(status(apiserver(), "1.2.2"), Status::Pass);
    let empty = apiserver().flag(Component::ApiServer, "token-auth-file", "");
    assert_eq!(status(empty, "1.2.2"), Status::Pass);
    let set = apiserver().flag(Component::ApiServer, "token-auth-file", "/etc/tokens.csv");
    let result = set.check("1.2.2");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.reason,
        "--token-auth-file is /etc/tokens.csv; it must not be set"
    );
    let empty_ca = apiserver().flag(Component::ApiServer, "client-ca-file", "");
    assert_eq!(status(empty_ca, "1.2.25"), Status::Fail);
}

#[test]
fn both_flags_of_a_pair_must_be_set() {
    let one = apiserver().flag(
        Component::ApiServer,
        "kubelet-client-certificate",
        "/pki/c.crt",
    );
    let result = one.check("1.2.4");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.reason,
        "--kubelet-client-key is not set; it must be set"
    );
    assert_eq!(result.evidence.len(), 2);
    let both = apiserver()
        .flag(
            Component::ApiServer,
            "kubelet-client-certificate",
            "/pki/c.crt",
        )
        .flag(Component::ApiServer, "kubelet-client-key", "/pki/c.key");
    assert_eq!(status(both, "1.2.4"), Status::Pass);
}

#[test]
fn comma_lists_match_whole_elements_with_spaces_trimmed() {
    let modes = |value: &str| apiserver().flag(Component::ApiServer, "authorization-mode", value);
    assert_eq!(status(modes("Node, RBAC"), "1.2.7"), Status::Pass);
    assert_eq!(status(modes("Node, RBAC"), "1.2.8"), Status::Pass);
    assert_eq!(status(modes("Node, RBAC"), "1.2.6"), Status::Pass);
    // kube-bench's substring match takes `NodeRestriction` for `Node`; whole elements do not.
    let substring = apiserver()
        .flag(Component::ApiServer, "authorization-mode", "RBAC")
        .flag(
            Component::ApiServer,
            "enable-admission-plugins",
            "NodeRestriction",
        );
    assert_eq!(status(substring, "1.2.7"), Status::Fail);
    assert_eq!(status(modes("RBAC,AlwaysAllow"), "1.2.6"), Status::Fail);
    assert_eq!(status(modes("NodeX,RBAC"), "1.2.7"), Status::Fail);
    // The API server's default mode is AlwaysAllow.
    let result = apiserver().check("1.2.6");
    assert_eq!(result.status, Status::Fail);
    assert!(
        result.reason.contains("default AlwaysAllow"),
        "{}",
        result.reason
    );
}

#[test]
fn structured_authorization_config_needs_a_person() {
    let node = apiserver().flag(
        Component::ApiServer,
        "authorization-config",
        "/etc/kubernetes/authz.yaml",
    );
    let result = node.check("1.2.7");
    assert_eq!(result.status, Status::Warn);
    assert!(
        result.reason.contains("--authorization-config"),
        "{}",
        result.reason
    );
}

#[test]
fn admission_plugins_enabled_and_disabled() {
    let enabled =
        |value: &str| apiserver().flag(Component::ApiServer, "enable-admission-plugins", value);
    assert_eq!(status(enabled("NodeRestriction"), "1.2.14"), Status::Pass);
    assert_eq!(status(apiserver(), "1.2.14"), Status::Fail);
    assert_eq!(
        status(enabled("AlwaysAdmit,NodeRestriction"), "1.2.10"),
        Status::Fail
    );
    assert_eq!(
        status(enabled("DenyServiceExternalIPs"), "1.2.3"),
        Status::Pass
    );
    // EventRateLimit needs its configuration file too.
    assert_eq!(status(enabled("EventRateLimit"), "1.2.9"), Status::Fail);
    let configured = enabled("EventRateLimit").flag(
        Component::ApiServer,
        "admission-control-config-file",
        "/etc/kubernetes/admission.yaml",
    );
    assert_eq!(status(configured, "1.2.9"), Status::Pass);
    let disabled = apiserver().flag(
        Component::ApiServer,
        "disable-admission-plugins",
        "ServiceAccount",
    );
    assert_eq!(status(disabled, "1.2.12"), Status::Fail);
}

#[test]
fn numbers_at_least() {
    let age = |value: &str| apiserver().flag(Component::ApiServer, "audit-log-maxage", value);
    assert_eq!(status(age("30"), "1.2.17"), Status::Pass);
    assert_eq!(status(age("365"), "1.2.17"), Status::Pass);
    assert_eq!(status(age("7"), "1.2.17"), Status::Fail);
    assert_eq!(status(age("thirty"), "1.2.17"), Status::Warn);
    assert_eq!(status(apiserver(), "1.2.17"), Status::Fail);
}

#[test]
fn the_last_value_of_a_repeated_flag_is_the_one_judged() {
    // The reader keeps the last of `--profiling=true --profiling=false`; the evaluator sees one.
    let node = apiserver()
        .flag(Component::ApiServer, "profiling", "true")
        .flag(Component::ApiServer, "profiling", "false");
    assert_eq!(status(node, "1.2.15"), Status::Pass);
}

#[test]
fn judged_settings_are_warn_with_the_value_shown() {
    let result = apiserver().check("1.2.20");
    assert_eq!(result.status, Status::Warn);
    assert_eq!(result.check_type, CheckType::Manual);
    assert!(
        result
            .reason
            .starts_with("--request-timeout is not set (default 1m0s); judge")
    );
    assert_eq!(
        result.evidence[0].found,
        "--request-timeout not set; default 1m0s"
    );
}

#[test]
fn manual_checks_without_evidence_are_manual() {
    let result = apiserver().check("3.1.1");
    assert_eq!(result.status, Status::Manual);
    assert_eq!(result.check_type, CheckType::Manual);
    // Bootstrap tokens: off passes, on needs a person.
    assert_eq!(status(apiserver(), "3.1.3"), Status::Pass);
    let on = apiserver().flag(Component::ApiServer, "enable-bootstrap-token-auth", "true");
    assert_eq!(status(on, "3.1.3"), Status::Warn);
}

#[test]
fn bind_addresses_must_be_loopback_and_the_default_is_not() {
    let cm = || TestNode::new().with(Component::ControllerManager);
    let result = cm().check("1.3.7");
    assert_eq!(result.status, Status::Fail);
    assert!(result.reason.contains("default 0.0.0.0"));
    for (address, expected) in [
        ("127.0.0.1", Status::Pass),
        ("::1", Status::Pass),
        ("0.0.0.0", Status::Fail),
        ("10.0.0.5", Status::Fail),
        ("", Status::Fail),
    ] {
        let node = cm().flag(Component::ControllerManager, "bind-address", address);
        assert_eq!(status(node, "1.3.7"), expected, "{address}");
    }
}

#[test]
fn kube_proxy_metrics_address_from_flag_config_or_default() {
    let proxy = || TestNode::new().with(Component::Proxy);
    assert_eq!(status(proxy(), "4.3.1"), Status::Pass);
    for (address, expected) in [
        ("127.0.0.1:10249", Status::Pass),
        ("[::1]:10249", Status::Pass),
        ("localhost:10249", Status::Pass),
        ("0.0.0.0:10249", Status::Fail),
        ("[::]:10249", Status::Fail),
        // kube-bench's "contains 127.0.0.1" would pass this one.
        ("10.127.0.1:10249", Status::Fail),
    ] {
        let node = proxy().flag(Component::Proxy, "metrics-bind-address", address);
        assert_eq!(status(node, "4.3.1"), expected, "{address}");
    }
    let config = proxy().config(
        Component::Proxy,
        "/var/lib/kube-proxy/config.conf",
        "kind: KubeProxyConfiguration\nmetricsBindAddress: 0.0.0.0:10249\n",
    );
    let result = config.check("4.3.1");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.evidence[0].found,
        "metricsBindAddress: 0.0.0.0:10249"
    );
    // An empty string is Go's zero value: kube-proxy defaults it.
    let empty = proxy().config(
        Component::Proxy,
        "/var/lib/kube-proxy/config.conf",
        "metricsBindAddress: \"\"\n",
    );
    assert_eq!(status(empty, "4.3.1"), Status::Pass);
}

#[test]
fn feature_gates_from_flag_and_config() {
    let cm = || TestNode::new().with(Component::ControllerManager);
    assert_eq!(status(cm(), "1.3.6"), Status::Pass);
    let off = cm().flag(
        Component::ControllerManager,
        "feature-gates",
        "Foo=true, RotateKubeletServerCertificate=false",
    );
    let result = off.check("1.3.6");
    assert_eq!(result.status, Status::Fail);
    assert!(
        result
            .reason
            .contains("RotateKubeletServerCertificate=false")
    );
    let other = cm().flag(Component::ControllerManager, "feature-gates", "Foo=false");
    assert_eq!(status(other, "1.3.6"), Status::Pass);

    let config_off =
        kubelet_with_config("featureGates:\n  RotateKubeletServerCertificate: false\n");
    assert_eq!(status(config_off, "4.2.11"), Status::Fail);
    // The flag's gate wins over the config file's; a flag naming other gates does not hide it.
    let flag_on = kubelet_with_config("featureGates:\n  RotateKubeletServerCertificate: false\n")
        .flag(
            Component::Kubelet,
            "feature-gates",
            "RotateKubeletServerCertificate=true",
        );
    assert_eq!(status(flag_on, "4.2.11"), Status::Pass);
    let flag_other = kubelet_with_config(
        "featureGates:\n  RotateKubeletServerCertificate: false\n",
    )
    .flag(Component::Kubelet, "feature-gates", "Foo=true");
    assert_eq!(status(flag_other, "4.2.11"), Status::Fail);
}

// The kubelet: flag > config file > default.

#[test]
fn kubelet_defaults_depend_on_whether_it_has_a_config_file() {
    // Without a config file the legacy flag defaults apply: anonymous on, AlwaysAllow, 10255.
    let bare = kubelet();
    let result = bare.check("4.2.1");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.reason,
        "--anonymous-auth is not set (default true); expected false"
    );
    assert_eq!(status(kubelet(), "4.2.2"), Status::Fail);
    assert_eq!(status(kubelet(), "4.2.4"), Status::Fail);
    // With one, the KubeletConfiguration defaults: anonymous off, Webhook, port 0.
    let empty_config = || kubelet_with_config("kind: KubeletConfiguration\n");
    let result = empty_config().check("4.2.1");
    assert_eq!(result.status, Status::Pass);
    assert_eq!(
        result.evidence[0].found,
        "--anonymous-auth and authentication.anonymous.enabled in /var/lib/kubelet/config.yaml not set; default false"
    );
    assert_eq!(status(empty_config(), "4.2.2"), Status::Pass);
    assert_eq!(status(empty_config(), "4.2.4"), Status::Pass);
}

#[test]
fn kubelet_config_field_is_read_with_its_position() {
    let node = kubelet_with_config(
        "kind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n",
    );
    let result = node.check("4.2.1");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.reason,
        "authentication.anonymous.enabled is true; expected false"
    );
    let evidence = &result.evidence[0];
    assert_eq!(evidence.found, "authentication.anonymous.enabled: true");
    let source = evidence.source.as_ref().unwrap();
    assert_eq!(source.kind, "kubelet config file");
    assert_eq!(source.file.as_deref(), Some(KUBELET_CONFIG));
    assert_eq!(source.line, Some(4));
}

#[test]
fn the_kubelet_flag_wins_over_its_config_file() {
    let node = kubelet_with_config("authentication:\n  anonymous:\n    enabled: true\n").flag(
        Component::Kubelet,
        "anonymous-auth",
        "false",
    );
    let result = node.check("4.2.1");
    assert_eq!(result.status, Status::Pass);
    assert_eq!(result.evidence[0].found, "--anonymous-auth=false");
    let node = kubelet_with_config("readOnlyPort: 0\n").flag(
        Component::Kubelet,
        "read-only-port",
        "10255",
    );
    assert_eq!(status(node, "4.2.4"), Status::Fail);
}

#[test]
fn an_unreadable_kubelet_config_file_is_warn_not_a_default() {
    let mut node = kubelet().flag(Component::Kubelet, "config", KUBELET_CONFIG);
    node.unreadable.push(Unreadable {
        path: KUBELET_CONFIG.to_string(),
        reason: "permission denied".to_string(),
    });
    let state = node.build();
    let result = evaluate_check(&state, check("4.2.1").unwrap());
    assert_eq!(result.status, Status::Warn);
    assert!(
        result
            .reason
            .contains("could not be read: permission denied"),
        "{}",
        result.reason
    );
    // A flag-only setting does not need the file.
    assert_eq!(
        evaluate_check(&state, check("4.2.7").unwrap()).status,
        Status::Pass
    );
}

#[test]
fn kubelet_settings_beyond_kube_bench() {
    // 4.2.5: "0s" is zero too (kube-bench compares strings and passes it).
    for (value, expected) in [
        ("0", Status::Fail),
        ("0s", Status::Fail),
        ("0h0m0s", Status::Fail),
        ("5m", Status::Pass),
        ("4h0m0s", Status::Pass),
        ("1h30m", Status::Pass),
        ("soon", Status::Warn),
    ] {
        let node = kubelet_with_config(&format!("streamingConnectionIdleTimeout: {value}\n"));
        assert_eq!(status(node, "4.2.5"), expected, "{value}");
    }
    assert_eq!(status(kubelet(), "4.2.5"), Status::Pass);
    // 4.2.8: 0 captures every event; the default 50 needs a person; negative is invalid.
    assert_eq!(
        status(kubelet_with_config("eventRecordQPS: 0\n"), "4.2.8"),
        Status::Pass
    );
    assert_eq!(status(kubelet_with_config("{}\n"), "4.2.8"), Status::Warn);
    assert_eq!(
        status(kubelet_with_config("eventRecordQPS: -1\n"), "4.2.8"),
        Status::Fail
    );
    // 4.2.13: -1 is "no limit" (kube-bench passes any value).
    assert_eq!(
        status(kubelet_with_config("podPidsLimit: -1\n"), "4.2.13"),
        Status::Fail
    );
    assert_eq!(
        status(kubelet_with_config("podPidsLimit: 4096\n"), "4.2.13"),
        Status::Pass
    );
    assert_eq!(status(kubelet(), "4.2.13"), Status::Fail);
    // 4.2.14: the value is compared (kube-bench passes `seccompDefault: false`).
    assert_eq!(
        status(kubelet_with_config("seccompDefault: false\n"), "4.2.14"),
        Status::Fail
    );
    assert_eq!(
        status(kubelet_with_config("seccompDefault: true\n"), "4.2.14"),
        Status::Pass
    );
    // 4.2.10: the kubelet's own default is false.
    assert_eq!(status(kubelet(), "4.2.10"), Status::Fail);
    assert_eq!(
        status(kubelet_with_config("rotateCertificates: true\n"), "4.2.10"),
        Status::Pass
    );
    // 4.2.9: serving certificate files, or serverTLSBootstrap.
    assert_eq!(status(kubelet(), "4.2.9"), Status::Fail);
    assert_eq!(
        status(kubelet_with_config("serverTLSBootstrap: true\n"), "4.2.9"),
        Status::Pass
    );
    let files = kubelet_with_config("tlsCertFile: /pki/k.crt\ntlsPrivateKeyFile: /pki/k.key\n");
    assert_eq!(status(files, "4.2.9"), Status::Pass);
}

#[test]
fn cipher_suites_only_from_the_strong_list() {
    let suites = |value: &str| apiserver().flag(Component::ApiServer, "tls-cipher-suites", value);
    let strong = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384";
    assert_eq!(status(suites(strong), "1.2.29"), Status::Pass);
    let weak = suites("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA");
    let result = weak.check("1.2.29");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.reason,
        "--tls-cipher-suites includes suites outside the strong list: TLS_RSA_WITH_AES_128_CBC_SHA"
    );
    assert_eq!(status(apiserver(), "1.2.29"), Status::Fail);
    // The kubelet's list is a YAML sequence in its config file.
    let kubelet_list = kubelet_with_config(
        "tlsCipherSuites:\n- TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256\n- TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n",
    );
    assert_eq!(status(kubelet_list, "4.2.12"), Status::Pass);
    // TLS 1.3 names are strong for the API server's list but not in the kubelet's.
    let kubelet_tls13 = kubelet_with_config("tlsCipherSuites: [TLS_AES_128_GCM_SHA256]\n");
    assert_eq!(status(kubelet_tls13, "4.2.12"), Status::Fail);
}

#[test]
fn etcd_reads_flags_then_environment() {
    let etcd = || TestNode::new().with(Component::Etcd);
    assert_eq!(status(etcd(), "2.2"), Status::Fail);
    let env = etcd().env(Component::Etcd, "ETCD_CLIENT_CERT_AUTH", "true");
    let result = env.check("2.2");
    assert_eq!(result.status, Status::Pass);
    assert_eq!(result.evidence[0].found, "ETCD_CLIENT_CERT_AUTH=true");
    let flag_wins = etcd()
        .env(Component::Etcd, "ETCD_CLIENT_CERT_AUTH", "true")
        .flag(Component::Etcd, "client-cert-auth", "false");
    assert_eq!(status(flag_wins, "2.2"), Status::Fail);
    assert_eq!(status(etcd(), "2.3"), Status::Pass);
    let auto = etcd().flag(Component::Etcd, "peer-auto-tls", "true");
    assert_eq!(status(auto, "2.6"), Status::Fail);
}

#[test]
fn etcd_ca_must_differ_from_the_api_server_client_ca() {
    const ETCD_CA: &str = "/etc/kubernetes/pki/etcd/ca.crt";
    const CLUSTER_CA: &str = "/etc/kubernetes/pki/ca.crt";
    let pem =
        |body: &str| format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n");
    let both = || {
        TestNode::new()
            .flag(Component::Etcd, "trusted-ca-file", ETCD_CA)
            .flag(Component::ApiServer, "client-ca-file", CLUSTER_CA)
    };
    // Different files whose contents are not available: the paths decide.
    let result = both().check("2.7");
    assert_eq!(result.status, Status::Pass);
    assert_eq!(result.evidence.len(), 2);
    let shared = both()
        .content(ETCD_CA, &pem("QUJD"))
        .content(CLUSTER_CA, &format!("{}{}", pem("WFla"), pem("QUJD")));
    assert_eq!(status(shared, "2.7"), Status::Fail);
    let distinct = both()
        .content(ETCD_CA, &pem("QUJD"))
        .content(CLUSTER_CA, &pem("WFla"));
    assert_eq!(status(distinct, "2.7"), Status::Pass);
    let same_path = TestNode::new()
        .flag(Component::Etcd, "trusted-ca-file", CLUSTER_CA)
        .flag(Component::ApiServer, "client-ca-file", CLUSTER_CA);
    assert_eq!(status(same_path, "2.7"), Status::Fail);
    let alone = TestNode::new().flag(Component::Etcd, "trusted-ca-file", ETCD_CA);
    assert_eq!(status(alone, "2.7"), Status::Warn);
    let unset = TestNode::new().with(Component::Etcd);
    assert_eq!(status(unset, "2.7"), Status::Fail);
}

// Files.

#[test]
fn modes_are_judged_as_a_bitmask() {
    for (mode, expected) in [
        (0o600, Status::Pass),
        (0o400, Status::Pass),
        (0o000, Status::Pass),
        (0o640, Status::Fail),
        (0o644, Status::Fail),
        (0o700, Status::Fail),
        (0o4600, Status::Fail),
        (0o100600, Status::Pass),
    ] {
        let node = apiserver().file(APISERVER_MANIFEST, mode);
        assert_eq!(status(node, "1.1.1"), expected, "{mode:o}");
    }
    let result = apiserver().file(APISERVER_MANIFEST, 0o644).check("1.1.1");
    assert_eq!(
        result.reason,
        "mode 0644 of /etc/kubernetes/manifests/kube-apiserver.yaml is more permissive than 0600"
    );
    assert_eq!(
        result.evidence[0].found,
        "mode 0644 of /etc/kubernetes/manifests/kube-apiserver.yaml"
    );
    // 644 allows 640 and 600 but not 664.
    let pki = |mode| {
        apiserver()
            .dir("/etc/kubernetes/pki", 0o755)
            .file("/etc/kubernetes/pki/ca.crt", mode)
    };
    assert_eq!(status(pki(0o640), "1.1.20"), Status::Pass);
    assert_eq!(status(pki(0o664), "1.1.20"), Status::Fail);
}

#[test]
fn owners_compare_names_and_root_by_id() {
    let owned = |uid, gid, user: Option<&str>, group: Option<&str>| {
        apiserver().owned(APISERVER_MANIFEST, 0o600, uid, gid, user, group)
    };
    assert_eq!(
        status(owned(0, 0, Some("root"), Some("root")), "1.1.2"),
        Status::Pass
    );
    // Names that do not resolve: root is uid/gid 0.
    assert_eq!(status(owned(0, 0, None, None), "1.1.2"), Status::Pass);
    assert_eq!(status(owned(1000, 0, None, None), "1.1.2"), Status::Fail);
    let result = owned(0, 1000, Some("root"), Some("kube")).check("1.1.2");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.reason,
        "/etc/kubernetes/manifests/kube-apiserver.yaml is owned by root:kube (uid 0, gid 1000), not root:root (root is uid 0 and gid 0)"
    );

    const DATA: &str = "/var/lib/etcd";
    let etcd = |uid, gid, user: Option<&str>, group: Option<&str>| {
        TestNode::new()
            .flag(Component::Etcd, "data-dir", DATA)
            .owned(DATA, 0o700, uid, gid, user, group)
    };
    assert_eq!(
        status(etcd(998, 998, Some("etcd"), Some("etcd")), "1.1.12"),
        Status::Pass
    );
    assert_eq!(status(etcd(0, 0, None, None), "1.1.12"), Status::Fail);
    assert_eq!(status(etcd(998, 998, None, None), "1.1.12"), Status::Warn);
}

#[test]
fn missing_and_unreadable_files_never_pass() {
    let result = apiserver().check("1.1.1");
    assert_eq!(result.status, Status::Warn);
    assert_eq!(
        result.reason,
        "/etc/kubernetes/manifests/kube-apiserver.yaml not found"
    );
    let broken = apiserver().broken(APISERVER_MANIFEST, "permission denied");
    let result = broken.check("1.1.2");
    assert_eq!(result.status, Status::Warn);
    assert!(result.reason.contains("permission denied"));
}

#[test]
fn files_worded_if_exists_pass_when_absent() {
    // admin.conf must exist; super-admin.conf only if present.
    let admin = apiserver().file("/etc/kubernetes/admin.conf", 0o600);
    assert_eq!(status(admin, "1.1.13"), Status::Pass);
    let both = apiserver()
        .file("/etc/kubernetes/admin.conf", 0o600)
        .file("/etc/kubernetes/super-admin.conf", 0o644);
    assert_eq!(status(both, "1.1.13"), Status::Fail);
    assert_eq!(status(apiserver(), "1.1.13"), Status::Warn);
    // The kubelet's config file and kube-proxy's kubeconfig: "if the file is used".
    assert_eq!(status(kubelet(), "4.1.9"), Status::Pass);
    let config = kubelet().file(KUBELET_CONFIG, 0o644);
    assert_eq!(status(config, "4.1.9"), Status::Fail);
    let proxy = TestNode::new().with(Component::Proxy);
    assert_eq!(status(proxy, "4.1.3"), Status::Pass);
}

#[test]
fn the_manifest_checked_is_the_one_the_component_came_from() {
    let mut node = TestNode::new().file("/srv/manifests/apiserver.yaml", 0o644);
    node.components
        .entry(Component::ApiServer)
        .or_default()
        .found_by
        .push(Source::new("static pod manifest").in_file("/srv/manifests/apiserver.yaml"));
    let result = node.check("1.1.1");
    assert_eq!(result.status, Status::Fail);
    assert!(result.reason.contains("/srv/manifests/apiserver.yaml"));
}

#[test]
fn files_named_by_a_setting() {
    // etcd's --data-dir, shown as evidence.
    let node = TestNode::new()
        .flag(Component::Etcd, "data-dir", "/data/etcd")
        .dir("/data/etcd", 0o755);
    let result = node.check("1.1.11");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(result.evidence[0].found, "--data-dir=/data/etcd");
    assert_eq!(result.evidence[1].found, "mode 0755 of /data/etcd");
    // Without the flag, kube-bench's fallback.
    let fallback = TestNode::new()
        .with(Component::Etcd)
        .dir("/var/lib/etcd/default.etcd", 0o700);
    assert_eq!(status(fallback, "1.1.11"), Status::Pass);
    // The kubelet's client CA from its config file.
    let ca =
        kubelet_with_config("authentication:\n  x509:\n    clientCAFile: /etc/pki/kube-ca.pem\n")
            .file("/etc/pki/kube-ca.pem", 0o666);
    let result = ca.check("4.1.7");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(
        result.evidence[0].found,
        "authentication.x509.clientCAFile: /etc/pki/kube-ca.pem"
    );
    let default_ca = kubelet().file("/etc/kubernetes/pki/ca.crt", 0o644);
    assert_eq!(status(default_ca, "4.1.7"), Status::Pass);
    // The scheduler's --kubeconfig.
    let scheduler = TestNode::new()
        .flag(
            Component::Scheduler,
            "kubeconfig",
            "/etc/kubernetes/other-scheduler.conf",
        )
        .file("/etc/kubernetes/other-scheduler.conf", 0o600);
    assert_eq!(status(scheduler, "1.1.15"), Status::Pass);
}

#[test]
fn kubelet_service_files_are_every_unit_found() {
    assert_eq!(status(kubelet(), "4.1.1"), Status::Warn);
    let usr_lib = kubelet().file(
        "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
        0o600,
    );
    assert_eq!(status(usr_lib, "4.1.1"), Status::Pass);
    let two = kubelet()
        .file(
            "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
            0o600,
        )
        .file("/etc/systemd/system/kubelet.service", 0o644);
    assert_eq!(status(two, "4.1.1"), Status::Fail);
    // A drop-in the reader took flags from is checked too.
    let custom = kubelet()
        .flag(Component::Kubelet, "config", KUBELET_CONFIG)
        .file(
            "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
            0o600,
        );
    let mut custom = custom;
    if let Some(flag) = custom
        .components
        .get_mut(&Component::Kubelet)
        .and_then(|state| state.flags.get_mut("config"))
    {
        flag.source = Source::new("systemd drop-in")
            .in_file("/etc/systemd/system/kubelet.service.d/20-extra.conf");
    }
    let custom = custom.file("/etc/systemd/system/kubelet.service.d/20-extra.conf", 0o644);
    let result = custom.check("4.1.1");
    assert_eq!(result.status, Status::Fail);
    assert!(result.reason.contains("20-extra.conf"));
}

#[test]
fn directory_trees() {
    let pki = || apiserver().dir("/etc/kubernetes/pki", 0o755);
    // Nothing to look at is never a pass.
    assert_eq!(status(apiserver(), "1.1.19"), Status::Warn);
    let result = pki().check("1.1.21");
    assert_eq!(result.status, Status::Warn);
    assert_eq!(result.reason, "no *.key files under /etc/kubernetes/pki");
    let good = pki()
        .file("/etc/kubernetes/pki/ca.crt", 0o644)
        .file("/etc/kubernetes/pki/ca.key", 0o600)
        .dir("/etc/kubernetes/pki/etcd", 0o755)
        .file("/etc/kubernetes/pki/etcd/ca.key", 0o600);
    let state = good.build();
    for id in ["1.1.19", "1.1.20", "1.1.21"] {
        let result = evaluate_check(&state, check(id).unwrap());
        assert_eq!(result.status, Status::Pass, "{id}: {}", result.reason);
    }
    let result = evaluate_check(&state, check("1.1.21").unwrap());
    assert_eq!(
        result.reason,
        "all 2 matching files under /etc/kubernetes/pki are 0600 or more restrictive"
    );
    let bad = pki()
        .file("/etc/kubernetes/pki/ca.key", 0o600)
        .file("/etc/kubernetes/pki/sa.key", 0o644)
        .owned(
            "/etc/kubernetes/pki/front-proxy.crt",
            0o644,
            1000,
            1000,
            Some("kube"),
            Some("kube"),
        );
    let state = bad.build();
    let result = evaluate_check(&state, check("1.1.21").unwrap());
    assert_eq!(result.status, Status::Fail);
    assert!(result.reason.starts_with(
        "1 of 2 matching files under /etc/kubernetes/pki are more permissive than 0600"
    ));
    assert_eq!(result.evidence.len(), 1);
    assert_eq!(
        evaluate_check(&state, check("1.1.19").unwrap()).status,
        Status::Fail
    );
    let walk_error = apiserver().broken("/etc/kubernetes/pki", "permission denied");
    assert_eq!(status(walk_error, "1.1.19"), Status::Warn);
}

#[test]
fn cni_files_under_either_directory() {
    assert_eq!(status(kubelet(), "1.1.9"), Status::Warn);
    let conf = kubelet()
        .dir("/etc/cni/net.d", 0o755)
        .file("/etc/cni/net.d/10-calico.conflist", 0o644);
    let result = conf.check("1.1.9");
    assert_eq!(result.status, Status::Fail);
    assert_eq!(result.check_type, CheckType::Manual);
    let tight = kubelet()
        .dir("/etc/cni/net.d", 0o755)
        .file("/etc/cni/net.d/10-calico.conflist", 0o600);
    // The directory's own 0755 is not a file's mode.
    assert_eq!(status(tight, "1.1.9"), Status::Pass);
}

// The files the API server is pointed at.

const ENCRYPTION: &str = "/etc/kubernetes/enc/encryption.yaml";

fn encrypting(yaml: &str) -> TestNode {
    apiserver()
        .flag(
            Component::ApiServer,
            "encryption-provider-config",
            ENCRYPTION,
        )
        .content(ENCRYPTION, yaml)
}

#[test]
fn the_first_provider_for_secrets_must_encrypt() {
    let aescbc = "\
apiVersion: apiserver.config.k8s.io/v1
kind: EncryptionConfiguration
resources:
  - resources:
      - secrets
    providers:
      - aescbc:
          keys:
            - name: key1
              secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==
      - identity: {}
";
    let result = encrypting(aescbc).check("1.2.28");
    assert_eq!(result.status, Status::Pass, "{}", result.reason);
    let provider = &result.evidence[1];
    assert_eq!(provider.found, "first provider for secrets: aescbc");
    assert_eq!(provider.source.as_ref().unwrap().line, Some(7));
    // The key itself is never shown.
    let shown = serde_json::to_string(&result).unwrap();
    assert!(!shown.contains("c2VjcmV0"));

    let identity_first = aescbc.replace("      - aescbc:", "      - identity: {}\n      - aescbc:");
    let identity_first = identity_first
        .trim_end()
        .strip_suffix("      - identity: {}")
        .unwrap();
    let result = encrypting(identity_first).check("1.2.28");
    assert_eq!(result.status, Status::Fail);
    assert!(result.reason.contains("is identity"));

    // Secrets covered by a later entry: kube-bench reads only the first `providers:`.
    let two_entries = "\
kind: EncryptionConfiguration
resources:
  - resources: [configmaps]
    providers:
      - identity: {}
  - resources: ['*.*']
    providers:
      - kms:
          apiVersion: v2
          name: vault
          endpoint: unix:///var/run/kms.sock
";
    assert_eq!(status(encrypting(two_entries), "1.2.28"), Status::Pass);
    let no_secrets =
        "resources:\n  - resources: [configmaps]\n    providers:\n      - aescbc: {}\n";
    assert_eq!(status(encrypting(no_secrets), "1.2.28"), Status::Fail);
    let aesgcm = "resources:\n- resources: [secrets]\n  providers:\n  - aesgcm: {}\n";
    assert_eq!(status(encrypting(aesgcm), "1.2.28"), Status::Fail);
    let json = r#"{"kind":"EncryptionConfiguration","resources":[{"resources":["secrets"],"providers":[{"secretbox":{}}]}]}"#;
    assert_eq!(status(encrypting(json), "1.2.28"), Status::Pass);
}

#[test]
fn an_encryption_configuration_that_cannot_be_read_is_warn() {
    assert_eq!(status(apiserver(), "1.2.28"), Status::Fail);
    let missing = apiserver().flag(
        Component::ApiServer,
        "encryption-provider-config",
        ENCRYPTION,
    );
    let result = missing.check("1.2.28");
    assert_eq!(result.status, Status::Warn);
    assert!(result.reason.contains("not found"));
    assert_eq!(
        status(encrypting("resources: [secrets\n"), "1.2.28"),
        Status::Warn
    );
    let unreadable = apiserver()
        .flag(
            Component::ApiServer,
            "encryption-provider-config",
            ENCRYPTION,
        )
        .broken(ENCRYPTION, "permission denied");
    assert_eq!(status(unreadable, "1.2.28"), Status::Warn);
    let binary = apiserver().flag(
        Component::ApiServer,
        "encryption-provider-config",
        ENCRYPTION,
    );
    let mut binary = binary;
    binary
        .files
        .contents
        .insert(ENCRYPTION.to_string(), vec![0xff, 0xfe, 0x00]);
    assert_eq!(status(binary, "1.2.28"), Status::Warn);
}

const AUDIT: &str = "/etc/kubernetes/audit/policy.yaml";

fn auditing(yaml: &str) -> TestNode {
    apiserver()
        .flag(Component::ApiServer, "audit-policy-file", AUDIT)
        .content(AUDIT, yaml)
}

/// kubescape's passing case (regolibrary audit-policy-content/pass).
const KUBESCAPE_POLICY: &str = r#"apiVersion: audit.k8s.io/v1 # This is required.
kind: Policy
omitStages:
  - "RequestReceived"
rules:
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods", "deployments", "tokenreviews"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["secrets"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["pods/log", "pods/status", "pods/exec", "pods/portforward", "pods/proxy", "services/proxy"]
  - level: Metadata
    resources:
    - group: ""
      resources: ["configmaps"]
      resourceNames: ["controller-leader"]
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
    - group: "" # core API group
      resources: ["endpoints", "services"]
  - level: None
    userGroups: ["system:authenticated"]
    nonResourceURLs:
    - "/api*" # Wildcard matching.
    - "/version"
  - level: Metadata
    resources:
    - group: "" # core API group
      resources: ["configmaps"]
    namespaces: ["kube-system"]
  - level: Metadata
    resources:
    - group: "" # core API group
      resources: ["secrets", "configmaps"]
  - level: Request
    resources:
    - group: "" # core API group
    - group: "extensions" # Version of group should NOT be included.
  - level: Metadata
    omitStages:
      - "RequestReceived"
"#;

#[test]
fn the_audit_policy_is_asked_about_the_requests_cis_names() {
    let result = auditing(KUBESCAPE_POLICY).check("3.2.2");
    assert_eq!(result.status, Status::Pass, "{}", result.reason);
    // Config maps in kube-system logged with their bodies (kubescape's failing case).
    let leaky = KUBESCAPE_POLICY.replacen(
        "  - level: Metadata\n    resources:\n    - group: \"\" # core API group\n      resources: [\"configmaps\"]\n    namespaces",
        "  - level: Request\n    resources:\n    - group: \"\" # core API group\n      resources: [\"configmaps\"]\n    namespaces",
        1,
    );
    assert_ne!(leaky, KUBESCAPE_POLICY);
    let result = auditing(&leaky).check("3.2.2");
    assert_eq!(result.status, Status::Fail);
    assert!(
        result
            .reason
            .contains("ConfigMaps (get, namespace kube-system) are logged at Request by rule 7"),
        "{}",
        result.reason
    );
    let evidence = result.evidence.last().unwrap();
    assert_eq!(evidence.source.as_ref().unwrap().line, Some(34));
    // Everything at RequestResponse records Secrets' contents.
    let all = auditing("kind: Policy\nrules:\n- level: RequestResponse\n").check("3.2.2");
    assert_eq!(all.status, Status::Fail);
    assert!(
        all.reason
            .contains("Secrets (get, list, watch, create, update, patch, delete) are logged at RequestResponse by rule 1")
    );
    // Metadata for everything passes; nothing for exec fails.
    assert_eq!(
        status(auditing("rules:\n- level: Metadata\n"), "3.2.2"),
        Status::Pass
    );
    let no_exec = "rules:\n- level: None\n  resources:\n  - group: \"\"\n    resources: [\"pods/exec\"]\n- level: Metadata\n";
    let result = auditing(no_exec).check("3.2.2");
    assert_eq!(result.status, Status::Fail);
    assert!(
        result
            .reason
            .contains("pods/exec (create, get) are not logged (rule 1 applies)")
    );
    // No policy, no rules, or not a policy.
    assert_eq!(status(apiserver(), "3.2.2"), Status::Fail);
    assert_eq!(
        status(auditing("kind: Policy\nrules: []\n"), "3.2.2"),
        Status::Fail
    );
    assert_eq!(
        status(auditing("kind: EncryptionConfiguration\n"), "3.2.2"),
        Status::Warn
    );
    assert_eq!(
        status(auditing("rules:\n- level: Everything\n"), "3.2.2"),
        Status::Warn
    );
    assert_eq!(status(auditing(KUBESCAPE_POLICY), "3.2.1"), Status::Pass);
}

/// The flags kubeadm (v1.32) writes into the API server's manifest.
const KUBEADM_APISERVER_FLAGS: &[&str] = &[
    "--advertise-address=192.168.1.10",
    "--allow-privileged=true",
    "--authorization-mode=Node,RBAC",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt",
    "--enable-admission-plugins=NodeRestriction",
    "--enable-bootstrap-token-auth=true",
    "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
    "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
    "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key",
    "--etcd-servers=https://127.0.0.1:2379",
    "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
    "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
    "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
    "--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt",
    "--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key",
    "--requestheader-allowed-names=front-proxy-client",
    "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
    "--secure-port=6443",
    "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
    "--service-cluster-ip-range=10.96.0.0/12",
    "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt",
    "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
];

#[test]
fn a_stock_kubeadm_api_server_gets_kube_benchs_baseline() {
    let mut node = apiserver();
    for flag in KUBEADM_APISERVER_FLAGS {
        let (name, value) = flag.trim_start_matches('-').split_once('=').unwrap();
        node = node.flag(Component::ApiServer, name, value);
    }
    let state = node.build();
    let failing = [
        "1.2.1", "1.2.3", "1.2.5", "1.2.9", "1.2.11", "1.2.15", "1.2.16", "1.2.17", "1.2.18",
        "1.2.19", "1.2.27", "1.2.28", "1.2.29", "1.2.30", "3.2.1", "3.2.2",
    ];
    let warning = ["1.2.20", "3.1.3"];
    for check in CHECKS.iter().filter(|check| check.id.starts_with("1.2.")) {
        let result = evaluate_check(&state, check);
        let expected = if failing.contains(&check.id) {
            Status::Fail
        } else if warning.contains(&check.id) {
            Status::Warn
        } else {
            Status::Pass
        };
        assert_eq!(result.status, expected, "{}: {}", check.id, result.reason);
    }
    for id in failing
        .iter()
        .chain(&warning)
        .filter(|id| id.starts_with('3'))
    {
        let expected = if warning.contains(id) {
            Status::Warn
        } else {
            Status::Fail
        };
        assert_eq!(
            evaluate_check(&state, check(id).unwrap()).status,
            expected,
            "{id}"
        );
    }
}

#[test]
fn odd_config_files_and_values_never_panic() {
    for yaml in [
        "- a\n- b\n",
        "just a string\n",
        "featureGates: RotateKubeletServerCertificate=false\ntlsCipherSuites: {a: b}\nauthentication: [1, 2]\n",
        "readOnlyPort: 1.5\npodPidsLimit: 99999999999999999999\neventRecordQPS: [0]\nstreamingConnectionIdleTimeout: 9999999999999999999h\n",
        "authentication:\n  anonymous: null\nauthorization:\n  mode: ~\n",
    ] {
        let state = kubelet_with_config(yaml)
            .flag(Component::Kubelet, "kubeconfig", "")
            .flag(Component::ApiServer, "tls-cipher-suites", ",,, ,")
            .flag(
                Component::ApiServer,
                "encryption-provider-config",
                ENCRYPTION,
            )
            .content(
                ENCRYPTION,
                "resources:\n- providers: [1, {}]\n  resources: secrets\n",
            )
            .flag(Component::ApiServer, "audit-policy-file", AUDIT)
            .content(AUDIT, "rules: {level: Metadata}\n")
            .flag(Component::Proxy, "metrics-bind-address", "[::1")
            .build();
        let results = evaluate(&state);
        assert_eq!(results.len(), CHECKS.len());
    }
}
