//! Helpers for the rules' unit tests: the findings of one rule on a YAML text.

use palisade_model::{Finding, Inventory};

use crate::config::Config;
use crate::engine::check;
use crate::rule::Rule;

/// The findings of one rule on a YAML text (which must load without errors).
pub(crate) fn findings(rule: &Rule, yaml: &str) -> Vec<Finding> {
    findings_in(rule, "test.yaml", yaml)
}

/// The findings of one rule on a text loaded as the file `name` (its name picks the syntax).
pub(crate) fn findings_in(rule: &Rule, name: &str, text: &str) -> Vec<Finding> {
    let loaded = palisade_load::load_str(name, text);
    assert!(
        loaded.errors.is_empty(),
        "test input does not load: {:?}",
        loaded.errors
    );
    let inventory = Inventory::from_objects(loaded.objects);
    let outcome = check(&inventory, &Config::default());
    assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
    outcome
        .findings
        .into_iter()
        .filter(|finding| finding.rule == rule.meta.name)
        .collect()
}

/// The paths of the findings of one rule.
pub(crate) fn paths(rule: &Rule, yaml: &str) -> Vec<String> {
    findings(rule, yaml)
        .into_iter()
        .map(|f| f.path.to_string())
        .collect()
}
