//! The semantics checklist of the engine (docs: "NetworkPolicy semantics that tools commonly
//! get wrong"), one test per item.

use palisade_model::Inventory;

use super::*;
use crate::config::Config;

fn inventory(yaml: &str) -> Inventory {
    let loaded = palisade_load::load_str("test.yaml", yaml);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    Inventory::from_objects(loaded.objects)
}

/// A Deployment `name` in `namespace` with pod labels and container ports (`8080`,
/// `http:8080`, `dns:53/UDP`).
fn deployment(namespace: &str, name: &str, labels: &str, ports: &[&str]) -> String {
    let ports: Vec<String> = ports
        .iter()
        .map(|p| {
            let (name, rest) = match p.split_once(':') {
                Some((n, r)) => (Some(n), r),
                None => (None, *p),
            };
            let (number, protocol) = rest.split_once('/').unwrap_or((rest, "TCP"));
            match name {
                Some(n) => format!("{{name: {n}, containerPort: {number}, protocol: {protocol}}}"),
                None => format!("{{containerPort: {number}, protocol: {protocol}}}"),
            }
        })
        .collect();
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec:\n  template:\n    metadata: {{labels: {labels}}}\n    spec:\n      containers: [{{name: c, image: x, ports: [{}]}}]\n---\n",
        ports.join(", ")
    )
}

fn policy(namespace: &str, name: &str, spec: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n---\n"
    )
}

fn namespace(name: &str, labels: &str) -> String {
    format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {labels}}}\n---\n")
}

/// Whether `from` may reach `to` on `port`/`protocol`; `from`/`to` are `ns/name` or an IP.
fn allowed(yaml: &str, from: &str, to: &str, port: u16, protocol: Protocol) -> bool {
    let inventory = inventory(yaml);
    let cluster = Cluster::build(&inventory, &Config::default());
    let endpoint = |text: &str| match text.parse() {
        Ok(ip) => Endpoint::address(ip),
        Err(_) => Endpoint::Workload(cluster.find_workload(text).unwrap()),
    };
    let (source, destination) = (endpoint(from), endpoint(to));
    let verdict = cluster.check(&source, &destination, protocol, port);
    // The matrix view must agree with the single check.
    assert_eq!(
        verdict.allowed,
        cluster
            .connections(&source, &destination)
            .contains(protocol, port),
        "check and connections disagree for {from} -> {to} {port}/{protocol}"
    );
    verdict.allowed
}

const TCP: Protocol = Protocol::Tcp;
const UDP: Protocol = Protocol::Udp;

fn two_apps() -> String {
    format!(
        "{}{}",
        deployment("a", "web", "{app: web}", &["8080"]),
        deployment("a", "db", "{app: db}", &["5432"])
    )
}

