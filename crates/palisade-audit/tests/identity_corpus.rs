//! The identity-and-access audit rules against the labelled events of Panther's and Falco's
//! test suites (`../shared/corpus/audit-logs`): for each labelled case, the palisade rule that
//! covers the peer's detection must alert exactly where the peer does. Each event is judged
//! alone, as the peers' unit tests do, with the defaults (no cluster networks configured).
//! The corpus lives outside the repository (`PALISADE_CORPUS` overrides where); without it
//! these tests say so and pass.

use std::path::{Path, PathBuf};

use palisade_audit::{AuditConfig, Detector, EventReader, Limits, Principals};

fn audit_logs() -> Option<PathBuf> {
    let corpus = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    let path = corpus.join("audit-logs");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: the shared corpus's audit logs are absent (looked for {}); set PALISADE_CORPUS to run these tests",
            path.display()
        );
        None
    }
}

/// The rules that alert on each event of the file, each event judged by a fresh detector.
fn rules_per_event(file: &Path, config: &AuditConfig) -> Vec<Vec<String>> {
    EventReader::open(file, Limits::default())
        .map(|record| {
            let record = record.unwrap_or_else(|e| panic!("{e}"));
            let mut detector = Detector::new(config.clone());
            let mut alerts = Vec::new();
            detector.observe(&record, &mut alerts).unwrap();
            alerts.into_iter().map(|a| a.rule.into_owned()).collect()
        })
        .collect()
}

/// Checks one labelled file: `expected[i]` says whether the event on line i+1 alerts (the
/// peer's label), `rule` is the palisade rule that covers the peer's detection.
fn agree(root: &Path, file: &str, rule: &str, expected: &[bool], config: &AuditConfig) {
    let per_event = rules_per_event(&root.join(file), config);
    assert_eq!(per_event.len(), expected.len(), "events in {file}");
    for (index, (rules, &alert)) in per_event.iter().zip(expected).enumerate() {
        assert_eq!(
            rules.iter().any(|r| r == rule),
            alert,
            "{file}:{}: {rule} should {}alert (alerts: {rules:?})",
            index + 1,
            if alert { "" } else { "not " }
        );
    }
}

#[test]
fn panther_identity_and_access_detections() {
    let Some(logs) = audit_logs() else { return };
    let root = logs.join("panther-k8s-rules");
    let defaults = AuditConfig::default();
    let cases: [(&str, &str, &[bool]); 9] = [
        (
            "Kubernetes.API.AnonymousAccess.jsonl",
            "anonymous-request-allowed",
            &[true, false, false, false, false],
        ),
        // A service account's request refused from a public address: palisade reports the
        // token used outside the cluster; a single 403 alone is not repeated-access-denied.
        (
            "Kubernetes.API.Multiple403.PublicIP.jsonl",
            "service-account-token-outside-cluster",
            &[true],
        ),
        (
            "Kubernetes.BulkSecretAccess.jsonl",
            "unusual-secret-access",
            &[true, true, true, true, false, false, false],
        ),
        (
            "Kubernetes.Secret.AccessDenied.jsonl",
            "unusual-secret-access",
            &[true, true],
        ),
        (
            "Kubernetes.Secrets.DumpAllNamespaces.jsonl",
            "secrets-listed-cluster-wide",
            &[true],
        ),
        (
            "Kubernetes.ServiceAccount.TokenCreated.jsonl",
            "service-account-token-created",
            &[true],
        ),
        (
            "Kubernetes.ClientCertificate.Created.jsonl",
            "client-certificate-requested",
            &[true],
        ),
        (
            "Kubernetes.System.Principal.PublicIP.jsonl",
            "service-account-token-outside-cluster",
            &[true, false],
        ),
        // The node's TokenRequest of the same file is the kubelet's own.
        (
            "Kubernetes.System.Principal.PublicIP.jsonl",
            "service-account-token-created",
            &[false, false],
        ),
    ];
    for (file, rule, expected) in cases {
        agree(&root, file, rule, expected, &defaults);
    }
    // The single 403 is one refusal, below the threshold of repeated-access-denied.
    agree(
        &root,
        "Kubernetes.API.Multiple403.PublicIP.jsonl",
        "repeated-access-denied",
        &[false],
        &defaults,
    );
}

#[test]
fn falco_identity_and_access_rules() {
    let Some(logs) = audit_logs() else { return };
    let root = logs.join("falco-k8s-audit");
    let defaults = AuditConfig::default();
    // "Anonymous Request Allowed"
    agree(
        &root,
        "anonymous_creates_namespace_foo.json",
        "anonymous-request-allowed",
        &[true],
        &defaults,
    );
    agree(
        &root,
        "some-user_creates_namespace_foo.json",
        "anonymous-request-allowed",
        &[false],
        &defaults,
    );
    // "Disallowed K8s User", with Falco's default allowed users, then with some-user added
    // (tests user_outside_allowed_set and user_in_allowed_set).
    let falco_users = [
        "minikube",
        "minikube-user",
        "kubelet",
        "kops",
        "admin",
        "kube",
        "kube-proxy",
        "kubernetes-admin",
        "cluster-autoscaler",
    ];
    let restricted = AuditConfig {
        allowed_users: Some(Principals::new(falco_users).unwrap()),
        ..AuditConfig::default()
    };
    agree(
        &root,
        "some-user_creates_namespace_foo.json",
        "unexpected-user",
        &[true],
        &restricted,
    );
    agree(
        &root,
        "minikube_creates_namespace_foo.json",
        "unexpected-user",
        &[false],
        &restricted,
    );
    let with_some_user = AuditConfig {
        allowed_users: Some(Principals::new(falco_users.into_iter().chain(["some-user"])).unwrap()),
        ..AuditConfig::default()
    };
    agree(
        &root,
        "some-user_creates_namespace_foo.json",
        "unexpected-user",
        &[false],
        &with_some_user,
    );
    // The token controller filling in a legacy token Secret is the control plane's own work.
    agree(
        &root,
        "create_service_account_token_secret.json",
        "service-account-token-created",
        &[false],
        &defaults,
    );
}
