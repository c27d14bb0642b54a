//! `palisade scan --cluster` end to end: the real binary against a local HTTPS server that
//! replays real API responses recorded from kube-apiservers (the server and what comes from
//! where are in `crates/palisade-cluster/tests/support/mod.rs`; RBAC lists, Namespaces,
//! NetworkPolicies and metadata-only Secrets are real corpus objects in the envelope of a
//! recorded list, since no such list was ever recorded). Also the kubeconfig resolution of
//! kubectl (`--kubeconfig`, `KUBECONFIG` merged, `~/.kube/config`, `--context`) with the real
//! kubeconfigs of the corpus, and palisade as the kubectl plugin `kubectl-palisade`.
//! Skipped, with a message, when `../shared/corpus` is absent.

#[path = "../../palisade-cluster/tests/support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::{PLANTED, Replay, Server};

/// A run of the binary in a clean environment: no KUBECONFIG, HOME in a temporary directory
/// (so no ~/.kube/config of the machine), not "in a pod".
struct Run {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    program: PathBuf,
}

impl Run {
    fn new() -> Run {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("home")).unwrap();
        Run {
            env: vec![("HOME".into(), dir.path().join("home").display().to_string())],
            dir,
            program: PathBuf::from(env!("CARGO_BIN_EXE_palisade")),
        }
    }

    fn write(&self, name: &str, text: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, text).unwrap();
        path
    }

    fn env(mut self, key: &str, value: impl Into<String>) -> Run {
        self.env.push((key.into(), value.into()));
        self
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(&[], args)
    }

    /// `palisade scan --no-config --cluster --kubeconfig KUBECONFIG ARGS...`.
    fn scan_cluster(&self, kubeconfig: &str, args: &[&str]) -> Output {
        let mut all = vec![
            "scan",
            "--no-config",
            "--cluster",
            "--kubeconfig",
            kubeconfig,
        ];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// A run with more environment variables than this one's.
    fn run_with(&self, env: &[(&str, &str)], args: &[&str]) -> Output {
        let mut command = Command::new(&self.program);
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("KUBECONFIG")
            .env_remove("KUBERNETES_SERVICE_HOST")
            .env_remove("KUBERNETES_SERVICE_PORT")
            .env("NO_COLOR", "1");
        for (key, value) in &self.env {
            command.env(key, value);
        }
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json_report(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&output.stdout), text(&output.stderr)))
}

fn cluster(corpus: &Path) -> Replay {
    Replay::new(corpus).routes(support::cluster_routes(corpus))
}

