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
    // memchr: every event's URI is searched (is it a dry run?) several times, and most have no
    // query at all, which then is not split.
    let query = memchr::memchr(b'?', uri.as_bytes()).map(|at| &uri[at + 1..]);
    query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .filter_map(move |pair| {
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
    let mut node = event.request_object.as_ref()?.node()?;
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
/// `palisade scan` would: the scan configuration's exemptions and severities apply, the
/// requester's own `palisade.dev/ignore` annotation does not. The findings' paths are inside
/// the object; prefix them with `/requestObject` for an alert.
pub fn judge_request_object(context: &EventContext, rules: &[&str]) -> Vec<Finding> {
    debug_assert!(
        rules
            .iter()
            .all(|r| crate::detect::JUDGED_MANIFEST_RULES.contains(r)),
        "{rules:?} must be in JUDGED_MANIFEST_RULES"
    );
    context
        .judged_request()
        .map(|judged| {
            judged
                .findings
                .iter()
                .filter(|f| rules.contains(&f.rule.as_ref()))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// The object of a request for messages: its REST path (`namespaces/prod/deployments.apps/web`),
/// with the name of a created object added when the object reference has none: the name the
/// server gave it (in the response), else the request's, else its `generateName` followed by
/// `*` (the Pods controllers make).
pub fn described_object(event: &Event) -> String {
    describe_object(
        event,
        || object_name(event),
        || {
            event
                .request_object
                .as_ref()
                .and_then(|body| body.pointer("/metadata/generateName")?.as_str())
                .map(str::to_string)
        },
    )
}

/// [`described_object`], given how to find the object's name (as [`object_name`] does) and
/// the request's `generateName`.
fn describe_object(
    event: &Event,
    name: impl FnOnce() -> Option<String>,
    generate_name: impl FnOnce() -> Option<String>,
) -> String {
    let path = event.resource_path();
    if !event.name().is_empty() || event.object_ref.is_none() {
        return path;
    }
    if let Some(name) = name() {
        return format!("{path}/{name}");
    }
    match generate_name() {
        Some(prefix) if !prefix.is_empty() => format!("{path}/{prefix}*"),
        _ => path,
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

// ---------------------------------------------------------------------------------------------
// Who acted, on what, and what the manifest rules say about the objects they wrote: for the
// workload, RBAC and change rules.

/// The namespaces of the cluster's own components.
pub const SYSTEM_NAMESPACES: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

/// The API group of the object: the object reference's `apiGroup`, or, in logs converted by
/// hand that write `apiVersion: batch/v1` and no group (Panther's test events), the part of
/// the version before the `/`. The API server never writes a `/` in `apiVersion` there.
pub fn api_group<'e>(event: &'e Event) -> &'e str {
    let group = event.api_group();
    if !group.is_empty() {
        return group;
    }
    event
        .object_ref
        .as_ref()
        .and_then(|o| o.api_version.split_once('/'))
        .map_or("", |(group, _)| group)
}

/// The kind of the workload a request is about (`Pod`, `Deployment`…), checking the API group
/// too, so that a custom resource that happens to be called `deployments` is not one.
pub fn workload_kind(event: &Event) -> Option<&'static str> {
    let group = api_group(event);
    match event.resource() {
        "pods" | "replicationcontrollers" | "podtemplates" if group.is_empty() => {
            kind_of_resource(event.resource())
        }
        "deployments" | "daemonsets" | "statefulsets" | "replicasets"
            if matches!(group, "apps" | "extensions") =>
        {
            kind_of_resource(event.resource())
        }
        "jobs" | "cronjobs" if group == "batch" => kind_of_resource(event.resource()),
        _ => None,
    }
}

/// The request is about a workload ([`workload_kind`]).
pub fn is_workload(event: &Event) -> bool {
    workload_kind(event).is_some()
}

/// The control plane ([`is_control_plane`]) or a managed platform's own components, which
/// install and manage the system's add-ons: EKS's `eks:*` users (`eks:addon-manager`,
/// `eks:node-manager`…) and AKS's `aksService` and `masterclient`.
pub fn is_platform(user: &crate::event::UserInfo) -> bool {
    is_control_plane(user)
        || user.username.starts_with("eks:")
        || matches!(user.username.as_str(), "aksService" | "masterclient")
}

/// The request came from the control plane or the platform ([`is_platform`]), and did not
/// impersonate anyone else.
pub fn by_control_plane(event: &Event) -> bool {
    is_platform(&event.user) && event.impersonated_user.as_ref().is_none_or(is_platform)
}

/// A server-side dry run (`?dryRun=All`): admission ran, nothing was stored.
pub fn is_dry_run(event: &Event) -> bool {
    query_values(&event.request_uri, "dryRun").any(|value| !value.is_empty())
}

/// The request changed the cluster: it succeeded and was no dry run. Stage `RequestReceived`
/// (no answer yet) does not count: the later stage of the same request says how it ended.
pub fn was_carried_out(event: &Event) -> bool {
    event.succeeded() && !is_dry_run(event)
}

/// The verb as messages say it: `created`, `updated`, `patched`, `deleted`.
pub fn verb_done(verb: &str) -> &str {
    match verb {
        "create" => "created",
        "update" => "updated",
        "patch" => "patched",
        "delete" => "deleted",
        "deletecollection" => "deleted all",
        "get" => "read",
        "list" => "listed",
        "watch" => "watched",
        other => other,
    }
}

/// The name of the object a request wrote: the object reference's, else (a create, whose
/// reference has no name) the name the server gave it in the response, else the request's
/// `metadata.name`. `None` when only a `generateName` is known.
pub fn object_name(event: &Event) -> Option<String> {
    object_name_with(event, || {
        event
            .request_object
            .as_ref()
            .and_then(|body| body.text_at(&["metadata", "name"]))
    })
}

/// [`object_name`], given the `metadata.name` of the request object.
fn object_name_with(event: &Event, requested: impl FnOnce() -> Option<String>) -> Option<String> {
    if !event.name().is_empty() {
        return Some(event.name().to_string());
    }
    let answered = event
        .response_object
        .as_ref()
        .and_then(|body| body.text_at(&["metadata", "name"]));
    answered.or_else(requested).filter(|name| !name.is_empty())
}

/// A text field of the `metadata` of an object.
fn metadata_text(object: &Object, key: &str) -> Option<String> {
    let value = object.root.get("metadata")?.get(key)?;
    value.as_str().map(str::to_string)
}

/// What the rules that remember objects ([`ManifestJudge`]) need to know of a request object
/// they judged, worked out on the thread that judged it.
pub struct ObjectFacts {
    pub kind: String,
    /// [`object_name`] (the request object's own name read from the judged object rather than
    /// from its body again).
    pub name: Option<String>,
    pub generate_name: Option<String>,
    /// `(kind, name)` of the owner a controller made it for ([`controller_owner`]).
    pub controller: Option<(String, String)>,
    /// A kubelet's mirror of a static pod ([`is_mirror_pod`]).
    pub mirror_pod: bool,
}

impl ObjectFacts {
    pub fn of(event: &Event, object: &Object) -> ObjectFacts {
        ObjectFacts {
            kind: object.kind.clone(),
            name: object_name_with(event, || metadata_text(object, "name")),
            generate_name: metadata_text(object, "generateName"),
            controller: controller_owner(object),
            mirror_pod: is_mirror_pod(event, object),
        }
    }
}

/// The object's own annotation that silences manifest rules in a scan. In an audit log it was
/// written by whoever made the request, so it silences nothing there: the configuration's
/// exemptions, which the cluster's owners write, still apply.
const IGNORE_ANNOTATION: &str = "palisade.dev/ignore";

/// The request object as the manifest rules should judge it in an audit: without the
/// requester's own `palisade.dev/ignore` annotation.
pub fn judged_request_object(event: &Event) -> Option<Object> {
    let mut object = request_object(event)?;
    drop_ignore_annotation(&mut object.root);
    Some(object)
}

fn drop_ignore_annotation(root: &mut Node) {
    use palisade_model::Value;
    let Value::Map(entries) = &mut root.value else {
        return;
    };
    for metadata in entries.iter_mut().filter(|e| e.key == "metadata") {
        let Value::Map(fields) = &mut metadata.value.value else {
            continue;
        };
        for annotations in fields.iter_mut().filter(|e| e.key == "annotations") {
            if let Value::Map(items) = &mut annotations.value.value
                && items.iter().any(|item| item.key == IGNORE_ANNOTATION)
            {
                let kept: Vec<_> = std::mem::take(items)
                    .into_vec()
                    .into_iter()
                    .filter(|item| item.key != IGNORE_ANNOTATION)
                    .collect();
                *items = kept.into_boxed_slice();
            }
        }
    }
}

/// How many objects a [`ManifestJudge`] remembers the findings of.
const REMEMBERED_OBJECTS: usize = 16_384;

/// `(namespace, kind, name)` of an object, as a keyed hash (see [`ManifestJudge`]).
type ObjectKey = u64;

/// A manifest finding as remembered: a keyed hash of the manifest rule and its message.
type Remembered = u64;

/// Judges the objects written by successful create and update requests with some of
/// palisade's manifest rules (see [`judged_request_object`]), and reports each finding once:
///
/// - an update does not repeat a finding the object already had at its last write in this
///   stream (an operator that rewrites its privileged DaemonSet every minute makes one alert,
///   not one a minute); a finding removed and later put back is reported again, and deleting
///   the object forgets it;
/// - an object the control plane makes from a template (the ReplicaSet of a Deployment, the
///   Pods of a ReplicaSet, the Job of a CronJob) does not repeat the findings reported for its
///   owner: a privileged Deployment of 50 replicas is one alert, with its author's name.
///
/// Objects whose owner was not seen (the stream began later) are judged in full. Patches are
/// fragments and are not judged; the objects controllers derive from a patched template are.
///
/// An object and its findings are remembered as hashes, 8 bytes each where their names and
/// messages took hundreds: the memory of a long log stays small. The hash is keyed with a
/// random key per run, so that no requester can aim a name or a finding at a collision (which
/// could only ever silence one alert).
pub struct ManifestJudge {
    rules: &'static [&'static str],
    applies_to: fn(&Event) -> bool,
    reported: std::collections::HashMap<ObjectKey, Vec<Remembered>>,
    order: std::collections::VecDeque<ObjectKey>,
    hasher: std::hash::RandomState,
}

impl ManifestJudge {
    /// Judges requests on the resources `applies_to` accepts with the manifest `rules`.
    pub fn new(rules: &'static [&'static str], applies_to: fn(&Event) -> bool) -> ManifestJudge {
        debug_assert!(
            rules
                .iter()
                .all(|r| crate::detect::JUDGED_MANIFEST_RULES.contains(r)),
            "{rules:?} must be in JUDGED_MANIFEST_RULES"
        );
        ManifestJudge {
            rules,
            applies_to,
            reported: std::collections::HashMap::new(),
            order: std::collections::VecDeque::new(),
            hasher: std::hash::RandomState::new(),
        }
    }

    fn key(&self, event: &Event, kind: &str, name: &str) -> ObjectKey {
        use std::hash::BuildHasher;
        self.hasher.hash_one((event.namespace(), kind, name))
    }

    fn remembered(&self, finding: &Finding) -> Remembered {
        use std::hash::BuildHasher;
        self.hasher
            .hash_one((finding.rule.as_ref(), &*finding.message))
    }

    /// Remembers the findings an object has now, in place of those it had.
    fn remember(&mut self, key: ObjectKey, findings: &[&Finding]) {
        let now: Vec<Remembered> = findings
            .iter()
            .map(|finding| self.remembered(finding))
            .collect();
        if let Some(known) = self.reported.get_mut(&key) {
            *known = now;
            return;
        }
        if now.is_empty() {
            return;
        }
        self.order.push_back(key);
        self.reported.insert(key, now);
        while self.order.len() > REMEMBERED_OBJECTS {
            if let Some(oldest) = self.order.pop_front() {
                self.reported.remove(&oldest);
            }
        }
    }
}

/// The owner a controller made this object for: `(kind, name)` of its controller reference.
fn controller_owner(object: &Object) -> Option<(String, String)> {
    let owners = object.metadata()?.get("ownerReferences")?;
    owners.items().iter().find_map(|owner| {
        owner.get("controller")?.as_bool()?.then_some(())?;
        Some((
            owner.get("kind")?.as_str()?.to_string(),
            owner.get("name")?.as_str()?.to_string(),
        ))
    })
}

/// A kubelet's mirror of a static pod from its manifest directory: judged on the node (by
/// `palisade node` and `palisade scan` of the manifests), not when the kubelet reports it.
fn is_mirror_pod(event: &Event, object: &Object) -> bool {
    object.kind == "Pod"
        && is_node(&event.user)
        && object.annotation("kubernetes.io/config.mirror").is_some()
}

impl ManifestJudge {
    /// Whether a judge of the resources `applies_to` accepts has anything to do with the
    /// event: a successful create, update or delete of such an object itself (not of a
    /// subresource). It needs nothing but the event, so it is asked on the threads that decode.
    pub fn concerns(event: &Event, applies_to: fn(&Event) -> bool) -> bool {
        Self::carries_out_a_write(event) && applies_to(event)
    }

    /// The part of [`ManifestJudge::concerns`] that is the same for every judge: a create,
    /// update or delete of an object itself that was carried out.
    pub fn carries_out_a_write(event: &Event) -> bool {
        matches!(event.verb.as_str(), "create" | "update" | "delete")
            && event.subresource().is_empty()
            && was_carried_out(event)
    }
}

impl crate::detect::StatefulCheck for ManifestJudge {
    fn observe(&mut self, context: &EventContext, out: &mut crate::detect::AlertEmitter) {
        let event = context.event;
        let verb = event.verb.as_str();
        if !Self::concerns(event, self.applies_to) {
            return;
        }
        if verb == "delete" {
            if let Some(kind) = kind_of_resource(event.resource()) {
                let key = self.key(event, kind, event.name());
                if let Some(known) = self.reported.get_mut(&key) {
                    known.clear();
                }
            }
            return;
        }
        let Some(judged) = context.judged_request() else {
            return;
        };
        let object = &judged.object;
        if object.mirror_pod {
            return;
        }
        // Borrowed, not copied: most are only hashed, to be remembered.
        let findings: Vec<&Finding> = judged
            .findings
            .iter()
            .filter(|finding| self.rules.contains(&finding.rule.as_ref()))
            .collect();
        // An object without findings only matters if it had some before (to forget them).
        if findings.is_empty() && self.reported.is_empty() {
            return;
        }
        let own_key = object
            .name
            .as_deref()
            .map(|name| self.key(event, &object.kind, name));
        let owner = object
            .controller
            .clone()
            .filter(|_| by_control_plane(event));
        let owner_key = owner
            .as_ref()
            .map(|(kind, name)| self.key(event, kind, name));
        // An update repeats nothing the object already had; a successful create makes a new
        // object, whatever was known under its name (its deletion may not be in the log).
        let own_known = own_key.as_ref().filter(|_| verb == "update");
        let known: Vec<Remembered> = [own_known, owner_key.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|key| self.reported.get(key))
            .flatten()
            .copied()
            .collect();
        let fresh: Vec<&Finding> = findings
            .iter()
            .copied()
            .filter(|finding| !known.contains(&self.remembered(finding)))
            .collect();
        if !fresh.is_empty() {
            let user = who(event);
            let done = verb_done(verb);
            let path = describe_object(
                event,
                || object.name.clone(),
                || object.generate_name.clone(),
            );
            let made_for = owner
                .as_ref()
                .map(|(kind, name)| format!(" (for {kind} {name})"))
                .unwrap_or_default();
            for finding in fresh {
                let alert = out.report(
                    format!("/requestObject{}", finding.path),
                    format!(
                        "{user} {done} {path}{made_for}: {} (manifest rule {})",
                        finding.message, finding.rule
                    ),
                );
                alert.severity = finding.severity;
            }
        }
        if let Some(key) = own_key {
            self.remember(key, &findings);
        }
    }
}

/// The RBAC API group.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The API server's own upkeep of RBAC: the bootstrap roles and bindings it reconciles at
/// start (`system:apiserver`) and the aggregated ClusterRoles (`admin`, `edit`, `view`…) the
/// aggregation controller fills in. Their wildcards and grants are the cluster's defaults,
/// not someone's change.
pub fn is_rbac_upkeep(event: &Event) -> bool {
    event.impersonated_user.is_none()
        && matches!(
            event.user.username.as_str(),
            "system:apiserver"
                | "system:serviceaccount:kube-system:clusterrole-aggregation-controller"
        )
}

/// One entry of the `rules` of a Role or ClusterRole.
pub struct PolicyRule<'a> {
    /// Its index in `rules`.
    pub index: usize,
    pub api_groups: Vec<&'a str>,
    pub resources: Vec<&'a str>,
    pub verbs: Vec<&'a str>,
    pub resource_names: Vec<&'a str>,
}

/// The rules of the Role or ClusterRole that a create or update request wrote; empty when the
/// request object is not in the log, or the verb is a patch (a fragment).
pub fn role_rules<'e>(event: &'e Event) -> Vec<PolicyRule<'e>> {
    use serde_json::Value;
    if !matches!(event.verb.as_str(), "create" | "update") {
        return Vec::new();
    }
    let Some(rules) = event
        .request_object
        .as_ref()
        .and_then(|body| body.pointer("/rules"))
        .and_then(Value::as_array)
    else {
        return Vec::new();
    };
    fn strings<'v>(rule: &'v Value, key: &str) -> Vec<&'v str> {
        rule.get(key)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }
    rules
        .iter()
        .enumerate()
        .map(|(index, rule)| PolicyRule {
            index,
            api_groups: strings(rule, "apiGroups"),
            resources: strings(rule, "resources"),
            verbs: strings(rule, "verbs"),
            resource_names: strings(rule, "resourceNames"),
        })
        .collect()
}

/// `a, b and c`, or the first `max` and how many more.
pub fn listing(items: &[String], max: usize) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        _ if items.len() > max => {
            format!("{} and {} more", items[..max].join(", "), items.len() - max)
        }
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
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
