//! Which CNI plugins the input installs, whether they enforce NetworkPolicy, and whether they
//! encrypt pod-to-pod traffic, read from their DaemonSets, ConfigMaps and configuration
//! resources.

use palisade_model::{Inventory, Node, Object, Pointer};

use super::model::field;
use crate::config::Config;
use crate::pod::PodView;

/// The CNI plugins (and NetworkPolicy enforcers) palisade recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cni {
    Calico,
    /// Calico's policy engine over Flannel's network.
    Canal,
    Cilium,
    /// GKE Dataplane V2 (`anetd`), built on Cilium.
    GkeDataplaneV2,
    Flannel,
    WeaveNet,
    Antrea,
    KubeRouter,
    AwsVpcCni,
    /// kubernetes-sigs/kube-network-policies: enforces NetworkPolicy beside another CNI.
    KubeNetworkPolicies,
    /// Azure Network Policy Manager: enforces NetworkPolicy beside Azure CNI.
    AzureNpm,
}

impl Cni {
    pub fn name(self) -> &'static str {
        match self {
            Cni::Calico => "Calico",
            Cni::Canal => "Canal",
            Cni::Cilium => "Cilium",
            Cni::GkeDataplaneV2 => "GKE Dataplane V2",
            Cni::Flannel => "Flannel",
            Cni::WeaveNet => "Weave Net",
            Cni::Antrea => "Antrea",
            Cni::KubeRouter => "kube-router",
            Cni::AwsVpcCni => "AWS VPC CNI",
            Cni::KubeNetworkPolicies => "kube-network-policies",
            Cni::AzureNpm => "Azure Network Policy Manager",
        }
    }
}

/// Whether a detected plugin enforces NetworkPolicy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Enforcement {
    Yes,
    /// It does not; the text says why (Flannel never does, the VPC CNI only with its agent).
    No(&'static str),
}

/// Whether a detected plugin encrypts traffic between pods on different nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Encryption {
    /// On: how (`WireGuard`, `IPsec`) and where it is switched on.
    On { how: String, object: ObjectAt },
    /// Off: what was read, and where the switch would go.
    Off {
        looked_at: String,
        object: ObjectAt,
        fix: &'static str,
    },
    /// palisade does not know how this plugin encrypts (or it cannot).
    Unknown,
}

/// An object of the inventory and a path in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectAt {
    pub index: usize,
    pub path: Pointer,
}

/// A plugin found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DetectedCni {
    pub cni: Cni,
    /// The object that shows it (its DaemonSet, else a ConfigMap or configuration resource),
    /// as an index into the inventory.
    pub object: usize,
    pub enforcement: Enforcement,
    pub encryption: Encryption,
}

fn index_of(inventory: &Inventory, object: &Object) -> usize {
    inventory
        .objects()
        .iter()
        .position(|o| std::ptr::eq(o, object))
        .unwrap_or(usize::MAX)
}

/// The container images and names of a workload, and the workload's pod view.
struct Containers<'a> {
    pod: PodView<'a>,
}

impl<'a> Containers<'a> {
    fn images(&self) -> Vec<&'a str> {
        self.pod
            .containers()
            .filter_map(|c| field(c.node, "image").and_then(Node::as_str))
            .collect()
    }

    fn named(&self, name: &str) -> Option<crate::pod::ContainerView<'a>> {
        self.pod.containers().find(|c| c.name == name).cloned()
    }

    fn any_image(&self, parts: &[&str]) -> bool {
        self.images().iter().any(|image| {
            parts
                .iter()
                .any(|part| image_repository(image).ends_with(part))
        })
    }

    /// Every command and argument of every container.
    fn arguments(&self) -> Vec<&'a str> {
        self.pod
            .containers()
            .flat_map(|c| {
                ["command", "args"]
                    .into_iter()
                    .flat_map(move |key| field(c.node, key).map(Node::items).unwrap_or(&[]))
            })
            .filter_map(Node::as_str)
            .collect()
    }

    /// The literal value of an environment variable of any container.
    fn env(&self, name: &str) -> Option<(crate::pod::ContainerView<'a>, &'a Node, usize)> {
        self.pod.containers().find_map(|c| {
            field(c.node, "env")
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .enumerate()
                .find(|(_, e)| field(e, "name").and_then(Node::as_str) == Some(name))
                .map(|(i, e)| (c.clone(), e, i))
        })
    }
}

