//! `/mutate`: the safe defaults of `webhook.mutate`, as a JSON Patch (RFC 6902).
//!
//! Only what is configured, only where the field is absent, and only what the API server will
//! accept: a patch the API server rejects would reject the object, and a default that
//! contradicts a field the author set would change what the application does.
//!
//! - `allowPrivilegeEscalation: false` is not given to a privileged container, nor to one that
//!   adds `SYS_ADMIN` or `ALL` (the API server rejects `false` with `CAP_SYS_ADMIN`, and such a
//!   container was written to need it).
//! - `capabilities.drop: [ALL]` only where `capabilities.drop` is absent.
//! - The pod's `seccompProfile: RuntimeDefault` only where neither the pod nor any container
//!   sets a profile, no legacy seccomp annotation is present (the API server requires them to
//!   agree), and the pod is not a Windows pod (which may not set Linux security fields).
//! - Default requests and limits only for the resources a container leaves out, and never one
//!   that would put a request above its limit.
//!
//! Each operation adds to an object that exists in the request: where a parent is missing,
//! the parent is added whole. Pointers are escaped (`~0`, `~1`).

use palisade_model::{Object, Pointer};
use palisade_rules::Config;
use palisade_rules::pod::PodView;
use serde_json::{Map, Value, json};

use crate::policy::{MutatePolicy, Quantity};
use crate::review::Operation;

/// The container lists a pod spec defaults are given to. Ephemeral containers are added
/// through their own subresource and may not set resources.
const CONTAINER_LISTS: [&str; 2] = ["initContainers", "containers"];

/// Capabilities that need privilege escalation, or that the API server refuses alongside
/// `allowPrivilegeEscalation: false`.
const ESCALATING_CAPABILITIES: [&str; 3] = ["SYS_ADMIN", "CAP_SYS_ADMIN", "ALL"];

/// The legacy seccomp annotations, which the API server requires to agree with the fields.
const SECCOMP_POD_ANNOTATION: &str = "seccomp.security.alpha.kubernetes.io/pod";
const SECCOMP_CONTAINER_ANNOTATION_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// The JSON Patch operations that give `object` the configured defaults; empty when there is
/// nothing to add. `object` is the request's object (as JSON) and `view` the same object as
/// the rules see it, whose pod spec location is found as the scan finds it.
pub fn patch(
    object: &Value,
    view: &Object,
    operation: Operation,
    config: &Config,
    policy: &MutatePolicy,
) -> Vec<Value> {
    let mut operations = Vec::new();
    if policy.is_empty() || !pod_spec_may_change(view, operation) {
        return operations;
    }
    let Some(pod) = PodView::of(view, config) else {
        return operations;
    };
    let Some(Value::Object(spec)) = object.pointer(pod.spec_path.as_str()) else {
        return operations;
    };
    let windows = spec
        .get("os")
        .and_then(|os| os.get("name"))
        .and_then(Value::as_str)
        .is_some_and(|name| name.eq_ignore_ascii_case("windows"));
    for list in CONTAINER_LISTS {
        let Some(Value::Array(containers)) = spec.get(list) else {
            continue;
        };
        for (index, container) in containers.iter().enumerate() {
            let Value::Object(container) = container else {
                continue;
            };
            let path = pod.spec_path.key(list).index(index);
            if !windows {
                security_context(container, &path, policy, &mut operations);
            }
            resources(container, &path, policy, &mut operations);
        }
    }
    if policy.seccomp_runtime_default && !windows {
        let metadata = object.pointer(pod.metadata_path.as_str());
        pod_seccomp(spec, metadata, &pod.spec_path, &mut operations);
    }
    operations
}

