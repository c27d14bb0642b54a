//! ## What it does
//!
//! Finds containers (init, regular, ephemeral) that set git-sync's `--git` option, which names
//! the program git-sync runs in place of `git`:
//!
//! - an environment variable `GITSYNC_GIT` (git-sync v4) or `GIT_SYNC_GIT` (its older name,
//!   still read), whatever its value or source (as Checkov's CKV_K8S_159 does);
//! - a ConfigMap of the input, in the same namespace, that `envFrom` loads and that has one of
//!   those keys (with the `envFrom` prefix);
//! - an argument `--git` or `--git=...` on a container whose image is git-sync.
//!
//! ## Why is this bad?
//!
//! git-sync clones a repository into a pod, usually as a sidecar that feeds a web server, a
//! DAG folder or a configuration directory. Its `--git` option exists for testing; set, git-sync
//! executes whatever file it names on every sync. Pointed at a path in the synced repository or
//! in a volume another container writes, it turns write access to that repository or volume
//! into code execution in the pod, with the pod's service-account token and the git
//! credentials git-sync holds. Because it is only an environment variable, anyone who may edit
//! the workload's environment or the ConfigMap it loads can switch the binary without touching
//! the image, which reviews and image policies watch. This was presented by Akamai's research
//! on git-sync command injection (DEF CON 32, 2024).
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: blog
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: git-sync
//!           image: registry.k8s.io/git-sync/git-sync:v4.2.4
//!           env:
//!             - name: GITSYNC_REPO
//!               value: https://github.com/example/blog.git
//!             - name: GITSYNC_GIT
//!               value: /tmp/payload/payload
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!           env:
//!             - name: GITSYNC_REPO
//!               value: https://github.com/example/blog.git
//! ```
//!
//! ## References
//!
//! - MITRE ATT&CK T1574 Hijack Execution Flow; T1195.002 Compromise Software Supply Chain
//! - git-sync documentation: the `--git` flag ("the git command to run (subject to PATH search, mostly for testing)")
//! - Kubernetes documentation: tasks/inject-data-application/define-environment-variable-container/

use palisade_model::{Layer, Node, RuleMeta, Severity, ThreatActor};

use crate::pod::ContainerView;
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "git-sync-injection",
        severity: Severity::High,
        layer: Layer::SupplyChain,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "mitre:T1574",
            "mitre:T1195.002",
            "k8s-docs:tasks/inject-data-application/define-environment-variable-container/",
        ],
        summary: "git-sync is told to run another program instead of git (GITSYNC_GIT / --git)",
        fix: "Remove `GITSYNC_GIT` / `GIT_SYNC_GIT` and `--git`: git-sync then runs the `git` of its image.",
    },
    check: Check::Object(check),
};

/// The environment variables git-sync reads its `--git` flag from.
const VARIABLES: &[&str] = &["GITSYNC_GIT", "GIT_SYNC_GIT"];

const CONSEQUENCE: &str = "git-sync executes that program instead of git on every sync, so whoever controls it (a file in the synced repository, a shared volume, this setting) runs code in the pod";

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in pod.containers() {
        check_env(container, out);
        check_env_from(context, container, out);
        check_args(container, out);
    }
}

fn check_env(container: &ContainerView, out: &mut Emitter) {
    let env = container.node.get("env").map(Node::items).unwrap_or(&[]);
    for (index, variable) in env.iter().enumerate() {
        let Some(name) = variable.get("name").and_then(Node::as_str) else {
            continue;
        };
        if !VARIABLES.contains(&name) {
            continue;
        }
        let source = match (variable.get("value"), variable.get("valueFrom")) {
            (Some(value), _) if !value.is_null() => format!(" to {}", short(value)),
            (_, Some(value_from)) if !value_from.is_null() => " from valueFrom".to_string(),
            _ => String::new(),
        };
        out.report(
            &container.path.key("env").index(index),
            format_args!(
                "{} sets {name}{source}, git-sync's --git option: {CONSEQUENCE}",
                container.describe()
            ),
        );
    }
}

