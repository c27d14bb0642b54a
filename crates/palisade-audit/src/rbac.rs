//! RBAC from usage: the Roles, ClusterRoles and bindings that cover exactly what one subject
//! did, as audit2rbac (`liggitt/audit2rbac`) generates them from an audit log.
//!
//! [`RbacGenerator`] takes the events one at a time (so a log is streamed, never held), keeps
//! the distinct requests of one [`Subject`], and [`RbacGenerator::finish`] turns them into a
//! [`Policy`], which [`Policy::to_yaml`] writes as a YAML stream ready for `kubectl apply`.
//!
//! # Which events count
//! - An event counts for the subject when its **effective user** (the impersonated user when
//!   the request used impersonation, else the authenticated one) is the subject's user name:
//!   `NAME` for `--user`, `system:serviceaccount:NS:NAME` for `--serviceaccount NS:NAME`.
//! - **Allowed and denied requests both count**, whatever the response code: audit2rbac does
//!   not look at the response, because what a subject was refused is exactly the permission it
//!   lacks (its README advises running the workload with broad rights in a development cluster
//!   so that failures do not cut code paths short).
//! - **Every stage counts once per request**: the events of one `auditID` (RequestReceived,
//!   ResponseStarted, ResponseComplete, Panic) are one request. audit2rbac does not filter by
//!   stage either; a request logged only at RequestReceived (the backend dropped the rest, or
//!   the log ended during a watch) was still attempted. All stages of a request carry the same
//!   verb and object, so this changes the request count, never the rules.
//! - With [`Options::namespace`] (audit2rbac's `-n`) only requests in that namespace count.
//!
//! # From requests to rules (audit2rbac's algorithm)
//! 1. Each request becomes authorizer attributes: verb, API group, resource, subresource,
//!    namespace and name from `objectRef`; the URL path (without the query) for a non-resource
//!    request. The name of a `create` is dropped (the authorizer never sees it: it is in the
//!    body), except on a subresource (`pods/NAME/exec`), whose name is in the URL.
//! 2. Requests are processed broadest first: non-resource, then cluster-wide before namespaced,
//!    unnamed before named, `list` before other verbs, then by group, resource, subresource,
//!    namespace, name and verb.
//! 3. A request already allowed is skipped: by the built-in `system:discovery` role (`get` of
//!    `/healthz`, `/version`, `/swagger*`, `/openapi*`, `/api*` for a user in
//!    `system:authenticated` or `system:unauthenticated`), or by the rules generated so far.
//! 4. Expansion (`--expand-multi-namespace`, `--expand-multi-name`, both on by default): when
//!    the same operation was seen in another namespace, the rule goes cluster-wide; when it was
//!    seen on another object name, the rule drops `resourceNames`. A single observed name stays
//!    as `resourceNames`.
//! 5. Verbs are widened by fixed expansions: `list`→get,list,watch; `watch`→get,list,watch;
//!    `update`→get,patch,update; `patch`→get,patch,update.
//! 6. Non-resource URLs and cluster-wide requests go to one ClusterRole; namespaced ones to a
//!    Role per namespace; each with its binding to the subject (`User`, or `ServiceAccount`
//!    when the user name is a service account's).
//! 7. Rules are compacted: verbs of the same group/resource/name merged; the names of rules that
//!    agree on group, resource and verbs merged; then the resources of rules that agree on
//!    group, verbs and names merged.
//!
//! # Where palisade differs, on purpose
//! - Compaction is deterministic (audit2rbac's depends on Go map order): names merge first,
//!   then resources. Non-resource URLs with the same verbs are merged into one rule (audit2rbac
//!   writes one rule per URL and verb); the rules grant the same.
//! - A request that a rule could only express as a wildcard (a verb, group or resource that is
//!   literally `*`, a URL ending in `*`) or not at all (no verb, an `objectRef` without a
//!   resource) is left out and reported in [`Policy::skipped`], rather than granting more than
//!   was used.
//! - The API version of the object is not part of "the same operation" when expanding (RBAC
//!   rules have no versions); nor are the groups the log lists for the user, except for the
//!   discovery check.
//! - The label value `audit2rbac.liggitt.net/user` is shortened to the 63 characters a label
//!   value may have, without leading or trailing `-`. No version annotation is written.
//!
//! Everything is bounded by the number of *distinct* requests, not by the length of the log;
//! generation is `O(n log n)` in them (audit2rbac's expansion is quadratic).

use std::borrow::Borrow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::event::{Event, Text, UNAUTHENTICATED_GROUP, UserInfo};

/// `apiVersion` of the generated objects.
pub const RBAC_API_VERSION: &str = "rbac.authorization.k8s.io/v1";
/// The RBAC API group (`roleRef.apiGroup`, `subjects[].apiGroup` of a User).
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// Label set to `"true"` on every generated object (audit2rbac's).
pub const GENERATED_LABEL: &str = "audit2rbac.liggitt.net/generated";
/// Label naming the subject, sanitised (audit2rbac's).
pub const USER_LABEL: &str = "audit2rbac.liggitt.net/user";
/// The group every authenticated user is in; `system:discovery` is bound to it.
pub const AUTHENTICATED_GROUP: &str = "system:authenticated";

const SERVICE_ACCOUNT_PREFIX: &str = crate::event::SERVICE_ACCOUNT_PREFIX;
/// How many skipped requests are kept as examples; the rest are only counted.
const MAX_SKIPPED_KEPT: usize = 100;

/// Whom to generate for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Subject {
    User(String),
    ServiceAccount { namespace: String, name: String },
}

impl Subject {
    /// `--user NAME`. A service account's user name (`system:serviceaccount:NS:NAME`) gives the
    /// service account, as audit2rbac binds it.
    pub fn user(name: &str) -> Result<Subject, RbacError> {
        if name.is_empty() {
            return Err(RbacError::EmptyUser);
        }
        let info = UserInfo {
            username: Text::borrowed(name),
            ..UserInfo::default()
        };
        Ok(match info.service_account() {
            Some((namespace, name)) => Subject::ServiceAccount {
                namespace: namespace.to_string(),
                name: name.to_string(),
            },
            None => Subject::User(name.to_string()),
        })
    }

    /// `--serviceaccount NS:NAME`: exactly two non-empty parts.
    pub fn service_account(spec: &str) -> Result<Subject, RbacError> {
        match spec.split_once(':') {
            Some((namespace, name))
                if !namespace.is_empty() && !name.is_empty() && !name.contains(':') =>
            {
                Ok(Subject::ServiceAccount {
                    namespace: namespace.to_string(),
                    name: name.to_string(),
                })
            }
            _ => Err(RbacError::InvalidServiceAccount(spec.to_string())),
        }
    }

    /// The user name the audit log shows for this subject.
    pub fn username(&self) -> String {
        match self {
            Subject::User(name) => name.clone(),
            Subject::ServiceAccount { namespace, name } => {
                format!("{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}")
            }
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::User(name) => write!(f, "user {name}"),
            Subject::ServiceAccount { namespace, name } => {
                write!(f, "service account {namespace}:{name}")
            }
        }
    }
}

