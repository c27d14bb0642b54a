//! List responses (JSON bytes) straight into palisade's [`Node`] trees.
//!
//! One pass from bytes to nodes, with no `serde_json::Value` in between: listing is I/O bound,
//! and the conversion should not add a second copy of every object. On the way the objects
//! lose what no rule reads and what must not be kept:
//!
//! - `metadata.managedFields`, server-side apply bookkeeping that is often larger than the
//!   object itself;
//! - for a metadata-only list, everything but `metadata` (the server should send nothing
//!   else; should it anyway, it is dropped unread);
//! - for Secrets, the `kubectl.kubernetes.io/last-applied-configuration` annotation, which
//!   holds the whole Secret as last applied, data included.
//!
//! Items of a list carry no `apiVersion` and `kind` of their own (and those of a metadata-only
//! list say `meta.k8s.io/v1 PartialObjectMetadata`); each item gets the listed kind's.
//! serde_json's recursion limit bounds the nesting, so a hostile body gets an error, not a
//! stack overflow.

use std::borrow::Cow;
use std::fmt;

use palisade_model::json::NodeSeed;
use palisade_model::keys::intern;
use palisade_model::{Entry, Node, Pos, Value};
use serde::Deserializer;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The annotation where `kubectl apply` keeps the object as applied.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// What to do with each item of a list.
#[derive(Clone, Copy, Debug)]
pub struct ItemShape<'a> {
    pub api_version: &'a str,
    pub kind: &'a str,
    /// Keep only `metadata` (a `PartialObjectMetadataList`).
    pub metadata_only: bool,
    /// Drop the last-applied-configuration annotation (Secrets).
    pub drop_last_applied: bool,
}

/// One page of a list.
#[derive(Debug, Default)]
pub struct Page {
    /// The list's own `kind` (`PodList`, `PartialObjectMetadataList`).
    pub kind: Option<String>,
    /// `metadata.continue`: the token for the next page; empty or absent on the last.
    pub continue_token: Option<String>,
    pub items: Vec<Node>,
}

/// Reads one page of a list response.
pub fn parse_page(bytes: &[u8], shape: ItemShape<'_>) -> Result<Page, serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let page = PageSeed { shape }.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(page)
}

/// A JSON value of any shape as a [`Node`] without positions.
pub fn parse_node(bytes: &[u8]) -> Result<Node, serde_json::Error> {
    palisade_model::json::from_slice(bytes)
}

fn node(value: Value) -> Node {
    Node::new(Pos::UNKNOWN, value)
}

fn entry(key: Cow<'static, str>, value: Node) -> Entry {
    Entry {
        key,
        key_pos: Pos::UNKNOWN,
        value,
    }
}

fn text(value: &str) -> Node {
    node(Value::Str(value.to_string()))
}

struct PageSeed<'a> {
    shape: ItemShape<'a>,
}

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = Page;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Page, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = Page;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Kubernetes list object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
        let mut page = Page::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "kind" => page.kind = map.next_value::<Option<String>>()?,
                "metadata" => page.continue_token = map.next_value_seed(ListMetaSeed)?,
                "items" => page.items = map.next_value_seed(ItemsSeed { shape: self.shape })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(page)
    }
}

/// `metadata` of a list: only `continue` matters.
struct ListMetaSeed;

impl<'de> DeserializeSeed<'de> for ListMetaSeed {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListMetaSeed {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("list metadata")
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut token = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == "continue" {
                token = map.next_value::<Option<String>>()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(token.filter(|token| !token.is_empty()))
    }
}

struct ItemsSeed<'a> {
    shape: ItemShape<'a>,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<Node>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<Node>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of objects")
    }

    // `"items": null` is what some servers send for an empty list (kubernetes#13096).
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(ItemSeed { shape: self.shape })? {
            items.push(item);
        }
        Ok(items)
    }
}

/// One object of a list, given the listed kind's identity.
struct ItemSeed<'a> {
    shape: ItemShape<'a>,
}