#[test]
fn a_cluster_scan_reports_findings_by_object_and_path() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let run = Run::new();
    let config = run.write("kubeconfig", server.kubeconfig("replay"));
    let kubeconfig = config.to_str().unwrap();

    let output = run.scan_cluster(kubeconfig, &["-o", "json"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report = json_report(&output);
    assert_eq!(report["errors"], json!([]), "{stderr}");
    assert!(
        report["summary"]["objects"].as_u64().unwrap() > 50,
        "{}",
        report["summary"]
    );
    assert_eq!(report["summary"]["files"], 0);
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    for finding in findings {
        assert_eq!(finding["location"], Value::Null, "{finding}");
        assert!(finding["object"]["kind"].is_string() && finding["object"]["name"].is_string());
    }
    // The recorded kube-apiserver pod runs on the host network.
    let host_network = findings
        .iter()
        .find(|f| {
            f["rule"] == "host-network"
                && f["object"] == json!({"apiVersion": "v1", "kind": "Pod", "namespace": "kube-system", "name": "kube-apiserver-v1.36-control-plane"})
        })
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(host_network["path"], "/spec/hostNetwork");
    // The legacy token Secret got its type from the typed list, so its rule fires.
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "long-lived-service-account-token"
                && f["object"]["name"] == "local-path-provisioner-service-account-token-5rqnj"),
        "{findings:#?}"
    );
    assert!(
        stderr.contains(&format!(
            "read {} objects from {}",
            report["summary"]["objects"], server.url
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("context replay, all namespaces"),
        "{stderr}"
    );

    // Every format, and the table shows the object and the path where a file position would be.
    for format in ["table", "json", "sarif", "junit"] {
        let output = run.scan_cluster(kubeconfig, &["-o", format]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: {}",
            text(&output.stderr)
        );
        let stdout = text(&output.stdout);
        assert!(
            !stdout.contains(PLANTED) && !text(&output.stderr).contains(PLANTED),
            "{format} shows Secret data"
        );
        match format {
            "table" => {
                let line = stdout
                    .lines()
                    .find(|l| {
                        l.contains("host-network")
                            && l.contains("Pod kube-system/kube-apiserver-v1.36-control-plane")
                    })
                    .unwrap_or_else(|| panic!("{stdout}"));
                assert!(line.contains("/spec/hostNetwork"), "{line}");
            }
            "sarif" => {
                let sarif: Value = serde_json::from_str(&stdout).unwrap();
                let result = &sarif["runs"][0]["results"][0];
                assert!(result["locations"][0].get("physicalLocation").is_none());
                assert!(
                    result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string(),
                    "{result}"
                );
            }
            "junit" => assert!(stdout.contains("path: /spec/hostNetwork"), "{stdout}"),
            _ => {}
        }
    }
}

#[test]
fn a_403_on_one_kind_is_reported_on_stderr_and_in_the_report_and_the_rest_is_judged() {
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
    let run = Run::new();
    let config = run.write("kubeconfig", server.kubeconfig("replay"));
    let output = run.scan_cluster(config.to_str().unwrap(), &["-o", "json"]);
    // Findings are still reported, but an incomplete scan exits 2, never 0 or 1.
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("cannot list Secret (v1 secrets) in all namespaces: 403 Forbidden"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the scan needs `list` on `secrets` in API group \"\""),
        "{stderr}"
    );
    let report = json_report(&output);
    assert!(!report["findings"].as_array().unwrap().is_empty());
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    for error in errors {
        assert_eq!(error["file"], server.url.as_str());
        assert!(error["message"].as_str().unwrap().contains("secrets"));
    }
    // Reported once, although the typed lists of Secrets failed too.
    assert_eq!(stderr.matches("403").count(), 1, "{stderr}");

    // The other formats carry it too: SARIF as a notification at the server's URL, the
    // table after the findings.
    let kubeconfig = config.to_str().unwrap();
    let sarif = run.scan_cluster(kubeconfig, &["-o", "sarif"]);
    assert_eq!(sarif.status.code(), Some(2));
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let notification = &sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"][0];
    assert_eq!(
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        server.url.as_str()
    );
    assert!(
        notification["message"]["text"]
            .as_str()
            .unwrap()
            .contains("`list` on `secrets`")
    );
    let table = run.scan_cluster(kubeconfig, &[]);
    assert_eq!(table.status.code(), Some(2));
    let stdout = text(&table.stdout);
    assert!(
        stdout.contains(&format!("{}: cannot list Secret", server.url)),
        "{stdout}"
    );
}

#[test]
fn findings_that_would_rest_on_an_unreadable_kind_are_withheld_and_said_so() {
    let corpus = corpus_or_skip!();
    let run = Run::new();
    let scan = |server: &Server| {
        let config = run.write("kubeconfig", server.kubeconfig("replay"));
        let output = run.scan_cluster(config.to_str().unwrap(), &["-o", "json"]);
        (
            output.status.code(),
            json_report(&output),
            text(&output.stderr),
        )
    };
    let rules_of = |report: &Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| finding["rule"].as_str().unwrap().to_string())
            .collect()
    };

    // With every right, the recorded cluster has pods no NetworkPolicy selects for ingress.
    let (code, whole, _) = scan(&cluster(&corpus).start());
    assert_eq!(code, Some(1));
    let whole_rules = rules_of(&whole);
    assert!(
        whole_rules
            .iter()
            .any(|rule| rule == "missing-ingress-policy")
    );

    // Without `list` on NetworkPolicies, "no policy selects this pod" would be a guess.
    let mut role = support::scanner_cluster_role();
    let mut narrowed = 0;
    for rule in role["rules"].as_array_mut().unwrap() {
        if rule["apiGroups"] == json!(["networking.k8s.io"]) {
            rule["resources"] = json!(["ingresses"]);
            narrowed += 1;
        }
    }
    assert_eq!(
        narrowed, 1,
        "deploy/scanner-rbac.yaml has one rule for networking.k8s.io"
    );
    let (code, partial, stderr) = scan(&cluster(&corpus).enforce(&role).start());
    assert_eq!(code, Some(2), "{stderr}");
    let partial_rules = rules_of(&partial);
    for withheld in [
        "missing-ingress-policy",
        "missing-egress-policy",
        "exposed-workload-without-ingress-policy",
        "namespace-without-default-deny",
    ] {
        assert!(
            !partial_rules.iter().any(|rule| rule == withheld),
            "{withheld}"
        );
    }
    // Everything else is still judged.
    let others = |rules: &[String]| -> Vec<String> {
        rules
            .iter()
            .filter(|rule| !rule.contains("policy") && !rule.contains("default-deny"))
            .cloned()
            .collect()
    };
    assert_eq!(others(&partial_rules), others(&whole_rules));
    let message = partial["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("the findings of missing-ingress-policy, missing-egress-policy"),
        "{message}"
    );
    assert!(stderr.contains("are withheld"), "{stderr}");
}

