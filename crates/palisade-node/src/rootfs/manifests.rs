//! Static pod manifests: the Pods the kubelet starts from its `staticPodPath`
//! (`/etc/kubernetes/manifests` on kubeadm nodes), and which component each container runs.

use std::collections::BTreeMap;
use std::path::Path;

use palisade_model::{Node, Pos};

use super::flags::Word;
use super::fs::{NodeRoot, ReadError, name_text};
use crate::state::{Component, FlagValue, ParseDocuments, Source, Unreadable};

/// The evidence kind of everything read from a manifest.
pub(crate) const MANIFEST_KIND: &str = "static pod manifest";
/// More files than this in a manifest directory is no kubelet's directory.
const MAX_MANIFEST_FILES: usize = 1000;

/// One container of a static pod that runs a component.
#[derive(Debug, Clone)]
pub(crate) struct StaticPod {
    pub component: Component,
    /// The manifest, at the container's command (or the container) line.
    pub found: Source,
    /// The command line after the program name.
    pub words: Vec<Word>,
    pub env: BTreeMap<String, FlagValue>,
}

/// The components that run as static pods. The kubelet is never one.
const POD_COMPONENTS: [Component; 5] = [
    Component::ApiServer,
    Component::ControllerManager,
    Component::Scheduler,
    Component::Etcd,
    Component::Proxy,
];

/// Every `*.yaml`, `*.yml` and `*.json` file of each directory (hidden files skipped, as the
/// kubelet skips them), in name order.
pub(crate) fn read_static_pods(
    root: &NodeRoot,
    dirs: &[String],
    parse: ParseDocuments,
    unreadable: &mut Vec<Unreadable>,
) -> Vec<StaticPod> {
    let mut pods = Vec::new();
    for dir in dirs {
        // The kubelet's `staticPodPath` may name one file instead of a directory.
        if matches!(root.metadata(Path::new(dir)), Ok(Some(meta)) if meta.is_file()) {
            read_manifest(root, dir, parse, unreadable, &mut pods);
            continue;
        }
        let names = match root.list_dir(Path::new(dir)) {
            Ok(Some(names)) => names,
            Ok(None) => continue,
            Err(reason) => {
                unreadable.push(Unreadable {
                    path: dir.clone(),
                    reason,
                });
                continue;
            }
        };
        let manifests: Vec<&str> = names
            .iter()
            .filter_map(|name| name_text(name))
            .filter(|name| !name.starts_with('.') && is_manifest_name(name))
            .collect();
        if manifests.len() > MAX_MANIFEST_FILES {
            unreadable.push(Unreadable {
                path: dir.clone(),
                reason: format!(
                    "{} manifest files, more than {MAX_MANIFEST_FILES}; not read",
                    manifests.len()
                ),
            });
            continue;
        }
        for name in manifests {
            let file = format!("{}/{name}", dir.trim_end_matches('/'));
            read_manifest(root, &file, parse, unreadable, &mut pods);
        }
    }
    pods
}

fn is_manifest_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml") || lower.ends_with(".json")
}

fn read_manifest(
    root: &NodeRoot,
    file: &str,
    parse: ParseDocuments,
    unreadable: &mut Vec<Unreadable>,
    pods: &mut Vec<StaticPod>,
) {
    let text = match root.read_text(Path::new(file)) {
        Ok(text) => text,
        // A directory named `x.yaml`, a FIFO: the kubelet skips what is not a regular file.
        Err(ReadError::NotAFile) | Err(ReadError::Missing) => return,
        Err(error) => {
            unreadable.push(Unreadable {
                path: file.to_string(),
                reason: error.to_string(),
            });
            return;
        }
    };
    let documents = match parse(file, &text) {
        Ok(documents) => documents,
        Err(error) => {
            unreadable.push(Unreadable {
                path: file.to_string(),
                reason: error.to_string(),
            });
            return;
        }
    };
    for document in &documents {
        match document.get("kind").and_then(Node::as_str) {
            Some("Pod") => read_pod(file, document, pods),
            Some("List") | Some("PodList") => {
                for item in document.get("items").map(Node::items).unwrap_or_default() {
                    if item.get("kind").and_then(Node::as_str) == Some("Pod") {
                        read_pod(file, item, pods);
                    }
                }
            }
            _ => {}
        }
    }
}

fn read_pod(file: &str, pod: &Node, pods: &mut Vec<StaticPod>) {
    let containers = pod
        .get_path(&["spec", "containers"])
        .map(Node::items)
        .unwrap_or_default();
    for container in containers {
        if let Some(found) = read_container(file, container) {
            pods.push(found);
        }
    }
}

