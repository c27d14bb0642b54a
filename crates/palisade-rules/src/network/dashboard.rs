//! The Kubernetes Dashboard: which containers run it, and its command line as the dashboard's
//! flag parser (spf13/pflag) reads it (this module is not a rule).

use std::collections::HashMap;
use std::net::IpAddr;

use palisade_model::{Node, Object, Pointer};

use crate::image_ref::ImageRef;
use crate::pod::{ContainerView, PodView};

/// The architectures the dashboard images were also published for, as a name suffix
/// (`kubernetes-dashboard-amd64`, `kubernetesui/dashboard-arm64`).
const ARCHITECTURES: &[&str] = &["amd64", "arm64", "arm", "ppc64le", "s390x"];

/// The registries that published the v1 images (`kubernetes-dashboard-amd64`).
const GOOGLE_REGISTRIES: &[&str] = &[
    "k8s.gcr.io",
    "registry.k8s.io",
    "gcr.io",
    "eu.gcr.io",
    "us.gcr.io",
    "asia.gcr.io",
];

/// `base` or `base-<arch>`.
fn is_name_with_architecture(name: &str, base: &str) -> bool {
    match name.strip_prefix(base) {
        Some("") => true,
        Some(rest) => rest
            .strip_prefix('-')
            .is_some_and(|arch| ARCHITECTURES.contains(&arch)),
        None => false,
    }
}

#[cfg(test)]
fn is_dashboard_image(image: &str) -> bool {
    ImageRef::parse(image).is_some_and(|image| is_dashboard(&image))
}

/// Whether an image is the Kubernetes Dashboard: `kubernetesui/dashboard` (v2, on Docker Hub or
/// a mirror that keeps the path) or the v1 `kubernetes-dashboard[-arch]` of Google's registries
/// (and of `google_containers` mirrors). The split images of Dashboard v3 and later
/// (`kubernetesui/dashboard-api`, `-web`, `-auth`) have other flags and are not matched.
fn is_dashboard(image: &ImageRef) -> bool {
    let path = image.path.to_ascii_lowercase();
    let ui_name = path
        .strip_prefix("kubernetesui/")
        .or_else(|| path.rsplit_once("/kubernetesui/").map(|(_, name)| name));
    if ui_name.is_some_and(|name| is_name_with_architecture(name, "dashboard")) {
        return true;
    }
    let repository = image.repository().to_ascii_lowercase();
    if !is_name_with_architecture(&repository, "kubernetes-dashboard") {
        return false;
    }
    GOOGLE_REGISTRIES.contains(&image.registry.as_str())
        || path.starts_with("google_containers/")
        || path.starts_with("google-containers/")
        || path.contains("/google_containers/")
        || path.contains("/google-containers/")
}

/// Whether a container of the pod spec (init, regular or ephemeral) runs the dashboard.
pub(crate) fn runs_dashboard(spec: &Node) -> bool {
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .filter_map(|field| spec.get(field))
        .flat_map(Node::items)
        .filter_map(|container| container.get("image").and_then(Node::as_str))
        // Every dashboard image has the word in its name: the others are not parsed.
        .filter(|image| {
            image
                .as_bytes()
                .windows(DASHBOARD.len())
                .any(|window| window.eq_ignore_ascii_case(DASHBOARD))
        })
        .any(|image| ImageRef::parse(image).is_some_and(|image| is_dashboard(&image)))
}

const DASHBOARD: &[u8] = b"dashboard";

/// The containers of a pod spec that run the dashboard.
pub(crate) fn dashboard_containers<'a>(
    pod: &'a PodView<'a>,
) -> impl Iterator<Item = &'a ContainerView<'a>> + 'a {
    pod.containers()
        .filter(|container| container.image().is_some_and(is_dashboard))
}