/// `docker.io/calico/node:v3.27` → `docker.io/calico/node`.
fn image_repository(image: &str) -> &str {
    let without_digest = image.split('@').next().unwrap_or(image);
    match without_digest.rfind(':') {
        Some(colon) if !without_digest[colon..].contains('/') => &without_digest[..colon],
        _ => without_digest,
    }
}

fn is_daemon_set(object: &Object) -> bool {
    object.kind == "DaemonSet" && matches!(object.group(), "apps" | "extensions")
}

fn config_map<'i>(inventory: &'i Inventory, names: &[&str]) -> Option<&'i Object> {
    inventory
        .of_kind("ConfigMap")
        .find(|o| o.group().is_empty() && names.contains(&o.name.as_str()))
}

fn data<'a>(object: &'a Object, key: &str) -> Option<&'a str> {
    field(&object.root, "data")
        .and_then(|d| field(d, key))
        .and_then(Node::as_str)
}

fn is_true(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("true")
}

/// Recognises the CNI plugins of the input, one entry per plugin (the first object that shows
/// it), in the order of [`Cni`].
pub fn detect(inventory: &Inventory, config: &Config) -> Vec<DetectedCni> {
    type Found<'a> = Vec<(Cni, &'a Object, Option<Containers<'a>>)>;
    fn note<'a>(
        found: &mut Found<'a>,
        cni: Cni,
        object: &'a Object,
        containers: Option<Containers<'a>>,
    ) {
        if !found.iter().any(|(c, _, _)| *c == cni) {
            found.push((cni, object, containers));
        }
    }
    let mut found: Found = Vec::new();
    for object in inventory.of_kind("DaemonSet").filter(|o| is_daemon_set(o)) {
        let Some(pod) = PodView::of(object, config) else {
            continue;
        };
        let containers = Containers { pod };
        let name = object.name.as_str();
        let calico = name == "calico-node" || containers.any_image(&["calico/node"]);
        let flannel = name.starts_with("kube-flannel")
            || containers.any_image(&["flannel/flannel", "coreos/flannel", "flannel-io/flannel"]);
        let cni = if name == "canal" || (calico && flannel) {
            Some(Cni::Canal)
        } else if calico {
            Some(Cni::Calico)
        } else if flannel {
            Some(Cni::Flannel)
        } else if name == "anetd" {
            Some(Cni::GkeDataplaneV2)
        } else if name == "cilium" || containers.any_image(&["cilium/cilium"]) {
            Some(Cni::Cilium)
        } else if name == "weave-net" || containers.any_image(&["weaveworks/weave-kube"]) {
            Some(Cni::WeaveNet)
        } else if name == "antrea-agent"
            || containers.any_image(&[
                "antrea/antrea-agent-ubuntu",
                "antrea/antrea-ubuntu",
                "antrea/antrea-agent",
            ])
        {
            Some(Cni::Antrea)
        } else if name == "kube-router" || containers.any_image(&["cloudnativelabs/kube-router"]) {
            Some(Cni::KubeRouter)
        } else if name == "aws-node" || containers.any_image(&["amazon-k8s-cni"]) {
            Some(Cni::AwsVpcCni)
        } else if name == "kube-network-policies"
            || containers.any_image(&["kube-network-policies"])
        {
            Some(Cni::KubeNetworkPolicies)
        } else if name == "azure-npm" || containers.any_image(&["azure-npm"]) {
            Some(Cni::AzureNpm)
        } else {
            None
        };
        if let Some(cni) = cni {
            note(&mut found, cni, object, Some(containers));
        }
    }
    // Configuration without a DaemonSet in the input still shows the plugin.
    let by_config: [(Cni, &[&str]); 6] = [
        (Cni::Calico, &["calico-config"]),
        (Cni::Canal, &["canal-config"]),
        (Cni::Cilium, &["cilium-config"]),
        (Cni::Flannel, &["kube-flannel-cfg"]),
        (Cni::Antrea, &["antrea-config"]),
        (Cni::AwsVpcCni, &["amazon-vpc-cni"]),
    ];
    for (cni, names) in by_config {
        let already = found
            .iter()
            .any(|(c, _, _)| *c == cni || (cni == Cni::Calico && *c == Cni::Canal));
        if !already && let Some(object) = config_map(inventory, names) {
            note(&mut found, cni, object, None);
        }
    }
    let felix = felix_configuration(inventory);
    let tigera_installation = inventory
        .of_kind("Installation")
        .find(|o| o.group() == "operator.tigera.io");
    if !found
        .iter()
        .any(|(c, _, _)| matches!(c, Cni::Calico | Cni::Canal))
        && let Some(object) = tigera_installation.or(felix)
    {
        note(&mut found, Cni::Calico, object, None);
    }
    found.sort_by_key(|(cni, _, _)| *cni);
    found
        .into_iter()
        .map(|(cni, object, containers)| DetectedCni {
            cni,
            object: index_of(inventory, object),
            enforcement: enforcement(inventory, cni, containers.as_ref()),
            encryption: encryption(inventory, cni, object, containers.as_ref(), felix),
        })
        .collect()
}

