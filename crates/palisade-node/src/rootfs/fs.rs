//! The node's filesystem under a root directory, read the way the node itself would see it.
//!
//! Paths are resolved component by component inside the root, as `chroot` would: an absolute
//! symlink target starts again at the root and `..` stops there, so a copy of a node under
//! `--root` never leads out to the machine palisade runs on (a copy's `/etc/alternatives/...`
//! links point at the copy). Reads are bounded in size and refuse anything but regular files,
//! because opening a FIFO blocks and a device can be endless.

use std::collections::{BTreeMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::{self, File, Metadata};
use std::io::{self, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Component as PathPart, Path, PathBuf};

use crate::state::{FileFacts, NodeFiles, Unreadable};

/// The most bytes read from one file: far above any manifest, config or command line.
pub(crate) const MAX_READ_BYTES: u64 = 1024 * 1024;
/// As Linux's `MAXSYMLINKS`: beyond this a path is a loop (`ELOOP`).
const MAX_SYMLINK_HOPS: usize = 40;
/// `walk` bounds: a PKI or CNI directory holds a few dozen entries; a hostile tree holds more.
const MAX_WALK_ENTRIES: usize = 100_000;
const MAX_WALK_DEPTH: usize = 64;

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReadError {
    Missing,
    TooLarge,
    NotAFile,
    /// An I/O error (permission denied, a loop of symlinks), as a message.
    Failed(String),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Missing => f.write_str("no such file"),
            ReadError::TooLarge => write!(f, "larger than {} bytes, not read", MAX_READ_BYTES),
            ReadError::NotAFile => f.write_str("not a regular file"),
            ReadError::Failed(message) => f.write_str(message),
        }
    }
}

/// A file's bytes, possibly cut at the size bound.
pub(crate) struct Prefix {
    pub bytes: Vec<u8>,
    pub truncated: bool,
}

/// The node's root directory.
#[derive(Debug, Clone)]
pub(crate) struct NodeRoot {
    root: PathBuf,
}

impl NodeRoot {
    pub fn new(root: &Path) -> NodeRoot {
        NodeRoot {
            root: root.to_path_buf(),
        }
    }

    /// `true` when the root is the machine's own `/`, where `/proc/<pid>/root` leads into a
    /// process's container.
    pub fn is_live(&self) -> bool {
        self.root == Path::new("/")
    }

    /// The path on this machine of a path inside the node, following every symlink inside
    /// the root. `Ok(None)` when it does not exist (also a dangling link, or a path through a
    /// file), as `test -e` says.
    pub fn resolve(&self, node_path: &Path) -> Result<Option<PathBuf>, String> {
        let mut pending: Vec<OsString> = Vec::new();
        push_parts(&mut pending, node_path);
        let mut resolved = self.root.clone();
        let mut depth = 0usize;
        let mut hops = 0usize;
        while let Some(part) = pending.pop() {
            if part == ".." {
                if depth > 0 {
                    resolved.pop();
                    depth -= 1;
                }
                continue;
            }
            let candidate = resolved.join(&part);
            let meta = match fs::symlink_metadata(&candidate) {
                Ok(meta) => meta,
                Err(error) if is_absent(&error) => return Ok(None),
                Err(error) => return Err(describe(&error)),
            };
            if meta.file_type().is_symlink() {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return Err("too many levels of symbolic links".to_string());
                }
                let target = fs::read_link(&candidate).map_err(|error| describe(&error))?;
                if target.is_absolute() {
                    resolved = self.root.clone();
                    depth = 0;
                }
                push_parts(&mut pending, &target);
                continue;
            }
            if !pending.is_empty() && !meta.is_dir() {
                return Ok(None);
            }
            resolved = candidate;
            depth += 1;
        }
        Ok(Some(resolved))
    }

    /// `stat` of a path inside the node, following symlinks.
    pub fn metadata(&self, node_path: &Path) -> Result<Option<Metadata>, String> {
        let Some(host) = self.resolve(node_path)? else {
            return Ok(None);
        };
        match fs::metadata(&host) {
            Ok(meta) => Ok(Some(meta)),
            Err(error) if is_absent(&error) => Ok(None),
            Err(error) => Err(describe(&error)),
        }
    }

    /// The names in a directory, sorted; `Ok(None)` when it does not exist or is no directory.
    pub fn list_dir(&self, node_path: &Path) -> Result<Option<Vec<OsString>>, String> {
        let Some(host) = self.resolve(node_path)? else {
            return Ok(None);
        };
        list_host_dir(&host)
    }

    /// Up to `limit` bytes of a regular file, and whether there was more.
    pub fn read_prefix(&self, node_path: &Path, limit: u64) -> Result<Prefix, ReadError> {
        let host = self
            .resolve(node_path)
            .map_err(ReadError::Failed)?
            .ok_or(ReadError::Missing)?;
        read_host_prefix(&host, limit)
    }

    /// A whole regular file, refused beyond [`MAX_READ_BYTES`].
    pub fn read(&self, node_path: &Path) -> Result<Vec<u8>, ReadError> {
        let prefix = self.read_prefix(node_path, MAX_READ_BYTES)?;
        if prefix.truncated {
            return Err(ReadError::TooLarge);
        }
        Ok(prefix.bytes)
    }

    /// A whole file as text: UTF-8 without NUL bytes (a binary file is no configuration).
    pub fn read_text(&self, node_path: &Path) -> Result<String, ReadError> {
        text_of(self.read(node_path)?)
    }

    /// A file inside a running process's own filesystem (a container's), through
    /// `/proc/<pid>/root`. Only on the live node: the kernel resolves that link, not us.
    pub fn read_text_in_process_root(&self, pid: u32, path: &str) -> Result<String, ReadError> {
        if !self.is_live() {
            return Err(ReadError::Missing);
        }
        let mut host = PathBuf::from(format!("/proc/{pid}/root"));
        host.push(path.trim_start_matches('/'));
        let prefix = read_host_prefix(&host, MAX_READ_BYTES)?;
        if prefix.truncated {
            return Err(ReadError::TooLarge);
        }
        text_of(prefix.bytes)
    }
}

