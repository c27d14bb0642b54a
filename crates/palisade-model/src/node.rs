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
            match node.locate_step(raw) {
                Some((pos, child)) => {
                    best = pos;
                    node = child;
                }
                None => break,
            }
            match next {
                Some(after) => rest = after,
                None => break,
            }
        }
        best
    }

    /// One step of [`Node::locate`]: the child that `raw`, a token of a JSON pointer (still
    /// escaped), names, with the position a finding there points at (in a mapping, its key's);
    /// `None` when the token names nothing.
    pub fn locate_step(&self, raw: &str) -> Option<(Pos, &Node)> {
        let token = unescape_pointer_token(raw);
        match &self.value {
            Value::Map(entries) => entries.iter().rev().find(|e| e.key == token).map(|entry| {
                let pos = if entry.key_pos.is_known() {
                    entry.key_pos
                } else {
                    entry.value.pos
                };
                (pos, &entry.value)
            }),
            Value::Seq(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| items.get(i))
                .map(|item| (item.pos, item)),
            _ => None,
        }
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

    /// Parses JSON text into a node tree without positions ([`crate::json`]): the content
    /// [`Node::from_json`] makes of the text parsed as a `serde_json::Value`, without the
    /// `Value` in between, the keys in the order written.
    pub fn from_json_text(text: &str) -> Result<Node, serde_json::Error> {
        crate::json::from_slice(text.as_bytes())
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
        ];
        for text in texts {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let node = Node::from_json_text(text).unwrap();
            // The same content; the keys as written (a `Value` sorts them).
            assert_eq!(
                crate::json::as_value_keeps_it(&node),
                Node::from_json(&value),
                "{text}"
            );
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
