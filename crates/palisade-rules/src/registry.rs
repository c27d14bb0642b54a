//! The list of built-in rules. Adding a rule: write `src/<layer>/<rule_name>.rs`, declare it
//! in that layer's `mod.rs`, and add one `entry!` line here.

use palisade_model::{RuleDoc, RuleScope};

use crate::docs::leading_doc_comment;
use crate::rule::{Check, Rule};

/// A rule with the source file its documentation is read from.
pub struct RegisteredRule {
    pub rule: &'static Rule,
    source: &'static str,
}

impl RegisteredRule {
    /// The markdown documentation of the rule (its file's leading `//!` comment).
    pub fn documentation(&self) -> String {
        leading_doc_comment(self.source)
    }

    pub fn doc(&self) -> RuleDoc {
        RuleDoc {
            meta: self.rule.meta.clone(),
            scope: match self.rule.check {
                Check::Object(_) => RuleScope::Object,
                Check::Inventory(_) => RuleScope::Inventory,
            },
            documentation: self.documentation(),
        }
    }
}

macro_rules! entry {
    ($layer:ident :: $module:ident) => {
        RegisteredRule {
            rule: &crate::$layer::$module::RULE,
            source: include_str!(concat!(stringify!($layer), "/", stringify!($module), ".rs")),
        }
    };
}

static RULES: &[RegisteredRule] = &[
    entry!(workload::privileged_container),
    entry!(workload::suppression_without_reason),
    entry!(workload::host_network),
    entry!(workload::host_pid),
    entry!(workload::host_ipc),
    entry!(workload::non_default_capabilities),
    entry!(workload::host_path_volume),
    entry!(workload::host_port),
    entry!(workload::probe_or_lifecycle_host),
    entry!(workload::apparmor_unconfined),
    entry!(workload::selinux_custom_options),
    entry!(workload::unmasked_proc_mount),
    entry!(workload::seccomp_unconfined),
    entry!(workload::unsafe_sysctls),
    entry!(workload::windows_host_process),
    entry!(workload::restricted_volume_type),
    entry!(workload::privilege_escalation_allowed),
    entry!(workload::missing_run_as_non_root),
    entry!(workload::run_as_root_user),
    entry!(workload::missing_seccomp_profile),
    entry!(workload::capabilities_not_dropped),
    entry!(workload::added_capabilities),
    entry!(workload::missing_memory_limit),
    entry!(workload::missing_cpu_limit),
    entry!(workload::missing_memory_request),
    entry!(workload::missing_cpu_request),
    // workload hygiene
    entry!(workload::default_namespace),
    entry!(workload::writable_root_filesystem),
    entry!(workload::missing_liveness_probe),
    entry!(workload::missing_readiness_probe),
    // access: service accounts
    entry!(access::automounted_service_account_token),
    entry!(access::default_service_account),
    entry!(access::long_lived_service_account_token),
    // network: exposure
    entry!(network::node_port_service),
    entry!(network::load_balancer_service),
    entry!(network::service_external_ips),
    entry!(network::ingress_without_tls),
    entry!(network::insecure_dashboard),
    entry!(network::dashboard_cluster_admin),
    // supply chain: images
    entry!(supply_chain::latest_image_tag),
    entry!(supply_chain::image_without_digest),
    entry!(supply_chain::unsafe_image_pull_policy),
    entry!(supply_chain::untrusted_registry),
    entry!(supply_chain::typosquatted_image),
    // supply chain: secrets and credentials
    entry!(supply_chain::secret_in_env_var),
    entry!(supply_chain::default_credentials),
    entry!(supply_chain::secret_in_manifest),
    entry!(supply_chain::credential_in_configmap),
    // supply chain: Dockerfiles
    entry!(supply_chain::dockerfile_root_user),
    entry!(supply_chain::dockerfile_remote_add),
    entry!(supply_chain::dockerfile_secret_in_env),
    entry!(supply_chain::dockerfile_unpinned_base_image),
    entry!(supply_chain::dockerfile_latest_base_image),
    entry!(supply_chain::dockerfile_missing_healthcheck),
    // more workload checks, which peer scanners have
    entry!(workload::low_user_id),
    entry!(workload::root_group),
    entry!(workload::privileged_port),
    entry!(workload::ssh_port),
    entry!(workload::missing_ephemeral_storage_limit),
    entry!(workload::workload_in_kube_system),
    entry!(network::ingress_nginx_snippet),
    entry!(supply_chain::git_sync_injection),
    // network: NetworkPolicy coverage and the network plugin (issue 7)
    entry!(network::missing_ingress_policy),
    entry!(network::exposed_workload_without_ingress_policy),
    entry!(network::missing_egress_policy),
    entry!(network::network_policy_allows_all),
    entry!(network::network_policy_selects_nothing),
    entry!(network::egress_policy_blocks_dns),
    entry!(network::namespace_without_default_deny),
    entry!(network::network_policy_not_enforced),
    entry!(network::pod_traffic_not_encrypted),
    // access: RBAC, whole-cluster analysis (issue 7)
    entry!(access::rbac_wildcard),
    entry!(access::rbac_cluster_admin_to_individual),
    entry!(access::rbac_binding_to_everyone),
    entry!(access::rbac_binding_to_missing_role),
    entry!(access::rbac_secret_read),
    entry!(access::rbac_workload_creation),
    entry!(access::rbac_pod_exec),
    entry!(access::rbac_pod_port_forward),
    entry!(access::rbac_escalate_or_bind),
    entry!(access::rbac_impersonation),
    entry!(access::rbac_node_proxy),
    entry!(access::rbac_token_creation),
    entry!(access::rbac_csr_approval),
    entry!(access::rbac_webhook_configuration),
    entry!(access::rbac_persistent_volume_creation),
    entry!(access::rbac_event_deletion),
    entry!(access::rbac_status_modification),
    entry!(access::rbac_namespace_modification),
    entry!(access::rbac_kube_system_configmap_write),
    entry!(access::leftover_bootstrap_token),
    // namespaces (issue 7)
    entry!(workload::namespace_without_resource_quota),
    entry!(workload::namespace_without_limit_range),
    entry!(workload::namespace_without_pod_security),
];

/// Every built-in rule, in registration order.
pub fn all_rules() -> &'static [RegisteredRule] {
    RULES
}

/// The rule with this name.
pub fn find_rule(name: &str) -> Option<&'static RegisteredRule> {
    RULES
        .iter()
        .find(|registered| registered.rule.meta.name == name)
}

/// Metadata and documentation of every rule, sorted by layer and name.
pub fn rule_docs() -> Vec<RuleDoc> {
    let mut docs: Vec<RuleDoc> = RULES.iter().map(RegisteredRule::doc).collect();
    docs.sort_by(|a, b| (a.meta.layer, a.meta.name).cmp(&(b.meta.layer, b.meta.name)));
    docs
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::docs::REQUIRED_SECTIONS;

    #[test]
    fn names_are_unique_kebab_case() {
        let mut seen = HashSet::new();
        for registered in RULES {
            let name = registered.rule.meta.name;
            assert!(seen.insert(name), "duplicate rule name {name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !name.starts_with('-')
                    && !name.ends_with('-'),
                "{name} is not kebab-case"
            );
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
                "{name}: the example needs a fixed manifest after \"Use instead:\""
            );
            assert!(
                !registered.rule.meta.references.is_empty(),
                "{name}: no references"
            );
            assert!(
                !registered.rule.meta.summary.is_empty() && !registered.rule.meta.fix.is_empty()
            );
        }
    }
}
