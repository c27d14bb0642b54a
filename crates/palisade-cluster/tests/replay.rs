//! `palisade_cluster::read_cluster` against a local HTTPS server that replays real API
//! responses recorded from kube-apiservers (see `support/mod.rs` for what comes from where and
//! which responses wrap real corpus objects in a recorded list envelope). Skipped, with a
//! message, when `../shared/corpus` is absent.

mod support;

use std::path::Path;

use palisade_cluster::{ClusterRead, Options, read_cluster};
use palisade_model::Node;
use serde_json::{Value, json};
use support::{ACCEPT_METADATA, PLANTED, Replay, Reply, Route, Server, read, read_json};

fn scan(server: &Server, options: Options) -> (ClusterRead, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(&kubeconfig, server.kubeconfig("replay")).unwrap();
    let read = read_cluster(&Options {
        kubeconfig: Some(kubeconfig),
        ..options
    })
    .unwrap();
    (read, dir)
}

fn names(read: &ClusterRead, kind: &str) -> Vec<String> {
    let mut names: Vec<String> = read
        .objects
        .iter()
        .filter(|o| o.kind == kind)
        .map(|o| match &o.namespace {
            Some(ns) => format!("{ns}/{}", o.name),
            None => o.name.clone(),
        })
        .collect();
    names.sort();
    names
}

fn cluster(corpus: &Path) -> Replay {
    Replay::new(corpus).routes(support::cluster_routes(corpus))
}

#[test]
fn reads_every_kind_of_a_replayed_cluster() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let (read, _dir) = scan(&server, Options::default());
    assert_eq!(read.problems, vec![], "{:?}", read.problems);
    assert_eq!(read.server, server.url);
    assert_eq!(read.context.as_deref(), Some("replay"));

    // The 8 kube-system pods of the v1.36 recording, with their identity filled in.
    let pods = names(&read, "Pod");
    assert_eq!(pods.len(), 8, "{pods:?}");
    assert!(
        pods.contains(&"kube-system/etcd-v1.36-control-plane".to_string()),
        "{pods:?}"
    );
    for object in read.objects.iter().filter(|o| o.kind == "Pod") {
        assert_eq!(object.api_version, "v1");
        assert!(object.source.is_none());
        assert!(
            object.root.pointer("/metadata/managedFields").is_none(),
            "managedFields are stripped"
        );
        assert!(object.root.pointer("/spec/containers/0/image").is_some());
    }
    assert_eq!(names(&read, "Deployment"), ["kube-system/coredns"]);
    assert!(!names(&read, "ClusterRole").is_empty());
    assert!(!names(&read, "RoleBinding").is_empty());
    assert!(!names(&read, "NetworkPolicy").is_empty());
    assert_eq!(names(&read, "Namespace"), ["monitoring"]);
    for object in &read.objects {
        assert!(!object.kind.is_empty() && !object.api_version.is_empty());
        assert!(!object.name.is_empty(), "{:?}", object.reference());
    }
}

