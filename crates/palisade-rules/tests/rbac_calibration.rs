//! Calibration of the RBAC analysis against two peers' labelled fixtures in the shared corpus
//! (`../shared/corpus/rbac`, read in place and never copied; the tests skip, saying so, when
//! it is absent):
//!
//! - **kubescape** (`kubescape-rbac/expected.json`): each upstream unit-test case of a
//!   regolibrary RBAC rule, with the number of alerts upstream expects. palisade runs all its
//!   rules on the case's inputs; its verdict is "fails" when a rule mapped to that kubescape
//!   rule has a finding. Verdicts are compared, not messages or counts.
//! - **rbac-tool** (`rbac-tool/whocan/*.yaml`): each file's `# Run:` `who-can` queries and the
//!   subjects its `# Expect:` block lists; palisade's `who-can` answer, filtered by the same
//!   `grep` pattern, must list exactly those subjects (plus `system:masters`, which palisade
//!   reports separately as always allowed).
//!
//! Every disagreement is listed below with the reason palisade stands by its answer; a
//! disagreement not listed, or a listed one that no longer happens, fails the test.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use palisade_model::Inventory;
use palisade_rules::access::rbac::Rbac;
use palisade_rules::access::rbac::query::{WhoCanQuestion, who_can};
use palisade_rules::{Config, check};
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/rbac");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: the RBAC corpus is not at {} (../shared/corpus/rbac from the repository)",
            dir.display()
        );
        None
    }
}

/// kubescape rule → the palisade rules that answer the same question.
const MAPPING: &[(&str, &[&str])] = &[
    ("rule-can-access-proxy-subresource", &["rbac-node-proxy"]),
    (
        "rule-can-approve-cert-signing-request",
        &["rbac-csr-approval"],
    ),
    ("rule-can-bind-escalate", &["rbac-escalate-or-bind"]),
    ("rule-can-create-pod", &["rbac-workload-creation"]),
    ("rule-can-create-pv", &["rbac-persistent-volume-creation"]),
    (
        "rule-can-create-service-account-token",
        &["rbac-token-creation"],
    ),
    ("rule-can-delete-k8s-events-v1", &["rbac-event-deletion"]),
    (
        "rule-can-impersonate-users-groups-v1",
        &["rbac-impersonation"],
    ),
    ("rule-can-list-get-secrets-v1", &["rbac-secret-read"]),
    (
        "rule-can-modify-admission-webhooks",
        &["rbac-webhook-configuration"],
    ),
    ("rule-can-portforward-v1", &["rbac-pod-port-forward"]),
    (
        "rule-can-update-configmap-v1",
        &["rbac-kube-system-configmap-write"],
    ),
    (
        "rule-list-all-cluster-admins-v1",
        &["rbac-cluster-admin-to-individual", "rbac-wildcard"],
    ),
    ("cluster-admin-role", &["rbac-cluster-admin-to-individual"]),
    ("anonymous-access-enabled", &["rbac-binding-to-everyone"]),
    (
        "ensure-default-service-accounts-has-only-default-roles",
        &["default-service-account"],
    ),
    ("role-in-default-namespace", &["default-namespace"]),
    ("rolebinding-in-default-namespace", &["default-namespace"]),
];

/// kubescape rules palisade does not answer (and why).
const NOT_COMPARED: &[(&str, &str)] = &[
    (
        "rule-can-ssh-to-pod-v1",
        "not RBAC: kubescape flags a Service exposing port 22 or 2222 of a pod; palisade's ssh-port judges the container ports",
    ),
    (
        "workload-with-administrative-roles",
        "a per-workload verdict (the pod's ServiceAccount is admin-equivalent); palisade reports the grant on the binding (rbac-cluster-admin-to-individual, rbac-wildcard), not on each pod",
    ),
    (
        "workload-with-cluster-takeover-roles",
        "a per-workload verdict; palisade reports the takeover rights on the bindings that grant them (rbac-secret-read, rbac-workload-creation, ...)",
    ),
];

