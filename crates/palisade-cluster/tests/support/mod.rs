//! A local HTTPS server that replays recorded Kubernetes API responses, for the tests of
//! `palisade scan --cluster` (this crate's and the CLI's, which include this file).
//!
//! The responses are real recordings from `../shared/corpus/api-responses` (see the README
//! section and `SOURCES.md` there): discovery documents of real kube-apiservers
//! (`kubernetes-discovery/`, from kubernetes/kubernetes), list responses recorded by
//! k8s-openapi's test suite against kind clusters (v1.36), pages of a paginated pod list and
//! the 410 answer to an expired continue token (ManageIQ/kubeclient), and the 403 and 404
//! `Status` objects of a v1.10 cluster (kontena/k8s-client). No recorded list exists for RBAC
//! kinds, NetworkPolicies, Namespaces, ServiceAccounts or metadata-only Secrets: those
//! responses are real objects from the corpus (`realworld/`, `rbac/realworld/`,
//! `netpol/realworld/`) wrapped in the envelope of a recorded list, and each test says which.
//!
//! TLS is real: an rcgen CA signs the server's certificate for 127.0.0.1, and the kubeconfig
//! the tests write trusts that CA, so kube-rs verifies the server as it would a cluster's.
//!
//! The server can enforce a ClusterRole (the one in `deploy/scanner-rbac.yaml`): every
//! resource request the role does not allow is answered 403, as the API server's RBAC
//! authorizer would, so a scan that works against it needs no more than the role grants.
//! Discovery paths (`/api`, `/apis`, `/api/v1`, `/apis/<group>/<version>`) are allowed to
//! everyone, as the built-in `system:discovery` role allows them to every authenticated user.

#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

/// The shared corpus (`../shared/corpus` relative to the repository), or `None` when absent.
pub fn corpus() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    root.join("api-responses").is_dir().then_some(root)
}

/// Skips the test (returning from it) when the corpus is absent.
#[macro_export]
macro_rules! corpus_or_skip {
    () => {
        match support::corpus() {
            Some(corpus) => corpus,
            None => {
                eprintln!(
                    "skipped: the corpus ../shared/corpus/api-responses is absent (the recorded API responses these tests replay)"
                );
                return;
            }
        }
    };
}

/// A file of the corpus.
pub fn read(corpus: &Path, relative: &str) -> Vec<u8> {
    let path = corpus.join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A file of the corpus as JSON.
pub fn read_json(corpus: &Path, relative: &str) -> Value {
    serde_json::from_slice(&read(corpus, relative)).unwrap()
}

/// The response body of the `index`-th exchange of a k8s-openapi replay file.
pub fn exchange(corpus: &Path, relative: &str, index: usize) -> (String, u16, Vec<u8>) {
    let exchanges = read_json(corpus, relative);
    let exchange = &exchanges[index];
    (
        exchange["request_url"].as_str().unwrap().to_string(),
        exchange["response_status_code"].as_u64().unwrap() as u16,
        exchange["response_body"]
            .as_str()
            .unwrap()
            .as_bytes()
            .to_vec(),
    )
}

/// The Kubernetes objects of a corpus YAML file, as JSON (documents without a kind skipped).
pub fn objects(corpus: &Path, relative: &str) -> Vec<Value> {
    let text = String::from_utf8(read(corpus, relative)).unwrap();
    palisade_load::parse_documents(relative, &text)
        .unwrap()
        .iter()
        .map(|node| node.to_json())
        .filter(|value| value.get("kind").is_some())
        .collect()
}

/// The objects of `kind` in a corpus YAML file.
pub fn objects_of(corpus: &Path, relative: &str, kind: &str) -> Vec<Value> {
    objects(corpus, relative)
        .into_iter()
        .filter(|object| object["kind"] == kind)
        .collect()
}

/// The envelope of a real recorded list (k8s-openapi's v1.36 DeploymentList) holding other
/// objects: `apiVersion` and `kind` set for the list, the items without theirs, as the API
/// server sends items.
pub fn wrap_list(corpus: &Path, api_version: &str, list_kind: &str, items: Vec<Value>) -> Vec<u8> {
    let (_, _, body) = exchange(
        corpus,
        "api-responses/k8s-openapi-replays/v1-36/deployment-list.json",
        0,
    );
    let mut envelope: Value = serde_json::from_slice(&body).unwrap();
    envelope["apiVersion"] = json!(api_version);
    envelope["kind"] = json!(list_kind);
    envelope["items"] = Value::Array(
        items
            .into_iter()
            .map(|mut item| {
                if let Some(map) = item.as_object_mut() {
                    map.remove("apiVersion");
                    map.remove("kind");
                }
                item
            })
            .collect(),
    );
    serde_json::to_vec(&envelope).unwrap()
}

/// A `PartialObjectMetadataList` in the same recorded envelope, as the API server answers
/// `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`: each item is
/// its object's `metadata` only (annotations included, as the server sends them).
pub fn metadata_list(corpus: &Path, objects: &[Value]) -> Vec<u8> {
    let items = objects
        .iter()
        .map(|object| {
            json!({
                "apiVersion": "meta.k8s.io/v1",
                "kind": "PartialObjectMetadata",
                "metadata": object["metadata"].clone(),
            })
        })
        .collect();
    let body = wrap_list(
        corpus,
        "meta.k8s.io/v1",
        "PartialObjectMetadataList",
        vec![],
    );
    let mut list: Value = serde_json::from_slice(&body).unwrap();
    list["items"] = Value::Array(items);
    serde_json::to_vec(&list).unwrap()
}

/// An answer.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(status: u16, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: "application/json".to_string(),
            body,
        }
    }

    pub fn ok(body: Vec<u8>) -> Reply {
        Reply::json(200, body)
    }
}

