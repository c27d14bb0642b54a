//! The Kubernetes audit `Event` (`audit.k8s.io/v1`, `v1beta1`, also `v1alpha1` and events that
//! carry no `apiVersion` at all, as Falco's recordings do), decoded from JSON.
//!
//! Decoding follows the API server's own (non-strict) decoder where real logs differ from the
//! schema: unknown fields are ignored (Panther adds `p_*` fields), missing fields and `null`
//! take their zero value. It is strict where a value has the wrong type (`"kind": 0`,
//! `"groups": "a"`): that is an error with the position and the path of the field, because
//! guessing would make a detection judge something the log does not say.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

mod quick;

/// The annotation the authorizer leaves on every event: `allow` or `forbid`.
pub const DECISION_ANNOTATION: &str = "authorization.k8s.io/decision";
/// The annotation with the authorizer's reason (for RBAC, the binding that allowed it).
pub const REASON_ANNOTATION: &str = "authorization.k8s.io/reason";
/// The prefix of Pod Security admission's annotations (`enforce-policy`, `audit-violations`…).
pub const POD_SECURITY_PREFIX: &str = "pod-security.kubernetes.io/";

/// The audit API group; the versions are `v1`, `v1beta1` and `v1alpha1`.
pub const AUDIT_GROUP: &str = "audit.k8s.io";

/// Which schema an event declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AuditVersion {
    V1,
    V1Beta1,
    /// Removed from the API server in 1.12; decoded as v1 (the fields palisade reads agree).
    V1Alpha1,
    /// No `apiVersion` in the event (Falco's test recordings, some log shippers).
    Unspecified,
}

/// How far the request had got when the event was written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Stage {
    RequestReceived,
    /// Only for long-running requests (watch, exec, attach, port-forward): headers were sent.
    ResponseStarted,
    ResponseComplete,
    Panic,
    /// A stage this version of palisade does not know, kept as written.
    Other(String),
    /// Missing or empty.
    #[default]
    Unspecified,
}

/// How much the audit policy recorded.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Level {
    /// The policy level `None` (such events are normally not written at all).
    None,
    Metadata,
    /// Metadata and the request body (`requestObject`).
    Request,
    /// Metadata, request and response bodies.
    RequestResponse,
    Other(String),
    #[default]
    Unspecified,
}

/// Wire values of a string enum; unknown ones are kept, not refused, because newer API
/// servers may add stages or levels and the rest of the event is still worth reading.
trait WireEnum: Sized + Default {
    const EXPECTING: &'static str;
    fn from_wire(text: &str) -> Self;
}

impl WireEnum for Stage {
    const EXPECTING: &'static str = "an audit stage (a string)";
    fn from_wire(text: &str) -> Self {
        match text {
            "RequestReceived" => Stage::RequestReceived,
            "ResponseStarted" => Stage::ResponseStarted,
            "ResponseComplete" => Stage::ResponseComplete,
            "Panic" => Stage::Panic,
            "" => Stage::Unspecified,
            other => Stage::Other(other.to_string()),
        }
    }
}

impl WireEnum for Level {
    const EXPECTING: &'static str = "an audit level (a string)";
    fn from_wire(text: &str) -> Self {
        match text {
            "None" => Level::None,
            "Metadata" => Level::Metadata,
            "Request" => Level::Request,
            "RequestResponse" => Level::RequestResponse,
            "" => Level::Unspecified,
            other => Level::Other(other.to_string()),
        }
    }
}

impl Stage {
    pub fn as_str(&self) -> &str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
            Stage::Other(text) => text,
            Stage::Unspecified => "",
        }
    }
}

impl Level {
    pub fn as_str(&self) -> &str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
            Level::Other(text) => text,
            Level::Unspecified => "",
        }
    }
}

struct WireVisitor<T>(PhantomData<T>);

impl<'de, T: WireEnum> Visitor<'de> for WireVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        Ok(T::from_wire(text))
    }

    fn visit_none<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Deserialize<'de> for Stage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(WireVisitor(PhantomData))
    }
}

impl<'de> Deserialize<'de> for Level {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_option(WireVisitor(PhantomData))
    }
}

/// A string of an event. A decoded event borrows its strings from the text it was decoded
/// from (a string with JSON escapes is the exception: it is unescaped into an allocation of its
/// own); allocating and freeing a dozen strings per event was most of the reading time. An
/// event that outlives its text ([`Event::into_owned`]) allocates them, except the values that
/// recur in every log (verbs, resources, API groups, well-known groups and namespaces,
/// annotation keys), which point at a static copy. It reads as a `str` (`Deref`, `==`,
/// `Borrow<str>` for map lookups, `Display`).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text<'a>(Cow<'a, str>);

impl<'a> Text<'a> {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A text that borrows `text`.
    pub fn borrowed(text: &'a str) -> Self {
        Text(Cow::Borrowed(text))
    }

    /// Whether the text is borrowed (from the decoded text, or a static copy) rather than an
    /// allocation of its own.
    pub fn is_borrowed(&self) -> bool {
        matches!(self.0, Cow::Borrowed(_))
    }

    /// The text without the borrow: a static copy for a recurring value, else an allocation.
    pub fn into_owned(self) -> Text<'static> {
        match self.0 {
            Cow::Borrowed(text) => Text::from(text),
            Cow::Owned(text) => Text(Cow::Owned(text)),
        }
    }
}

impl From<&str> for Text<'static> {
    fn from(text: &str) -> Self {
        match well_known(text) {
            Some(known) => Text(Cow::Borrowed(known)),
            None => Text(Cow::Owned(text.to_string())),
        }
    }
}

impl From<String> for Text<'static> {
    fn from(text: String) -> Self {
        match well_known(&text) {
            Some(known) => Text(Cow::Borrowed(known)),
            None => Text(Cow::Owned(text)),
        }
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text<'_> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for Text<'_> {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Text<'_> {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<String> for Text<'_> {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<&str> for Text<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<Text<'_>> for str {
    fn eq(&self, other: &Text<'_>) -> bool {
        *self == *other.0
    }
}

impl PartialEq<Text<'_>> for &str {
    fn eq(&self, other: &Text<'_>) -> bool {
        **self == *other.0
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text::borrowed(text))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text::from(text))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text::from(text))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// The strings that recur in audit logs (kinds and versions, verbs, groups of users,
/// namespaces, resources, API groups, subresources, annotation keys, response reasons), as
/// static copies. Grouped by length so that a lookup compares a few strings of the same
/// length, not all of them.
fn well_known(text: &str) -> Option<&'static str> {
    let candidates: &[&'static str] = match text.len() {
        0 => &[""],
        2 => &["v1"],
        3 => &["get", "log"],
        4 => &["list", "pods", "jobs", "apps", "exec"],
        5 => &[
            "Event", "watch", "patch", "nodes", "roles", "batch", "proxy", "token", "scale",
            "allow",
        ],
        6 => &[
            "create", "update", "delete", "events", "leases", "policy", "status", "attach",
            "forbid",
        ],
        7 => &[
            "v1beta1", "default", "secrets", "binding", "Success", "Failure", "Invalid",
        ],
        8 => &[
            "services", "cronjobs", "csinodes", "eviction", "finalize", "NotFound", "Conflict",
        ],
        9 => &["endpoints", "ingresses", "Forbidden"],
        10 => &["configmaps", "namespaces", "daemonsets"],
        11 => &[
            "kube-system",
            "kube-public",
            "deployments",
            "replicasets",
            "autoscaling",
            "portforward",
        ],
        12 => &[
            "system:nodes",
            "statefulsets",
            "rolebindings",
            "clusterroles",
            "tokenreviews",
            "Unauthorized",
        ],
        13 => &["events.k8s.io", "AlreadyExists"],
        14 => &[
            "system:masters",
            "endpointslices",
            "storageclasses",
            "storage.k8s.io",
            "metrics.k8s.io",
        ],
        15 => &[
            "audit.k8s.io/v1",
            "kube-node-lease",
            "serviceaccounts",
            "networkpolicies",
            "priorityclasses",
        ],
        16 => &["deletecollection", "discovery.k8s.io"],
        17 => &[
            "system:monitoring",
            "persistentvolumes",
            "volumeattachments",
            "networking.k8s.io",
            "scheduling.k8s.io",
        ],
        19 => &[
            "controllerrevisions",
            "clusterrolebindings",
            "coordination.k8s.io",
            "certificates.k8s.io",
            "ephemeralcontainers",
        ],
        20 => &[
            "audit.k8s.io/v1beta1",
            "system:authenticated",
            "subjectaccessreviews",
            "poddisruptionbudgets",
            "authorization.k8s.io",
            "apiextensions.k8s.io",
        ],
        21 => &["authentication.k8s.io"],
        22 => &[
            "system:unauthenticated",
            "system:serviceaccounts",
            "persistentvolumeclaims",
        ],
        24 => &["selfsubjectaccessreviews", "horizontalpodautoscalers"],
        25 => &["customresourcedefinitions", "rbac.authorization.k8s.io"],
        26 => &["certificatesigningrequests"],
        27 => &[REASON_ANNOTATION],
        28 => &["admissionregistration.k8s.io"],
        29 => &["mutatingwebhookconfigurations", DECISION_ANNOTATION],
        31 => &["validatingwebhookconfigurations"],
        33 => &["pod-security.kubernetes.io/exempt"],
        34 => &["system:serviceaccounts:kube-system"],
        41 => &["pod-security.kubernetes.io/enforce-policy"],
        43 => &["pod-security.kubernetes.io/audit-violations"],
        _ => return None,
    };
    // Comparing the last byte first rules out most candidates without a call to memcmp (many
    // share their beginning, as `system:…` and `…k8s.io` do).
    let last = text.as_bytes().last();
    candidates
        .iter()
        .copied()
        .find(|known| known.as_bytes().last() == last && *known == text)
}

