//! RBAC from usage on audit2rbac's own demo log (`../shared/corpus/audit-logs/audit2rbac`):
//! alice must give exactly the Role and RoleBinding audit2rbac's README documents (see
//! EXPECTED.md there); bob and the service account `ns1:sa1` what audit2rbac's rules imply.
//! The corpus lives outside the repository (`PALISADE_CORPUS` overrides where); without it
//! these tests say so and pass.

use std::path::{Path, PathBuf};

use palisade_audit::rbac::{Options, Policy, PolicyRule, Subject, generate};
use palisade_audit::{Event, EventReader, Limits};
use serde_json::{Value, json};

fn demo_log() -> Option<PathBuf> {
    let corpus = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let path = corpus.join("audit-logs/audit2rbac/demo.log");
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: ../shared/corpus is absent (looked for {}); set PALISADE_CORPUS to run these tests",
            path.display()
        );
        None
    }
}

fn events(path: &Path) -> Vec<Event<'static>> {
    let events: Vec<Event<'static>> = EventReader::open(path, Limits::default())
        .map(|record| *record.unwrap_or_else(|e| panic!("{e}")).event)
        .collect();
    assert_eq!(events.len(), 37);
    events
}

fn policy(events: &[Event], subject: &Subject) -> Policy {
    generate(events, subject, &Options::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// The YAML parsed back by palisade's loader; it must equal the objects the policy holds.
fn parsed(policy: &Policy) -> Vec<Value> {
    let yaml = policy.to_yaml();
    let documents = palisade_load::parse_documents("rbac.yaml", &yaml)
        .unwrap_or_else(|e| panic!("invalid YAML ({e}):\n{yaml}"));
    let objects: Vec<Value> = documents.iter().map(|d| d.to_json()).collect();
    assert_eq!(objects, policy.to_json(), "{yaml}");
    objects
}

fn read_rule(resources: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: vec![String::new()],
        resources: resources.iter().map(|r| r.to_string()).collect(),
        verbs: vec!["get".into(), "list".into(), "watch".into()],
        ..PolicyRule::default()
    }
}

/// audit2rbac's README, "Inspect the output" (quoted in EXPECTED.md as facts).
const ALICE_README_YAML: &str = r#"apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  labels:
    audit2rbac.liggitt.net/generated: "true"
    audit2rbac.liggitt.net/user: alice
  name: audit2rbac:alice
  namespace: ns1
rules:
- apiGroups:
  - ""
  resources:
  - configmaps
  - pods
  - secrets
  verbs:
  - get
  - list
  - watch
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  labels:
    audit2rbac.liggitt.net/generated: "true"
    audit2rbac.liggitt.net/user: alice
  name: audit2rbac:alice
  namespace: ns1
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: audit2rbac:alice
subjects:
- apiGroup: rbac.authorization.k8s.io
  kind: User
  name: alice
"#;

#[test]
fn alice_gives_the_documented_role_and_binding() {
    let Some(path) = demo_log() else { return };
    let events = events(&path);
    let alice = Subject::user("alice").unwrap();
    let policy = policy(&events, &alice);
    // Three denied lists in ns1 (configmaps, pods, secrets): denied requests count.
    assert_eq!((policy.events, policy.requests), (3, 3));
    assert!(policy.cluster_roles.is_empty() && policy.cluster_role_bindings.is_empty());
    assert_eq!(policy.skipped_total, 0);

    let objects = parsed(&policy);
    assert_eq!(objects.len(), 2);
    let labels = json!({
        "audit2rbac.liggitt.net/generated": "true",
        "audit2rbac.liggitt.net/user": "alice",
    });
    // EXPECTED.md: a Role named audit2rbac:alice in ns1 with one rule: apiGroups "",
    // resources configmaps, pods, secrets, verbs get, list, watch …
    let role = &objects[0];
    assert_eq!(role["apiVersion"], "rbac.authorization.k8s.io/v1");
    assert_eq!(role["kind"], "Role");
    assert_eq!(role["metadata"]["name"], "audit2rbac:alice");
    assert_eq!(role["metadata"]["namespace"], "ns1");
    assert_eq!(role["metadata"]["labels"], labels);
    assert_eq!(role["rules"].as_array().map(Vec::len), Some(1));
    assert_eq!(role["rules"][0]["apiGroups"], json!([""]));
    assert_eq!(
        role["rules"][0]["resources"],
        json!(["configmaps", "pods", "secrets"])
    );
    assert_eq!(role["rules"][0]["verbs"], json!(["get", "list", "watch"]));
    assert!(role["rules"][0].get("resourceNames").is_none());
    assert!(role["rules"][0].get("nonResourceURLs").is_none());
    // … and a RoleBinding audit2rbac:alice in ns1 binding that Role to User alice, both
    // labelled audit2rbac.liggitt.net/generated: "true" and audit2rbac.liggitt.net/user: alice.
    let binding = &objects[1];
    assert_eq!(binding["apiVersion"], "rbac.authorization.k8s.io/v1");
    assert_eq!(binding["kind"], "RoleBinding");
    assert_eq!(binding["metadata"]["name"], "audit2rbac:alice");
    assert_eq!(binding["metadata"]["namespace"], "ns1");
    assert_eq!(binding["metadata"]["labels"], labels);
    assert_eq!(
        binding["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "audit2rbac:alice"})
    );
    assert_eq!(
        binding["subjects"],
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}])
    );
    // The text itself is the README's, byte for byte.
    assert_eq!(policy.to_yaml(), ALICE_README_YAML);
}

