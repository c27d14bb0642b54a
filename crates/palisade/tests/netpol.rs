//! `palisade netpol check` and `palisade netpol matrix` on a small shop: exit codes (0
//! allowed, 1 denied, 2 usage or input error), the policies named, JSON, the matrix.

mod common;

use common::Workspace;
use serde_json::Value;

const SHOP: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: monitoring}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
        - name: web
          image: registry.example.com/web:1
          ports: [{name: http, containerPort: 8080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: registry.example.com/api:1
          ports: [{name: https, containerPort: 8443}, {name: metrics, containerPort: 9090}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: postgres:16, ports: [{containerPort: 5432}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: prometheus, namespace: monitoring}
spec:
  template:
    metadata: {labels: {app: prometheus}}
    spec:
      containers: [{name: p, image: prom/prometheus:v2}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny, namespace: shop}
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
    - ports: [{port: http}]
  egress:
    - to: [{podSelector: {matchLabels: {app: api}}}]
      ports: [{port: https}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: 8443}]
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}
          podSelector: {matchLabels: {app: prometheus}}
      ports: [{port: metrics}]
  egress:
    - to: [{podSelector: {matchLabels: {app: db}}}]
      ports: [{port: 5432}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: api}}}]
      ports: [{port: 5432}]
"#;

fn shop() -> Workspace {
    let work = Workspace::new();
    work.write("shop.yaml", SHOP);
    work
}

fn check(work: &Workspace, from: &str, to: &str, port: &str, extra: &[&str]) -> common::Run {
    let mut arguments = vec![
        "netpol",
        "check",
        "--no-config",
        "--from",
        from,
        "--to",
        to,
        "--port",
        port,
    ];
    arguments.extend_from_slice(extra);
    arguments.push("shop.yaml");
    work.run(&arguments)
}

fn check_json(work: &Workspace, from: &str, to: &str, port: &str) -> (i32, Value) {
    let run = check(work, from, to, port, &["-o", "json"]);
    let value: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", run.stdout, run.stderr));
    (run.code, value)
}

#[test]
fn an_allowed_connection_exits_0_and_names_the_deciding_rules() {
    let work = shop();
    let run = check(&work, "shop/web", "shop/api", "8443", &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "allowed: shop/web (Deployment) -> shop/api (Deployment) on 8443/TCP"
    );
    assert!(lines[1].starts_with("  egress of shop/web (Deployment) allows: isolated by NetworkPolicies shop/default-deny, shop/web; allowed by shop/web egress rule 0 (shop.yaml:"), "{}", lines[1]);
    assert!(lines[2].starts_with("  ingress of shop/api (Deployment) allows: isolated by NetworkPolicies shop/default-deny, shop/api; allowed by shop/api ingress rule 0 (shop.yaml:"), "{}", lines[2]);
}

#[test]
fn a_denied_connection_exits_1_and_says_which_side_denies() {
    let work = shop();
    let run = check(&work, "shop/web", "shop/db", "5432", &[]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout
            .starts_with("denied: shop/web (Deployment) -> shop/db (StatefulSet) on 5432/TCP\n")
    );
    assert!(run.stdout.contains("  egress of shop/web (Deployment) denies: isolated by NetworkPolicies shop/default-deny, shop/web; no egress rule of theirs allows this connection\n"));
    assert!(run.stdout.contains("  ingress of shop/db (StatefulSet) denies: isolated by NetworkPolicies shop/default-deny, shop/db; no ingress rule of theirs allows this connection\n"));

    let (code, json) = check_json(&work, "shop/web", "shop/db", "5432");
    assert_eq!(code, 1);
    assert_eq!(json["allowed"], false);
    assert_eq!(json["egress"]["allowed"], false);
    assert_eq!(json["egress"]["status"], "isolated");
    assert_eq!(
        json["ingress"]["isolatedBy"],
        serde_json::json!(["shop/default-deny", "shop/db"])
    );
    assert_eq!(
        json["to"],
        serde_json::json!({"kind": "StatefulSet", "namespace": "shop", "name": "db"})
    );
}

#[test]
fn json_names_the_allowing_rules_with_their_place() {
    let work = shop();
    let (code, json) = check_json(&work, "shop/api", "shop/db", "5432");
    assert_eq!(code, 0);
    assert_eq!(json["allowed"], true);
    let rule = &json["egress"]["allowedBy"][0];
    assert_eq!(rule["policy"], "shop/api");
    assert_eq!(rule["direction"], "egress");
    assert_eq!(rule["rule"], 0);
    assert_eq!(rule["path"], "/spec/egress/0");
    assert!(rule["location"].as_str().unwrap().starts_with("shop.yaml:"));
    assert_eq!(json["ingress"]["allowedBy"][0]["policy"], "shop/db");
    assert_eq!(json["port"], 5432);
    assert_eq!(json["protocol"], "TCP");
}

