//! The node kubeadm builds from a configuration: each component's flags, environment and config
//! file, and the files it writes.

use std::collections::{BTreeMap, BTreeSet};

use palisade_model::{Entry, Node, Pos, Value};

use super::args::{self, Arg, Volume};
use super::document::{Config, Doc, Setting};
use super::files::{PlannedFiles, normalize};
use super::script::ScriptOp;
use super::{Bundle, KUBEADM_DEFAULT, KubeadmError};
use crate::state::{Component, ComponentState, ConfigFile, FlagValue, Source, Unreadable};

const KUBERNETES_DIR: &str = "/etc/kubernetes";
const MANIFESTS_DIR: &str = "/etc/kubernetes/manifests";
const DEFAULT_CERTIFICATES_DIR: &str = "/etc/kubernetes/pki";
const KUBELET_DIR: &str = "/var/lib/kubelet";
const KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";
const KUBELET_FLAGS_ENV: &str = "/var/lib/kubelet/kubeadm-flags.env";
const KUBELET_KUBECONFIG: &str = "/etc/kubernetes/kubelet.conf";
const KUBELET_BOOTSTRAP_KUBECONFIG: &str = "/etc/kubernetes/bootstrap-kubelet.conf";
/// Where the pkgs.k8s.io packages install the kubelet's unit and kubeadm's drop-in.
const KUBELET_UNIT: &str = "/usr/lib/systemd/system/kubelet.service";
const KUBELET_DROP_IN: &str = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf";
const KUBE_PROXY_CONFIG: &str = "/var/lib/kube-proxy/config.conf";
const KUBE_PROXY_KUBECONFIG: &str = "/var/lib/kube-proxy/kubeconfig.conf";
const ETCD_CLIENT_PORT: u16 = 2379;
const ETCD_PEER_PORT: u16 = 2380;

pub(crate) struct Built {
    pub components: BTreeMap<Component, ComponentState>,
    pub files: PlannedFiles,
    pub unreadable: Vec<Unreadable>,
    /// Bundle files (by name) a flag names or the preparation script installs.
    pub bundle_files_used: BTreeSet<String>,
}

/// A component's `extraArgs`, `extraEnvs` and `extraVolumes`.
#[derive(Default)]
struct Extras {
    args: Vec<Arg>,
    envs: Vec<Arg>,
    volumes: Vec<Volume>,
}

impl Extras {
    fn read(doc: Option<&Doc>, component: &str) -> Result<Extras, KubeadmError> {
        let Some(doc) = doc else {
            return Ok(Extras::default());
        };
        Ok(Extras {
            args: args::extra_args(doc, &[component, "extraArgs"])?,
            envs: args::extra_envs(doc, &[component, "extraEnvs"])?,
            volumes: args::extra_volumes(doc, &[component, "extraVolumes"])?,
        })
    }

    fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().rev().find(|arg| arg.name == name)
    }
}

enum Etcd {
    Local {
        data_dir: Setting,
        args: Vec<Arg>,
        envs: Vec<Arg>,
    },
    External {
        endpoints: Vec<Setting>,
        ca_file: Option<Setting>,
        cert_file: Option<Setting>,
        key_file: Option<Setting>,
    },
}

/// The ClusterConfiguration, kubeadm's defaults where it is silent.
struct Cluster<'a> {
    doc: Option<&'a Doc>,
    certificates_dir: Setting,
    service_subnet: Setting,
    pod_subnet: Option<Setting>,
    dns_domain: Setting,
    cluster_name: Setting,
    /// `(major, minor)` of `kubernetesVersion` when it is a version (not `stable`, `latest`).
    version: Option<(u32, u32)>,
    etcd: Etcd,
    api_server: Extras,
    controller_manager: Extras,
    scheduler: Extras,
    proxy_disabled: bool,
}