/// Why no policy could be generated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RbacError {
    /// `--user ""`.
    EmptyUser,
    /// `--serviceaccount` not in the form `NAMESPACE:NAME`.
    InvalidServiceAccount(String),
    /// The log holds no request by the subject (in the namespace, when one was given).
    NoEvents {
        user: String,
        namespace: Option<String>,
    },
}

impl fmt::Display for RbacError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RbacError::EmptyUser => f.write_str("the user name is empty"),
            RbacError::InvalidServiceAccount(spec) => write!(
                f,
                "service account must be in the form NAMESPACE:NAME, not {spec:?}"
            ),
            RbacError::NoEvents { user, namespace } => {
                write!(f, "no audit events matched user {user}")?;
                if let Some(namespace) = namespace {
                    write!(f, " in namespace {namespace}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for RbacError {}

/// audit2rbac's options; [`Options::default`] is its default behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Only requests in this namespace (audit2rbac's `-n`).
    pub namespace: Option<String>,
    /// The same operation in more than one namespace is allowed in every namespace
    /// (`--expand-multi-namespace`, default true).
    pub expand_multi_namespace: bool,
    /// The same operation on more than one object name is allowed on any name
    /// (`--expand-multi-name`, default true).
    pub expand_multi_name: bool,
    /// Leave out what the built-in `system:discovery` role already allows (default true).
    pub omit_discovery: bool,
    /// `metadata.name` of every generated object; default `audit2rbac:<user>` (sanitised).
    pub name: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: None,
            expand_multi_namespace: true,
            expand_multi_name: true,
            omit_discovery: true,
            name: None,
        }
    }
}

/// One rule of a Role or ClusterRole. Lists are sorted; empty ones are not written.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    /// `pods`, or `pods/log` for a subresource.
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    pub non_resource_urls: Vec<String>,
    pub verbs: Vec<String>,
}

/// A Role (with a namespace) or a ClusterRole (without).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Role {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub rules: Vec<PolicyRule>,
}

impl Role {
    pub fn kind(&self) -> &'static str {
        if self.namespace.is_some() {
            "Role"
        } else {
            "ClusterRole"
        }
    }
}

/// A RoleBinding (with a namespace, to the Role of that namespace) or a ClusterRoleBinding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub name: String,
    pub namespace: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub role_name: String,
    pub subject: Subject,
}

impl Binding {
    pub fn kind(&self) -> &'static str {
        if self.namespace.is_some() {
            "RoleBinding"
        } else {
            "ClusterRoleBinding"
        }
    }

    /// The kind of the role it binds.
    pub fn role_kind(&self) -> &'static str {
        if self.namespace.is_some() {
            "Role"
        } else {
            "ClusterRole"
        }
    }
}

/// A request left out because no exact rule can express it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedRequest {
    /// `list pods/x in ns1`, `get /metrics*`.
    pub request: String,
    pub reason: &'static str,
}

/// What [`RbacGenerator::finish`] produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub subject: Subject,
    /// Events of the subject read (every stage).
    pub events: usize,
    /// Requests of the subject (events of one `auditID` are one request).
    pub requests: usize,
    /// Roles, by namespace.
    pub roles: Vec<Role>,
    /// At most one.
    pub cluster_roles: Vec<Role>,
    /// One per Role, in the same order.
    pub role_bindings: Vec<Binding>,
    /// One per ClusterRole.
    pub cluster_role_bindings: Vec<Binding>,
    /// Requests left out (up to 100 examples, distinct, sorted); see `skipped_total`.
    pub skipped: Vec<SkippedRequest>,
    pub skipped_total: usize,
}

impl Policy {
    /// Nothing to grant: every request was already allowed by `system:discovery`.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.cluster_roles.is_empty()
    }

    /// The objects as JSON, in the order [`Policy::to_yaml`] writes them: Roles, ClusterRoles,
    /// RoleBindings, ClusterRoleBindings (audit2rbac's order).
    pub fn to_json(&self) -> Vec<Value> {
        let roles = self.roles.iter().chain(&self.cluster_roles).map(role_json);
        let bindings = self
            .role_bindings
            .iter()
            .chain(&self.cluster_role_bindings)
            .map(binding_json);
        roles.chain(bindings).collect()
    }

    /// A YAML stream (`---` between documents), keys sorted as kubectl writes them; strings
    /// quoted where YAML would read them as something else. Empty when [`Policy::is_empty`].
    pub fn to_yaml(&self) -> String {
        let mut out = String::new();
        let mut first = true;
        let mut separate = |out: &mut String| {
            if !first {
                out.push_str("---\n");
            }
            first = false;
        };
        for role in self.roles.iter().chain(&self.cluster_roles) {
            separate(&mut out);
            write_role(&mut out, role);
        }
        for binding in self.role_bindings.iter().chain(&self.cluster_role_bindings) {
            separate(&mut out);
            write_binding(&mut out, binding);
        }
        out
    }
}

/// Generates a policy from all `events` at once; see [`RbacGenerator`] to stream.
pub fn generate<'e, I>(events: I, subject: &Subject, options: &Options) -> Result<Policy, RbacError>
where
    I: IntoIterator,
    I::Item: Borrow<Event<'e>>,
{
    let mut generator = RbacGenerator::new(subject.clone(), options.clone());
    for event in events {
        generator.observe(event.borrow());
    }
    generator.finish()
}

/// A request as the authorizer saw it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ResourceRequest {
    verb: String,
    group: String,
    resource: String,
    subresource: String,
    namespace: String,
    name: String,
}

impl ResourceRequest {
    /// `pods`, `pods/log`.
    fn resource_path(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.clone()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }

    /// Broadest first (audit2rbac's order; `list` before any other verb, so the total order
    /// that Rust's sort needs).
    #[allow(clippy::type_complexity)]
    fn sort_key(&self) -> (bool, bool, bool, &str, &str, &str, &str, &str, &str) {
        (
            !self.namespace.is_empty(),
            !self.name.is_empty(),
            self.verb != "list",
            &self.group,
            &self.resource,
            &self.subresource,
            &self.namespace,
            &self.name,
            &self.verb,
        )
    }

