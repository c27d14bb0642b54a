//! Agreement of `palisade node` with the labelled node data of the shared corpus
//! (`../shared/corpus/node-configs`): each source's reader, the comparison, and the report. The
//! test in `tests/agreement.rs` runs it; `docs/node-agreement.md` explains it.

pub mod kube_bench;
pub mod kubescape;
pub mod minikube;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use palisade_model::{InputError, Node};
use palisade_node::evaluate::evaluate;
use palisade_node::{CheckResult, NodeFiles, NodeState, Status};

/// The shared corpus (`PALISADE_CORPUS`, else `../shared/corpus` beside the repository), or
/// `None` after saying that it is absent.
pub fn corpus() -> Option<PathBuf> {
    let path = std::env::var_os("PALISADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if path.join("node-configs").is_dir() {
        // Shorter paths in the report than `crates/palisade-node/../../../shared/corpus`.
        Some(std::fs::canonicalize(&path).unwrap_or(path))
    } else {
        println!(
            "SKIPPED: ../shared/corpus is absent (looked for {}/node-configs); set PALISADE_CORPUS to run the node agreement",
            path.display()
        );
        None
    }
}

/// The parser the CLI injects.
pub fn parse(file: &str, text: &str) -> Result<Vec<Node>, InputError> {
    palisade_load::parse_documents(file, text)
}

/// A file of the corpus as text; the corpus is ours to trust, so a missing file is a test error.
pub fn read_corpus_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))
}

/// Runs the benchmark; a panic is caught and returned as text, so that one bad node names
/// itself instead of ending the whole comparison.
pub fn evaluate_caught(state: &NodeState) -> Result<Vec<CheckResult>, String> {
    catch_unwind(AssertUnwindSafe(|| evaluate(state))).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|text| text.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_string())
    })
}

pub fn status_name(status: Status) -> &'static str {
    match status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Warn => "warn",
        Status::Manual => "manual",
    }
}

/// A result in one line: its status, its reason, and the first piece of evidence.
pub fn describe(result: &CheckResult) -> String {
    let mut text = format!("{} ({})", status_name(result.status), result.reason);
    if let Some(evidence) = result.evidence.first() {
        let _ = write!(text, "; found {}", evidence.found);
        if let Some(source) = &evidence.source {
            let _ = write!(text, " in {source}");
        }
    }
    text
}

/// The results by CIS id.
pub fn by_id(results: Vec<CheckResult>) -> BTreeMap<String, CheckResult> {
    results
        .into_iter()
        .map(|result| (result.id.clone(), result))
        .collect()
}

/// One source's figures, and every line a reader of `docs/node-agreement.md` needs.
#[derive(Default)]
pub struct Agreement {
    pub source: &'static str,
    pub agreed: usize,
    pub compared: usize,
    pub disagreements: Vec<String>,
    /// The verdicts both sides gave alike, printed with `PALISADE_NODE_AGREEMENT_VERBOSE=1`.
    pub agreements: Vec<String>,
    pub not_compared: Vec<String>,
    /// What the source holds and how it was read (counts, the comparison's unit).
    pub notes: Vec<String>,
    /// Corpus files that could not be read, and nodes on which the benchmark panicked: both
    /// fail the test.
    pub errors: Vec<String>,
}

impl Agreement {
    pub fn new(source: &'static str) -> Agreement {
        Agreement {
            source,
            ..Agreement::default()
        }
    }

    pub fn compare(&mut self, subject: &str, ours: &CheckResult, theirs: Status, why: &str) {
        self.compared += 1;
        if ours.status == theirs {
            self.agreed += 1;
            self.agreements
                .push(format!("{subject}: both {}", status_name(theirs)));
        } else {
            self.disagreements.push(format!(
                "{subject}: palisade {}; {} {} ({why})",
                describe(ours),
                self.source,
                status_name(theirs)
            ));
        }
    }

    pub fn percent(&self) -> f64 {
        if self.compared == 0 {
            0.0
        } else {
            100.0 * self.agreed as f64 / self.compared as f64
        }
    }

    /// The report: `node-agreement <source>: <agreed>/<compared>`, then every disagreement and
    /// every case left out of the comparison, with its reason.
    pub fn render(&self) -> String {
        let mut text = format!(
            "node-agreement {}: {}/{}",
            self.source, self.agreed, self.compared
        );
        if self.compared > 0 {
            let _ = write!(text, " ({:.1}%)", self.percent());
        } else {
            text.push_str(
                " (nothing compared: the benchmark gave no pass/fail verdict to compare)",
            );
        }
        text.push('\n');
        for note in &self.notes {
            let _ = writeln!(text, "  note: {note}");
        }
        let _ = writeln!(text, "  disagreements ({}):", self.disagreements.len());
        for line in &self.disagreements {
            let _ = writeln!(text, "    - {line}");
        }
        if std::env::var_os("PALISADE_NODE_AGREEMENT_VERBOSE").is_some() {
            let _ = writeln!(text, "  agreements ({}):", self.agreements.len());
            for line in &self.agreements {
                let _ = writeln!(text, "    - {line}");
            }
        }
        let _ = writeln!(text, "  not compared ({}):", self.not_compared.len());
        for line in &self.not_compared {
            let _ = writeln!(text, "    - {line}");
        }
        if !self.errors.is_empty() {
            let _ = writeln!(text, "  errors ({}):", self.errors.len());
            for line in &self.errors {
                let _ = writeln!(text, "    - {line}");
            }
        }
        text
    }
}

/// Files answered by the first layer that knows the path: a node put together from a copy of
/// its filesystem and a host sensor's report.
pub struct LayeredFiles(pub Vec<Box<dyn NodeFiles + Send + Sync>>);

impl NodeFiles for LayeredFiles {
    fn stat(&self, path: &str) -> Result<Option<palisade_node::FileFacts>, String> {
        for layer in &self.0 {
            if let Some(found) = layer.stat(path).transpose() {
                return found.map(Some);
            }
        }
        Ok(None)
    }

    fn walk(&self, dir: &str) -> Result<Option<Vec<palisade_node::FileFacts>>, String> {
        for layer in &self.0 {
            if let Some(found) = layer.walk(dir).transpose() {
                return found.map(Some);
            }
        }
        Ok(None)
    }

    fn read(&self, path: &str) -> Result<Option<Vec<u8>>, String> {
        for layer in &self.0 {
            if let Some(found) = layer.read(path).transpose() {
                return found.map(Some);
            }
        }
        Ok(None)
    }
}
