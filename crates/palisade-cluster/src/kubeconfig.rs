//! Which cluster, as kubectl decides it: `--kubeconfig FILE`, else the files of `KUBECONFIG`
//! merged (the first to set a value wins; files that do not exist are skipped), else
//! `~/.kube/config`, else the in-cluster configuration of a pod (its service account token
//! and CA). `--context` picks a context of the kubeconfig instead of its `current-context`.

use std::path::{Path, PathBuf};

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};

use crate::ClusterError;

/// Where the configuration came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// `--kubeconfig FILE`.
    Flag(PathBuf),
    /// The files of `KUBECONFIG` that exist, merged.
    Env(Vec<PathBuf>),
    /// `~/.kube/config`.
    Home(PathBuf),
    /// The pod's service account.
    InCluster,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag(path) => write!(f, "{}", path.display()),
            Source::Env(paths) => {
                let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
                write!(f, "KUBECONFIG={}", names.join(":"))
            }
            Source::Home(path) => write!(f, "{}", path.display()),
            Source::InCluster => f.write_str("the in-cluster service account"),
        }
    }
}

/// The resolved connection.
pub struct Target {
    pub config: kube::Config,
    pub source: Source,
    /// The context used; `None` in a pod.
    pub context: Option<String>,
}

/// Resolves the kubeconfig and context the way kubectl does.
pub async fn resolve(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
) -> Result<Target, ClusterError> {
    let (source, loaded) = match find(kubeconfig)? {
        Some((source, loaded)) => (source, loaded),
        None => return in_cluster(context),
    };
    let chosen = context
        .map(str::to_string)
        .or_else(|| loaded.current_context.clone().filter(|c| !c.is_empty()));
    let options = KubeConfigOptions {
        context: chosen.clone(),
        cluster: None,
        user: None,
    };
    let contexts: Vec<String> = loaded.contexts.iter().map(|c| c.name.clone()).collect();
    let clusters: Vec<String> = loaded.clusters.iter().map(|c| c.name.clone()).collect();
    let mut config = kube::Config::from_custom_kubeconfig(loaded, &options)
        .await
        .map_err(|error| explain(error, &source, &contexts, &clusters, chosen.as_deref()))?;
    // A server that accepts the connection and then stalls must not hang the scan forever.
    config.read_timeout = Some(std::time::Duration::from_secs(120));
    Ok(Target {
        config,
        source,
        context: chosen,
    })
}

/// The kubeconfig to use, or `None` when there is none and the in-cluster configuration
/// should be tried.
fn find(flag: Option<&Path>) -> Result<Option<(Source, Kubeconfig)>, ClusterError> {
    if let Some(path) = flag {
        // Named explicitly: a missing file is an error, as with kubectl.
        if !path.exists() {
            return Err(ClusterError::Config(format!(
                "--kubeconfig {}: no such file",
                path.display()
            )));
        }
        let source = Source::Flag(path.to_path_buf());
        let loaded = read(path, &source)?;
        return Ok(Some((source, loaded)));
    }
    if let Some(value) = std::env::var_os("KUBECONFIG") {
        let paths: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty())
            .collect();
        if !paths.is_empty() {
            // kubectl skips the listed files that do not exist; with none left it falls back
            // to the in-cluster configuration, never to ~/.kube/config.
            let existing: Vec<PathBuf> = paths.into_iter().filter(|p| p.exists()).collect();
            if existing.is_empty() {
                return Ok(None);
            }
            let source = Source::Env(existing.clone());
            let mut merged = Kubeconfig::default();
            for path in &existing {
                let next = read(path, &source)?;
                merged = merged.merge(next).map_err(|error| {
                    ClusterError::Config(format!(
                        "cannot merge {} into the kubeconfig of KUBECONFIG: {error}",
                        path.display()
                    ))
                })?;
            }
            return Ok(Some((source, merged)));
        }
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
        let path = PathBuf::from(home).join(".kube").join("config");
        if path.is_file() {
            let source = Source::Home(path.clone());
            let loaded = read(&path, &source)?;
            return Ok(Some((source, loaded)));
        }
    }
    Ok(None)
}

fn read(path: &Path, source: &Source) -> Result<Kubeconfig, ClusterError> {
    Kubeconfig::read_from(path).map_err(|error| {
        let detail = match &error {
            KubeconfigError::ReadConfig(io, _) => format!("cannot read: {io}"),
            other => other.to_string(),
        };
        let origin = match source {
            Source::Env(_) => " (from KUBECONFIG)",
            _ => "",
        };
        ClusterError::Config(format!("{}{origin}: {detail}", path.display()))
    })
}

fn in_cluster(context: Option<&str>) -> Result<Target, ClusterError> {
    if let Some(context) = context {
        return Err(ClusterError::Config(format!(
            "--context {context}: there is no kubeconfig to take it from (--kubeconfig not given, no file of KUBECONFIG exists, no ~/.kube/config)"
        )));
    }
    let mut config = kube::Config::incluster().map_err(|error| {
        ClusterError::Config(format!(
            "no kubeconfig (--kubeconfig not given, no file of KUBECONFIG exists, no ~/.kube/config) and not running in a pod ({error})"
        ))
    })?;
    config.read_timeout = Some(std::time::Duration::from_secs(120));
    Ok(Target {
        config,
        source: Source::InCluster,
        context: None,
    })
}

fn explain(
    error: KubeconfigError,
    source: &Source,
    contexts: &[String],
    clusters: &[String],
    context: Option<&str>,
) -> ClusterError {
    let list = |names: &[String]| {
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    let message = match error {
        KubeconfigError::CurrentContextNotSet => format!(
            "{source} sets no current-context; choose one with --context (its contexts: {})",
            list(contexts)
        ),
        KubeconfigError::LoadContext(name) => format!(
            "context {name:?} is not in {source} (its contexts: {})",
            list(contexts)
        ),
        KubeconfigError::LoadClusterOfContext(name) => format!(
            "context {:?} names cluster {name:?}, which {source} does not define (its clusters: {})",
            context.unwrap_or_default(),
            list(clusters)
        ),
        other => format!(
            "context {:?} of {source}: {other}",
            context.unwrap_or_default()
        ),
    };
    ClusterError::Config(message)
}