/// `null` reads as the zero value, as Go's encoding/json leaves a field untouched on `null`.
fn nullable<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An object field: `null` or missing reads as the zero value, and an array is refused (serde
/// would otherwise read it into the struct's fields by position, which no audit log means).
fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(optional_object(deserializer)?.unwrap_or_default())
}

fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct ObjectVisitor<T>(PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
        type Value = Option<T>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
    }

    deserializer.deserialize_any(ObjectVisitor(PhantomData))
}

/// Who made a request: Kubernetes' `authentication.k8s.io/v1` `UserInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub username: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub uid: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub groups: Vec<Text<'a>>,
    /// Authenticator-specific data (for a bound service-account token: the pod and node
    /// names, the token's `credential-id`). Identifiers, not credentials.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub extra: BTreeMap<Text<'a>, Vec<Text<'a>>>,
}

/// The prefix of a service account's user name: `system:serviceaccount:NAMESPACE:NAME`.
pub const SERVICE_ACCOUNT_PREFIX: &str = "system:serviceaccount:";
/// The user name the API server gives requests without credentials.
pub const ANONYMOUS_USER: &str = "system:anonymous";
/// The group of requests without credentials.
pub const UNAUTHENTICATED_GROUP: &str = "system:unauthenticated";

impl UserInfo<'_> {
    /// The same without the borrow (see [`Text::into_owned`]).
    pub fn into_owned(self) -> UserInfo<'static> {
        UserInfo {
            username: self.username.into_owned(),
            uid: self.uid.into_owned(),
            groups: owned_texts(self.groups),
            extra: self
                .extra
                .into_iter()
                .map(|(key, values)| (key.into_owned(), owned_texts(values)))
                .collect(),
        }
    }

    /// `(namespace, name)` when this user is a service account.
    pub fn service_account(&self) -> Option<(&str, &str)> {
        let rest = self.username.strip_prefix(SERVICE_ACCOUNT_PREFIX)?;
        let (namespace, name) = rest.split_once(':')?;
        (!namespace.is_empty() && !name.is_empty() && !name.contains(':'))
            .then_some((namespace, name))
    }

    /// No credentials were presented (or they were not recognised and anonymous access is on).
    pub fn is_anonymous(&self) -> bool {
        self.username == ANONYMOUS_USER || self.groups.iter().any(|g| g == UNAUTHENTICATED_GROUP)
    }

    pub fn in_group(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }
}

/// The object a request was about (`objectRef`); absent for non-resource URLs (`/healthz`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectReference<'a> {
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub resource: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub namespace: Text<'a>,
    /// Empty for `create` (the name is chosen by the server or is in the body) and for lists.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub name: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub uid: Text<'a>,
    /// Empty for the core group.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub api_group: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub api_version: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub resource_version: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub subresource: Text<'a>,
}

impl ObjectReference<'_> {
    /// The same without the borrow (see [`Text::into_owned`]).
    pub fn into_owned(self) -> ObjectReference<'static> {
        ObjectReference {
            resource: self.resource.into_owned(),
            namespace: self.namespace.into_owned(),
            name: self.name.into_owned(),
            uid: self.uid.into_owned(),
            api_group: self.api_group.into_owned(),
            api_version: self.api_version.into_owned(),
            resource_version: self.resource_version.into_owned(),
            subresource: self.subresource.into_owned(),
        }
    }
}

fn owned_texts(texts: Vec<Text<'_>>) -> Vec<Text<'static>> {
    texts.into_iter().map(Text::into_owned).collect()
}

/// The part of the response `Status` the audit log keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseStatus<'a> {
    /// The HTTP status code; `None` before the response (stage `RequestReceived`).
    #[serde(default)]
    pub code: Option<i32>,
    /// `Success` or `Failure`; often empty on success.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub status: Text<'a>,
    /// A machine-readable reason (`Forbidden`, `NotFound`, `AlreadyExists`…).
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub reason: Text<'a>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub message: Text<'a>,
}

impl ResponseStatus<'_> {
    /// The same without the borrow (see [`Text::into_owned`]).
    pub fn into_owned(self) -> ResponseStatus<'static> {
        ResponseStatus {
            code: self.code,
            status: self.status.into_owned(),
            reason: self.reason.into_owned(),
            message: self.message.into_owned(),
        }
    }
}

/// A request or response body (`requestObject`, `responseObject`): whatever object the request
/// carried (a Pod, a TokenRequest, a Secret), so it may hold credentials.
///
/// It is kept as the JSON text the log holds (checked to be JSON; borrowed from the decoded
/// text like the event's strings) and parsed into a [`serde_json::Value`] the first time it is
/// asked for. Most detections never look at a body, and building a `Value` for every body took
/// a third of the reading time of a realistic log. `Debug` shows only its size; there is no
/// `Display`.
pub struct Body<'a> {
    /// JSON text, checked to be valid.
    raw: RawBody<'a>,
    parsed: OnceLock<Result<Value, String>>,
}

#[derive(Clone)]
enum RawBody<'a> {
    Borrowed(&'a str),
    Owned(Box<str>),
}

impl RawBody<'_> {
    fn get(&self) -> &str {
        match self {
            RawBody::Borrowed(raw) => raw,
            RawBody::Owned(raw) => raw,
        }
    }
}

impl<'a> Body<'a> {
    /// A body of JSON text that has been checked to be valid JSON.
    pub(crate) fn of_checked_json(text: &'a str) -> Self {
        Body {
            raw: RawBody::Borrowed(text),
            parsed: OnceLock::new(),
        }
    }

    /// The same without the borrow.
    pub fn into_owned(self) -> Body<'static> {
        let raw = match self.raw {
            RawBody::Borrowed(raw) => Box::from(raw),
            RawBody::Owned(raw) => raw,
        };
        Body {
            raw: RawBody::Owned(raw),
            parsed: self.parsed,
        }
    }

    /// The body as a JSON value, parsed on first use. An error when it is nested deeper than
    /// serde_json's recursion limit (128), the one way valid JSON can fail to parse: the event
    /// is still read, its body is not usable.
    pub fn value(&self) -> Result<&Value, &str> {
        self.parsed
            .get_or_init(|| {
                serde_json::from_str(self.raw.get()).map_err(|e| {
                    let message = e.to_string();
                    match message.rsplit_once(" at line ") {
                        Some((message, _)) => format!("request or response body: {message}"),
                        None => format!("request or response body: {message}"),
                    }
                })
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// The value at a JSON pointer (`/spec/containers/0/securityContext/privileged`); `None`
    /// when absent or when the body cannot be parsed.
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        self.value().ok()?.pointer(pointer)
    }

    /// The text at a path of object keys (`["metadata", "name"]`): what
    /// `pointer("/metadata/name")?.as_str()` gives, for keys that are not array indexes. When
    /// the body has not been parsed it is searched without building its value, which for the
    /// name of a created pod (a large response body) took a tenth of judging its request.
    pub fn text_at(&self, keys: &[&str]) -> Option<String> {
        match self.parsed.get() {
            Some(parsed) => {
                let mut value = parsed.as_ref().ok()?;
                for key in keys {
                    value = value.as_object()?.get(*key)?;
                }
                value.as_str().map(str::to_string)
            }
            None => quick::text_at(self.raw.get(), keys)
                .or_else(|| text_at_in(self.raw.get(), keys).ok())
                .flatten(),
        }
    }

    /// The body as a node tree without positions, as palisade's manifest rules read objects:
    /// `Node::from_json` of [`Body::value`], made from the text when the value has not been
    /// parsed (which saves building it). `None` when the body cannot be parsed.
    pub fn node(&self) -> Option<palisade_model::Node> {
        match self.parsed.get() {
            Some(parsed) => parsed.as_ref().ok().map(palisade_model::Node::from_json),
            None => quick::node(self.raw.get())
                .or_else(|| palisade_model::Node::from_json_text(self.raw.get()).ok()),
        }
    }

    /// The body's `kind` (`Pod`, `TokenRequest`, `DeleteOptions`…).
    pub fn kind(&self) -> Option<&str> {
        self.pointer("/kind")?.as_str()
    }

    /// Size of the JSON text in bytes.
    pub fn len(&self) -> usize {
        self.raw.get().len()
    }

    pub fn is_empty(&self) -> bool {
        self.raw.get().is_empty()
    }
}

impl Clone for Body<'_> {
    fn clone(&self) -> Self {
        Body {
            raw: self.raw.clone(),
            parsed: self.parsed.clone(),
        }
    }
}