#[test]
fn secrets_are_read_as_metadata_only_and_get_their_type_from_a_typed_list() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let (read, _dir) = scan(&server, Options::default());

    let secret_requests: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.path.ends_with("/secrets"))
        .collect();
    assert_eq!(secret_requests.len(), 3, "{secret_requests:?}");
    for request in &secret_requests {
        assert_eq!(request.accept, ACCEPT_METADATA, "{request:?}");
        assert_eq!(request.status, 200);
    }
    let selectors: Vec<Option<&str>> = secret_requests
        .iter()
        .map(|r| r.param("fieldSelector"))
        .collect();
    assert!(selectors.contains(&None));
    assert!(selectors.contains(&Some("type=kubernetes.io/service-account-token")));
    assert!(selectors.contains(&Some("type=bootstrap.kubernetes.io/token")));

    let secrets: Vec<_> = read.objects.iter().filter(|o| o.kind == "Secret").collect();
    assert_eq!(
        secrets.len(),
        5,
        "3 dashboard Secrets, the planted one, the token"
    );
    for secret in &secrets {
        let json = secret.root.to_json().to_string();
        assert!(
            !json.contains(PLANTED),
            "secret data reached palisade: {json}"
        );
        assert!(!json.contains("last-applied-configuration"), "{json}");
        assert!(secret.root.get("data").is_none());
    }
    let typed: Vec<(&str, Option<&str>)> = secrets
        .iter()
        .map(|s| (s.name.as_str(), s.root.get("type").and_then(Node::as_str)))
        .collect();
    assert!(typed.contains(&(
        "local-path-provisioner-service-account-token-5rqnj",
        Some("kubernetes.io/service-account-token")
    )));
    // Only what a typed list showed has a type: the others' is not known.
    assert!(typed.contains(&("db-password", None)), "{typed:?}");
}

#[test]
fn a_server_that_ignores_the_metadata_request_gets_its_secrets_dropped_and_reported() {
    let corpus = corpus_or_skip!();
    let secrets = support::secrets(&corpus);
    let full = support::wrap_list(&corpus, "v1", "SecretList", secrets);
    let server = Replay::new(&corpus)
        .route(Route::get("/api/v1/secrets", Reply::ok(full.clone())).accept(ACCEPT_METADATA))
        .routes(support::cluster_routes(&corpus))
        .start();
    let (read, _dir) = scan(&server, Options::default());
    let problem = read
        .problems
        .iter()
        .find(|p| p.kind == "Secret")
        .expect("reported");
    assert!(problem.message.contains("SecretList"), "{problem}");
    assert!(
        read.objects
            .iter()
            .all(|o| o.kind != "Secret" || o.name.contains("token"))
    );
    for object in &read.objects {
        assert!(!object.root.to_json().to_string().contains(PLANTED));
    }
    // The rest of the cluster was read.
    assert_eq!(names(&read, "Pod").len(), 8);
}

fn paginated(corpus: &Path) -> (Vec<u8>, Vec<u8>, String) {
    let first = read(corpus, "api-responses/kubeclient/pods_1.json");
    let second = read(corpus, "api-responses/kubeclient/pods_2.json");
    let token = serde_json::from_slice::<Value>(&first).unwrap()["metadata"]["continue"]
        .as_str()
        .unwrap()
        .to_string();
    (first, second, token)
}

const PAGED_PODS: [&str; 4] = [
    "customer-logging/redis-1-94zxb",
    "my-project/my-ruby-project-2-build",
    "topological-inventory-ci/topological-inventory-persister-9-hznds",
    "topological-inventory-ci/topological-inventory-persister-9-vzr6h",
];

#[test]
fn a_paginated_list_is_read_page_by_page() {
    let corpus = corpus_or_skip!();
    let (first, second, token) = paginated(&corpus);
    let server = Replay::new(&corpus)
        .route(Route::get("/api/v1/pods", Reply::ok(first)))
        .route(Route::get("/api/v1/pods", Reply::ok(second)).query("continue", &token))
        .routes(support::cluster_routes(&corpus))
        .start();
    let (read, _dir) = scan(
        &server,
        Options {
            page_size: 2,
            ..Options::default()
        },
    );
    assert_eq!(read.problems, vec![]);
    assert_eq!(names(&read, "Pod"), PAGED_PODS);
    let requests = server.seen_at("/api/v1/pods");
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].param("limit"), Some("2"));
    assert_eq!(requests[0].param("continue"), None);
    assert_eq!(requests[1].param("limit"), Some("2"));
    assert_eq!(requests[1].param("continue"), Some(token.as_str()));
}