/// A request the server answers: its path, query parameters it must carry, an `Accept` it
/// must carry, and how often (after that the next matching route answers).
#[derive(Clone, Debug)]
pub struct Route {
    pub path: String,
    pub query: Vec<(String, String)>,
    pub accept: Option<String>,
    pub times: Option<usize>,
    pub reply: Reply,
}

impl Route {
    pub fn get(path: &str, reply: Reply) -> Route {
        Route {
            path: path.to_string(),
            query: Vec::new(),
            accept: None,
            times: None,
            reply,
        }
    }

    pub fn query(mut self, key: &str, value: &str) -> Route {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn accept(mut self, accept: &str) -> Route {
        self.accept = Some(accept.to_string());
        self
    }

    pub fn times(mut self, times: usize) -> Route {
        self.times = Some(times);
        self
    }
}

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub accept: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    pub status: u16,
}

impl Seen {
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Inner {
    routes: Vec<(Route, usize)>,
    role: Option<Vec<Value>>,
    seen: Vec<Seen>,
    forbidden: Value,
    not_found: Value,
}

/// The server's configuration, before it starts.
pub struct Replay {
    routes: Vec<Route>,
    role: Option<Vec<Value>>,
    corpus: PathBuf,
}

impl Replay {
    pub fn new(corpus: &Path) -> Replay {
        Replay {
            routes: Vec::new(),
            role: None,
            corpus: corpus.to_path_buf(),
        }
    }

    pub fn route(mut self, route: Route) -> Replay {
        self.routes.push(route);
        self
    }

    pub fn routes(mut self, routes: impl IntoIterator<Item = Route>) -> Replay {
        self.routes.extend(routes);
        self
    }

    /// Answers 403 to every resource request the ClusterRole's rules do not allow.
    pub fn enforce(mut self, cluster_role: &Value) -> Replay {
        self.role = Some(
            cluster_role["rules"]
                .as_array()
                .cloned()
                .unwrap_or_default(),
        );
        self
    }

