//! ## What it does
//!
//! Finds containers that run the Kubernetes Dashboard (images `kubernetesui/dashboard`, or the
//! v1 `kubernetes-dashboard[-arch]` of `k8s.gcr.io`, `registry.k8s.io` and `gcr.io`) with
//! arguments that switch its protections off. Flags are read from `command` and `args` as the
//! dashboard's flag parser reads them (`--flag`, `--flag=true`, `--flag value`; the last one
//! wins):
//!
//! - `--enable-skip-login`: the login page gets a "Skip" button, and whoever skips acts with the
//!   dashboard's own ServiceAccount. Note that `--enable-skip-login false` *enables* it: a
//!   boolean flag takes a value only as `--enable-skip-login=false`.
//! - `--disable-settings-authorizer` (reported as medium): anyone who reaches the dashboard may
//!   change its global settings without logging in.
//! - plain HTTP on a non-loopback address (reported as medium): without a certificate
//!   (`--auto-generate-certificates`, or `--tls-cert-file` and `--tls-key-file`) the dashboard
//!   serves HTTP on `--insecure-port` (9090) at `--insecure-bind-address`; the images' entrypoint
//!   sets that address to `0.0.0.0`, so only an explicit loopback address (or a `command`
//!   without the entrypoint's flags) keeps it inside the pod. With a certificate the insecure
//!   port is not served at all, so `--insecure-bind-address` alone is not reported.
//! - `--enable-insecure-login` while serving plain HTTP on such an address: the login page
//!   accepts tokens and kubeconfigs over the unencrypted connection.
//! - `--apiserver-host` with an `http://` address: the dashboard talks to the API server
//!   without TLS (the address is not repeated in the message: it may hold a password).
//! - a Dashboard v1 image older than v1.10.1 without `--enable-skip-login`: the login view came
//!   in v1.7 and showed "Skip" by default until v1.10.1, so these releases let every visitor in
//!   (reported at the image).
//!
//! ## Why is this bad?
//!
//! The Dashboard is a web console that can do whatever its user (or, when login is skipped, its
//! ServiceAccount) may do: read Secrets, exec into pods, start workloads. A dashboard reachable
//! without a password is how attackers got into Tesla's Kubernetes cluster in 2018: they found
//! cloud credentials in a pod and mined cryptocurrency on the cluster. End users who find the dashboard on a
//! LoadBalancer, NodePort or Ingress, and internal attackers who reach it from any pod, get the
//! dashboard's rights without a credential; over plain HTTP, anyone on the network path also
//! reads the tokens of the administrators who do log in.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata:
//!   name: kubernetes-dashboard
//!   namespace: kubernetes-dashboard
//! spec:
//!   template:
//!     spec:
//!       containers:
//!         - name: kubernetes-dashboard
//!           image: kubernetesui/dashboard:v2.7.0
//!           args:
//!             - --enable-skip-login
//!             - --enable-insecure-login
//! ```
//!
//! Use instead:
//!
//! ```yaml
//!           args:
//!             - --auto-generate-certificates
//!             - --namespace=kubernetes-dashboard
//! ```
//!
//! and reach the dashboard with `kubectl proxy` or `kubectl port-forward`, logging in with a
//! token of a user with only the rights they need.
//!
//! ## References
//!
//! - Kubernetes documentation: tasks/access-application-cluster/web-ui-dashboard/
//! - Microsoft Threat Matrix for Kubernetes MS-TA9005 Exposed sensitive interfaces
//! - MITRE ATT&CK T1133 External Remote Services; T1040 Network Sniffing

use palisade_model::{Layer, RuleMeta, Severity, ThreatActor};

use crate::image_ref::ImageRef;
use crate::network::dashboard::{CommandLine, Setting, dashboard_containers, is_loopback};
use crate::pod::ContainerView;
use crate::rule::{Check, Emitter, ObjectContext, Rule};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        name: "insecure-dashboard",
        severity: Severity::High,
        layer: Layer::Network,
        threat_actors: &[ThreatActor::EndUser, ThreatActor::InternalAttacker],
        references: &[
            "k8s-docs:tasks/access-application-cluster/web-ui-dashboard/",
            "ms-threat:MS-TA9005",
            "mitre:T1133",
            "mitre:T1040",
        ],
        summary: "Kubernetes Dashboard runs with login, authorization or TLS switched off",
        fix: "Remove --enable-skip-login, --disable-settings-authorizer and --enable-insecure-login, serve HTTPS (--auto-generate-certificates or --tls-cert-file/--tls-key-file), and reach the dashboard through kubectl proxy or port-forward.",
    },
    check: Check::Object(check),
};