impl PartialEq for Body<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.raw.get() == other.raw.get()
    }
}

impl fmt::Debug for Body<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes, redacted>", self.len())
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Body<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        Ok(Body::of_checked_json(raw.get()))
    }
}

/// serde_json's mark of a raw value: a `serde_json::Value` (with the `raw_value` feature, which
/// this crate turns on) reads an object whose first key it is as the JSON text of its value.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// The text at `keys` in the JSON `text` (see [`Body::text_at`]), found as parsing `text` into
/// a `serde_json::Value` would find it, and failing where that fails (nesting past the
/// recursion limit, a number out of range, a raw-value mark whose text is not JSON).
pub(crate) fn text_at_in(text: &str, keys: &[&str]) -> serde_json::Result<Option<String>> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let found = TextAt(keys).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(found)
}

/// Looks for the text at a path of object keys, reading every value as a `serde_json::Value`
/// would (through `deserialize_any`, so that the same limits apply), but keeping nothing else.
struct TextAt<'k>(&'k [&'k str]);

impl<'de> DeserializeSeed<'de> for TextAt<'_> {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextAt<'_> {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(self.0.is_empty().then(|| text.to_string()))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(None)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let mut first = true;
        while let Some(key) = map.next_key_seed(Key)? {
            if first && key == RAW_VALUE_TOKEN {
                let text: String = map.next_value()?;
                return text_at_in(&text, self.0).map_err(de::Error::custom);
            }
            first = false;
            match self.0.split_first() {
                // A key written twice counts with its last value, as in a `Value`.
                Some((head, rest)) if key == *head => found = map.next_value_seed(TextAt(rest))?,
                _ => map.next_value_seed(Skip)?,
            }
        }
        Ok(found)
    }
}

/// Reads any JSON value as [`TextAt`] does, keeping nothing.
struct Skip;

impl<'de> DeserializeSeed<'de> for Skip {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Skip {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Skip)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut first = true;
        while let Some(key) = map.next_key_seed(Key)? {
            if first && key == RAW_VALUE_TOKEN {
                let text: String = map.next_value()?;
                return text_at_in(&text, &[]).map(drop).map_err(de::Error::custom);
            }
            first = false;
            map.next_value_seed(Skip)?;
        }
        Ok(())
    }
}

/// An object key, borrowed from the text when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(text))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text.to_string()))
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(text))
    }
}

/// One audit event.
///
/// `Debug` and `Display` never print the request and response bodies (see [`Body`]).
#[derive(Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event<'a> {
    #[serde(default, borrow)]
    pub kind: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub api_version: Option<Text<'a>>,
    #[serde(default)]
    pub level: Level,
    #[serde(rename = "auditID", default, borrow, deserialize_with = "nullable")]
    pub audit_id: Text<'a>,
    #[serde(default)]
    pub stage: Stage,
    /// The request path with its query (`/api/v1/namespaces/default/pods/x/exec?command=sh…`).
    #[serde(rename = "requestURI", default, borrow, deserialize_with = "nullable")]
    pub request_uri: Text<'a>,
    /// The Kubernetes verb (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`,
    /// `deletecollection`), or the lower-case HTTP method for non-resource URLs.
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub verb: Text<'a>,
    /// Who authenticated.
    #[serde(default, borrow, deserialize_with = "object")]
    pub user: UserInfo<'a>,
    /// Whom the authenticated user acted as (`kubectl --as`), if anyone.
    #[serde(default, borrow, deserialize_with = "optional_object")]
    pub impersonated_user: Option<UserInfo<'a>>,
    /// The client first (from `X-Forwarded-For` when a proxy set it), then the proxies.
    #[serde(rename = "sourceIPs", default, borrow, deserialize_with = "nullable")]
    pub source_ips: Vec<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub user_agent: Text<'a>,
    #[serde(default, borrow, deserialize_with = "optional_object")]
    pub object_ref: Option<ObjectReference<'a>>,
    #[serde(default, borrow, deserialize_with = "optional_object")]
    pub response_status: Option<ResponseStatus<'a>>,
    /// Present at level `Request` and above, for requests with a body.
    #[serde(default, borrow)]
    pub request_object: Option<Body<'a>>,
    /// Present at level `RequestResponse`.
    #[serde(default, borrow)]
    pub response_object: Option<Body<'a>>,
    /// RFC 3339 with microseconds.
    #[serde(default, borrow)]
    pub request_received_timestamp: Option<Text<'a>>,
    #[serde(default, borrow)]
    pub stage_timestamp: Option<Text<'a>>,
    /// v1beta1 only (its `metadata.creationTimestamp` twin); v1 dropped it.
    #[serde(default, borrow)]
    pub timestamp: Option<Text<'a>>,
    #[serde(default, borrow, deserialize_with = "nullable")]
    pub annotations: Annotations<'a>,
}

/// The annotations of an event, in key order. An event has a few (the authorizer's two, Pod
/// Security's), and a sorted list of them is much cheaper to build and drop than a tree map,
/// which took a twentieth of the reading time. It reads as a map (`get`, `iter`, `keys`), and
/// a key written twice keeps its last value, as in a map.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Annotations<'a>(Vec<(Text<'a>, AnnotationValue<'a>)>);

/// The value of an annotation. The authorizer's reason (`RBAC: allowed by ClusterRoleBinding
/// \"…\"`) has escaped quotes in almost every event and is seldom read: unescaping it when
/// the event was decoded was a twentieth of reading the log, so a value whose escapes are all
/// of the two-character kind (`\"`, `\\`, `\n`…) is kept as written and unescaped when first
/// read.
#[derive(Clone)]
pub struct AnnotationValue<'a>(AnnotationText<'a>);

#[derive(Clone)]
enum AnnotationText<'a> {
    Decoded(Text<'a>),
    /// The text between the quotes of a JSON string, every escape in it checked to be one of
    /// the two-character ones.
    Escaped {
        json: &'a str,
        decoded: OnceLock<String>,
    },
}

impl<'a> AnnotationValue<'a> {
    /// A JSON string's text between its quotes, whose escapes the caller checked to be
    /// two-character ones (see [`unescape_short_escapes`]).
    pub(crate) fn escaped(json: &'a str) -> Self {
        AnnotationValue(AnnotationText::Escaped {
            json,
            decoded: OnceLock::new(),
        })
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            AnnotationText::Decoded(text) => text,
            AnnotationText::Escaped { json, decoded } => {
                decoded.get_or_init(|| unescape_short_escapes(json))
            }
        }
    }

    /// The same without the borrow (see [`Text::into_owned`]).
    pub fn into_owned(self) -> AnnotationValue<'static> {
        match self.0 {
            AnnotationText::Decoded(text) => {
                AnnotationValue(AnnotationText::Decoded(text.into_owned()))
            }
            AnnotationText::Escaped { json, decoded } => {
                let text = decoded
                    .into_inner()
                    .unwrap_or_else(|| unescape_short_escapes(json));
                AnnotationValue(AnnotationText::Decoded(Text::from(text)))
            }
        }
    }
}