impl<'de> DeserializeSeed<'de> for ItemSeed<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemSeed<'_> {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let shape = self.shape;
        let mut entries = Vec::with_capacity(6);
        entries.push(entry(Cow::Borrowed("apiVersion"), text(shape.api_version)));
        entries.push(entry(Cow::Borrowed("kind"), text(shape.kind)));
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                // The listed kind's identity replaces whatever the item says.
                "apiVersion" | "kind" => {
                    map.next_value::<IgnoredAny>()?;
                }
                "metadata" => {
                    let metadata = map.next_value_seed(MetadataSeed {
                        drop_last_applied: shape.drop_last_applied,
                    })?;
                    entries.push(entry(Cow::Borrowed("metadata"), metadata));
                }
                _ if shape.metadata_only => {
                    map.next_value::<IgnoredAny>()?;
                }
                other => {
                    let key = intern(other);
                    let value = map.next_value_seed(NodeSeed)?;
                    entries.push(entry(key, value));
                }
            }
        }
        Ok(node(Value::Map(entries.into_boxed_slice())))
    }
}

/// An object's `metadata`, without `managedFields` (and, for Secrets, without the annotation
/// that copies the data).
struct MetadataSeed {
    drop_last_applied: bool,
}

impl<'de> DeserializeSeed<'de> for MetadataSeed {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MetadataSeed {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("object metadata")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::with_capacity(8);
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "managedFields" => {
                    map.next_value::<IgnoredAny>()?;
                }
                "annotations" if self.drop_last_applied => {
                    let annotations = map.next_value_seed(AnnotationsSeed)?;
                    entries.push(entry(Cow::Borrowed("annotations"), annotations));
                }
                other => {
                    let key = intern(other);
                    let value = map.next_value_seed(NodeSeed)?;
                    entries.push(entry(key, value));
                }
            }
        }
        Ok(node(Value::Map(entries.into_boxed_slice())))
    }
}

/// Annotations without [`LAST_APPLIED`], whose value is never read into a node.
struct AnnotationsSeed;

impl<'de> DeserializeSeed<'de> for AnnotationsSeed {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for AnnotationsSeed {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("annotations")
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == LAST_APPLIED {
                map.next_value::<IgnoredAny>()?;
            } else {
                let value = map.next_value_seed(NodeSeed)?;
                entries.push(entry(Cow::Owned(key.into_owned()), value));
            }
        }
        Ok(node(Value::Map(entries.into_boxed_slice())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD_SHAPE: ItemShape<'static> = ItemShape {
        api_version: "v1",
        kind: "Pod",
        metadata_only: false,
        drop_last_applied: false,
    };

    #[test]
    fn items_get_the_listed_identity_and_lose_managed_fields() {
        let body = br#"{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7","continue":"abc"},
            "items":[{"metadata":{"name":"a","namespace":"x","managedFields":[{"manager":"kubectl"}]},
                      "spec":{"containers":[{"name":"c","image":"nginx","ports":[{"containerPort":80}]}]}}]}"#;
        let page = parse_page(body, POD_SHAPE).unwrap();
        assert_eq!(page.kind.as_deref(), Some("PodList"));
        assert_eq!(page.continue_token.as_deref(), Some("abc"));
        let item = &page.items[0];
        assert_eq!(item.get("apiVersion").and_then(Node::as_str), Some("v1"));
        assert_eq!(item.get("kind").and_then(Node::as_str), Some("Pod"));
        assert!(item.pointer("/metadata/managedFields").is_none());
        assert_eq!(
            item.pointer("/spec/containers/0/ports/0/containerPort")
                .and_then(Node::as_i64),
            Some(80)
        );
        assert!(!item.pos.is_known());
    }

