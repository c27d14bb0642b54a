//! The kinds a scan reads, where the API serves them, and how.

/// One place a kind may be served: an API group version and the resource's plural name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// `""` for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub resource: &'static str,
}

impl Endpoint {
    /// `apps/v1`, or `v1` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

/// How the objects of a kind are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    /// The whole object.
    Full,
    /// Metadata only (`PartialObjectMetadataList`): the API server never sends the data.
    MetadataOnly,
}

/// Whether a kind is always wanted or only read when discovery shows its API group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Presence {
    /// A kind of Kubernetes itself: read wherever discovery places it, or at its first
    /// endpoint when discovery cannot tell.
    BuiltIn,
    /// A custom resource (Calico, Cilium): read only when discovery serves its group version.
    Custom,
}

/// A kind the rules need.
#[derive(Clone, Copy, Debug)]
pub struct KindSpec {
    pub kind: &'static str,
    pub namespaced: bool,
    /// Where it may be served, the preferred first; the first one discovery shows is used.
    pub endpoints: &'static [Endpoint],
    pub reading: Reading,
    pub presence: Presence,
}

const fn at(group: &'static str, version: &'static str, resource: &'static str) -> Endpoint {
    Endpoint {
        group,
        version,
        resource,
    }
}

const fn built_in(
    kind: &'static str,
    namespaced: bool,
    endpoints: &'static [Endpoint],
) -> KindSpec {
    KindSpec {
        kind,
        namespaced,
        endpoints,
        reading: Reading::Full,
        presence: Presence::BuiltIn,
    }
}

const fn custom(kind: &'static str, namespaced: bool, endpoints: &'static [Endpoint]) -> KindSpec {
    KindSpec {
        kind,
        namespaced,
        endpoints,
        reading: Reading::Full,
        presence: Presence::Custom,
    }
}

/// The Calico API: `projectcalico.org/v3` when Calico's API server is installed (the
/// supported interface), else the CRDs it stores them in.
const CALICO: [&str; 2] = ["projectcalico.org", "crd.projectcalico.org"];