fn check_env_from(context: &ObjectContext, container: &ContainerView, out: &mut Emitter) {
    let sources = container
        .node
        .get("envFrom")
        .map(Node::items)
        .unwrap_or(&[]);
    for (index, source) in sources.iter().enumerate() {
        let Some(config_map) = source
            .get_path(&["configMapRef", "name"])
            .and_then(Node::as_str)
        else {
            continue;
        };
        let prefix = source.get("prefix").and_then(Node::as_str).unwrap_or("");
        let loaded = context
            .inventory
            .of_kind_in("ConfigMap", context.object.namespace.as_deref())
            .filter(|candidate| candidate.group().is_empty() && candidate.name == config_map)
            .flat_map(|candidate| candidate.root.get("data").map(Node::entries).unwrap_or(&[]))
            .map(|entry| format!("{prefix}{}", entry.key))
            .find(|variable| VARIABLES.contains(&variable.as_str()));
        if let Some(variable) = loaded {
            out.report(
                &container.path.key("envFrom").index(index),
                format_args!(
                    "{} loads {variable} from ConfigMap {config_map:?}, git-sync's --git option: {CONSEQUENCE}",
                    container.describe()
                ),
            );
        }
    }
}

fn check_args(container: &ContainerView, out: &mut Emitter) {
    let is_git_sync = container
        .node
        .get("image")
        .and_then(Node::as_str)
        .is_some_and(|image| image.to_ascii_lowercase().contains("git-sync"));
    if !is_git_sync {
        return;
    }
    for field in ["command", "args"] {
        let items = container.node.get(field).map(Node::items).unwrap_or(&[]);
        for (index, item) in items.iter().enumerate() {
            let Some(argument) = item.as_str() else {
                continue;
            };
            if argument == "--git" || argument.starts_with("--git=") {
                out.report(
                    &container.path.key(field).index(index),
                    format_args!(
                        "{} passes {} to git-sync: {CONSEQUENCE}",
                        container.describe(),
                        short_text(argument)
                    ),
                );
            }
        }
    }
}

fn short(node: &Node) -> String {
    short_text(&node.display_value())
}

/// A value for a message, cut so that a huge value does not flood the report.
fn short_text(text: &str) -> String {
    const LIMIT: usize = 60;
    match text.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn paths(yaml: &str) -> Vec<String> {
        crate::testing::paths(&RULE, yaml)
    }

    #[test]
    fn environment_variables_of_every_container() {
        let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: web}
spec:
  initContainers:
    - name: init
      image: registry.k8s.io/git-sync/git-sync:v4.2.4
      env: [{name: GIT_SYNC_GIT, valueFrom: {configMapKeyRef: {name: c, key: k}}}]
  containers:
    - name: sync
      image: registry.k8s.io/git-sync/git-sync:v4.2.4
      env:
        - {name: GITSYNC_REPO, value: "https://example.com/r.git"}
        - {name: GITSYNC_GIT, value: /tmp/payload/payload}
        - {name: GITSYNC_GIT_CONFIG, value: "a.b:c"}
        - {name: gitsync_git, value: x}
        - {name: 7, value: x}
        - null
    - name: other
      image: nginx:1.27
      env: [{name: GITSYNC_GIT}]
"#;
        assert_eq!(
            paths(yaml),
            vec![
                "/spec/initContainers/0/env/0",
                "/spec/containers/0/env/1",
                "/spec/containers/1/env/0",
            ]
        );
    }

    #[test]
    fn arguments_of_git_sync_containers() {
        let yaml = r#"
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
    - name: sync
      image: k8s.gcr.io/git-sync:v3.1.6
      args: ["--repo=https://example.com/r.git", "--git=/tmp/x", "--git-config=a:b", "--git", "/tmp/y"]
    - name: tool
      image: example/tool:1
      args: ["--git=/usr/bin/git"]
"#;
        assert_eq!(
            paths(yaml),
            vec!["/spec/containers/0/args/1", "/spec/containers/0/args/3"]
        );
    }

    #[test]
    fn config_maps_loaded_with_env_from() {
        let config_map = |namespace: &str, key: &str| {
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: sync-env, namespace: {namespace}}}\ndata: {{{key}: /tmp/x}}\n---\n"
            )
        };
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: web}\nspec:\n  containers:\n    - name: sync\n      image: registry.k8s.io/git-sync/git-sync:v4.2.4\n      envFrom: [{configMapRef: {name: sync-env}}, {prefix: GITSYNC_, configMapRef: {name: sync-env}}]\n";
        assert_eq!(
            paths(&format!("{}{pod}", config_map("web", "GITSYNC_GIT"))),
            vec!["/spec/containers/0/envFrom/0"]
        );
        assert_eq!(
            paths(&format!("{}{pod}", config_map("web", "GIT"))),
            vec!["/spec/containers/0/envFrom/1"]
        );
        assert!(paths(&format!("{}{pod}", config_map("other", "GITSYNC_GIT"))).is_empty());
        assert!(paths(&format!("{}{pod}", config_map("web", "GITSYNC_REPO"))).is_empty());
    }
}
