//! Which of the kinds palisade wants the API server serves, and where.
//!
//! `/apis` names the served group versions; `/api/v1` and `/apis/<group>/<version>` name the
//! resources of each. A built-in kind is read at its first endpoint that discovery shows (an
//! old cluster serves CronJobs at `batch/v1beta1`, Ingresses at `extensions/v1beta1`); a
//! custom kind (Calico, Cilium) only when its group version is served. When discovery cannot
//! be read, the built-in kinds are read at their usual endpoints and custom kinds are not.

use std::collections::{BTreeSet, HashMap, HashSet};

use futures::future::join_all;
use kube::Client;
use serde::Deserialize;

use crate::ClusterError;
use crate::kinds::{Endpoint, KindSpec, Presence};
use crate::list::{ACCEPT_JSON, GetError, get, status_message};

#[derive(Deserialize)]
struct GroupList {
    #[serde(default)]
    groups: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    name: String,
    #[serde(default)]
    versions: Vec<GroupVersion>,
}

#[derive(Deserialize)]
struct GroupVersion {
    version: String,
}

#[derive(Deserialize)]
struct ResourceList {
    #[serde(default)]
    resources: Vec<Resource>,
}

#[derive(Deserialize)]
struct Resource {
    name: String,
    #[serde(default)]
    verbs: Option<Vec<String>>,
}

/// What discovery found.
pub struct Discovered {
    /// Each wanted kind and the endpoint to read it at.
    pub chosen: Vec<(&'static KindSpec, Endpoint)>,
    /// What the user should know about discovery (it failed, a kind is not served).
    pub notes: Vec<String>,
}

/// Served group versions (`None`: unknown) and, per group version, its listable resources
/// (absent: unknown).
struct Served {
    group_versions: Option<HashSet<(String, String)>>,
    resources: HashMap<(String, String), HashSet<String>>,
}

impl Served {
    fn serves_group_version(&self, endpoint: &Endpoint) -> Option<bool> {
        if endpoint.group.is_empty() {
            return Some(endpoint.version == "v1");
        }
        self.group_versions.as_ref().map(|served| {
            served.contains(&(endpoint.group.to_string(), endpoint.version.to_string()))
        })
    }

    /// Whether the endpoint's resource can be listed there: `None` when discovery cannot tell.
    fn serves(&self, endpoint: &Endpoint) -> Option<bool> {
        if self.serves_group_version(endpoint) == Some(false) {
            return Some(false);
        }
        // Resource lists are only read for served group versions; without one, no telling.
        let key = (endpoint.group.to_string(), endpoint.version.to_string());
        self.resources
            .get(&key)
            .map(|resources| resources.contains(endpoint.resource))
    }
}

/// Reads discovery and chooses an endpoint for each kind. Fails only when the API server
/// cannot be reached or rejects the credentials: then nothing else would work either.
pub async fn discover(
    client: &Client,
    kinds: &'static [KindSpec],
    max_response_bytes: usize,
) -> Result<Discovered, ClusterError> {
    let mut notes = Vec::new();
    let group_versions = match get(client, "/apis", ACCEPT_JSON, max_response_bytes).await {
        Err(error @ GetError::TooLarge { .. }) => {
            notes.push(format!(
                "API discovery (/apis) is not readable ({error}); the built-in kinds are read at their usual API versions and Calico and Cilium policies are not read"
            ));
            None
        }
        Err(error) => return Err(ClusterError::Connect(crate::describe(&error))),
        Ok((status, body)) if status.as_u16() == 401 => {
            return Err(ClusterError::Unauthorized(status_message(&body)));
        }
        Ok((status, body)) if status.is_success() => {
            match serde_json::from_slice::<GroupList>(&body) {
                Ok(list) => Some(
                    list.groups
                        .into_iter()
                        .flat_map(|group| {
                            let name = group.name;
                            group
                                .versions
                                .into_iter()
                                .map(move |v| (name.clone(), v.version))
                        })
                        .collect::<HashSet<_>>(),
                ),
                Err(error) => {
                    notes.push(format!(
                    "API discovery (/apis) is not readable ({error}); the built-in kinds are read at their usual API versions and Calico and Cilium policies are not read"
                ));
                    None
                }
            }
        }
        Ok((status, body)) => {
            notes.push(format!(
                "API discovery (/apis) failed ({} {}); the built-in kinds are read at their usual API versions and Calico and Cilium policies are not read",
                status.as_u16(),
                status_message(&body)
            ));
            None
        }
    };
    let mut served = Served {
        group_versions,
        resources: HashMap::new(),
    };

    // The resource lists of every group version a kind may be read at and that is served.
    let wanted: BTreeSet<(&'static str, &'static str)> = kinds
        .iter()
        .flat_map(|spec| spec.endpoints.iter())
        .filter(|endpoint| served.serves_group_version(endpoint) == Some(true))
        .map(|endpoint| (endpoint.group, endpoint.version))
        .collect();
    let lists = join_all(wanted.iter().map(|(group, version)| async move {
        let path = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{group}/{version}")
        };
        let answer = get(client, &path, ACCEPT_JSON, max_response_bytes)
            .await
            .ok()
            .and_then(|(status, body)| {
                status
                    .is_success()
                    .then(|| serde_json::from_slice::<ResourceList>(&body).ok())
                    .flatten()
            });
        ((group.to_string(), version.to_string()), answer)
    }))
    .await;
    for (key, list) in lists {
        if let Some(list) = list {
            let listable = list
                .resources
                .into_iter()
                // Subresources (`pods/log`) are not kinds; a resource without verbs is
                // assumed listable, as old servers did not always send them.
                .filter(|r| !r.name.contains('/'))
                .filter(|r| {
                    r.verbs
                        .as_ref()
                        .is_none_or(|v| v.iter().any(|v| v == "list"))
                })
                .map(|r| r.name)
                .collect();
            served.resources.insert(key, listable);
        }
    }

    let mut chosen = Vec::new();
    for spec in kinds {
        let pick = spec
            .endpoints
            .iter()
            .find(|endpoint| served.serves(endpoint) == Some(true))
            .or_else(|| {
                // Discovery could not tell: a built-in kind is tried at an endpoint whose
                // answer is unknown, preferring the first.
                (spec.presence == Presence::BuiltIn)
                    .then(|| spec.endpoints.iter().find(|e| served.serves(e).is_none()))
                    .flatten()
            });
        match pick {
            Some(endpoint) => chosen.push((spec, *endpoint)),
            None if spec.presence == Presence::BuiltIn => notes.push(format!(
                "the API server does not serve {} (looked for {}); none were read",
                spec.kind,
                spec.endpoints
                    .iter()
                    .map(|e| format!("{} {}", e.api_version(), e.resource))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => {}
        }
    }
    Ok(Discovered { chosen, notes })
}