/// A Pod's spec cannot change after creation, nor can a Job's template: patching either on
/// UPDATE would make the API server reject the update. The other workloads take the defaults
/// on UPDATE too (objects created before the webhook get them at their next change).
fn pod_spec_may_change(view: &Object, operation: Operation) -> bool {
    match operation {
        Operation::Create => true,
        Operation::Update => {
            let immutable = matches!(
                (view.group(), view.kind.as_str()),
                ("", "Pod") | ("batch", "Job")
            );
            !immutable
        }
        Operation::Delete | Operation::Connect => false,
    }
}

fn absent(value: Option<&Value>) -> bool {
    matches!(value, None | Some(Value::Null))
}

fn add(path: &Pointer, value: Value) -> Value {
    json!({"op": "add", "path": path.as_str(), "value": value})
}

fn security_context(
    container: &Map<String, Value>,
    container_path: &Pointer,
    policy: &MutatePolicy,
    operations: &mut Vec<Value>,
) {
    let context = container.get("securityContext");
    let context_path = container_path.key("securityContext");
    let fields = match context {
        None | Some(Value::Null) => None,
        Some(Value::Object(fields)) => Some(fields),
        // Not an object: the API server rejects the object anyway; leave it as written.
        Some(_) => return,
    };
    let get = |key: &str| fields.and_then(|fields| fields.get(key));
    let capabilities = get("capabilities");
    let capabilities_fields = match capabilities {
        None | Some(Value::Null) => None,
        Some(Value::Object(fields)) => Some(fields),
        Some(_) => return,
    };
    let adds_escalating = capabilities_fields
        .and_then(|fields| fields.get("add"))
        .and_then(Value::as_array)
        .is_some_and(|added| {
            added.iter().filter_map(Value::as_str).any(|capability| {
                ESCALATING_CAPABILITIES
                    .iter()
                    .any(|escalating| capability.eq_ignore_ascii_case(escalating))
            })
        });
    let privileged = get("privileged").and_then(Value::as_bool) == Some(true);

    let disallow_escalation = policy.disallow_privilege_escalation
        && absent(get("allowPrivilegeEscalation"))
        && !privileged
        && !adds_escalating;
    let drop_all = policy.drop_all_capabilities
        && absent(capabilities_fields.and_then(|fields| fields.get("drop")));

    if fields.is_none() {
        let mut added = Map::new();
        if disallow_escalation {
            added.insert("allowPrivilegeEscalation".into(), Value::Bool(false));
        }
        if drop_all {
            added.insert("capabilities".into(), json!({"drop": ["ALL"]}));
        }
        if !added.is_empty() {
            operations.push(add(&context_path, Value::Object(added)));
        }
        return;
    }
    if disallow_escalation {
        operations.push(add(
            &context_path.key("allowPrivilegeEscalation"),
            Value::Bool(false),
        ));
    }
    if drop_all {
        let capabilities_path = context_path.key("capabilities");
        if capabilities_fields.is_none() {
            operations.push(add(&capabilities_path, json!({"drop": ["ALL"]})));
        } else {
            operations.push(add(&capabilities_path.key("drop"), json!(["ALL"])));
        }
    }
}

/// A quantity as the object holds it: a string, or a bare number.
fn quantity_of(value: &Value) -> Option<f64> {
    match value {
        Value::String(text) => Quantity::parse(text).map(|q| q.value),
        Value::Number(number) => number.as_f64(),
        _ => None,
    }
}

/// A field of an optional section, when it holds a value.
fn existing<'a>(section: Option<&'a Map<String, Value>>, name: &str) -> Option<&'a Value> {
    section
        .and_then(|section| section.get(name))
        .filter(|value| !value.is_null())
}

