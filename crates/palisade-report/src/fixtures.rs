//! A small fixed scan result shared by the tests of every renderer: findings in several layers
//! and of every severity, one from a live object (no location), one whose rule is not in the
//! registry, a message with quotes, `<`, `&` and non-ASCII text, and input errors with and
//! without a position.

use palisade_model::{
    Finding, InputError, Layer, Location, ObjectRef, RuleDoc, RuleMeta, RuleScope, ScanSummary,
    Severity, ThreatActor,
};

use crate::Report;

pub(crate) struct Fixture {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub summary: ScanSummary,
    pub rules: Vec<RuleDoc>,
}

pub(crate) const VERSION: &str = "0.1.0-test";

impl Fixture {
    pub fn new() -> Fixture {
        let mut findings = vec![
            finding(
                "privileged-container",
                Severity::Critical,
                Layer::Workload,
                object("apps/v1", "Deployment", Some("prod"), "web"),
                "/spec/template/spec/containers/0/securityContext/privileged",
                Some(("deploy/web.yaml", 21, 13)),
                "Container \"web\" runs privileged: it can reach every device of the node & load \
                 kernel modules, so a compromise of <web> is root on the node — ünïcödé ✓",
                "Remove `securityContext.privileged: true`; grant only the capabilities the \
                 container needs.",
            ),
            finding(
                "latest-image-tag",
                Severity::Low,
                Layer::SupplyChain,
                object("apps/v1", "Deployment", Some("prod"), "web"),
                "/spec/template/spec/containers/0/image",
                Some(("deploy/web.yaml", 19, 18)),
                "Image \"nginx:latest\" uses the mutable tag \"latest\".",
                "Pin the image by digest.",
            ),
            finding(
                "missing-egress-policy",
                Severity::Medium,
                Layer::Network,
                object("v1", "Namespace", None, "prod"),
                "",
                Some(("deploy/namespace.yaml", 1, 1)),
                "Namespace \"prod\" has no NetworkPolicy that restricts egress.",
                "Add a default-deny egress NetworkPolicy to the namespace.",
            ),
            finding(
                "cluster-admin-binding",
                Severity::High,
                Layer::Access,
                object(
                    "rbac.authorization.k8s.io/v1",
                    "ClusterRoleBinding",
                    None,
                    "ci-admin",
                ),
                "/roleRef/name",
                None,
                "ClusterRoleBinding \"ci-admin\" grants cluster-admin to ServiceAccount ci/deployer.",
                "Bind a Role with only the verbs and resources the subject needs.",
            ),
            finding(
                "team-label-required",
                Severity::Info,
                Layer::Workload,
                object("v1", "ConfigMap", Some("prod"), "web-config"),
                "/metadata/labels",
                Some(("deploy/web.yaml", 3, 3)),
                "ConfigMap \"web-config\" has no \"team\" label.",
                "Add a `team` label.",
            ),
        ];
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));

        let errors = vec![
            InputError {
                file: "deploy/broken.yaml".into(),
                line: Some(4),
                column: Some(7),
                message: "mapping values are not allowed in this context".into(),
            },
            InputError {
                file: "deploy/unreadable.yaml".into(),
                line: None,
                column: None,
                message: "permission denied (os error 13)".into(),
            },
        ];

        let mut summary = ScanSummary {
            files: 4,
            objects: 5,
            skipped_documents: 1,
            suppressed: 1,
            errors: errors.len(),
            ..ScanSummary::default()
        };
        summary.count_findings(&findings);

        Fixture {
            findings,
            errors,
            summary,
            rules: rules(),
        }
    }

    pub fn report(&self) -> Report<'_> {
        Report {
            findings: &self.findings,
            errors: &self.errors,
            summary: &self.summary,
            rules: &self.rules,
            tool_version: VERSION,
        }
    }
}

