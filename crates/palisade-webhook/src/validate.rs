//! `/validate`: judges the object of a review with the rules of `palisade scan` and answers
//! allowed, allowed with warnings, or denied with a message that names each rule, the field
//! and the fix.
//!
//! Messages are built from the findings' messages, paths and fixes, which never hold the value
//! of a Secret, a ConfigMap entry or a token (palisade-rules tests that), and from the object's
//! kind, namespace and name. Nothing else of the object is ever written out.

use palisade_model::{Finding, Inventory, Object};
use palisade_rules::Config;

use crate::metrics::{Decision, HitAction, Metrics};
use crate::policy::{Action, Policy};
use crate::review::{AdmissionResponse, ResponseStatus, Review};

/// Kubernetes shows warnings as `Warning: ...` lines; it truncates long ones and drops them
/// past 4 KiB in all, so each is kept to one terminal line and their number is capped.
pub const MAX_WARNING_CHARS: usize = 120;
pub const MAX_WARNINGS: usize = 24;
/// Lines of a denial message: beyond this many findings, the rest are counted.
const MAX_DENIAL_LINES: usize = 20;
/// A finding's line in a denial: room for the rule, path, message and fix, but not for a
/// megabyte image name repeated into the message.
const MAX_DENIAL_LINE_CHARS: usize = 1000;

/// The subresource whose object is a whole Pod with new containers in it: `kubectl debug`
/// adds ephemeral containers through it, and a privileged one is as dangerous as any.
const EPHEMERAL_CONTAINERS: &str = "ephemeralcontainers";

/// Kinds besides the workloads whose objects some rule reads. A review of any other kind is
/// still run through the rules (an ignore annotation without a reason is reported on every
/// kind) but logged, so that a webhook configured for more resources than palisade knows is
/// visible.
const KINDS_RULES_READ: &[&str] = &[
    "Service",
    "Ingress",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "NetworkPolicy",
    "Namespace",
];

/// The answer to a review, and the decision it counts as.
pub struct Judgement {
    pub response: AdmissionResponse,
    pub decision: Decision,
}

impl Judgement {
    fn allowed(uid: String, decision: Decision) -> Judgement {
        Judgement {
            response: AdmissionResponse {
                uid,
                allowed: true,
                ..AdmissionResponse::default()
            },
            decision,
        }
    }
}

/// Whether a review is let through without judgement: DELETE and CONNECT, updates of objects
/// being deleted, subresources other than ephemeral containers (a status update carries the
/// whole Pod, but changes no spec), and exempt namespaces and users. Shared with `/mutate`.
pub fn untouched(review: &Review, policy: &Policy, endpoint: &str) -> Option<Decision> {
    if !review.operation.is_judged() {
        return Some(Decision::Skipped);
    }
    // Refusing an update of an object being deleted would keep its finalizers, and the object,
    // forever.
    if review.being_deleted {
        tracing::debug!(uid = %review.uid, kind = %review.kind, "update of an object being deleted skipped");
        return Some(Decision::Skipped);
    }
    if let Some(sub_resource) = review.sub_resource.as_deref()
        && (endpoint == "mutate" || sub_resource != EPHEMERAL_CONTAINERS)
    {
        tracing::debug!(uid = %review.uid, kind = %review.kind, sub_resource, "subresource request skipped");
        return Some(Decision::Skipped);
    }
    if let Some(exemption) = policy.exemption(review.namespace.as_deref(), &review.user) {
        tracing::debug!(
            uid = %review.uid,
            kind = %review.kind,
            namespace = review.namespace.as_deref().unwrap_or(""),
            exemption,
            "exempt review allowed untouched"
        );
        return Some(Decision::Exempt);
    }
    None
}

/// The object of a review as the rules see it, taken out of the review.
pub fn object_of(review: &mut Review) -> Option<Object> {
    let root = review.object.take()?;
    Some(Object::new(
        None,
        review.api_version.clone(),
        review.kind.clone(),
        review.namespace.clone(),
        review.name.clone(),
        root,
    ))
}