#[test]
fn the_rights_of_deploy_scanner_rbac_are_enough() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus)
        .enforce(&support::scanner_cluster_role())
        .start();
    let run = Run::new();
    let config = run.write("kubeconfig", server.kubeconfig("replay"));
    let output = run.scan_cluster(config.to_str().unwrap(), &["-o", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    assert_eq!(json_report(&output)["errors"], json!([]));
    assert!(server.seen().iter().all(|s| s.status != 403));
}

#[test]
fn deploy_scanner_rbac_grants_list_only_and_scans_clean() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/scanner-rbac.yaml");
    let role = {
        let text = std::fs::read_to_string(&manifest).unwrap();
        palisade_load::parse_documents("scanner-rbac.yaml", &text)
            .unwrap()
            .iter()
            .map(|n| n.to_json())
            .find(|o| o["kind"] == "ClusterRole")
            .unwrap()
    };
    for rule in role["rules"].as_array().unwrap() {
        assert_eq!(rule["verbs"], json!(["list"]), "{rule}");
        assert!(
            rule["resources"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r != "*")
        );
        assert!(
            rule["apiGroups"]
                .as_array()
                .unwrap()
                .iter()
                .all(|g| g != "*")
        );
    }
    let run = Run::new();
    let output = run.run(&[
        "scan",
        "--no-config",
        manifest.to_str().unwrap(),
        "-o",
        "json",
    ]);
    let report = json_report(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["summary"]["objects"], 3);
    // The one suppression the manifest may carry is of the finding that its `list` on
    // Secrets is a right to read them all, which is true and documented: RBAC cannot limit a
    // list to metadata. Anything else must be clean without help.
    let objects: Vec<Value> = {
        let text = std::fs::read_to_string(&manifest).unwrap();
        palisade_load::parse_documents("scanner-rbac.yaml", &text)
            .unwrap()
            .iter()
            .map(|n| n.to_json())
            .collect()
    };
    let mut suppressions = 0;
    for object in &objects {
        let annotations = &object["metadata"]["annotations"];
        if let Some(ignored) = annotations.get("palisade.dev/ignore") {
            assert_eq!(ignored, "rbac-secret-read", "{object}");
            assert!(
                annotations["palisade.dev/ignore-reason"]
                    .as_str()
                    .is_some_and(|r| r.contains("metadata"))
            );
            suppressions += 1;
        }
    }
    assert!(report["summary"]["suppressed"].as_u64().unwrap() <= suppressions);
}

#[test]
fn files_and_the_cluster_are_judged_together() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let run = Run::new();
    let config = run.write("kubeconfig", server.kubeconfig("replay"));
    let pod = run.write(
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  containers:\n    - name: web\n      image: nginx:1.27\n      securityContext:\n        privileged: true\n",
    );
    let output = run.scan_cluster(
        config.to_str().unwrap(),
        &[pod.to_str().unwrap(), "-o", "json"],
    );
    let report = json_report(&output);
    assert_eq!(report["summary"]["files"], 1);
    let findings = report["findings"].as_array().unwrap();
    let from_file = findings
        .iter()
        .find(|f| f["rule"] == "privileged-container" && f["object"]["name"] == "web")
        .unwrap();
    assert_eq!(from_file["location"]["line"], 11);
    assert!(findings.iter().any(|f| f["location"].is_null()));
}