    pub fn start(self) -> Server {
        let forbidden = read_json(
            &self.corpus,
            "api-responses/kontena-k8s-client/api/error-forbidden.json",
        );
        let not_found = read_json(
            &self.corpus,
            "api-responses/kontena-k8s-client/api/configmaps-bar-404.json",
        );
        let inner = Arc::new(Mutex::new(Inner {
            routes: self.routes.into_iter().map(|r| (r, 0)).collect(),
            role: self.role,
            seen: Vec::new(),
            forbidden,
            not_found,
        }));

        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "palisade replay CA");
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let server_key = rcgen::KeyPair::generate().unwrap();
        let mut server_params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                .unwrap();
        server_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kube-apiserver");
        let server_cert = server_params.signed_by(&server_key, &ca).unwrap();
        let cert_pem = server_cert.pem().into_bytes();
        let key_pem = server_key.serialize_pem().into_bytes();
        let ca_pem = ca.pem();

        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let handle = axum_server::Handle::new();
        let server_handle = handle.clone();
        let state = inner.clone();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let config = axum_server::tls_rustls::RustlsConfig::from_pem(cert_pem, key_pem)
                    .await
                    .unwrap();
                let app = Router::new().fallback(answer).with_state(state);
                let server = axum_server::from_tcp_rustls(listener, config)
                    .unwrap()
                    .handle(server_handle);
                ready_tx.send(()).unwrap();
                server.serve(app.into_make_service()).await.unwrap();
            });
        });
        ready_rx.recv().unwrap();
        Server {
            url: format!("https://127.0.0.1:{port}"),
            ca_pem,
            inner,
            handle,
            thread: Some(thread),
        }
    }
}

/// A running replay server; stops when dropped.
pub struct Server {
    pub url: String,
    pub ca_pem: String,
    inner: Arc<Mutex<Inner>>,
    handle: axum_server::Handle<std::net::SocketAddr>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    /// Every request so far, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.inner.lock().unwrap().seen.clone()
    }

    /// The requests for one path.
    pub fn seen_at(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path == path).collect()
    }

    /// A kubeconfig with one context, `context`, that reaches this server and trusts its CA;
    /// the user authenticates with a bearer token.
    pub fn kubeconfig(&self, context: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: {context}\nclusters:\n- name: replay\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\ncontexts:\n- name: {context}\n  context:\n    cluster: replay\n    user: scanner\nusers:\n- name: scanner\n  user:\n    token: replay-token\n",
            url = self.url,
            ca = base64(self.ca_pem.as_bytes()),
        )
    }

    /// A kubeconfig that defines only a cluster `name` reaching this server, to be merged in
    /// front of another kubeconfig (the first file to define a name wins).
    pub fn cluster_override(&self, name: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {name}\n  cluster:\n    server: {url}\n    certificate-authority-data: {ca}\n",
            url = self.url,
            ca = base64(self.ca_pem.as_bytes()),
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.handle.shutdown();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn answer(
    State(state): State<Arc<Mutex<Inner>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let query = parse_query(uri.query().unwrap_or(""));
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut inner = state.lock().unwrap();
    let reply = decide(&mut inner, &method, &path, &query, &accept);
    inner.seen.push(Seen {
        method: method.to_string(),
        path,
        query,
        accept,
        authorization,
        status: reply.status,
    });
    Response::builder()
        .status(reply.status)
        .header(header::CONTENT_TYPE, reply.content_type)
        .body(Body::from(reply.body))
        .unwrap()
}

fn decide(
    inner: &mut Inner,
    method: &Method,
    path: &str,
    query: &[(String, String)],
    accept: &str,
) -> Reply {
    if method != Method::GET {
        return status_reply(
            &inner.not_found,
            405,
            "MethodNotAllowed",
            "the replay server answers GET only",
            "",
        );
    }
    if let Some(rules) = &inner.role
        && let Some(request) = ResourceRequest::parse(path, query)
        && !allowed(rules, &request)
    {
        let scope = match &request.namespace {
            Some(namespace) => format!("in the namespace \"{namespace}\""),
            None => "at the cluster scope".to_string(),
        };
        let message = format!(
            "{} is forbidden: User \"system:serviceaccount:palisade-system:palisade-scanner\" cannot {} resource \"{}\" in API group \"{}\" {scope}",
            request.resource, request.verb, request.resource, request.group
        );
        return status_reply(
            &inner.forbidden,
            403,
            "Forbidden",
            &message,
            &request.resource,
        );
    }
    // The most specific route first: the one that asks the most of the query.
    let mut best: Option<usize> = None;
    for (index, (route, used)) in inner.routes.iter().enumerate() {
        let matches = route.path == path
            && route.query.iter().all(|pair| query.contains(pair))
            && route.accept.as_deref().is_none_or(|a| accept == a)
            && route.times.is_none_or(|times| *used < times);
        let better = best.is_none_or(|b| {
            let (current, _) = &inner.routes[b];
            route.query.len() + usize::from(route.accept.is_some())
                > current.query.len() + usize::from(current.accept.is_some())
        });
        if matches && better {
            best = Some(index);
        }
    }
    match best {
        Some(index) => {
            inner.routes[index].1 += 1;
            inner.routes[index].0.reply.clone()
        }
        None => status_reply(
            &inner.not_found,
            404,
            "NotFound",
            "the server could not find the requested resource",
            "",
        ),
    }
}

/// A recorded `Status` with its message, reason, code and details rewritten for this request.
fn status_reply(template: &Value, code: u16, reason: &str, message: &str, kind: &str) -> Reply {
    let mut status = template.clone();
    status["code"] = json!(code);
    status["reason"] = json!(reason);
    status["message"] = json!(message);
    status["details"] = if kind.is_empty() {
        json!({})
    } else {
        json!({ "kind": kind })
    };
    Reply::json(code, serde_json::to_vec(&status).unwrap())
}

/// A resource request as the API server's request-info resolver reads it.
struct ResourceRequest {
    verb: String,
    group: String,
    resource: String,
    namespace: Option<String>,
    name: Option<String>,
}

impl ResourceRequest {
    /// `None` for discovery and other non-resource paths.
    fn parse(path: &str, query: &[(String, String)]) -> Option<ResourceRequest> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (group, rest) = match parts.as_slice() {
            ["api", _version, rest @ ..] => (String::new(), rest),
            ["apis", group, _version, rest @ ..] => (group.to_string(), rest),
            _ => return None,
        };
        let (namespace, rest) = match rest {
            ["namespaces", namespace, rest @ ..] if !rest.is_empty() => {
                (Some(namespace.to_string()), rest)
            }
            _ => (None, rest),
        };
        let (resource, name, subresource) = match rest {
            [] => return None,
            [resource] => (resource.to_string(), None, None),
            [resource, name] => (resource.to_string(), Some(name.to_string()), None),
            [resource, name, sub, ..] => (
                resource.to_string(),
                Some(name.to_string()),
                Some(sub.to_string()),
            ),
        };
        let watch = query
            .iter()
            .any(|(k, v)| k == "watch" && (v == "true" || v == "1"));
        let verb = match (&name, watch) {
            (_, true) => "watch",
            (Some(_), false) => "get",
            (None, false) => "list",
        };
        Some(ResourceRequest {
            verb: verb.to_string(),
            group,
            resource: match subresource {
                Some(sub) => format!("{resource}/{sub}"),
                None => resource,
            },
            namespace,
            name,
        })
    }
}