#[test]
fn an_expired_continue_token_restarts_the_list_once() {
    let corpus = corpus_or_skip!();
    let (first, second, token) = paginated(&corpus);
    let expired = read(&corpus, "api-responses/kubeclient/pods_410.json");
    let server = Replay::new(&corpus)
        .route(Route::get("/api/v1/pods", Reply::ok(first)))
        .route(
            Route::get("/api/v1/pods", Reply::json(410, expired))
                .query("continue", &token)
                .times(1),
        )
        .route(Route::get("/api/v1/pods", Reply::ok(second)).query("continue", &token))
        .routes(support::cluster_routes(&corpus))
        .start();
    let (read, _dir) = scan(&server, Options::default());
    assert_eq!(read.problems, vec![]);
    // Each pod once, although the first page was read twice.
    assert_eq!(names(&read, "Pod"), PAGED_PODS);
    let statuses: Vec<(Option<String>, u16)> = server
        .seen_at("/api/v1/pods")
        .into_iter()
        .map(|s| (s.param("continue").map(str::to_string), s.status))
        .collect();
    assert_eq!(
        statuses,
        [
            (None, 200),
            (Some(token.clone()), 410),
            (None, 200),
            (Some(token.clone()), 200)
        ]
    );
    assert!(
        read.notes
            .iter()
            .any(|n| n.contains("Pod") && n.contains("410")),
        "{:?}",
        read.notes
    );
}

#[test]
fn a_continue_token_that_expires_again_is_reported_and_the_rest_is_read() {
    let corpus = corpus_or_skip!();
    let (first, _, token) = paginated(&corpus);
    let expired = read(&corpus, "api-responses/kubeclient/pods_410.json");
    let server = Replay::new(&corpus)
        .route(Route::get("/api/v1/pods", Reply::ok(first)))
        .route(Route::get("/api/v1/pods", Reply::json(410, expired)).query("continue", &token))
        .routes(support::cluster_routes(&corpus))
        .start();
    let (read, _dir) = scan(&server, Options::default());
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    let problem = &read.problems[0];
    assert_eq!((problem.kind.as_str(), problem.status), ("Pod", Some(410)));
    assert!(
        problem.message.contains("too old"),
        "the server's message: {problem}"
    );
    assert_eq!(
        server.seen_at("/api/v1/pods").len(),
        4,
        "restarted once, not more"
    );
    assert!(names(&read, "Pod").is_empty());
    assert_eq!(names(&read, "Deployment"), ["kube-system/coredns"]);
}

#[test]
fn with_exactly_the_rights_of_deploy_scanner_rbac_everything_is_read() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus)
        .enforce(&support::scanner_cluster_role())
        .start();
    let (read, _dir) = scan(&server, Options::default());
    assert_eq!(read.problems, vec![]);
    let refused: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.status == 403)
        .collect();
    assert_eq!(refused.len(), 0, "{refused:?}");
    assert!(names(&read, "Pod").len() == 8 && names(&read, "Secret").len() == 5);
}

#[test]
fn a_403_on_one_kind_is_reported_with_the_missing_permission_and_the_rest_is_read() {
    let corpus = corpus_or_skip!();
    let mut role = support::scanner_cluster_role();
    let rules: Vec<Value> = role["rules"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| rule["resources"] != json!(["secrets"]))
        .cloned()
        .collect();
    role["rules"] = Value::Array(rules);
    let server = cluster(&corpus).enforce(&role).start();
    let (read, _dir) = scan(&server, Options::default());
    // Once: the typed lists of Secrets failed as the whole list did.
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    for problem in &read.problems {
        assert_eq!(
            (problem.kind.as_str(), problem.status),
            ("Secret", Some(403))
        );
        let text = problem.to_string();
        assert!(text.contains("`list` on `secrets`"), "{text}");
        assert!(
            text.contains("forbidden"),
            "the server's own message: {text}"
        );
    }
    assert!(names(&read, "Secret").is_empty());
    assert_eq!(names(&read, "Pod").len(), 8);
}

