//! Which rules conclude something from the *absence* of objects of a kind.
//!
//! "No NetworkPolicy selects this pod" is true of a manifest directory without policies, but
//! of a live cluster whose NetworkPolicies could not be listed (403) it is a guess. A scan that
//! could not read a kind withholds the findings of the rules named here for it, and says so,
//! rather than reporting what it cannot know. (Rules that only look at objects that are
//! present lose findings with the kind, and need no entry: the scan's error says it is
//! incomplete.)

/// The workload kinds, whose pods NetworkPolicies select: those of `pod.rs` but PodTemplate,
/// which runs nothing (a test holds the two lists together).
const WORKLOAD_KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// Kinds whose policies isolate pods: the Kubernetes NetworkPolicy and Calico's and Cilium's.
const POLICY_KINDS: &[&str] = &[
    "NetworkPolicy",
    "GlobalNetworkPolicy",
    "CiliumNetworkPolicy",
    "CiliumClusterwideNetworkPolicy",
];

/// What tells the CNI and its settings apart.
const CNI_KINDS: &[&str] = &[
    "DaemonSet",
    "ConfigMap",
    "FelixConfiguration",
    "Installation",
];

/// (rule, kinds whose absence it reads as a fact).
const RESTS_ON_ABSENCE: &[(&str, &[&str])] = &[
    ("missing-ingress-policy", POLICY_KINDS),
    ("missing-egress-policy", POLICY_KINDS),
    ("exposed-workload-without-ingress-policy", POLICY_KINDS),
    ("namespace-without-default-deny", POLICY_KINDS),
    ("network-policy-selects-nothing", WORKLOAD_KINDS),
    ("network-policy-not-enforced", CNI_KINDS),
    ("pod-traffic-not-encrypted", CNI_KINDS),
    ("namespace-without-resource-quota", &["ResourceQuota"]),
    ("namespace-without-limit-range", &["LimitRange"]),
    ("rbac-binding-to-missing-role", &["Role", "ClusterRole"]),
];

/// The rules whose findings would rest on there being no objects of `kind`.
pub fn rules_resting_on_absence_of(kind: &str) -> Vec<&'static str> {
    RESTS_ON_ABSENCE
        .iter()
        .filter(|(_, kinds)| kinds.contains(&kind))
        .map(|(rule, _)| *rule)
        .collect()
}

/// Whether `rule` concludes anything from the absence of objects of some kind.
pub fn rests_on_absence(rule: &str) -> bool {
    RESTS_ON_ABSENCE.iter().any(|(name, _)| *name == rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::find_rule;

    #[test]
    fn the_workload_kinds_are_those_whose_pod_spec_is_found_but_templates() {
        let found: Vec<&str> = crate::pod::built_in_workload_kinds()
            .filter(|kind| *kind != "PodTemplate")
            .collect();
        assert_eq!(WORKLOAD_KINDS, found.as_slice());
    }

    #[test]
    fn every_rule_named_exists() {
        for (rule, _) in RESTS_ON_ABSENCE {
            assert!(find_rule(rule).is_some(), "{rule} is not a rule");
        }
    }

    #[test]
    fn unreadable_policies_withhold_the_coverage_rules_only() {
        assert_eq!(
            rules_resting_on_absence_of("NetworkPolicy"),
            [
                "missing-ingress-policy",
                "missing-egress-policy",
                "exposed-workload-without-ingress-policy",
                "namespace-without-default-deny"
            ]
        );
        assert_eq!(
            rules_resting_on_absence_of("ClusterRole"),
            ["rbac-binding-to-missing-role"]
        );
        assert!(rules_resting_on_absence_of("Secret").is_empty());
    }
}