#[test]
fn policy_types_default_to_ingress_plus_egress_when_there_are_egress_rules() {
    let base = two_apps();
    // No policyTypes and no egress rules: egress stays open, ingress is denied.
    let deny = policy("a", "deny", "{podSelector: {}}");
    assert!(!allowed(
        &format!("{base}{deny}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    let only_egress = policy(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: web}}, egress: []}",
    );
    assert!(allowed(
        &format!("{base}{only_egress}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    assert!(!allowed(
        &format!("{base}{only_egress}"),
        "a/db",
        "a/web",
        8080,
        TCP
    ));
    // Egress rules without policyTypes: Egress is added to the types.
    let egress_rule = policy(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: web}}, egress: [{ports: [{port: 53, protocol: UDP}]}]}",
    );
    assert!(!allowed(
        &format!("{base}{egress_rule}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    // policyTypes [Egress] written: the ingress rules are ignored and ingress stays open.
    let egress_only = policy(
        "a",
        "e",
        "{podSelector: {}, policyTypes: [Egress], ingress: [{from: [{podSelector: {matchLabels: {app: none}}}]}], egress: [{}]}",
    );
    assert!(allowed(
        &format!("{base}{egress_only}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    // Egress type with no egress rules: a default deny for egress.
    let deny_egress = policy("a", "e", "{podSelector: {}, policyTypes: [Egress]}");
    assert!(!allowed(
        &format!("{base}{deny_egress}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    assert!(!allowed(
        &format!("{base}{deny_egress}"),
        "a/web",
        "8.8.8.8",
        53,
        UDP
    ));
}

#[test]
fn empty_and_absent_fields() {
    let base = format!(
        "{}{}",
        two_apps(),
        deployment("b", "other", "{app: other}", &[])
    );
    let rule = |rule: &str| {
        format!(
            "{base}{}",
            policy(
                "a",
                "p",
                &format!("{{podSelector: {{matchLabels: {{app: db}}}}, ingress: [{rule}]}}")
            )
        )
    };
    // `- {}`: everything, from anywhere.
    assert!(allowed(&rule("{}"), "b/other", "a/db", 1, UDP));
    assert!(allowed(&rule("{}"), "203.0.113.9", "a/db", 5432, TCP));
    // No from: every source, on the listed ports only.
    assert!(allowed(
        &rule("{ports: [{port: 5432}]}"),
        "b/other",
        "a/db",
        5432,
        TCP
    ));
    assert!(allowed(
        &rule("{ports: [{port: 5432}]}"),
        "203.0.113.9",
        "a/db",
        5432,
        TCP
    ));
    assert!(!allowed(
        &rule("{ports: [{port: 5432}]}"),
        "b/other",
        "a/db",
        5433,
        TCP
    ));
    // `from: []` is the same as no from.
    assert!(allowed(&rule("{from: []}"), "b/other", "a/db", 9, TCP));
    // namespaceSelector {} alone: every pod of every namespace, not outside addresses.
    assert!(allowed(
        &rule("{from: [{namespaceSelector: {}}]}"),
        "b/other",
        "a/db",
        9,
        TCP
    ));
    assert!(!allowed(
        &rule("{from: [{namespaceSelector: {}}]}"),
        "203.0.113.9",
        "a/db",
        9,
        TCP
    ));
    // podSelector {} alone: the pods of the policy's own namespace only.
    assert!(allowed(
        &rule("{from: [{podSelector: {}}]}"),
        "a/web",
        "a/db",
        9,
        TCP
    ));
    assert!(!allowed(
        &rule("{from: [{podSelector: {}}]}"),
        "b/other",
        "a/db",
        9,
        TCP
    ));
    // Ingress type, no ingress rules: nothing.
    let none = format!(
        "{base}{}",
        policy("a", "p", "{podSelector: {matchLabels: {app: db}}}")
    );
    assert!(!allowed(&none, "a/web", "a/db", 5432, TCP));
    let empty = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {matchLabels: {app: db}}, ingress: []}"
        )
    );
    assert!(!allowed(&empty, "a/web", "a/db", 5432, TCP));
    // An absent podSelector reads as {}: every pod of the namespace.
    let absent = format!("{base}{}", policy("a", "p", "{policyTypes: [Ingress]}"));
    assert!(!allowed(&absent, "b/other", "a/web", 8080, TCP));
    assert!(allowed(&absent, "a/web", "b/other", 1, TCP));
}

#[test]
fn namespace_and_pod_selector_in_one_peer_and_versus_two_peers_or() {
    let base = format!(
        "{}{}{}{}{}",
        namespace("prod", "{team: shop}"),
        namespace("dev", "{team: shop}"),
        deployment("prod", "web", "{app: web}", &["80"]),
        deployment("prod", "client", "{role: client}", &[]),
        deployment("dev", "client", "{role: client}", &[])
    ) + &deployment("dev", "tool", "{role: tool}", &[]);
    let and = format!(
        "{base}{}",
        policy(
            "prod",
            "p",
            "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dev}}, podSelector: {matchLabels: {role: client}}}]}]}"
        )
    );
    assert!(allowed(&and, "dev/client", "prod/web", 80, TCP));
    assert!(!allowed(&and, "dev/tool", "prod/web", 80, TCP));
    assert!(!allowed(&and, "prod/client", "prod/web", 80, TCP));
    let or = format!(
        "{base}{}",
        policy(
            "prod",
            "p",
            "{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: dev}}}, {podSelector: {matchLabels: {role: client}}}]}]}"
        )
    );
    assert!(allowed(&or, "dev/client", "prod/web", 80, TCP));
    assert!(allowed(&or, "dev/tool", "prod/web", 80, TCP));
    assert!(allowed(&or, "prod/client", "prod/web", 80, TCP));
}

#[test]
fn policies_add_up_without_order() {
    let base = format!(
        "{}{}",
        two_apps(),
        deployment("a", "cache", "{app: cache}", &[])
    );
    let yaml = format!(
        "{base}{}{}",
        policy(
            "a",
            "one",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}"
        ),
        policy(
            "a",
            "two",
            "{podSelector: {}, ingress: [{from: [{podSelector: {matchLabels: {app: cache}}}], ports: [{port: 5432}]}]}"
        )
    );
    assert!(allowed(&yaml, "a/web", "a/db", 5432, TCP));
    assert!(allowed(&yaml, "a/cache", "a/db", 5432, TCP));
    assert!(!allowed(&yaml, "a/cache", "a/db", 6379, TCP));
    // The default-deny of "two" does not take away what "one" allows.
    assert!(allowed(&yaml, "a/web", "a/db", 1, TCP));
}

#[test]
fn both_ends_must_allow() {
    let base = two_apps();
    let egress_deny = policy(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress]}",
    );
    let ingress_allow = policy(
        "a",
        "i",
        "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}",
    );
    assert!(!allowed(
        &format!("{base}{egress_deny}{ingress_allow}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    assert!(allowed(
        &format!("{base}{ingress_allow}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    let egress_allow = policy(
        "a",
        "e",
        "{podSelector: {matchLabels: {app: web}}, egress: [{to: [{podSelector: {matchLabels: {app: db}}}]}]}",
    );
    let ingress_deny = policy("a", "i", "{podSelector: {matchLabels: {app: db}}}");
    assert!(!allowed(
        &format!("{base}{egress_allow}{ingress_deny}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    assert!(allowed(
        &format!("{base}{egress_allow}{ingress_allow}"),
        "a/web",
        "a/db",
        5432,
        TCP
    ));
    // The reverse direction is a different connection, judged on its own.
    assert!(!allowed(
        &format!("{base}{egress_allow}{ingress_allow}"),
        "a/db",
        "a/web",
        8080,
        TCP
    ));
}

#[test]
fn ip_blocks_match_outside_addresses_not_pods() {
    let base = two_apps();
    let yaml = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}"
        )
    );
    assert!(allowed(&yaml, "203.0.113.9", "a/db", 5432, TCP));
    assert!(!allowed(&yaml, "10.1.2.3", "a/db", 5432, TCP));
    assert!(allowed(&yaml, "a/web", "10.200.0.1", 443, TCP));
    assert!(!allowed(&yaml, "a/web", "192.0.2.1", 443, TCP));
    // Pod addresses are unknown: the ipBlock covering the pod network matches no pod.
    assert!(!allowed(&yaml, "a/web", "a/db", 5432, TCP));
    // IPv6 blocks match IPv6 addresses only.
    let v6 = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{from: [{ipBlock: {cidr: '2001:db8::/32'}}]}]}"
        )
    );
    assert!(allowed(&v6, "2001:db8::5", "a/db", 1, TCP));
    assert!(!allowed(&v6, "203.0.113.9", "a/db", 1, TCP));
}

