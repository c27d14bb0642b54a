//! The AdmissionReview of `admission.k8s.io/v1`: the request the API server sends and the
//! response it expects, written by hand (no kube dependency) with only the fields the webhook
//! reads. Unknown fields are skipped without being kept, so `oldObject` costs no allocation.
//!
//! Errors describe where the body is wrong (line, column, field) and never quote it: the body
//! may be a Secret.

use palisade_model::{Node, Pos, Value as NodeValue};
use serde::{Deserialize, Serialize};

use palisade_model::json::JsonNode;

use crate::json;

pub const API_VERSION: &str = "admission.k8s.io/v1";
pub const KIND: &str = "AdmissionReview";

/// The request as it arrives. Every field has a default so that a missing one is reported by
/// [`parse`] in words, not as a serde error.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireReview {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    request: Option<WireRequest>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireRequest {
    #[serde(default)]
    uid: Option<String>,
    #[serde(default)]
    kind: Option<GroupVersionKind>,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    operation: Option<String>,
    #[serde(default)]
    user_info: Option<UserInfo>,
    /// Read straight into the rules' tree.
    #[serde(default)]
    object: Option<JsonNode>,
    #[serde(default)]
    dry_run: Option<bool>,
}

/// `request.kind`: the kind of the object, as the API server resolved it.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

/// `request.userInfo`: who sent the request. `extra` is not read (its keys are free-form).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub groups: Option<Vec<String>>,
}

impl UserInfo {
    pub fn groups(&self) -> &[String] {
        self.groups.as_deref().unwrap_or(&[])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Update,
    Delete,
    Connect,
}

impl Operation {
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "CREATE",
            Operation::Update => "UPDATE",
            Operation::Delete => "DELETE",
            Operation::Connect => "CONNECT",
        }
    }

    /// CREATE and UPDATE carry an object to judge; DELETE and CONNECT are let through.
    pub fn is_judged(self) -> bool {
        matches!(self, Operation::Create | Operation::Update)
    }
}

/// A well-formed review, checked: what the webhook judges.
#[derive(Debug)]
pub struct Review {
    pub uid: String,
    pub operation: Operation,
    /// The object's kind, from the object or else from `request.kind`.
    pub kind: String,
    /// `apps/v1`, `v1`; from the object or else from `request.kind`.
    pub api_version: String,
    /// `request.namespace`, or the object's own; `None` for cluster-scoped objects.
    pub namespace: Option<String>,
    pub name: String,
    pub sub_resource: Option<String>,
    pub user: UserInfo,
    /// `request.dryRun`: nothing will be stored. Judged all the same, as Kubernetes expects.
    pub dry_run: bool,
    /// The object has `metadata.deletionTimestamp`: it is being deleted, and the updates it
    /// still gets (finalizers removed) must not be refused.
    pub being_deleted: bool,
    /// `request.object` for CREATE and UPDATE, with `apiVersion`, `kind`, `metadata.namespace`
    /// and `metadata.name` filled from the request where the object lacks them (the API server
    /// leaves them out of some objects, and the namespace of most).
    pub object: Option<Node>,
}

/// Why a body is not an AdmissionReview the webhook can answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MalformedReview(pub String);

fn malformed(message: impl Into<String>) -> MalformedReview {
    MalformedReview(message.into())
}

