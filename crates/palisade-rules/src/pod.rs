//! Finding the pod spec inside every kind of workload.

use std::cell::OnceCell;

use palisade_model::{Node, Object, Pointer};

use crate::config::Config;
use crate::image_ref::ImageRef;

/// Where the pod template (metadata + spec) sits in the built-in workload kinds.
/// Matched on API group as well as kind, so that a CRD that happens to be called `Job`
/// (Volcano's, say) is not read as a batch Job.
const BUILT_IN: &[(&[&str], &str, &[&str])] = &[
    (&[""], "Pod", &[]),
    (&["apps", "extensions"], "Deployment", &["spec", "template"]),
    (&["apps"], "StatefulSet", &["spec", "template"]),
    (&["apps", "extensions"], "DaemonSet", &["spec", "template"]),
    (&["apps", "extensions"], "ReplicaSet", &["spec", "template"]),
    (&[""], "ReplicationController", &["spec", "template"]),
    (&["batch"], "Job", &["spec", "template"]),
    (
        &["batch"],
        "CronJob",
        &["spec", "jobTemplate", "spec", "template"],
    ),
    (&[""], "PodTemplate", &["template"]),
];

/// The kinds whose pod spec palisade finds without configuration.
pub fn built_in_workload_kinds() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|(_, kind, _)| *kind)
}

/// A pod spec inside an object, with the paths rules need to report on it.
#[derive(Clone)]
pub struct PodView<'a> {
    /// The pod spec (`containers`, `volumes`, `securityContext`, ...).
    pub spec: &'a Node,
    pub spec_path: Pointer,
    /// The pod's (or template's) metadata, for annotations such as AppArmor profiles.
    pub metadata: Option<&'a Node>,
    pub metadata_path: Pointer,
    /// Found once: most rules walk the containers, and each walk would build their paths again.
    containers: Vec<ContainerView<'a>>,
}

/// Which list a container comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    /// How messages name it: "container", "init container", "ephemeral container".
    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Init => "init container",
            ContainerKind::Regular => "container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// One container of a pod spec.
#[derive(Clone)]
pub struct ContainerView<'a> {
    pub kind: ContainerKind,
    pub node: &'a Node,
    pub path: Pointer,
    pub name: &'a str,
    /// The image reference, parsed when a rule first asks: a dozen rules read it.
    image: OnceCell<Option<ImageRef>>,
    /// What [`ContainerView::describe`] says, made when a rule first asks: most findings on a
    /// container name it.
    description: OnceCell<String>,
}

impl<'a> ContainerView<'a> {
    /// The `image` field as written, when it is a string.
    pub fn image_text(&self) -> Option<&'a str> {
        self.node.get("image").and_then(Node::as_str)
    }

    /// The parsed `image`; `None` when it is absent or not a reference (a number, an
    /// unrendered template, a `$(VARIABLE)`), which the image rules leave alone rather than
    /// guess.
    pub fn image(&self) -> Option<&ImageRef> {
        self.image
            .get_or_init(|| self.image_text().and_then(ImageRef::parse))
            .as_ref()
    }

    /// `container "web"`, `init container "migrate"`.
    pub fn describe(&self) -> &str {
        self.description
            .get_or_init(|| format!("{} {:?}", self.kind.noun(), self.name))
    }

    /// The container's `securityContext`, if present.
    pub fn security_context(&self) -> Option<&Node> {
        self.node.get("securityContext")
    }

    /// The path of a field under the container's securityContext.
    pub fn security_context_path(&self, keys: &[&str]) -> Pointer {
        self.path.key("securityContext").keys(keys)
    }
}

