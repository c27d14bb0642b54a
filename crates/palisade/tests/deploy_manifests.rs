//! The deployment of `palisade serve` that the repository ships: `deploy/` (the webhook's
//! manifests, the ServiceMonitor, the Grafana dashboard) and the `Dockerfile`.
//!
//! - `palisade scan deploy/` is clean with the repository's configuration: no finding at all,
//!   info included, and no suppression doing the work;
//! - every YAML file parses, every object is named, and the kustomization lists the files;
//! - the webhook configurations fail safely (failure policy, short timeout, no side effects, the
//!   system namespaces and the webhook's own left out) and point at what the other manifests
//!   create (Service, certificate, CA);
//! - the Grafana dashboard is JSON whose queries use only the metrics `palisade serve` exports,
//!   with their labels and label values, and covers each of them;
//! - the Dockerfile passes palisade's own Dockerfile rules.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::{Run, palisade};
use serde_json::Value;

/// The metrics `palisade serve` exports, with their labels (Prometheus adds `job` and
/// `instance` to every series; a histogram's `_bucket` series has `le` as well).
const METRICS: &[(&str, &[&str])] = &[
    ("palisade_http_requests_total", &["endpoint", "code"]),
    ("palisade_http_request_duration_seconds", &["endpoint"]),
    ("palisade_http_requests_in_flight", &[]),
    (
        "palisade_admission_reviews_total",
        &["endpoint", "operation", "kind", "decision"],
    ),
    (
        "palisade_admission_rule_hits_total",
        &["rule", "namespace", "action"],
    ),
    ("palisade_tls_reloads_total", &["result"]),
    ("palisade_build_info", &["version"]),
];

/// The one histogram: its series are `_bucket`, `_sum` and `_count`.
const HISTOGRAM: &str = "palisade_http_request_duration_seconds";

/// Labels every scraped series has.
const TARGET_LABELS: &[&str] = &["job", "instance"];

/// The values a label can take, for the labels that have a fixed set.
const LABEL_VALUES: &[(&str, &[&str])] = &[
    (
        "endpoint",
        &[
            "validate", "mutate", "healthz", "readyz", "metrics", "other",
        ],
    ),
    (
        "decision",
        &[
            "allowed",
            "denied",
            "warned",
            "patched",
            "exempt",
            "skipped",
            "malformed",
        ],
    ),
    ("action", &["deny", "warn", "dry-run"]),
    ("result", &["success", "failure"]),
];