fn allowed(rules: &[Value], request: &ResourceRequest) -> bool {
    let has = |rule: &Value, field: &str, value: &str| {
        rule[field]
            .as_array()
            .is_some_and(|values| values.iter().any(|v| v == "*" || v == value))
    };
    rules.iter().any(|rule| {
        has(rule, "apiGroups", &request.group)
            && has(rule, "resources", &request.resource)
            && has(rule, "verbs", &request.verb)
            && match rule["resourceNames"].as_array() {
                Some(names) if !names.is_empty() => request
                    .name
                    .as_ref()
                    .is_some_and(|name| names.iter().any(|n| n == name.as_str())),
                _ => true,
            }
    })
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> shift) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The ClusterRole of `deploy/scanner-rbac.yaml`, as JSON.
pub fn scanner_cluster_role() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/scanner-rbac.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    palisade_load::parse_documents("scanner-rbac.yaml", &text)
        .unwrap()
        .iter()
        .map(|node| node.to_json())
        .find(|object| object["kind"] == "ClusterRole")
        .expect("deploy/scanner-rbac.yaml has a ClusterRole")
}

/// The value planted in a Secret's data (and in its last-applied-configuration annotation)
/// that must never appear in any output.
pub const PLANTED: &str = "UExBTlRFRC1zZWNyZXQtdmFsdWU";

