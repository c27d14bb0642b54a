//! RBAC policy rules and the Kubernetes authorizer's matching of a request against them
//! (`k8s.io/kubernetes/pkg/apis/rbac/v1` `VerbMatches`, `APIGroupMatches`, `ResourceMatches`,
//! `ResourceNameMatches`, `NonResourceURLMatches`), plus what palisade must know of the API
//! that the RBAC objects themselves do not say: which resources are cluster-scoped, and the
//! API group of a resource named without one.

use palisade_model::Node;

/// One entry of a Role's or ClusterRole's `rules`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyRule<'a> {
    pub verbs: Vec<&'a str>,
    pub api_groups: Vec<&'a str>,
    pub resources: Vec<&'a str>,
    pub resource_names: Vec<&'a str>,
    pub non_resource_urls: Vec<&'a str>,
}

/// The strings of a list field; anything else (a scalar, a map, numbers) grants nothing, as the
/// API server would have rejected it.
fn strings<'a>(node: &'a Node, key: &str) -> Vec<&'a str> {
    node.get(key)
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(Node::as_str)
        .collect()
}

impl<'a> PolicyRule<'a> {
    pub fn from_node(node: &'a Node) -> PolicyRule<'a> {
        PolicyRule {
            verbs: strings(node, "verbs"),
            api_groups: strings(node, "apiGroups"),
            resources: strings(node, "resources"),
            resource_names: strings(node, "resourceNames"),
            non_resource_urls: strings(node, "nonResourceURLs"),
        }
    }

    pub fn verb_matches(&self, verb: &str) -> bool {
        self.verbs.iter().any(|v| *v == "*" || *v == verb)
    }

    pub fn group_matches(&self, group: Option<&str>) -> bool {
        match group {
            Some(group) => self.api_groups.iter().any(|g| *g == "*" || *g == group),
            // A resource named without a group that palisade does not know: any group.
            None => !self.api_groups.is_empty(),
        }
    }

    /// `resource` alone, or `resource/subresource`; `*` matches everything (subresources
    /// included) and `*/sub` matches that subresource of every resource. `pods/*` is not a
    /// pattern Kubernetes knows: it matches nothing but a subresource literally named `*`.
    pub fn resource_matches(&self, resource: &str, subresource: Option<&str>) -> bool {
        self.resources.iter().any(|r| {
            if *r == "*" {
                return true;
            }
            match subresource {
                None => *r == resource,
                Some(sub) => match r.split_once('/') {
                    Some((base, rest)) => rest == sub && (base == resource || base == "*"),
                    None => false,
                },
            }
        })
    }

    /// With no name (a `create`, or a question about every object of a kind), only a rule
    /// without `resourceNames` matches.
    pub fn name_matches(&self, name: Option<&str>) -> bool {
        self.resource_names.is_empty()
            || name.is_some_and(|name| self.resource_names.contains(&name))
    }

    pub fn url_matches(&self, path: &str) -> bool {
        self.non_resource_urls.iter().any(|u| {
            *u == "*"
                || *u == path
                || u.strip_suffix('*')
                    .is_some_and(|prefix| path.starts_with(prefix))
        })
    }

    /// Whether the rule allows `request`. Scope (whether the rule is in effect where the
    /// request is made) is the caller's question.
    pub fn allows(&self, request: &Request) -> bool {
        match request {
            Request::Resource(request) => {
                self.verb_matches(request.verb)
                    && self.group_matches(request.group)
                    && self.resource_matches(request.resource, request.subresource)
                    && self.name_matches(request.name)
            }
            Request::NonResource { verb, path } => {
                self.verb_matches(verb) && self.url_matches(path)
            }
        }
    }

    pub fn is_non_resource(&self) -> bool {
        self.resources.is_empty() && !self.non_resource_urls.is_empty()
    }

    /// `get, list on secrets` / `* on */* in group *` style summary, for tables and messages.
    pub fn summary(&self) -> String {
        let list = |items: &[&str]| {
            if items.is_empty() {
                "(none)".to_string()
            } else {
                items.join(",")
            }
        };
        let mut text = format!("verbs={}", list(&self.verbs));
        if !self.resources.is_empty() || self.non_resource_urls.is_empty() {
            let groups: Vec<&str> = self
                .api_groups
                .iter()
                .map(|g| if g.is_empty() { "\"\"" } else { g })
                .collect();
            text.push_str(&format!(
                " apiGroups={} resources={}",
                list(&groups),
                list(&self.resources)
            ));
        }
        if !self.resource_names.is_empty() {
            text.push_str(&format!(" resourceNames={}", list(&self.resource_names)));
        }
        if !self.non_resource_urls.is_empty() {
            text.push_str(&format!(
                " nonResourceURLs={}",
                list(&self.non_resource_urls)
            ));
        }
        text
    }
}

/// A resource request: what `kubectl auth can-i VERB RESOURCE` asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceRequest<'q> {
    pub verb: &'q str,
    /// `None`: a resource palisade cannot place in a group; any group matches.
    pub group: Option<&'q str>,
    pub resource: &'q str,
    pub subresource: Option<&'q str>,
    pub name: Option<&'q str>,
}