/// The cluster of `cluster()`, with the ConfigMaps list answered by `reply` instead.
fn with_configmaps(corpus: &Path, reply: Reply) -> Server {
    let routes = support::cluster_routes(corpus)
        .into_iter()
        .filter(|route| route.path != "/api/v1/configmaps");
    Replay::new(corpus)
        .routes(routes)
        .route(support::Route::get("/api/v1/configmaps", reply))
        .start()
}

#[test]
fn broken_and_hostile_list_responses_are_reported_and_the_rest_is_read() {
    let corpus = corpus_or_skip!();
    let recorded = std::fs::read(corpus.join("api-responses/kubeclient/pods_1.json"))
        .expect("the recorded pod list");
    let mut deep = b"{\"kind\":\"ConfigMapList\",\"items\":".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 100_000));
    let hostile: Vec<(&str, Vec<u8>)> = vec![
        ("truncated JSON", recorded[..recorded.len() / 2].to_vec()),
        ("binary", (0..=255u8).cycle().take(64 * 1024).collect()),
        ("nested 100,000 deep", deep),
        (
            "YAML, not JSON",
            b"apiVersion: v1\nkind: ConfigMapList\nitems: []\n".to_vec(),
        ),
        (
            "a Go template",
            b"{\"kind\": \"ConfigMapList\", \"items\": [{{ .Values.items }}]}".to_vec(),
        ),
        (
            "items that are not objects",
            br#"{"kind": "ConfigMapList", "items": [1, "two", null, [3]]}"#.to_vec(),
        ),
        ("empty", Vec::new()),
    ];
    for (what, body) in hostile {
        let server = with_configmaps(&corpus, Reply::ok(body));
        let (read, _dir) = scan(&server, Options::default());
        assert_eq!(read.problems.len(), 1, "{what}: {:?}", read.problems);
        let problem = &read.problems[0];
        assert_eq!(problem.kind, "ConfigMap", "{what}");
        assert!(
            problem.message.contains("not a readable list"),
            "{what}: {}",
            problem.message
        );
        assert!(
            !problem.to_string().chars().any(char::is_control),
            "{what}: control characters reach the terminal: {problem}"
        );
        assert!(names(&read, "ConfigMap").is_empty(), "{what}");
        assert_eq!(
            names(&read, "Pod").len(),
            8,
            "{what}: the other kinds are read"
        );
    }
}

#[test]
fn a_response_larger_than_the_limit_is_not_read_and_the_rest_is() {
    let corpus = corpus_or_skip!();
    // A list of 4 MB against a limit of 2 MB that every other recorded response is under.
    let limit = 2 * 1024 * 1024;
    let server = with_configmaps(&corpus, Reply::ok(configmap_list_of_4_mb()));
    let (read, _dir) = scan(
        &server,
        Options {
            max_response_bytes: limit,
            ..Options::default()
        },
    );
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    let problem = &read.problems[0];
    assert_eq!(problem.kind, "ConfigMap");
    assert!(
        problem.message.contains("larger than 2097152 bytes"),
        "{}",
        problem.message
    );
    assert!(names(&read, "ConfigMap").is_empty());
    assert_eq!(names(&read, "Pod").len(), 8);

    // The same list under the default limit is read.
    let server = with_configmaps(&corpus, Reply::ok(configmap_list_of_4_mb()));
    let (read, _dir) = scan(&server, Options::default());
    assert!(read.problems.is_empty(), "{:?}", read.problems);
    assert_eq!(names(&read, "ConfigMap"), ["default/huge"]);
}

/// A ConfigMapList (the envelope of a recorded one) of one ConfigMap with a 4 MB value.
fn configmap_list_of_4_mb() -> Vec<u8> {
    let padding = "x".repeat(4 * 1024 * 1024);
    format!(
        r#"{{"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {{"resourceVersion": "1"}}, "items": [{{"metadata": {{"name": "huge", "namespace": "default"}}, "data": {{"padding": "{padding}"}}}}]}}"#
    )
    .into_bytes()
}