#[test]
fn named_ports_resolve_on_the_destination() {
    let work = shop();
    let (code, json) = check_json(&work, "shop/web", "shop/api", "https");
    assert_eq!(code, 0);
    assert_eq!(
        (json["port"].as_u64(), json["namedPort"].as_str()),
        (Some(8443), Some("https"))
    );
    // Namespace and pod selector in one peer: prometheus of monitoring, on the metrics port.
    assert_eq!(
        check(&work, "monitoring/prometheus", "shop/api", "metrics", &[]).code,
        0
    );
    assert_eq!(
        check(&work, "monitoring/prometheus", "shop/api", "8443", &[]).code,
        1
    );
    assert_eq!(check(&work, "shop/web", "shop/api", "9090", &[]).code, 1);
}

#[test]
fn protocols_and_outside_addresses() {
    let work = shop();
    assert_eq!(
        check(&work, "shop/web", "shop/api", "8443/udp", &[]).code,
        1
    );
    assert_eq!(
        check(&work, "shop/web", "shop/api", "8443/TCP", &[]).code,
        0
    );
    let run = check(&work, "203.0.113.7", "shop/web", "8080", &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout
            .contains("egress of 203.0.113.7 allows: an address outside the cluster")
    );
    assert_eq!(check(&work, "203.0.113.7", "shop/api", "8443", &[]).code, 1);
    // The shop's egress is locked down; monitoring's is not.
    assert_eq!(check(&work, "shop/web", "198.51.100.1", "443", &[]).code, 1);
    assert_eq!(
        check(&work, "monitoring/prometheus", "198.51.100.1", "443", &[]).code,
        0
    );
}

