use std::borrow::Cow;
use std::fmt;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use crate::pointer::unescape_pointer_token;

/// A position in a source text, both 1-based as editors count (columns in Unicode scalar values).
/// `line == 0` means "unknown": the node did not come from a file (a live object, a webhook body).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { line: 0, column: 0 };

    pub fn new(line: u32, column: u32) -> Self {
        Pos { line, column }
    }

    pub fn is_known(self) -> bool {
        self.line > 0
    }
}

/// A parsed value together with the position where it starts.
///
/// This is the canonical model every rule reads. Unlike typed Kubernetes structs it keeps the
/// difference between an absent field and a default one, and it remembers positions.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

/// The JSON data model, as sigs.k8s.io/yaml turns YAML into JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Box<[Node]>),
    /// Entries in source order. Lookups take the last entry with a key, as kubectl does.
    Map(Box<[Entry]>),
}

/// One key of a mapping, with the position of the key itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Cow<'static, str>,
    pub key_pos: Pos,
    pub value: Node,
}

static NULL_NODE: Node = Node {
    pos: Pos::UNKNOWN,
    value: Value::Null,
};

impl Node {
    pub fn new(pos: Pos, value: Value) -> Self {
        Node { pos, value }
    }

    /// The shared null node, handy as a stand-in for an absent value.
    pub fn null() -> &'static Node {
        &NULL_NODE
    }

    /// The value under `key` in a mapping (the last one if the key repeats).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.value)
    }

    /// The entry under `key`, with the key's own position.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|entry| entry.key == key),
            _ => None,
        }
    }

    /// The item at `index` of a sequence.
    pub fn at(&self, index: usize) -> Option<&Node> {
        match &self.value {
            Value::Seq(items) => items.get(index),
            _ => None,
        }
    }

    /// Follows `keys` through nested mappings.
    pub fn get_path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(flag) => Some(flag),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(number) => Some(number),
            Value::Float(number) if number.fract() == 0.0 && number.abs() < 9.0e15 => {
                Some(number as i64)
            }
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Int(number) => Some(number as f64),
            Value::Float(number) => Some(number),
            _ => None,
        }
    }

    /// The items of a sequence; an empty slice for anything else (including null, which is how
    /// `containers:` with no value reads).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// The entries of a mapping; an empty slice for anything else.
    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_seq(&self) -> bool {
        matches!(self.value, Value::Seq(_))
    }

    /// `true` for a mapping or sequence with no entries, an empty string, or null.
    pub fn is_empty(&self) -> bool {
        match &self.value {
            Value::Null => true,
            Value::Str(text) => text.is_empty(),
            Value::Seq(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
            _ => false,
        }
    }

    /// The name of the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }

    /// One step down: a mapping key, or a sequence index written in decimal.
    pub fn child(&self, token: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(_) => self.get(token),
            Value::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }

    /// The node at a JSON pointer (`/spec/containers/0/image`); `""` is the node itself.
    pub fn pointer(&self, pointer: &str) -> Option<&Node> {
        if pointer.is_empty() {
            return Some(self);
        }
        let rest = pointer.strip_prefix('/')?;
        rest.split('/').try_fold(self, |node, raw| {
            let token = unescape_pointer_token(raw);
            node.child(&token)
        })
    }

    /// The source position a finding at `pointer` should point at: the key of the deepest field
    /// on the path that exists. A missing field therefore points at the object that should hold it.
    pub fn locate(&self, pointer: &str) -> Pos {
        let mut node = self;
        let mut best = self.pos;
        let Some(mut rest) = pointer.strip_prefix('/') else {
            return best;
        };
        loop {
            // Split by bytes: a search for the char '/' costs more than these short tokens.
            let (raw, next) = match rest.bytes().position(|byte| byte == b'/') {
                Some(at) => (&rest[..at], Some(&rest[at + 1..])),
                None => (rest, None),
            };
            let token = unescape_pointer_token(raw);
            match &node.value {
                Value::Map(entries) => match entries.iter().rev().find(|e| e.key == token) {
                    Some(entry) => {
                        best = if entry.key_pos.is_known() {
                            entry.key_pos
                        } else {
                            entry.value.pos
                        };
                        node = &entry.value;
                    }
                    None => break,
                },
                Value::Seq(items) => match token.parse::<usize>().ok().and_then(|i| items.get(i)) {
                    Some(item) => {
                        best = item.pos;
                        node = item;
                    }
                    None => break,
                },
                _ => break,
            }
            match next {
                Some(after) => rest = after,
                None => break,
            }
        }
        best
    }

    /// The scalar as kubectl would print it, or a short description of a collection.
    pub fn display_value(&self) -> String {
        self.to_string()
    }

    /// Converts to `serde_json::Value`, dropping positions.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(flag) => serde_json::Value::Bool(*flag),
            Value::Int(number) => serde_json::Value::from(*number),
            Value::Float(number) => serde_json::Number::from_f64(*number)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(text) => serde_json::Value::String(text.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            Value::Map(entries) => {
                let mut map = serde_json::Map::new();
                for entry in entries {
                    map.insert(entry.key.to_string(), entry.value.to_json());
                }
                serde_json::Value::Object(map)
            }
        }
    }

    /// Builds a node tree without positions, from a value that came from no file (the API, a webhook).
    pub fn from_json(value: &serde_json::Value) -> Node {
        let value = match value {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(flag) => Value::Bool(*flag),
            serde_json::Value::Number(number) => match number.as_i64() {
                Some(int) => Value::Int(int),
                None => Value::Float(number.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(text) => Value::Str(text.clone()),
            serde_json::Value::Array(items) => {
                Value::Seq(items.iter().map(Node::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Map(
                map.iter()
                    .map(|(key, value)| Entry {
                        key: Cow::Owned(key.clone()),
                        key_pos: Pos::UNKNOWN,
                        value: Node::from_json(value),
                    })
                    .collect(),
            ),
        };
        Node::new(Pos::UNKNOWN, value)
    }

    /// Parses JSON text into a node tree without positions: the tree [`Node::from_json`] makes
    /// of the text parsed as a `serde_json::Value`, made without the `Value` in between (which
    /// took as long again to build and to drop). As there, the keys of a mapping are in order
    /// and a key written twice keeps its last value, numbers are integers when they fit an
    /// `i64`, and text nested deeper than serde_json's recursion limit is an error.
    pub fn from_json_text(text: &str) -> Result<Node, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let node = serde::de::DeserializeSeed::deserialize(JsonNode, &mut deserializer)?;
        deserializer.end()?;
        Ok(node)
    }

    /// Counts the nodes of the tree (this one included).
    pub fn count_nodes(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::count_nodes).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.value.count_nodes()).sum(),
            _ => 0,
        }
    }
}