#[test]
fn a_404_on_one_kind_is_reported_and_the_rest_is_read() {
    let corpus = corpus_or_skip!();
    let routes = support::cluster_routes(&corpus)
        .into_iter()
        .filter(|route| route.path != "/api/v1/configmaps");
    let server = Replay::new(&corpus).routes(routes).start();
    let (read, _dir) = scan(&server, Options::default());
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    assert_eq!(read.problems[0].kind, "ConfigMap");
    assert_eq!(read.problems[0].status, Some(404));
    assert_eq!(names(&read, "Pod").len(), 8);
}

#[test]
fn one_namespace_is_read_where_kubectl_reads_it() {
    let corpus = corpus_or_skip!();
    // The v1.36 recording was made at exactly this path.
    let (url, _, pods) = support::exchange(
        &corpus,
        "api-responses/k8s-openapi-replays/v1-36/pod-list.json",
        0,
    );
    assert_eq!(url, "/api/v1/namespaces/kube-system/pods");
    let server = Replay::new(&corpus)
        .route(Route::get(&url, Reply::ok(pods)))
        .routes(support::cluster_routes(&corpus))
        .start();
    let (read, _dir) = scan(
        &server,
        Options {
            namespace: Some("kube-system".into()),
            ..Options::default()
        },
    );
    assert_eq!(names(&read, "Pod").len(), 8);
    let seen = server.seen();
    assert!(seen.iter().all(|s| s.path != "/api/v1/pods"));
    let namespaces: Vec<_> = seen
        .iter()
        .filter(|s| s.path == "/api/v1/namespaces")
        .collect();
    assert_eq!(namespaces.len(), 1);
    assert_eq!(
        namespaces[0].param("fieldSelector"),
        Some("metadata.name=kube-system")
    );
    // Cluster-scoped kinds are read whole.
    assert!(
        seen.iter()
            .any(|s| s.path == "/apis/rbac.authorization.k8s.io/v1/clusterroles")
    );
    // Namespaced kinds only in the namespace.
    assert!(
        seen.iter()
            .any(|s| s.path == "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles")
    );
}

#[test]
fn discovery_of_an_old_cluster_picks_the_versions_it_serves() {
    let corpus = corpus_or_skip!();
    // kontena-k8s-client's complete discovery of a v1.10 cluster: no CronJobs in batch/v1, no
    // Ingresses in networking.k8s.io/v1.
    let mut routes = vec![Route::get(
        "/apis",
        Reply::ok(read(
            &corpus,
            "api-responses/kontena-k8s-client/api/apis.json",
        )),
    )];
    routes.push(Route::get(
        "/api/v1",
        Reply::ok(read(
            &corpus,
            "api-responses/kontena-k8s-client/api/api-v1.json",
        )),
    ));
    for entry in std::fs::read_dir(corpus.join("api-responses/kontena-k8s-client/apis")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let (group, version) = name.rsplit_once('-').unwrap();
        routes.push(Route::get(
            &format!("/apis/{group}/{version}"),
            Reply::ok(std::fs::read(&path).unwrap()),
        ));
    }
    let server = Replay::new(&corpus).routes(routes).start();
    let (read, _dir) = scan(&server, Options::default());
    let listed: Vec<String> = server
        .seen()
        .into_iter()
        .filter(|s| s.param("limit").is_some())
        .map(|s| s.path)
        .collect();
    assert!(
        listed.contains(&"/apis/batch/v1beta1/cronjobs".to_string()),
        "{listed:?}"
    );
    assert!(
        listed.contains(&"/apis/extensions/v1beta1/ingresses".to_string()),
        "{listed:?}"
    );
    assert!(
        !listed
            .iter()
            .any(|p| p.contains("cilium") || p.contains("calico"))
    );
    // Nothing else is served here: every list is reported (the typed Secret lists with the
    // whole Secret list), none crashes the scan.
    let whole_lists = server
        .seen()
        .iter()
        .filter(|s| s.param("limit").is_some() && s.param("fieldSelector").is_none())
        .count();
    assert_eq!(read.problems.len(), whole_lists);
    assert!(read.problems.iter().all(|p| p.status == Some(404)));
}

