//! `palisade scan --cluster`: reads the live cluster through kube-rs.
//!
//! [`read_cluster`] resolves the kubeconfig as kubectl does ([`kubeconfig`]), asks discovery
//! which of the kinds the rules need the cluster serves ([`kinds::KINDS`]), and lists them
//! all, a few at a time, in pages of 500 ([`list`]). Objects come back as palisade
//! [`Object`]s without file positions: findings on them name `kind/namespace/name` and the
//! JSON pointer of the field.
//!
//! Secrets are listed as metadata only (`PartialObjectMetadataList`), so their data never
//! reaches palisade. Their `type`, which is not metadata, comes from a second metadata-only
//! list per type that rules ask about ([`kinds::SECRET_TYPES`]), filtered by a field selector.
//!
//! A kind that cannot be read (403 for missing RBAC, 404, a server error, a continue token
//! that expired twice) does not stop the others: it is returned as a [`Problem`] that names
//! the kind and the permission the scan lacks. Only a cluster that cannot be reached at all,
//! or that rejects the credentials, is an error.

pub mod convert;
pub mod discovery;
pub mod kinds;
pub mod kubeconfig;
pub mod list;
mod owners;
mod progress;

pub use owners::drop_repeats_of_owners;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::stream::{self, StreamExt};
use palisade_model::{Entry, Node, Object, Pos, Value};

use crate::kinds::{KINDS, SECRET_TYPES, SecretMark, SecretType};
use crate::list::{ListTask, list_all};

/// Objects per page: what kubectl asks for.
pub const PAGE_SIZE: u32 = 500;
/// Lists read at the same time: enough to hide the round trips, few enough not to load the
/// API server (kubectl's client-side rate limit is 5 requests per second with bursts of 10).
pub const CONCURRENCY: usize = 6;
/// The largest response palisade reads: far above a page of 500 real objects (a page of Pods is
/// a few MB), far below what would exhaust memory, so a hostile or broken server cannot.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

/// What to read.
#[derive(Clone, Debug)]
pub struct Options {
    /// `--kubeconfig FILE`.
    pub kubeconfig: Option<PathBuf>,
    /// `--context NAME`.
    pub context: Option<String>,
    /// `-n NS`: only this namespace's objects (cluster-scoped kinds are still read whole);
    /// `None` reads every namespace.
    pub namespace: Option<String>,
    /// Show a progress bar on stderr (drawn only when stderr is a terminal).
    pub progress: bool,
    pub page_size: u32,
    pub concurrency: usize,
    /// Responses larger than this are not read: the kind is reported as unreadable.
    pub max_response_bytes: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            kubeconfig: None,
            context: None,
            namespace: None,
            progress: false,
            page_size: PAGE_SIZE,
            concurrency: CONCURRENCY,
            max_response_bytes: MAX_RESPONSE_BYTES,
        }
    }
}

/// What a scan read.
#[derive(Debug, Default)]
pub struct ClusterRead {
    /// The API server's URL.
    pub server: String,
    /// The kubeconfig context used (`None` in a pod).
    pub context: Option<String>,
    /// Where the configuration came from.
    pub source: String,
    pub objects: Vec<Object>,
    /// Kinds that could not be read, or only in part.
    pub problems: Vec<Problem>,
    /// What the user should know and that did not lose anything (a list restarted after its
    /// continue token expired, a kind the cluster does not serve).
    pub notes: Vec<String>,
    /// How many lists were read.
    pub lists: usize,
}

/// A kind that could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub kind: String,
    pub api_version: String,
    pub resource: String,
    pub group: String,
    /// "in all namespaces", "in namespace x", "cluster-wide".
    pub scope: String,
    /// The field selector of the list, if it had one (the typed lists of Secrets).
    pub field_selector: Option<String>,
    /// The HTTP status, when there was an answer.
    pub status: Option<u16>,
    /// What went wrong, from the server's `Status` where there is one.
    pub message: String,
}

impl Problem {
    /// The RBAC the scan lacks, for a 403.
    pub fn missing_permission(&self) -> Option<String> {
        (self.status == Some(403)).then(|| {
            format!(
                "the scan needs `list` on `{}` in API group {:?} {} (deploy/scanner-rbac.yaml grants every permission a scan needs)",
                self.resource, self.group, self.scope
            )
        })
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot list {} ({} {}) {}",
            self.kind, self.api_version, self.resource, self.scope
        )?;
        if let Some(selector) = &self.field_selector {
            write!(f, " with the field selector {selector}")?;
        }
        f.write_str(": ")?;
        match self.status {
            Some(403) => write!(f, "403 Forbidden: {}", self.message)?,
            Some(404) => write!(f, "404 Not Found: {}", self.message)?,
            Some(status) => write!(f, "HTTP {status}: {}", self.message)?,
            None => f.write_str(&self.message)?,
        }
        if let Some(permission) = self.missing_permission() {
            write!(f, "; {permission}")?;
        }
        f.write_str("; rules that need these objects judged the cluster without them")
    }
}