#[test]
fn usage_and_input_errors_exit_2() {
    let work = shop();
    for (from, to, port, message) in [
        (
            "shop/nope",
            "shop/api",
            "80",
            "--from: no workload \"shop/nope\" in the input",
        ),
        ("shop/web", "shop/api", "0", "--port: port 0 is not a port"),
        (
            "shop/web",
            "shop/api",
            "70000",
            "--port: port 70000 is outside 1-65535",
        ),
        (
            "shop/web",
            "shop/api",
            "80/icmp",
            "--port: unknown protocol \"icmp\"",
        ),
        (
            "shop/web",
            "shop/api",
            "grpc",
            "--port: shop/api declares no container port named \"grpc\"",
        ),
        (
            "shop/web",
            "192.0.2.1",
            "https",
            "--port: the named port \"https\" needs a workload as destination",
        ),
        (
            "a/b/c/d",
            "shop/api",
            "80",
            "--from: \"a/b/c/d\" is not NAMESPACE/NAME",
        ),
    ] {
        let run = check(&work, from, to, port, &[]);
        assert_eq!(run.code, 2, "{from} {to} {port}: {run:?}");
        assert!(run.stderr.contains(message), "{message}: {}", run.stderr);
        assert_eq!(run.stdout, "");
    }
    // A file that does not parse: the answer is printed, but the exit code says not to trust it.
    work.write("broken.yaml", "kind: [unclosed\n");
    let run = work.run(&[
        "netpol",
        "check",
        "--no-config",
        "--from",
        "shop/web",
        "--to",
        "shop/api",
        "--port",
        "8443",
        "shop.yaml",
        "broken.yaml",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stderr.contains("broken.yaml"));
}

#[test]
fn ambiguous_names_ask_for_the_kind() {
    let work = shop();
    work.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c, image: x}]}\n",
    );
    let run = work.run(&[
        "netpol",
        "check",
        "--no-config",
        "--from",
        "shop/web",
        "--to",
        "shop/api",
        "--port",
        "8443",
        "shop.yaml",
        "pod.yaml",
    ]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("\"shop/web\" is ambiguous: shop/Deployment/web, shop/Pod/web; write NAMESPACE/KIND/NAME"), "{}", run.stderr);
    let run = work.run(&[
        "netpol",
        "check",
        "--no-config",
        "--from",
        "shop/pod/web",
        "--to",
        "shop/api",
        "--port",
        "8443",
        "shop.yaml",
        "pod.yaml",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn host_network_pods_follow_the_chosen_model() {
    let work = shop();
    work.write(
        "agent.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {hostNetwork: true, containers: [{name: a, image: x}]}\n",
    );
    let run = |mode: &str| {
        work.run(&[
            "netpol",
            "check",
            "--no-config",
            "--host-network",
            mode,
            "--from",
            "203.0.113.9",
            "--to",
            "shop/agent",
            "--port",
            "22",
            "shop.yaml",
            "agent.yaml",
        ])
    };
    // By default its traffic is the node's: the shop's default deny cannot isolate it.
    let node = run("node");
    assert_eq!(node.code, 0, "{node:?}");
    assert!(
        node.stdout
            .contains("a hostNetwork pod: NetworkPolicy does not apply to it")
    );
    assert_eq!(run("pod").code, 1);
}

#[test]
fn the_matrix_lists_who_can_reach_whom() {
    let work = shop();
    let run = work.run(&["netpol", "matrix", "--no-config", "shop.yaml"]);
    assert_eq!(run.code, 0, "{run:?}");
    let rows: Vec<Vec<&str>> = run
        .stdout
        .lines()
        .skip(1)
        .take_while(|line| !line.is_empty())
        .map(|line| {
            line.split("  ")
                .filter(|s| !s.is_empty())
                .map(str::trim)
                .collect()
        })
        .collect();
    let has = |from: &str, to: &str, conns: &str| rows.iter().any(|r| r == &[from, to, conns]);
    assert!(
        has("shop/web[Deployment]", "shop/api[Deployment]", "TCP 8443"),
        "{}",
        run.stdout
    );
    assert!(has(
        "shop/api[Deployment]",
        "shop/db[StatefulSet]",
        "TCP 5432"
    ));
    assert!(has(
        "monitoring/prometheus[Deployment]",
        "shop/api[Deployment]",
        "TCP 9090"
    ));
    assert!(has(
        "0.0.0.0-255.255.255.255[External]",
        "shop/web[Deployment]",
        "TCP 8080"
    ));
    assert!(has(
        "monitoring/prometheus[Deployment]",
        "0.0.0.0-255.255.255.255[External]",
        "All Connections"
    ));
    assert!(
        !rows
            .iter()
            .any(|r| r[0] == "shop/web[Deployment]" && r[1] == "shop/db[StatefulSet]")
    );
    // web accepts port 8080 from anyone, prometheus included; monitoring is not isolated.
    assert!(has(
        "monitoring/prometheus[Deployment]",
        "shop/web[Deployment]",
        "TCP 8080"
    ));
    assert!(has(
        "0.0.0.0-255.255.255.255[External]",
        "monitoring/prometheus[Deployment]",
        "All Connections"
    ));
    assert_eq!(rows.len(), 7, "{}", run.stdout);
    assert!(run.stdout.ends_with("4 workloads, 4 NetworkPolicies; 4 of 12 ordered workload pairs can connect\nnetwork plugin: none in the input (whether policies are enforced depends on the cluster's)\n"), "{}", run.stdout);

    let json = work.run(&[
        "netpol",
        "matrix",
        "--no-config",
        "-o",
        "json",
        "--no-external",
        "shop.yaml",
    ]);
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    let connections = value["connections"].as_array().unwrap();
    assert_eq!(connections.len(), 4);
    assert_eq!(connections[0]["from"], "monitoring/prometheus[Deployment]");
    assert_eq!(
        connections[0]["ports"]["TCP"],
        serde_json::json!([[9090, 9090]])
    );
    assert_eq!(value["workloads"].as_array().unwrap().len(), 4);
    assert_eq!(value["policies"], 4);
}

#[test]
fn the_matrix_names_the_network_plugin() {
    let work = shop();
    work.write(
        "flannel.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kube-flannel-ds, namespace: kube-flannel}\nspec:\n  template:\n    spec: {hostNetwork: true, containers: [{name: f, image: 'docker.io/flannel/flannel:v0.25.1'}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata: {net-conf.json: '{\"Network\": \"10.244.0.0/16\", \"Backend\": {\"Type\": \"wireguard\"}}'}\n",
    );
    let run = work.run(&[
        "netpol",
        "matrix",
        "--no-config",
        "--no-external",
        "shop.yaml",
        "flannel.yaml",
    ]);
    assert!(run.stdout.ends_with("network plugin: Flannel (does not enforce NetworkPolicy; encryption: on, the wireguard backend)\n"), "{}", run.stdout);
    let json = work.run(&[
        "netpol",
        "matrix",
        "--no-config",
        "-o",
        "json",
        "shop.yaml",
        "flannel.yaml",
    ]);
    let value: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        value["networkPlugins"],
        serde_json::json!([{"name": "Flannel", "enforcesNetworkPolicy": false, "encryption": "on, the wireguard backend"}])
    );
}

#[test]
fn stdin_and_warnings() {
    let work = Workspace::new();
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c, image: i}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\nspec: {podSelector: {}, ingress: [{ports: [{port: 80, endPort: 70}]}]}\n";
    let run = work.run_with_stdin(
        &[
            "netpol",
            "check",
            "--no-config",
            "--from",
            "1.2.3.4",
            "--to",
            "x/a",
            "--port",
            "80",
            "-",
        ],
        yaml,
    );
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("warning: -:"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("endPort 70 is below port 80; this port matches nothing"),
        "{}",
        run.stderr
    );
}
