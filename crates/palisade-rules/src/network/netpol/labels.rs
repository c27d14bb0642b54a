//! Labels and Kubernetes label selectors (`matchLabels`, `matchExpressions`), as the API
//! server's `metav1.LabelSelectorAsSelector` reads them.

use palisade_model::{Node, Value};

/// A label set, sorted by key (the last value wins when a key repeats, as kubectl reads YAML).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Labels(Vec<(String, String)>);

impl Labels {
    /// The labels of a `labels:` mapping. Values that are not strings are read as their text
    /// (`1`, `true`): the API server would reject them, and palisade must not guess less.
    pub fn from_node(node: Option<&Node>) -> Labels {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for entry in node.map(Node::entries).unwrap_or(&[]) {
            let Some(value) = scalar_text(&entry.value) else {
                continue;
            };
            match pairs.iter_mut().find(|(key, _)| *key == entry.key) {
                Some(pair) => pair.1 = value,
                None => pairs.push((entry.key.to_string(), value)),
            }
        }
        pairs.sort();
        Labels(pairs)
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Labels {
        let mut labels = Labels::default();
        for (key, value) in pairs {
            labels.insert(key.into(), value.into());
        }
        labels
    }

    /// Sets `key` (replacing its value), keeping the order.
    pub fn insert(&mut self, key: String, value: String) {
        match self.0.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(at) => self.0[at].1 = value,
            Err(at) => self.0.insert(at, (key, value)),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|at| self.0[at].1.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `app=web,tier=front`, for messages.
    pub fn describe(&self) -> String {
        if self.0.is_empty() {
            return "no labels".into();
        }
        self.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// The text of a scalar; `None` for null, mappings and lists.
pub(crate) fn scalar_text(node: &Node) -> Option<String> {
    match &node.value {
        Value::Str(text) => Some(text.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Some(node.to_string()),
        _ => None,
    }
}

/// One requirement of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// `matchLabels` entry, or `In` with the values.
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

impl Requirement {
    pub fn key(&self) -> &str {
        match self {
            Requirement::In(key, _)
            | Requirement::NotIn(key, _)
            | Requirement::Exists(key)
            | Requirement::DoesNotExist(key) => key,
        }
    }

    fn matches(&self, labels: &Labels) -> bool {
        match self {
            Requirement::In(key, values) => labels
                .get(key)
                .is_some_and(|value| values.iter().any(|v| v == value)),
            // A pod without the label is not "in" the excluded values: it matches.
            Requirement::NotIn(key, values) => labels
                .get(key)
                .is_none_or(|value| values.iter().all(|v| v != value)),
            Requirement::Exists(key) => labels.get(key).is_some(),
            Requirement::DoesNotExist(key) => labels.get(key).is_none(),
        }
    }

    fn describe(&self) -> String {
        match self {
            Requirement::In(key, values) if values.len() == 1 => format!("{key}={}", values[0]),
            Requirement::In(key, values) => format!("{key} in ({})", values.join(",")),
            Requirement::NotIn(key, values) => format!("{key} notin ({})", values.join(",")),
            Requirement::Exists(key) => key.clone(),
            Requirement::DoesNotExist(key) => format!("!{key}"),
        }
    }
}

/// A parsed label selector. No requirement means it selects everything (`{}`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub requirements: Vec<Requirement>,
}

impl Selector {
    /// The selector that selects everything (`{}`).
    pub fn everything() -> Selector {
        Selector::default()
    }

    /// Whether this is `{}`.
    pub fn is_everything(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Reads `{matchLabels: ..., matchExpressions: [...]}`. An error describes what the API
    /// server would reject (an unknown operator, `In` without values, `Exists` with values).
    pub fn parse(node: &Node) -> Result<Selector, String> {
        if !node.is_map() && !node.is_null() {
            return Err(format!(
                "a label selector must be a mapping, not a {}",
                node.type_name()
            ));
        }
        let mut requirements = Vec::new();
        if let Some(match_labels) = node.get("matchLabels").filter(|n| !n.is_null()) {
            if !match_labels.is_map() {
                return Err("matchLabels must be a mapping".into());
            }
            for entry in match_labels.entries() {
                let value = scalar_text(&entry.value).ok_or_else(|| {
                    format!("matchLabels value of {:?} must be a string", entry.key)
                })?;
                requirements.retain(|r: &Requirement| r.key() != entry.key);
                requirements.push(Requirement::In(entry.key.to_string(), vec![value]));
            }
        }
        if let Some(expressions) = node.get("matchExpressions").filter(|n| !n.is_null()) {
            if !expressions.is_seq() {
                return Err("matchExpressions must be a list".into());
            }
            for expression in expressions.items() {
                requirements.push(parse_expression(expression)?);
            }
        }
        Ok(Selector { requirements })
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }

    /// `app=web,tier in (a,b)`, or `{}` for the selector of everything.
    pub fn describe(&self) -> String {
        if self.requirements.is_empty() {
            return "{}".into();
        }
        self.requirements
            .iter()
            .map(Requirement::describe)
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn parse_expression(node: &Node) -> Result<Requirement, String> {
    let key = node
        .get("key")
        .and_then(Node::as_str)
        .filter(|key| !key.is_empty())
        .ok_or("a matchExpressions entry needs a key")?
        .to_string();
    let operator = node
        .get("operator")
        .and_then(Node::as_str)
        .ok_or_else(|| format!("matchExpressions entry for {key:?} needs an operator"))?;
    let values_node = node.get("values").filter(|n| !n.is_null());
    let mut values = Vec::new();
    if let Some(list) = values_node {
        if !list.is_seq() {
            return Err(format!("values of {key:?} must be a list"));
        }
        for item in list.items() {
            values.push(
                scalar_text(item).ok_or_else(|| format!("values of {key:?} must be strings"))?,
            );
        }
    }
    match operator {
        "In" | "NotIn" if values.is_empty() => Err(format!(
            "operator {operator} for {key:?} needs at least one value"
        )),
        "In" => Ok(Requirement::In(key, values)),
        "NotIn" => Ok(Requirement::NotIn(key, values)),
        "Exists" | "DoesNotExist" if !values.is_empty() => {
            Err(format!("operator {operator} for {key:?} takes no values"))
        }
        "Exists" => Ok(Requirement::Exists(key)),
        "DoesNotExist" => Ok(Requirement::DoesNotExist(key)),
        other => Err(format!(
            "unknown operator {other:?} for {key:?} (In, NotIn, Exists or DoesNotExist)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(yaml: &str) -> Node {
        palisade_load::parse_documents("t.yaml", yaml)
            .unwrap()
            .remove(0)
    }

    fn selector(yaml: &str) -> Selector {
        Selector::parse(&node(yaml)).unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_pairs(pairs.iter().copied())
    }

    #[test]
    fn empty_selector_selects_everything() {
        assert!(selector("{}").matches(&labels(&[])));
        assert!(selector("{matchLabels: {}}").matches(&labels(&[("a", "b")])));
        assert!(selector("{}").is_everything());
    }

    #[test]
    fn match_labels_and_expressions_are_anded() {
        let s = selector(
            "{matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [a, b]}]}",
        );
        assert!(s.matches(&labels(&[("app", "web"), ("tier", "b")])));
        assert!(!s.matches(&labels(&[("app", "web"), ("tier", "c")])));
        assert!(!s.matches(&labels(&[("tier", "a")])));
    }

    #[test]
    fn not_in_and_does_not_exist_match_pods_without_the_label() {
        let not_in = selector("{matchExpressions: [{key: env, operator: NotIn, values: [prod]}]}");
        assert!(not_in.matches(&labels(&[])));
        assert!(not_in.matches(&labels(&[("env", "dev")])));
        assert!(!not_in.matches(&labels(&[("env", "prod")])));
        let absent = selector("{matchExpressions: [{key: env, operator: DoesNotExist}]}");
        assert!(absent.matches(&labels(&[("app", "x")])));
        assert!(!absent.matches(&labels(&[("env", "")])));
        let exists = selector("{matchExpressions: [{key: env, operator: Exists}]}");
        assert!(exists.matches(&labels(&[("env", "")])));
        assert!(!exists.matches(&labels(&[])));
    }

    #[test]
    fn invalid_selectors_are_errors() {
        for bad in [
            "{matchExpressions: [{key: a, operator: In}]}",
            "{matchExpressions: [{key: a, operator: In, values: []}]}",
            "{matchExpressions: [{key: a, operator: Exists, values: [x]}]}",
            "{matchExpressions: [{key: a, operator: Equals, values: [x]}]}",
            "{matchExpressions: [{operator: Exists}]}",
            "{matchExpressions: {key: a}}",
            "{matchLabels: [a]}",
            "[1]",
        ] {
            assert!(Selector::parse(&node(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_read_scalars() {
        let root = node("labels: {b: 1, a: x, c: [1]}");
        let parsed = Labels::from_node(root.get("labels"));
        assert_eq!(parsed.get("a"), Some("x"));
        assert_eq!(parsed.get("b"), Some("1"));
        assert_eq!(parsed.get("c"), None);
        assert_eq!(parsed.describe(), "a=x,b=1");
    }
}
