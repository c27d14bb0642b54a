//! `palisade audit rbac`: Roles and bindings from what a subject did, through the binary.

mod common;

use common::Workspace;

/// Two requests by alice (one allowed, one denied), one by bob, one broken line.
const LOG: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods","verb":"list","user":{"username":"alice","groups":["system:authenticated"]},"sourceIPs":["10.0.0.7"],"objectRef":{"resource":"pods","namespace":"shop","apiVersion":"v1"},"responseStatus":{"code":200}}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a2","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/shop/pods/web-1/log","verb":"get","user":{"username":"alice","groups":["system:authenticated"]},"sourceIPs":["10.0.0.7"],"objectRef":{"resource":"pods","namespace":"shop","name":"web-1","apiVersion":"v1","subresource":"log"},"responseStatus":{"code":403}}
{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"b1","stage":"ResponseComplete","requestURI":"/api/v1/nodes","verb":"list","user":{"username":"bob","groups":["system:authenticated"]},"sourceIPs":["10.0.0.8"],"objectRef":{"resource":"nodes","apiVersion":"v1"},"responseStatus":{"code":200}}
"#;

#[test]
fn the_subjects_requests_become_a_role_and_a_binding() {
    let work = Workspace::new();
    work.write("audit.log", LOG);
    let run = work.run(&["audit", "rbac", "--user", "alice", "audit.log"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let documents = palisade_load::parse_documents("out.yaml", &run.stdout).unwrap();
    assert_eq!(documents.len(), 2, "{}", run.stdout);
    assert_eq!(
        documents[0].get("kind").and_then(|k| k.as_str()),
        Some("Role")
    );
    assert!(run.stdout.contains("pods/log"), "{}", run.stdout);
    assert!(
        run.stdout.contains("web-1"),
        "the named object: {}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("nodes"),
        "bob's request is not alice's"
    );
    assert_eq!(
        documents[1].get("kind").and_then(|k| k.as_str()),
        Some("RoleBinding")
    );
}

#[test]
fn a_broken_line_is_said_and_the_rest_still_counts() {
    let work = Workspace::new();
    work.write(
        "audit.log",
        format!("{LOG}{{\"kind\":\"Event\",\"verb\":\n"),
    );
    let run = work.run(&["audit", "rbac", "--user", "alice", "audit.log"]);
    assert_eq!(run.code, 2, "never clean after unreadable input");
    assert!(run.stderr.contains("audit.log:4"), "{}", run.stderr);
    assert!(run.stdout.contains("kind: Role"), "{}", run.stdout);
}

#[test]
fn an_unknown_subject_is_an_error_not_empty_yaml() {
    let work = Workspace::new();
    work.write("audit.log", LOG);
    let run = work.run(&["audit", "rbac", "--user", "mallory", "audit.log"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("mallory"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let usage = work.run(&["audit", "rbac", "audit.log"]);
    assert_eq!(usage.code, 2);
}

#[test]
fn audit2rbacs_documented_output_for_alice() {
    let log = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/audit-logs/audit2rbac/demo.log");
    if !log.exists() {
        eprintln!("SKIPPED: ../shared/corpus is absent ({})", log.display());
        return;
    }
    let work = Workspace::new();
    let run = work.run(&["audit", "rbac", "--user", "alice", log.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    // EXPECTED.md: a Role audit2rbac:alice in ns1 with get/list/watch on configmaps, pods and
    // secrets, and its RoleBinding to User alice.
    for text in [
        "kind: Role\n",
        "name: audit2rbac:alice\n",
        "namespace: ns1\n",
        "  - configmaps\n  - pods\n  - secrets\n",
        "  - get\n  - list\n  - watch\n",
        "kind: RoleBinding\n",
        "  kind: User\n  name: alice\n",
    ] {
        assert!(run.stdout.contains(text), "{text:?} in\n{}", run.stdout);
    }
}
