//! JSON straight into the rules' tree ([`Node`]), without a `serde_json::Value` in between:
//! building and dropping that intermediate tree cost as much as parsing the review.
//!
//! The tree is the one `Node::from_json(&serde_json::from_slice(..)?)` builds, so that the
//! webhook answers as it did when it went through `Value`: the keys of a mapping sorted (as
//! `Value`'s map sorts them), a repeated key keeping its last value, integers that fit in an
//! `i64` as integers and every other number as a float. (One quirk of `Value` is not kept: a
//! mapping whose first key is serde_json's private raw-value marker is read as a mapping, not
//! as the JSON text in its value.)

use std::borrow::Cow;
use std::fmt;

use palisade_model::{Entry, Node, Pos, Value};
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// A [`Node`] read from JSON; deserialise it from a `serde_json::Deserializer` (whose depth
/// limit applies as it does to `Value`).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonNode(pub Node);

impl<'de> Deserialize<'de> for JsonNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonNode, D::Error> {
        let mut scratch = Scratch::default();
        NodeSeed {
            scratch: &mut scratch,
        }
        .deserialize(deserializer)
        .map(JsonNode)
    }
}

/// Where the entries of the mappings and the items of the sequences being read are gathered,
/// nested ones above their parents', to be moved into an allocation of their exact size when
/// their collection ends: one allocation per collection, instead of a vector grown step by
/// step and shrunk at the end.
#[derive(Default)]
struct Scratch {
    entries: Vec<Entry>,
    items: Vec<Node>,
}