impl<'a> From<Text<'a>> for AnnotationValue<'a> {
    fn from(text: Text<'a>) -> Self {
        AnnotationValue(AnnotationText::Decoded(text))
    }
}

impl std::ops::Deref for AnnotationValue<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for AnnotationValue<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for AnnotationValue<'_> {}

impl fmt::Debug for AnnotationValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

/// The text a JSON string's `json` (between its quotes) stands for, where every escape is a
/// two-character one: `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r` or `\t`. Anything else
/// after a backslash (which the caller ruled out) is kept as written.
pub(crate) fn unescape_short_escapes(json: &str) -> String {
    let mut text = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find('\\') {
        text.push_str(&rest[..at]);
        let mut after = rest[at + 1..].chars();
        match after.next() {
            Some('b') => text.push('\u{8}'),
            Some('f') => text.push('\u{c}'),
            Some('n') => text.push('\n'),
            Some('r') => text.push('\r'),
            Some('t') => text.push('\t'),
            Some(other) => text.push(other),
            None => text.push('\\'),
        }
        rest = after.as_str();
    }
    text.push_str(rest);
    text
}

impl<'a> Annotations<'a> {
    /// The same without the borrow (see [`Text::into_owned`]).
    pub fn into_owned(self) -> Annotations<'static> {
        Annotations(
            self.0
                .into_iter()
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.position(key).ok().map(|at| self.0[at].1.as_str())
    }

    /// Sets `key` to `value`; the value it had, if any.
    pub fn insert(
        &mut self,
        key: Text<'a>,
        value: impl Into<AnnotationValue<'a>>,
    ) -> Option<AnnotationValue<'a>> {
        let value = value.into();
        match self.position(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, value)),
            Err(at) => {
                self.0.insert(at, (key, value));
                None
            }
        }
    }

    /// Room for `additional` more annotations.
    pub(crate) fn reserve(&mut self, additional: usize) {
        self.0.reserve(additional);
    }

    pub(crate) fn capacity(&self) -> usize {
        self.0.capacity()
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Text<'a>, &str)> {
        self.0.iter().map(|(key, value)| (key, value.as_str()))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Text<'a>> {
        self.0.iter().map(|(key, _)| key)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The annotations whose key is `from` or after it, in key order.
    fn starting_at(&self, from: &str) -> impl Iterator<Item = (&Text<'a>, &str)> {
        let start = self.0.partition_point(|(key, _)| key.as_str() < from);
        self.0[start..]
            .iter()
            .map(|(key, value)| (key, value.as_str()))
    }

    fn position(&self, key: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|(known, _)| known.as_str().cmp(key))
    }
}

impl<'a> FromIterator<(Text<'a>, Text<'a>)> for Annotations<'a> {
    fn from_iter<I: IntoIterator<Item = (Text<'a>, Text<'a>)>>(items: I) -> Self {
        let mut annotations = Annotations::default();
        for (key, value) in items {
            annotations.insert(key, value);
        }
        annotations
    }
}

impl fmt::Debug for Annotations<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Annotations<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnnotationsVisitor;

        impl<'de> Visitor<'de> for AnnotationsVisitor {
            type Value = Annotations<'de>;

            // As serde says it for a map, so that errors read as they did.
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Annotations<'de>, A::Error> {
                let mut annotations = Annotations::default();
                annotations.reserve(map.size_hint().unwrap_or(4).min(16));
                while let Some((key, value)) = map.next_entry::<Text<'de>, Text<'de>>()? {
                    annotations.insert(key, value);
                }
                Ok(annotations)
            }
        }

        deserializer.deserialize_map(AnnotationsVisitor)
    }
}

impl fmt::Debug for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The bodies may carry tokens and Secret data: say whether they are there, no more.
        let body = |value: &Option<Body>| {
            value
                .as_ref()
                .map(|b| format!("<{} bytes, redacted>", b.len()))
        };
        f.debug_struct("Event")
            .field("kind", &self.kind)
            .field("api_version", &self.api_version)
            .field("level", &self.level)
            .field("audit_id", &self.audit_id)
            .field("stage", &self.stage)
            .field("request_uri", &self.request_uri)
            .field("verb", &self.verb)
            .field("user", &self.user)
            .field("impersonated_user", &self.impersonated_user)
            .field("source_ips", &self.source_ips)
            .field("user_agent", &self.user_agent)
            .field("object_ref", &self.object_ref)
            .field("response_status", &self.response_status)
            .field("request_object", &body(&self.request_object))
            .field("response_object", &body(&self.response_object))
            .field(
                "request_received_timestamp",
                &self.request_received_timestamp,
            )
            .field("stage_timestamp", &self.stage_timestamp)
            .field("timestamp", &self.timestamp)
            .field("annotations", &self.annotations)
            .finish()
    }
}

/// One line for people: `alice (as bob) list namespaces/default/pods from 10.0.0.1: 403`.
/// It shows no request or response body.
impl fmt::Display for Event<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let user = if self.user.username.is_empty() {
            "(no user)"
        } else {
            &self.user.username
        };
        write!(f, "{user}")?;
        if let Some(as_user) = &self.impersonated_user {
            write!(f, " (as {})", as_user.username)?;
        }
        write!(f, " {} {}", self.verb, self.resource_path())?;
        if !self.source_ips.is_empty() {
            write!(f, " from {}", self.source_ips.join(", "))?;
        }
        if let Some(code) = self.response_code() {
            write!(f, ": {code}")?;
        }
        Ok(())
    }
}