impl<'a> PodView<'a> {
    /// The pod spec of a built-in workload or a kind configured under `podSpecPaths`.
    pub fn of(object: &'a Object, config: &Config) -> Option<PodView<'a>> {
        let (template_path, template) = template_of(object, config)?;
        let template_pointer = Pointer::root().keys(&template_path);
        // A configured path may name the pod spec itself instead of a template.
        if names_the_spec(template) {
            let metadata_keys = &template_path[..template_path.len().saturating_sub(1)];
            let metadata_pointer = Pointer::root().keys(metadata_keys).key("metadata");
            let metadata = object
                .root
                .get_path(metadata_keys)
                .and_then(|node| node.get("metadata"));
            return Some(PodView {
                containers: PodView::find_containers(template, &template_pointer),
                spec: template,
                spec_path: template_pointer,
                metadata,
                metadata_path: metadata_pointer,
            });
        }
        let spec = template.get("spec").filter(|spec| spec.is_map())?;
        let spec_path = template_pointer.key("spec");
        Some(PodView {
            containers: PodView::find_containers(spec, &spec_path),
            spec,
            spec_path,
            metadata: template.get("metadata"),
            metadata_path: template_pointer.key("metadata"),
        })
    }

    /// The pod spec alone, as [`PodView::of`] finds it, without the views of its containers
    /// and the paths they need: for the rules that only ask whether an object is a workload,
    /// or look at one field of every workload of the input.
    pub fn spec_of(object: &'a Object, config: &Config) -> Option<&'a Node> {
        let (_, template) = template_of(object, config)?;
        if names_the_spec(template) {
            return Some(template);
        }
        template.get("spec").filter(|spec| spec.is_map())
    }

    /// Every container: init containers, containers, then ephemeral containers, as the Pod
    /// Security Admission visitor walks them.
    pub fn containers(&self) -> impl Iterator<Item = &ContainerView<'a>> + '_ {
        self.containers.iter()
    }

    fn find_containers(spec: &'a Node, spec_path: &Pointer) -> Vec<ContainerView<'a>> {
        let mut containers = Vec::new();
        for kind in [
            ContainerKind::Init,
            ContainerKind::Regular,
            ContainerKind::Ephemeral,
        ] {
            let Some(list) = spec.get(kind.field()) else {
                continue;
            };
            let list_path = spec_path.key(kind.field());
            containers.extend(
                list.items()
                    .iter()
                    .enumerate()
                    .filter(|(_, node)| node.is_map())
                    .map(|(index, node)| ContainerView {
                        kind,
                        node,
                        path: list_path.index(index),
                        name: node
                            .get("name")
                            .and_then(Node::as_str)
                            .unwrap_or("<unnamed>"),
                        image: OnceCell::new(),
                        description: OnceCell::new(),
                    }),
            );
        }
        containers
    }

    /// The pod-level `securityContext`, if present.
    pub fn security_context(&self) -> Option<&'a Node> {
        self.spec.get("securityContext")
    }

    pub fn security_context_path(&self, keys: &[&str]) -> Pointer {
        self.spec_path.key("securityContext").keys(keys)
    }

    /// `spec.os.name: windows`: some Restricted controls do not apply to Windows pods.
    pub fn is_windows(&self) -> bool {
        self.spec
            .get_path(&["os", "name"])
            .and_then(Node::as_str)
            .is_some_and(|name| name.eq_ignore_ascii_case("windows"))
    }

    /// `spec.hostUsers: false`: the pod runs in a user namespace, which relaxes some controls.
    pub fn in_user_namespace(&self) -> bool {
        self.spec.get("hostUsers").and_then(Node::as_bool) == Some(false)
    }

    /// An annotation of the pod (template) metadata.
    pub fn annotation(&self, key: &str) -> Option<&'a str> {
        self.metadata
            .and_then(|m| m.get("annotations"))
            .and_then(|a| a.get(key))
            .and_then(Node::as_str)
    }
}

/// The path of an object's pod template (or pod spec) and the node there.
fn template_of<'o, 'c>(object: &'o Object, config: &'c Config) -> Option<(Vec<&'c str>, &'o Node)> {
    let group = object.group();
    let template_path: Vec<&str> = match BUILT_IN
        .iter()
        .find(|(groups, kind, _)| *kind == object.kind && groups.contains(&group))
    {
        Some((_, _, path)) => path.to_vec(),
        None => {
            let custom = config.pod_spec_path_for(&object.api_version, &object.kind)?;
            custom.iter().map(String::as_str).collect()
        }
    };
    let template = object.root.get_path(&template_path)?;
    Some((template_path, template))
}

/// Whether a configured path names the pod spec itself rather than a template.
fn names_the_spec(template: &Node) -> bool {
    template.get("containers").is_some() && template.get("spec").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PodSpecPath;

    #[test]
    fn the_spec_alone_is_the_one_the_view_finds() {
        let yaml = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers: [{name: web, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: bare}
spec:
  initContainers: [{name: init, image: busybox}]
  containers: [{name: app, image: app}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: job, image: job}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: canary}
spec:
  template:
    spec:
      containers: [{name: app, image: app}]
---
apiVersion: example.com/v1
kind: Runner
metadata: {name: direct}
spec:
  pod:
    containers: [{name: app, image: app}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: no-template}
spec: {replicas: 1}
---
apiVersion: v1
kind: Service
metadata: {name: not-a-workload}
spec: {ports: [{port: 80}]}
"#;
        let loaded = palisade_load::load_str("test.yaml", yaml);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let config = Config {
            pod_spec_paths: vec![
                PodSpecPath {
                    api_version: None,
                    kind: "Rollout".into(),
                    path: vec!["spec".into(), "template".into()],
                },
                PodSpecPath {
                    api_version: None,
                    kind: "Runner".into(),
                    path: vec!["spec".into(), "pod".into()],
                },
            ],
            ..Config::default()
        };
        let mut workloads = 0;
        for object in &loaded.objects {
            let view = PodView::of(object, &config).map(|view| view.spec as *const Node);
            let alone = PodView::spec_of(object, &config).map(|spec| spec as *const Node);
            assert_eq!(view, alone, "{}", object.kind);
            workloads += usize::from(alone.is_some());
        }
        assert_eq!(workloads, 5);
    }
}
