//! The list of audit rules. Adding a rule: write `src/rules/<rule_name>.rs`, declare it in
//! `src/rules/mod.rs`, and add one `entry!` line here.

use palisade_model::{RuleDoc, RuleScope};

use palisade_rules::leading_doc_comment;

use crate::detect::AuditRule;

/// An audit rule with the source file its documentation is read from.
pub struct RegisteredAuditRule {
    pub rule: &'static AuditRule,
    source: &'static str,
}

impl RegisteredAuditRule {
    /// The markdown documentation of the rule (its file's leading `//!` comment).
    pub fn documentation(&self) -> String {
        leading_doc_comment(self.source)
    }

    pub fn doc(&self) -> RuleDoc {
        RuleDoc {
            meta: self.rule.meta.clone(),
            scope: RuleScope::AuditEvent,
            documentation: self.documentation(),
        }
    }
}

macro_rules! entry {
    ($module:ident) => {
        RegisteredAuditRule {
            rule: &crate::rules::$module::RULE,
            source: include_str!(concat!("rules/", stringify!($module), ".rs")),
        }
    };
}

static RULES: &[RegisteredAuditRule] = &[
    entry!(exec_into_pod),
    entry!(unexpected_namespace_created),
    entry!(untrusted_image_deployed),
    entry!(service_account_token_outside_cluster),
    entry!(anonymous_request_allowed),
    entry!(repeated_access_denied),
    entry!(user_impersonation),
    entry!(unusual_secret_access),
    entry!(secrets_listed_cluster_wide),
    entry!(service_account_token_created),
    entry!(client_certificate_requested),
    entry!(certificate_signing_request_approved),
    entry!(unexpected_user),
    entry!(port_forward_to_pod),
    entry!(ephemeral_container_added),
    entry!(privileged_pod_created),
    entry!(host_namespace_pod_created),
    entry!(host_path_pod_created),
    entry!(node_port_service_created),
    entry!(configmap_with_credentials),
    entry!(ingress_without_tls_created),
    entry!(workload_created_in_system_namespace),
    entry!(service_account_created_in_system_namespace),
    entry!(cluster_admin_granted),
    entry!(wildcard_role_created),
    entry!(risky_role_created),
    entry!(system_role_modified),
    entry!(admission_webhook_changed),
    entry!(audit_evidence_deleted),
    entry!(persistent_workload_created),
    entry!(object_changed),
];

/// Every audit rule, in registration order.
pub fn all_rules() -> &'static [RegisteredAuditRule] {
    RULES
}

/// The audit rule with this name.
pub fn find_rule(name: &str) -> Option<&'static RegisteredAuditRule> {
    RULES
        .iter()
        .find(|registered| registered.rule.meta.name == name)
}

/// Metadata and documentation of every audit rule, sorted by name.
pub fn rule_docs() -> Vec<RuleDoc> {
    let mut docs: Vec<RuleDoc> = RULES.iter().map(RegisteredAuditRule::doc).collect();
    docs.sort_by(|a, b| a.meta.name.cmp(b.meta.name));
    docs
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use palisade_model::Layer;

    use super::*;

    const REQUIRED_SECTIONS: [&str; 4] = [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## References",
    ];

    #[test]
    fn names_are_unique_kebab_case_and_distinct_from_manifest_rules() {
        let mut seen = HashSet::new();
        for registered in RULES {
            let name = registered.rule.meta.name;
            assert!(seen.insert(name), "duplicate audit rule name {name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !name.starts_with('-')
                    && !name.ends_with('-'),
                "{name} is not kebab-case"
            );
            assert!(
                palisade_rules::find_rule(name).is_none(),
                "{name} is also a manifest rule: `palisade explain` could not tell them apart"
            );
            assert_eq!(registered.rule.meta.layer, Layer::Runtime, "{name}");
        }
    }

    #[test]
    fn every_rule_is_documented_in_four_parts() {
        for registered in RULES {
            let doc = registered.documentation();
            let name = registered.rule.meta.name;
            let mut last = 0;
            for section in REQUIRED_SECTIONS {
                let at = doc
                    .find(section)
                    .unwrap_or_else(|| panic!("{name}: documentation lacks {section:?}"));
                assert!(at >= last, "{name}: {section:?} is out of order");
                last = at;
            }
            assert!(
                doc.contains("Use instead:"),
                "{name}: the example needs what to do instead after \"Use instead:\""
            );
            let meta = &registered.rule.meta;
            assert!(!meta.references.is_empty(), "{name}: no references");
            assert!(!meta.summary.is_empty() && !meta.fix.is_empty());
            assert!(!registered.rule.why.is_empty(), "{name}: no why");
        }
    }
}