impl<'a> Cluster<'a> {
    fn read(doc: Option<&'a Doc>) -> Result<Cluster<'a>, KubeadmError> {
        let string = |path: &[&str]| -> Result<Option<Setting>, KubeadmError> {
            match doc {
                Some(doc) => doc.non_empty_string(path),
                None => Ok(None),
            }
        };
        let certificates_dir = string(&["certificatesDir"])?
            .unwrap_or_else(|| Setting::default(DEFAULT_CERTIFICATES_DIR));
        let service_subnet = string(&["networking", "serviceSubnet"])?
            .unwrap_or_else(|| Setting::default("10.96.0.0/12"));
        let pod_subnet = string(&["networking", "podSubnet"])?;
        let dns_domain = string(&["networking", "dnsDomain"])?
            .unwrap_or_else(|| Setting::default("cluster.local"));
        let cluster_name =
            string(&["clusterName"])?.unwrap_or_else(|| Setting::default("kubernetes"));
        let version = string(&["kubernetesVersion"])?.and_then(|v| parse_version(&v.value));
        let external = match doc {
            Some(doc) => doc.node(&["etcd", "external"])?.is_some(),
            None => false,
        };
        let etcd = match doc {
            Some(doc) if external => Etcd::External {
                endpoints: doc.strings(&["etcd", "external", "endpoints"])?,
                ca_file: doc.non_empty_string(&["etcd", "external", "caFile"])?,
                cert_file: doc.non_empty_string(&["etcd", "external", "certFile"])?,
                key_file: doc.non_empty_string(&["etcd", "external", "keyFile"])?,
            },
            _ => Etcd::Local {
                data_dir: string(&["etcd", "local", "dataDir"])?
                    .unwrap_or_else(|| Setting::default("/var/lib/etcd")),
                args: match doc {
                    Some(doc) => args::extra_args(doc, &["etcd", "local", "extraArgs"])?,
                    None => Vec::new(),
                },
                envs: match doc {
                    Some(doc) => args::extra_envs(doc, &["etcd", "local", "extraEnvs"])?,
                    None => Vec::new(),
                },
            },
        };
        let proxy_disabled = match doc {
            Some(doc) => doc.boolean(&["proxy", "disabled"])?.unwrap_or(false),
            None => false,
        };
        Ok(Cluster {
            doc,
            certificates_dir,
            service_subnet,
            pod_subnet,
            dns_domain,
            cluster_name,
            version,
            api_server: Extras::read(doc, "apiServer")?,
            controller_manager: Extras::read(doc, "controllerManager")?,
            scheduler: Extras::read(doc, "scheduler")?,
            etcd,
            proxy_disabled,
        })
    }

    fn pki(&self, name: &str) -> Setting {
        join_path(&self.certificates_dir, name)
    }
}

/// The InitConfiguration or JoinConfiguration: this node's own settings.
struct ThisNode<'a> {
    doc: Option<&'a Doc>,
    name: Option<Setting>,
    cri_socket: Option<Setting>,
    kubelet_extra_args: Vec<Arg>,
    advertise_address: Option<Setting>,
    bind_port: Setting,
    skip_phases: Vec<Setting>,
    patches: Option<Setting>,
    /// Runs the control plane (init, or join with `controlPlane`).
    control_plane: bool,
    /// `kubeadm join` rather than `init`.
    joins: bool,
    /// Where `kubeadm join` writes the cluster CA (`caCertPath`).
    ca_cert_path: Option<Setting>,
}

impl<'a> ThisNode<'a> {
    fn read(config: &'a Config) -> Result<ThisNode<'a>, KubeadmError> {
        let (doc, joins) = match (&config.init, &config.join) {
            (Some(init), _) => (Some(init), false),
            (None, Some(join)) => (Some(join), true),
            (None, None) => (None, false),
        };
        let mut node = ThisNode {
            doc,
            name: None,
            cri_socket: None,
            kubelet_extra_args: Vec::new(),
            advertise_address: None,
            bind_port: Setting::default("6443"),
            skip_phases: Vec::new(),
            patches: None,
            control_plane: !joins,
            joins,
            ca_cert_path: None,
        };
        let Some(doc) = doc else {
            return Ok(node);
        };
        node.name = doc.non_empty_string(&["nodeRegistration", "name"])?;
        node.cri_socket = doc.non_empty_string(&["nodeRegistration", "criSocket"])?;
        node.kubelet_extra_args = args::extra_args(doc, &["nodeRegistration", "kubeletExtraArgs"])?;
        node.skip_phases = doc.strings(&["skipPhases"])?;
        node.patches = doc.non_empty_string(&["patches", "directory"])?;
        let endpoint: &[&str] = if joins {
            node.control_plane = doc.node(&["controlPlane"])?.is_some();
            node.ca_cert_path = doc.non_empty_string(&["caCertPath"])?;
            &["controlPlane", "localAPIEndpoint"]
        } else {
            &["localAPIEndpoint"]
        };
        let field = |key: &'static str| {
            let mut path = endpoint.to_vec();
            path.push(key);
            path
        };
        node.advertise_address = doc.non_empty_string(&field("advertiseAddress"))?;
        if let Some(port) = doc
            .integer(&field("bindPort"))?
            .filter(|port| port.value != "0")
        {
            node.bind_port = port;
        }
        Ok(node)
    }

