//! ## What it does
//!
//! Finds Ingress objects (`networking.k8s.io` and the old `extensions` group) with a snippet
//! annotation: any annotation whose name (after the prefix) contains `snippet`. These are the
//! raw-configuration annotations of ingress-nginx (`nginx.ingress.kubernetes.io/`
//! `configuration-snippet`, `server-snippet`, `auth-snippet`, `stream-snippet`,
//! `modsecurity-snippet`, under any `--annotations-prefix`) and of other controllers that copy
//! annotation text into their proxy's configuration (NGINX Inc's `nginx.org/server-snippets`,
//! `nginx.org/location-snippets`, ...).
//!
//! The finding is raised to critical when the snippet shows an exploitation technique of
//! CVE-2021-25742: Lua code (a word starting with `lua_`, ending in `_lua` or containing
//! `_lua_`, such as `content_by_lua_block`), a path under the service-account token directory
//! (`kubernetes.io/serviceaccount` or `/var/run/secrets`), or an `alias` directive.
//!
//! ## Why is this bad?
//!
//! ingress-nginx pastes snippet annotations verbatim into the `nginx.conf` of a controller that
//! serves every Ingress of the cluster and whose service account can read every Secret
//! (TLS keys). Whoever may create or edit an Ingress in any namespace, an internal attacker
//! with a developer's rights, can therefore run Lua in the controller, serve its files with an
//! `alias`, read its service-account token and from there every Secret of the cluster
//! (CVE-2021-25742, and CVE-2023-5043 for command execution through `configuration-snippet`).
//! A mistake in a snippet can also break the configuration every other tenant shares. Recent
//! ingress-nginx releases turn snippet annotations off (`allow-snippet-annotations: "false"`
//! in the controller's ConfigMap): a manifest that needs them depends on the controller
//! running with that protection removed.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: Ingress
//! metadata:
//!   name: web
//!   annotations:
//!     nginx.ingress.kubernetes.io/configuration-snippet: |
//!       more_set_headers "X-Frame-Options: DENY";
//! ```
//!
//! Use instead:
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: Ingress
//! metadata:
//!   name: web
//!   annotations:
//!     # a dedicated, validated annotation instead of raw configuration
//!     nginx.ingress.kubernetes.io/custom-headers: shop/security-headers
//! ```
//!
//! ## References
//!
//! - CVE-2021-25742: ingress-nginx custom snippets allow retrieval of ingress-nginx service account tokens and secrets across all namespaces
//! - CVE-2023-5043: ingress-nginx annotation injection causes arbitrary command execution
//! - MITRE ATT&CK T1552.007 Unsecured Credentials: Container API
//! - Kubernetes documentation: concepts/services-networking/ingress/

use palisade_model::{Entry, Layer, Pointer, RuleMeta, Severity, ThreatActor};

use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "ingress-nginx-snippet",
        severity: Severity::High,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::InternalAttacker],
        references: &[
            "cve:CVE-2021-25742",
            "cve:CVE-2023-5043",
            "mitre:T1552.007",
            "k8s-docs:concepts/services-networking/ingress/",
        ],
        summary: "Ingress injects raw controller configuration through a snippet annotation (CVE-2021-25742)",
        fix: "Remove the snippet annotation and use the controller's dedicated annotations or ConfigMap settings; keep `allow-snippet-annotations: \"false\"` in the ingress-nginx ConfigMap.",
    },
    check: Check::Object(check),
};

const INGRESS_GROUPS: &[&str] = &["networking.k8s.io", "extensions"];

fn check(context: &ObjectContext, out: &mut Emitter) {
    let object = context.object;
    if object.kind != "Ingress" || !INGRESS_GROUPS.contains(&object.group()) {
        return;
    }
    let Some(annotations) = object.annotations() else {
        return;
    };
    let path = Pointer::root().keys(&["metadata", "annotations"]);
    for Entry { key, value, .. } in annotations.entries() {
        if !is_snippet_annotation(key) {
            continue;
        }
        let ingress_nginx = key.starts_with("nginx.ingress.kubernetes.io/");
        let controller = if ingress_nginx {
            "ingress-nginx controller"
        } else {
            "ingress controller"
        };
        let base = format!(
            "annotation {key:?} pastes raw configuration into the {controller}, which serves every Ingress and can read every Secret"
        );
        match value.as_str().and_then(technique) {
            Some(technique) => {
                out.report(
                    &path.key(key),
                    format_args!("{base}; this snippet contains {technique}, an exploitation technique of CVE-2021-25742"),
                )
                .severity = Severity::Critical;
            }
            None if ingress_nginx => {
                out.report(
                    &path.key(key),
                    format_args!(
                        "{base}: whoever may edit an Ingress can read its service-account token (CVE-2021-25742)"
                    ),
                );
            }
            None => {
                out.report(
                    &path.key(key),
                    format_args!(
                        "{base}: whoever may edit an Ingress can rewrite the proxy configuration every tenant shares"
                    ),
                );
            }
        }
    }
}