impl<'a> Event<'a> {
    /// The same event without the borrow of the text it was decoded from: what a consumer
    /// that keeps events keeps (see [`Text::into_owned`]).
    pub fn into_owned(self) -> Event<'static> {
        let owned = |text: Option<Text<'_>>| text.map(Text::into_owned);
        Event {
            kind: owned(self.kind),
            api_version: owned(self.api_version),
            level: self.level,
            audit_id: self.audit_id.into_owned(),
            stage: self.stage,
            request_uri: self.request_uri.into_owned(),
            verb: self.verb.into_owned(),
            user: self.user.into_owned(),
            impersonated_user: self.impersonated_user.map(UserInfo::into_owned),
            source_ips: owned_texts(self.source_ips),
            user_agent: self.user_agent.into_owned(),
            object_ref: self.object_ref.map(ObjectReference::into_owned),
            response_status: self.response_status.map(ResponseStatus::into_owned),
            request_object: self.request_object.map(Body::into_owned),
            response_object: self.response_object.map(Body::into_owned),
            request_received_timestamp: owned(self.request_received_timestamp),
            stage_timestamp: owned(self.stage_timestamp),
            timestamp: owned(self.timestamp),
            annotations: self.annotations.into_owned(),
        }
    }

    /// The schema the event declared (`Unspecified` without `apiVersion`).
    pub fn version(&self) -> AuditVersion {
        match self.api_version.as_deref() {
            Some("audit.k8s.io/v1") => AuditVersion::V1,
            Some("audit.k8s.io/v1beta1") => AuditVersion::V1Beta1,
            Some("audit.k8s.io/v1alpha1") => AuditVersion::V1Alpha1,
            _ => AuditVersion::Unspecified,
        }
    }

    /// `(namespace, name)` when the authenticated user is a service account. It looks at who
    /// presented the credentials, not at whom they impersonated: a token used from outside the
    /// cluster is the token's owner's problem.
    pub fn is_service_account(&self) -> Option<(&str, &str)> {
        self.user.service_account()
    }

    /// The request came without credentials (`system:anonymous` or `system:unauthenticated`).
    pub fn is_anonymous(&self) -> bool {
        self.user.is_anonymous()
    }

    /// Whose rights the request used: the impersonated user if any, else the authenticated one
    /// (what RBAC generation must grant).
    pub fn effective_user(&self) -> &UserInfo<'a> {
        self.impersonated_user.as_ref().unwrap_or(&self.user)
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.get(key)
    }

    /// The authorizer's decision annotation: `allow` or `forbid`.
    pub fn decision(&self) -> Option<&str> {
        self.annotation(DECISION_ANNOTATION)
    }

    /// Pod Security admission's annotations (`pod-security.kubernetes.io/enforce-policy`,
    /// `…/audit-violations`, `…/exempt`), with the prefix removed from the key.
    pub fn pod_security_annotations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.annotations
            .starting_at(POD_SECURITY_PREFIX)
            .map_while(|(key, value)| {
                key.strip_prefix(POD_SECURITY_PREFIX)
                    .map(|short| (short, value))
            })
    }

    pub fn response_code(&self) -> Option<i32> {
        self.response_status.as_ref().and_then(|s| s.code)
    }

    /// Whether the request was authorized: the decision annotation when the log has it,
    /// otherwise the response code (401 and 403 refuse; any other code means authorization
    /// passed, even if the request then failed). `None` when neither is known yet (stage
    /// `RequestReceived` of an old API server).
    ///
    /// A 403 from an admission plugin (Pod Security) reads as "not allowed" when the
    /// annotation is missing; with the annotation it reads as allowed, which it was.
    pub fn allowed(&self) -> Option<bool> {
        match self.decision() {
            Some("allow") => return Some(true),
            Some("forbid") => return Some(false),
            _ => {}
        }
        match self.response_code()? {
            401 | 403 => Some(false),
            _ => Some(true),
        }
    }

    /// The request was carried out: a 2xx code, or 101 for an upgraded stream (exec, attach,
    /// port-forward).
    pub fn succeeded(&self) -> bool {
        matches!(self.response_code(), Some(200..=299 | 101))
    }

    /// The API group of the object (`""` for the core group).
    pub fn api_group(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.api_group.as_str())
    }

    pub fn resource(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| o.resource.as_str())
    }

    pub fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.subresource.as_str())
    }

    pub fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .map_or("", |o| o.namespace.as_str())
    }

    pub fn name(&self) -> &str {
        self.object_ref.as_ref().map_or("", |o| o.name.as_str())
    }

    /// The object for messages, as a REST path without the API prefix and version:
    /// `namespaces/default/pods/web-1/exec`, `clusterroles.rbac.authorization.k8s.io/admin`,
    /// `namespaces/prod/secrets` (a list). For non-resource requests, the URL path (`/healthz`).
    pub fn resource_path(&self) -> String {
        let Some(object) = self.object_ref.as_ref().filter(|o| !o.resource.is_empty()) else {
            let path = self
                .request_uri
                .split_once('?')
                .map_or(self.request_uri.as_str(), |(path, _)| path);
            return if path.is_empty() {
                "(no resource)".to_string()
            } else {
                path.to_string()
            };
        };
        let mut out = String::with_capacity(64);
        // A Namespace's own events name it twice (namespace and name); once is enough.
        let own_namespace = object.resource == "namespaces" && *object.namespace == *object.name;
        if !object.namespace.is_empty() && !own_namespace {
            out.push_str("namespaces/");
            out.push_str(&object.namespace);
            out.push('/');
        }
        out.push_str(&object.resource);
        if !object.api_group.is_empty() {
            out.push('.');
            out.push_str(&object.api_group);
        }
        for part in [object.name.as_str(), object.subresource.as_str()] {
            if !part.is_empty() {
                out.push('/');
                out.push_str(part);
            }
        }
        out
    }

    /// The parsed source addresses, client first; unparsable entries are skipped.
    pub fn source_ip_addrs(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.source_ips
            .iter()
            .filter_map(|ip| ip.trim().parse().ok())
    }

    /// The client's address (the first source IP), if it parses.
    pub fn source_ip(&self) -> Option<IpAddr> {
        self.source_ips.first()?.trim().parse().ok()
    }

    /// When the event happened, in microseconds since the Unix epoch: `stageTimestamp`, else
    /// `requestReceivedTimestamp`, else v1beta1's `timestamp`. `None` when none parses.
    pub fn time_micros(&self) -> Option<i64> {
        [
            &self.stage_timestamp,
            &self.request_received_timestamp,
            &self.timestamp,
        ]
        .into_iter()
        .find_map(|t| t.as_deref().and_then(parse_timestamp))
    }
}

