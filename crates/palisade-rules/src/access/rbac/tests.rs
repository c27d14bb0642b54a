use palisade_model::Inventory;

use super::policy::{Request, ResourceRequest};
use super::query::{WhoCanQuestion, access, who_can};
use super::*;

fn inventory(yaml: &str) -> Inventory {
    let loaded = palisade_load::load_str("rbac.yaml", yaml);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Inventory::from_objects(loaded.objects)
}

fn role_id(rbac: &Rbac, kind: RoleKind, name: &str) -> RoleId {
    rbac.roles
        .iter()
        .position(|role| role.kind == kind && role.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn get(resource: &str) -> Request<'_> {
    Request::Resource(ResourceRequest {
        verb: "get",
        group: Some(""),
        resource,
        subresource: None,
        name: None,
    })
}

fn allows(rbac: &Rbac, role: RoleId, request: &Request) -> bool {
    rbac.effective_rules_of(role)
        .iter()
        .any(|rule| rbac.rule(*rule).allows(request))
}

const AGGREGATES: &str = "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: top}
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: {tier: middle}
rules:
  - {apiGroups: [''], resources: [pods], verbs: [get]}
  - {apiGroups: [''], resources: [leftover], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: middle, labels: {tier: middle}}
aggregationRule:
  clusterRoleSelectors:
    - matchExpressions: [{key: tier, operator: In, values: [bottom]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: bottom, labels: {tier: bottom}}
rules:
  - {apiGroups: [''], resources: [pods], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: extra, labels: {rbac.authorization.k8s.io/aggregate-to-view: 'true'}}
rules:
  - {apiGroups: [example.com], resources: [widgets], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: top-to-ops}
subjects: [{kind: Group, name: ops}]
roleRef: {kind: ClusterRole, name: top, apiGroup: rbac.authorization.k8s.io}
";

#[test]
fn aggregation_is_transitive_and_points_at_the_source_rule() {
    let inventory = inventory(AGGREGATES);
    let rbac = Rbac::build(&inventory);
    let top = role_id(&rbac, RoleKind::ClusterRole, "top");
    let bottom = role_id(&rbac, RoleKind::ClusterRole, "bottom");
    let rules = rbac.effective_rules_of(top);
    // The copy of bottom's rule in top's own `rules` gives way to the source; the rule found
    // in no aggregated role stays.
    assert!(rules.contains(&RuleRef {
        role: bottom,
        index: 0
    }));
    assert!(!rules.contains(&RuleRef {
        role: top,
        index: 0
    }));
    assert!(rules.contains(&RuleRef {
        role: top,
        index: 1
    }));
    assert_eq!(rbac.bindings_granting(bottom), vec![0]);
    let mut expected = [top, role_id(&rbac, RoleKind::ClusterRole, "middle")];
    expected.sort_unstable();
    assert_eq!(rbac.aggregated_into(bottom), &expected[..]);
}

#[test]
fn input_roles_join_the_built_in_user_facing_roles() {
    let inventory = inventory(AGGREGATES);
    let rbac = Rbac::build(&inventory);
    let widgets = Request::Resource(ResourceRequest {
        verb: "get",
        group: Some("example.com"),
        resource: "widgets",
        subresource: None,
        name: None,
    });
    for name in ["view", "edit", "admin"] {
        let role = role_id(&rbac, RoleKind::ClusterRole, name);
        assert!(rbac.roles[role].object.is_none() && rbac.roles[role].shipped);
        assert!(allows(&rbac, role, &widgets), "{name}");
        assert!(allows(&rbac, role, &get("configmaps")), "{name}");
    }
    let view = role_id(&rbac, RoleKind::ClusterRole, "view");
    let edit = role_id(&rbac, RoleKind::ClusterRole, "edit");
    assert!(!allows(&rbac, view, &get("secrets")));
    assert!(allows(&rbac, edit, &get("secrets")));
    let cluster_admin = role_id(&rbac, RoleKind::ClusterRole, "cluster-admin");
    assert!(allows(
        &rbac,
        cluster_admin,
        &Request::NonResource {
            verb: "get",
            path: "/metrics"
        }
    ));
}

#[test]
fn aggregation_cycles_terminate() {
    let inventory = inventory(
        "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: a, labels: {x: a}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: b}}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: b, labels: {x: b}}
aggregationRule: {clusterRoleSelectors: [{matchLabels: {x: a}}, {matchLabels: {x: c}}, null, {matchLabels: {x: [1]}}]}
rules: [{apiGroups: [''], resources: [nodes], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: c, labels: {x: c}}
rules: [{apiGroups: [''], resources: [pods], verbs: [get]}]
",
    );
    let rbac = Rbac::build(&inventory);
    let a = role_id(&rbac, RoleKind::ClusterRole, "a");
    let b = role_id(&rbac, RoleKind::ClusterRole, "b");
    assert!(allows(&rbac, b, &get("pods")));
    assert!(allows(&rbac, a, &get("pods")));
}

#[test]
fn bindings_resolve_with_kubernetes_scoping() {
    let inventory = inventory(
        "
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader, namespace: shop}
rules: [{apiGroups: [''], resources: [pods, nodes], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: here, namespace: shop}
subjects: [{kind: ServiceAccount, name: app}, {kind: Robot, name: r2}, {kind: User, name: ''}]
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: elsewhere, namespace: other}
subjects: [{kind: User, name: bob}]
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: invalid}
subjects: [{kind: User, name: carol}]
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: floating}
subjects: [{kind: User, name: dave}]
roleRef: {kind: Role, name: reader, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: example.com/v1
kind: RoleBinding
metadata: {name: not-rbac, namespace: shop}
roleRef: {kind: Role, name: reader}
",
    );
    let rbac = Rbac::build(&inventory);
    assert_eq!(rbac.bindings.len(), 4, "the example.com object is not RBAC");
    let by_name = |name: &str| {
        rbac.bindings
            .iter()
            .find(|b| b.object.name == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let here = by_name("here");
    assert!(here.role.is_ok());
    assert_eq!(here.subjects.len(), 1);
    assert_eq!(here.subjects[0].namespace, Some("shop"));
    assert_eq!(by_name("elsewhere").role, Err(Unresolved::Missing));
    assert_eq!(by_name("invalid").role, Err(Unresolved::Invalid));
    assert!(by_name("floating").role.is_ok());

    // A Role grants namespaced resources of its namespace only.
    let question = |resource: &str, namespace: Option<&str>| WhoCanQuestion {
        verb: "get".into(),
        resource: resource.into(),
        subresource: None,
        name: None,
        namespace: namespace.map(str::to_string),
    };
    let holders = |resource: &str, namespace: Option<&str>| -> Vec<String> {
        who_can(&rbac, &question(resource, namespace))
            .holders
            .iter()
            .map(|h| h.subject_name.clone())
            .collect()
    };
    assert_eq!(holders("pods", Some("shop")), vec!["app", "dave"]);
    assert!(holders("pods", Some("kube-system")).contains(&"dave".to_string()));
    assert!(!holders("pods", Some("kube-system")).contains(&"app".to_string()));
    assert!(holders("nodes", None).is_empty());

    let sa = Principal::parse("serviceaccount:shop:app").unwrap();
    let rights = access(&rbac, &sa).rights;
    assert_eq!(rights.len(), 1);
    assert_eq!(
        rights[0].rule.resources,
        vec!["pods"],
        "nodes is not granted"
    );
}

#[test]
fn shipped_objects_and_dumps_are_recognised() {
    let inventory = inventory(
        "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
rules: [{apiGroups: ['*'], resources: ['*'], verbs: ['*']}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: 'system:controller:x'}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mine}
",
    );
    let rbac = Rbac::build(&inventory);
    assert!(rbac.is_cluster_dump);
    let shipped: Vec<bool> = ["cluster-admin", "system:controller:x", "mine"]
        .iter()
        .map(|name| rbac.roles[role_id(&rbac, RoleKind::ClusterRole, name)].shipped)
        .collect();
    assert_eq!(shipped, vec![true, true, false]);
    // The input's cluster-admin replaces the built-in one.
    assert_eq!(
        rbac.roles
            .iter()
            .filter(|role| role.name == "cluster-admin")
            .count(),
        1
    );
}

#[test]
fn hostile_shapes_grant_nothing() {
    let inventory = inventory(
        "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: odd}
rules: [7, {verbs: get, resources: [pods]}, {verbs: [get], apiGroups: [''], resources: [pods, 3]}]
aggregationRule: 5
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: odd}
subjects: {kind: User, name: x}
roleRef: [1]
",
    );
    let rbac = Rbac::build(&inventory);
    let odd = role_id(&rbac, RoleKind::ClusterRole, "odd");
    assert_eq!(rbac.roles[odd].rules.len(), 3);
    assert!(
        allows(&rbac, odd, &get("pods")),
        "the well-formed rule counts"
    );
    assert_eq!(rbac.bindings[0].role, Err(Unresolved::Invalid));
    assert!(rbac.bindings[0].subjects.is_empty());
}

#[test]
fn access_through_a_role_binding_leaves_out_cluster_scoped_resources() {
    let inventory = inventory(
        "
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: mixed}
rules:
  - {apiGroups: ['*'], resources: [nodes, pods], verbs: [get]}
  - {apiGroups: ['*'], resources: [persistentvolumes], verbs: [get]}
  - {nonResourceURLs: [/metrics], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: here, namespace: shop}
subjects: [{kind: User, name: ann}]
roleRef: {kind: ClusterRole, name: mixed, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: everywhere}
subjects: [{kind: User, name: ben}]
roleRef: {kind: ClusterRole, name: mixed, apiGroup: rbac.authorization.k8s.io}
",
    );
    let rbac = Rbac::build(&inventory);
    let ann = access(&rbac, &Principal::parse("user:ann").unwrap()).rights;
    assert_eq!(ann.len(), 1, "only the pods rule is in effect");
    assert_eq!(ann[0].rule.resources, vec!["pods"]);
    let ben = access(&rbac, &Principal::parse("user:ben").unwrap()).rights;
    assert_eq!(ben.len(), 3);
    assert_eq!(ben[2].rule.non_resource_urls, vec!["/metrics"]);
}
