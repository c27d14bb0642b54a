//! Helpers shared by the integration tests of the `palisade` binary: a temporary directory to
//! write manifests into, a command that runs the real binary in it, and readers of its output.
//!
//! Every test runs the binary with its current directory inside a fresh temporary directory,
//! so that no `.palisade.yaml` of the repository (or of the developer) is picked up; tests that
//! are not about the configuration pass `--no-config` as well.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;

/// A generous hang guard for every run; hostile-input tests use a tighter one.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// A privileged Pod: `privileged: true` is at line 11, column 9.
pub const PRIVILEGED_POD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: prod
spec:
  containers:
    - name: web
      image: nginx:1.27
      securityContext:
        privileged: true
";

/// A Deployment that passes every rule: restricted security context at pod and container
/// level, every capability dropped, a read-only root filesystem, requests and limits; and the
/// two NetworkPolicies of its namespace that the whole-cluster rules ask for (a default deny
/// for ingress and egress, and DNS). Three objects.
pub const HARDENED_DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: prod
spec:
  replicas: 2
  selector:
    matchLabels:
      app: api
  template:
    metadata:
      labels:
        app: api
    spec:
      serviceAccountName: api
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        runAsGroup: 10001
        fsGroup: 10001
        seccompProfile:
          type: RuntimeDefault
        appArmorProfile:
          type: RuntimeDefault
      containers:
        - name: api
          image: registry.example.com/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          ports:
            - containerPort: 8080
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
          readinessProbe:
            httpGet: {path: /ready, port: 8080}
          securityContext:
            allowPrivilegeEscalation: false
            privileged: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities:
              drop: [\"ALL\"]
          resources:
            requests:
              cpu: 100m
              memory: 128Mi
            limits:
              cpu: 500m
              memory: 256Mi
              ephemeral-storage: 1Gi
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: prod
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: prod
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - {port: 53, protocol: UDP}
        - {port: 53, protocol: TCP}
";

/// The hardened Deployment without its CPU limit: exactly one finding, `missing-cpu-limit`
/// (medium).
pub fn medium_only_deployment() -> String {
    let text = HARDENED_DEPLOYMENT.replace("              cpu: 500m\n", "");
    assert_ne!(text, HARDENED_DEPLOYMENT);
    text
}

/// The hardened Deployment on the host network: exactly one finding, `host-network` (high).
pub fn high_only_deployment() -> String {
    let text = HARDENED_DEPLOYMENT.replace(
        "automountServiceAccountToken: false",
        "automountServiceAccountToken: false\n      hostNetwork: true",
    );
    assert_ne!(text, HARDENED_DEPLOYMENT);
    text
}

/// A minimal privileged Pod called `name` in `namespace`.
pub fn privileged_pod(name: &str, namespace: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace}
spec:
  containers:
    - name: c
      image: busybox
      securityContext:
        privileged: true
"
    )
}

/// The 1-based line and column (in characters) of the `occurrence`-th (0-based) `needle` in
/// `text`.
pub fn position_of(text: &str, needle: &str, occurrence: usize) -> (u64, u64) {
    let (offset, _) = text
        .match_indices(needle)
        .nth(occurrence)
        .unwrap_or_else(|| panic!("{needle:?} occurs fewer than {} times", occurrence + 1));
    let before = &text[..offset];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() as u64 + 1;
    (line, column)
}

/// The binary, with the colour-related environment of the developer removed.
pub fn palisade() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_palisade"));
    command
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .timeout(TIMEOUT);
    command
}

/// What a run printed and how it ended.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(output: std::process::Output) -> Run {
        Run {
            code: output
                .status
                .code()
                .unwrap_or_else(|| panic!("palisade was killed: {output:?}")),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        }
    }

    /// stdout as JSON.
    pub fn json(&self) -> Report {
        let value: Value = serde_json::from_str(&self.stdout).unwrap_or_else(|error| {
            panic!(
                "stdout is not JSON ({error}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        });
        Report { value }
    }
}

/// A JSON report.
#[derive(Debug, Clone)]
pub struct Report {
    pub value: Value,
}

impl Report {
    pub fn findings(&self) -> &Vec<Value> {
        self.value["findings"]
            .as_array()
            .expect("findings is an array")
    }

    pub fn errors(&self) -> &Vec<Value> {
        self.value["errors"].as_array().expect("errors is an array")
    }

    pub fn summary(&self) -> &Value {
        &self.value["summary"]
    }

    /// The findings of one rule.
    pub fn of_rule(&self, rule: &str) -> Vec<&Value> {
        self.findings()
            .iter()
            .filter(|finding| finding["rule"] == rule)
            .collect()
    }

    /// The rule names of the findings, in report order.
    pub fn rules(&self) -> Vec<String> {
        self.findings()
            .iter()
            .map(|finding| finding["rule"].as_str().unwrap().to_string())
            .collect()
    }

    /// The files named by the findings' locations.
    pub fn finding_files(&self) -> BTreeSet<String> {
        self.findings()
            .iter()
            .map(|finding| finding["location"]["file"].as_str().unwrap().to_string())
            .collect()
    }

    /// The files named by the errors.
    pub fn error_files(&self) -> Vec<String> {
        self.errors()
            .iter()
            .map(|error| error["file"].as_str().unwrap().to_string())
            .collect()
    }

    /// `(file, line, column)` of a finding.
    pub fn location(finding: &Value) -> (String, u64, u64) {
        let location = &finding["location"];
        (
            location["file"]
                .as_str()
                .expect("location.file")
                .to_string(),
            location["line"].as_u64().expect("location.line"),
            location["column"].as_u64().expect("location.column"),
        )
    }
}

/// A temporary directory to write manifests into and run the binary in.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace {
            dir: tempfile::tempdir().expect("a temporary directory"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `contents` to `relative`, creating the directories on the way.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Workspace {
        let path = self.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create directories");
        }
        std::fs::write(&path, contents).expect("write a file");
        self
    }

    pub fn mkdir(&self, relative: &str) -> PathBuf {
        let path = self.join(relative);
        std::fs::create_dir_all(&path).expect("create directories");
        path
    }

    /// The names in a directory of the workspace, sorted.
    pub fn list(&self, relative: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.join(relative))
            .expect("read a directory")
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The binary, run in this directory.
    pub fn command(&self) -> Command {
        let mut command = palisade();
        command.current_dir(self.path());
        command
    }

    /// Runs the binary here with `arguments`.
    pub fn run(&self, arguments: &[&str]) -> Run {
        Run::from_output(
            self.command()
                .args(arguments)
                .output()
                .expect("run palisade"),
        )
    }

    /// Runs the binary here with `arguments` and `stdin`.
    pub fn run_with_stdin(&self, arguments: &[&str], stdin: impl Into<Vec<u8>>) -> Run {
        Run::from_output(
            self.command()
                .args(arguments)
                .write_stdin(stdin.into())
                .output()
                .expect("run palisade"),
        )
    }

    /// `palisade scan --no-config -o json PATHS...`.
    pub fn scan_json(&self, paths: &[&str]) -> (Run, Report) {
        let mut arguments = vec!["scan", "--no-config", "-o", "json"];
        arguments.extend_from_slice(paths);
        let run = self.run(&arguments);
        let report = run.json();
        (run, report)
    }
}
