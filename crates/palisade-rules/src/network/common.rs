//! Helpers shared by the exposure rules (this module is not a rule).

use palisade_model::{Node, Object};

/// A core `v1` Service (a CRD that happens to be called `Service`, such as Knative's, is not).
pub(crate) fn is_service(object: &Object) -> bool {
    object.kind == "Service" && object.group().is_empty()
}

/// How many values a message lists before it says "and N more".
const LISTED: usize = 5;

/// `a, b, c` or `a, b, c, d, e and 3 more`: bounded, whatever the input holds.
pub(crate) fn listing(items: &[String]) -> String {
    let shown = items.len().min(LISTED);
    let mut text = items[..shown].join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

/// The ports of a Service spec as messages name them, listed by [`listing`]: with `node_ports`,
/// `node port 30080 for port 80/TCP` (or `a node port for port 80/TCP` when Kubernetes picks
/// it), else `port 80/TCP`.
pub(crate) fn service_ports(spec: &Node, node_ports: bool) -> String {
    let described: Vec<String> = spec
        .get("ports")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|item| {
            let port = item.get("port")?.display_value();
            let protocol = item.get("protocol").and_then(Node::as_str).unwrap_or("TCP");
            let node_port = item.get("nodePort").filter(|value| !value.is_null());
            Some(match node_port {
                Some(node_port) if node_ports => {
                    format!(
                        "node port {} for port {port}/{protocol}",
                        node_port.display_value()
                    )
                }
                _ if node_ports => format!("a node port for port {port}/{protocol}"),
                _ => format!("port {port}/{protocol}"),
            })
        })
        .collect();
    listing(&described)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listing_is_bounded() {
        let items: Vec<String> = (0..8).map(|n| n.to_string()).collect();
        assert_eq!(listing(&items), "0, 1, 2, 3, 4 and 3 more");
        assert_eq!(listing(&items[..2]), "0, 1");
        assert_eq!(listing(&[]), "");
    }
}
