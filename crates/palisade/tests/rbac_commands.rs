//! `palisade who-can` and `palisade access`, through the binary: who may do what, and through
//! which binding and role rule (with file:line), as a table and as JSON.

mod common;

use common::Workspace;
use serde_json::Value;

/// A Role and a ClusterRole that joins the built-in `edit` through aggregation, their bindings,
/// and a ClusterRoleBinding of `view` (built in, not in the file). Line numbers matter: the
/// Role's rule is at line 7, its RoleBinding starts at line 12.
const RBAC: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: secret-reader
  namespace: shop
rules:
  - apiGroups: [\"\"]
    resources: [\"secrets\"]
    verbs: [\"get\", \"list\"]
    resourceNames: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: ci-reads-secrets
  namespace: shop
subjects:
  - kind: ServiceAccount
    name: ci
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: secret-reader
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: widgets-editor
  labels:
    rbac.authorization.k8s.io/aggregate-to-edit: \"true\"
rules:
  - apiGroups: [\"example.com\"]
    resources: [\"widgets\"]
    verbs: [\"create\", \"delete\"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: developers-edit
  namespace: shop
subjects:
  - kind: Group
    name: developers
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: edit
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: auditors-view
subjects:
  - kind: User
    name: alice
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: view
";

fn workspace() -> Workspace {
    let work = Workspace::new();
    work.write("rbac.yaml", RBAC);
    work
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"))
}

fn subjects(answer: &Value) -> Vec<String> {
    answer["subjects"]
        .as_array()
        .expect("subjects")
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s["kind"].as_str().unwrap(),
                s["name"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn who_can_names_subjects_bindings_and_rule_lines() {
    let work = workspace();
    let run = work.run(&["who-can", "get", "secrets", "-n", "shop", "rbac.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // The ServiceAccount through its Role, the developers through the built-in edit role.
    assert!(
        run.stdout.contains("ServiceAccount shop/ci"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("RoleBinding shop/ci-reads-secrets (rbac.yaml:12)")
    );
    assert!(
        run.stdout
            .contains("Role shop/secret-reader rule 0 (rbac.yaml:7)")
    );
    assert!(run.stdout.contains("Group developers"));
    assert!(run.stdout.contains("system:aggregate-to-edit (built in)"));
    assert!(run.stdout.contains("Group system:masters"));
    // view does not read Secrets.
    assert!(!run.stdout.contains("User alice"), "{}", run.stdout);

    let elsewhere = work.run(&["who-can", "get", "secrets", "-n", "other", "rbac.yaml"]);
    assert!(
        !elsewhere.stdout.contains("shop/ci"),
        "{}",
        elsewhere.stdout
    );
}

#[test]
fn who_can_follows_aggregation_subresources_and_names_as_json() {
    let work = workspace();
    let run = work.run(&[
        "who-can",
        "create",
        "widgets.example.com",
        "rbac.yaml",
        "-o",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let answer = json(&run.stdout);
    assert_eq!(subjects(&answer), vec!["Group developers"]);
    let rule = &answer["subjects"][0]["rules"][0];
    assert_eq!(rule["role"]["name"], "widgets-editor");
    assert_eq!(rule["location"], "rbac.yaml:32");
    assert_eq!(answer["subjects"][0]["grant"]["namespace"], "shop");

    // pods/exec: a subresource, written either way; edit grants it, view does not.
    let exec = json(
        &work
            .run(&["who-can", "create", "pods/exec", "rbac.yaml", "-o", "json"])
            .stdout,
    );
    assert_eq!(subjects(&exec), vec!["Group developers"]);
    let exec2 = json(
        &work
            .run(&[
                "who-can",
                "create",
                "pods",
                "--subresource",
                "exec",
                "rbac.yaml",
                "-o",
                "json",
            ])
            .stdout,
    );
    assert_eq!(exec2["subjects"], exec["subjects"]);

    // resourceNames: the Role lists none, so any name is allowed; a short name works too.
    let named = json(
        &work
            .run(&[
                "who-can",
                "get",
                "secret",
                "--name",
                "db",
                "-n",
                "shop",
                "rbac.yaml",
                "-o",
                "json",
            ])
            .stdout,
    );
    assert_eq!(named["resource"], "secrets");
    assert!(subjects(&named).contains(&"ServiceAccount ci".to_string()));

    // Cluster-scoped: only ClusterRoleBindings count; view does not list nodes.
    let nodes = json(
        &work
            .run(&["who-can", "list", "nodes", "rbac.yaml", "-o", "json"])
            .stdout,
    );
    assert_eq!(nodes["namespaced"], false);
    assert!(subjects(&nodes).is_empty(), "{nodes}");
}

#[test]
fn access_lists_a_subjects_rights_by_scope() {
    let work = workspace();
    let run = work.run(&["access", "serviceaccount:shop:ci", "rbac.yaml"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("namespace shop"), "{}", run.stdout);
    assert!(run.stdout.contains("get,list"));
    assert!(run.stdout.contains("secrets"));
    assert!(
        run.stdout
            .contains("RoleBinding shop/ci-reads-secrets (rbac.yaml:12)")
    );

    let alice = json(
        &work
            .run(&["access", "user:alice", "rbac.yaml", "-o", "json"])
            .stdout,
    );
    let rights = alice["rights"].as_array().expect("rights");
    assert!(!rights.is_empty());
    assert!(rights.iter().all(|r| r["grant"]["scope"] == "cluster"));
    assert!(
        rights
            .iter()
            .all(|r| r["binding"]["name"] == "auditors-view")
    );
    assert!(
        rights.iter().all(|r| r["rule"]["verbs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v != "create")),
        "view only reads"
    );

    let system = json(
        &work
            .run(&[
                "access",
                "system:serviceaccount:shop:ci",
                "rbac.yaml",
                "-o",
                "json",
            ])
            .stdout,
    );
    assert_eq!(system["subject"], "ServiceAccount shop/ci");
    assert_eq!(system["rights"].as_array().unwrap().len(), 1);

    let nobody = work.run(&["access", "group:strangers", "rbac.yaml"]);
    assert_eq!(nobody.code, 0);
    assert!(
        nobody
            .stdout
            .contains("No binding in the input grants it anything.")
    );

    let masters = json(
        &work
            .run(&["access", "group:system:masters", "rbac.yaml", "-o", "json"])
            .stdout,
    );
    assert_eq!(masters["bypassesAuthorization"], true);
}

#[test]
fn bad_subjects_and_unreadable_inputs_exit_2() {
    let work = workspace();
    let bad = work.run(&["access", "alice", "rbac.yaml"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("user:NAME"), "{}", bad.stderr);

    work.write(
        "broken.yaml",
        "kind: Role\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: x\n",
    );
    let broken = work.run(&["who-can", "get", "pods", "rbac.yaml", "broken.yaml"]);
    assert_eq!(broken.code, 2, "{}", broken.stdout);
    assert!(broken.stderr.contains("broken.yaml"), "{}", broken.stderr);
    // The answer from what could be read is still printed.
    assert!(
        broken.stdout.contains("Group developers"),
        "{}",
        broken.stdout
    );

    let missing = work.run(&["who-can", "get", "pods"]);
    assert_eq!(missing.code, 2, "a PATH is required");
}
