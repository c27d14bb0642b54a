//! What several audit rules ask of an event.

use std::borrow::Cow;

use palisade_model::{Finding, Node, Object};

use crate::detect::EventContext;
use crate::event::Event;

/// The request was refused by authentication or authorization (401, 403 or a `forbid`
/// decision). Requests not yet answered (stage `RequestReceived`) are not refused.
pub fn was_refused(event: &Event) -> bool {
    event.allowed() == Some(false)
}

/// The decoded values of one query parameter of a request URI, in order
/// (`command=sh&command=-c` gives `sh`, `-c`).
pub fn query_values<'a>(uri: &'a str, name: &'a str) -> impl Iterator<Item = Cow<'a, str>> + 'a {
    let query = uri.split_once('?').map_or("", |(_, query)| query);
    query.split('&').filter_map(move |pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then(|| percent_decode(value))
    })
}

fn percent_decode(text: &str) -> Cow<'_, str> {
    if !text.contains(['%', '+']) {
        return Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => out.push(b' '),
            b'%' if index + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        index += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        index += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

/// The request object of a create, update or patch, as an [`Object`] palisade's manifest
/// rules can judge; `None` when the log level did not record it, it is not an object with a
/// kind, or it is a patch (a patch is a fragment, not the object).
pub fn request_object(event: &Event) -> Option<Object> {
    if !matches!(event.verb.as_str(), "create" | "update") {
        return None;
    }
    let value = event.request_object.as_ref()?.value().ok()?;
    let mut node = Node::from_json(value);
    fill_in_type(&mut node, event);
    let mut object = Object::from_node(node, None)?;
    // Bodies of namespaced creates often leave the namespace to the URL; exemptions by
    // namespace must still apply.
    if object.namespace.is_none() && !event.namespace().is_empty() {
        object.namespace = Some(event.namespace().to_string());
    }
    Some(object)
}

/// Request objects sometimes lack `apiVersion`/`kind` (clients may omit them on create); the
/// object reference says what they are.
fn fill_in_type(node: &mut Node, event: &Event) {
    use palisade_model::{Entry, Pos, Value};
    let Value::Map(entries) = &mut node.value else {
        return;
    };
    let Some(reference) = event.object_ref.as_ref() else {
        return;
    };
    let mut added = Vec::new();
    if !entries.iter().any(|e| e.key == "kind")
        && let Some(kind) = kind_of_resource(&reference.resource)
    {
        added.push(Entry {
            key: Cow::Borrowed("kind"),
            key_pos: Pos::UNKNOWN,
            value: Node::new(Pos::UNKNOWN, Value::Str(kind.to_string())),
        });
    }
    if !entries.iter().any(|e| e.key == "apiVersion") && !reference.api_version.is_empty() {
        let version = if reference.api_group.is_empty() {
            reference.api_version.to_string()
        } else {
            format!("{}/{}", reference.api_group, reference.api_version)
        };
        added.push(Entry {
            key: Cow::Borrowed("apiVersion"),
            key_pos: Pos::UNKNOWN,
            value: Node::new(Pos::UNKNOWN, Value::Str(version)),
        });
    }
    if !added.is_empty() {
        let mut all: Vec<Entry> = std::mem::take(entries).into_vec();
        all.extend(added);
        *entries = all.into_boxed_slice();
    }
}

/// The kind of the objects of a built-in resource, for the resources rules judge.
pub fn kind_of_resource(resource: &str) -> Option<&'static str> {
    Some(match resource {
        "pods" => "Pod",
        "deployments" => "Deployment",
        "statefulsets" => "StatefulSet",
        "daemonsets" => "DaemonSet",
        "replicasets" => "ReplicaSet",
        "replicationcontrollers" => "ReplicationController",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "podtemplates" => "PodTemplate",
        "services" => "Service",
        "configmaps" => "ConfigMap",
        "secrets" => "Secret",
        "ingresses" => "Ingress",
        "roles" => "Role",
        "clusterroles" => "ClusterRole",
        "rolebindings" => "RoleBinding",
        "clusterrolebindings" => "ClusterRoleBinding",
        "serviceaccounts" => "ServiceAccount",
        "networkpolicies" => "NetworkPolicy",
        "namespaces" => "Namespace",
        _ => return None,
    })
}

/// Judges the request object with the manifest rules named in `rules`, exactly as
/// `palisade scan` would (the scan configuration's exemptions and severities apply). The
/// findings' paths are inside the object; prefix them with `/requestObject` for an alert.
pub fn judge_request_object(context: &EventContext, rules: &[&str]) -> Vec<Finding> {
    let Some(object) = request_object(context.event) else {
        return Vec::new();
    };
    palisade_rules::check_object(&object, &context.config.scan, |name| rules.contains(&name))
        .findings
}

/// The object of a request for messages: its REST path (`namespaces/prod/deployments.apps/web`),
/// with the name taken from the request body when the object reference has none (a create).
pub fn described_object(event: &Event) -> String {
    let path = event.resource_path();
    if !event.name().is_empty() {
        return path;
    }
    let name = event
        .request_object
        .as_ref()
        .and_then(|body| body.pointer("/metadata/name"))
        .and_then(|name| name.as_str())
        .filter(|name| !name.is_empty());
    match name {
        Some(name) => format!("{path}/{name}"),
        None => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded_in_order() {
        let uri = "/api/v1/namespaces/a/pods/b/exec?command=sh&command=-c&command=cat%20%2Fetc%2Fpasswd&container=web";
        let values: Vec<_> = query_values(uri, "command").collect();
        assert_eq!(values, ["sh", "-c", "cat /etc/passwd"]);
        assert_eq!(
            query_values(uri, "container").next().as_deref(),
            Some("web")
        );
        assert_eq!(query_values("/healthz", "command").count(), 0);
        // Broken escapes are kept as written, never a panic.
        let broken: Vec<_> =
            query_values("/x?command=%&command=%4&command=%zz", "command").collect();
        assert_eq!(broken, ["%", "%4", "%zz"]);
    }
}