/// What a subject asks the API server to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request<'q> {
    Resource(ResourceRequest<'q>),
    NonResource { verb: &'q str, path: &'q str },
}

impl ResourceRequest<'_> {
    /// Whether the resource lives in a namespace: unknown resources (custom resources) are
    /// taken to, as most are.
    pub fn is_namespaced(&self) -> bool {
        match self.group {
            Some(group) => is_namespaced(group, self.resource, self.subresource),
            None => !CLUSTER_SCOPED
                .iter()
                .any(|(_, resource)| *resource == self.resource),
        }
    }
}

/// Resources of the built-in API that are cluster-scoped, with their group. A Role, or a
/// ClusterRole granted through a RoleBinding, gives no right on these.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    ("", "nodes"),
    ("", "namespaces"),
    ("", "persistentvolumes"),
    ("", "componentstatuses"),
    // Impersonation of users, groups, UIDs and extras is authorized without a namespace.
    ("", "users"),
    ("", "groups"),
    ("", "uids"),
    ("authentication.k8s.io", "userextras"),
    ("authentication.k8s.io", "uids"),
    ("authentication.k8s.io", "tokenreviews"),
    ("authentication.k8s.io", "selfsubjectreviews"),
    ("authorization.k8s.io", "subjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "selfsubjectrulesreviews"),
    ("rbac.authorization.k8s.io", "clusterroles"),
    ("rbac.authorization.k8s.io", "clusterrolebindings"),
    (
        "admissionregistration.k8s.io",
        "mutatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingwebhookconfigurations",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicies",
    ),
    (
        "admissionregistration.k8s.io",
        "validatingadmissionpolicybindings",
    ),
    ("admissionregistration.k8s.io", "mutatingadmissionpolicies"),
    (
        "admissionregistration.k8s.io",
        "mutatingadmissionpolicybindings",
    ),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("apiregistration.k8s.io", "apiservices"),
    ("certificates.k8s.io", "certificatesigningrequests"),
    ("certificates.k8s.io", "signers"),
    ("certificates.k8s.io", "clustertrustbundles"),
    ("storage.k8s.io", "storageclasses"),
    ("storage.k8s.io", "csidrivers"),
    ("storage.k8s.io", "csinodes"),
    ("storage.k8s.io", "volumeattachments"),
    ("storage.k8s.io", "volumeattributesclasses"),
    ("networking.k8s.io", "ingressclasses"),
    ("networking.k8s.io", "ipaddresses"),
    ("networking.k8s.io", "servicecidrs"),
    ("policy", "podsecuritypolicies"),
    ("extensions", "podsecuritypolicies"),
    ("scheduling.k8s.io", "priorityclasses"),
    ("node.k8s.io", "runtimeclasses"),
    ("flowcontrol.apiserver.k8s.io", "flowschemas"),
    (
        "flowcontrol.apiserver.k8s.io",
        "prioritylevelconfigurations",
    ),
    ("resource.k8s.io", "deviceclasses"),
    ("resource.k8s.io", "resourceslices"),
];

/// Whether `group`/`resource` is namespaced (subresources share their resource's scope).
pub fn is_namespaced(group: &str, resource: &str, _subresource: Option<&str>) -> bool {
    !CLUSTER_SCOPED
        .iter()
        .any(|(g, r)| *g == group && *r == resource)
}