struct NodeSeed<'s> {
    scratch: &'s mut Scratch,
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn node(value: Value) -> Node {
    Node::new(Pos::UNKNOWN, value)
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = Node;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Node, E> {
        Ok(node(Value::Bool(flag)))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Node, E> {
        Ok(node(Value::Int(number)))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Node, E> {
        Ok(node(match i64::try_from(number) {
            Ok(int) => Value::Int(int),
            Err(_) => Value::Float(number as f64),
        }))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Node, E> {
        // `Value` has no number for NaN or an infinity and keeps null instead.
        Ok(node(if number.is_finite() {
            Value::Float(number)
        } else {
            Value::Null
        }))
    }

    fn visit_str<E>(self, text: &str) -> Result<Node, E> {
        Ok(node(Value::Str(text.to_string())))
    }

    fn visit_string<E>(self, text: String) -> Result<Node, E> {
        Ok(node(Value::Str(text)))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(node(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let start = self.scratch.items.len();
        while let Some(item) = seq.next_element_seed(NodeSeed {
            scratch: &mut *self.scratch,
        })? {
            self.scratch.items.push(item);
        }
        let items: Box<[Node]> = self.scratch.items.drain(start..).collect();
        Ok(node(Value::Seq(items)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let start = self.scratch.entries.len();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let value = map.next_value_seed(NodeSeed {
                scratch: &mut *self.scratch,
            })?;
            self.scratch.entries.push(Entry {
                key,
                key_pos: Pos::UNKNOWN,
                value,
            });
        }
        let entries: Vec<Entry> = self.scratch.entries.drain(start..).collect();
        Ok(node(Value::Map(sorted_entries(entries).into_boxed_slice())))
    }
}

/// A mapping key: a shared static string when it is one of the keys Kubernetes objects repeat.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'static, str>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Cow<'static, str>;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a string key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(common_key(key).map_or_else(|| Cow::Owned(key.to_string()), Cow::Borrowed))
    }

    fn visit_string<E>(self, key: String) -> Result<Self::Value, E> {
        Ok(common_key(&key).map_or(Cow::Owned(key), Cow::Borrowed))
    }
}

/// The keys of pod specs and their objects that every review repeats, as static strings.
fn common_key(key: &str) -> Option<&'static str> {
    Some(match key {
        "apiVersion" => "apiVersion",
        "kind" => "kind",
        "metadata" => "metadata",
        "name" => "name",
        "namespace" => "namespace",
        "labels" => "labels",
        "annotations" => "annotations",
        "uid" => "uid",
        "spec" => "spec",
        "status" => "status",
        "template" => "template",
        "selector" => "selector",
        "matchLabels" => "matchLabels",
        "replicas" => "replicas",
        "strategy" => "strategy",
        "containers" => "containers",
        "initContainers" => "initContainers",
        "image" => "image",
        "imagePullPolicy" => "imagePullPolicy",
        "command" => "command",
        "args" => "args",
        "env" => "env",
        "value" => "value",
        "valueFrom" => "valueFrom",
        "secretKeyRef" => "secretKeyRef",
        "configMapKeyRef" => "configMapKeyRef",
        "fieldRef" => "fieldRef",
        "fieldPath" => "fieldPath",
        "key" => "key",
        "ports" => "ports",
        "containerPort" => "containerPort",
        "protocol" => "protocol",
        "resources" => "resources",
        "requests" => "requests",
        "limits" => "limits",
        "cpu" => "cpu",
        "memory" => "memory",
        "securityContext" => "securityContext",
        "capabilities" => "capabilities",
        "drop" => "drop",
        "add" => "add",
        "allowPrivilegeEscalation" => "allowPrivilegeEscalation",
        "readOnlyRootFilesystem" => "readOnlyRootFilesystem",
        "runAsNonRoot" => "runAsNonRoot",
        "runAsUser" => "runAsUser",
        "runAsGroup" => "runAsGroup",
        "fsGroup" => "fsGroup",
        "seccompProfile" => "seccompProfile",
        "type" => "type",
        "livenessProbe" => "livenessProbe",
        "readinessProbe" => "readinessProbe",
        "startupProbe" => "startupProbe",
        "httpGet" => "httpGet",
        "path" => "path",
        "port" => "port",
        "volumeMounts" => "volumeMounts",
        "mountPath" => "mountPath",
        "readOnly" => "readOnly",
        "volumes" => "volumes",
        "configMap" => "configMap",
        "secret" => "secret",
        "secretName" => "secretName",
        "emptyDir" => "emptyDir",
        "serviceAccountName" => "serviceAccountName",
        "automountServiceAccountToken" => "automountServiceAccountToken",
        "terminationMessagePath" => "terminationMessagePath",
        "terminationMessagePolicy" => "terminationMessagePolicy",
        "creationTimestamp" => "creationTimestamp",
        "generateName" => "generateName",
        "ownerReferences" => "ownerReferences",
        "managedFields" => "managedFields",
        "app" => "app",
        _ => return None,
    })
}

/// The entries in key order, each key once with its last value: what a `BTreeMap` makes of
/// them. Small mappings (labels, resources) often arrive sorted, so the check comes first.
fn sorted_entries(mut entries: Vec<Entry>) -> Vec<Entry> {
    if entries.windows(2).all(|pair| pair[0].key < pair[1].key) {
        return entries;
    }
    // Stable: among repeated keys, the last written stays last.
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    entries.dedup_by(|later, kept| {
        if later.key == kept.key {
            std::mem::swap(&mut later.value, &mut kept.value);
            true
        } else {
            false
        }
    });
    entries
}

/// Sets `key` of a mapping read by [`JsonNode`] (whose keys are sorted and unique) to `value`,
/// where a `serde_json::Map` would put it: in key order, replacing the value of an existing
/// key. Does nothing to a node that is no mapping.
pub fn insert(map: &mut Node, key: &str, value: Node) {
    let Value::Map(entries) = &mut map.value else {
        return;
    };
    match entries.binary_search_by(|entry| entry.key.as_ref().cmp(key)) {
        Ok(at) => entries[at].value = value,
        Err(at) => {
            let mut grown = std::mem::take(entries).into_vec();
            grown.insert(
                at,
                Entry {
                    key: Cow::Owned(key.to_string()),
                    key_pos: Pos::UNKNOWN,
                    value,
                },
            );
            *entries = grown.into_boxed_slice();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn from_slice(text: &[u8]) -> serde_json::Result<Node> {
        serde_json::from_slice::<JsonNode>(text).map(|JsonNode(node)| node)
    }

    /// What the webhook built before: `Value`, then `Node::from_json`.
    fn through_value(text: &[u8]) -> serde_json::Result<Node> {
        serde_json::from_slice::<serde_json::Value>(text).map(|value| Node::from_json(&value))
    }

    #[test]
    fn the_tree_is_the_one_value_gives() {
        let texts: &[&str] = &[
            r#"{"b": 1, "a": [true, null, "x", -3, 2.5, 1e3], "c": {"z": {}, "y": []}}"#,
            r#"{"a": 1, "a": 2, "b": 0, "a": 3}"#,
            r#"{"k": 18446744073709551615, "m": -9223372036854775808, "n": 9223372036854775807}"#,
            r#"{"é": 1, "e": 2, "E": 3, "": 4, "\u0000": 5}"#,
            r#"[{"x": "\"\\\n\u00e9\ud83d\ude00"}, -0, 0.0, -0.0, 1.5e-300]"#,
            r#""text""#,
            "12",
            "null",
        ];
        for text in texts {
            assert_eq!(
                from_slice(text.as_bytes()).unwrap(),
                through_value(text.as_bytes()).unwrap(),
                "{text}"
            );
        }
    }

    #[test]
    fn errors_are_the_ones_value_gives() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        for text in [
            "{\"a\": ",
            "{\"a\" 1}",
            "[1, 2,]",
            "1e999",
            "{\"a\": tru}",
            "\"\\uD800\"",
            deep.as_str(),
        ] {
            let ours = from_slice(text.as_bytes()).unwrap_err().to_string();
            let theirs = through_value(text.as_bytes()).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn insert_keeps_key_order_and_replaces() {
        let mut map = from_slice(br#"{"a": 1, "c": 3}"#).unwrap();
        insert(&mut map, "b", node(Value::Int(2)));
        insert(&mut map, "c", node(Value::Int(4)));
        insert(&mut map, "d", node(Value::Int(5)));
        assert_eq!(
            map,
            from_slice(br#"{"a": 1, "b": 2, "c": 4, "d": 5}"#).unwrap()
        );
        let mut not_a_map = node(Value::Int(1));
        insert(&mut not_a_map, "a", node(Value::Null));
        assert_eq!(not_a_map, node(Value::Int(1)));
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value as Json;
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<i64>().prop_map(Json::from),
            any::<u64>().prop_map(Json::from),
            (-1e300f64..1e300).prop_map(Json::from),
            "[a-c\u{e9}\"\\\\\n]{0,4}".prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                prop::collection::vec(("[a-d]{0,2}", inner), 0..6)
                    .prop_map(|pairs| { Json::Object(pairs.into_iter().collect()) }),
            ]
        })
    }

    /// A JSON object text with its keys in the order given, repeats included (which a
    /// `serde_json::Value` cannot write).
    fn object_text(pairs: &[(String, serde_json::Value)]) -> String {
        let fields: Vec<String> = pairs
            .iter()
            .map(|(key, value)| format!("{}:{value}", serde_json::Value::from(key.as_str())))
            .collect();
        format!("{{{}}}", fields.join(","))
    }

    proptest! {
        #[test]
        fn any_json_gives_the_tree_value_gives(value in json_value()) {
            let text = serde_json::to_vec(&value).unwrap();
            prop_assert_eq!(from_slice(&text).unwrap(), through_value(&text).unwrap());
        }

        #[test]
        fn unsorted_and_repeated_keys_give_the_tree_value_gives(
            pairs in prop::collection::vec(("[a-d]{0,2}", json_value()), 0..8)
        ) {
            let text = object_text(&pairs);
            prop_assert_eq!(
                from_slice(text.as_bytes()).unwrap(),
                through_value(text.as_bytes()).unwrap()
            );
        }
    }
}
