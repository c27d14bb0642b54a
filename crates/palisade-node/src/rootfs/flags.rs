//! Command-line words into flags, as the components' flag parsers read them (spf13/pflag for
//! the Kubernetes binaries, Go's `flag` for etcd).
//!
//! - `--name=value` and `-name=value`: Go's `flag` takes one or two dashes alike, and the
//!   Kubernetes binaries' one-letter flags (`-v=2`) are their long flags' shorthands, so one
//!   or two dashes both name the flag.
//! - `--name value`: pflag gives a non-boolean flag the next word as its value. The flags'
//!   types are not known here, so a bare `--name` takes the next word as its value when that
//!   word does not start with `-`, except for the boolean flags in [`BOOLEAN_FLAGS`]: for them
//!   a bare `--name` means `true` (pflag's `NoOptDefVal`) and the next word is a positional
//!   argument, not a value (`--anonymous-auth false` sets it to true).
//! - A bare `--name` at the end or before another flag means `true`.
//! - `--` ends the flags; later words are positional, as are words that are not flags.
//! - The last occurrence wins, except for the list and map flags in [`ACCUMULATING_FLAGS`],
//!   whose repeats add up in pflag (`--enable-admission-plugins=A --enable-admission-plugins=B`
//!   enables both): their values are joined with commas, the source being the last one.

use std::collections::BTreeMap;

use crate::state::{FlagValue, Source};

/// One word of a command line and where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub source: Source,
}

/// Boolean flags of the six components that a command line may give without a value.
pub(crate) const BOOLEAN_FLAGS: &[&str] = &[
    // kube-apiserver
    "allow-privileged",
    "anonymous-auth",
    "audit-log-compress",
    "audit-log-truncate-enabled",
    "audit-webhook-truncate-enabled",
    "contention-profiling",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-garbage-collector",
    "enable-logs-handler",
    "enable-priority-and-fairness",
    "kubelet-https",
    "profiling",
    "service-account-extend-token-expiration",
    "service-account-lookup",
    "watch-cache",
    // kube-controller-manager and kube-scheduler
    "allocate-node-cidrs",
    "configure-cloud-routes",
    "enable-dynamic-provisioning",
    "enable-hostpath-provisioner",
    "enable-taint-manager",
    "leader-elect",
    "use-service-account-credentials",
    // kubelet
    "cgroups-per-qos",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-server",
    "exit-on-lock-contention",
    "fail-swap-on",
    "keep-terminated-pod-volumes",
    "kernel-memcg-notification",
    "make-iptables-util-chains",
    "protect-kernel-defaults",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "serialize-image-pulls",
    // kube-proxy
    "bind-address-hard-fail",
    "cleanup",
    "masquerade-all",
    // etcd
    "auto-tls",
    "client-cert-auth",
    "enable-grpc-gateway",
    "enable-pprof",
    "enable-v2",
    "experimental-initial-corrupt-check",
    "experimental-enable-lease-checkpoint",
    "force-new-cluster",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "pre-vote",
    "strict-reconfig-check",
    // klog, in every Kubernetes binary
    "add-dir-header",
    "alsologtostderr",
    "logtostderr",
    "one-output",
    "skip-headers",
    "skip-log-headers",
    // every binary
    "help",
    "version",
];

/// pflag slice, array and map flags: each occurrence adds to the value instead of replacing it.
pub(crate) const ACCUMULATING_FLAGS: &[&str] = &[
    "admission-control",
    "api-audiences",
    "authorization-always-allow-paths",
    "authorization-mode",
    "cluster-dns",
    "controllers",
    "cors-allowed-origins",
    "disable-admission-plugins",
    "enable-admission-plugins",
    "etcd-servers",
    "etcd-servers-overrides",
    "feature-gates",
    "kubelet-preferred-address-types",
    "node-labels",
    "requestheader-allowed-names",
    "requestheader-extra-headers-prefix",
    "requestheader-group-headers",
    "requestheader-username-headers",
    "runtime-config",
    "service-account-issuer",
    "service-account-key-file",
    "tls-cipher-suites",
    "tls-sni-cert-key",
];

