//! The ClusterRoles every Kubernetes cluster has, which bindings name but inputs rarely
//! contain: `cluster-admin`, the user-facing `admin`, `edit` and `view` (with the
//! `system:aggregate-to-*` roles they aggregate, so that input ClusterRoles labelled
//! `rbac.authorization.k8s.io/aggregate-to-edit: "true"` and the like join them as they would
//! in a cluster), and the discovery roles bound to every user (`system:discovery`,
//! `system:basic-user`, `system:public-info-viewer`, `system:service-account-issuer-discovery`)
//! plus `system:auth-delegator`, which charts often bind.
//!
//! The rules are those of the API server's RBAC bootstrap policy (Kubernetes 1.30–1.33,
//! `plugin/pkg/auth/authorizer/rbac/bootstrappolicy`), restated here as data. A ClusterRole of
//! the same name in the input replaces the built-in one (a cluster dump carries them all).

/// A rule of a built-in role.
pub(crate) struct BuiltinRule {
    pub groups: &'static [&'static str],
    pub resources: &'static [&'static str],
    pub verbs: &'static [&'static str],
    pub names: &'static [&'static str],
    pub urls: &'static [&'static str],
}

/// A ClusterRole of the bootstrap policy.
pub(crate) struct BuiltinRole {
    pub name: &'static str,
    /// The labels it carries (besides `kubernetes.io/bootstrapping: rbac-defaults`).
    pub labels: &'static [(&'static str, &'static str)],
    /// The label keys (value `"true"`) of its aggregation rule's selectors.
    pub aggregates: &'static [&'static str],
    pub rules: &'static [BuiltinRule],
}

const fn rule(
    groups: &'static [&'static str],
    resources: &'static [&'static str],
    verbs: &'static [&'static str],
) -> BuiltinRule {
    BuiltinRule {
        groups,
        resources,
        verbs,
        names: &[],
        urls: &[],
    }
}

const fn urls(urls: &'static [&'static str], verbs: &'static [&'static str]) -> BuiltinRule {
    BuiltinRule {
        groups: &[],
        resources: &[],
        verbs,
        names: &[],
        urls,
    }
}

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const ALL_VERBS: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];
const TO_ADMIN: &str = "rbac.authorization.k8s.io/aggregate-to-admin";
const TO_EDIT: &str = "rbac.authorization.k8s.io/aggregate-to-edit";
const TO_VIEW: &str = "rbac.authorization.k8s.io/aggregate-to-view";