#[test]
fn custom_policy_kinds_are_read_when_discovery_shows_them() {
    let corpus = corpus_or_skip!();
    // No recording of a cluster with Cilium exists: the recorded /apis gets the group Cilium
    // registers, its APIResourceList is the recorded networking.k8s.io/v1 one with Cilium's
    // resources, and the one policy (the corpus has none of Cilium's) is Cilium's documented
    // L3 example, in a recorded list envelope.
    let mut apis = read_json(&corpus, "api-responses/kubernetes-discovery/apis.json");
    apis["groups"].as_array_mut().unwrap().push(json!({
        "name": "cilium.io",
        "versions": [{"groupVersion": "cilium.io/v2", "version": "v2"}],
        "preferredVersion": {"groupVersion": "cilium.io/v2", "version": "v2"}
    }));
    let mut resources = read_json(
        &corpus,
        "api-responses/kubernetes-discovery/apis__networking.k8s.io__v1.json",
    );
    resources["groupVersion"] = json!("cilium.io/v2");
    resources["resources"] = json!([
        {"name": "ciliumnetworkpolicies", "singularName": "ciliumnetworkpolicy", "namespaced": true, "kind": "CiliumNetworkPolicy", "verbs": ["get", "list", "watch"]},
        {"name": "ciliumclusterwidenetworkpolicies", "singularName": "ciliumclusterwidenetworkpolicy", "namespaced": false, "kind": "CiliumClusterwideNetworkPolicy", "verbs": ["get", "list", "watch"]}
    ]);
    let policy = json!({
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "l3-rule", "namespace": "monitoring"},
        "spec": {"endpointSelector": {"matchLabels": {"role": "backend"}}, "ingress": [{"fromEndpoints": [{"matchLabels": {"role": "frontend"}}]}]}
    });
    let server = Replay::new(&corpus)
        .route(Route::get(
            "/apis",
            Reply::ok(serde_json::to_vec(&apis).unwrap()),
        ))
        .route(Route::get(
            "/apis/cilium.io/v2",
            Reply::ok(serde_json::to_vec(&resources).unwrap()),
        ))
        .route(Route::get(
            "/apis/cilium.io/v2/ciliumnetworkpolicies",
            Reply::ok(support::wrap_list(
                &corpus,
                "cilium.io/v2",
                "CiliumNetworkPolicyList",
                vec![policy],
            )),
        ))
        .route(Route::get(
            "/apis/cilium.io/v2/ciliumclusterwidenetworkpolicies",
            Reply::ok(support::wrap_list(
                &corpus,
                "cilium.io/v2",
                "CiliumClusterwideNetworkPolicyList",
                vec![],
            )),
        ))
        .routes(support::cluster_routes(&corpus))
        .start();
    let (read, _dir) = scan(&server, Options::default());
    assert_eq!(read.problems, vec![]);
    let cilium: Vec<_> = read
        .objects
        .iter()
        .filter(|o| o.kind == "CiliumNetworkPolicy")
        .collect();
    assert_eq!(cilium.len(), 1);
    assert_eq!(cilium[0].api_version, "cilium.io/v2");
    assert_eq!(cilium[0].group(), "cilium.io");
}

#[test]
fn an_unreachable_server_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    // Port 1 on loopback: nothing listens there.
    std::fs::write(
        &kubeconfig,
        "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: x\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: x\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n",
    )
    .unwrap();
    let error = read_cluster(&Options {
        kubeconfig: Some(kubeconfig),
        ..Options::default()
    })
    .unwrap_err();
    let text = error.to_string();
    assert!(text.contains("https://127.0.0.1:1"), "{text}");
    assert!(text.starts_with("cannot reach the API server"), "{text}");
}