/// The flags of a command line without its program name.
pub(crate) fn parse_flags(words: &[Word]) -> BTreeMap<String, FlagValue> {
    let mut flags: BTreeMap<String, FlagValue> = BTreeMap::new();
    let mut index = 0;
    while index < words.len() {
        let word = &words[index];
        index += 1;
        if word.text == "--" {
            break;
        }
        let Some(body) = flag_body(&word.text) else {
            continue;
        };
        let (name, value) = match body.split_once('=') {
            Some((name, value)) => (name, value.to_string()),
            None => {
                let next = words.get(index);
                match next {
                    Some(next) if !BOOLEAN_FLAGS.contains(&body) && !next.text.starts_with('-') => {
                        index += 1;
                        (body, next.text.clone())
                    }
                    _ => (body, "true".to_string()),
                }
            }
        };
        if name.is_empty() || name.starts_with('-') {
            // `--=x` and `---x`: pflag stops with "bad flag syntax"; nothing to record.
            continue;
        }
        let value = match flags.get(name) {
            Some(earlier) if ACCUMULATING_FLAGS.contains(&name) && !earlier.value.is_empty() => {
                if value.is_empty() {
                    earlier.value.clone()
                } else {
                    format!("{},{value}", earlier.value)
                }
            }
            _ => value,
        };
        flags.insert(
            name.to_string(),
            FlagValue {
                value,
                source: word.source.clone(),
            },
        );
    }
    flags
}

/// The text after the dashes of a flag word; `None` for a positional word (`-` alone too).
fn flag_body(text: &str) -> Option<&str> {
    let body = text.strip_prefix("--").or_else(|| text.strip_prefix('-'))?;
    if body.is_empty() { None } else { Some(body) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(texts: &[&str]) -> Vec<Word> {
        texts
            .iter()
            .enumerate()
            .map(|(index, text)| Word {
                text: text.to_string(),
                source: Source::new("test").at(index as u32 + 1, 1),
            })
            .collect()
    }

    fn values(texts: &[&str]) -> Vec<(String, String)> {
        parse_flags(&words(texts))
            .into_iter()
            .map(|(name, flag)| (name, flag.value))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    #[test]
    fn equals_space_and_bare_forms() {
        assert_eq!(
            values(&[
                "--secure-port=6443",
                "--bind-address",
                "127.0.0.1",
                "--profiling",
                "--runtime-config=",
                "-v=2",
                "-data-dir=/var/lib/etcd",
            ]),
            pairs(&[
                ("bind-address", "127.0.0.1"),
                ("data-dir", "/var/lib/etcd"),
                ("profiling", "true"),
                ("runtime-config", ""),
                ("secure-port", "6443"),
                ("v", "2"),
            ])
        );
    }

    #[test]
    fn a_known_boolean_does_not_take_the_next_word() {
        // pflag: `--anonymous-auth false` is anonymous-auth=true plus a positional "false".
        assert_eq!(
            values(&[
                "--anonymous-auth",
                "false",
                "--authorization-mode",
                "Node,RBAC"
            ]),
            pairs(&[
                ("anonymous-auth", "true"),
                ("authorization-mode", "Node,RBAC")
            ])
        );
        assert_eq!(
            values(&["--anonymous-auth=false"]),
            pairs(&[("anonymous-auth", "false")])
        );
    }

    #[test]
    fn a_bare_flag_before_another_flag_or_at_the_end_is_true() {
        assert_eq!(
            values(&["--some-new-switch", "--other=1", "--last"]),
            pairs(&[
                ("last", "true"),
                ("other", "1"),
                ("some-new-switch", "true")
            ])
        );
    }

    #[test]
    fn the_last_occurrence_wins_with_its_source() {
        let flags = parse_flags(&words(&["--profiling=true", "--x=1", "--profiling=false"]));
        assert_eq!(flags["profiling"].value, "false");
        assert_eq!(flags["profiling"].source.line, Some(3));
    }

    #[test]
    fn list_flags_accumulate() {
        assert_eq!(
            values(&[
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=EventRateLimit,AlwaysPullImages",
                "--tls-cipher-suites=",
            ]),
            pairs(&[
                (
                    "enable-admission-plugins",
                    "NodeRestriction,EventRateLimit,AlwaysPullImages"
                ),
                ("tls-cipher-suites", ""),
            ])
        );
    }

    #[test]
    fn positional_words_bad_syntax_and_double_dash_end() {
        assert_eq!(
            values(&["serve", "-", "--=x", "---x=1", "--a=1", "--", "--b=2"]),
            pairs(&[("a", "1")])
        );
    }
}