fn read_container(file: &str, container: &Node) -> Option<StaticPod> {
    let env = container_env(file, container);
    let expand_with = |words: Vec<Word>| -> Vec<Word> {
        words
            .into_iter()
            .map(|word| Word {
                text: expand_references(&word.text, &env),
                source: word.source,
            })
            .collect()
    };
    let command = expand_with(words_of(file, container.get("command")));
    let args = expand_with(words_of(file, container.get("args")));
    let (component, words, found_at) = if let Some(first) = command.first() {
        let component = component_of_program(&first.text)?;
        let mut words = command[1..].to_vec();
        words.extend(args);
        (component, words, first.source.clone())
    } else if let Some(component) = args
        .first()
        .and_then(|first| component_of_program(&first.text))
    {
        // An image whose entrypoint is a wrapper, given the program as its first argument.
        let found_at = args[0].source.clone();
        (component, args[1..].to_vec(), found_at)
    } else {
        // Arguments only: the image's entrypoint is the program, named by the image.
        let image = container.get("image").and_then(Node::as_str)?;
        let component = component_of_image(image)?;
        (component, args, source_at(file, container.pos))
    };
    Some(StaticPod {
        component,
        found: found_at,
        words,
        env: env
            .into_iter()
            .map(|(name, (value, source))| (name, FlagValue { value, source }))
            .collect(),
    })
}

fn source_at(file: &str, pos: Pos) -> Source {
    let source = Source::new(MANIFEST_KIND).in_file(file);
    if pos.is_known() {
        source.at(pos.line, pos.column)
    } else {
        source
    }
}

/// The scalar items of `command` or `args`. The API takes strings only; a number written
/// bare reads as its text, as the user wrote it.
fn words_of(file: &str, list: Option<&Node>) -> Vec<Word> {
    list.map(Node::items)
        .unwrap_or_default()
        .iter()
        .filter(|item| !item.is_map() && !item.is_seq() && !item.is_null())
        .map(|item| Word {
            text: item
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| item.display_value()),
            source: source_at(file, item.pos),
        })
        .collect()
}

/// The container's variables with literal values (those from `valueFrom` are not known on
/// disk), each expanded with the ones before it, as the kubelet does.
fn container_env(file: &str, container: &Node) -> BTreeMap<String, (String, Source)> {
    let mut env: BTreeMap<String, (String, Source)> = BTreeMap::new();
    for item in container.get("env").map(Node::items).unwrap_or_default() {
        let Some(name) = item.get("name").and_then(Node::as_str) else {
            continue;
        };
        let Some(value) = item.get("value") else {
            continue;
        };
        let text = value
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| value.display_value());
        let expanded = expand_references(&text, &env);
        env.insert(name.to_string(), (expanded, source_at(file, value.pos)));
    }
    env
}

/// Kubernetes' `$(VAR)` references in command, args and env values: a defined variable is
/// replaced, an undefined one stays as written, and `$$` is a literal `$`.
fn expand_references(text: &str, env: &BTreeMap<String, (String, Source)>) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(') {
            match inner.find(')') {
                Some(close) => {
                    let name = &inner[..close];
                    match env.get(name) {
                        Some((value, _)) => out.push_str(value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &inner[close + 1..];
                }
                None => {
                    out.push_str(&rest[at..]);
                    rest = "";
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The component a program path starts: its base name, exactly.
pub(crate) fn component_of_program(program: &str) -> Option<Component> {
    let base = program.rsplit('/').next().unwrap_or(program);
    POD_COMPONENTS
        .into_iter()
        .find(|component| component.binary() == base)
}

/// The component an image runs: `registry.k8s.io/kube-apiserver:v1.32.13` runs kube-apiserver.
fn component_of_image(image: &str) -> Option<Component> {
    let without_digest = image.split('@').next().unwrap_or(image);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    let repository = last.split(':').next().unwrap_or(last);
    POD_COMPONENTS
        .into_iter()
        .find(|component| component.binary() == repository)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, (String, Source)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), (value.to_string(), Source::new("test"))))
            .collect()
    }

    #[test]
    fn references_expand_as_the_kubelet_does() {
        let env = env(&[("NODE_NAME", "cp-1")]);
        assert_eq!(
            expand_references("--hostname-override=$(NODE_NAME)", &env),
            "--hostname-override=cp-1"
        );
        assert_eq!(
            expand_references("$(UNSET)/$$(NODE_NAME)/$x/$(", &env),
            "$(UNSET)/$(NODE_NAME)/$x/$("
        );
    }

    #[test]
    fn programs_and_images_name_components_exactly() {
        assert_eq!(
            component_of_program("/usr/local/bin/kube-apiserver"),
            Some(Component::ApiServer)
        );
        assert_eq!(component_of_program("etcd"), Some(Component::Etcd));
        assert_eq!(component_of_program("etcdctl"), None);
        assert_eq!(component_of_program("kube-apiserver-wrapper"), None);
        assert_eq!(component_of_program("kubelet"), None);
        assert_eq!(
            component_of_image("registry.k8s.io/kube-scheduler:v1.32.13"),
            Some(Component::Scheduler)
        );
        assert_eq!(
            component_of_image("localhost:5000/etcd@sha256:0123"),
            Some(Component::Etcd)
        );
        assert_eq!(component_of_image("registry.k8s.io/pause:3.10"), None);
    }
}