/// (kubescape rule, case, why palisade's verdict differs).
const KUBESCAPE_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "rule-can-access-proxy-subresource",
        "role-rolebinding",
        "a Role grants only namespaced resources of its namespace; nodes/proxy is cluster-scoped, so the Role (and its RoleBinding) grants nothing (Kubernetes RBAC authorizer: a request for a cluster-scoped resource is checked against ClusterRoleBindings only)",
    ),
    (
        "rule-can-approve-cert-signing-request",
        "role-rolebinding",
        "a Role grants only namespaced resources of its namespace; certificatesigningrequests/approval is cluster-scoped, so the Role (and its RoleBinding) grants nothing (Kubernetes RBAC authorizer: a request for a cluster-scoped resource is checked against ClusterRoleBindings only)",
    ),
    (
        "rule-can-bind-escalate",
        "role-rolebinding",
        "a Role grants only namespaced resources of its namespace; clusterroles (the Role's only resource) is cluster-scoped, so the Role (and its RoleBinding) grants nothing (Kubernetes RBAC authorizer: a request for a cluster-scoped resource is checked against ClusterRoleBindings only)",
    ),
    (
        "rule-can-create-pv",
        "role-rolebinding",
        "a Role grants only namespaced resources of its namespace; persistentvolumes is cluster-scoped, so the Role (and its RoleBinding) grants nothing (Kubernetes RBAC authorizer: a request for a cluster-scoped resource is checked against ClusterRoleBindings only)",
    ),
    (
        "rule-can-modify-admission-webhooks",
        "role-rolebinding",
        "a Role grants only namespaced resources of its namespace; each webhook configuration is cluster-scoped, so the Role (and its RoleBinding) grants nothing (Kubernetes RBAC authorizer: a request for a cluster-scoped resource is checked against ClusterRoleBindings only)",
    ),
    (
        "rule-can-portforward-v1",
        "clusterrole-clusterrolebinding",
        "the role lists `pods/*`, which Kubernetes does not read as a pattern (only `*` and `*/subresource` are wildcards), so it does not grant pods/portforward",
    ),
    (
        "cluster-admin-role",
        "clusterrole-clusterrolebinding",
        "cluster-admin bound to Groups is what palisade recommends (an admin group, even for one admin); rbac-cluster-admin-to-individual reports Users and ServiceAccounts only",
    ),
    (
        "anonymous-access-enabled",
        "fail",
        "the binding is Kubernetes' own system:public-info-viewer, which gives everyone only GET of /healthz, /livez, /readyz and /version; palisade reports bindings to everyone only when they give more than discovery",
    ),
    (
        "ensure-default-service-accounts-has-only-default-roles",
        "passed_rolebinding_one_subject",
        "kubescape trusts the label kubernetes.io/bootstrapping: rbac-defaults on the binding; Kubernetes' bootstrap policy never binds a namespace's default ServiceAccount, so default-service-account judges the grant whatever the label says",
    ),
    (
        "rule-can-approve-cert-signing-request",
        "clusterrole-rolebinding",
        "approving a CSR takes both `update` on certificatesigningrequests/approval and `approve` on a signer; the role has only the first, and a RoleBinding cannot grant either (both are cluster-scoped)",
    ),
    (
        "cluster-admin-role",
        "clusterrole-rolebinding",
        "kubescape's C-0185 looks at ClusterRoleBindings only; this RoleBinding gives User jane cluster-admin (which the API server restores to every right whatever the input's copy lists) over kube-system, whose ServiceAccount tokens and Secrets are the cluster's",
    ),
    (
        "rule-can-delete-k8s-events-v1",
        "role-rolebinding",
        "the Role grants every verb on every resource of its namespace: palisade reports such a grant once, as admin-equivalent (rbac-cluster-admin-to-individual on the binding, rbac-wildcard on the rule line, both of which fire here), not again under each right it includes",
    ),
    (
        "rule-can-impersonate-users-groups-v1",
        "role-rolebinding",
        "as rule-can-delete-k8s-events-v1/role-rolebinding: a grant of every right in the namespace is reported once, as admin-equivalent",
    ),
];

struct Case {
    rule: String,
    case: String,
    inputs: Vec<PathBuf>,
    expected_fail: bool,
}

fn kubescape_cases(root: &Path) -> Vec<Case> {
    let dir = root.join("kubescape-rbac");
    let text = std::fs::read_to_string(dir.join("expected.json")).expect("expected.json");
    let expected: Value = serde_json::from_str(&text).expect("expected.json is JSON");
    let mut cases = Vec::new();
    for rule in expected["rules"].as_array().expect("rules") {
        let name = rule["rule"].as_str().expect("rule name");
        for case in rule["cases"].as_array().expect("cases") {
            cases.push(Case {
                rule: name.to_string(),
                case: case["case"].as_str().expect("case").to_string(),
                inputs: case["inputs"]
                    .as_array()
                    .expect("inputs")
                    .iter()
                    .map(|input| dir.join(name).join(input.as_str().expect("input path")))
                    .collect(),
                expected_fail: case["expected_alert_count"].as_u64().expect("count") > 0,
            });
        }
    }
    cases
}