/// Parses and checks a request body.
pub fn parse(body: &[u8]) -> Result<Review, MalformedReview> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(malformed(
            "empty body: expected an AdmissionReview (admission.k8s.io/v1) as JSON",
        ));
    }
    // serde reads a struct from an array too; a review is an object.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(
        first,
        Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')
    ) {
        return Err(malformed(
            "not an AdmissionReview: the body must be a JSON object",
        ));
    }
    let wire = read_wire(body)?;

    match wire.api_version.as_deref() {
        Some(API_VERSION) => {}
        None | Some("") => {
            return Err(malformed(
                "not an AdmissionReview: apiVersion is missing (expected admission.k8s.io/v1)",
            ));
        }
        Some(_) => {
            return Err(malformed(
                "unsupported AdmissionReview apiVersion: expected admission.k8s.io/v1 (set admissionReviewVersions: [v1] in the webhook configuration)",
            ));
        }
    }
    if wire.kind.as_deref() != Some(KIND) {
        return Err(malformed(
            "not an AdmissionReview: kind must be AdmissionReview",
        ));
    }
    let Some(request) = wire.request else {
        return Err(malformed(
            "not an AdmissionReview request: request is missing",
        ));
    };
    let uid = request.uid.unwrap_or_default();
    if uid.is_empty() {
        return Err(malformed("request.uid is missing"));
    }
    let operation = match request.operation.as_deref() {
        Some("CREATE") => Operation::Create,
        Some("UPDATE") => Operation::Update,
        Some("DELETE") => Operation::Delete,
        Some("CONNECT") => Operation::Connect,
        None | Some("") => return Err(malformed("request.operation is missing")),
        Some(_) => {
            return Err(malformed(
                "request.operation must be CREATE, UPDATE, DELETE or CONNECT",
            ));
        }
    };
    let request_kind = request.kind.unwrap_or_default();
    let mut namespace = request.namespace.filter(|ns| !ns.is_empty());
    let mut name = request.name.unwrap_or_default();
    let mut kind = request_kind.kind.clone();
    let mut api_version = match (request_kind.group.as_str(), request_kind.version.as_str()) {
        (_, "") => String::new(),
        ("", version) => version.to_string(),
        (group, version) => format!("{group}/{version}"),
    };
    let object = if operation.is_judged() {
        let Some(JsonNode(mut object)) = request.object.filter(|o| !o.0.is_null()) else {
            return Err(malformed(format!(
                "request.object is missing: a {} request must carry the object",
                operation.as_str()
            )));
        };
        fill_identity(
            &mut object,
            &mut kind,
            &mut api_version,
            &mut namespace,
            &mut name,
        )?;
        Some(object)
    } else {
        None
    };
    if kind.is_empty() {
        return Err(malformed(
            "the object's kind is unknown: request.kind.kind is missing and the object has no kind",
        ));
    }
    let being_deleted = object
        .as_ref()
        .and_then(|object| object.pointer("/metadata/deletionTimestamp"))
        .is_some_and(|stamp| !stamp.is_null());
    Ok(Review {
        being_deleted,
        uid,
        operation,
        kind,
        api_version,
        namespace,
        name,
        sub_resource: request.sub_resource.filter(|s| !s.is_empty()),
        user: request.user_info.unwrap_or_default(),
        dry_run: request.dry_run.unwrap_or(false),
        object,
    })
}

/// Deserialises the body. Tracking the path of every field costs as much as the parse itself,
/// so a body is first read without it; only a body that fails is read again with it, to name
/// the field in the message (the same error at the same place, since parsing is deterministic).
/// The first reading also checks the body's UTF-8 once for all, instead of string by string.
fn read_wire(body: &[u8]) -> Result<WireReview, MalformedReview> {
    if let Ok(text) = std::str::from_utf8(body) {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        if let Ok(wire) = WireReview::deserialize(&mut deserializer)
            && deserializer.end().is_ok()
        {
            return Ok(wire);
        }
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let wire: WireReview = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| describe_json_error(error.inner(), &error.path().to_string()))?;
    deserializer
        .end()
        .map_err(|error| describe_json_error(&error, "."))?;
    Ok(wire)
}

/// Reconciles the object's identity with the request's: the object's own fields win where it
/// has them, the request fills in the rest, and the object is given what it lacked so that the
/// rules see the same identity as the messages.
fn fill_identity(
    object: &mut Node,
    kind: &mut String,
    api_version: &mut String,
    namespace: &mut Option<String>,
    name: &mut String,
) -> Result<(), MalformedReview> {
    if !object.is_map() {
        return Err(malformed("request.object must be a JSON object"));
    }
    for (field, from_request) in [("kind", &mut *kind), ("apiVersion", &mut *api_version)] {
        match object.get(field).map(|node| &node.value) {
            Some(NodeValue::Str(own)) if !own.is_empty() => *from_request = own.clone(),
            None | Some(NodeValue::Null) | Some(NodeValue::Str(_)) => {
                if !from_request.is_empty() {
                    json::insert(object, field, text_node(from_request.clone()));
                }
            }
            Some(_) => {
                return Err(malformed(format!(
                    "request.object.{field} must be a string"
                )));
            }
        }
    }
    match object.get("metadata").map(|node| &node.value) {
        None | Some(NodeValue::Null) => {
            json::insert(
                object,
                "metadata",
                Node::new(Pos::UNKNOWN, NodeValue::Map(Box::new([]))),
            );
        }
        Some(NodeValue::Map(_)) => {}
        Some(_) => return Err(malformed("request.object.metadata must be a JSON object")),
    }
    let Some(metadata) = field_mut(object, "metadata") else {
        return Err(malformed("request.object.metadata must be a JSON object"));
    };
    match metadata.get("namespace").map(|node| &node.value) {
        Some(NodeValue::Str(own)) if !own.is_empty() => *namespace = Some(own.clone()),
        None | Some(NodeValue::Null) | Some(NodeValue::Str(_)) => {
            if let Some(from_request) = namespace.as_ref() {
                json::insert(metadata, "namespace", text_node(from_request.clone()));
            }
        }
        Some(_) => {
            return Err(malformed(
                "request.object.metadata.namespace must be a string",
            ));
        }
    }
    // A created object may have only a generateName: the name the server will give it is not
    // known yet, and messages show the prefix.
    match metadata.get("name").map(|node| &node.value) {
        Some(NodeValue::Str(own)) if !own.is_empty() => *name = own.clone(),
        None | Some(NodeValue::Null) | Some(NodeValue::Str(_)) => {
            if !name.is_empty() {
                json::insert(metadata, "name", text_node(name.clone()));
            } else if let Some(prefix) = metadata.get("generateName").and_then(Node::as_str) {
                *name = prefix.to_string();
            }
        }
        Some(_) => return Err(malformed("request.object.metadata.name must be a string")),
    }
    Ok(())
}

