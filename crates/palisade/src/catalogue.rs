//! The rule catalogue of `palisade rules`, `palisade explain` and `docs/rules/`: the manifest
//! rules of `palisade scan` and the audit rules of `palisade audit`, in one list.
//!
//! This file depends on nothing else in the binary: the test that keeps `docs/rules/` in step
//! (`tests/rule_docs.rs`) includes it, so that the pages and `palisade explain` cannot differ.

use palisade_model::RuleDoc;

/// Every rule: the manifest rules of `palisade scan` and the audit rules of `palisade audit`.
pub fn rule_docs() -> Vec<RuleDoc> {
    let mut docs = palisade_rules::rule_docs();
    let mut audit: Vec<RuleDoc> = palisade_audit::all_rules()
        .iter()
        .map(audit_rule_doc)
        .collect();
    audit.sort_by(|a, b| a.meta.name.cmp(b.meta.name));
    docs.extend(audit);
    docs
}

/// The documentation of one rule, manifest or audit rule.
pub fn find_rule_doc(name: &str) -> Option<RuleDoc> {
    palisade_rules::find_rule(name)
        .map(|registered| registered.doc())
        .or_else(|| palisade_audit::find_rule(name).map(audit_rule_doc))
}

/// An audit rule's documentation, opening with what sets it apart from a manifest rule: what
/// applies it, where it is configured, and whether it runs at all without being turned on.
fn audit_rule_doc(registered: &palisade_audit::RegisteredAuditRule) -> RuleDoc {
    let mut doc = registered.doc();
    let name = doc.meta.name;
    // Broken into short lines, as the rules' own documentation is.
    let note = if registered.rule.enabled_by_default {
        format!(
            "An audit rule: `palisade audit` applies it to Kubernetes audit events. In \
             `.palisade.yaml`,\n`audit: {{rules: {{{name}: off}}}}` turns it off, and\n\
             `audit: {{rules: {{{name}: {{severity: high}}}}}}` changes its severity.\n\n"
        )
    } else {
        format!(
            "An audit rule, **off by default** (it reports activity that is often ordinary):\n\
             `audit: {{rules: {{{name}: on}}}}` in `.palisade.yaml` makes `palisade audit` apply \
             it to\nKubernetes audit events.\n\n"
        )
    };
    doc.documentation.insert_str(0, &note);
    doc
}