fn load(files: &[PathBuf]) -> Inventory {
    let mut objects = Vec::new();
    for file in files {
        let text =
            std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().to_string();
        let loaded = palisade_load::load_str(&name, &text);
        assert!(
            loaded.errors.is_empty(),
            "{}: {:?}",
            file.display(),
            loaded.errors
        );
        objects.extend(loaded.objects);
    }
    Inventory::from_objects(objects)
}

#[test]
fn kubescape_rbac_fixtures() {
    let Some(root) = corpus() else { return };
    let mut compared = 0;
    let mut agreed = 0;
    let mut unexplained = Vec::new();
    let mut seen_disagreements = BTreeSet::new();
    for case in kubescape_cases(&root) {
        let Some((_, rules)) = MAPPING.iter().find(|(rule, _)| *rule == case.rule) else {
            assert!(
                NOT_COMPARED.iter().any(|(rule, _)| *rule == case.rule),
                "{} is neither mapped nor listed as not compared",
                case.rule
            );
            continue;
        };
        let inventory = load(&case.inputs);
        let outcome = check(&inventory, &Config::default());
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        let fired: Vec<String> = outcome
            .findings
            .iter()
            .filter(|finding| rules.contains(&finding.rule.as_ref()))
            .map(|finding| format!("{} {} {}", finding.rule, finding.object, finding.path))
            .collect();
        let palisade_fails = !fired.is_empty();
        compared += 1;
        if palisade_fails == case.expected_fail {
            agreed += 1;
            continue;
        }
        let key = (case.rule.clone(), case.case.clone());
        match KUBESCAPE_DISAGREEMENTS
            .iter()
            .find(|(rule, name, _)| *rule == case.rule && *name == case.case)
        {
            Some(_) => {
                seen_disagreements.insert(key);
            }
            None => unexplained.push(format!(
                "{}/{}: kubescape {}, palisade {} {fired:?}",
                case.rule,
                case.case,
                if case.expected_fail {
                    "fails"
                } else {
                    "passes"
                },
                if palisade_fails { "fails" } else { "passes" },
            )),
        }
    }
    println!("kubescape-rbac: agreed {agreed}/{compared}");
    assert!(compared >= 40, "only {compared} cases compared");
    for (rule, case, why) in KUBESCAPE_DISAGREEMENTS {
        println!("  disagreement {rule}/{case}: {why}");
    }
    let stale: Vec<String> = KUBESCAPE_DISAGREEMENTS
        .iter()
        .filter(|(rule, case, _)| {
            !seen_disagreements.contains(&(rule.to_string(), case.to_string()))
        })
        .map(|(rule, case, _)| format!("{rule}/{case}"))
        .collect();
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements:\n{}",
        unexplained.join("\n")
    );
    assert!(
        stale.is_empty(),
        "listed disagreements that no longer happen: {stale:?}"
    );
}

/// (file, query, why palisade's answer differs from the `# Expect:` block).
const RBAC_TOOL_DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "gatewat-api-operator.yaml",
        "get gateways",
        "the ClusterRole allows only create, update, delete and patch on gateway.networking.k8s.io resources, not get; palisade lists the same subjects for `who-can create gateways` (checked below)",
    ),
    (
        "nonresourceurl-reader.yaml",
        "get /test-reader",
        "the ClusterRole with the non-resource URL is bound by a RoleBinding, and the authorizer checks non-resource requests against ClusterRoleBindings only, so test-nonresourceurl-reader may not; system:masters may, which palisade reports as always allowed",
    ),
];

/// One `who-can` query of an rbac-tool fixture and the subjects it expects.
struct Scenario {
    file: String,
    verb: String,
    resource: String,
    grep: Option<String>,
    expected: BTreeSet<String>,
}

