//! The files a node has once `kubeadm init` (or `join`) has run: a [`NodeFiles`] over planned
//! files rather than a filesystem.
//!
//! Modes, as kubeadm and its packages write them (kubeadm runs as root, so every file it writes
//! is `root:root`):
//! - static pod manifests 0600, written by `WriteStaticPodToDisk`
//!   (`cmd/kubeadm/app/util/staticpod/utils.go`: `os.WriteFile(..., 0600)`); their directory is
//!   created 0700 by the same function only when missing, and the kubelet package already ships
//!   `/etc/kubernetes/manifests`, so it is 0755 **[unverified: package file list]**.
//! - kubeconfig files (`admin.conf`, `super-admin.conf`, `controller-manager.conf`,
//!   `scheduler.conf`, `kubelet.conf`) 0600: client-go's `clientcmd.WriteToFile`.
//! - certificates 0644 and keys 0600 (`sa.pub` too: it is written with `keyutil.WriteKey`), in
//!   directories made 0755: client-go's `certutil.WriteCert` and `keyutil.WriteKey`, called by
//!   `cmd/kubeadm/app/util/pkiutil/pki_helpers.go`.
//! - the etcd data directory 0700: `CreateDataDirectory` in `cmd/kubeadm/app/util/etcd`
//!   (`os.MkdirAll(dir, 0700)`, which keeps an existing directory as it is).
//! - `/var/lib/kubelet` 0700, `/var/lib/kubelet/config.yaml` and `kubeadm-flags.env` 0644:
//!   `cmd/kubeadm/app/phases/kubelet/{config,flags}.go` (`os.MkdirAll(dir, 0700)`,
//!   `os.WriteFile(..., 0644)`, which keeps an existing file's mode).
//! - the kubelet's systemd unit and kubeadm's drop-in 0644 under `/usr/lib/systemd/system`: the
//!   pkgs.k8s.io packages (`kubeadm.spec`: `install -p -m 644 10-kubeadm.conf
//!   %{_unitdir}/kubelet.service.d/10-kubeadm.conf`); the unit's mode is **[unverified]**.
//! - `/etc/kubernetes` 0755 **[unverified]**.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::script::ScriptOp;
use crate::state::{FileFacts, NodeFiles};

/// The uid (and gid) of a user (group) a preparation script names but that does not exist until
/// the script creates it: the numeric id is the system's choice. It is `(uid_t)-1`, the id
/// `chown(2)` reads as "unchanged"; [`FileFacts::user`] holds the name.
pub const UNKNOWN_ID: u32 = u32::MAX;

/// What a flag-named file's content is limited to.
const MAX_READ_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Debug)]
enum Content {
    /// Written on the node by kubeadm, the kubelet or a package: not part of the configuration.
    OnNode,
    /// The bundle file that will be copied there.
    Bundle(PathBuf),
}

#[derive(Clone, Debug)]
struct Planned {
    /// `None`: the file comes from the bundle but how it is installed is not known.
    facts: Option<FileFacts>,
    content: Content,
}

/// The planned files of a node, by path inside the node.
#[derive(Debug, Default)]
pub(crate) struct PlannedFiles {
    files: BTreeMap<String, Planned>,
}

fn root_facts(path: &str, mode: u32, is_dir: bool) -> FileFacts {
    owned_facts(path, mode, is_dir, "root", "root")
}

fn owned_facts(path: &str, mode: u32, is_dir: bool, user: &str, group: &str) -> FileFacts {
    FileFacts {
        path: path.to_string(),
        mode,
        uid: id_of(user),
        gid: id_of(group),
        user: Some(user.to_string()),
        group: Some(group.to_string()),
        is_dir,
    }
}

fn id_of(name: &str) -> u32 {
    if name == "root" || name == "0" {
        0
    } else {
        name.parse().unwrap_or(UNKNOWN_ID)
    }
}

/// `/a//b/./c/` as `/a/b/c`.
pub(crate) fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

