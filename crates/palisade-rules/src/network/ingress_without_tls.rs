//! ## What it does
//!
//! Finds Ingresses (`networking.k8s.io/v1`, and the older `networking.k8s.io/v1beta1` and
//! `extensions/v1beta1`) that serve plain HTTP:
//!
//! - without `spec.tls` (or with an empty list), reported at `spec`;
//! - with `spec.tls`, for each rule `host` that no TLS entry covers, reported at that host.
//!   A TLS host covers a rule host when they are equal (ignoring case), or when the TLS host is a
//!   wildcard `*.example.com` and the rule host is one label more (`www.example.com`, not
//!   `example.com` nor `a.b.example.com`), as Kubernetes matches wildcard hosts. A TLS entry
//!   without `hosts` covers every host (the controller's default, per the API). Rules without a
//!   host are not reported when `spec.tls` exists.
//!
//! TLS configured outside `spec.tls` counts: the AWS Load Balancer Controller's
//! `alb.ingress.kubernetes.io/certificate-arn` (or an HTTPS listener in
//! `alb.ingress.kubernetes.io/listen-ports`, which discovers certificates by host), and GKE's
//! `ingress.gcp.kubernetes.io/pre-shared-cert` and `networking.gke.io/managed-certificates`.
//!
//! ## Why is this bad?
//!
//! Without TLS, everything between the client and the Ingress controller travels in clear text:
//! passwords, session cookies, API tokens and personal data. Anyone on the path (public Wi-Fi, a
//! compromised router, another tenant of the network) can read and change it, and an end user
//! cannot tell the real site from an impostor. A host that the TLS section forgets is served
//! with the controller's default (usually self-signed) certificate or over HTTP only, which
//! teaches users to click through certificate warnings.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: Ingress
//! metadata:
//!   name: shop
//! spec:
//!   rules:
//!     - host: shop.example.com
//!       http:
//!         paths:
//!           - path: /
//!             pathType: Prefix
//!             backend:
//!               service:
//!                 name: shop
//!                 port:
//!                   number: 80
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! spec:
//!   tls:
//!     - hosts: [shop.example.com]
//!       secretName: shop-tls   # e.g. issued by cert-manager
//!   rules:
//!     - host: shop.example.com
//!       # ...
//! ```
//!
//! ## References
//!
//! - Kubernetes documentation: concepts/services-networking/ingress/#tls
//! - NSA/CISA Kubernetes Hardening Guide: Network separation and hardening
//! - MITRE ATT&CK T1040 Network Sniffing; T1557 Adversary-in-the-Middle

use palisade_model::{Layer, Node, Object, Pointer, RuleMeta, Severity, ThreatActor};

use crate::network::common::listing;
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "ingress-without-tls",
        severity: Severity::Medium,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser],
        references: &[
            "k8s-docs:concepts/services-networking/ingress/#tls",
            "nsa-cisa:network-separation",
            "mitre:T1040",
            "mitre:T1557",
        ],
        summary: "Ingress serves a host over plain HTTP: no TLS, or no TLS entry for that host",
        fix: "Add `spec.tls` with every host of the rules and a certificate Secret (cert-manager can issue and renew it).",
    },
    check: Check::Object(check),
};

/// An annotation, and whether a value of it says yes.
type AnnotationTest = (&'static str, fn(&str) -> bool);

/// Annotations that configure TLS outside `spec.tls`, and whether their value does.
const TLS_ANNOTATIONS: &[AnnotationTest] = &[
    ("alb.ingress.kubernetes.io/certificate-arn", has_text),
    ("alb.ingress.kubernetes.io/listen-ports", |value| {
        value.to_ascii_uppercase().contains("HTTPS")
    }),
    ("ingress.gcp.kubernetes.io/pre-shared-cert", has_text),
    ("networking.gke.io/managed-certificates", has_text),
];

fn has_text(value: &str) -> bool {
    !value.trim().is_empty()
}

fn is_ingress(object: &Object) -> bool {
    object.kind == "Ingress" && matches!(object.group(), "networking.k8s.io" | "extensions")
}

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if !is_ingress(object) {
        return;
    }
    if TLS_ANNOTATIONS
        .iter()
        .any(|(key, configures_tls)| object.annotation(key).is_some_and(configures_tls))
    {
        return;
    }
    let spec = object.root.get("spec");
    let rules_path = Pointer::root().keys(&["spec", "rules"]);
    let rule_hosts: Vec<(usize, &str)> = spec
        .and_then(|spec| spec.get("rules"))
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .filter_map(|(index, rule)| {
            let host = rule.get("host").and_then(Node::as_str)?;
            (!host.trim().is_empty()).then_some((index, host))
        })
        .collect();

    let tls = spec.and_then(|spec| spec.get("tls"));
    let entries: Vec<&Node> = tls
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter(|entry| entry.is_map())
        .collect();
    if entries.is_empty() {
        let path = match tls {
            Some(_) => Pointer::root().keys(&["spec", "tls"]),
            None => Pointer::root().key("spec"),
        };
        let served = if rule_hosts.is_empty() {
            "everything it routes".to_string()
        } else {
            let hosts: Vec<String> = rule_hosts.iter().map(|(_, h)| h.to_string()).collect();
            let noun = if hosts.len() == 1 { "host" } else { "hosts" };
            format!("its {noun} {}", listing(&hosts))
        };
        out.report(
            &path,
            format_args!(
                "Ingress has no TLS section (spec.tls): it serves {served} over plain HTTP, readable and changeable by anyone on the network path"
            ),
        );
        return;
    }

    let mut tls_hosts: Vec<&str> = Vec::new();
    for entry in &entries {
        let hosts = entry.get("hosts").map(Node::items).unwrap_or(&[]);
        // Without hosts, the certificate applies to the controller's default (wildcard) host.
        if hosts.is_empty() {
            return;
        }
        tls_hosts.extend(hosts.iter().filter_map(Node::as_str));
    }
    for (index, host) in rule_hosts {
        if tls_hosts.iter().any(|tls_host| covers(tls_host, host)) {
            continue;
        }
        let listed: Vec<String> = tls_hosts.iter().map(|h| h.to_string()).collect();
        out.report(
            &rules_path.index(index).key("host"),
            format_args!(
                "Ingress host {host:?} has no TLS entry: spec.tls covers only {}, so this host is served over plain HTTP or with the controller's default certificate",
                if listed.is_empty() {
                    "no host".to_string()
                } else {
                    listing(&listed)
                }
            ),
        );
    }
}

