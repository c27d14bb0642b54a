//! Documents to objects: `List` unwrapping and skipping what is not a Kubernetes object.

use std::sync::Arc;

use palisade_model::{Node, Object, SourceRef, Value};

use crate::LoadedFile;

fn is_list(node: &Node) -> bool {
    node.get("kind")
        .and_then(Node::as_str)
        .is_some_and(|kind| kind.ends_with("List"))
        && node
            .get("items")
            .is_some_and(|items| items.is_seq() || items.is_null())
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
                for (item, node) in items.into_iter().enumerate() {
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
