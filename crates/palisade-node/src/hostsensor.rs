//! kubescape's host-sensor objects (`hostdata.kubescape.cloud/v1beta0`: `ControlPlaneInfo`,
//! `KubeletInfo`, `KubeProxyInfo`, `CNIInfo`) read as a [`NodeState`], so that the benchmark can
//! judge the nodes kubescape's own CIS cases describe and the verdicts can be compared.
//!
//! The sensor reports each component's command line as one string, a few files as records
//! (path, `permissions` as a decimal mode, owner ids and names, sometimes the content in base64)
//! and the kubelet's config file content. The node this adapter gives is the node *as the sensor
//! reports it*: a path the sensor did not report reads as absent, a reported file whose content
//! the sensor left out cannot be read, and a config the sensor failed to read is `Unreadable`.
//! The sensor gives etcd's data directory but not etcd's command line, so etcd appears with the
//! one flag `--data-dir` and an `Unreadable` note for the rest.

use std::collections::BTreeMap;

use palisade_model::Node;

use crate::state::{
    Component, ComponentState, ConfigFile, FileFacts, FlagValue, NodeFiles, NodeState,
    ParseDocuments, Source, Unreadable,
};

/// The API version every host-sensor object carries.
pub const HOST_SENSOR_API_VERSION: &str = "hostdata.kubescape.cloud/v1beta0";

/// How results name where a value came from.
const SOURCE_KIND: &str = "kubescape host sensor";

/// Flags that take no value in the components' flag parsers (pflag booleans): `--flag value`
/// leaves `value` as a positional argument for these, and gives it to the flag for all others.
const BOOLEAN_FLAGS: &[&str] = &[
    "allow-privileged",
    "alsologtostderr",
    "anonymous-auth",
    "auto-tls",
    "cgroups-per-qos",
    "client-cert-auth",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-garbage-collector",
    "enable-hostpath-provisioner",
    "enable-server",
    "experimental-initial-corrupt-check",
    "fail-swap-on",
    "kubelet-https",
    "leader-elect",
    "logtostderr",
    "make-iptables-util-chains",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "profiling",
    "protect-kernel-defaults",
    "register-node",
    "rotate-certificates",
    "rotate-server-certificates",
    "seccomp-default",
    "serialize-image-pulls",
    "service-account-extend-token-expiration",
    "service-account-lookup",
    "use-service-account-credentials",
];

/// A host-sensor file that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HostSensorError {
    pub file: String,
    /// What went wrong, with the file and the position.
    pub message: String,
}

/// Whether a parsed document is a host-sensor object.
pub fn is_host_sensor_object(object: &Node) -> bool {
    object.get("apiVersion").and_then(Node::as_str) == Some(HOST_SENSOR_API_VERSION)
}

/// Reads one host-sensor file (one object or an array of objects) as a node.
pub fn read_host_sensor(
    file: &str,
    text: &str,
    parse: ParseDocuments,
) -> Result<NodeState, HostSensorError> {
    let mut reader = HostSensorReader::new(parse);
    reader.add_text(file, text)?;
    Ok(reader.finish())
}

/// Gathers host-sensor objects, from one file or several, into one node.
pub struct HostSensorReader {
    parse: ParseDocuments,
    components: BTreeMap<Component, ComponentState>,
    files: BTreeMap<String, Reported>,
    unreadable: Vec<Unreadable>,
    inputs: Vec<String>,
}

impl HostSensorReader {
    pub fn new(parse: ParseDocuments) -> HostSensorReader {
        HostSensorReader {
            parse,
            components: BTreeMap::new(),
            files: BTreeMap::new(),
            unreadable: Vec::new(),
            inputs: Vec::new(),
        }
    }