/// Builds a [`Node`] from any JSON value (see [`Node::from_json_text`]).
struct JsonNode;

/// The key by which serde_json marks a raw value. With its `raw_value` feature on (whether it
/// is depends on the other crates of the build), a `serde_json::Value` reads an object whose
/// first key it is as the JSON text of its value; [`JsonNode`] does as the `Value` does.
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

static RAW_VALUE_TOKEN_IS_SPECIAL: std::sync::LazyLock<bool> = std::sync::LazyLock::new(|| {
    let probe = format!(r#"{{"{RAW_VALUE_TOKEN}":"1"}}"#);
    serde_json::from_str::<serde_json::Value>(&probe).is_ok_and(|value| value.is_number())
});

impl<'de> serde::de::DeserializeSeed<'de> for JsonNode {
    type Value = Node;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for JsonNode {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any valid JSON value")
    }

    fn visit_bool<E>(self, flag: bool) -> Result<Node, E> {
        Ok(Node::new(Pos::UNKNOWN, Value::Bool(flag)))
    }

    fn visit_i64<E>(self, number: i64) -> Result<Node, E> {
        Ok(Node::new(Pos::UNKNOWN, Value::Int(number)))
    }

    fn visit_u64<E>(self, number: u64) -> Result<Node, E> {
        let value = i64::try_from(number).map_or(Value::Float(number as f64), Value::Int);
        Ok(Node::new(Pos::UNKNOWN, value))
    }

    fn visit_f64<E>(self, number: f64) -> Result<Node, E> {
        // A `serde_json::Value` holds no infinity or NaN: it makes them null.
        let value = if number.is_finite() {
            Value::Float(number)
        } else {
            Value::Null
        };
        Ok(Node::new(Pos::UNKNOWN, value))
    }

    fn visit_str<E>(self, text: &str) -> Result<Node, E> {
        Ok(Node::new(Pos::UNKNOWN, Value::Str(text.to_string())))
    }

    fn visit_string<E>(self, text: String) -> Result<Node, E> {
        Ok(Node::new(Pos::UNKNOWN, Value::Str(text)))
    }

    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::new(Pos::UNKNOWN, Value::Null))
    }

    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::new(Pos::UNKNOWN, Value::Null))
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        serde::de::DeserializeSeed::deserialize(JsonNode, deserializer)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(JsonNode)? {
            items.push(item);
        }
        Ok(Node::new(
            Pos::UNKNOWN,
            Value::Seq(items.into_boxed_slice()),
        ))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if entries.is_empty() && key == RAW_VALUE_TOKEN && *RAW_VALUE_TOKEN_IS_SPECIAL {
                let text: String = map.next_value()?;
                return Node::from_json_text(&text).map_err(serde::de::Error::custom);
            }
            let value = map.next_value_seed(JsonNode)?;
            entries.push(Entry {
                key: Cow::Owned(key),
                key_pos: Pos::UNKNOWN,
                value,
            });
        }
        // In key order, each key once with its last value, as a `serde_json::Value` keeps them
        // (a sort that keeps equal keys in source order, then the last of each run).
        if !entries.is_sorted_by(|a, b| a.key < b.key) {
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            let mut unique: Vec<Entry> = Vec::with_capacity(entries.len());
            for entry in entries {
                match unique.last_mut() {
                    Some(last) if last.key == entry.key => *last = entry,
                    _ => unique.push(entry),
                }
            }
            entries = unique;
        }
        Ok(Node::new(
            Pos::UNKNOWN,
            Value::Map(entries.into_boxed_slice()),
        ))
    }
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::Null => f.write_str("null"),
            Value::Bool(flag) => write!(f, "{flag}"),
            Value::Int(number) => write!(f, "{number}"),
            Value::Float(number) => write!(f, "{number}"),
            Value::Str(text) => write!(f, "{text:?}"),
            Value::Seq(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if i == 8 {
                        f.write_str("...")?;
                        break;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => write!(f, "{{mapping with {} keys}}", entries.len()),
        }
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.value {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(flag) => serializer.serialize_bool(*flag),
            Value::Int(number) => serializer.serialize_i64(*number),
            Value::Float(number) => serializer.serialize_f64(*number),
            Value::Str(text) => serializer.serialize_str(text),
            Value::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Value::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for entry in entries {
                    map.serialize_entry(&entry.key, &entry.value)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Node {
        let container = Node::new(
            Pos::new(5, 7),
            Value::Map(Box::new([
                Entry {
                    key: "name".into(),
                    key_pos: Pos::new(5, 7),
                    value: Node::new(Pos::new(5, 13), Value::Str("web".into())),
                },
                Entry {
                    key: "a/b~c".into(),
                    key_pos: Pos::new(6, 7),
                    value: Node::new(Pos::new(6, 14), Value::Bool(true)),
                },
            ])),
        );
        Node::new(
            Pos::new(1, 1),
            Value::Map(Box::new([Entry {
                key: "containers".into(),
                key_pos: Pos::new(4, 3),
                value: Node::new(Pos::new(5, 5), Value::Seq(Box::new([container]))),
            }])),
        )
    }

    #[test]
    fn pointer_walks_maps_and_sequences_with_escapes() {
        let root = sample();
        assert_eq!(
            root.pointer("/containers/0/name").and_then(Node::as_str),
            Some("web")
        );
        assert_eq!(
            root.pointer("/containers/0/a~1b~0c")
                .and_then(Node::as_bool),
            Some(true)
        );
        assert!(root.pointer("/containers/1").is_none());
        assert!(root.pointer("containers").is_none());
    }

    #[test]
    fn locate_points_at_key_or_deepest_existing_parent() {
        let root = sample();
        assert_eq!(root.locate("/containers/0/a~1b~0c"), Pos::new(6, 7));
        assert_eq!(
            root.locate("/containers/0/resources/limits"),
            Pos::new(5, 7)
        );
        assert_eq!(root.locate("/containers"), Pos::new(4, 3));
        assert_eq!(root.locate(""), Pos::new(1, 1));
    }

    #[test]
    fn last_duplicate_key_wins_like_kubectl() {
        let node = Node::new(
            Pos::new(1, 1),
            Value::Map(Box::new([
                Entry {
                    key: "privileged".into(),
                    key_pos: Pos::new(1, 1),
                    value: Node::new(Pos::new(1, 13), Value::Bool(false)),
                },
                Entry {
                    key: "privileged".into(),
                    key_pos: Pos::new(2, 1),
                    value: Node::new(Pos::new(2, 13), Value::Bool(true)),
                },
            ])),
        );
        assert_eq!(node.get("privileged").and_then(Node::as_bool), Some(true));
        assert_eq!(node.locate("/privileged"), Pos::new(2, 1));
    }

    #[test]
    fn json_round_trip_and_serialize_agree() {
        let root = sample();
        let json = root.to_json();
        assert_eq!(serde_json::to_value(&root).unwrap(), json);
        assert_eq!(Node::from_json(&json).to_json(), json);
    }

    #[test]
    fn json_text_makes_the_tree_of_its_value() {
        let texts = [
            r#"{"b":1,"a":{"z":[1,-2,3.5,1e3,18446744073709551615,9223372036854775807],"y":null},"c":true}"#,
            r#"{"k":"first","j":[],"k":"last","a":{},"k":{"n":"x"}}"#,
            r#"{"kind":"Pod","metadata":{"name":"web","annotations":{"é\u00e9":"\"q\"\n"}}}"#,
            r#"[{"b":2,"a":1},"text",false,-0.0,12345678901234567890]"#,
            r#""a string""#,
            "  7  ",
            r#"{"$serde_json::private::RawValue":"{\"b\":1,\"a\":2}"}"#,
            r#"{"a":1,"$serde_json::private::RawValue":"{}"}"#,
        ];
        for text in texts {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let node = Node::from_json_text(text).unwrap();
            assert_eq!(node, Node::from_json(&value), "{text}");
        }
        // What a `Value` cannot hold is an error here too: nesting past the recursion limit,
        // trailing text, invalid JSON.
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for text in [deep.as_str(), "{} x", "{\"a\":}", ""] {
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err());
            assert!(Node::from_json_text(text).is_err(), "{text}");
        }
    }
}