    fn describe(&self) -> String {
        let mut text = format!("{} ", self.verb);
        if !self.group.is_empty() {
            let _ = write!(text, "{}/", self.group);
        }
        text.push_str(&self.resource_path());
        if !self.name.is_empty() {
            let _ = write!(text, " {}", self.name);
        }
        if !self.namespace.is_empty() {
            let _ = write!(text, " in {}", self.namespace);
        }
        text
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct UrlRequest {
    verb: String,
    path: String,
    /// The user was in a group `system:discovery` is bound to.
    discovery_bound: bool,
}

/// Collects the requests of one subject from a stream of events.
#[derive(Debug)]
pub struct RbacGenerator {
    subject: Subject,
    username: String,
    options: Options,
    audit_ids: HashSet<Box<str>>,
    events: usize,
    requests: usize,
    resource_requests: HashSet<ResourceRequest>,
    url_requests: HashSet<UrlRequest>,
    skipped: BTreeSet<SkippedRequest>,
    skipped_total: usize,
}

impl RbacGenerator {
    pub fn new(subject: Subject, options: Options) -> Self {
        RbacGenerator {
            username: subject.username(),
            subject,
            options,
            audit_ids: HashSet::new(),
            events: 0,
            requests: 0,
            resource_requests: HashSet::new(),
            url_requests: HashSet::new(),
            skipped: BTreeSet::new(),
            skipped_total: 0,
        }
    }

    /// Takes one event; `true` if it was the subject's (and in the namespace, if one was given).
    pub fn observe(&mut self, event: &Event) -> bool {
        let user = event.effective_user();
        if user.username != self.username {
            return false;
        }
        if let Some(namespace) = &self.options.namespace
            && event.object_ref.as_ref().map(|o| o.namespace.as_str()) != Some(namespace.as_str())
        {
            return false;
        }
        self.events += 1;
        if !event.audit_id.is_empty() && !self.audit_ids.insert(event.audit_id.as_str().into()) {
            // Another stage of a request already counted.
            return true;
        }
        self.requests += 1;
        match &event.object_ref {
            Some(object) => {
                let subresource = object.subresource.clone();
                // A create names its object in the body, which the authorizer never reads;
                // on a subresource the name is in the URL.
                let name = if event.verb == "create" && subresource.is_empty() {
                    String::new()
                } else {
                    object.name.to_string()
                };
                let request = ResourceRequest {
                    verb: event.verb.to_string(),
                    group: object.api_group.to_string(),
                    resource: object.resource.to_string(),
                    subresource: subresource.to_string(),
                    namespace: object.namespace.to_string(),
                    name,
                };
                let problem = if request.verb.is_empty() {
                    Some("the event has no verb")
                } else if request.resource.is_empty() {
                    Some("the objectRef has no resource")
                } else if request.verb == "*" || request.group == "*" || request.resource == "*" {
                    Some("a rule for it would be a wildcard")
                } else {
                    None
                };
                match problem {
                    Some(reason) => self.skip(request.describe(), reason),
                    None => {
                        self.resource_requests.insert(request);
                    }
                }
            }
            None => {
                let path = url_path(&event.request_uri);
                let problem = if event.verb.is_empty() {
                    Some("the event has no verb")
                } else if !path.starts_with('/') {
                    Some("the request URI is not a path")
                } else if path.ends_with('*') || event.verb == "*" {
                    Some("a rule for it would be a wildcard")
                } else {
                    None
                };
                match problem {
                    Some(reason) => self.skip(format!("{} {path}", event.verb), reason),
                    None => {
                        let discovery_bound = user.in_group(AUTHENTICATED_GROUP)
                            || user.in_group(UNAUTHENTICATED_GROUP);
                        self.url_requests.insert(UrlRequest {
                            verb: event.verb.to_string(),
                            path,
                            discovery_bound,
                        });
                    }
                }
            }
        }
        true
    }

    fn skip(&mut self, request: String, reason: &'static str) {
        self.skipped_total += 1;
        if self.skipped.len() < MAX_SKIPPED_KEPT {
            self.skipped.insert(SkippedRequest { request, reason });
        }
    }

    /// The policy covering every request seen; [`RbacError::NoEvents`] if there was none.
    pub fn finish(self) -> Result<Policy, RbacError> {
        if self.events == 0 {
            return Err(RbacError::NoEvents {
                user: self.username,
                namespace: self.options.namespace,
            });
        }
        let options = &self.options;
        let mut cluster = Grants::default();
        let mut urls: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut namespaced: BTreeMap<String, Grants> = BTreeMap::new();

        let mut url_requests: Vec<UrlRequest> = self.url_requests.into_iter().collect();
        url_requests.sort();
        for request in url_requests {
            if options.omit_discovery
                && request.discovery_bound
                && request.verb == "get"
                && discovery_allows(&request.path)
            {
                continue;
            }
            urls.entry(request.path).or_default().insert(request.verb);
        }

        let mut requests: Vec<ResourceRequest> = self.resource_requests.into_iter().collect();
        requests.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        let seen = Seen::index(&requests, options);
        for request in &requests {
            let resource = request.resource_path();
            let allowed = |grants: &Grants| {
                grants.allows(&request.verb, &request.group, &resource, &request.name)
            };
            if allowed(&cluster)
                || (!request.namespace.is_empty()
                    && namespaced.get(&request.namespace).is_some_and(allowed))
            {
                continue;
            }
            let (others_namespaces, others_names) = seen.others(request, options);
            let namespace = if options.expand_multi_namespace && others_namespaces {
                ""
            } else {
                request.namespace.as_str()
            };
            let name = if options.expand_multi_name && others_names {
                ""
            } else {
                request.name.as_str()
            };
            let grants = if namespace.is_empty() {
                &mut cluster
            } else {
                namespaced.entry(namespace.to_string()).or_default()
            };
            grants.add(&expand_verb(&request.verb), &request.group, &resource, name);
        }

        let name = match &options.name {
            Some(name) => name.clone(),
            None => format!("audit2rbac:{}", sanitize_name(&self.username)),
        };
        let labels: BTreeMap<String, String> = [
            (GENERATED_LABEL.to_string(), "true".to_string()),
            (USER_LABEL.to_string(), sanitize_label(&self.username)),
        ]
        .into();
        let mut policy = Policy {
            subject: self.subject.clone(),
            events: self.events,
            requests: self.requests,
            roles: Vec::new(),
            cluster_roles: Vec::new(),
            role_bindings: Vec::new(),
            cluster_role_bindings: Vec::new(),
            skipped: self.skipped.into_iter().collect(),
            skipped_total: self.skipped_total,
        };
        for (namespace, grants) in namespaced {
            policy.roles.push(Role {
                name: name.clone(),
                namespace: Some(namespace.clone()),
                labels: labels.clone(),
                rules: compact(&grants, &BTreeMap::new()),
            });
            policy.role_bindings.push(Binding {
                name: name.clone(),
                namespace: Some(namespace),
                labels: labels.clone(),
                role_name: name.clone(),
                subject: self.subject.clone(),
            });
        }
        if !cluster.is_empty() || !urls.is_empty() {
            policy.cluster_roles.push(Role {
                name: name.clone(),
                namespace: None,
                labels: labels.clone(),
                rules: compact(&cluster, &urls),
            });
            policy.cluster_role_bindings.push(Binding {
                name: name.clone(),
                namespace: None,
                labels,
                role_name: name,
                subject: self.subject,
            });
        }
        Ok(policy)
    }
}

/// The request path of a request URI: no query or fragment, percent-escapes decoded (as the
/// authorizer sees `req.URL.Path`). A path with a broken escape is kept as written.
fn url_path(uri: &str) -> String {
    let end = uri.find(['?', '#']).unwrap_or(uri.len());
    let raw = &uri[..end];
    if !raw.contains('%') {
        return raw.to_string();
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'%' {
            let hex = |b: u8| (b as char).to_digit(16);
            match (
                bytes.get(at + 1).and_then(|&b| hex(b)),
                bytes.get(at + 2).and_then(|&b| hex(b)),
            ) {
                (Some(high), Some(low)) => {
                    out.push((high * 16 + low) as u8);
                    at += 3;
                    continue;
                }
                _ => return raw.to_string(),
            }
        }
        out.push(bytes[at]);
        at += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| raw.to_string())
}

/// What audit2rbac's stand-in for `system:discovery` allows: `get` on these paths.
fn discovery_allows(path: &str) -> bool {
    path == "/healthz"
        || path == "/version"
        || ["/swagger", "/openapi", "/api"]
            .iter()
            .any(|prefix| path.starts_with(prefix))
}

/// audit2rbac's verb expansions; any other verb stands for itself.
fn expand_verb(verb: &str) -> Vec<&str> {
    match verb {
        "list" | "watch" => vec!["get", "list", "watch"],
        "update" | "patch" => vec!["get", "patch", "update"],
        _ => vec![verb],
    }
}

/// At most two distinct non-empty values: enough to tell whether one other than a given
/// value was seen.
#[derive(Default)]
struct Distinct<'a> {
    first: Option<&'a str>,
    more: bool,
}

impl<'a> Distinct<'a> {
    fn add(&mut self, value: &'a str) {
        match self.first {
            _ if value.is_empty() => {}
            None => self.first = Some(value),
            Some(first) if first != value => self.more = true,
            Some(_) => {}
        }
    }