/// The registry of the fixture: five rules, not in any particular order. `team-label-required`
/// (a custom rule) is deliberately missing.
pub(crate) fn rules() -> Vec<RuleDoc> {
    vec![
        RuleDoc {
            scope: RuleScope::Object,
            meta: RuleMeta {
                name: "privileged-container",
                severity: Severity::Critical,
                layer: Layer::Workload,
                threat_actors: &[
                    ThreatActor::InternalAttacker,
                    ThreatActor::PrivilegedAttacker,
                ],
                references: &[
                    "pss:baseline:privileged-containers",
                    "cis-k8s:5.2.2",
                    "nsa-cisa:pod-security",
                    "mitre:T1611",
                ],
                summary: "A container runs privileged.",
                fix: "Remove `securityContext.privileged: true`.",
            },
            documentation: "## What it does\nChecks for containers with \
                            `securityContext.privileged: true`.\n\n## Why is this bad?\nA \
                            privileged container is root on the node.\n"
                .into(),
        },
        RuleDoc {
            scope: RuleScope::Inventory,
            meta: RuleMeta {
                name: "cluster-admin-binding",
                severity: Severity::High,
                layer: Layer::Access,
                threat_actors: &[ThreatActor::InternalAttacker],
                references: &["cis-k8s:5.1.1", "mitre:T1078.001"],
                summary: "A binding grants cluster-admin.",
                fix: "Bind a narrower Role.",
            },
            documentation: "## What it does\nFinds bindings to `cluster-admin`.\n".into(),
        },
        RuleDoc {
            scope: RuleScope::Inventory,
            meta: RuleMeta {
                name: "missing-egress-policy",
                severity: Severity::Medium,
                layer: Layer::Network,
                threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
                references: &["nsa-cisa:network-separation"],
                summary: "A namespace has no egress NetworkPolicy.",
                fix: "Add a default-deny egress policy.",
            },
            documentation: "## What it does\nFinds namespaces | without egress rules.\n".into(),
        },
        RuleDoc {
            scope: RuleScope::Object,
            meta: RuleMeta {
                name: "anonymous-kubelet-auth",
                severity: Severity::Critical,
                layer: Layer::Host,
                threat_actors: &[ThreatActor::EndUser],
                references: &[
                    "cis-k8s:4.2.1",
                    "k8s-docs:reference/access-authn-authz/kubelet-authn-authz/",
                ],
                summary: "The kubelet accepts anonymous requests.",
                fix: "Set `authentication.anonymous.enabled: false` in the kubelet configuration.",
            },
            documentation: "## What it does\nReads the kubelet configuration.\n".into(),
        },
        RuleDoc {
            scope: RuleScope::Object,
            meta: RuleMeta {
                name: "latest-image-tag",
                severity: Severity::Low,
                layer: Layer::SupplyChain,
                threat_actors: &[],
                references: &[],
                summary: "An image uses the tag latest or no tag at all, so what runs can change \
                          without any change to the manifest that a reviewer could see.",
                fix: "Pin images by digest.",
            },
            documentation: String::new(),
        },
    ]
}

fn object(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> ObjectRef {
    ObjectRef {
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.map(Into::into),
        name: name.into(),
    }
}

#[allow(clippy::too_many_arguments)]
fn finding(
    rule: &str,
    severity: Severity,
    layer: Layer,
    object: ObjectRef,
    path: &str,
    location: Option<(&str, u32, u32)>,
    message: &str,
    fix: &str,
) -> Finding {
    Finding {
        rule: rule.to_string().into(),
        severity,
        layer,
        object: object.into(),
        path: path.into(),
        location: location.map(|(file, line, column)| Location {
            file: file.into(),
            line,
            column,
        }),
        message: message.into(),
        fix: fix.to_string().into(),
    }
}

/// An empty scan: nothing found, nothing broken.
pub(crate) fn clean_summary() -> ScanSummary {
    let mut summary = ScanSummary {
        files: 1,
        objects: 1,
        ..ScanSummary::default()
    };
    summary.count_findings(&[]);
    summary
}