/// `Accept` of a metadata-only list.
pub const ACCEPT_METADATA: &str =
    "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

/// The Secrets of the replayed cluster: the real Secrets of the Kubernetes dashboard manifest
/// (`realworld/kubernetes-dashboard/recommended.yaml`), one with data planted in it and in its
/// last-applied annotation (as `kubectl apply` leaves it), and a legacy service-account token
/// Secret named after the one a recorded pod mounts (`sonobuoy-healthsummary`'s
/// local-path-provisioner; no recorded Secret list exists).
pub fn secrets(corpus: &Path) -> Vec<Value> {
    let mut secrets = objects_of(
        corpus,
        "realworld/kubernetes-dashboard/recommended.yaml",
        "Secret",
    );
    let last_applied = format!(
        "{{\"apiVersion\":\"v1\",\"data\":{{\"password\":\"{PLANTED}\"}},\"kind\":\"Secret\",\"metadata\":{{\"name\":\"db-password\",\"namespace\":\"shop\"}}}}"
    );
    secrets.push(json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "db-password",
            "namespace": "shop",
            "annotations": { "kubectl.kubernetes.io/last-applied-configuration": last_applied },
        },
        "type": "Opaque",
        "data": { "password": PLANTED },
    }));
    secrets.push(service_account_token());
    secrets
}

/// The legacy token Secret of [`secrets`].
pub fn service_account_token() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": "local-path-provisioner-service-account-token-5rqnj",
            "namespace": "local-path-storage",
            "annotations": {
                "kubernetes.io/service-account.name": "local-path-provisioner-service-account",
            },
        },
        "type": "kubernetes.io/service-account-token",
        "data": { "token": PLANTED },
    })
}