    /// Adds the host-sensor objects of a file's text; returns how many it read. Documents that
    /// are not host-sensor objects, and kinds this adapter does not know, are left out.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<usize, HostSensorError> {
        let documents = (self.parse)(file, text).map_err(|error| HostSensorError {
            file: file.to_string(),
            message: error.to_string(),
        })?;
        let mut read = 0;
        for document in &documents {
            // A file may hold one object or an array of them.
            let objects: Vec<&Node> = if document.is_seq() {
                document.items().iter().collect()
            } else {
                vec![document]
            };
            for object in objects {
                if self.add_object(file, object) {
                    read += 1;
                }
            }
        }
        Ok(read)
    }

    /// Adds one object; `false` when it is not a host-sensor object of a known kind. A
    /// component reported twice takes the later report.
    pub fn add_object(&mut self, file: &str, object: &Node) -> bool {
        if !is_host_sensor_object(object) {
            return false;
        }
        let data = object.get("data").unwrap_or(Node::null());
        let found = Source::new(SOURCE_KIND)
            .in_file(file)
            .at(object.pos.line, object.pos.column);
        let known = match object.get("kind").and_then(Node::as_str) {
            Some("ControlPlaneInfo") => {
                self.control_plane(file, data, &found);
                true
            }
            Some("KubeletInfo") => {
                self.kubelet(file, data, &found);
                true
            }
            Some("KubeProxyInfo") => {
                self.proxy(file, data, &found);
                true
            }
            Some("CNIInfo") => {
                for record in data.get("CNIConfigFiles").map(Node::items).unwrap_or(&[]) {
                    self.record(file, record, false);
                }
                true
            }
            _ => false,
        };
        if known && !self.inputs.iter().any(|input| input == file) {
            self.inputs.push(file.to_string());
        }
        known
    }

    /// The node the added objects describe.
    pub fn finish(self) -> NodeState {
        NodeState {
            components: self.components,
            files: Box::new(ReportedFiles { files: self.files }),
            unreadable: self.unreadable,
            origin: format!("{SOURCE_KIND} {}", self.inputs.join(", ")),
            parse: self.parse,
        }
    }

    fn control_plane(&mut self, file: &str, data: &Node, found: &Source) {
        let parts = [
            ("APIServerInfo", Component::ApiServer),
            ("controllerManagerInfo", Component::ControllerManager),
            ("schedulerInfo", Component::Scheduler),
        ];
        for (key, component) in parts {
            let Some(info) = data.get(key) else { continue };
            let mut state = self.component_state(file, info);
            for record_key in [
                "specsFile",
                "configFile",
                "encryptionProviderConfigFile",
                "auditPolicyFile",
            ] {
                if let Some(record) = info.get(record_key) {
                    self.record(file, record, false);
                }
            }
            if info.get("cmdLine").is_none() {
                self.unreadable.push(Unreadable {
                    path: format!("{file}: data.{key}.cmdLine"),
                    reason: format!("the host sensor did not report {component}'s command line"),
                });
            }
            state.found_by.push(found.clone());
            self.components.insert(component, state);
        }
        if let Some(record) = data.get("etcdConfigFile") {
            self.record(file, record, false);
        }
        if let Some(record) = data.get("etcdDataDir") {
            self.record(file, record, true);
            if let Some(path) = record.get("path").and_then(Node::as_str) {
                let mut etcd = ComponentState::default();
                etcd.found_by.push(found.clone());
                etcd.flags.insert(
                    "data-dir".to_string(),
                    FlagValue {
                        value: path.to_string(),
                        source: source_at(file, record),
                    },
                );
                self.components.insert(Component::Etcd, etcd);
                self.unreadable.push(Unreadable {
                    path: format!("{file}: data.etcdDataDir"),
                    reason: "the host sensor reports etcd's data directory, not etcd's command \
                             line: etcd's other flags are unknown"
                        .to_string(),
                });
            }
        }
        if let Some(record) = data.get("adminConfigFile") {
            self.record(file, record, false);
        }
        if let Some(record) = data.get("PKIDir") {
            self.record(file, record, true);
        }
        for record in data.get("PKIFiles").map(Node::items).unwrap_or(&[]) {
            self.record(file, record, false);
        }
    }

    fn kubelet(&mut self, file: &str, data: &Node, found: &Source) {
        let mut state = self.component_state(file, data);
        state.found_by.push(found.clone());
        for key in ["kubeConfigFile", "clientCAFile"] {
            if let Some(record) = data.get(key) {
                self.record(file, record, false);
            }
        }
        for record in data.get("serviceFiles").map(Node::items).unwrap_or(&[]) {
            self.record(file, record, false);
        }
        let flag_path = state.flags.get("config").map(|flag| flag.value.clone());
        let record = data.get("configFile");
        if let Some(record) = record.filter(|record| record.get("path").is_some()) {
            self.record(file, record, false);
        }
        let record_path = record
            .and_then(|record| record.get("path"))
            .and_then(Node::as_str)
            .map(str::to_string);
        let content = record.and_then(|record| record.get("content"));
        let path = flag_path
            .or(record_path)
            .unwrap_or_else(|| format!("{file}: data.configFile.content"));
        match content {
            Some(content) => match self.parse_content(&path, content) {
                Ok(root) => state.config = Some(ConfigFile { path, root }),
                Err(reason) => self.unreadable.push(Unreadable { path, reason }),
            },
            // A `--config` (or a config record) whose content the sensor did not send: the
            // checks that read the config must not take the kubelet's defaults for it.
            None if state.flags.contains_key("config") || record.is_some() => {
                self.unreadable.push(Unreadable {
                    path,
                    reason: "the host sensor did not report the kubelet config file's content"
                        .to_string(),
                });
            }
            None => {}
        }
        self.components.insert(Component::Kubelet, state);
    }

    fn proxy(&mut self, file: &str, data: &Node, found: &Source) {
        let mut state = self.component_state(file, data);
        state.found_by.push(found.clone());
        if let Some(record) = data.get("kubeConfigFile") {
            self.record(file, record, false);
        }
        if let Some(config) = state.flags.get("config") {
            self.unreadable.push(Unreadable {
                path: config.value.clone(),
                reason: "the host sensor does not report kube-proxy's config file".to_string(),
            });
        }
        self.components.insert(Component::Proxy, state);
    }

    /// A component's flags from the `cmdLine` string beside `info`.
    fn component_state(&mut self, file: &str, info: &Node) -> ComponentState {
        let mut state = ComponentState::default();
        if let Some(command_line) = info.get("cmdLine") {
            let source = source_at(file, command_line);
            match command_line.as_str() {
                Some(text) => {
                    for (name, value) in parse_command_line(text) {
                        state.flags.insert(
                            name,
                            FlagValue {
                                value,
                                source: source.clone(),
                            },
                        );
                    }
                }
                None => self.unreadable.push(Unreadable {
                    path: file.to_string(),
                    reason: format!("cmdLine is a {}, not a string", command_line.type_name()),
                }),
            }
        }
        state
    }

    /// Decodes and parses a config file's base64 content.
    fn parse_content(&self, path: &str, content: &Node) -> Result<Node, String> {
        let encoded = content
            .as_str()
            .ok_or_else(|| format!("the content is a {}, not a string", content.type_name()))?;
        let bytes = decode_base64(encoded).ok_or("the content is not base64")?;
        let text = String::from_utf8(bytes).map_err(|_| "the content is not UTF-8 text")?;
        let documents = (self.parse)(path, &text).map_err(|error| error.to_string())?;
        documents
            .into_iter()
            .find(|document| !document.is_null())
            .ok_or_else(|| "the content is empty".to_string())
    }

    /// Remembers a file record under its path; a record that lacks its mode or owner is kept as
    /// a file that cannot be read.
    fn record(&mut self, file: &str, record: &Node, is_dir: bool) {
        let Some(path) = record.get("path").and_then(Node::as_str) else {
            self.unreadable.push(Unreadable {
                path: file.to_string(),
                reason: format!(
                    "a file record at line {} has no path",
                    record.pos.line.max(1)
                ),
            });
            return;
        };
        let reported = match file_facts(path, record, is_dir) {
            Ok(facts) => Reported::Facts {
                facts,
                content: record.get("content").map(|content| {
                    content
                        .as_str()
                        .and_then(decode_base64)
                        .ok_or_else(|| format!("the host sensor's content of {path} is not base64"))
                }),
            },
            Err(reason) => {
                self.unreadable.push(Unreadable {
                    path: path.to_string(),
                    reason: reason.clone(),
                });
                Reported::Broken(reason)
            }
        };
        self.files.insert(path.to_string(), reported);
    }
}