/// Judges a review.
pub fn validate(
    mut review: Review,
    config: &Config,
    policy: &Policy,
    metrics: &Metrics,
) -> Judgement {
    if let Some(decision) = untouched(&review, policy, "validate") {
        return Judgement::allowed(review.uid, decision);
    }
    let Some(object) = object_of(&mut review) else {
        // parse() gives every CREATE and UPDATE an object; this is only a guard.
        return Judgement::allowed(review.uid, Decision::Skipped);
    };
    if !rules_read(&object, config) {
        tracing::info!(
            uid = %review.uid,
            kind = %review.kind,
            api_version = %review.api_version,
            "no palisade rule reads this kind; allowed unless a general rule objects"
        );
    }
    // check_object would copy the object into an inventory of one; this one is ours to give.
    let inventory = Inventory::from_objects([object]);
    let outcome = palisade_rules::check_alone(&inventory, config, |_| true);

    let mut denials: Vec<&Finding> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    for error in &outcome.errors {
        // An unknown rule name in palisade.dev/ignore, or a rule that crashed: the scan fails
        // on these; the webhook tells the requester and judges with the other rules.
        tracing::warn!(uid = %review.uid, kind = %review.kind, error = %error.message, "rule problem");
        warnings.push(line(&["palisade: ", &error.message], MAX_WARNING_CHARS));
    }
    let mut would_deny = 0usize;
    let mut warned_findings: Vec<&Finding> = Vec::new();
    let mut hits: Vec<(&str, HitAction)> = Vec::with_capacity(outcome.findings.len());
    for finding in &outcome.findings {
        let action = match (
            policy.action(&finding.rule, finding.severity),
            policy.is_dry_run(),
        ) {
            (Action::Deny, false) => {
                denials.push(finding);
                HitAction::Deny
            }
            (Action::Deny, true) => {
                would_deny += 1;
                warnings.push(line(
                    &[
                        "dry-run, would deny: ",
                        &finding.rule,
                        ": ",
                        &finding.message,
                    ],
                    MAX_WARNING_CHARS,
                ));
                HitAction::DryRun
            }
            (Action::Warn, _) => {
                warned_findings.push(finding);
                HitAction::Warn
            }
        };
        hits.push((&finding.rule, action));
    }
    metrics.record_rule_hits(review.namespace.as_deref(), hits);
    // Would-be denials first: in dry-run mode they are what the operator is looking for.
    warnings.extend(
        warned_findings
            .iter()
            .map(|finding| line(&[&finding.rule, ": ", &finding.message], MAX_WARNING_CHARS)),
    );
    let warnings = capped(warnings);
    let described = describe(&review);
    if review.dry_run {
        tracing::debug!(uid = %review.uid, "request.dryRun: judged as any other request");
    }

    if !denials.is_empty() {
        let rules: Vec<&str> = denials.iter().map(|f| f.rule.as_ref()).collect();
        tracing::info!(
            uid = %review.uid,
            object = %described,
            operation = review.operation.as_str(),
            rules = %rules.join(","),
            "denied"
        );
        return Judgement {
            response: AdmissionResponse {
                uid: review.uid,
                allowed: false,
                status: Some(ResponseStatus::forbidden(denial_message(
                    &described, &denials,
                ))),
                warnings,
                ..AdmissionResponse::default()
            },
            decision: Decision::Denied,
        };
    }
    if would_deny > 0 {
        tracing::info!(uid = %review.uid, object = %described, would_deny, "allowed in dry-run mode");
    }
    let decision = if warnings.is_empty() {
        Decision::Allowed
    } else {
        Decision::Warned
    };
    Judgement {
        response: AdmissionResponse {
            uid: review.uid,
            allowed: true,
            warnings,
            ..AdmissionResponse::default()
        },
        decision,
    }
}

fn rules_read(object: &Object, config: &Config) -> bool {
    let group = object.group();
    palisade_rules::pod::built_in_workload_kinds().any(|kind| kind == object.kind)
        || config
            .pod_spec_path_for(&object.api_version, &object.kind)
            .is_some()
        || (KINDS_RULES_READ.contains(&object.kind.as_str())
            && matches!(
                group,
                "" | "networking.k8s.io" | "extensions" | "rbac.authorization.k8s.io"
            ))
}

/// `Deployment shop/web`, `ClusterRole admin`.
fn describe(review: &Review) -> String {
    let name = if review.name.is_empty() {
        "(unnamed)"
    } else {
        &review.name
    };
    match review.namespace.as_deref() {
        Some(namespace) => line(&[&review.kind, " ", namespace, "/", name], usize::MAX),
        None => line(&[&review.kind, " ", name], usize::MAX),
    }
}

/// "palisade denied Deployment shop/web: RULE at PATH: MESSAGE; fix: FIX", one finding per line
/// when there are several.
fn denial_message(described: &str, denials: &[&Finding]) -> String {
    let finding_line = |finding: &Finding| {
        let path = if finding.path.is_empty() {
            "the object"
        } else {
            &finding.path
        };
        line(
            &[
                &finding.rule,
                " at ",
                path,
                ": ",
                &finding.message,
                "; fix: ",
                &finding.fix,
            ],
            MAX_DENIAL_LINE_CHARS,
        )
    };
    match denials {
        [only] => format!("palisade denied {described}: {}", finding_line(only)),
        _ => {
            let mut message = format!("palisade denied {described} ({} findings):", denials.len());
            for finding in denials.iter().take(MAX_DENIAL_LINES) {
                message.push('\n');
                message.push_str(&finding_line(finding));
            }
            if denials.len() > MAX_DENIAL_LINES {
                message.push_str(&format!(
                    "\n... and {} more (palisade scan lists them all)",
                    denials.len() - MAX_DENIAL_LINES
                ));
            }
            message
        }
    }
}