    fn skips(&self, phase: &str) -> bool {
        self.skip_phases.iter().any(|skipped| {
            skipped.value == phase
                || phase
                    .strip_prefix(skipped.value.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    fn is_ipv6(&self) -> bool {
        self.advertise_address
            .as_ref()
            .is_some_and(|address| address.value.contains(':'))
    }
}

pub(crate) fn build(
    config: &Config,
    bundle: &Bundle,
    script: &[ScriptOp],
) -> Result<Built, KubeadmError> {
    let node = ThisNode::read(config)?;
    let cluster = Cluster::read(config.cluster.as_ref())?;
    // `kubeadm join` does not read a ClusterConfiguration: the cluster's own is used.
    let found_by = [node.doc, cluster.doc]
        .into_iter()
        .flatten()
        .map(|doc| doc.source_at(doc.node.pos))
        .collect::<Vec<Source>>();

    let mut components = BTreeMap::new();
    let mut files = PlannedFiles::default();
    let mut unreadable = Vec::new();
    files.dir(KUBERNETES_DIR, 0o755);

    if node.control_plane {
        let api_server = ComponentState {
            found_by: found_by.clone(),
            flags: args::command(
                api_server_defaults(&cluster, &node),
                &cluster.api_server.args,
            ),
            env: environment(&cluster.api_server.envs),
            config: None,
        };
        let controller_manager = ComponentState {
            found_by: found_by.clone(),
            flags: args::command(
                controller_manager_defaults(&cluster),
                &cluster.controller_manager.args,
            ),
            env: environment(&cluster.controller_manager.envs),
            config: None,
        };
        let scheduler = ComponentState {
            found_by: found_by.clone(),
            flags: args::command(scheduler_defaults(), &cluster.scheduler.args),
            env: environment(&cluster.scheduler.envs),
            config: None,
        };
        components.insert(Component::ApiServer, api_server);
        components.insert(Component::ControllerManager, controller_manager);
        components.insert(Component::Scheduler, scheduler);
        if let Etcd::Local {
            data_dir,
            args: etcd_args,
            envs,
        } = &cluster.etcd
        {
            let etcd = ComponentState {
                found_by: found_by.clone(),
                flags: args::command(etcd_defaults(&cluster, &node, data_dir), etcd_args),
                env: environment(envs),
                config: None,
            };
            components.insert(Component::Etcd, etcd);
        }
        plan_control_plane(&mut files, &cluster, &node);
    }

    let kubelet = ComponentState {
        found_by: found_by.clone(),
        flags: kubelet_flags(&node),
        env: BTreeMap::new(),
        config: Some(kubelet_config(config.kubelet.as_ref(), &cluster)?),
    };
    components.insert(Component::Kubelet, kubelet);
    plan_kubelet(&mut files, &cluster, &node);

    let proxy_deployed = (node.control_plane && !node.joins)
        && !cluster.proxy_disabled
        && !node.skips("addon/kube-proxy");
    if proxy_deployed || config.proxy.is_some() {
        let proxy = ComponentState {
            found_by: config
                .proxy
                .iter()
                .map(|doc| doc.source_at(doc.node.pos))
                .chain(found_by.iter().cloned())
                .collect(),
            flags: proxy_flags(),
            env: BTreeMap::new(),
            config: Some(proxy_config(config.proxy.as_ref(), &cluster, &node)?),
        };
        components.insert(Component::Proxy, proxy);
    }

    let mut bundle_files_used = BTreeSet::new();
    if bundle.dir.is_some() {
        let mounted = [
            (Component::ApiServer, &cluster.api_server.volumes),
            (
                Component::ControllerManager,
                &cluster.controller_manager.volumes,
            ),
            (Component::Scheduler, &cluster.scheduler.volumes),
        ];
        for (component, volumes) in mounted {
            let Some(state) = components.get(&component) else {
                continue;
            };
            for flag in state.flags.values() {
                let value = flag.value.as_str();
                if !value.starts_with('/') || value.contains(',') {
                    continue;
                }
                let host_path = host_path(value, volumes);
                if files.contains(&host_path) {
                    continue;
                }
                let name = host_path.rsplit('/').next().unwrap_or_default();
                if let Some(source) = bundle.files.get(name) {
                    files.bundle_file(&host_path, source);
                    bundle_files_used.insert(name.to_string());
                }
            }
        }
    }
    if let Some(dir) = &bundle.dir {
        bundle_files_used.extend(files.apply_script(script, dir));
    }

    if let Some(patches) = &node.patches {
        unreadable.push(Unreadable {
            path: patches.value.clone(),
            reason: "kubeadm applies the patches in this directory to the static pod manifests \
                     it writes; palisade does not apply them, so the flags shown are those \
                     before the patches"
                .to_string(),
        });
    }

    Ok(Built {
        components,
        files,
        unreadable,
        bundle_files_used,
    })
}

fn environment(envs: &[Arg]) -> BTreeMap<String, FlagValue> {
    envs.iter()
        .map(|env| {
            let value = FlagValue {
                value: env.value.clone(),
                source: env.source.clone(),
            };
            (env.name.clone(), value)
        })
        .collect()
}

/// A path inside a control plane pod as the host path its `extraVolumes` mount it from.
fn host_path(path: &str, volumes: &[Volume]) -> String {
    let path = normalize(path);
    let mut best: Option<(&Volume, usize)> = None;
    for volume in volumes {
        let mount = normalize(&volume.mount_path);
        let inside = path == mount || (mount == "/" || path.starts_with(&format!("{mount}/")));
        if inside && best.is_none_or(|(_, length)| mount.len() > length) {
            best = Some((volume, mount.len()));
        }
    }
    match best {
        Some((volume, _)) => {
            let mount = normalize(&volume.mount_path);
            let rest = path[mount.len()..].trim_start_matches('/');
            if rest.is_empty() {
                normalize(&volume.host_path)
            } else {
                normalize(&format!("{}/{rest}", volume.host_path))
            }
        }
        None => path,
    }
}

fn join_path(dir: &Setting, name: &str) -> Setting {
    dir.derive(format!("{}/{name}", dir.value.trim_end_matches('/')))
}

fn host_port(host: &str, port: impl std::fmt::Display) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn parse_version(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.strip_prefix('v').unwrap_or(version).split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

fn fixed(value: &str) -> Setting {
    Setting::default(value)
}

/// `getAPIServerCommand` (`cmd/kubeadm/app/phases/controlplane/manifests.go`).
fn api_server_defaults(cluster: &Cluster, node: &ThisNode) -> Vec<(&'static str, Setting)> {
    let mut flags = Vec::new();
    if let Some(address) = &node.advertise_address {
        flags.push(("advertise-address", address.clone()));
    }
    flags.extend([
        ("enable-admission-plugins", fixed("NodeRestriction")),
        ("service-cluster-ip-range", cluster.service_subnet.clone()),
        ("service-account-key-file", cluster.pki("sa.pub")),
        ("service-account-signing-key-file", cluster.pki("sa.key")),
        (
            "service-account-issuer",
            cluster.dns_domain.derive(format!(
                "https://kubernetes.default.svc.{}",
                cluster.dns_domain.value
            )),
        ),
        ("client-ca-file", cluster.pki("ca.crt")),
        ("tls-cert-file", cluster.pki("apiserver.crt")),
        ("tls-private-key-file", cluster.pki("apiserver.key")),
        (
            "kubelet-client-certificate",
            cluster.pki("apiserver-kubelet-client.crt"),
        ),
        (
            "kubelet-client-key",
            cluster.pki("apiserver-kubelet-client.key"),
        ),
        ("enable-bootstrap-token-auth", fixed("true")),
        ("secure-port", node.bind_port.clone()),
        ("allow-privileged", fixed("true")),
        (
            "kubelet-preferred-address-types",
            fixed("InternalIP,ExternalIP,Hostname"),
        ),
        ("requestheader-username-headers", fixed("X-Remote-User")),
        ("requestheader-group-headers", fixed("X-Remote-Group")),
        (
            "requestheader-extra-headers-prefix",
            fixed("X-Remote-Extra-"),
        ),
        (
            "requestheader-client-ca-file",
            cluster.pki("front-proxy-ca.crt"),
        ),
        ("requestheader-allowed-names", fixed("front-proxy-client")),
        (
            "proxy-client-cert-file",
            cluster.pki("front-proxy-client.crt"),
        ),
        (
            "proxy-client-key-file",
            cluster.pki("front-proxy-client.key"),
        ),
    ]);
    match &cluster.etcd {
        Etcd::External {
            endpoints,
            ca_file,
            cert_file,
            key_file,
        } => {
            if let Some(first) = endpoints.first() {
                let joined = endpoints
                    .iter()
                    .map(|endpoint| endpoint.value.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                flags.push(("etcd-servers", first.derive(joined)));
            }
            if let Some(ca) = ca_file {
                flags.push(("etcd-cafile", ca.clone()));
            }
            if let (Some(cert), Some(key)) = (cert_file, key_file) {
                flags.push(("etcd-certfile", cert.clone()));
                flags.push(("etcd-keyfile", key.clone()));
            }
        }
        Etcd::Local { args, .. } => {
            let localhost = if node.is_ipv6() { "::1" } else { "127.0.0.1" };
            let servers = match args
                .iter()
                .rev()
                .find(|a| a.name == "advertise-client-urls")
            {
                Some(arg) => Setting {
                    value: arg.value.clone(),
                    source: arg.source.clone(),
                },
                None => fixed(&format!(
                    "https://{}",
                    host_port(localhost, ETCD_CLIENT_PORT)
                )),
            };
            flags.extend([
                ("etcd-servers", servers),
                ("etcd-cafile", cluster.pki("etcd/ca.crt")),
                ("etcd-certfile", cluster.pki("apiserver-etcd-client.crt")),
                ("etcd-keyfile", cluster.pki("apiserver-etcd-client.key")),
            ]);
        }
    }
    // kubeadm leaves the authorization mode to a structured authorization configuration when
    // one is given; otherwise Node,RBAC unless extraArgs say otherwise.
    if cluster.api_server.arg("authorization-config").is_none() {
        flags.push(("authorization-mode", fixed("Node,RBAC")));
    }
    flags
}

/// `getControllerManagerCommand`.
fn controller_manager_defaults(cluster: &Cluster) -> Vec<(&'static str, Setting)> {
    let kubeconfig = "/etc/kubernetes/controller-manager.conf";
    let mut flags = vec![
        ("bind-address", fixed("127.0.0.1")),
        ("leader-elect", fixed("true")),
        ("kubeconfig", fixed(kubeconfig)),
        ("authentication-kubeconfig", fixed(kubeconfig)),
        ("authorization-kubeconfig", fixed(kubeconfig)),
        ("client-ca-file", cluster.pki("ca.crt")),
        (
            "requestheader-client-ca-file",
            cluster.pki("front-proxy-ca.crt"),
        ),
        ("root-ca-file", cluster.pki("ca.crt")),
        ("service-account-private-key-file", cluster.pki("sa.key")),
        ("cluster-signing-cert-file", cluster.pki("ca.crt")),
        ("cluster-signing-key-file", cluster.pki("ca.key")),
        ("use-service-account-credentials", fixed("true")),
        ("controllers", fixed("*,bootstrapsigner,tokencleaner")),
    ];
    if let Some(pod_subnet) = &cluster.pod_subnet {
        flags.push(("allocate-node-cidrs", pod_subnet.derive("true")));
        flags.push(("cluster-cidr", pod_subnet.clone()));
        flags.push(("service-cluster-ip-range", cluster.service_subnet.clone()));
    }
    flags.push(("cluster-name", cluster.cluster_name.clone()));
    flags
}

/// `getSchedulerCommand`.
fn scheduler_defaults() -> Vec<(&'static str, Setting)> {
    let kubeconfig = "/etc/kubernetes/scheduler.conf";
    vec![
        ("bind-address", fixed("127.0.0.1")),
        ("leader-elect", fixed("true")),
        ("kubeconfig", fixed(kubeconfig)),
        ("authentication-kubeconfig", fixed(kubeconfig)),
        ("authorization-kubeconfig", fixed(kubeconfig)),
    ]
}

/// `getEtcdCommand` (`cmd/kubeadm/app/phases/etcd/local.go`). The flags built from the node's
/// name and address are left out when the configuration does not give them (kubeadm takes the
/// host name and the default route's address on the node).
fn etcd_defaults(
    cluster: &Cluster,
    node: &ThisNode,
    data_dir: &Setting,
) -> Vec<(&'static str, Setting)> {
    let localhost = if node.is_ipv6() { "::1" } else { "127.0.0.1" };
    let mut flags = Vec::new();
    if let Some(name) = &node.name {
        flags.push(("name", name.clone()));
    }
    flags.push(("feature-gates", fixed("InitialCorruptCheck=true")));
    if let Some(address) = &node.advertise_address {
        let client = format!("https://{}", host_port(&address.value, ETCD_CLIENT_PORT));
        let peer = format!("https://{}", host_port(&address.value, ETCD_PEER_PORT));
        let local_client = format!("https://{}", host_port(localhost, ETCD_CLIENT_PORT));
        flags.extend([
            (
                "listen-client-urls",
                address.derive(format!("{local_client},{client}")),
            ),
            ("advertise-client-urls", address.derive(client)),
            ("listen-peer-urls", address.derive(peer.clone())),
            ("initial-advertise-peer-urls", address.derive(peer.clone())),
        ]);
        if let Some(name) = &node.name {
            flags.push((
                "initial-cluster",
                name.derive(format!("{}={peer}", name.value)),
            ));
        }
    }
    flags.extend([
        ("data-dir", data_dir.clone()),
        ("cert-file", cluster.pki("etcd/server.crt")),
        ("key-file", cluster.pki("etcd/server.key")),
        ("trusted-ca-file", cluster.pki("etcd/ca.crt")),
        ("client-cert-auth", fixed("true")),
        ("peer-cert-file", cluster.pki("etcd/peer.crt")),
        ("peer-key-file", cluster.pki("etcd/peer.key")),
        ("peer-trusted-ca-file", cluster.pki("etcd/ca.crt")),
        ("peer-client-cert-auth", fixed("true")),
        ("snapshot-count", fixed("10000")),
        (
            "listen-metrics-urls",
            fixed(&format!("http://{}", host_port(localhost, 2381))),
        ),
        ("watch-progress-notify-interval", fixed("5s")),
    ]);
    flags
}

/// The kubelet's command line: kubeadm's systemd drop-in, then `kubeadm-flags.env`
/// (`buildKubeletArgs` merged with `kubeletExtraArgs`), which comes later on `ExecStart` and so
/// wins. kubeadm also passes `--hostname-override` when the node name differs from the host
/// name, and older kubeadm `--pod-infra-container-image`; neither is known from the
/// configuration alone.
fn kubelet_flags(node: &ThisNode) -> BTreeMap<String, FlagValue> {
    let drop_in = Source::new(KUBEADM_DEFAULT).in_file(KUBELET_DROP_IN);
    let mut flags: BTreeMap<String, FlagValue> = [
        ("bootstrap-kubeconfig", KUBELET_BOOTSTRAP_KUBECONFIG),
        ("kubeconfig", KUBELET_KUBECONFIG),
        ("config", KUBELET_CONFIG),
    ]
    .into_iter()
    .map(|(name, value)| {
        let flag = FlagValue {
            value: value.to_string(),
            source: drop_in.clone(),
        };
        (name.to_string(), flag)
    })
    .collect();
    let mut defaults = Vec::new();
    if let Some(socket) = &node.cri_socket {
        defaults.push(("container-runtime-endpoint", socket.clone()));
    }
    flags.extend(args::command(defaults, &node.kubelet_extra_args));
    flags
}

/// The kubelet's configuration file as kubeadm writes it: the KubeletConfiguration given, with
/// what `componentconfigs/kubelet.go` (`Default`) sets where it is silent. Values kubeadm sets
/// have no position ([`Pos::UNKNOWN`]).
fn kubelet_config(doc: Option<&Doc>, cluster: &Cluster) -> Result<ConfigFile, KubeadmError> {
    let (path, mut root) = match doc {
        Some(doc) => (doc.file.clone(), doc.node.clone()),
        None => (KUBELET_CONFIG.to_string(), empty_map()),
    };
    let defaults: [(&[&str], Value); 9] = [
        (&["staticPodPath"], Value::Str(MANIFESTS_DIR.into())),
        (
            &["clusterDomain"],
            Value::Str(cluster.dns_domain.value.clone()),
        ),
        (
            &["authentication", "x509", "clientCAFile"],
            Value::Str(cluster.pki("ca.crt").value),
        ),
        (
            &["authentication", "anonymous", "enabled"],
            Value::Bool(false),
        ),
        (&["authentication", "webhook", "enabled"], Value::Bool(true)),
        (&["authorization", "mode"], Value::Str("Webhook".into())),
        (&["healthzBindAddress"], Value::Str("127.0.0.1".into())),
        (&["healthzPort"], Value::Int(10248)),
        (&["cgroupDriver"], Value::Str("systemd".into())),
    ];
    for (field, value) in defaults {
        set_value(&mut root, field, value, false).map_err(|pos| wrong_type(doc, &path, pos))?;
    }
    // kubeadm cannot tell an unset rotateCertificates from false, so it always writes true.
    set_value(&mut root, &["rotateCertificates"], Value::Bool(true), true)
        .map_err(|pos| wrong_type(doc, &path, pos))?;
    Ok(ConfigFile { path, root })
}

/// kube-proxy runs as kubeadm's DaemonSet: `kube-proxy --config=/var/lib/kube-proxy/config.conf
/// --hostname-override=$(NODE_NAME)`, the config from the ConfigMap kubeadm writes.
fn proxy_flags() -> BTreeMap<String, FlagValue> {
    [
        ("config", KUBE_PROXY_CONFIG),
        ("hostname-override", "$(NODE_NAME)"),
    ]
    .into_iter()
    .map(|(name, value)| {
        let flag = FlagValue {
            value: value.to_string(),
            source: Source::new(KUBEADM_DEFAULT),
        };
        (name.to_string(), flag)
    })
    .collect()
}

/// The KubeProxyConfiguration given, with what `componentconfigs/kubeproxy.go` sets.
fn proxy_config(
    doc: Option<&Doc>,
    cluster: &Cluster,
    node: &ThisNode,
) -> Result<ConfigFile, KubeadmError> {
    let (path, mut root) = match doc {
        Some(doc) => (doc.file.clone(), doc.node.clone()),
        None => (KUBE_PROXY_CONFIG.to_string(), empty_map()),
    };
    let bind = if node.is_ipv6() { "::" } else { "0.0.0.0" };
    set_value(&mut root, &["bindAddress"], Value::Str(bind.into()), false)
        .map_err(|pos| wrong_type(doc, &path, pos))?;
    if let Some(pod_subnet) = &cluster.pod_subnet {
        set_value(
            &mut root,
            &["clusterCIDR"],
            Value::Str(pod_subnet.value.clone()),
            false,
        )
        .map_err(|pos| wrong_type(doc, &path, pos))?;
    }
    set_value(
        &mut root,
        &["clientConnection", "kubeconfig"],
        Value::Str(KUBE_PROXY_KUBECONFIG.into()),
        false,
    )
    .map_err(|pos| wrong_type(doc, &path, pos))?;
    Ok(ConfigFile { path, root })
}

fn wrong_type(doc: Option<&Doc>, path: &str, pos: Pos) -> KubeadmError {
    let kind = doc.map_or("configuration", |doc| match doc.kind {
        super::document::Kind::Proxy => "KubeProxyConfiguration",
        _ => "KubeletConfiguration",
    });
    KubeadmError::at(path, pos, format!("{kind}: a mapping was expected here"))
}

fn empty_map() -> Node {
    Node::new(Pos::UNKNOWN, Value::Map(Box::new([])))
}

/// Sets `path` to `value` unless it is already set (or always, with `replace`), creating the
/// mappings on the way. `Err` holds the position of a value on the way that is not a mapping.
fn set_value(node: &mut Node, path: &[&str], value: Value, replace: bool) -> Result<(), Pos> {
    let Some((key, rest)) = path.split_first() else {
        if replace || node.is_null() {
            *node = Node::new(Pos::UNKNOWN, value);
        }
        return Ok(());
    };
    if node.is_null() {
        *node = empty_map();
    }
    let Value::Map(entries) = &mut node.value else {
        return Err(node.pos);
    };
    // Lookups take the last entry of a key, so that is the one to change.
    if let Some(entry) = entries.iter_mut().rev().find(|entry| entry.key == *key) {
        return set_value(&mut entry.value, rest, value, replace);
    }
    let mut child = Node::new(Pos::UNKNOWN, Value::Null);
    set_value(&mut child, rest, value, replace)?;
    let mut grown = std::mem::take(entries).into_vec();
    grown.push(Entry {
        key: (*key).to_string().into(),
        key_pos: Pos::UNKNOWN,
        value: child,
    });
    *entries = grown.into_boxed_slice();
    Ok(())
}

fn plan_control_plane(files: &mut PlannedFiles, cluster: &Cluster, node: &ThisNode) {
    files.dir(MANIFESTS_DIR, 0o755);
    let mut manifests = vec![
        "kube-apiserver.yaml",
        "kube-controller-manager.yaml",
        "kube-scheduler.yaml",
    ];
    let local_etcd = matches!(cluster.etcd, Etcd::Local { .. });
    if local_etcd {
        manifests.push("etcd.yaml");
    }
    for manifest in manifests {
        files.file(&format!("{MANIFESTS_DIR}/{manifest}"), 0o600);
    }
    let mut kubeconfigs = vec!["admin.conf", "controller-manager.conf", "scheduler.conf"];
    // super-admin.conf (kubeadm 1.29 on) is written by `kubeadm init` only.
    if !node.joins && cluster.version.is_none_or(|version| version >= (1, 29)) {
        kubeconfigs.push("super-admin.conf");
    }
    for kubeconfig in kubeconfigs {
        files.file(&format!("{KUBERNETES_DIR}/{kubeconfig}"), 0o600);
    }

    let pki = cluster.certificates_dir.value.trim_end_matches('/');
    files.dir(pki, 0o755);
    let mut pairs = vec![
        "ca",
        "apiserver",
        "apiserver-kubelet-client",
        "front-proxy-ca",
        "front-proxy-client",
    ];
    if local_etcd {
        files.dir(&format!("{pki}/etcd"), 0o755);
        pairs.extend([
            "apiserver-etcd-client",
            "etcd/ca",
            "etcd/server",
            "etcd/peer",
            "etcd/healthcheck-client",
        ]);
    }
    for pair in pairs {
        files.file(&format!("{pki}/{pair}.crt"), 0o644);
        files.file(&format!("{pki}/{pair}.key"), 0o600);
    }
    files.file(&format!("{pki}/sa.key"), 0o600);
    files.file(&format!("{pki}/sa.pub"), 0o600);
    if let Etcd::Local { data_dir, .. } = &cluster.etcd {
        files.dir(&data_dir.value, 0o700);
    }
}

fn plan_kubelet(files: &mut PlannedFiles, cluster: &Cluster, node: &ThisNode) {
    files.file(KUBELET_KUBECONFIG, 0o600);
    if !node.control_plane {
        let ca = match &node.ca_cert_path {
            Some(path) => path.value.clone(),
            None => cluster.pki("ca.crt").value,
        };
        files.file(&ca, 0o644);
    }
    files.dir(KUBELET_DIR, 0o700);
    files.file(KUBELET_CONFIG, 0o644);
    files.file(KUBELET_FLAGS_ENV, 0o644);
    files.file(KUBELET_UNIT, 0o644);
    files.file(KUBELET_DROP_IN, 0o644);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_paths_follow_extra_volumes_to_the_host() {
        let volumes = vec![
            Volume {
                host_path: "/srv/k8s".into(),
                mount_path: "/etc/kubernetes/security".into(),
            },
            Volume {
                host_path: "/other".into(),
                mount_path: "/etc".into(),
            },
        ];
        assert_eq!(
            host_path("/etc/kubernetes/security/audit.yaml", &volumes),
            "/srv/k8s/audit.yaml"
        );
        assert_eq!(host_path("/etc/x.yaml", &volumes), "/other/x.yaml");
        assert_eq!(host_path("/var/y", &volumes), "/var/y");
    }

    #[test]
    fn set_value_fills_gaps_and_keeps_what_is_set() {
        let mut root = empty_map();
        set_value(&mut root, &["a", "b"], Value::Bool(false), false).unwrap();
        set_value(&mut root, &["a", "b"], Value::Bool(true), false).unwrap();
        assert_eq!(
            root.get_path(&["a", "b"]).and_then(Node::as_bool),
            Some(false)
        );
        set_value(&mut root, &["a", "b"], Value::Bool(true), true).unwrap();
        assert_eq!(
            root.get_path(&["a", "b"]).and_then(Node::as_bool),
            Some(true)
        );
        let mut scalar = Node::new(Pos::new(3, 4), Value::Int(1));
        assert_eq!(
            set_value(&mut scalar, &["x"], Value::Null, false),
            Err(Pos::new(3, 4))
        );
    }
}