fn check(context: &ObjectContext, out: &mut Emitter) {
    let Some(pod) = &context.pod else { return };
    for container in dashboard_containers(pod) {
        check_container(container, out);
    }
}

fn check_container(container: &ContainerView, out: &mut Emitter) {
    let who = container.describe();
    let command_line = CommandLine::of(container);

    let skip_flag = command_line.get("enable-skip-login");
    if skip_flag.is_none()
        && let Some(weakness) = container.image().and_then(legacy_login)
    {
        out.report(
            &container.path.key("image"),
            format_args!("{who} runs Kubernetes Dashboard {weakness}"),
        );
    }
    if let Some(skip) = command_line.enabled("enable-skip-login") {
        out.report(
            &skip.path,
            format_args!(
                "{who} runs the Kubernetes Dashboard with --enable-skip-login{}: its login page offers \"Skip\", and whoever skips acts with the dashboard's own ServiceAccount, without any credential",
                stray_note("enable-skip-login", skip)
            ),
        );
    }
    if let Some(settings) = command_line.enabled("disable-settings-authorizer") {
        out.report(
            &settings.path,
            format_args!(
                "{who} runs the Kubernetes Dashboard with --disable-settings-authorizer{}: anyone who reaches it can change its global settings without logging in",
                stray_note("disable-settings-authorizer", settings)
            ),
        )
        .severity = Severity::Medium;
    }

    if let Some(plain_http) = plain_http(container, &command_line) {
        out.report(
            &plain_http.path,
            format_args!(
                "{who} serves the Kubernetes Dashboard over plain HTTP on {}:{}: it has no certificate ({}, no --tls-cert-file with --tls-key-file) and {}, so sessions and tokens cross the pod network in clear text",
                plain_http.address, plain_http.port, plain_http.why_no_certificate, plain_http.why_address
            ),
        )
        .severity = Severity::Medium;
        if let Some(insecure_login) = command_line.enabled("enable-insecure-login") {
            out.report(
                &insecure_login.path,
                format_args!(
                    "{who} runs the Kubernetes Dashboard with --enable-insecure-login{} while it serves plain HTTP: its login page takes tokens and kubeconfigs over an unencrypted connection, where anyone on the network path can read them",
                    stray_note("enable-insecure-login", insecure_login)
                ),
            );
        }
    }

    if let Some(api_server) = command_line.get("apiserver-host")
        && api_server
            .value
            .is_some_and(|url| url.trim().to_ascii_lowercase().starts_with("http://"))
    {
        // The address is not repeated: it may carry credentials (http://user:password@host).
        out.report(
            &api_server.path,
            format_args!(
                "{who} runs the Kubernetes Dashboard with an http:// --apiserver-host: it talks to the API server without TLS, so every request and the token it carries travel in clear text (and an API server insecure port checks no credential at all)"
            ),
        );
    }
}

/// What a Dashboard v1 release older than v1.10.1 does without being asked: the login view came
/// in v1.7, and its "Skip" button was shown by default until v1.10.1.
fn legacy_login(image: &ImageRef) -> Option<String> {
    let tag = image.tag.as_deref()?;
    let mut numbers = tag.strip_prefix('v').unwrap_or(tag).splitn(3, '.');
    let major: u32 = numbers.next()?.parse().ok()?;
    let minor: u32 = numbers.next()?.parse().ok()?;
    let patch: u32 = numbers
        .next()
        .map(|rest| {
            let digits = rest
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len());
            rest[..digits].parse().unwrap_or(0)
        })
        .unwrap_or(0);
    if major != 1 {
        return None;
    }
    if minor < 7 {
        Some(format!(
            "{tag}, older than v1.7, which has no login at all: every visitor acts with the dashboard's own ServiceAccount"
        ))
    } else if (minor, patch) < (10, 1) {
        Some(format!(
            "{tag}, older than v1.10.1, whose login page offers \"Skip\" by default: whoever skips acts with the dashboard's own ServiceAccount"
        ))
    } else {
        None
    }
}

/// `--flag false` reads as `--flag` plus a stray argument: worth saying when that happened.
fn stray_note(flag: &str, setting: &Setting) -> String {
    match setting.stray {
        Some(word) if !word.trim().is_empty() => format!(
            " (written as `--{flag} {word}`, which the dashboard reads as --{flag} followed by a stray argument; write --{flag}=false to switch it off)"
        ),
        _ => String::new(),
    }
}

