//! Running processes: `/proc/<pid>/cmdline` (and `environ`) of the six components.

use std::collections::BTreeMap;
use std::path::Path;

use super::flags::Word;
use super::fs::{MAX_READ_BYTES, NodeRoot, ReadError, name_text};
use crate::state::{Component, FlagValue, Source, Unreadable};

/// `pid_max` is at most 4194304; a listing beyond this is no `/proc`.
const MAX_PROCESSES: usize = 4_194_304;

/// One running component.
#[derive(Debug, Clone)]
pub(crate) struct Process {
    pub pid: u32,
    pub component: Component,
    /// `process <pid>`, `/proc/<pid>/cmdline`.
    pub found: Source,
    /// The command line after the program name.
    pub words: Vec<Word>,
    /// `None` when `environ` could not be read (recorded as unreadable).
    pub env: Option<BTreeMap<String, FlagValue>>,
}

/// Every process whose program is one of the components, in pid order. Entries that are not
/// numbers are skipped; processes that end while being read are skipped; what cannot be read
/// is recorded, never fatal.
pub(crate) fn read_processes(root: &NodeRoot, unreadable: &mut Vec<Unreadable>) -> Vec<Process> {
    let names = match root.list_dir(Path::new("/proc")) {
        Ok(Some(names)) => names,
        Ok(None) => return Vec::new(),
        Err(reason) => {
            unreadable.push(Unreadable {
                path: "/proc".to_string(),
                reason,
            });
            return Vec::new();
        }
    };
    let mut pids: Vec<u32> = names
        .iter()
        .filter_map(|name| name_text(name))
        .filter(|name| !name.is_empty() && name.bytes().all(|byte| byte.is_ascii_digit()))
        .filter_map(|name| name.parse().ok())
        .take(MAX_PROCESSES)
        .collect();
    pids.sort_unstable();

    let mut processes = Vec::new();
    let mut hidden = 0usize;
    let mut first_hidden: Option<Unreadable> = None;
    for pid in pids {
        let cmdline_path = format!("/proc/{pid}/cmdline");
        let prefix = match root.read_prefix(Path::new(&cmdline_path), MAX_READ_BYTES) {
            Ok(prefix) => prefix,
            Err(ReadError::Missing) => continue,
            Err(error) => {
                if !process_exists(root, pid) {
                    continue;
                }
                hidden += 1;
                first_hidden.get_or_insert(Unreadable {
                    path: cmdline_path,
                    reason: error.to_string(),
                });
                continue;
            }
        };
        let argv = split_cmdline(&prefix.bytes);
        let Some(component) = argv.first().and_then(|program| component_of(program)) else {
            continue;
        };
        if prefix.truncated {
            unreadable.push(Unreadable {
                path: cmdline_path,
                reason: format!(
                    "the {component} command line is longer than {MAX_READ_BYTES} bytes; its flags were not read"
                ),
            });
            continue;
        }
        let found = Source::new(format!("process {pid}")).in_file(cmdline_path);
        let words = argv[1..]
            .iter()
            .map(|text| Word {
                text: text.clone(),
                source: found.clone(),
            })
            .collect();
        let env = read_environ(root, pid, unreadable);
        processes.push(Process {
            pid,
            component,
            found,
            words,
            env,
        });
    }
    if let Some(mut first) = first_hidden {
        if hidden > 1 {
            first.reason = format!(
                "{}; the command lines of {hidden} processes could not be read",
                first.reason
            );
        }
        unreadable.push(first);
    }
    processes
}

fn process_exists(root: &NodeRoot, pid: u32) -> bool {
    matches!(
        root.metadata(Path::new(&format!("/proc/{pid}"))),
        Ok(Some(_))
    )
}

/// The component a program starts, by the base name of `argv[0]` exactly (`etcdctl` is not
/// etcd); any of the six.
fn component_of(program: &str) -> Option<Component> {
    let base = program.rsplit('/').next().unwrap_or(program);
    Component::ALL
        .into_iter()
        .find(|component| component.binary() == base)
}

/// NUL-separated arguments (lossy where not UTF-8). A program that rewrote its title into
/// one space-separated string (setproctitle) is split at spaces, as `ps` shows it.
pub(crate) fn split_cmdline(bytes: &[u8]) -> Vec<String> {
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if bytes.is_empty() {
        return Vec::new();
    }
    let argv: Vec<String> = bytes
        .split(|&byte| byte == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    if argv.len() == 1 && argv[0].contains(' ') {
        return argv[0].split_whitespace().map(str::to_string).collect();
    }
    argv
}

/// The process's environment (etcd reads `ETCD_*` variables as flags).
fn read_environ(
    root: &NodeRoot,
    pid: u32,
    unreadable: &mut Vec<Unreadable>,
) -> Option<BTreeMap<String, FlagValue>> {
    let path = format!("/proc/{pid}/environ");
    let bytes = match root.read(Path::new(&path)) {
        Ok(bytes) => bytes,
        Err(ReadError::Missing) => return None,
        Err(error) => {
            if process_exists(root, pid) {
                unreadable.push(Unreadable {
                    path,
                    reason: error.to_string(),
                });
            }
            return None;
        }
    };
    let source = Source::new(format!("process {pid}")).in_file(path);
    let mut env = BTreeMap::new();
    for entry in bytes.split(|&byte| byte == 0) {
        let entry = String::from_utf8_lossy(entry);
        if let Some((name, value)) = entry.split_once('=')
            && !name.is_empty()
        {
            env.insert(
                name.to_string(),
                FlagValue {
                    value: value.to_string(),
                    source: source.clone(),
                },
            );
        }
    }
    Some(env)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_split_at_nul_bytes() {
        assert_eq!(
            split_cmdline(b"/usr/bin/kubelet\0--config=/var/lib/kubelet/config.yaml\0--v=2\0"),
            vec![
                "/usr/bin/kubelet",
                "--config=/var/lib/kubelet/config.yaml",
                "--v=2"
            ]
        );
        assert_eq!(split_cmdline(b""), Vec::<String>::new());
        assert_eq!(split_cmdline(b"\0"), Vec::<String>::new());
        assert_eq!(
            split_cmdline(b"etcd --name=a --data-dir=/x"),
            vec!["etcd", "--name=a", "--data-dir=/x"]
        );
        assert_eq!(
            split_cmdline(b"etcd\0--name=\xff\xfe\0"),
            vec!["etcd", "--name=\u{fffd}\u{fffd}"]
        );
    }

    #[test]
    fn programs_are_matched_by_exact_base_name() {
        assert_eq!(component_of("/usr/bin/kubelet"), Some(Component::Kubelet));
        assert_eq!(component_of("kube-proxy"), Some(Component::Proxy));
        assert_eq!(component_of("/usr/local/bin/etcd"), Some(Component::Etcd));
        assert_eq!(component_of("etcdctl"), None);
        assert_eq!(component_of("/opt/kubelet/"), None);
    }
}
