//! Reading one list from the API: pages of `limit` objects followed by their `continue`
//! token; a token that expired meanwhile (410 Gone) restarts the list once from the start.

use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http::header::ACCEPT;
use http_body_util::BodyExt;
use kube::Client;
use kube::client::Body;
use palisade_model::Node;
use serde::Deserialize;

use crate::convert::{ItemShape, parse_page};
use crate::kinds::{Endpoint, KindSpec, Reading};
use crate::{Problem, clean_text};

/// What the API server sends for a list request.
pub const ACCEPT_JSON: &str = "application/json";
/// Metadata only: the server answers with a `PartialObjectMetadataList`, never the objects'
/// data. (RBAC cannot require this: the same `list` permission returns whole Secrets to a
/// client that asks for them.)
pub const ACCEPT_METADATA: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// One list to read.
#[derive(Clone, Debug)]
pub struct ListTask {
    pub spec: &'static KindSpec,
    pub endpoint: Endpoint,
    /// The namespace to list in; `None` for all namespaces or a cluster-scoped kind.
    pub namespace: Option<String>,
    pub field_selector: Option<String>,
}

impl ListTask {
    /// `/api/v1/namespaces/x/pods`, `/apis/apps/v1/deployments`.
    pub fn path(&self) -> String {
        let base = if self.endpoint.group.is_empty() {
            format!("/api/{}", self.endpoint.version)
        } else {
            format!("/apis/{}/{}", self.endpoint.group, self.endpoint.version)
        };
        match &self.namespace {
            Some(namespace) if self.spec.namespaced => format!(
                "{base}/namespaces/{}/{}",
                encode(namespace),
                self.endpoint.resource
            ),
            _ => format!("{base}/{}", self.endpoint.resource),
        }
    }

    fn url(&self, limit: u32, token: Option<&str>) -> String {
        let mut url = format!("{}?limit={limit}", self.path());
        if let Some(selector) = &self.field_selector {
            url.push_str("&fieldSelector=");
            url.push_str(&encode(selector));
        }
        if let Some(token) = token {
            url.push_str("&continue=");
            url.push_str(&encode(token));
        }
        url
    }

    fn accept(&self) -> &'static str {
        match self.spec.reading {
            Reading::Full => ACCEPT_JSON,
            Reading::MetadataOnly => ACCEPT_METADATA,
        }
    }

    /// Where the list reaches, for messages: "in all namespaces", "in namespace x", "cluster-wide".
    pub fn scope(&self) -> String {
        match (&self.namespace, self.spec.namespaced) {
            (_, false) => "cluster-wide".to_string(),
            (Some(namespace), true) => format!("in namespace {namespace}"),
            (None, true) => "in all namespaces".to_string(),
        }
    }

    fn problem(&self, status: Option<u16>, message: String) -> Problem {
        Problem {
            kind: self.spec.kind.to_string(),
            api_version: self.endpoint.api_version(),
            resource: self.endpoint.resource.to_string(),
            group: self.endpoint.group.to_string(),
            scope: self.scope(),
            field_selector: self.field_selector.clone().filter(|_| {
                // The Namespace of `-n` is read by name: that is the list, not a filter of it.
                self.spec.kind != "Namespace"
            }),
            status,
            message,
        }
    }
}

/// How much one list may ask for and read.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Objects per page (`limit=`).
    pub page_size: u32,
    /// The largest response read; a larger one is an error, not an allocation.
    pub max_response_bytes: usize,
}

/// What a list yielded.
pub struct Listed {
    pub items: Vec<Node>,
    /// Something the user should know that did not stop the list (a restart after 410).
    pub note: Option<String>,
}

