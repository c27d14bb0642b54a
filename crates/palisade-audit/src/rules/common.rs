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

// Identity and access: who the control plane is, which addresses are inside, and how a
// request is described in a message. Used by the identity-and-access rules.

/// A node's own credentials: user `system:node:NAME` in group `system:nodes`, the identity
/// the Node authorizer recognises. The name alone is not enough: any authenticator could
/// hand out such a name, only the group makes it a kubelet.
pub fn is_node(user: &crate::event::UserInfo) -> bool {
    user.username.starts_with("system:node:") && user.in_group("system:nodes")
}

/// The control plane's own identities, which read Secrets, mint tokens and approve node
/// certificates as part of their job: the controller manager, the scheduler, the API server's
/// loopback client, the kubelets, and the service accounts of `kube-system` (the controllers
/// when the controller manager runs with `--use-service-account-credentials`).
pub fn is_control_plane(user: &crate::event::UserInfo) -> bool {
    matches!(
        user.username.as_str(),
        "system:kube-controller-manager" | "system:kube-scheduler" | "system:apiserver"
    ) || is_node(user)
        || user
            .service_account()
            .is_some_and(|(namespace, _)| namespace == "kube-system")
}

/// Addresses that are not reachable from the internet: private (10/8, 172.16/12, 192.168/16),
/// carrier-grade NAT (100.64/10), loopback, link-local, IPv6 unique-local (fc00::/7) and the
/// unspecified address. IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
pub fn is_internal_address(address: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match address.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

/// Whether a request from this address came from outside the cluster: outside the configured
/// cluster networks, or, when none are configured, a public address (see
/// [`is_internal_address`]). Loopback is always inside: only the API server's own host
/// connects from it.
pub fn is_outside_cluster(config: &crate::config::AuditConfig, address: std::net::IpAddr) -> bool {
    let address = address.to_canonical();
    if address.is_loopback() {
        return false;
    }
    if config.cluster_networks.is_empty() {
        !is_internal_address(address)
    } else {
        !config.in_cluster_networks(address)
    }
}

/// Who made the request, for messages: `alice`, `alice (as bob)` when impersonating,
/// `(no user)` when the log names nobody (a request refused before authentication).
pub fn who(event: &Event) -> String {
    let user = match event.user.username.as_str() {
        "" => "(no user)",
        name => name,
    };
    match &event.impersonated_user {
        Some(as_user) => format!("{user} (as {})", as_user.username),
        None => user.to_string(),
    }
}

/// Where the request came from, for messages: `203.0.113.7`, or the whole chain
/// `198.51.100.2 via 10.0.0.5` when proxies are listed (the last address is the one that
/// connected; the others come from `X-Forwarded-For`, which the client can write).
pub fn sources(event: &Event) -> String {
    if event.source_ips.is_empty() {
        "an unknown address".to_string()
    } else {
        event.source_ips.join(" via ")
    }
}

/// How the API server answered, for messages: `allowed (200)`, `refused (403)`,
/// `failed (404)` (authorized, but not carried out), or `outcome not recorded`.
pub fn outcome(event: &Event) -> String {
    let code = event.response_code();
    let with_code = |word: &str| match code {
        Some(code) => format!("{word} ({code})"),
        None => word.to_string(),
    };
    match event.allowed() {
        Some(false) => with_code("refused"),
        Some(true) if code.is_none() || event.succeeded() => with_code("allowed"),
        Some(true) => with_code("failed"),
        None => "outcome not recorded".to_string(),
    }
}

/// The request in the words every identity-and-access message ends with:
/// `get namespaces/prod/secrets/db from 203.0.113.7, allowed (200)`.
pub fn request_summary(event: &Event) -> String {
    format!(
        "{} {} from {}, {}",
        event.verb,
        event.resource_path(),
        sources(event),
        outcome(event)
    )
}

/// The event of a request that has not been answered yet: its outcome is unknown, and a later
/// stage of the same request (which the log holds unless the policy omits it) will tell it.
pub fn not_yet_answered(event: &Event) -> bool {
    event.stage == crate::event::Stage::RequestReceived
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
