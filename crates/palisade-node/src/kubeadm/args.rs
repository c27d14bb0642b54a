//! `extraArgs`, `extraEnvs` and `extraVolumes`, and how kubeadm merges extra arguments into the
//! command lines it generates.

use std::collections::BTreeMap;

use super::KubeadmError;
use super::document::{Doc, KubeadmVersion, Setting};
use crate::state::{FlagValue, Source};

/// One `extraArgs` (or `kubeletExtraArgs`, `extraEnvs`) entry.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Arg {
    pub name: String,
    pub value: String,
    pub source: Source,
}

/// Flags whose repetitions add up rather than replace each other: pflag's string slices and
/// arrays and the `key=value` map flags. kubeadm `v1beta4` lets a name repeat for them.
const ACCUMULATING_FLAGS: &[&str] = &[
    "api-audiences",
    "authorization-mode",
    "cors-allowed-origins",
    "disable-admission-plugins",
    "enable-admission-plugins",
    "etcd-servers",
    "feature-gates",
    "node-labels",
    "runtime-config",
    "service-account-issuer",
    "service-account-key-file",
    "tls-cipher-suites",
];

/// The `extraArgs` at `path`: a map in `v1beta1` to `v1beta3`, a list of `{name, value}` (where a
/// name may repeat) from `v1beta4` on.
pub(crate) fn extra_args(doc: &Doc, path: &[&str]) -> Result<Vec<Arg>, KubeadmError> {
    let Some(node) = doc.node(path)? else {
        return Ok(Vec::new());
    };
    let version = doc.version.unwrap_or(KubeadmVersion::V1Beta4);
    let field = doc.describe(path);
    if version.args_are_lists() {
        if !node.is_seq() {
            return Err(doc.error(
                node.pos,
                format!(
                    "{field} must be a list of {{name, value}} in kubeadm.k8s.io/{} (a map in \
                     v1beta3 and earlier), not a {}",
                    version.name(),
                    node.type_name()
                ),
            ));
        }
        return name_value_list(doc, &field, node);
    }
    if !node.is_map() {
        return Err(doc.error(
            node.pos,
            format!(
                "{field} must be a map of flag name to value in kubeadm.k8s.io/{} (a list of \
                 {{name, value}} from v1beta4 on), not a {}",
                version.name(),
                node.type_name()
            ),
        ));
    }
    let mut args: Vec<Arg> = Vec::new();
    for entry in node.entries() {
        let value = match entry.value.as_str() {
            Some(text) => text.to_string(),
            None if entry.value.is_null() => String::new(),
            None => {
                return Err(doc.error(
                    entry.value.pos,
                    format!(
                        "{field}.{} must be a string (quote it), not a {}",
                        entry.key,
                        entry.value.type_name()
                    ),
                ));
            }
        };
        // A repeated key in a map: the last one is the one a YAML decoder keeps.
        args.retain(|arg| arg.name != entry.key);
        args.push(Arg {
            name: entry.key.to_string(),
            value,
            source: doc.source_at(entry.key_pos),
        });
    }
    Ok(args)
}

/// `extraEnvs` (kubeadm `v1beta4`): a list of `{name, value}`; earlier versions have none.
pub(crate) fn extra_envs(doc: &Doc, path: &[&str]) -> Result<Vec<Arg>, KubeadmError> {
    if !doc.version.is_some_and(KubeadmVersion::args_are_lists) {
        return Ok(Vec::new());
    }
    let Some(node) = doc.node(path)? else {
        return Ok(Vec::new());
    };
    let field = doc.describe(path);
    if !node.is_seq() {
        return Err(doc.error(
            node.pos,
            format!(
                "{field} must be a list of {{name, value}}, not a {}",
                node.type_name()
            ),
        ));
    }
    name_value_list(doc, &field, node)
}

fn name_value_list(
    doc: &Doc,
    field: &str,
    node: &palisade_model::Node,
) -> Result<Vec<Arg>, KubeadmError> {
    let mut args = Vec::new();
    for item in node.items() {
        if !item.is_map() {
            return Err(doc.error(
                item.pos,
                format!(
                    "{field} entries must be {{name, value}}, not a {}",
                    item.type_name()
                ),
            ));
        }
        let name = match item.get("name") {
            Some(name) => match name.as_str() {
                Some(text) if !text.is_empty() => text.to_string(),
                _ => {
                    return Err(doc.error(
                        name.pos,
                        format!("{field}[].name must be a non-empty string"),
                    ));
                }
            },
            None => return Err(doc.error(item.pos, format!("{field} entry without a name"))),
        };
        let value = match item.get("value") {
            None => String::new(),
            Some(value) if value.is_null() => String::new(),
            Some(value) => match value.as_str() {
                Some(text) => text.to_string(),
                None => {
                    return Err(doc.error(
                        value.pos,
                        format!(
                            "{field}[{name}].value must be a string (quote it), not a {}",
                            value.type_name()
                        ),
                    ));
                }
            },
        };
        args.push(Arg {
            name,
            value,
            source: doc.source_at(item.pos),
        });
    }
    Ok(args)
}

