//! A kubeadm configuration (InitConfiguration, ClusterConfiguration, JoinConfiguration,
//! KubeletConfiguration, KubeProxyConfiguration; kubeadm API `v1beta1` to `v1beta4`) read as the
//! node kubeadm would build from it: the static pod manifests' flags, the kubelet's flags and
//! configuration, and the files with the modes kubeadm writes.
//!
//! The input is one file, or a directory (a bundle) whose `.yaml`/`.yml` files are read together.
//! A bundle may also hold the files the API server's flags name (an audit Policy, an
//! EncryptionConfiguration, an AdmissionConfiguration...): a flag whose file name is found in the
//! bundle reads that file through [`NodeFiles::read`](crate::state::NodeFiles::read). A
//! `prepare-node.sh` in the bundle (as `palisade generate kubeadm` writes it) is read for the
//! `install`, `chmod` and `chown` lines it runs before `kubeadm init` (literal paths and octal
//! modes only; `kubeadm/script.rs`).
//!
//! Every flag's [`Source`](crate::state::Source) is kind [`KUBEADM_CONFIGURATION`] with the
//! position of the setting that gave it (an `extraArgs` entry, `certificatesDir`,
//! `etcd.local.dataDir`...), or kind [`KUBEADM_DEFAULT`] when kubeadm generates it on its own.
//! In the kubelet's and kube-proxy's [`ConfigFile`](crate::state::ConfigFile), the values
//! kubeadm adds (`authentication.anonymous.enabled: false`, `authorization.mode: Webhook`...)
//! have no position (line 0), and `path` is the file the KubeletConfiguration document came
//! from (`/var/lib/kubelet/config.yaml` when the configuration has none). What kubeadm would generate was read
//! from kubeadm's sources (`cmd/kubeadm/app/phases/controlplane/manifests.go`,
//! `phases/etcd/local.go`, `phases/kubelet/flags.go`, `componentconfigs/kubelet.go`,
//! `componentconfigs/kubeproxy.go`, `util/arguments.go`); the file modes, with where each
//! was read, are listed in `kubeadm/files.rs`.

mod args;
mod build;
mod document;
mod files;
mod script;

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use palisade_model::Pos;

use crate::state::{NodeState, ParseDocuments, Unreadable};

pub use files::UNKNOWN_ID;

use document::Config;

/// [`Source::kind`](crate::state::Source::kind) of a value set in the kubeadm configuration.
pub const KUBEADM_CONFIGURATION: &str = "kubeadm configuration";
/// [`Source::kind`](crate::state::Source::kind) of a value kubeadm generates on its own.
pub const KUBEADM_DEFAULT: &str = "kubeadm default";

/// The bundle file `palisade generate kubeadm` writes for the steps `kubeadm init` cannot take.
pub const PREPARE_SCRIPT: &str = "prepare-node.sh";

/// Configuration files are small; anything larger is not one.
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// A configuration that cannot be read, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KubeadmError {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