/// Why nothing could be read.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The kubeconfig or in-cluster configuration is missing or wrong.
    #[error("{0}")]
    Config(String),
    /// The API server could not be reached (connection, TLS, credential plugin).
    #[error("cannot reach the API server: {0}")]
    Connect(String),
    /// The API server rejected the credentials (401).
    #[error("the API server rejected the credentials (401 Unauthorized: {0})")]
    Unauthorized(String),
    #[error("cannot start the network runtime: {0}")]
    Runtime(std::io::Error),
}

/// Reads everything a scan needs from the cluster. Blocks; runs its own small runtime.
pub fn read_cluster(options: &Options) -> Result<ClusterRead, ClusterError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(ClusterError::Runtime)?;
    runtime.block_on(read(options))
}

async fn read(options: &Options) -> Result<ClusterRead, ClusterError> {
    let target =
        kubeconfig::resolve(options.kubeconfig.as_deref(), options.context.as_deref()).await?;
    let server = target.config.cluster_url.to_string();
    let server = server.trim_end_matches('/').to_string();
    let context = target.context.clone();
    let source = target.source.to_string();
    let client = kube::Client::try_from(target.config).map_err(|error| {
        ClusterError::Config(format!(
            "cannot use the credentials of {} ({source}): {}",
            context
                .as_deref()
                .map(|c| format!("context {c:?}"))
                .unwrap_or_else(|| "the pod".to_string()),
            describe(&error)
        ))
    })?;

    let discovered = discovery::discover(&client, KINDS, options.max_response_bytes)
        .await
        .map_err(|error| match error {
            ClusterError::Connect(message) => ClusterError::Connect(format!("{server}: {message}")),
            other => other,
        })?;
    let mut notes = discovered.notes;
    let tasks = plan(&discovered.chosen, options.namespace.as_deref());
    let secret_type_tasks = secret_type_tasks(&discovered.chosen, options.namespace.as_deref());

    let all_tasks: Vec<&ListTask> = tasks
        .iter()
        .chain(secret_type_tasks.iter().map(|(t, _)| t))
        .collect();
    let bar = progress::Bar::new(options.progress, all_tasks.len());
    let read_so_far = AtomicUsize::new(0);
    let page_size = options.page_size.max(1);
    let mut results: Vec<Option<Result<list::Listed, Problem>>> =
        (0..all_tasks.len()).map(|_| None).collect();
    let mut stream = stream::iter(all_tasks.iter().enumerate())
        .map(|(index, task)| {
            let client = &client;
            let read_so_far = &read_so_far;
            let limits = list::Limits {
                page_size,
                max_response_bytes: options.max_response_bytes,
            };
            async move { (index, list_all(client, task, limits, read_so_far).await) }
        })
        .buffer_unordered(options.concurrency.max(1));
    while let Some((index, result)) = stream.next().await {
        bar.finished_one(
            all_tasks[index].spec.kind,
            read_so_far.load(Ordering::Relaxed),
        );
        results[index] = Some(result);
    }
    drop(stream);
    bar.finish();

    let mut problems = Vec::new();
    let mut lists = Vec::with_capacity(tasks.len());
    let mut typed: Vec<(&SecretType, Vec<Node>)> = Vec::new();
    for (index, result) in results.into_iter().enumerate() {
        let Some(result) = result else { continue };
        match result {
            Ok(listed) => {
                notes.extend(listed.note);
                if index < tasks.len() {
                    lists.push(listed.items);
                } else {
                    typed.push((secret_type_tasks[index - tasks.len()].1, listed.items));
                }
            }
            Err(problem) => problems.push(problem),
        }
    }

    // A typed list that fails as the whole list of its kind failed adds nothing to that.
    let whole_failed: Vec<(String, Option<u16>)> = problems
        .iter()
        .filter(|p: &&Problem| p.field_selector.is_none())
        .map(|p| (p.kind.clone(), p.status))
        .collect();
    problems.retain(|p| {
        p.field_selector.is_none() || !whole_failed.contains(&(p.kind.clone(), p.status))
    });

    let secret_types = secret_types(&typed);
    let count = lists.iter().map(Vec::len).sum();
    let mut objects = Vec::with_capacity(count);
    for node in lists.into_iter().flatten() {
        let node = with_secret_type(node, &secret_types);
        if let Some(object) = Object::from_node(node, None) {
            objects.push(object);
        }
    }
    Ok(ClusterRead {
        server,
        context,
        source,
        objects,
        problems,
        notes,
        lists: all_tasks.len(),
    })
}