#[test]
fn cluster_flags_need_cluster_and_paths_are_optional_only_with_it() {
    let run = Run::new();
    for args in [
        &["scan", "--kubeconfig", "x"][..],
        &["scan", "--context", "x", "."],
        &["scan", "-n", "x", "."],
        &["scan", "-A", "."],
        &["scan"],
        &["scan", "--cluster", "-n", "a", "-A"],
    ] {
        let output = run.run(args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            text(&output.stderr).contains("Usage: palisade scan"),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
}

// ---- kubeconfig resolution ----

fn scan_with(run: &Run, extra: &[&str]) -> Output {
    let mut args = vec!["scan", "--no-config", "--cluster", "-o", "json"];
    args.extend_from_slice(extra);
    run.run(&args)
}

fn assert_read(output: &Output, server: &Server) {
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("from {}", server.url)), "{stderr}");
    assert_eq!(json_report(output)["errors"], json!([]));
}

/// A kubeconfig whose only context reaches nothing (port 1 on loopback refuses).
const DEAD: &str = "apiVersion: v1\nkind: Config\ncurrent-context: dead\nclusters:\n- name: dead\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: dead\n  context:\n    cluster: dead\n    user: dead\nusers:\n- name: dead\n  user:\n    token: x\n";

#[test]
fn kubeconfig_flag_wins_over_kubeconfig_env_which_wins_over_home() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let run = Run::new();
    let good = run.write("good", server.kubeconfig("replay"));
    let dead = run.write("dead", DEAD);
    let home = run.write("home/.kube/config", DEAD);
    assert!(home.exists());

    // --kubeconfig over KUBECONFIG.
    let run = run.env("KUBECONFIG", dead.display().to_string());
    assert_read(
        &scan_with(&run, &["--kubeconfig", good.to_str().unwrap()]),
        &server,
    );
    // KUBECONFIG over ~/.kube/config.
    let run = run.env("KUBECONFIG", good.display().to_string());
    assert_read(&scan_with(&run, &[]), &server);
    // ~/.kube/config when nothing else is given: the dead cluster, named in the error.
    let mut run = run;
    run.env.retain(|(k, _)| k != "KUBECONFIG");
    let output = scan_with(&run, &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr
            .contains("cannot scan the cluster: cannot reach the API server: https://127.0.0.1:1"),
        "{stderr}"
    );
    // ~/.kube/config is used for real once it reaches the server.
    std::fs::write(&home, server.kubeconfig("replay")).unwrap();
    assert_read(&scan_with(&run, &[]), &server);
}

#[test]
fn kubeconfig_env_merges_its_files_and_skips_missing_ones() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let run = Run::new();
    // The context and user in one file, the cluster in another, and a file that does not exist.
    let full = server.kubeconfig("replay");
    let (head, _) = full.split_once("clusters:").unwrap();
    let contexts = full[full.find("contexts:").unwrap()..].to_string();
    let a = run.write("a", format!("{head}{contexts}"));
    let b = run.write("b", server.cluster_override("replay"));
    let missing = run.dir.path().join("missing");
    let list = std::env::join_paths([&missing, &a, &b]).unwrap();
    let run = run.env("KUBECONFIG", list.to_str().unwrap());
    assert_read(&scan_with(&run, &[]), &server);
}

#[test]
fn context_selects_among_several() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let run = Run::new();
    let dead = run.write("dead", DEAD);
    let good = run.write("good", server.kubeconfig("replay"));
    // current-context is the dead one (the first file's wins); --context picks the other.
    let list = std::env::join_paths([&dead, &good]).unwrap();
    let run = run.env("KUBECONFIG", list.to_str().unwrap());
    assert_eq!(scan_with(&run, &[]).status.code(), Some(2));
    assert_read(&scan_with(&run, &["--context", "replay"]), &server);
    let output = scan_with(&run, &["--context", "nosuch"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("context \"nosuch\" is not in KUBECONFIG="),
        "{stderr}"
    );
    assert!(stderr.contains("(its contexts: dead, replay)"), "{stderr}");
}