/// An RFC 3339 time (`2018-10-26T13:38:34.867116Z`, `…+02:00`) in microseconds since the Unix
/// epoch; digits beyond microseconds are dropped. A space for the `T` and a missing zone (read
/// as UTC) are accepted. `None` if it is not such a time.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let digits = |from: usize, count: usize| -> Option<i64> {
        let part = bytes.get(from..from + count)?;
        part.iter().try_fold(0i64, |n, &b| {
            b.is_ascii_digit().then(|| n * 10 + i64::from(b - b'0'))
        })
    };
    let sep = |at: usize, allowed: &[u8]| bytes.get(at).is_some_and(|b| allowed.contains(b));
    if !(sep(4, b"-") && sep(7, b"-") && sep(10, b"Tt ") && sep(13, b":") && sep(16, b":")) {
        return None;
    }
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    // 60 is a leap second, which Go's time package also accepts.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut at = 19;
    let mut micros = 0i64;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let start = at;
        while bytes.get(at).is_some_and(u8::is_ascii_digit) {
            if at - start < 6 {
                micros = micros * 10 + i64::from(bytes[at] - b'0');
            }
            at += 1;
        }
        if at == start {
            return None;
        }
        for _ in (at - start)..6 {
            micros *= 10;
        }
    }
    let offset_seconds = match bytes.get(at) {
        Some(b'Z' | b'z') if at + 1 == bytes.len() => 0,
        // No zone at all: UTC. The API server always writes one; hand-made and re-exported
        // logs (Panther's `2022-11-29 00:09:04.38`) sometimes do not.
        None => 0,
        Some(&sign @ (b'+' | b'-')) if at + 6 == bytes.len() && sep(at + 3, b":") => {
            let (hours, minutes) = (digits(at + 1, 2)?, digits(at + 4, 2)?);
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3600 + minutes * 60;
            if sign == b'+' { offset } else { -offset }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_seconds;
    Some(seconds * 1_000_000 + micros)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Why a JSON text is not an audit event. The position is relative to the start of the text
/// (line 1, column 1 is its first character); the reader turns it into a file position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for DecodeError {}

impl DecodeError {
    fn at_start(message: String) -> Self {
        DecodeError {
            line: 1,
            column: 1,
            message,
        }
    }

    /// serde_json's message without its own " at line L column C" (the position is kept
    /// apart so that the reader can make it a file position).
    pub(crate) fn from_json(error: &serde_json::Error, path: Option<&str>) -> Self {
        let text = error.to_string();
        let message = match text.rsplit_once(" at line ") {
            Some((message, _)) if error.line() != 0 => message.to_string(),
            _ => text,
        };
        let message = without_string_values(&message);
        let message = match path {
            Some(path) if !path.is_empty() && path != "." => format!("{path}: {message}"),
            _ => message,
        };
        DecodeError {
            line: u32::try_from(error.line()).unwrap_or(u32::MAX).max(1),
            column: u32::try_from(error.column()).unwrap_or(u32::MAX).max(1),
            message,
        }
    }
}

/// serde quotes the string it could not use (`invalid type: string "eyJhbGci...", expected a
/// sequence`): in an audit event that may be a token or a Secret's data, so the value is left
/// out and only its type is said.
fn without_string_values(message: &str) -> String {
    const QUOTED: &str = "string \"";
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find(QUOTED) {
        out.push_str(&rest[..at + "string".len()]);
        // serde writes the value with Rust's escapes: a quote inside it is `\"`.
        let value = &rest[at + QUOTED.len()..];
        let mut escaped = false;
        let end = value
            .char_indices()
            .find_map(|(index, c)| match (c, escaped) {
                ('\\', false) => {
                    escaped = true;
                    None
                }
                ('"', false) => Some(index),
                _ => {
                    escaped = false;
                    None
                }
            });
        match end {
            Some(end) => rest = &value[end + 1..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// Decodes one audit event from JSON text and checks that it is one.
///
/// An object with a `kind` other than `Event`, or an `apiVersion` outside `audit.k8s.io`
/// (a `v1` Event is a cluster event, not an audit event) is refused. So is an object with
/// neither `kind`, `apiVersion` nor `auditID`: it is some other JSON, and reading it as an
/// empty event would hide that the wrong file was given.
pub fn decode_event(json: &[u8]) -> Result<Event<'_>, DecodeError> {
    decode_boxed_event(json).map(|event| *event)
}

/// [`decode_event`] into a box, where the event is decoded in place (the reader's records hold
/// their events boxed, and an event is large enough that each move of it was a copy).
pub(crate) fn decode_boxed_event(json: &[u8]) -> Result<Box<Event<'_>>, DecodeError> {
    // serde would read an array positionally into the struct's fields.
    if let Some(at) = json.iter().position(|b| !b.is_ascii_whitespace())
        && json[at] == b'['
    {
        let column = u32::try_from(at + 1).unwrap_or(u32::MAX);
        return Err(DecodeError {
            line: 1,
            column,
            message: "a JSON array where an audit event (an object) was expected".to_string(),
        });
    }
    // One check of the whole text is much faster than serde_json's check of every string
    // (from_slice), and lets it read the text as already valid (from_str). simdutf8 checks 32
    // bytes at a time (the standard library's check was a twentieth of decoding); on the rare
    // failure, the standard library's says where.
    let text = match simdutf8::basic::from_utf8(json) {
        Ok(text) => text,
        Err(_) => match std::str::from_utf8(json) {
            Ok(text) => text,
            Err(error) => return Err(invalid_utf8(json, error.valid_up_to())),
        },
    };
    let mut event = Box::<Event>::default();
    if !quick::decode_into(text, &mut event) {
        *event = match serde_json::from_str(text) {
            Ok(event) => event,
            Err(error) => return Err(explain(text, &error)),
        };
    }
    check_identity(&event)?;
    Ok(event)
}

/// The first decode is fast and says only where it failed; a second one, on the rare failure,
/// finds which field it was.
fn explain(json: &str, error: &serde_json::Error) -> DecodeError {
    if error.classify() != serde_json::error::Category::Data {
        return DecodeError::from_json(error, None);
    }
    let mut deserializer = serde_json::Deserializer::from_str(json);
    match serde_path_to_error::deserialize::<_, Event>(&mut deserializer) {
        Err(tracked) => {
            let path = tracked.path().to_string();
            DecodeError::from_json(tracked.inner(), Some(&path))
        }
        Ok(_) => DecodeError::from_json(error, None),
    }
}

/// The audit log is written by Go's encoder, which never writes invalid UTF-8: such bytes are
/// damage, not data.
fn invalid_utf8(json: &[u8], offset: usize) -> DecodeError {
    let before = &json[..offset];
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |at| at + 1);
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    DecodeError {
        line: u32::try_from(line).unwrap_or(u32::MAX),
        column: u32::try_from(offset - line_start + 1).unwrap_or(u32::MAX),
        message: "invalid UTF-8 (the API server writes only UTF-8: the log is damaged)".to_string(),
    }
}

fn check_identity(event: &Event) -> Result<(), DecodeError> {
    match event.kind.as_deref() {
        None | Some("Event") => {}
        Some("EventList") => {
            return Err(DecodeError::at_start(
                "an EventList where one event was expected".to_string(),
            ));
        }
        Some(other) => {
            return Err(DecodeError::at_start(format!(
                "not an audit event: kind {other:?} (expected \"Event\")"
            )));
        }
    }
    if let Some(version) = event.api_version.as_deref() {
        match version.split_once('/') {
            Some((AUDIT_GROUP, "v1" | "v1beta1" | "v1alpha1")) => {}
            Some((AUDIT_GROUP, _)) => {
                return Err(DecodeError::at_start(format!(
                    "unsupported audit apiVersion {version:?} (palisade reads audit.k8s.io/v1 and v1beta1)"
                )));
            }
            _ if event.kind.as_deref() == Some("Event") => {
                return Err(DecodeError::at_start(format!(
                    "a cluster Event ({version}), not an audit event (audit.k8s.io/v1)"
                )));
            }
            _ => {
                return Err(DecodeError::at_start(format!(
                    "not an audit event: apiVersion {version:?} (expected audit.k8s.io/v1)"
                )));
            }
        }
    }
    if event.kind.is_none() && event.api_version.is_none() && event.audit_id.is_empty() {
        return Err(DecodeError::at_start(
            "not an audit event: no kind, apiVersion or auditID".to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXEC: &str = r#"{"annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""},"auditID":"ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6","kind":"Event","level":"Request","metadata":{"creationTimestamp":"2018-10-26T13:38:34Z"},"objectRef":{"apiVersion":"v1","name":"nginx-deployment-7998647bdf-phvq7","namespace":"default","resource":"pods","subresource":"exec"},"requestReceivedTimestamp":"2018-10-26T13:38:34.867116Z","requestURI":"/api/v1/namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec?command=bash&container=nginx1&container=nginx1&stdin=true&stdout=true&tty=true","responseStatus":{"code":101,"metadata":{}},"sourceIPs":["192.168.99.1"],"stage":"ResponseStarted","stageTimestamp":"2018-10-26T13:38:34.902914Z","timestamp":"2018-10-26T13:38:34Z","user":{"groups":["system:masters","system:authenticated"],"username":"minikube-user"},"verb":"create"}"#;

    fn event(json: &str) -> Event<'_> {
        match decode_event(json.as_bytes()) {
            Ok(event) => event,
            Err(error) => panic!("{json} does not decode: {error}"),
        }
    }

    fn error(json: &str) -> DecodeError {
        match decode_event(json.as_bytes()) {
            Ok(event) => panic!("{json} decoded: {event:?}"),
            Err(error) => error,
        }
    }

    #[test]
    fn decode_errors_never_quote_a_string_of_the_event() {
        let planted = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0 \\\" quote";
        for json in [
            format!(r#"{{"kind":"Event","user":"{planted}"}}"#),
            format!(r#"{{"kind":"Event","sourceIPs":"{planted}"}}"#),
            format!(r#"{{"kind":"Event","user":{{"extra":{{"token":"{planted}"}}}}}}"#),
            format!(r#"{{"kind":"Event","responseStatus":{{"code":"{planted}"}}}}"#),
            format!(r#""{planted}""#),
        ] {
            let error = decode_event(json.as_bytes()).unwrap_err();
            assert!(!error.message.contains("eyJhbGci"), "{json} gave {error}");
            assert!(!error.message.contains("quote"), "{json} gave {error}");
            assert!(error.message.contains("invalid type: string"), "{error}");
        }
        assert_eq!(
            without_string_values(r#"invalid type: string "a\"b", expected x; string "c""#),
            "invalid type: string, expected x; string"
        );
        assert_eq!(without_string_values(r#"string "unterminated"#), "string");
    }

    #[test]
    fn falco_exec_event_without_api_version() {
        let e = event(EXEC);
        assert_eq!(e.version(), AuditVersion::Unspecified);
        assert_eq!(e.stage, Stage::ResponseStarted);
        assert_eq!(e.level, Level::Request);
        assert_eq!(e.verb, "create");
        assert_eq!(e.subresource(), "exec");
        assert_eq!(e.response_code(), Some(101));
        assert!(e.succeeded());
        assert_eq!(e.allowed(), Some(true));
        assert_eq!(e.decision(), Some("allow"));
        assert_eq!(
            e.resource_path(),
            "namespaces/default/pods/nginx-deployment-7998647bdf-phvq7/exec"
        );
        assert_eq!(e.source_ip(), "192.168.99.1".parse().ok());
        assert_eq!(e.is_service_account(), None);
        assert!(!e.is_anonymous());
        assert_eq!(
            e.time_micros(),
            parse_timestamp("2018-10-26T13:38:34.902914Z")
        );
    }

    #[test]
    fn v1_event_with_impersonation_and_denial() {
        let e = event(
            r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"list","user":{"username":"system:admin","groups":["system:masters"]},"impersonatedUser":{"username":"bob","groups":["system:authenticated"]},"sourceIPs":["::1"],"objectRef":{"resource":"pods","namespace":"default","apiVersion":"v1"},"responseStatus":{"metadata":{},"status":"Failure","reason":"Forbidden","code":403}}"#,
        );
        assert_eq!(e.version(), AuditVersion::V1);
        assert_eq!(e.effective_user().username, "bob");
        assert_eq!(e.allowed(), Some(false));
        assert!(!e.succeeded());
        assert_eq!(
            e.response_status.as_ref().map(|s| s.reason.as_str()),
            Some("Forbidden")
        );
        assert_eq!(e.resource_path(), "namespaces/default/pods");
        assert_eq!(
            e.to_string(),
            "system:admin (as bob) list namespaces/default/pods from ::1: 403"
        );
    }

    #[test]
    fn decision_annotation_wins_over_the_code() {
        // Pod Security refused it after RBAC allowed it.
        let e = event(
            r#"{"kind":"Event","auditID":"x","annotations":{"authorization.k8s.io/decision":"allow","pod-security.kubernetes.io/enforce-policy":"restricted:latest","pod-security.kubernetes.io/audit-violations":"privileged"},"responseStatus":{"code":403}}"#,
        );
        assert_eq!(e.allowed(), Some(true));
        let psa: Vec<_> = e.pod_security_annotations().collect();
        assert_eq!(
            psa,
            [
                ("audit-violations", "privileged"),
                ("enforce-policy", "restricted:latest")
            ]
        );
        let forbid =
            event(r#"{"auditID":"x","annotations":{"authorization.k8s.io/decision":"forbid"}}"#);
        assert_eq!(forbid.allowed(), Some(false));
        let unknown = event(r#"{"auditID":"x","stage":"RequestReceived"}"#);
        assert_eq!(unknown.allowed(), None);
        let not_found = event(r#"{"auditID":"x","responseStatus":{"code":404}}"#);
        assert_eq!(not_found.allowed(), Some(true));
        assert!(!not_found.succeeded());
    }

    #[test]
    fn service_accounts_and_anonymous_users() {
        let sa = event(
            r#"{"auditID":"x","user":{"username":"system:serviceaccount:kube-system:replicaset-controller"}}"#,
        );
        assert_eq!(
            sa.is_service_account(),
            Some(("kube-system", "replicaset-controller"))
        );
        for bad in [
            "system:serviceaccount:",
            "system:serviceaccount:ns",
            "system:serviceaccount::name",
            "system:serviceaccount:ns:",
            "system:serviceaccounts:ns:x",
        ] {
            let user = UserInfo {
                username: Text::borrowed(bad),
                ..UserInfo::default()
            };
            assert_eq!(user.service_account(), None, "{bad}");
        }
        let anonymous = event(
            r#"{"auditID":"x","user":{"username":"system:anonymous","groups":["system:unauthenticated"]}}"#,
        );
        assert!(anonymous.is_anonymous());
        let by_group = event(
            r#"{"auditID":"x","user":{"username":"someone","groups":["system:unauthenticated"]}}"#,
        );
        assert!(by_group.is_anonymous());
    }

    #[test]
    fn lenient_where_real_logs_differ() {
        // Missing fields, nulls and unknown fields (Panther's p_*) are all fine.
        let e = event(
            r#"{"auditID":"x","verb":null,"user":null,"sourceIPs":null,"objectRef":null,"requestObject":null,"annotations":null,"stage":null,"p_log_type":"Amazon.EKS.Audit","p_enrichment":{"a":[1,2]}}"#,
        );
        assert_eq!(e.verb, "");
        assert_eq!(e.stage, Stage::Unspecified);
        assert!(e.request_object.is_none());
        assert_eq!(e.resource_path(), "(no resource)");
        let future = event(r#"{"auditID":"x","stage":"ResponseTeleported","level":"Everything"}"#);
        assert_eq!(future.stage, Stage::Other("ResponseTeleported".to_string()));
        assert_eq!(future.level.as_str(), "Everything");
        let beta = event(
            r#"{"apiVersion":"audit.k8s.io/v1beta1","kind":"Event","timestamp":"2018-10-25T14:09:12Z"}"#,
        );
        assert_eq!(beta.version(), AuditVersion::V1Beta1);
        assert_eq!(beta.time_micros(), parse_timestamp("2018-10-25T14:09:12Z"));
    }

    #[test]
    fn strict_on_wrong_types_with_position_and_field() {
        // The corpus's intentionally malformed Falco event.
        let e = error(r#"{"kind": 0}"#);
        assert_eq!((e.line, e.column), (1, 10));
        assert!(
            e.message.starts_with("kind: invalid type: integer `0`"),
            "{}",
            e.message
        );
        let e = error("{\"auditID\":\"x\",\n \"user\":{\"groups\":\"system:masters\"}}");
        assert_eq!(e.line, 2);
        assert!(
            e.message.starts_with("user.groups: invalid type: string"),
            "{}",
            e.message
        );
        let e = error(r#"{"auditID":"x","responseStatus":{"code":"403"}}"#);
        assert!(
            e.message.starts_with("responseStatus.code:"),
            "{}",
            e.message
        );
        let e = error(r#"{"auditID":"x","responseStatus":{"code":200.5}}"#);
        assert!(e.message.contains("responseStatus.code"), "{}", e.message);
        let e = error(r#"{"auditID":"x","user":["alice","uid",[]]}"#);
        assert!(
            e.message
                .starts_with("user: invalid type: sequence, expected an object"),
            "{}",
            e.message
        );
        let e = error(r#"{"auditID":"x","objectRef":"pods"}"#);
        assert!(
            e.message.starts_with("objectRef: invalid type: string"),
            "{}",
            e.message
        );
        let e = error(r#"{"auditID":"x","annotations":{"a":1}}"#);
        assert!(e.message.starts_with("annotations.a:"), "{}", e.message);
        let e = error(r#"[1]"#);
        assert!(e.message.contains("JSON array"), "{}", e.message);
        let e = error(r#""event""#);
        assert!(e.message.contains("invalid type: string"), "{}", e.message);
        let e = error(r#"{"auditID":"x""#);
        assert!(e.message.contains("EOF"), "{}", e.message);
    }

    #[test]
    fn other_json_is_not_an_event() {
        let cluster_event = error(r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"x"}}"#);
        assert!(
            cluster_event.message.contains("cluster Event"),
            "{}",
            cluster_event.message
        );
        let pod = error(r#"{"kind":"Pod","apiVersion":"v1"}"#);
        assert!(pod.message.contains("kind \"Pod\""), "{}", pod.message);
        let future = error(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v2"}"#);
        assert!(future.message.contains("unsupported"), "{}", future.message);
        let nothing = error(r#"{"hello":"world"}"#);
        assert!(nothing.message.contains("no kind"), "{}", nothing.message);
        let list = error(r#"{"kind":"EventList","items":[]}"#);
        assert!(list.message.contains("EventList"), "{}", list.message);
        assert!(decode_event(br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1alpha1"}"#).is_ok());
    }

    #[test]
    fn debug_and_display_never_show_bodies() {
        let e = event(
            r#"{"kind":"Event","auditID":"x","verb":"create","objectRef":{"resource":"serviceaccounts","subresource":"token","namespace":"ns","name":"sa"},"requestObject":{"kind":"TokenRequest"},"responseObject":{"kind":"TokenRequest","status":{"token":"eyJhbGciOiJSUzI1NiJ9.SECRET"}}}"#,
        );
        let debug = format!("{e:?}");
        let display = e.to_string();
        for text in [&debug, &display] {
            assert!(!text.contains("SECRET"), "{text}");
            assert!(!text.contains("TokenRequest"), "{text}");
        }
        assert!(debug.contains("bytes, redacted>"), "{debug}");
        let body = e.response_object.as_ref().map(|b| format!("{b:?}"));
        assert_eq!(body.as_deref(), Some("<72 bytes, redacted>"));
        assert_eq!(
            display,
            "(no user) create namespaces/ns/serviceaccounts/sa/token"
        );
    }

    #[test]
    fn bodies_are_parsed_when_asked_for() {
        let e = event(
            r#"{"auditID":"x","requestObject":{"kind":"Pod","spec":{"containers":[{"securityContext":{"privileged":true}}]}},"responseObject":null}"#,
        );
        let body = e.request_object.as_ref().unwrap();
        assert_eq!(body.kind(), Some("Pod"));
        assert_eq!(
            body.pointer("/spec/containers/0/securityContext/privileged"),
            Some(&Value::Bool(true))
        );
        assert!(e.response_object.is_none(), "null is no body");
        // Valid JSON nested past the recursion limit: the event reads, its body does not parse.
        let deep = format!(
            r#"{{"auditID":"deep","requestObject":{}{}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let e = event(&deep);
        let body = e.request_object.as_ref().unwrap();
        assert!(
            body.value()
                .is_err_and(|m| m.contains("recursion limit exceeded"))
        );
        assert_eq!(body.pointer("/0"), None);
        assert_eq!(body.len(), 20_000);
        // Invalid JSON in a body is an error of the event.
        let e = error(r#"{"auditID":"x","requestObject":{"kind":}}"#);
        assert!(e.message.contains("expected value"), "{}", e.message);
    }

    #[test]
    fn resource_paths() {
        let path = |object: &str| {
            event(&format!(r#"{{"auditID":"x","objectRef":{object}}}"#)).resource_path()
        };
        assert_eq!(
            path(
                r#"{"resource":"clusterroles","apiGroup":"rbac.authorization.k8s.io","name":"admin"}"#
            ),
            "clusterroles.rbac.authorization.k8s.io/admin"
        );
        assert_eq!(
            path(r#"{"resource":"namespaces","namespace":"foo","name":"foo"}"#),
            "namespaces/foo"
        );
        assert_eq!(
            path(r#"{"resource":"nodes","name":"n1","subresource":"proxy"}"#),
            "nodes/n1/proxy"
        );
        let healthz = event(r#"{"auditID":"x","requestURI":"/healthz?verbose=1","verb":"get"}"#);
        assert_eq!(healthz.resource_path(), "/healthz");
    }

    #[test]
    fn decoded_strings_are_borrowed_and_kept_ones_allocated_only_when_rare() {
        // Decoded, every string borrows the text (none of EXEC's has an escape)...
        let decoded = event(EXEC);
        assert!(decoded.audit_id.is_borrowed() && decoded.user.username.is_borrowed());
        assert!(decoded.source_ips.iter().all(Text::is_borrowed));
        assert!(decoded.request_uri.is_borrowed());
        // ...except one with an escape, which is unescaped into an allocation.
        let escaped = event(r#"{"auditID":"a\u0026b","requestURI":"/x?a=1\u0026b=2"}"#);
        assert_eq!(escaped.audit_id, "a&b");
        assert_eq!(escaped.request_uri, "/x?a=1&b=2");
        assert!(!escaped.audit_id.is_borrowed());
        // Kept beyond the text, the recurring values point at static copies; the rest is
        // allocated.
        let e = decoded.clone().into_owned();
        assert_eq!(e, decoded);
        assert!(e.verb.is_borrowed() && e.verb == "create");
        assert!(e.user.groups.iter().all(Text::is_borrowed));
        let object = e.object_ref.as_ref().unwrap();
        assert!(object.resource.is_borrowed() && object.subresource.is_borrowed());
        assert_eq!(object.name, "nginx-deployment-7998647bdf-phvq7");
        assert!(!object.name.is_borrowed() && !e.audit_id.is_borrowed());
        assert!(e.annotations.keys().all(Text::is_borrowed));
        // Map lookups by &str, comparisons both ways, display.
        assert_eq!(e.annotations.get(DECISION_ANNOTATION), Some("allow"));
        let owned = String::from("create");
        assert!("create" == e.verb && e.verb == *"create" && e.verb == owned);
        assert_eq!(format!("{} {:?}", e.verb, e.verb), "create \"create\"");
        assert_eq!(Text::from("nodes".to_string()), Text::from("nodes"));
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01.5Z"), Some(1_500_000));
        assert_eq!(
            parse_timestamp("1970-01-01T00:00:00.1234567Z"),
            Some(123_456)
        );
        assert_eq!(parse_timestamp("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_timestamp("1969-12-31T23:00:00-01:00"), Some(0));
        // 2018-10-26T13:38:34Z is 1540561114 (date -d ... +%s).
        assert_eq!(
            parse_timestamp("2018-10-26T13:38:34.867116Z"),
            Some(1_540_561_114_867_116)
        );
        assert_eq!(
            parse_timestamp("2024-02-29T00:00:00Z"),
            Some(1_709_164_800_000_000)
        );
        assert_eq!(
            parse_timestamp("2022-11-29 00:09:04.38"),
            parse_timestamp("2022-11-29T00:09:04.380Z")
        );
        for bad in [
            "",
            "2018-10-26",
            "2018-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2018-10-26T24:00:00Z",
            "2018-10-26T13:38:34.Z",
            "2018-10-26T13:38:34Zjunk",
            "2018-10-26T13:38:34+0100",
            "２０18-10-26T13:38:34Z",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    /// A body of `text`, as the reader captures it.
    fn body(text: &str) -> Body<'static> {
        let raw = RawValue::from_string(text.to_string()).unwrap();
        Body {
            raw: RawBody::Owned(Box::from(raw.get())),
            parsed: OnceLock::new(),
        }
    }

    /// The quick search for a text reads what serde's reads, or gives up.
    #[test]
    fn the_quick_text_at_agrees_with_serde_or_gives_up() {
        let deep = format!(
            r#"{{"metadata":{{"name":"web"}},"spec":{}1{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        // (text, whether the quick search must answer rather than give up)
        let cases = [
            (
                r#"{"kind":"Pod","metadata":{"name":"web-1","generateName":"web-"}}"#,
                true,
            ),
            (
                r#" {"status":{"phase":"Running","n":[1,-2.5,0,true,false,null]},"metadata":{"labels":{"a":"b"},"name":"w\"e\u00e9b"}} "#,
                true,
            ),
            (
                r#"{"metadata":{"name":"first"},"metadata":{"name":"last","name":"really last"}}"#,
                true,
            ),
            (
                r#"{"metadata":{"name":"a"},"metadata":"not an object"}"#,
                true,
            ),
            (r#"{"metadata":{"name":7}}"#, true),
            (r#"{"metadata":[{"name":"in a list"}]}"#, true),
            (r#""text""#, true),
            ("[]", true),
            (r#"{"metadata":{"na\u006de":"escaped key"}}"#, false),
            (
                r#"{"spec":{"n":1e999},"metadata":{"name":"out of range"}}"#,
                false,
            ),
            (
                r#"{"spec":{"n":1e2},"metadata":{"name":"an exponent"}}"#,
                false,
            ),
            (
                r#"{"spec":{"n":123456789012345678901234567890},"metadata":{"name":"long"}}"#,
                false,
            ),
            (
                r#"{"spec":{"s":"\ud800"},"metadata":{"name":"lone surrogate"}}"#,
                false,
            ),
            (
                r#"{"spec":{"s":"\ud83d\ude00"},"metadata":{"name":"a pair"}}"#,
                false,
            ),
            (
                r#"{"$serde_json::private::RawValue":"{\"metadata\":{\"name\":\"raw\"}}"}"#,
                false,
            ),
            (
                r#"{"metadata":{"name":"x"},"spec":{"$serde_json::private::RawValue":"[}"}}"#,
                false,
            ),
            (r#"{"metadata":{"name":"x"}} trailing"#, false),
            (r#"{"metadata":{"name":"x"},}"#, false),
            (deep.as_str(), false),
        ];
        for (text, answers) in cases {
            for path in [&["metadata", "name"][..], &["metadata"], &["kind"], &[]] {
                let by_serde = text_at_in(text, path).ok();
                match quick::text_at(text, path) {
                    Some(found) => assert_eq!(Some(found), by_serde, "{text} at {path:?}"),
                    None => assert!(!answers, "gave up on {text} at {path:?}"),
                }
            }
        }
    }

    #[test]
    fn text_at_finds_what_a_pointer_finds() {
        let deep = format!(
            r#"{{"metadata":{{"name":"web"}},"spec":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        let texts = [
            r#"{"kind":"Pod","metadata":{"name":"web-1","generateName":"web-"}}"#,
            r#"{"metadata":{"name":"first"},"metadata":{"name":"last","name":"really last"}}"#,
            r#"{"metadata":{"name":"a"},"metadata":"not an object"}"#,
            r#"{"metadata":{"name":7}}"#,
            r#"{"metadata":[{"name":"in a list"}]}"#,
            r#"{"metadata":{"na\u006de":"escaped key","labels":{"x":"y"}}}"#,
            r#"{"spec":{"n":1e999},"metadata":{"name":"out of range"}}"#,
            r#"{"$serde_json::private::RawValue":"{\"metadata\":{\"name\":\"raw\"}}"}"#,
            r#"{"$serde_json::private::RawValue":"{not json"}"#,
            r#"{"metadata":{"$serde_json::private::RawValue":"{\"name\":\"raw inside\"}"}}"#,
            r#"{"spec":{"$serde_json::private::RawValue":"[}"},"metadata":{"name":"x"}}"#,
            r#"{"metadata":{"name":"x"},"spec":{"a":[1,{"b":null}],"c":true}}"#,
            deep.as_str(),
            "[]",
            r#""text""#,
        ];
        for text in texts {
            for path in [&["metadata", "name"][..], &["metadata"], &["kind"], &[]] {
                let pointer = format!("/{}", path.join("/"));
                let pointer = if path.is_empty() {
                    ""
                } else {
                    pointer.as_str()
                };
                let expected = body(text)
                    .pointer(pointer)
                    .and_then(Value::as_str)
                    .map(str::to_string);
                assert_eq!(body(text).text_at(path), expected, "{text} at {pointer}");
                // The same from a body already parsed.
                let parsed = body(text);
                let _ = parsed.value();
                assert_eq!(parsed.text_at(path), expected, "{text} at {pointer}");
            }
        }
    }
}