/// Every kind a scan lists, in the order objects enter the inventory.
///
/// Workloads (every kind with a pod template), what exposes them (Services, Ingresses), what
/// isolates them (NetworkPolicies and the Calico and Cilium policy kinds), who may do what
/// (ServiceAccounts, the four RBAC kinds), namespace guard rails (Namespaces, ResourceQuotas,
/// LimitRanges), configuration that may hold credentials or show the CNI and its encryption
/// (ConfigMaps, Calico's FelixConfiguration and the Tigera operator's Installation), and
/// Secrets, by metadata only.
pub static KINDS: &[KindSpec] = &[
    built_in("Namespace", false, &[at("", "v1", "namespaces")]),
    built_in("Pod", true, &[at("", "v1", "pods")]),
    built_in("Deployment", true, &[at("apps", "v1", "deployments")]),
    built_in("StatefulSet", true, &[at("apps", "v1", "statefulsets")]),
    built_in("DaemonSet", true, &[at("apps", "v1", "daemonsets")]),
    built_in("ReplicaSet", true, &[at("apps", "v1", "replicasets")]),
    built_in(
        "ReplicationController",
        true,
        &[at("", "v1", "replicationcontrollers")],
    ),
    built_in("Job", true, &[at("batch", "v1", "jobs")]),
    built_in(
        "CronJob",
        true,
        &[
            at("batch", "v1", "cronjobs"),
            at("batch", "v1beta1", "cronjobs"),
        ],
    ),
    built_in("PodTemplate", true, &[at("", "v1", "podtemplates")]),
    built_in("Service", true, &[at("", "v1", "services")]),
    built_in(
        "Ingress",
        true,
        &[
            at("networking.k8s.io", "v1", "ingresses"),
            at("networking.k8s.io", "v1beta1", "ingresses"),
            at("extensions", "v1beta1", "ingresses"),
        ],
    ),
    built_in(
        "NetworkPolicy",
        true,
        &[at("networking.k8s.io", "v1", "networkpolicies")],
    ),
    built_in("ServiceAccount", true, &[at("", "v1", "serviceaccounts")]),
    built_in(
        "Role",
        true,
        &[at("rbac.authorization.k8s.io", "v1", "roles")],
    ),
    built_in(
        "ClusterRole",
        false,
        &[at("rbac.authorization.k8s.io", "v1", "clusterroles")],
    ),
    built_in(
        "RoleBinding",
        true,
        &[at("rbac.authorization.k8s.io", "v1", "rolebindings")],
    ),
    built_in(
        "ClusterRoleBinding",
        false,
        &[at("rbac.authorization.k8s.io", "v1", "clusterrolebindings")],
    ),
    built_in("ResourceQuota", true, &[at("", "v1", "resourcequotas")]),
    built_in("LimitRange", true, &[at("", "v1", "limitranges")]),
    built_in("ConfigMap", true, &[at("", "v1", "configmaps")]),
    KindSpec {
        kind: "Secret",
        namespaced: true,
        endpoints: &[at("", "v1", "secrets")],
        reading: Reading::MetadataOnly,
        presence: Presence::BuiltIn,
    },
    custom(
        "NetworkPolicy",
        true,
        &[
            at(CALICO[0], "v3", "networkpolicies"),
            at(CALICO[1], "v1", "networkpolicies"),
        ],
    ),
    custom(
        "GlobalNetworkPolicy",
        false,
        &[
            at(CALICO[0], "v3", "globalnetworkpolicies"),
            at(CALICO[1], "v1", "globalnetworkpolicies"),
        ],
    ),
    custom(
        "FelixConfiguration",
        false,
        &[
            at(CALICO[0], "v3", "felixconfigurations"),
            at(CALICO[1], "v1", "felixconfigurations"),
        ],
    ),
    custom(
        "Installation",
        false,
        &[at("operator.tigera.io", "v1", "installations")],
    ),
    custom(
        "CiliumNetworkPolicy",
        true,
        &[at("cilium.io", "v2", "ciliumnetworkpolicies")],
    ),
    custom(
        "CiliumClusterwideNetworkPolicy",
        false,
        &[at("cilium.io", "v2", "ciliumclusterwidenetworkpolicies")],
    ),
];

/// Secret types that rules ask about. `type` is not part of an object's metadata, so for
/// each of these the Secrets are listed once more (metadata only) with the field selector
/// `type=<type>`, and the objects listed there get their `type` back.
///
/// A type is trusted only together with the mark the API server or the consumer requires of
/// it, so that a server that ignores field selectors cannot make every Secret look like a
/// token: a service-account token Secret must name its account in an annotation (the API
/// server rejects one without it), and a bootstrap token must be named `bootstrap-token-<id>`
/// in `kube-system` (the bootstrap authenticator reads no other).
pub static SECRET_TYPES: &[SecretType] = &[
    SecretType {
        name: "kubernetes.io/service-account-token",
        namespace: None,
        mark: SecretMark::Annotation("kubernetes.io/service-account.name"),
    },
    SecretType {
        name: "bootstrap.kubernetes.io/token",
        namespace: Some("kube-system"),
        mark: SecretMark::NamePrefix("bootstrap-token-"),
    },
];

#[derive(Clone, Copy, Debug)]
pub struct SecretType {
    pub name: &'static str,
    /// The only namespace where Secrets of this type matter, if there is one.
    pub namespace: Option<&'static str>,
    pub mark: SecretMark,
}

#[derive(Clone, Copy, Debug)]
pub enum SecretMark {
    Annotation(&'static str),
    NamePrefix(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_an_endpoint_and_custom_kinds_are_not_core() {
        for spec in KINDS {
            assert!(!spec.endpoints.is_empty(), "{}", spec.kind);
            if spec.presence == Presence::Custom {
                assert!(spec.endpoints.iter().all(|e| !e.group.is_empty()));
            }
        }
    }

    #[test]
    fn api_versions() {
        assert_eq!(at("", "v1", "pods").api_version(), "v1");
        assert_eq!(at("apps", "v1", "deployments").api_version(), "apps/v1");
    }
}