/// One list per kind: in the namespace asked for, or everywhere. With `-n`, the Namespace
/// itself is read by name and cluster-scoped kinds are read whole, since RBAC bindings,
/// cluster-wide policies and namespace labels decide what happens in the namespace.
fn plan(
    chosen: &[(&'static kinds::KindSpec, kinds::Endpoint)],
    namespace: Option<&str>,
) -> Vec<ListTask> {
    chosen
        .iter()
        .map(|(spec, endpoint)| ListTask {
            spec,
            endpoint: *endpoint,
            namespace: namespace.map(str::to_string),
            field_selector: match namespace {
                Some(namespace) if spec.kind == "Namespace" && endpoint.group.is_empty() => {
                    Some(format!("metadata.name={namespace}"))
                }
                _ => None,
            },
        })
        .collect()
}

/// The lists that give Secrets their `type` back.
fn secret_type_tasks(
    chosen: &[(&'static kinds::KindSpec, kinds::Endpoint)],
    namespace: Option<&str>,
) -> Vec<(ListTask, &'static SecretType)> {
    let Some((spec, endpoint)) = chosen
        .iter()
        .find(|(spec, endpoint)| spec.kind == "Secret" && endpoint.group.is_empty())
    else {
        return Vec::new();
    };
    SECRET_TYPES
        .iter()
        .filter_map(|secret_type| {
            let namespace = match (namespace, secret_type.namespace) {
                (Some(asked), Some(only)) if asked != only => return None,
                (Some(asked), _) => Some(asked.to_string()),
                (None, only) => only.map(str::to_string),
            };
            Some((
                ListTask {
                    spec,
                    endpoint: *endpoint,
                    namespace,
                    field_selector: Some(format!("type={}", secret_type.name)),
                },
                secret_type,
            ))
        })
        .collect()
}

/// `(namespace, name)` → type, for the Secrets the typed lists returned that carry their
/// type's mark.
fn secret_types(typed: &[(&SecretType, Vec<Node>)]) -> HashMap<(String, String), &'static str> {
    let mut types = HashMap::new();
    for (secret_type, nodes) in typed {
        for node in nodes {
            let metadata = node.get("metadata");
            let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_str);
            let (Some(namespace), Some(name)) = (text("namespace"), text("name")) else {
                continue;
            };
            let marked = match secret_type.mark {
                SecretMark::Annotation(key) => metadata
                    .and_then(|m| m.get("annotations"))
                    .and_then(|a| a.get(key))
                    .and_then(Node::as_str)
                    .is_some_and(|value| !value.is_empty()),
                SecretMark::NamePrefix(prefix) => name.starts_with(prefix),
            };
            let in_place = secret_type.namespace.is_none_or(|only| only == namespace);
            if marked && in_place {
                types.insert((namespace.to_string(), name.to_string()), secret_type.name);
            }
        }
    }
    types
}

/// Gives a Secret its `type` back, when a typed list showed it.
fn with_secret_type(node: Node, types: &HashMap<(String, String), &'static str>) -> Node {
    if types.is_empty() || node.get("kind").and_then(Node::as_str) != Some("Secret") {
        return node;
    }
    let metadata = node.get("metadata");
    let text = |key: &str| metadata.and_then(|m| m.get(key)).and_then(Node::as_str);
    let key = (
        text("namespace").unwrap_or_default().to_string(),
        text("name").unwrap_or_default().to_string(),
    );
    let Some(secret_type) = types.get(&key) else {
        return node;
    };
    let Node { pos, value } = node;
    match value {
        Value::Map(entries) => {
            let mut entries = entries.into_vec();
            entries.push(Entry {
                key: "type".into(),
                key_pos: Pos::UNKNOWN,
                value: Node::new(Pos::UNKNOWN, Value::Str((*secret_type).to_string())),
            });
            Node::new(pos, Value::Map(entries.into_boxed_slice()))
        }
        other => Node::new(pos, other),
    }
}

/// An error with its causes (`client error (Connect): invalid peer certificate: UnknownIssuer`),
/// since the outermost message of a failed connection says little.
pub fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        // Layers often repeat their cause's message inside their own.
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    clean_text(&parts.join(": "))
}

/// Text from the server or the network, made safe to print: control characters (terminal
/// escape sequences) are dropped.
pub fn clean_text(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}