fn text_node(text: String) -> Node {
    Node::new(Pos::UNKNOWN, NodeValue::Str(text))
}

/// The value of `key` in a mapping, to change it (the last one if the key repeats, as `get`).
fn field_mut<'a>(map: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut map.value {
        NodeValue::Map(entries) => entries
            .iter_mut()
            .rev()
            .find(|entry| entry.key == key)
            .map(|entry| &mut entry.value),
        _ => None,
    }
}

/// A serde_json error in words, with its position and the field it concerns, without the
/// value that was wrong (serde quotes it in "invalid type: string \"...\"").
fn describe_json_error(error: &serde_json::Error, path: &str) -> MalformedReview {
    use serde_json::error::Category;
    let position = format!("line {} column {}", error.line(), error.column());
    let text = error.to_string();
    // serde_json appends " at line L column C"; the position is given separately.
    let bare = text
        .rsplit_once(" at line ")
        .map(|(bare, _)| bare)
        .unwrap_or(&text);
    match error.classify() {
        Category::Eof => malformed(format!(
            "truncated JSON: the body ends at {position} in the middle of a value"
        )),
        Category::Syntax => {
            let detail = if bare.contains("recursion limit") {
                "nested too deeply (more than 128 levels)"
            } else {
                bare
            };
            malformed(format!("malformed JSON at {position}: {detail}"))
        }
        Category::Data => {
            let expected = bare
                .rfind(", expected ")
                .map(|at| &bare[at + ", expected ".len()..])
                .unwrap_or("another value");
            // serde names the Rust type it wanted ("struct WireRequest"): an object, to a reader.
            let expected = if expected.starts_with("struct ") || expected.starts_with("map") {
                "an object"
            } else {
                expected
            };
            let field = if path.is_empty() || path == "." {
                "the body".to_string()
            } else {
                path.to_string()
            };
            malformed(format!(
                "not an AdmissionReview: {field} has the wrong type at {position}, expected {expected}"
            ))
        }
        Category::Io => malformed(format!("the body could not be read at {position}")),
    }
}

/// The response document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewResponse {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub response: AdmissionResponse,
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AdmissionResponse {
    pub uid: String,
    pub allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<ResponseStatus>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_type: Option<&'static str>,
    /// The JSON Patch, base64-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch: Option<String>,
}

/// The `metav1.Status` of a denial: kubectl prints its message.
#[derive(Debug, Serialize)]
pub struct ResponseStatus {
    pub status: &'static str,
    pub code: u16,
    pub reason: &'static str,
    pub message: String,
}

impl ResponseStatus {
    pub fn forbidden(message: String) -> ResponseStatus {
        ResponseStatus {
            status: "Failure",
            code: 403,
            reason: "Forbidden",
            message,
        }
    }
}

impl ReviewResponse {
    pub fn new(response: AdmissionResponse) -> ReviewResponse {
        ReviewResponse {
            api_version: API_VERSION,
            kind: KIND,
            response,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn text<'a>(object: &'a Node, keys: &[&str]) -> Option<&'a str> {
        object.get_path(keys).and_then(Node::as_str)
    }

    fn review(request: Value) -> Vec<u8> {
        serde_json::to_vec(&json!({
            "apiVersion": "admission.k8s.io/v1",
            "kind": "AdmissionReview",
            "request": request,
        }))
        .unwrap()
    }

    fn error(body: &[u8]) -> String {
        match parse(body) {
            Ok(review) => panic!("parsed: {review:?}"),
            Err(MalformedReview(message)) => message,
        }
    }