/// The group of well-known resources, for `who-can` questions that name a resource without
/// its group (as `kubectl auth can-i` resolves them through discovery).
const GROUPS: &[(&str, &str)] = &[
    ("pods", ""),
    ("services", ""),
    ("endpoints", ""),
    ("configmaps", ""),
    ("secrets", ""),
    ("serviceaccounts", ""),
    ("persistentvolumeclaims", ""),
    ("persistentvolumes", ""),
    ("replicationcontrollers", ""),
    ("events", ""),
    ("limitranges", ""),
    ("resourcequotas", ""),
    ("podtemplates", ""),
    ("bindings", ""),
    ("nodes", ""),
    ("namespaces", ""),
    ("componentstatuses", ""),
    ("users", ""),
    ("groups", ""),
    ("uids", ""),
    ("deployments", "apps"),
    ("daemonsets", "apps"),
    ("statefulsets", "apps"),
    ("replicasets", "apps"),
    ("controllerrevisions", "apps"),
    ("jobs", "batch"),
    ("cronjobs", "batch"),
    ("horizontalpodautoscalers", "autoscaling"),
    ("poddisruptionbudgets", "policy"),
    ("podsecuritypolicies", "policy"),
    ("networkpolicies", "networking.k8s.io"),
    ("ingresses", "networking.k8s.io"),
    ("ingressclasses", "networking.k8s.io"),
    ("roles", "rbac.authorization.k8s.io"),
    ("rolebindings", "rbac.authorization.k8s.io"),
    ("clusterroles", "rbac.authorization.k8s.io"),
    ("clusterrolebindings", "rbac.authorization.k8s.io"),
    ("storageclasses", "storage.k8s.io"),
    ("csidrivers", "storage.k8s.io"),
    ("csinodes", "storage.k8s.io"),
    ("volumeattachments", "storage.k8s.io"),
    (
        "mutatingwebhookconfigurations",
        "admissionregistration.k8s.io",
    ),
    (
        "validatingwebhookconfigurations",
        "admissionregistration.k8s.io",
    ),
    (
        "validatingadmissionpolicies",
        "admissionregistration.k8s.io",
    ),
    (
        "validatingadmissionpolicybindings",
        "admissionregistration.k8s.io",
    ),
    ("customresourcedefinitions", "apiextensions.k8s.io"),
    ("apiservices", "apiregistration.k8s.io"),
    ("certificatesigningrequests", "certificates.k8s.io"),
    ("signers", "certificates.k8s.io"),
    ("leases", "coordination.k8s.io"),
    ("endpointslices", "discovery.k8s.io"),
    ("priorityclasses", "scheduling.k8s.io"),
    ("runtimeclasses", "node.k8s.io"),
    ("tokenreviews", "authentication.k8s.io"),
    ("selfsubjectreviews", "authentication.k8s.io"),
    ("userextras", "authentication.k8s.io"),
    ("subjectaccessreviews", "authorization.k8s.io"),
    ("selfsubjectaccessreviews", "authorization.k8s.io"),
    ("selfsubjectrulesreviews", "authorization.k8s.io"),
    ("localsubjectaccessreviews", "authorization.k8s.io"),
    ("flowschemas", "flowcontrol.apiserver.k8s.io"),
    (
        "prioritylevelconfigurations",
        "flowcontrol.apiserver.k8s.io",
    ),
];

/// The group of a resource named without one: `Some("")` for pods, `Some("apps")` for
/// deployments, `None` for a resource palisade does not know.
pub fn group_of(resource: &str) -> Option<&'static str> {
    GROUPS
        .iter()
        .find(|(r, _)| *r == resource)
        .map(|(_, group)| *group)
}

/// kubectl's short names of well-known resources.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("po", "pods"),
    ("svc", "services"),
    ("ep", "endpoints"),
    ("cm", "configmaps"),
    ("sa", "serviceaccounts"),
    ("pvc", "persistentvolumeclaims"),
    ("pv", "persistentvolumes"),
    ("rc", "replicationcontrollers"),
    ("ev", "events"),
    ("limits", "limitranges"),
    ("quota", "resourcequotas"),
    ("no", "nodes"),
    ("ns", "namespaces"),
    ("cs", "componentstatuses"),
    ("deploy", "deployments"),
    ("ds", "daemonsets"),
    ("sts", "statefulsets"),
    ("rs", "replicasets"),
    ("cj", "cronjobs"),
    ("hpa", "horizontalpodautoscalers"),
    ("pdb", "poddisruptionbudgets"),
    ("netpol", "networkpolicies"),
    ("ing", "ingresses"),
    ("sc", "storageclasses"),
    ("crd", "customresourcedefinitions"),
    ("crds", "customresourcedefinitions"),
    ("csr", "certificatesigningrequests"),
    ("pc", "priorityclasses"),
];