/// Where and why the dashboard serves plain HTTP beyond the pod's loopback interface.
struct PlainHttp<'a> {
    address: String,
    port: &'a str,
    why_no_certificate: &'static str,
    why_address: String,
    path: palisade_model::Pointer,
}

fn plain_http<'a>(
    container: &ContainerView<'a>,
    command_line: &CommandLine<'a>,
) -> Option<PlainHttp<'a>> {
    let auto_certificates = command_line
        .get("auto-generate-certificates")
        .and_then(Setting::as_bool);
    let own_certificate = command_line.value("tls-cert-file").is_some()
        && command_line.value("tls-key-file").is_some();
    if auto_certificates == Some(true) || own_certificate {
        return None;
    }
    let explicit = command_line.get("insecure-bind-address");
    let (address, why_address) = match explicit.and_then(|setting| setting.value) {
        Some(address) => (
            address.trim().to_string(),
            format!("--insecure-bind-address is {}", address.trim()),
        ),
        None if command_line.image_entrypoint => (
            "0.0.0.0".to_string(),
            "the image's entrypoint sets --insecure-bind-address=0.0.0.0".to_string(),
        ),
        None => return None,
    };
    if is_loopback(&address) != Some(false) {
        return None;
    }
    let port = command_line.value("insecure-port").unwrap_or("9090");
    // Point where the fix goes: the bind address, the switched-off certificates, or the args.
    let path = explicit
        .map(|setting| setting.path.clone())
        .or_else(|| {
            command_line
                .get("auto-generate-certificates")
                .map(|setting| setting.path.clone())
        })
        .unwrap_or_else(|| {
            if container.node.get("args").is_some() {
                container.path.key("args")
            } else {
                container.path.clone()
            }
        });
    let why_no_certificate = match auto_certificates {
        Some(false) => "--auto-generate-certificates is false",
        _ => "no --auto-generate-certificates",
    };
    Some(PlainHttp {
        address,
        port,
        why_no_certificate,
        why_address,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::findings;

    fn dashboard(container_fields: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: dashboard\nspec:\n  containers:\n    - name: dashboard\n      image: kubernetesui/dashboard:v2.7.0\n{container_fields}"
        )
    }

    fn verdict(container_fields: &str) -> Vec<(Severity, String)> {
        findings(&RULE, &dashboard(container_fields))
            .into_iter()
            .map(|f| (f.severity, f.path.to_string()))
            .collect()
    }

    #[test]
    fn the_recommended_setup_passes() {
        assert!(
            verdict(
                "      args: [--auto-generate-certificates, --namespace=kubernetes-dashboard]\n"
            )
            .is_empty()
        );
        assert!(
            verdict("      args: [--tls-cert-file=tls.crt, --tls-key-file, tls.key]\n").is_empty()
        );
        // HTTP kept on the loopback interface, reached through port-forward.
        assert!(
            verdict("      args: [--insecure-bind-address=127.0.0.1, --enable-insecure-login]\n")
                .is_empty()
        );
        // A command without the entrypoint's flags leaves the default, 127.0.0.1.
        assert!(verdict("      command: [/dashboard]\n").is_empty());
    }

    #[test]
    fn plain_http_and_insecure_login() {
        assert_eq!(
            verdict("      args: [--namespace=kubernetes-dashboard, --enable-insecure-login]\n"),
            [
                (Severity::Medium, "/spec/containers/0/args".to_string()),
                (Severity::High, "/spec/containers/0/args/1".to_string()),
            ]
        );
        assert_eq!(
            verdict(
                "      command: [/dashboard]\n      args: [--auto-generate-certificates=false, --insecure-bind-address, 0.0.0.0]\n"
            ),
            [(Severity::Medium, "/spec/containers/0/args/1".to_string())]
        );
        assert_eq!(
            verdict("      args: [--auto-generate-certificates=false]\n"),
            [(Severity::Medium, "/spec/containers/0/args/0".to_string())]
        );
        // Without any args the image's entrypoint serves HTTP on every interface.
        assert_eq!(
            verdict(""),
            [(Severity::Medium, "/spec/containers/0".to_string())]
        );
    }

    #[test]
    fn switches_in_every_spelling() {
        for args in [
            "[--enable-skip-login]",
            "[--enable-skip-login=true]",
            "[--enable-skip-login=1]",
            "[--enable-skip-login, \"true\"]",
            "[--enable-skip-login, \"false\"]",
            "[--enable-skip-login=false, --enable-skip-login]",
        ] {
            let found = verdict(&format!(
                "      args: {args}\n      command: [/dashboard, --auto-generate-certificates]\n"
            ));
            assert_eq!(found.len(), 1, "{args}: {found:?}");
            assert_eq!(found[0].0, Severity::High, "{args}");
        }
        for args in [
            "[--enable-skip-login=false]",
            "[--enable-skip-login=yes]",
            "[--enable-skip-login, --enable-skip-login=false]",
            "[--, --enable-skip-login]",
            "[-enable-skip-login]",
        ] {
            let found = verdict(&format!(
                "      args: {args}\n      command: [/dashboard, --auto-generate-certificates]\n"
            ));
            assert!(found.is_empty(), "{args}: {found:?}");
        }
    }

    #[test]
    fn shell_commands_are_split_into_words() {
        let found = verdict(
            "      command: [/bin/sh, -c, \"/dashboard --auto-generate-certificates --enable-skip-login --disable-settings-authorizer\"]\n",
        );
        assert_eq!(
            found,
            [
                (Severity::Medium, "/spec/containers/0/command/2".to_string()),
                (Severity::High, "/spec/containers/0/command/2".to_string()),
            ]
        );
    }

    #[test]
    fn api_server_over_http_without_repeating_the_address() {
        let found = findings(
            &RULE,
            &dashboard(
                "      args: [--auto-generate-certificates, \"--apiserver-host=http://admin:hunter2@10.0.0.1:8080\"]\n",
            ),
        );
        assert_eq!(found.len(), 1);
        assert!(!found[0].message.contains("hunter2"));
        assert!(
            verdict("      args: [--auto-generate-certificates, --apiserver-host=https://10.0.0.1:6443]\n")
                .is_empty()
        );
    }

    #[test]
    fn old_releases_let_visitors_in_by_default() {
        for (image, weak) in [
            ("k8s.gcr.io/kubernetes-dashboard-amd64:v1.6.3", true),
            ("k8s.gcr.io/kubernetes-dashboard-amd64:v1.8.3", true),
            ("k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.0", true),
            ("k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1", false),
            ("k8s.gcr.io/kubernetes-dashboard-amd64:v1.10", true),
            (
                "k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1-beta.1",
                false,
            ),
            ("k8s.gcr.io/kubernetes-dashboard-amd64:1.8.0-rc1", true),
            ("kubernetesui/dashboard:v2.0.0", false),
            ("kubernetesui/dashboard:latest", false),
            ("kubernetesui/dashboard", false),
            ("kubernetesui/dashboard@sha256:abc", false),
            ("k8s.gcr.io/kubernetes-dashboard-amd64:v1", false),
            (
                "k8s.gcr.io/kubernetes-dashboard-amd64:v1.99999999999999999999.0",
                false,
            ),
        ] {
            assert_eq!(
                ImageRef::parse(image)
                    .as_ref()
                    .and_then(legacy_login)
                    .is_some(),
                weak,
                "{image}"
            );
        }
        let yaml = |args: &str| {
            format!(
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: d\nspec:\n  containers:\n    - name: d\n      image: k8s.gcr.io/kubernetes-dashboard-amd64:v1.8.3\n      args: {args}\n"
            )
        };
        let paths = |args: &str| -> Vec<String> {
            findings(&RULE, &yaml(args))
                .into_iter()
                .map(|f| f.path.to_string())
                .collect()
        };
        assert_eq!(
            paths("[--auto-generate-certificates]"),
            ["/spec/containers/0/image"]
        );
        // The flag, when written, is what is reported (or, switched off, nothing).
        assert_eq!(
            paths("[--auto-generate-certificates, --enable-skip-login]"),
            ["/spec/containers/0/args/1"]
        );
        assert!(paths("[--auto-generate-certificates, --enable-skip-login=false]").is_empty());
    }

    #[test]
    fn odd_input_does_not_panic() {
        for fields in [
            "      args: null\n",
            "      args: --enable-skip-login\n",
            "      args: [null, 3, {a: b}, []]\n",
            "      command: {a: b}\n      args: [--auto-generate-certificates]\n",
            "      command: [null, --enable-skip-login]\n      args: [--auto-generate-certificates]\n",
            "      args: [--insecure-bind-address=not-an-ip]\n",
            "      args: [--insecure-bind-address]\n",
        ] {
            let _ = verdict(fields);
        }
        let other_image = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n    - name: x\n      image: nginx\n      args: [--enable-skip-login]\n";
        assert!(findings(&RULE, other_image).is_empty());
    }
}