    fn other_than(&self, value: &str) -> bool {
        self.more || self.first.is_some_and(|first| first != value)
    }
}

/// For each operation (verb, group, resource, subresource, and the namespace or name when that
/// is not being expanded), the namespaces and names it was seen with.
struct Seen<'a> {
    by_operation: HashMap<(&'a str, &'a str, &'a str, &'a str, &'a str, &'a str), Operation<'a>>,
}

#[derive(Default)]
struct Operation<'a> {
    namespaces: Distinct<'a>,
    names: Distinct<'a>,
}

impl<'a> Seen<'a> {
    fn key(
        request: &'a ResourceRequest,
        options: &Options,
    ) -> (&'a str, &'a str, &'a str, &'a str, &'a str, &'a str) {
        (
            &request.verb,
            &request.group,
            &request.resource,
            &request.subresource,
            if options.expand_multi_namespace {
                ""
            } else {
                &request.namespace
            },
            if options.expand_multi_name {
                ""
            } else {
                &request.name
            },
        )
    }

    fn index(requests: &'a [ResourceRequest], options: &Options) -> Self {
        let mut by_operation: HashMap<_, Operation<'a>> = HashMap::new();
        for request in requests {
            let operation = by_operation.entry(Seen::key(request, options)).or_default();
            operation.namespaces.add(&request.namespace);
            operation.names.add(&request.name);
        }
        Seen { by_operation }
    }

    /// Whether the same operation was seen in another namespace, and on another name (only
    /// asked for the request's own scope: audit2rbac looks only when it has a namespace or a
    /// name).
    fn others(&self, request: &'a ResourceRequest, options: &Options) -> (bool, bool) {
        let looks = (!request.namespace.is_empty() && options.expand_multi_namespace)
            || (!request.name.is_empty() && options.expand_multi_name);
        match self.by_operation.get(&Seen::key(request, options)) {
            Some(operation) if looks => (
                operation.namespaces.other_than(&request.namespace),
                operation.names.other_than(&request.name),
            ),
            _ => (false, false),
        }
    }
}

/// Generated resource rules broken down to single group/resource/name, with their verbs.
/// An empty name stands for "any name".
#[derive(Default)]
struct Grants {
    by_group: BTreeMap<String, BTreeMap<String, BTreeMap<String, BTreeSet<String>>>>,
}

impl Grants {
    fn is_empty(&self) -> bool {
        self.by_group.is_empty()
    }

    /// Whether a rule allows the request, as RBAC matches a rule without wildcards: the verb,
    /// group and resource equal, and no names or the requested name among them.
    fn allows(&self, verb: &str, group: &str, resource: &str, name: &str) -> bool {
        let Some(by_name) = self.by_group.get(group).and_then(|r| r.get(resource)) else {
            return false;
        };
        let has = |name: &str| by_name.get(name).is_some_and(|verbs| verbs.contains(verb));
        has("") || (!name.is_empty() && has(name))
    }

    fn add(&mut self, verbs: &[&str], group: &str, resource: &str, name: &str) {
        let set = self
            .by_group
            .entry(group.to_string())
            .or_default()
            .entry(resource.to_string())
            .or_default()
            .entry(name.to_string())
            .or_default();
        set.extend(verbs.iter().map(|verb| verb.to_string()));
    }
}

/// Compacts resource grants and non-resource URLs (path → verbs) into sorted rules.
fn compact(grants: &Grants, urls: &BTreeMap<String, BTreeSet<String>>) -> Vec<PolicyRule> {
    let mut rules = Vec::new();
    for (group, by_resource) in &grants.by_group {
        // (verbs, names) → resources; names first merged over one resource.
        let mut merged: BTreeMap<(Vec<String>, Vec<String>), Vec<String>> = BTreeMap::new();
        for (resource, by_name) in by_resource {
            let mut named: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
            for (name, verbs) in by_name {
                let verbs: Vec<String> = verbs.iter().cloned().collect();
                if name.is_empty() {
                    merged
                        .entry((verbs, Vec::new()))
                        .or_default()
                        .push(resource.clone());
                } else {
                    named.entry(verbs).or_default().push(name.clone());
                }
            }
            for (verbs, names) in named {
                merged
                    .entry((verbs, names))
                    .or_default()
                    .push(resource.clone());
            }
        }
        for ((verbs, resource_names), resources) in merged {
            rules.push(PolicyRule {
                api_groups: vec![group.clone()],
                resources,
                resource_names,
                non_resource_urls: Vec::new(),
                verbs,
            });
        }
    }
    let mut by_verbs: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
    for (path, verbs) in urls {
        by_verbs
            .entry(verbs.iter().cloned().collect())
            .or_default()
            .push(path.clone());
    }
    for (verbs, non_resource_urls) in by_verbs {
        rules.push(PolicyRule {
            non_resource_urls,
            verbs,
            ..PolicyRule::default()
        });
    }
    // audit2rbac's order: by API group (the core group and non-resource rules both sort as
    // ""), resource rules before non-resource ones, then field by field.
    rules.sort_by(|a, b| {
        let key = |rule: &PolicyRule| (rule.api_groups.join(","), !rule.resources.is_empty());
        let (a_groups, a_resource) = key(a);
        let (b_groups, b_resource) = key(b);
        a_groups
            .cmp(&b_groups)
            .then(b_resource.cmp(&a_resource))
            .then_with(|| a.cmp(b))
    });
    rules
}