#[test]
fn the_real_kube_rs_kubeconfigs_in_utf8_and_utf16_resolve_alike() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let run = Run::new();
    // kube-rs's fixture, in three encodings: its context k3d-promstack names the cluster
    // k3d-promstack at https://0.0.0.0:6443 and a user the file does not define. A file in front
    // of it (the first to define a name wins) points that cluster at the replay server; the
    // missing user means no credentials, as client-go allows.
    let front = run.write("front", server.cluster_override("k3d-promstack"));
    let mut reports = Vec::new();
    for encoding in ["utf8", "utf16le", "utf16be"] {
        let real = corpus.join(format!(
            "api-responses/kubeconfig/kube-rs/kubeconfig_{encoding}.yaml"
        ));
        let list = std::env::join_paths([&front, &real]).unwrap();
        let output = run.run_with(
            &[("KUBECONFIG", list.to_str().unwrap())],
            &["scan", "--no-config", "--cluster", "-o", "json"],
        );
        assert_read(&output, &server);
        assert!(
            text(&output.stderr).contains("context k3d-promstack"),
            "{encoding}"
        );
        reports.push(json_report(&output));
        // Alone, the file's own cluster is used (nothing listens at 0.0.0.0:6443 here, and
        // its CA "hello" is not a certificate): a clear error either way.
        let output = run.scan_cluster(real.to_str().unwrap(), &[]);
        assert_eq!(output.status.code(), Some(2), "{encoding}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.starts_with("palisade: cannot scan the cluster: "),
            "{encoding}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert_eq!(reports[0], reports[1]);
    assert_eq!(reports[1], reports[2]);
}

#[test]
fn the_real_kubeadm_admin_conf_authenticates_with_its_client_certificate() {
    let corpus = corpus_or_skip!();
    let server = cluster(&corpus).start();
    let run = Run::new();
    // kontena-k8s-client's kubeadm admin.conf: an embedded CA, client certificate and RSA key
    // (public since 2018, expired). Its cluster `kubernetes` is pointed at the replay server;
    // the client identity is loaded from the real file.
    let front = run.write("front", server.cluster_override("kubernetes"));
    let real = corpus.join("api-responses/kubeconfig/kontena-k8s-client/kubeadm-admin.conf");
    let list = std::env::join_paths([&front, &real]).unwrap();
    let run = run.env("KUBECONFIG", list.to_str().unwrap());
    let output = scan_with(&run, &[]);
    assert_read(&output, &server);
    assert!(text(&output.stderr).contains("context kubernetes-admin@kubernetes"));
}

#[test]
fn the_real_k9s_kubeconfig_reports_a_context_whose_cluster_is_missing() {
    let corpus = corpus_or_skip!();
    let real = corpus.join("api-responses/kubeconfig/k9s/config");
    let run = Run::new();
    let output = run.run(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        real.to_str().unwrap(),
        "--context",
        "duh",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("context \"duh\" names cluster \"duh\", which ")
            && stderr.contains("does not define (its clusters: fred, blee, zorg)"),
        "{stderr}"
    );
    let output = run.run(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        real.to_str().unwrap(),
        "--context",
        "nosuch",
    ]);
    assert!(
        text(&output.stderr).contains("(its contexts: fred, blee, duh)"),
        "{}",
        text(&output.stderr)
    );
    let output = run.run(&["scan", "--cluster", "--kubeconfig", "no-such-file"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("--kubeconfig no-such-file: no such file"));
}

#[test]
fn without_any_kubeconfig_outside_a_pod_the_error_says_so() {
    let run = Run::new();
    let output = run.run(&["scan", "--cluster"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no kubeconfig") && stderr.contains("not running in a pod"),
        "{stderr}"
    );
    let output = run.run(&["scan", "--cluster", "--context", "x"]);
    assert!(
        text(&output.stderr).contains("--context x: there is no kubeconfig"),
        "{}",
        text(&output.stderr)
    );
}

// ---- kubectl plugin ----

#[test]
fn installed_as_kubectl_palisade_it_works_as_a_kubectl_plugin() {
    let run = Run::new();
    let plugin = run.dir.path().join("bin/kubectl-palisade");
    std::fs::create_dir_all(plugin.parent().unwrap()).unwrap();
    // A symbolic link, as krew installs plugins; a copy would be an executable written while
    // other tests fork, and its exec could fail with "text file busy".
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_palisade"), &plugin).unwrap();
    let run = Run {
        program: plugin.clone(),
        ..run
    };

    let help = run.run(&["scan", "--help"]);
    assert_eq!(help.status.code(), Some(0));
    let stdout = text(&help.stdout);
    assert!(stdout.contains("Usage: kubectl palisade scan"), "{stdout}");
    assert!(
        stdout.contains("--cluster") && stdout.contains("--kubeconfig <FILE>"),
        "{stdout}"
    );
    let usage = run.run(&["scan"]);
    assert_eq!(usage.status.code(), Some(2));
    let stderr = text(&usage.stderr);
    assert!(stderr.contains("Usage: kubectl palisade scan"), "{stderr}");
    assert!(
        stderr.contains("required arguments were not provided"),
        "{stderr}"
    );
    let failed = run.run(&["scan", "--cluster"]);
    assert!(
        text(&failed.stderr).starts_with("kubectl palisade: cannot scan the cluster"),
        "{}",
        text(&failed.stderr)
    );

    let Some(corpus) = support::corpus() else {
        eprintln!("skipped the scan through the plugin: the corpus is absent");
        return;
    };
    let server = cluster(&corpus).start();
    let config = run.write("kubeconfig", server.kubeconfig("replay"));
    // kubectl runs a plugin by its full path with the arguments after its name, unchanged.
    let output = run.run(&[
        "scan",
        "--cluster",
        "--kubeconfig",
        config.to_str().unwrap(),
        "--no-config",
        "-o",
        "json",
    ]);
    assert_read(&output, &server);
    assert!(text(&output.stderr).starts_with("kubectl palisade: read "));

    // Through kubectl itself, where it is installed: it finds the plugin on PATH.
    let Some(kubectl) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("kubectl"))
            .find(|candidate| candidate.is_file())
    }) else {
        eprintln!("skipped the run through kubectl: no kubectl on PATH");
        return;
    };
    let path = std::env::join_paths(
        std::iter::once(plugin.parent().unwrap().to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let through = Run {
        program: kubectl,
        ..Run::new()
    };
    let output = through.run_with(
        &[("PATH", path.to_str().unwrap())],
        &[
            "palisade",
            "scan",
            "--cluster",
            "--kubeconfig",
            config.to_str().unwrap(),
            "--no-config",
            "-o",
            "json",
        ],
    );
    assert_read(&output, &server);
    assert!(text(&output.stderr).starts_with("kubectl palisade: read "));
}

#[test]
fn findings_on_pods_that_only_repeat_their_controllers_are_shown_once() {
    let corpus = corpus_or_skip!();
    // k8s-openapi's recorded Job (v1.36) and the PodList of its Pod, which the Job owns
    // (ownerReferences with controller: true); the Job is wrapped in a recorded list envelope.
    let replay = "api-responses/k8s-openapi-replays/v1-36/job-create.json";
    let (_, _, job) = support::exchange(&corpus, replay, 6);
    let (url, _, pods) = support::exchange(&corpus, replay, 7);
    assert_eq!(url, "/api/v1/namespaces/default/pods");
    let job: Value = serde_json::from_slice(&job).unwrap();
    let server = Replay::new(&corpus)
        .route(support::Route::get(
            "/api/v1/pods",
            support::Reply::ok(pods),
        ))
        .route(support::Route::get(
            "/apis/batch/v1/jobs",
            support::Reply::ok(support::wrap_list(
                &corpus,
                "batch/v1",
                "JobList",
                vec![job],
            )),
        ))
        .routes(support::cluster_routes(&corpus))
        .start();
    let run = Run::new();
    let config = run.write("kubeconfig", server.kubeconfig("replay"));
    let output = run.scan_cluster(config.to_str().unwrap(), &["-o", "json"]);
    let stderr = text(&output.stderr);
    let report = json_report(&output);
    let findings = report["findings"].as_array().unwrap();
    let on = |kind: &str| -> Vec<(String, String)> {
        findings
            .iter()
            .filter(|f| f["object"]["kind"] == kind)
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let job_findings = on("Job");
    assert!(
        job_findings
            .iter()
            .any(|(_, path)| path.starts_with("/spec/template/spec/containers/0")),
        "{job_findings:?}"
    );
    for (rule, path) in on("Pod") {
        let translated = path.replacen("/spec", "/spec/template/spec", 1);
        assert!(
            !job_findings.contains(&(rule.clone(), translated)),
            "{rule} {path} repeats the Job's"
        );
    }
    let note = stderr
        .lines()
        .find(|l| l.contains("only repeat their controller's"))
        .unwrap_or_else(|| panic!("{stderr}"));
    let dropped: usize = note.split_whitespace().nth(2).unwrap().parse().unwrap();
    // Every finding of the Job's pod template was also found in its Pod, and dropped there.
    let in_template = job_findings
        .iter()
        .filter(|(_, p)| p.starts_with("/spec/template/spec"))
        .count();
    assert!(
        dropped >= in_template && in_template > 0,
        "{note}: {job_findings:?}"
    );
}
