//! palisade's rules: the built-in rule packs, the registry that lists them with their
//! documentation, the `.palisade.yaml` configuration and the suppression logic.
//!
//! A rule is one file under `src/<layer>/`, whose leading `//!` comment is its documentation
//! (What it does, Why is this bad?, Example, References). `palisade explain` and `docs/rules/`
//! are generated from that comment, so the code and its documentation cannot drift apart.

pub mod absence;
pub mod config;
mod docs;
pub use docs::leading_doc_comment;
mod engine;
pub mod image_ref;
pub mod pod;
mod registry;
mod rule;
pub mod secret_names;
#[cfg(test)]
mod testing;

pub mod access;
pub mod network;
pub mod supply_chain;
pub mod workload;

pub use config::{Config, ConfigError, RuleSetting};
pub use engine::{
    ObjectRules, Outcome, SUPPRESSION_WITHOUT_REASON, check, check_alone, check_each_object,
    check_each_object_with, check_object,
};
pub use registry::{RegisteredRule, all_rules, find_rule, rule_docs};
pub use rule::{Check, Emitter, InventoryContext, ObjectContext, Rule};