#[test]
fn bob_gets_a_cluster_role_for_pods_and_nodes() {
    let Some(path) = demo_log() else { return };
    let events = events(&path);
    let bob = Subject::user("bob").unwrap();
    let policy = policy(&events, &bob);
    // 29 events, all impersonated by system:admin: 23 discovery GETs, 5 lists of pods
    // (default ×4, ns1 ×1), 1 list of nodes.
    assert_eq!((policy.events, policy.requests), (29, 29));
    // Why this shape, by audit2rbac's rules:
    // - The 23 GETs of /api, /api/v1, /apis and /apis/<group>/<version> are non-resource
    //   requests already allowed by system:discovery (`/api*`) for bob, who is in
    //   system:authenticated: they give no rule, hence no nonResourceURLs.
    // - list nodes is cluster-scoped: a ClusterRole rule, widened to get, list, watch.
    // - list pods was seen in default and in ns1: the same operation in two namespaces
    //   expands to every namespace, so it too goes to the ClusterRole, and no Role is left.
    // - Both rules agree on group and verbs: compacted into one rule.
    assert!(policy.roles.is_empty() && policy.role_bindings.is_empty());
    assert_eq!(policy.cluster_roles.len(), 1);
    assert_eq!(
        policy.cluster_roles[0].rules,
        [read_rule(&["nodes", "pods"])]
    );

    let objects = parsed(&policy);
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["kind"], "ClusterRole");
    assert_eq!(objects[0]["metadata"]["name"], "audit2rbac:bob");
    assert!(objects[0]["metadata"].get("namespace").is_none());
    assert_eq!(objects[1]["kind"], "ClusterRoleBinding");
    assert_eq!(
        objects[1]["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "audit2rbac:bob"})
    );
    assert_eq!(
        objects[1]["subjects"],
        json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "bob"}])
    );

    // Without the discovery shortcut, the discovery GETs are granted as nonResourceURLs.
    let every_request = Options {
        omit_discovery: false,
        ..Options::default()
    };
    let policy = generate(&events, &bob, &every_request).unwrap();
    let rules = &policy.cluster_roles[0].rules;
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0], read_rule(&["nodes", "pods"]));
    assert_eq!(rules[1].verbs, ["get"]);
    assert_eq!(rules[1].non_resource_urls.len(), 23);
    assert!(
        rules[1]
            .non_resource_urls
            .contains(&"/apis/batch/v1".to_string())
    );
    parsed(&policy);
}

#[test]
fn service_account_sa1_gets_a_cluster_role_binding() {
    let Some(path) = demo_log() else { return };
    let events = events(&path);
    let sa1 = Subject::service_account("ns1:sa1").unwrap();
    let policy = policy(&events, &sa1);
    // 5 events by system:serviceaccount:ns1:sa1: list pods in default ×2, list nodes, list
    // pods across all namespaces ×2 (one denied, one allowed).
    assert_eq!((policy.events, policy.requests), (5, 5));
    // By audit2rbac's rules: list pods of all namespaces has no namespace, so it is a
    // ClusterRole rule (get, list, watch pods); it already allows the lists in default, which
    // are skipped; list nodes is cluster-scoped. One compacted rule, bound cluster-wide to the
    // ServiceAccount sa1 in ns1 (a ServiceAccount subject has a namespace and no apiGroup).
    assert!(policy.roles.is_empty());
    assert_eq!(
        policy.cluster_roles[0].rules,
        [read_rule(&["nodes", "pods"])]
    );

    let objects = parsed(&policy);
    assert_eq!(objects.len(), 2);
    // audit2rbac's default name is audit2rbac:${user} with the full user name, sanitised
    // (letters, digits and ':' kept); the user label keeps letters and digits only.
    let name = "audit2rbac:system:serviceaccount:ns1:sa1";
    assert_eq!(objects[0]["kind"], "ClusterRole");
    assert_eq!(objects[0]["metadata"]["name"], name);
    assert_eq!(
        objects[0]["metadata"]["labels"],
        json!({
            "audit2rbac.liggitt.net/generated": "true",
            "audit2rbac.liggitt.net/user": "system-serviceaccount-ns1-sa1",
        })
    );
    assert_eq!(objects[1]["kind"], "ClusterRoleBinding");
    assert_eq!(
        objects[1]["roleRef"],
        json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name})
    );
    assert_eq!(
        objects[1]["subjects"],
        json!([{"kind": "ServiceAccount", "name": "sa1", "namespace": "ns1"}])
    );
    // --user with the service account's user name is the same subject.
    let by_user = Subject::user("system:serviceaccount:ns1:sa1").unwrap();
    assert_eq!(generate(&events, &by_user, &Options::default()), Ok(policy));
}

#[test]
fn nobody_is_an_error_not_empty_yaml() {
    let Some(path) = demo_log() else { return };
    let events = events(&path);
    let error = generate(
        &events,
        &Subject::user("mallory").unwrap(),
        &Options::default(),
    )
    .unwrap_err();
    assert_eq!(error.to_string(), "no audit events matched user mallory");
    // system:admin authenticated every impersonated request, but acted as someone else.
    let admin = Subject::user("system:admin").unwrap();
    assert!(generate(&events, &admin, &Options::default()).is_err());
}
