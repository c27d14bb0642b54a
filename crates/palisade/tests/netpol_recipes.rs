//! The NetworkPolicy recipes of ahmetb/kubernetes-network-policy-recipes
//! (`../shared/corpus/netpol/ahmetb-recipes`, read in place, never copied), each with the
//! behaviour its "Try it out" section reports (EXPECTED.md there), checked with
//! `palisade netpol check` against a topology built like the recipe's. Without the corpus the
//! test says so and passes.

mod common;

use std::path::PathBuf;

use common::Workspace;

fn recipes() -> Option<PathBuf> {
    let corpus = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
        });
    let dir = corpus.join("netpol/ahmetb-recipes");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; set PALISADE_CORPUS to run the recipe checks",
            dir.display()
        );
        None
    }
}

/// The recipes' namespaces and pods: a pod per line `namespace/name key=value,...`, and
/// namespaces with labels `namespace key=value,...`.
fn topology(namespaces: &[&str], pods: &[&str]) -> String {
    let labels = |text: &str| -> String {
        let pairs: Vec<String> = text
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                format!("{k}: {v}")
            })
            .collect();
        format!("{{{}}}", pairs.join(", "))
    };
    let mut yaml = String::new();
    for namespace in namespaces {
        let (name, rest) = namespace.split_once(' ').unwrap_or((namespace, ""));
        yaml.push_str(&format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}, labels: {}}}\n---\n",
            labels(rest)
        ));
    }
    for pod in pods {
        let (id, rest) = pod.split_once(' ').unwrap_or((pod, ""));
        let (namespace, name) = id.split_once('/').unwrap();
        yaml.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {namespace}, labels: {}}}\nspec: {{containers: [{{name: c, image: nginx, ports: [{{containerPort: 80}}, {{containerPort: 5000}}, {{containerPort: 8000}}]}}]}}\n---\n",
            labels(rest)
        ));
    }
    yaml
}

/// Runs `netpol check` with the recipe's policy (applied in `default`, as the recipes do) and
/// returns the exit code: 0 allowed, 1 denied.
fn check(work: &Workspace, recipe: &PathBuf, from: &str, to: &str, port: &str) -> i32 {
    let policy = std::fs::read_to_string(recipe).unwrap();
    // `kubectl apply -f` puts a policy without a namespace into `default`: so does palisade.
    work.write("policy.yaml", policy);
    let run = work.run(&[
        "netpol",
        "check",
        "--no-config",
        "--from",
        from,
        "--to",
        to,
        "--port",
        port,
        "topology.yaml",
        "policy.yaml",
    ]);
    assert!(run.code == 0 || run.code == 1, "{run:?}");
    run.code
}

const ALLOWED: i32 = 0;
const DENIED: i32 = 1;

