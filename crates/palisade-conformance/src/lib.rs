//! The conformance harness: palisade's verdicts against the labelled fixtures of other
//! Kubernetes scanners (kube-linter, Polaris, kubeaudit, kubesec, Checkov, kube-score) in the
//! shared corpus (`../shared/corpus/peer-fixtures`), through the mapping table
//! `docs/peer-mapping.md` (peer check → palisade rules, or "not covered" with the reason).
//!
//! For every labelled case of a mapped check, palisade loads the fixture with the same loader
//! as the CLI, runs every rule with the default configuration, and fails the fixture (or the
//! object the label is about) when a finding of a mapped rule is on it. Verdicts are compared,
//! not messages or counts. `scripts/conformance` runs the binary; the test
//! `tests/conformance.rs` runs the same comparison.

pub mod audit;
pub mod cli;
pub mod compare;
pub mod mapping;
pub mod netpol;
pub mod peers;
pub mod render;

use std::path::{Path, PathBuf};

pub use compare::{Comparison, Report, TARGET_COMPARED, TARGET_PERCENT};
pub use mapping::{Mapping, MappingError, PEERS, Verdict};

/// The workspace root (this crate lives in `crates/palisade-conformance`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the shared corpus is: `$PALISADE_CORPUS`, else `../shared/corpus` next to the
/// workspace (the convention of `crates/palisade/tests/corpus.rs`).
pub fn default_corpus() -> PathBuf {
    std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/corpus"))
}

/// The mapping table in the repository.
pub fn default_mapping() -> PathBuf {
    workspace_root().join("docs/peer-mapping.md")
}

/// Why a run could not start (exit code 2).
#[derive(Debug)]
pub enum SetupError {
    CorpusAbsent(PathBuf),
    Unreadable(String),
    Mapping(PathBuf, Vec<MappingError>),
    UnknownPeer(String),
}

impl std::fmt::Display for SetupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SetupError::CorpusAbsent(path) => write!(
                f,
                "the shared corpus is absent: no {} (set PALISADE_CORPUS or pass --corpus)",
                path.join("peer-fixtures").display()
            ),
            SetupError::Unreadable(message) => f.write_str(message),
            SetupError::Mapping(path, errors) => {
                write!(f, "{} is malformed:", path.display())?;
                for error in errors {
                    write!(f, "\n  {error}")?;
                }
                Ok(())
            }
            SetupError::UnknownPeer(peer) => {
                write!(f, "unknown peer {peer:?} (one of {})", PEERS.join(", "))
            }
        }
    }
}

impl std::error::Error for SetupError {}

/// What to compare.
#[derive(Clone, Debug)]
pub struct Options {
    pub corpus: PathBuf,
    pub mapping: PathBuf,
    /// Only these peers (all when empty).
    pub peers: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            corpus: default_corpus(),
            mapping: default_mapping(),
            peers: Vec::new(),
        }
    }
}

/// Reads the mapping file.
pub fn read_mapping(path: &Path) -> Result<Mapping, SetupError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SetupError::Unreadable(format!("cannot read {}: {e}", path.display())))?;
    mapping::parse(&text).map_err(|errors| SetupError::Mapping(path.to_path_buf(), errors))
}

/// Reads everything and compares. Rules are looked up in palisade's registry.
pub fn run(options: &Options) -> Result<Report, SetupError> {
    let peer_fixtures = options.corpus.join("peer-fixtures");
    if !peer_fixtures.is_dir() {
        return Err(SetupError::CorpusAbsent(options.corpus.clone()));
    }
    let peer_fixtures = peer_fixtures.canonicalize().map_err(|e| {
        SetupError::Unreadable(format!("cannot read {}: {e}", peer_fixtures.display()))
    })?;
    let mapping = read_mapping(&options.mapping)?;
    for peer in &options.peers {
        if !PEERS.contains(&peer.as_str()) {
            return Err(SetupError::UnknownPeer(peer.clone()));
        }
    }
    let mut peers = Vec::new();
    for peer in PEERS {
        if !options.peers.is_empty() && !options.peers.iter().any(|p| p == peer) {
            continue;
        }
        let data = peers::read_peer_dir(peer, &peer_fixtures.join(peer))
            .map_err(SetupError::Unreadable)?;
        peers.push((peer.to_string(), data));
    }
    Ok(compare::compare(&peer_fixtures, &peers, &mapping, |rule| {
        palisade_rules::find_rule(rule).is_some()
    }))
}