#[test]
fn named_ports_resolve_against_the_destination() {
    let base = format!(
        "{}{}{}",
        deployment("a", "web", "{app: web}", &["http:8080"]),
        deployment("a", "api", "{app: api}", &["http:9090", "dns:53/UDP"]),
        deployment("a", "client", "{app: client}", &["http:1111"])
    );
    let ingress = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{ports: [{port: http}]}]}"
        )
    );
    assert!(allowed(&ingress, "a/client", "a/web", 8080, TCP));
    assert!(allowed(&ingress, "a/client", "a/api", 9090, TCP));
    assert!(!allowed(&ingress, "a/client", "a/api", 8080, TCP));
    // The source's own port of that name plays no part.
    assert!(!allowed(&ingress, "a/web", "a/client", 8080, TCP));
    // Egress named ports resolve against the destination too.
    let egress = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {matchLabels: {app: client}}, egress: [{ports: [{port: http}]}]}"
        )
    );
    assert!(allowed(&egress, "a/client", "a/api", 9090, TCP));
    assert!(!allowed(&egress, "a/client", "a/api", 1111, TCP));
    // ... and never match an address outside the cluster.
    assert!(!allowed(&egress, "a/client", "198.51.100.7", 8080, TCP));
    // The protocol must match: `dns` is UDP on api, the rule asks for TCP.
    let tcp_dns = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{ports: [{port: dns}]}]}"
        )
    );
    assert!(!allowed(&tcp_dns, "a/client", "a/api", 53, TCP));
    assert!(!allowed(&tcp_dns, "a/client", "a/api", 53, UDP));
    let udp_dns = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{ports: [{port: dns, protocol: UDP}]}]}"
        )
    );
    assert!(allowed(&udp_dns, "a/client", "a/api", 53, UDP));
}