#[test]
fn every_recipe_behaves_as_documented() {
    let Some(dir) = recipes() else { return };
    let file = |prefix: &str| -> PathBuf {
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            .collect();
        found.sort();
        assert_eq!(found.len(), 1, "{prefix}: {found:?}");
        found.remove(0)
    };
    let work = Workspace::new();
    work.write(
        "topology.yaml",
        topology(
            &[
                "default",
                "foo",
                "secondary",
                "dev purpose=testing",
                "prod purpose=production",
                "other team=operations",
                "kube-system",
            ],
            &[
                "default/web app=web",
                "default/probe",
                "default/monitor type=monitoring",
                "default/bookstore app=bookstore",
                "default/api app=bookstore,role=api",
                "default/search app=bookstore,role=search",
                "default/db app=bookstore,role=db",
                "default/inventory app=inventory,role=web",
                "default/other app=other",
                "default/apiserver app=apiserver",
                "default/monitoring role=monitoring",
                "default/foo app=foo",
                "foo/probe",
                "secondary/probe",
                "dev/probe",
                "prod/probe",
                "other/probe",
                "other/monitor type=monitoring",
                "kube-system/coredns k8s-app=kube-dns",
            ],
        ),
    );
    let cases: &[(&str, &str, &str, &str, i32)] = &[
        ("01-", "default/probe", "default/web", "80", DENIED),
        ("02-", "default/probe", "default/api", "80", DENIED),
        ("02-", "default/bookstore", "default/api", "80", ALLOWED),
        ("02a-", "default/probe", "default/web", "80", ALLOWED),
        ("02a-", "foo/probe", "default/web", "80", ALLOWED),
        ("03-", "default/probe", "default/web", "80", DENIED),
        ("03-", "default/web", "default/probe", "80", DENIED),
        ("04-", "foo/probe", "default/web", "80", DENIED),
        ("04-", "default/probe", "default/web", "80", ALLOWED),
        ("05-", "secondary/probe", "default/web", "80", ALLOWED),
        ("05-", "foo/probe", "default/web", "80", ALLOWED),
        ("06-", "dev/probe", "default/web", "80", DENIED),
        ("06-", "prod/probe", "default/web", "80", ALLOWED),
        ("07-", "default/probe", "default/web", "80", DENIED),
        ("07-", "default/monitor", "default/web", "80", DENIED),
        ("07-", "other/probe", "default/web", "80", DENIED),
        ("07-", "other/monitor", "default/web", "80", ALLOWED),
        ("08-", "203.0.113.10", "default/web", "80", ALLOWED),
        ("08-", "foo/probe", "default/web", "80", ALLOWED),
        ("09-", "default/probe", "default/apiserver", "5000", DENIED),
        ("09-", "default/probe", "default/apiserver", "8000", DENIED),
        (
            "09-",
            "default/monitoring",
            "default/apiserver",
            "5000",
            ALLOWED,
        ),
        (
            "09-",
            "default/monitoring",
            "default/apiserver",
            "8000",
            DENIED,
        ),
        ("10-", "default/search", "default/db", "80", ALLOWED),
        ("10-", "default/api", "default/db", "80", ALLOWED),
        ("10-", "default/inventory", "default/db", "80", ALLOWED),
        ("10-", "default/other", "default/db", "80", DENIED),
        (
            "11-deny-egress-traffic-from-an-application--foo-deny-egress-block1",
            "default/foo",
            "default/web",
            "80",
            DENIED,
        ),
        (
            "11-deny-egress-traffic-from-an-application--foo-deny-egress-block1",
            "default/foo",
            "kube-system/coredns",
            "53/udp",
            DENIED,
        ),
        (
            "11-deny-egress-traffic-from-an-application--foo-deny-egress.yaml",
            "default/foo",
            "kube-system/coredns",
            "53/udp",
            ALLOWED,
        ),
        (
            "11-deny-egress-traffic-from-an-application--foo-deny-egress.yaml",
            "default/foo",
            "kube-system/coredns",
            "53/tcp",
            ALLOWED,
        ),
        (
            "11-deny-egress-traffic-from-an-application--foo-deny-egress.yaml",
            "default/foo",
            "default/web",
            "80",
            DENIED,
        ),
        (
            "11-deny-egress-traffic-from-an-application--foo-deny-egress.yaml",
            "default/foo",
            "93.184.216.34",
            "80",
            DENIED,
        ),
        ("12-", "default/web", "default/probe", "80", DENIED),
        ("12-", "foo/probe", "default/web", "80", ALLOWED),
        // The stored file holds the DNS rule only (the recipe's second rule is a fragment the
        // corpus left out), so only the outside destination is checked.
        ("14-", "default/foo", "93.184.216.34", "80", DENIED),
        (
            "14-",
            "default/foo",
            "kube-system/coredns",
            "53/tcp",
            ALLOWED,
        ),
    ];
    let mut wrong = Vec::new();
    for (prefix, from, to, port, expected) in cases {
        let recipe = file(prefix);
        let code = check(&work, &recipe, from, to, port);
        if code != *expected {
            wrong.push(format!(
                "{prefix} {from} -> {to} {port}: exit {code}, expected {expected}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
