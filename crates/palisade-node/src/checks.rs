//! The benchmark as data: one row per CIS check (sections 1 to 4 of the CIS Kubernetes
//! Benchmark v1.12, as kube-bench checks kubeadm-built nodes). The evaluator in
//! [`crate::evaluate`] interprets the rows; no check is a function of its own.
//!
//! A setting is read as the component reads it: the command-line flag wins, then the field of the
//! component's config file (the kubelet's `--config`, kube-proxy's), then an environment variable
//! (etcd's `ETCD_*`), then the Kubernetes default. The kubelet has two sets of defaults: the
//! legacy flag defaults (anonymous authentication on, `AlwaysAllow`, read-only port 10255) apply
//! when it runs without a config file, the `KubeletConfiguration` defaults when it has one; a
//! [`Setting`] carries both.

use std::fmt::Write as _;

use crate::result::CheckType;
use crate::state::Component;

/// One CIS check.
#[derive(Debug)]
pub struct Check {
    /// The CIS number, `1.2.1`.
    pub id: &'static str,
    pub title: &'static str,
    pub check_type: CheckType,
    /// The component the check is about; when it is not on the node the check cannot be judged.
    pub component: Component,
    pub test: Test,
    pub remediation: &'static str,
}

/// Where a value is read, and what applies when it is not set anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setting {
    /// The command-line flag without dashes: `anonymous-auth`.
    pub flag: &'static str,
    /// A dotted path in the component's config file: `authentication.anonymous.enabled`.
    pub config: Option<&'static str>,
    /// An environment variable the component reads: `ETCD_CLIENT_CERT_AUTH`.
    pub env: Option<&'static str>,
    /// The Kubernetes default when the setting is given nowhere (`None`: unset means nothing).
    pub default: Option<&'static str>,
    /// The default when the component runs with a config file, where it differs from `default`
    /// (the kubelet's `KubeletConfiguration` defaults).
    pub config_default: Option<&'static str>,
}

impl Setting {
    pub const fn flag(flag: &'static str) -> Setting {
        Setting {
            flag,
            config: None,
            env: None,
            default: None,
            config_default: None,
        }
    }

    pub const fn config(mut self, path: &'static str) -> Setting {
        self.config = Some(path);
        self
    }

    pub const fn env(mut self, variable: &'static str) -> Setting {
        self.env = Some(variable);
        self
    }

    pub const fn default(mut self, value: &'static str) -> Setting {
        self.default = Some(value);
        self
    }

    pub const fn config_default(mut self, value: &'static str) -> Setting {
        self.config_default = Some(value);
        self
    }

    /// `--anonymous-auth` / config `authentication.anonymous.enabled`, for documentation.
    pub fn names(&self) -> String {
        let mut names = format!("`--{}`", self.flag);
        if let Some(path) = self.config {
            let _ = write!(names, " / config `{path}`");
        }
        if let Some(variable) = self.env {
            let _ = write!(names, " / env `{variable}`");
        }
        names
    }

    /// The defaults in words, or `None` when unset means unset.
    pub fn default_text(&self) -> Option<String> {
        match (self.default, self.config_default) {
            (Some(flag), Some(config)) if flag != config => Some(format!(
                "`{flag}` without a config file, `{config}` with one"
            )),
            (Some(value), _) => Some(format!("`{value}`")),
            (None, Some(config)) => {
                Some(format!("unset without a config file, `{config}` with one"))
            }
            (None, None) => None,
        }
    }
}

/// What a setting's value must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Set to a non-empty value (a default does not count).
    Set,
    /// Not set, or set to the empty string.
    Unset,
    /// A boolean as Go's `strconv.ParseBool` reads it (`true`, `1`, `t`, `TRUE`...).
    True,
    False,
    /// An integer equal to this one.
    Number(i64),
    /// An integer at least this large.
    AtLeast(i64),
    /// A Go duration (`5m`, `4h0m0s`) longer than zero.
    NonZeroDuration,
    /// A comma-separated list with this exact element (`NodeRestriction`, not `Node`).
    ListHas(&'static str),
    /// A comma-separated list without this element; unset passes.
    ListLacks(&'static str),
    /// A non-empty comma-separated list whose every element is one of these.
    OnlyFrom(&'static [&'static str]),
    /// An address (`127.0.0.1`, `[::1]:10249`, `localhost:10249`) on the loopback interface.
    Loopback,
    /// A `--feature-gates` list (`A=true,B=false`) or `featureGates` map that does not turn
    /// `gate` off; `enabled_by_default` is the gate's default.
    GateNotDisabled {
        gate: &'static str,
        enabled_by_default: bool,
    },
    /// Anything: the value is only shown (inside [`Test::Judge`]).
    Anything,
}