/// The plural resource name the API uses for what a user typed: a short name (`po`,
/// `deploy`), a singular (`pod`, `networkpolicy`), or the plural itself. Names palisade does
/// not know are returned unchanged.
pub fn canonical_resource(name: &str) -> &str {
    if let Some((_, plural)) = SHORT_NAMES.iter().find(|(short, _)| *short == name) {
        return plural;
    }
    if group_of(name).is_some() {
        return name;
    }
    let candidates = [
        format!("{name}s"),
        format!("{name}es"),
        name.strip_suffix('y')
            .map(|stem| format!("{stem}ies"))
            .unwrap_or_default(),
    ];
    candidates
        .iter()
        .find_map(|candidate| {
            GROUPS
                .iter()
                .find(|(resource, _)| *resource == candidate)
                .map(|(resource, _)| *resource)
        })
        .unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule<'a>(
        verbs: &[&'a str],
        groups: &[&'a str],
        resources: &[&'a str],
        names: &[&'a str],
    ) -> PolicyRule<'a> {
        PolicyRule {
            verbs: verbs.to_vec(),
            api_groups: groups.to_vec(),
            resources: resources.to_vec(),
            resource_names: names.to_vec(),
            non_resource_urls: vec![],
        }
    }

    fn request<'q>(
        verb: &'q str,
        group: &'q str,
        resource: &'q str,
        sub: Option<&'q str>,
        name: Option<&'q str>,
    ) -> Request<'q> {
        Request::Resource(ResourceRequest {
            verb,
            group: Some(group),
            resource,
            subresource: sub,
            name,
        })
    }

    #[test]
    fn wildcards_follow_the_authorizer() {
        let all = rule(&["*"], &["*"], &["*"], &[]);
        assert!(all.allows(&request("create", "", "pods", Some("exec"), None)));
        assert!(all.allows(&request("delete", "apps", "deployments", None, Some("x"))));

        let pods = rule(&["*"], &[""], &["pods"], &[]);
        assert!(pods.allows(&request("get", "", "pods", None, None)));
        assert!(
            !pods.allows(&request("create", "", "pods", Some("exec"), None)),
            "pods does not cover pods/exec"
        );
        assert!(!pods.allows(&request("get", "apps", "pods", None, None)));

        let scale = rule(&["update"], &["apps"], &["*/scale"], &[]);
        assert!(scale.allows(&request(
            "update",
            "apps",
            "deployments",
            Some("scale"),
            None
        )));
        assert!(!scale.allows(&request("update", "apps", "deployments", None, None)));
        assert!(!scale.allows(&request(
            "update",
            "apps",
            "deployments",
            Some("status"),
            None
        )));

        let literal_star = rule(&["get"], &[""], &["pods/*"], &[]);
        assert!(!literal_star.allows(&request("get", "", "pods", Some("log"), None)));
        assert!(literal_star.allows(&request("get", "", "pods", Some("*"), None)));
    }

    #[test]
    fn resource_names_restrict_to_named_objects() {
        let named = rule(&["get", "create"], &[""], &["secrets"], &["db"]);
        assert!(named.allows(&request("get", "", "secrets", None, Some("db"))));
        assert!(!named.allows(&request("get", "", "secrets", None, Some("other"))));
        assert!(!named.allows(&request("get", "", "secrets", None, None)));
        assert!(!named.allows(&request("create", "", "secrets", None, None)));
    }

    #[test]
    fn non_resource_urls_match_by_prefix() {
        let rule = PolicyRule {
            verbs: vec!["get"],
            non_resource_urls: vec!["/healthz", "/api/*"],
            ..PolicyRule::default()
        };
        let get = |path| Request::NonResource { verb: "get", path };
        assert!(rule.allows(&get("/healthz")));
        assert!(!rule.allows(&get("/healthz/etcd")));
        assert!(rule.allows(&get("/api/v1")));
        assert!(!rule.allows(&get("/apis")));
        assert!(!rule.allows(&Request::NonResource {
            verb: "post",
            path: "/healthz"
        }));
        assert!(!rule.allows(&request("get", "", "pods", None, None)));
    }

    #[test]
    fn unknown_groups_match_any_group() {
        let gateways = rule(&["get"], &["gateway.networking.k8s.io"], &["*"], &[]);
        let asked = Request::Resource(ResourceRequest {
            verb: "get",
            group: None,
            resource: "gateways",
            subresource: None,
            name: None,
        });
        assert!(gateways.allows(&asked));
        assert!(!rule(&["get"], &[], &["gateways"], &[]).allows(&asked));
    }

    #[test]
    fn scope_of_resources() {
        assert!(!is_namespaced("", "nodes", Some("proxy")));
        assert!(is_namespaced("", "pods", Some("exec")));
        assert!(is_namespaced("example.com", "nodes", None));
        assert_eq!(group_of("deployments"), Some("apps"));
        assert_eq!(group_of("widgets"), None);
    }

    #[test]
    fn resources_are_named_as_kubectl_accepts_them() {
        assert_eq!(canonical_resource("pod"), "pods");
        assert_eq!(canonical_resource("po"), "pods");
        assert_eq!(canonical_resource("networkpolicy"), "networkpolicies");
        assert_eq!(canonical_resource("ingress"), "ingresses");
        assert_eq!(canonical_resource("deploy"), "deployments");
        assert_eq!(canonical_resource("secrets"), "secrets");
        assert_eq!(canonical_resource("gateway"), "gateway");
    }
}