    #[test]
    fn a_metadata_only_item_keeps_nothing_but_metadata() {
        let body = br#"{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":{},
            "items":[{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
                      "metadata":{"name":"s","namespace":"x","annotations":{"a":"b","kubectl.kubernetes.io/last-applied-configuration":"{\"data\":{\"password\":\"cGxhbnRlZA==\"}}"}},
                      "data":{"password":"cGxhbnRlZA=="},"stringData":{"p":"planted"}}]}"#;
        let shape = ItemShape {
            api_version: "v1",
            kind: "Secret",
            metadata_only: true,
            drop_last_applied: true,
        };
        let page = parse_page(body, shape).unwrap();
        assert_eq!(page.continue_token, None);
        let item = &page.items[0];
        assert_eq!(item.get("kind").and_then(Node::as_str), Some("Secret"));
        let json = item.to_json().to_string();
        assert!(!json.contains("cGxhbnRlZA"), "{json}");
        assert!(!json.contains("planted"), "{json}");
        assert!(!json.contains("last-applied"), "{json}");
        assert_eq!(
            item.pointer("/metadata/annotations/a")
                .and_then(Node::as_str),
            Some("b")
        );
    }

    #[test]
    fn null_and_missing_items_are_an_empty_page() {
        let page = parse_page(
            br#"{"kind":"PodList","items":null,"metadata":null}"#,
            POD_SHAPE,
        )
        .unwrap();
        assert!(page.items.is_empty());
        let page = parse_page(
            br#"{"kind":"PodList","metadata":{"continue":""}}"#,
            POD_SHAPE,
        )
        .unwrap();
        assert!(page.items.is_empty());
        assert_eq!(page.continue_token, None);
    }

    #[test]
    fn numbers_keep_their_type() {
        let node =
            parse_node(br#"{"i":-3,"u":18446744073709551615,"f":1.5,"b":true,"n":null}"#).unwrap();
        assert_eq!(node.get("i").and_then(Node::as_i64), Some(-3));
        assert!(matches!(
            node.get("u").map(|n| &n.value),
            Some(Value::Float(_))
        ));
        assert!(matches!(
            node.get("f").map(|n| &n.value),
            Some(Value::Float(_))
        ));
        assert_eq!(node.get("b").and_then(Node::as_bool), Some(true));
        assert!(node.get("n").is_some_and(Node::is_null));
    }

    #[test]
    fn hostile_bodies_are_errors_not_crashes() {
        let deep = "[".repeat(100_000);
        assert!(parse_node(deep.as_bytes()).is_err());
        assert!(parse_page(b"{\"items\":[1]}", POD_SHAPE).is_err());
        assert!(parse_page(b"not json", POD_SHAPE).is_err());
        assert!(parse_page(b"{\"items\":[]} trailing", POD_SHAPE).is_err());
    }
}

#[cfg(test)]
mod speed {
    use super::*;

    /// Not a benchmark (debug build): a guard that conversion stays linear and cheap.
    #[test]
    fn ten_thousand_pods_convert_in_reasonable_time() {
        let pod = r#"{"metadata":{"name":"web-NNN","namespace":"shop","labels":{"app":"web"},"managedFields":[{"manager":"kube-controller-manager","operation":"Update","fieldsV1":{"f:metadata":{"f:labels":{}}}}]},"spec":{"containers":[{"name":"web","image":"nginx:1.27","ports":[{"containerPort":80}],"resources":{"limits":{"cpu":"1","memory":"1Gi"}},"securityContext":{"privileged":true}}],"serviceAccountName":"web"},"status":{"phase":"Running","podIP":"10.0.0.1"}}"#;
        let items: Vec<String> = (0..10_000)
            .map(|i| pod.replace("NNN", &i.to_string()))
            .collect();
        let body = format!(
            r#"{{"kind":"PodList","apiVersion":"v1","metadata":{{}},"items":[{}]}}"#,
            items.join(",")
        );
        let shape = ItemShape {
            api_version: "v1",
            kind: "Pod",
            metadata_only: false,
            drop_last_applied: false,
        };
        let start = std::time::Instant::now();
        let page = parse_page(body.as_bytes(), shape).unwrap();
        let elapsed = start.elapsed();
        assert_eq!(page.items.len(), 10_000);
        eprintln!("{} MB in {:?}", body.len() / 1_000_000, elapsed);
        assert!(elapsed.as_secs() < 10, "{elapsed:?}");
    }
}
