//! JSON bytes into [`Node`] trees without positions, through serde: for what programs write
//! (list responses of the API server, admission reviews), which nobody edits by line and column.
//! Files go through `palisade-load`, which keeps positions.
//!
//! One pass from bytes to nodes, with no `serde_json::Value` in between (building and dropping
//! that second tree cost as much as parsing). Mappings keep their keys in the order written, as
//! `palisade-load` does, and a repeated key is kept too: lookups take the last, as kubectl does.
//! serde_json's recursion limit bounds the nesting, so a hostile body gets an error, not a stack
//! overflow.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::keys::intern;
use crate::{Entry, Node, Pos, Value};

/// A [`Node`] read from JSON: deserialise it from a `serde_json::Deserializer`.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonNode(pub Node);

impl<'de> Deserialize<'de> for JsonNode {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<JsonNode, D::Error> {
        NodeSeed.deserialize(deserializer).map(JsonNode)
    }
}

/// Reads one JSON value (and nothing after it) into a tree.
pub fn from_slice(bytes: &[u8]) -> serde_json::Result<Node> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let node = NodeSeed.deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(node)
}

/// Any JSON value, as a seed: for visitors that read some fields themselves and hand the rest
/// over.
#[derive(Debug, Clone, Copy, Default)]
pub struct NodeSeed;

impl<'de> DeserializeSeed<'de> for NodeSeed {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        let mut scratch = Scratch::default();
        ScratchSeed {
            scratch: &mut scratch,
        }
        .deserialize(deserializer)
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

struct ScratchSeed<'s> {
    scratch: &'s mut Scratch,
}

impl<'de> DeserializeSeed<'de> for ScratchSeed<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn node(value: Value) -> Node {
    Node::new(Pos::UNKNOWN, value)
}

impl<'de> Visitor<'de> for ScratchSeed<'_> {
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
        // As `serde_json::Value`, which has no number for NaN or an infinity.
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
        while let Some(item) = seq.next_element_seed(ScratchSeed {
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
            let value = map.next_value_seed(ScratchSeed {
                scratch: &mut *self.scratch,
            })?;
            self.scratch.entries.push(Entry {
                key,
                key_pos: Pos::UNKNOWN,
                value,
            });
        }
        let entries: Box<[Entry]> = self.scratch.entries.drain(start..).collect();
        Ok(node(Value::Map(entries)))
    }
}

/// A mapping key, [`intern`]ed.
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
        Ok(intern(key))
    }

    fn visit_string<E>(self, key: String) -> Result<Self::Value, E> {
        Ok(intern(key))
    }
}

#[cfg(test)]
/// The tree as a `serde_json::Value` keeps it: every mapping's keys sorted, each once with
/// its last value.
pub(crate) fn as_value_keeps_it(node: &Node) -> Node {
    let value = match &node.value {
        Value::Seq(items) => Value::Seq(items.iter().map(as_value_keeps_it).collect()),
        Value::Map(entries) => {
            let mut kept: Vec<Entry> = Vec::new();
            for entry in entries.iter() {
                let entry = Entry {
                    value: as_value_keeps_it(&entry.value),
                    ..entry.clone()
                };
                match kept.iter_mut().find(|old| old.key == entry.key) {
                    Some(old) => old.value = entry.value,
                    None => kept.push(entry),
                }
            }
            kept.sort_by(|a, b| a.key.cmp(&b.key));
            Value::Map(kept.into_boxed_slice())
        }
        other => other.clone(),
    };
    Node::new(node.pos, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `serde_json::Value` makes of the text, as a tree.
    fn through_value(text: &[u8]) -> serde_json::Result<Node> {
        serde_json::from_slice::<serde_json::Value>(text).map(|value| Node::from_json(&value))
    }

    #[test]
    fn keys_keep_their_order_and_repeats_and_lookups_take_the_last() {
        let node = from_slice(br#"{"b": 1, "a": 2, "b": 3}"#).unwrap();
        let keys: Vec<&str> = node.entries().iter().map(|e| e.key.as_ref()).collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert_eq!(node.get("b").and_then(Node::as_i64), Some(3));
    }

    #[test]
    fn the_content_is_the_one_value_gives() {
        let texts: &[&str] = &[
            r#"{"b": 1, "a": [true, null, "x", -3, 2.5, 1e3], "c": {"z": {}, "y": []}}"#,
            r#"{"a": 1, "a": 2, "b": 0, "a": 3}"#,
            r#"{"k": 18446744073709551615, "m": -9223372036854775808, "n": 9223372036854775807}"#,
            r#"{"é": 1, "e": 2, "E": 3, "": 4, "\u0000": 5, "image": 6, "metadata": {}}"#,
            r#"[{"x": "\"\\\n\u00e9\ud83d\ude00"}, -0, 0.0, -0.0, 1.5e-300]"#,
            r#""text""#,
            "12",
            "null",
        ];
        for text in texts {
            assert_eq!(
                as_value_keeps_it(&from_slice(text.as_bytes()).unwrap()),
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
            "{} {}",
            deep.as_str(),
        ] {
            let ours = from_slice(text.as_bytes()).unwrap_err().to_string();
            let theirs = through_value(text.as_bytes()).unwrap_err().to_string();
            assert_eq!(ours, theirs, "{text}");
        }
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
                prop::collection::vec(("[a-d]{0,2}|name|kind", inner), 0..6)
                    .prop_map(|pairs| Json::Object(pairs.into_iter().collect())),
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
        fn any_json_gives_the_content_value_gives(value in json_value()) {
            let text = serde_json::to_vec(&value).unwrap();
            prop_assert_eq!(
                as_value_keeps_it(&from_slice(&text).unwrap()),
                through_value(&text).unwrap()
            );
        }

        #[test]
        fn unsorted_and_repeated_keys_keep_their_order(
            pairs in prop::collection::vec(("[a-d]{0,2}", json_value()), 0..8)
        ) {
            let text = object_text(&pairs);
            let node = from_slice(text.as_bytes()).unwrap();
            let keys: Vec<&str> = node.entries().iter().map(|e| e.key.as_ref()).collect();
            let written: Vec<&str> = pairs.iter().map(|(key, _)| key.as_str()).collect();
            prop_assert_eq!(keys, written);
            prop_assert_eq!(
                as_value_keeps_it(&node),
                through_value(text.as_bytes()).unwrap()
            );
        }
    }
}