pub(crate) static BUILTIN_ROLES: &[BuiltinRole] = &[
    BuiltinRole {
        name: "cluster-admin",
        labels: &[],
        aggregates: &[],
        rules: &[rule(&["*"], &["*"], &["*"]), urls(&["*"], &["*"])],
    },
    BuiltinRole {
        name: "admin",
        labels: &[],
        aggregates: &[TO_ADMIN],
        rules: &[],
    },
    BuiltinRole {
        name: "edit",
        labels: &[(TO_ADMIN, "true")],
        aggregates: &[TO_EDIT],
        rules: &[],
    },
    BuiltinRole {
        name: "view",
        labels: &[(TO_EDIT, "true")],
        aggregates: &[TO_VIEW],
        rules: &[],
    },
    BuiltinRole {
        name: "system:aggregate-to-admin",
        labels: &[(TO_ADMIN, "true")],
        aggregates: &[],
        rules: &[
            rule(
                &["authorization.k8s.io"],
                &["localsubjectaccessreviews"],
                &["create"],
            ),
            rule(
                &["rbac.authorization.k8s.io"],
                &["rolebindings", "roles"],
                ALL_VERBS,
            ),
        ],
    },
    BuiltinRole {
        name: "system:aggregate-to-edit",
        labels: &[(TO_EDIT, "true")],
        aggregates: &[],
        rules: &[
            rule(
                &[""],
                &[
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                    "secrets",
                    "services/proxy",
                ],
                READ,
            ),
            rule(&[""], &["serviceaccounts"], &["impersonate"]),
            rule(
                &[""],
                &[
                    "pods",
                    "pods/attach",
                    "pods/exec",
                    "pods/portforward",
                    "pods/proxy",
                ],
                WRITE,
            ),
            rule(&[""], &["pods/eviction"], &["create"]),
            rule(
                &[""],
                &[
                    "configmaps",
                    "events",
                    "persistentvolumeclaims",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "secrets",
                    "serviceaccounts",
                    "services",
                    "services/proxy",
                ],
                WRITE,
            ),
            rule(&[""], &["serviceaccounts/token"], &["create"]),
            rule(
                &["apps"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "replicasets",
                    "replicasets/scale",
                    "statefulsets",
                    "statefulsets/scale",
                ],
                WRITE,
            ),
            rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
            rule(&["batch"], &["cronjobs", "jobs"], WRITE),
            rule(
                &["extensions"],
                &[
                    "daemonsets",
                    "deployments",
                    "deployments/rollback",
                    "deployments/scale",
                    "ingresses",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicationcontrollers/scale",
                ],
                WRITE,
            ),
            rule(&["policy"], &["poddisruptionbudgets"], WRITE),
            rule(
                &["networking.k8s.io"],
                &["ingresses", "networkpolicies"],
                WRITE,
            ),
            rule(&["coordination.k8s.io"], &["leases"], ALL_VERBS),
        ],
    },
    BuiltinRole {
        name: "system:aggregate-to-view",
        labels: &[(TO_VIEW, "true")],
        aggregates: &[],
        rules: &[
            rule(
                &[""],
                &[
                    "configmaps",
                    "endpoints",
                    "persistentvolumeclaims",
                    "persistentvolumeclaims/status",
                    "pods",
                    "replicationcontrollers",
                    "replicationcontrollers/scale",
                    "serviceaccounts",
                    "services",
                    "services/status",
                ],
                READ,
            ),
            rule(
                &[""],
                &[
                    "bindings",
                    "events",
                    "limitranges",
                    "namespaces/status",
                    "pods/log",
                    "pods/status",
                    "replicationcontrollers/status",
                    "resourcequotas",
                    "resourcequotas/status",
                ],
                READ,
            ),
            rule(&[""], &["namespaces"], READ),
            rule(&["discovery.k8s.io"], &["endpointslices"], READ),
            rule(
                &["apps"],
                &[
                    "controllerrevisions",
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "statefulsets",
                    "statefulsets/scale",
                    "statefulsets/status",
                ],
                READ,
            ),
            rule(
                &["autoscaling"],
                &[
                    "horizontalpodautoscalers",
                    "horizontalpodautoscalers/status",
                ],
                READ,
            ),
            rule(
                &["batch"],
                &["cronjobs", "cronjobs/status", "jobs", "jobs/status"],
                READ,
            ),
            rule(
                &["extensions"],
                &[
                    "daemonsets",
                    "daemonsets/status",
                    "deployments",
                    "deployments/scale",
                    "deployments/status",
                    "ingresses",
                    "ingresses/status",
                    "networkpolicies",
                    "replicasets",
                    "replicasets/scale",
                    "replicasets/status",
                    "replicationcontrollers/scale",
                ],
                READ,
            ),
            rule(
                &["policy"],
                &["poddisruptionbudgets", "poddisruptionbudgets/status"],
                READ,
            ),
            rule(
                &["networking.k8s.io"],
                &["ingresses", "ingresses/status", "networkpolicies"],
                READ,
            ),
        ],
    },
    BuiltinRole {
        name: "system:discovery",
        labels: &[],
        aggregates: &[],
        rules: &[urls(
            &[
                "/api",
                "/api/*",
                "/apis",
                "/apis/*",
                "/healthz",
                "/livez",
                "/openapi",
                "/openapi/*",
                "/readyz",
                "/version",
                "/version/",
            ],
            &["get"],
        )],
    },
    BuiltinRole {
        name: "system:public-info-viewer",
        labels: &[],
        aggregates: &[],
        rules: &[urls(
            &["/healthz", "/livez", "/readyz", "/version", "/version/"],
            &["get"],
        )],
    },
    BuiltinRole {
        name: "system:basic-user",
        labels: &[],
        aggregates: &[],
        rules: &[
            rule(
                &["authorization.k8s.io"],
                &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                &["create"],
            ),
            rule(
                &["authentication.k8s.io"],
                &["selfsubjectreviews"],
                &["create"],
            ),
        ],
    },
    BuiltinRole {
        name: "system:service-account-issuer-discovery",
        labels: &[],
        aggregates: &[],
        rules: &[urls(
            &[
                "/.well-known/openid-configuration",
                "/.well-known/openid-configuration/",
                "/openid/v1/jwks",
                "/openid/v1/jwks/",
            ],
            &["get"],
        )],
    },
    BuiltinRole {
        name: "system:auth-delegator",
        labels: &[],
        aggregates: &[],
        rules: &[
            rule(&["authentication.k8s.io"], &["tokenreviews"], &["create"]),
            rule(
                &["authorization.k8s.io"],
                &["subjectaccessreviews"],
                &["create"],
            ),
        ],
    },
];

/// Names that Kubernetes reserves for the roles it ships: a binding to one of them that the
/// input does not define is not a binding to a missing role.
pub(crate) fn is_reserved_role_name(name: &str) -> bool {
    name.starts_with("system:") || matches!(name, "cluster-admin" | "admin" | "edit" | "view")
}