fn enforcement(inventory: &Inventory, cni: Cni, containers: Option<&Containers>) -> Enforcement {
    match cni {
        Cni::Flannel => {
            Enforcement::No("Flannel only connects pods and has no NetworkPolicy engine")
        }
        Cni::WeaveNet => match containers {
            Some(c)
                if c.named("weave-npc").is_none() && !c.any_image(&["weaveworks/weave-npc"]) =>
            {
                Enforcement::No(
                    "the weave-net DaemonSet has no weave-npc container, the part of Weave Net that enforces NetworkPolicy",
                )
            }
            _ => Enforcement::Yes,
        },
        Cni::KubeRouter => match containers {
            Some(c) if c.arguments().contains(&"--run-firewall=false") => Enforcement::No(
                "kube-router runs with --run-firewall=false, which switches its NetworkPolicy firewall off",
            ),
            _ => Enforcement::Yes,
        },
        Cni::AwsVpcCni => {
            let by_flag = containers.is_some_and(|c| {
                c.named("aws-network-policy-agent").is_some()
                    && c.arguments().contains(&"--enable-network-policy=true")
            });
            let by_config = config_map(inventory, &["amazon-vpc-cni"])
                .and_then(|cm| data(cm, "enable-network-policy-controller"))
                .is_some_and(is_true);
            if by_flag || by_config {
                Enforcement::Yes
            } else {
                Enforcement::No(
                    "the AWS VPC CNI enforces NetworkPolicy only with its network policy agent switched on (--enable-network-policy=true on aws-network-policy-agent, or enable-network-policy-controller in the amazon-vpc-cni ConfigMap)",
                )
            }
        }
        _ => Enforcement::Yes,
    }
}

/// Calico's FelixConfiguration `default`, where cluster-wide Felix settings live.
fn felix_configuration(inventory: &Inventory) -> Option<&Object> {
    inventory.of_kind("FelixConfiguration").find(|o| {
        matches!(o.group(), "projectcalico.org" | "crd.projectcalico.org") && o.name == "default"
    })
}

fn at(inventory: &Inventory, object: &Object, path: Pointer) -> ObjectAt {
    ObjectAt {
        index: index_of(inventory, object),
        path,
    }
}