/// The namespace and ServiceAccount a workload runs as (`default` for either when unset, as
/// `kubectl apply` without `-n` and the API server fill them in).
pub(crate) fn service_account_of<'a>(object: &'a Object, pod: &PodView<'a>) -> (&'a str, &'a str) {
    let namespace = object.namespace.as_deref().unwrap_or("default");
    let named = |key: &str| {
        pod.spec
            .get(key)
            .and_then(Node::as_str)
            .filter(|name| !name.is_empty())
    };
    // `serviceAccount` is the deprecated spelling, read only when the new one is absent.
    let account = named("serviceAccountName")
        .or_else(|| named("serviceAccount"))
        .unwrap_or("default");
    (namespace, account)
}

/// What a flag expects after its name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    /// A boolean: `--flag` means true; only `--flag=value` gives a value.
    Switch,
    /// `--flag=value` or `--flag value`.
    Value,
}

/// The dashboard's flags (v1.7 to v2.7) that palisade reads or must step over correctly.
fn arity(name: &str) -> Option<Arity> {
    match name {
        "enable-skip-login"
        | "enable-insecure-login"
        | "disable-settings-authorizer"
        | "auto-generate-certificates" => Some(Arity::Switch),
        "insecure-bind-address"
        | "bind-address"
        | "insecure-port"
        | "port"
        | "tls-cert-file"
        | "tls-key-file"
        | "default-cert-dir"
        | "apiserver-host"
        | "kubeconfig"
        | "namespace"
        | "token-ttl"
        | "authentication-mode"
        | "sidecar-host"
        | "heapster-host"
        | "metrics-provider"
        | "metric-client-check-period"
        | "system-banner"
        | "system-banner-severity"
        | "api-log-level"
        | "locale-config" => Some(Arity::Value),
        _ => None,
    }
}

/// The last setting of one flag on the command line.
#[derive(Clone, Debug)]
pub(crate) struct Setting<'a> {
    /// The value written with `=`, or the next argument for a flag that takes one.
    pub value: Option<&'a str>,
    /// For a boolean flag written `--flag word`: the word, which pflag leaves as a stray
    /// argument (so `--enable-skip-login false` still enables skip login).
    pub stray: Option<&'a str>,
    /// Where the flag is written.
    pub path: Pointer,
}

impl Setting<'_> {
    /// The value of a boolean flag: `--flag` is true; `--flag=v` is what Go's
    /// `strconv.ParseBool` makes of `v` (`None` when it cannot, and the dashboard refuses to
    /// start).
    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            None => Some(true),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True") => Some(true),
            Some("0" | "f" | "F" | "false" | "FALSE" | "False") => Some(false),
            Some(_) => None,
        }
    }
}

/// One argument and where it is written.
struct Token<'a> {
    text: &'a str,
    path: Pointer,
}

/// The dashboard's command line: `command` (which replaces the image's entrypoint) and `args`.
pub(crate) struct CommandLine<'a> {
    settings: HashMap<&'a str, Setting<'a>>,
    /// No `command`: the image's entrypoint runs, and the dashboard images' entrypoint is
    /// `/dashboard --insecure-bind-address=0.0.0.0 --bind-address=0.0.0.0`.
    pub image_entrypoint: bool,
}

/// Shells whose script argument is split into words to find the flags in it.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh"];

impl<'a> CommandLine<'a> {
    pub fn of(container: &ContainerView<'a>) -> CommandLine<'a> {
        let command = container
            .node
            .get("command")
            .map(Node::items)
            .unwrap_or(&[]);
        let args = container.node.get("args").map(Node::items).unwrap_or(&[]);
        let mut tokens = Vec::new();
        let command_path = container.path.key("command");
        let in_shell = command
            .first()
            .and_then(Node::as_str)
            .and_then(|program| program.rsplit('/').next())
            .is_some_and(|program| SHELLS.contains(&program));
        // The first word of `command` is the program itself.
        for (index, item) in command.iter().enumerate().skip(1) {
            let Some(text) = item.as_str() else { continue };
            let path = command_path.index(index);
            if in_shell {
                tokens.extend(text.split_whitespace().map(|word| Token {
                    text: word,
                    path: path.clone(),
                }));
            } else {
                tokens.push(Token { text, path });
            }
        }
        let args_path = container.path.key("args");
        for (index, item) in args.iter().enumerate() {
            if let Some(text) = item.as_str() {
                tokens.push(Token {
                    text,
                    path: args_path.index(index),
                });
            }
        }
        CommandLine {
            settings: parse(&tokens),
            image_entrypoint: command.is_empty(),
        }
    }

    /// The last setting of `--name`.
    pub fn get(&self, name: &str) -> Option<&Setting<'a>> {
        self.settings.get(name)
    }