fn parent(path: &str) -> Option<&str> {
    match path.rfind('/') {
        Some(0) if path.len() > 1 => Some("/"),
        Some(0) | None => None,
        Some(index) => Some(&path[..index]),
    }
}

impl PlannedFiles {
    /// A directory, with its missing parents (0755 root:root, as `mkdir -p` makes them).
    pub fn dir(&mut self, path: &str, mode: u32) {
        let path = normalize(path);
        self.parents(&path);
        self.files.insert(
            path.clone(),
            Planned {
                facts: Some(root_facts(&path, mode, true)),
                content: Content::OnNode,
            },
        );
    }

    /// A file kubeadm (or a package) writes on the node.
    pub fn file(&mut self, path: &str, mode: u32) {
        let path = normalize(path);
        self.parents(&path);
        self.files.insert(
            path.clone(),
            Planned {
                facts: Some(root_facts(&path, mode, false)),
                content: Content::OnNode,
            },
        );
    }

    fn parents(&mut self, path: &str) {
        let mut current = parent(path);
        let mut missing = Vec::new();
        while let Some(dir) = current {
            if dir == "/" || self.files.contains_key(dir) {
                break;
            }
            missing.push(dir.to_string());
            current = parent(dir);
        }
        for dir in missing {
            let facts = root_facts(&dir, 0o755, true);
            self.files.insert(
                dir,
                Planned {
                    facts: Some(facts),
                    content: Content::OnNode,
                },
            );
        }
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(&normalize(path))
    }

    /// A file a flag names whose content is the bundle file `source`; its mode is known only if
    /// the preparation script installs it.
    pub fn bundle_file(&mut self, path: &str, source: &Path) {
        let path = normalize(path);
        self.files.insert(
            path,
            Planned {
                facts: None,
                content: Content::Bundle(source.to_path_buf()),
            },
        );
    }

    /// Applies the preparation script's file changes. Returns the bundle files it installs.
    pub fn apply_script(&mut self, ops: &[ScriptOp], bundle_dir: &Path) -> Vec<String> {
        let mut installed = Vec::new();
        for op in ops {
            match op {
                ScriptOp::InstallDir {
                    path,
                    mode,
                    owner,
                    group,
                } => {
                    let path = normalize(path);
                    self.parents(&path);
                    let facts = owned_facts(&path, *mode, true, owner, group);
                    self.files.insert(
                        path,
                        Planned {
                            facts: Some(facts),
                            content: Content::OnNode,
                        },
                    );
                }
                ScriptOp::InstallFile {
                    source,
                    dest,
                    mode,
                    owner,
                    group,
                } => {
                    let mut dest = normalize(dest);
                    let source_name = Path::new(source)
                        .file_name()
                        .map(|name| name.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    if self.files.get(&dest).is_some_and(Planned::is_dir) {
                        dest = format!("{dest}/{source_name}");
                    }
                    self.parents(&dest);
                    let source_path = bundle_dir.join(source);
                    let facts = owned_facts(&dest, *mode, false, owner, group);
                    self.files.insert(
                        dest,
                        Planned {
                            facts: Some(facts),
                            content: Content::Bundle(source_path),
                        },
                    );
                    installed.push(source_name);
                }
                ScriptOp::Chmod {
                    path,
                    mode,
                    recursive,
                } => {
                    for planned in self.matching(path, *recursive) {
                        if let Some(facts) = &mut planned.facts {
                            facts.mode = *mode;
                        }
                    }
                }
                ScriptOp::Chown {
                    path,
                    owner,
                    group,
                    recursive,
                } => {
                    for planned in self.matching(path, *recursive) {
                        if let Some(facts) = &mut planned.facts {
                            facts.uid = id_of(owner);
                            facts.user = Some(owner.clone());
                            if let Some(group) = group {
                                facts.gid = id_of(group);
                                facts.group = Some(group.clone());
                            }
                        }
                    }
                }
            }
        }
        installed
    }

    fn matching(&mut self, path: &str, recursive: bool) -> impl Iterator<Item = &mut Planned> {
        let path = normalize(path);
        let below = format!("{}/", path.trim_end_matches('/'));
        self.files
            .iter_mut()
            .filter(move |(key, _)| **key == path || (recursive && key.starts_with(&below)))
            .map(|(_, planned)| planned)
    }
}

impl Planned {
    fn is_dir(&self) -> bool {
        self.facts.as_ref().is_some_and(|facts| facts.is_dir)
    }
}

impl NodeFiles for PlannedFiles {
    fn stat(&self, path: &str) -> Result<Option<FileFacts>, String> {
        match self.files.get(&normalize(path)) {
            None => Ok(None),
            Some(Planned {
                facts: Some(facts), ..
            }) => Ok(Some(facts.clone())),
            Some(Planned { facts: None, .. }) => Err(format!(
                "{path} is copied from the bundle by hand: the mode and owner it will have are \
                 not part of the configuration"
            )),
        }
    }