#[test]
fn end_port_ranges_and_protocols() {
    let base = two_apps();
    let yaml = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{ports: [{port: 32000, endPort: 32768}, {protocol: UDP}, {port: 9000}, {port: '9001'}, {port: 7, protocol: SCTP}]}]}"
        )
    );
    for (port, protocol, expected) in [
        (32000, TCP, true),
        (32768, TCP, true),
        (31999, TCP, false),
        (32769, TCP, false),
        (32500, UDP, true),
        (1, UDP, true),
        (9000, TCP, true),
        // A quoted number is an (invalid) port name to the API server.
        (9001, TCP, false),
        (7, Protocol::Sctp, true),
        (7, TCP, false),
        (8, Protocol::Sctp, false),
    ] {
        assert_eq!(
            allowed(&yaml, "a/web", "a/db", port, protocol),
            expected,
            "{port}/{protocol}"
        );
    }
    // The protocol defaults to TCP.
    let tcp = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{ports: [{port: 53}]}]}"
        )
    );
    assert!(allowed(&tcp, "a/web", "a/db", 53, TCP));
    assert!(!allowed(&tcp, "a/web", "a/db", 53, UDP));
}

#[test]
fn namespaces_have_their_implicit_name_label() {
    // `b` has no Namespace object; `c` has one whose manifest tries to fake the label.
    let base = format!(
        "{}{}{}{}",
        deployment("a", "db", "{app: db}", &[]),
        deployment("b", "client", "{app: c}", &[]),
        namespace("c", "{kubernetes.io/metadata.name: b, team: x}"),
        deployment("c", "client", "{app: c}", &[])
    );
    let yaml = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: b}}}]}]}"
        )
    );
    assert!(allowed(&yaml, "b/client", "a/db", 1, TCP));
    assert!(!allowed(&yaml, "c/client", "a/db", 1, TCP));
    // A namespace absent from the input has no other label.
    let by_team = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: x}}}]}]}"
        )
    );
    assert!(allowed(&by_team, "c/client", "a/db", 1, TCP));
    assert!(!allowed(&by_team, "b/client", "a/db", 1, TCP));
}

