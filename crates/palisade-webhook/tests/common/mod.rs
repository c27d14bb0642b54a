//! Builders shared by the admission tests: reviews as the API server sends them, the policy
//! from `.palisade.yaml` text, and the reply as JSON.
#![allow(dead_code)]

pub mod logs;

use palisade_rules::Config;
use palisade_webhook::{Admission, Policy, Reply};
use serde_json::{Value, json};

/// An Admission from the text of a `.palisade.yaml`.
pub fn admission(config_yaml: &str) -> Admission {
    let documents = palisade_load::parse_documents(".palisade.yaml", config_yaml)
        .unwrap_or_else(|e| panic!("test configuration does not parse: {e}"));
    let config = match documents.first() {
        Some(root) => Config::from_node(root, ".palisade.yaml").expect("valid configuration"),
        None => Config::default(),
    };
    let policy = Policy::from_config(&config, ".palisade.yaml").expect("valid policy");
    Admission::new(config, policy)
}

/// `request.kind` for an object's apiVersion and kind.
pub fn group_version_kind(object: &Value) -> Value {
    let api_version = object["apiVersion"].as_str().unwrap_or("v1");
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    json!({"group": group, "version": version, "kind": object["kind"]})
}

/// A review of `object` as the API server sends it: identity in the request, the namespace
/// only there, the user a developer.
pub fn review(operation: &str, object: Value) -> Value {
    let namespace = object["metadata"]["namespace"].clone();
    let name = object["metadata"]["name"].clone();
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": group_version_kind(&object),
            "resource": {"group": "", "version": "v1", "resource": "things"},
            "requestKind": group_version_kind(&object),
            "namespace": namespace,
            "name": name,
            "operation": operation,
            "userInfo": {"username": "alice", "groups": ["developers", "system:authenticated"]},
            "object": object,
            "oldObject": null,
            "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}
        }
    })
}

pub fn body(review: &Value) -> Vec<u8> {
    serde_json::to_vec(review).expect("serialisable")
}

/// The `response` of a 200 reply.
pub fn response(reply: &Reply) -> Value {
    assert_eq!(
        reply.status,
        200,
        "expected 200, got {}: {}",
        reply.status,
        String::from_utf8_lossy(&reply.body)
    );
    let value: Value = serde_json::from_slice(&reply.body).expect("a JSON reply");
    assert_eq!(value["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(value["kind"], "AdmissionReview");
    value["response"].clone()
}

pub fn warnings(response: &Value) -> Vec<String> {
    response["warnings"]
        .as_array()
        .map(|w| {
            w.iter()
                .filter_map(|w| w.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A Deployment that passes every object rule: the baseline the tests break one field of.
pub fn clean_deployment() -> Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "serviceAccountName": "web",
                    "automountServiceAccountToken": false,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": 10001,
                        "runAsGroup": 10001,
                        "seccompProfile": {"type": "RuntimeDefault"}
                    },
                    "containers": [{
                        "name": "web",
                        "image": "registry.example.com/shop/web:1.4.2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"containerPort": 8080}],
                        "securityContext": {
                            "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true,
                            "capabilities": {"drop": ["ALL"]}
                        },
                        "resources": {
                            "requests": {"cpu": "100m", "memory": "128Mi", "ephemeral-storage": "100Mi"},
                            "limits": {"cpu": "500m", "memory": "256Mi", "ephemeral-storage": "1Gi"}
                        },
                        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}}
                    }]
                }
            }
        }
    })
}