    /// The last setting of a boolean flag, when it is set to true.
    pub fn enabled(&self, name: &str) -> Option<&Setting<'a>> {
        self.get(name)
            .filter(|setting| setting.as_bool() == Some(true))
    }

    /// A value flag's non-empty value.
    pub fn value(&self, name: &str) -> Option<&'a str> {
        self.get(name)
            .and_then(|setting| setting.value)
            .filter(|value| !value.trim().is_empty())
    }
}

/// Reads the arguments as pflag does: `--name`, `--name=value`, `--name value` for flags that
/// take a value, the last setting wins, and `--` ends the flags.
fn parse<'a>(tokens: &[Token<'a>]) -> HashMap<&'a str, Setting<'a>> {
    let mut settings = HashMap::new();
    let mut index = 0;
    while index < tokens.len() {
        let token = &tokens[index];
        index += 1;
        if token.text == "--" {
            break;
        }
        let Some(body) = token.text.strip_prefix("--") else {
            continue;
        };
        if body.is_empty() || body.starts_with(['-', '=']) {
            continue;
        }
        let (name, inline) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (body, None),
        };
        let next = tokens.get(index).map(|next| next.text);
        let setting = match (arity(name), inline) {
            (_, Some(value)) => Setting {
                value: Some(value),
                stray: None,
                path: token.path.clone(),
            },
            (Some(Arity::Switch), None) => Setting {
                value: None,
                stray: next.filter(|word| !word.starts_with('-')),
                path: token.path.clone(),
            },
            // An unknown flag is assumed to take a value when a word follows, as most do.
            (Some(Arity::Value) | None, None) => match next {
                Some(value) if arity(name).is_some() || !value.starts_with('-') => {
                    index += 1;
                    Setting {
                        value: Some(value),
                        stray: None,
                        path: token.path.clone(),
                    }
                }
                // `--port` at the end: pflag refuses the command line.
                _ => continue,
            },
        };
        settings.insert(name, setting);
    }
    settings
}