/// The source of a value at a node's position in a host-sensor file.
fn source_at(file: &str, node: &Node) -> Source {
    let source = Source::new(SOURCE_KIND).in_file(file);
    if node.pos.is_known() {
        source.at(node.pos.line, node.pos.column)
    } else {
        source
    }
}

fn file_facts(path: &str, record: &Node, is_dir: bool) -> Result<FileFacts, String> {
    let permissions = record
        .get("permissions")
        .and_then(Node::as_i64)
        .ok_or_else(|| format!("the host sensor reported no permissions for {path}"))?;
    let mode = u32::try_from(permissions)
        .map_err(|_| format!("the host sensor reported permissions {permissions} for {path}"))?;
    let ownership = record
        .get("ownership")
        .ok_or_else(|| format!("the host sensor reported no owner for {path}"))?;
    let id = |key: &str| {
        ownership
            .get(key)
            .and_then(Node::as_i64)
            .and_then(|id| u32::try_from(id).ok())
            .ok_or_else(|| format!("the host sensor reported no {key} for {path}"))
    };
    let name = |key: &str| {
        ownership
            .get(key)
            .and_then(Node::as_str)
            .filter(|name| !name.is_empty())
            .map(str::to_string)
    };
    Ok(FileFacts {
        path: path.to_string(),
        mode: mode & 0o7777,
        uid: id("uid")?,
        gid: id("gid")?,
        user: name("username"),
        group: name("groupname"),
        is_dir,
    })
}