    #[test]
    fn identity_is_filled_from_the_request() {
        let body = review(json!({
            "uid": "u-1",
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "namespace": "shop",
            "name": "web",
            "operation": "CREATE",
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": {"spec": {}},
        }));
        let review = parse(&body).unwrap();
        assert_eq!(review.kind, "Deployment");
        assert_eq!(review.api_version, "apps/v1");
        assert_eq!(review.namespace.as_deref(), Some("shop"));
        assert_eq!(review.name, "web");
        assert_eq!(review.user.groups(), ["dev"]);
        let object = review.object.unwrap();
        assert_eq!(text(&object, &["kind"]), Some("Deployment"));
        assert_eq!(text(&object, &["apiVersion"]), Some("apps/v1"));
        assert_eq!(text(&object, &["metadata", "namespace"]), Some("shop"));
        assert_eq!(text(&object, &["metadata", "name"]), Some("web"));
        // In the order written, what the request filled in after.
        let keys: Vec<&str> = object.entries().iter().map(|e| e.key.as_ref()).collect();
        assert_eq!(keys, ["spec", "kind", "apiVersion", "metadata"]);
    }

    #[test]
    fn the_objects_own_identity_wins() {
        let body = review(json!({
            "uid": "u-1",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "namespace": "shop",
            "operation": "CREATE",
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "web-", "namespace": "shop"}},
        }));
        let review = parse(&body).unwrap();
        assert_eq!(review.api_version, "v1");
        assert_eq!(review.name, "web-");
        assert_eq!(review.object.unwrap().get_path(&["metadata", "name"]), None);
    }

    #[test]
    fn delete_needs_no_object() {
        let body = review(json!({
            "uid": "u-2",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "operation": "DELETE",
            "oldObject": {"kind": "Pod"},
        }));
        let review = parse(&body).unwrap();
        assert_eq!(review.operation, Operation::Delete);
        assert!(review.object.is_none());
    }

    #[test]
    fn malformed_bodies_are_described_without_their_content() {
        let secret = "Pl4nted-Body-Secret";
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"".to_vec(), "empty body"),
            (b"{\"apiVersion\": \"admission".to_vec(), "truncated JSON"),
            (format!("{{\"apiVersion\": {secret}}}").into_bytes(), "malformed JSON at line 1 column 16"),
            (b"[1, 2]".to_vec(), "the body must be a JSON object"),
            (b"  \"text\"".to_vec(), "the body must be a JSON object"),
            (b"{} {}".to_vec(), "trailing characters"),
            (format!("{{\"request\": {{\"object\": {}", "[".repeat(200)).into_bytes(), "nested too deeply"),
            (b"\xff\xfe\x00garbage".to_vec(), "malformed JSON"),
            (br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#.to_vec(), "admissionReviewVersions"),
            (br#"{"kind":"AdmissionReview"}"#.to_vec(), "apiVersion is missing"),
            (br#"{"apiVersion":"admission.k8s.io/v1","kind":"Pod"}"#.to_vec(), "kind must be AdmissionReview"),
            (br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#.to_vec(), "request is missing"),
            (review(json!({"operation": "CREATE"})), "request.uid is missing"),
            (review(json!({"uid": secret, "operation": secret})), "request.operation must be"),
            (review(json!({"uid": "u", "operation": "CREATE", "kind": {"kind": "Pod", "version": "v1"}})), "request.object is missing"),
            (review(json!({"uid": "u", "operation": "UPDATE", "kind": {"kind": "Pod", "version": "v1"}, "object": [secret]})), "must be a JSON object"),
            (review(json!({"uid": "u", "operation": "CREATE", "object": {"metadata": {}}})), "kind is unknown"),
            (review(json!({"uid": "u", "operation": "CREATE", "object": {"kind": 7}})), "object.kind must be a string"),
            (review(json!({"uid": "u", "operation": "CREATE", "object": {"kind": "Pod", "apiVersion": "v1", "metadata": secret}})), "metadata must be a JSON object"),
            (review(json!({"uid": secret, "dryRun": secret})), "request.dryRun has the wrong type at line 1 column"),
            (review(json!({"uid": 12345})), "request.uid has the wrong type"),
            (review(json!(secret)), "request has the wrong type at line 1 column 92, expected an object"),
        ];
        for (body, expected) in cases {
            let message = error(&body);
            assert!(
                message.contains(expected),
                "expected {expected:?} in {message:?}"
            );
            assert!(
                !message.contains(secret),
                "the body leaked into {message:?}"
            );
            assert!(
                !message.contains("12345"),
                "the body leaked into {message:?}"
            );
        }
    }

    #[test]
    fn a_denial_serializes_as_kubernetes_expects() {
        let response = ReviewResponse::new(AdmissionResponse {
            uid: "u-3".into(),
            allowed: false,
            status: Some(ResponseStatus::forbidden("no".into())),
            ..AdmissionResponse::default()
        });
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({
                "apiVersion": "admission.k8s.io/v1",
                "kind": "AdmissionReview",
                "response": {
                    "uid": "u-3",
                    "allowed": false,
                    "status": {"status": "Failure", "code": 403, "reason": "Forbidden", "message": "no"}
                }
            })
        );
    }
}