/// One `extraVolumes` entry: a host path mounted into a control plane pod.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Volume {
    pub host_path: String,
    pub mount_path: String,
}

pub(crate) fn extra_volumes(doc: &Doc, path: &[&str]) -> Result<Vec<Volume>, KubeadmError> {
    let Some(node) = doc.node(path)? else {
        return Ok(Vec::new());
    };
    let field = doc.describe(path);
    if !node.is_seq() {
        return Err(doc.error(
            node.pos,
            format!("{field} must be a list, not a {}", node.type_name()),
        ));
    }
    let mut volumes = Vec::new();
    for item in node.items() {
        if !item.is_map() {
            return Err(doc.error(
                item.pos,
                format!(
                    "{field} entries must be mappings, not a {}",
                    item.type_name()
                ),
            ));
        }
        let text = |key: &str| -> Result<String, KubeadmError> {
            match item.get(key) {
                Some(value) => value.as_str().map(str::to_string).ok_or_else(|| {
                    doc.error(
                        value.pos,
                        format!(
                            "{field}[].{key} must be a string, not a {}",
                            value.type_name()
                        ),
                    )
                }),
                None => Err(doc.error(item.pos, format!("{field} entry without {key}"))),
            }
        };
        volumes.push(Volume {
            host_path: text("hostPath")?,
            mount_path: text("mountPath")?,
        });
    }
    Ok(volumes)
}

/// The flags a command line ends up with, as kubeadm builds it (`ArgumentsToCommand`: an extra
/// argument drops every default of the same name; the arguments are then sorted by name and,
/// within a name, by value) and as the component then reads it (the last of a repeated flag
/// wins, except for the flags in [`ACCUMULATING_FLAGS`], whose values join).
pub(crate) fn command(
    defaults: Vec<(&'static str, Setting)>,
    overrides: &[Arg],
) -> BTreeMap<String, FlagValue> {
    let mut args: Vec<(String, String, Source)> = overrides
        .iter()
        .map(|arg| (arg.name.clone(), arg.value.clone(), arg.source.clone()))
        .collect();
    for (name, setting) in defaults {
        if !overrides.iter().any(|arg| arg.name == name) {
            args.push((name.to_string(), setting.value, setting.source));
        }
    }
    args.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    let mut flags: BTreeMap<String, FlagValue> = BTreeMap::new();
    for (name, value, source) in args {
        match flags.get_mut(&name) {
            Some(existing) if ACCUMULATING_FLAGS.contains(&name.as_str()) => {
                existing.value = format!("{},{}", existing.value, value);
                existing.source = source;
            }
            _ => {
                flags.insert(name, FlagValue { value, source });
            }
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arg(name: &str, value: &str, line: u32) -> Arg {
        Arg {
            name: name.into(),
            value: value.into(),
            source: Source::new("kubeadm configuration")
                .in_file("c.yaml")
                .at(line, 7),
        }
    }

    #[test]
    fn an_extra_argument_replaces_every_default_of_its_name() {
        let flags = command(
            vec![
                ("profiling", Setting::default("true")),
                ("bind-address", Setting::default("127.0.0.1")),
            ],
            &[arg("profiling", "false", 4)],
        );
        assert_eq!(flags["profiling"].value, "false");
        assert_eq!(flags["profiling"].source.line, Some(4));
        assert_eq!(flags["bind-address"].source.kind, "kubeadm default");
    }

    #[test]
    fn a_repeated_scalar_flag_keeps_the_value_kubeadm_sorts_last() {
        // kubeadm sorts a repeated name by value, so "b" follows "a" on the command line
        // whichever came first in the configuration.
        let flags = command(vec![], &[arg("v", "b", 3), arg("v", "a", 5)]);
        assert_eq!(flags["v"].value, "b");
        assert_eq!(flags["v"].source.line, Some(3));
    }

    #[test]
    fn a_repeated_slice_flag_adds_up() {
        let flags = command(
            vec![(
                "enable-admission-plugins",
                Setting::default("NodeRestriction"),
            )],
            &[
                arg("enable-admission-plugins", "NodeRestriction", 3),
                arg("enable-admission-plugins", "EventRateLimit", 5),
            ],
        );
        assert_eq!(
            flags["enable-admission-plugins"].value,
            "EventRateLimit,NodeRestriction"
        );
    }
}