impl KubeadmError {
    pub(crate) fn in_file(file: impl Into<String>, message: impl Into<String>) -> KubeadmError {
        KubeadmError {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(
        file: impl Into<String>,
        pos: Pos,
        message: impl Into<String>,
    ) -> KubeadmError {
        let known = pos.is_known();
        KubeadmError {
            file: file.into(),
            line: known.then_some(pos.line),
            column: known.then_some(pos.column),
            message: message.into(),
        }
    }
}

impl fmt::Display for KubeadmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (Some(line), Some(column)) => {
                write!(f, "{}:{}:{}: {}", self.file, line, column, self.message)
            }
            (Some(line), None) => write!(f, "{}:{}: {}", self.file, line, self.message),
            _ => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for KubeadmError {}

/// The directory a configuration was read from, when it is a bundle.
pub(crate) struct Bundle {
    pub dir: Option<PathBuf>,
    /// Every regular file of the bundle directory, by file name.
    pub files: BTreeMap<String, PathBuf>,
}

/// Reads a kubeadm configuration file, or every `.yaml` file of a directory (a bundle), as the
/// node kubeadm would build from it.
pub fn read_kubeadm_config(path: &Path, parse: ParseDocuments) -> Result<NodeState, KubeadmError> {
    let shown = path.display().to_string();
    let metadata = std::fs::metadata(path)
        .map_err(|error| KubeadmError::in_file(&shown, format!("cannot read: {error}")))?;
    let (inputs, bundle) = if metadata.is_dir() {
        bundle_inputs(path)?
    } else {
        let bundle = Bundle {
            dir: None,
            files: BTreeMap::new(),
        };
        (vec![(shown.clone(), path.to_path_buf())], bundle)
    };

    let mut config = Config::default();
    let mut broken: Vec<(String, KubeadmError)> = Vec::new();
    for (file, file_path) in &inputs {
        let parsed =
            read_text(file, file_path).and_then(|text| parse(file, &text).map_err(input_error));
        match parsed {
            Ok(documents) => config.add_file(file, documents, bundle.dir.is_none())?,
            // In a bundle a file that is not YAML may still be a file a flag names (a broken
            // audit policy is the API server's problem, not kubeadm's); decided once the flags
            // are known.
            Err(error) if bundle.dir.is_some() => broken.push((file_name(file_path), error)),
            Err(error) => return Err(error),
        }
    }
    if !config.has_kubeadm_document() {
        // A file that did not parse is then the likelier cause, and its error says where.
        if let Some((_, error)) = broken.into_iter().next() {
            return Err(error);
        }
        return Err(KubeadmError::in_file(
            &shown,
            "no InitConfiguration, ClusterConfiguration or JoinConfiguration \
             (kubeadm.k8s.io/v1beta1 to v1beta4) found",
        ));
    }

    let script = match &bundle.dir {
        Some(dir) => read_script(dir)?,
        None => Vec::new(),
    };
    let built = build::build(&config, &bundle, &script)?;
    if let Some((_, error)) = broken
        .into_iter()
        .find(|(name, _)| !built.bundle_files_used.contains(name))
    {
        return Err(error);
    }
    let mut unreadable: Vec<Unreadable> = built.unreadable;
    unreadable.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(NodeState {
        components: built.components,
        files: Box::new(built.files),
        unreadable,
        origin: format!("kubeadm configuration {shown}"),
        parse,
    })
}

fn bundle_inputs(dir: &Path) -> Result<(Vec<(String, PathBuf)>, Bundle), KubeadmError> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|error| KubeadmError::in_file(&shown, format!("cannot list: {error}")))?;
    let mut files = BTreeMap::new();
    for entry in entries {
        let entry = entry
            .map_err(|error| KubeadmError::in_file(&shown, format!("cannot list: {error}")))?;
        let path = entry.path();
        // Symbolic links are followed: a bundle may link to files kept elsewhere (a key).
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            files.insert(file_name(&path), path);
        }
    }
    let inputs: Vec<(String, PathBuf)> = files
        .iter()
        .filter(|(name, _)| {
            let lower = name.to_ascii_lowercase();
            lower.ends_with(".yaml") || lower.ends_with(".yml")
        })
        .map(|(_, path)| (path.display().to_string(), path.clone()))
        .collect();
    if inputs.is_empty() {
        return Err(KubeadmError::in_file(
            shown,
            "no .yaml files in the directory",
        ));
    }
    let bundle = Bundle {
        dir: Some(dir.to_path_buf()),
        files,
    };
    Ok((inputs, bundle))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_text(file: &str, path: &Path) -> Result<String, KubeadmError> {
    let bytes = read_bounded(path, MAX_CONFIG_BYTES)
        .map_err(|reason| KubeadmError::in_file(file, reason))?;
    if bytes.contains(&0) {
        return Err(KubeadmError::in_file(file, "not YAML: binary content"));
    }
    String::from_utf8(bytes).map_err(|_| KubeadmError::in_file(file, "not YAML: not UTF-8 text"))
}

/// A file's bytes, refused when larger than `limit`.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read: {error}"))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|error| format!("cannot read: {error}"))?;
    if bytes.len() as u64 > limit {
        return Err(format!("larger than {limit} bytes"));
    }
    Ok(bytes)
}

fn input_error(error: palisade_model::InputError) -> KubeadmError {
    KubeadmError {
        file: error.file,
        line: error.line,
        column: error.column,
        message: format!("not YAML: {}", error.message),
    }
}

fn read_script(dir: &Path) -> Result<Vec<script::ScriptOp>, KubeadmError> {
    let path = dir.join(PREPARE_SCRIPT);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let shown = path.display().to_string();
    let text = read_text(&shown, &path)?;
    Ok(script::parse_script(&text))
}

#[cfg(test)]
mod tests;