#[test]
fn a_failed_typed_list_is_reported_with_its_selector_and_types_nothing() {
    let corpus = corpus_or_skip!();
    let failure = read(
        &corpus,
        "api-responses/kontena-k8s-client/api/configmaps-bar-404.json",
    );
    let server = Replay::new(&corpus)
        .route(
            Route::get("/api/v1/secrets", Reply::json(500, failure))
                .query("fieldSelector", "type=kubernetes.io/service-account-token")
                .query("limit", "500"),
        )
        .routes(support::cluster_routes(&corpus))
        .start();
    let (read, _dir) = scan(&server, Options::default());
    assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
    let text = read.problems[0].to_string();
    assert!(
        text.contains("in all namespaces with the field selector type=kubernetes.io/service-account-token: HTTP 500"),
        "{text}"
    );
    // The Secrets were read, without the type the failed list would have given.
    let token = read
        .objects
        .iter()
        .find(|o| o.name == "local-path-provisioner-service-account-token-5rqnj")
        .unwrap();
    assert!(token.root.get("type").is_none());
}

#[test]
fn without_discovery_the_built_in_kinds_are_read_at_their_usual_versions() {
    let corpus = corpus_or_skip!();
    // A server that answers lists but no discovery at all (404 on /apis, /api/v1, ...).
    let routes = support::cluster_routes(&corpus)
        .into_iter()
        .filter(|route| {
            let group_version =
                route.path.starts_with("/apis/") && route.path.split('/').count() == 4;
            !(matches!(route.path.as_str(), "/api" | "/apis" | "/api/v1") || group_version)
        });
    let server = Replay::new(&corpus).routes(routes).start();
    assert_eq!(server.seen().len(), 0);
    let (read, _dir) = scan(&server, Options::default());
    assert!(server.seen_at("/apis").iter().all(|s| s.status == 404));
    assert!(server.seen_at("/api/v1").iter().all(|s| s.status == 404));
    assert_eq!(read.problems, vec![], "{:?}", read.problems);
    assert!(
        read.notes
            .iter()
            .any(|n| n.contains("API discovery (/apis) failed (404")),
        "{:?}",
        read.notes
    );
    assert_eq!(names(&read, "Pod").len(), 8);
    assert_eq!(names(&read, "Secret").len(), 5);
}

#[test]
fn rejected_credentials_stop_the_scan_with_a_clear_error() {
    let corpus = corpus_or_skip!();
    let unauthorized = serde_json::to_vec(&json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": "Unauthorized", "reason": "Unauthorized", "code": 401
    }))
    .unwrap();
    let server = Replay::new(&corpus)
        .route(Route::get("/apis", Reply::json(401, unauthorized)))
        .routes(support::cluster_routes(&corpus))
        .start();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("config");
    std::fs::write(&kubeconfig, server.kubeconfig("replay")).unwrap();
    let error = read_cluster(&Options {
        kubeconfig: Some(kubeconfig),
        ..Options::default()
    })
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "the API server rejected the credentials (401 Unauthorized: Unauthorized)"
    );
    // Nothing else was asked once the credentials were refused.
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn the_server_certificate_is_verified_unless_the_kubeconfig_says_not_to() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = |extra: &str| {
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            format!(
                "apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: x\n  cluster:\n    server: {}\n{extra}contexts:\n- name: c\n  context:\n    cluster: x\n    user: u\nusers:\n- name: u\n  user:\n    token: t\n",
                server.url
            ),
        )
        .unwrap();
        Options {
            kubeconfig: Some(path),
            ..Options::default()
        }
    };
    // Without the CA the replay server's certificate is not trusted.
    let error = read_cluster(&kubeconfig("")).unwrap_err().to_string();
    assert!(error.starts_with("cannot reach the API server"), "{error}");
    assert!(
        error.contains("invalid peer certificate: UnknownIssuer"),
        "{error}"
    );
    // `insecure-skip-tls-verify: true`, as in k9s's kubeconfig of the corpus.
    let read = read_cluster(&kubeconfig("    insecure-skip-tls-verify: true\n")).unwrap();
    assert_eq!(read.problems, vec![]);
    assert_eq!(names(&read, "Pod").len(), 8);
}