    fn walk(&self, dir: &str) -> Result<Option<Vec<FileFacts>>, String> {
        let dir = normalize(dir);
        let Some(top) = self.files.get(&dir) else {
            return Ok(None);
        };
        let below = if dir == "/" {
            String::from("/")
        } else {
            format!("{dir}/")
        };
        let mut entries: Vec<FileFacts> = top.facts.iter().cloned().collect();
        entries.extend(
            self.files
                .iter()
                .filter(|(path, _)| path.starts_with(&below))
                .filter_map(|(_, planned)| planned.facts.clone()),
        );
        Ok(Some(entries))
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match self.files.get(&normalize(path)) {
            None => Ok(None),
            Some(Planned {
                content: Content::Bundle(source),
                ..
            }) => super::read_bounded(source, MAX_READ_BYTES)
                .map(Some)
                .map_err(|reason| format!("{}: {reason}", source.display())),
            Some(Planned { facts, .. }) if facts.as_ref().is_some_and(|f| f.is_dir) => {
                Err(format!("{path} is a directory"))
            }
            Some(_) => Err(format!(
                "{path} is written on the node by kubeadm: its content is not part of the \
                 configuration"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_and_parents_planned() {
        let mut files = PlannedFiles::default();
        files.file("/etc/kubernetes//pki/./ca.crt", 0o644);
        let facts = files.stat("/etc/kubernetes/pki/ca.crt").unwrap().unwrap();
        assert_eq!((facts.mode, facts.uid, facts.is_dir), (0o644, 0, false));
        assert!(files.stat("/etc/kubernetes/pki/").unwrap().unwrap().is_dir);
        assert_eq!(files.stat("/etc/kubernetes/pki/ca.key").unwrap(), None);
        let walked = files.walk("/etc/kubernetes").unwrap().unwrap();
        let paths: Vec<&str> = walked.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "/etc/kubernetes",
                "/etc/kubernetes/pki",
                "/etc/kubernetes/pki/ca.crt"
            ]
        );
        assert!(files.read("/etc/kubernetes/pki/ca.crt").is_err());
    }

    #[test]
    fn the_script_changes_modes_and_owners_of_planned_files_only() {
        let mut files = PlannedFiles::default();
        files.dir("/var/lib/etcd", 0o700);
        files.file("/var/lib/kubelet/config.yaml", 0o644);
        let ops = super::super::script::parse_script(
            "install -d -m 0700 -o etcd -g etcd /var/lib/etcd\n\
             chmod 0600 /var/lib/kubelet/config.yaml /not/planned\n",
        );
        files.apply_script(&ops, Path::new("/bundle"));
        let etcd = files.stat("/var/lib/etcd").unwrap().unwrap();
        assert_eq!(etcd.user.as_deref(), Some("etcd"));
        assert_eq!((etcd.uid, etcd.mode), (UNKNOWN_ID, 0o700));
        assert_eq!(
            files
                .stat("/var/lib/kubelet/config.yaml")
                .unwrap()
                .unwrap()
                .mode,
            0o600
        );
        assert_eq!(files.stat("/not/planned").unwrap(), None);
    }
}