/// Namespaces no webhook may review: the control plane's and the webhook's own.
const EXCLUDED_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-node-lease",
    "kube-public",
    "palisade-system",
];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(relative: &str) -> String {
    let path = repository().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The files under `deploy/` whose names end in one of `extensions`, relative to the
/// repository, sorted.
fn deploy_files(extensions: &[&str]) -> Vec<String> {
    fn walk(dir: &Path, extensions: &[&str], root: &Path, found: &mut Vec<String>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, extensions, root, found);
            } else if extensions
                .iter()
                .any(|extension| path.extension().is_some_and(|found| found == *extension))
            {
                let relative = path.strip_prefix(root).expect("under the repository");
                found.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = repository();
    let mut found = Vec::new();
    walk(&root.join("deploy"), extensions, &root, &mut found);
    found.sort();
    found
}

/// The documents of a YAML file of the repository, as JSON.
fn documents(relative: &str) -> Vec<Value> {
    palisade_load::parse_documents(relative, &read(relative))
        .unwrap_or_else(|error| panic!("{relative} does not parse: {error}"))
        .iter()
        .map(|document| document.to_json())
        .collect()
}

/// Every object of `deploy/webhook/`, with the file it is in.
fn webhook_objects() -> Vec<(String, Value)> {
    deploy_files(&["yaml", "yml"])
        .into_iter()
        .filter(|file| file.starts_with("deploy/webhook/"))
        .flat_map(|file| {
            documents(&file)
                .into_iter()
                .map(move |document| (file.clone(), document))
        })
        .filter(|(_, document)| document["kind"] != "Kustomization")
        .collect()
}

fn objects_of_kind(objects: &[(String, Value)], kind: &str) -> Vec<Value> {
    objects
        .iter()
        .filter(|(_, object)| object["kind"] == kind)
        .map(|(_, object)| object.clone())
        .collect()
}

fn the_object(objects: &[(String, Value)], kind: &str, name: &str) -> Value {
    let matching: Vec<Value> = objects_of_kind(objects, kind)
        .into_iter()
        .filter(|object| object["metadata"]["name"] == name)
        .collect();
    assert_eq!(matching.len(), 1, "exactly one {kind} {name}: {matching:?}");
    matching[0].clone()
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{pointer} is not a string in {value}"))
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(|item| {
            item.as_str()
                .unwrap_or_else(|| panic!("not a string: {item}"))
                .to_string()
        })
        .collect()
}

fn scan(arguments: &[&str]) -> Run {
    Run::from_output(
        palisade()
            .current_dir(repository())
            .args(arguments)
            .output()
            .expect("run palisade"),
    )
}

// --- palisade's own verdict --------------------------------------------------------------------

#[test]
fn scanning_deploy_finds_nothing_with_the_repository_configuration() {
    // Run from the repository root without --no-config: whatever .palisade.yaml the repository
    // has (none today) is the configuration CI scans with.
    let run = scan(&["scan", "-o", "json", "deploy/"]);
    let report = run.json();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(report.findings().is_empty(), "{:#?}", report.findings());
    assert!(report.errors().is_empty(), "{:#?}", report.errors());
    // Clean because the manifests are right, not because findings were suppressed: the only
    // two suppressions are the scanner's metadata-only Secret listing, which RBAC cannot
    // express, and the webhook's deliberate deny-all egress (each with its reason).
    assert_eq!(report.summary()["suppressed"], 2, "{}", report.summary());
    // Every object of every file was read (the dashboard is the one document without a kind).
    let manifests = deploy_files(&["yaml", "yml"]);
    let objects: usize = manifests.iter().map(|file| documents(file).len()).sum();
    assert_eq!(report.summary()["objects"], objects, "{}", report.summary());
    assert_eq!(
        report.summary()["files"],
        manifests.len() + deploy_files(&["json"]).len(),
        "{}",
        report.summary()
    );

    // And the table output, as a person runs it, says the same.
    let table = scan(&["scan", "deploy/"]);
    assert_eq!(table.code, 0, "{}\n{}", table.stdout, table.stderr);
    assert!(table.stdout.starts_with("No findings"), "{}", table.stdout);
}

#[test]
fn the_scan_does_check_the_webhook_deployment() {
    // The clean verdict means something only if the scan reads these files as the workload they
    // are: the same Deployment with its root filesystem writable is reported.
    let deployment = read("deploy/webhook/07-deployment.yaml");
    let weakened = deployment.replace(
        "readOnlyRootFilesystem: true",
        "readOnlyRootFilesystem: false",
    );
    assert_ne!(weakened, deployment);
    let work = common::Workspace::new();
    work.write("07-deployment.yaml", &weakened);
    work.write("original.yaml", &deployment);
    // Alone, without its namespace's quota, limits and policies, the Deployment also draws the
    // whole-cluster rules; what matters is the difference the one field makes.
    let (run, report) = work.scan_json(&["07-deployment.yaml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        report
            .rules()
            .iter()
            .any(|r| r == "writable-root-filesystem"),
        "{:?}",
        report.rules()
    );
    let (_, original) = work.scan_json(&["original.yaml"]);
    assert!(
        !original
            .rules()
            .iter()
            .any(|r| r == "writable-root-filesystem"),
        "{:?}",
        original.rules()
    );
}

#[test]
fn the_webhook_policy_is_a_valid_configuration_that_keeps_deploy_clean() {
    let objects = webhook_objects();
    let config_map = objects_of_kind(&objects, "ConfigMap")
        .into_iter()
        .find(|map| map["data"].get(".palisade.yaml").is_some())
        .expect("a ConfigMap holds .palisade.yaml");
    let configuration = text(&config_map, "/data/.palisade.yaml");

    let work = common::Workspace::new();
    work.write("palisade.yaml", configuration);
    let deploy = repository().join("deploy");
    let run = work.run(&[
        "scan",
        "--config",
        "palisade.yaml",
        "-o",
        "json",
        deploy.to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.json().findings().is_empty());

    // The webhook section names rules palisade has, and mirrors the excluded namespaces.
    let parsed = palisade_load::parse_documents("palisade.yaml", configuration)
        .expect("the configuration parses");
    let webhook = parsed[0].to_json()["webhook"].clone();
    assert!(webhook.is_object(), "a webhook section: {webhook}");
    for list in ["deny", "warn"] {
        for rule in strings(&webhook[list]) {
            assert!(
                palisade_rules::find_rule(&rule).is_some(),
                "webhook.{list} names {rule:?}, which is no rule"
            );
        }
    }
    let exempt: BTreeSet<String> = strings(&webhook["exemptNamespaces"]).into_iter().collect();
    for namespace in EXCLUDED_NAMESPACES {
        assert!(exempt.contains(*namespace), "{namespace} in {exempt:?}");
    }
    assert!(webhook["dryRun"].is_boolean(), "dryRun is written out");
}

// --- the manifests -----------------------------------------------------------------------------

#[test]
fn every_yaml_file_in_deploy_parses_into_named_objects() {
    let files = deploy_files(&["yaml", "yml"]);
    assert!(files.len() >= 13, "{files:?}");
    let mut seen = BTreeSet::new();
    for file in &files {
        let documents = documents(file);
        assert!(!documents.is_empty(), "{file} holds no document");
        for document in documents {
            let api_version = text(&document, "/apiVersion");
            let kind = text(&document, "/kind");
            assert!(!api_version.is_empty() && !kind.is_empty(), "{file}");
            if kind == "Kustomization" {
                continue;
            }
            let name = text(&document, "/metadata/name").to_string();
            let namespace = document["metadata"]["namespace"]
                .as_str()
                .unwrap_or("")
                .to_string();
            assert!(
                seen.insert((kind.to_string(), namespace.clone(), name.clone())),
                "{kind} {namespace}/{name} is defined twice"
            );
        }
    }
}

#[test]
fn the_kustomization_lists_every_manifest_in_apply_order() {
    let kustomization = documents("deploy/webhook/kustomization.yaml").remove(0);
    let listed = strings(&kustomization["resources"]);
    let present: Vec<String> = deploy_files(&["yaml"])
        .into_iter()
        .filter_map(|file| {
            file.strip_prefix("deploy/webhook/")
                .map(str::to_string)
                .filter(|name| name != "kustomization.yaml")
        })
        .collect();
    // The files are numbered in the order `kubectl apply -f` can take them one by one, and
    // the kustomization lists them in that order.
    assert_eq!(listed, present);
    let first_webhook = listed
        .iter()
        .position(|name| name.contains("webhook"))
        .expect("webhook configurations are listed");
    for name in &listed[first_webhook..] {
        assert!(name.contains("webhook"), "{name} comes after the webhooks");
    }
    assert_eq!(listed[0], "00-namespace.yaml");
}

#[test]
fn webhook_configurations_fail_safely_and_leave_out_the_system_namespaces() {
    let objects = webhook_objects();
    let validating = objects_of_kind(&objects, "ValidatingWebhookConfiguration");
    let mutating = objects_of_kind(&objects, "MutatingWebhookConfiguration");
    assert_eq!((validating.len(), mutating.len()), (1, 1));

    for (configuration, expected_policy, path) in [
        (&validating[0], "Fail", "/validate"),
        (&mutating[0], "Ignore", "/mutate"),
    ] {
        let kind = text(configuration, "/kind");
        let webhooks = configuration["webhooks"].as_array().expect("webhooks");
        assert!(!webhooks.is_empty(), "{kind}");
        for webhook in webhooks {
            let name = text(webhook, "/name");
            assert_eq!(text(webhook, "/failurePolicy"), expected_policy, "{name}");
            let timeout = webhook["timeoutSeconds"]
                .as_i64()
                .unwrap_or_else(|| panic!("{name}: timeoutSeconds"));
            assert!((1..=10).contains(&timeout), "{name}: timeout {timeout}");
            assert_eq!(text(webhook, "/sideEffects"), "None", "{name}");
            assert_eq!(strings(&webhook["admissionReviewVersions"]), ["v1"]);
            assert_eq!(text(webhook, "/matchPolicy"), "Equivalent", "{name}");
            assert_eq!(text(webhook, "/clientConfig/service/path"), path, "{name}");
            if kind == "MutatingWebhookConfiguration" {
                assert_eq!(text(webhook, "/reinvocationPolicy"), "IfNeeded", "{name}");
            }

            let excluded: BTreeSet<String> = webhook["namespaceSelector"]["matchExpressions"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: namespaceSelector.matchExpressions"))
                .iter()
                .filter(|expression| {
                    expression["key"] == "kubernetes.io/metadata.name"
                        && expression["operator"] == "NotIn"
                })
                .flat_map(|expression| strings(&expression["values"]))
                .collect();
            for namespace in EXCLUDED_NAMESPACES {
                assert!(excluded.contains(*namespace), "{name} reviews {namespace}");
            }

            for rule in webhook["rules"].as_array().expect("rules") {
                for operation in strings(&rule["operations"]) {
                    assert!(
                        operation == "CREATE" || operation == "UPDATE",
                        "{name}: {operation}"
                    );
                }
                let resources = strings(&rule["resources"]);
                assert!(
                    !resources.iter().any(|resource| resource == "*"
                        || resource == "secrets"
                        || resource.starts_with("secrets/")),
                    "{name} reviews Secrets: {resources:?}"
                );
            }
        }
    }
}

/// `(API group, resource)` pairs a webhook sends for `operation`.
fn reviewed(configuration: &Value, operation: &str) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for webhook in configuration["webhooks"].as_array().expect("webhooks") {
        for rule in webhook["rules"].as_array().expect("rules") {
            if !strings(&rule["operations"]).iter().any(|o| o == operation) {
                continue;
            }
            for group in strings(&rule["apiGroups"]) {
                for resource in strings(&rule["resources"]) {
                    pairs.insert((group.clone(), resource));
                }
            }
        }
    }
    pairs
}

#[test]
fn the_validating_webhook_reviews_every_kind_the_rules_check() {
    let objects = webhook_objects();
    let validating = &objects_of_kind(&objects, "ValidatingWebhookConfiguration")[0];
    let mutating = &objects_of_kind(&objects, "MutatingWebhookConfiguration")[0];
    let workloads = [
        ("", "pods"),
        ("", "replicationcontrollers"),
        ("", "podtemplates"),
        ("apps", "deployments"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("apps", "replicasets"),
        ("batch", "jobs"),
        ("batch", "cronjobs"),
    ];
    let others = [
        ("", "services"),
        ("", "serviceaccounts"),
        ("", "configmaps"),
        ("networking.k8s.io", "ingresses"),
        ("networking.k8s.io", "networkpolicies"),
        ("rbac.authorization.k8s.io", "roles"),
        ("rbac.authorization.k8s.io", "rolebindings"),
        ("rbac.authorization.k8s.io", "clusterroles"),
        ("rbac.authorization.k8s.io", "clusterrolebindings"),
    ];
    for operation in ["CREATE", "UPDATE"] {
        let sent = reviewed(validating, operation);
        for (group, resource) in workloads.iter().chain(&others) {
            assert!(
                sent.contains(&(group.to_string(), resource.to_string())),
                "{operation} of {group}/{resource} is not validated"
            );
        }
    }
    // Every workload kind is mutated when created; pods and Jobs, whose pod spec is immutable,
    // only then.
    let created = reviewed(mutating, "CREATE");
    let updated = reviewed(mutating, "UPDATE");
    for (group, resource) in workloads {
        let pair = (group.to_string(), resource.to_string());
        assert!(created.contains(&pair), "{group}/{resource} not mutated");
        let immutable_template = resource == "pods" || resource == "jobs";
        assert_eq!(
            updated.contains(&pair),
            !immutable_template,
            "UPDATE of {group}/{resource}"
        );
    }
}

#[test]
fn the_webhook_configurations_point_at_what_the_manifests_create() {
    let objects = webhook_objects();
    let deployment = the_object(&objects, "Deployment", "palisade-webhook");
    let namespace = text(&deployment, "/metadata/namespace").to_string();

    for kind in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        let configuration = &objects_of_kind(&objects, kind)[0];
        // The CA the cainjector copies into caBundle is a CA Certificate of the manifests.
        let inject = text(
            configuration,
            "/metadata/annotations/cert-manager.io~1inject-ca-from",
        );
        let (ca_namespace, ca_name) = inject.split_once('/').expect("namespace/name");
        let ca = the_object(&objects, "Certificate", ca_name);
        assert_eq!(text(&ca, "/metadata/namespace"), ca_namespace);
        assert_eq!(ca["spec"]["isCA"], true, "{ca_name} is a CA");

        for webhook in configuration["webhooks"].as_array().expect("webhooks") {
            let service_name = text(webhook, "/clientConfig/service/name");
            assert_eq!(
                text(webhook, "/clientConfig/service/namespace"),
                namespace,
                "{kind}"
            );
            let service = the_object(&objects, "Service", service_name);
            let port = webhook["clientConfig"]["service"]["port"]
                .as_i64()
                .unwrap_or(443);
            let service_port = service["spec"]["ports"]
                .as_array()
                .expect("ports")
                .iter()
                .find(|candidate| candidate["port"].as_i64() == Some(port))
                .unwrap_or_else(|| panic!("{service_name} has no port {port}"))
                .clone();
            // The Service forwards to the container's HTTPS port, 8443, by name or number.
            let container_port =
                &deployment["spec"]["template"]["spec"]["containers"][0]["ports"][0];
            assert_eq!(container_port["containerPort"], 8443);
            assert!(
                service_port["targetPort"] == container_port["name"]
                    || service_port["targetPort"] == 8443,
                "{service_port}"
            );

            // The serving certificate names the Service as the API server calls it, and it is
            // the Secret the Deployment mounts.
            let serving = objects_of_kind(&objects, "Certificate")
                .into_iter()
                .find(|certificate| certificate["spec"]["isCA"] != true)
                .expect("a serving Certificate");
            let dns_names = strings(&serving["spec"]["dnsNames"]);
            assert!(
                dns_names.contains(&format!("{service_name}.{namespace}.svc")),
                "{dns_names:?}"
            );
            let secret = text(&serving, "/spec/secretName");
            let volumes = deployment["spec"]["template"]["spec"]["volumes"]
                .as_array()
                .expect("volumes");
            assert!(
                volumes
                    .iter()
                    .any(|volume| volume["secret"]["secretName"] == secret),
                "the Deployment does not mount {secret}"
            );
        }
    }
}

#[test]
fn the_deployment_runs_palisade_serve_as_the_brief_describes() {
    let objects = webhook_objects();
    let deployment = the_object(&objects, "Deployment", "palisade-webhook");
    let spec = &deployment["spec"]["template"]["spec"];
    assert_eq!(deployment["spec"]["replicas"], 2);
    assert_eq!(spec["automountServiceAccountToken"], false);
    let container = &spec["containers"][0];
    assert_eq!(
        strings(&container["args"]),
        [
            "serve",
            "--tls-cert",
            "/tls/tls.crt",
            "--tls-key",
            "/tls/tls.key",
            "--listen",
            "0.0.0.0:8443"
        ]
    );
    // Pinned by digest: `name@sha256:` and 64 hexadecimal digits.
    let image = text(container, "/image");
    let digest = image
        .split_once("@sha256:")
        .map(|(_, digest)| digest)
        .unwrap_or_else(|| panic!("{image} is not pinned by digest"));
    assert!(
        digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()),
        "{image}"
    );
    for (probe, path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        let get = &container[probe]["httpGet"];
        assert_eq!(get["scheme"], "HTTPS", "{probe}");
        assert_eq!(get["path"], path, "{probe}");
        assert_eq!(get["port"], 8443, "{probe}");
    }
    // The TLS Secret is mounted read-only where the arguments look for it, and the ConfigMap
    // with the policy where palisade looks for .palisade.yaml (its working directory).
    let mounts = container["volumeMounts"].as_array().expect("volumeMounts");
    let mount_of = |path: &str| -> Value {
        mounts
            .iter()
            .find(|mount| mount["mountPath"] == path)
            .unwrap_or_else(|| panic!("nothing mounted at {path}"))
            .clone()
    };
    let volume_of = |name: &Value| -> Value {
        spec["volumes"]
            .as_array()
            .expect("volumes")
            .iter()
            .find(|volume| &volume["name"] == name)
            .unwrap_or_else(|| panic!("no volume {name}"))
            .clone()
    };
    let tls = mount_of("/tls");
    assert_eq!(tls["readOnly"], true);
    assert!(volume_of(&tls["name"])["secret"].is_object());
    let config = mount_of(text(container, "/workingDir"));
    assert_eq!(config["readOnly"], true);
    let config_map_name = volume_of(&config["name"])["configMap"]["name"].clone();
    let config_map = the_object(
        &objects,
        "ConfigMap",
        config_map_name.as_str().expect("a ConfigMap volume"),
    );
    assert!(config_map["data"][".palisade.yaml"].is_string());

    // Limits on CPU, memory and ephemeral storage; requests on CPU and memory.
    for (kind, resource) in [
        ("limits", "cpu"),
        ("limits", "memory"),
        ("limits", "ephemeral-storage"),
        ("requests", "cpu"),
        ("requests", "memory"),
    ] {
        assert!(
            container["resources"][kind][resource].is_string(),
            "{kind}.{resource}"
        );
    }

    // The PodDisruptionBudget covers exactly these pods and keeps one.
    let budget = objects_of_kind(&objects, "PodDisruptionBudget").remove(0);
    assert_eq!(budget["spec"]["minAvailable"], 1);
    assert_eq!(
        budget["spec"]["selector"]["matchLabels"],
        deployment["spec"]["selector"]["matchLabels"]
    );
}

#[test]
fn the_webhook_gets_no_api_rights_and_no_network_beyond_its_port() {
    let objects = webhook_objects();
    // It reads nothing from the API: no RBAC object at all, and no token.
    for kind in ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"] {
        assert!(objects_of_kind(&objects, kind).is_empty(), "a {kind}");
    }
    for account in objects_of_kind(&objects, "ServiceAccount") {
        assert_eq!(account["automountServiceAccountToken"], false, "{account}");
    }
    let policies = objects_of_kind(&objects, "NetworkPolicy");
    let default_deny = policies
        .iter()
        .find(|policy| policy["spec"]["podSelector"] == serde_json::json!({}))
        .expect("a default-deny NetworkPolicy for the namespace");
    assert_eq!(
        strings(&default_deny["spec"]["policyTypes"]),
        ["Ingress", "Egress"]
    );
    assert!(default_deny["spec"].get("ingress").is_none());
    assert!(default_deny["spec"].get("egress").is_none());
    for policy in &policies {
        for rule in policy["spec"]["ingress"].as_array().into_iter().flatten() {
            let ports: Vec<&Value> = rule["ports"].as_array().expect("ports").iter().collect();
            assert_eq!(ports.len(), 1, "{rule}");
            assert_eq!(ports[0]["port"], 8443);
        }
        assert!(
            policy["spec"]["egress"]
                .as_array()
                .is_none_or(|rules| rules.is_empty()),
            "{policy}"
        );
    }
    let namespace = the_object(&objects, "Namespace", "palisade-system");
    for mode in ["enforce", "audit", "warn"] {
        assert_eq!(
            namespace["metadata"]["labels"][format!("pod-security.kubernetes.io/{mode}")],
            "restricted"
        );
    }
}

// --- the dashboard -----------------------------------------------------------------------------

/// One `name{label op "value", ...}` or bare `name` in a PromQL expression.
#[derive(Debug)]
struct Selector {
    name: String,
    matchers: Vec<(String, String, String)>,
}

/// What a PromQL expression uses: its series selectors and its grouping labels (`by (...)`,
/// `without (...)`). A small scanner for the queries of a dashboard, not a PromQL parser:
/// string literals are skipped, `$variables` and durations are not names, a name followed by
/// `(` is a function, and aggregation operators and keywords are known words.
fn promql_names(expr: &str) -> (Vec<Selector>, Vec<String>) {
    const WORDS: &[&str] = &[
        "sum",
        "min",
        "max",
        "avg",
        "count",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "group",
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
        "and",
        "or",
        "unless",
        "bool",
        "offset",
    ];
    let chars: Vec<char> = expr.chars().collect();
    let mut selectors = Vec::new();
    let mut grouping = Vec::new();
    let mut i = 0;
    let skip_space = |mut j: usize| {
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        j
    };
    let read_string = |j: usize| -> (String, usize) {
        let quote = chars[j];
        let mut k = j + 1;
        let mut value = String::new();
        while k < chars.len() && chars[k] != quote {
            if chars[k] == '\\' && k + 1 < chars.len() {
                k += 1;
            }
            value.push(chars[k]);
            k += 1;
        }
        assert!(k < chars.len(), "unterminated string in {expr}");
        (value, k + 1)
    };
    let is_name_start = |c: char| c.is_ascii_alphabetic() || c == '_' || c == ':';
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' || c == '`' {
            i = read_string(i).1;
        } else if c == '$' || c.is_ascii_digit() || c == '.' {
            // A Grafana variable, a number or a duration.
            i += 1;
            while i < chars.len() && (is_name(chars[i]) || chars[i] == '.') {
                i += 1;
            }
        } else if is_name_start(c) {
            let start = i;
            while i < chars.len() && is_name(chars[i]) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let next = skip_space(i);
            if matches!(word.as_str(), "by" | "without" | "on" | "ignoring") {
                // The parenthesised list after it holds label names.
                assert_eq!(
                    chars.get(next),
                    Some(&'('),
                    "{word} without labels in {expr}"
                );
                let close = (next..chars.len())
                    .find(|&k| chars[k] == ')')
                    .unwrap_or_else(|| panic!("unclosed {word} in {expr}"));
                let labels: String = chars[next + 1..close].iter().collect();
                grouping.extend(
                    labels
                        .split(',')
                        .map(|label| label.trim().to_string())
                        .filter(|label| !label.is_empty()),
                );
                i = close + 1;
                continue;
            }
            if WORDS.contains(&word.as_str()) || chars.get(next) == Some(&'(') {
                continue;
            }
            // A metric name: with its matchers, if any.
            let mut matchers = Vec::new();
            if chars.get(next) == Some(&'{') {
                let mut j = skip_space(next + 1);
                while j < chars.len() && chars[j] != '}' {
                    let label_start = j;
                    while j < chars.len() && is_name(chars[j]) {
                        j += 1;
                    }
                    let label: String = chars[label_start..j].iter().collect();
                    j = skip_space(j);
                    let op_start = j;
                    while j < chars.len() && matches!(chars[j], '=' | '!' | '~') {
                        j += 1;
                    }
                    let op: String = chars[op_start..j].iter().collect();
                    j = skip_space(j);
                    assert!(
                        !label.is_empty() && matches!(op.as_str(), "=" | "!=" | "=~" | "!~"),
                        "cannot read the matchers of {word} in {expr}"
                    );
                    let (value, end) = read_string(j);
                    matchers.push((label, op, value));
                    j = skip_space(end);
                    if chars.get(j) == Some(&',') {
                        j = skip_space(j + 1);
                    }
                }
                assert!(j < chars.len(), "unclosed matchers in {expr}");
                i = j + 1;
            }
            selectors.push(Selector {
                name: word,
                matchers,
            });
        } else {
            i += 1;
        }
    }
    (selectors, grouping)
}

/// The exported metric a series name belongs to, and whether it is a histogram bucket.
fn exported_metric(series: &str) -> Option<(&'static str, bool)> {
    if let Some((name, _)) = METRICS.iter().find(|(name, _)| *name == series) {
        return Some((name, false));
    }
    for suffix in ["_bucket", "_sum", "_count"] {
        if series.strip_suffix(suffix) == Some(HISTOGRAM) {
            return Some((HISTOGRAM, suffix == "_bucket"));
        }
    }
    None
}

/// Every string under a key named `key`, anywhere in `value`.
fn strings_under(value: &Value, key: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (name, item) in map {
                if name == key
                    && let Some(text) = item.as_str()
                {
                    found.push(text.to_string());
                }
                strings_under(item, key, found);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|item| strings_under(item, key, found)),
        _ => {}
    }
}

#[test]
fn the_promql_scanner_reads_selectors_and_grouping_labels() {
    let (selectors, grouping) = promql_names(
        r#"topk($topn, sum by (rule, namespace) (increase(palisade_admission_rule_hits_total{job=~"$job", action="dry-run"}[$__range])) > 0) / up"#,
    );
    let names: Vec<&str> = selectors.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["palisade_admission_rule_hits_total", "up"]);
    assert_eq!(
        selectors[0].matchers,
        [
            ("job".into(), "=~".into(), "$job".into()),
            ("action".into(), "=".into(), "dry-run".into())
        ]
    );
    assert_eq!(grouping, ["rule", "namespace"]);
    let (selectors, _) =
        promql_names(r#"histogram_quantile(0.99, sum by (le) (rate(foo_bucket[5m])))"#);
    assert_eq!(selectors.len(), 1);
    assert_eq!(selectors[0].name, "foo_bucket");
}

#[test]
fn the_grafana_dashboard_uses_only_the_metrics_palisade_exports() {
    let file = "deploy/grafana/palisade-webhook.json";
    let dashboard: Value = serde_json::from_str(&read(file))
        .unwrap_or_else(|error| panic!("{file} is not JSON: {error}"));
    let schema = dashboard["schemaVersion"].as_i64().expect("schemaVersion");
    assert!((36..=41).contains(&schema), "schemaVersion {schema}");

    // The data source is the DS_PROMETHEUS input/variable, everywhere.
    let inputs = strings_of(&dashboard["__inputs"], "name");
    let variables = strings_of(&dashboard["templating"]["list"], "name");
    assert!(inputs.contains("DS_PROMETHEUS") || variables.contains("DS_PROMETHEUS"));
    let mut panels = Vec::new();
    collect_panels(&dashboard["panels"], &mut panels);
    let mut ids = BTreeSet::new();
    for panel in &panels {
        let id = panel["id"].as_i64().expect("a numeric panel id");
        assert!(ids.insert(id), "panel id {id} twice");
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(
            panel["datasource"]["uid"], "${DS_PROMETHEUS}",
            "{}",
            panel["title"]
        );
        for target in panel["targets"].as_array().expect("targets") {
            assert_eq!(target["datasource"]["uid"], "${DS_PROMETHEUS}");
        }
    }

    let mut exprs = Vec::new();
    strings_under(&dashboard, "expr", &mut exprs);
    assert!(exprs.len() >= 10, "{exprs:?}");
    let labels_of: BTreeMap<&str, BTreeSet<&str>> = METRICS
        .iter()
        .map(|(name, labels)| {
            let mut set: BTreeSet<&str> = labels.iter().copied().collect();
            set.extend(TARGET_LABELS);
            (*name, set)
        })
        .collect();
    let every_label: BTreeSet<&str> = labels_of.values().flatten().copied().collect();
    let mut used_metrics = BTreeSet::new();
    let mut used_values: BTreeSet<(String, String)> = BTreeSet::new();
    let mut quantiles = BTreeSet::new();
    for expr in &exprs {
        let (selectors, grouping) = promql_names(expr);
        assert!(!selectors.is_empty(), "no metric in {expr}");
        for selector in selectors {
            let (metric, bucket) = exported_metric(&selector.name)
                .unwrap_or_else(|| panic!("{} is not a palisade metric: {expr}", selector.name));
            used_metrics.insert(metric);
            for (label, op, value) in &selector.matchers {
                let known = labels_of[metric].contains(label.as_str()) || (bucket && label == "le");
                assert!(known, "{metric} has no label {label}: {expr}");
                if value.contains('$') {
                    continue;
                }
                let Some((_, allowed)) = LABEL_VALUES.iter().find(|(name, _)| name == label) else {
                    continue;
                };
                let alternatives: Vec<&str> = if op.contains('~') {
                    value.split('|').collect()
                } else {
                    vec![value.as_str()]
                };
                for alternative in alternatives {
                    assert!(
                        allowed.contains(&alternative),
                        "{label} is never {alternative:?}: {expr}"
                    );
                    used_values.insert((label.clone(), alternative.to_string()));
                }
            }
        }
        for label in grouping {
            assert!(
                every_label.contains(label.as_str()) || label == "le",
                "no metric has the label {label}: {expr}"
            );
        }
        if let Some(rest) = expr.strip_prefix("histogram_quantile(") {
            quantiles.insert(rest.split(',').next().unwrap_or("").trim().to_string());
        }
    }
    // Template variables query palisade's metrics too.
    let mut definitions = Vec::new();
    strings_under(&dashboard["templating"], "definition", &mut definitions);
    for definition in definitions {
        for word in definition.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("palisade_") {
                assert!(exported_metric(word).is_some(), "{word} in {definition}");
            }
        }
    }

    // Every metric has a panel, and so has each view the brief asks for: latency percentiles,
    // denials, warnings and dry-run would-denies by rule, TLS reload failures.
    let all: BTreeSet<&str> = METRICS.iter().map(|(name, _)| *name).collect();
    assert_eq!(used_metrics, all);
    assert_eq!(quantiles, ["0.5", "0.95", "0.99"].map(String::from).into());
    for (label, value) in [
        ("action", "deny"),
        ("action", "warn"),
        ("action", "dry-run"),
        ("result", "failure"),
    ] {
        assert!(
            used_values.contains(&(label.to_string(), value.to_string())),
            "no panel for {label}={value}"
        );
    }
    let grouped_by: BTreeSet<String> = exprs.iter().flat_map(|expr| promql_names(expr).1).collect();
    for label in ["endpoint", "code", "decision", "kind", "rule", "namespace"] {
        assert!(grouped_by.contains(label), "no panel by {label}");
    }
}

fn strings_of(list: &Value, key: &str) -> BTreeSet<String> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|item| item[key].as_str().map(str::to_string))
        .collect()
}

fn collect_panels(list: &Value, found: &mut Vec<Value>) {
    for panel in list.as_array().expect("panels").iter() {
        found.push(panel.clone());
        if let Some(nested) = panel.get("panels") {
            collect_panels(nested, found);
        }
    }
}

// --- the image ---------------------------------------------------------------------------------

#[test]
fn the_dockerfile_passes_palisades_own_rules() {
    let run = scan(&["scan", "-o", "json", "Dockerfile"]);
    let report = run.json();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(report.findings().is_empty(), "{:#?}", report.findings());
    assert_eq!(report.summary()["objects"], 1, "the Dockerfile was read");
    assert_eq!(report.summary()["suppressed"], 0);

    let dockerfile = read("Dockerfile");
    assert!(dockerfile.contains("cargo build --release --locked -p palisade"));
    let froms: Vec<&str> = dockerfile
        .lines()
        .filter(|line| line.trim_start().to_ascii_uppercase().starts_with("FROM "))
        .collect();
    assert!(froms.len() >= 2, "a multi-stage build: {froms:?}");
    for from in froms {
        assert!(from.contains("@sha256:"), "not pinned by digest: {from}");
    }

    let ignore = read(".dockerignore");
    let lines: Vec<&str> = ignore.lines().map(str::trim).collect();
    for kept in ["!Cargo.toml", "!Cargo.lock", "!crates/"] {
        assert!(lines.contains(&kept), "{kept} in .dockerignore");
    }
}