/// The routes of a whole replayed cluster, all namespaces:
///
/// - discovery: `kubernetes-discovery/` (`/api`, `/apis`, `/api/v1` and the apps, batch,
///   networking.k8s.io and rbac.authorization.k8s.io group versions), recorded;
/// - Pods and Deployments: k8s-openapi's v1.36 recordings of kube-system (8 pods with
///   `managedFields`, the coredns Deployment), recorded for the namespaced path and served for
///   all namespaces too;
/// - RBAC: the ingress-nginx roles and bindings of `rbac/realworld/ingress-nginx.yaml`;
///   NetworkPolicies: `netpol/realworld/kube-prometheus.yaml`; Namespaces:
///   `realworld/kube-prometheus/setup/namespace.yaml`, each wrapped in a recorded envelope;
/// - Secrets: [`secrets`] as a metadata-only list when asked for metadata, and as a full
///   `SecretList` with the planted data otherwise (a client that forgot the `Accept` would
///   receive it); the service-account-token type list holds the token Secret;
/// - every other kind: an empty list in the recorded envelope.
pub fn cluster_routes(corpus: &Path) -> Vec<Route> {
    let discovery = |file: &str| {
        Reply::ok(read(
            corpus,
            &format!("api-responses/kubernetes-discovery/{file}"),
        ))
    };
    let (_, _, pods) = exchange(
        corpus,
        "api-responses/k8s-openapi-replays/v1-36/pod-list.json",
        0,
    );
    let (_, _, deployments) = exchange(
        corpus,
        "api-responses/k8s-openapi-replays/v1-36/deployment-list.json",
        0,
    );
    let rbac = |kind: &str| objects_of(corpus, "rbac/realworld/ingress-nginx.yaml", kind);
    let rbac_group = "rbac.authorization.k8s.io/v1";
    let empty = |api_version: &str, list_kind: &str| {
        Reply::ok(wrap_list(corpus, api_version, list_kind, vec![]))
    };
    let secrets = secrets(corpus);
    let mut routes = vec![
        Route::get("/api", discovery("api.json")),
        Route::get("/apis", discovery("apis.json")),
        Route::get("/api/v1", discovery("api__v1.json")),
        Route::get("/apis/apps/v1", discovery("apis__apps__v1.json")),
        Route::get("/apis/batch/v1", discovery("apis__batch__v1.json")),
        Route::get(
            "/apis/networking.k8s.io/v1",
            discovery("apis__networking.k8s.io__v1.json"),
        ),
        Route::get(
            "/apis/rbac.authorization.k8s.io/v1",
            discovery("apis__rbac.authorization.k8s.io__v1.json"),
        ),
        Route::get("/api/v1/pods", Reply::ok(pods)),
        Route::get("/apis/apps/v1/deployments", Reply::ok(deployments)),
        Route::get(
            "/api/v1/namespaces",
            Reply::ok(wrap_list(
                corpus,
                "v1",
                "NamespaceList",
                objects_of(
                    corpus,
                    "realworld/kube-prometheus/setup/namespace.yaml",
                    "Namespace",
                ),
            )),
        ),
        Route::get(
            "/apis/networking.k8s.io/v1/networkpolicies",
            Reply::ok(wrap_list(
                corpus,
                "networking.k8s.io/v1",
                "NetworkPolicyList",
                objects_of(
                    corpus,
                    "netpol/realworld/kube-prometheus.yaml",
                    "NetworkPolicy",
                ),
            )),
        ),
        Route::get(
            "/apis/rbac.authorization.k8s.io/v1/clusterroles",
            Reply::ok(wrap_list(
                corpus,
                rbac_group,
                "ClusterRoleList",
                rbac("ClusterRole"),
            )),
        ),
        Route::get(
            "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
            Reply::ok(wrap_list(
                corpus,
                rbac_group,
                "ClusterRoleBindingList",
                rbac("ClusterRoleBinding"),
            )),
        ),
        Route::get(
            "/apis/rbac.authorization.k8s.io/v1/roles",
            Reply::ok(wrap_list(corpus, rbac_group, "RoleList", rbac("Role"))),
        ),
        Route::get(
            "/apis/rbac.authorization.k8s.io/v1/rolebindings",
            Reply::ok(wrap_list(
                corpus,
                rbac_group,
                "RoleBindingList",
                rbac("RoleBinding"),
            )),
        ),
        Route::get(
            "/api/v1/secrets",
            Reply::ok(metadata_list(corpus, &secrets)),
        )
        .accept(ACCEPT_METADATA),
        Route::get(
            "/api/v1/secrets",
            Reply::ok(wrap_list(corpus, "v1", "SecretList", secrets.clone())),
        ),
        Route::get(
            "/api/v1/secrets",
            Reply::ok(metadata_list(corpus, &[service_account_token()])),
        )
        .query("fieldSelector", "type=kubernetes.io/service-account-token")
        .accept(ACCEPT_METADATA),
        Route::get(
            "/api/v1/namespaces/kube-system/secrets",
            Reply::ok(metadata_list(corpus, &[])),
        )
        .query("fieldSelector", "type=bootstrap.kubernetes.io/token")
        .accept(ACCEPT_METADATA),
    ];
    for (path, api_version, list_kind) in [
        ("/apis/apps/v1/statefulsets", "apps/v1", "StatefulSetList"),
        ("/apis/apps/v1/daemonsets", "apps/v1", "DaemonSetList"),
        ("/apis/apps/v1/replicasets", "apps/v1", "ReplicaSetList"),
        ("/apis/batch/v1/jobs", "batch/v1", "JobList"),
        ("/apis/batch/v1/cronjobs", "batch/v1", "CronJobList"),
        (
            "/api/v1/replicationcontrollers",
            "v1",
            "ReplicationControllerList",
        ),
        ("/api/v1/podtemplates", "v1", "PodTemplateList"),
        ("/api/v1/services", "v1", "ServiceList"),
        (
            "/apis/networking.k8s.io/v1/ingresses",
            "networking.k8s.io/v1",
            "IngressList",
        ),
        ("/api/v1/serviceaccounts", "v1", "ServiceAccountList"),
        ("/api/v1/resourcequotas", "v1", "ResourceQuotaList"),
        ("/api/v1/limitranges", "v1", "LimitRangeList"),
        ("/api/v1/configmaps", "v1", "ConfigMapList"),
    ] {
        routes.push(Route::get(path, empty(api_version, list_kind)));
    }
    routes
}