fn resources(
    container: &Map<String, Value>,
    container_path: &Pointer,
    policy: &MutatePolicy,
    operations: &mut Vec<Value>,
) {
    let defaults = &policy.default_resources;
    if defaults.is_empty() {
        return;
    }
    let resources_path = container_path.key("resources");
    let fields = match container.get("resources") {
        None | Some(Value::Null) => None,
        Some(Value::Object(fields)) => Some(fields),
        Some(_) => return,
    };
    let section = |name: &str| match fields.and_then(|fields| fields.get(name)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(section)) => Ok(Some(section)),
        Some(_) => Err(()),
    };
    let (Ok(requests), Ok(limits)) = (section("requests"), section("limits")) else {
        return;
    };

    // A default request only where the container has none, and not above the container's own
    // limit (the pod would be invalid; Kubernetes itself then takes the limit as the request).
    let mut new_requests = Map::new();
    for (name, quantity) in &defaults.requests {
        if existing(requests, name).is_some() {
            continue;
        }
        let fits = match existing(limits, name) {
            None => true,
            Some(limit) => quantity_of(limit).is_some_and(|limit| quantity.value <= limit),
        };
        if fits {
            new_requests.insert(name.clone(), Value::String(quantity.text.clone()));
        }
    }
    // A default limit only where the container has none, and not below its request (its own,
    // or the default just given).
    let mut new_limits = Map::new();
    for (name, quantity) in &defaults.limits {
        if existing(limits, name).is_some() {
            continue;
        }
        // The request the limit must not fall below: the container's own (unreadable counts
        // as too high), or the default just given, or none.
        let request = match existing(requests, name) {
            Some(own) => Some(quantity_of(own)),
            None => defaults
                .requests
                .iter()
                .find(|(n, _)| n == name && new_requests.contains_key(n))
                .map(|(_, q)| Some(q.value)),
        };
        let fits = match request {
            None => true,
            Some(Some(request)) => request <= quantity.value,
            Some(None) => false,
        };
        if fits {
            new_limits.insert(name.clone(), Value::String(quantity.text.clone()));
        }
    }

    if fields.is_none() {
        let mut added = Map::new();
        if !new_requests.is_empty() {
            added.insert("requests".into(), Value::Object(new_requests));
        }
        if !new_limits.is_empty() {
            added.insert("limits".into(), Value::Object(new_limits));
        }
        if !added.is_empty() {
            operations.push(add(&resources_path, Value::Object(added)));
        }
        return;
    }
    for (section_name, section, added) in [
        ("requests", requests, new_requests),
        ("limits", limits, new_limits),
    ] {
        if added.is_empty() {
            continue;
        }
        let section_path = resources_path.key(section_name);
        if section.is_none() {
            operations.push(add(&section_path, Value::Object(added)));
        } else {
            for (name, value) in added {
                operations.push(add(&section_path.key(&name), value));
            }
        }
    }
}

fn pod_seccomp(
    spec: &Map<String, Value>,
    metadata: Option<&Value>,
    spec_path: &Pointer,
    operations: &mut Vec<Value>,
) {
    let context = spec.get("securityContext");
    let pod_fields = match context {
        None | Some(Value::Null) => None,
        Some(Value::Object(fields)) => Some(fields),
        Some(_) => return,
    };
    if pod_fields.is_some_and(|fields| !absent(fields.get("seccompProfile"))) {
        return;
    }
    let container_sets_profile = CONTAINER_LISTS
        .iter()
        .chain(&["ephemeralContainers"])
        .filter_map(|list| spec.get(*list).and_then(Value::as_array))
        .flatten()
        .any(|container| {
            !absent(
                container
                    .get("securityContext")
                    .and_then(|context| context.get("seccompProfile")),
            )
        });
    if container_sets_profile {
        return;
    }
    let annotated = metadata
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(Value::as_object)
        .is_some_and(|annotations| {
            annotations.keys().any(|key| {
                key == SECCOMP_POD_ANNOTATION
                    || key.starts_with(SECCOMP_CONTAINER_ANNOTATION_PREFIX)
            })
        });
    if annotated {
        return;
    }
    let context_path = spec_path.key("securityContext");
    let profile = json!({"type": "RuntimeDefault"});
    if pod_fields.is_none() {
        operations.push(add(&context_path, json!({"seccompProfile": profile})));
    } else {
        operations.push(add(&context_path.key("seccompProfile"), profile));
    }
}