fn text_of(bytes: Vec<u8>) -> Result<String, ReadError> {
    if let Some(offset) = bytes.iter().position(|&byte| byte == 0) {
        return Err(ReadError::Failed(format!(
            "a binary file (NUL byte at offset {offset}), not text"
        )));
    }
    String::from_utf8(bytes).map_err(|error| {
        ReadError::Failed(format!(
            "not UTF-8 text (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        ))
    })
}

fn read_host_prefix(host: &Path, limit: u64) -> Result<Prefix, ReadError> {
    let meta = fs::metadata(host).map_err(|error| read_error(&error))?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    let file = File::open(host).map_err(|error| read_error(&error))?;
    let mut bytes = Vec::new();
    // One byte over the limit tells a file of exactly `limit` bytes from a longer one.
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| read_error(&error))?;
    let truncated = bytes.len() as u64 > limit;
    if truncated {
        bytes.truncate(limit as usize);
    }
    Ok(Prefix { bytes, truncated })
}

fn list_host_dir(host: &Path) -> Result<Option<Vec<OsString>>, String> {
    let entries = match fs::read_dir(host) {
        Ok(entries) => entries,
        Err(error) if is_absent(&error) => return Ok(None),
        Err(error) => return Err(describe(&error)),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|error| describe(&error))?;
        names.push(entry.file_name());
    }
    names.sort();
    Ok(Some(names))
}

/// Pushes a path's parts so that popping yields them in order; a leading `/` is dropped, as
/// the caller already stands at the root or has just returned to it.
fn push_parts(pending: &mut Vec<OsString>, path: &Path) {
    let parts: Vec<OsString> = path
        .components()
        .filter_map(|part| match part {
            PathPart::Normal(name) => Some(name.to_os_string()),
            PathPart::ParentDir => Some(OsString::from("..")),
            PathPart::RootDir | PathPart::CurDir | PathPart::Prefix(_) => None,
        })
        .collect();
    pending.extend(parts.into_iter().rev());
}

/// ENOENT, and ENOTDIR (a path through a regular file): both mean "no such file" to `test -e`.
fn is_absent(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::NotFound || error.raw_os_error() == Some(20)
}

fn read_error(error: &io::Error) -> ReadError {
    if is_absent(error) {
        ReadError::Missing
    } else {
        ReadError::Failed(describe(error))
    }
}

/// An I/O error without the path on this machine (under `--root` that path is not the node's).
pub(crate) fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    }
}

/// User and group names as the node's `/etc/passwd` and `/etc/group` give them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Names {
    users: BTreeMap<u32, String>,
    groups: BTreeMap<u32, String>,
}

impl Names {
    /// Reads the node's name databases; what cannot be read is recorded, a missing file is
    /// not (a minimal image has none, and ownership is still known by number).
    pub fn read(root: &NodeRoot, unreadable: &mut Vec<Unreadable>) -> Names {
        Names {
            users: read_name_table(root, "/etc/passwd", unreadable),
            groups: read_name_table(root, "/etc/group", unreadable),
        }
    }
}

/// `name:password:id:...` lines; the first line with an id names it, as `getpwuid` finds it.
fn read_name_table(
    root: &NodeRoot,
    path: &str,
    unreadable: &mut Vec<Unreadable>,
) -> BTreeMap<u32, String> {
    let text = match root.read_text(Path::new(path)) {
        Ok(text) => text,
        Err(ReadError::Missing) => return BTreeMap::new(),
        Err(error) => {
            unreadable.push(Unreadable {
                path: path.to_string(),
                reason: error.to_string(),
            });
            return BTreeMap::new();
        }
    };
    let mut names = BTreeMap::new();
    for line in text.lines() {
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else {
            continue;
        };
        if name.is_empty() || name.starts_with('#') {
            continue;
        }
        if let Ok(id) = id.trim().parse::<u32>() {
            names.entry(id).or_insert_with(|| name.to_string());
        }
    }
    names
}