#[test]
fn host_network_pods_are_outside_network_policy() {
    let host = "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: a}\nspec:\n  template:\n    metadata: {labels: {app: agent}}\n    spec: {hostNetwork: true, containers: [{name: c, image: x}]}\n---\n";
    let base = format!("{}{host}", two_apps());
    let yaml = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, policyTypes: [Ingress, Egress], ingress: [{from: [{podSelector: {}}]}], egress: [{to: [{podSelector: {}}]}]}"
        )
    );
    // The policy selects the agent's labels, but cannot isolate a hostNetwork pod.
    assert!(allowed(&yaml, "203.0.113.1", "a/agent", 22, TCP));
    // Its traffic carries the node's address: a pod selector does not admit it.
    assert!(!allowed(&yaml, "a/agent", "a/db", 5432, TCP));
    assert!(!allowed(&yaml, "a/web", "a/agent", 10250, TCP));
    assert!(allowed(&yaml, "a/web", "a/db", 5432, TCP));
    let inventory = inventory(&yaml);
    let cluster = Cluster::build(&inventory, &Config::default());
    assert_eq!(cluster.policies[0].selected.len(), 2);
}

#[test]
fn not_in_and_does_not_exist_match_pods_without_the_label() {
    let base = format!(
        "{}{}{}",
        deployment("a", "db", "{app: db}", &[]),
        deployment("a", "plain", "{app: plain}", &[]),
        deployment("a", "prod", "{app: p, env: prod}", &[])
    );
    let yaml = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}}]}]}"
        )
    );
    assert!(allowed(&yaml, "a/plain", "a/db", 1, TCP));
    assert!(!allowed(&yaml, "a/prod", "a/db", 1, TCP));
    let absent = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {matchExpressions: [{key: env, operator: DoesNotExist}]}}"
        )
    );
    assert!(!allowed(&absent, "a/prod", "a/plain", 1, TCP));
    assert!(allowed(&absent, "a/plain", "a/prod", 1, TCP));
}

#[test]
fn policies_select_only_pods_of_their_namespace() {
    let base = format!(
        "{}{}",
        deployment("a", "db", "{app: db}", &[]),
        deployment("b", "db", "{app: db}", &[])
    );
    let yaml = format!("{base}{}", policy("a", "deny", "{podSelector: {}}"));
    assert!(!allowed(&yaml, "b/db", "a/db", 1, TCP));
    assert!(allowed(&yaml, "a/db", "b/db", 1, TCP));
}

#[test]
fn invalid_parts_match_nothing_and_are_reported() {
    let base = two_apps();
    let yaml = format!(
        "{base}{}",
        policy(
            "a",
            "p",
            "{podSelector: {}, ingress: [{from: [{}, {podSelector: {}, ipBlock: {cidr: 10.0.0.0/8}}, {ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/8]}}], ports: [{port: http, endPort: 90}, {port: 80, endPort: 70}, {port: 80, protocol: tcp}, {port: 0}, {port: HTTP}]}, {from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}]}"
        )
    );
    assert!(!allowed(&yaml, "a/web", "a/db", 80, TCP));
    let inventory = inventory(&yaml);
    let cluster = Cluster::build(&inventory, &Config::default());
    let paths: Vec<&str> = cluster.problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/spec/ingress/0/from/0",
            "/spec/ingress/0/from/1",
            "/spec/ingress/0/from/2/ipBlock",
            "/spec/ingress/0/ports/0",
            "/spec/ingress/0/ports/1",
            "/spec/ingress/0/ports/2",
            "/spec/ingress/0/ports/3",
            "/spec/ingress/0/ports/4",
            "/spec/ingress/1/from/0/podSelector",
        ]
    );
}

