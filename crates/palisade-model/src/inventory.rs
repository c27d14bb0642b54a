use std::collections::HashMap;

use crate::object::Object;

/// Every object of a scan, with indexes for the questions rules ask of the whole cluster.
#[derive(Debug, Default)]
pub struct Inventory {
    objects: Vec<Object>,
    by_kind: HashMap<String, Vec<usize>>,
}

impl Inventory {
    pub fn new() -> Self {
        Inventory::default()
    }

    pub fn from_objects(objects: impl IntoIterator<Item = Object>) -> Self {
        // Collected first: a Vec given is then kept as it is (std reuses its allocation), where
        // pushing the objects one by one would move every one of them.
        let objects: Vec<Object> = objects.into_iter().collect();
        let mut by_kind: HashMap<String, Vec<usize>> = HashMap::new();
        for (index, object) in objects.iter().enumerate() {
            match by_kind.get_mut(&object.kind) {
                Some(indexes) => indexes.push(index),
                None => {
                    by_kind.insert(object.kind.clone(), vec![index]);
                }
            }
        }
        Inventory { objects, by_kind }
    }

    pub fn push(&mut self, object: Object) -> usize {
        let index = self.objects.len();
        // Look up first: cloning the kind for every object would allocate once per object.
        match self.by_kind.get_mut(&object.kind) {
            Some(indexes) => indexes.push(index),
            None => {
                self.by_kind.insert(object.kind.clone(), vec![index]);
            }
        }
        self.objects.push(object);
        index
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&Object> {
        self.objects.get(index)
    }

    pub fn objects(&self) -> &[Object] {
        &self.objects
    }

    /// Objects of one kind, in input order.
    pub fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Object> + 'a {
        self.by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .map(|&index| &self.objects[index])
    }

    /// Objects of one kind in one namespace (an object without a namespace counts as `default`
    /// only when `namespace` is `None`).
    pub fn of_kind_in<'a>(
        &'a self,
        kind: &str,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Object> + 'a {
        self.of_kind(kind)
            .filter(move |object| object.namespace.as_deref() == namespace)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Entry, Node, Pos, Value};

    fn object(kind: &str, namespace: Option<&str>) -> Object {
        let text = |s: &str| Node::new(Pos::UNKNOWN, Value::Str(s.into()));
        let entry = |key: &str, value: Node| Entry {
            key: key.to_string().into(),
            key_pos: Pos::UNKNOWN,
            value,
        };
        let mut metadata = vec![entry("name", text("x"))];
        if let Some(ns) = namespace {
            metadata.push(entry("namespace", text(ns)));
        }
        let root = Node::new(
            Pos::UNKNOWN,
            Value::Map(Box::new([
                entry("apiVersion", text("v1")),
                entry("kind", text(kind)),
                entry(
                    "metadata",
                    Node::new(Pos::UNKNOWN, Value::Map(metadata.into())),
                ),
            ])),
        );
        Object::from_node(root, None).unwrap()
    }

    #[test]
    fn indexes_by_kind_and_namespace() {
        let inventory = Inventory::from_objects([
            object("Pod", Some("a")),
            object("LimitRange", Some("a")),
            object("Pod", Some("b")),
        ]);
        assert_eq!(inventory.of_kind("Pod").count(), 2);
        assert_eq!(inventory.of_kind_in("Pod", Some("b")).count(), 1);
        assert_eq!(inventory.of_kind("Service").count(), 0);
    }
}
