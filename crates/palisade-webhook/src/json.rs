//! Edits of the review's object, read by [`palisade_model::json`] (keys in the order written,
//! as a scan of the same JSON text reads them).

use std::borrow::Cow;

use palisade_model::{Entry, Node, Pos, Value};

/// Sets `key` of a mapping to `value`: the value of the key where it is written (its last
/// occurrence, the one lookups find), else a new entry at the end. Does nothing to a node that
/// is no mapping.
pub fn insert(map: &mut Node, key: &str, value: Node) {
    let Value::Map(entries) = &mut map.value else {
        return;
    };
    match entries.iter_mut().rev().find(|entry| entry.key == key) {
        Some(entry) => entry.value = value,
        None => {
            let mut grown = std::mem::take(entries).into_vec();
            grown.push(Entry {
                key: Cow::Owned(key.to_string()),
                key_pos: Pos::UNKNOWN,
                value,
            });
            *entries = grown.into_boxed_slice();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(value: Value) -> Node {
        Node::new(Pos::UNKNOWN, value)
    }

    #[test]
    fn insert_replaces_the_key_that_lookups_find_or_appends() {
        let mut map = palisade_model::json::from_slice(br#"{"c": 3, "a": 1, "c": 0}"#).unwrap();
        insert(&mut map, "b", node(Value::Int(2)));
        insert(&mut map, "c", node(Value::Int(4)));
        assert_eq!(
            map,
            palisade_model::json::from_slice(br#"{"c": 3, "a": 1, "c": 4, "b": 2}"#).unwrap()
        );
        assert_eq!(map.get("c").and_then(Node::as_i64), Some(4));
        let mut not_a_map = node(Value::Int(1));
        insert(&mut not_a_map, "a", node(Value::Null));
        assert_eq!(not_a_map, node(Value::Int(1)));
    }
}