#[test]
fn verdicts_name_the_isolating_policies_and_allowing_rules() {
    let yaml = format!(
        "{}{}{}{}",
        two_apps(),
        policy(
            "a",
            "deny",
            "{podSelector: {}, policyTypes: [Ingress, Egress]}"
        ),
        policy(
            "a",
            "web-out",
            "{podSelector: {matchLabels: {app: web}}, egress: [{to: [{podSelector: {matchLabels: {app: x}}}]}, {to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: 5432}]}]}"
        ),
        policy(
            "a",
            "db-in",
            "{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5433}]}]}"
        )
    );
    let inventory = inventory(&yaml);
    let cluster = Cluster::build(&inventory, &Config::default());
    let web = Endpoint::Workload(cluster.find_workload("a/web").unwrap());
    let db = Endpoint::Workload(cluster.find_workload("a/db").unwrap());
    let verdict = cluster.check(&web, &db, TCP, 5432);
    assert!(!verdict.allowed);
    assert_eq!(verdict.egress.status, SideStatus::Isolated);
    assert_eq!(verdict.egress.isolating, vec![0, 1]);
    assert_eq!(
        verdict.egress.allowing,
        vec![RuleRef {
            policy: 1,
            direction: Direction::Egress,
            rule: 1
        }]
    );
    assert_eq!(verdict.ingress.isolating, vec![0, 2]);
    assert!(verdict.ingress.allowing.is_empty() && !verdict.ingress.allowed);
    assert_eq!(cluster.connections(&web, &db).to_string(), "No Connections");
    assert_eq!(cluster.egress_connections(0, &db).to_string(), "TCP 5432");
}

#[test]
fn selection_through_the_index_equals_a_scan() {
    let mut yaml = String::new();
    for i in 0..60 {
        yaml.push_str(&deployment(
            if i % 2 == 0 { "x" } else { "y" },
            &format!("w{i}"),
            &format!("{{app: a{}, tier: t{}, n{}: v}}", i % 5, i % 3, i % 4),
            &[],
        ));
    }
    let inventory = inventory(&yaml);
    let cluster = Cluster::build(&inventory, &Config::default());
    for selector in [
        "{}",
        "{matchLabels: {app: a1}}",
        "{matchLabels: {app: a1, tier: t2}}",
        "{matchExpressions: [{key: n1, operator: Exists}]}",
        "{matchExpressions: [{key: n1, operator: DoesNotExist}, {key: app, operator: In, values: [a1, a2, zz]}]}",
        "{matchExpressions: [{key: tier, operator: NotIn, values: [t0]}]}",
        "{matchLabels: {app: none}}",
    ] {
        let node = palisade_load::parse_documents("s", selector)
            .unwrap()
            .remove(0);
        let parsed = labels::Selector::parse(&node).unwrap();
        for ns in 0..cluster.namespaces.len() {
            let scanned: Vec<usize> = (0..cluster.workloads.len())
                .filter(|&w| {
                    cluster.workloads[w].namespace == ns
                        && parsed.matches(&cluster.workloads[w].labels)
                })
                .collect();
            assert_eq!(cluster.select_in(ns, &parsed), scanned, "{selector}");
        }
    }
}

#[test]
fn calico_and_cilium_policies_count_for_coverage() {
    let base = format!(
        "{}{}{}",
        namespace("shop", "{tier: front}"),
        deployment("shop", "web", "{app: web}", &[]),
        deployment("shop", "db", "{app: db}", &[])
    );
    let yaml = format!(
        "{base}{}{}{}{}",
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: shop}\nspec: {selector: app == 'web', egress: [{action: Allow}]}\n---\n",
        "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec: {namespaceSelector: tier == 'front', types: [Ingress]}\n---\n",
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: k, namespace: shop}\nspec: {endpointSelector: {matchLabels: {'k8s:app': db}}, egress: [{}]}\n---\n",
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: n}\nspec: {nodeSelector: {}, ingress: [{}]}\n---\n"
    );
    let inventory = inventory(&yaml);
    let cluster = Cluster::build(&inventory, &Config::default());
    let web = &cluster.workloads[cluster.find_workload("shop/web").unwrap()];
    let db = &cluster.workloads[cluster.find_workload("shop/db").unwrap()];
    assert_eq!((web.crd_ingress.len(), web.crd_egress.len()), (1, 1));
    assert_eq!((db.crd_ingress.len(), db.crd_egress.len()), (1, 1));
    assert!(web.ingress_covered() && web.egress_covered() && db.egress_covered());
    // The GlobalNetworkPolicy covers the whole namespace for ingress; the others do not.
    let shop = cluster.namespace_named("shop").unwrap();
    let whole: Vec<&str> = cluster
        .crd_policies
        .iter()
        .filter(|p| p.whole_namespaces_ingress.contains(&shop))
        .map(|p| p.object.name.as_str())
        .collect();
    assert_eq!(whole, ["g"]);
    assert!(cluster.problems.is_empty());
    // The Kubernetes engine ignores them for reachability.
    assert!(cluster.policies.is_empty());
}