/// Whether a bind address keeps the port on the pod's loopback interface. `None` for text that
/// is not an IP address (pflag refuses it and the dashboard does not start).
pub(crate) fn is_loopback(address: &str) -> Option<bool> {
    address.trim().parse::<IpAddr>().ok().map(|ip| match ip {
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        IpAddr::V4(v4) => v4.is_loopback(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboard_images() {
        for image in [
            "kubernetesui/dashboard:v2.7.0",
            "docker.io/kubernetesui/dashboard:v2.0.0",
            "kubernetesui/dashboard-amd64:v2.0.0",
            "registry.example.com/mirror/kubernetesui/dashboard:v2.7.0",
            "k8s.gcr.io/kubernetes-dashboard-amd64:v1.10.1",
            "k8s.gcr.io/kubernetes-dashboard:v1.8.3",
            "registry.k8s.io/kubernetes-dashboard-arm64:v1.10.1",
            "gcr.io/google_containers/kubernetes-dashboard-amd64:v1.6.3",
            "registry.cn-hangzhou.aliyuncs.com/google_containers/kubernetes-dashboard-amd64:v1.10.1",
        ] {
            assert!(is_dashboard_image(image), "{image}");
        }
        for image in [
            "kubernetesui/metrics-scraper:v1.0.8",
            "kubernetesui/dashboard-api:1.0.0",
            "kubernetesui/dashboard-web:1.0.0",
            "kubernetesui/dashboardx:1",
            "someone/dashboard:1",
            "someone/kubernetes-dashboard:1",
            "kubernetes-dashboard:1",
            "k8s.gcr.io/kubernetes-dashboard-init-amd64:v1.0.0",
            "grafana/grafana:10",
            "",
            "{{ .Values.image }}",
        ] {
            assert!(!is_dashboard_image(image), "{image}");
        }
    }

    fn settings(words: &[&str]) -> HashMap<String, (Option<String>, Option<String>, String)> {
        let tokens: Vec<Token> = words
            .iter()
            .enumerate()
            .map(|(index, text)| Token {
                text,
                path: Pointer::root().key("args").index(index),
            })
            .collect();
        parse(&tokens)
            .into_iter()
            .map(|(name, s)| {
                (
                    name.to_string(),
                    (
                        s.value.map(str::to_string),
                        s.stray.map(str::to_string),
                        s.path.into_string(),
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn reads_flags_as_pflag_does() {
        let parsed = settings(&[
            "--enable-skip-login",
            "false",
            "--insecure-bind-address",
            "0.0.0.0",
            "--namespace=kube-system",
            "--enable-insecure-login=true",
            "--insecure-bind-address=127.0.0.1",
            "--unknown",
            "word",
            "-x",
            "---bad",
            "--=bad",
            "--",
            "--disable-settings-authorizer",
        ]);
        assert_eq!(
            parsed["enable-skip-login"],
            (None, Some("false".into()), "/args/0".into())
        );
        assert_eq!(
            parsed["insecure-bind-address"],
            (Some("127.0.0.1".into()), None, "/args/6".into())
        );
        assert_eq!(parsed["namespace"].0.as_deref(), Some("kube-system"));
        assert_eq!(parsed["enable-insecure-login"].0.as_deref(), Some("true"));
        assert_eq!(parsed["unknown"].0.as_deref(), Some("word"));
        assert!(!parsed.contains_key("disable-settings-authorizer"));
        assert!(!parsed.contains_key("-bad"));
        assert_eq!(parsed.len(), 5);

        // A value flag takes the next word even when it looks like a flag; at the end it is
        // dropped.
        let parsed = settings(&["--tls-cert-file", "--enable-skip-login", "--port"]);
        assert_eq!(
            parsed["tls-cert-file"].0.as_deref(),
            Some("--enable-skip-login")
        );
        assert!(!parsed.contains_key("enable-skip-login"));
        assert!(!parsed.contains_key("port"));
        assert!(settings(&[]).is_empty());
        assert!(settings(&["", "-", "--", "x"]).is_empty());
    }

    #[test]
    fn booleans_as_go_reads_them() {
        let setting = |value| Setting {
            value,
            stray: None,
            path: Pointer::root(),
        };
        assert_eq!(setting(None).as_bool(), Some(true));
        for text in ["1", "t", "T", "true", "TRUE", "True"] {
            assert_eq!(setting(Some(text)).as_bool(), Some(true), "{text}");
        }
        for text in ["0", "f", "F", "false", "FALSE", "False"] {
            assert_eq!(setting(Some(text)).as_bool(), Some(false), "{text}");
        }
        for text in ["", "yes", "tRuE", " true", "$(SKIP)", "ｔrue"] {
            assert_eq!(setting(Some(text)).as_bool(), None, "{text}");
        }
    }

    #[test]
    fn loopback_addresses() {
        assert_eq!(is_loopback("127.0.0.1"), Some(true));
        assert_eq!(is_loopback("127.1.2.3"), Some(true));
        assert_eq!(is_loopback("::1"), Some(true));
        assert_eq!(is_loopback("::ffff:127.0.0.1"), Some(true));
        assert_eq!(is_loopback("0.0.0.0"), Some(false));
        assert_eq!(is_loopback("10.0.0.5"), Some(false));
        assert_eq!(is_loopback("::"), Some(false));
        assert_eq!(is_loopback("localhost"), None);
        assert_eq!(is_loopback(""), None);
    }
}