#[test]
fn credentials_of_the_kubeconfig_are_sent_a_token_or_an_exec_plugins() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let (_read, _dir) = scan(&server, Options::default());
    let seen = server.seen();
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer replay-token")),
        "{seen:?}"
    );

    // An exec credential plugin, as EKS, GKE and AKS kubeconfigs use: a command that prints an
    // ExecCredential.
    let server = cluster(&corpus).start();
    let dir = tempfile::tempdir().unwrap();
    let plugin = dir.path().join("credential-plugin");
    std::fs::write(
        &plugin,
        "#!/bin/sh\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{\"token\":\"from-exec-plugin\"}}'\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let config = server.kubeconfig("replay").replace(
        "    token: replay-token\n",
        &format!(
            "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
            plugin.display()
        ),
    );
    let path = dir.path().join("config");
    std::fs::write(&path, config).unwrap();
    let read = read_cluster(&Options {
        kubeconfig: Some(path),
        ..Options::default()
    })
    .unwrap();
    assert_eq!(read.problems, vec![]);
    let seen = server.seen();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some("Bearer from-exec-plugin")),
        "{seen:?}"
    );
}

#[test]
fn many_pages_are_chained_by_their_continue_tokens() {
    let corpus = corpus_or_skip!();
    // The recorded v1.36 PodList, its 8 pods renamed per page, served as 50 pages of a
    // 400-pod list chained by continue tokens (no recording of a list that long exists).
    let (_, _, body) = support::exchange(
        &corpus,
        "api-responses/k8s-openapi-replays/v1-36/pod-list.json",
        0,
    );
    let recorded: Value = serde_json::from_slice(&body).unwrap();
    let pages = 50;
    let mut routes = Vec::new();
    for page in 0..pages {
        let mut list = recorded.clone();
        for item in list["items"].as_array_mut().unwrap() {
            let name = item["metadata"]["name"].as_str().unwrap().to_string();
            item["metadata"]["name"] = json!(format!("{name}-{page}"));
        }
        if page + 1 < pages {
            list["metadata"]["continue"] = json!(format!("token-{}", page + 1));
        }
        let route = Route::get(
            "/api/v1/pods",
            Reply::ok(serde_json::to_vec(&list).unwrap()),
        );
        routes.push(if page == 0 {
            route
        } else {
            route.query("continue", &format!("token-{page}"))
        });
    }
    let server = Replay::new(&corpus)
        .routes(routes)
        .routes(support::cluster_routes(&corpus))
        .start();
    let start = std::time::Instant::now();
    let (read, _dir) = scan(
        &server,
        Options {
            page_size: 8,
            ..Options::default()
        },
    );
    eprintln!("{} objects in {:?}", read.objects.len(), start.elapsed());
    assert_eq!(read.problems, vec![]);
    let pods = names(&read, "Pod");
    assert_eq!(pods.len(), 8 * pages);
    let unique: std::collections::BTreeSet<_> = pods.iter().collect();
    assert_eq!(unique.len(), pods.len());
    let requests = server.seen_at("/api/v1/pods");
    assert_eq!(requests.len(), pages);
    for (page, request) in requests.iter().enumerate() {
        let expected = (page > 0).then(|| format!("token-{page}"));
        assert_eq!(request.param("continue").map(str::to_string), expected);
        assert_eq!(request.param("limit"), Some("8"));
    }
}