#[test]
fn port_names_follow_the_api_server() {
    for good in ["http", "dns-tcp", "h2c", "a1", "metrics-port-99"] {
        assert!(model::valid_port_name(good), "{good}");
    }
    for bad in [
        "",
        "9000",
        "HTTP",
        "-http",
        "http-",
        "dns--tcp",
        "a_b",
        "sixteen-letters1",
        "ünï",
    ] {
        assert!(!model::valid_port_name(bad), "{bad}");
    }
}

#[test]
fn odd_shapes_never_panic() {
    let specs = [
        "null",
        "[]",
        "{podSelector: []}",
        "{podSelector: {matchLabels: null, matchExpressions: null}}",
        "{podSelector: {}, policyTypes: Ingress}",
        "{podSelector: {}, policyTypes: [1, null, Egress]}",
        "{podSelector: {}, ingress: {from: []}}",
        "{podSelector: {}, ingress: [null, 1, {from: 5, ports: {}}]}",
        "{podSelector: {}, ingress: [{from: [null, [], {ipBlock: null}, {ipBlock: {cidr: 7}}, {ipBlock: {cidr: '10.0.0.0/8', except: [null, '::/0']}}]}]}",
        "{podSelector: {}, egress: [{to: [{namespaceSelector: {matchExpressions: [{key: a, operator: In, values: [1, true]}]}}], ports: [{port: -1}, {port: 1.5}, {port: '99999'}, {port: [80]}, {protocol: 5}, {port: 1, endPort: 'x'}]}]}",
        "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: '0.0.0.0/0', except: ['0.0.0.0/0']}}]}]}",
        "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: '255.255.255.255/32'}}, {ipBlock: {cidr: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'}}]}]}",
    ];
    let mut yaml = format!(
        "{}{}",
        deployment(
            "a",
            "web",
            "{app: web}",
            &["http:8080", "65535", "dns:53/UDP"]
        ),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: odd, namespace: a, labels: [x]}\nspec: {hostNetwork: yes, containers: [{ports: [{containerPort: 0}, {containerPort: 70000}, {containerPort: 80, protocol: ICMP}, null]}]}\n---\n"
    );
    for (i, spec) in specs.iter().enumerate() {
        yaml.push_str(&policy("a", &format!("p{i}"), spec));
    }
    yaml.push_str("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec: {selector: 7, namespaceSelector: \"has(\", types: Ingress}\n---\n");
    yaml.push_str("apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: a}\nspecs: [null, {endpointSelector: [1]}, {endpointSelector: {}, ingress: {}}]\n");
    let inventory = inventory(&yaml);
    let cluster = Cluster::build(&inventory, &Config::default());
    let endpoints: Vec<Endpoint> = (0..cluster.workloads.len())
        .map(Endpoint::Workload)
        .chain(cluster.external_atoms().into_iter().map(Endpoint::External))
        .collect();
    for source in &endpoints {
        for destination in &endpoints {
            let conns = cluster.connections(source, destination);
            for protocol in Protocol::ALL {
                for port in [1, 53, 80, 8080, 65535] {
                    let verdict = cluster.check(source, destination, protocol, port);
                    assert_eq!(verdict.allowed, conns.contains(protocol, port));
                }
            }
        }
    }
    assert!(!cluster.problems.is_empty());
    let outcome = crate::engine::check(&inventory, &Config::default());
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
}