/// Reads every page of one list.
pub async fn list_all(
    client: &Client,
    task: &ListTask,
    limits: Limits,
    read_so_far: &AtomicUsize,
) -> Result<Listed, Problem> {
    let api_version = task.endpoint.api_version();
    let shape = ItemShape {
        api_version: &api_version,
        kind: task.spec.kind,
        metadata_only: task.spec.reading == Reading::MetadataOnly,
        drop_last_applied: task.spec.kind == "Secret" && task.endpoint.group.is_empty(),
    };
    let mut restarted = false;
    'list: loop {
        let mut items: Vec<Node> = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let url = task.url(limits.page_size, token.as_deref());
            let (status, body) = get(client, &url, task.accept(), limits.max_response_bytes)
                .await
                .map_err(|error| {
                    task.problem(
                        None,
                        format!("the request failed: {}", crate::describe(&error)),
                    )
                })?;
            if status == StatusCode::GONE && token.is_some() {
                if restarted {
                    return Err(task.problem(
                        Some(410),
                        format!(
                            "the continue token expired twice ({}); the list changes faster than it can be read in pages",
                            status_message(&body)
                        ),
                    ));
                }
                // The objects of the first pages may have changed since: start over, once.
                restarted = true;
                read_so_far.fetch_sub(items.len(), Ordering::Relaxed);
                continue 'list;
            }
            if !status.is_success() {
                return Err(task.problem(Some(status.as_u16()), status_message(&body)));
            }
            let page = parse_page(&body, shape).map_err(|error| {
                task.problem(
                    Some(status.as_u16()),
                    format!("the response is not a readable list: {error}"),
                )
            })?;
            if shape.metadata_only && page.kind.as_deref() != Some("PartialObjectMetadataList") {
                // Only metadata was kept of it, but the server did not do what was asked.
                return Err(task.problem(
                    Some(status.as_u16()),
                    format!(
                        "the server answered the metadata-only request with {}; its objects were dropped",
                        page.kind.as_deref().map(clean_text).unwrap_or_else(|| "a list of unknown kind".into())
                    ),
                ));
            }
            read_so_far.fetch_add(page.items.len(), Ordering::Relaxed);
            items.extend(page.items);
            match page.continue_token {
                Some(next) => token = Some(next),
                None => {
                    let note = restarted.then(|| {
                        format!(
                            "{} {}: the continue token expired (410 Gone) while the list was read in pages; it was read again from the start",
                            task.spec.kind,
                            task.scope()
                        )
                    });
                    return Ok(Listed { items, note });
                }
            }
        }
    }
}

/// Why a GET gave no body.
#[derive(Debug, thiserror::Error)]
pub enum GetError {
    #[error(transparent)]
    Request(#[from] kube::Error),
    #[error(
        "the response is larger than {limit} bytes, more than any list palisade asks for; it was not read"
    )]
    TooLarge { limit: usize },
}

/// A GET with the given `Accept`, returning the status and the whole body, read up to
/// `max_bytes` (the body is read as it arrives, so a larger one is cut off before it is held).
pub async fn get(
    client: &Client,
    url: &str,
    accept: &str,
    max_bytes: usize,
) -> Result<(StatusCode, Bytes), GetError> {
    let request = http::Request::get(url)
        .header(ACCEPT, accept)
        .body(Body::empty())
        .map_err(kube::Error::HttpError)?;
    let response = client.send(request).await?;
    let status = response.status();
    let mut body = response.into_body();
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if collected.len() + data.len() > max_bytes {
                return Err(GetError::TooLarge { limit: max_bytes });
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok((status, collected.freeze()))
}

/// The `message` of a `Status` body, or the start of whatever else the body is.
pub fn status_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Status {
        #[serde(default)]
        message: String,
        #[serde(default)]
        reason: String,
    }
    let text = match serde_json::from_slice::<Status>(body) {
        Ok(status) if !status.message.is_empty() => status.message,
        Ok(status) if !status.reason.is_empty() => status.reason,
        _ => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    };
    let text = clean_text(&text);
    if text.chars().count() > 300 {
        let cut: String = text.chars().take(300).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Percent-encodes a query value or path segment (RFC 3986 unreserved characters pass).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::KINDS;

    fn task(kind: &str, namespace: Option<&str>, selector: Option<&str>) -> ListTask {
        let spec = KINDS.iter().find(|k| k.kind == kind).unwrap();
        ListTask {
            spec,
            endpoint: spec.endpoints[0],
            namespace: namespace.map(str::to_string),
            field_selector: selector.map(str::to_string),
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            task("Pod", None, None).url(500, None),
            "/api/v1/pods?limit=500"
        );
        assert_eq!(
            task("Deployment", Some("shop"), None).url(2, Some("a/b+c=")),
            "/apis/apps/v1/namespaces/shop/deployments?limit=2&continue=a%2Fb%2Bc%3D"
        );
        // A cluster-scoped kind ignores the namespace.
        assert_eq!(
            task("ClusterRole", Some("shop"), None).path(),
            "/apis/rbac.authorization.k8s.io/v1/clusterroles"
        );
        assert_eq!(
            task("Namespace", None, Some("metadata.name=shop")).url(500, None),
            "/api/v1/namespaces?limit=500&fieldSelector=metadata.name%3Dshop"
        );
        assert_eq!(task("Secret", None, None).accept(), ACCEPT_METADATA);
        assert_eq!(task("ConfigMap", None, None).accept(), ACCEPT_JSON);
    }

    #[test]
    fn status_messages() {
        assert_eq!(
            status_message(br#"{"kind":"Status","message":"pods is forbidden: \u001b[31mred","reason":"Forbidden"}"#),
            "pods is forbidden: [31mred"
        );
        assert_eq!(
            status_message(b"<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
    }
}