fn encryption(
    inventory: &Inventory,
    cni: Cni,
    shown_by: &Object,
    containers: Option<&Containers>,
    felix: Option<&Object>,
) -> Encryption {
    match cni {
        Cni::Cilium => {
            let config = config_map(inventory, &["cilium-config"]);
            for (key, how) in [("enable-wireguard", "WireGuard"), ("enable-ipsec", "IPsec")] {
                if let Some(cm) = config
                    && data(cm, key).is_some_and(is_true)
                {
                    return Encryption::On {
                        how: how.into(),
                        object: at(inventory, cm, Pointer::root().keys(&["data", key])),
                    };
                }
                let flag = format!("--{key}");
                if containers.is_some_and(|c| {
                    c.arguments()
                        .iter()
                        .any(|a| *a == flag || *a == format!("{flag}=true"))
                }) {
                    return Encryption::On {
                        how: how.into(),
                        object: at(inventory, shown_by, Pointer::root()),
                    };
                }
            }
            match config {
                Some(cm) => Encryption::Off {
                    looked_at: "ConfigMap cilium-config sets neither enable-wireguard nor enable-ipsec to \"true\"".into(),
                    object: at(inventory, cm, Pointer::root().key("data")),
                    fix: "Switch on transparent encryption: `enable-wireguard: \"true\"` in cilium-config (Helm: `--set encryption.enabled=true --set encryption.type=wireguard`).",
                },
                None => Encryption::Off {
                    looked_at: "the input has no cilium-config ConfigMap and the agent is not started with --enable-wireguard or --enable-ipsec, and Cilium encrypts nothing by default".into(),
                    object: at(inventory, shown_by, Pointer::root().keys(&["metadata", "name"])),
                    fix: "Switch on transparent encryption: `enable-wireguard: \"true\"` in cilium-config (Helm: `--set encryption.enabled=true --set encryption.type=wireguard`).",
                },
            }
        }
        Cni::Calico | Cni::Canal => {
            if let Some(felix) = felix {
                for key in ["wireguardEnabled", "wireguardEnabledV6"] {
                    if field(&felix.root, "spec")
                        .and_then(|s| field(s, key))
                        .and_then(Node::as_bool)
                        == Some(true)
                    {
                        return Encryption::On {
                            how: "WireGuard".into(),
                            object: at(inventory, felix, Pointer::root().keys(&["spec", key])),
                        };
                    }
                }
            }
            if let Some(c) = containers
                && let Some((container, entry, i)) = c.env("FELIX_WIREGUARDENABLED")
                && field(entry, "value")
                    .and_then(Node::as_str)
                    .is_some_and(is_true)
            {
                return Encryption::On {
                    how: "WireGuard".into(),
                    object: at(inventory, shown_by, container.path.key("env").index(i)),
                };
            }
            if cni == Cni::Canal
                && let Some(encrypted) =
                    flannel_backend(inventory, &["canal-config", "kube-flannel-cfg"])
                        .filter(|(_, backend)| matches!(backend.as_str(), "wireguard" | "ipsec"))
            {
                return Encryption::On {
                    how: format!("Flannel's {} backend", encrypted.1),
                    object: at(
                        inventory,
                        encrypted.0,
                        Pointer::root().keys(&["data", "net-conf.json"]),
                    ),
                };
            }
            let fix = "Switch on WireGuard: `wireguardEnabled: true` in the FelixConfiguration `default` (`kubectl patch felixconfiguration default --type=merge -p '{\"spec\":{\"wireguardEnabled\":true}}'`).";
            match felix {
                Some(felix) => Encryption::Off {
                    looked_at: "FelixConfiguration default does not set wireguardEnabled: true".into(),
                    object: at(inventory, felix, Pointer::root().keys(&["spec", "wireguardEnabled"])),
                    fix,
                },
                None => Encryption::Off {
                    looked_at: "no FelixConfiguration default and no FELIX_WIREGUARDENABLED in the input switches WireGuard on, and Calico encrypts nothing by default".into(),
                    object: at(inventory, shown_by, Pointer::root().keys(&["metadata", "name"])),
                    fix,
                },
            }
        }
        Cni::Flannel => {
            let fix = "Use an encrypting backend: `\"Backend\": {\"Type\": \"wireguard\"}` in net-conf.json of kube-flannel-cfg (k3s: --flannel-backend=wireguard-native); the backend cannot be changed on a running cluster without draining it.";
            match flannel_backend(inventory, &["kube-flannel-cfg"]) {
                Some((cm, backend)) if matches!(backend.as_str(), "wireguard" | "ipsec") => {
                    Encryption::On {
                        how: format!("the {backend} backend"),
                        object: at(
                            inventory,
                            cm,
                            Pointer::root().keys(&["data", "net-conf.json"]),
                        ),
                    }
                }
                Some((cm, backend)) => Encryption::Off {
                    looked_at: format!(
                        "kube-flannel-cfg uses the {backend} backend, which does not encrypt"
                    ),
                    object: at(
                        inventory,
                        cm,
                        Pointer::root().keys(&["data", "net-conf.json"]),
                    ),
                    fix,
                },
                None => Encryption::Unknown,
            }
        }
        Cni::WeaveNet => match containers {
            Some(c) => match c.env("WEAVE_PASSWORD") {
                Some(_) => Encryption::On {
                    how: "Weave's encryption (WEAVE_PASSWORD)".into(),
                    object: at(inventory, shown_by, Pointer::root()),
                },
                None => Encryption::Off {
                    looked_at: "no container of the weave-net DaemonSet sets WEAVE_PASSWORD".into(),
                    object: at(inventory, shown_by, c.pod.spec_path.key("containers")),
                    fix: "Set WEAVE_PASSWORD on the weave container from a Secret (`valueFrom.secretKeyRef`); Weave Net is also unmaintained since Weaveworks closed in 2024, so plan a move to another CNI.",
                },
            },
            None => Encryption::Unknown,
        },
        Cni::Antrea => {
            let Some(cm) = config_map(inventory, &["antrea-config"]) else {
                return Encryption::Unknown;
            };
            let Some(agent) = data(cm, "antrea-agent.conf") else {
                return Encryption::Unknown;
            };
            let mode = agent.lines().find_map(|line| {
                let line = line.trim();
                line.strip_prefix("trafficEncryptionMode:")
                    .map(|v| v.trim().trim_matches(['"', '\'']).to_ascii_lowercase())
            });
            let legacy_ipsec = agent
                .lines()
                .any(|line| line.trim().replace(' ', "") == "enableIPSecTunnel:true");
            match mode.as_deref() {
                Some("wireguard") => Encryption::On {
                    how: "WireGuard".into(),
                    object: at(inventory, cm, Pointer::root().keys(&["data", "antrea-agent.conf"])),
                },
                Some("ipsec") => Encryption::On {
                    how: "IPsec".into(),
                    object: at(inventory, cm, Pointer::root().keys(&["data", "antrea-agent.conf"])),
                },
                _ if legacy_ipsec => Encryption::On {
                    how: "IPsec".into(),
                    object: at(inventory, cm, Pointer::root().keys(&["data", "antrea-agent.conf"])),
                },
                _ => Encryption::Off {
                    looked_at: "antrea-agent.conf in antrea-config sets no trafficEncryptionMode (wireGuard or ipsec)".into(),
                    object: at(inventory, cm, Pointer::root().keys(&["data", "antrea-agent.conf"])),
                    fix: "Set `trafficEncryptionMode: wireGuard` in antrea-agent.conf of the antrea-config ConfigMap.",
                },
            }
        }
        _ => Encryption::Unknown,
    }
}

/// The ConfigMap with Flannel's `net-conf.json` and its backend type (lower case).
fn flannel_backend<'i>(inventory: &'i Inventory, names: &[&str]) -> Option<(&'i Object, String)> {
    let cm = names
        .iter()
        .find_map(|name| config_map(inventory, &[*name]))?;
    let text = data(cm, "net-conf.json")?;
    let parsed: serde_json::Value = serde_json::from_str(text).ok()?;
    let backend = parsed
        .get("Backend")
        .and_then(|b| b.get("Type"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or("vxlan");
    Some((cm, backend.to_ascii_lowercase()))
}