/// What the sensor said about one path.
enum Reported {
    Facts {
        facts: FileFacts,
        /// The content, when the sensor sent it (or why it cannot be decoded).
        content: Option<Result<Vec<u8>, String>>,
    },
    Broken(String),
}

/// The files the sensor reported; every other path reads as absent.
struct ReportedFiles {
    files: BTreeMap<String, Reported>,
}

impl NodeFiles for ReportedFiles {
    fn stat(&self, path: &str) -> Result<Option<FileFacts>, String> {
        match self.files.get(path) {
            Some(Reported::Facts { facts, .. }) => Ok(Some(facts.clone())),
            Some(Reported::Broken(reason)) => Err(reason.clone()),
            None => Ok(None),
        }
    }

    fn walk(&self, dir: &str) -> Result<Option<Vec<FileFacts>>, String> {
        let dir = dir.trim_end_matches('/');
        let prefix = format!("{dir}/");
        // The directory's own record first (the sensor does not always report it), then what
        // lies below it in path order.
        let mut entries = Vec::new();
        let below = self
            .files
            .iter()
            .filter(|(path, _)| path.as_str() == dir || path.starts_with(&prefix));
        for (_, reported) in below {
            match reported {
                Reported::Facts { facts, .. } => entries.push(facts.clone()),
                Reported::Broken(reason) => return Err(reason.clone()),
            }
        }
        if entries.is_empty() {
            return Ok(None);
        }
        entries.sort_by_key(|facts| (facts.path != dir, facts.path.clone()));
        Ok(Some(entries))
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match self.files.get(path) {
            Some(Reported::Facts {
                content: Some(content),
                ..
            }) => content.clone().map(Some),
            Some(Reported::Facts { content: None, .. }) => Err(format!(
                "the host sensor reported the mode and owner of {path}, not its content"
            )),
            Some(Reported::Broken(reason)) => Err(reason.clone()),
            None => Ok(None),
        }
    }
}

/// A component's flags from its command line as one string (`kube-apiserver --a=b --c`), as
/// the component's flag parser reads them: the binary (any first word that is not a flag) and
/// positional words are skipped, a repeated flag takes its last value, `--flag` alone is
/// `"true"`, and `--flag value` gives `value` to every flag that is not a boolean.
pub fn parse_command_line(text: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut flags: Vec<(String, String)> = Vec::new();
    let mut index = 0;
    while index < words.len() {
        let word = words[index];
        index += 1;
        let Some(flag) = word.strip_prefix("--").or_else(|| word.strip_prefix('-')) else {
            continue;
        };
        if flag.is_empty() {
            // `--` ends the flags.
            break;
        }
        let (name, value) = match flag.split_once('=') {
            Some((name, value)) => (name, value.to_string()),
            None if BOOLEAN_FLAGS.contains(&flag) => (flag, "true".to_string()),
            None => match words.get(index) {
                Some(next) if !next.starts_with('-') => {
                    index += 1;
                    (flag, next.to_string())
                }
                _ => (flag, "true".to_string()),
            },
        };
        flags.retain(|(existing, _)| existing != name);
        flags.push((name.to_string(), value));
    }
    flags
}