/// Host names compare without case and without a trailing dot.
fn normalise(host: &str) -> String {
    host.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a TLS host (possibly `*.example.com`) covers a rule host, as Kubernetes matches
/// wildcard hosts: the wildcard stands for exactly one non-empty DNS label.
fn covers(tls_host: &str, rule_host: &str) -> bool {
    let tls_host = normalise(tls_host);
    let rule_host = normalise(rule_host);
    if tls_host.is_empty() || rule_host.is_empty() {
        return false;
    }
    if tls_host == rule_host {
        return true;
    }
    let Some(domain) = tls_host.strip_prefix("*.") else {
        return false;
    };
    if domain.is_empty() || rule_host.starts_with("*.") {
        return false;
    }
    match rule_host
        .strip_suffix(domain)
        .and_then(|label| label.strip_suffix('.'))
    {
        Some(label) => !label.is_empty() && !label.contains('.'),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::paths;

    #[test]
    fn wildcard_hosts_match_one_label() {
        assert!(covers("shop.example.com", "shop.example.com"));
        assert!(covers("Shop.Example.COM.", "shop.example.com"));
        assert!(covers("*.example.com", "shop.example.com"));
        assert!(covers("*.example.com", "*.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(!covers("*.example.com", "a.shop.example.com"));
        assert!(!covers("*.example.com", "shopexample.com"));
        assert!(!covers("*.example.com", ".example.com"));
        assert!(!covers("shop.example.com", "*.example.com"));
        assert!(!covers("*.shop.example.com", "*.example.com"));
        assert!(!covers("*", "shop.example.com"));
        assert!(!covers("*.", "shop."));
        assert!(!covers("", "shop.example.com"));
        assert!(!covers("shop.example.com", ""));
        assert!(covers("*.例え.jp", "店.例え.jp"));
        let long = "a".repeat(100_000);
        assert!(!covers(&format!("*.{long}"), &long));
    }

    fn ingress(spec: &str, annotations: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  annotations:\n    x: y\n{annotations}spec:\n{spec}"
        )
    }

    #[test]
    fn reports_missing_tls_and_uncovered_hosts() {
        let rules =
            "  rules:\n    - host: a.example.com\n    - host: b.example.com\n    - http: {}\n";
        assert_eq!(paths(&RULE, &ingress(rules, "")), ["/spec"]);
        assert_eq!(
            paths(&RULE, &ingress(&format!("  tls: []\n{rules}"), "")),
            ["/spec/tls"]
        );
        assert_eq!(
            paths(
                &RULE,
                &ingress(
                    &format!("  tls:\n    - hosts: [a.example.com]\n{rules}"),
                    ""
                )
            ),
            ["/spec/rules/1/host"]
        );
        assert!(
            paths(
                &RULE,
                &ingress(
                    &format!("  tls:\n    - hosts: [\"*.example.com\"]\n{rules}"),
                    ""
                )
            )
            .is_empty()
        );
        // A TLS entry without hosts covers every host.
        assert!(
            paths(
                &RULE,
                &ingress(&format!("  tls:\n    - secretName: x\n{rules}"), "")
            )
            .is_empty()
        );
        assert!(
            paths(
                &RULE,
                &ingress(
                    rules,
                    "    alb.ingress.kubernetes.io/listen-ports: '[{\"HTTPS\": 443}]'\n"
                )
            )
            .is_empty()
        );
        assert_eq!(
            paths(
                &RULE,
                &ingress(
                    rules,
                    "    alb.ingress.kubernetes.io/listen-ports: '[{\"HTTP\": 80}]'\n"
                )
            ),
            ["/spec"]
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for spec in [
            "  tls: null\n",
            "  tls: yes\n",
            "  tls: [null, 3]\n",
            "  tls:\n    - hosts: [null, 4]\n  rules:\n    - host: 5\n    - host: a.example.com\n",
            "  rules: 7\n",
            "  rules: [null]\n",
        ] {
            let found = paths(&RULE, &ingress(spec, ""));
            assert!(found.len() <= 1, "{spec}: {found:?}");
        }
        let no_spec = "apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: x\n";
        assert_eq!(paths(&RULE, no_spec), ["/spec"]);
    }
}