/// `nginx.ingress.kubernetes.io/server-snippet`, `nginx.org/location-snippets`, ...: the name
/// after the prefix mentions a snippet.
fn is_snippet_annotation(key: &str) -> bool {
    let name = key.rsplit_once('/').map_or(key, |(_, name)| name);
    name.to_ascii_lowercase().contains("snippet")
}

/// What in a snippet shows an attack rather than a tweak, as a phrase for the message.
fn technique(snippet: &str) -> Option<String> {
    let words = || {
        snippet
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
    };
    if let Some(lua) = words().find(|word| {
        let word = word.to_ascii_lowercase();
        word.starts_with("lua_") || word.ends_with("_lua") || word.contains("_lua_")
    }) {
        return Some(format!("Lua code ({lua})"));
    }
    let lower = snippet.to_ascii_lowercase();
    if lower.contains("kubernetes.io/serviceaccount") || lower.contains("/var/run/secrets") {
        return Some("a path to the controller's service-account token".to_string());
    }
    if words().any(|word| word.eq_ignore_ascii_case("alias")) {
        return Some("an alias directive, which serves files of the controller".to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use palisade_model::Finding;

    use super::*;

    fn findings(yaml: &str) -> Vec<Finding> {
        crate::testing::findings(&RULE, yaml)
    }

    #[test]
    fn snippet_annotations() {
        for key in [
            "nginx.ingress.kubernetes.io/configuration-snippet",
            "nginx.ingress.kubernetes.io/server-snippet",
            "nginx.ingress.kubernetes.io/auth-snippet",
            "nginx.ingress.kubernetes.io/stream-snippet",
            "custom.prefix/server-snippet",
            "nginx.org/location-snippets",
            "server-snippet",
            "X/Server-Snippet",
        ] {
            assert!(is_snippet_annotation(key), "{key}");
        }
        for key in [
            "nginx.ingress.kubernetes.io/rewrite-target",
            "snippet.example.com/config",
            "kubernetes.io/ingress.class",
            "",
            "/",
        ] {
            assert!(!is_snippet_annotation(key), "{key}");
        }
    }

    #[test]
    fn techniques() {
        let lua = "location /t {\n  content_by_lua_block {\n    ngx.say(\"hi\")\n  }\n}";
        assert_eq!(
            technique(lua).as_deref(),
            Some("Lua code (content_by_lua_block)")
        );
        assert!(technique("lua_package_path '/x/?.lua';").is_some());
        assert!(technique("access_by_lua 'x';").is_some());
        assert!(technique("alias /var/run;").is_some());
        assert!(technique("location /t { ALIAS /etc; }").is_some());
        assert!(technique("root /var/run/secrets/kubernetes.io/serviceaccount;").is_some());
        for benign in [
            "",
            "return 200 'OK';",
            "more_set_headers \"X-Frame-Options: DENY\";",
            "# aliases are not directives; lua is a word",
            &"é".repeat(10_000),
        ] {
            assert_eq!(technique(benign), None, "{benign}");
        }
    }

    #[test]
    fn ingresses_only_and_severity() {
        let yaml = r#"
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: i
  annotations:
    nginx.ingress.kubernetes.io/server-snippet: "alias /etc;"
    nginx.ingress.kubernetes.io/configuration-snippet: "more_set_headers 'A: b';"
    nginx.ingress.kubernetes.io/auth-snippet: null
    kubernetes.io/ingress.class: nginx
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  annotations: {nginx.ingress.kubernetes.io/server-snippet: "alias /etc;"}
---
apiVersion: example.com/v1
kind: Ingress
metadata:
  name: x
  annotations: {nginx.ingress.kubernetes.io/server-snippet: "alias /etc;"}
---
apiVersion: extensions/v1beta1
kind: Ingress
metadata:
  name: old
  annotations: [nginx.ingress.kubernetes.io/server-snippet]
"#;
        let found: Vec<(String, Severity)> = findings(yaml)
            .into_iter()
            .map(|f| (f.path.to_string(), f.severity))
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    "/metadata/annotations/nginx.ingress.kubernetes.io~1server-snippet".to_string(),
                    Severity::Critical
                ),
                (
                    "/metadata/annotations/nginx.ingress.kubernetes.io~1configuration-snippet"
                        .to_string(),
                    Severity::High
                ),
                (
                    "/metadata/annotations/nginx.ingress.kubernetes.io~1auth-snippet".to_string(),
                    Severity::High
                ),
            ]
        );
    }
}