/// Decodes standard base64 (padding optional, whitespace ignored); `None` when the text is not
/// base64.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    // Kubernetes writes padded standard base64; people also paste it unpadded or wrapped.
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let symbols: Vec<u8> = text
        .bytes()
        .filter(|byte| !byte.is_ascii_whitespace())
        .collect();
    LENIENT.decode(symbols).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::{Path, PathBuf};

    fn parse(file: &str, text: &str) -> Result<Vec<Node>, palisade_model::InputError> {
        palisade_load::parse_documents(file, text)
    }

    /// A case of kubescape's CIS rules in the shared corpus, when the corpus is present.
    fn corpus_case(rule_case_input: &str) -> Option<(String, String)> {
        let corpus = std::env::var_os("PALISADE_CORPUS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
            });
        let path = corpus
            .join("node-configs/kubescape-cis")
            .join(rule_case_input);
        match std::fs::read_to_string(&path) {
            Ok(text) => Some((path.display().to_string(), text)),
            Err(_) => {
                eprintln!("SKIPPED: {} is absent", path.display());
                None
            }
        }
    }

    fn flag<'a>(state: &'a NodeState, component: Component, name: &str) -> Option<&'a str> {
        state
            .components
            .get(&component)?
            .flags
            .get(name)
            .map(|flag| flag.value.as_str())
    }

    #[test]
    fn command_lines_read_as_the_flag_parser_reads_them() {
        let flags = parse_command_line(
            "/var/lib/minikube/binaries/v1.23.1/kubelet  --authorization-mode=AlwaysAllow \
             --protect-kernel-defaults  true   TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256   \
             --config=/ss/ss/ss --pod-max-pids 22 --config=/var/lib/kubelet/config.yaml -v=2 \
             --rotate-certificates --",
        );
        let get = |name: &str| {
            flags
                .iter()
                .find(|(flag, _)| flag == name)
                .map(|(_, value)| value.as_str())
        };
        assert_eq!(get("authorization-mode"), Some("AlwaysAllow"));
        assert_eq!(get("protect-kernel-defaults"), Some("true"));
        assert_eq!(get("pod-max-pids"), Some("22"));
        assert_eq!(get("config"), Some("/var/lib/kubelet/config.yaml"));
        assert_eq!(get("v"), Some("2"));
        assert_eq!(get("rotate-certificates"), Some("true"));
        assert_eq!(get("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"), None);
        assert_eq!(flags.iter().filter(|(name, _)| name == "config").count(), 1);
        // No binary: the first word is already a flag.
        assert_eq!(
            parse_command_line("  --config=/var/lib/kubelet/config.yaml"),
            vec![(
                "config".to_string(),
                "/var/lib/kubelet/config.yaml".to_string()
            )]
        );
        assert!(parse_command_line("").is_empty());
    }

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVsbG8").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGVs\nbG8h").as_deref(), Some(&b"hello!"[..]));
        assert_eq!(decode_base64("").as_deref(), Some(&b""[..]));
        assert_eq!(decode_base64("a"), None);
        assert_eq!(decode_base64("aGVsbG8=x"), None);
        assert_eq!(decode_base64("not base64!"), None);
    }

    #[test]
    fn control_plane_info_gives_flags_files_and_contents() {
        let Some((file, text)) = corpus_case(
            "ensure-that-the-API-server-pod-specification-file-permissions-are-set-to-600-or-more-restrictive/failed/input/control_plane_info.json",
        ) else {
            return;
        };
        let state = read_host_sensor(&file, &text, parse).expect("the input reads");
        assert_eq!(
            flag(&state, Component::ApiServer, "authorization-mode"),
            Some("Node,RBAC")
        );
        assert_eq!(
            flag(&state, Component::ControllerManager, "bind-address"),
            Some("127.0.0.1")
        );
        assert_eq!(
            flag(&state, Component::Scheduler, "leader-elect"),
            Some("false")
        );
        assert_eq!(
            flag(&state, Component::Etcd, "data-dir"),
            Some("/var/lib/minikube/etcd")
        );
        let source = &state.components[&Component::ApiServer].flags["secure-port"].source;
        assert_eq!(source.kind, "kubescape host sensor");
        assert_eq!(source.file.as_deref(), Some(file.as_str()));
        assert!(source.line.is_some_and(|line| line > 1));

        let manifest = state
            .files
            .stat("/etc/kubernetes/manifests/kube-apiserver.yaml")
            .expect("reported")
            .expect("present");
        assert_eq!(manifest.mode, 0o770);
        assert_eq!((manifest.uid, manifest.gid), (0, 0));
        assert_eq!(manifest.user.as_deref(), Some("root"));
        assert!(!manifest.is_dir);

        let pki = state
            .files
            .walk("/etc/kubernetes/pki")
            .expect("reported")
            .expect("present");
        let paths: Vec<&str> = pki.iter().map(|facts| facts.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/etc/kubernetes/pki",
                "/etc/kubernetes/pki/ca.crt",
                "/etc/kubernetes/pki/foo.key"
            ]
        );
        assert!(pki[0].is_dir);

        // The encryption configuration's content came with the record; a user name the sensor
        // left empty is no name.
        let encryption = state
            .files
            .read("/var/lib/minikube/certs/hack/encryptionConf.yaml")
            .expect("reported")
            .expect("present");
        assert!(String::from_utf8_lossy(&encryption).contains("kind: EncryptionConfiguration"));
        let encryption_facts = state
            .files
            .stat("/var/lib/minikube/certs/hack/encryptionConf.yaml")
            .unwrap()
            .unwrap();
        assert_eq!(encryption_facts.user, None);
        assert_eq!(encryption_facts.uid, 1000);

        // Reported without content; not reported at all.
        assert!(state.files.read("/etc/kubernetes/admin.conf").is_err());
        assert_eq!(
            state.files.stat("/etc/kubernetes/super-admin.conf"),
            Ok(None)
        );
        assert!(state.origin.starts_with("kubescape host sensor "));
        assert!(
            state
                .unreadable
                .iter()
                .any(|unreadable| unreadable.reason.contains("etcd's other flags"))
        );
    }

    #[test]
    fn kubelet_info_config_content_is_decoded_and_parsed() {
        let Some((file, text)) = corpus_case(
            "enforce-kubelet-client-tls-authentication-updated/pass-config/input/kubelet-info.json",
        ) else {
            return;
        };
        let state = read_host_sensor(&file, &text, parse).expect("the input reads");
        let kubelet = &state.components[&Component::Kubelet];
        let config = kubelet.config.as_ref().expect("the config content parses");
        assert_eq!(config.path, "/var/lib/kubelet/config.yaml");
        assert_eq!(
            config
                .root
                .get_path(&["authentication", "x509", "clientCAFile"])
                .and_then(Node::as_str),
            Some("/var/lib/minikube/certs/ca.crt")
        );
        assert_eq!(
            config
                .root
                .get_path(&["authorization", "mode"])
                .and_then(Node::as_str),
            Some("Webhook")
        );
        // Positions are those of the decoded YAML.
        assert_eq!(
            config.root.get("apiVersion").map(|node| node.pos.line),
            Some(1)
        );
        assert!(state.unreadable.is_empty());
    }

    #[test]
    fn a_config_the_sensor_failed_to_read_is_unreadable() {
        let Some((file, text)) =
            corpus_case("kubelet-event-qps/fail-sensor-failed/input/kubelet-info.json")
        else {
            return;
        };
        let state = read_host_sensor(&file, &text, parse).expect("the input reads");
        let kubelet = &state.components[&Component::Kubelet];
        assert_eq!(kubelet.config, None);
        assert_eq!(flag(&state, Component::Kubelet, "config"), Some("xxx"));
        assert_eq!(
            state.unreadable,
            vec![Unreadable {
                path: "xxx".to_string(),
                reason: "the host sensor did not report the kubelet config file's content"
                    .to_string(),
            }]
        );
    }

    #[test]
    fn kubelet_file_records_keep_names_and_ids() {
        let Some((file, text)) = corpus_case(
            "ensure-that-the-client-certificate-authorities-file-ownership-is-set-to-root-root/failed/input/group.json",
        ) else {
            return;
        };
        let state = read_host_sensor(&file, &text, parse).expect("the input reads");
        let ca = state
            .files
            .stat("/var/lib/minikube/certs/ca.crt")
            .unwrap()
            .unwrap();
        assert_eq!((ca.uid, ca.gid, ca.mode), (0, 1, 0o660));
        assert_eq!(ca.group.as_deref(), Some("noroot"));
        assert!(
            state
                .files
                .stat("/systemd/system/kubelet.service")
                .unwrap()
                .is_some()
        );
        assert_eq!(
            flag(&state, Component::Kubelet, "kubeconfig"),
            Some("/etc/kubernetes/kubelet.conf")
        );
    }

    #[test]
    fn proxy_and_cni_objects() {
        let Some((proxy_file, proxy_text)) = corpus_case(
            "if-proxy-kubeconfig-file-exists-ensure-ownership-is-set-to-root-root/passed/input/kubeproxy.json",
        ) else {
            return;
        };
        let Some((cni_file, cni_text)) = corpus_case(
            "ensure-that-the-Container-Network-Interface-file-permissions-are-set-to-600-or-more-restrictive/failed/input/CNIInfo.json",
        ) else {
            return;
        };
        let mut reader = HostSensorReader::new(parse);
        assert_eq!(reader.add_text(&proxy_file, &proxy_text), Ok(1));
        assert_eq!(reader.add_text(&cni_file, &cni_text), Ok(1));
        let state = reader.finish();
        assert_eq!(
            flag(&state, Component::Proxy, "kubeconfig"),
            Some("/etc/kubernetes/kubelet.conf")
        );
        let cni = state
            .files
            .walk("/etc/cni/net.d")
            .unwrap()
            .expect("the sensor reported files below it");
        assert_eq!(cni.len(), 1);
        assert_eq!(cni[0].mode, 0o770);
        // kube-proxy's own config file is never in the sensor's report.
        assert!(
            state
                .unreadable
                .iter()
                .any(|unreadable| unreadable.path == "/var/lib/kube-proxy/config.conf")
        );
        assert!(state.origin.contains(&proxy_file) && state.origin.contains(&cni_file));
    }

    #[test]
    fn odd_input_is_an_error_or_left_out_never_a_panic() {
        let broken = read_host_sensor("broken.json", "{\"apiVersion\": ", parse);
        let error = broken.err().expect("broken JSON is an error");
        assert_eq!(error.file, "broken.json");
        assert!(error.to_string().starts_with("broken.json:"), "{error}");
        let mut reader = HostSensorReader::new(parse);
        let pod = "{\"apiVersion\": \"v1\", \"kind\": \"Pod\"}";
        assert_eq!(reader.add_text("pod.json", pod), Ok(0));
        let odd = r#"[{"apiVersion": "hostdata.kubescape.cloud/v1beta0", "kind": "KubeletInfo",
            "data": {"cmdLine": 7, "configFile": {"content": "%%%", "path": "/c",
            "permissions": -1, "ownership": "root"}, "serviceFiles": [{"nopath": 1}]}},
            {"apiVersion": "hostdata.kubescape.cloud/v1beta0", "kind": "OsReleaseFile"}]"#;
        assert_eq!(reader.add_text("odd.json", odd), Ok(1));
        let state = reader.finish();
        assert!(state.components[&Component::Kubelet].flags.is_empty());
        assert!(state.files.stat("/c").is_err());
        let reasons: Vec<&str> = state
            .unreadable
            .iter()
            .map(|unreadable| unreadable.reason.as_str())
            .collect();
        assert!(
            reasons.contains(&"the content is not base64"),
            "{reasons:?}"
        );
        assert!(reasons.iter().any(|reason| reason.contains("not a string")));
        assert!(reasons.iter().any(|reason| reason.contains("has no path")));
    }
}