/// Reads the `# Run:` and `# Expect:` header comments of an rbac-tool fixture.
fn scenarios(path: &Path) -> Vec<Scenario> {
    let text = std::fs::read_to_string(path).expect("fixture");
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let mut queries = Vec::new();
    let mut expected = BTreeSet::new();
    let mut section = "";
    // The header: comment lines, with blank lines among them, up to the first YAML line.
    let header = text
        .lines()
        .take_while(|line| line.starts_with('#') || line.trim().is_empty());
    for line in header {
        let body = line.trim_start_matches('#').trim();
        match body {
            "Run:" | "Expect:" | "Install:" => {
                section = body;
                continue;
            }
            _ => {}
        }
        if section == "Run:" {
            if let Some(rest) = body.split("who-can ").nth(1) {
                let (command, grep) = match rest.split_once('|') {
                    Some((command, grep)) => (
                        command.trim(),
                        grep.trim()
                            .strip_prefix("grep ")
                            .map(|p| p.trim().to_string()),
                    ),
                    None => (rest.trim(), None),
                };
                let mut words = command.split_whitespace();
                if let (Some(verb), Some(resource)) = (words.next(), words.next()) {
                    queries.push((verb.to_string(), resource.to_string(), grep));
                }
            }
        } else if section == "Expect:" {
            let cells: Vec<&str> = body.split('|').map(str::trim).collect();
            if cells.len() >= 2 && matches!(cells[0], "User" | "Group" | "ServiceAccount") {
                let namespace = cells.get(2).copied().unwrap_or("");
                expected.insert(subject_key(cells[0], cells[1], namespace));
            }
        }
    }
    queries
        .into_iter()
        .map(|(verb, resource, grep)| Scenario {
            file: file.clone(),
            verb,
            resource,
            grep,
            expected: expected.clone(),
        })
        .collect()
}

fn subject_key(kind: &str, name: &str, namespace: &str) -> String {
    if kind == "ServiceAccount" {
        format!("{kind} {namespace}/{name}")
    } else {
        format!("{kind} {name}")
    }
}

fn answer(rbac: &Rbac, verb: &str, resource: &str) -> BTreeSet<String> {
    // rbac-tool writes `secrets/NAME` for one object, where palisade's `who-can` reads a
    // subresource: turn it into `--name`.
    let (resource, name) = match resource.split_once('/') {
        Some((resource, name)) if !resource.is_empty() => (resource, Some(name.to_string())),
        _ => (resource, None),
    };
    who_can(
        rbac,
        &WhoCanQuestion {
            verb: verb.into(),
            resource: resource.into(),
            subresource: None,
            name,
            namespace: None,
        },
    )
    .holders
    .iter()
    .map(|holder| {
        subject_key(
            &holder.subject_kind,
            &holder.subject_name,
            holder.subject_namespace.as_deref().unwrap_or(""),
        )
    })
    .collect()
}

#[test]
fn rbac_tool_who_can_scenarios() {
    let Some(root) = corpus() else { return };
    let dir = root.join("rbac-tool/whocan");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("whocan")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let (mut compared, mut agreed) = (0, 0);
    let mut unexplained = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let inventory = load(std::slice::from_ref(file));
        let rbac = Rbac::build(&inventory);
        for scenario in scenarios(file) {
            compared += 1;
            let mut ours = answer(&rbac, &scenario.verb, &scenario.resource);
            if let Some(pattern) = &scenario.grep {
                ours.retain(|subject| subject.contains(pattern.as_str()));
            }
            // Always allowed; palisade says so apart from the bindings.
            let mut expected = scenario.expected.clone();
            expected.remove("Group system:masters");
            let query = format!("{} {}", scenario.verb, scenario.resource);
            if ours == expected {
                agreed += 1;
                continue;
            }
            if RBAC_TOOL_DISAGREEMENTS
                .iter()
                .any(|(f, q, _)| *f == scenario.file && *q == query)
            {
                seen.insert((scenario.file.clone(), query));
            } else {
                unexplained.push(format!(
                    "{}: who-can {query}: expected {expected:?}, palisade {ours:?}",
                    scenario.file
                ));
            }
        }
    }
    println!("rbac-tool who-can: agreed {agreed}/{compared}");
    for (file, query, why) in RBAC_TOOL_DISAGREEMENTS {
        println!("  disagreement {file} ({query}): {why}");
    }
    assert!(compared >= 8, "only {compared} scenarios read");
    assert!(
        unexplained.is_empty(),
        "unexplained disagreements:\n{}",
        unexplained.join("\n")
    );
    let stale: Vec<&str> = RBAC_TOOL_DISAGREEMENTS
        .iter()
        .filter(|(file, query, _)| !seen.contains(&(file.to_string(), query.to_string())))
        .map(|(file, _, _)| *file)
        .collect();
    assert!(
        stale.is_empty(),
        "listed disagreements that no longer happen: {stale:?}"
    );

    // The gateway operator's subjects hold the verbs its role does list.
    let gateway = load(&[dir.join("gatewat-api-operator.yaml")]);
    let creators = answer(&Rbac::build(&gateway), "create", "gateways");
    assert!(
        creators.contains("User gateway-network-operator-user"),
        "{creators:?}"
    );
    assert!(creators.contains("ServiceAccount test/gateway-network-operator-sa"));
}