/// audit2rbac's object names: characters other than ASCII letters, digits and `:` become `-`,
/// then lower case.
fn sanitize_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ':' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// audit2rbac's label values (letters and digits kept, the rest `-`, lower case), made a valid
/// label value: at most 63 characters, starting and ending with a letter or digit.
fn sanitize_label(text: &str) -> String {
    let value: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let value = value.trim_matches('-');
    value[..value.len().min(63)]
        .trim_end_matches('-')
        .to_string()
}

fn labels_json(labels: &BTreeMap<String, String>) -> Value {
    Value::Object(
        labels
            .iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect::<Map<String, Value>>(),
    )
}

fn metadata_json(name: &str, namespace: Option<&str>, labels: &BTreeMap<String, String>) -> Value {
    let mut metadata = Map::new();
    if !labels.is_empty() {
        metadata.insert("labels".into(), labels_json(labels));
    }
    metadata.insert("name".into(), json!(name));
    if let Some(namespace) = namespace {
        metadata.insert("namespace".into(), json!(namespace));
    }
    Value::Object(metadata)
}

fn rule_fields(rule: &PolicyRule) -> [(&'static str, &[String]); 5] {
    [
        ("apiGroups", &rule.api_groups),
        ("nonResourceURLs", &rule.non_resource_urls),
        ("resourceNames", &rule.resource_names),
        ("resources", &rule.resources),
        ("verbs", &rule.verbs),
    ]
}

fn role_json(role: &Role) -> Value {
    let rules: Vec<Value> = role
        .rules
        .iter()
        .map(|rule| {
            let mut fields = Map::new();
            for (key, values) in rule_fields(rule) {
                // An empty apiGroups list means the rule is a non-resource one.
                if !values.is_empty() {
                    fields.insert(key.into(), json!(values));
                }
            }
            Value::Object(fields)
        })
        .collect();
    json!({
        "apiVersion": RBAC_API_VERSION,
        "kind": role.kind(),
        "metadata": metadata_json(&role.name, role.namespace.as_deref(), &role.labels),
        "rules": rules,
    })
}

fn subject_json(subject: &Subject) -> Value {
    match subject {
        Subject::User(name) => json!({"apiGroup": RBAC_GROUP, "kind": "User", "name": name}),
        Subject::ServiceAccount { namespace, name } => {
            json!({"kind": "ServiceAccount", "name": name, "namespace": namespace})
        }
    }
}

fn binding_json(binding: &Binding) -> Value {
    json!({
        "apiVersion": RBAC_API_VERSION,
        "kind": binding.kind(),
        "metadata": metadata_json(&binding.name, binding.namespace.as_deref(), &binding.labels),
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": binding.role_kind(), "name": binding.role_name},
        "subjects": [subject_json(&binding.subject)],
    })
}

// The YAML writer: block style, keys in the order kubectl prints them, sequences at the
// indentation of their key (as kubectl and audit2rbac write them).

fn write_metadata(
    out: &mut String,
    name: &str,
    namespace: Option<&str>,
    labels: &BTreeMap<String, String>,
) {
    out.push_str("metadata:\n");
    if !labels.is_empty() {
        out.push_str("  labels:\n");
        for (key, value) in labels {
            out.push_str("    ");
            write_scalar(out, key);
            out.push_str(": ");
            write_scalar(out, value);
            out.push('\n');
        }
    }
    write_field(out, "  ", "name", name);
    if let Some(namespace) = namespace {
        write_field(out, "  ", "namespace", namespace);
    }
}

fn write_field(out: &mut String, indent: &str, key: &str, value: &str) {
    out.push_str(indent);
    out.push_str(key);
    out.push_str(": ");
    write_scalar(out, value);
    out.push('\n');
}

fn write_role(out: &mut String, role: &Role) {
    write_field(out, "", "apiVersion", RBAC_API_VERSION);
    write_field(out, "", "kind", role.kind());
    write_metadata(out, &role.name, role.namespace.as_deref(), &role.labels);
    if role.rules.is_empty() {
        out.push_str("rules: []\n");
        return;
    }
    out.push_str("rules:\n");
    for rule in &role.rules {
        let mut first = true;
        for (key, values) in rule_fields(rule) {
            if values.is_empty() {
                continue;
            }
            out.push_str(if first { "- " } else { "  " });
            first = false;
            out.push_str(key);
            out.push_str(":\n");
            for value in values {
                out.push_str("  - ");
                write_scalar(out, value);
                out.push('\n');
            }
        }
    }
}

fn write_binding(out: &mut String, binding: &Binding) {
    write_field(out, "", "apiVersion", RBAC_API_VERSION);
    write_field(out, "", "kind", binding.kind());
    write_metadata(
        out,
        &binding.name,
        binding.namespace.as_deref(),
        &binding.labels,
    );
    out.push_str("roleRef:\n");
    write_field(out, "  ", "apiGroup", RBAC_GROUP);
    write_field(out, "  ", "kind", binding.role_kind());
    write_field(out, "  ", "name", &binding.role_name);
    out.push_str("subjects:\n");
    match &binding.subject {
        Subject::User(name) => {
            write_field(out, "- ", "apiGroup", RBAC_GROUP);
            write_field(out, "  ", "kind", "User");
            write_field(out, "  ", "name", name);
        }
        Subject::ServiceAccount { namespace, name } => {
            write_field(out, "- ", "kind", "ServiceAccount");
            write_field(out, "  ", "name", name);
            write_field(out, "  ", "namespace", namespace);
        }
    }
}

/// Writes a string as a plain scalar when every YAML reader (1.1 or 1.2, kubectl's included)
/// reads it back as that same string, otherwise double-quoted with escapes.
fn write_scalar(out: &mut String, text: &str) {
    if is_plain_safe(text) {
        out.push_str(text);
        return;
    }
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Not printable in YAML, or a line break to YAML 1.1 (NEL, LS, PS), or a BOM.
            '\0'..='\x1f'
            | '\x7f'..='\u{9f}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{feff}'
            | '\u{fffe}'
            | '\u{ffff}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Conservative: ASCII letters, digits and `-._/:` only, starting with a letter or `/`, not
/// ending with `:`, and not one of the words YAML 1.1 reads as a boolean or null. Everything
/// else (numbers, dates, `*`, leading `-`, spaces, unicode) is quoted.
fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == '/') || text.ends_with(':') {
        return false;
    }
    if !text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | ':'))
    {
        return false;
    }
    const SPECIAL: [&str; 11] = [
        "y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf",
    ];
    !SPECIAL.iter().any(|word| text.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::decode_event;
    use std::time::{Duration, Instant};

    /// An event as JSON: `user` makes the request, `extra` adds fields (`"objectRef": {…}`).
    fn event(audit_id: &str, user: &str, verb: &str, extra: &str) -> Event<'static> {
        let json = format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{audit_id}","stage":"ResponseComplete","verb":"{verb}","user":{{"username":"{user}","groups":["system:authenticated"]}}{extra}}}"#
        );
        decode_event(json.as_bytes())
            .unwrap_or_else(|e| panic!("{json}: {e}"))
            .into_owned()
    }

    fn object(
        namespace: &str,
        resource: &str,
        subresource: &str,
        name: &str,
        group: &str,
    ) -> String {
        format!(
            r#","objectRef":{{"namespace":"{namespace}","resource":"{resource}","subresource":"{subresource}","name":"{name}","apiGroup":"{group}","apiVersion":"v1"}}"#
        )
    }

    fn url(uri: &str) -> String {
        format!(r#","requestURI":"{uri}""#)
    }

    fn run(events: &[Event], subject: &Subject, options: &Options) -> Policy {
        generate(events, subject, options).unwrap_or_else(|e| panic!("{e}"))
    }

    fn alice() -> Subject {
        Subject::User("alice".into())
    }

    fn rule(groups: &[&str], resources: &[&str], names: &[&str], verbs: &[&str]) -> PolicyRule {
        let own = |items: &[&str]| items.iter().map(|s| s.to_string()).collect();
        PolicyRule {
            api_groups: own(groups),
            resources: own(resources),
            resource_names: own(names),
            non_resource_urls: Vec::new(),
            verbs: own(verbs),
        }
    }

    /// Parses the YAML back with palisade's loader: it must be valid and hold exactly the
    /// objects of `to_json`.
    fn round_trip(policy: &Policy) -> Vec<Value> {
        let yaml = policy.to_yaml();
        let documents = palisade_load::parse_documents("rbac.yaml", &yaml)
            .unwrap_or_else(|e| panic!("invalid YAML ({e}):\n{yaml}"));
        let parsed: Vec<Value> = documents.iter().map(|d| d.to_json()).collect();
        assert_eq!(parsed, policy.to_json(), "{yaml}");
        parsed
    }

    #[test]
    fn dedupe_by_audit_id_across_stages() {
        let list = object("ns1", "pods", "", "", "");
        let mut received = event("a1", "alice", "list", &list);
        received.stage = crate::event::Stage::RequestReceived;
        let complete = event("a1", "alice", "list", &list);
        let other = event("a2", "alice", "list", &list);
        let policy = run(&[received, complete, other], &alice(), &Options::default());
        assert_eq!((policy.events, policy.requests), (3, 2));
        // Events without an auditID cannot be matched up: each is a request.
        let anonymous = [
            event("", "alice", "list", &list),
            event("", "alice", "list", &list),
        ];
        let policy = run(&anonymous, &alice(), &Options::default());
        assert_eq!((policy.events, policy.requests), (2, 2));
        // The rules do not depend on how many times a request was seen.
        assert_eq!(
            policy.roles[0].rules,
            [rule(&[""], &["pods"], &[], &["get", "list", "watch"])]
        );
        round_trip(&policy);
    }

    #[test]
    fn only_the_subject_counts_allowed_and_denied() {
        let denied = format!(
            r#"{}{}"#,
            object("ns1", "secrets", "", "", ""),
            r#","responseStatus":{"code":403,"reason":"Forbidden"}"#
        );
        let events = [
            event("1", "alice", "list", &denied),
            event("2", "bob", "delete", &object("ns1", "pods", "", "p", "")),
        ];
        let policy = run(&events, &alice(), &Options::default());
        assert_eq!(policy.requests, 1);
        assert_eq!(policy.roles.len(), 1);
        assert_eq!(
            policy.roles[0].rules,
            [rule(&[""], &["secrets"], &[], &["get", "list", "watch"])]
        );
    }

    #[test]
    fn subresources_and_resource_names() {
        let events = [
            // One named object: resourceNames. Reads are not widened.
            event(
                "1",
                "alice",
                "get",
                &object("ns1", "pods", "log", "web-1", ""),
            ),
            // update widens to get, patch, update on that object.
            event(
                "2",
                "alice",
                "update",
                &object("ns1", "deployments", "scale", "web", "apps"),
            ),
            event(
                "3",
                "alice",
                "delete",
                &object("ns1", "configmaps", "", "lock", ""),
            ),
            // A create's name is in the body: the rule cannot name it.
            event(
                "4",
                "alice",
                "create",
                &object("ns1", "configmaps", "", "new", ""),
            ),
            // A create on a subresource is named in the URL: it can.
            event(
                "5",
                "alice",
                "create",
                &object("ns1", "pods", "exec", "web-1", ""),
            ),
        ];
        let policy = run(&events, &alice(), &Options::default());
        assert!(policy.cluster_roles.is_empty());
        assert_eq!(
            policy.roles[0].rules,
            [
                rule(&[""], &["configmaps"], &[], &["create"]),
                rule(&[""], &["configmaps"], &["lock"], &["delete"]),
                rule(&[""], &["pods/exec"], &["web-1"], &["create"]),
                rule(&[""], &["pods/log"], &["web-1"], &["get"]),
                rule(
                    &["apps"],
                    &["deployments/scale"],
                    &["web"],
                    &["get", "patch", "update"]
                ),
            ]
        );
        let yaml = policy.to_yaml();
        assert!(yaml.contains("  resources:\n  - pods/log\n"), "{yaml}");
        round_trip(&policy);
    }

    #[test]
    fn several_names_expand_unless_told_not_to() {
        let events = [
            event("1", "alice", "get", &object("ns1", "secrets", "", "a", "")),
            event("2", "alice", "get", &object("ns1", "secrets", "", "b", "")),
            event(
                "3",
                "alice",
                "get",
                &object("ns1", "configmaps", "", "c", ""),
            ),
        ];
        let policy = run(&events, &alice(), &Options::default());
        assert_eq!(
            policy.roles[0].rules,
            [
                rule(&[""], &["configmaps"], &["c"], &["get"]),
                rule(&[""], &["secrets"], &[], &["get"]),
            ]
        );
        let exact = Options {
            expand_multi_name: false,
            ..Options::default()
        };
        let policy = run(&events, &alice(), &exact);
        assert_eq!(
            policy.roles[0].rules,
            [
                rule(&[""], &["configmaps"], &["c"], &["get"]),
                rule(&[""], &["secrets"], &["a", "b"], &["get"]),
            ]
        );
    }

    #[test]
    fn several_namespaces_expand_to_a_cluster_role() {
        let events = [
            event("1", "alice", "watch", &object("ns1", "pods", "", "", "")),
            event("2", "alice", "watch", &object("ns2", "pods", "", "", "")),
            event("3", "alice", "get", &object("ns2", "pods", "", "p", "")),
            event("4", "alice", "list", &object("ns3", "services", "", "", "")),
        ];
        let policy = run(&events, &alice(), &Options::default());
        // watch in two namespaces: everywhere; the get of one pod is then already allowed.
        assert_eq!(
            policy.cluster_roles[0].rules,
            [rule(&[""], &["pods"], &[], &["get", "list", "watch"])]
        );
        assert_eq!(policy.roles.len(), 1);
        assert_eq!(policy.roles[0].namespace.as_deref(), Some("ns3"));
        let per_namespace = Options {
            expand_multi_namespace: false,
            ..Options::default()
        };
        let policy = run(&events, &alice(), &per_namespace);
        assert!(policy.cluster_roles.is_empty());
        let namespaces: Vec<_> = policy
            .roles
            .iter()
            .map(|r| r.namespace.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(namespaces, ["ns1", "ns2", "ns3"]);
        let bindings: Vec<_> = policy
            .role_bindings
            .iter()
            .map(|b| b.namespace.as_deref().unwrap_or_default())
            .collect();
        assert_eq!(bindings, namespaces);
        round_trip(&policy);
    }

    #[test]
    fn namespace_filter() {
        let events = [
            event("1", "alice", "list", &object("ns1", "pods", "", "", "")),
            event("2", "alice", "list", &object("ns2", "pods", "", "", "")),
            event("3", "alice", "get", &url("/metrics")),
        ];
        let only_ns2 = Options {
            namespace: Some("ns2".into()),
            ..Options::default()
        };
        let policy = run(&events, &alice(), &only_ns2);
        assert_eq!(policy.requests, 1);
        assert_eq!(policy.roles[0].namespace.as_deref(), Some("ns2"));
        assert!(policy.cluster_roles.is_empty());
        let missing = Options {
            namespace: Some("ns9".into()),
            ..Options::default()
        };
        let error = generate(&events, &alice(), &missing).unwrap_err();
        assert_eq!(
            error.to_string(),
            "no audit events matched user alice in namespace ns9"
        );
    }

    #[test]
    fn non_resource_urls() {
        let events = [
            event("1", "alice", "get", &url("/metrics?format=text")),
            event("2", "alice", "get", &url("/logs/kube-apiserver.log")),
            event("3", "alice", "post", &url("/logs/kube-apiserver.log")),
            // Discovery is allowed to every authenticated user already.
            event("4", "alice", "get", &url("/apis/apps/v1")),
            event("5", "alice", "get", &url("/healthz")),
            event("6", "alice", "get", &url("/with%20space")),
        ];
        let policy = run(&events, &alice(), &Options::default());
        assert!(policy.roles.is_empty());
        let ours = &policy.cluster_roles[0];
        assert_eq!(ours.kind(), "ClusterRole");
        assert_eq!(
            ours.rules,
            [
                PolicyRule {
                    non_resource_urls: vec!["/logs/kube-apiserver.log".into()],
                    verbs: vec!["get".into(), "post".into()],
                    ..PolicyRule::default()
                },
                PolicyRule {
                    non_resource_urls: vec!["/metrics".into(), "/with space".into()],
                    verbs: vec!["get".into()],
                    ..PolicyRule::default()
                },
            ]
        );
        let parsed = round_trip(&policy);
        assert_eq!(
            parsed[0]["rules"][1]["nonResourceURLs"],
            json!(["/metrics", "/with space"])
        );
        assert!(parsed[0]["rules"][1].get("apiGroups").is_none());
        let with_discovery = Options {
            omit_discovery: false,
            ..Options::default()
        };
        let policy = run(&events, &alice(), &with_discovery);
        let urls: Vec<&str> = policy.cluster_roles[0]
            .rules
            .iter()
            .flat_map(|r| &r.non_resource_urls)
            .map(String::as_str)
            .collect();
        assert!(urls.contains(&"/apis/apps/v1") && urls.contains(&"/healthz"));
    }

    #[test]
    fn discovery_needs_the_authenticated_group() {
        let json = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x","verb":"get","requestURI":"/api","user":{"username":"alice"}}"#;
        let Ok(no_groups) = decode_event(json.as_bytes()) else {
            panic!("decode")
        };
        let policy = run(&[no_groups], &alice(), &Options::default());
        assert_eq!(policy.cluster_roles[0].rules[0].non_resource_urls, ["/api"]);
    }

    #[test]
    fn impersonation_counts_for_the_impersonated_user() {
        let impersonated = format!(
            r#"{},"impersonatedUser":{{"username":"bob","groups":["system:authenticated"]}}"#,
            object("default", "pods", "", "", "")
        );
        let events = [
            event("1", "system:admin", "list", &impersonated),
            event(
                "2",
                "bob",
                "get",
                &object("default", "configmaps", "", "c", ""),
            ),
            event(
                "3",
                "system:admin",
                "delete",
                &object("", "nodes", "", "n", ""),
            ),
        ];
        let bob = run(&events, &Subject::User("bob".into()), &Options::default());
        assert_eq!(bob.requests, 2);
        assert_eq!(
            bob.roles[0].rules,
            [
                rule(&[""], &["configmaps"], &["c"], &["get"]),
                rule(&[""], &["pods"], &[], &["get", "list", "watch"]),
            ]
        );
        let admin = run(
            &events,
            &Subject::User("system:admin".into()),
            &Options::default(),
        );
        assert_eq!(admin.requests, 1);
        assert_eq!(
            admin.cluster_roles[0].rules,
            [rule(&[""], &["nodes"], &["n"], &["delete"])]
        );
    }

    #[test]
    fn unknown_subject_is_an_error() {
        let events = [event(
            "1",
            "alice",
            "list",
            &object("ns1", "pods", "", "", ""),
        )];
        let error = generate(
            &events,
            &Subject::User("mallory".into()),
            &Options::default(),
        )
        .unwrap_err();
        assert_eq!(
            error,
            RbacError::NoEvents {
                user: "mallory".into(),
                namespace: None
            }
        );
        assert_eq!(error.to_string(), "no audit events matched user mallory");
        let none: [Event; 0] = [];
        let sa = Subject::service_account("ns1:sa1").unwrap();
        assert_eq!(
            generate(none.iter(), &sa, &Options::default())
                .unwrap_err()
                .to_string(),
            "no audit events matched user system:serviceaccount:ns1:sa1"
        );
    }

    #[test]
    fn subjects() {
        assert_eq!(
            Subject::service_account("ns1:sa1"),
            Ok(Subject::ServiceAccount {
                namespace: "ns1".into(),
                name: "sa1".into()
            })
        );
        for bad in ["", "ns1", ":sa1", "ns1:", "a:b:c"] {
            assert_eq!(
                Subject::service_account(bad),
                Err(RbacError::InvalidServiceAccount(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(Subject::user(""), Err(RbacError::EmptyUser));
        // A service account's user name binds as the service account.
        assert_eq!(
            Subject::user("system:serviceaccount:ns1:sa1"),
            Subject::service_account("ns1:sa1")
        );
        assert_eq!(
            Subject::user("alice@example.com"),
            Ok(Subject::User("alice@example.com".into()))
        );
    }

    #[test]
    fn wildcards_are_not_granted() {
        let events = [
            event("1", "alice", "get", &object("ns1", "*", "", "", "")),
            event("2", "alice", "*", &object("ns1", "pods", "", "", "")),
            event("3", "alice", "get", &url("/metrics*")),
            event("4", "alice", "", &object("ns1", "pods", "", "", "")),
            event("5", "alice", "get", &object("ns1", "", "", "", "")),
            event("6", "alice", "get", &object("ns1", "secrets", "", "*", "")),
        ];
        let policy = run(&events, &alice(), &Options::default());
        assert_eq!(policy.skipped_total, 5);
        let reasons: Vec<&str> = policy.skipped.iter().map(|s| s.reason).collect();
        assert!(reasons.contains(&"a rule for it would be a wildcard"));
        assert!(reasons.contains(&"the event has no verb"));
        assert!(reasons.contains(&"the objectRef has no resource"));
        // resourceNames have no wildcard: `*` there is a name like any other.
        assert_eq!(
            policy.roles[0].rules,
            [rule(&[""], &["secrets"], &["*"], &["get"])]
        );
        round_trip(&policy);
    }

    #[test]
    fn names_that_need_quoting_round_trip() {
        let tricky = [
            "yes",
            "No",
            "true",
            "null",
            "~",
            "*",
            ":",
            "a:",
            "-x",
            "- x",
            "#x",
            "x #y",
            "&a",
            "!tag",
            "%p",
            "@x",
            "`x",
            "123",
            "1.5",
            "0x1F",
            "1e3",
            "2001-12-14",
            ".inf",
            "",
            " lead",
            "trail ",
            "a\"b",
            "a\\b",
            "ünï",
            "名前",
            "tab\there",
            "line\nbreak",
            "\u{85}",
            "\u{2028}",
            "\u{feff}x",
            "\u{1}",
            "{x}",
            "[x]",
            "x,y",
            "'q'",
            "|",
            ">",
            "?",
            "=",
            "<<",
        ];
        let mut events = Vec::new();
        for (i, name) in tricky.iter().enumerate() {
            let mut e = event(
                &i.to_string(),
                "yes",
                "get",
                &object("ns", "pods", "", "p", ""),
            );
            if let Some(o) = e.object_ref.as_mut() {
                o.name = Text::from(*name);
                o.namespace = format!("{name}-ns").into();
                o.resource = format!("{name}r").into();
            }
            events.push(e);
            let mut u = event(&format!("u{i}"), "yes", "get", "");
            u.request_uri = format!("/p/{name}").into();
            events.push(u);
        }
        let user = Subject::User("yes".into());
        let exact = Options {
            expand_multi_name: false,
            expand_multi_namespace: false,
            omit_discovery: false,
            ..Options::default()
        };
        let policy = run(&events, &user, &exact);
        let parsed = round_trip(&policy);
        // Spot checks on the parsed text: strings stay strings.
        let names: Vec<&Value> = parsed
            .iter()
            .filter(|o| o["kind"] == "Role")
            .map(|o| &o["rules"][0]["resourceNames"][0])
            .collect();
        assert!(names.contains(&&json!("yes")));
        assert!(names.contains(&&json!("123")));
        assert!(names.contains(&&json!("名前")));
        assert!(
            parsed
                .iter()
                .any(|o| o["subjects"][0]["name"] == json!("yes"))
        );
        let yaml = policy.to_yaml();
        assert!(yaml.contains("  name: \"yes\"\n"), "{yaml}");
        assert!(yaml.contains("  - \"*\"\n"), "{yaml}");
        assert!(yaml.contains("  - \"-x\"\n"), "{yaml}");
        assert!(yaml.contains("  - \":\"\n"), "{yaml}");
        for (text, plain) in [
            ("audit2rbac:alice", true),
            ("rbac.authorization.k8s.io/v1", true),
            ("/apis/apps/v1", true),
            ("system:serviceaccount:ns1:sa1", true),
            ("pods/log", true),
            ("true", false),
            ("Y", false),
            ("", false),
            ("9lives", false),
        ] {
            assert_eq!(is_plain_safe(text), plain, "{text}");
        }
    }

    #[test]
    fn hostile_many_distinct_resources_stay_fast() {
        const COUNT: usize = 50_000;
        let mut events = Vec::with_capacity(COUNT * 2);
        let template = event("", "alice", "get", &object("ns0", "r", "", "n", "g"));
        for i in 0..COUNT {
            let mut e = template.clone();
            e.audit_id = format!("id{i}").into();
            if let Some(o) = e.object_ref.as_mut() {
                o.resource = format!("r{i}").into();
                o.namespace = format!("ns{}", i % 7).into();
                o.name = format!("n{}", i % 3).into();
            }
            events.push(e);
        }
        // Each resource is used once, in one of 7 namespaces on one of 3 names: nothing
        // expands, and compaction must merge the resources of identical names and verbs.
        let started = Instant::now();
        let policy = run(&events, &alice(), &Options::default());
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
        assert_eq!(policy.requests, COUNT);
        let rules: usize = policy.roles.iter().map(|r| r.rules.len()).sum();
        // Per namespace: one rule per name (resources merged over identical names and verbs).
        assert_eq!(policy.roles.len(), 7);
        assert_eq!(rules, 7 * 3);
        let resources: usize = policy
            .roles
            .iter()
            .flat_map(|r| &r.rules)
            .map(|r| r.resources.len())
            .sum();
        assert_eq!(resources, COUNT);
        let started = Instant::now();
        let yaml = policy.to_yaml();
        assert!(started.elapsed() < Duration::from_secs(10));
        assert!(yaml.len() > COUNT * 6);

        // One resource on many names in many namespaces: expansion (quadratic in audit2rbac)
        // makes it one cluster-wide rule.
        for (i, e) in events.iter_mut().enumerate() {
            if let Some(o) = e.object_ref.as_mut() {
                o.resource = "pods".into();
                o.namespace = format!("ns{}", i % 1000).into();
                o.name = format!("pod{i}").into();
            }
        }
        let started = Instant::now();
        let policy = run(&events, &alice(), &Options::default());
        assert!(started.elapsed() < Duration::from_secs(20));
        assert!(policy.roles.is_empty());
        assert_eq!(
            policy.cluster_roles[0].rules,
            [rule(&["g"], &["pods"], &[], &["get"])]
        );
    }

    #[test]
    fn names_and_labels() {
        assert_eq!(sanitize_name("alice"), "alice");
        assert_eq!(
            sanitize_name("system:serviceaccount:ns1:sa1"),
            "system:serviceaccount:ns1:sa1"
        );
        assert_eq!(sanitize_name("Alice@Example.com"), "alice-example-com");
        assert_eq!(sanitize_name("jürgen"), "j-rgen");
        assert_eq!(
            sanitize_label("system:serviceaccount:ns1:sa1"),
            "system-serviceaccount-ns1-sa1"
        );
        assert_eq!(sanitize_label("-x@"), "x");
        let long = "a".repeat(62) + "-b";
        assert_eq!(sanitize_label(&long), "a".repeat(62));
        assert_eq!(url_path("/a%2Fb?x=%zz"), "/a/b");
        assert_eq!(url_path("/a%zz"), "/a%zz");
        assert_eq!(url_path("/a%ff"), "/a%ff");
        let custom = Options {
            name: Some("reader".into()),
            ..Options::default()
        };
        let events = [event(
            "1",
            "alice",
            "list",
            &object("ns1", "pods", "", "", ""),
        )];
        let policy = run(&events, &alice(), &custom);
        assert_eq!(policy.roles[0].name, "reader");
        assert_eq!(policy.role_bindings[0].role_name, "reader");
    }
}