/// [`NodeFiles`] over the node's real files.
///
/// Symlinks are followed for their facts (the target's mode and owner, under the name asked
/// for): a link's own mode is always 0777 on Linux and guards nothing, what protects the
/// content is the target's mode and owner. kube-bench's `stat -c %a` does not follow and
/// reports 777 for a linked file. `walk` follows the directory it is given (as `find dir/`
/// does) and lists the links inside with their targets' facts, but does not descend into a
/// linked directory (as `find` without `-L`): no loops, no walking out of the directory, and
/// nothing lost in the `..data` layout of mounted Secrets, whose real directory sits beside
/// the link.
#[derive(Debug, Clone)]
pub(crate) struct RootFiles {
    root: NodeRoot,
    names: Names,
}

impl RootFiles {
    pub fn new(root: NodeRoot, names: Names) -> RootFiles {
        RootFiles { root, names }
    }

    fn facts(&self, path: String, meta: &Metadata) -> FileFacts {
        FileFacts {
            path,
            mode: meta.mode() & 0o7777,
            uid: meta.uid(),
            gid: meta.gid(),
            user: self.names.users.get(&meta.uid()).cloned(),
            group: self.names.groups.get(&meta.gid()).cloned(),
            is_dir: meta.is_dir(),
        }
    }

    /// `dir` is the node's path (for names and for following links), `host_dir` where it is
    /// on this machine.
    fn walk_into(
        &self,
        dir: &Path,
        host_dir: &Path,
        depth: usize,
        seen: &mut HashSet<(u64, u64)>,
        out: &mut Vec<FileFacts>,
    ) -> Result<(), String> {
        let names = list_host_dir(host_dir)
            .map_err(|reason| format!("{}: {reason}", dir.display()))?
            .unwrap_or_default();
        for name in names {
            let child = dir.join(&name);
            let host_child = host_dir.join(&name);
            let own = match fs::symlink_metadata(&host_child) {
                Ok(meta) => meta,
                Err(error) if is_absent(&error) => continue,
                Err(error) => return Err(format!("{}: {}", child.display(), describe(&error))),
            };
            let is_link = own.file_type().is_symlink();
            let meta = if is_link {
                match self.root.metadata(&child) {
                    Ok(Some(meta)) => meta,
                    // A dangling link: nothing there to judge.
                    Ok(None) => continue,
                    Err(reason) => return Err(format!("{}: {reason}", child.display())),
                }
            } else {
                own
            };
            if out.len() >= MAX_WALK_ENTRIES {
                return Err(format!(
                    "more than {MAX_WALK_ENTRIES} entries; not walked to the end"
                ));
            }
            out.push(self.facts(display_path(&child), &meta));
            // A bind mount can show a directory twice: it is entered once.
            if !is_link && meta.is_dir() && seen.insert((meta.dev(), meta.ino())) {
                if depth + 1 > MAX_WALK_DEPTH {
                    return Err(format!(
                        "{}: more than {MAX_WALK_DEPTH} directories deep",
                        child.display()
                    ));
                }
                self.walk_into(&child, &host_child, depth + 1, seen, out)?;
            }
        }
        Ok(())
    }
}

impl NodeFiles for RootFiles {
    fn stat(&self, path: &str) -> Result<Option<FileFacts>, String> {
        let meta = self.root.metadata(&node_path(path))?;
        Ok(meta.map(|meta| self.facts(path.to_string(), &meta)))
    }

    fn walk(&self, dir: &str) -> Result<Option<Vec<FileFacts>>, String> {
        let start = node_path(dir);
        let Some(meta) = self.root.metadata(&start)? else {
            return Ok(None);
        };
        let shown = dir.trim_end_matches('/');
        let shown = if shown.is_empty() { "/" } else { shown };
        let mut out = vec![self.facts(shown.to_string(), &meta)];
        if meta.is_dir()
            && let Some(host) = self.root.resolve(&start)?
        {
            let mut seen = HashSet::from([(meta.dev(), meta.ino())]);
            self.walk_into(Path::new(shown), &host, 0, &mut seen, &mut out)?;
        }
        Ok(Some(out))
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        match self.root.read(&node_path(path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(ReadError::Missing) => Ok(None),
            Err(error) => Err(error.to_string()),
        }
    }
}

/// A path inside the node; a relative one is taken from the node's `/`.
pub(crate) fn node_path(path: &str) -> PathBuf {
    Path::new("/").join(path)
}

/// A node path for messages and evidence (lossy only for names that are not UTF-8).
pub(crate) fn display_path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// A file name's text, or `None` when it is not UTF-8 (no configuration file is named so).
pub(crate) fn name_text(name: &OsStr) -> Option<&str> {
    name.to_str()
}