/// The parts joined on one line of at most `max_chars` characters, the last of them `…` when
/// the text was longer. Control characters (a newline in a name or message) become spaces:
/// they would break a warning header or a denial's one-line-per-finding layout. Only what is
/// kept is copied, so a long message cut to a short warning costs its first characters.
fn line(parts: &[&str], max_chars: usize) -> String {
    let bytes: usize = parts.iter().map(|part| part.len()).sum();
    let mut line = String::with_capacity(bytes.min(max_chars.saturating_add(3)));
    let mut chars = 0usize;
    for part in parts {
        // Only what can be kept is looked at: messages run to hundreds of characters.
        let room = max_chars - chars;
        let kept = &part.as_bytes()[..part.len().min(room.saturating_add(1))];
        if kept.iter().all(|byte| (0x20..0x7f).contains(byte)) {
            // One byte per character, none to replace.
            if part.len() <= room {
                line.push_str(part);
                chars += part.len();
                continue;
            }
            line.push_str(&part[..room]);
            line.pop();
            line.push('…');
            return line;
        }
        for c in part.chars() {
            if chars == max_chars {
                line.pop();
                line.push('…');
                return line;
            }
            line.push(if c.is_control() { ' ' } else { c });
            chars += 1;
        }
    }
    line
}

/// At most [`MAX_WARNINGS`] warnings (each already at most [`MAX_WARNING_CHARS`] characters).
fn capped(warnings: Vec<String>) -> Vec<String> {
    let total = warnings.len();
    let keep = if total > MAX_WARNINGS {
        MAX_WARNINGS - 1
    } else {
        total
    };
    let mut capped: Vec<String> = warnings.into_iter().take(keep).collect();
    if total > keep {
        capped.push(format!(
            "palisade: {} more warnings (palisade scan lists them all)",
            total - keep
        ));
    }
    capped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_are_short_single_lines() {
        let long = "x".repeat(300) + "\nsecond line";
        let warning = line(&["rule: ", &long], MAX_WARNING_CHARS);
        assert_eq!(warning.chars().count(), MAX_WARNING_CHARS);
        assert!(warning.ends_with('…'));
        assert!(!warning.contains('\n'));
        assert_eq!(line(&["short"], MAX_WARNING_CHARS), "short");
        // Multi-byte characters are cut on a character boundary.
        let wide = "é".repeat(500);
        assert_eq!(
            line(&[&wide], MAX_WARNING_CHARS).chars().count(),
            MAX_WARNING_CHARS
        );
    }

    /// The line by its definition: the parts joined, control characters made spaces, then at
    /// most `max_chars` characters, the last of them an ellipsis when the text was longer.
    fn line_by_definition(parts: &[&str], max_chars: usize) -> String {
        let text: String = parts
            .concat()
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if text.chars().count() <= max_chars {
            return text;
        }
        let mut short: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        short.push('…');
        short
    }

    #[test]
    fn lines_agree_with_their_definition() {
        let texts = [
            String::new(),
            "a".repeat(119),
            "a".repeat(120),
            "a".repeat(121),
            format!("{}é", "a".repeat(119)),
            format!("{}é", "a".repeat(118)),
            format!("é{}", "a".repeat(119)),
            format!("é{}", "a".repeat(120)),
            "é".repeat(60),
            "é".repeat(61),
            "日本".repeat(70),
            format!("{}\u{85}x\u{9f}\u{a0}\u{7f}\t\n", "Ç".repeat(3)),
            format!("{}\n{}", "b".repeat(60), "c".repeat(60)),
        ];
        for text in &texts {
            for max_chars in [0, 1, 2, 60, 119, 120, 121, 200, usize::MAX] {
                // The text whole, and cut into parts at every tenth character.
                let chars: Vec<char> = text.chars().collect();
                let pieces: Vec<String> = chars
                    .chunks(10)
                    .map(|chunk| chunk.iter().collect())
                    .collect();
                let pieces: Vec<&str> = pieces.iter().map(String::as_str).collect();
                for parts in [vec![text.as_str()], pieces, vec!["", text.as_str(), ""]] {
                    assert_eq!(
                        line(&parts, max_chars),
                        line_by_definition(&parts, max_chars),
                        "{parts:?} {max_chars}"
                    );
                }
            }
        }
    }

    #[test]
    fn too_many_warnings_are_counted() {
        let warnings = capped((0..100).map(|i| format!("w{i}")).collect());
        assert_eq!(warnings.len(), MAX_WARNINGS);
        assert_eq!(warnings[MAX_WARNINGS - 2], format!("w{}", MAX_WARNINGS - 2));
        assert!(warnings[MAX_WARNINGS - 1].contains(&format!("{} more", 100 - (MAX_WARNINGS - 1))));
        assert_eq!(
            capped((0..MAX_WARNINGS).map(|i| i.to_string()).collect()).len(),
            MAX_WARNINGS
        );
    }
}