impl Expect {
    pub fn describe(&self) -> String {
        match self {
            Expect::Set => "set".to_string(),
            Expect::Unset => "not set".to_string(),
            Expect::True => "`true`".to_string(),
            Expect::False => "`false`".to_string(),
            Expect::Number(number) => format!("`{number}`"),
            Expect::AtLeast(number) => format!("at least {number}"),
            Expect::NonZeroDuration => "a duration longer than 0".to_string(),
            Expect::ListHas(item) => format!("a list that includes `{item}`"),
            Expect::ListLacks(item) => format!("a list without `{item}`"),
            Expect::OnlyFrom(allowed) => format!(
                "set, and only from: {}",
                allowed
                    .iter()
                    .map(|item| format!("`{item}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Expect::Loopback => "a loopback address (`127.0.0.1`, `::1`, `localhost`)".to_string(),
            Expect::GateNotDisabled { gate, .. } => format!("`{gate}` not set to `false`"),
            Expect::Anything => "any value (shown for review)".to_string(),
        }
    }
}

/// Which entries of a directory tree a file test looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// Every entry, the directories included (ownership).
    Everything,
    /// Every entry that is not a directory.
    Files,
    /// Files whose name ends with this suffix (`.crt`).
    Suffix(&'static str),
}

/// The files a file test looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Files {
    /// A fixed path that should exist.
    Path(&'static str),
    /// A fixed path, judged only when it exists.
    IfExists(&'static str),
    /// The static pod manifest the component was found in, else this kubeadm path.
    Manifest(&'static str),
    /// The file a setting of the check's component names, else `fallback`; when `if_exists`, a
    /// file that does not exist passes ("if the file is used").
    NamedBy {
        setting: Setting,
        fallback: &'static str,
        if_exists: bool,
    },
    /// The kubelet's systemd unit and drop-ins: each of these paths that exists, plus every
    /// unit file the reader took kubelet flags from; at least one must exist.
    KubeletService(&'static [&'static str]),
    /// Entries below these directories (recursively); at least one directory must exist.
    Tree {
        dirs: &'static [&'static str],
        select: Select,
    },
}

impl Files {
    pub fn describe(&self) -> String {
        match self {
            Files::Path(path) => format!("`{path}`"),
            Files::IfExists(path) => format!("`{path}` if it exists"),
            Files::Manifest(path) => format!("the static pod manifest (kubeadm: `{path}`)"),
            Files::NamedBy {
                setting,
                fallback,
                if_exists,
            } => format!(
                "the path named by {} (else `{fallback}`){}",
                setting.names(),
                if *if_exists { ", if it exists" } else { "" }
            ),
            Files::KubeletService(paths) => format!(
                "the kubelet's systemd unit files ({})",
                paths
                    .iter()
                    .map(|path| format!("`{path}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Files::Tree { dirs, select } => {
                let dirs = dirs
                    .iter()
                    .map(|dir| format!("`{dir}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                match select {
                    Select::Everything => format!("{dirs} and everything below"),
                    Select::Files => format!("every file below {dirs}"),
                    Select::Suffix(suffix) => format!("every `*{suffix}` file below {dirs}"),
                }
            }
        }
    }
}

/// How a check decides.
#[derive(Debug)]
pub enum Test {
    /// A setting of the check's component, read flag > config file > environment > default.
    Value { setting: Setting, expect: Expect },
    /// Passes when every test passes.
    All(&'static [Test]),
    /// Passes when one test passes.
    Any(&'static [Test]),
    /// The inner test's evidence is shown, but a person must judge it: an inner pass becomes
    /// warn (with `note` as the question to answer), an inner fail stays fail.
    Judge {
        test: &'static Test,
        note: &'static str,
    },
    /// Each file's permission bits are this mode or more restrictive (no bit outside `max`).
    FileMode { files: Files, max: u32 },
    /// Each file is owned by this user and group (`root` is uid/gid 0 when names do not resolve).
    FileOwner {
        files: Files,
        user: &'static str,
        group: &'static str,
    },
    /// The `EncryptionConfiguration` file the setting names: the first provider that applies to
    /// Secrets is one of `allowed`.
    EncryptionProviders {
        config: Setting,
        allowed: &'static [&'static str],
    },
    /// The audit `Policy` file the setting names logs the requests CIS names (Secrets,
    /// ConfigMaps and TokenReviews at `Metadata` exactly; pod exec, attach, port-forward and
    /// proxy, Pod and Deployment changes, RBAC changes at `Metadata` or more).
    AuditPolicyCoverage { policy: Setting },
    /// The CA file the setting names is set and is not the same file, nor the same content, as
    /// the file `other_setting` of `other` names (when `other` is on the node).
    DistinctCa {
        setting: Setting,
        other: Component,
        other_setting: Setting,
    },
    /// Nothing on the node can show the answer.
    Manual { note: &'static str },
}

/// A test in words, for `docs/cis-checks.md`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    pub checked: String,
    pub expected: String,
    /// The defaults that apply when the settings are absent (empty when none do).
    pub default: String,
}

impl Test {
    pub fn describe(&self) -> Description {
        match self {
            Test::Value { setting, expect } => Description {
                checked: setting.names(),
                expected: expect.describe(),
                default: setting.default_text().unwrap_or_default(),
            },
            Test::All(tests) => combine(tests, "and"),
            Test::Any(tests) => combine(tests, "or"),
            Test::Judge { test, note } => {
                let inner = test.describe();
                Description {
                    expected: format!("{}; then reviewed by a person: {note}", inner.expected),
                    ..inner
                }
            }
            Test::FileMode { files, max } => Description {
                checked: format!("mode of {}", files.describe()),
                expected: format!("`{max:o}` or more restrictive"),
                default: String::new(),
            },
            Test::FileOwner { files, user, group } => Description {
                checked: format!("owner of {}", files.describe()),
                expected: format!("`{user}:{group}`"),
                default: String::new(),
            },
            Test::EncryptionProviders { config, allowed } => Description {
                checked: format!("the EncryptionConfiguration named by {}", config.names()),
                expected: format!(
                    "the first provider for `secrets` is one of {}",
                    allowed
                        .iter()
                        .map(|provider| format!("`{provider}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                default: "no encryption at rest".to_string(),
            },
            Test::AuditPolicyCoverage { policy } => Description {
                checked: format!("the audit Policy named by {}", policy.names()),
                expected: "Secrets, ConfigMaps and TokenReviews logged at `Metadata` exactly; \
                           pod exec/attach/portforward/proxy, service proxy, Pod, Deployment and \
                           RBAC changes logged at `Metadata` or more"
                    .to_string(),
                default: "no audit log".to_string(),
            },
            Test::DistinctCa {
                setting,
                other,
                other_setting,
            } => Description {
                checked: setting.names(),
                expected: format!(
                    "set, and not the CA of {other} {} (path and content compared)",
                    other_setting.names()
                ),
                default: String::new(),
            },
            Test::Manual { note } => Description {
                checked: format!("nothing on the node: {note}"),
                expected: "reviewed by a person".to_string(),
                default: String::new(),
            },
        }
    }
}

fn combine(tests: &[Test], word: &str) -> Description {
    let parts: Vec<Description> = tests.iter().map(Test::describe).collect();
    let mut checked: Vec<String> = Vec::new();
    for part in &parts {
        if !checked.contains(&part.checked) {
            checked.push(part.checked.clone());
        }
    }
    let expected = tests
        .iter()
        .map(Test::condition)
        .collect::<Vec<_>>()
        .join(&format!(" {word} "));
    let mut defaults: Vec<String> = Vec::new();
    for part in &parts {
        if !part.default.is_empty() {
            let line = format!("{}: {}", part.checked, part.default);
            if !defaults.contains(&line) {
                defaults.push(line);
            }
        }
    }
    Description {
        checked: checked.join(", "),
        expected,
        default: defaults.join("; "),
    }
}

impl Test {
    /// The test as one condition (`--a`: set and `--b`: set), for combinations.
    fn condition(&self) -> String {
        match self {
            Test::All(_) | Test::Any(_) => format!("({})", self.describe().expected),
            _ => {
                let description = self.describe();
                format!("{}: {}", description.checked, description.expected)
            }
        }
    }
}

/// The check with this CIS number.
pub fn check(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|check| check.id == id)
}

/// The generated part of `docs/cis-checks.md`: one table per section, from the rows.
pub fn checks_markdown() -> String {
    let mut out = String::new();
    let mut section = "";
    for check in CHECKS {
        let this_section = section_title(check.id);
        if this_section != section {
            section = this_section;
            let _ = write!(
                out,
                "\n## {section}\n\n\
                 | ID | Title | Type | Component | What is checked | Expected | Default when absent |\n\
                 |---|---|---|---|---|---|---|\n"
            );
        }
        let description = check.test.describe();
        let check_type = match check.check_type {
            CheckType::Automated => "Automated",
            CheckType::Manual => "Manual",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            check.id,
            cell(&code_flags(check.title)),
            check_type,
            check.component,
            cell(&description.checked),
            cell(&description.expected),
            cell(if description.default.is_empty() {
                "–"
            } else {
                &description.default
            }),
        );
    }
    out
}

fn section_title(id: &str) -> &'static str {
    let group = match id.split('.').collect::<Vec<_>>().as_slice() {
        [major, minor, _] => format!("{major}.{minor}"),
        [major, _] => (*major).to_string(),
        _ => String::new(),
    };
    match group.as_str() {
        "1.1" => "1.1 Control plane node configuration files",
        "1.2" => "1.2 API server",
        "1.3" => "1.3 Controller manager",
        "1.4" => "1.4 Scheduler",
        "2" => "2 etcd",
        "3.1" => "3.1 Authentication and authorization",
        "3.2" => "3.2 Logging",
        "4.1" => "4.1 Worker node configuration files",
        "4.2" => "4.2 Kubelet",
        "4.3" => "4.3 kube-proxy",
        _ => "Other",
    }
}

/// `--flag` words in code spans, so that Markdown does not turn their dashes into a dash.
fn code_flags(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.starts_with("--") {
                format!("`{word}`")
            } else {
                word.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

use CheckType::{Automated, Manual};
use Component::{ApiServer, ControllerManager, Etcd, Kubelet, Proxy, Scheduler};

const fn value(setting: Setting, expect: Expect) -> Test {
    Test::Value { setting, expect }
}

const fn flag(name: &'static str) -> Setting {
    Setting::flag(name)
}

const fn mode(files: Files, max: u32) -> Test {
    Test::FileMode { files, max }
}

const fn root_owned(files: Files) -> Test {
    Test::FileOwner {
        files,
        user: "root",
        group: "root",
    }
}

const ENABLE_ADMISSION: Setting = flag("enable-admission-plugins");
const DISABLE_ADMISSION: Setting = flag("disable-admission-plugins");
const APISERVER_AUTHZ_MODE: Setting = flag("authorization-mode").default("AlwaysAllow");
/// Structured authorization (`--authorization-config`) replaces `--authorization-mode`; the
/// modes are then in that file, which a person must read.
const AUTHZ_CONFIG_INSTEAD: Test = Test::Judge {
    test: &value(flag("authorization-config"), Expect::Set),
    note: "the authorizers are configured in the --authorization-config file; check its chain",
};
const APISERVER_CLIENT_CA: Setting = flag("client-ca-file");
const AUDIT_POLICY: Setting = flag("audit-policy-file");

const KUBELET_CONFIG: Setting = flag("config");
const KUBELET_CLIENT_CA: Setting =
    flag("client-ca-file").config("authentication.x509.clientCAFile");
const ETCD_DATA_DIR: Setting = flag("data-dir").env("ETCD_DATA_DIR");

/// Strong cipher suites for the API server (CIS 1.2.29): TLS 1.3 suites and ECDHE with AEAD.
pub(crate) const APISERVER_STRONG_CIPHERS: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// Strong cipher suites for the kubelet (CIS 4.2.12).
pub(crate) const KUBELET_STRONG_CIPHERS: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
];

const KUBELET_SERVICE_FILES: &[&str] = &[
    "/etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
    "/etc/systemd/system/kubelet.service",
    "/usr/lib/systemd/system/kubelet.service",
    "/lib/systemd/system/kubelet.service",
];

const CNI_DIRS: &[&str] = &["/etc/cni/net.d", "/var/lib/cni/networks"];
const PKI_DIR: &[&str] = &["/etc/kubernetes/pki"];

const APISERVER_MANIFEST: Files = Files::Manifest("/etc/kubernetes/manifests/kube-apiserver.yaml");
const CONTROLLER_MANAGER_MANIFEST: Files =
    Files::Manifest("/etc/kubernetes/manifests/kube-controller-manager.yaml");
const SCHEDULER_MANIFEST: Files = Files::Manifest("/etc/kubernetes/manifests/kube-scheduler.yaml");
const ETCD_MANIFEST: Files = Files::Manifest("/etc/kubernetes/manifests/etcd.yaml");
const ETCD_DATA: Files = Files::NamedBy {
    setting: ETCD_DATA_DIR,
    fallback: "/var/lib/etcd/default.etcd",
    if_exists: false,
};
const ADMIN_CONF: Files = Files::Path("/etc/kubernetes/admin.conf");
const SUPER_ADMIN_CONF: Files = Files::IfExists("/etc/kubernetes/super-admin.conf");
const SCHEDULER_KUBECONFIG: Files = Files::NamedBy {
    setting: flag("kubeconfig"),
    fallback: "/etc/kubernetes/scheduler.conf",
    if_exists: false,
};
const CONTROLLER_MANAGER_KUBECONFIG: Files = Files::NamedBy {
    setting: flag("kubeconfig"),
    fallback: "/etc/kubernetes/controller-manager.conf",
    if_exists: false,
};
const PROXY_KUBECONFIG: Files = Files::NamedBy {
    setting: flag("kubeconfig").config("clientConnection.kubeconfig"),
    fallback: "/etc/kubernetes/proxy.conf",
    if_exists: true,
};
const KUBELET_KUBECONFIG: Files = Files::NamedBy {
    setting: flag("kubeconfig"),
    fallback: "/etc/kubernetes/kubelet.conf",
    if_exists: false,
};
const KUBELET_CA: Files = Files::NamedBy {
    setting: KUBELET_CLIENT_CA,
    fallback: "/etc/kubernetes/pki/ca.crt",
    if_exists: false,
};
const KUBELET_CONFIG_FILE: Files = Files::NamedBy {
    setting: KUBELET_CONFIG,
    fallback: "/var/lib/kubelet/config.yaml",
    if_exists: true,
};

/// Every check, in CIS order.
pub static CHECKS: &[Check] = &[
    // 1.1 Control plane node configuration files
    Check {
        id: "1.1.1",
        title: "API server pod specification file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: ApiServer,
        test: mode(APISERVER_MANIFEST, 0o600),
        remediation: "Restrict the manifest to its owner: `chmod 600 /etc/kubernetes/manifests/kube-apiserver.yaml`.",
    },
    Check {
        id: "1.1.2",
        title: "API server pod specification file ownership is set to root:root",
        check_type: Automated,
        component: ApiServer,
        test: root_owned(APISERVER_MANIFEST),
        remediation: "Give the manifest to root: `chown root:root /etc/kubernetes/manifests/kube-apiserver.yaml`.",
    },
    Check {
        id: "1.1.3",
        title: "Controller manager pod specification file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: ControllerManager,
        test: mode(CONTROLLER_MANAGER_MANIFEST, 0o600),
        remediation: "Restrict the manifest to its owner: `chmod 600 /etc/kubernetes/manifests/kube-controller-manager.yaml`.",
    },
    Check {
        id: "1.1.4",
        title: "Controller manager pod specification file ownership is set to root:root",
        check_type: Automated,
        component: ControllerManager,
        test: root_owned(CONTROLLER_MANAGER_MANIFEST),
        remediation: "Give the manifest to root: `chown root:root /etc/kubernetes/manifests/kube-controller-manager.yaml`.",
    },
    Check {
        id: "1.1.5",
        title: "Scheduler pod specification file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: Scheduler,
        test: mode(SCHEDULER_MANIFEST, 0o600),
        remediation: "Restrict the manifest to its owner: `chmod 600 /etc/kubernetes/manifests/kube-scheduler.yaml`.",
    },
    Check {
        id: "1.1.6",
        title: "Scheduler pod specification file ownership is set to root:root",
        check_type: Automated,
        component: Scheduler,
        test: root_owned(SCHEDULER_MANIFEST),
        remediation: "Give the manifest to root: `chown root:root /etc/kubernetes/manifests/kube-scheduler.yaml`.",
    },
    Check {
        id: "1.1.7",
        title: "etcd pod specification file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: Etcd,
        test: mode(ETCD_MANIFEST, 0o600),
        remediation: "Restrict the manifest to its owner: `chmod 600 /etc/kubernetes/manifests/etcd.yaml`.",
    },
    Check {
        id: "1.1.8",
        title: "etcd pod specification file ownership is set to root:root",
        check_type: Automated,
        component: Etcd,
        test: root_owned(ETCD_MANIFEST),
        remediation: "Give the manifest to root: `chown root:root /etc/kubernetes/manifests/etcd.yaml`.",
    },
    Check {
        id: "1.1.9",
        title: "Container Network Interface file permissions are set to 600 or more restrictive",
        check_type: Manual,
        component: Kubelet,
        test: mode(
            Files::Tree {
                dirs: CNI_DIRS,
                select: Select::Files,
            },
            0o600,
        ),
        remediation: "Restrict the CNI configuration and state files to root, for example `chmod 600 /etc/cni/net.d/*`; some CNI plugins rewrite their files, so set the mode in the plugin's installer too.",
    },
    Check {
        id: "1.1.10",
        title: "Container Network Interface file ownership is set to root:root",
        check_type: Manual,
        component: Kubelet,
        test: root_owned(Files::Tree {
            dirs: CNI_DIRS,
            select: Select::Everything,
        }),
        remediation: "Give the CNI configuration and state to root: `chown -R root:root /etc/cni/net.d /var/lib/cni/networks`.",
    },
    Check {
        id: "1.1.11",
        title: "etcd data directory permissions are set to 700 or more restrictive",
        check_type: Automated,
        component: Etcd,
        test: mode(ETCD_DATA, 0o700),
        remediation: "Find the data directory from etcd's `--data-dir` (kubeadm: `/var/lib/etcd`) and close it to everyone but its owner: `chmod 700 /var/lib/etcd`.",
    },
    Check {
        id: "1.1.12",
        title: "etcd data directory ownership is set to etcd:etcd",
        check_type: Automated,
        component: Etcd,
        test: Test::FileOwner {
            files: ETCD_DATA,
            user: "etcd",
            group: "etcd",
        },
        remediation: "Run etcd as a dedicated `etcd` user and give it the data directory: `chown -R etcd:etcd /var/lib/etcd` (kubeadm runs etcd as root; create the user and set the pod's `runAsUser` to match).",
    },
    Check {
        id: "1.1.13",
        title: "Default administrative credential file permissions are set to 600",
        check_type: Automated,
        component: ApiServer,
        test: Test::All(&[mode(ADMIN_CONF, 0o600), mode(SUPER_ADMIN_CONF, 0o600)]),
        remediation: "Restrict the cluster-admin kubeconfigs to root: `chmod 600 /etc/kubernetes/admin.conf`, and `/etc/kubernetes/super-admin.conf` where it exists (Kubernetes 1.29 and later).",
    },
    Check {
        id: "1.1.14",
        title: "Default administrative credential file ownership is set to root:root",
        check_type: Automated,
        component: ApiServer,
        test: Test::All(&[root_owned(ADMIN_CONF), root_owned(SUPER_ADMIN_CONF)]),
        remediation: "Give the cluster-admin kubeconfigs to root: `chown root:root /etc/kubernetes/admin.conf`, and `/etc/kubernetes/super-admin.conf` where it exists.",
    },
    Check {
        id: "1.1.15",
        title: "scheduler.conf file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: Scheduler,
        test: mode(SCHEDULER_KUBECONFIG, 0o600),
        remediation: "Restrict the scheduler's kubeconfig (its `--kubeconfig`) to root: `chmod 600 /etc/kubernetes/scheduler.conf`.",
    },
    Check {
        id: "1.1.16",
        title: "scheduler.conf file ownership is set to root:root",
        check_type: Automated,
        component: Scheduler,
        test: root_owned(SCHEDULER_KUBECONFIG),
        remediation: "Give the scheduler's kubeconfig to root: `chown root:root /etc/kubernetes/scheduler.conf`.",
    },
    Check {
        id: "1.1.17",
        title: "controller-manager.conf file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: ControllerManager,
        test: mode(CONTROLLER_MANAGER_KUBECONFIG, 0o600),
        remediation: "Restrict the controller manager's kubeconfig (its `--kubeconfig`) to root: `chmod 600 /etc/kubernetes/controller-manager.conf`.",
    },
    Check {
        id: "1.1.18",
        title: "controller-manager.conf file ownership is set to root:root",
        check_type: Automated,
        component: ControllerManager,
        test: root_owned(CONTROLLER_MANAGER_KUBECONFIG),
        remediation: "Give the controller manager's kubeconfig to root: `chown root:root /etc/kubernetes/controller-manager.conf`.",
    },
    Check {
        id: "1.1.19",
        title: "Kubernetes PKI directory and file ownership is set to root:root",
        check_type: Automated,
        component: ApiServer,
        test: root_owned(Files::Tree {
            dirs: PKI_DIR,
            select: Select::Everything,
        }),
        remediation: "Give the PKI directory and everything in it to root: `chown -R root:root /etc/kubernetes/pki/`.",
    },
    Check {
        id: "1.1.20",
        title: "Kubernetes PKI certificate file permissions are set to 644 or more restrictive",
        check_type: Manual,
        component: ApiServer,
        test: mode(
            Files::Tree {
                dirs: PKI_DIR,
                select: Select::Suffix(".crt"),
            },
            0o644,
        ),
        remediation: "Make the certificates writable by root only: `find /etc/kubernetes/pki -name '*.crt' -exec chmod 644 {} +`.",
    },
    Check {
        id: "1.1.21",
        title: "Kubernetes PKI key file permissions are set to 600",
        check_type: Manual,
        component: ApiServer,
        test: mode(
            Files::Tree {
                dirs: PKI_DIR,
                select: Select::Suffix(".key"),
            },
            0o600,
        ),
        remediation: "Make the private keys readable by root only: `find /etc/kubernetes/pki -name '*.key' -exec chmod 600 {} +`.",
    },
    // 1.2 API server
    Check {
        id: "1.2.1",
        title: "--anonymous-auth argument is set to false",
        check_type: Manual,
        component: ApiServer,
        test: value(flag("anonymous-auth").default("true"), Expect::False),
        remediation: "Add `--anonymous-auth=false` to the API server manifest (kubeadm: `apiServer.extraArgs`); health checks that relied on anonymous access need `/livez` and `/readyz` allowed another way, or keep anonymous access limited to them with an `AuthenticationConfiguration`.",
    },
    Check {
        id: "1.2.2",
        title: "--token-auth-file parameter is not set",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("token-auth-file"), Expect::Unset),
        remediation: "Remove `--token-auth-file` from the API server manifest and authenticate users with client certificates, OIDC or webhook tokens; static token files cannot be rotated without a restart.",
    },
    Check {
        id: "1.2.3",
        title: "--DenyServiceExternalIPs is set",
        check_type: Manual,
        component: ApiServer,
        test: value(ENABLE_ADMISSION, Expect::ListHas("DenyServiceExternalIPs")),
        remediation: "Add `DenyServiceExternalIPs` to the API server's `--enable-admission-plugins` unless the cluster needs Services with `externalIPs` (CVE-2020-8554).",
    },
    Check {
        id: "1.2.4",
        title: "--kubelet-client-certificate and --kubelet-client-key arguments are set as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: Test::All(&[
            value(flag("kubelet-client-certificate"), Expect::Set),
            value(flag("kubelet-client-key"), Expect::Set),
        ]),
        remediation: "Give the API server a client certificate for the kubelets: set `--kubelet-client-certificate` and `--kubelet-client-key` (kubeadm: `/etc/kubernetes/pki/apiserver-kubelet-client.crt` and `.key`).",
    },
    Check {
        id: "1.2.5",
        title: "--kubelet-certificate-authority argument is set as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("kubelet-certificate-authority"), Expect::Set),
        remediation: "Set `--kubelet-certificate-authority` to the CA that signs the kubelets' serving certificates so the API server verifies them (with kubeadm, enable `serverTLSBootstrap` in the KubeletConfiguration, approve the kubelet serving CSRs, and point the flag at `/etc/kubernetes/pki/ca.crt`).",
    },
    Check {
        id: "1.2.6",
        title: "--authorization-mode argument is not set to AlwaysAllow",
        check_type: Automated,
        component: ApiServer,
        test: Test::Any(&[
            value(APISERVER_AUTHZ_MODE, Expect::ListLacks("AlwaysAllow")),
            AUTHZ_CONFIG_INSTEAD,
        ]),
        remediation: "Set `--authorization-mode` to a list without `AlwaysAllow`, such as `Node,RBAC`.",
    },
    Check {
        id: "1.2.7",
        title: "--authorization-mode argument includes Node",
        check_type: Automated,
        component: ApiServer,
        test: Test::Any(&[
            value(APISERVER_AUTHZ_MODE, Expect::ListHas("Node")),
            AUTHZ_CONFIG_INSTEAD,
        ]),
        remediation: "Include `Node` in `--authorization-mode` (for example `Node,RBAC`) so kubelets reach only the objects of their own pods.",
    },
    Check {
        id: "1.2.8",
        title: "--authorization-mode argument includes RBAC",
        check_type: Automated,
        component: ApiServer,
        test: Test::Any(&[
            value(APISERVER_AUTHZ_MODE, Expect::ListHas("RBAC")),
            AUTHZ_CONFIG_INSTEAD,
        ]),
        remediation: "Include `RBAC` in `--authorization-mode` (for example `Node,RBAC`).",
    },
    Check {
        id: "1.2.9",
        title: "Admission control plugin EventRateLimit is set",
        check_type: Manual,
        component: ApiServer,
        test: Test::All(&[
            value(ENABLE_ADMISSION, Expect::ListHas("EventRateLimit")),
            value(flag("admission-control-config-file"), Expect::Set),
        ]),
        remediation: "Add `EventRateLimit` to `--enable-admission-plugins` and point `--admission-control-config-file` at an AdmissionConfiguration that sets its limits (`palisade generate kubeadm` writes one).",
    },
    Check {
        id: "1.2.10",
        title: "Admission control plugin AlwaysAdmit is not set",
        check_type: Automated,
        component: ApiServer,
        test: value(ENABLE_ADMISSION, Expect::ListLacks("AlwaysAdmit")),
        remediation: "Remove `AlwaysAdmit` from `--enable-admission-plugins`.",
    },
    Check {
        id: "1.2.11",
        title: "Admission control plugin AlwaysPullImages is set",
        check_type: Manual,
        component: ApiServer,
        test: value(ENABLE_ADMISSION, Expect::ListHas("AlwaysPullImages")),
        remediation: "Add `AlwaysPullImages` to `--enable-admission-plugins` so a pod cannot use a private image another pod pulled onto the node; registries must then be reachable whenever pods start.",
    },
    Check {
        id: "1.2.12",
        title: "Admission control plugin ServiceAccount is set",
        check_type: Automated,
        component: ApiServer,
        test: value(DISABLE_ADMISSION, Expect::ListLacks("ServiceAccount")),
        remediation: "Remove `ServiceAccount` from `--disable-admission-plugins`; it is on by default.",
    },
    Check {
        id: "1.2.13",
        title: "Admission control plugin NamespaceLifecycle is set",
        check_type: Automated,
        component: ApiServer,
        test: value(DISABLE_ADMISSION, Expect::ListLacks("NamespaceLifecycle")),
        remediation: "Remove `NamespaceLifecycle` from `--disable-admission-plugins`; it is on by default.",
    },
    Check {
        id: "1.2.14",
        title: "Admission control plugin NodeRestriction is set",
        check_type: Automated,
        component: ApiServer,
        test: value(ENABLE_ADMISSION, Expect::ListHas("NodeRestriction")),
        remediation: "Add `NodeRestriction` to `--enable-admission-plugins` (with the `Node` authorizer) so a kubelet can change only its own Node and its pods.",
    },
    Check {
        id: "1.2.15",
        title: "--profiling argument is set to false",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("profiling").default("true"), Expect::False),
        remediation: "Add `--profiling=false` to the API server (kubeadm: `apiServer.extraArgs`).",
    },
    Check {
        id: "1.2.16",
        title: "--audit-log-path argument is set",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("audit-log-path"), Expect::Set),
        remediation: "Set `--audit-log-path` (for example `/var/log/kubernetes/audit/audit.log`, mounted from the host) together with `--audit-policy-file`.",
    },
    Check {
        id: "1.2.17",
        title: "--audit-log-maxage argument is set to 30 or as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("audit-log-maxage").default("0"), Expect::AtLeast(30)),
        remediation: "Keep audit logs for at least 30 days: `--audit-log-maxage=30`.",
    },
    Check {
        id: "1.2.18",
        title: "--audit-log-maxbackup argument is set to 10 or as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: value(
            flag("audit-log-maxbackup").default("0"),
            Expect::AtLeast(10),
        ),
        remediation: "Keep at least 10 rotated audit log files: `--audit-log-maxbackup=10`.",
    },
    Check {
        id: "1.2.19",
        title: "--audit-log-maxsize argument is set to 100 or as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("audit-log-maxsize").default("0"), Expect::AtLeast(100)),
        remediation: "Rotate audit logs at 100 MB or more: `--audit-log-maxsize=100`.",
    },
    Check {
        id: "1.2.20",
        title: "--request-timeout argument is set as appropriate",
        check_type: Manual,
        component: ApiServer,
        test: Test::Judge {
            test: &value(flag("request-timeout").default("1m0s"), Expect::Anything),
            note: "judge whether this timeout suits the cluster's largest requests",
        },
        remediation: "Keep the default `--request-timeout` of 60s unless large list or watch requests time out; then raise it moderately (for example `--request-timeout=300s`).",
    },
    Check {
        id: "1.2.21",
        title: "--service-account-lookup argument is set to true",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("service-account-lookup").default("true"), Expect::True),
        remediation: "Remove `--service-account-lookup=false` (or set it to `true`) so tokens of deleted service accounts are rejected.",
    },
    Check {
        id: "1.2.22",
        title: "--service-account-key-file argument is set as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("service-account-key-file"), Expect::Set),
        remediation: "Set `--service-account-key-file` to the public key that verifies service account tokens (kubeadm: `/etc/kubernetes/pki/sa.pub`).",
    },
    Check {
        id: "1.2.23",
        title: "--etcd-certfile and --etcd-keyfile arguments are set as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: Test::All(&[
            value(flag("etcd-certfile"), Expect::Set),
            value(flag("etcd-keyfile"), Expect::Set),
        ]),
        remediation: "Have the API server authenticate to etcd with a client certificate: set `--etcd-certfile` and `--etcd-keyfile` (kubeadm: `/etc/kubernetes/pki/apiserver-etcd-client.crt` and `.key`).",
    },
    Check {
        id: "1.2.24",
        title: "--tls-cert-file and --tls-private-key-file arguments are set as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: Test::All(&[
            value(flag("tls-cert-file"), Expect::Set),
            value(flag("tls-private-key-file"), Expect::Set),
        ]),
        remediation: "Serve the API with a CA-signed certificate: set `--tls-cert-file` and `--tls-private-key-file` (kubeadm: `/etc/kubernetes/pki/apiserver.crt` and `.key`).",
    },
    Check {
        id: "1.2.25",
        title: "--client-ca-file argument is set as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: value(APISERVER_CLIENT_CA, Expect::Set),
        remediation: "Set `--client-ca-file` to the CA that signs client certificates (kubeadm: `/etc/kubernetes/pki/ca.crt`).",
    },
    Check {
        id: "1.2.26",
        title: "--etcd-cafile argument is set as appropriate",
        check_type: Automated,
        component: ApiServer,
        test: value(flag("etcd-cafile"), Expect::Set),
        remediation: "Have the API server verify etcd's certificate: set `--etcd-cafile` (kubeadm: `/etc/kubernetes/pki/etcd/ca.crt`).",
    },
    Check {
        id: "1.2.27",
        title: "--encryption-provider-config argument is set as appropriate",
        check_type: Manual,
        component: ApiServer,
        test: value(flag("encryption-provider-config"), Expect::Set),
        remediation: "Write an EncryptionConfiguration for Secrets and pass it with `--encryption-provider-config` (mount the file into the API server pod; `palisade generate kubeadm` writes one).",
    },
    Check {
        id: "1.2.28",
        title: "Encryption providers are appropriately configured",
        check_type: Manual,
        component: ApiServer,
        test: Test::EncryptionProviders {
            config: flag("encryption-provider-config"),
            allowed: &["aescbc", "kms", "secretbox"],
        },
        remediation: "In the EncryptionConfiguration, list `kms` (preferably v2), `secretbox` or `aescbc` first for `secrets`, keep `identity` only after it for reading old data, then rewrite existing Secrets (`kubectl get secrets -A -o json | kubectl replace -f -`).",
    },
    Check {
        id: "1.2.29",
        title: "API server only makes use of strong cryptographic ciphers",
        check_type: Manual,
        component: ApiServer,
        test: value(
            flag("tls-cipher-suites"),
            Expect::OnlyFrom(APISERVER_STRONG_CIPHERS),
        ),
        remediation: "Set `--tls-cipher-suites` to AEAD suites only, for example `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305`.",
    },
    Check {
        id: "1.2.30",
        title: "--service-account-extend-token-expiration parameter is set to false",
        check_type: Automated,
        component: ApiServer,
        test: value(
            flag("service-account-extend-token-expiration").default("true"),
            Expect::False,
        ),
        remediation: "Add `--service-account-extend-token-expiration=false` so projected service account tokens live only as long as requested.",
    },
    // 1.3 Controller manager
    Check {
        id: "1.3.1",
        title: "--terminated-pod-gc-threshold argument is set as appropriate",
        check_type: Manual,
        component: ControllerManager,
        test: value(
            flag("terminated-pod-gc-threshold").default("12500"),
            Expect::Set,
        ),
        remediation: "Set `--terminated-pod-gc-threshold` on the controller manager to a number that keeps finished pods from piling up (for example `10`).",
    },
    Check {
        id: "1.3.2",
        title: "--profiling argument is set to false",
        check_type: Automated,
        component: ControllerManager,
        test: value(flag("profiling").default("true"), Expect::False),
        remediation: "Add `--profiling=false` to the controller manager (kubeadm: `controllerManager.extraArgs`).",
    },
    Check {
        id: "1.3.3",
        title: "--use-service-account-credentials argument is set to true",
        check_type: Automated,
        component: ControllerManager,
        test: value(
            flag("use-service-account-credentials").default("false"),
            Expect::True,
        ),
        remediation: "Add `--use-service-account-credentials=true` so each controller acts with its own service account and RBAC role.",
    },
    Check {
        id: "1.3.4",
        title: "--service-account-private-key-file argument is set as appropriate",
        check_type: Automated,
        component: ControllerManager,
        test: value(flag("service-account-private-key-file"), Expect::Set),
        remediation: "Set `--service-account-private-key-file` to the key that signs service account tokens (kubeadm: `/etc/kubernetes/pki/sa.key`).",
    },
    Check {
        id: "1.3.5",
        title: "--root-ca-file argument is set as appropriate",
        check_type: Automated,
        component: ControllerManager,
        test: value(flag("root-ca-file"), Expect::Set),
        remediation: "Set `--root-ca-file` to the cluster CA (kubeadm: `/etc/kubernetes/pki/ca.crt`) so pods can verify the API server.",
    },
    Check {
        id: "1.3.6",
        title: "RotateKubeletServerCertificate argument is set to true",
        check_type: Automated,
        component: ControllerManager,
        test: value(
            flag("feature-gates"),
            Expect::GateNotDisabled {
                gate: "RotateKubeletServerCertificate",
                enabled_by_default: true,
            },
        ),
        remediation: "Remove `RotateKubeletServerCertificate=false` from the controller manager's `--feature-gates`.",
    },
    Check {
        id: "1.3.7",
        title: "--bind-address argument is set to 127.0.0.1",
        check_type: Automated,
        component: ControllerManager,
        test: value(flag("bind-address").default("0.0.0.0"), Expect::Loopback),
        remediation: "Add `--bind-address=127.0.0.1` to the controller manager so its metrics and health endpoints are not reachable from the network.",
    },
    // 1.4 Scheduler
    Check {
        id: "1.4.1",
        title: "--profiling argument is set to false",
        check_type: Automated,
        component: Scheduler,
        test: value(
            flag("profiling").config("enableProfiling").default("true"),
            Expect::False,
        ),
        remediation: "Add `--profiling=false` to the scheduler (kubeadm: `scheduler.extraArgs`).",
    },
    Check {
        id: "1.4.2",
        title: "--bind-address argument is set to 127.0.0.1",
        check_type: Automated,
        component: Scheduler,
        test: value(flag("bind-address").default("0.0.0.0"), Expect::Loopback),
        remediation: "Add `--bind-address=127.0.0.1` to the scheduler so its metrics and health endpoints are not reachable from the network.",
    },
    // 2 etcd
    Check {
        id: "2.1",
        title: "--cert-file and --key-file arguments are set as appropriate",
        check_type: Automated,
        component: Etcd,
        test: Test::All(&[
            value(flag("cert-file").env("ETCD_CERT_FILE"), Expect::Set),
            value(flag("key-file").env("ETCD_KEY_FILE"), Expect::Set),
        ]),
        remediation: "Serve etcd's client port over TLS: set `--cert-file` and `--key-file` (kubeadm: `/etc/kubernetes/pki/etcd/server.crt` and `.key`).",
    },
    Check {
        id: "2.2",
        title: "--client-cert-auth argument is set to true",
        check_type: Automated,
        component: Etcd,
        test: value(
            flag("client-cert-auth")
                .env("ETCD_CLIENT_CERT_AUTH")
                .default("false"),
            Expect::True,
        ),
        remediation: "Require client certificates on etcd's client port: `--client-cert-auth=true`.",
    },
    Check {
        id: "2.3",
        title: "--auto-tls argument is not set to true",
        check_type: Automated,
        component: Etcd,
        test: value(
            flag("auto-tls").env("ETCD_AUTO_TLS").default("false"),
            Expect::False,
        ),
        remediation: "Remove `--auto-tls` (or set it to `false`); self-signed client certificates cannot be verified.",
    },
    Check {
        id: "2.4",
        title: "--peer-cert-file and --peer-key-file arguments are set as appropriate",
        check_type: Automated,
        component: Etcd,
        test: Test::All(&[
            value(
                flag("peer-cert-file").env("ETCD_PEER_CERT_FILE"),
                Expect::Set,
            ),
            value(flag("peer-key-file").env("ETCD_PEER_KEY_FILE"), Expect::Set),
        ]),
        remediation: "Encrypt traffic between etcd members: set `--peer-cert-file` and `--peer-key-file` (kubeadm: `/etc/kubernetes/pki/etcd/peer.crt` and `.key`).",
    },
    Check {
        id: "2.5",
        title: "--peer-client-cert-auth argument is set to true",
        check_type: Automated,
        component: Etcd,
        test: value(
            flag("peer-client-cert-auth")
                .env("ETCD_PEER_CLIENT_CERT_AUTH")
                .default("false"),
            Expect::True,
        ),
        remediation: "Require certificates from etcd peers: `--peer-client-cert-auth=true`.",
    },
    Check {
        id: "2.6",
        title: "--peer-auto-tls argument is not set to true",
        check_type: Automated,
        component: Etcd,
        test: value(
            flag("peer-auto-tls")
                .env("ETCD_PEER_AUTO_TLS")
                .default("false"),
            Expect::False,
        ),
        remediation: "Remove `--peer-auto-tls` (or set it to `false`); peers must present certificates from the etcd CA.",
    },
    Check {
        id: "2.7",
        title: "A unique Certificate Authority is used for etcd",
        check_type: Manual,
        component: Etcd,
        test: Test::DistinctCa {
            setting: flag("trusted-ca-file").env("ETCD_TRUSTED_CA_FILE"),
            other: ApiServer,
            other_setting: APISERVER_CLIENT_CA,
        },
        remediation: "Give etcd its own CA (kubeadm: `/etc/kubernetes/pki/etcd/ca.crt`) and set `--trusted-ca-file` to it, so certificates from the cluster CA cannot reach etcd.",
    },
    // 3.1 Authentication and authorization
    Check {
        id: "3.1.1",
        title: "Client certificate authentication should not be used for users",
        check_type: Manual,
        component: ApiServer,
        test: Test::Manual {
            note: "which users hold client certificates is not visible on the node (admin.conf is one)",
        },
        remediation: "Give people OIDC or another token authenticator, keep client certificates for components, and keep `admin.conf` for break-glass use only; issued certificates cannot be revoked.",
    },
    Check {
        id: "3.1.2",
        title: "Service account token authentication should not be used for users",
        check_type: Manual,
        component: ApiServer,
        test: Test::Manual {
            note: "who uses service account tokens is not visible on the node",
        },
        remediation: "Authenticate people through OIDC or another user authenticator; service account tokens are for workloads.",
    },
    Check {
        id: "3.1.3",
        title: "Bootstrap token authentication should not be used for users",
        check_type: Manual,
        component: ApiServer,
        test: Test::Any(&[
            value(
                flag("enable-bootstrap-token-auth").default("false"),
                Expect::False,
            ),
            Test::Judge {
                test: &value(flag("enable-bootstrap-token-auth"), Expect::Anything),
                note: "bootstrap tokens are accepted; check that they serve only node joins and are deleted afterwards (`kubeadm token list`)",
            },
        ]),
        remediation: "Use bootstrap tokens only to join nodes: give them short TTLs, delete them after use (`kubeadm token delete`), and never hand them to people.",
    },
    // 3.2 Logging
    Check {
        id: "3.2.1",
        title: "Ensure that a minimal audit policy is created",
        check_type: Manual,
        component: ApiServer,
        test: value(AUDIT_POLICY, Expect::Set),
        remediation: "Write an audit Policy and pass it with `--audit-policy-file` (with `--audit-log-path`); `palisade generate kubeadm` writes one.",
    },
    Check {
        id: "3.2.2",
        title: "Ensure that the audit policy covers key security concerns",
        check_type: Manual,
        component: ApiServer,
        test: Test::AuditPolicyCoverage {
            policy: AUDIT_POLICY,
        },
        remediation: "Log Secrets, ConfigMaps and TokenReviews at `Metadata` only (never their bodies), and log pod exec, attach, port-forward and proxy, Service proxy, and changes to Pods, Deployments and RBAC at `Metadata` or more.",
    },
    // 4.1 Worker node configuration files
    Check {
        id: "4.1.1",
        title: "Kubelet service file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: Kubelet,
        test: mode(Files::KubeletService(KUBELET_SERVICE_FILES), 0o600),
        remediation: "Restrict the kubelet's unit and drop-ins to root, for example `chmod 600 /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf`.",
    },
    Check {
        id: "4.1.2",
        title: "Kubelet service file ownership is set to root:root",
        check_type: Automated,
        component: Kubelet,
        test: root_owned(Files::KubeletService(KUBELET_SERVICE_FILES)),
        remediation: "Give the kubelet's unit and drop-ins to root, for example `chown root:root /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf`.",
    },
    Check {
        id: "4.1.3",
        title: "If proxy kubeconfig file exists ensure permissions are set to 600 or more restrictive",
        check_type: Manual,
        component: Proxy,
        test: mode(PROXY_KUBECONFIG, 0o600),
        remediation: "Restrict kube-proxy's kubeconfig (its `--kubeconfig`) to root: `chmod 600 <file>`.",
    },
    Check {
        id: "4.1.4",
        title: "If proxy kubeconfig file exists ensure ownership is set to root:root",
        check_type: Manual,
        component: Proxy,
        test: root_owned(PROXY_KUBECONFIG),
        remediation: "Give kube-proxy's kubeconfig to root: `chown root:root <file>`.",
    },
    Check {
        id: "4.1.5",
        title: "--kubeconfig kubelet.conf file permissions are set to 600 or more restrictive",
        check_type: Automated,
        component: Kubelet,
        test: mode(KUBELET_KUBECONFIG, 0o600),
        remediation: "Restrict the kubelet's kubeconfig to root: `chmod 600 /etc/kubernetes/kubelet.conf`.",
    },
    Check {
        id: "4.1.6",
        title: "--kubeconfig kubelet.conf file ownership is set to root:root",
        check_type: Automated,
        component: Kubelet,
        test: root_owned(KUBELET_KUBECONFIG),
        remediation: "Give the kubelet's kubeconfig to root: `chown root:root /etc/kubernetes/kubelet.conf`.",
    },
    Check {
        id: "4.1.7",
        title: "Certificate authorities file permissions are set to 644 or more restrictive",
        check_type: Manual,
        component: Kubelet,
        test: mode(KUBELET_CA, 0o644),
        remediation: "Make the kubelet's client CA file (its `authentication.x509.clientCAFile`) writable by root only: `chmod 644 /etc/kubernetes/pki/ca.crt`.",
    },
    Check {
        id: "4.1.8",
        title: "Client certificate authorities file ownership is set to root:root",
        check_type: Manual,
        component: Kubelet,
        test: root_owned(KUBELET_CA),
        remediation: "Give the kubelet's client CA file to root: `chown root:root /etc/kubernetes/pki/ca.crt`.",
    },
    Check {
        id: "4.1.9",
        title: "If the kubelet config.yaml configuration file is being used validate permissions set to 600 or more restrictive",
        check_type: Automated,
        component: Kubelet,
        test: mode(KUBELET_CONFIG_FILE, 0o600),
        remediation: "Restrict the kubelet's config file (its `--config`) to root: `chmod 600 /var/lib/kubelet/config.yaml`.",
    },
    Check {
        id: "4.1.10",
        title: "If the kubelet config.yaml configuration file is being used validate file ownership is set to root:root",
        check_type: Automated,
        component: Kubelet,
        test: root_owned(KUBELET_CONFIG_FILE),
        remediation: "Give the kubelet's config file to root: `chown root:root /var/lib/kubelet/config.yaml`.",
    },
    // 4.2 Kubelet
    Check {
        id: "4.2.1",
        title: "--anonymous-auth argument is set to false",
        check_type: Automated,
        component: Kubelet,
        test: value(
            flag("anonymous-auth")
                .config("authentication.anonymous.enabled")
                .default("true")
                .config_default("false"),
            Expect::False,
        ),
        remediation: "Set `authentication.anonymous.enabled: false` in the kubelet's config file (or `--anonymous-auth=false`), then restart the kubelet (`systemctl daemon-reload && systemctl restart kubelet`).",
    },
    Check {
        id: "4.2.2",
        title: "--authorization-mode argument is not set to AlwaysAllow",
        check_type: Automated,
        component: Kubelet,
        test: value(
            flag("authorization-mode")
                .config("authorization.mode")
                .default("AlwaysAllow")
                .config_default("Webhook"),
            Expect::ListLacks("AlwaysAllow"),
        ),
        remediation: "Set `authorization.mode: Webhook` in the kubelet's config file (or `--authorization-mode=Webhook`), then restart the kubelet.",
    },
    Check {
        id: "4.2.3",
        title: "--client-ca-file argument is set as appropriate",
        check_type: Automated,
        component: Kubelet,
        test: value(KUBELET_CLIENT_CA, Expect::Set),
        remediation: "Set `authentication.x509.clientCAFile` in the kubelet's config file (or `--client-ca-file`) to the cluster CA, then restart the kubelet.",
    },
    Check {
        id: "4.2.4",
        title: "Verify that if defined, the --read-only-port argument is set to 0",
        check_type: Manual,
        component: Kubelet,
        test: value(
            flag("read-only-port")
                .config("readOnlyPort")
                .default("10255")
                .config_default("0"),
            Expect::Number(0),
        ),
        remediation: "Set `readOnlyPort: 0` in the kubelet's config file (or `--read-only-port=0`) to close the unauthenticated port, then restart the kubelet.",
    },
    Check {
        id: "4.2.5",
        title: "--streaming-connection-idle-timeout argument is not set to 0",
        check_type: Manual,
        component: Kubelet,
        test: value(
            flag("streaming-connection-idle-timeout")
                .config("streamingConnectionIdleTimeout")
                .default("4h0m0s"),
            Expect::NonZeroDuration,
        ),
        remediation: "Set `streamingConnectionIdleTimeout` in the kubelet's config file to a non-zero duration such as `5m`, then restart the kubelet.",
    },
    Check {
        id: "4.2.6",
        title: "--make-iptables-util-chains argument is set to true",
        check_type: Automated,
        component: Kubelet,
        test: value(
            flag("make-iptables-util-chains")
                .config("makeIPTablesUtilChains")
                .default("true"),
            Expect::True,
        ),
        remediation: "Remove `makeIPTablesUtilChains: false` from the kubelet's config file (or `--make-iptables-util-chains=false`), then restart the kubelet.",
    },
    Check {
        id: "4.2.7",
        title: "--hostname-override argument is not set",
        check_type: Manual,
        component: Kubelet,
        test: value(flag("hostname-override"), Expect::Unset),
        remediation: "Remove `--hostname-override` from the kubelet's flags (kubeadm: `nodeRegistration.kubeletExtraArgs`, `/var/lib/kubelet/kubeadm-flags.env`), then restart the kubelet.",
    },
    Check {
        id: "4.2.8",
        title: "eventRecordQPS argument is set to a level which ensures appropriate event capture",
        check_type: Manual,
        component: Kubelet,
        test: Test::Any(&[
            value(EVENT_QPS, Expect::Number(0)),
            Test::Judge {
                test: &value(EVENT_QPS, Expect::AtLeast(0)),
                note: "events beyond this rate are dropped; judge whether it captures enough",
            },
        ]),
        remediation: "Set `eventRecordQPS` in the kubelet's config file to a rate that keeps the events you need (`0` removes the limit), then restart the kubelet.",
    },
    Check {
        id: "4.2.9",
        title: "--tls-cert-file and --tls-private-key-file arguments are set as appropriate",
        check_type: Manual,
        component: Kubelet,
        test: Test::Any(&[
            Test::All(&[
                value(flag("tls-cert-file").config("tlsCertFile"), Expect::Set),
                value(
                    flag("tls-private-key-file").config("tlsPrivateKeyFile"),
                    Expect::Set,
                ),
            ]),
            value(
                flag("rotate-server-certificates")
                    .config("serverTLSBootstrap")
                    .default("false"),
                Expect::True,
            ),
        ]),
        remediation: "Give the kubelet a CA-signed serving certificate: set `tlsCertFile` and `tlsPrivateKeyFile`, or `serverTLSBootstrap: true` and approve its CSRs, then restart the kubelet.",
    },
    Check {
        id: "4.2.10",
        title: "--rotate-certificates argument is not set to false",
        check_type: Automated,
        component: Kubelet,
        test: value(
            flag("rotate-certificates")
                .config("rotateCertificates")
                .default("false"),
            Expect::True,
        ),
        remediation: "Set `rotateCertificates: true` in the kubelet's config file (kubeadm does); the kubelet's own default is false. Then restart the kubelet.",
    },
    Check {
        id: "4.2.11",
        title: "Verify that the RotateKubeletServerCertificate argument is set to true",
        check_type: Manual,
        component: Kubelet,
        test: value(
            flag("feature-gates").config("featureGates"),
            Expect::GateNotDisabled {
                gate: "RotateKubeletServerCertificate",
                enabled_by_default: true,
            },
        ),
        remediation: "Remove `RotateKubeletServerCertificate: false` from the kubelet's `featureGates` (or `--feature-gates`), then restart the kubelet.",
    },
    Check {
        id: "4.2.12",
        title: "Kubelet only makes use of strong cryptographic ciphers",
        check_type: Manual,
        component: Kubelet,
        test: value(
            flag("tls-cipher-suites").config("tlsCipherSuites"),
            Expect::OnlyFrom(KUBELET_STRONG_CIPHERS),
        ),
        remediation: "Set `tlsCipherSuites` in the kubelet's config file to ECDHE AEAD suites only (for example `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`, `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`), then restart the kubelet.",
    },
    Check {
        id: "4.2.13",
        title: "A limit is set on pod PIDs",
        check_type: Manual,
        component: Kubelet,
        test: value(
            flag("pod-max-pids").config("podPidsLimit").default("-1"),
            Expect::AtLeast(1),
        ),
        remediation: "Set `podPidsLimit` in the kubelet's config file to a positive limit (for example `4096`) so a fork bomb stays inside its pod, then restart the kubelet.",
    },
    Check {
        id: "4.2.14",
        title: "--seccomp-default parameter is set to true",
        check_type: Manual,
        component: Kubelet,
        test: value(
            flag("seccomp-default")
                .config("seccompDefault")
                .default("false"),
            Expect::True,
        ),
        remediation: "Set `seccompDefault: true` in the kubelet's config file so containers without a seccomp profile get `RuntimeDefault`, then restart the kubelet.",
    },
    // 4.3 kube-proxy
    Check {
        id: "4.3.1",
        title: "kube-proxy metrics service is bound to localhost",
        check_type: Automated,
        component: Proxy,
        test: value(
            flag("metrics-bind-address")
                .config("metricsBindAddress")
                .default("127.0.0.1:10249"),
            Expect::Loopback,
        ),
        remediation: "Set `metricsBindAddress: 127.0.0.1:10249` in kube-proxy's configuration (kubeadm: the `kube-system/kube-proxy` ConfigMap) or `--metrics-bind-address=127.0.0.1:10249`.",
    },
];

const EVENT_QPS: Setting = flag("event-qps").config("eventRecordQPS").default("50");
