//! Documents to objects: `List` unwrapping and skipping what is not a Kubernetes object.

use std::sync::Arc;

use palisade_model::{Entry, Node, Object, Pos, SourceRef, Value};

use crate::LoadedFile;

fn is_list(node: &Node) -> bool {
    node.get("kind")
        .and_then(Node::as_str)
        .is_some_and(|kind| kind.ends_with("List"))
        && node
            .get("items")
            .is_some_and(|items| items.is_seq() || items.is_null())
}

/// The `apiVersion` and kind of the items of a typed list (`v1`, `Pod` for a `PodList`). The
/// API server leaves both out of the items of a list it returns (`GET /api/v1/pods`); kubectl
/// fills them in from the list, and so does palisade. A plain `List` names no item kind.
fn typed_list_identity(list: &Node) -> Option<(String, String)> {
    let kind = list.get("kind")?.as_str()?.strip_suffix("List")?;
    let api_version = list.get("apiVersion")?.as_str()?;
    (!kind.is_empty() && !api_version.is_empty())
        .then(|| (api_version.to_string(), kind.to_string()))
}

/// Adds the list's `apiVersion` and `kind` to an item mapping that lacks them.
fn fill_identity(item: &mut Node, api_version: &str, kind: &str) {
    let Value::Map(entries) = &mut item.value else {
        return;
    };
    let missing = |key: &str| !entries.iter().any(|entry| entry.key == key);
    let mut added: Vec<Entry> = Vec::new();
    for (key, value) in [("apiVersion", api_version), ("kind", kind)] {
        if missing(key) {
            added.push(Entry {
                key: key.to_string().into(),
                key_pos: Pos::UNKNOWN,
                value: Node::new(Pos::UNKNOWN, Value::Str(value.to_string())),
            });
        }
    }
    if !added.is_empty() {
        let mut all = std::mem::take(entries).into_vec();
        all.extend(added);
        *entries = all.into_boxed_slice();
    }
}

pub(crate) fn objects_from_documents(file: Arc<str>, documents: Vec<Node>) -> LoadedFile {
    let mut loaded = LoadedFile::default();
    for (document, root) in documents.into_iter().enumerate() {
        let document = document as u32;
        if root.is_null() {
            // Only comments, or an empty document between `---` separators: nothing to skip.
            continue;
        }
        if is_list(&root) {
            let item_identity = typed_list_identity(&root);
            let Value::Map(entries) = root.value else {
                continue;
            };
            for entry in entries {
                if entry.key != "items" {
                    continue;
                }
                let Value::Seq(items) = entry.value.value else {
                    continue;
                };
                for (item, mut node) in items.into_iter().enumerate() {
                    if let Some((api_version, kind)) = &item_identity {
                        fill_identity(&mut node, api_version, kind);
                    }
                    let source = SourceRef {
                        file: file.clone(),
                        document,
                        item: Some(item as u32),
                    };
                    match Object::from_node(node, Some(source)) {
                        Some(object) => loaded.objects.push(object),
                        None => loaded.skipped_documents += 1,
                    }
                }
            }
            continue;
        }
        let source = SourceRef {
            file: file.clone(),
            document,
            item: None,
        };
        match Object::from_node(root, Some(source)) {
            Some(object) => loaded.objects.push(object),
            None => loaded.skipped_documents += 1,
        }
    }
    loaded
}
